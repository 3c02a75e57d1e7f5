"""The Prometheus parts of the spec: PromQL monitors, recording rules, alert unit tests, and the
project's Prometheus / Alertmanager settings.

Field names follow Prometheus' own files where one exists (`record`, `expr`, `for`, `input_series`,
`alert_rule_test`, ...), so people who know promtool read them without a manual:
https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/
https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
"""


import re

from pydantic import Field, field_validator, model_validator

from ...diagnostics import shown
from .fields import Duration, HttpUrl, Name, SeverityRef, Strict, empty_list

LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")  # https://prometheus.io/docs/concepts/data_model/
ALERT_NAME = LABEL_NAME
RECORD_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
# Labels obsgen sets on every alert from the spec; a monitor cannot set them by hand.
RESERVED_LABELS = ("severity", "service", "team", "env")


def check_labels(labels: dict[str, str]) -> dict[str, str]:
    for name in labels:
        if not LABEL_NAME.match(name) or name.startswith("__"):
            raise ValueError(f"label name '{shown(name)}' must match [a-zA-Z_][a-zA-Z0-9_]* and not start with '__'")
        if name in RESERVED_LABELS:
            raise ValueError(f"label '{shown(name)}' is set by obsgen from the spec (severity, service, team, env); "
                             "remove it here")
    return labels


class PromMonitor(Strict):
    """A Prometheus alerting rule: fires when `promql` returns series for `for`."""

    promql: str = Field(min_length=1, description="The PromQL expression; ${var} templates are expanded.")
    for_: Duration = Field(default=0, alias="for", description="How long the condition must hold (0s: at once).")
    alert: str | None = Field(default=None, description="Alert name; CamelCase of the monitor name by default.")
    labels: dict[str, str] = Field(default_factory=dict, description="Extra labels (not severity/service/team/env).")
    summary: str = Field(min_length=1, description="One static sentence: what is wrong.")
    description: str | None = Field(default=None, description="May use {{ $labels.x }} and {{ $value }}.")
    severity: SeverityRef
    runbook: Name | None = Field(default=None, description="A page of runbooks_src/ (without .md).")
    dashboard: HttpUrl | None = Field(default=None, description="URL of the dashboard to open (dashboard_url annotation).")

    @field_validator("alert")
    @classmethod
    def _alert_name(cls, value: str | None) -> str | None:
        if value is not None and not ALERT_NAME.match(value):
            raise ValueError(f"alert name '{shown(value)}' must match [a-zA-Z_][a-zA-Z0-9_]*, e.g. 'ApiHighErrorRate'")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: dict[str, str]) -> dict[str, str]:
        return check_labels(labels)


class RecordingRule(Strict):
    """A recording rule, as Prometheus writes it: `record`, `expr`, `labels`."""

    record: str = Field(description="Name of the new series, e.g. 'job:http_requests:rate5m'.")
    expr: str = Field(min_length=1)
    labels: dict[str, str] = Field(default_factory=dict)

    @field_validator("record")
    @classmethod
    def _record(cls, value: str) -> str:
        if not RECORD_NAME.match(value):
            raise ValueError(f"record name '{shown(value)}' must match [a-zA-Z_:][a-zA-Z0-9_:]*, e.g. 'job:errors:rate5m'")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, labels: dict[str, str]) -> dict[str, str]:
        for name in labels:
            if not LABEL_NAME.match(name) or name.startswith("__"):
                raise ValueError(f"label name '{shown(name)}' must match [a-zA-Z_][a-zA-Z0-9_]* and not start with '__'")
        return labels


class ServicePrometheus(Strict):
    interval: Duration | None = Field(default=None, description="Evaluation interval of this service's rule group.")


# --- alert unit tests (promtool test rules notation) -------------------------------------------


class InputSeries(Strict):
    series: str = Field(min_length=1, description="A series selector, e.g. 'http_requests_total{job=\"api\"}'.")
    values: str = Field(min_length=1, description="Expanding notation, e.g. '0+10x30' or '1 1 _ 1'.")


class ExpectedAlert(Strict):
    """obsgen adds the alert's own labels (severity, service, team, env, extra labels) and its static
    annotations; write the labels the expression yields and any templated annotation."""

    exp_labels: dict[str, str] = Field(default_factory=dict)
    exp_annotations: dict[str, str] = Field(default_factory=dict)


class AlertRuleTest(Strict):
    eval_time: Duration
    alertname: str = Field(min_length=1, description="The alert name (or the monitor's name in this service).")
    exp_alerts: list[ExpectedAlert] = Field(default_factory=empty_list, description="Empty: the alert must not fire.")


class ExpectedSample(Strict):
    labels: str = Field(description="Series in text form, e.g. 'job:errors:rate5m{job=\"api\"}'.")
    value: float | int


class PromqlExprTest(Strict):
    expr: str = Field(min_length=1)
    eval_time: Duration
    exp_samples: list[ExpectedSample] = Field(default_factory=empty_list)


class PromTestGroup(Strict):
    """One promtool test group: input series and what must hold at given evaluation times."""

    interval: Duration = Field(default=60, description="Step of the input series.")
    input_series: list[InputSeries] = Field(min_length=1)
    alert_rule_test: list[AlertRuleTest] = Field(default_factory=empty_list)
    promql_expr_test: list[PromqlExprTest] = Field(default_factory=empty_list)

    @model_validator(mode="after")
    def _asserts_something(self) -> "PromTestGroup":
        if not self.alert_rule_test and not self.promql_expr_test:
            raise ValueError("a test needs alert_rule_test or promql_expr_test: it must check something")
        return self


# --- project settings -----------------------------------------------------------------------


class SlackReceiver(Strict):
    channel: str = Field(min_length=1, description="e.g. '#credlink-alerts'.")
    api_url_file: str = Field(min_length=1, description="File holding the Slack webhook URL (a secret).")


class PagerDutyReceiver(Strict):
    routing_key_file: str = Field(min_length=1, description="File holding the Events API v2 routing key.")


class EmailReceiver(Strict):
    to: str = Field(min_length=3)
    from_: str = Field(alias="from", min_length=3, description="Sender address.")
    smarthost: str = Field(pattern=r"^[^\s:]+:\d+$", description="SMTP server, host:port.")


class WebhookReceiver(Strict):
    """Alertmanager 0.25 reads no webhook URL from a file (`url_file` came in 0.26), so the URL must
    carry no secret; the credentials go in a file sent as `Authorization: Bearer`."""

    url: HttpUrl = Field(description="Webhook URL (no secret in it).")
    bearer_token_file: str | None = Field(default=None, description="File holding the bearer token.")


class AlertmanagerChannel(Strict):
    """How an Alertmanager receiver reaches this channel: exactly one of slack, pagerduty, email,
    webhook. Secrets are read by Alertmanager from files, never written into generated/."""

    slack: SlackReceiver | None = None
    pagerduty: PagerDutyReceiver | None = None
    email: EmailReceiver | None = None
    webhook: WebhookReceiver | None = None
    send_resolved: bool = True

    @model_validator(mode="after")
    def _exactly_one(self) -> "AlertmanagerChannel":
        given = [k for k in ("slack", "pagerduty", "email", "webhook") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("an alertmanager channel names exactly one of slack, pagerduty, email, webhook"
                             + (f" (found {', '.join(given)})" if given else ""))
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("slack", "pagerduty", "email", "webhook") if getattr(self, k) is not None)


class ProjectPrometheus(Strict):
    """Defaults for the Prometheus rule files and the Alertmanager routing tree.
    https://prometheus.io/docs/alerting/latest/configuration/#route"""

    interval: Duration = Field(default=60, description="Default evaluation interval of a rule group.")
    group_by: list[str] = Field(default_factory=lambda: ["alertname", "service", "env"])
    group_wait: Duration = 30
    group_interval: Duration = 300
    repeat_interval: Duration = 4 * 3600
    resolve_timeout: Duration = 300

    @field_validator("group_by")
    @classmethod
    def _group_by(cls, labels: list[str]) -> list[str]:
        for name in labels:
            if name != "..." and not LABEL_NAME.match(name):
                raise ValueError(f"group_by label '{shown(name)}' must be a label name or '...'")
        return labels


__all__ = ["PromMonitor", "RecordingRule", "ServicePrometheus", "PromTestGroup", "AlertmanagerChannel",
           "ProjectPrometheus"]
