"""Saved queries (`queries:`) in plan / apply / drift (aws/kinds/query_definitions.py): against moto
in-process with obsgen's implementation of the query definition API (sandbox/logs.py), every request
checked by botocore's model; faults injected against the sandbox over HTTP.

The project is tests/fixtures/beyond-alarms (two saved queries of the orders service)."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter

import pytest
from botocore.exceptions import ClientError
from aws_support import CallLog, aws_env, clients_for, in_process  # noqa: F401
from test_aws_faults import EXPECTED_ERROR, FAULTS, ONCE, Injector, sb  # noqa: F401
from test_metric_filters_sync import GROUP, converge, fixture_model

from obsgen.aws.drift import CHANGED, MISSING, NOT_IN_SPEC, drift_report
from obsgen.aws.plan import CREATE, DELETE, UPDATE
from obsgen.aws.session import connect, retry_config
from obsgen.aws.workflow import apply, make_plan
from obsgen.conventions import query_marker

PREFIX = "orders/sandbox/"
MARKER = query_marker("orders", "sandbox")


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


def saved(clients, prefix=PREFIX):
    return clients.client("logs").describe_query_definitions(queryDefinitionNamePrefix=prefix)["queryDefinitions"]


def by_name(clients):
    return {d["name"]: d for d in saved(clients)}


def query_changes(plan):
    return [c for c in plan.changes if c.kind == "query_definition"]


def test_apply_saves_every_query_with_its_marker_line_and_log_groups(model, clients, log):
    plan = make_plan(model, clients)
    assert sorted(c.name for c in query_changes(plan)) == [f"{PREFIX}orders/recent-errors",
                                                          f"{PREFIX}orders/slowest-customers"]
    converge(model, clients)
    recent = by_name(clients)[f"{PREFIX}orders/recent-errors"]
    assert recent["queryString"] == (f"{MARKER}\nfields @timestamp, @message | filter level = 'ERROR' "
                                     "| sort @timestamp desc | limit 50")
    assert recent["logGroupNames"] == [GROUP]


def test_after_apply_the_plan_is_empty_and_the_queries_cost_one_read(model, clients, log):
    converge(model, clients)
    log.calls.clear()
    again = make_plan(model, clients)
    assert not again.has_changes and drift_report(again).in_sync
    assert Counter(op for _, op in log.calls)["DescribeQueryDefinitions"] == 1
    assert apply(model, clients, again, ONCE).write_calls == 0


def test_a_hand_edited_query_is_drift_and_apply_rewrites_the_same_definition(model, clients, log):
    converge(model, clients)
    name = f"{PREFIX}orders/slowest-customers"
    before = by_name(clients)[name]
    clients.client("logs").put_query_definition(queryDefinitionId=before["queryDefinitionId"], name=name,
                                                queryString=f"{MARKER}\nstats count(*)", logGroupNames=[GROUP, "/x"])
    plan = make_plan(model, clients)
    [change] = plan.changes
    assert (change.address, change.action) == (f"query_definition.{name}", UPDATE)
    assert [f.field for f in change.fields] == ["logGroupNames", "queryString"]
    assert [i.status for i in drift_report(plan).items] == [CHANGED]
    converge(model, clients)
    after = by_name(clients)[name]
    assert after["queryDefinitionId"] == before["queryDefinitionId"] and after["logGroupNames"] == [GROUP]
    assert not make_plan(model, clients).has_changes


def test_a_deleted_query_is_missing_and_apply_saves_it_again(model, clients, log):
    converge(model, clients)
    gone = by_name(clients)[f"{PREFIX}orders/recent-errors"]
    clients.client("logs").delete_query_definition(queryDefinitionId=gone["queryDefinitionId"])
    plan = make_plan(model, clients)
    assert [(c.action, c.name) for c in plan.changes] == [(CREATE, f"{PREFIX}orders/recent-errors")]
    assert [i.status for i in drift_report(plan).items] == [MISSING]
    converge(model, clients)
    assert not make_plan(model, clients).has_changes


def test_a_query_without_the_marker_is_never_touched_and_is_a_conflict_when_the_spec_wants_its_name(
        model, clients, log):
    logs = clients.client("logs")
    logs.put_query_definition(name=f"{PREFIX}orders/recent-errors", queryString="fields @message")
    logs.put_query_definition(name=f"{PREFIX}orders/by-hand", queryString="fields @message")
    logs.put_query_definition(name="orders/production/orders/recent-errors", queryString=f"{MARKER}\nfields 1")
    plan = make_plan(model, clients)
    assert [c.address for c in plan.conflicts] == [f"query_definition.{PREFIX}orders/recent-errors"]
    assert not [c for c in query_changes(plan) if c.action == DELETE]
    adopted = apply(model, clients, make_plan(model, clients, adopt=True), ONCE)
    assert adopted.ok
    names = sorted(d["name"] for d in saved(clients, "orders/"))
    assert names == ["orders/production/orders/recent-errors", f"{PREFIX}orders/by-hand",
                     f"{PREFIX}orders/recent-errors", f"{PREFIX}orders/slowest-customers"]
    assert by_name(clients)[f"{PREFIX}orders/recent-errors"]["queryString"].startswith(MARKER)
    assert not make_plan(model, clients).has_changes


def test_a_query_the_spec_lost_and_a_duplicate_of_a_name_are_deleted(model, clients, log):
    converge(model, clients)
    logs = clients.client("logs")
    logs.put_query_definition(name=f"{PREFIX}orders/old", queryString=f"{MARKER}\nfields 1")
    logs.put_query_definition(name=f"{PREFIX}orders/recent-errors", queryString=f"{MARKER}\nfields 2")
    plan = make_plan(model, clients)
    deleted = sorted(c.name.split("#")[0] for c in query_changes(plan) if c.action == DELETE)
    assert deleted == [f"{PREFIX}orders/old", f"{PREFIX}orders/recent-errors"]
    # which of the two same-named definitions is the spec's goes by id (random): the other is deleted, and the
    # kept one is updated when it is the duplicate
    statuses = {i.status for i in drift_report(plan).items}
    assert NOT_IN_SPEC in statuses and statuses <= {NOT_IN_SPEC, CHANGED}
    converge(model, clients)
    assert sorted(d["name"] for d in saved(clients)) == [f"{PREFIX}orders/recent-errors",
                                                          f"{PREFIX}orders/slowest-customers"]
    assert not make_plan(model, clients).has_changes


def test_reading_1200_queries_takes_two_calls(model, clients, log):
    logs = clients.client("logs")
    for index in range(1200):
        logs.put_query_definition(name=f"{PREFIX}other/q{index:04d}", queryString="fields 1")
    log.calls.clear()
    make_plan(model, clients)
    assert Counter(op for _, op in log.calls)["DescribeQueryDefinitions"] == 2


def test_a_failed_query_write_at_any_position_is_reported_and_a_second_apply_converges(sb, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    model = dataclasses.replace(fixture_model(), endpoint=sb.endpoint_url)
    only = dataclasses.replace(model, metric_alarms=(), composite_alarms=(), log_alarms=(), dashboards=(),
                               metric_filters=(), mute_rules=())

    def setup():
        sb.reset()
        c = connect(model, config=retry_config("standard", 3))
        old = dataclasses.replace(only.saved_queries[0], key="old", name=f"{PREFIX}orders/old")
        edited = dataclasses.replace(only.saved_queries[1], query="fields 1")
        before = dataclasses.replace(only, saved_queries=(old, edited))
        assert apply(before, c, make_plan(before, c), ONCE).ok

    setup()
    c = connect(only, config=retry_config("standard", 1))
    log = CallLog().attach(c.client("logs"))
    assert apply(only, c, make_plan(only, c), ONCE).ok
    writes = [op for _, op in log.writes()]
    assert sorted(writes) == ["DeleteQueryDefinition", "PutQueryDefinition", "PutQueryDefinition"]

    for at, fault in itertools.product(range(len(writes)), FAULTS):
        setup()
        c = connect(only, config=retry_config("standard", 1))
        injector = Injector(at, fault).attach(c.client("logs"))
        result = apply(only, c, make_plan(only, c), ONCE)
        case = f"{fault} at write {at}"
        assert injector.injected == 1 and not result.ok, case
        assert EXPECTED_ERROR[fault] in result.failed[0][1], (case, result.failed)
        again = apply(only, c, make_plan(only, c), ONCE)
        assert again.ok, (case, again.failed)
        assert not make_plan(only, c).has_changes, case
        assert sorted(d["name"] for d in c.client("logs").describe_query_definitions()["queryDefinitions"]) == [
            f"{PREFIX}orders/recent-errors", f"{PREFIX}orders/slowest-customers"], case


def test_the_sandbox_refuses_what_aws_refuses_for_query_definitions(model, clients, log):
    """sandbox/logs.py: replacing or deleting a query definition id that does not exist is
    ResourceNotFoundException (API_PutQueryDefinition.html, API_DeleteQueryDefinition.html), and a
    refused write leaves no definition behind."""
    logs = clients.client("logs")
    with pytest.raises(ClientError) as replaced:
        logs.put_query_definition(name=f"{PREFIX}x", queryString="fields @message", queryDefinitionId="no-such-id")
    assert replaced.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as deleted:
        logs.delete_query_definition(queryDefinitionId="no-such-id")
    assert deleted.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert saved(clients) == []
    made = logs.put_query_definition(name=f"{PREFIX}x", queryString="fields @message")["queryDefinitionId"]
    assert logs.delete_query_definition(queryDefinitionId=made)["success"] is True
    assert saved(clients) == []
