"""plan / apply / drift against moto in-process (with obsgen.sandbox.cloudwatch's gap-fillers)."""

from __future__ import annotations

import dataclasses
import json

import pytest
# aws_env, clients, log and model are fixtures (aws_support.py).
from aws_support import (ACCOUNT, CallLog, aws_env, clients, clients_for, example_model, in_process, log,  # noqa: F401
                         make_log_groups, model)

from obsgen.aws import SyncError
from obsgen.aws.drift import CHANGED, MISSING, NOT_IN_SPEC, drift_report
from obsgen.aws.plan import CREATE, DELETE, UPDATE, Plan
from obsgen.views.plan import plan_text
from obsgen.aws.planfile import check_saved_plan, dumps, loads
from obsgen.targets.topic_policy import topic_policies
from obsgen.aws.workflow import ApplyOptions, apply, make_plan

FAST = ApplyOptions(concurrency=1, writes_per_second=None)
pytestmark = pytest.mark.usefixtures("aws_env")


def converge(model, clients, options=FAST):
    plan = make_plan(model, clients)
    result = apply(model, clients, plan, options)
    assert result.ok, (result.failed, result.not_done)
    return plan, result


def alarm(clients, name):
    found = clients.cloudwatch.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    return (found["MetricAlarms"] + found["CompositeAlarms"] or [None])[0]


def tags_of(clients, arn):
    return {t["Key"]: t["Value"] for t in clients.cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]}


def foreign_alarm(clients, name, **extra):
    clients.cloudwatch.put_metric_alarm(AlarmName=name, MetricName="Errors", Namespace="Other", Statistic="Sum",
                                        Period=60, EvaluationPeriods=1, Threshold=1.0,
                                        ComparisonOperator="GreaterThanThreshold", **extra)


def test_first_apply_creates_everything_then_nothing_is_left_to_do(model, clients, log):
    plan, result = converge(model, clients)
    expected = len(model.metric_alarms) + len(model.composite_alarms) + len(model.topics) + len(model.subscriptions) \
        + len(model.dashboards) + len(topic_policies(model)) + len(model.metric_filters) + len(model.saved_queries) \
        + len(model.event_routes)
    assert plan.count(CREATE) == expected and plan.count(UPDATE) == plan.count(DELETE) == 0
    assert plan.summary() == f"{expected} to create, 0 to update, 0 to delete"
    writes = [op for _, op in log.writes()]
    assert writes.index("CreateTopic") < writes.index("Subscribe") < writes.index("PutMetricAlarm") \
        < writes.index("PutCompositeAlarm") < writes.index("PutDashboard")
    composite = next(c for c in model.composite_alarms if c.monitor == "system-health")  # (the others are an SLO's)
    [created] = [c for c in plan.changes if c.address == f"composite_alarm.{composite.name}"]
    assert alarm(clients, composite.name)["AlarmRule"] == created.after["AlarmRule"]
    assert tags_of(clients, alarm(clients, composite.name)["AlarmArn"]) == dict(composite.tags)

    again = make_plan(model, clients)
    assert not again.has_changes and again.managed == expected
    assert drift_report(again).in_sync
    log.calls.clear()
    assert apply(model, clients, again, FAST).write_calls == 0
    assert log.writes() == []


def test_a_hand_edit_is_an_update_of_that_field_and_apply_never_recreates(model, clients, log):
    converge(model, clients)
    target = model.metric_alarms[0]
    live = alarm(clients, target.name)
    edited = {k: live[k] for k in ("AlarmName", "MetricName", "Namespace", "Statistic", "Dimensions", "Period",
                                   "EvaluationPeriods", "ComparisonOperator", "TreatMissingData", "AlarmActions",
                                   "OKActions", "AlarmDescription")}
    clients.cloudwatch.put_metric_alarm(**edited, Threshold=live["Threshold"] + 1)
    plan = make_plan(model, clients)
    [change] = plan.changes
    assert (change.action, [f.field for f in change.fields]) == (UPDATE, ["Threshold"])
    report = drift_report(plan)
    assert [(i.status, i.address) for i in report.items] == [(CHANGED, change.address)]
    log.calls.clear()
    converge(model, clients)
    assert [op for _, op in log.writes()] == ["PutMetricAlarm"]
    assert alarm(clients, target.name)["Threshold"] == live["Threshold"]


def test_tags_alone_are_reconciled_with_tag_and_untag_resource(model, clients, log):
    converge(model, clients)
    target = model.metric_alarms[1]
    arn = alarm(clients, target.name)["AlarmArn"]
    clients.cloudwatch.tag_resource(ResourceARN=arn, Tags=[{"Key": "added-by-hand", "Value": "x"},
                                                          {"Key": "Project", "Value": "wrong"}])
    [change] = make_plan(model, clients).changes
    assert [f.field for f in change.fields] == ["Tags"] and not change.config_changed
    log.calls.clear()
    converge(model, clients)
    assert sorted(op for _, op in log.writes()) == ["TagResource", "UntagResource"]
    assert tags_of(clients, arn) == dict(target.tags)


def test_resources_obsgen_does_not_own_are_never_touched(model, clients, log):
    foreign_alarm(clients, "someone-elses-alarm", Tags=[{"Key": "team", "Value": "other"}])
    other_topic = clients.sns.create_topic(Name="someone-elses-topic")["TopicArn"]
    plan, _ = converge(model, clients)
    assert not any("someone-elses" in c.address for c in plan.changes)
    # Even when the whole spec goes away, only obsgen's own resources are deleted.
    empty = dataclasses.replace(model, metric_alarms=(), composite_alarms=(), topics=(), subscriptions=())
    converge(empty, clients, dataclasses.replace(FAST, allow_mass_delete=True))
    assert alarm(clients, "someone-elses-alarm") is not None
    assert tags_of(clients, alarm(clients, "someone-elses-alarm")["AlarmArn"]) == {"team": "other"}
    assert [t["TopicArn"] for t in clients.sns.list_topics()["Topics"]] == [other_topic]
    assert clients.cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])["CompositeAlarms"] == []


def test_a_same_named_unowned_alarm_is_a_conflict_until_adopted(model, clients, log):
    name = model.metric_alarms[0].name
    foreign_alarm(clients, name, Tags=[{"Key": "team", "Value": "other"}])
    plan = make_plan(model, clients)
    assert [c.address for c in plan.conflicts] == [f"metric_alarm.{name}"]
    assert "not managed by obsgen" in plan.conflicts[0].reason
    log.calls.clear()
    with pytest.raises(SyncError, match="conflict"):
        apply(model, clients, plan, FAST)
    assert log.writes() == []
    assert alarm(clients, name)["Namespace"] == "Other"

    adopted = make_plan(model, clients, adopt=True)
    [change] = [c for c in adopted.changes if c.name == name]
    assert change.action == UPDATE and change.before["Tags"] == {"team": "other"}
    assert apply(model, clients, adopted, FAST).ok
    assert tags_of(clients, alarm(clients, name)["AlarmArn"]) == dict(model.metric_alarms[0].tags)
    assert not make_plan(model, clients).has_changes


def test_an_alarm_removed_from_the_spec_is_deleted_after_its_composite(model, clients, log):
    converge(model, clients)
    composites = model.composite_alarms  # system-health, and the availability SLO's page and ticket tiers
    children = {ref for c in composites for ref in c.children}
    smaller = dataclasses.replace(model, composite_alarms=(),
                                  metric_alarms=tuple(a for a in model.metric_alarms if a.ref not in children))
    plan = make_plan(smaller, clients)
    # the critical topic loses its last alarm, and with it obsgen's statement letting CloudWatch publish
    # (the one letting EventBridge publish, for the GuardDuty route, stays)
    assert [(c.address, c.action, [f.field for f in c.fields]) for c in plan.changes if c.kind == "topic_policy"] == [
        ("topic_policy.stock-analysis-critical-alerts-local", UPDATE, ["statement obsgenCloudWatch"])]
    alarms = [c for c in plan.changes if c.kind != "topic_policy"]
    assert {c.action for c in alarms} == {DELETE}
    assert {c.name for c in alarms} == {c.name for c in composites} | {a.name for a in model.metric_alarms
                                                                      if a.ref in children}
    assert all(c.reason == "no longer in the spec" for c in alarms)
    log.calls.clear()
    result = apply(smaller, clients, plan, dataclasses.replace(FAST, allow_mass_delete=True))
    assert result.ok, result.failed  # moto_ext refuses to delete a child while its composite exists
    # every composite and the alarms it names, deleted in dependency order (composites before their children; the
    # ticket tier names the page tier as its suppressor): four DeleteAlarms batches
    assert [op for _, op in log.writes()] == ["SetTopicAttributes", "DeleteAlarms", "DeleteAlarms", "DeleteAlarms",
                                              "DeleteAlarms"]
    assert not make_plan(smaller, clients).has_changes


def test_a_rename_creates_the_new_alarm_repoints_the_composite_then_deletes_the_old(model, clients, log):
    converge(model, clients)
    child_ref = model.composite_alarms[0].children[0]
    old = next(a for a in model.metric_alarms if a.ref == child_ref)
    renamed = dataclasses.replace(old, name=old.name + "-v2")
    new_model = dataclasses.replace(model, metric_alarms=tuple(renamed if a is old else a
                                                               for a in model.metric_alarms))
    plan = make_plan(new_model, clients)
    actions = {(c.action, c.name): c.reason for c in plan.changes}
    assert actions[(CREATE, renamed.name)] == f"renamed from {old.name}"
    assert actions[(DELETE, old.name)] == f"renamed to {renamed.name}"
    assert (UPDATE, model.composite_alarms[0].name) in actions
    log.calls.clear()
    assert apply(new_model, clients, plan, FAST).ok
    assert [op for _, op in log.writes()] == ["PutMetricAlarm", "PutCompositeAlarm", "DeleteAlarms"]
    assert alarm(clients, old.name) is None and renamed.name in alarm(clients, model.composite_alarms[0].name)[
        "AlarmRule"]


def test_applying_with_credentials_of_another_account_is_refused_before_any_write(model, clients, log):
    production_like = dataclasses.replace(model, env="production", account="295202642810")
    plan = make_plan(production_like, clients)
    with pytest.raises(SyncError, match="account 295202642810.*belong to account 123456789012"):
        apply(production_like, clients, plan, FAST)
    assert log.writes() == []


def test_deleting_most_of_an_environment_needs_allow_mass_delete(model, clients, log):
    converge(model, clients)
    keep = dataclasses.replace(model, composite_alarms=(), metric_alarms=model.metric_alarms[:2], dashboards=())
    plan = make_plan(keep, clients)
    log.calls.clear()
    with pytest.raises(SyncError, match="--allow-mass-delete"):
        apply(keep, clients, plan, FAST)
    assert log.writes() == []
    assert apply(keep, clients, plan, dataclasses.replace(FAST, allow_mass_delete=True)).ok


def test_a_saved_plan_is_refused_once_aws_or_the_spec_changed(model, clients, log):
    saved = loads(dumps(make_plan(model, clients)))
    check_saved_plan(saved, make_plan(model, clients))  # nothing changed: accepted
    foreign_alarm(clients, model.metric_alarms[0].name)
    with pytest.raises(SyncError, match="AWS changed"):
        check_saved_plan(saved, make_plan(model, clients, adopt=True))
    clients.cloudwatch.delete_alarms(AlarmNames=[model.metric_alarms[0].name])
    smaller = dataclasses.replace(model, metric_alarms=model.metric_alarms[1:], composite_alarms=())
    with pytest.raises(SyncError, match="spec changed"):
        check_saved_plan(saved, make_plan(smaller, clients))


SECRET_URL = "https://events.pagerduty.com/integration/SECRETKEY123/enqueue"


def test_secret_endpoints_are_resolved_at_apply_time_and_never_shown(monkeypatch, clients):
    production = dataclasses.replace(example_model("production"), endpoint=None)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", production.account)  # moto serves that account for every request
    make_log_groups(clients.client("logs"), production)
    monkeypatch.delenv("STOCK_ANALYSIS_PAGERDUTY_URL", raising=False)
    with pytest.raises(SyncError, match="STOCK_ANALYSIS_PAGERDUTY_URL is not set"):
        make_plan(production, clients)
    monkeypatch.setenv("STOCK_ANALYSIS_PAGERDUTY_URL", SECRET_URL)
    plan = make_plan(production, clients)
    shown = dumps(plan) + plan_text(plan).plain
    assert "SECRETKEY123" not in shown and "{{resolve:env:STOCK_ANALYSIS_PAGERDUTY_URL}}" in shown
    assert apply(production, clients, plan, FAST).ok
    endpoints = [s["Endpoint"] for s in clients.sns.list_subscriptions()["Subscriptions"]]
    assert SECRET_URL in endpoints
    assert not make_plan(production, clients).has_changes
    # A rotated key: the old subscription goes, the new one comes; neither is printed.
    monkeypatch.setenv("STOCK_ANALYSIS_PAGERDUTY_URL", SECRET_URL.replace("123", "456"))
    rotated = make_plan(production, clients)
    assert sorted(c.action for c in rotated.changes) == [CREATE, DELETE]
    assert "SECRETKEY" not in dumps(rotated) + plan_text(rotated).plain


def test_drift_reports_missing_changed_and_leftover_resources(model, clients):
    converge(model, clients)
    first, second = model.metric_alarms[0], model.metric_alarms[1]
    clients.cloudwatch.delete_alarms(AlarmNames=[first.name])
    live = alarm(clients, second.name)
    clients.cloudwatch.put_metric_alarm(**{k: live[k] for k in (
        "AlarmName", "MetricName", "Namespace", "Statistic", "Dimensions", "Period", "EvaluationPeriods",
        "Threshold", "ComparisonOperator", "TreatMissingData", "AlarmActions", "OKActions")},
        AlarmDescription="edited in the console")
    third = model.metric_alarms[2]
    without_third = dataclasses.replace(model, metric_alarms=tuple(a for a in model.metric_alarms if a is not third))
    report = drift_report(make_plan(without_third, clients))
    statuses = {i.address: (i.status, [f.field for f in i.fields]) for i in report.items}
    assert statuses == {f"metric_alarm.{first.name}": (MISSING, []),
                        f"metric_alarm.{second.name}": (CHANGED, ["AlarmDescription"]),
                        f"metric_alarm.{third.name}": (NOT_IN_SPEC, [])}


def test_test_alarm_fires_and_restores(model, clients, log):
    from obsgen.aws.trigger import find_alarm, test_alarm

    converge(model, clients)
    target = find_alarm(model, model.metric_alarms[0].ref)
    seen = []
    previous, _ = test_alarm(model, clients, target, 5, sleep=lambda _s: seen.append(
        alarm(clients, target.name)["StateValue"]))
    assert seen == ["ALARM"] and previous == "INSUFFICIENT_DATA"
    assert alarm(clients, target.name)["StateValue"] == previous
    foreign_alarm(clients, "not-ours")
    with pytest.raises(SyncError, match="not a monitor"):
        find_alarm(model, "nope/nothing")
    stranger = dataclasses.replace(target, name="not-ours")
    with pytest.raises(SyncError, match="not managed by obsgen"):
        test_alarm(model, clients, stranger)


def test_an_aws_error_that_echoes_a_secret_endpoint_is_redacted(monkeypatch, clients):
    from botocore.exceptions import ClientError

    production = dataclasses.replace(example_model("production"), endpoint=None)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", production.account)
    make_log_groups(clients.client("logs"), production)
    monkeypatch.setenv("STOCK_ANALYSIS_PAGERDUTY_URL", SECRET_URL)
    plan = make_plan(production, clients)

    real = clients.sns.subscribe

    def refuse(**params):
        if params["Endpoint"] != SECRET_URL:
            return real(**params)
        raise ClientError({"Error": {"Code": "InvalidParameter", "Message": f"bad endpoint {params['Endpoint']}"}},
                          "Subscribe")

    monkeypatch.setattr(clients.sns, "subscribe", refuse)
    result = apply(production, clients, plan, FAST)
    failures = dict(result.failed)
    secret = [m for name, m in failures.items() if "pagerduty" in m.lower() or "resolve:env" in name]
    assert secret and all("SECRETKEY123" not in m for m in failures.values())
    assert any("{{resolve:env:STOCK_ANALYSIS_PAGERDUTY_URL}}" in m for m in failures.values())


def test_an_aws_error_that_echoes_a_rotated_secret_or_parts_of_it_is_redacted(monkeypatch, clients):
    from botocore.exceptions import ClientError

    production = dataclasses.replace(example_model("production"), endpoint=None)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", production.account)
    make_log_groups(clients.client("logs"), production)
    monkeypatch.setenv("STOCK_ANALYSIS_PAGERDUTY_URL", SECRET_URL)
    assert apply(production, clients, make_plan(production, clients), FAST).ok
    monkeypatch.setenv("STOCK_ANALYSIS_PAGERDUTY_URL", SECRET_URL.replace("123", "456"))
    rotated = make_plan(production, clients)
    [old] = [c for c in rotated.changes if c.action == DELETE]
    assert old.address.startswith("subscription.stock-analysis-critical-alerts-production/https/(redacted, "
                                  "subscription ")

    def refuse(**params):
        raise ClientError({"Error": {"Code": "AuthorizationError", "Message": f"not allowed: {SECRET_URL} "
                                     "(path /integration/SECRETKEY123/enqueue)"}}, "Unsubscribe")

    monkeypatch.setattr(clients.sns, "unsubscribe", refuse)
    result = apply(production, clients, rotated, FAST)
    [(name, message)] = result.failed
    assert name == f"delete {old.address}" and "SECRETKEY" not in message
    assert message.startswith("AuthorizationError: not allowed: (redacted, subscription ")
