"""The Grafana dashboard of a service with Prometheus alerts, and how an alert's threshold is found."""

from __future__ import annotations

import json
import re

import pytest
from aws_support import example_model

from obsgen.prometheus.promql import split_threshold
from obsgen.targets import grafana

EXAMPLE = example_model("production")
[CREDLINK] = [g for g in EXAMPLE.rule_groups if g.service == "credlink-api"]
DASHBOARD = grafana.dashboard(EXAMPLE, CREDLINK)


def panels(kind):
    return [p for p in DASHBOARD["panels"] if p["type"] == kind]


def test_the_dashboard_imports_into_grafana_11_with_a_stable_uid():
    assert DASHBOARD["schemaVersion"] == 39 and DASHBOARD["id"] is None
    uid = DASHBOARD["uid"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid)
    assert uid == grafana.dashboard_uid("stock-analysis", "production", "credlink-api")
    assert uid != grafana.dashboard_uid("stock-analysis", "staging", "credlink-api")
    assert DASHBOARD["title"] == "stock-analysis credlink-api (production)"


def test_the_datasource_is_a_template_variable_every_panel_uses():
    [variable] = DASHBOARD["templating"]["list"]
    assert (variable["name"], variable["type"], variable["query"]) == ("datasource", "datasource", "prometheus")
    for panel in panels("timeseries"):
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"][0]["datasource"] == panel["datasource"]


def test_there_is_a_panel_per_alert_with_its_expression_and_threshold():
    timeseries = [p for p in panels("timeseries") if "error budget left" not in p["title"]]  # test_slo_pages.py
    assert len(timeseries) == len(CREDLINK.alerts) == 16 + 2  # 16 monitors, the latency SLO's page and ticket
    by_title = {p["title"]: p for p in timeseries}
    critical = by_title["CredlinkApiErrorRate (critical): > 0.05 for 5m"]
    assert critical["targets"][0]["expr"] == "job:http_error_ratio:rate5m"
    assert critical["fieldConfig"]["defaults"]["thresholds"]["steps"] == [
        {"color": "green", "value": None}, {"color": "red", "value": 0.05}]
    assert critical["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"] == {"mode": "line"}
    low = by_title["ApiTasksLow (critical): < 3 for 5m"]
    assert low["targets"][0]["expr"] == 'count by (job) (up{job="credlink-api"} == 1)'
    assert low["fieldConfig"]["defaults"]["thresholds"]["steps"][0]["color"] == "red", "below the line fires"
    assert critical["links"] == [{"title": "Runbook", "targetBlank": True,
                                  "url": "https://runbooks.example.com/stock-analysis/credlink-api/"
                                         "api-error-rate-critical.html?env=production"}]


def test_rows_group_the_panels_by_category_and_no_two_panels_overlap():
    assert [r["title"] for r in panels("row")] == ["api", "business", "database", "infrastructure", "redis",
                                                  "slo-latency"]  # an SLO's alerts: a row of their own
    cells = [(x, y) for p in DASHBOARD["panels"] for g in [p["gridPos"]]
             for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])]
    assert len(cells) == len(set(cells))
    assert len({p["id"] for p in DASHBOARD["panels"]}) == len(DASHBOARD["panels"])


def test_only_services_with_prometheus_alerts_get_a_grafana_dashboard():
    files = grafana.render(EXAMPLE).files
    assert list(files) == ["grafana/credlink-api.json"]
    assert json.loads(files["grafana/credlink-api.json"]) == DASHBOARD


@pytest.mark.parametrize("expr, query, operator, value", [
    ("job:http_error_ratio:rate5m > 0.05", "job:http_error_ratio:rate5m", ">", 0.05),
    ('count by (job) (up{job="x"} == 1) < 3', 'count by (job) (up{job="x"} == 1)', "<", 3),
    ('up{job="x"} == 0', 'up{job="x"}', "==", 0),
    ("rate(errors_total[5m]) >= bool 1e3", "rate(errors_total[5m])", ">=", 1000),
    ('sum(x{path=~"a>1"}) > 2 # two', 'sum(x{path=~"a>1"})', ">", 2),
])
def test_a_top_level_comparison_with_a_number_is_the_threshold(expr, query, operator, value):
    split = split_threshold(expr)
    assert split is not None and (split.query, split.operator, split.value) == (query, operator, value)


@pytest.mark.parametrize("expr, query, operator, value", [
    # `and` binds looser than `>`: the ratio decides, the traffic guard only filters (issue 14, item 9)
    ("ratio > 0.05 and sum(rate(requests[5m])) > 1", "ratio", ">", 0.05),
    ("x > 1 unless y > 2", "x", ">", 1),
    ("a > 0.05 and on (job) b > 1 and c > 2", "a", ">", 0.05),
    ("sum by (job) (x) > 1 and on (job) y < 3", "sum by (job) (x)", ">", 1),
    # arithmetic binds tighter than a comparison: the number's operand is the whole left side
    ("x + 1 > 2", "x + 1", ">", 2),
    ("a - -1 > 3", "a - -1", ">", 3),
    ("x / on (job) group_left y > 0.5", "x / on (job) group_left y", ">", 0.5),
    # a number on the left is read from the query's side
    ("0.5 < x", "x", ">", 0.5),
    ("3 >= count(up)", "count(up)", "<=", 3),
])
def test_the_threshold_follows_operator_precedence(expr, query, operator, value):
    split = split_threshold(expr)
    assert split is not None and (split.query, split.operator, split.value) == (query, operator, value)


@pytest.mark.parametrize("expr", [
    "x > 1 or y > 2",  # either side fires: no single line
    "y and x > 1",  # `and` keeps its left side's samples, which have no threshold
    "x > 1 + 2",  # the right side is arithmetic, not a number
    "x > 1 atan2 y",
])
def test_a_threshold_that_does_not_decide_the_alert_is_not_drawn(expr):
    assert split_threshold(expr) is None


def test_the_panel_of_a_guarded_ratio_draws_the_ratios_threshold(tmp_path):
    from test_prometheus import SERVICE, compile_with

    service = SERVICE.replace("promql: payment_queue_depth > 100",
                              "promql: ratio > 0.05 and sum(rate(requests[5m])) > 1")
    model = compile_with(tmp_path, service).models["production"]
    board = grafana.dashboard(model, model.rule_groups[0])
    [panel] = [p for p in board["panels"] if p.get("title", "").startswith("PaymentQueueStuck")]
    assert panel["title"] == "PaymentQueueStuck (warning): > 0.05"
    assert panel["targets"][0]["expr"] == "ratio"
    assert panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] == 0.05


@pytest.mark.parametrize("expr", ["a > b", "absent(up)", 'x{le="0.5"}', "(a > 1)", "> 1"])
def test_without_a_top_level_numeric_comparison_the_whole_expression_is_graphed(expr):
    assert split_threshold(expr) is None
