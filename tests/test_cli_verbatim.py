"""What obsgen prints is what the spec and AWS hold: positions and user text reach the terminal verbatim.

rich, which the CLI prints through, knows emoji codes such as `:100:` and `:1234:` and reads `[red]` as
markup; a `file:line:column` consumer (an editor, a CI problem matcher, a SARIF converter) then loses the
position. These tests run the `obsgen` command in a subprocess, as users and CI do.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from test_aws_e2e import env, project, running_sandbox, tool  # noqa: F401 - fixtures

BASE = Path(__file__).parent / "bad_specs" / "_base"
USER_TEXT = ":fire: [red]x[/red] :100:"
SERVICE_HEADER = "apiVersion: obsgen/v1\nkind: Service\nservice: {name}\nowner: shop-team\n"


def _service_with_unknown_key_on_line(name: str, line: int) -> str:
    """A service file whose only problem is the key `bogus` on line `line`."""
    header = SERVICE_HEADER.format(name=name)
    padding = "# padding\n" * (line - 1 - header.count("\n"))
    return header + padding + "bogus: 1\n"


def _validate(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("obsgen"), "validate", "-C", str(root)], capture_output=True, text=True, timeout=120,
                          env={"PATH": str(Path(tool("obsgen")).parent), "OBSGEN_PROMTOOL": "no-promtool-needed",
                               "COLUMNS": "200"})


@pytest.fixture
def base_project(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    return tmp_path


def test_a_diagnostic_on_line_100_or_1234_prints_its_line_number(base_project: Path) -> None:
    (base_project / "monitors" / "hundred.yaml").write_text(_service_with_unknown_key_on_line("hundred", 100))
    (base_project / "monitors" / "many.yaml").write_text(_service_with_unknown_key_on_line("many", 1234))
    done = _validate(base_project)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert "monitors/hundred.yaml:100:1: error: unknown key 'bogus' in the top level" in lines[0]
    assert "monitors/many.yaml:1234:1: error: unknown key 'bogus' in the top level" in lines[1]


def test_user_text_in_a_diagnostic_is_printed_verbatim(base_project: Path) -> None:
    orders = base_project / "monitors" / "orders.yaml"
    orders.write_text(orders.read_text().replace("severity: low", f"severity: {json.dumps(USER_TEXT)}"))
    done = _validate(base_project)
    assert done.returncode == 1, done.stderr
    # A severity is checked against the defined ones (issue #14: a wrong name is one error, at its definition).
    assert f"unknown severity '{USER_TEXT}'" in done.stderr, done.stderr


def test_user_text_in_plan_and_drift_is_printed_verbatim(project, env, running_sandbox) -> None:  # noqa: F811
    root, _ = project
    service = root / "monitors" / "stock-api.yaml"
    text = service.read_text()
    summary = "summary: API Gateway is returning 5XX errors."
    assert summary in text
    service.write_text(text.replace(summary, f"summary: {json.dumps(USER_TEXT)}", 1))
    obsgen, aws_cli = tool("obsgen"), tool("aws")

    def run(*args: str, expect: int) -> str:
        done = subprocess.run([obsgen, *args, "-C", str(root)], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == expect, (args, done.stdout, done.stderr)
        return done.stdout

    assert USER_TEXT in run("plan", "--env", "local", expect=0)
    run("apply", "--env", "local", "--auto-approve", expect=0)

    name = "stock-analysis-api-error-rate-local"
    cmd = [aws_cli, "cloudwatch", "describe-alarms", "--alarm-names", name, "--endpoint-url", running_sandbox,
           "--output", "json"]
    [alarm] = json.loads(subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout)["MetricAlarms"]
    assert USER_TEXT in alarm["AlarmDescription"]
    edit = {k: alarm[k] for k in ("AlarmName", "ActionsEnabled", "OKActions", "AlarmActions", "MetricName",
                                  "Namespace", "Statistic", "Dimensions", "Period", "EvaluationPeriods",
                                  "ComparisonOperator", "Threshold", "TreatMissingData") if k in alarm}
    hand_made = "[bold]edited by hand[/bold] :thumbs_up:"
    subprocess.run([aws_cli, "cloudwatch", "put-metric-alarm", "--endpoint-url", running_sandbox, "--cli-input-json",
                    json.dumps({**edit, "AlarmDescription": hand_made})], env=env, check=True, capture_output=True)
    for shown in (run("drift", "--env", "local", expect=2), run("plan", "--env", "local", expect=0),
                  run("plan", "--env", "local", "--format", "markdown", expect=0)):
        assert USER_TEXT in shown and hand_made in shown, shown
