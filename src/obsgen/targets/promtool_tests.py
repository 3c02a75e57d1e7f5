"""promtool unit-test target: `prometheus/tests/<service>.test.yaml` from a service's `tests:`.

The file names its rule file relative to itself (`../<service>.rules.yaml`), so `promtool test rules`
runs it from anywhere. https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
"""

from __future__ import annotations

from typing import Any

from ..model import AlertTestCase, EnvironmentModel, ExprTestCase, PromTest, RuleGroup
from ..values import format_duration
from .yaml_text import dump_yaml
from .base import Rendered, header


def render(model: EnvironmentModel) -> Rendered:
    files = {}
    for group in model.rule_groups:
        if group.tests:
            files[test_path(group.service)] = dump_yaml(test_file(group), header(group.source))
    return Rendered(files)


def test_path(service: str) -> str:
    return f"prometheus/tests/{service}.test.yaml"


def test_file(group: RuleGroup) -> dict[str, Any]:
    return {"rule_files": [f"../{group.service}.rules.yaml"],
            "evaluation_interval": format_duration(group.interval),
            "tests": [test_group(t) for t in group.tests]}


def test_group(test: PromTest) -> dict[str, Any]:
    out: dict[str, Any] = {"interval": format_duration(test.interval),
                           "input_series": [{"series": s, "values": v} for s, v in test.input_series]}
    if test.alert_tests:
        out["alert_rule_test"] = [alert_case(c) for c in test.alert_tests]
    if test.expr_tests:
        out["promql_expr_test"] = [expr_case(c) for c in test.expr_tests]
    return out


def alert_case(case: AlertTestCase) -> dict[str, Any]:
    return {"eval_time": format_duration(case.eval_time), "alertname": case.alertname,
            "exp_alerts": [{"exp_labels": dict(e.labels), "exp_annotations": dict(e.annotations)}
                           for e in case.exp_alerts]}


def expr_case(case: ExprTestCase) -> dict[str, Any]:
    return {"expr": case.expr, "eval_time": format_duration(case.eval_time),
            "exp_samples": [{"labels": labels, "value": value} for labels, value in case.exp_samples]}
