"""CloudWatch statistics computed from a period's raw values.

Definitions: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
(quoted below as "the definitions page"). Where the page is silent the choice is stated at the
function and in docs/alarm-evaluation.md.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from .errors import EvaluationError, Unsupported

BASIC = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")

_NUMBER = r"\d+(?:\.\d+)?"
_SHORT = re.compile(rf"^(p|tm|wm|tc|ts)({_NUMBER})$")
_RANGE = re.compile(rf"^(TM|WM|TC|TS|PR)\(\s*({_NUMBER}%?)?\s*:\s*({_NUMBER}%?)?\s*\)$")


@dataclass(frozen=True, slots=True)
class Bound:
    """One end of a TM/WM/TC/TS/PR range: a percentage of the values (rank) or a value."""

    amount: Fraction
    percent: bool


@dataclass(frozen=True, slots=True)
class Statistic:
    """A parsed statistic. `kind` is one of BASIC, "p", "TM", "WM", "TC", "TS", "PR"."""

    text: str
    kind: str
    percentile: Fraction | None = None  # p: 0..100
    lower: Bound | None = None
    upper: Bound | None = None

    @property
    def needs_values(self) -> bool:
        """Percentiles and the trimmed family need the raw values ("CloudWatch needs raw data points
        to calculate the following statistics", definitions page)."""
        return self.kind not in BASIC

    def low_sample_threshold(self) -> Fraction | None:
        """Fewer samples than this in a period make a percentile "statistically insignificant":
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/percentiles-with-low-samples.html
        "For percentiles between 0.5 (inclusive) and 1.00 (exclusive), ... fewer than 10/(1-percentile)
        data points ... For percentiles between 0 and 0.5 (exclusive), ... fewer than 10/percentile".
        Only percentiles (the page names no other statistic); p0 and p100 are outside both ranges."""
        if self.kind != "p" or self.percentile is None:
            return None
        q = self.percentile / 100
        if Fraction(1, 2) <= q < 1:
            return 10 / (1 - q)
        if 0 < q < Fraction(1, 2):
            return 10 / q
        return None


def parse(text: str) -> Statistic:
    """`Sum`, `p99`, `p99.9`, `tm90`, `TM(10%:90%)`, `TC(:0.5)`, `IQM`, `PR(100:2000)`, ..."""
    if text in BASIC:
        return Statistic(text, text)
    if text == "IQM":  # "equivalent to TM(25%:75%)" (definitions page)
        return Statistic(text, "TM", lower=Bound(Fraction(25), True), upper=Bound(Fraction(75), True))
    if match := _SHORT.match(text):
        kind, number = match.group(1), Fraction(match.group(2))
        if number > 100:
            raise EvaluationError(f"statistic {text}: the number is a percentile, at most 100")
        if kind == "p":
            return Statistic(text, "p", percentile=number)
        # "Using one number without parentheses ... tm99 ... is the same as TM(:99%)" (definitions page)
        return Statistic(text, kind.upper(), upper=Bound(number, True))
    if match := _RANGE.match(text):
        kind = match.group(1)
        lower, upper = _bound(match.group(2)), _bound(match.group(3))
        return _checked_range(text, kind, lower, upper)
    raise EvaluationError(f"statistic {text!r} is not one CloudWatch computes "
                          "(Sum, Average, Minimum, Maximum, SampleCount, pNN, tmNN, TM(a:b), wm, tc, ts, PR, IQM)")


def _bound(text: str | None) -> Bound | None:
    if text is None:
        return None
    percent = text.endswith("%")
    return Bound(Fraction(text.rstrip("%")), percent)


def _checked_range(text: str, kind: str, lower: Bound | None, upper: Bound | None) -> Statistic:
    bounds = [b for b in (lower, upper) if b is not None]
    if kind == "PR" and any(b.percent for b in bounds):
        raise EvaluationError(f"statistic {text}: percentile rank takes values, not percentages")
    if len(bounds) == 2 and bounds[0].percent != bounds[1].percent:
        # The definitions page describes two percentages or two values, never one of each.
        raise Unsupported(f"statistic {text}", "a range with one percentage and one value is not documented")
    if any(b.percent and b.amount > 100 for b in bounds):
        raise EvaluationError(f"statistic {text}: a percentage is at most 100%")
    return Statistic(text, kind, lower=lower, upper=upper)


# --- computing -------------------------------------------------------------------------------


def basic(statistic: Statistic, count: float, total: float, lowest: float, highest: float) -> float | None:
    """Sum, SampleCount, Average (Sum/SampleCount), Minimum, Maximum of a period (definitions page)."""
    if count <= 0:
        return None
    kind = statistic.kind
    if kind == "Sum":
        return total
    if kind == "SampleCount":
        return count
    if kind == "Average":
        return total / count
    return lowest if kind == "Minimum" else highest


def from_values(statistic: Statistic, ordered: Sequence[float]) -> float | None:
    """An extended statistic of a period's values, sorted ascending. None: no datapoint."""
    n = len(ordered)
    if n == 0:
        return None
    kind = statistic.kind
    if kind == "p":
        return ordered[_rank(statistic.percentile, n) - 1]  # type: ignore[arg-type]
    if kind == "PR":
        return _percentile_rank(statistic, ordered)
    start, stop = _kept(statistic, ordered)
    if kind == "TC":
        return float(stop - start)
    if kind == "TS":
        return math.fsum(ordered[start:stop])
    if kind == "TM":
        if start >= stop:
            return None  # a mean of nothing: no datapoint (the page defines TM as a mean, TS as TM x TC)
        return math.fsum(ordered[start:stop]) / (stop - start)
    if start >= stop and any(b is not None and b.percent for b in (statistic.lower, statistic.upper)):
        return None  # a percentage range that keeps nothing has no edge value to winsorize to
    # WM: "values that are outside the boundary ... are considered to be equal to the value at the
    # edge of the appropriate boundary. After this normalization, the average is calculated." A
    # value boundary's edge is the value itself; a percentage's edge is the last value kept on
    # that side (p(b) for the upper one, as "wm98 ... equal to the value at the 98th percentile").
    low = float(statistic.lower.amount) if statistic.lower and not statistic.lower.percent else ordered[start]
    high = float(statistic.upper.amount) if statistic.upper and not statistic.upper.percent else ordered[stop - 1]
    return (low * start + math.fsum(ordered[start:stop]) + high * (n - stop)) / n


def _rank(percentile: Fraction, n: int) -> int:
    """Nearest rank, 1-based: "p99 is the maximum value of the remaining 99%" after the 1% highest are
    ignored (definitions page, "Percentiles versus trimmed mean"), so the answer is a value of the data
    set and there is no interpolation (the page describes none). p0 is the lowest value."""
    return max(1, _ceil_percent(percentile, n))


def _ceil_percent(percent: Fraction, n: int) -> int:
    """ceil(percent% of n), exactly (integers: a Fraction per window costs a third of the p99 benchmark)."""
    return -(-percent.numerator * n // (percent.denominator * 100))


def _kept(statistic: Statistic, ordered: Sequence[float]) -> tuple[int, int]:
    """Indices [start, stop) of the values inside the statistic's range.

    Percentages cut by rank, like the percentile of the same number ("tm90 calculates the average
    after removing the 10% of data points with the highest values"): the upper cut keeps the first
    ceil(b% * n) values, the same ones whose maximum is p(b); the lower cut drops the first
    ceil(a% * n). Values: "TC(80:500) uses only the values that are between 80 (exclusive) and 500
    (inclusive)" and the note "includes values equal to the higher boundary, but does not include
    values equal to the lower boundary"."""
    n = len(ordered)
    start, stop = 0, n
    lower, upper = statistic.lower, statistic.upper
    if lower is not None:
        start = _ceil_percent(lower.amount, n) if lower.percent else _count_at_most(ordered, float(lower.amount))
    if upper is not None:
        stop = _ceil_percent(upper.amount, n) if upper.percent else _count_at_most(ordered, float(upper.amount))
    return start, max(start, stop)


def _count_at_most(ordered: Sequence[float], value: float) -> int:
    return bisect_right(ordered, value)


def _percentile_rank(statistic: Statistic, ordered: Sequence[float]) -> float:
    """"PR(100:2000) returns the percentage of data points that have a value between 100 and 2000";
    the lower bound is excluded and the upper included ("PR(:300) returns the percentage of data
    points that have a value of 300 or less")."""
    start, stop = _kept(statistic, ordered)
    return 100.0 * (stop - start) / len(ordered)
