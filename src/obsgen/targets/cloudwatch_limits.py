"""CloudWatch's own limits, checked on the rendered parameters and blamed on the spec.

Found at apply time they would leave half an environment deployed; found here they are
`file:line:column` errors. Each limit names its source; "model" is botocore's service model of
CloudWatch (botocore/data/cloudwatch/2010-08-01/service-2.json, re-checked against botocore 1.44.8,
the locked version), which is what the API reference pages are generated from:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html (quotas)
`tests/test_cloudwatch_limits_model.py` reads the model and fails when a length or count here differs.
"""

from __future__ import annotations

from typing import Any

from ..composite_rule import alarm_rule_elements
from ..diagnostics import Diagnostic, Span, error, shown
from ..language.yaml_reader import Loc
from ..model import AlarmBase, CompositeAlarm, MetricAlarm

MAX_NAME = 255  # model: shape AlarmName, max 255
MAX_DESCRIPTION = 1024  # model: shape AlarmDescription, max 1024
ELLIPSIS = "…"
# model, PutMetricAlarmInput.Period: "Period multiplied by EvaluationPeriods can't be more than 604,800
# seconds. For alarms with a period of less than one hour (3,600 seconds), the total evaluation period
# can't be longer than one day (86,400 seconds)." (The quotas page long said one day for every alarm.)
MAX_EVALUATION_SECONDS = 604_800
MAX_SHORT_PERIOD_EVALUATION_SECONDS = 86_400
LONG_PERIOD = 3_600
MAX_ACTIONS = 5  # model: shape ResourceList (AlarmActions, OKActions, InsufficientDataActions), max 5
MAX_MATH_METRICS = 10  # quotas page: "Alarms based on metric math expressions can have up to 10 metrics."
MAX_RULE = 10_240  # model: shape AlarmRule, max 10240
# model, PutCompositeAlarmInput.AlarmRule: "The AlarmRule can specify as many as 100 "children" alarms. The
# AlarmRule expression can have as many as 500 elements. Elements are child alarms, TRUE or FALSE
# statements, and parentheses."
MAX_CHILDREN = 100
MAX_RULE_ELEMENTS = 500
MAX_TAGS = 50  # model, PutMetricAlarmInput.Tags: "as many as 50 tags with an alarm"
TAG_KEY = (1, 128)  # model: shape TagKey, 1-128
MAX_TAG_VALUE = 256  # model: shape TagValue, 0-256
MAX_DIMENSION_NAME = 255  # model: shape DimensionName, 1-255
MAX_DIMENSION_VALUE = 1024  # model: shape DimensionValue, 1-1024
SHORT_PERIODS = (10, 20, 30)  # model, PutMetricAlarmInput.Period: "Valid values are 10, 20, 30, and any multiple of 60."


def check_metric_alarm(alarm: MetricAlarm, params: dict[str, Any]) -> list[Diagnostic]:
    problems = _common(alarm, params)
    origin = alarm.origin
    periods: list[tuple[int, Loc]] = [(q["MetricStat"]["Period"], ("metrics", q["Id"]))
                                      for q in params.get("Metrics", []) if "MetricStat" in q]
    if "Period" in params:
        periods.append((params["Period"], ()))
    blamed: set[Span] = set()
    for period, where in periods:
        if not _valid_period(period):
            # A query without its own period has the monitor's: one error there, not one per query.
            own = where and origin.doc.value_at(origin.loc + where + ("period",)) is not None
            span = origin.doc.span(origin.loc + where + ("period",)) if own else origin.span("period")
            if span not in blamed:
                blamed.add(span)
                problems.append(error(span, "aws-limit", f"period {period}s is not allowed by CloudWatch: "
                                      "use 10s, 20s, 30s or a multiple of 60s"))
    longest = max((p for p, _ in periods), default=0)
    evaluation = params["EvaluationPeriods"]
    if longest * evaluation > max_evaluation_seconds(longest):
        problems.append(error(_evaluation_span(alarm), "aws-limit", _evaluation_message(longest, evaluation)))
    datapoints = params.get("DatapointsToAlarm")
    if datapoints is not None and datapoints > evaluation:
        field = "datapoints" if "datapoints" in _written(alarm) else "datapoints_to_alarm"
        problems.append(error(origin.span(field), "aws-limit",
                              f"datapoints to alarm ({datapoints}) cannot exceed evaluation periods ({evaluation})"))
    queries = [q for q in params.get("Metrics", []) if "MetricStat" in q]
    problems += _dimensions(alarm, [params.get("Dimensions", []), *(q["MetricStat"]["Metric"].get("Dimensions", [])
                                                                     for q in queries)])
    if len(queries) > MAX_MATH_METRICS:
        problems.append(error(origin.span("metrics"), "aws-limit",
                              f"a metric-math alarm uses at most {MAX_MATH_METRICS} metrics; this one uses {len(queries)}"))
    if "Statistic" in params and "ExtendedStatistic" in params:  # excluded by construction; kept as a guard
        problems.append(error(origin.span("statistic"), "aws-limit", "Statistic and ExtendedStatistic are exclusive"))
    return problems


def max_evaluation_seconds(period: int) -> int:
    """How long CloudWatch looks back at most: 7 days, or 1 day for a period under one hour."""
    return MAX_EVALUATION_SECONDS if period >= LONG_PERIOD else MAX_SHORT_PERIOD_EVALUATION_SECONDS


def _evaluation_message(period: int, evaluation: int) -> str:
    total = period * evaluation
    if period >= LONG_PERIOD:
        rule = f"CloudWatch evaluates at most {MAX_EVALUATION_SECONDS}s (7 days)"
    else:
        rule = (f"CloudWatch evaluates at most {MAX_SHORT_PERIOD_EVALUATION_SECONDS}s (1 day) for a period under one "
                f"hour, {MAX_EVALUATION_SECONDS}s (7 days) for a period of 1h or more")
    return f"period x evaluation periods = {period}s x {evaluation} = {total}s; {rule}"


def check_composite(alarm: CompositeAlarm, params: dict[str, Any]) -> list[Diagnostic]:
    problems = _common(alarm, params)
    rule = params["AlarmRule"]
    if len(rule) > MAX_RULE:
        problems.append(error(alarm.origin.span("rule"), "aws-limit",
                              f"the AlarmRule of {params['AlarmName']} is {len(rule)} characters once alarm "
                              "names are expanded; "
                              f"CloudWatch allows {MAX_RULE}"))
    elements = alarm_rule_elements(rule)
    if elements > MAX_RULE_ELEMENTS:
        problems.append(error(alarm.origin.span("rule"), "aws-limit",
                              f"the AlarmRule of {params['AlarmName']} has {elements} elements (alarms and "
                              f"parentheses); CloudWatch allows {MAX_RULE_ELEMENTS}"))
    if len(alarm.children) > MAX_CHILDREN:
        problems.append(error(alarm.origin.span("rule"), "aws-limit",
                              f"a composite alarm names at most {MAX_CHILDREN} alarms; this rule names "
                              f"{len(alarm.children)}"))
    return problems


def check_log_alarm(alarm: AlarmBase, params: dict[str, Any]) -> list[Diagnostic]:
    """A native log alarm: the limits every alarm has (name, description, actions, tags)."""
    return _common(alarm, params)


def fit_description(free: str, fixed: str) -> str:
    """AlarmDescription = `free` (summary, description) + a blank line + `fixed` (severity, runbook link,
    owner). Past CloudWatch's 1,024 characters the free text is cut and marked with '…': the runbook
    link must survive whole, and the runbook page holds the full text anyway."""
    whole = f"{free}\n\n{fixed}"
    room = MAX_DESCRIPTION - len(fixed) - 2 - len(ELLIPSIS)
    if len(whole) <= MAX_DESCRIPTION:
        return whole
    if room <= 0:  # no room at all: _common reports the length of the fixed part
        return fixed
    return f"{free[:room].rstrip()}{ELLIPSIS}\n\n{fixed}"


def _common(alarm: AlarmBase, params: dict[str, Any]) -> list[Diagnostic]:
    origin = alarm.origin
    problems = []
    name = params["AlarmName"]
    if not 1 <= len(name) <= MAX_NAME:
        problems.append(error(origin.key_span(), "aws-limit",
                              f"alarm name '{name[:60]}...' is {len(name)} characters; CloudWatch allows {MAX_NAME} "
                              "(shorten the monitor name or naming.alarm)"))
    description = params.get("AlarmDescription", "")  # absent when `cloudwatch: {AlarmDescription: null}`
    if len(description) > MAX_DESCRIPTION:  # fit_description could not make room: the fixed part is too long
        problems.append(error(origin.key_span(), "aws-limit",
                              f"the alarm description's severity, runbook link and owner lines alone are "
                              f"{len(description)} characters; CloudWatch allows {MAX_DESCRIPTION} (the summary and "
                              "description are cut to fit, the runbook link never is)"))
    for state in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        if len(params.get(state, [])) > MAX_ACTIONS:
            problems.append(error(origin.span("severity"), "aws-limit",
                                  f"{state} has {len(params[state])} actions (the topic of severity "
                                  f"'{alarm.severity.name}' and its actions: list); CloudWatch allows "
                                  f"{MAX_ACTIONS} per state"))
    problems += _tags(alarm, params["Tags"])
    return problems


def _tags(alarm: AlarmBase, tags: list[dict[str, str]]) -> list[Diagnostic]:
    origin = alarm.origin
    problems = []
    if len(tags) > MAX_TAGS:
        span = origin.span("tags") if "tags" in _written(alarm) else origin.key_span()
        problems.append(error(span, "aws-limit",
                              f"{len(tags)} tags (project, service, monitor and obsgen's own); "
                              f"AWS allows {MAX_TAGS} per resource"))
    for tag in tags:
        key, value = tag["Key"], tag["Value"]
        if not TAG_KEY[0] <= len(key) <= TAG_KEY[1] or len(value) > MAX_TAG_VALUE or key.lower().startswith("aws:"):
            problems.append(error(origin.key_span(), "aws-limit",
                                  f"tag '{shown(key, 40)}': keys are 1-128 characters and may not start with 'aws:', "
                                  "values at most 256 characters"))
    return problems


def _dimensions(alarm: MetricAlarm, groups: list[list[dict[str, str]]]) -> list[Diagnostic]:
    """An empty dimension value (e.g. a resource name template that expands to "") is refused by AWS."""
    problems = []
    for dimension in (d for group in groups for d in group):
        name, value = dimension["Name"], dimension["Value"]
        if not 1 <= len(name) <= MAX_DIMENSION_NAME or not 1 <= len(value) <= MAX_DIMENSION_VALUE:
            problems.append(error(_dimensions_span(alarm), "aws-limit", f"dimension '{shown(name, 40)}' = '{shown(value, 40)}': "
                                  f"CloudWatch takes names of 1-{MAX_DIMENSION_NAME} and values of "
                                  f"1-{MAX_DIMENSION_VALUE} characters"))
    return problems


def _dimensions_span(alarm: MetricAlarm) -> Span:
    # Only looked up for a problem: locating it in the document for each of 10,000 good alarms cost 2% of a compile.
    written = _written(alarm)
    field = next((f for f in ("dimensions", "resource", "metrics") if f in written), None)
    return alarm.origin.span(field) if field else alarm.origin.key_span()


def _valid_period(period: int) -> bool:
    return period in SHORT_PERIODS or (period >= 60 and period % 60 == 0)


def _written(alarm: AlarmBase) -> set[str]:
    data = alarm.origin.doc.data
    for part in alarm.origin.loc:
        data = data.get(part, {}) if isinstance(data, dict) else {}
    written = set(data) if isinstance(data, dict) else set()
    if alarm.origin.override:
        written |= alarm.origin.override[2]
    return written


def _evaluation_span(alarm: MetricAlarm) -> Span:
    written = _written(alarm)
    for field in ("datapoints", "evaluation_periods", "period"):
        if field in written:
            return alarm.origin.span(field)
    return alarm.origin.key_span()
