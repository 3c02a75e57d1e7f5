"""End to end over two regions: the example's `local` environment moved to eu-west-1, plus a
CloudFront monitor (published only in us-east-1, so placed there), against `obsgen sandbox` (one
endpoint serves every region; clients differ by region name) with the `aws` CLI and `--region` as the
independent client: plan, apply, an unowned alarm in us-east-1 left alone, a hand edit there caught
by drift and repaired."""

from __future__ import annotations

import json
import subprocess

import pytest
# env, project and running_sandbox are fixtures of the one-region e2e test.
from aws_support import sandbox_log_groups
from test_aws_e2e import env, project, running_sandbox, tool  # noqa: F401

from obsgen.compiler import compile_project

pytestmark = [pytest.mark.slow, pytest.mark.tools]
HOME, AWAY = "eu-west-1", "us-east-1"
EDGE = """\
apiVersion: obsgen/v1
kind: Service
service: edge
owner: platform-team
resources:
  cdn: {type: cloudfront, name: E1ABCDEFGHIJKL, dimensions: {Region: Global}}
monitors:
  cdn-5xx:
    summary: The CDN returns too many 5xx responses.
    resource: cdn
    metric: 5xxErrorRate
    statistic: Average
    threshold: "> 5"
    severity: high
"""


def test_an_environment_spanning_two_regions_is_planned_applied_and_drift_checked_in_both(project, env,
                                                                                            running_sandbox):
    root, port = project
    config = root / "monitors" / "obsgen.yaml"
    local = f"    region: us-east-1\n    endpoint: http://127.0.0.1:{port}\n"
    assert local in config.read_text()
    config.write_text(config.read_text().replace(local, local.replace("us-east-1", HOME)))
    (root / "monitors" / "edge.yaml").write_text(EDGE)
    obsgen, aws_cli = tool("obsgen"), tool("aws")

    def run(*args: str, expect: int) -> str:
        done = subprocess.run([obsgen, *args, "-C", str(root)], env=env, capture_output=True, text=True, input="",
                              timeout=120)
        assert done.returncode == expect, (args, done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        return done.stdout + done.stderr

    def aws(region: str, service: str, *args: str) -> dict:
        cmd = [aws_cli, service, *args, "--region", region, "--endpoint-url", running_sandbox, "--output", "json"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout or "{}")

    model = compile_project(root, ["local"]).models["local"]
    sandbox_log_groups(running_sandbox, model)  # the log monitor's group, in the new home region (as Lambda would)
    [cdn] = [a for a in model.metric_alarms if a.service == "edge"]
    assert (model.region, cdn.region, model.regions) == (HOME, AWAY, (AWAY,))
    topic = cdn.severity.topic_name

    plan = json.loads(run("plan", "--env", "local", "--format", "json", expect=0))
    away = sorted(c["address"] for c in plan["changes"] if c.get("region") == AWAY)
    subscriptions = [s for s in model.subscriptions if s.region == AWAY]
    assert away == sorted([f"metric_alarm.{AWAY}/{cdn.name}", f"topic.{AWAY}/{topic}", f"topic_policy.{AWAY}/{topic}",
                           *(f"subscription.{AWAY}/{topic}/{s.protocol}/{s.endpoint}" for s in subscriptions)])
    assert all(c["address"] == f"{c['kind']}.{c['name']}" for c in plan["changes"] if "region" not in c)
    run("apply", "--env", "local", "--auto-approve", expect=0)
    assert "No changes" in run("plan", "--env", "local", expect=0)

    [live] = aws(AWAY, "cloudwatch", "describe-alarms", "--alarm-names", cdn.name)["MetricAlarms"]
    assert live["AlarmActions"] == [f"arn:aws:sns:{AWAY}:{model.account}:{topic}"]
    assert aws(HOME, "cloudwatch", "describe-alarms", "--alarm-names", cdn.name)["MetricAlarms"] == []
    assert f"arn:aws:sns:{AWAY}:{model.account}:{topic}" in [
        t["TopicArn"] for t in aws(AWAY, "sns", "list-topics")["Topics"]]

    # Someone else's alarm in the second region, and a hand edit of obsgen's there.
    aws(AWAY, "cloudwatch", "put-metric-alarm", "--alarm-name", "someone-elses-alarm", "--namespace", "Other",
        "--metric-name", "Errors", "--statistic", "Sum", "--period", "60", "--evaluation-periods", "1",
        "--threshold", "1", "--comparison-operator", "GreaterThanThreshold")
    edit = {k: live[k] for k in ("AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions",
                                 "MetricName", "Namespace", "Statistic", "Dimensions", "Period",
                                 "EvaluationPeriods", "ComparisonOperator", "TreatMissingData")}
    aws(AWAY, "cloudwatch", "put-metric-alarm", "--cli-input-json", json.dumps({**edit, "Threshold": 50.0}))

    report = json.loads(run("drift", "--env", "local", "--format", "json", expect=2))
    assert [(i["address"], [f["field"] for f in i["fields"]]) for i in report["items"]] == [
        (f"metric_alarm.{AWAY}/{cdn.name}", ["Threshold"])]
    fixed = run("apply", "--env", "local", "--auto-approve", expect=0)
    assert "1 change(s), 1 write call(s)" in fixed
    assert "No drift" in run("drift", "--env", "local", expect=0)

    assert aws(AWAY, "cloudwatch", "describe-alarms", "--alarm-names", cdn.name)["MetricAlarms"][0]["Threshold"] == 5.0
    [other] = aws(AWAY, "cloudwatch", "describe-alarms", "--alarm-names", "someone-elses-alarm")["MetricAlarms"]
    assert (other["Threshold"], other["Namespace"]) == (1.0, "Other")
    home_names = sorted(a["AlarmName"] for a in aws(HOME, "cloudwatch", "describe-alarms")["MetricAlarms"])
    assert home_names == sorted(a.name for a in model.metric_alarms if a.region == HOME)
