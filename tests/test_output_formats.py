"""Machine output (issue 14, item 14): one `format_version` key in every JSON output, JSON Schemas
for them under docs/schemas/ that real outputs pass, `validate --format json` as `terraform
validate -json`, SARIF 2.1.0 for validate and drift, JUnit listing everything checked, and
`--junit-out` beside another format."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from typer.testing import CliRunner

from obsgen.cli import app
from obsgen.prometheus.drift import DriftReport, RuleChange
from obsgen.views import prometheus_drift
from test_aws_cli import project, run, sb  # noqa: F401  - fixtures: the example project on a sandbox

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "docs" / "schemas"
SARIF_SUBSET = json.loads((Path(__file__).parent / "sarif-2.1.0-subset.schema.json").read_text())
runner = CliRunner()


def schema(name: str) -> dict:
    loaded = json.loads((SCHEMAS / f"{name}.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(loaded)
    return loaded


def conforms(document: dict, to: dict) -> None:
    jsonschema.Draft202012Validator(to, format_checker=jsonschema.FormatChecker()).validate(document)


@pytest.fixture
def example(tmp_path):
    root = tmp_path / "repo" / "infra" / "monitoring"  # a project below the root of its repository
    for name in ("monitors", "runbooks_src"):
        shutil.copytree(ROOT / name, root / name)
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    return root


@pytest.fixture
def broken(example):
    service = example / "monitors" / "credlink-api.yaml"
    service.write_text(service.read_text().replace("promql: pg_up == 0", "promql: sum(pg_up == 0"))
    return example


# --- validate ---------------------------------------------------------------------------------------


def test_validate_json_says_valid_with_counts_like_terraform_validate(example):
    clean = runner.invoke(app, ["validate", "-C", str(example), "--format", "json"])
    assert clean.exit_code == 0
    report = json.loads(clean.stdout)
    conforms(report, schema("validate"))
    assert (report["format_version"], report["valid"], report["error_count"]) == (2, True, 0)


def test_validate_json_of_a_broken_project_counts_its_errors(broken):
    result = runner.invoke(app, ["validate", "-C", str(broken), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    conforms(report, schema("validate"))
    assert (report["valid"], report["error_count"], report["warning_count"]) == (False, 1, 0)
    assert report["diagnostics"][0]["code"] == "promql"


def test_validate_sarif_locates_errors_relative_to_the_repository_root(broken):
    result = runner.invoke(app, ["validate", "-C", str(broken), "--format", "sarif"])
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    conforms(log, SARIF_SUBSET)
    [run_] = log["runs"]
    [found] = run_["results"]
    assert found["ruleId"] == "promql" and found["level"] == "error"
    assert run_["tool"]["driver"]["rules"][found["ruleIndex"]]["id"] == "promql"
    assert found["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "infra/monitoring/monitors/credlink-api.yaml"},
        "region": {"startLine": 101, "startColumn": 16}}


def test_validate_sarif_of_a_valid_project_has_no_results(example):
    log = json.loads(runner.invoke(app, ["validate", "-C", str(example), "--format", "sarif"]).stdout)
    conforms(log, SARIF_SUBSET)
    assert log["runs"][0]["results"] == []


def test_validate_junit_lists_every_spec_file_and_monitor(broken, tmp_path):
    junit = tmp_path / "validate.xml"
    result = runner.invoke(app, ["validate", "-C", str(broken), "--format", "json", "--junit-out", str(junit)])
    assert result.exit_code == 1 and json.loads(result.stdout)["error_count"] == 1  # both from one run
    suites = ET.fromstring(junit.read_text())
    files = {suite.get("name") for suite in suites}
    assert files == {p.relative_to(broken).as_posix() for p in (broken / "monitors").glob("*.yaml")}
    cases = {(c.get("classname"), c.get("name")): c for c in suites.iter("testcase")}
    assert ("monitors/credlink-api.yaml", "redis-down") in cases  # passed, listed all the same
    failed = [key for key, case in cases.items() if case.find("failure") is not None]
    assert failed == [("monitors/credlink-api.yaml", "postgres-down")]  # the monitor whose promql broke
    assert suites.get("failures") == "1" and int(suites.get("tests")) == len(cases) > 20


def test_the_plan_schema_names_every_synced_kind():
    # a kind added without its schema entry made every plan holding one fail its own schema (mute rules,
    # native log alarms and budgets were missing after #17)
    from obsgen.aws.resources import Kind

    kinds = schema("plan")["properties"]["changes"]["items"]["properties"]["kind"]["enum"]
    assert sorted(kinds) == sorted(k.value for k in Kind)


# --- every JSON output has format_version ---------------------------------------------------------


def test_prometheus_drift_json_has_format_version_and_its_schema():
    report = DriftReport("production", "http://prometheus:9090", 2,
                         [RuleChange("missing", "api", "alerting", "ApiDown", "critical")])
    body = json.loads(prometheus_drift.render_json(report))
    conforms({"format_version": 1, "aws": {"format_version": 1, "env": "production", "account": "123456789012",
                                           "region": "eu-west-1", "in_sync": True, "checked": [], "items": []},
              "prometheus": body}, schema("drift"))
    assert body["format_version"] == 2 and "version" not in body


def test_plan_drift_and_show_outputs_pass_their_schemas_against_the_sandbox(project, tmp_path):  # noqa: F811
    saved = tmp_path / "plan.json"
    plan_json = json.loads(run(project, "plan", "--env", "local", "--format", "json", "--out", str(saved)).stdout)
    conforms(plan_json, schema("plan"))
    conforms(json.loads(saved.read_text()), schema("plan"))
    assert plan_json["format_version"] == 2 and plan_json["summary"]["create"] > 0

    junit = tmp_path / "drift.xml"
    drift = run(project, "drift", "--env", "local", "--format", "json", "--junit-out", str(junit), expect=2)
    report = json.loads(drift.stdout)
    conforms(report, schema("drift"))
    assert report["format_version"] == 1 and not report["in_sync"]
    assert len(report["checked"]) == len(report["items"]) == plan_json["summary"]["create"]  # nothing deployed

    suite = ET.fromstring(junit.read_text())  # written by the same run: AWS was read once
    assert [c.get("name") for c in suite.iter("testcase")] == report["checked"]


def test_drift_junit_lists_resources_in_sync_as_passed_cases(project):  # noqa: F811
    run(project, "apply", "--env", "local", "--auto-approve")
    junit = run(project, "drift", "--env", "local", "--format", "junit", expect=0).stdout
    suite = ET.fromstring(junit)
    cases = list(suite.iter("testcase"))
    assert len(cases) > 20 and suite.get("failures") == "0"
    assert {c.get("name").split(".")[0] for c in cases} >= {"topic", "subscription", "metric_alarm", "dashboard"}


def test_drift_sarif_points_each_drifted_resource_at_its_spec_entry(project):  # noqa: F811
    log = json.loads(run(project, "drift", "--env", "local", "--format", "sarif", expect=2).stdout)
    conforms(log, SARIF_SUBSET)
    results = log["runs"][0]["results"]
    assert results and {r["ruleId"] for r in results} == {"drift-missing"}
    alarm = next(r for r in results if "metric_alarm.stock-analysis-api-latency-local" in r["message"]["text"])
    location = alarm["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "monitors/stock-api.yaml" and location["region"]["startLine"] > 1


def test_the_example_drift_workflow_reads_aws_once_for_both_reports():
    workflow = (ROOT / "examples" / "github-actions" / "obsgen-drift.yml").read_text()
    commands = [line.strip() for line in workflow.splitlines() if line.strip().startswith("obsgen drift ")]
    assert commands == ['obsgen drift --env "${{ matrix.env }}" --format markdown --junit-out drift-junit.xml > drift.md']
