"""Prometheus target: one rule file per service, plus the same groups as a PrometheusRule resource.

`prometheus/<service>.rules.yaml` is a Prometheus rule file (one group per service, recording rules
first, in spec order, since later rules may read them; then alerts by monitor name):
https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
`kubernetes/<service>.prometheusrule.yaml` wraps the same groups for prometheus-operator:
https://prometheus-operator.dev/docs/operator/api/#monitoring.coreos.com/v1.PrometheusRule
"""

from __future__ import annotations

from typing import Any

from ..model import EnvironmentModel, Origin, PrometheusAlert, RecordingRule, RuleGroup
from ..values import format_duration
from .yaml_text import dump_yaml
from .base import Rendered, header

OPERATOR_API = "monitoring.coreos.com/v1"


def render(model: EnvironmentModel) -> Rendered:
    files = {}
    for group in model.rule_groups:
        body = {"groups": [group_dict(group)]}
        files[f"prometheus/{group.service}.rules.yaml"] = dump_yaml(body, header(group.source))
        files[f"kubernetes/{group.service}.prometheusrule.yaml"] = dump_yaml(
            prometheus_rule(model, group, body), header(group.source))
    return Rendered(files)


def group_dict(group: RuleGroup) -> dict[str, Any]:
    return {"name": group.service, "interval": format_duration(group.interval),
            "rules": [rule for rule, _ in rules_with_origins(group)]}


def rules_with_origins(group: RuleGroup) -> list[tuple[dict[str, Any], Origin]]:
    """The group's rules in file order, each with the spec location that produced it."""
    return ([(recording_rule(r), r.origin) for r in group.recording_rules]
            + [(alerting_rule(a), a.origin) for a in group.alerts])


def recording_rule(rule: RecordingRule) -> dict[str, Any]:
    out: dict[str, Any] = {"record": rule.record, "expr": rule.expr}
    if rule.labels:
        out["labels"] = dict(rule.labels)
    return out


def alerting_rule(alert: PrometheusAlert) -> dict[str, Any]:
    out: dict[str, Any] = {"alert": alert.alert, "expr": alert.expr}
    if alert.for_:
        out["for"] = format_duration(alert.for_)
    out["labels"] = dict(alert.labels)
    out["annotations"] = dict(alert.annotations)
    return out


def prometheus_rule(model: EnvironmentModel, group: RuleGroup, body: dict[str, Any]) -> dict[str, Any]:
    labels = {"app.kubernetes.io/managed-by": "obsgen", "app.kubernetes.io/part-of": model.project,
              "obsgen.io/env": model.env, "obsgen.io/service": group.service}
    return {"apiVersion": OPERATOR_API, "kind": "PrometheusRule",
            "metadata": {"name": f"{model.project}-{group.service}"[:253], "labels": labels},
            "spec": body}
