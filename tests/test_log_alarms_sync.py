"""Native log alarms (`log: {query: ...}` monitors) in plan / apply / drift (aws/kinds/log_alarms.py):
against moto in-process with obsgen's implementation of PutLogAlarm and DescribeAlarms' LogAlarms
(sandbox/log_alarms.py), every request checked by botocore's model; faults injected against the
sandbox over HTTP.

The project is tests/fixtures/beyond-alarms (the orders service's payment-failures log alarm)."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter

import pytest
from aws_support import CallLog, aws_env, clients_for, in_process  # noqa: F401
from botocore.exceptions import ClientError
from test_aws_faults import EXPECTED_ERROR, FAULTS, ONCE, Injector, sb  # noqa: F401
from test_metric_filters_sync import converge, fixture_model

from obsgen.aws.drift import drift_report
from obsgen.aws.session import connect, retry_config
from obsgen.aws.workflow import ApplyOptions, apply, make_plan
from obsgen.targets.cloudwatch import alarm_params
from obsgen.model import LogAlarm

NAME = "orders-orders-payment-failures-sandbox"


@pytest.fixture
def model():
    return in_process(fixture_model())


@pytest.fixture
def clients(aws_env, model):
    return clients_for(model)


@pytest.fixture
def log(clients):
    log = CallLog().attach(clients.cloudwatch, clients.sns, clients.tagging, clients.client("logs"))
    yield log
    assert log.problems == [], "requests that botocore's service model rejects"


def log_alarms(clients, names=None):
    kwargs = {"AlarmNames": names} if names else {}
    return {a["AlarmName"]: a for a in clients.cloudwatch.describe_alarms(AlarmTypes=["LogAlarm"], **kwargs)["LogAlarms"]}


def tags_of(clients, arn):
    return {t["Key"]: t["Value"] for t in clients.cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]}


def log_alarm_changes(plan):
    return [c for c in plan.changes if c.kind == "log_alarm"]


def params_of(model):
    return next(params for alarm, params in alarm_params(model) if isinstance(alarm, LogAlarm))


def test_the_fixture_has_one_log_alarm_and_the_plan_creates_it(model, clients, log):
    assert [a.name for a in model.log_alarms] == [NAME]
    assert [(c.action, c.name) for c in log_alarm_changes(make_plan(model, clients))] == [("create", NAME)]


def test_apply_puts_the_log_alarm_with_its_query_and_ownership_tags(model, clients, log):
    converge(model, clients)
    alarm = log_alarms(clients)[NAME]
    query = alarm["ScheduledQueryConfiguration"]
    assert query["QueryString"] == params_of(model)["ScheduledQueryConfiguration"]["QueryString"]
    assert query["ScheduleConfiguration"]["ScheduleExpression"] == "rate(5 minutes)"
    assert query["QueryARN"]  # AWS fills it in; the comparison leaves it out
    assert (alarm["QueryResultsToAlarm"], alarm["QueryResultsToEvaluate"]) == (2, 3)
    assert tags_of(clients, alarm["AlarmArn"])["obsgen:monitor"] == "payment-failures"
    assert ("cloudwatch", "PutLogAlarm") in log.writes()


def test_after_apply_the_plan_is_empty_and_owned_log_alarms_are_read_with_the_other_alarms(model, clients, log):
    converge(model, clients)
    log.calls.clear()
    again = make_plan(model, clients)
    assert not again.has_changes and drift_report(again).in_sync
    described = [c for c in log.calls if c[1] == "DescribeAlarms"]
    assert len(described) == 1  # the alarms kind's call, every AlarmType: no call of the log alarms kind
    assert apply(model, clients, again, ONCE).write_calls == 0


def test_a_hand_edited_log_alarm_is_drift_and_apply_puts_it_back(model, clients, log):
    converge(model, clients)
    edited = {**params_of(model), "Threshold": 50.0, "TreatMissingData": "breaching"}
    edited.pop("Tags", None)
    clients.cloudwatch.put_log_alarm(**edited)
    plan = make_plan(model, clients)
    [change] = log_alarm_changes(plan)
    assert change.action == "update"
    assert sorted(f.field for f in change.fields) == ["Threshold", "TreatMissingData"]
    assert not drift_report(plan).in_sync
    converge(model, clients)
    assert log_alarms(clients)[NAME]["Threshold"] == 3.0
    assert not make_plan(model, clients).has_changes


def test_log_alarms_removed_from_the_spec_are_deleted_one_a_call(model, clients, log):
    second = dataclasses.replace(model.log_alarms[0], monitor="second", name="orders-orders-second-sandbox")
    converge(dataclasses.replace(model, log_alarms=(*model.log_alarms, second)), clients)
    gone = dataclasses.replace(model, log_alarms=())
    plan = make_plan(gone, clients)
    assert sorted((c.action, c.name) for c in log_alarm_changes(plan)) == [("delete", NAME), ("delete", second.name)]
    log.calls.clear()
    assert apply(gone, clients, plan, ONCE).ok  # the sandbox refuses log alarms batched, as AWS does
    assert log_alarms(clients) == {}
    assert [op for _, op in log.writes()] == ["DeleteAlarms", "DeleteAlarms"]


def test_a_log_alarm_obsgen_does_not_own_is_a_conflict_and_is_never_touched(model, clients, log):
    foreign = {**params_of(model)}
    foreign.pop("Tags", None)
    clients.cloudwatch.put_log_alarm(**foreign)
    plan = make_plan(model, clients)
    assert [c.address for c in plan.conflicts] == [f"log_alarm.{NAME}"]
    gone = dataclasses.replace(model, log_alarms=())
    assert log_alarm_changes(make_plan(gone, clients)) == []  # not owned: never deleted


def test_a_metric_alarm_of_the_log_alarm_s_name_is_a_type_conflict(model, clients, log):
    clients.cloudwatch.put_metric_alarm(AlarmName=NAME, MetricName="Errors", Namespace="AWS/Lambda", Statistic="Sum",
                                        Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")
    plan = make_plan(model, clients)
    assert [c.reason for c in plan.conflicts if c.address == f"log_alarm.{NAME}"] == [
        "a metric alarm of that name exists; CloudWatch cannot change an alarm's type, delete it first"]


def test_the_sandbox_refuses_what_aws_refuses(model, clients, log):
    params = {**params_of(model)}
    params.pop("Tags", None)
    with pytest.raises(ClientError, match="QueryResultsToAlarm"):
        clients.cloudwatch.put_log_alarm(**{**params, "QueryResultsToAlarm": 4})
    with pytest.raises(ClientError, match="ActionLogLineRoleArn"):
        clients.cloudwatch.put_log_alarm(**{**params, "ActionLogLineCount": 5})
    clients.cloudwatch.put_log_alarm(**params)
    clients.cloudwatch.put_log_alarm(**{**params, "AlarmName": "other-log-alarm"})
    with pytest.raises(ClientError, match="batch deleted"):
        clients.cloudwatch.delete_alarms(AlarmNames=[NAME, "other-log-alarm"])
    with pytest.raises(ClientError) as refused:
        clients.cloudwatch.put_metric_alarm(AlarmName="m", MetricName="Errors", Namespace="AWS/Lambda",
                                            Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                                            ComparisonOperator="GreaterThanThreshold")
        clients.cloudwatch.put_log_alarm(**{**params, "AlarmName": "m"})
    assert refused.value.response["Error"]["Code"] == "ResourceConflict"
    assert "LogAlarms" not in clients.cloudwatch.describe_alarms(AlarmNames=[NAME])
    assert clients.cloudwatch.describe_alarms(AlarmNames=[NAME])["MetricAlarms"] == []


def test_a_failed_log_alarm_write_at_any_position_is_reported_and_a_second_apply_converges(sb, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    model = dataclasses.replace(fixture_model(), endpoint=sb.endpoint_url)
    only = dataclasses.replace(model, metric_alarms=(), composite_alarms=(), dashboards=(), metric_filters=(),
                               saved_queries=(), subscriptions=(), budgets=(), event_routes=(),
                               mute_rules=())  # the fixture's window mutes metric alarms left out here
    [alarm] = only.log_alarms
    old = dataclasses.replace(alarm, monitor="old", name="orders-orders-old-sandbox")
    edited = dataclasses.replace(alarm, query='filter event = "other"')

    def setup():
        sb.reset()
        c = clients_for(model)
        before = dataclasses.replace(only, log_alarms=(edited, old))
        assert apply(before, c, make_plan(before, c), ONCE).ok
        c.cloudwatch.untag_resource(ResourceARN=log_alarms(c, [NAME])[NAME]["AlarmArn"], TagKeys=["obsgen:service"])
        c.cloudwatch.tag_resource(ResourceARN=log_alarms(c, [NAME])[NAME]["AlarmArn"],
                                  Tags=[{"Key": "obsgen:service", "Value": "hand-edited"}])

    setup()
    c = connect(only, config=retry_config("standard", 1))
    log = CallLog().attach(c.cloudwatch)
    assert apply(only, c, make_plan(only, c), ONCE).ok
    writes = [op for _, op in log.writes()]
    assert sorted(writes) == ["DeleteAlarms", "PutLogAlarm", "TagResource"]

    for at, fault in itertools.product(range(len(writes)), FAULTS):
        setup()
        c = connect(only, config=retry_config("standard", 1))
        injector = Injector(at, fault).attach(c.cloudwatch)
        result = apply(only, c, make_plan(only, c), ONCE)
        case = f"{fault} at write {at}"
        assert injector.injected == 1 and not result.ok, case
        assert EXPECTED_ERROR[fault] in result.failed[0][1], (case, result.failed)
        again = apply(only, c, make_plan(only, c), ONCE)
        assert again.ok, (case, again.failed)
        assert not make_plan(only, c).has_changes, case
        assert sorted(log_alarms(c)) == [NAME], case
