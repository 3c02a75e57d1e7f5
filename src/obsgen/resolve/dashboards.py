"""Spec -> resolved model, dashboards: every service's own dashboard and the declared ones.

Called by `resolve.resolve` once the alarms and Prometheus alerts are resolved, so a dashboard
shows exactly what the environment's alarms watch (a monitor disabled in an environment is left
off its dashboards there). References, templates and dashboard names are checked here; CloudWatch's
size limits and the grid are checked by the target (targets/dashboard_limits.py).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import math
import re
from typing import Collection, TypedDict

from .. import conventions
from ..targets.dashboard_body import MAX_ALARMS_PER_WIDGET
from ..diagnostics import error, shown
from ..model import (Alarm, CompositeAlarm, Dashboard, DashboardExpression, DashboardMetric, DashboardRow, DashboardWidget, EnvironmentModel, LogAlarm, MetricAlarm, MetricFilter, MetricStat, Origin, RuleGroup, SavedQuery, ServiceLevelObjective, ThresholdLine)
from ..values import format_duration
from ..language.load import ServiceEntry
from ..language.v1 import dashboards as spec
from ..language.errors import did_you_mean
from ..language.v1.prometheus import PromMonitor
from ..language.v1.service import CompositeMonitor, Resource
from ..language.yaml_reader import Document, Loc
from . import metric_checks
from .cloudwatch import resource_dimensions
from . import math_ids
from .context import Context
from .regions import graph_region


LOG_GROUP_NAME = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")  # CreateLogGroup's logGroupName pattern
GRAPHS_PER_ROW = 3
GRAPH_HEIGHT = 6
BAND_SOURCE_ID, BAND_ID = conventions.METRIC_ID_SOURCE, conventions.METRIC_ID_BAND  # as in the alarm itself
EXPRESSION_ID = conventions.METRIC_ID_EXPRESSION


class _Placement(TypedDict):
    """The DashboardWidget fields every declared widget takes from its spec entry."""

    origin: Origin
    title: str
    width: int | None
    height: int | None


class _GraphPlacement(_Placement):
    period: int
    region: str | None


def add_dashboards(r: Context, model: EnvironmentModel | None) -> EnvironmentModel | None:
    if model is None:
        return None
    builder = _Builder(r, model)
    return dataclasses.replace(model, dashboards=builder.run())


class _Builder:
    def __init__(self, r: Context, model: EnvironmentModel):
        self.r = r
        self.model = model
        self.entries = {e.spec.service: e for e in r.spec.services}
        self.alarms: dict[str, Alarm] = {a.ref: a for a in model.alarms()}
        self.by_service: dict[str, list[Alarm]] = {}  # built once: a scan per service is quadratic
        for alarm in self.alarms.values():
            self.by_service.setdefault(alarm.service, []).append(alarm)
        self.rule_groups: dict[str, list[RuleGroup]] = {}  # the same, for each service's Prometheus alerts
        for group in model.rule_groups:
            self.rule_groups.setdefault(group.service, []).append(group)
        self.prefix = conventions.dashboard_prefix(model.project, model.env)
        # each log monitor's metric filter, by monitor: found once, not once per service dashboard
        self.filters: dict[str, MetricFilter] = {f.ref: f for f in model.metric_filters}

    def run(self) -> tuple[Dashboard, ...]:
        found = [self._service_dashboard(self.entries[s.name]) for s in self.model.services
                 if self._has_own_dashboard(self.entries[s.name])]
        for entry in sorted(self.entries.values(), key=lambda e: e.spec.service):
            for key, declared in entry.spec.dashboards.items():
                if self._shown_here(declared, entry.doc, ("dashboards", key)):
                    found.append(self._declared(key, declared, entry.doc, ("dashboards", key), entry))
        for key, declared in self.r.project.dashboards.items():
            if self._shown_here(declared, self.r.pdoc, ("dashboards", key)):
                found.append(self._declared(key, declared, self.r.pdoc, ("dashboards", key), None))
        self._check_unique(found)
        self._check_prefix()
        return tuple(sorted(found, key=lambda d: d.name))

    # --- which dashboards exist here (each one is billed monthly past CloudWatch's free few) ------

    def _has_own_dashboard(self, entry: ServiceEntry) -> bool:
        """An environment's `service_dashboards: false` turns them all off there; else the service file's
        `dashboard:`; else the project's `service_dashboards:`, for services with CloudWatch monitors or
        SLOs (a Prometheus-only service's would hold one text widget: its Grafana dashboard is the one)."""
        if not self.r.env.service_dashboards:
            return False
        if entry.spec.dashboard is not None:
            return entry.spec.dashboard
        return self.r.project.service_dashboards and (
            any(not isinstance(m, PromMonitor) for m in entry.spec.monitors.values())
            or any(s.service == entry.spec.service and s.backend == "cloudwatch" for s in self.model.slos))

    def _shown_here(self, declared: spec.Dashboard, doc: Document, loc: Loc) -> bool:
        """A declared dashboard limited to some `environments:` (each named one must exist)."""
        if declared.environments is None:
            return True
        known = list(self.r.project.environments)
        for index, env in enumerate(declared.environments):
            if env not in known and env not in self.r.spec.broken.environments:
                self.r.problems.append(error(doc.span(loc + ("environments", index)), "unknown-environment",
                                             f"unknown environment '{shown(env)}'{did_you_mean(env, known)}"))
        return self.model.env in declared.environments

    # --- names -----------------------------------------------------------------------------------

    def _name(self, key: str, origin: Origin) -> str:
        name = conventions.dashboard_name(self.model.project, self.model.env, key)
        if not conventions.DASHBOARD_NAME.match(name):
            self._fail(origin, "bad-dashboard-name", f"dashboard key '{shown(key)}' may hold only letters, digits, '-' and "
                       "'_': it becomes part of the dashboard name, which PutDashboard restricts to those")
        elif len(name) > conventions.DASHBOARD_NAME_MAX:
            self._fail(origin, "aws-limit", f"dashboard name '{name[:60]}...' is {len(name)} characters; "
                       f"CloudWatch allows {conventions.DASHBOARD_NAME_MAX} (shorten the key or the project name)")
        return name

    def _check_unique(self, dashboards: list[Dashboard]) -> None:
        seen: dict[str, Dashboard] = {}
        for dashboard in dashboards:
            other = seen.setdefault(dashboard.name, dashboard)
            if other is not dashboard:
                self._fail(dashboard.origin, "duplicate-dashboard-name", _duplicate_message(dashboard, other))

    def _check_prefix(self) -> None:
        """Dashboards are global to an account, and obsgen deletes what is under its prefix: so no other
        environment in the account may have names under this one's (env 'prod' vs 'prod-eu')."""
        for other, env in self.r.project.environments.items():
            longer = conventions.dashboard_prefix(self.model.project, other)
            if other != self.model.env and env.account == self.model.account and longer.startswith(self.prefix):
                self.r.fail(self.r.pdoc, self.r.spec.env_loc(other), "dashboard-prefix-overlap",
                            f"environments '{self.model.env}' and '{other}' share account {env.account}, and "
                            f"'{other}''s dashboards ({longer}*) would look like '{self.model.env}''s "
                            f"({self.prefix}*), which obsgen owns and deletes; rename one of them", at_key=True)

    def _fail(self, origin: Origin, code: str, message: str, *fields: str | int) -> None:
        span = origin.span(*fields) if fields else origin.key_span()
        self.r.problems.append(error(span, code, message))

    # --- a service's own dashboard -----------------------------------------------------------------

    def _service_dashboard(self, entry: ServiceEntry) -> Dashboard:
        service = entry.spec.service
        origin = Origin(entry.doc, ("service",))
        alarms = self.by_service.get(service, [])
        thresholds = {a.name: _threshold_text(a) for a in alarms}  # once per alarm: header, graph title, line
        rows = [DashboardRow(1, (self._header(entry, alarms, thresholds, origin),), origin)]
        names = [a.name for a in alarms]
        for start in range(0, len(names), MAX_ALARMS_PER_WIDGET):
            chunk = tuple(names[start:start + MAX_ALARMS_PER_WIDGET])
            title = "Alarms" if len(names) <= MAX_ALARMS_PER_WIDGET else f"Alarms ({start // MAX_ALARMS_PER_WIDGET + 1})"
            height = 2 + math.ceil(len(chunk) / 4)
            rows.append(DashboardRow(height, (DashboardWidget("alarms", origin, title, alarms=chunk),), origin))
        slo_windows = {a.name for a in alarms if isinstance(a, MetricAlarm) and a.silent}  # in their SLO's section
        drawn = [a for a in alarms if isinstance(a, (MetricAlarm, LogAlarm)) and a.name not in slo_windows]
        for group, members in _by_resource(drawn, self.filters):
            rows.append(DashboardRow(1, (DashboardWidget("text", origin, markdown=f"### {group}"),), origin))
            # built at their width: a dataclasses.replace per graph cost more than building it
            graphs = [monitor_graph(a, self.model, thresholds[a.name], width=24 // GRAPHS_PER_ROW) for a in members]
            for start in range(0, len(graphs), GRAPHS_PER_ROW):
                widgets = tuple(graphs[start:start + GRAPHS_PER_ROW])
                rows.append(DashboardRow(GRAPH_HEIGHT, widgets, widgets[0].origin))
        rows += self._slo_sections(service, [a for a in alarms if a.name in slo_windows], thresholds)
        return Dashboard(self._name(service, origin), service, service, True, "-PT3H", "auto", tuple(rows), origin)

    def _slo_sections(self, service: str, windows: list[Alarm], thresholds: dict[str, str]) -> list[DashboardRow]:
        """Per CloudWatch SLO: its numbers (docs/slos.md), then each window's error ratio against its threshold."""
        rows: list[DashboardRow] = []
        for slo in (s for s in self.model.slos if s.service == service and s.backend == "cloudwatch"):
            lines = [f"### SLO {slo.name}: {slo.objective * 100:g}% over {format_duration(slo.window)}", "",
                     slo.summary, "", "| Tier | Windows | Burn rate | Error ratio above | Budget gone in |",
                     "|---|---|---|---|---|"]
            lines += [f"| {b.tier} | {format_duration(b.long)} and {format_duration(b.short)} | {b.factor:g} | "
                      f"{b.threshold:g} | {format_duration(int(round(slo.window / b.factor / 60)) * 60)} |"
                      for b in slo.burns]
            rows.append(DashboardRow(2 + math.ceil(len(lines) / 2), (DashboardWidget(
                "text", slo.origin, width=24, markdown="\n".join(lines)),), slo.origin))
            by_monitor = {a.monitor: a for a in windows if isinstance(a, MetricAlarm)}
            mine = [by_monitor[m] for b in slo.burns for w in (b.long, b.short)  # each condition's pair, side by side
                    if (m := f"slo-{slo.name}-{b.tier}-{format_duration(w)}") in by_monitor]
            if mine:
                rows.append(DashboardRow(GRAPH_HEIGHT, slo_budget_widgets(slo, mine[0], self.model.region), slo.origin))
            graphs = [monitor_graph(a, self.model, thresholds[a.name], width=12) for a in mine]
            for start in range(0, len(graphs), 2):
                widgets = tuple(graphs[start:start + 2])
                rows.append(DashboardRow(GRAPH_HEIGHT, widgets, widgets[0].origin))
        return rows

    def _header(self, entry: ServiceEntry, alarms: list[Alarm], thresholds: dict[str, str],
                origin: Origin) -> DashboardWidget:
        """Who owns the service, what it is, and where each monitor's alarm and runbook page are."""
        spec_ = entry.spec
        lines = [f"# {spec_.service} ({self.model.env})"]
        if spec_.description:
            lines += ["", spec_.description.strip()]
        lines += ["", f"Owner: **{spec_.owner}** · source: `{entry.doc.path}` · {conventions.GENERATED_HEADER} "
                  "(console edits are reverted)"]
        table = [self._monitor_line(a.monitor, a.severity.name, thresholds[a.name], a.runbook_url,
                                    conventions.console_alarm_url(a.region, a.name)) for a in alarms]
        for group in self.rule_groups.get(spec_.service, ()):
            table += [self._monitor_line(f"{a.monitor} ({a.alert})", a.severity.name, _promql_threshold(a.expr),
                                         dict(a.annotations).get("runbook_url"), None) for a in group.alerts]
        if table:
            lines += ["", "| Monitor | Severity | Threshold | Runbook |", "|---|---|---|---|", *sorted(table)]
        height = min(2 + math.ceil(len(lines) / 2), 20)
        return DashboardWidget("text", origin, width=24, height=height, markdown="\n".join(lines))

    @staticmethod
    def _monitor_line(monitor: str, severity: str, threshold: str, runbook: str | None, alarm_url: str | None) -> str:
        name = f"[{monitor}]({alarm_url})" if alarm_url else monitor
        link = f"[runbook]({runbook})" if runbook else "-"
        return f"| {name} | {severity} | {threshold.replace('|', '/')} | {link} |"

    # --- declared dashboards -----------------------------------------------------------------------

    def _declared(self, key: str, declared: spec.Dashboard, doc: Document, loc: Loc,
                  entry: ServiceEntry | None) -> Dashboard:
        origin = Origin(doc, loc)
        title = declared.title or key
        header = [f"# {title}"] + (["", declared.description.strip()] if declared.description else [])
        header += ["", f"Source: `{doc.path}` · {conventions.GENERATED_HEADER} (console edits are reverted)"]
        rows = [DashboardRow(1, (DashboardWidget("text", origin, width=24, height=len(header) // 2 + 1,
                                                 markdown="\n".join(header)),), origin)]
        for index, row in enumerate(declared.rows):
            row_origin = Origin(doc, loc + ("rows", index))
            built = [self._widget(w, Origin(doc, row_origin.loc + ("widgets", j)), entry)
                     for j, w in enumerate(row.widgets)]
            widgets = [w for w in built if w is not None]  # None: disabled here, or an error was reported
            if widgets:
                rows.append(DashboardRow(row.height, tuple(widgets), row_origin))
        name = self._name(key, origin)
        return Dashboard(name, key, entry.spec.service if entry else None, False, declared.start,
                         declared.period_override, tuple(rows), origin)

    def _widget(self, widget: spec.Widget, origin: Origin, entry: ServiceEntry | None) -> DashboardWidget | None:
        base = _Placement(origin=origin, title=widget.title or "", width=widget.width, height=widget.height)
        if isinstance(widget, spec.TextWidget):
            text = self.r.expand(widget.text, origin.doc, origin.loc + ("text",),
                                 **({"service": entry.spec.service} if entry else {}))
            heading = f"### {widget.title}\n\n" if widget.title else ""  # text widgets have no title of their own
            return DashboardWidget("text", markdown=heading + text, **base)
        if isinstance(widget, spec.MonitorWidget):
            return self._monitor_widget(widget, origin, entry, base)
        if isinstance(widget, spec.AlarmsWidget):
            names = self._alarm_names(widget.alarms, origin, entry)
            if not names:
                return None  # every alarm it names is disabled in this environment
            base["title"] = widget.title or "Alarms"
            return DashboardWidget("alarms", alarms=names, sort_by=widget.sort_by, **base)
        if isinstance(widget, spec.LogsWidget):
            return self._logs_widget(widget, origin, entry, base)
        return self._graph_widget(widget, origin, entry, base)

    def _qualify(self, ref: str, entry: ServiceEntry | None, origin: Origin, field: Loc, what: str) -> str | None:
        """'name' means the dashboard's own service; a project dashboard must write 'service/name'."""
        if "/" in ref:
            return ref
        if entry is None:
            self.r.problems.append(error(origin.span(*field), "unknown-" + what,
                                         f"'{shown(ref)}': a project dashboard names {what}s as 'service/{what}'"))
            return None
        return f"{entry.spec.service}/{ref}"

    def _monitor_widget(self, widget: spec.MonitorWidget, origin: Origin, entry: ServiceEntry | None,
                        base: _Placement) -> DashboardWidget | None:
        ref = self._qualify(widget.monitor, entry, origin, ("monitor",), "monitor")
        if ref is None:
            return None
        found = self.r.monitors.get(ref)
        if found is None and self.r.spec.broken.monitor(ref):
            return None  # left out for its own error
        if found is None:
            self._fail(origin, "unknown-monitor", f"unknown monitor '{shown(widget.monitor)}'"
                       f"{did_you_mean(ref, list(self.r.monitors))}", "monitor")
            return None
        if isinstance(found[1], PromMonitor):
            self._fail(origin, "prometheus-in-dashboard", f"'{shown(ref)}' is a PromQL monitor; it is drawn on the "
                       "service's Grafana dashboard, not on CloudWatch ones", "monitor")
            return None
        alarm = self.alarms.get(ref)
        if isinstance(found[1], CompositeMonitor):
            self._fail(origin, "bad-value", f"'{shown(ref)}' is a composite monitor and has no metric to draw; "
                       "show it with 'alarms:'", "monitor")
            return None
        if not isinstance(alarm, (MetricAlarm, LogAlarm)):
            return None  # None: disabled in this environment (a composite was refused above)
        return monitor_graph(alarm, self.model, _threshold_text(alarm), origin=origin,
                             title=base["title"] or None, width=base["width"], height=base["height"])

    def _alarm_names(self, patterns: list[str], origin: Origin, entry: ServiceEntry | None) -> tuple[str, ...]:
        cloudwatch = [ref for ref, (_, m) in self.r.monitors.items() if not isinstance(m, PromMonitor)]
        names: dict[str, None] = {}
        for index, pattern in enumerate(patterns):
            ref = pattern if pattern == "*" else self._qualify(pattern, entry, origin, ("alarms", index), "monitor")
            if ref is None:
                continue
            matched = sorted(r for r in cloudwatch if fnmatch.fnmatchcase(r, ref))
            if not matched and not self.r.spec.broken.monitor(ref):
                self._fail(origin, "unknown-monitor", f"'{shown(pattern)}' names no CloudWatch monitor"
                           f"{did_you_mean(ref, cloudwatch)}", "alarms", index)
            names.update((self.alarms[r].name, None) for r in matched if r in self.alarms)
        return tuple(names)

    def _graph_widget(self, widget: spec.GraphWidget, origin: Origin, entry: ServiceEntry | None,
                      base: _Placement) -> DashboardWidget:
        metrics = []
        for metric_id, metric in widget.metrics.items():
            stat = self._metric(metric, widget.period, origin, ("metrics", metric_id), entry)
            metrics.append(DashboardMetric(metric_id, stat, metric.label, metric.visible))
        for metric_id in widget.expressions.keys() & widget.metrics.keys():
            self._fail(origin, "duplicate-id", f"id '{shown(metric_id)}' names both a metric and an expression",
                       "expressions", metric_id)
        for expression_id, expression in widget.expressions.items():
            self._check_ids(expression.expression, {*widget.metrics, *(set(widget.expressions) - {expression_id})},
                            origin, ("expressions", expression_id, "expression"), widget.metrics)
        expressions = tuple(DashboardExpression(i, e.expression, e.label) for i, e in widget.expressions.items())
        region = graph_region(self.r, widget.region, tuple(m.stat for m in metrics), origin)
        return DashboardWidget("graph", metrics=tuple(metrics), expressions=expressions, period=widget.period,
                               view=widget.view, stacked=widget.stacked,
                               region=None if region == self.model.region else region, **base)

    def _check_ids(self, expression: str, known: set[str], origin: Origin, field: Loc,
                   metrics: Collection[str]) -> None:
        self.r.problems += math_ids.diagnostics(expression, known, "a metric or expression id of this graph",
                                                lambda offset: origin.doc.span_in(origin.loc + field, offset), metrics)

    def _metric(self, metric: spec.GraphMetric, period: int, origin: Origin, field: Loc,
                entry: ServiceEntry | None) -> MetricStat:
        namespace = metric.namespace
        dimensions: dict[str, str] = {}
        owner = entry
        resource: tuple[ServiceEntry, str, Resource] | None = None
        if metric.resource is not None:
            namespace, dimensions, resource = self._resource_metric(metric, origin, field, entry)
            owner = self.entries.get(metric.resource.split("/")[0]) if "/" in metric.resource else entry
        elif namespace is None:
            self._fail(origin, "missing-key", f"metric '{shown(metric.metric)}' needs a 'resource' or a 'namespace' "
                       "(with 'dimensions')", *field, "metric")
        extra = {"service": owner.spec.service} if owner else {}
        for key, value in metric.dimensions.items():
            dimensions[key] = self.r.expand(value, origin.doc, origin.loc + field + ("dimensions", key), **extra)
        stat = MetricStat(namespace or "", metric.metric, tuple(sorted(dimensions.items())), metric.statistic,
                          period, None)
        kind = metric_checks.resource_type(resource[2].type) if resource is not None else None
        self.r.problems += metric_checks.check_stat(stat, kind.flavour if kind is not None else None,
                                                    lambda: self._place(metric, origin, field, resource))
        return stat

    def _place(self, metric: spec.GraphMetric, origin: Origin, field: Loc,
               resource: tuple[ServiceEntry, str, Resource] | None) -> metric_checks.MetricPlace:
        """Where each part of a graph's metric was written (the resource's dimensions in its service file)."""
        keys, bad = {}, False
        if resource is not None:
            owner, name, found = resource
            keys = {k: owner.doc.span(("resources", name, "dimensions", k), at_key=True) for k in found.dimensions}
            bad = self.r.resource_is_bad(owner, name, found)
        keys.update({k: origin.doc.span(origin.loc + field + ("dimensions", k), at_key=True) for k in metric.dimensions})
        missing = origin.span(*field, "dimensions" if metric.dimensions or resource is None else "resource")
        return metric_checks.MetricPlace(origin.span(*field, "metric"), origin.span(*field, "statistic"),
                                         origin.span(*field, "namespace" if metric.namespace else "resource"),
                                         missing, keys, bad)

    def _resource_metric(self, metric: spec.GraphMetric, origin: Origin, field: Loc, entry: ServiceEntry | None
                         ) -> tuple[str | None, dict[str, str], tuple[ServiceEntry, str, Resource] | None]:
        ref = self._qualify(metric.resource or "", entry, origin, field + ("resource",), "resource")
        if ref is None:
            return metric.namespace, {}, None
        service, _, name = ref.partition("/")
        owner = self.entries.get(service)
        resource = owner.spec.resources.get(name) if owner else None
        if (owner is None or resource is None) and self.r.spec.broken.resource(service, name):
            return metric.namespace, {}, None  # left out for its own error
        if owner is None or resource is None:
            known = [f"{s}/{n}" for s, e in sorted(self.entries.items()) for n in e.spec.resources]
            self._fail(origin, "unknown-resource", f"unknown resource '{shown(metric.resource)}'{did_you_mean(ref, known)}",
                       *field, "resource")
            return metric.namespace, {}, None
        namespace, dimensions = resource_dimensions(self.r, owner, name, resource)
        if metric.namespace and metric.namespace != namespace:
            self._fail(origin, "conflicting-keys", f"resource '{shown(metric.resource)}' is in namespace {namespace}; "
                       "drop 'namespace' or 'resource'", *field, "namespace")
        return namespace, dimensions, (owner, name, resource)

    def _logs_widget(self, widget: spec.LogsWidget, origin: Origin, entry: ServiceEntry | None,
                     base: _Placement) -> DashboardWidget:
        extra = {"service": entry.spec.service} if entry else {}
        saved = self._saved_query(widget.logs.saved, origin, entry) if widget.logs.saved is not None else None
        groups = []
        for index, group in enumerate(widget.logs.groups or []):
            name = self.r.expand(group, origin.doc, origin.loc + ("logs", "groups", index), **extra)
            if not LOG_GROUP_NAME.match(name):
                self._fail(origin, "bad-value", f"'{shown(name)}' is not a log group name (letters, digits and . _ - / #)",
                           "logs", "groups", index)
            groups.append(name)
        if saved is not None:
            return DashboardWidget("logs", log_groups=tuple(groups) or saved.log_groups, query=saved.query,
                                   view=widget.logs.view, **base)
        query = self.r.expand(widget.logs.query or "", origin.doc, origin.loc + ("logs", "query"), **extra)
        return DashboardWidget("logs", log_groups=tuple(groups), query=query.strip(), view=widget.logs.view, **base)

    def _saved_query(self, ref: str, origin: Origin, entry: ServiceEntry | None) -> SavedQuery | None:
        """`saved: name` (a query of the dashboard's service) or `saved: service/name`; a located error if none."""
        service, _, key = ref.rpartition("/")
        service = service or (entry.spec.service if entry else "")
        found = next((q for q in self.model.saved_queries if q.service == service and q.key == key), None)
        if found is None:
            known = sorted(f"{q.service}/{q.key}" for q in self.model.saved_queries)
            hint = f" (saved queries: {', '.join(known)})" if known else " (the project has no saved queries)"
            where = "" if service else ": outside a service, write 'service/name'"
            self._fail(origin, "unknown-query", f"no saved query '{shown(ref)}'{where}{hint}", "logs", "saved")
        return found


# --- an SLO's remaining error budget (docs/slos.md) --------------------------------------------------

BUDGET_GRAPH_PERIOD = 86_400  # the budget graph's points: one a day, 30 over a 30-day window
# The bad events and the valid events of each SLI form, by the ids of its window alarm's metrics
# (resolve/slos.py `_queries`): bad/valid, good/valid, and a latency metric's PR(:X) over its SampleCount.
_SLI_COUNTS = {("bad", "valid"): ("FILL(bad, 0)", "valid"), ("good", "valid"): ("valid - FILL(good, 0)", "valid"),
               ("fast", "requests"): ("(1 - fast / 100) * requests", "requests")}


def slo_budget_widgets(slo: ServiceLevelObjective, window_alarm: MetricAlarm,
                       env_region: str) -> tuple[DashboardWidget, ...]:
    """The share of the SLO window's error budget left, 1 - (bad / valid over the window) / (1 - objective):
    a number over exactly the last window, and a graph of how it was spent, day by day since the window began.

    Both read the window alarm's metrics with their own time range, the SLO window (`start`, independent of the
    dashboard's: CloudWatch-Dashboard-Body-Structure.html, metric widget). The number reads one datapoint over
    that whole range (`setPeriodToTimeRange`); the graph sums the days with RUNNING_SUM, which starts at the
    start of the range it is given (monitoring/Using-metric-math.html), so its last point is the budget left
    since the window began. CloudWatch keeps hourly datapoints for 455 days (cloudwatch_concepts.html, metric
    retention), so any SLO window of obsgen's (an alarm's at most 7 days; a dashboard's at most that) is readable.
    Each reads the window alarm's 2 metrics: well under 500 per widget and 2,500 per dashboard (cloudwatch_limits.html)."""
    window = format_duration(slo.window)
    start = f"-P{slo.window // 86_400}D"
    budget = f"{round(slo.budget, 12)!r}"
    ids = tuple(mid for mid, _ in window_alarm.queries)
    bad, valid = _SLI_COUNTS[ids]  # type: ignore[index]  # the only forms `_queries` makes

    def metrics(period: int) -> tuple[DashboardMetric, ...]:
        return tuple(DashboardMetric(mid, dataclasses.replace(stat, period=period), mid, False)
                     for mid, stat in window_alarm.queries)
    region = None if window_alarm.region == env_region else window_alarm.region
    left = DashboardExpression("budget", f"1 - ({window_alarm.expression}) / {budget}",
                               f"error budget left over {window}")
    number = DashboardWidget("graph", slo.origin, f"SLO {slo.name}: error budget left over the last {window}", 8,
                             metrics=metrics(slo.window), expressions=(left,), period=slo.window, view="singleValue",
                             region=region, start=start, whole_range=True)
    spent = (f"IF(RUNNING_SUM({valid}) > 0, 1 - RUNNING_SUM({bad}) / RUNNING_SUM({valid}) / {budget}, 1)")
    graph = DashboardWidget("graph", slo.origin, f"SLO {slo.name}: error budget left, day by day over {window}", 16,
                            metrics=metrics(BUDGET_GRAPH_PERIOD), expressions=(DashboardExpression(
                                "budget", spent, "error budget left since the window began"),),
                            thresholds=(ThresholdLine("budget spent", 0, "below"),), period=BUDGET_GRAPH_PERIOD,
                            region=region, start=start)
    return number, graph


# --- a monitor drawn as a graph (shared by service dashboards and `monitor:` widgets) ---------------


def _duplicate_message(dashboard: Dashboard, other: Dashboard) -> str:
    key = shown(dashboard.key)
    if other.generated:
        return (f"dashboard '{key}' would get the same CloudWatch name as the dashboard obsgen generates for "
                f"service '{shown(other.key)}'; rename the key (e.g. '{key}-overview'), or turn the generated one "
                f"off with dashboard: false in the service's file")
    return (f"dashboard '{key}' would get the same CloudWatch name as dashboard '{shown(other.key)}' in "
            f"{other.origin.doc.path}; rename one of the keys")


def monitor_graph(alarm: MetricAlarm | LogAlarm, model: EnvironmentModel, threshold: str | None = None, *,
                  origin: Origin | None = None, title: str | None = None, width: int | None = None,
                  height: int | None = None) -> DashboardWidget:
    """The alarm's metric as the alarm sees it: same statistic and period, threshold as a line.
    Metric math draws the expression with its inputs hidden; an anomaly alarm draws its band; a
    native log alarm draws its query's aggregate over time (a Logs Insights widget).
    `threshold` is `_threshold_text(alarm)` when the caller has it; the keywords override the
    widget's defaults (the alarm's origin, "monitor: threshold", the row's width and height)."""
    threshold = threshold if threshold is not None else _threshold_text(alarm)
    if isinstance(alarm, LogAlarm):
        return log_alarm_graph(alarm, threshold, origin=origin, title=title, width=width, height=height)
    common = _GraphPlacement(origin=origin or alarm.origin, title=title or f"{alarm.monitor}: {threshold}",
                             period=alarm.period, width=width, height=height,
                             region=None if alarm.region == model.region else alarm.region)
    if alarm.expression is not None:
        metrics = tuple(DashboardMetric(mid, stat, mid, False) for mid, stat in alarm.queries)
        expression = DashboardExpression(EXPRESSION_ID, alarm.expression, alarm.summary[:255])
        return DashboardWidget("graph", metrics=metrics, expressions=(expression,),
                               thresholds=_line(alarm, threshold), **common)
    stat = alarm.single_metric()
    if alarm.threshold.is_band:
        band = f"ANOMALY_DETECTION_BAND({BAND_SOURCE_ID}, {alarm.threshold.value:g})"
        return DashboardWidget("graph", metrics=(DashboardMetric(BAND_SOURCE_ID, stat, stat.metric),),
                               expressions=(DashboardExpression(BAND_ID, band, f"{stat.metric} (expected band)"),),
                               **common)
    return DashboardWidget("graph", metrics=(DashboardMetric(BAND_SOURCE_ID, stat, stat.metric),),
                           thresholds=_line(alarm, threshold), **common)


def log_alarm_graph(alarm: LogAlarm, threshold: str, *, origin: Origin | None = None, title: str | None = None,
                    width: int | None = None, height: int | None = None) -> DashboardWidget:
    """A native log alarm's query with its aggregate binned by the alarm's schedule, as a time series
    (an aggregate that groups or sorts itself cannot be binned: then the query's lines, newest first)."""
    if re.search(r"\bby\b|\|", alarm.aggregation):
        query, view = f"{alarm.query} | sort @timestamp desc | limit 50", "table"
    else:
        query, view = f"{alarm.query} | stats {alarm.aggregation} by bin({alarm.schedule // 60}m)", "timeSeries"
    return DashboardWidget("logs", origin or alarm.origin, title or f"{alarm.monitor}: {threshold}", width, height,
                           log_groups=alarm.log_groups, query=query, view=view)


def _line(alarm: MetricAlarm, threshold: str) -> tuple[ThresholdLine, ...]:
    fill = "above" if alarm.threshold.operator.startswith(">") else "below"
    return (ThresholdLine(f"{alarm.severity.name}: {threshold}", alarm.threshold.value, fill),)


def _threshold_text(alarm: Alarm) -> str:
    if isinstance(alarm, CompositeAlarm):
        return "composite"
    return str(alarm.threshold)


def _promql_threshold(expr: str) -> str:
    from ..prometheus.promql import split_threshold  # imported by a Prometheus graph, not by every build

    split = split_threshold(expr)
    return f"PromQL {split.operator} {split.text}" if split else "PromQL"


def _by_resource(alarms: list[MetricAlarm | LogAlarm],
                 filters: dict[str, MetricFilter]) -> list[tuple[str, list[MetricAlarm | LogAlarm]]]:
    """Group monitors by the resource they watch: namespace plus the dimensions all their metrics share;
    log monitors (metric filters, given by monitor, and native log alarms) by their log groups."""
    groups: dict[str, list[MetricAlarm | LogAlarm]] = {}
    for alarm in alarms:
        log_groups = (alarm.log_groups if isinstance(alarm, LogAlarm) else
                      (filters[alarm.ref].log_group,) if alarm.ref in filters else None)
        if log_groups is not None:
            groups.setdefault("Logs · " + ", ".join(log_groups), []).append(alarm)
            continue
        if isinstance(alarm, LogAlarm):  # unreachable (log_groups is set); tells the type checker
            continue
        stats = alarm.stats
        # A MetricStat's dimensions are sorted, each name once: one metric's own are what its metrics share.
        shared = (stats[0].dimensions if len(stats) == 1 else
                  sorted(set(stats[0].dimensions).intersection(*(set(s.dimensions) for s in stats[1:]))))
        dims = ", ".join([f"{k}={v}" for k, v in shared])
        groups.setdefault(f"{stats[0].namespace}" + (f" · {dims}" if dims else ""), []).append(alarm)
    return sorted(groups.items())
