"""Values the spec language is parsed into and everything downstream reads: durations, thresholds,
statistics, "M of N". Plain Python: the model, the targets, runbooks and the sync need none of the
spec language's validation (pydantic) to use them; `language/v1/fields.py` parses text into them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass


# --- durations ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024, typed=True)  # a few durations, formatted for each alarm (typed: 60 and 60.0 differ)
def format_duration(seconds: int) -> str:
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size or (unit == "s" and not parts):
            count, seconds = divmod(seconds, size)
            if count:
                parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


# --- thresholds ---------------------------------------------------------------------------

COMPARISONS = {
    ">": "GreaterThanThreshold",
    ">=": "GreaterThanOrEqualToThreshold",
    "<": "LessThanThreshold",
    "<=": "LessThanOrEqualToThreshold",
}
BANDS = {
    "outside": "LessThanLowerOrGreaterThanUpperThreshold",
    "above": "GreaterThanUpperThreshold",
    "below": "LessThanLowerThreshold",
}


@dataclass(frozen=True, slots=True)
class Threshold:
    """`"> 10"` (a static threshold) or `"outside band 2"` (an anomaly-detection band of width 2)."""

    operator: str  # one of COMPARISONS or BANDS keys
    value: float

    @property
    def is_band(self) -> bool:
        return self.operator in BANDS

    @property
    def comparison(self) -> str:
        """CloudWatch's ComparisonOperator for this threshold."""
        return BANDS[self.operator] if self.is_band else COMPARISONS[self.operator]

    def __str__(self) -> str:
        value = number_text(self.value)
        return f"{self.operator} band {value}" if self.is_band else f"{self.operator} {value}"


def number_text(value: float) -> str:
    """A threshold as people write it: `5000`, not `5000.0`; a fraction or a huge number as Python prints it."""
    return str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)


# --- statistics ---------------------------------------------------------------------------

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


def is_extended(statistic: str) -> bool:
    """p90, p99.9, tm90, ... go into ExtendedStatistic; the five basic ones into Statistic."""
    return statistic not in STATISTICS


# --- "M of N" datapoints ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MofN:
    datapoints: int
    periods: int

    def __str__(self) -> str:
        return f"{self.datapoints} of {self.periods}"
