"""What obsgen knows about each monitor, gathered from every environment's model for its runbook page.

A runbook is one page for all environments, so facts come in two layers: `MonitorFacts` (what does
not depend on the environment: service, owner, summary, kind) holding one `EnvFacts` per environment
(alarm name, condition in words, routing, console links, ready-to-paste commands). Both are plain
frozen values: the Markdown templates (user input, sandboxed) read them by attribute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, NamedTuple, TypedDict
from urllib.parse import urlsplit

from .. import conventions
from ..diagnostics import Span
from .. import filter_pattern
from ..model import (Alarm, AlarmBase, CompositeAlarm, EnvironmentModel, LogAlarm, MetricAlarm, MetricFilter, MuteRule,
                     PrometheusAlert, ServiceInfo, Severity, Subscription)
from ..values import format_duration
from . import commands, wording
from .commands import Command


@dataclass(frozen=True, slots=True)
class Route:
    channel: str
    kind: str  # SNS protocol or Alertmanager integration
    target: str  # the SNS topic or the Alertmanager receiver


@dataclass(frozen=True, slots=True)
class QueryFacts:
    """A saved Logs Insights query of the service, for the person investigating (`queries:`)."""

    key: str
    name: str  # its name in CloudWatch (Logs Insights > Saved queries)
    description: str
    log_groups: tuple[str, ...]
    query: str


@dataclass(frozen=True, slots=True)
class EnvFacts:
    """One environment's view of a monitor. `enabled` is False where the monitor is `disabled:`."""

    env: str
    enabled: bool
    production: bool = False  # the project says so, or its name does (`is_production`)
    sandbox: bool = False  # its AWS endpoint is not AWS (`obsgen sandbox` on loopback): no console links
    endpoint: str = ""  # the environment's AWS endpoint, if it has one (commands pass it as --endpoint-url)
    region: str = ""
    account: str = ""
    name: str = ""  # the CloudWatch alarm name, or the Prometheus alert name
    condition: str = ""  # when it fires, in words (Markdown)
    severity: str = ""
    response_time: str = ""  # "15m"
    pages: bool = False
    destination: str = ""  # SNS topic, or the Alertmanager receiver
    routes: tuple[Route, ...] = ()
    # URLs obsgen builds from checked parts (an http(s) base URL, names, a quoted alarm name): Markdown
    # values, so a template can write them into a link as they are.
    alarm_url: str = ""  # the AWS console page of the alarm
    dashboard_url: str = ""  # the AWS console page of the service's dashboard
    runbook_url: str = ""  # where this page is published (the link in the alarm or alert)
    metrics: tuple[str, ...] = ()  # the metrics read ("AWS/Lambda Errors (FunctionName=x), Sum, 5m") or the PromQL
    commands: tuple[Command, ...] = ()
    dimensions: tuple[tuple[str, str], ...] = ()  # of every metric the alarm reads, e.g. (("FunctionName", "x"),)
    # Log monitors: the log groups read, the metric filter's pattern (none for a native log alarm), and a
    # Logs Insights query that shows the lines it counts ("" when the pattern cannot be written as one).
    log_groups: tuple[str, ...] = ()
    log_pattern: str = ""
    log_query: str = ""
    muted: tuple[str, ...] = ()  # the maintenance windows that mute this alarm, in words (Markdown)
    # Logs Insights in the console of the environment's region, where its saved queries open with their
    # log groups ("" in a sandbox, or when the service has no saved query)
    logs_insights_url: str = ""
    queries: tuple[QueryFacts, ...] = ()  # the service's saved queries in this environment

    @property
    def marks(self) -> tuple[str, ...]:
        """What a page says next to the environment's name wherever several are shown."""
        return (("production",) if self.production else ()) + (("sandbox",) if self.sandbox else ())

    @property
    def title(self) -> str:
        """`production (PRODUCTION)`, `local (sandbox)`, `staging`: the environment's name with its marks."""
        marks = [m.upper() if m == "production" else m for m in self.marks]
        return f"{self.env} ({', '.join(marks)})" if marks else self.env

    def dimension(self, name: str) -> str:
        """`{{ env.production.dimension("FunctionName") }}` in a runbooks_src template; "" when absent."""
        return dict(self.dimensions).get(name, "")


@dataclass(frozen=True, slots=True)
class MonitorFacts:
    service: str
    monitor: str
    kind: str  # metric | math | anomaly | composite | promql | log (a metric filter's) | log-query (native)
    summary: str
    description: str
    owner: str
    service_description: str
    runbook: str  # the shared `runbook:` page of runbooks_src/, or ""
    envs: tuple[EnvFacts, ...]  # every environment of the project, in project order
    children: tuple[str, ...] = ()  # a composite's monitors ('service/monitor')
    parents: tuple[str, ...] = ()  # composites that name this monitor
    source: Span = Span("")  # the monitor's key in its spec file (coverage warnings point here)

    @property
    def ref(self) -> str:
        return conventions.monitor_ref(self.service, self.monitor)

    @property
    def enabled_envs(self) -> tuple[EnvFacts, ...]:
        return tuple(e for e in self.envs if e.enabled)

    @property
    def severities(self) -> tuple[str, ...]:
        """Distinct severities over the environments (an override may change it in one)."""
        return tuple(dict.fromkeys(e.severity for e in self.enabled_envs))

    @property
    def description_is_template(self) -> bool:
        """A Prometheus alert's description is a template Prometheus fills in when the alert fires
        (`{{ $labels.instance }}`): a page shows it as such, not as if it were the message."""
        return self.kind == "promql" and "{{" in self.description

    @property
    def shared_commands(self) -> tuple[Command, ...]:
        """Commands that read the same in every environment where the monitor is enabled (a Prometheus
        alert's expression): a page shows them once, not once per environment."""
        envs = self.enabled_envs
        if len(envs) < 2:
            return ()
        return tuple(c for c in envs[0].commands if all(c in e.commands for e in envs[1:]))

    def own_commands(self, env: EnvFacts) -> tuple[Command, ...]:
        """The commands of `env` that are not the same everywhere (`shared_commands`)."""
        shared = self.shared_commands
        return tuple(c for c in env.commands if c not in shared)

    @property
    def shared_metrics(self) -> tuple[str, ...]:
        """The metrics or PromQL when they read the same in every enabled environment (else ())."""
        envs = self.enabled_envs
        return envs[0].metrics if len(envs) > 1 and all(e.metrics == envs[0].metrics for e in envs) else ()

    @property
    def page(self) -> str:
        """The page's path, relative to the root of the runbook site (without extension)."""
        return f"{self.service}/{self.monitor}"


# https://docs.aws.amazon.com/general/latest/gr/rande.html: AWS service endpoints are hosts under
# amazonaws.com (amazonaws.com.cn in the China regions) or, dual-stack, api.aws.
AWS_ENDPOINT_DOMAINS = ("amazonaws.com", "amazonaws.com.cn", "api.aws")
PRODUCTION_NAMES = ("production", "prod", "prd")


def is_production(name: str, flag: bool | None = None) -> bool:
    """The environment's `production:` when it is written; else its name: production, prod or prd, alone
    or with a `-` on one side (prod-eu, eu-prod)."""
    if flag is not None:
        return flag
    return any(name == word or name.startswith(word + "-") or name.endswith("-" + word) for word in PRODUCTION_NAMES)


def is_sandbox(endpoint: str | None) -> bool:
    """An endpoint that is not AWS (the obsgen sandbox on 127.0.0.1, a LocalStack container): the AWS
    console knows nothing of its alarms."""
    if not endpoint:
        return False
    host = (urlsplit(endpoint).hostname or "").rstrip(".").lower()
    return not any(host == domain or host.endswith("." + domain) for domain in AWS_ENDPOINT_DOMAINS)


def collect(models: dict[str, EnvironmentModel], env_order: list[str],
            production: Mapping[str, bool | None] | None = None,
            needed: Callable[[str, str, str], bool] | None = None) -> list[MonitorFacts]:
    """Every monitor that exists in at least one environment, sorted by service and monitor. `production`:
    the environments' `production:` flags as written (absent: the name decides, `is_production`).
    With `needed(service, monitor, runbook)`, a monitor it says no to gets only the outline of its
    environments (name, enabled, production, sandbox): what `obsgen validate` reports about a monitor
    whose guidance reads no facts (no page is made from them). Its environments' full facts were
    two thirds of validate's runbook time at 10,000 monitors (docs/performance.md)."""
    lookups = {env: _Lookups.of(models[env], is_production(env, (production or {}).get(env))) for env in env_order}
    found: dict[tuple[str, str], dict[str, Alarm | PrometheusAlert]] = {}
    services: dict[str, ServiceInfo] = {}
    for env in env_order:
        model = models[env]
        services.update({s.name: s for s in model.services})
        paged = [a for a in lookups[env].alarms if not (isinstance(a, MetricAlarm) and a.silent)]  # an SLO's windows: its tier's page
        for item in [*paged, *(a for g in model.rule_groups for a in g.alerts)]:
            found.setdefault((item.service, item.monitor), {})[env] = item
    parents: dict[str, set[str]] = {}  # child ref -> the composites naming it, in any environment
    for per_env in found.values():
        for item in per_env.values():
            if isinstance(item, CompositeAlarm):
                for child in item.children:
                    parents.setdefault(child, set()).add(item.ref)
    return [_monitor(service, monitor, per_env, services[service], lookups, env_order,
                     tuple(sorted(parents.get(f"{service}/{monitor}", ()))), needed)
            for (service, monitor), per_env in sorted(found.items())]


@dataclass(slots=True)
class _Lookups:
    """What the facts of every monitor of one environment look up, found once for the environment: each
    was a scan of the model per monitor (its subscriptions sorted, its saved queries and metric filters
    searched: 0.2 s of CPU at 10,000 monitors, and quadratic in them)."""

    model: EnvironmentModel
    production: bool
    sandbox: bool
    alarms: list[Alarm]
    alarm_names: dict[str, str]  # monitor ref -> alarm name
    dashboards: frozenset[str]  # its dashboards' names (a scan of 1,000 dashboards per monitor was 5 million comparisons)
    filters: dict[str, MetricFilter]  # monitor ref -> its metric filter (the first, as model.metric_filter)
    queries: dict[str, tuple[QueryFacts, ...]]  # service -> its saved queries, in the model's order
    subscriptions: list[Subscription]  # sorted by channel
    routes: dict[tuple[str, str, str], tuple[Route, ...]]  # (severity, region, topic) -> its routes, made on first use
    # made on first use too: what every alarm of a severity and region, of a service, shares
    commons: dict[tuple[str, int, bool, str], _EnvCommon] = field(default_factory=dict)
    dashboard_urls: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, model: EnvironmentModel, production: bool) -> _Lookups:
        alarms = model.alarms()
        filters: dict[str, MetricFilter] = {}
        for found in model.metric_filters:
            filters.setdefault(found.ref, found)
        queries: dict[str, list[QueryFacts]] = {}
        for q in model.saved_queries:
            queries.setdefault(q.service, []).append(QueryFacts(q.key, q.name, q.description or "", q.log_groups, q.query))
        return cls(model, production, is_sandbox(model.endpoint), alarms, {a.ref: a.name for a in alarms},
                   frozenset(d.name for d in model.dashboards), filters, {k: tuple(v) for k, v in queries.items()},
                   sorted(model.subscriptions, key=lambda s: s.channel), {})

    def common_of(self, severity: Severity, region: str) -> _EnvCommon:
        """The EnvFacts fields of an alarm of `severity` in `region` that are the environment's: made once
        per severity and region (read, never changed, by `**` in `_env`)."""
        key = (severity.name, severity.response_time, severity.pages, region)
        if (made := self.commons.get(key)) is None:
            model = self.model
            made = self.commons[key] = _EnvCommon(
                env=model.env, enabled=True, production=self.production, sandbox=self.sandbox,
                endpoint=model.endpoint or "", region=region, account=model.account, severity=severity.name,
                response_time=format_duration(severity.response_time), pages=severity.pages)
        return made

    def dashboard_url(self, service: str) -> str:
        """The console link of the service's dashboard, once per service; "" in a sandbox, or when the
        dashboard is turned off here (no link to a missing page)."""
        if (made := self.dashboard_urls.get(service)) is None:
            model = self.model
            dashboard = conventions.dashboard_name(model.project, model.env, service)
            made = self.dashboard_urls[service] = wording.Markdown(
                "" if self.sandbox or dashboard not in self.dashboards
                else conventions.console_dashboard_url(model.region, dashboard))
        return made

    def routes_of(self, severity: str, region: str, topic: str) -> tuple[Route, ...]:
        """The SNS subscriptions of a severity's topic in a region, by channel."""
        key = (severity, region, topic)
        if (made := self.routes.get(key)) is None:
            made = self.routes[key] = tuple(Route(s.channel, s.protocol, topic) for s in self.subscriptions
                                            if s.severity == severity and s.region == region)
        return made


def _monitor(service: str, monitor: str, per_env: dict[str, Alarm | PrometheusAlert], info: ServiceInfo,
             lookups: dict[str, _Lookups], env_order: list[str], parents: tuple[str, ...],
             needed: Callable[[str, str, str], bool] | None = None) -> MonitorFacts:
    first = next(per_env[e] for e in env_order if e in per_env)
    full = needed is None or needed(service, monitor, first.runbook or "")
    envs = tuple((_env(lookups[e], per_env[e]) if full else EnvFacts(e, True, lookups[e].production, lookups[e].sandbox))
                 if e in per_env else EnvFacts(e, False, lookups[e].production, lookups[e].sandbox) for e in env_order)
    description = (first.description or "") if isinstance(first, AlarmBase) else dict(first.annotations).get(
        "description", "")
    summary = _summary(first, per_env) if isinstance(first, AlarmBase) else dict(first.annotations).get("summary", "")
    # An SLO tier's window alarms have no page of their own (collect): the tier's page explains them.
    children = tuple(c for c in first.children if not c.split("/", 1)[1].startswith("slo-")) \
        if isinstance(first, CompositeAlarm) and first.monitor.startswith("slo-") else \
        (first.children if isinstance(first, CompositeAlarm) else ())
    first_env = next(e for e in env_order if e in per_env)
    return MonitorFacts(service, monitor, _kind(first, lookups[first_env]), summary, description.strip(), info.owner,
                        info.description or "", first.runbook or "", envs, children, parents,
                        first.origin.key_span())


def _summary(first: AlarmBase, per_env: dict[str, Alarm | PrometheusAlert]) -> str:
    """One summary for a page that covers every environment. A preset's summary names the resource
    in each environment (orders-production, orders-staging): shown with the environment as <env>
    (orders-<env>) when that makes them one; else the first environment's."""
    alarms = {env: item for env, item in per_env.items() if isinstance(item, AlarmBase)}
    summaries = {item.summary for item in alarms.values()}
    if len(summaries) > 1:
        general = {item.summary.replace(env, "<env>") for env, item in alarms.items()}
        if len(general) == 1:
            return general.pop()
    return first.summary


def _kind(item: Alarm | PrometheusAlert, lookups: _Lookups) -> str:
    if isinstance(item, PrometheusAlert):
        return "promql"
    if isinstance(item, CompositeAlarm):
        return "composite"
    if isinstance(item, LogAlarm):
        return "log-query"
    if item.ref in lookups.filters:
        return "log"
    if item.expression:
        return "math"
    return "anomaly" if item.threshold.is_band else "metric"


class _EnvCommon(TypedDict):
    """The EnvFacts fields an alarm and a Prometheus alert fill alike."""

    env: str
    enabled: bool
    production: bool
    sandbox: bool
    endpoint: str
    region: str
    account: str
    severity: str
    response_time: str
    pages: bool


def _env(lookups: _Lookups, item: Alarm | PrometheusAlert) -> EnvFacts:
    model, production, sandbox = lookups.model, lookups.production, lookups.sandbox
    severity = item.severity
    region = model.region if isinstance(item, PrometheusAlert) else item.region  # an alarm's own region
    common = lookups.common_of(severity, region)
    if isinstance(item, PrometheusAlert):
        receiver = next((r for r in (model.alertmanager.receivers if model.alertmanager else ())
                         if r.severity_label == severity.prometheus), None)
        routes = tuple(Route(channel, kind, receiver.name) for channel, kind, _ in receiver.channels) if receiver else ()
        return EnvFacts(**common, name=item.alert, condition=wording.prometheus_condition(item),
                        destination=receiver.name if receiver else "", routes=routes,
                        runbook_url=wording.Markdown(dict(item.annotations).get("runbook_url", "")),
                        metrics=(item.expr,), commands=commands.for_alert(item))
    routes = lookups.routes_of(severity.name, region, severity.topic_name)
    found = lookups.filters.get(item.ref)
    log = _log_facts(item, found)
    rules = model.mute_rules_of(item.name)
    queries = lookups.queries.get(item.service, ())
    return EnvFacts(**common, name=item.name, condition=_condition(model, item, found),
                    destination=severity.topic_name, routes=routes,
                    alarm_url=wording.Markdown("" if sandbox else conventions.console_alarm_url(region, item.name)),
                    dashboard_url=lookups.dashboard_url(item.service),
                    runbook_url=wording.Markdown(item.runbook_url or ""), metrics=wording.metrics(item),
                    commands=commands.for_alarm(model, item, lookups.alarm_names, found), dimensions=_dimensions(item),
                    log_groups=log.log_groups, log_pattern=log.log_pattern, log_query=log.log_query,
                    muted=tuple(mute_words(r) for r in rules) if rules else (), queries=queries,
                    logs_insights_url=wording.Markdown("" if sandbox or not queries
                                                       else conventions.console_logs_insights_url(model.region)))


class _LogFacts(NamedTuple):
    log_groups: tuple[str, ...] = ()
    log_pattern: str = ""
    log_query: str = ""


def _log_facts(alarm: Alarm, found: MetricFilter | None) -> _LogFacts:
    if isinstance(alarm, LogAlarm):
        return _LogFacts(alarm.log_groups, log_query=alarm.query)
    if found is None:
        return _LogFacts()
    query = filter_pattern.insights_query(filter_pattern.parse(found.pattern)) or ""
    return _LogFacts((found.log_group,), found.pattern, query)


def mute_words(rule: MuteRule) -> str:
    """`weekly-patching: cron(0 2 * * SUN), for 2h (Europe/Paris)` -- with its description."""
    when = f"{rule.expression}, for {format_duration(rule.duration)} ({rule.timezone})"
    why = f" -- {wording.as_text(rule.description)}" if rule.description else ""
    return wording.Markdown(f"{wording.code(rule.window)}: {wording.code(when)}{why}")


def _condition(model: EnvironmentModel, alarm: Alarm, found: MetricFilter | None) -> str:
    if isinstance(alarm, CompositeAlarm):
        return wording.composite_condition(alarm)
    if isinstance(alarm, LogAlarm):
        return wording.log_alarm_condition(alarm)
    if found is not None:
        return wording.log_filter_condition(alarm, found)
    return wording.alarm_condition(alarm)


def _dimensions(alarm: Alarm) -> tuple[tuple[str, str], ...]:
    if not isinstance(alarm, MetricAlarm):
        return ()
    return tuple(sorted({pair for stat in alarm.stats for pair in stat.dimensions}))
