"""Period aggregation: one statistic value per window [end - period, end), for many windows at once.

The windows an alarm reads are on a grid: a sliding-window alarm evaluated every minute reads
windows ending on every minute, so each window is computed once and shared by the (up to
evaluation-range) evaluations that read it. Raw values are first binned into grid-step buckets
(one bisect per bucket boundary, not per value); a window is the run of its buckets.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate
from typing import Sequence

from . import statistics
from .errors import EvaluationError
from .samples import Samples
from .statistics import Statistic


@dataclass(frozen=True, slots=True)
class Grid:
    """Window ends `first + i * step` for i in range(count); every window is `period` long."""

    first: int
    step: int
    count: int
    period: int

    def __post_init__(self) -> None:
        if self.step <= 0 or self.period <= 0 or self.period % self.step:
            raise EvaluationError(f"a period of {self.period}s cannot be cut into {self.step}s steps")

    def end(self, index: int) -> int:
        return self.first + index * self.step

    def index(self, end: int) -> int:
        return (end - self.first) // self.step


@dataclass(slots=True)
class Aggregated:
    """Per window of the grid: the statistic's value (None: no datapoint) and the sample count."""

    values: list[float | None]
    counts: list[float]


def aggregate(samples: Samples, statistic: Statistic, grid: Grid) -> Aggregated:
    buckets = _Buckets(samples, grid)
    if statistic.needs_values:
        return _extended(buckets, statistic, grid)
    return _basic(buckets, statistic, grid)


class _Buckets:
    """The samples cut into grid-step buckets; bucket j covers [origin + j*step, origin + (j+1)*step)."""

    def __init__(self, samples: Samples, grid: Grid):
        self.per_window = grid.period // grid.step
        self.count = grid.count - 1 + self.per_window
        self.origin = grid.first - grid.period
        step, origin = grid.step, self.origin
        times = samples.timestamps
        self.offsets = [bisect_left(times, origin + j * step) for j in range(self.count + 1)]
        self.values = samples.values
        self.sets: dict[int, list] = {}
        for item in samples.statistic_sets:
            j = math.floor((item.timestamp - origin) / step)
            if 0 <= j < self.count:
                self.sets.setdefault(j, []).append(item)


def _basic(buckets: _Buckets, statistic: Statistic, grid: Grid) -> Aggregated:
    offsets, values, k = buckets.offsets, buckets.values, buckets.per_window
    n = buckets.count
    counts = [float(offsets[j + 1] - offsets[j]) for j in range(n)]
    sums = [math.fsum(values[offsets[j]:offsets[j + 1]]) if counts[j] else 0.0 for j in range(n)]
    lows = [min(values[offsets[j]:offsets[j + 1]]) if counts[j] else math.inf for j in range(n)]
    highs = [max(values[offsets[j]:offsets[j + 1]]) if counts[j] else -math.inf for j in range(n)]
    for j, items in buckets.sets.items():
        counts[j] += sum(s.sample_count for s in items)
        sums[j] = math.fsum([sums[j], *(s.sum for s in items)])
        lows[j] = min(lows[j], *(s.minimum for s in items))
        highs[j] = max(highs[j], *(s.maximum for s in items))
    running = [0.0, *accumulate(counts)]
    out_values: list[float | None] = []
    out_counts: list[float] = []
    for i in range(grid.count):
        count = running[i + k] - running[i]
        out_counts.append(count)
        if not count:
            out_values.append(None)
            continue
        total = math.fsum(sums[i:i + k]) if k > 1 else sums[i]
        low = min(lows[i:i + k]) if k > 1 else lows[i]
        high = max(highs[i:i + k]) if k > 1 else highs[i]
        out_values.append(statistics.basic(statistic, count, total, low, high))
    return Aggregated(out_values, out_counts)


def _extended(buckets: _Buckets, statistic: Statistic, grid: Grid) -> Aggregated:
    """Percentiles and the trimmed family. A window is unavailable (no datapoint) when it holds a
    statistic set that cannot stand for raw values, or a negative value: "these type of statistics
    are not available for metrics when any of the metric values are negative numbers"
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html).
    The page says "for metrics"; the evaluator applies it per window (it sees no other data)."""
    offsets, values, k, n = buckets.offsets, buckets.values, buckets.per_window, buckets.count
    ordered: list[float] = []
    starts = [0]
    unusable = []
    for j in range(n):
        bucket = values[offsets[j]:offsets[j + 1]]
        bad = False
        for item in buckets.sets.get(j, ()):
            expanded = item.expanded()
            if expanded is None:
                bad = True
            else:
                bucket = [*bucket, *expanded]
        bucket.sort()  # sorted runs per bucket: sorting a window then only merges k runs
        if bucket and bucket[0] < 0:
            bad = True
        ordered.extend(bucket)
        starts.append(len(ordered))
        unusable.append(1 if bad else 0)
    bad_running = [0, *accumulate(unusable)]
    out_values: list[float | None] = []
    out_counts: list[float] = []
    for i in range(grid.count):
        lo, hi = starts[i], starts[i + k]
        out_counts.append(float(hi - lo))
        if hi == lo or bad_running[i + k] != bad_running[i]:
            out_values.append(None)
            continue
        window: Sequence[float] = ordered[lo:hi] if k == 1 else sorted(ordered[lo:hi])
        out_values.append(statistics.from_values(statistic, window))
    return Aggregated(out_values, out_counts)
