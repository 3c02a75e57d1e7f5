"""promtool unit-test target: `prometheus/tests/<service>.test.yaml` from a service's `tests:` and its
SLOs' generated tests.

The file names its rule file relative to itself (`../<service>.rules.yaml`), so `promtool test rules`
runs it from anywhere. https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
Test groups that feed recorded series in place of their recording rules (an SLO whose SLI queries obsgen
cannot feed: resolve/slo_tests.py) go to `<service>.slo-ratios.test.yaml`, which runs against a copy of
the rule group without those rules, `<service>.slo-ratios.rules.yaml`, beside it (tests only: never deployed).
"""

from __future__ import annotations

from typing import Any

import dataclasses

from ..model import AlertTestCase, EnvironmentModel, ExprTestCase, PromTest, RuleGroup
from ..values import format_duration
from . import prometheus
from .yaml_text import dump_yaml
from .base import Rendered, header

MADE_UP_HEADER = ("The last {count} test groups are generated for the SLOs' alerts ({alerts}): they feed counters made up from the SLI "
                  "(a histogram's _count and _bucket, or series the selectors of sum(rate(...)) queries select), so they "
                  "test the recording rules, the alerts and their thresholds, not that the queries select the right "
                  "series in production (docs/slos.md).")
FED_HEADER = ("These tests feed each SLO's recorded SLI ratios (slo:sli_error:ratio_rate<window>) in place of the "
              "rules that compute them from the SLI's queries, which obsgen cannot feed: they test the alerts and "
              "their thresholds, not the queries (docs/slos.md). The rule file beside this one is the service's "
              "rule group without those rules, for these tests only.")


def render(model: EnvironmentModel) -> Rendered:
    files = {}
    for group in model.rule_groups:
        evaluated = [t for t in group.tests if not t.fed_records]
        fed = [t for t in group.tests if t.fed_records]
        if evaluated:
            files[test_path(group.service)] = dump_yaml(test_file(group, evaluated), _evaluated_header(group, evaluated))
        if fed:
            files[f"prometheus/tests/{fed_rules_file(group.service)}"] = dump_yaml(
                {"groups": [prometheus.group_dict(without_fed_records(group))]}, header(group.source))
            files[test_path(group.service, fed=True)] = dump_yaml(
                test_file(group, fed), f"{header(group.source)}\n# {FED_HEADER}")
    return Rendered(files)


def _evaluated_header(group: RuleGroup, tests: list[PromTest]) -> str:
    """The file's header, with what the SLOs' generated tests (their origin is the SLO, `slos.<name>`) prove."""
    generated = [t for t in tests if t.origin.loc[:1] == ("slos",)]  # after the spec's own (resolve/prometheus.py)
    if not generated:
        return header(group.source)
    alerts = ", ".join(sorted({case.alertname for t in generated for case in t.alert_tests}))
    return f"{header(group.source)}\n# {MADE_UP_HEADER.format(count=len(generated), alerts=alerts)}"


def test_path(service: str, fed: bool = False) -> str:
    return f"prometheus/tests/{service}{'.slo-ratios' if fed else ''}.test.yaml"


def fed_rules_file(service: str) -> str:
    return f"{service}.slo-ratios.rules.yaml"


def without_fed_records(group: RuleGroup) -> RuleGroup:
    """The rule group without the recording rules its tests feed."""
    fed = {record for test in group.tests for record in test.fed_records}
    return dataclasses.replace(group, recording_rules=tuple(r for r in group.recording_rules
                                                            if (r.record, r.labels) not in fed))


def test_file(group: RuleGroup, tests: list[PromTest]) -> dict[str, Any]:
    """A test file of `tests`, all feeding recorded series or none."""
    fed = any(t.fed_records for t in tests)
    return {"rule_files": [fed_rules_file(group.service) if fed else f"../{group.service}.rules.yaml"],
            "evaluation_interval": format_duration(group.interval),
            "tests": [test_group(t) for t in tests]}


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
