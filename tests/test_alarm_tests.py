"""CloudWatch alarm unit tests in the spec (`tests:` items with `alarm:`): the notation, how series
keys become metrics, the example project's tests, located failures with their timeline, JUnit, and
the coverage line of `validate` (docs/alarm-evaluation.md, "Alarm tests in the spec")."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from obsgen.alarm_tests.run import AlarmTestReport
from obsgen.alarm_tests.runner import cases_for, run_tests
from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.evaluator import Metric
from obsgen.language.v1.alarm_tests import SERIES_PATTERN, Expectation, expand_values, parse_expectation

ROOT = Path(__file__).resolve().parents[1]
BASE = Path(__file__).parent / "bad_specs" / "_base"
runner = CliRunner()


@pytest.fixture
def example(tmp_path: Path) -> Path:
    for name in ("monitors", "runbooks_src"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def small_project(tmp_path: Path, tests: str) -> Path:
    """The bad-spec corpus's minimal project (orders: errors, latency, the health composite) plus `tests`."""
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    service = tmp_path / "monitors" / "orders.yaml"
    service.write_text(service.read_text() + tests)
    return tmp_path


def run(project: Path) -> AlarmTestReport:
    build = compile_project(project)
    assert build.ok, [str(d) for d in build.diagnostics]
    return run_tests(build)


# --- the notation -----------------------------------------------------------------------------------


def test_series_values_expand_as_promtool_expands_them():
    assert expand_values("1 2 _ 0+5x3") == [1, 2, None, 0, 5, 10, 15]
    assert expand_values("7x2 _x2 10-1x2") == [7, 7, 7, None, None, 10, 9, 8]


@pytest.mark.parametrize("text", ["0+1x", "x3", "1,2", "abc", "", "1x9999999999"])
def test_a_series_that_is_not_values_is_refused(text):
    with pytest.raises(ValueError):
        expand_values(text)


@pytest.mark.parametrize("text", ["1 2 _ 0+5x3", "7x2 _x2 10-1x2", " -1.5e3+.5x4 ", "0+1x", "x3", "1,2", "abc", "",
                                  "_x", "1+x2", "1 +2", "5-x1"])
def test_the_schemas_series_pattern_accepts_exactly_what_the_parser_reads(text):
    """Except for sizes: a pattern cannot count the values a term makes ('1x9999999999')."""
    try:
        expand_values(text)
        parsed = True
    except ValueError:
        parsed = False
    assert bool(re.match(SERIES_PATTERN, text)) == parsed


def test_expectations_are_a_state_or_a_transition_with_the_severities_notified():
    assert parse_expectation("at 12m", "state ALARM") == Expectation(720, "ALARM")
    assert parse_expectation("at 1h", "OK -> ALARM, notifies [medium, high]") == \
        Expectation(3600, "ALARM", "OK", ("high", "medium"))
    assert parse_expectation("at 30s", "ALARM -> OK, notifies []").notifies == ()
    assert parse_expectation("at 0s", "INSUFFICIENT_DATA -> OK").notifies is None


@pytest.mark.parametrize("key,value", [("at soon", "state OK"), ("12m", "state OK"), ("at 5m", "state FIRING"),
                                       ("at 5m", "OK => ALARM"), ("at 5m", "OK -> ALARM notifies high")])
def test_a_malformed_expectation_is_refused(key, value):
    with pytest.raises(ValueError):
        parse_expectation(key, value)


# --- the example project ----------------------------------------------------------------------------


def test_the_examples_alarm_tests_cover_the_composite_and_two_math_alarms_and_pass_everywhere():
    report = run(ROOT)
    tested = {(r.service, r.monitor) for r in report.results}
    assert {("stock-system", "system-health"), ("stock-data", "dynamo-throttle"), ("stock-data", "dynamo-errors")} <= tested
    assert {r.env for r in report.results} == {"development", "staging", "production", "local"}
    assert report.ok and report.ran == report.passed >= 16


def test_obsgen_test_runs_cloudwatch_and_prometheus_tests_together(example):
    result = runner.invoke(app, ["test", "-C", str(example)])
    assert result.exit_code == 0, result.output
    assert "CloudWatch: 16 of 16 alarm test run(s) passed" in result.stdout
    assert "Prometheus: 24 of 24 test group run(s) passed" in result.stdout  # 12, and 3 per env for the latency SLO


def test_a_failing_expectation_is_located_and_shows_the_timeline_around_it(example):
    service = example / "monitors" / "stock-data.yaml"
    text = service.read_text()
    assert "at 26m: OK -> ALARM, notifies [medium]" in text
    service.write_text(text.replace("at 26m: OK -> ALARM, notifies [medium]", "at 24m: OK -> ALARM, notifies [medium]"))
    line = next(i for i, s in enumerate(service.read_text().splitlines(), 1) if "at 24m: OK -> ALARM" in s)
    result = runner.invoke(app, ["test", "-C", str(example)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    located = [s for s in lines if "[alarm-test-failed]" in s]
    assert len(located) == 1  # one failure in four environments is reported once
    assert located[0].startswith(f"monitors/stock-data.yaml:{line}:7: error: test ")
    assert "at 24m expected OK -> ALARM, notifies [medium], got no state change (state OK since 0s; " \
           "next: OK -> ALARM at 26m) (in development, local, production, staging)" in located[0]
    table = lines[lines.index(located[0]) + 1:]
    assert table[0].split() == ["time", "actual", "state", "changes", "(actual)", "expected"]
    assert any(row.split()[:2] == ["24m", "OK"] and row.endswith("<- OK -> ALARM, notifies [medium]") for row in table)
    assert any(row.split()[:4] == ["26m", "ALARM", "OK", "->"] for row in table)
    assert "CloudWatch: 12 of 16 alarm test run(s) passed" in result.stdout


def test_junit_lists_every_alarm_test_and_the_promtool_groups(example):
    service = example / "monitors" / "stock-data.yaml"
    service.write_text(service.read_text().replace("at 20m: ALARM -> OK", "at 21m: ALARM -> OK"))
    result = runner.invoke(app, ["test", "-C", str(example), "--format", "junit"])
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout.split("\n", 1)[1])
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    cloudwatch = suites["obsgen-cloudwatch-alarm-tests"]
    assert (cloudwatch.get("tests"), cloudwatch.get("failures")) == ("16", "4")
    failed = [c for c in cloudwatch.iter("testcase") if c.find("failure") is not None]
    assert {c.get("classname") for c in failed} == {f"obsgen.{e}.stock-data.dynamo-throttle"
                                                    for e in ("development", "local", "production", "staging")}
    assert "at 21m expected ALARM -> OK" in failed[0].find("failure").get("message")
    assert "<- ALARM -> OK" in failed[0].find("failure").text  # the timeline
    assert suites["obsgen-promtool-tests"].get("tests") == "24"  # 12, and the latency SLO's generated ones


def test_validate_prints_a_coverage_line_and_warns_per_untested_monitor_only_when_strict(example):
    result = runner.invoke(app, ["validate", "-C", str(example)])
    assert result.exit_code == 0, result.output
    assert "tests: 9 of 29 monitor(s) have a unit test (CloudWatch 3 of 13, Prometheus 6 of 16)" in result.stdout
    assert "[untested-monitor]" not in result.output
    strict = runner.invoke(app, ["validate", "-C", str(example), "--strict"])
    warnings = [s for s in strict.output.splitlines() if s.endswith("[untested-monitor]")]
    assert len(warnings) == 29 - 9 and strict.exit_code == 0
    # a preset's monitor is blamed where the preset is used
    assert any(s.startswith("monitors/stock-api.yaml:20:9: warning: monitor 'stock-api/api-error-rate' has no unit test")
               for s in warnings)


# --- series keys, composites, environments -----------------------------------------------------------


def test_a_composites_test_feeds_its_children_by_monitor_name_and_resource_metric(tmp_path):
    project = small_project(tmp_path, """
tests:
  - alarm: health
    name: latency alone makes the system unhealthy
    series:
      function.Duration: "100x14 5000x30"
    expect:
      at 10m: state OK
      at 25m: state OK          # p99 over 5 minutes, 3 of 3: the third breaching period ends at 26m
      at 26m: OK -> ALARM, notifies [high]
  - alarm: health
    series:
      errors: "0x4 9x10 0x20"
    expect:
      at 6m: OK -> ALARM, notifies [high]
      at 20m: state ALARM       # the last 9 errors, at 15m, are in the period [15m, 20m)
      at 21m: ALARM -> OK
""")
    report = run(project)
    assert report.ran == 4 and report.ok, [str(f.diagnostic) for f in report.failures()]


def test_environments_limit_where_a_test_runs(tmp_path):
    project = small_project(tmp_path, """
tests:
  - alarm: errors
    environments: [prod]
    series: {errors: "0x10"}
    expect:
      at 5m: state OK
""")
    assert {r.env for r in run(project).results} == {"prod"}


def test_an_alarm_the_evaluator_cannot_model_fails_its_test_naming_why(tmp_path):
    project = small_project(tmp_path, """
  band:
    summary: Errors are unusual.
    resource: function
    metric: Errors
    statistic: Sum
    threshold: "outside band 2"
    severity: high
tests:
  - alarm: band
    series: {band: "1x10"}
    expect:
      at 5m: state OK
""")  # `band:` lands in `monitors:`, the base file's last key
    report = run(project)
    failures = report.failures()
    assert len(failures) == 1, [str(f.diagnostic) for f in failures]
    assert "is not supported by the alarm evaluator" in failures[0].diagnostic.message
    assert all(f.diagnostic.code == "alarm-test-failed" for f in failures)


def test_a_math_monitors_series_may_be_named_by_metric_id_from_another_service(tmp_path):
    build = compile_project(ROOT)
    cases = [c for c in cases_for(build, "production")
             if c.label == "DynamoDB throttling pages through the composite"]
    assert len(cases) == 1  # in stock-system, the series is 'stock-data/dynamo-throttle.writes'
    (metric,) = cases[0].data
    assert isinstance(metric, Metric)
    assert (metric.namespace, metric.name, metric.dimensions) == \
        ("AWS/DynamoDB", "WriteThrottleEvents", (("TableName", "stock-analyses-production"),))


def test_the_json_schema_tells_the_two_kinds_of_test_apart_for_editors():
    jsonschema = pytest.importorskip("jsonschema")
    import json

    import yaml

    schema = json.loads((ROOT / "generated" / "obsgen.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for name in ("stock-data.yaml", "stock-system.yaml", "credlink-api.yaml"):
        spec = yaml.safe_load((ROOT / "monitors" / name).read_text())
        assert list(validator.iter_errors(spec)) == [], name  # each item matches exactly one kind (oneOf)
    bad = yaml.safe_load((ROOT / "monitors" / "stock-data.yaml").read_text())
    bad["tests"][0]["expect"] = {"after 5m": "state OK"}
    assert any("after 5m" in e.message for e in validator.iter_errors(bad))


def test_without_promtool_the_cloudwatch_tests_still_run_and_the_command_fails_saying_why(example, monkeypatch):
    monkeypatch.setenv("OBSGEN_PROMTOOL", str(example / "no-such-promtool"))
    monkeypatch.setenv("PATH", str(example))  # nothing called promtool here either
    result = runner.invoke(app, ["test", "-C", str(example)])
    assert result.exit_code == 1
    assert "CloudWatch: 16 of 16 alarm test run(s) passed" in result.stdout
    assert "error: promtool not found, so the Prometheus tests did not run" in result.output


def test_compiling_a_project_without_alarm_tests_does_not_load_the_evaluator():
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from obsgen.compiler import validate; "
            f"b = validate(Path({str(BASE)!r})); assert b.ok; print('obsgen.evaluator' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


@pytest.mark.parametrize("test", [
    "series: {errors: '0x10'}\n    expect: {at 99999999d: state OK}",
    "interval: 1h\n    series: {errors: '0x1000'}\n    expect: {at 5m: state OK}",
    "series: {errors: {32d: 1}}\n    expect: {at 5m: state OK}",
])
def test_a_test_reaching_past_31_days_is_refused_before_anything_is_evaluated(tmp_path, test):
    project = small_project(tmp_path, f"tests:\n  - alarm: errors\n    {test}\n")
    build = compile_project(project)
    assert [d.code for d in build.diagnostics] == ["bad-value"] or [d.code for d in build.diagnostics] == ["bad-name"]
    assert "31 days" in build.diagnostics[0].message


# --- log monitors (#17) ----------------------------------------------------------------------------

BEYOND = Path(__file__).parent / "fixtures" / "beyond-alarms"


def log_project(tmp_path: Path, tests: str, *, monitors: str = "") -> Path:
    """The beyond-alarms fixture (log monitors, a native log alarm) with `monitors` added and `tests`."""
    shutil.copytree(BEYOND, tmp_path, dirs_exist_ok=True)
    service = tmp_path / "monitors" / "orders.yaml"
    service.write_text(service.read_text().replace("monitors:\n", "monitors:\n" + monitors, 1) + tests)
    return tmp_path


def test_a_log_monitors_test_feeds_its_metric_filters_metric_by_monitor_name(tmp_path):
    project = log_project(tmp_path, """
tests:
  - alarm: timeouts
    series: {timeouts: "0x9 2x10"}
    expect:
      at 5m: state OK
      at 11m: OK -> ALARM, notifies [critical]  # the first 5-minute sum holding the 2 at 10m
""")
    report = run(project)
    assert report.ok and report.ran == report.passed >= 1, [str(f.diagnostic) for f in report.failures()]


def test_a_native_log_alarm_cannot_be_tested_and_the_refusal_says_why(tmp_path):
    project = log_project(tmp_path, """
tests:
  - alarm: payment-failures
    series: {payment-failures: "1x10"}
    expect:
      at 5m: state OK
""")
    build = compile_project(project)
    refused = [d for d in build.diagnostics if d.code == "unknown-monitor"]
    assert len(refused) == 1 and "is a native log alarm (a Logs Insights query)" in refused[0].message


def test_a_log_monitor_summed_over_its_dimensions_cannot_be_given_a_series(tmp_path):
    project = log_project(tmp_path, """
tests:
  - alarm: slow-requests
    series: {slow-requests: "1x10"}
    expect:
      at 5m: state OK
""")
    build = compile_project(project)
    refused = [d for d in build.diagnostics if d.code == "unknown-series"]
    assert len(refused) == 1 and "is a Metrics Insights query" in refused[0].message


def test_a_composite_over_a_native_log_alarm_fails_its_test_naming_the_log_alarm(tmp_path):
    project = log_project(tmp_path, """
tests:
  - alarm: orders-down
    series: {timeouts: "0x10"}
    expect:
      at 5m: state OK
""", monitors="""  orders-down:
    summary: Orders time out or payments fail.
    severity: critical
    rule: timeouts or payment-failures
""")
    failures = run(project).failures()
    assert len(failures) == 1, [str(f.diagnostic) for f in failures]
    assert "orders/payment-failures is a native log alarm" in failures[0].diagnostic.message
