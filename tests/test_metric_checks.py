"""The metric catalog's checks as the compiler reports them: located at what to change, named after
the preset that made a monitor, once per mistake, and warnings that do not stop a build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from obsgen.compiler import compile_project
from obsgen.diagnostics import Level
from obsgen.presets import expand
from obsgen.presets.catalog import DATA_DIR as PRESETS_DIR, load_catalog
from spec_builder import PROJECT, build, errors, make_project

ROOT = Path(__file__).resolve().parents[1]
MAPPED_PROJECT = PROJECT + "presets:\n  severities: {critical: critical, warning: warning}\n"
SERVICE = "apiVersion: obsgen/v1\nkind: Service\nservice: {name}\nowner: team-{name}\n"


def service(name: str, body: str) -> dict[str, str]:
    return {f"monitors/{name}.yaml": SERVICE.format(name=name) + body}


def compiled(tmp_path: Path, **files: str):
    return compile_project(make_project(tmp_path, project=MAPPED_PROJECT, extra_files=files))


def test_a_statistic_aws_calls_meaningless_is_a_warning_at_the_statistic_and_the_build_goes_on(tmp_path):
    result = compiled(tmp_path, **service("cdn", """\
resources:
  site: {type: cloudfront, name: E1ABCDEF, dimensions: {Region: Global}}
monitors:
  traffic:
    summary: Requests to the site.
    resource: site
    metric: Requests
    statistic: Average
    period: 5m
    threshold: "> 1000"
    severity: warning
"""))
    assert errors(result) == [
        "monitors/cdn.yaml:12:16: warning: AWS documents Sum as the statistics of AWS/CloudFront metric 'Requests', "
        "not Average [metric-statistic]"]
    assert result.ok and result.diagnostics[0].level is Level.WARNING
    assert "production/cloudwatch/us-east-1/cdn.json" in result.files  # placed where CloudFront publishes


def test_an_unknown_aws_namespace_is_a_warning_with_the_closest_known_one(tmp_path):
    result = build(tmp_path, """\
errors:
  summary: Errors.
  namespace: AWS/Lambdas
  metric: Errors
  dimensions: {FunctionName: orders}
  statistic: Sum
  period: 5m
  threshold: "> 1"
  severity: critical
""")
    assert errors(result) == [
        "monitors/orders.yaml:10:16: warning: namespace 'AWS/Lambdas' is not in obsgen's metric catalog (did you "
        "mean 'AWS/Lambda'?); its metrics are not checked [unknown-namespace]"]
    assert result.ok


def test_a_custom_namespace_is_not_checked(tmp_path):
    result = build(tmp_path, """\
failed-orders:
  summary: Orders fail.
  namespace: Shop/Orders
  metric: FailedOrdrs
  dimensions: {Anything: at-all}
  statistic: Average
  period: 5m
  threshold: "> 1"
  severity: critical
""")
    assert errors(result) == [] and result.ok


def test_a_misspelt_dimension_of_a_monitor_is_an_error_at_its_key(tmp_path):
    result = build(tmp_path, """\
errors:
  summary: Errors.
  resource: fn
  metric: Errors
  dimensions: {Resorce: "orders-${env}:live"}
  statistic: Sum
  period: 5m
  threshold: "> 1"
  severity: critical
""")
    assert errors(result) == [
        "monitors/orders.yaml:12:18: error: AWS/Lambda metric 'Errors' is not published with [FunctionName, "
        "Resorce]: 'Resorce' is not one of its dimensions (did you mean 'Resource'?); it is published with no "
        "dimensions; [FunctionName]; [FunctionName, Resource]; [ExecutedVersion, FunctionName, Resource] "
        "[metric-dimensions]"]


def test_a_math_query_is_checked_at_its_own_metric(tmp_path):
    result = build(tmp_path, """\
error-rate:
  summary: Error rate.
  expression: "100 * errors / invocations"
  metrics:
    errors: {resource: fn, metric: Errors, statistic: Sum}
    invocations: {resource: fn, metric: Invocation, statistic: Sum}
  period: 5m
  threshold: "> 1"
  severity: critical
""")
    assert errors(result) == [
        "monitors/orders.yaml:13:43: warning: AWS/Lambda has no metric 'Invocation' (did you mean 'Invocations'?) "
        "(obsgen's catalog lists part of AWS/Lambda's metrics: check the name) [unknown-metric]"]


def test_a_dashboard_graph_of_a_websocket_api_is_checked_for_its_flavour(tmp_path):
    result = compiled(tmp_path, **service("chat", """\
resources:
  socket: {type: apigateway-websocket, name: a1b2c3d4e5}
dashboards:
  main:
    rows:
      - widgets:
          - title: Latency
            metrics:
              p99: {resource: socket, metric: Latency, statistic: p99}
"""))
    assert errors(result) == [
        "monitors/chat.yaml:13:47: error: WebSocket APIs do not publish AWS/ApiGateway metric 'Latency' (published "
        "for HTTP APIs, REST APIs); WebSocket APIs publish ClientError, ConnectCount, ExecutionError, "
        "IntegrationError, IntegrationLatency, MessageCount; type 'apigateway' (API Gateway REST API) publishes it "
        "and type 'apigateway-v2' (API Gateway HTTP API) publishes it [metric-flavour]"]


def test_a_misspelt_resource_dimension_under_three_preset_alarms_is_one_error(tmp_path):
    result = compiled(tmp_path, **service("api", """\
resources:
  rest:
    type: apigateway
    name: "shop-api-${env}"
    dimensions: {Stge: prod}
    preset: recommended
"""))
    assert errors(result) == [
        "monitors/api.yaml:9:18: error: 'Stge' is not a dimension of AWS/ApiGateway metrics of resource type "
        "'apigateway' (did you mean 'Stage'?) [metric-dimensions]"]


def test_a_preset_whose_metric_the_resource_flavour_does_not_publish_is_an_error_naming_the_preset(tmp_path,
                                                                                                    monkeypatch):
    """The HTTP API presets wrongly offered for WebSocket APIs: every alarm is refused, at the resource's
    `preset:`, naming the preset alarm (the shipped presets pass, tests/test_metrics_catalog.py)."""
    presets = tmp_path / "presets"
    shutil.copytree(PRESETS_DIR, presets)
    (presets / "apigateway-websocket.yaml").unlink()
    path = presets / "apigateway-http.yaml"
    path.write_text(path.read_text().replace("resource_types: [apigateway-v2]",
                                             "resource_types: [apigateway-v2, apigateway-websocket]"))
    catalog, problems = load_catalog(presets)
    assert problems == []
    monkeypatch.setattr(expand, "shipped_catalog", lambda: (catalog, ()))
    result = compiled(tmp_path / "project", **service("chat", """\
resources:
  socket: {type: apigateway-websocket, name: a1b2c3d4e5, preset: recommended}
"""))
    found = errors(result)
    assert len(found) == 3 and not result.ok
    for line, alarm in zip(found, ["4xx-errors", "5xx-errors", "latency"]):
        assert line.startswith("monitors/chat.yaml:6:66: error: WebSocket APIs do not publish AWS/ApiGateway metric")
        assert line.endswith(f"(from preset apigateway-http.{alarm}, used at monitors/chat.yaml:6:66) [metric-flavour]")


@pytest.mark.parametrize("path", ["monitors", "examples/presets/monitors"])
def test_the_examples_compile_without_a_metric_problem(path, tmp_path):
    shutil.copytree(ROOT / path, tmp_path / "monitors")
    shutil.copytree(ROOT / "runbooks_src", tmp_path / "runbooks_src") if path == "monitors" else None
    result = compile_project(tmp_path)
    assert [str(d) for d in result.diagnostics if d.code.startswith(("metric-", "unknown-metric",
                                                                     "unknown-namespace"))] == []


def test_a_unit_the_metric_is_not_published_in_is_an_error_at_the_unit(tmp_path):
    """PutMetricAlarm's Unit filters the data points: an alarm on Lambda's Duration (Milliseconds) that asks for
    Seconds would stay INSUFFICIENT_DATA and never fire. The published unit, or none, compiles."""
    body = """\
resources:
  fn: {type: lambda, name: "orders-${env}"}
monitors:
  slow:
    summary: Slow.
    resource: fn
    metric: Duration
    statistic: p99
    unit: UNIT
    period: 5m
    threshold: "> 1000"
    severity: warning
"""
    result = compiled(tmp_path / "seconds", **service("orders", body.replace("UNIT", "Seconds")))
    assert errors(result) == [
        "monitors/orders.yaml:13:11: error: AWS/Lambda publishes 'Duration' in Milliseconds, not Seconds: an alarm "
        "that asks for Seconds gets no data points and stays in INSUFFICIENT_DATA; leave 'unit' out, as AWS "
        "recommends, or write unit: Milliseconds [metric-unit]"]
    assert not result.ok
    assert compiled(tmp_path / "ms", **service("orders", body.replace("UNIT", "Milliseconds"))).ok
    assert compiled(tmp_path / "none", **service("orders", body.replace("    unit: UNIT\n", ""))).ok


def test_a_preset_override_with_another_unit_points_at_the_override_and_names_the_preset(tmp_path):
    result = compiled(tmp_path, **service("orders", """\
resources:
  fn:
    type: lambda
    name: "orders-${env}"
    preset: recommended
    params: {max_errors: 0, timeout: 30s}
    presets:
      duration: {unit: Microseconds}
"""))
    found = [line for line in errors(result) if "[metric-unit]" in line]
    assert len(found) == 1 and not result.ok
    assert found[0].startswith("monitors/orders.yaml:12:24: error: AWS/Lambda publishes 'Duration' in Milliseconds, "
                               "not Microseconds")
    assert "(from preset lambda.duration, used at monitors/orders.yaml:" in found[0]
