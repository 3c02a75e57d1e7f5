"""The resolved, per-environment model: what one environment's monitoring *is*.

Produced from the spec by `resolve`; consumed by the targets. Every template is expanded,
every override applied, every reference checked. Values are frozen and ordered by name, so
rendering them is deterministic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .composite_rule import Rule
from .diagnostics import Span
from .values import Threshold
from .language.load import PresetUse
from .language.yaml_reader import Document, Loc

if TYPE_CHECKING:
    from dataclasses import dataclass
else:
    from dataclasses import dataclass as _dataclass

    def dataclass(*, frozen: bool, slots: bool) -> Any:
        """The model's classes are frozen to the type checker (CI's mypy refuses any assignment to a field),
        not at run time: a frozen dataclass sets each field in `__init__` through `object.__setattr__`, around
        its own refusing `__setattr__`, which made constructing the ~40,000 objects of a 10,000-alarm
        environment (MetricAlarm has 24 fields) ~6% of the compile (docs/performance.md). Equality and hash
        stay those of a frozen dataclass (`unsafe_hash`: the hash of the fields)."""
        return _dataclass(slots=slots, unsafe_hash=frozen)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a model object was defined; `override` holds the environment override, if any."""

    doc: Document
    loc: Loc
    override: tuple[Document, Loc, frozenset[str]] | None = None  # (doc, loc, fields it sets)
    preset: PresetUse | None = None  # set when a preset made the monitor (loc is then its use in `resources:`)

    def span(self, *fields: str | int) -> Span:
        """The spot to blame for `fields`: the override when it set the first of them, else the spec."""
        if self.override and fields and fields[0] in self.override[2]:
            doc, loc, _ = self.override
            return doc.span(loc + fields)
        return self.doc.span(self.loc + fields)

    def key_span(self) -> Span:
        """The monitor's own key, e.g. `api-latency:` in the service file."""
        return self.doc.span(self.loc, at_key=True)

    def monitor_span(self) -> Span:
        """Where a finding about the whole monitor points: its key; a preset monitor's use in `resources:`
        (it has no key of its own)."""
        return self.span() if self.preset is not None else self.key_span()


@dataclass(frozen=True, slots=True)
class Severity:
    name: str
    description: str
    topic_name: str
    topic_arn: str
    response_time: int  # seconds
    pages: bool
    notify_ok: bool
    prometheus: str  # value of the Prometheus `severity` label
    extra_actions: tuple[str, ...] = ()  # more ARNs for the ALARM state


@dataclass(frozen=True, slots=True)
class Subscription:
    channel: str
    protocol: str  # SNS protocol
    endpoint: str  # an address, or a `{{resolve:...}}` placeholder for a secret
    secret: bool
    severity: str
    topic_arn: str
    origin: Origin  # the endpoint's definition (or its environment override)
    region: str  # its topic's region
    note: str | None = None  # e.g. the Chatbot configuration ARN


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    arn: str
    severity: str
    display_name: str
    tags: tuple[tuple[str, str], ...]
    origin: Origin  # the severity's `topic` template
    region: str  # the home region, or another region that has alarms (the same name there)


@dataclass(frozen=True, slots=True)
class MetricStat:
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]  # sorted by name
    statistic: str
    period: int
    unit: str | None


@dataclass(frozen=True, slots=True)
class WarmUp:
    """WarmUpConfiguration: the alarm stays INSUFFICIENT_DATA, and does not act, this long after a put."""

    minutes: int
    wait: bool  # OnlyStartEvaluatingAfterWarmUpPeriodEnds


@dataclass(frozen=True, slots=True)
class AlarmBase:
    service: str
    monitor: str
    name: str  # the CloudWatch alarm name
    summary: str
    description: str | None
    severity: Severity
    runbook: str | None
    runbook_url: str | None
    actions_enabled: bool
    tags: tuple[tuple[str, str], ...]
    origin: Origin
    region: str  # where the alarm lives: the environment's home region unless placed elsewhere

    @property
    def ref(self) -> str:
        return f"{self.service}/{self.monitor}"


@dataclass(frozen=True, slots=True)
class MetricAlarm(AlarmBase):
    threshold: Threshold
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int | None
    missing_data: str
    metric: MetricStat | None = None  # a single-metric (or anomaly band) alarm
    expression: str | None = None  # a metric-math alarm ...
    queries: tuple[tuple[str, MetricStat], ...] = ()  # ... over these metrics, by id (none: a Metrics Insights query)
    unit: str | None = None
    warm_up: WarmUp | None = None
    verbatim: tuple[tuple[str, object], ...] = ()  # `cloudwatch:` parameters sent as written (not AlarmName)
    silent: bool = False  # no actions of its own: an SLO's window alarm, which only its tier's composite reads

    @property
    def stats(self) -> tuple[MetricStat, ...]:
        """Every metric the alarm reads: its one metric, or the inputs of its metric math."""
        return (self.metric,) if self.metric is not None else tuple(stat for _, stat in self.queries)

    def single_metric(self) -> MetricStat:
        """The one metric of a single-metric or anomaly-band alarm (one without `expression`)."""
        if self.metric is None:
            raise ValueError(f"alarm {self.name} is metric math: it reads {len(self.queries)} metrics, not one")
        return self.metric


@dataclass(frozen=True, slots=True)
class CompositeAlarm(AlarmBase):
    rule: Rule
    children: tuple[str, ...]  # refs ('service/monitor') named by the rule, in order
    verbatim: tuple[tuple[str, object], ...] = ()  # `cloudwatch:` parameters sent as written (not AlarmName)

    def qualify(self, target: str) -> str:
        """A rule names monitors of its own service bare, others as 'service/monitor'."""
        return target if "/" in target else f"{self.service}/{target}"


@dataclass(frozen=True, slots=True)
class LogAlarm(AlarmBase):
    """A native log alarm (PutLogAlarm): a Logs Insights query run on a schedule, compared with a threshold."""

    log_groups: tuple[str, ...]
    query: str
    aggregation: str  # AggregationExpression, e.g. count(*)
    schedule: int  # seconds between runs
    window: int  # seconds each run looks back (StartTimeOffset)
    role_arn: str  # ScheduledQueryRoleARN
    threshold: Threshold
    results_to_evaluate: int  # N of "M of N"
    results_to_alarm: int  # M
    missing_data: str
    warm_up: WarmUp | None = None
    verbatim: tuple[tuple[str, object], ...] = ()  # always empty: resolving refuses `cloudwatch:` on a log alarm


Alarm = MetricAlarm | CompositeAlarm | LogAlarm  # every AlarmBase is one of these three


@dataclass(frozen=True, slots=True)
class MetricFilter:
    """The metric filter of a log monitor (PutMetricFilter): it publishes the metric its alarm watches."""

    service: str
    monitor: str
    name: str  # conventions.metric_filter_name: <project>/<env>/<service>/<monitor>
    alarm: str  # the name of the alarm on its metric
    log_group: str
    pattern: str
    namespace: str
    metric: str
    value: str  # metricValue: a number or a field ($.latency, $bytes)
    default_value: float | None
    dimensions: tuple[tuple[str, str], ...]  # dimension name -> field, sorted
    unit: str | None
    origin: Origin

    @property
    def ref(self) -> str:
        return f"{self.service}/{self.monitor}"


@dataclass(frozen=True, slots=True)
class SavedQuery:
    """A saved Logs Insights query (PutQueryDefinition) of a service's `queries:`."""

    service: str
    key: str
    name: str  # conventions.query_definition_name: <project>/<env>/<service>/<key>
    query: str
    log_groups: tuple[str, ...]
    description: str | None
    origin: Origin


@dataclass(frozen=True, slots=True)
class EventRoute:
    """An EventBridge rule (PutRule) whose events reach a severity's topic (PutTargets, with an input transformer)."""

    service: str | None  # None: a route of the project file
    key: str
    name: str  # the rule's name
    arn: str
    summary: str
    description: str | None
    severity: Severity
    runbook: str | None
    runbook_url: str | None
    enabled: bool
    source: str  # the shorthand (guardduty, securityhub, health, stepfunctions, glue, batch) or "pattern"
    pattern: str  # the EventPattern, JSON text
    input_paths: tuple[tuple[str, str], ...]  # InputPathsMap, sorted
    input_template: str
    console_url: str | None  # where the events' details are read (runbooks)
    tags: tuple[tuple[str, str], ...]
    origin: Origin

    @property
    def ref(self) -> str:
        return f"{self.service or 'project'}/events/{self.key}"


@dataclass(frozen=True, slots=True)
class BudgetNotice:
    kind: str  # NotificationType: ACTUAL or FORECASTED
    percent: float
    severity: Severity


@dataclass(frozen=True, slots=True)
class Budget:
    """A cost budget (CreateBudget) with notifications to severities' topics."""

    key: str
    name: str  # conventions.budget_name: <project>-<env>-<key>
    arn: str
    amount: float
    unit: str
    time_unit: str  # MONTHLY, QUARTERLY, ANNUALLY
    description: str | None
    tag_filters: tuple[tuple[str, str], ...]
    services: tuple[str, ...]
    notifications: tuple[BudgetNotice, ...]
    tags: tuple[tuple[str, str], ...]
    origin: Origin


@dataclass(frozen=True, slots=True)
class MuteRule:
    """An alarm mute rule (PutAlarmMuteRule): one maintenance window, for at most 100 of its alarms."""

    window: str  # the key under `maintenance:`
    name: str  # conventions.mute_rule_name, with a part number past the first 100 alarms
    arn: str
    description: str | None
    expression: str  # cron(...) or at(...)
    duration: int  # seconds
    timezone: str
    alarms: tuple[str, ...]  # alarm names, sorted
    refs: tuple[str, ...]  # their monitors ('service/monitor')
    tags: tuple[tuple[str, str], ...]
    origin: Origin
    # Where the rule lives: its alarms' region. A rule mutes alarms of its own region only ("The alarm
    # names must match existing alarms in your Amazon Web Services account and region", MuteTargets).
    region: str = ""


def with_children(chosen: Iterable[Alarm], by_ref: Mapping[str, Alarm]) -> tuple[Alarm, ...]:
    """The alarms and, for a composite, every alarm its rule reads, at any depth, each once: what
    replaying a composite (an alarm test, a backtest) needs. Children missing from `by_ref` (disabled
    in this environment) are left out."""
    seen: dict[str, Alarm] = {}
    stack = list(chosen)[::-1]
    while stack:
        current = stack.pop()
        if current.ref in seen:
            continue
        seen[current.ref] = current
        if isinstance(current, CompositeAlarm):
            stack += [by_ref[c] for c in current.children if c in by_ref]
    return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class PrometheusAlert:
    """One Prometheus alerting rule (a `promql` monitor), overrides applied and templates expanded."""

    service: str
    monitor: str
    alert: str  # the alert name (CamelCase of the monitor name unless the spec names it)
    expr: str
    for_: int  # seconds
    severity: Severity
    labels: tuple[tuple[str, str], ...]  # every label of the rule (obsgen's and the spec's), sorted
    annotations: tuple[tuple[str, str], ...]  # summary, description, runbook_url, dashboard_url; sorted
    origin: Origin
    runbook: str | None = None  # the shared guidance page of runbooks_src/ (`runbook:`), for the runbook site

    @property
    def ref(self) -> str:
        return f"{self.service}/{self.monitor}"


@dataclass(frozen=True, slots=True)
class RecordingRule:
    service: str
    record: str
    expr: str
    labels: tuple[tuple[str, str], ...]
    origin: Origin  # the rule's entry in `recording_rules`


@dataclass(frozen=True, slots=True)
class ExpectedAlert:
    labels: tuple[tuple[str, str], ...]  # the spec's exp_labels plus the alert's own labels
    annotations: tuple[tuple[str, str], ...]  # the alert's static annotations plus the spec's


@dataclass(frozen=True, slots=True)
class AlertTestCase:
    eval_time: int  # seconds
    alertname: str
    exp_alerts: tuple[ExpectedAlert, ...]
    origin: Origin  # the case in `tests[i].alert_rule_test[j]`


@dataclass(frozen=True, slots=True)
class ExprTestCase:
    expr: str
    eval_time: int
    exp_samples: tuple[tuple[str, float], ...]  # (series text, value)
    origin: Origin


@dataclass(frozen=True, slots=True)
class PromTest:
    """One promtool test group of a service (`tests[i]`)."""

    service: str
    interval: int  # seconds
    input_series: tuple[tuple[str, str], ...]  # (series, values)
    alert_tests: tuple[AlertTestCase, ...]
    expr_tests: tuple[ExprTestCase, ...]
    origin: Origin
    # Recording rules (record, labels) this group feeds as input series instead of evaluating: it runs against
    # a test-only copy of the rule group without them (an SLO whose SLI queries obsgen cannot feed, slo_tests.py).
    fed_records: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """A service's Prometheus rule group: its recording rules (spec order) and alerts (by monitor)."""

    service: str
    team: str
    interval: int  # seconds
    source: str  # the spec file
    recording_rules: tuple[RecordingRule, ...]
    alerts: tuple[PrometheusAlert, ...]
    tests: tuple[PromTest, ...]


@dataclass(frozen=True, slots=True)
class Receiver:
    """An Alertmanager receiver: one per Prometheus severity label, with every channel that hears it."""

    name: str
    severity_label: str  # the `severity` label value it matches
    channels: tuple[tuple[str, str, tuple[tuple[str, object], ...]], ...]  # (channel, kind, sorted config)


@dataclass(frozen=True, slots=True)
class AlertmanagerSettings:
    group_by: tuple[str, ...]
    group_wait: int
    group_interval: int
    repeat_interval: int
    resolve_timeout: int
    receivers: tuple[Receiver, ...]  # most severe first (the project's severity order)


@dataclass(frozen=True, slots=True)
class SloBurn:
    """One alert condition of an SLO tier, with its numbers (slo_policy.Burn for this SLO window)."""

    tier: str  # "page" | "ticket"
    severity: Severity
    budget: float  # the share of the window's budget, 0.02
    long: int  # seconds
    short: int  # seconds
    factor: float  # the burn rate, 14.4
    threshold: float  # the error ratio both windows must exceed: factor * (1 - objective)


@dataclass(frozen=True, slots=True)
class ServiceLevelObjective:
    """One SLO of a service in one environment; its alarms or rules are in the model's alarms / rule groups."""

    service: str
    name: str
    summary: str
    objective: float  # a fraction, 0.999
    window: int  # seconds, a whole number of days
    backend: str  # "cloudwatch" | "prometheus"
    burns: tuple[SloBurn, ...]  # page tier first, each tier's burns in the order written
    origin: Origin  # `slos.<name>` in the service file
    alarms: tuple[str, ...] = ()  # CloudWatch: the tiers' composite alarm names, page first
    sli: str = ""  # the error ratio in words or PromQL, for the runbook page

    @property
    def ref(self) -> str:
        return f"{self.service}/{self.name}"

    @property
    def budget(self) -> float:
        return 1 - self.objective


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    name: str
    owner: str
    description: str | None
    source: str  # the spec file


@dataclass(frozen=True, slots=True)
class StackSetDefinition:
    """A StackSet rolling this environment's template out (project `stacksets:`; docs/organisations.md)."""

    name: str
    permission_model: str  # "service-managed" | "self-managed"
    accounts: tuple[str, ...]
    organizational_units: tuple[str, ...]
    regions: tuple[str, ...]
    auto_deployment: bool
    failure_tolerance: int
    max_concurrency: int
    span: Span  # its key under `stacksets:`


@dataclass(frozen=True, slots=True)
class EnvironmentModel:
    project: str
    env: str
    account: str
    region: str
    endpoint: str | None
    severities: tuple[Severity, ...]
    topics: tuple[Topic, ...]
    subscriptions: tuple[Subscription, ...]
    metric_alarms: tuple[MetricAlarm, ...]
    composite_alarms: tuple[CompositeAlarm, ...]
    services: tuple[ServiceInfo, ...]
    # Prometheus (empty when no service uses it): rule groups by service, then Alertmanager routing.
    rule_groups: tuple[RuleGroup, ...] = ()
    alertmanager: AlertmanagerSettings | None = None
    dashboards: tuple["Dashboard", ...] = ()  # by name: every service's own, then the declared ones
    # The regions besides `region` the environment syncs: every one an alarm or topic is placed in.
    regions: tuple[str, ...] = ()
    # Beyond metric alarms (issue #17), each by name.
    log_alarms: tuple[LogAlarm, ...] = ()
    metric_filters: tuple[MetricFilter, ...] = ()
    saved_queries: tuple[SavedQuery, ...] = ()
    event_routes: tuple[EventRoute, ...] = ()
    budgets: tuple[Budget, ...] = ()
    mute_rules: tuple[MuteRule, ...] = ()
    # The IAM role plan/apply/drift assume to reach `account` (the environment's `role_arn:`, expanded).
    role_arn: str | None = None
    # "api": obsgen apply writes to AWS; "cloudformation": CloudFormation stacks own the resources (templates
    # from targets/cloudformation.py), apply refuses and drift reads them (docs/organisations.md).
    deploy: str = "api"
    stacksets: tuple[StackSetDefinition, ...] = ()  # those whose `environment` is this one, by name
    slos: tuple[ServiceLevelObjective, ...] = ()  # by service, then name

    def alarms(self) -> list[Alarm]:
        return sorted([*self.metric_alarms, *self.composite_alarms, *self.log_alarms], key=lambda a: a.name)

    def metric_filter(self, ref: str) -> MetricFilter | None:
        """The metric filter of log monitor `ref` ('service/monitor'), if it is one."""
        return next((f for f in self.metric_filters if f.ref == ref), None)

    def mute_rules_of(self, alarm: str) -> list[MuteRule]:
        """The mute rules that mute alarm `alarm` (a name)."""
        return [rule for rule in self.mute_rules if alarm in rule.alarms]

    def notifies_anyone(self, severity: Severity) -> bool:
        """Whether an alarm of this severity reaches anyone here: a subscription on its topic (from any
        channel, also one of another severity sharing the topic) or an action of its own."""
        return bool(severity.extra_actions) or self.subscribed(severity)

    def subscribed(self, severity: Severity) -> bool:
        """Whether a channel subscribes to the severity's topic here: what reaches someone from an event
        route or a budget, which publish to the topic and have no actions of their own."""
        return any(s.topic_arn == severity.topic_arn for s in self.subscriptions)

    def alert_channels(self, severity: Severity) -> tuple[str, ...]:
        """The channels Alertmanager sends this severity's Prometheus alerts to here."""
        receivers = self.alertmanager.receivers if self.alertmanager else ()
        return tuple(name for r in receivers if r.severity_label == severity.prometheus for name, _, _ in r.channels)


# --- dashboards (resolve_dashboards.py; rendered by targets/cloudwatch_dashboards.py) ---------------


@dataclass(frozen=True, slots=True)
class DashboardMetric:
    id: str  # id in the widget's metrics array (expressions name metrics by it)
    stat: MetricStat  # namespace, metric, dimensions, statistic, period
    label: str | None = None
    visible: bool = True  # False: only an input of an expression (metric-math monitors)


@dataclass(frozen=True, slots=True)
class DashboardExpression:
    id: str
    expression: str
    label: str | None = None


@dataclass(frozen=True, slots=True)
class ThresholdLine:
    """A horizontal annotation: an alarm's threshold drawn on its metric's graph."""

    label: str
    value: float
    fill: str | None  # "above" / "below": the side that breaches


@dataclass(frozen=True, slots=True)
class DashboardWidget:
    kind: str  # "text" | "graph" | "alarms" | "logs"
    origin: Origin  # the spec entry it comes from (a monitor for generated graphs)
    title: str = ""
    width: int | None = None  # None: share the row's free columns
    height: int | None = None  # None: the row's height
    markdown: str = ""  # text
    metrics: tuple[DashboardMetric, ...] = ()  # graph
    expressions: tuple[DashboardExpression, ...] = ()
    thresholds: tuple[ThresholdLine, ...] = ()
    period: int = 300
    view: str = "timeSeries"
    stacked: bool = False
    alarms: tuple[str, ...] = ()  # alarm names (alarm status)
    sort_by: str | None = None
    log_groups: tuple[str, ...] = ()  # logs
    query: str = ""
    region: str | None = None  # graph: the region its metrics are read in (None: the environment's)
    start: str = ""  # graph: its own time range ("-P30D"), independent of the dashboard's; "" for the dashboard's
    whole_range: bool = False  # graph: one value over the whole time range (setPeriodToTimeRange)


@dataclass(frozen=True, slots=True)
class DashboardRow:
    height: int
    widgets: tuple[DashboardWidget, ...]
    origin: Origin


@dataclass(frozen=True, slots=True)
class Dashboard:
    """One CloudWatch dashboard: a service's own (generated) or a declared one."""

    name: str  # the CloudWatch name, conventions.dashboard_name(...)
    key: str  # the service name, or the key under `dashboards:`
    service: str | None  # None: a project-level (cross-service) dashboard
    generated: bool  # a service's automatic dashboard
    start: str
    period_override: str
    rows: tuple[DashboardRow, ...]
    origin: Origin  # the dashboard's key (the service file for a generated one)
