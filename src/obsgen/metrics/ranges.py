"""Can an alarm's threshold ever be crossed, and is it crossed by every value? The values a statistic of a
metric can take, from the metric catalog, against a static threshold.

A metric's values are bounded by:
  - its page (the catalog's `range:`, with AWS's words): EC2 `CPUUtilization` is "the percentage of
    physical CPU time", at most 100; EC2 `StatusCheckFailed` "can be either 0 (passed) or 1 (failed)";
    RDS `ReplicaLag` reports -1 when replication is not active. A percentage is bounded only where its
    page makes it a share of a whole: ECS service `CPUUtilization` "reports 400%" for a task using four
    times its task definition's CPU (service_utilization.html), so it has no `max`.
  - its unit, below: a metric in a CloudWatch unit other than `None` is an amount (a count, a size, a
    time, a rate of them, or a Percent) and is never below 0, unless its page gives a `min` (ReplicaLag).
    The unit is AWS's own statement of what the value measures (API_MetricDatum.html, Unit), on every
    metric of the catalog that has one; a bound per metric would repeat it ~600 times with no more
    evidence. A metric without a unit in the catalog (RDS instance metrics, OpenSearch) has no lower bound.

The statistic then decides (Statistics-definitions.html): Minimum, Maximum, Average, percentiles and the
trimmed and winsorized means are values of the data points or between them, so they keep the metric's
bounds; Sum (and the trimmed sum TS) adds data points, so it has no upper bound and keeps only a lower
bound of 0; SampleCount and the trimmed count TC count data points, and the percentile rank PR is a
share of them (0 to 100), whatever the metric.

Each problem is a `checks.Problem`; the caller locates it at the threshold. Kinds:

  threshold-never-breached   error    no value of the statistic crosses the threshold (`> 100` on EC2
                                      CPUUtilization, `< 0` on a Count): the alarm never fires
  threshold-always-breached  warning  every value crosses it (`>= 0` on a Count, `<= 100` on EC2
                                      CPUUtilization): the alarm is in ALARM whenever there is data
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..diagnostics import Level
from ..values import Threshold, number_text
from .catalog import MetricCatalog, MetricInfo
from .checks import Problem
from .shipped import shipped_catalog

# CloudWatch's units (botocore cloudwatch/2010-08-01 StandardUnit, API_MetricDatum.html): every one but None
# measures an amount, never below 0.
UNITLESS = "None"
UNIT_SOURCE = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDatum.html"
STATISTICS_SOURCE = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html"

_COUNTS = re.compile(r"^(SampleCount|tc[\d.]+|TC\(.*\))$")  # a number of data points
_SUMS = re.compile(r"^(Sum|ts[\d.]+|TS\(.*\))$")  # data points added up
_RANKS = re.compile(r"^PR\(.*\)$")  # the percentage of data points in a range


@dataclass(frozen=True, slots=True)
class Limit:
    """One side of the values a statistic can take, and why (the words a message gives)."""

    value: float
    why: str


def statistic_limits(info: MetricInfo | None, statistic: str) -> tuple[Limit | None, Limit | None]:
    """The least and the greatest value `statistic` of the metric can take; None where nothing bounds it."""
    if _COUNTS.match(statistic):
        return Limit(0, f"{statistic} counts data points"), None
    if _RANKS.match(statistic):
        why = f"{statistic} is a percentage of data points"
        return Limit(0, why), Limit(100, why)
    low, high = metric_limits(info)
    if _SUMS.match(statistic):
        return (Limit(0, f"a sum of data points that are never below 0: {low.why}")
                if low is not None and low.value >= 0 else None), None
    return low, high  # Minimum, Maximum, Average, percentiles, trimmed and winsorized means: between the points


def metric_limits(info: MetricInfo | None) -> tuple[Limit | None, Limit | None]:
    """The least and greatest value of the metric's data points: its page's range, else 0 from its unit."""
    if info is None:
        return None, None
    bounds, name = info.bounds, f"'{info.name}'"
    low = high = None
    if bounds is not None and bounds.low is not None:
        low = Limit(bounds.low, f"AWS: \"{bounds.says}\", {bounds.source}")
    elif info.unit is not None and info.unit != UNITLESS:
        low = Limit(0, f"{name} is in {info.unit}, an amount")
    if bounds is not None and bounds.high is not None:
        high = Limit(bounds.high, f"AWS: \"{bounds.says}\", {bounds.source}")
    return low, high


def check_range(namespace: str, metric: str, statistic: str, threshold: Threshold, *,
                catalog: MetricCatalog | None = None) -> Problem | None:
    """Whether the alarm's static threshold is never crossed, or crossed by every value of its statistic of the
    metric (an anomaly-detection band is not checked: its bounds move with the model)."""
    if threshold.is_band:
        return None
    if catalog is None:
        return _check_shipped(namespace, metric, statistic, threshold)
    return _check(catalog, namespace, metric, statistic, threshold)


@lru_cache(maxsize=4096)
def _check_shipped(namespace: str, metric: str, statistic: str, threshold: Threshold) -> Problem | None:
    """Alarms per resource repeat a few (metric, statistic, threshold): 10,000 alarms are a few hundred checks."""
    return _check(shipped_catalog()[0], namespace, metric, statistic, threshold)


def _check(catalog: MetricCatalog, namespace: str, metric: str, statistic: str, threshold: Threshold) -> Problem | None:
    info = catalog.metric(namespace, metric)
    low, high = statistic_limits(info, statistic)
    what = f"{statistic} of {namespace} metric '{metric}'"
    never = _never(threshold, low, high)
    if never is not None:
        side, limit = never
        return Problem("threshold-never-breached", Level.ERROR,
                       f"{what} is {side} {number_text(limit.value)} ({limit.why}): no data point breaches "
                       f"threshold '{threshold}', so the alarm never fires; write a threshold the metric can cross")
    always = _always(threshold, low, high)
    if always is None:
        return None
    side, limit = always
    return Problem("threshold-always-breached", Level.WARNING,
                   f"{what} is {side} {number_text(limit.value)} ({limit.why}): every data point breaches threshold "
                   f"'{threshold}', so the alarm is in ALARM whenever the metric has data and never returns to OK; "
                   "to alarm when the metric stops instead, write statistic: SampleCount, threshold: \"< 1\" and "
                   "missing_data: breaching")


def _never(threshold: Threshold, low: Limit | None, high: Limit | None) -> tuple[str, Limit] | None:
    """The bound that keeps every value on the side the threshold does not breach."""
    op, value = threshold.operator, threshold.value
    if high is not None and ((op == ">" and value >= high.value) or (op == ">=" and value > high.value)):
        return "at most", high
    if low is not None and ((op == "<" and value <= low.value) or (op == "<=" and value < low.value)):
        return "never below", low
    return None


def _always(threshold: Threshold, low: Limit | None, high: Limit | None) -> tuple[str, Limit] | None:
    """The bound that puts every value on the side the threshold breaches."""
    op, value = threshold.operator, threshold.value
    if low is not None and ((op == ">" and value < low.value) or (op == ">=" and value <= low.value)):
        return "never below", low
    if high is not None and ((op == "<" and value > high.value) or (op == "<=" and value >= high.value)):
        return "at most", high
    return None
