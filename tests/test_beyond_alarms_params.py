"""The fixture project of issue #17 (tests/fixtures/beyond-alarms: log monitors, a native log alarm,
saved queries, event routes, a budget and a maintenance window) compiles, and every parameter set it
generates passes botocore's own validator for its API call (types, required members, lengths, enums)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.validate import ParamValidator

from obsgen.compiler import compile_project

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "beyond-alarms"
BUILD = compile_project(FIXTURE)
ENV = "sandbox"


def _file(path: str) -> dict:
    return json.loads(BUILD.files[f"{ENV}/{path}"])


def _validate(service: str, operation: str, params: dict) -> str:
    model = boto3.session.Session().client(service, region_name="us-east-1")._service_model
    return ParamValidator().validate(params, model.operation_model(operation).input_shape).generate_report()


def _calls():
    logs = _file("logs/orders.json")
    for params in logs["MetricFilters"]:
        yield pytest.param("logs", "PutMetricFilter", params, id=params["filterName"])
    for params in logs["QueryDefinitions"]:
        yield pytest.param("logs", "PutQueryDefinition", params, id=params["name"])
    alarms = _file("cloudwatch/orders.json")
    for params in alarms["MetricAlarms"]:
        yield pytest.param("cloudwatch", "PutMetricAlarm", params, id=params["AlarmName"])
    for params in alarms["LogAlarms"]:
        yield pytest.param("cloudwatch", "PutLogAlarm", params, id=params["AlarmName"])
    events = _file("events/rules.json")
    for params in events["Rules"]:
        yield pytest.param("events", "PutRule", params, id=params["Name"])
    for params in events["Targets"]:
        yield pytest.param("events", "PutTargets", params, id="targets of " + params["Rule"])
    for params in _file("budgets/budgets.json")["Budgets"]:
        yield pytest.param("budgets", "CreateBudget", params, id=params["Budget"]["BudgetName"])
    for params in _file("maintenance/mute-rules.json")["MuteRules"]:
        yield pytest.param("cloudwatch", "PutAlarmMuteRule", params, id=params["Name"])


def test_the_fixture_compiles_without_diagnostics():
    assert BUILD.diagnostics == []


@pytest.mark.parametrize("service,operation,params", list(_calls()))
def test_every_new_parameter_set_passes_botocore_validation(service, operation, params):
    assert _validate(service, operation, params) == ""


def test_the_fixture_holds_each_new_kind_of_resource():
    operations = [p.values[1] for p in _calls()]
    for operation in ("PutMetricFilter", "PutQueryDefinition", "PutLogAlarm", "PutRule", "PutTargets", "CreateBudget",
                      "PutAlarmMuteRule"):
        assert operation in operations


def test_a_log_monitor_makes_its_metric_filter_and_its_alarm_on_the_filters_metric():
    logs = {p["filterName"]: p for p in _file("logs/orders.json")["MetricFilters"]}
    alarms = {p["AlarmName"]: p for p in _file("cloudwatch/orders.json")["MetricAlarms"]}
    found = logs["orders/sandbox/orders/timeouts"]["metricTransformations"][0]
    alarm = alarms["orders-orders-timeouts-sandbox"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (found["metricNamespace"], found["metricName"])
    assert alarm["TreatMissingData"] == "notBreaching"


def test_a_log_monitor_with_dimensions_alarms_on_their_sum_with_a_metrics_insights_query():
    alarm = next(p for p in _file("cloudwatch/orders.json")["MetricAlarms"]
                 if p["AlarmName"] == "orders-orders-slow-requests-sandbox")
    [query] = alarm["Metrics"]
    assert query["Expression"] == 'SELECT MAX("orders-orders-slow-requests-sandbox") FROM "orders/logs"'
    assert query["Period"] == 300


def test_a_topic_policy_lets_each_publisher_of_the_topic_publish_to_it():
    policies = {p["TopicArn"].rsplit(":", 1)[1]: p["Statements"] for p in _file("sns/topics.json")["TopicPolicies"]}
    assert [s["Sid"] for s in policies["orders-critical-sandbox"]] == ["obsgenCloudWatch", "obsgenEventBridge",
                                                                        "obsgenBudgets"]
    assert [s["Principal"]["Service"] for s in policies["orders-warning-sandbox"]] == [
        "cloudwatch.amazonaws.com", "events.amazonaws.com", "budgets.amazonaws.com"]


def test_a_dashboard_logs_widget_shows_a_saved_query_by_name():
    body = json.loads(BUILD.files[f"{ENV}/cloudwatch/dashboards/orders-sandbox-triage.json"])
    [widget] = [w for w in body["widgets"] if w["type"] == "log"]
    assert widget["properties"]["query"] == ("SOURCE '/aws/lambda/orders-sandbox' | fields @timestamp, @message "
                                             "| filter level = 'ERROR' | sort @timestamp desc | limit 50")


def test_warm_up_becomes_the_alarm_s_warm_up_configuration_waiting_only_when_asked():
    metric = {a["AlarmName"]: a for a in _file("cloudwatch/orders.json")["MetricAlarms"]}
    assert metric["orders-orders-error-lines-sandbox"]["WarmUpConfiguration"] == {
        "WarmUpPeriodDurationInMinutes": 15, "OnlyStartEvaluatingAfterWarmUpPeriodEnds": False}
    assert "WarmUpConfiguration" not in metric["orders-orders-timeouts-sandbox"]
    log = {a["AlarmName"]: a for a in _file("cloudwatch/orders.json")["LogAlarms"]}
    assert log["orders-orders-payment-failures-sandbox"]["WarmUpConfiguration"] == {
        "WarmUpPeriodDurationInMinutes": 30, "OnlyStartEvaluatingAfterWarmUpPeriodEnds": True}


def test_the_service_dashboard_graphs_each_log_monitor_like_a_metric_monitor():
    """#17 item 6: the metric filter's metric with the threshold line, a dimensioned one as its Metrics
    Insights sum, and the native log alarm's query as a Logs Insights widget, under the log group."""
    widgets = json.loads(BUILD.files[f"{ENV}/cloudwatch/dashboards/orders-sandbox-orders.json"])["widgets"]
    graphs = {w["properties"]["title"]: w for w in widgets if "title" in w["properties"] and w["type"] != "alarm"}
    assert sorted(graphs) == ["error-lines: > 5", "payment-failures: > 3", "slow-requests: > 5000", "timeouts: >= 1"]
    assert graphs["error-lines: > 5"]["properties"]["metrics"][0][:2] == ["orders/logs", "orders-orders-error-lines-sandbox"]
    assert graphs["error-lines: > 5"]["properties"]["annotations"]["horizontal"][0]["value"] == 5
    slow = graphs["slow-requests: > 5000"]["properties"]["metrics"][0][0]["expression"]
    assert slow == 'SELECT MAX("orders-orders-slow-requests-sandbox") FROM "orders/logs"'
    native = graphs["payment-failures: > 3"]
    assert native["type"] == "log" and native["properties"]["query"].startswith("SOURCE '/aws/lambda/orders-sandbox' | ")
    assert any(w["type"] == "text" and w["properties"]["markdown"] == "### Logs · /aws/lambda/orders-sandbox"
               for w in widgets)


def test_each_metric_filter_carries_the_monitor_s_value_default_dimensions_and_unit():
    """PutMetricFilter's MetricTransformation, as the fixture writes each log monitor: a count with a
    default of 0, a value read from a JSON field with its unit and one dimension per customer, a bare count."""
    found = {f["filterName"].rsplit("/", 1)[1]: (f["logGroupName"], f["filterPattern"], f["metricTransformations"])
             for f in _file("logs/orders.json")["MetricFilters"]}
    assert found == {
        "error-lines": ("/aws/lambda/orders-sandbox", '{ $.level = "ERROR" }', [
            {"metricName": "orders-orders-error-lines-sandbox", "metricNamespace": "orders/logs", "metricValue": "1",
             "defaultValue": 0.0}]),
        "slow-requests": ("/aws/lambda/orders-sandbox", "{ $.latency > 2000 && $.customer = * }", [
            {"metricName": "orders-orders-slow-requests-sandbox", "metricNamespace": "orders/logs",
             "metricValue": "$.latency", "unit": "Milliseconds", "dimensions": {"Customer": "$.customer"}}]),
        "timeouts": ("/aws/lambda/orders-sandbox", '"Task timed out"', [
            {"metricName": "orders-orders-timeouts-sandbox", "metricNamespace": "orders/logs", "metricValue": "1"}]),
    }


@pytest.mark.parametrize("digit", ["²", "٣", "３"])
def test_a_maintenance_cron_field_takes_ascii_digits_only(digit):
    """'²' passes str.isdigit but not int() (it was an internal error); '٣' and '３' pass both, but AWS's
    cron takes ASCII digits: either way a located bad-schedule error, never a crash or a late refusal."""
    from obsgen.language.v1.maintenance import _cron_value

    assert _cron_value(digit, 0, 23, (), False) is None
    assert _cron_value("3", 0, 23, (), False) == 3
