"""One comparable form for desired params and what AWS (or an emulator) returns.

Only the fields obsgen sets are compared. AWS defaults are filled in, lists whose order AWS does
not keep are sorted, and absent-vs-empty differences are erased, so a plan never shows a change
that is only representation. Defaults: API_PutMetricAlarm.html / API_PutCompositeAlarm.html
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/).
"""

from __future__ import annotations

from typing import Any

from . import dashboards
from .desired import COMPOSITE_ALARM, DASHBOARD, METRIC_ALARM, SUBSCRIPTION, TOPIC

_ACTIONS = ("AlarmActions", "OKActions", "InsufficientDataActions")
_COMMON = ("AlarmName", "AlarmDescription", "ActionsEnabled", *_ACTIONS)
FIELDS = {
    METRIC_ALARM: (*_COMMON, "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period",
                   "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator",
                   "TreatMissingData", "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId"),
    COMPOSITE_ALARM: (*_COMMON, "AlarmRule", "ActionsSuppressor", "ActionsSuppressorWaitPeriod",
                      "ActionsSuppressorExtensionPeriod"),
    TOPIC: ("Name", "Attributes"),
    SUBSCRIPTION: ("TopicArn", "Protocol", "Endpoint"),
}
_DEFAULTS = {"ActionsEnabled": True, "TreatMissingData": "missing", **{a: [] for a in _ACTIONS}}


def normalize(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """The comparable form of `params` (desired or live) for a resource of `kind`."""
    if kind == DASHBOARD:
        return dashboards.normalize(params)
    result = {}
    for key in FIELDS[kind]:
        value = params.get(key, _DEFAULTS.get(key) if kind in (METRIC_ALARM, COMPOSITE_ALARM) else None)
        value = _value(key, value)
        if value is not None and value != "":
            result[key] = value
    if kind == METRIC_ALARM and result.get("DatapointsToAlarm") == result.get("EvaluationPeriods"):
        result.pop("DatapointsToAlarm", None)  # "M of M" is what AWS does when it is unset
    if kind == TOPIC:
        result["Attributes"] = {"DisplayName": (params.get("Attributes") or {}).get("DisplayName", "")}
    return result


def _value(key: str, value: Any) -> Any:
    if key in _ACTIONS:
        return sorted(value or [])  # AWS returns actions in its own order
    if key == "Dimensions":
        return _dimensions(value) or None
    if key == "Metrics":
        return [_query(q) for q in value] if value else None
    if key in ("Threshold",) and value is not None:
        return float(value)
    return value


def _dimensions(dims: list[dict[str, str]] | None) -> list[dict[str, str]]:
    return sorted(({"Name": d["Name"], "Value": d["Value"]} for d in dims or []), key=lambda d: d["Name"])


def _query(query: dict[str, Any]) -> dict[str, Any]:
    """A MetricDataQuery: ReturnData defaults to true; empty Label/Unit are the same as absent."""
    result: dict[str, Any] = {"Id": query["Id"], "ReturnData": query.get("ReturnData", True)}
    for key in ("Expression", "Label", "Period", "AccountId"):
        if query.get(key) not in (None, ""):
            result[key] = query[key]
    stat = query.get("MetricStat")
    if stat:
        metric = stat.get("Metric", {})
        result["MetricStat"] = {
            "Metric": {"Namespace": metric.get("Namespace"), "MetricName": metric.get("MetricName"),
                       "Dimensions": _dimensions(metric.get("Dimensions"))},
            "Period": stat.get("Period"), "Stat": stat.get("Stat"),
            **({"Unit": stat["Unit"]} if stat.get("Unit") else {}),
        }
    return result


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Top-level fields whose normalised values differ, sorted."""
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
