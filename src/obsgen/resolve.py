"""Spec -> resolved model for one environment: expand templates, apply overrides, check references."""

from __future__ import annotations

import re
from typing import Any

from . import composite_rule, conventions, resolve_prometheus
from . import resolve_dashboards
from .conventions import TemplateError, expand
from .diagnostics import Diagnostic, error, shown
from .model import (AlarmBase, CompositeAlarm, EnvironmentModel, MetricAlarm, MetricStat, Origin, ServiceInfo,
                    Severity, Subscription, Topic)
from .presets.origin import locate as locate_preset
from .resource_types import RESOURCE_TYPES
from .language.load import SpecSet, ServiceEntry
from .language.errors import did_you_mean
from .language.v1.project import Channel, ChannelOverride, MonitorOverride
from .language.v1.prometheus import PromMonitor
from .language.v1.service import CompositeMonitor, MathMonitor, MetricMonitor, MetricSource, Resource
from .language.yaml_reader import Document

_DOLLARS = re.compile(r"\$\$|\$\{[^}]*\}|(\$\{)")  # group 1: a '${' with no '}' after it
_PROTOCOLS = {"chatbot": "https"}  # every other channel type is its own SNS protocol
COMPOSITE_OVERRIDABLE = frozenset({"severity", "actions_enabled"})


def resolve(spec: SpecSet, env: str) -> tuple[EnvironmentModel | None, list[Diagnostic]]:
    resolver = _Resolver(spec, env)
    model = resolver.run()
    model = resolve_dashboards.add_dashboards(resolver, model)
    return (None if resolver.problems else model), resolver.problems


class _Resolver:
    def __init__(self, spec: SpecSet, env: str):
        self.spec = spec
        self.project = spec.project
        self.env_name = env
        self.env = spec.project.environments[env]
        self.pdoc = spec.project_doc
        self.env_loc = ("environments", env)
        self.problems: list[Diagnostic] = []
        self.vars = self._variables()
        self.severities: dict[str, Severity] = {}
        self.monitors = {f"{s.spec.service}/{m}": (s, mon) for s in spec.services for m, mon in s.spec.monitors.items()}
        self.tag_pairs: dict[tuple[str, str], tuple[str, str]] = {}  # one tuple per distinct tag, see _tags

    # --- entry ---------------------------------------------------------------------------

    def run(self) -> EnvironmentModel:
        self._check_env_references()
        self.severities = {name: self._severity(name) for name in self.project.severities}
        # Severities may share a topic (P2 and P3 to one "general" topic): one topic, one subscription each.
        topics = tuple({s.topic_name: self._topic(s) for s in reversed(self.severities.values())}.values())[::-1]
        subscriptions = tuple({(sub.topic_arn, sub.protocol, sub.endpoint): sub for name in self.project.channels
                               for sub in self._channel(name)}.values())
        metric_alarms: list[MetricAlarm] = []
        composites: list[CompositeAlarm] = []
        for entry in sorted(self.spec.services, key=lambda s: s.spec.service):
            for monitor_name, monitor in entry.spec.monitors.items():
                if isinstance(monitor, PromMonitor):
                    continue  # resolve_prometheus handles these
                alarm = self._alarm(entry, monitor_name, monitor)
                if isinstance(alarm, CompositeAlarm):
                    composites.append(alarm)
                elif alarm is not None:
                    metric_alarms.append(alarm)
        self._check_cycles(composites)
        if not any(p.code in ("unknown-variable", "bad-template") for p in self.problems):  # else names are templates
            self._check_unique_names([*metric_alarms, *composites])
        return EnvironmentModel(
            project=self.project.project, env=self.env_name, account=self.env.account, region=self.env.region,
            endpoint=self.env.endpoint, severities=tuple(self.severities.values()), topics=topics,
            subscriptions=subscriptions, metric_alarms=tuple(sorted(metric_alarms, key=lambda a: a.name)),
            composite_alarms=tuple(sorted(composites, key=lambda a: a.name)),
            services=tuple(ServiceInfo(s.spec.service, s.spec.owner, s.spec.description, s.doc.path)
                           for s in sorted(self.spec.services, key=lambda s: s.spec.service)),
            **resolve_prometheus.resolve(self),
        )

    def fail(self, doc: Document, loc: tuple, code: str, message: str, *, at_key: bool = False) -> None:
        self.problems.append(error(doc.span(loc, at_key=at_key), code, message))

    # --- environment ---------------------------------------------------------------------

    def _variables(self) -> dict[str, str]:
        """The environment's template variables. A `vars:` value is a template too, of the variables every
        environment has (project, env, account, region): expanded once here, so a `${nope}` in it is an
        error at the value, like anywhere else, instead of reaching AWS names as it is."""
        builtin = {"project": self.project.project, "env": self.env_name,
                   "account": self.env.account, "region": self.env.region}
        self.vars = builtin
        own = {}
        for name, value in self.env.vars.items():
            if name in conventions.TEMPLATE_VARIABLES:
                self.fail(self.pdoc, self.env_loc + ("vars", name), "bad-name",
                          f"'{name}' is a built-in template variable and cannot be redefined", at_key=True)
            own[name] = self.expand(value, self.pdoc, self.env_loc + ("vars", name))
        return {**own, **builtin}

    def runbook_url(self, service: str, monitor: str) -> str | None:
        """The monitor's page on this environment's runbook site (its own base URL, else the project's)."""
        return conventions.runbook_url(self.project.runbook_base_url(self.env_name), service, monitor, self.env_name)

    def expand(self, template: str, doc: Document, loc: tuple, **extra: str) -> str:
        # conventions.expand keeps a '$' it cannot read as it is ("$default" is a real API Gateway
        # stage; "=~\"a$\"" a PromQL regex), but a '${' that is never closed is always a typo.
        unclosed = next((m.start() for m in _DOLLARS.finditer(template) if m.group(1)), None)
        if unclosed is not None:
            self.problems.append(error(doc.span_in(loc, unclosed), "bad-template",
                                       "'${' is never closed: write ${name} for a variable, or $$ for a literal '$'"))
            return template
        try:
            return expand(template, {**self.vars, **extra})
        except TemplateError as exc:
            offset = max(template.find("${" + exc.variable + "}"), 0)  # point at the variable itself
            self.problems.append(error(doc.span_in(loc, offset), "unknown-variable",
                                       f"unknown template variable ${{{shown(exc.variable)}}}"
                                       f"{did_you_mean(exc.variable, exc.known)}"))
            return template

    def _check_env_references(self) -> None:
        for index, ref in enumerate(self.env.disabled):
            if ref not in self.monitors:
                self.fail(self.pdoc, self.env_loc + ("disabled", index), "unknown-monitor",
                          f"disabled monitor '{shown(ref)}' does not exist{did_you_mean(ref, list(self.monitors))}")
        for ref in self.env.overrides:
            if ref not in self.monitors:
                self.fail(self.pdoc, self.env_loc + ("overrides", ref), "unknown-monitor",
                          f"override for unknown monitor '{shown(ref)}' (write 'service/monitor')"
                          f"{did_you_mean(ref, list(self.monitors))}", at_key=True)
        for name in self.env.channels:
            if name not in self.project.channels:
                self.fail(self.pdoc, self.env_loc + ("channels", name), "unknown-channel",
                          f"override for unknown channel '{name}'{did_you_mean(name, list(self.project.channels))}",
                          at_key=True)

    # --- severities and channels -----------------------------------------------------------

    def _severity(self, name: str) -> Severity:
        spec = self.project.severities[name]
        topic = self.expand(spec.topic, self.pdoc, ("severities", name, "topic"), severity=name)
        return Severity(
            name=name, description=spec.description or name, topic_name=topic,
            topic_arn=conventions.topic_arn(self.env.region, self.env.account, topic),
            response_time=spec.response_time, pages=spec.pages, notify_ok=spec.notify_ok,
            prometheus=spec.prometheus or name,
            extra_actions=tuple(self.expand(a, self.pdoc, ("severities", name, "actions", i), severity=name)
                                for i, a in enumerate(spec.actions)),
        )

    def _topic(self, severity: Severity) -> Topic:
        tags = {**self.project.tags, **conventions.ownership_tags(self.project.project, self.env_name,
                                                                  severity=severity.name)}
        display = f"{self.project.project} {severity.description}"[:100]
        return Topic(severity.topic_name, severity.topic_arn, severity.name, display, tuple(sorted(tags.items())),
                     Origin(self.pdoc, ("severities", severity.name, "topic")))

    def _channel(self, name: str) -> list[Subscription]:
        channel: Channel = self.project.channels[name]
        override: ChannelOverride | None = self.env.channels.get(name)
        if override is not None and not override.enabled:
            return []
        endpoint = override.endpoint if override and override.endpoint is not None else channel.endpoint
        severities = override.severities if override and override.severities is not None else channel.severities
        loc = (self.env_loc + ("channels", name) if override and override.severities is not None
               else ("channels", name))
        for index, severity in enumerate(severities):
            if severity not in self.severities:
                self.fail(self.pdoc, loc + ("severities", index), "unknown-severity",
                          f"unknown severity '{severity}'{did_you_mean(severity, list(self.severities))}")
        if channel.type is None or endpoint is None:
            return []  # an Alertmanager-only channel: no SNS subscription
        endpoint_loc = (self.env_loc + ("channels", name, "endpoint") if override and override.endpoint is not None
                        else ("channels", name, "endpoint"))
        if isinstance(endpoint, str):
            address = self.expand(endpoint, self.pdoc, endpoint_loc)
            secret = False
        else:
            address, secret = endpoint.reference, True
        note = None
        if channel.type == "chatbot":
            address, note = conventions.CHATBOT_ENDPOINT, address
        protocol = _PROTOCOLS.get(channel.type, channel.type)
        origin = Origin(self.pdoc, endpoint_loc)
        return [Subscription(name, protocol, address, secret, s, self.severities[s].topic_arn, origin, note)
                for s in severities if s in self.severities]

    # --- monitors --------------------------------------------------------------------------

    def _alarm(self, entry: ServiceEntry, name: str, monitor: Any) -> AlarmBase | None:
        service = entry.spec.service
        ref = f"{service}/{name}"
        if ref in self.env.disabled:
            return None
        loc = ("monitors", name)
        override = self.env.overrides.get(ref)
        origin = Origin(entry.doc, loc)
        if override is not None:
            fields = frozenset(override.model_fields_set)
            origin = Origin(entry.doc, loc, (self.pdoc, self.env_loc + ("overrides", ref), fields))
            monitor = self._apply_override(monitor, override, origin)
        origin = locate_preset(self.spec, ref, origin)  # a preset monitor points at its use in `resources:`
        severity = self.monitor_severity(entry, origin, monitor)
        if severity is None:
            return None
        common = dict(
            service=service, monitor=name,
            name=self.expand(self.project.naming.alarm, self.pdoc, ("naming", "alarm"), service=service, monitor=name),
            summary=monitor.summary, description=monitor.description, severity=severity, runbook=monitor.runbook,
            runbook_url=self.runbook_url(service, name),
            actions_enabled=monitor.actions_enabled, tags=self._tags(entry, name, monitor), origin=origin,
        )
        if isinstance(monitor, CompositeMonitor):
            return self._composite(entry, monitor, common)
        return self._metric_alarm(entry, monitor, common)

    def monitor_severity(self, entry: ServiceEntry, origin: Origin, monitor: Any) -> Severity | None:
        """The monitor's severity, once it and the monitor's runbook are known to exist (any monitor kind)."""
        if monitor.runbook and monitor.runbook not in self.spec.runbooks:
            self.fail(entry.doc, origin.loc + ("runbook",), "unknown-runbook",
                      f"runbook '{shown(monitor.runbook)}' not found: expected runbooks_src/{shown(monitor.runbook)}.md"
                      f"{did_you_mean(monitor.runbook, list(self.spec.runbooks))}")
        severity = self.severities.get(monitor.severity)
        if severity is None:
            self.problems.append(error(origin.span("severity"), "unknown-severity",
                                       f"unknown severity '{monitor.severity}'"
                                       f"{did_you_mean(monitor.severity, list(self.severities))}"))
        return severity

    def _apply_override(self, monitor: Any, override: MonitorOverride, origin: Origin) -> Any:
        # `threshold: null` means "not overridden": a None would reach the targets as a value.
        changes = {k: v for k in override.model_fields_set if (v := getattr(override, k)) is not None}
        for key, written in (("for_", "for"), ("promql", "promql")):  # resolve_prometheus applies these
            if changes.pop(key, None) is not None:
                doc, loc, _ = origin.override  # type: ignore[misc]
                self.fail(doc, loc + (written,), "bad-override", f"'{written}' applies to PromQL monitors only",
                          at_key=True)
        if isinstance(monitor, CompositeMonitor):
            for key in sorted(set(changes) - COMPOSITE_OVERRIDABLE):
                doc, loc, _ = origin.override  # type: ignore[misc]
                self.fail(doc, loc + (key,), "bad-override",
                          f"'{key}' cannot be overridden on a composite monitor; only severity and actions_enabled can",
                          at_key=True)
            changes = {k: v for k, v in changes.items() if k in COMPOSITE_OVERRIDABLE}
        if "datapoints" in changes:  # "M of N" replaces both counts written in the spec
            changes.update(evaluation_periods=None, datapoints_to_alarm=None)
        elif changes.keys() & {"evaluation_periods", "datapoints_to_alarm"} and getattr(monitor, "datapoints", None):
            changes["datapoints"] = None
        return monitor.model_copy(update=changes)

    def _tags(self, entry: ServiceEntry, name: str, monitor: Any) -> tuple[tuple[str, str], ...]:
        tags = {**self.project.tags, **entry.spec.tags, **monitor.tags,
                **conventions.ownership_tags(self.project.project, self.env_name,
                                             service=entry.spec.service, monitor=name)}
        # Project and service tags repeat on every alarm: sharing one tuple per (key, value) keeps
        # ~100,000 objects per 10,000 alarms out of the live heap the collector scans after a compile.
        pairs = self.tag_pairs
        return tuple([pairs.setdefault(pair, pair) for pair in sorted(tags.items())])

    def _metric_alarm(self, entry: ServiceEntry, monitor: MetricMonitor | MathMonitor, common: dict) -> MetricAlarm | None:
        origin: Origin = common["origin"]
        evaluation, datapoints = self._evaluation(monitor, origin)
        fields = dict(common, threshold=monitor.threshold, period=monitor.period, evaluation_periods=evaluation,
                      datapoints_to_alarm=datapoints, missing_data=monitor.missing_data, unit=monitor.unit)
        if isinstance(monitor, MathMonitor):
            if monitor.threshold.is_band:
                self.problems.append(error(origin.span("threshold"), "bad-value",
                                           "band thresholds apply to single-metric monitors, not to expressions"))
            queries = tuple((mid, self._metric(entry, q, q.period or monitor.period, origin.loc + ("metrics", mid)))
                            for mid, q in monitor.metrics.items())
            return MetricAlarm(**fields, expression=monitor.expression, queries=queries)
        return MetricAlarm(**fields, metric=self._metric(entry, monitor, monitor.period, origin.loc))

    def _evaluation(self, monitor: MetricMonitor | MathMonitor, origin: Origin) -> tuple[int, int | None]:
        if monitor.datapoints is not None:
            if monitor.evaluation_periods is not None or monitor.datapoints_to_alarm is not None:
                self.problems.append(error(origin.span("datapoints"), "conflicting-keys",
                                           "write either datapoints: \"M of N\" or evaluation_periods / "
                                           "datapoints_to_alarm, not both"))
            return monitor.datapoints.periods, monitor.datapoints.datapoints
        return monitor.evaluation_periods or 1, monitor.datapoints_to_alarm

    def _metric(self, entry: ServiceEntry, source: MetricSource, period: int, loc: tuple) -> MetricStat:
        doc = entry.doc
        namespace, dimensions = source.namespace, {}
        if source.resource is not None:
            resource = entry.spec.resources.get(source.resource)
            if resource is None:
                self.fail(doc, loc + ("resource",), "unknown-resource",
                          f"unknown resource '{shown(source.resource)}'"
                          f"{did_you_mean(source.resource, list(entry.spec.resources))}")
            else:
                namespace, dimensions = self._resource(entry, source.resource, resource)
                if source.namespace and source.namespace != namespace:
                    self.fail(doc, loc + ("namespace",), "conflicting-keys",
                              f"resource '{source.resource}' is in namespace {namespace}; drop 'namespace' or 'resource'")
        elif namespace is None:
            self.fail(doc, loc + ("metric",), "missing-key",
                      f"metric '{shown(source.metric)}' needs a 'resource' or a 'namespace' (with 'dimensions')")
        for key, value in source.dimensions.items():
            dimensions[key] = self.expand(value, doc, loc + ("dimensions", key), service=entry.spec.service)
        return MetricStat(namespace or "", source.metric, tuple(sorted(dimensions.items())), source.statistic,
                          period, source.unit)

    def _resource(self, entry: ServiceEntry, name: str, resource: Resource) -> tuple[str, dict[str, str]]:
        kind = RESOURCE_TYPES[resource.type]
        loc = ("resources", name)
        namespace = kind.namespace or resource.namespace
        if kind.namespace is None and not resource.namespace:
            self.fail(entry.doc, loc + ("type",), "missing-key", "a 'custom' resource needs a 'namespace'")
        elif kind.namespace is not None and resource.namespace:
            self.fail(entry.doc, loc + ("namespace",), "conflicting-keys",
                      f"'namespace' is only for type 'custom'; type '{resource.type}' is in {kind.namespace}")
        dimensions = {k: self.expand(v, entry.doc, loc + ("dimensions", k), service=entry.spec.service)
                      for k, v in resource.dimensions.items()}
        if kind.dimension:
            dimensions[kind.dimension] = self.expand(resource.name, entry.doc, loc + ("name",),
                                                     service=entry.spec.service)
        for required in kind.required:
            if required not in dimensions:
                self.fail(entry.doc, loc, "missing-key",
                          f"a resource of type '{resource.type}' also needs dimensions.{required}", at_key=True)
        return namespace or "", dimensions

    # --- composites ------------------------------------------------------------------------

    def _composite(self, entry: ServiceEntry, monitor: CompositeMonitor, common: dict) -> CompositeAlarm | None:
        origin: Origin = common["origin"]
        try:
            rule = composite_rule.parse(monitor.rule)
        except composite_rule.RuleSyntaxError as exc:
            self._rule_error(origin, exc.offset, "bad-rule", f"monitors.{common['monitor']}.rule: {exc}")
            return None
        children = []
        for ref in composite_rule.refs(rule):
            full = ref.target if "/" in ref.target else f"{entry.spec.service}/{ref.target}"
            if full not in self.monitors:
                local = [m.split("/", 1)[1] for m in self.monitors if m.startswith(entry.spec.service + "/")]
                self._rule_error(origin, ref.offset, "unknown-monitor",
                                 f"composite rule names unknown monitor '{shown(ref.target)}'"
                                 f"{did_you_mean(ref.target, local + list(self.monitors))}")
            elif isinstance(self.monitors[full][1], PromMonitor):
                self._rule_error(origin, ref.offset, "prometheus-in-composite",
                                 f"composite rule names '{full}', a PromQL monitor; composite alarms are "
                                 "CloudWatch-only and can combine CloudWatch monitors only")
            elif full in self.env.disabled:
                self._rule_error(origin, ref.offset, "disabled-monitor",
                                 f"composite rule names '{full}', which is disabled in environment "
                                 f"'{self.env_name}'; disable the composite there too, or change its rule")
            elif full not in children:
                children.append(full)
        return CompositeAlarm(**common, rule=rule, children=tuple(children))

    def _rule_error(self, origin: Origin, offset: int, code: str, message: str) -> None:
        # Point at the name inside the rule, even in a quoted or folded (`>-`) multi-line rule.
        # Overrides cannot change a rule, so it is always in the service file.
        span = origin.doc.span_in(origin.loc + ("rule",), offset)
        self.problems.append(error(span, code, message))

    def _check_cycles(self, composites: list[CompositeAlarm]) -> None:
        """Depth-first search without recursion: a hostile spec may chain thousands of composites."""
        by_ref = {c.ref: c for c in composites}
        graph = {c.ref: [r for r in c.children if r in by_ref] for c in composites}
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
                    cycle = path[path.index(child):] + [child]
                    self.problems.append(error(by_ref[path[-1]].origin.span("rule"), "composite-cycle",
                                               "composite alarms form a cycle: " + " -> ".join(cycle)))
                elif child not in done:
                    path.append(child)
                    stack.append(iter(graph[child]))

    def _check_unique_names(self, alarms: list[AlarmBase]) -> None:
        seen: dict[str, AlarmBase] = {}
        for alarm in sorted(alarms, key=lambda a: a.ref):
            other = seen.get(alarm.name)
            if other is not None:
                self.problems.append(error(alarm.origin.key_span(), "duplicate-alarm-name",
                                           f"alarm name '{shown(alarm.name)}' in environment '{self.env_name}' is also "
                                           f"the name of {other.ref}; change the monitor name or naming.alarm"))
            else:
                seen[alarm.name] = alarm


# --- environments that share an AWS account and region ---------------------------------------------


def check_shared_names(spec: SpecSet, models: dict[str, EnvironmentModel]) -> list[Diagnostic]:
    """Alarm and topic names are unique per account and region, and obsgen owns a resource only with its own
    environment's tags: two environments of one account and region that would create a resource of the same
    name (a naming template without ${env}) each find the other's as "not managed by obsgen" at apply. Each
    compiled environment is compared with every other one in its account and region (resolved here when it
    was not compiled, so `plan --env X` sees it too); one error per pair, at the later environment's key."""
    environments = spec.project.environments
    order = list(environments)
    problems = []
    for env, model in models.items():
        for other in order:
            if other == env or (other in models and order.index(other) < order.index(env)):
                continue  # a pair of compiled environments is compared once, from its first one
            if (environments[other].account, environments[other].region) != (model.account, model.region):
                continue
            other_model = models.get(other) or resolve(spec, other)[0]
            if other_model is not None:
                problems += _shared_names(spec, model, other_model)
    return problems


def _shared_names(spec: SpecSet, first: EnvironmentModel, second: EnvironmentModel) -> list[Diagnostic]:
    order = list(spec.project.environments)
    if order.index(first.env) > order.index(second.env):
        first, second = second, first
    alarms = sorted({a.name for a in (*first.metric_alarms, *first.composite_alarms)}
                    & {a.name for a in (*second.metric_alarms, *second.composite_alarms)})
    topics = sorted({t.name for t in first.topics} & {t.name for t in second.topics})
    if not alarms and not topics:
        return []
    shared = " and ".join(f"{kind} '{shown(names[0])}'" + (f" (and {len(names) - 1} more)" if len(names) > 1 else "")
                          for kind, names in (("alarm", alarms), ("topic", topics)) if names)
    fix = " and ".join(where for where, names in (("naming.alarm", alarms), ("severities.<name>.topic", topics)) if names)
    return [error(spec.project_doc.span(("environments", second.env), at_key=True), "shared-aws-name",
                  f"environments '{first.env}' and '{second.env}' share account {first.account} and region "
                  f"{first.region}, and both would create {shared}: AWS names are unique per account and region, so "
                  f"each apply would find the other's as not managed by obsgen; put ${{env}} in {fix}, or give one "
                  "of them another account or region")]
