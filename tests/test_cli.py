"""The obsgen command: exit codes CI can use, messages people can act on, no tracebacks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from obsgen.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


@pytest.fixture
def project(tmp_path):
    for name in ("monitors", "runbooks_src", "generated"):
        shutil.copytree(ROOT / name, tmp_path / name)
    return tmp_path


def run(*args):
    return runner.invoke(app, list(args))


def test_validate_reports_success_with_counts(project):
    result = run("validate", "-C", str(project))
    assert result.exit_code == 0
    assert "spec is valid: 4 environment(s), 91 CloudWatch alarm(s) and 148 Prometheus rule(s) in all" in result.stdout


def test_build_check_is_clean_on_the_committed_example(project):
    result = run("build", "--check", "-C", str(project))
    assert result.exit_code == 0, result.output
    assert "up to date" in result.stdout


def test_build_check_lists_stale_files_and_exits_1(project):
    (project / "generated" / "production" / "routing.md").write_text("edited by hand\n")
    result = run("build", "--check", "-C", str(project))
    assert result.exit_code == 1
    assert "stale: generated/production/routing.md" in result.stderr


def test_build_one_environment_leaves_the_others_alone(project):
    other = project / "generated" / "staging" / "routing.md"
    other.write_text("stale on purpose\n")
    result = run("build", "--env", "production", "-C", str(project))
    assert result.exit_code == 0, result.output
    assert other.read_text() == "stale on purpose\n"


def test_a_bad_spec_exits_1_with_located_errors_and_writes_nothing(project):
    service = project / "monitors" / "stock-api.yaml"
    service.write_text(service.read_text().replace("threshold: \"> 5000\"", "threshold: 5000"))
    before = {p: p.read_bytes() for p in (project / "generated").rglob("*") if p.is_file()}
    result = run("build", "-C", str(project))
    assert result.exit_code == 1
    assert "monitors/stock-api.yaml:" in result.stderr and "presets.latency.threshold" in result.stderr
    assert "nothing was written" in result.stderr
    assert before == {p: p.read_bytes() for p in (project / "generated").rglob("*") if p.is_file()}


def test_an_unknown_environment_is_an_error(project):
    result = run("build", "--env", "prod", "-C", str(project))
    assert result.exit_code == 1 and "unknown environment(s) prod" in result.stderr


def test_validate_json_format_is_machine_readable(project):
    (project / "monitors" / "stock-data.yaml").write_text("apiVersion: obsgen/v1\nkind: Service\nservice: x\n")
    result = run("validate", "--format", "json", "-C", str(project))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["format_version"], report["valid"], report["error_count"]) == (2, False, 1)
    assert {d["code"] for d in report["diagnostics"]} == {"missing-key"}


def test_schema_is_json_schema_for_both_kinds():
    result = run("schema")
    schema = json.loads(result.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert {"ProjectSpec", "ServiceSpec"} <= set(schema["$defs"])


def test_the_console_script_never_shows_a_traceback(project):
    (project / "monitors" / "stock-api.yaml").write_bytes(b"\xff\xfe not utf-8")
    proc = subprocess.run([sys.executable, "-m", "obsgen", "validate", "-C", str(project)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "monitors/stock-api.yaml:1:1" in proc.stderr


def test_usage_errors_exit_2():
    assert run("build", "--no-such-flag").exit_code == 2


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://prometheus/", "prometheus:9090", "http://"])
def test_drift_refuses_a_prometheus_url_that_is_not_http_as_a_usage_error(project, url):
    """urllib would read file:///… and print it as a drift report; nothing is fetched or contacted."""
    result = run("drift", "--env", "local", "-C", str(project), "--prometheus-url", url)
    assert result.exit_code == 2
    assert "Invalid value for '--prometheus-url'" in " ".join(result.output.split())
    assert "root:" not in result.output


def test_the_drift_library_fetches_only_http_urls(tmp_path):
    from obsgen.prometheus.drift import BadPrometheusUrl, fetch_groups

    (tmp_path / "api" / "v1").mkdir(parents=True)
    (tmp_path / "api" / "v1" / "rules").write_text('{"status": "success", "data": {"groups": []}}')
    with pytest.raises(BadPrometheusUrl, match="expected an http:// or https:// URL"):
        fetch_groups(tmp_path.as_uri())


# --- an option value outside its set is a usage error (issue 14, item 10) ------------------------


def words(text: str) -> str:
    """The text without rich's box drawing and line wrapping."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", text).split())



@pytest.mark.parametrize("command", [["validate"], ["plan", "--env", "local"], ["drift", "--env", "local"]])
def test_an_unknown_format_is_a_usage_error_before_anything_runs(project, command):
    result = run(*command, "--format", "yaml", "-C", str(project))
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--format'" in words(result.stderr)
    assert "'yaml' is not one of 'text', 'json'" in words(result.stderr)
    assert "spec is valid" not in result.output  # nothing ran


def test_the_formats_a_command_takes_are_listed_in_its_help():
    result = runner.invoke(app, ["drift", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "text|json|junit|markdown" in words(result.stdout)


def test_junit_drift_with_a_prometheus_url_is_a_usage_error(project):
    result = run("drift", "--env", "local", "--format", "junit", "--prometheus-url", "http://127.0.0.1:9",
                 "-C", str(project))
    assert result.exit_code == 2 and "JUnit and SARIF do not cover --prometheus-url" in words(result.stderr)
