"""AlarmSpec / CompositeSpec from obsgen's model, or from PutMetricAlarm / PutCompositeAlarm parameters.

The parameter path reads exactly what obsgen deploys (generated/<env>/cloudwatch/*.json holds
`{"MetricAlarms": [...], "CompositeAlarms": [...]}`; the caller reads the files). Parameter names
and defaults: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html,
API_PutCompositeAlarm.html and API_MetricDataQuery.html.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Iterable, Mapping, Union

from .. import composite_rule
from ..conventions import METRIC_ID_BAND, METRIC_ID_EXPRESSION
from ..model import AlarmBase, CompositeAlarm, EnvironmentModel, MetricAlarm, MetricStat
from . import alarm_rule
from .alarm_rule import RuleNode
from .errors import EvaluationError
from .samples import Metric
from .spec import Actions, AlarmSpec, CompositeSpec, ExpressionQuery, MetricQuery, Query, Suppressor, WallClockWindow

Spec = Union[AlarmSpec, CompositeSpec]

# --- from obsgen's model ----------------------------------------------------------------------------


def specs_from_environment(model: EnvironmentModel) -> list[Spec]:
    """Every alarm of one environment: metric alarms, then composites."""
    names = {a.ref: a.name for a in model.alarms()}
    return [*(alarm_spec_from_model(a) for a in model.metric_alarms),
            *(composite_spec_from_model(c, names) for c in model.composite_alarms)]


def alarm_spec_from_model(alarm: MetricAlarm) -> AlarmSpec:
    band = alarm.threshold.is_band
    spec = AlarmSpec(alarm.name, alarm.threshold.comparison, None if band else alarm.threshold.value,
                     alarm.evaluation_periods, alarm.datapoints_to_alarm, alarm.missing_data,
                     actions_enabled=alarm.actions_enabled, actions=_model_actions(alarm))
    if alarm.expression is not None:
        queries: list[Query] = [_model_query(qid, stat) for qid, stat in alarm.queries]
        queries.append(ExpressionQuery(METRIC_ID_EXPRESSION, alarm.expression, True, alarm.summary[:255]))
        return replace(spec, queries=tuple(queries))
    stat = alarm.single_metric()
    spec = replace(spec, metric=_metric(stat), statistic=stat.statistic, period=stat.period, unit=stat.unit)
    # An anomaly-detection alarm: the evaluator refuses it when it is run.
    return replace(spec, threshold_metric_id=METRIC_ID_BAND) if band else spec


def composite_spec_from_model(alarm: CompositeAlarm, names: Mapping[str, str]) -> CompositeSpec:
    """`names` maps 'service/monitor' to alarm names (EnvironmentModel.alarms())."""
    given = dict(alarm.verbatim)  # an SLO's ticket tier is suppressed by its page tier (resolve/slos.py)
    suppressor = None
    if isinstance(given.get("ActionsSuppressor"), str):
        suppressor = Suppressor(str(given["ActionsSuppressor"]), int(given.get("ActionsSuppressorWaitPeriod", 0)),  # type: ignore[call-overload]
                                int(given.get("ActionsSuppressorExtensionPeriod", 0)))  # type: ignore[call-overload]
    return CompositeSpec(alarm.name, _model_rule(alarm.rule, alarm, names), alarm.actions_enabled, _model_actions(alarm),
                         suppressor)


def _model_actions(alarm: AlarmBase) -> Actions:
    """What targets/cloudwatch.py writes: the severity's topic (and extra ARNs) for ALARM, the topic
    for OK when the severity notifies OK, nothing for INSUFFICIENT_DATA."""
    severity = alarm.severity
    if isinstance(alarm, MetricAlarm) and alarm.silent:
        return Actions(alarm=(), ok=())
    return Actions(alarm=(severity.topic_arn, *severity.extra_actions),
                   ok=(severity.topic_arn,) if severity.notify_ok else ())


def _metric(stat: MetricStat) -> Metric:
    return Metric(stat.namespace, stat.metric, tuple(stat.dimensions))


def _model_query(qid: str, stat: MetricStat) -> MetricQuery:
    return MetricQuery(qid, _metric(stat), stat.statistic, stat.period, stat.unit, False)


def _model_rule(rule: composite_rule.Rule, alarm: CompositeAlarm, names: Mapping[str, str]) -> RuleNode:
    if isinstance(rule, composite_rule.Ref):
        ref = alarm.qualify(rule.target)
        if ref not in names:
            raise EvaluationError(f"{alarm.name}: the rule names {ref}, which is not an alarm of this environment")
        return alarm_rule.StateIs(names[ref], rule.state)
    if isinstance(rule, composite_rule.Not):
        return alarm_rule.Not(_model_rule(rule.operand, alarm, names))
    operands = tuple(_model_rule(op, alarm, names) for op in rule.operands)
    return alarm_rule.All(operands) if isinstance(rule, composite_rule.AllOf) else alarm_rule.AnyOf(operands)


# --- from API parameters ----------------------------------------------------------------------------


def specs_from_generated(documents: Iterable[Mapping[str, Any]]) -> list[Spec]:
    """The contents of generated/<env>/cloudwatch/<service>.json files, already parsed."""
    documents = list(documents)
    metric = [alarm_spec_from_params(p) for d in documents for p in d.get("MetricAlarms", ())]
    composite = [composite_spec_from_params(p) for d in documents for p in d.get("CompositeAlarms", ())]
    return [*metric, *composite]


def alarm_spec_from_params(params: Mapping[str, Any]) -> AlarmSpec:
    """PutMetricAlarm parameters -> AlarmSpec. Defaults are the API's: TreatMissingData `missing`,
    ActionsEnabled true, DatapointsToAlarm = EvaluationPeriods, a query's ReturnData true."""
    window, window_problem = _evaluation_window(params.get("EvaluationWindow"))
    unsupported = "EvaluationCriteria (a PromQL alarm)" if "EvaluationCriteria" in params else window_problem
    common: dict[str, Any] = dict(
        name=params["AlarmName"],
        comparison=params.get("ComparisonOperator", ""),
        threshold=float(params["Threshold"]) if "Threshold" in params else None,
        evaluation_periods=int(params.get("EvaluationPeriods", 0)),
        datapoints_to_alarm=params.get("DatapointsToAlarm"),
        treat_missing_data=params.get("TreatMissingData", "missing"),
        evaluate_low_sample_count_percentile=params.get("EvaluateLowSampleCountPercentile"),
        threshold_metric_id=params.get("ThresholdMetricId"),
        actions_enabled=bool(params.get("ActionsEnabled", True)),
        actions=Actions(tuple(params.get("AlarmActions", ())), tuple(params.get("OKActions", ())),
                        tuple(params.get("InsufficientDataActions", ()))),
        evaluation_window=window,
        unsupported=unsupported,
    )
    if "Metrics" in params:
        return AlarmSpec(queries=tuple(_query(q) for q in params["Metrics"]), **common)
    if unsupported is not None and "MetricName" not in params:
        return AlarmSpec(**common)
    return AlarmSpec(metric=Metric.of(params["Namespace"], params["MetricName"], _dimensions(params.get("Dimensions", ()))),
                     statistic=params.get("Statistic") or params.get("ExtendedStatistic"),
                     period=params.get("Period"), unit=params.get("Unit"), **common)


def composite_spec_from_params(params: Mapping[str, Any]) -> CompositeSpec:
    suppressor = None
    if params.get("ActionsSuppressor"):
        # "WaitPeriod is required only when ActionsSuppressor is specified" (and ExtensionPeriod likewise).
        if "ActionsSuppressorWaitPeriod" not in params or "ActionsSuppressorExtensionPeriod" not in params:
            raise EvaluationError(f"{params['AlarmName']}: ActionsSuppressor needs ActionsSuppressorWaitPeriod and "
                                  "ActionsSuppressorExtensionPeriod")
        suppressor = Suppressor(alarm_rule.alarm_name(params["ActionsSuppressor"]),
                                int(params["ActionsSuppressorWaitPeriod"]), int(params["ActionsSuppressorExtensionPeriod"]))
    return CompositeSpec(
        params["AlarmName"], alarm_rule.parse(params["AlarmRule"]), bool(params.get("ActionsEnabled", True)),
        Actions(tuple(params.get("AlarmActions", ())), tuple(params.get("OKActions", ())),
                tuple(params.get("InsufficientDataActions", ()))),
        suppressor)


def _dimensions(items: Iterable[Mapping[str, str]]) -> list[tuple[str, str]]:
    return [(d["Name"], d["Value"]) for d in items]


def _query(query: Mapping[str, Any]) -> Query:
    return_data = bool(query.get("ReturnData", True))
    if "Expression" in query:
        return ExpressionQuery(query["Id"], query["Expression"], return_data, query.get("Label"))
    stat = query["MetricStat"]
    metric = stat["Metric"]
    return MetricQuery(query["Id"], Metric.of(metric["Namespace"], metric["MetricName"], _dimensions(metric.get("Dimensions", ()))),
                       stat["Stat"], int(stat["Period"]), stat.get("Unit"), return_data)


_OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{2}):(\d{2})$")


def _evaluation_window(window: Mapping[str, Any] | None) -> tuple[WallClockWindow | None, str | None]:
    """EvaluationWindow: SlidingWindow (the default) or WallClockWindow with an optional Timezone, "an
    IANA time zone name ..., a fixed UTC offset (for example, +05:30), or an offset-prefixed identifier
    (for example, UTC+05:30)" (API_WallClockWindow.html). IANA zones (with daylight saving) are not
    modelled."""
    if not window or "SlidingWindow" in window:
        return None, None
    zone = (window.get("WallClockWindow") or {}).get("Timezone")
    if zone in (None, "UTC", "Etc/UTC"):
        return WallClockWindow(0), None
    if match := _OFFSET.match(zone):
        sign = 1 if match.group(1) == "+" else -1
        return WallClockWindow(sign * (int(match.group(2)) * 3600 + int(match.group(3)) * 60)), None
    return None, f"WallClockWindow Timezone {zone}"
