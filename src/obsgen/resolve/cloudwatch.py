"""CloudWatch pass: monitors -> metric and composite alarms, with their references, cycles and names
checked."""

from __future__ import annotations

from typing import Callable, TypedDict, TypeVar

from .. import composite_rule, conventions
from ..diagnostics import Span, error, shown
from ..language.errors import did_you_mean
from ..language.load import ServiceEntry
from ..language.v1.project import MonitorOverride
from ..language.v1.prometheus import PromMonitor
from ..language.v1.maintenance import WarmUp as WarmUpSpec
from ..language.v1.service import (AlarmCommon, CompositeMonitor, Evaluation, LogAlarmMonitor, LogMonitor, MathMonitor,
                                   MetricMonitor, MetricQuery, MetricSource, Resource)
from ..language.yaml_reader import Document, Loc
from ..model import AlarmBase, CompositeAlarm, LogAlarm, MetricAlarm, MetricFilter, MetricStat, Origin, Severity, WarmUp
from ..presets.origin import locate as locate_preset
from ..resource_types import RESOURCE_TYPES
from ..values import Threshold
from . import logs, metric_checks, regions
from . import math_ids
from .context import Context

COMPOSITE_OVERRIDABLE = frozenset({"severity", "actions_enabled", "cloudwatch"})
LOG_ALARM_OVERRIDABLE = frozenset({"severity", "actions_enabled", "threshold", "datapoints", "missing_data"})
CloudWatchMonitor = MetricMonitor | MathMonitor | CompositeMonitor | LogMonitor | LogAlarmMonitor
_Monitor = TypeVar("_Monitor", bound=AlarmCommon)
_Pairs = tuple[tuple[str, str], ...]  # an alarm's tags, sorted


class _Common(TypedDict):
    """The AlarmBase fields, the same for a metric and a composite alarm."""

    service: str
    monitor: str
    name: str
    summary: str
    description: str | None
    severity: Severity
    runbook: str | None
    runbook_url: str | None
    actions_enabled: bool
    tags: tuple[tuple[str, str], ...]
    origin: Origin
    region: str
    verbatim: tuple[tuple[str, object], ...]


class _MetricFields(_Common):
    """The MetricAlarm fields a single-metric and a metric-math alarm share."""

    threshold: Threshold
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int | None
    missing_data: str
    unit: str | None
    warm_up: WarmUp | None


def alarms(ctx: Context, lowered: tuple[list[MetricAlarm], list[CompositeAlarm]] = ([], [])
           ) -> tuple[list[MetricAlarm], list[CompositeAlarm]]:
    """Every CloudWatch monitor of the environment (PromQL monitors are the prometheus pass's), with the alarms
    `lowered` from other spec objects (resolve/slos.py), checked with them (names, regions, actions). Log
    monitors' metric filters and native log alarms go to `ctx.metric_filters` and `ctx.log_alarms`."""
    metric_alarms: list[MetricAlarm] = list(lowered[0])
    composites: list[CompositeAlarm] = list(lowered[1])
    for entry in sorted(ctx.spec.services, key=lambda s: s.spec.service):
        for monitor_name, monitor in entry.spec.monitors.items():
            if isinstance(monitor, PromMonitor):
                continue
            alarm = _alarm(ctx, entry, monitor_name, monitor)
            if isinstance(alarm, CompositeAlarm):
                composites.append(alarm)
            elif isinstance(alarm, MetricAlarm):
                metric_alarms.append(alarm)
            elif isinstance(alarm, LogAlarm):
                ctx.log_alarms.append(alarm)
    _check_cycles(ctx, composites)
    composites = regions.place_composites(ctx, metric_alarms, composites)
    regions.check_actions(ctx, [*metric_alarms, *composites])
    if not any(p.code in ("unknown-variable", "bad-template") for p in ctx.problems):  # else names are templates
        _check_unique_names(ctx, [*metric_alarms, *composites, *ctx.log_alarms])
    return metric_alarms, composites


def _alarm(ctx: Context, entry: ServiceEntry, name: str, monitor: CloudWatchMonitor) -> AlarmBase | None:
    service = entry.spec.service
    ref = f"{service}/{name}"
    if ref in ctx.env.disabled:
        return None
    if ref in ctx.meant_disabled and isinstance(monitor, CompositeMonitor):
        return None  # the `disabled:` typo is the error; the composite's rule naming disabled monitors follows from it
    loc = ("monitors", name)
    override = ctx.env.overrides.get(ref)
    origin = Origin(entry.doc, loc)
    if override is not None:
        fields = frozenset(override.model_fields_set)
        override_loc = ctx.setting_loc("overrides", ref)
        origin = Origin(entry.doc, loc, (ctx.pdoc, override_loc, fields))
        monitor = _apply_override(ctx, monitor, override, override_loc)
    origin = locate_preset(ctx.spec, ref, origin)  # a preset monitor points at its use in `resources:`
    severity = ctx.monitor_severity(entry, origin, monitor)
    if severity is None:
        return None
    named = monitor.cloudwatch.get("AlarmName")
    # Dict displays, not calls of the TypedDicts with keywords: a third of the cost, once per alarm.
    common: _Common = {
        "service": service, "monitor": name,
        "name": (ctx.expand(named, entry.doc, loc + ("cloudwatch", "AlarmName"), service=service, monitor=name)
                 if isinstance(named, str) else
                 ctx.expand(ctx.project.naming.alarm, ctx.pdoc, ("naming", "alarm"), service=service, monitor=name)),
        "summary": preset_summary(ctx, entry, ref, monitor.summary), "description": monitor.description,
        "severity": severity, "runbook": monitor.runbook,
        "runbook_url": ctx.runbook_url(service, name),
        "actions_enabled": monitor.actions_enabled, "tags": _tags(ctx, entry, name, monitor), "origin": origin,
        "region": ctx.env.region,
        "verbatim": (tuple(sorted((k, v) for k, v in monitor.cloudwatch.items() if k != "AlarmName"))
                     if monitor.cloudwatch else ()),
    }
    if isinstance(monitor, CompositeMonitor):
        return _composite(ctx, entry, monitor, common)
    if isinstance(monitor, LogAlarmMonitor):
        return _log_alarm(ctx, entry, monitor, common)
    if isinstance(monitor, LogMonitor):
        return _log_filter_alarm(ctx, entry, monitor, common)
    return _metric_alarm(ctx, entry, monitor, common)


def preset_summary(ctx: Context, entry: ServiceEntry, ref: str, summary: str) -> str:
    """A preset's summary names the resource by its AWS name in this environment ("The
    orders-production Lambda function is returning errors."), not by its key in the spec ("The
    function Lambda function ..."): it is the first line of the alarm mail, read at 3 am."""
    use = ctx.spec.preset_uses.get(ref)
    if use is None or use.resource is None:
        return summary
    return summary.replace("{resource}", aws_name(ctx, entry, use.resource))


def aws_name(ctx: Context, entry: ServiceEntry, key: str) -> str:
    """The resource's name in this environment: its `name:` expanded (a template error there is reported
    where the name is written, so it is not reported again here), quoted when it holds spaces; its key
    when it has no name."""
    resource = entry.spec.resources.get(key)
    if resource is None or resource.name is None:
        return key
    try:
        name = conventions.expand(resource.name, {**ctx.vars, "service": entry.spec.service})
    except conventions.TemplateError:
        return key
    return f"'{name}'" if any(c.isspace() for c in name) else name


def _apply_override(ctx: Context, monitor: _Monitor, override: MonitorOverride, override_loc: Loc) -> _Monitor:
    """The monitor with the environment's override (in the project file, at `override_loc`) applied."""
    # `threshold: null` means "not overridden": a None would reach the targets as a value.
    changes = {k: v for k in override.model_fields_set if (v := getattr(override, k)) is not None}
    for key, written in (("for_", "for"), ("promql", "promql")):  # resolve_prometheus applies these
        if changes.pop(key, None) is not None:
            ctx.fail(ctx.pdoc, override_loc + (written,), "bad-override", f"'{written}' applies to PromQL monitors only",
                     at_key=True)
    if changes.pop("objective", None) is not None:
        ctx.fail(ctx.pdoc, override_loc + ("objective",), "bad-override", "'objective' applies to SLOs only "
                 "(override 'service/slo-<name>')", at_key=True)
    if isinstance(monitor, CompositeMonitor):
        for key in sorted(set(changes) - COMPOSITE_OVERRIDABLE):
            ctx.fail(ctx.pdoc, override_loc + (key,), "bad-override",
                     f"'{key}' cannot be overridden on a composite monitor; only severity, actions_enabled and cloudwatch can",
                      at_key=True)
        changes = {k: v for k, v in changes.items() if k in COMPOSITE_OVERRIDABLE}
    elif isinstance(monitor, LogAlarmMonitor):
        for key in sorted(set(changes) - LOG_ALARM_OVERRIDABLE):
            ctx.fail(ctx.pdoc, override_loc + (key,), "bad-override",
                     f"'{key}' cannot be overridden on a native log alarm; only severity, actions_enabled, threshold, "
                     "datapoints and missing_data can", at_key=True)
        changes = {k: v for k, v in changes.items() if k in LOG_ALARM_OVERRIDABLE}
    if "cloudwatch" in changes:  # key by key over the monitor's own
        changes["cloudwatch"] = {**monitor.cloudwatch, **changes["cloudwatch"]}
    if "datapoints" in changes:  # "M of N" replaces both counts written in the spec
        changes.update(evaluation_periods=None, datapoints_to_alarm=None)
    elif changes.keys() & {"evaluation_periods", "datapoints_to_alarm"} and getattr(monitor, "datapoints", None):
        changes["datapoints"] = None
    return monitor.model_copy(update=changes)


def _tags(ctx: Context, entry: ServiceEntry, name: str, monitor: CloudWatchMonitor) -> tuple[tuple[str, str], ...]:
    service = entry.spec.service

    def expanded(written: dict[str, str], doc: Document, loc: Loc) -> dict[str, str]:
        return {k: ctx.expand(v, doc, loc + (k,), service=service, monitor=name) if "$" in v else v
                for k, v in written.items()}

    if service not in ctx.service_tags:
        ctx.service_tags[service] = _shared_tags(ctx, entry, expanded)
    shared = ctx.service_tags[service]
    if shared is not None and not monitor.tags:
        # Most alarms carry their service's tags and their own name only: the service's are sorted once, and
        # the alarm's name put in its place (each alarm sorting all of its own was ~2% of a compile).
        before, after = ctx.service_pairs.get(service) or _service_pairs(ctx, service, shared)
        mine = (conventions.TAG_MONITOR, name)  # ownership_tags' `monitor=` key
        return (*before, ctx.tag_pairs.setdefault(mine, mine), *after)
    if shared is None:
        shared = {**expanded(ctx.project.tags, ctx.pdoc, ("tags",)), **expanded(entry.spec.tags, entry.doc, ("tags",))}
    tags = {**shared, **expanded(monitor.tags, entry.doc, ("monitors", name, "tags")),
            **conventions.ownership_tags(ctx.project.project, ctx.env_name, service=service, monitor=name)}
    return _sorted_pairs(ctx, tags)


def _service_pairs(ctx: Context, service: str, shared: dict[str, str]) -> tuple[_Pairs, _Pairs]:
    """The sorted tags of each alarm of the service without tags of its own, but for its name (TAG_MONITOR):
    those before it and those after it."""
    tags = {**shared, **conventions.ownership_tags(ctx.project.project, ctx.env_name, service=service)}
    tags.pop(conventions.TAG_MONITOR, None)  # the alarm's own name replaces one the spec wrote
    ordered = _sorted_pairs(ctx, tags)
    cut = sum(1 for key, _ in ordered if key < conventions.TAG_MONITOR)
    ctx.service_pairs[service] = found = (ordered[:cut], ordered[cut:])
    return found


def _sorted_pairs(ctx: Context, tags: dict[str, str]) -> _Pairs:
    """The tags as (key, value) pairs, sorted. Project and service tags repeat on every alarm: sharing one tuple
    per (key, value) keeps ~100,000 objects per 10,000 alarms out of the live heap the collector scans after a
    compile. Sorted by key (each key once): comparing the keys costs a fifth of comparing the pairs."""
    pairs = ctx.tag_pairs
    keys = sorted(tags)
    return tuple([pairs.setdefault(pair, pair) for pair in zip(keys, map(tags.__getitem__, keys))])


def _shared_tags(ctx: Context, entry: ServiceEntry,
                 expanded: Callable[[dict[str, str], Document, Loc], dict[str, str]]) -> dict[str, str] | None:
    """The project's and the service's tags, expanded (by the first alarm's `expanded`), when they are the same on
    every alarm of the service: when none names ${monitor}; else None, and each alarm expands its own. Once per
    service instead of once per alarm saves ~3% of a compile (docs/performance.md); a template problem in one
    is then reported once, not once per alarm, the same diagnostic the deduplicated list held anyway (the
    first alarm's monitor is among the variables, so a did-you-mean reads as before)."""
    written = [*ctx.project.tags.values(), *entry.spec.tags.values()]
    if any("$" in value and "monitor" in value for value in written):  # a word in a value is only slower
        return None
    return {**expanded(ctx.project.tags, ctx.pdoc, ("tags",)), **expanded(entry.spec.tags, entry.doc, ("tags",))}


def _warm_up(spec: WarmUpSpec | None) -> WarmUp | None:
    return WarmUp(spec.duration // 60, spec.wait) if spec is not None else None


def _metric_alarm(ctx: Context, entry: ServiceEntry, monitor: MetricMonitor | MathMonitor,
                  common: _Common) -> MetricAlarm | None:
    origin = common["origin"]
    evaluation, datapoints = _evaluation(ctx, monitor, origin)
    fields: _MetricFields = {**common, "threshold": monitor.threshold, "period": monitor.period,
                             "evaluation_periods": evaluation, "datapoints_to_alarm": datapoints,
                             "missing_data": monitor.missing_data, "unit": monitor.unit,
                             "warm_up": _warm_up(monitor.warm_up)}
    if isinstance(monitor, MathMonitor):
        if monitor.threshold.is_band:
            ctx.problems.append(error(origin.span("threshold"), "bad-value",
                                      "band thresholds apply to single-metric monitors, not to expressions"))
        queries = tuple((mid, _metric(ctx, entry, q, q.period or monitor.period, origin, ("metrics", mid), evaluation))
                        for mid, q in monitor.metrics.items())
        ctx.problems += math_ids.diagnostics(monitor.expression, set(monitor.metrics), "one of this monitor's metrics",
                                             lambda offset: origin.doc.span_in(origin.loc + ("expression",), offset),
                                             metrics=monitor.metrics)
        fields["region"] = regions.alarm_region(ctx, monitor.region, tuple(q for _, q in queries), origin)
        alarmed = dict(queries).get(monitor.expression.strip())  # the expression is one metric: its threshold is
        if alarmed is not None:                                   # that metric's (FILL and other math: not checked)
            ctx.problems += metric_checks.check_absence(alarmed, monitor, monitor.cloudwatch, origin)
            ctx.problems += metric_checks.check_range(alarmed, monitor, monitor.cloudwatch, origin)
        return MetricAlarm(**fields, expression=monitor.expression, queries=queries)
    metric = _metric(ctx, entry, monitor, monitor.period, origin, (), evaluation)
    ctx.problems += metric_checks.check_absence(metric, monitor, monitor.cloudwatch, origin)
    ctx.problems += metric_checks.check_range(metric, monitor, monitor.cloudwatch, origin)
    fields["region"] = regions.alarm_region(ctx, monitor.region, (metric,), origin)
    return MetricAlarm(**fields, metric=metric)


def _log_filter_alarm(ctx: Context, entry: ServiceEntry, monitor: LogMonitor, common: _Common) -> MetricAlarm | None:
    """A log monitor: its metric filter (to ctx.metric_filters), and the metric alarm on the filter's
    metric -- summed over every dimension value by a Metrics Insights query when the filter has dimensions
    (an alarm on a metric must name all its dimensions, whose values come from the logs)."""
    origin = common["origin"]
    if monitor.threshold.is_band:
        ctx.problems.append(error(origin.span("threshold"), "bad-value",
                                  "band thresholds apply to metric monitors, not to log monitors"))
    found = logs.metric_filter(ctx, entry, common["monitor"], monitor.log, common["name"], origin)
    if found is None:
        return None
    ctx.metric_filters.append(found)
    evaluation, datapoints = _evaluation(ctx, monitor, origin)
    fields = _MetricFields(**common, threshold=monitor.threshold, period=monitor.period, evaluation_periods=evaluation,
                           datapoints_to_alarm=datapoints, missing_data=monitor.missing_data, unit=monitor.log.unit,
                           warm_up=_warm_up(monitor.warm_up))
    if found.dimensions:
        return MetricAlarm(**fields, expression=metrics_insights_sum(found, monitor.statistic))
    return MetricAlarm(**fields, metric=MetricStat(found.namespace, found.metric, (), monitor.statistic, monitor.period,
                                                    monitor.log.unit))


def metrics_insights_sum(found: MetricFilter, statistic: str) -> str:
    """`SELECT SUM("metric") FROM "namespace"`: one series over every dimension value (Metrics Insights
    query syntax, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html;
    its functions are AVG, COUNT, MAX, MIN and SUM)."""
    function = {"Sum": "SUM", "SampleCount": "COUNT", "Average": "AVG", "Minimum": "MIN", "Maximum": "MAX"}[statistic]
    return f"SELECT {function}({_quoted(found.metric)}) FROM {_quoted(found.namespace)}"


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _log_alarm(ctx: Context, entry: ServiceEntry, monitor: LogAlarmMonitor, common: _Common) -> LogAlarm | None:
    origin = common["origin"]
    if monitor.threshold.is_band:
        ctx.problems.append(error(origin.span("threshold"), "bad-value",
                                  "band thresholds apply to metric monitors, not to log alarms"))
    for key, _ in common["verbatim"]:  # PutMetricAlarm's parameters: PutLogAlarm takes other ones
        ctx.fail(entry.doc, origin.loc + ("cloudwatch", key), "bad-value",
                 f"'{key}' is a metric alarm's parameter; a native log alarm takes only AlarmName in cloudwatch:",
                 at_key=True)
    fields = logs.log_alarm_fields(ctx, entry, common["monitor"], monitor.log, monitor.datapoints, origin)
    common["verbatim"] = ()
    return LogAlarm(**common, log_groups=fields.log_groups, query=fields.query, aggregation=fields.aggregation,
                    schedule=fields.schedule, window=fields.window, role_arn=fields.role_arn,
                    threshold=monitor.threshold, results_to_evaluate=fields.results_to_evaluate,
                    results_to_alarm=fields.results_to_alarm, missing_data=monitor.missing_data,
                    warm_up=_warm_up(monitor.warm_up))


def _evaluation(ctx: Context, monitor: Evaluation, origin: Origin) -> tuple[int, int | None]:
    if monitor.datapoints is not None:
        if monitor.evaluation_periods is not None or monitor.datapoints_to_alarm is not None:
            ctx.problems.append(error(origin.span("datapoints"), "conflicting-keys",
                                      "write either datapoints: \"M of N\" or evaluation_periods / "
                                       "datapoints_to_alarm, not both"))
        return monitor.datapoints.periods, monitor.datapoints.datapoints
    return monitor.evaluation_periods or 1, monitor.datapoints_to_alarm


def _metric(ctx: Context, entry: ServiceEntry, source: MetricSource, period: int, origin: Origin,
            fields: tuple[str, ...], evaluation_periods: int | None = None) -> MetricStat:
    """The metric a monitor (fields ()) or one of its math queries (fields ("metrics", id)) reads, checked
    against the metric catalog; its period too when the alarm's `evaluation_periods` are given."""
    doc = entry.doc
    loc = origin.loc + fields
    namespace = source.namespace
    dimensions: dict[str, str] = {}
    resource = None
    if source.resource is not None:
        found = entry.spec.resources.get(source.resource)
        if found is None:
            if not ctx.spec.broken.resource(entry.spec.service, source.resource):
                ctx.fail(doc, loc + ("resource",), "unknown-resource",
                         f"unknown resource '{shown(source.resource)}'"
                         f"{did_you_mean(source.resource, list(entry.spec.resources))}")
        else:
            namespace, dimensions = resource_dimensions(ctx, entry, source.resource, found)
            resource = found
            if source.namespace and source.namespace != namespace:
                ctx.fail(doc, loc + ("namespace",), "conflicting-keys",
                         f"resource '{source.resource}' is in namespace {namespace}; drop 'namespace' or 'resource'")
    elif namespace is None:
        ctx.fail(doc, loc + ("metric",), "missing-key",
                 f"metric '{shown(source.metric)}' needs a 'resource' or a 'namespace' (with 'dimensions')")
    for key, value in source.dimensions.items():
        dimensions[key] = ctx.expand(value, doc, loc + ("dimensions", key), service=entry.spec.service)
    stat = MetricStat(namespace or "", source.metric, tuple(sorted(dimensions.items())), source.statistic,
                      period, source.unit)
    ctx.problems += metric_checks.check_stat(stat, _flavour(resource),
                                             lambda: _place(ctx, entry, source, resource, origin, fields),
                                             evaluation_periods=evaluation_periods)
    return stat


def metric_stat(ctx: Context, entry: ServiceEntry, source: MetricSource, period: int, origin: Origin,
                fields: tuple[str, ...]) -> MetricStat:
    """A metric of another spec object than a monitor (an SLI, resolve/slos.py), read and checked as a monitor's."""
    return _metric(ctx, entry, source, period, origin, fields)


def _place(ctx: Context, entry: ServiceEntry, source: MetricSource, resource: Resource | None, origin: Origin,
           fields: tuple[str, ...]) -> metric_checks.MetricPlace:
    """Where each part of the metric was written; a preset monitor's parts are its use in `resources:` (or the
    override there that sets them)."""
    if origin.preset is not None:
        use = origin.span()
        return metric_checks.MetricPlace(origin.span(*fields, "metric"), origin.span(*fields, "statistic"), use, use,
                                         skip_dimensions=resource is not None and
                                         ctx.resource_is_bad(entry, source.resource or "", resource),
                                         note=origin.preset.note(), unit=origin.span(*fields, "unit"),
                                         period=_period_span(source, origin, fields))
    doc = entry.doc
    keys = {}
    if resource is not None:
        rloc = ("resources", source.resource or "")
        keys = {k: doc.span(rloc + ("dimensions", k), at_key=True) for k in resource.dimensions}
    keys.update({k: doc.span(origin.loc + fields + ("dimensions", k), at_key=True) for k in source.dimensions})
    missing = origin.span(*fields, "dimensions" if source.dimensions or resource is None else "resource")
    namespace = (origin.span(*fields, "namespace") if source.namespace or resource is None
                 else doc.span(("resources", source.resource or "", "namespace")))
    return metric_checks.MetricPlace(origin.span(*fields, "metric"), origin.span(*fields, "statistic"), namespace,
                                     missing, keys, resource is not None and ctx.resource_is_bad(entry, source.resource or "", resource),
                                     unit=origin.span(*fields, "unit"), period=_period_span(source, origin, fields))


def _period_span(source: MetricSource, origin: Origin, fields: tuple[str, ...]) -> Span:
    """A math query's own `period:` when it has one, else the monitor's; a monitor that leaves its period to
    the default is blamed at its key (a preset's, at its use or the override that sets it)."""
    if isinstance(source, MetricQuery) and source.period is not None:
        return origin.span(*fields, "period")
    overridden = origin.override is not None and "period" in origin.override[2]
    if origin.preset is None and not overridden and origin.doc.value_at(origin.loc + ("period",)) is None:
        return origin.key_span()
    return origin.span("period")


def _flavour(resource: Resource | None) -> str | None:
    kind = metric_checks.resource_type(resource.type) if resource is not None else None
    return kind.flavour if kind is not None else None


def resource_dimensions(ctx: Context, entry: ServiceEntry, name: str, resource: Resource) -> tuple[str, dict[str, str]]:
    """The resource's namespace and dimensions in this environment, its problems added to ctx.problems. Worked out
    once per resource and environment (a resource is read by several monitors: ~3% of a compile), then given
    again, with the same problems, as if worked out again (`Context.resources`)."""
    key = (entry.spec.service, name)
    known = ctx.resources.get(key)
    if known is None or known[0] is not resource:
        before = len(ctx.problems)
        namespace, dimensions = _resource_dimensions(ctx, entry, name, resource)
        known = ctx.resources[key] = (resource, namespace, dimensions, ctx.problems[before:])
    else:
        ctx.problems += known[3]
    return known[1], dict(known[2])  # the caller adds a monitor's own dimensions to its copy


def _resource_dimensions(ctx: Context, entry: ServiceEntry, name: str, resource: Resource) -> tuple[str, dict[str, str]]:
    kind = RESOURCE_TYPES[resource.type]
    loc = ("resources", name)
    namespace = kind.namespace or resource.namespace
    if kind.namespace is None and not resource.namespace:
        ctx.fail(entry.doc, loc + ("type",), "missing-key", "a 'custom' resource needs a 'namespace'")
    elif kind.namespace is not None and resource.namespace:
        ctx.fail(entry.doc, loc + ("namespace",), "conflicting-keys",
                 f"'namespace' is only for type 'custom'; type '{resource.type}' is in {kind.namespace}")
    dimensions = {k: ctx.expand(v, entry.doc, loc + ("dimensions", k), service=entry.spec.service)
                  for k, v in resource.dimensions.items()}
    named = _named_dimension(ctx, entry, name, resource)
    if named and resource.name is not None:
        dimensions[named] = ctx.expand(resource.name, entry.doc, loc + ("name",), service=entry.spec.service)
    for required in kind.required:
        if required not in dimensions:
            ctx.fail(entry.doc, loc, "missing-key",
                     f"a resource of type '{resource.type}' also needs dimensions.{required}", at_key=True)
    return namespace or "", dimensions


def _named_dimension(ctx: Context, entry: ServiceEntry, name: str, resource: Resource) -> str | None:
    """The dimension the resource's `name` fills: its type's, or for a `custom` resource the one its
    `dimension:` names (a custom `name` without it would say nothing to CloudWatch)."""
    kind = RESOURCE_TYPES[resource.type]
    loc = ("resources", name)
    if kind.dimension is not None:
        if resource.dimension is not None:
            ctx.fail(entry.doc, loc + ("dimension",), "conflicting-keys",
                     f"'dimension' is only for type 'custom'; a '{resource.type}' resource's name is its "
                     f"{kind.dimension}", at_key=True)
        if resource.name is None:
            ctx.fail(entry.doc, loc, "missing-key", f"a resource of type '{resource.type}' needs a 'name' (its "
                     f"{kind.dimension})", at_key=True)
        return kind.dimension
    if resource.name is not None and resource.dimension is None:
        ctx.fail(entry.doc, loc + ("name",), "missing-key",
                 "a 'custom' resource's 'name' needs 'dimension:', the dimension it fills (e.g. dimension: "
                 "UserPool); or leave 'name' out and give every dimension in 'dimensions:'", at_key=True)
    elif resource.dimension is not None and resource.name is None:
        ctx.fail(entry.doc, loc + ("dimension",), "missing-key",
                 f"'dimension: {shown(resource.dimension)}' needs a 'name' to fill it", at_key=True)
    return resource.dimension


def _composite(ctx: Context, entry: ServiceEntry, monitor: CompositeMonitor, common: _Common) -> CompositeAlarm | None:
    origin = common["origin"]
    try:
        rule = composite_rule.parse(monitor.rule)
    except composite_rule.RuleSyntaxError as exc:
        _rule_error(ctx, origin, exc.offset, "bad-rule", f"monitors.{common['monitor']}.rule: {exc}")
        return None
    children, reported = [], len(ctx.problems)
    for ref in composite_rule.refs(rule):
        full = ref.target if "/" in ref.target else f"{entry.spec.service}/{ref.target}"
        if full not in ctx.monitors and ctx.spec.broken.monitor(full):
            continue  # left out for its own error
        if full not in ctx.monitors:
            local = [m.split("/", 1)[1] for m in ctx.monitors if m.startswith(entry.spec.service + "/")]
            _rule_error(ctx, origin, ref.offset, "unknown-monitor",
                             f"composite rule names unknown monitor '{shown(ref.target)}'"
                             f"{did_you_mean(ref.target, local + list(ctx.monitors))}")
        elif isinstance(ctx.monitors[full][1], PromMonitor):
            _rule_error(ctx, origin, ref.offset, "prometheus-in-composite",
                             f"composite rule names '{full}', a PromQL monitor; composite alarms are "
                             "CloudWatch-only and can combine CloudWatch monitors only")
        elif full in ctx.env.disabled:
            _rule_error(ctx, origin, ref.offset, "disabled-monitor",
                             f"composite rule names '{full}', which is disabled in environment "
                             f"'{ctx.env_name}'; disable the composite there too, or change its rule")
        elif full not in children:
            children.append(full)
    if len(ctx.problems) == reported:  # a rule naming what does not exist has its error already
        _check_constant(ctx, entry, monitor.rule, rule, origin)
    return CompositeAlarm(**common, rule=rule, children=tuple(children))


def _check_constant(ctx: Context, entry: ServiceEntry, text: str, rule: composite_rule.Rule, origin: Origin) -> None:
    """A rule no state of its children can make true never fires; one that every state makes true is in ALARM
    from the start and never leaves it. Both pass every other check and deploy."""
    own = entry.spec.service
    values = composite_rule.truth_values(rule, lambda ref: ref.target if "/" in ref.target else f"{own}/{ref.target}")
    if values == frozenset({False}):
        ctx.problems.append(error(origin.span("rule"), "composite-never-fires",
                                  f"composite rule '{shown(text)}' is false whatever state its alarms are in (each is in exactly one of ALARM, "
                                  "OK and INSUFFICIENT_DATA), so the composite can never go to ALARM"))
    elif values == frozenset({True}):
        ctx.problems.append(error(origin.span("rule"), "composite-always-fires",
                                  f"composite rule '{shown(text)}' is true whatever state its alarms are in (each is in exactly one of ALARM, "
                                  "OK and INSUFFICIENT_DATA), so the composite is in ALARM from the start and never "
                                  "leaves it"))


def _rule_error(ctx: Context, origin: Origin, offset: int, code: str, message: str) -> None:
    # Point at the name inside the rule, even in a quoted or folded (`>-`) multi-line rule.
    # Overrides cannot change a rule, so it is always in the service file.
    span = origin.doc.span_in(origin.loc + ("rule",), offset)
    ctx.problems.append(error(span, code, message))


def _check_cycles(ctx: Context, composites: list[CompositeAlarm]) -> None:
    """One error per tangle of composites that name each other: three composites that all name each
    other hold several cycles, but one edit undoes them, so the first cycle found is shown and the
    others are counted. Depth-first search without recursion: a hostile spec may chain thousands."""
    by_ref = {c.ref: c for c in composites}
    tangles: list[tuple[list[str], CompositeAlarm, set[str], int]] = []  # first cycle, blamed, members, cycles
    for cycle, closing in _cycles({c.ref: [r for r in c.children if r in by_ref] for c in composites}):
        joined = [t for t in tangles if t[2] & set(cycle)]
        if not joined:
            tangles.append((cycle, by_ref[closing], set(cycle), 1))
            continue
        first = joined[0]
        members = set(cycle).union(*(t[2] for t in joined))
        tangles = [t for t in tangles if t not in joined]
        tangles.append((first[0], first[1], members, sum(t[3] for t in joined) + 1))
    for cycle, blamed, members, count in tangles:
        more = (f"; {count - 1} more cycle(s) run through {', '.join(sorted(members))}" if count > 1 else "")
        ctx.problems.append(error(blamed.origin.span("rule"), "composite-cycle",
                                  "composite alarms form a cycle: " + " -> ".join(cycle) + more))


def _cycles(graph: dict[str, list[str]]) -> list[tuple[list[str], str]]:
    """Every cycle the search closes (a back edge), with the composite whose rule closes it."""
    found = []
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path, stack = [start], [iter(graph[start])]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                done.add(path.pop())
                stack.pop()
            elif child in path:
                found.append((path[path.index(child):] + [child], path[-1]))
            elif child not in done:
                path.append(child)
                stack.append(iter(graph[child]))
    return found


def _check_unique_names(ctx: Context, alarms: list[AlarmBase]) -> None:
    seen: dict[str, AlarmBase] = {}
    for alarm in sorted(alarms, key=lambda a: a.ref):
        other = seen.get(alarm.name)
        if other is not None:
            ctx.problems.append(error(alarm.origin.key_span(), "duplicate-alarm-name",
                                      f"alarm name '{shown(alarm.name)}' in environment '{ctx.env_name}' is also "
                                      f"the name of {other.ref}; change the monitor name or naming.alarm"))
        else:
            seen[alarm.name] = alarm
