"""Logs pass: log monitors' metric filters and native log alarms (called by the CloudWatch pass, which
makes the alarms), and services' saved Logs Insights queries.

A log monitor's filter pattern is parsed here (filter_pattern.py), so a typo in it is a located error
at compile time instead of an InvalidParameterException at apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import conventions
from ..diagnostics import error, shown
from ..language.load import ServiceEntry
from ..language.v1.logs import LogFilter, LogQuery
from ..language.yaml_reader import Document, Loc
from ..model import MetricFilter, Origin, SavedQuery
from ..values import MofN
from .context import Context

if TYPE_CHECKING:  # the pattern parser is imported by the first log metric filter (metric_filter)
    from .. import filter_pattern

LOG_GROUP_NAME = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")  # PutMetricFilter logGroupName: [\.\-_/#A-Za-z0-9]+
METRIC_TEXT = re.compile(r"^[^:*$]{1,255}$")  # MetricTransformation metricName / metricNamespace: [^:*$]*
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
MAX_QUERY_NAME = 255  # PutQueryDefinition name: length 1..255
MAX_OFFSET = 2_592_000  # ScheduleConfiguration.StartTimeOffset: 1..2592000 s (30 days)
MAX_RESULTS = 100  # QueryResultsToEvaluate: "Valid range is 1 through 100"


@dataclass(frozen=True, slots=True)
class LogAlarmFields:
    """What a native log alarm adds to the fields every alarm has (model.LogAlarm)."""

    log_groups: tuple[str, ...]
    query: str
    aggregation: str
    schedule: int
    window: int
    role_arn: str
    results_to_evaluate: int
    results_to_alarm: int


def log_group(ctx: Context, doc: Document, loc: Loc, template: str, **extra: str) -> str:
    name = ctx.expand(template, doc, loc, **extra)
    if "${" not in name and not LOG_GROUP_NAME.match(name):
        ctx.fail(doc, loc, "bad-value", f"'{shown(name)}' is not a log group name (1-512 letters, digits and . _ - / #)")
    return name


def metric_filter(ctx: Context, entry: ServiceEntry, monitor: str, spec: LogFilter, alarm: str,
                  origin: Origin) -> MetricFilter | None:
    """The metric filter of log monitor `monitor`, whose alarm is named `alarm`."""
    doc, service = entry.doc, entry.spec.service
    loc = origin.loc + ("log",)
    group = log_group(ctx, doc, loc + ("group",), spec.group, service=service, monitor=monitor)
    from .. import filter_pattern

    try:
        pattern = filter_pattern.parse(spec.pattern)
    except filter_pattern.PatternSyntaxError as exc:
        ctx.problems.append(error(doc.span_in(loc + ("pattern",), exc.offset), "bad-filter-pattern",
                                  f"filter pattern: {exc}"))
        return None
    namespace = ctx.expand(spec.namespace or "${project}/logs", doc, loc + ("namespace",), service=service,
                           monitor=monitor)
    metric = spec.metric or alarm
    _check_metric_text(ctx, doc, loc + ("namespace",), namespace, "namespace")
    _check_metric_text(ctx, doc, loc + ("metric",) if spec.metric else ("naming",), metric, "metric name")
    if namespace.startswith("AWS/"):
        ctx.fail(doc, loc + ("namespace",), "bad-value", f"namespace '{shown(namespace)}' is AWS's own: custom "
                 "metrics may not use a namespace starting with 'AWS/'")
    if not NUMBER.match(spec.value):
        _check_field(ctx, doc, loc + ("value",), spec.value, pattern, "the metric's value")
    for name, field in spec.dimensions.items():
        _check_field(ctx, doc, loc + ("dimensions", name), field, pattern, f"dimension '{shown(name)}'")
    name = conventions.metric_filter_name(ctx.project.project, ctx.env_name, service, monitor)
    return MetricFilter(service, monitor, name, alarm, group, spec.pattern, namespace, metric, spec.value, spec.default,
                        tuple(sorted(spec.dimensions.items())), spec.unit, Origin(doc, loc))


def _check_metric_text(ctx: Context, doc: Document, loc: Loc, text: str, what: str) -> None:
    if "${" not in text and not METRIC_TEXT.match(text):
        ctx.fail(doc, loc, "bad-value", f"{what} '{shown(text)}' must be 1-255 characters without ':', '*' or '$'")


def _check_field(ctx: Context, doc: Document, loc: Loc, field: str, pattern: filter_pattern.Pattern,
                 what: str) -> None:
    """A metric value or dimension names a field the pattern extracts: a selector the JSON pattern compares
    ("make sure the field is in the pattern (if only as '$.fieldName = *')", MetricFilterProps.metricValue in
    the CDK reference; FilterAndPatternSyntax.html's own example is `{ $.latency = * }` with value
    `$.latency`), or `$name` of a field a space-delimited pattern names."""
    if pattern.names(field):
        return
    if pattern.kind == "json":
        compared = ", ".join(sorted(pattern.selectors))
        hint = f"a selector it compares ({compared}); add `&& {shown(field)} = *` to the pattern to read another"
    elif pattern.kind == "space":
        hint = "one of the pattern's fields: " + ", ".join(f"${f}" for f in pattern.fields)
    else:
        hint = "nothing: only JSON ({ ... }) and space-delimited ([a, b]) patterns extract fields"
    ctx.fail(doc, loc, "bad-value", f"{what} reads '{shown(field)}', but this filter pattern can give {hint}")


def log_alarm_fields(ctx: Context, entry: ServiceEntry, monitor: str, spec: LogQuery, datapoints: MofN | None,
                     origin: Origin) -> LogAlarmFields:
    doc, service = entry.doc, entry.spec.service
    loc = origin.loc + ("log",)
    groups = tuple(log_group(ctx, doc, loc + ("groups", i), g, service=service, monitor=monitor)
                   for i, g in enumerate(spec.groups))
    role = ctx.expand(spec.role, doc, loc + ("role",), service=service, monitor=monitor)
    if "${" not in role and not ROLE_ARN.match(role):
        ctx.fail(doc, loc + ("role",), "bad-value", f"'{shown(role)}' is not an IAM role ARN "
                 "(arn:aws:iam::<account>:role/<name>)")
    if spec.schedule % 60:
        ctx.fail(doc, loc + ("schedule",), "bad-value", "a log alarm's query runs every whole number of minutes "
                 "(ScheduleExpression rate(N minutes))")
    window = spec.window if spec.window is not None else spec.schedule
    if not 1 <= window <= MAX_OFFSET:
        ctx.fail(doc, loc + ("window" if spec.window is not None else "schedule",), "bad-value",
                 "a log alarm's query looks back 1 s to 30 days (StartTimeOffset)")
    evaluate, alarm = (datapoints.periods, datapoints.datapoints) if datapoints else (1, 1)
    if evaluate > MAX_RESULTS or alarm > evaluate:
        ctx.fail(doc, origin.loc + ("datapoints",), "bad-value", f"a log alarm evaluates at most {MAX_RESULTS} query "
                 "results, and alarms on at most as many as it evaluates")
    query = ctx.expand(spec.query, doc, loc + ("query",), service=service, monitor=monitor)
    return LogAlarmFields(groups, query.strip(), spec.aggregate.strip(), spec.schedule, window, role, evaluate, alarm)


def saved_queries(ctx: Context) -> tuple[SavedQuery, ...]:
    found = []
    for entry in sorted(ctx.spec.services, key=lambda s: s.spec.service):
        service = entry.spec.service
        for key, spec in entry.spec.queries.items():
            loc: Loc = ("queries", key)
            groups = tuple(log_group(ctx, entry.doc, loc + ("groups", i), g, service=service)
                           for i, g in enumerate(spec.groups))
            query = ctx.expand(spec.query, entry.doc, loc + ("query",), service=service)
            name = conventions.query_definition_name(ctx.project.project, ctx.env_name, service, key)
            if len(name) > MAX_QUERY_NAME:
                ctx.fail(entry.doc, loc, "aws-limit", f"query definition name '{shown(name)}' is longer than "
                         f"{MAX_QUERY_NAME} characters", at_key=True)
            found.append(SavedQuery(service, key, name, query.strip(), groups, spec.description,
                                    Origin(entry.doc, loc)))
    return tuple(sorted(found, key=lambda q: q.name))
