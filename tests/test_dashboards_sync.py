"""Dashboards in plan / apply / drift, against moto in-process (with obsgen's PutDashboard checks).

Every request is checked against botocore's service model (CallLog), since moto checks nothing.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
# aws_env, clients, log and model are fixtures (aws_support.py).
from aws_support import CallLog, aws_env, clients, clients_for, example_model, in_process, log, model  # noqa: F401
from botocore.exceptions import ClientError

from obsgen.aws.kinds import dashboards
from obsgen.aws.drift import CHANGED, NOT_IN_SPEC, drift_report
from obsgen.aws.plan import CREATE, DELETE, UPDATE
from obsgen.views.plan import plan_text
from obsgen.aws.workflow import ApplyOptions, apply, make_plan
from obsgen.targets.cloudwatch_dashboards import dashboard_bodies
from obsgen.targets.topic_policy import topic_policies

FAST = ApplyOptions(concurrency=1, writes_per_second=None)
PREFIX = "stock-analysis-local-"
pytestmark = pytest.mark.usefixtures("aws_env")


def converge(model, clients):
    result = apply(model, clients, make_plan(model, clients), FAST)
    assert result.ok, (result.failed, result.not_done)
    return result


def live_body(clients, name):
    return json.loads(clients.cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])


def dashboard_changes(plan):
    return [c for c in plan.changes if c.kind == "dashboard"]


def test_apply_puts_every_dashboard_and_the_bodies_round_trip_through_get_dashboard(model, clients, log):
    plan = make_plan(model, clients)
    assert sorted(c.name for c in dashboard_changes(plan) if c.action == CREATE) == sorted(
        d.name for d in model.dashboards)
    converge(model, clients)
    for dashboard, body, problems in dashboard_bodies(model):
        assert problems == []
        assert live_body(clients, dashboard.name) == body, "GetDashboard returns what PutDashboard was given"
    assert [op for _, op in log.writes()].count("PutDashboard") == len(model.dashboards)


def test_after_apply_the_plan_shows_no_change_and_reads_each_dashboard_once(model, clients, log):
    converge(model, clients)
    log.calls.clear()
    again = make_plan(model, clients)
    assert not again.has_changes and drift_report(again).in_sync
    ops = [op for _, op in log.calls]
    assert ops.count("ListDashboards") == 1 and ops.count("GetDashboard") == len(model.dashboards)
    assert apply(model, clients, again, FAST).write_calls == 0


def test_a_hand_edit_shows_as_drift_of_that_widget_and_apply_puts_the_body_back(model, clients, log):
    converge(model, clients)
    name = f"{PREFIX}stock-api"
    edited = live_body(clients, name)
    edited["widgets"][1]["properties"]["title"] = "Renamed in the console"
    clients.cloudwatch.put_dashboard(DashboardName=name, DashboardBody=json.dumps(edited))

    plan = make_plan(model, clients)
    [change] = plan.changes
    assert (change.address, change.action, [f.field for f in change.fields]) == (
        f"dashboard.{name}", UPDATE, ["widget 001.properties.title"])
    assert (change.fields[0].before, change.fields[0].after) == ("Renamed in the console", "Alarms")
    [item] = drift_report(plan).items
    assert item.status == CHANGED and "widget 001.properties.title" in item.detail
    assert "Renamed in the console" in plan_text(plan).plain

    converge(model, clients)
    assert live_body(clients, name)["widgets"][1]["properties"]["title"] == "Alarms"
    assert not make_plan(model, clients).has_changes


def reversed_keys(value):
    if isinstance(value, dict):
        return {k: reversed_keys(value[k]) for k in reversed(list(value))}
    return [reversed_keys(v) for v in value] if isinstance(value, list) else value


def test_key_order_defaults_and_the_console_shorthand_are_not_drift(model, clients, log):
    converge(model, clients)
    name = f"{PREFIX}stock-data"
    body = live_body(clients, name)
    body.pop("periodOverride")  # "auto" is the default
    for widget in body["widgets"]:
        if widget["type"] == "metric":
            widget["properties"].pop("view")  # "timeSeries" is the default
            rows = widget["properties"]["metrics"]
            for row in rows[1:]:  # the console repeats the row above with "."
                if isinstance(row[0], str) and row[0] == rows[0][0]:
                    row[0] = "."
    clients.cloudwatch.put_dashboard(DashboardName=name, DashboardBody=json.dumps(reversed_keys(body), indent=4))
    assert live_body(clients, name) != next(b for d, b, _ in dashboard_bodies(model) if d.name == name)
    assert '"."' in clients.cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"]
    assert not make_plan(model, clients).has_changes


def test_a_dashboard_outside_the_prefix_is_never_read_or_touched(model, clients, log):
    foreign = '{"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 3, "properties": {"markdown": "x"}}]}'
    for name in ("team-dashboard", "stock-analysis-staging-stock-api", "stock-analysis-local"):
        clients.cloudwatch.put_dashboard(DashboardName=name, DashboardBody=foreign)
    converge(model, clients)
    assert not make_plan(model, clients).has_changes
    for name in ("team-dashboard", "stock-analysis-staging-stock-api", "stock-analysis-local"):
        assert clients.cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"] == foreign
    assert all(call != ("cloudwatch", "DeleteDashboards") for call in log.calls)


def test_a_dashboard_under_the_prefix_that_the_spec_lost_is_deleted(model, clients, log):
    converge(model, clients)
    fewer = dataclasses.replace(model, dashboards=tuple(d for d in model.dashboards if d.key != "overview"))
    plan = make_plan(fewer, clients)
    assert [(c.action, c.name) for c in plan.changes] == [(DELETE, f"{PREFIX}overview")]
    assert drift_report(plan).items[0].status == NOT_IN_SPEC
    converge(fewer, clients)
    names = [e["DashboardName"] for e in clients.cloudwatch.list_dashboards(DashboardNamePrefix=PREFIX)["DashboardEntries"]]
    assert f"{PREFIX}overview" not in names and len(names) == len(fewer.dashboards)
    assert ("cloudwatch", "DeleteDashboards") in log.calls


def test_the_sandbox_refuses_bodies_and_names_cloudwatch_refuses(clients):
    too_wide = {"widgets": [{"type": "text", "x": 0, "y": 0, "width": 25, "height": 3, "properties": {"markdown": "x"}}]}
    with pytest.raises(ClientError, match="InvalidParameterInput.*/widgets/0/width"):
        clients.cloudwatch.put_dashboard(DashboardName="ok-name", DashboardBody=json.dumps(too_wide))
    with pytest.raises(ClientError, match="InvalidParameterInput"):
        clients.cloudwatch.put_dashboard(DashboardName="bad name!", DashboardBody='{"widgets": []}')
    many = {"widgets": [{"type": "alarm", "properties": {"alarms": [f"arn:{i}" for i in range(101)]}}]}
    with pytest.raises(ClientError, match="1 to 100 alarm ARNs"):
        clients.cloudwatch.put_dashboard(DashboardName="ok-name", DashboardBody=json.dumps(many))


def test_validation_messages_in_a_put_dashboard_answer_fail_the_step(model, clients, monkeypatch):
    real = clients.cloudwatch.put_dashboard

    def warn(**params):
        real(**params)
        return {"DashboardValidationMessages": [{"DataPath": "/widgets/1", "Message": "Unknown alarm"}]}

    monkeypatch.setattr(clients.cloudwatch, "put_dashboard", warn)
    result = apply(model, clients, make_plan(model, clients), FAST)
    assert not result.ok
    assert result.failed[0][0].startswith("create dashboard.") and "/widgets/1: Unknown alarm" in result.failed[0][1]


def test_a_dashboard_arn_has_no_region_because_dashboards_are_global():
    assert dashboards.dashboard_arn("eu-west-1", "123456789012", "a-b") == "arn:aws:cloudwatch::123456789012:dashboard/a-b"


def test_list_dashboards_is_followed_page_by_page(model, clients, monkeypatch):
    """AWS returns ListDashboards in pages (NextToken); every owned dashboard must still be read."""
    converge(model, clients)
    real = clients.cloudwatch.list_dashboards

    def paged(**params):
        entries = real(DashboardNamePrefix=params["DashboardNamePrefix"])["DashboardEntries"]
        start = int(params.get("NextToken", 0))
        page = {"DashboardEntries": entries[start:start + 3]}
        if start + 3 < len(entries):
            page["NextToken"] = str(start + 3)
        return page

    monkeypatch.setattr(clients.cloudwatch, "list_dashboards", paged)
    plan = make_plan(model, clients)
    assert not plan.has_changes and len(model.dashboards) > 3


HAND_MADE = '{"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 3, "properties": {"markdown": "mine"}}]}'


def test_a_hand_made_dashboard_under_the_prefix_is_never_deleted_and_is_a_conflict_when_the_spec_wants_its_name(
        model, clients, log):
    converge(model, clients)
    overview = f"{PREFIX}overview"
    clients.cloudwatch.put_dashboard(DashboardName=f"{PREFIX}team-notes", DashboardBody=HAND_MADE)
    assert not make_plan(model, clients).has_changes, "a dashboard without obsgen's marker is not obsgen's"

    clients.cloudwatch.put_dashboard(DashboardName=overview, DashboardBody=HAND_MADE)  # replaced by hand
    plan = make_plan(model, clients)
    assert plan.changes == [] and [c.address for c in plan.conflicts] == [f"dashboard.{overview}"]
    assert "no obsgen marker" in plan.conflicts[0].reason and "--adopt" in plan.conflicts[0].reason
    fewer = dataclasses.replace(model, dashboards=tuple(d for d in model.dashboards if d.key != "overview"))
    assert not make_plan(fewer, clients).has_changes, "not in the spec and not obsgen's: left alone"

    adopted = make_plan(model, clients, adopt=True)
    assert [(c.action, c.name) for c in adopted.changes] == [(UPDATE, overview)]
    assert apply(model, clients, adopted, FAST).ok
    assert not make_plan(model, clients).has_changes
    assert live_body(clients, f"{PREFIX}team-notes") == json.loads(HAND_MADE)
    assert all(call != ("cloudwatch", "DeleteDashboards") for call in log.calls)


def other_project(model, renamed: dict[str, str]):
    """Project `stock`, environment `analysis-local`: its dashboard prefix is `stock-analysis-local-`,
    the very prefix of project `stock-analysis` environment `local`. Dashboards only, under new names."""
    kept = tuple(dataclasses.replace(d, name=renamed[d.name]) for d in model.dashboards if d.name in renamed)
    return dataclasses.replace(model, project="stock", env="analysis-local", metric_alarms=(), composite_alarms=(),
                               topics=(), subscriptions=(), dashboards=kept, metric_filters=(), saved_queries=(),
                               event_routes=())


def test_two_projects_whose_dashboard_prefixes_coincide_never_touch_each_others_dashboards(model, clients, log):
    first = model.dashboards[0].name
    other = other_project(model, {first: first, f"{PREFIX}main": f"{PREFIX}other-main"})
    converge(model, clients)

    plan = make_plan(other, clients)
    assert [(c.action, c.name) for c in plan.changes] == [(CREATE, f"{PREFIX}other-main")]
    assert [c.address for c in plan.conflicts] == [f"dashboard.{first}"]
    assert "project 'stock-analysis', environment 'local'" in plan.conflicts[0].reason

    other = other_project(model, {f"{PREFIX}main": f"{PREFIX}other-main"})
    converge(other, clients)
    assert not make_plan(model, clients).has_changes, "the other project's dashboard is not ours to delete"
    assert not make_plan(other, clients).has_changes, "nor ours the other project's"
    fewer = dataclasses.replace(model, dashboards=tuple(d for d in model.dashboards if d.key != "overview"))
    assert [(c.action, c.name) for c in make_plan(fewer, clients).changes] == [(DELETE, f"{PREFIX}overview")]
    assert make_plan(model, clients).managed == len(model.dashboards) + len(model.metric_alarms) + len(
        model.composite_alarms) + len(model.topics) + len(model.subscriptions) + len(topic_policies(model)) + len(
        model.metric_filters) + len(model.saved_queries) + len(model.event_routes)
