"""What the spec becomes as CloudWatch DashboardBody files: a service's own dashboard and declared ones."""

from __future__ import annotations

import json
import textwrap

from spec_builder import PROJECT, errors, make_project

from obsgen.targets import dashboard_body
from obsgen.compiler import compile_project
from obsgen.targets.cloudwatch_dashboards import dashboard_owner

MONITORS = """
    errors:
      summary: Orders function errors.
      resource: fn
      metric: Errors
      statistic: Sum
      period: 1m
      threshold: "> 5"
      severity: critical
      runbook: errors
    slow:
      summary: Orders are slow.
      resource: fn
      metric: Duration
      statistic: p99
      threshold: "> 1000"
      severity: warning
    error-rate:
      summary: More than 5% of invocations fail.
      expression: 100 * e / i
      metrics:
        e: {resource: fn, metric: Errors, statistic: Sum}
        i: {resource: fn, metric: Invocations, statistic: Sum}
      threshold: "> 5"
      severity: warning
    odd-traffic:
      summary: Traffic is unusual.
      namespace: Shop
      metric: Orders
      dimensions: {Env: "${env}"}
      statistic: Sum
      threshold: "outside band 2"
      severity: warning
    health:
      summary: Orders are failing.
      rule: errors or slow
      severity: critical
"""


def compile_with(tmp_path, dashboards: str = "", project: str = PROJECT, monitors: str = MONITORS):
    root = make_project(tmp_path, monitors, project=project)
    if dashboards:
        with (root / "monitors" / "orders.yaml").open("a") as spec:
            spec.write("dashboards:\n" + textwrap.indent(textwrap.dedent(dashboards), "  "))
    return compile_project(root)


def body(result, name, env="production"):
    assert result.ok, errors(result)
    return json.loads(result.files[f"{env}/cloudwatch/dashboards/{name}.json"])


def by_title(dashboard):
    return {w["properties"].get("title", ""): w for w in dashboard["widgets"]}


def metric_rows(widget):
    return widget["properties"]["metrics"]


def test_every_service_gets_a_dashboard_named_after_project_env_and_service(tmp_path):
    result = compile_with(tmp_path)
    assert sorted(p for p in result.files if "/dashboards/" in p) == [
        "production/cloudwatch/dashboards/shop-production-orders.json"]
    assert dashboard_body.validate(body(result, "shop-production-orders")) == []


def test_the_header_names_owner_and_links_each_alarm_and_runbook_page(tmp_path):
    header = body(compile_with(tmp_path), "shop-production-orders")["widgets"][0]
    markdown = header["properties"]["markdown"]
    assert header["type"] == "text" and (header["x"], header["y"], header["width"]) == (0, 0, 24)
    assert markdown.startswith("# orders (production)")
    assert "Owner: **team-orders**" in markdown and "`monitors/orders.yaml`" in markdown
    assert ("| [errors](https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1"
            "#alarmsV2:alarm/shop-orders-errors-production) | critical | > 5 | "
            "[runbook](https://runbooks.example.com/orders/errors.html?env=production) |") in markdown


def test_the_alarm_status_widget_lists_every_alarm_of_the_service_by_arn(tmp_path):
    status = by_title(body(compile_with(tmp_path), "shop-production-orders"))["Alarms"]
    assert status["type"] == "alarm" and status["width"] == 24
    arn = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:shop-orders-{}-production"
    assert status["properties"]["alarms"] == [arn.format(m) for m in
                                              ("error-rate", "errors", "health", "odd-traffic", "slow")]


def test_a_monitor_graph_uses_the_alarm_statistic_and_period_and_draws_the_threshold(tmp_path):
    graphs = by_title(body(compile_with(tmp_path), "shop-production-orders"))
    errors_graph = graphs["errors: > 5"]["properties"]
    assert metric_rows(graphs["errors: > 5"]) == [
        ["AWS/Lambda", "Errors", "FunctionName", "orders-production",
         {"id": "m1", "label": "Errors", "period": 60, "stat": "Sum"}]]
    assert errors_graph["annotations"] == {"horizontal": [{"label": "critical: > 5", "value": 5.0, "fill": "above"}]}
    assert errors_graph["region"] == "eu-west-1" and errors_graph["period"] == 60


def test_a_percentile_monitor_puts_the_percentile_in_stat(tmp_path):
    [row] = metric_rows(by_title(body(compile_with(tmp_path), "shop-production-orders"))["slow: > 1000"])
    assert row[-1]["stat"] == "p99"


def test_a_metric_math_monitor_draws_its_expression_with_the_inputs_hidden(tmp_path):
    rows = metric_rows(by_title(body(compile_with(tmp_path), "shop-production-orders"))["error-rate: > 5"])
    assert [r[-1] for r in rows] == [
        {"id": "e", "label": "e", "period": 300, "stat": "Sum", "visible": False},
        {"id": "i", "label": "i", "period": 300, "stat": "Sum", "visible": False},
        {"expression": "100 * e / i", "id": "expression", "label": "More than 5% of invocations fail."}]


def test_an_anomaly_monitor_draws_its_band_instead_of_a_line(tmp_path):
    graph = by_title(body(compile_with(tmp_path), "shop-production-orders"))["odd-traffic: outside band 2"]
    rows = metric_rows(graph)
    assert rows[0][:4] == ["Shop", "Orders", "Env", "production"]
    assert rows[1] == [{"expression": "ANOMALY_DETECTION_BAND(m1, 2)", "id": "band", "label": "Orders (expected band)"}]
    assert "annotations" not in graph["properties"]


def test_graphs_are_grouped_by_resource_three_to_a_row_on_the_24_column_grid(tmp_path):
    widgets = body(compile_with(tmp_path), "shop-production-orders")["widgets"]
    headings = [w["properties"]["markdown"] for w in widgets if w["type"] == "text"][1:-1]  # (not the marker)
    assert headings == ["### AWS/Lambda · FunctionName=orders-production", "### Shop · Env=production"]
    lambda_graphs = [w for w in widgets if w["type"] == "metric" and w["properties"]["metrics"][0][0] == "AWS/Lambda"]
    assert [(w["x"], w["width"]) for w in lambda_graphs] == [(0, 8), (8, 8), (16, 8)]
    assert all(w["x"] + w["width"] <= 24 for w in widgets)
    ys = sorted({w["y"] for w in widgets})
    assert ys == sorted(ys) and len({(w["x"], w["y"]) for w in widgets}) == len(widgets), "no two widgets overlap"


def test_a_monitor_disabled_in_an_environment_is_left_off_its_dashboard(tmp_path):
    project = PROJECT + '    disabled: [orders/slow, orders/health]\n'  # (health's rule names slow)
    dashboard = body(compile_with(tmp_path, project=project), "shop-production-orders")
    assert "slow: > 1000" not in by_title(dashboard)
    assert not any("slow" in arn for arn in by_title(dashboard)["Alarms"]["properties"]["alarms"])


DECLARED = """
main:
  title: Orders at a glance
  start: -PT6H
  rows:
    - height: 4
      widgets:
        - text: "Orders in **${env}**"
          width: 6
        - alarms: [errors, health]
          sort_by: stateUpdatedTimestamp
    - widgets:
        - monitor: error-rate
          title: Error rate
        - title: Invocations and errors
          metrics:
            calls: {resource: fn, metric: Invocations, statistic: Sum, label: Calls}
            failed: {resource: fn, metric: Errors, statistic: Sum, visible: false}
          expressions:
            pct: {expression: "100 * failed / calls", label: "% failed"}
          stacked: true
        - title: Errors in the logs
          logs:
            groups: ["/aws/lambda/orders-${env}"]
            query: "fields @message | filter @message like /ERROR/"
"""


def test_a_declared_dashboard_renders_each_kind_of_widget(tmp_path):
    dashboard = body(compile_with(tmp_path, DECLARED), "shop-production-main")
    assert dashboard["start"] == "-PT6H" and dashboard["periodOverride"] == "auto"
    header, text, status, rate, graph, logs, _marker = dashboard["widgets"]
    assert header["properties"]["markdown"].startswith("# Orders at a glance")
    assert text["properties"] == {"markdown": "Orders in **production**"} and (text["width"], text["height"]) == (6, 4)
    assert (status["x"], status["width"]) == (6, 18), "a widget without width takes the free columns"
    assert status["properties"]["sortBy"] == "stateUpdatedTimestamp" and len(status["properties"]["alarms"]) == 2
    assert rate["properties"]["title"] == "Error rate" and rate["properties"]["annotations"]["horizontal"][0]["value"] == 5
    assert [w["width"] for w in (rate, graph, logs)] == [8, 8, 8]
    assert metric_rows(graph) == [
        ["AWS/Lambda", "Invocations", "FunctionName", "orders-production",
         {"id": "calls", "label": "Calls", "period": 300, "stat": "Sum"}],
        ["AWS/Lambda", "Errors", "FunctionName", "orders-production",
         {"id": "failed", "period": 300, "stat": "Sum", "visible": False}],
        [{"expression": "100 * failed / calls", "id": "pct", "label": "% failed"}]]
    assert graph["properties"]["stacked"] is True
    assert logs["type"] == "log" and logs["properties"]["query"] == (
        "SOURCE '/aws/lambda/orders-production' | fields @message | filter @message like /ERROR/")


def test_a_project_dashboard_reaches_across_services(tmp_path):
    project = PROJECT + textwrap.dedent("""\
        dashboards:
          overview:
            rows:
              - widgets:
                  - alarms: ["*"]
                  - metrics:
                      calls: {resource: orders/fn, metric: Invocations, statistic: Sum}
        """)
    dashboard = body(compile_with(tmp_path, project=project), "shop-production-overview")
    status, graph = dashboard["widgets"][1:-1]
    assert len(status["properties"]["alarms"]) == 5
    assert metric_rows(graph)[0][:4] == ["AWS/Lambda", "Invocations", "FunctionName", "orders-production"]


def test_every_dashboard_ends_with_obsgens_ownership_marker_on_a_line_of_its_own(tmp_path):
    build = compile_with(tmp_path, DECLARED)
    for name in ("shop-production-orders", "shop-production-main"):
        widgets = body(build, name)["widgets"]
        marker = widgets[-1]
        assert marker["properties"]["markdown"] == ("Managed by obsgen: `obsgen:project=shop` `obsgen:env=production`. "
                                                    "Changes made here are overwritten by `obsgen apply`.")
        assert (marker["type"], marker["x"], marker["width"], marker["height"]) == ("text", 0, 24, 1)
        assert marker["y"] == max(w["y"] + w["height"] for w in widgets[:-1]), "below every other widget"
        assert dashboard_owner(body(build, name)) == ("shop", "production")
    assert dashboard_owner({"widgets": widgets[:-1]}) is None


def test_a_dashboard_of_exactly_500_widgets_leaves_no_room_for_the_marker(tmp_path):
    rows = "".join(f"    - widgets: [{{text: 'widget {i}'}}]\n" for i in range(499))  # + its header
    found = errors(compile_with(tmp_path, "main:\n  rows:\n" + rows))
    assert any("has 500 widgets and obsgen adds one (its ownership marker); CloudWatch allows 500" in e
               for e in found), found


def test_the_same_spec_compiles_to_the_same_bytes(tmp_path):
    first = compile_with(tmp_path / "a", DECLARED).files
    second = compile_with(tmp_path / "b", DECLARED).files
    dashboards = [p for p in first if "/dashboards/" in p]
    assert len(dashboards) == 2 and all(first[p] == second[p] for p in dashboards)


def test_a_services_own_dashboard_passes_the_body_rules_the_target_only_applies_to_declared_ones(tmp_path):
    """The target validates declared dashboards' bodies (dashboard_body.validate) but not the
    services' own, which obsgen builds: they must pass too, also with more than 100 alarms."""
    many = MONITORS + "".join(f"""
    extra-{i}:
      summary: Extra monitor {i}.
      resource: fn
      metric: Errors
      statistic: Sum
      threshold: "> {i}"
      severity: warning
""" for i in range(120))
    result = compile_with(tmp_path, monitors=many)
    dashboard = body(result, "shop-production-orders")
    assert sum(w["type"] == "alarm" for w in dashboard["widgets"]) == 2  # 125 alarms: 100 + 25
    assert dashboard_body.validate(dashboard) == []
