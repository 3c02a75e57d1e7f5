"""`obsgen import` against a sandbox account seeded without obsgen (boto3 and the `aws` CLI): the
imported project validates, `plan --adopt` changes no field (only obsgen's ownership tags), apply
tags, drift is 0; and the example project, applied then imported, compiles to the same parameters."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import traceback
from pathlib import Path

import boto3
import pytest
import yaml
from typer.testing import CliRunner

from aws_support import sandbox_log_groups
from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.sandbox import server as sandbox

REPO = Path(__file__).resolve().parent.parent
REGION, ACCOUNT = "us-east-1", "123456789012"
ENVS = ("dev", "staging", "prod")
SECRET_URL = "https://events.pagerduty.com/integration/KEY-s3cr3t-9f2/enqueue"
runner = CliRunner()
pytestmark = [pytest.mark.slow, pytest.mark.tools]


@pytest.fixture(scope="module")
def sb():
    with sandbox.start(port=0) as running:
        yield running


@pytest.fixture
def aws_env(sb, monkeypatch):
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    values = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
              "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PAGER": ""}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    sb.reset()
    return {**os.environ, **values}


def aws_cli(sb, env, *args: str) -> dict:
    found = Path(sys.executable).with_name("aws")
    command = str(found) if found.exists() else shutil.which("aws")
    if command is None:
        pytest.fail("the aws CLI is missing (it is in the dev extra)")
    done = subprocess.run([command, "--endpoint-url", sb.endpoint_url, "--output", "json", *args],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def run(*args: str, env: dict[str, str] | None = None, expect: int | None = 0):
    result = runner.invoke(app, list(args), env=env)
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    if expect is not None:
        assert result.exit_code == expect, (args, result.exit_code, result.output,
                                            "".join(traceback.format_exception(result.exception))
                                            if result.exception and not isinstance(result.exception, SystemExit) else "")
    return result


# ---------------------------------------------------------------- the seed: a team's console and scripts


def seed(sb, env) -> dict[str, int]:
    """Topics and subscriptions through the aws CLI; alarms of every shape through boto3, in three environments."""
    cw = boto3.client("cloudwatch", endpoint_url=sb.endpoint_url, region_name=REGION)
    topics = {}
    for stage in ENVS:
        for level in ("page", "ticket"):
            topics[stage, level] = aws_cli(sb, env, "sns", "create-topic", "--name", f"acme-{level}-{stage}")["TopicArn"]
        aws_cli(sb, env, "sns", "subscribe", "--topic-arn", topics[stage, "page"], "--protocol", "email",
                "--notification-endpoint", f"oncall-{stage}@acme.example")
        aws_cli(sb, env, "sns", "subscribe", "--topic-arn", topics[stage, "ticket"], "--protocol", "email",
                "--notification-endpoint", f"oncall-{stage}@acme.example")
        aws_cli(sb, env, "sns", "subscribe", "--topic-arn", topics[stage, "page"], "--protocol", "https",
                "--notification-endpoint", SECRET_URL)
    counts = {"metric": 0, "composite": 0}

    def put(stage: str, name: str, level: str = "ticket", tags: dict[str, str] | None = None, **params) -> None:
        actions = {"AlarmActions": [topics[stage, level]], "OKActions": [topics[stage, level]]}
        tag_list = [{"Key": k, "Value": v} for k, v in {"Environment": stage, **(tags or {})}.items()]
        cw.put_metric_alarm(AlarmName=name, **{**actions, **params}, Tags=tag_list)
        counts["metric"] += 1

    def dims(**values: str) -> list[dict[str, str]]:
        return [{"Name": k, "Value": v} for k, v in values.items()]

    for stage in ENVS:
        for n in range(12):  # Lambda functions: preset-exact errors, near-preset throttles, percentile duration
            fn = f"orders-fn{n}-{stage}"
            svc = {"service": "orders" if n < 6 else "billing"}
            put(stage, f"{fn}-errors", "page", svc, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                Dimensions=dims(FunctionName=fn), Period=60, EvaluationPeriods=3, DatapointsToAlarm=3, Threshold=0,
                ComparisonOperator="GreaterThanThreshold", AlarmDescription=f"Errors of {fn}.\nSee the wiki.")
            put(stage, f"{fn}-throttles", tags=svc, Namespace="AWS/Lambda", MetricName="Throttles", Statistic="Sum",
                Dimensions=dims(FunctionName=fn), Period=300, EvaluationPeriods=2, Threshold=5,
                ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching")
            put(stage, f"{fn}-p99", tags=svc, Namespace="AWS/Lambda", MetricName="Duration", ExtendedStatistic="p99.9",
                Dimensions=dims(FunctionName=fn), Period=60, EvaluationPeriods=5, DatapointsToAlarm=3,
                Threshold=2500.5, ComparisonOperator="GreaterThanThreshold")
        # a Unit AWS does not publish Duration in (Milliseconds): an alarm that never fires, imported as it is
        put(stage, f"orders-fn0-{stage}-slow-p99", tags={"service": "orders"}, Namespace="AWS/Lambda",
            MetricName="Duration", ExtendedStatistic="p99", Dimensions=dims(FunctionName=f"orders-fn0-{stage}"),
            Period=60, EvaluationPeriods=5, Threshold=2.5, ComparisonOperator="GreaterThanThreshold", Unit="Seconds")
        # a 5-minute period on S3's daily BucketSizeBytes: it never sees a data point, imported as it is
        put(stage, f"acme-assets-{stage}-size", tags={"service": "orders"}, Namespace="AWS/S3",
            MetricName="BucketSizeBytes", Statistic="Average", Period=300, EvaluationPeriods=1,
            Dimensions=dims(BucketName=f"acme-assets-{stage}", StorageType="StandardStorage"), Threshold=1e12,
            ComparisonOperator="GreaterThanThreshold")
        for n in range(6):  # DynamoDB tables, an SQS queue each: no service tag (grouped by resource)
            table, queue = f"acme-table{n}-{stage}", f"acme-jobs{n}-{stage}"
            put(stage, f"{table}-read-throttles", Namespace="AWS/DynamoDB", MetricName="ReadThrottleEvents",
                Statistic="Sum", Dimensions=dims(TableName=table), Period=60, EvaluationPeriods=1, Threshold=0,
                ComparisonOperator="GreaterThanThreshold", AlarmDescription="Cost: $5 per spike")
            put(stage, f"{table}-get-errors", Namespace="AWS/DynamoDB", MetricName="SystemErrors", Statistic="Sum",
                Dimensions=dims(TableName=table, Operation="GetItem"), Period=60, EvaluationPeriods=1, Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold")
            put(stage, f"{queue}-age", "page", Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
                Statistic="Maximum", Dimensions=dims(QueueName=queue), Period=60, EvaluationPeriods=15,
                Threshold=900, ComparisonOperator="GreaterThanThreshold", Unit="Seconds")
        for n in range(4):  # metric math, anomaly bands, an unknown namespace, a math shape obsgen cannot describe
            fn = f"orders-fn{n}-{stage}"
            put(stage, f"{fn}-error-rate", "page", {"service": "orders"}, EvaluationPeriods=3, Threshold=5,
                ComparisonOperator="GreaterThanThreshold", Metrics=[
                    {"Id": "rate", "Expression": "100 * errs / calls", "Label": "Error rate", "ReturnData": True},
                    {"Id": "errs", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Errors",
                                                             "Dimensions": dims(FunctionName=fn)},
                                                  "Period": 300, "Stat": "Sum"}, "ReturnData": False},
                    {"Id": "calls", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations",
                                                              "Dimensions": dims(FunctionName=fn)},
                                                   "Period": 300, "Stat": "Sum"}, "ReturnData": False}])
            put(stage, f"{fn}-invocations-anomaly", Metrics=[
                {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations",
                                                       "Dimensions": dims(FunctionName=fn)},
                                            "Period": 300, "Stat": "Sum"}, "ReturnData": True},
                {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(m1, 3)", "ReturnData": True}],
                ThresholdMetricId="band", EvaluationPeriods=2, ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold")
            put(stage, f"checkout-{n}-{stage} slow (Acme)", Namespace="Acme/Checkout", MetricName="StepLatency",
                ExtendedStatistic="p95", Dimensions=dims(Step=f"step{n}", Region="eu"), Period=120, EvaluationPeriods=4,
                Threshold=800, ComparisonOperator="GreaterThanThreshold", ActionsEnabled=n % 2 == 0)
            put(stage, f"checkout-{n}-{stage}-two-expressions", EvaluationPeriods=1, Threshold=0,
                ComparisonOperator="GreaterThanThreshold", Metrics=[
                    {"Id": "total", "Expression": "SUM([a, b])", "ReturnData": False},
                    {"Id": "ratio", "Expression": "total / 2", "ReturnData": True},
                    {"Id": "a", "MetricStat": {"Metric": {"Namespace": "Acme/Checkout", "MetricName": "Failures"},
                                               "Period": 60, "Stat": "Sum"}, "ReturnData": False},
                    {"Id": "b", "MetricStat": {"Metric": {"Namespace": "Acme/Checkout", "MetricName": "Timeouts"},
                                               "Period": 60, "Stat": "Sum"}, "ReturnData": False}])
        # another tool's: CloudFormation and Terraform (listed, not imported)
        for owner, tags in (("stack", {"aws:cloudformation:stack-name": f"acme-{stage}",
                                       "aws:cloudformation:logical-id": "CpuAlarm"}),
                            ("terraform", {"ManagedBy": "terraform"})):
            put(stage, f"{owner}-alarm-{stage}", tags=tags, Namespace="AWS/EC2", MetricName="CPUUtilization",
                Statistic="Average", Dimensions=dims(InstanceId="i-0123"), Period=300, EvaluationPeriods=1,
                Threshold=90, ComparisonOperator="GreaterThanThreshold")
        # a dashboard made by hand: text, graphs (the "." shorthand, an expression), alarms, logs, an explorer
        arn = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:orders-fn0-{stage}-errors"
        body = {"start": "-PT6H", "widgets": [
            {"type": "text", "x": 0, "y": 0, "width": 24, "height": 2, "properties": {"markdown": f"# Orders {stage}"}},
            {"type": "metric", "x": 0, "y": 2, "width": 12, "height": 6, "properties": {
                "title": "Errors", "region": REGION, "stat": "Sum", "period": 60, "metrics": [
                    ["AWS/Lambda", "Errors", "FunctionName", f"orders-fn0-{stage}", {"id": "e0"}],
                    [".", ".", ".", f"orders-fn1-{stage}", {"id": "e1"}],
                    [{"expression": "e0 + e1", "label": "Both", "id": "total"}]]}},
            {"type": "alarm", "x": 12, "y": 2, "width": 12, "height": 6, "properties": {"alarms": [arn]}},
            {"type": "log", "x": 0, "y": 8, "width": 24, "height": 6, "properties": {
                "query": f"SOURCE '/aws/lambda/orders-fn0-{stage}' | fields @message | limit 20", "region": REGION}},
            {"type": "explorer", "x": 0, "y": 14, "width": 24, "height": 6, "properties": {"metrics": []}}]}
        aws_cli(sb, env, "cloudwatch", "put-dashboard", "--dashboard-name", f"orders-{stage}",
                "--dashboard-body", json.dumps(body))
        # composites, nested, one with no actions
        tag = [{"Key": "Environment", "Value": stage}]
        cw.put_composite_alarm(AlarmName=f"orders-{stage}-any-errors", AlarmRule=" OR ".join(
            f'ALARM("orders-fn{n}-{stage}-errors")' for n in range(3)), AlarmActions=[topics[stage, "page"]], Tags=tag)
        cw.put_composite_alarm(AlarmName=f"orders-{stage}-health", AlarmRule=(
            f'ALARM(orders-{stage}-any-errors) AND NOT (OK("acme-table0-{stage}-read-throttles") '
            f'OR INSUFFICIENT_DATA("orders-fn0-{stage}-p99"))'), AlarmDescription="Orders are failing.", Tags=tag)
        counts["composite"] += 2
    return counts


def adopted_only_tags(plan: dict) -> list[str]:
    """What in a JSON plan is more than adding obsgen's ownership tags to what exists (or creating its dashboards,
    or adding its statements to a topic's policy: #17 gives every topic with alarms obsgenCloudWatch, and
    keeps the topic's other statements)."""
    wrong = []
    for change in plan["changes"]:
        if change["action"] == "create" and change["kind"] in ("dashboard", "topic_policy"):
            continue
        if change["action"] != "update" or [f["field"] for f in change["fields"]] != ["Tags"]:
            wrong.append(f"{change['action']} {change['address']} {change.get('fields')}")
            continue
        before, after = change["before"]["Tags"], change["after"]["Tags"]
        kept = {k: v for k, v in after.items() if not k.startswith("obsgen:")}
        if kept != {k: v for k, v in before.items() if not k.startswith("aws:")}:
            wrong.append(f"tags of {change['address']}: {before} -> {after}")
    return wrong


def test_an_account_seeded_by_hand_imports_adopts_with_only_tags_and_then_has_no_drift(sb, aws_env, tmp_path):
    counts = seed(sb, aws_env)
    assert counts["metric"] + counts["composite"] >= 200
    project = tmp_path / "acme"
    imported = run("import", "--env", "prod", "--tag", "Environment=prod", "-o", str(project),
                   "--endpoint-url", sb.endpoint_url, env=aws_env)
    report = (project / "IMPORT.md").read_text()
    assert "stack-alarm-prod" in report and "CloudFormation (stack acme-prod, logical id CpuAlarm)" in report, report
    assert "terraform-alarm-prod" in report and "Terraform (tag ManagedBy=terraform)" in report
    assert "checkout-0-prod-two-expressions" in report, "the shape obsgen cannot describe is listed"
    assert "OBSGEN_HTTPS_ENDPOINT" in report
    assert "- `orders-fn0-prod-slow-p99`: it asks for Unit Seconds, but AWS publishes AWS/Lambda Duration in " \
        "Milliseconds" in report, "the alarm that never fires is said to"
    assert "- `acme-assets-prod-size`: AWS/S3 publishes 'BucketSizeBytes' once a day" in report, report
    assert "kept as it is (cloudwatch: Period 300, over the spec's period: 1d)" in report
    for around in (".pre-commit-config.yaml", ".github/workflows/obsgen.yml", "README.md"):  # as `obsgen init` does
        assert (project / around).is_file(), around
    every_file = "".join(p.read_text() for p in project.rglob("*") if p.is_file())
    assert "KEY-s3cr3t" not in every_file and "KEY-s3cr3t" not in imported.output, "no secret in clear"
    assert "orders-fn0-prod" not in every_file or "${env}" in every_file
    services = sorted(p.stem for p in (project / "monitors").glob("*.yaml"))
    assert {"orders", "billing", "acme-table0", "acme-jobs0", "obsgen"} <= set(services), services
    orders = (project / "monitors" / "orders.yaml").read_text()
    assert "preset:" in orders and "lambda.errors" in orders, "the preset-exact alarm is written as a preset"
    assert "rule: " in orders and "orders-any-errors" in orders
    dashboards = yaml.safe_load((project / "monitors" / "obsgen.yaml").read_text())["dashboards"]
    assert list(dashboards) == ["orders-dashboard"], "prod's; the other environments' are left out"
    assert [[list(w)[0] for w in row["widgets"]] for row in dashboards["orders-dashboard"]["rows"]] == [
        ["text"], ["title", "alarms"], ["logs"]], dashboards
    assert "obsgen declares no 'explorer' widget" in report, "the widget obsgen cannot declare is listed"

    again = tmp_path / "again" / "acme"
    run("import", "--env", "prod", "--tag", "Environment=prod", "-o", str(again), "--endpoint-url", sb.endpoint_url,
        env=aws_env)
    assert {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()} == \
        {p.relative_to(project): p.read_bytes() for p in project.rglob("*") if p.is_file()}, "deterministic"
    refused = run("import", "--env", "prod", "-o", str(project), "--endpoint-url", sb.endpoint_url, env=aws_env,
                  expect=1)
    assert "never overwrites" in refused.output

    env = {**aws_env, "OBSGEN_HTTPS_ENDPOINT": SECRET_URL}
    run("validate", "-C", str(project), env=env)
    plan = json.loads(run("plan", "--env", "prod", "--adopt", "--format", "json", "-C", str(project), env=env).output)
    assert plan["conflicts"] == []
    assert adopted_only_tags(plan) == []
    adopted = [c for c in plan["changes"] if c["action"] == "update"]
    assert len(adopted) >= 70 + 2, len(adopted)  # the prod alarms and the two topics
    run("apply", "--env", "prod", "--adopt", "--auto-approve", "-C", str(project), env=env)
    run("drift", "--env", "prod", "-C", str(project), env=env)
    others = boto3.client("cloudwatch", endpoint_url=sb.endpoint_url, region_name=REGION).describe_alarms(
        AlarmNamePrefix="orders-fn0-staging")["MetricAlarms"]
    assert others and all(a["AlarmName"].endswith(("-errors", "-throttles", "-p99", "-rate", "-anomaly"))
                          for a in others), "the other environments' alarms are untouched"

    # The second environment merges into the same services, its differences as overrides.
    run("import", "--env", "staging", "--tag", "Environment=staging", "-o", str(project), "--merge",
        "--endpoint-url", sb.endpoint_url, env=aws_env)
    assert sorted(p.stem for p in (project / "monitors").glob("*.yaml")) == services, "no new service"
    merged = (project / "monitors" / "obsgen.yaml").read_text()
    assert "  staging:\n" in merged and "overrides:" in merged
    run("validate", "-C", str(project), env=env)
    staging = json.loads(run("plan", "--env", "staging", "--adopt", "--format", "json", "-C", str(project),
                             env=env).output)
    assert staging["conflicts"] == [] and adopted_only_tags(staging) == []
    assert "No changes" in run("plan", "--env", "prod", "-C", str(project), env=env).output
    again = run("import", "--env", "staging", "--tag", "Environment=staging", "-o", str(project), "--merge",
                "--endpoint-url", sb.endpoint_url, env=aws_env, expect=1)
    assert "already in the project" in again.output


def seed_math(sb) -> None:
    """Metric-math and band alarms whose queries cannot work: a 5-minute query of S3's daily BucketSizeBytes
    (metric-interval), a query of Lambda Duration in Seconds (metric-unit; AWS publishes Milliseconds), and the
    same in a band and in a shape obsgen does not describe; one whose Unit is the published one."""
    cw = boto3.client("cloudwatch", region_name=REGION, endpoint_url=sb.endpoint_url)
    topic = boto3.client("sns", region_name=REGION, endpoint_url=sb.endpoint_url).create_topic(
        Name="acme-ticket-prod")["TopicArn"]

    def stat(namespace: str, metric: str, period: int, stat: str = "Average", unit: str | None = None,
             **dims: str) -> dict:
        found = {"Metric": {"Namespace": namespace, "MetricName": metric,
                            "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]},
                 "Period": period, "Stat": stat}
        return {**found, "Unit": unit} if unit else found

    size = stat("AWS/S3", "BucketSizeBytes", 300, BucketName="acme-assets-prod", StorageType="StandardStorage")
    objects = stat("AWS/S3", "NumberOfObjects", 86400, BucketName="acme-assets-prod", StorageType="AllStorageTypes")
    calls = stat("AWS/Lambda", "Invocations", 60, "Sum", FunctionName="orders-fn0-prod")

    def put(name: str, metrics: list[dict], **params) -> None:
        given = {"EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanThreshold",
                 "AlarmActions": [topic], **params}
        cw.put_metric_alarm(AlarmName=name, Metrics=metrics, Tags=[{"Key": "service", "Value": "assets"}], **given)

    def query(qid: str, metric: dict) -> dict:
        return {"Id": qid, "MetricStat": metric, "ReturnData": False}

    put("assets-prod-object-size", [{"Id": "avg", "Expression": "size / objects", "ReturnData": True},
                                    query("size", size), query("objects", objects)])
    for unit in ("Seconds", "Milliseconds"):
        duration = stat("AWS/Lambda", "Duration", 60, "p99", unit, FunctionName="orders-fn0-prod")
        put(f"orders-prod-slow-share-{unit.lower()}", [
            {"Id": "share", "Expression": "100 * slow / calls", "ReturnData": True},
            query("slow", duration), query("calls", calls)], EvaluationPeriods=3)
    put("assets-prod-size-band", [{"Id": "m1", "MetricStat": size, "ReturnData": True},
                                  {"Id": "band", "Expression": "ANOMALY_DETECTION_BAND(m1, 3)", "ReturnData": True}],
        ThresholdMetricId="band", ComparisonOperator="LessThanLowerOrGreaterThanUpperThreshold")
    put("assets-prod-two-expressions", [
        {"Id": "total", "Expression": "SUM([size, objects])", "ReturnData": False},
        {"Id": "half", "Expression": "total / 2", "ReturnData": True},
        query("size", size), query("objects", objects)])


def test_math_alarms_whose_queries_cannot_work_import_as_they_are_and_are_reported(sb, aws_env, tmp_path):
    """A metric-math alarm's query checked as a single metric is: the spec gets what works (the metric's
    interval; no Unit it is not published in), `cloudwatch: Metrics` keeps the queries as AWS holds them (so
    adopting changes only tags), and the report says what does not work and what to delete."""
    seed_math(sb)
    project = tmp_path / "acme"
    run("import", "--env", "prod", "-o", str(project), "--endpoint-url", sb.endpoint_url, env=aws_env)
    report = (project / "IMPORT.md").read_text()
    broken: dict[str, str] = {}  # alarm -> its lines of the report
    for line in report.splitlines():
        if line.startswith("- `"):
            broken[line.split("`")[1]] = broken.get(line.split("`")[1], "") + line + "\n"
    assert broken["assets-prod-object-size"].endswith(
        ": its query 'size': AWS/S3 publishes 'BucketSizeBytes' once a day: an alarm that evaluates 1 period of 5m "
        "finds no data point in at least 99% of its evaluations: it stays in INSUFFICIENT_DATA and practically never "
        "fires; kept as it is (cloudwatch: Metrics, query 'size' with Period 300, over the spec's period: 1d): delete "
        "Metrics under cloudwatch: and apply to make it work\n"), report
    assert broken["orders-prod-slow-share-seconds"].endswith(
        ": its query 'slow' asks for Unit Seconds, but AWS publishes AWS/Lambda Duration in Milliseconds, so it gets "
        "no data points and the expression none of that metric; kept as it is (cloudwatch: Metrics, query 'slow' with "
        "Unit Seconds): delete Metrics under cloudwatch: and apply to make it work\n"), report
    assert "kept as it is (cloudwatch: Metrics, query 'm1' with Period 300, over the spec's period: 1d)" \
        in broken["assets-prod-size-band"]
    assert "(cloudwatch: Metrics, the query's Period 300, over the spec's period: 1d): correct it there" \
        in broken["assets-prod-two-expressions"]
    assert "orders-prod-slow-share-milliseconds" not in broken, "a published Unit works"

    monitors = {name: monitor for path in (project / "monitors").glob("*.yaml")
                for name, monitor in (yaml.safe_load(path.read_text()).get("monitors") or {}).items()}
    size = monitors["assets-object-size"]
    assert size["period"] == "24h" and "period" not in size["metrics"]["size"], size
    assert [q["MetricStat"]["Period"] for q in size["cloudwatch"]["Metrics"] if "MetricStat" in q] == [300, 86400]
    assert "unit" not in monitors["orders-slow-share-seconds"]["metrics"]["slow"]
    assert monitors["orders-slow-share-milliseconds"]["metrics"]["slow"]["unit"] == "Milliseconds"

    run("validate", "-C", str(project), env=aws_env)
    plan = json.loads(run("plan", "--env", "prod", "--adopt", "--format", "json", "-C", str(project),
                          env=aws_env).output)
    assert plan["conflicts"] == [] and adopted_only_tags(plan) == []
    assert len([c for c in plan["changes"] if c["address"].startswith("metric_alarm.")]) == 5, plan["changes"]
    run("apply", "--env", "prod", "--adopt", "--auto-approve", "-C", str(project), env=aws_env)
    assert "No changes" in run("plan", "--env", "prod", "-C", str(project), env=aws_env).output


def test_a_math_query_whose_interval_cannot_fit_the_evaluation_range_is_left_out_with_why(sb, aws_env, tmp_path):
    """Ten 5-minute periods of S3's daily BucketSizeBytes: at the metric's interval, 10 days, more than CloudWatch
    evaluates (7 days); the spec could say neither, so that alarm is left out, its located metric-interval
    error as its report line, and the others are imported as ever."""
    size = {"Metric": {"Namespace": "AWS/S3", "MetricName": "BucketSizeBytes",
                       "Dimensions": [{"Name": "BucketName", "Value": "acme-assets-prod"},
                                      {"Name": "StorageType", "Value": "StandardStorage"}]},
            "Period": 300, "Stat": "Average"}
    cloudwatch = boto3.client("cloudwatch", region_name=REGION, endpoint_url=sb.endpoint_url)
    cloudwatch.put_metric_alarm(
        AlarmName="assets-prod-growth", EvaluationPeriods=10, Threshold=1, ComparisonOperator="GreaterThanThreshold",
        Metrics=[{"Id": "growth", "Expression": "RATE(size)", "ReturnData": True},
                 {"Id": "size", "MetricStat": size, "ReturnData": False}])
    cloudwatch.put_metric_alarm(
        AlarmName="orders-prod-errors", Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        Dimensions=[{"Name": "FunctionName", "Value": "orders-prod"}])
    imported = run("import", "--env", "prod", "-o", str(tmp_path / "acme"), "--endpoint-url", sb.endpoint_url,
                   env=aws_env)
    report = (tmp_path / "acme" / "IMPORT.md").read_text()
    section = report.split("## Not imported", 1)[1]
    line = next(line for line in section.splitlines() if "assets-prod-growth" in line)
    assert "the spec cannot hold it as it is" in line and "[metric-interval]" in line, report
    assert "an alarm that evaluates 10 periods of 5m finds no data point" in line, line
    written = "".join(p.read_text() for p in (tmp_path / "acme" / "monitors").glob("*.yaml"))
    assert "assets-prod-growth" not in written and "orders-prod-errors" in written
    assert "1 alarm(s) imported into 1 service(s)" in imported.output
    run("validate", "-C", str(tmp_path / "acme"), env=aws_env)


def test_the_example_project_applied_then_imported_compiles_to_the_same_alarm_parameters(sb, aws_env, tmp_path):
    example = tmp_path / "example"
    for name in ("monitors", "runbooks_src"):
        shutil.copytree(REPO / name, example / name)
    config = example / "monitors" / "obsgen.yaml"
    config.write_text(config.read_text().replace("http://127.0.0.1:4577", sb.endpoint_url))
    sandbox_log_groups(sb.endpoint_url, compile_project(example, ["local"]).models["local"])  # as Lambda would
    run("apply", "--env", "local", "--auto-approve", "-C", str(example), env=aws_env)
    imported = tmp_path / "imported"
    run("import", "--env", "local", "-o", str(imported), "--project", "stock-analysis",
        "--endpoint-url", sb.endpoint_url, env=aws_env)
    run("build", "--env", "local", "-C", str(example), env=aws_env)
    run("build", "--env", "local", "-C", str(imported), env=aws_env)
    assert alarm_params(imported) == alarm_params(example)
    assert alarm_params(imported, raw=True) == alarm_params(example, raw=True), "even before normalising"
    # 11 metric alarms, the log monitor's and the composite in `local`, and the availability SLO's 8 window
    # alarms and 2 composites
    assert len(alarm_params(example)) == 13 + 10


def alarm_params(project: Path, raw: bool = False) -> dict[str, dict]:
    """Alarm name -> PutMetricAlarm / PutCompositeAlarm parameters but Tags, from generated/local/cloudwatch/."""
    found = {}
    for path in (project / "generated" / "local" / "cloudwatch").glob("*.json"):
        data = json.loads(path.read_text())
        for params in [*data.get("MetricAlarms", []), *data.get("CompositeAlarms", [])]:
            without_tags = {k: v for k, v in params.items() if k != "Tags"}
            found[params["AlarmName"]] = without_tags if raw else normal(without_tags)
    return found


def normal(params: dict) -> dict:
    """The sync's comparison: actions in any order, numbers as numbers."""
    from obsgen.aws.kinds import ALARMS
    from obsgen.aws.resources import Kind

    kind = Kind.COMPOSITE_ALARM if "AlarmRule" in params else Kind.METRIC_ALARM
    return ALARMS.normalize(kind, params)
