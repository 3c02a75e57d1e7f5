"""End to end for issue #17: the beyond-alarms fixture (log monitors, saved queries, event routes, a
budget, a maintenance window) applied to `obsgen sandbox` in a subprocess with the `obsgen` CLI; the
`aws` CLI, an independent client, makes one hand edit per synced kind, which `drift` must catch and
`apply` repair."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from test_aws_e2e import env, free_port, tool  # noqa: F401

from obsgen.compiler import compile_project
from obsgen.sandbox import server as sandbox

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "beyond-alarms"
GROUP = "/aws/lambda/orders-sandbox"
PAYMENTS = "orders-orders-payment-failures-sandbox"  # the fixture's native log alarm
ACCOUNT, BUDGET = "123456789012", "orders-sandbox-monthly"
pytestmark = [pytest.mark.slow, pytest.mark.tools]


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, int]:
    port = free_port()
    shutil.copytree(FIXTURE, tmp_path / "project")
    config = tmp_path / "project" / "monitors" / "obsgen.yaml"
    config.write_text(config.read_text().replace("http://127.0.0.1:4577", f"http://127.0.0.1:{port}"))
    return tmp_path / "project", port


@pytest.fixture
def running_sandbox(project, env):
    _, port = project
    proc = subprocess.Popen([tool("obsgen"), "sandbox", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert f"http://127.0.0.1:{port}" in proc.stdout.readline()
        sandbox.wait_until_ready(f"http://127.0.0.1:{port}", timeout=10)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_fixture_applies_shows_no_drift_and_catches_a_hand_edit_of_each_kind(project, env, running_sandbox):
    root, _ = project
    obsgen, aws_cli = tool("obsgen"), tool("aws")

    def run(*args: str, expect: int) -> str:
        done = subprocess.run([obsgen, *args, "-C", str(root)], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == expect, (args, done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        return done.stdout + done.stderr

    def aws(service: str, *args: str) -> dict:
        cmd = [aws_cli, service, *args, "--endpoint-url", running_sandbox, "--output", "json"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout or "{}")

    aws("logs", "create-log-group", "--log-group-name", GROUP)  # Lambda makes it in AWS; obsgen never does
    run("apply", "--env", "sandbox", "--auto-approve", expect=0)
    assert "No drift" in run("drift", "--env", "sandbox", expect=0)

    # One hand edit per kind, with the aws CLI.
    filters = {f["filterName"]: f for f in aws("logs", "describe-metric-filters")["metricFilters"]}
    timeouts = filters["orders/sandbox/orders/timeouts"]
    aws("logs", "put-metric-filter", "--log-group-name", GROUP, "--filter-name", timeouts["filterName"],
        "--filter-pattern", "ERROR", "--metric-transformations", json.dumps(timeouts["metricTransformations"]))
    queries = {q["name"]: q for q in aws("logs", "describe-query-definitions")["queryDefinitions"]}
    recent = queries["orders/sandbox/orders/recent-errors"]
    aws("logs", "put-query-definition", "--query-definition-id", recent["queryDefinitionId"], "--name", recent["name"],
        "--query-string", recent["queryString"] + " | limit 5", "--log-group-names", GROUP)
    aws("events", "put-rule", "--name", "orders-guardduty-sandbox", "--event-pattern",
        json.dumps({"source": ["aws.guardduty"]}), "--state", "DISABLED")
    critical = "arn:aws:sns:us-east-1:123456789012:orders-critical-sandbox"
    policy = json.loads(aws("sns", "get-topic-attributes", "--topic-arn", critical)["Attributes"]["Policy"])
    policy["Statement"] = [s for s in policy["Statement"] if s["Sid"] != "obsgenEventBridge"] + [
        {"Sid": "teamGrant", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
         "Action": "sns:Publish", "Resource": critical}]
    aws("sns", "set-topic-attributes", "--topic-arn", critical, "--attribute-name", "Policy", "--attribute-value",
        json.dumps(policy))

    payments = next(a for a in json.loads(compile_project(root).files["sandbox/cloudwatch/orders.json"])["LogAlarms"]
                    if a["AlarmName"] == PAYMENTS)
    payments.pop("Tags", None)  # PutLogAlarm ignores tags on an update, as PutMetricAlarm does
    # The aws CLI's botocore (1.43) predates PutLogAlarm's WarmUpConfiguration: this full overwrite drops
    # the warm-up too, which is drift of its own.
    payments.pop("WarmUpConfiguration")
    aws("cloudwatch", "put-log-alarm", "--cli-input-json", json.dumps({**payments, "Threshold": 10}))
    weekly = aws("cloudwatch", "get-alarm-mute-rule", "--alarm-mute-rule-name", "orders-sandbox-weekly-patching")
    aws("cloudwatch", "put-alarm-mute-rule", "--name", weekly["Name"], "--rule",
        json.dumps({"Schedule": {**weekly["Rule"]["Schedule"], "Duration": "PT4H"}}),
        "--mute-targets", json.dumps(weekly["MuteTargets"]))

    monthly = aws("budgets", "describe-budget", "--account-id", ACCOUNT, "--budget-name", BUDGET)["Budget"]
    edited = {k: v for k, v in monthly.items() if k not in ("CalculatedSpend", "LastUpdatedTime")}
    aws("budgets", "update-budget", "--account-id", ACCOUNT, "--new-budget",
        json.dumps({**edited, "BudgetLimit": {"Amount": "900", "Unit": "USD"}}))

    report = json.loads(run("drift", "--env", "sandbox", "--format", "json", expect=2))
    assert sorted((i["address"], tuple(f["field"] for f in i["fields"])) for i in report["items"]) == [
        (f"budget.{BUDGET}", ("BudgetLimit",)),
        ("event_rule.orders-guardduty-sandbox", ("Description", "EventPattern", "State")),
        (f"log_alarm.{PAYMENTS}", ("Threshold", "WarmUpConfiguration")),
        (f"metric_filter.{GROUP}:orders/sandbox/orders/timeouts", ("filterPattern",)),
        ("mute_rule.orders-sandbox-weekly-patching", ("Description", "Schedule.Duration")),
        ("query_definition.orders/sandbox/orders/recent-errors", ("queryString",)),
        ("topic_policy.orders-critical-sandbox", ("statement obsgenEventBridge",)),
    ]
    run("apply", "--env", "sandbox", "--auto-approve", expect=0)
    assert "No drift" in run("drift", "--env", "sandbox", expect=0)
    filters = {f["filterName"]: f for f in aws("logs", "describe-metric-filters")["metricFilters"]}
    assert filters["orders/sandbox/orders/timeouts"]["filterPattern"] == '"Task timed out"'
    queries = {q["name"]: q for q in aws("logs", "describe-query-definitions")["queryDefinitions"]}
    assert not queries["orders/sandbox/orders/recent-errors"]["queryString"].endswith("| limit 5")
    assert aws("events", "describe-rule", "--name", "orders-guardduty-sandbox")["State"] == "ENABLED"
    weekly = aws("cloudwatch", "get-alarm-mute-rule", "--alarm-mute-rule-name", "orders-sandbox-weekly-patching")
    assert weekly["Rule"]["Schedule"]["Duration"] == "PT2H"
    [alarm] = aws("cloudwatch", "describe-alarms", "--alarm-types", "LogAlarm", "--alarm-names", PAYMENTS)["LogAlarms"]
    assert alarm["Threshold"] == 3  # its warm-up, which this CLI cannot read, is back too: the drift above is empty
    monthly = aws("budgets", "describe-budget", "--account-id", ACCOUNT, "--budget-name", BUDGET)["Budget"]
    assert monthly["BudgetLimit"] == {"Amount": "500", "Unit": "USD"}
    policy = json.loads(aws("sns", "get-topic-attributes", "--topic-arn", critical)["Attributes"]["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["__default_statement_ID", "teamGrant", "obsgenCloudWatch",
                                                       "obsgenEventBridge", "obsgenBudgets"]  # the team's grant kept
