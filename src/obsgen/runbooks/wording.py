"""When a monitor fires, in words a responder reads at 3 a.m.: "more than 10 5XXError in 10 minutes, 2 of 2 periods".

The phrases are Markdown: names, metrics and expressions from the spec are code spans (`code`), so
no character they hold can turn into Markdown (or HTML) structure.
"""

from __future__ import annotations

import re

from ..composite_rule import AllOf, AnyOf, Not, Ref, Rule
from ..model import CompositeAlarm, MetricAlarm, MetricStat, PrometheusAlert
from ..spec.fields import _number_text, format_duration

COMPARISON_WORDS = {">": "more than", ">=": "at least", "<": "less than", "<=": "at most"}
BAND_WORDS = {"outside": "goes outside", "above": "goes above", "below": "goes below"}
UNIT_SUFFIX = {"Milliseconds": " ms", "Seconds": " s", "Microseconds": " µs", "Percent": "%", "Count": "",
               "Bytes": " bytes", "Kilobytes": " KB", "Megabytes": " MB", "Gigabytes": " GB"}
MISSING_DATA_WORDS = {
    "notBreaching": "missing data counts as good",
    "breaching": "missing data counts as bad",
    "ignore": "missing data keeps the alarm in its current state",
    "missing": "with no data at all the alarm goes to INSUFFICIENT_DATA",
}
STATE_WORDS = {"ALARM": "is in ALARM", "OK": "is OK", "INSUFFICIENT_DATA": "has insufficient data"}


def code(text: str) -> str:
    """A Markdown code span that holds any text: the fence is longer than any run of backticks inside."""
    text = " ".join(text.split())  # a code span cannot span paragraphs; line breaks read as spaces anyway
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def period_words(seconds: int) -> str:
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}s" if count != 1 else f"1 {unit}"
    return format_duration(seconds)  # unreachable: every period is a whole number of seconds


def _value(alarm: MetricAlarm, stat: MetricStat | None) -> str:
    unit = alarm.unit or (stat.unit if stat else None)
    return f"{_number_text(alarm.threshold.value)}{UNIT_SUFFIX.get(unit, f' {unit}') if unit else ''}"


def _evaluation(alarm: MetricAlarm) -> str:
    periods = alarm.evaluation_periods
    points = alarm.datapoints_to_alarm or periods
    text = f"{points} of {periods} period{'s' if periods != 1 else ''}"
    return f"{text}; {MISSING_DATA_WORDS.get(alarm.missing_data, alarm.missing_data)}"


def alarm_condition(alarm: MetricAlarm) -> str:
    """The whole condition of a metric, anomaly-band or metric-math alarm."""
    period = period_words(alarm.period)
    comparison = COMPARISON_WORDS.get(alarm.threshold.operator, alarm.threshold.operator)
    if alarm.expression is not None:
        what = f"{code(alarm.expression)} is {comparison} {_value(alarm, None)} over {period}"
    elif alarm.threshold.is_band:
        stat = alarm.metric
        assert stat is not None
        what = (f"{_statistic(stat.statistic)} {code(stat.metric)} over {period} "
                f"{BAND_WORDS[alarm.threshold.operator]} its anomaly detection band "
                f"({_number_text(alarm.threshold.value)} standard deviations wide)")
    else:
        stat = alarm.metric
        assert stat is not None
        what = _static(stat, comparison, _value(alarm, stat), period)
    return f"{what}, {_evaluation(alarm)}"


def _static(stat: MetricStat, comparison: str, value: str, period: str) -> str:
    if stat.statistic == "Sum":
        return f"{comparison} {value} {code(stat.metric)} in {period}"
    if stat.statistic == "SampleCount":
        return f"{comparison} {value} data points of {code(stat.metric)} in {period}"
    return f"{_statistic(stat.statistic)} {code(stat.metric)} {comparison} {value} over {period}"


def _statistic(statistic: str) -> str:
    return {"Average": "average", "Maximum": "maximum", "Minimum": "minimum", "Sum": "sum",
            "SampleCount": "number of data points of"}.get(statistic, statistic)


def metric_text(stat: MetricStat) -> str:
    """`AWS/Lambda Errors` (FunctionName=orders-prod), Sum per 5m"""
    dimensions = ", ".join(f"{k}={v}" for k, v in stat.dimensions)
    where = f" ({code(dimensions)})" if dimensions else ""
    return f"{code(stat.namespace + ' ' + stat.metric)}{where}, {stat.statistic} per {format_duration(stat.period)}"


def metrics(alarm: MetricAlarm | CompositeAlarm) -> tuple[str, ...]:
    """The metrics an alarm reads, one line each; for metric math, `id = metric`."""
    if isinstance(alarm, CompositeAlarm):
        return ()
    if alarm.metric is not None:
        return (metric_text(alarm.metric),)
    return tuple(f"{code(mid)} = {metric_text(stat)}" for mid, stat in alarm.queries)


def composite_condition(alarm: CompositeAlarm) -> str:
    """`stock-api/api-throttle` is in ALARM or (... and ...): children by monitor (each has its own page)."""

    def words(rule: Rule, nested: bool) -> str:
        if isinstance(rule, Ref):
            return f"{code(alarm.qualify(rule.target))} {STATE_WORDS[rule.state]}"
        if isinstance(rule, Not):
            return f"not ({words(rule.operand, False)})"
        joiner = " and " if isinstance(rule, AllOf) else " or "
        text = joiner.join(words(op, True) for op in rule.operands)
        return f"({text})" if nested else text

    assert isinstance(alarm.rule, (Ref, Not, AllOf, AnyOf))
    return words(alarm.rule, False)


def prometheus_condition(alert: PrometheusAlert) -> str:
    held = f" for {period_words(alert.for_)}" if alert.for_ else ""
    return f"the PromQL expression returns a result{held}; one alert per series it returns"
