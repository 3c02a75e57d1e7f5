"""CloudWatch target: metric, composite and log alarms, as PutMetricAlarm / PutCompositeAlarm /
PutLogAlarm parameters.

One file per service and region, `cloudwatch/<service>.json` (the home region's alarms) and
`cloudwatch/<region>/<service>.json` (those placed in another region):
`{"_generated": ..., "MetricAlarms": [params...], "CompositeAlarms": [params...]}` (plus `"LogAlarms"`
when the service has native log alarms) where each params dict is exactly what the API call takes
(checked against botocore's service model in the tests).
API reference: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutLogAlarm.html
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterator

from .. import composite_rule
from ..conventions import METRIC_ID_BAND, METRIC_ID_EXPRESSION, METRIC_ID_SOURCE, arn_in_region
from ..diagnostics import Diagnostic
from ..model import Alarm, AlarmBase, CompositeAlarm, EnvironmentModel, LogAlarm, MetricAlarm, MetricStat, WarmUp
from ..values import format_duration, is_extended
from .base import Rendered, checked_json, header
from .cloudwatch_limits import check_composite, check_log_alarm, check_metric_alarm, fit_description

ANOMALY_ID, EXPRESSION_ID, SOURCE_ID = METRIC_ID_BAND, METRIC_ID_EXPRESSION, METRIC_ID_SOURCE


def render(model: EnvironmentModel) -> Rendered:
    """A file's parameters are made just before its text and dropped after it: all of an environment's
    at once cost 3 MiB per 1,000 alarms at the peak of `build --env` (docs/performance.md)."""
    by_file: dict[tuple[str, str], list[Alarm]] = defaultdict(list)
    alarms: list[Alarm] = [*model.metric_alarms, *model.log_alarms, *model.composite_alarms]
    for alarm in alarms:
        by_file[alarm_file(model, alarm), alarm.service].append(alarm)
    names, owners = _names_and_owners(model)
    files, problems = {}, []
    sources = {s.name: s.source for s in model.services}
    for (path, service), in_file in sorted(by_file.items()):
        content: dict[str, list[dict[str, Any]]] = {"MetricAlarms": [], "CompositeAlarms": []}
        for alarm in in_file:
            if isinstance(alarm, CompositeAlarm):
                params = composite_alarm_params(alarm, names, owners)
                problems += check_composite(alarm, params)
                content["CompositeAlarms"].append(params)
            elif isinstance(alarm, LogAlarm):
                params = log_alarm_params(alarm, owners)
                problems += check_log_alarm(alarm, params)
                content.setdefault("LogAlarms", []).append(params)
            else:
                params = metric_alarm_params(alarm, owners)
                problems += check_metric_alarm(alarm, params)
                content["MetricAlarms"].append(params)
        files[path] = checked_json({"_generated": header(sources[service]), **content})
    return Rendered(files, problems)


def alarm_file(model: EnvironmentModel, alarm: AlarmBase) -> str:
    """`cloudwatch/<service>.json` in the home region, `cloudwatch/<region>/<service>.json` elsewhere."""
    region = "" if alarm.region == model.region else f"{alarm.region}/"
    return f"cloudwatch/{region}{alarm.service}.json"


def alarm_params(model: EnvironmentModel) -> Iterator[tuple[Alarm, dict[str, Any]]]:
    """Every alarm of the environment with its API parameters: metric alarms, log alarms, then composites.
    The one place both the generated files and the AWS sync (aws/desired.py) get them from."""
    names, owners = _names_and_owners(model)
    for alarm in model.metric_alarms:
        yield alarm, metric_alarm_params(alarm, owners)
    for log_alarm in model.log_alarms:
        yield log_alarm, log_alarm_params(log_alarm, owners)
    for composite in model.composite_alarms:
        yield composite, composite_alarm_params(composite, names, owners)


def _names_and_owners(model: EnvironmentModel) -> tuple[dict[str, str], dict[str, str]]:
    """Each alarm's AWS name by its reference (composite rules name them), each service's owner."""
    return {a.ref: a.name for a in model.alarms()}, {s.name: s.owner for s in model.services}


def metric_alarm_params(alarm: MetricAlarm, owners: dict[str, str]) -> dict[str, Any]:
    params: dict[str, Any] = {
        **_common(alarm, owners),
        "EvaluationPeriods": alarm.evaluation_periods,
        "ComparisonOperator": alarm.threshold.comparison,
        "TreatMissingData": alarm.missing_data,
    }
    if alarm.silent:  # an SLO's window alarm: its tier's composite alarm notifies (resolve/slos.py)
        params.update(AlarmActions=[], OKActions=[])
    if alarm.datapoints_to_alarm is not None:
        params["DatapointsToAlarm"] = alarm.datapoints_to_alarm
    if alarm.expression is not None:
        params["Metrics"] = _math_queries(alarm)
        params["Threshold"] = alarm.threshold.value
    elif alarm.threshold.is_band:
        params["Metrics"] = _band_queries(alarm)
        params["ThresholdMetricId"] = ANOMALY_ID
    else:
        params.update(_single_metric(alarm.single_metric()))
        params["Threshold"] = alarm.threshold.value
    if alarm.warm_up is not None:
        params["WarmUpConfiguration"] = warm_up_params(alarm.warm_up)
    return _verbatim(params, alarm.verbatim)


def warm_up_params(warm_up: WarmUp) -> dict[str, Any]:
    return {"WarmUpPeriodDurationInMinutes": warm_up.minutes,
            "OnlyStartEvaluatingAfterWarmUpPeriodEnds": warm_up.wait}


def log_alarm_params(alarm: LogAlarm, owners: dict[str, str]) -> dict[str, Any]:
    """PutLogAlarm: the query CloudWatch runs every `schedule` (ScheduleExpression `rate(N minutes)`) over
    the last `window` seconds, its aggregate compared with the threshold, M of the last N results."""
    minutes = alarm.schedule // 60
    params: dict[str, Any] = {
        **_common(alarm, owners),
        "ScheduledQueryConfiguration": {
            "QueryString": alarm.query,
            "LogGroupIdentifiers": list(alarm.log_groups),
            "ScheduledQueryRoleARN": alarm.role_arn,
            "ScheduleConfiguration": {"ScheduleExpression": f"rate({minutes} minute{'s' if minutes != 1 else ''})",
                                      "StartTimeOffset": alarm.window},
            "AggregationExpression": alarm.aggregation,
        },
        "QueryResultsToEvaluate": alarm.results_to_evaluate,
        "QueryResultsToAlarm": alarm.results_to_alarm,
        "Threshold": alarm.threshold.value,
        "ComparisonOperator": alarm.threshold.comparison,
        "TreatMissingData": alarm.missing_data,
    }
    if alarm.warm_up is not None:
        params["WarmUpConfiguration"] = warm_up_params(alarm.warm_up)
    return params


def composite_alarm_params(alarm: CompositeAlarm, names: dict[str, str], owners: dict[str, str]) -> dict[str, Any]:
    rule = composite_rule.render(alarm.rule, lambda ref: names.get(alarm.qualify(ref.target), ref.target))
    return _verbatim({**_common(alarm, owners), "AlarmRule": rule}, alarm.verbatim)


def _verbatim(params: dict[str, Any], verbatim: tuple[tuple[str, object], ...]) -> dict[str, Any]:
    """The monitor's `cloudwatch:` parameters over obsgen's; Metrics replace a single metric's fields
    (PutMetricAlarm takes one or the other), and a single metric replaces Metrics."""
    if not verbatim:
        return params
    given = dict(verbatim)
    if "Metrics" in given:
        for key in ("Namespace", "MetricName", "Dimensions", "Period", "Statistic", "ExtendedStatistic", "Unit"):
            params.pop(key, None)
    return {k: v for k, v in {**params, **given}.items() if v is not None}


def _common(alarm: AlarmBase, owners: dict[str, str]) -> dict[str, Any]:
    severity = alarm.severity
    topic = arn_in_region(severity.topic_arn, alarm.region)  # actions must be topics of the alarm's region
    ok_actions = [topic] if severity.notify_ok else []
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm_description(alarm, owners.get(alarm.service, "")),
        "ActionsEnabled": alarm.actions_enabled,
        "AlarmActions": [topic, *severity.extra_actions],
        "OKActions": ok_actions,
        "InsufficientDataActions": [],
        "Tags": [{"Key": k, "Value": v} for k, v in alarm.tags],
    }


def alarm_description(alarm: AlarmBase, owner: str) -> str:
    """What the responder reads in the notification: what, how urgent, where the runbook is."""
    severity = alarm.severity
    urgency = f"respond within {format_duration(severity.response_time)}"
    if severity.pages:
        urgency += ", pages on-call"
    free = [alarm.summary]
    if alarm.description:
        free += ["", alarm.description.strip()]
    lines = [f"Severity: {severity.description} ({urgency})"]
    if alarm.runbook_url:
        lines.append(f"Runbook: {alarm.runbook_url}")
    lines.append(f"Owner: {owner} | Managed by obsgen ({alarm.origin.doc.path}); console edits are reverted.")
    return fit_description("\n".join(free), "\n".join(lines))


def _metric(stat: MetricStat) -> dict[str, Any]:
    return {
        "Namespace": stat.namespace,
        "MetricName": stat.metric,
        "Dimensions": [{"Name": k, "Value": v} for k, v in stat.dimensions],
    }


def _single_metric(stat: MetricStat) -> dict[str, Any]:
    params = {**_metric(stat), "Period": stat.period}
    params["ExtendedStatistic" if is_extended(stat.statistic) else "Statistic"] = stat.statistic
    if stat.unit:
        params["Unit"] = stat.unit
    return params


def _metric_stat(stat: MetricStat) -> dict[str, Any]:
    # MetricDataQuery.MetricStat takes percentiles in `Stat` too (no Statistic/ExtendedStatistic split).
    result: dict[str, Any] = {"Metric": _metric(stat), "Period": stat.period, "Stat": stat.statistic}
    if stat.unit:
        result["Unit"] = stat.unit
    return result


def _math_queries(alarm: MetricAlarm) -> list[dict[str, Any]]:
    queries = [{"Id": mid, "MetricStat": _metric_stat(stat), "ReturnData": False} for mid, stat in alarm.queries]
    expression: dict[str, Any] = {"Id": EXPRESSION_ID, "Expression": alarm.expression, "Label": alarm.summary[:255],
                                  "ReturnData": True}
    if not alarm.queries:  # a Metrics Insights query reads no other query: it gives its own period
        expression["Period"] = alarm.period
    return [*queries, expression]


def _band_queries(alarm: MetricAlarm) -> list[dict[str, Any]]:
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Anomaly_Detection_Alarm.html
    width = alarm.threshold.value
    band = f"ANOMALY_DETECTION_BAND({SOURCE_ID}, {width:g})"
    stat = alarm.single_metric()
    return [
        {"Id": SOURCE_ID, "MetricStat": _metric_stat(stat), "ReturnData": True},
        {"Id": ANOMALY_ID, "Expression": band, "Label": f"{stat.metric} (expected band)", "ReturnData": True},
    ]
