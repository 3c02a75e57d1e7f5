"""The evaluator's own description of an alarm: what PutMetricAlarm / PutCompositeAlarm take, as values.

Built by `from_model.py` from obsgen's model or from the API parameters obsgen generates; tests
build them directly. Field names follow the API (snake_case).
API: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Callable, Literal, Union

from .alarm_rule import RuleNode
from .samples import Metric

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
STATES = (OK, ALARM, INSUFFICIENT_DATA)

# ComparisonOperator values of a static threshold; the three band operators belong to
# anomaly-detection alarms, which the evaluator does not model.
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": operator.gt,
    "GreaterThanOrEqualToThreshold": operator.ge,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
BAND_COMPARISONS = ("LessThanLowerOrGreaterThanUpperThreshold", "GreaterThanUpperThreshold", "LessThanLowerThreshold")
MISSING_DATA = ("missing", "ignore", "breaching", "notBreaching")


@dataclass(frozen=True, slots=True)
class Actions:
    """Action ARNs per target state: AlarmActions, OKActions, InsufficientDataActions."""

    alarm: tuple[str, ...] = ()
    ok: tuple[str, ...] = ()
    insufficient_data: tuple[str, ...] = ()

    def for_state(self, state: str) -> tuple[str, ...]:
        return {ALARM: self.alarm, OK: self.ok, INSUFFICIENT_DATA: self.insufficient_data}[state]


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """A MetricDataQuery with a MetricStat: one metric, its statistic (`Stat`) and period."""

    id: str
    metric: Metric
    stat: str
    period: int
    unit: str | None = None
    return_data: bool = False


@dataclass(frozen=True, slots=True)
class ExpressionQuery:
    """A MetricDataQuery with an Expression (metric math)."""

    id: str
    expression: str
    return_data: bool = True
    label: str | None = None


Query = Union[MetricQuery, ExpressionQuery]


@dataclass(frozen=True, slots=True)
class WallClockWindow:
    """EvaluationWindow.WallClockWindow with a fixed UTC offset in seconds (east positive).
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation-window.html"""

    utc_offset: int = 0


@dataclass(frozen=True, slots=True)
class AlarmSpec:
    """A metric alarm: one metric with a statistic and period, or `queries` (metric math)."""

    name: str
    comparison: str
    threshold: float | None
    evaluation_periods: int
    datapoints_to_alarm: int | None = None  # M; None means M = N
    treat_missing_data: str = "missing"  # the API's default
    evaluate_low_sample_count_percentile: str | None = None  # "evaluate" (the default) or "ignore"
    metric: Metric | None = None
    statistic: str | None = None
    period: int | None = None
    unit: str | None = None
    queries: tuple[Query, ...] = ()
    threshold_metric_id: str | None = None  # anomaly-detection alarms
    actions_enabled: bool = True
    actions: Actions = field(default_factory=Actions)
    evaluation_window: WallClockWindow | None = None  # None: SlidingWindow, the default
    unsupported: str | None = None  # a parameter the evaluator does not model (named), e.g. EvaluationCriteria

    @property
    def m(self) -> int:
        return self.datapoints_to_alarm if self.datapoints_to_alarm is not None else self.evaluation_periods

    @property
    def metrics(self) -> tuple[Metric, ...]:
        if self.metric is not None:
            return (self.metric,)
        return tuple(q.metric for q in self.queries if isinstance(q, MetricQuery))


@dataclass(frozen=True, slots=True)
class Suppressor:
    """ActionsSuppressor with its wait and extension periods (seconds)."""

    alarm: str
    wait_period: int
    extension_period: int


@dataclass(frozen=True, slots=True)
class CompositeSpec:
    """A composite alarm: a rule over other alarms' states (by alarm name)."""

    name: str
    rule: RuleNode
    actions_enabled: bool = True
    actions: Actions = field(default_factory=Actions)
    suppressor: Suppressor | None = None


@dataclass(frozen=True, slots=True)
class Options:
    """Choices where CloudWatch's documentation leaves a number or a rule open (docs/alarm-evaluation.md)."""

    # How many periods CloudWatch retrieves (the "evaluation range"). The docs give one example
    # (5 for 3 evaluation periods) and say it depends on the period and resolution; None: N + 2.
    evaluation_range: int | None = None
    # AWS/DynamoDB alarms treat `missing` as `ignore` (see metric_alarm.effective_missing_data).
    dynamodb_missing_is_ignore: bool = True
    # Metric math between two time series: "zero" (the docs: "Missing values in a time series are
    # treated as 0") or "drop" (only timestamps present in both).
    arithmetic_missing: Literal["zero", "drop"] = "zero"
    # Keep every evaluation (time, datapoints, state); off by default (memory).
    record_evaluations: bool = False
