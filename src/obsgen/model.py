"""The resolved, per-environment model: what one environment's monitoring *is*.

Produced from the spec by `resolve`; consumed by the targets. Every template is expanded,
every override applied, every reference checked. Values are frozen and ordered by name, so
rendering them is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

from .composite_rule import Rule
from .diagnostics import Span
from .spec.fields import Threshold
from .yaml_source import Document


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a model object was defined; `override` holds the environment override, if any."""

    doc: Document
    loc: tuple
    override: tuple[Document, tuple, frozenset[str]] | None = None  # (doc, loc, fields it sets)

    def span(self, *fields: str) -> Span:
        """The spot to blame for `fields`: the override when it set the first of them, else the spec."""
        if self.override and fields and fields[0] in self.override[2]:
            doc, loc, _ = self.override
            return doc.span(loc + fields)
        return self.doc.span(self.loc + fields)

    def key_span(self) -> Span:
        """The monitor's own key, e.g. `api-latency:` in the service file."""
        return self.doc.span(self.loc, at_key=True)


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
    note: str | None = None  # e.g. the Chatbot configuration ARN


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    arn: str
    severity: str
    display_name: str
    tags: tuple[tuple[str, str], ...]
    origin: Origin  # the severity's `topic` template


@dataclass(frozen=True, slots=True)
class MetricStat:
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]  # sorted by name
    statistic: str
    period: int
    unit: str | None


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
    queries: tuple[tuple[str, MetricStat], ...] = ()  # ... over these metrics, by id
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class CompositeAlarm(AlarmBase):
    rule: Rule
    children: tuple[str, ...]  # refs ('service/monitor') named by the rule, in order

    def qualify(self, target: str) -> str:
        """A rule names monitors of its own service bare, others as 'service/monitor'."""
        return target if "/" in target else f"{self.service}/{target}"


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    name: str
    owner: str
    description: str | None
    source: str  # the spec file


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

    def alarms(self) -> list[AlarmBase]:
        return sorted([*self.metric_alarms, *self.composite_alarms], key=lambda a: a.name)
