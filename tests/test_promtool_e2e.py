"""Every Prometheus-family artifact, checked by the real tools: promtool, amtool and a Prometheus server.

Skipped (with the reason) when a tool is missing; OBSGEN_REQUIRE_TOOLS=1 makes them mandatory.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from obsgen.prometheus import drift as prometheus_drift, promtool
from obsgen.views import prometheus_drift as prometheus_view
from obsgen.cli import app
from obsgen.compiler import compile_project, write
from prom_tools import prometheus_server, require

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "generated"
RULE_FILES = sorted(GENERATED.glob("*/prometheus/*.rules.yaml"))
TEST_FILES = sorted(GENERATED.glob("*/prometheus/tests/*.test.yaml"))
AM_FILES = sorted(GENERATED.glob("*/alertmanager/alertmanager.yml"))
K8S_FILES = sorted(GENERATED.glob("*/kubernetes/*.prometheusrule.yaml"))
runner = CliRunner()


def ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(GENERATED).as_posix() for p in paths]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("monitors", "runbooks_src"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_example_has_prometheus_artifacts_in_every_environment():
    assert len(RULE_FILES) == len(TEST_FILES) == len(AM_FILES) == len(K8S_FILES) == 4


@pytest.mark.parametrize("path", RULE_FILES, ids=ids(RULE_FILES))
def test_promtool_check_rules_with_fatal_lint_accepts_every_rule_file(path):
    run = promtool.check_rules(require("promtool"), [path])
    assert run.ok, run.output
    assert "SUCCESS: 37 rules found" in run.output  # 20, and the latency SLO's 17


@pytest.mark.parametrize("path", K8S_FILES, ids=ids(K8S_FILES))
def test_the_prometheus_rule_resources_hold_rules_promtool_accepts(path, tmp_path):
    tool = require("promtool")
    spec = yaml.safe_load(path.read_text())["spec"]
    rules = tmp_path / "from-resource.rules.yaml"
    rules.write_text(yaml.safe_dump(spec))
    run = promtool.check_rules(tool, [rules])
    assert run.ok, run.output


@pytest.mark.parametrize("path", TEST_FILES, ids=ids(TEST_FILES))
def test_promtool_test_rules_passes_every_generated_test_file(path):
    run = promtool.test_rules(require("promtool"), [path])
    assert run.ok, run.output
    assert "SUCCESS" in run.output


@pytest.mark.parametrize("path", AM_FILES, ids=ids(AM_FILES))
def test_amtool_accepts_every_alertmanager_config(path):
    run = promtool.amtool_check(require("amtool"), path)
    assert run.ok, run.output
    assert "SUCCESS" in run.output


def test_a_real_prometheus_loads_every_rule_with_health_ok(tmp_path):
    require("prometheus")
    with prometheus_server(tmp_path, RULE_FILES) as server:
        groups = server.evaluated_rules()
    assert sorted(g["file"] for g in groups) == sorted(str(p) for p in RULE_FILES)
    for group in groups:
        loaded = [(r["name"], r["health"], r.get("lastError", "")) for r in group["rules"]]
        assert [rule for rule in loaded if rule[1] != "ok"] == [], group["file"]
        spec = yaml.safe_load(Path(group["file"]).read_text())["groups"][0]["rules"]
        assert [r[0] for r in loaded] == [r.get("alert") or r.get("record") for r in spec]
        assert len(loaded) == 20 + 17  # and the latency SLO: 15 records, 2 alerts (docs/slos.md)


# --- obsgen test / validate -----------------------------------------------------------------------


def test_obsgen_test_runs_the_examples_alert_tests(project):
    require("promtool")
    result = runner.invoke(app, ["test", "-C", str(project)])
    assert result.exit_code == 0, result.output
    assert "24 of 24 test group run(s) passed" in result.stdout  # 3 groups and 3 of the latency SLO, per environment


def test_obsgen_test_reports_a_failing_case_at_its_spec_location(project):
    require("promtool")
    service = project / "monitors" / "credlink-api.yaml"
    service.write_text(service.read_text().replace("Only 2 API tasks", "Only 4 API tasks"))
    result = runner.invoke(app, ["test", "-C", str(project), "--env", "production"])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "[test-failed]" in line]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("monitors/credlink-api.yaml:211:9: error: alert test failed: ApiTasksLow at 17m:")
    assert 'description="Only 2 API tasks' in lines[0]  # what promtool got
    assert "5 of 6 test group run(s) passed (production)" in result.output
    assert 'env="<env>"' in lines[0] and lines[0].endswith("(in production) [test-failed]")


def test_a_failure_in_every_environment_is_reported_once(project):
    require("promtool")
    service = project / "monitors" / "credlink-api.yaml"
    service.write_text(service.read_text().replace("Only 2 API tasks", "Only 4 API tasks"))
    result = runner.invoke(app, ["test", "-C", str(project)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "[test-failed]" in line]
    assert len(lines) == 1 and lines[0].endswith("(in development, local, production, staging) [test-failed]")
    assert "20 of 24 test group run(s) passed" in result.output


def test_validate_reports_a_promql_syntax_error_inside_the_expression(project):
    require("promtool")
    service = project / "monitors" / "credlink-api.yaml"
    service.write_text(service.read_text().replace("promql: pg_up == 0", "promql: sum(pg_up == 0"))
    result = runner.invoke(app, ["validate", "-C", str(project)])
    assert result.exit_code == 1
    # found in-process (the same with or without promtool), pointed at the parenthesis never closed
    assert ("monitors/credlink-api.yaml:101:16: error: invalid PromQL: unclosed left parenthesis: "
            "this '(' is never closed [promql]") in result.output
    assert "[promtool]" not in result.output  # no second report of the same mistake


def test_validate_blames_an_environment_override_for_its_promql(project):
    require("promtool")
    config = project / "monitors" / "obsgen.yaml"
    config.write_text(config.read_text().replace(
        "    overrides:\n      stock-api/api-latency",
        "    overrides:\n      credlink-api/redis-down: {promql: \"redis_up == = 0\"}\n      stock-api/api-latency"))
    result = runner.invoke(app, ["validate", "-C", str(project)])
    assert result.exit_code == 1
    found = [line for line in result.output.splitlines() if "[promql]" in line]
    # the override's line (only development has it), at the second `=` of `redis_up == = 0`
    assert found == ["monitors/obsgen.yaml:77:54: error: invalid PromQL: unexpected '=' [promql]"]


# --- drift ----------------------------------------------------------------------------------------


def test_drift_finds_a_rule_changed_behind_obsgens_back(project, tmp_path):
    require("prometheus")
    build = compile_project(project, ["production"])
    write(project, build)
    rules = project / "generated" / "production" / "prometheus" / "credlink-api.rules.yaml"
    with prometheus_server(tmp_path, [rules]) as server:
        clean = prometheus_drift.check(project, "production", server.url)
        assert not clean.has_drift, prometheus_view.render_text(clean)
        assert clean.compared == 20 + 17  # and the latency SLO's rules
        text = rules.read_text()
        rules.write_text(text.replace("expr: redis_up == 0", "expr: redis_up == 0 or redis_connected_clients > 5000")
                         .replace("for: 1h", "for: 2h"))
        server.reload()
        report = prometheus_drift.check(project, "production", server.url)
    assert report.has_drift
    assert [(c.action, c.address, c.fields) for c in report.changes] == [
        ("changed", "credlink-api/RedisDown[severity=critical]", ("expr",)),
        ("changed", "credlink-api/SigningCertificateExpiring[severity=warning]", ("for",)),
    ]
    assert "changed  alerting  credlink-api/RedisDown[severity=critical] (expr)" in prometheus_view.render_text(report)
    assert '"has_drift": true' in prometheus_view.render_json(report)
    assert "| changed | alerting | `credlink-api/RedisDown[severity=critical]` | expr |" in \
        prometheus_view.render_markdown(report)


def test_drift_reports_missing_and_extra_rules(project, tmp_path):
    require("prometheus")
    write(project, compile_project(project, ["production"]))
    rules = project / "generated" / "production" / "prometheus" / "credlink-api.rules.yaml"
    data = yaml.safe_load(rules.read_text())
    group_rules = data["groups"][0]["rules"]
    data["groups"][0]["rules"] = [r for r in group_rules if r.get("alert") != "RedisDown"] + [
        {"alert": "HandMadeAlert", "expr": "vector(1)", "labels": {"service": "credlink-api"}}]
    rules.write_text(yaml.safe_dump(data))
    with prometheus_server(tmp_path, [rules]) as server:
        report = prometheus_drift.check(project, "production", server.url)
    assert [(c.action, c.address) for c in report.changes] == [
        ("extra", "credlink-api/HandMadeAlert"),
        ("missing", "credlink-api/RedisDown[severity=critical]"),
    ]


def test_drift_raises_when_prometheus_does_not_answer(project):
    from obsgen.prometheus.drift import PrometheusUnreachable
    from prom_tools import free_port

    with pytest.raises(PrometheusUnreachable):
        prometheus_drift.check(project, "production", f"http://127.0.0.1:{free_port()}")


def test_expressions_compare_as_prometheus_prints_them():
    normalize = prometheus_drift.normalize_expr
    assert normalize('sum by (job) (rate(x{a="1", b=~"5.."}[5m])) > 0.10') == \
        normalize('sum by(job) (rate(x{a="1",b=~"5.."}[5m])) > 0.1')
    assert normalize('x{a="a b"}') != normalize('x{a="ab"}')
    assert normalize("x > 1") != normalize("x > 2")


def test_drift_also_takes_a_resolved_model(project, tmp_path):
    require("prometheus")
    build = compile_project(project, ["production"])
    write(project, build)
    rules = project / "generated" / "production" / "prometheus" / "credlink-api.rules.yaml"
    with prometheus_server(tmp_path, [rules]) as server:
        report = prometheus_drift.check(model=build.models["production"], url=server.url)
    assert report.env == "production" and report.compared == 37 and not report.has_drift


def test_validate_reports_a_broken_annotation_template_at_the_description(project):
    require("promtool")
    service = project / "monitors" / "credlink-api.yaml"
    service.write_text(service.read_text().replace('description: "The exporter on {{ $labels.instance }} cannot reach Redis."',
                                                   'description: "The exporter on {{ $labels.instance cannot reach Redis."'))
    result = runner.invoke(app, ["validate", "-C", str(project)])
    assert result.exit_code == 1
    found = [line for line in result.output.splitlines() if "[promtool]" in line]
    assert len(found) == 1, result.output
    assert found[0].startswith('monitors/credlink-api.yaml:125:18: error: promtool: annotation "description": template:')
