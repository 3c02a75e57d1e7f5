"""End to end: `obsgen sandbox` in a subprocess, the `obsgen` CLI, and the `aws` CLI as an
independent client making a hand change and checking the final state."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from aws_support import sandbox_log_groups

from obsgen.sandbox import server as sandbox
from obsgen.compiler import compile_project
from obsgen.targets.topic_policy import topic_policies

REPO = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.slow, pytest.mark.tools]


def tool(name: str) -> str:
    """A command next to this interpreter (the project venv) or on PATH; skip (or fail) if absent."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        if os.environ.get("OBSGEN_REQUIRE_TOOLS") == "1":
            pytest.fail(f"{name} not found and OBSGEN_REQUIRE_TOOLS=1")
        pytest.skip(f"{name} not found on PATH; set OBSGEN_REQUIRE_TOOLS=1 to fail instead")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, int]:
    """A copy of the example project whose `local` environment points at a free port."""
    port = free_port()
    shutil.copytree(REPO / "monitors", tmp_path / "monitors")
    if (REPO / "runbooks_src").is_dir():
        shutil.copytree(REPO / "runbooks_src", tmp_path / "runbooks_src")
    config = tmp_path / "monitors" / "obsgen.yaml"
    text = config.read_text()
    assert "http://127.0.0.1:4577" in text
    config.write_text(text.replace("http://127.0.0.1:4577", f"http://127.0.0.1:{port}"))
    return tmp_path, port


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**clean, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PAGER": "", "NO_COLOR": "1", "COLUMNS": "200"}


@pytest.fixture
def running_sandbox(project, env):
    root, port = project
    proc = subprocess.Popen([tool("obsgen"), "sandbox", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}" in line, (line, proc.stderr.read() if proc.poll() is not None else "")
        sandbox.wait_until_ready(f"http://127.0.0.1:{port}", timeout=10)
        # the example's log group: Lambda makes it in AWS, obsgen never does
        sandbox_log_groups(f"http://127.0.0.1:{port}", compile_project(root, ["local"]).models["local"])
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_plan_apply_drift_cycle_with_a_hand_change_made_by_the_aws_cli(project, env, running_sandbox, tmp_path):
    root, _ = project
    obsgen, aws_cli = tool("obsgen"), tool("aws")

    def run(*args: str, expect: int, stdin: str | None = "", extra_env: dict | None = None) -> str:
        done = subprocess.run([obsgen, *args, "-C", str(root)], env={**env, **(extra_env or {})},
                              capture_output=True, text=True, input=stdin, timeout=120)
        assert done.returncode == expect, (args, done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        return done.stdout + done.stderr

    def aws(service: str, *args: str) -> dict:
        cmd = [aws_cli, service, *args, "--endpoint-url", running_sandbox, "--output", "json"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout or "{}")

    first = run("plan", "--env", "local", "--detailed-exitcode", "--out", str(tmp_path / "first.json"), expect=2)
    model = compile_project(root, ["local"]).models["local"]
    total = len(model.topics) + len(model.subscriptions) + len(model.metric_alarms) + len(model.composite_alarms) \
        + len(model.dashboards) + len(topic_policies(model)) + len(model.metric_filters) + len(model.saved_queries) \
        + len(model.event_routes)
    assert f"{total} to create, 0 to update, 0 to delete" in first
    assert "refusing to apply without confirmation" in run("apply", "--env", "local", expect=1)
    applied = run("apply", "--env", "local", "--auto-approve", expect=0)
    assert f"Apply complete: {total} change(s)" in applied
    assert "No changes" in run("plan", "--env", "local", "--detailed-exitcode", expect=0)
    assert "stale" in run("apply", "--env", "local", str(tmp_path / "first.json"), "--auto-approve", expect=1)

    name = "stock-analysis-api-latency-local"
    [alarm] = aws("cloudwatch", "describe-alarms", "--alarm-names", name)["MetricAlarms"]
    edit = {k: alarm[k] for k in ("AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions",
                                  "MetricName", "Namespace", "Statistic", "Dimensions", "Period", "Unit",
                                  "EvaluationPeriods", "ComparisonOperator", "TreatMissingData")}
    aws("cloudwatch", "put-metric-alarm", "--cli-input-json", json.dumps({**edit, "Threshold": 9999.0}))

    drifted = run("drift", "--env", "local", expect=2)
    assert name in drifted and "Threshold" in drifted and "9999.0" in drifted
    report = json.loads(run("drift", "--env", "local", "--format", "json", expect=2))
    assert [(i["address"], [f["field"] for f in i["fields"]]) for i in report["items"]] == [
        (f"metric_alarm.{name}", ["Threshold"])]
    run("plan", "--env", "local", "--out", str(tmp_path / "fix.json"), expect=0)
    fixed = run("apply", "--env", "local", str(tmp_path / "fix.json"), "--auto-approve", expect=0)
    assert "1 change(s), 1 write call(s)" in fixed
    assert "No drift" in run("drift", "--env", "local", expect=0)

    fired = run("test-alarm", "stock-api/api-latency", "--env", "local", "--hold", "0", expect=0)
    assert f"{name}: set to ALARM" in fired and "restored to INSUFFICIENT_DATA" in fired
    # (moto has no DescribeAlarmHistory; test_aws_sync checks the ALARM state during the hold.)
    assert aws("cloudwatch", "describe-alarms", "--alarm-names", name)["MetricAlarms"][0]["StateValue"] == \
        "INSUFFICIENT_DATA"
    saved = json.loads(run("plan", "--env", "local", "--format", "json", expect=0))
    assert saved["format_version"] == 2 and saved["summary"] == {"create": 0, "update": 0, "delete": 0,
                                                                 "conflicts": 0}

    # production's spec with the sandbox's credentials (account 123456789012): refused, nothing written.
    refused = run("apply", "--env", "production", "--auto-approve", expect=1,
                  extra_env={"AWS_ENDPOINT_URL": running_sandbox})
    assert "lives in account 295202642810" in refused and "belong to account 123456789012" in refused

    assert aws("cloudwatch", "describe-alarms", "--alarm-names", name)["MetricAlarms"][0]["Threshold"] == 5000.0
    composites = aws("cloudwatch", "describe-alarms", "--alarm-types", "CompositeAlarm")["CompositeAlarms"]
    model = compile_project(root, ["local"]).models["local"]
    assert [c["AlarmName"] for c in composites] == sorted(c.name for c in model.composite_alarms)
    assert "stock-analysis-system-health-local" in {c["AlarmName"] for c in composites}
    tags = aws("cloudwatch", "list-tags-for-resource", "--resource-arn", alarm["AlarmArn"])["Tags"]
    assert {"Key": "obsgen:env", "Value": "local"} in tags and {"Key": "obsgen:project", "Value": "stock-analysis"} in tags
    topics = sorted(t["TopicArn"].rsplit(":", 1)[1] for t in aws("sns", "list-topics")["Topics"])
    assert topics == ["stock-analysis-alerts-local", "stock-analysis-critical-alerts-local"]
    model = compile_project(root, ["local"]).models["local"]
    names = sorted(a["AlarmName"] for a in aws("cloudwatch", "describe-alarms")["MetricAlarms"])
    assert names == sorted(a.name for a in model.metric_alarms)
