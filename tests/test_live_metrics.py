"""`obsgen validate --env ENV --live`: ListMetrics says which alarms watch metrics the account has not
published in the past 3 hours. Against moto with obsgen's gap-fillers (RecentlyActive), every request
checked against botocore's model; PutMetricData seeds what exists."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from aws_support import ACCOUNT, REGION, CallLog, aws_env  # noqa: F401 - aws_env is a fixture
from obsgen.aws.metric_presence import missing_metrics, read_presence, shared_filters, wanted
from obsgen.aws.session import connect
from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.model import EnvironmentModel
from spec_builder import PROJECT, make_project

runner = CliRunner()
LIVE_PROJECT = PROJECT.replace("region: eu-west-1", f"region: {REGION}")
MONITORS = """\
errors:
  summary: The function raises errors.
  resource: fn
  metric: Errors
  statistic: Sum
  period: 5m
  threshold: "> 5"
  severity: critical
  runbook: errors
throttles:
  summary: The function is throttled.
  resource: fn
  metric: Throttles
  statistic: Sum
  period: 5m
  threshold: "> 0"
  severity: warning
error-rate:
  summary: More than 5% of invocations fail.
  expression: "100 * errors / invocations"
  metrics:
    errors: {resource: fn, metric: Errors, statistic: Sum}
    invocations: {resource: fn, metric: Invocations, statistic: Sum}
  period: 5m
  threshold: "> 5"
  severity: warning
orders:
  summary: No orders are placed.
  namespace: Shop/Orders
  metric: Placed
  dimensions: {Env: "${env}"}
  statistic: Sum
  period: 5m
  threshold: "< 1"
  severity: warning
"""


def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project", MONITORS, project=LIVE_PROJECT)


def model_of(root: Path) -> EnvironmentModel:
    build = compile_project(root, ["production"])
    assert build.ok, [str(d) for d in build.diagnostics]
    return dataclasses.replace(build.models["production"], endpoint=None)


def seed(*metrics: tuple[str, str, dict[str, str]], at: datetime | None = None) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for namespace, name, dimensions in metrics:
        datum = {"MetricName": name, "Value": 1.0, "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()]}
        if at is not None:
            datum["Timestamp"] = at
        cloudwatch.put_metric_data(Namespace=namespace, MetricData=[datum])


FUNCTION = {"FunctionName": "orders-production"}


def test_alarms_whose_metric_is_not_published_are_warnings_at_their_monitor(aws_env, tmp_path):
    root = project(tmp_path)
    model = model_of(root)
    seed(("AWS/Lambda", "Errors", FUNCTION), ("AWS/Lambda", "Invocations", FUNCTION),
         ("AWS/Lambda", "Throttles", {"FunctionName": "orders-staging"}),  # another function's series
         ("Shop/Orders", "Placed", {"Env": "production"}))
    clients = connect(model)
    log = CallLog()
    clients.register("before-parameter-build", log._record)
    presence = read_presence(model, clients)
    problems = missing_metrics(model, presence)
    assert [(str(p.span), p.level.value, p.code) for p in problems] == [
        ("monitors/orders.yaml:17:3", "warning", "metric-not-published")]
    assert "alarm shop-orders-throttles-production watches AWS/Lambda Throttles {FunctionName=orders-production}, " \
           "which has no data points in the past 3 hours in account 123456789012, us-east-1" in problems[0].message
    assert log.problems == []
    assert log.calls == [("cloudwatch", "ListMetrics")] * 4  # one per distinct (namespace, metric name)


def test_a_metric_last_published_four_hours_ago_is_not_recently_active(aws_env, tmp_path):
    model = model_of(project(tmp_path))
    seed(("AWS/Lambda", "Errors", FUNCTION), ("AWS/Lambda", "Invocations", FUNCTION),
         ("AWS/Lambda", "Throttles", FUNCTION), ("Shop/Orders", "Placed", {"Env": "production"}))
    seed(("AWS/Lambda", "Invocations", {"FunctionName": "old"}), ("Shop/Orders", "Placed", {"Env": "old"}),
         at=datetime.now(timezone.utc) - timedelta(hours=4))
    assert missing_metrics(model, read_presence(model, connect(model))) == []
    old = dataclasses.replace(model, metric_alarms=tuple(
        dataclasses.replace(a, metric=dataclasses.replace(a.metric, dimensions=(("Env", "old"),)))
        for a in model.metric_alarms if a.monitor == "orders"))
    assert [p.code for p in missing_metrics(old, read_presence(old, connect(old)))] == ["metric-not-published"]


def test_the_read_budget_is_one_call_per_metric_name_plus_pages(aws_env, tmp_path):
    model = model_of(project(tmp_path))
    seed(*[("AWS/Lambda", "Errors", {**FUNCTION, "Resource": f"orders-production:{i}"}) for i in range(1200)])
    seed(*[("AWS/Lambda", "Errors", {"FunctionName": f"other-{i}"}) for i in range(100)])  # filtered out by AWS
    presence = read_presence(model, connect(model))
    assert presence.calls == 3 + 3  # Errors: 1,200 series in 3 pages of 500; Invocations, Throttles, Placed: 1 each
    assert len(presence.series[(REGION, "AWS/Lambda", "Errors")]) == 1200


def test_each_call_is_narrowed_by_the_dimension_values_all_its_alarms_share(tmp_path):
    model = model_of(project(tmp_path))
    series = wanted(model)
    assert shared_filters(series[(REGION, "Shop/Orders", "Placed")]) == [{"Name": "Env", "Value": "production"}]
    assert shared_filters({frozenset({("A", "1"), ("B", "2")}), frozenset({("A", "1")})}) == [{"Name": "A", "Value": "1"}]
    assert shared_filters({frozenset({("A", "1")}), frozenset({("A", "2")})}) == []


def test_the_sandbox_accepts_only_pt3h_as_recently_active_like_aws(aws_env):
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    with pytest.raises(ClientError) as raised:
        cloudwatch.list_metrics(Namespace="AWS/Lambda", RecentlyActive="PT1H")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_validate_live_prints_the_warnings_and_what_it_read(aws_env, tmp_path):
    root = project(tmp_path)
    seed(("AWS/Lambda", "Errors", FUNCTION), ("AWS/Lambda", "Invocations", FUNCTION),
         ("AWS/Lambda", "Throttles", FUNCTION))
    result = runner.invoke(app, ["validate", "-C", str(root), "--env", "production", "--live"])
    assert result.exit_code == 0, result.output
    assert "monitors/orders.yaml:34:3: warning: alarm shop-orders-orders-production watches Shop/Orders Placed " \
           "{Env=production}, which has no data points" in result.output
    assert "live: 4 metric(s) of 4 alarm(s) listed in 123456789012 us-east-1 with 4 ListMetrics call(s); " \
           "1 alarm(s) watch metrics with no data points in the past 3 hours" in result.output


def test_validate_live_needs_an_environment(tmp_path):
    result = runner.invoke(app, ["validate", "-C", str(project(tmp_path)), "--live"])
    assert result.exit_code == 2 and "--live reads one environment's account: give --env" in result.output


@pytest.mark.slow
@pytest.mark.tools
def test_validate_live_against_the_sandbox_seeded_by_the_aws_cli(tmp_path):
    """The sandbox over HTTP, metrics put by the real `aws` CLI (an independent client), `obsgen` as a process."""
    import os
    import subprocess
    import sys

    from obsgen.sandbox import server as sandbox
    from test_aws_e2e import tool

    aws = tool("aws")
    with sandbox.start() as running:
        root = make_project(tmp_path / "project", MONITORS, project=LIVE_PROJECT.replace(
            f"region: {REGION}", f"region: {REGION}\n    endpoint: {running.endpoint_url}"))
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_CONFIG_FILE": "/dev/null", "AWS_PAGER": "",
               "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "NO_COLOR": "1", "COLUMNS": "400"}
        for metric in ("Errors", "Invocations", "Throttles"):
            subprocess.run([aws, "cloudwatch", "put-metric-data", "--endpoint-url", running.endpoint_url,
                            "--region", REGION, "--namespace", "AWS/Lambda", "--metric-name", metric, "--value", "0",
                            "--dimensions", "FunctionName=orders-production"], env=env, check=True, timeout=120)
        run = subprocess.run([sys.executable, "-m", "obsgen", "validate", "-C", str(root), "--env", "production",
                              "--live"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if line.endswith("[metric-not-published]")]
    assert len(warnings) == 1 and warnings[0].startswith("monitors/orders.yaml:34:3: warning: alarm "
                                                         "shop-orders-orders-production watches Shop/Orders Placed")
    assert "with 4 ListMetrics call(s); 1 alarm(s) watch metrics" in run.stdout


def test_http_api_presets_on_a_websocket_api_written_as_apigateway_v2_are_reported_naming_the_preset(aws_env,
                                                                                                     tmp_path):
    """The issue's case: a WebSocket API written `type: apigateway-v2` (an HTTP API to obsgen) with `preset:
    recommended`. No spec check can tell the two apart by their ApiId; the account can: it publishes
    ClientError for the API, never 4xx, 5xx or Latency."""
    project_text = LIVE_PROJECT + "presets:\n  severities: {critical: critical, warning: warning}\n"
    service = ("apiVersion: obsgen/v1\nkind: Service\nservice: chat\nowner: team-chat\nresources:\n"
               "  socket: {type: apigateway-v2, name: a1b2c3d4e5, preset: recommended}\n")
    root = make_project(tmp_path / "project", project=project_text, extra_files={"monitors/chat.yaml": service})
    seed(("AWS/ApiGateway", "ClientError", {"ApiId": "a1b2c3d4e5"}),
         ("AWS/ApiGateway", "MessageCount", {"ApiId": "a1b2c3d4e5"}))
    result = runner.invoke(app, ["validate", "-C", str(root), "--env", "production", "--live"])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.endswith("[metric-not-published]")]
    assert [w.split("watches ")[1].split(",")[0] for w in warnings] == [
        "AWS/ApiGateway 4xx {ApiId=a1b2c3d4e5}", "AWS/ApiGateway 5xx {ApiId=a1b2c3d4e5}",
        "AWS/ApiGateway Latency {ApiId=a1b2c3d4e5}"]
    for warning, preset in zip(warnings, ["4xx-errors", "5xx-errors", "latency"]):
        assert warning.startswith("monitors/chat.yaml:6:59: warning:")
        assert f"(from preset apigateway-http.{preset}, used at monitors/chat.yaml:6:59)" in warning


def test_validate_without_live_never_imports_boto3(tmp_path):
    """Only --live talks to AWS: a plain validate stays an offline command (cli/app.py's lazy commands)."""
    import subprocess
    import sys

    root = project(tmp_path)
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom obsgen.cli import app\n"
            f"result = CliRunner().invoke(app, ['validate', '-C', {str(root)!r}])\n"
            "assert result.exit_code == 0, result.output\nprint('boto3' in sys.modules, 'botocore' in sys.modules)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "False"]


def test_a_metric_published_only_in_us_east_1_is_listed_there(aws_env, tmp_path):
    """A CloudFront alarm of an eu-west-1 environment lives in us-east-1 (region placement): its metric is
    listed with us-east-1's client, and one seeded there is found."""
    cdn = ("apiVersion: obsgen/v1\nkind: Service\nservice: cdn\nowner: team-cdn\nresources:\n"
           "  site: {type: cloudfront, name: E1ABCDEF, dimensions: {Region: Global}}\nmonitors:\n"
           "  traffic: {summary: Requests to the site., resource: site, metric: Requests, statistic: Sum, period: 5m,\n"
           "            threshold: '> 1000', severity: warning}\n")
    root = make_project(tmp_path / "project", project=PROJECT, extra_files={"monitors/cdn.yaml": cdn})
    model = model_of(root)
    assert model.region == "eu-west-1" and {a.region for a in model.metric_alarms} == {"us-east-1"}
    boto3.client("cloudwatch", region_name="us-east-1").put_metric_data(Namespace="AWS/CloudFront", MetricData=[
        {"MetricName": "Requests", "Value": 1.0, "Dimensions": [{"Name": "DistributionId", "Value": "E1ABCDEF"},
                                                                {"Name": "Region", "Value": "Global"}]}])
    presence = read_presence(model, connect(model))
    assert set(presence.series) == {("us-east-1", "AWS/CloudFront", "Requests")}
    assert missing_metrics(model, presence) == []


LOG_MONITOR = """\
log-errors:
  summary: The function logs errors.
  log: {group: "/aws/lambda/orders-${env}", pattern: '{ $.level = "ERROR" }'}
  threshold: "> 5"
  period: 5m
  severity: warning
"""


def test_a_log_monitors_metric_is_neither_read_nor_warned_about(aws_env, tmp_path):
    """Its metric filter publishes only when lines match: an error count's absence is its normal state
    (the log group's own silence is aws/live_logs.py's finding)."""
    model = model_of(make_project(tmp_path / "project", MONITORS + LOG_MONITOR, project=LIVE_PROJECT))
    assert [f.monitor for f in model.metric_filters] == ["log-errors"]
    seed(("AWS/Lambda", "Errors", FUNCTION), ("AWS/Lambda", "Invocations", FUNCTION),
         ("AWS/Lambda", "Throttles", FUNCTION), ("Shop/Orders", "Placed", {"Env": "production"}))
    filtered = (model.metric_filters[0].namespace, model.metric_filters[0].metric)
    assert filtered not in {(namespace, metric) for _, namespace, metric in wanted(model)}
    presence = read_presence(model, connect(model))
    assert presence.calls == 4 and missing_metrics(model, presence) == []
