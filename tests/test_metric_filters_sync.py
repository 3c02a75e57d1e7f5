"""Log monitors' metric filters in plan / apply / drift (aws/kinds/metric_filters.py): against moto
in-process with obsgen's gap-fillers (sandbox/logs.py), every request checked by botocore's model;
faults injected against the sandbox over HTTP.

The project is tests/fixtures/beyond-alarms (three log monitors on /aws/lambda/orders-sandbox)."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from pathlib import Path

import pytest
from aws_support import CallLog, aws_env, clients_for, in_process  # noqa: F401
from test_aws_faults import EXPECTED_ERROR, FAULTS, ONCE, Injector, sb  # noqa: F401

from obsgen.aws.drift import CHANGED, MISSING, NOT_IN_SPEC, drift_report
from obsgen.aws.plan import CREATE, DELETE, UPDATE
from obsgen.aws.session import connect, retry_config
from obsgen.aws.workflow import ApplyOptions, apply, make_plan
from obsgen.compiler import compile_project

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "beyond-alarms"
GROUP = "/aws/lambda/orders-sandbox"
PREFIX = "orders/sandbox/"
FAST = ApplyOptions(concurrency=1, writes_per_second=None)


def fixture_model():
    build = compile_project(FIXTURE, ["sandbox"])
    assert build.ok, build.diagnostics
    return build.models["sandbox"]


@pytest.fixture
def model():
    return in_process(fixture_model())


@pytest.fixture
def clients(aws_env, model):
    return clients_for(model)  # with the log group (aws_support.make_log_groups)


@pytest.fixture
def log(clients):
    log = CallLog().attach(clients.cloudwatch, clients.sns, clients.tagging, clients.client("logs"))
    yield log
    assert log.problems == [], "requests that botocore's service model rejects"


def converge(model, clients):
    result = apply(model, clients, make_plan(model, clients), FAST)
    assert result.ok, (result.failed, result.not_done)
    return result


def live_filters(clients):
    return {f["filterName"]: f for f in clients.client("logs").describe_metric_filters()["metricFilters"]}


def filter_changes(plan):
    return [c for c in plan.changes if c.kind == "metric_filter"]


def test_apply_puts_every_log_monitors_filter_as_the_target_wrote_it(model, clients, log):
    plan = make_plan(model, clients)
    assert sorted(c.name for c in filter_changes(plan) if c.action == CREATE) == sorted(
        f"{GROUP}:{f.name}" for f in model.metric_filters)
    converge(model, clients)
    live = live_filters(clients)
    assert sorted(live) == [f"{PREFIX}orders/error-lines", f"{PREFIX}orders/slow-requests", f"{PREFIX}orders/timeouts"]
    slow = live[f"{PREFIX}orders/slow-requests"]
    assert slow["filterPattern"] == "{ $.latency > 2000 && $.customer = * }"
    assert slow["metricTransformations"] == [{"metricName": "orders-orders-slow-requests-sandbox",
                                              "metricNamespace": "orders/logs", "metricValue": "$.latency",
                                              "dimensions": {"Customer": "$.customer"}, "unit": "Milliseconds"}]
    writes = [op for _, op in log.writes()]
    assert writes.index("PutMetricFilter") < writes.index("PutMetricAlarm"), "the filter goes before its alarm"


def test_after_apply_the_plan_is_empty_and_the_filters_cost_one_read(model, clients, log):
    converge(model, clients)
    log.calls.clear()
    again = make_plan(model, clients)
    assert not again.has_changes and drift_report(again).in_sync
    assert Counter(op for _, op in log.calls)["DescribeMetricFilters"] == 1
    assert apply(model, clients, again, FAST).write_calls == 0


def test_a_hand_edited_pattern_is_drift_of_that_field_and_apply_puts_it_back(model, clients, log):
    converge(model, clients)
    name = f"{PREFIX}orders/timeouts"
    clients.client("logs").put_metric_filter(
        logGroupName=GROUP, filterName=name, filterPattern='"Task timed out" -retry',
        metricTransformations=[{"metricName": "orders-orders-timeouts-sandbox", "metricNamespace": "orders/logs",
                                "metricValue": "1", "unit": "Count"}])
    plan = make_plan(model, clients)
    [change] = plan.changes
    assert (change.address, change.action) == (f"metric_filter.{GROUP}:{name}", UPDATE)
    assert [(f.field, f.before, f.after) for f in change.fields] == [
        ("filterPattern", '"Task timed out" -retry', '"Task timed out"'), ("metric.unit", "Count", None)]
    [item] = drift_report(plan).items
    assert item.status == CHANGED
    converge(model, clients)
    assert live_filters(clients)[name]["filterPattern"] == '"Task timed out"'
    assert not make_plan(model, clients).has_changes


def test_a_deleted_filter_is_missing_and_apply_makes_it_again(model, clients, log):
    converge(model, clients)
    clients.client("logs").delete_metric_filter(logGroupName=GROUP, filterName=f"{PREFIX}orders/error-lines")
    plan = make_plan(model, clients)
    assert [(c.action, c.name) for c in plan.changes] == [(CREATE, f"{GROUP}:{PREFIX}orders/error-lines")]
    assert [i.status for i in drift_report(plan).items] == [MISSING]
    converge(model, clients)
    assert not make_plan(model, clients).has_changes


def test_filters_outside_the_prefix_are_never_touched_and_obsgen_s_own_leftovers_are_deleted(model, clients, log):
    converge(model, clients)
    logs = clients.client("logs")
    transformation = [{"metricName": "x", "metricNamespace": "other", "metricValue": "1"}]
    for name in ("team-errors", "orders/production/orders/timeouts", "orders/sandboxed/x"):
        logs.put_metric_filter(logGroupName=GROUP, filterName=name, filterPattern="ERROR",
                               metricTransformations=transformation)
    logs.create_log_group(logGroupName="/aws/lambda/old-orders-sandbox")
    logs.put_metric_filter(logGroupName="/aws/lambda/old-orders-sandbox", filterName=f"{PREFIX}orders/timeouts",
                           filterPattern="ERROR", metricTransformations=transformation)
    plan = make_plan(model, clients)
    [leftover] = [c for c in filter_changes(plan) if c.action == DELETE]
    assert leftover.name == f"/aws/lambda/old-orders-sandbox:{PREFIX}orders/timeouts"
    assert [i.status for i in drift_report(plan).items if i.address == leftover.address] == [NOT_IN_SPEC]
    converge(model, clients)
    left = sorted((f["logGroupName"], f["filterName"]) for f in logs.describe_metric_filters()["metricFilters"])
    assert left == sorted([(GROUP, "team-errors"), (GROUP, "orders/production/orders/timeouts"),
                           (GROUP, "orders/sandboxed/x")] + [(GROUP, f.name) for f in model.metric_filters])
    assert not make_plan(model, clients).has_changes


def test_a_monitor_moved_to_another_log_group_is_created_there_before_it_goes_from_the_old_one(model, clients, log):
    converge(model, clients)
    clients.client("logs").create_log_group(logGroupName="/aws/lambda/orders-v2-sandbox")
    moved = dataclasses.replace(model.metric_filters[0], log_group="/aws/lambda/orders-v2-sandbox")
    model2 = dataclasses.replace(model, metric_filters=(moved, *model.metric_filters[1:]))
    plan = make_plan(model2, clients)
    assert sorted((c.action, c.name.split(":")[0]) for c in filter_changes(plan)) == [
        (CREATE, "/aws/lambda/orders-v2-sandbox"), (DELETE, GROUP)]
    log.calls.clear()
    converge(model2, clients)
    assert [op for _, op in log.writes()] == ["PutMetricFilter", "DeleteMetricFilter"]
    assert not make_plan(model2, clients).has_changes


def test_a_log_group_that_does_not_exist_fails_the_apply_with_aws_s_error(model, aws_env):
    fresh = connect(model, config=retry_config("standard", 3))  # no log group made
    result = apply(model, fresh, make_plan(model, fresh), FAST)
    assert not result.ok
    assert all("ResourceNotFoundException" in why for _, why in result.failed if "metric_filter" in _)


def test_reading_filters_pages_through_every_filter_of_the_region_50_a_call(model, clients, log):
    logs = clients.client("logs")
    for group in range(3):
        logs.create_log_group(logGroupName=f"/other/{group}")
        for index in range(40):
            logs.put_metric_filter(logGroupName=f"/other/{group}", filterName=f"other-{index:02d}",
                                   filterPattern="ERROR", metricTransformations=[
                                       {"metricName": "x", "metricNamespace": "other", "metricValue": "1"}])
    converge(model, clients)
    log.calls.clear()
    assert not make_plan(model, clients).has_changes
    assert Counter(op for _, op in log.calls)["DescribeMetricFilters"] == 3  # ceil((120 + 3) / 50)


# --- faults, against the sandbox over HTTP ---------------------------------------------------------


def test_a_failed_filter_write_at_any_position_is_reported_and_a_second_apply_converges(sb, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    model = dataclasses.replace(fixture_model(), endpoint=sb.endpoint_url)
    only_filters = dataclasses.replace(model, metric_alarms=(), composite_alarms=(), log_alarms=(), dashboards=(),
                                        mute_rules=())

    def setup():
        sb.reset()
        c = connect(model, config=retry_config("standard", 3))
        c.client("logs").create_log_group(logGroupName=GROUP)
        c.client("logs").create_log_group(logGroupName="/aws/lambda/old")
        old = dataclasses.replace(only_filters.metric_filters[0], log_group="/aws/lambda/old")
        edited = dataclasses.replace(only_filters.metric_filters[1], pattern="ERROR")
        before = dataclasses.replace(only_filters, metric_filters=(old, edited))
        assert apply(before, c, make_plan(before, c), ONCE).ok
        return c.client("logs").describe_metric_filters(logGroupName="/aws/lambda/old")

    setup()
    c = connect(only_filters, config=retry_config("standard", 1))
    log = CallLog().attach(c.client("logs"))
    assert apply(only_filters, c, make_plan(only_filters, c), ONCE).ok
    writes = [op for _, op in log.writes() if op.endswith("MetricFilter")]
    assert sorted(writes) == ["DeleteMetricFilter", "PutMetricFilter", "PutMetricFilter", "PutMetricFilter"]

    for at, fault in itertools.product(range(len(writes)), FAULTS):
        setup()
        c = connect(only_filters, config=retry_config("standard", 1))
        injector = Injector(at, fault).attach(c.client("logs"))
        result = apply(only_filters, c, make_plan(only_filters, c), ONCE)
        case = f"{fault} at write {at}"
        assert injector.injected == 1 and not result.ok, case
        assert EXPECTED_ERROR[fault] in result.failed[0][1], (case, result.failed)
        again = apply(only_filters, c, make_plan(only_filters, c), ONCE)
        assert again.ok, (case, again.failed)
        assert not make_plan(only_filters, c).has_changes, case
