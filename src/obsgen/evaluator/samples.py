"""What a metric received: raw values and statistic sets, with their timestamps.

Timestamps are seconds since the epoch (int or float), values finite floats: PutMetricData
rejects NaN and infinities (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Mapping

from .errors import EvaluationError


@dataclass(frozen=True, slots=True)
class Metric:
    """A metric's identity: namespace, name and dimensions (sorted by name)."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, namespace: str, name: str, dimensions: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> "Metric":
        pairs = dimensions.items() if isinstance(dimensions, Mapping) else dimensions
        return cls(namespace, name, tuple(sorted((str(k), str(v)) for k, v in pairs)))


@dataclass(frozen=True, slots=True)
class StatisticSet:
    """A pre-aggregated datapoint (PutMetricData's StatisticValues)."""

    timestamp: float
    sample_count: float
    sum: float
    minimum: float
    maximum: float

    def expanded(self) -> list[float] | None:
        """The raw values this set stands for, when CloudWatch can still compute percentiles from it:
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
        ("The SampleCount value of the statistic set is 1 and Min, Max, and Sum are all equal", or
        "The Min and Max are equal, and Sum is equal to Min multiplied by SampleCount"). A
        fractional SampleCount cannot be expanded into values: None, like any other set."""
        count = self.sample_count
        if self.minimum != self.maximum or count != int(count) or count < 1:
            return None
        if self.sum != self.minimum * count:
            return None
        return [self.minimum] * int(count)


class Samples:
    """One metric's datapoints, sorted by time. Build it once and reuse it for every alarm."""

    __slots__ = ("timestamps", "values", "statistic_sets")

    def __init__(self, points: Iterable[tuple[float, float]] = (), statistic_sets: Iterable[StatisticSet] = ()):
        pairs = sorted(points, key=lambda p: p[0])
        for timestamp, value in pairs:
            if not (math.isfinite(timestamp) and math.isfinite(value)):
                raise EvaluationError(f"datapoint ({timestamp}, {value}): CloudWatch accepts only finite numbers")
        self.timestamps: list[float] = [t for t, _ in pairs]
        self.values: list[float] = [float(v) for _, v in pairs]
        sets = sorted(statistic_sets, key=lambda s: s.timestamp)
        for item in sets:
            numbers = (item.timestamp, item.sample_count, item.sum, item.minimum, item.maximum)
            if not all(math.isfinite(n) for n in numbers) or item.sample_count <= 0:
                raise EvaluationError(f"statistic set at {item.timestamp}: needs finite numbers and a SampleCount above 0")
        self.statistic_sets: tuple[StatisticSet, ...] = tuple(sets)

    @classmethod
    def of(cls, points: Iterable[tuple[float, float]]) -> "Samples":
        return cls(points)

    def __len__(self) -> int:
        return len(self.timestamps) + len(self.statistic_sets)

    def __repr__(self) -> str:
        return f"Samples({len(self.timestamps)} values, {len(self.statistic_sets)} statistic sets)"


EMPTY = Samples()
