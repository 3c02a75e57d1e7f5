"""The sync engine across an environment's regions, against moto in-process: an alarm placed outside
the home region (with its severity's topic and subscriptions there) is planned, applied, read back,
drift-checked and deleted with that region's clients; home-region addresses stay as they were."""

from __future__ import annotations

import dataclasses
import json

import pytest
# aws_env, clients, log and model are fixtures (aws_support.py).
from aws_support import ACCOUNT, REGION, CallLog, aws_env, clients, clients_for, log, model  # noqa: F401

from obsgen.aws import SyncError
from obsgen.aws.apply import batches
from obsgen.aws.drift import CHANGED, drift_report
from obsgen.aws.plan import CREATE, DELETE, UPDATE
from obsgen.aws.planfile import dumps, loads
from obsgen.aws.resources import address
from obsgen.aws.safety import check_identity
from obsgen.aws.workflow import ApplyOptions, apply, make_plan
from obsgen.conventions import topic_arn
from obsgen.model import EnvironmentModel, MetricAlarm

FAST = ApplyOptions(concurrency=1, writes_per_second=None)
AWAY = "eu-west-1"
pytestmark = pytest.mark.usefixtures("aws_env")


def placed_away(model: EnvironmentModel) -> tuple[EnvironmentModel, MetricAlarm]:
    """The model with one metric alarm (one no composite names) in AWAY, its severity's topic and that
    topic's subscriptions there too, as resolving places a CloudFront alarm in us-east-1."""
    children = {ref for c in model.composite_alarms for ref in c.children}
    moved = next(a for a in model.metric_alarms if a.ref not in children)
    topic = next(t for t in model.topics if t.arn == moved.severity.topic_arn)
    away_arn = topic_arn(AWAY, model.account, topic.name)
    severity = dataclasses.replace(moved.severity, topic_arn=away_arn)
    alarm = dataclasses.replace(moved, region=AWAY, severity=severity)
    subscriptions = tuple(dataclasses.replace(s, topic_arn=away_arn, region=AWAY)
                          for s in model.subscriptions if s.topic_arn == topic.arn)
    return dataclasses.replace(
        model, metric_alarms=tuple(alarm if a is moved else a for a in model.metric_alarms),
        topics=(*model.topics, dataclasses.replace(topic, arn=away_arn, region=AWAY)),
        subscriptions=(*model.subscriptions, *subscriptions), regions=(AWAY,)), alarm


def converge(model, clients):
    plan = make_plan(model, clients)
    result = apply(model, clients, plan, FAST)
    assert result.ok, (result.failed, result.not_done)
    return plan


def described(clients, region, name):
    found = clients.client("cloudwatch", region).describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return found[0] if found else None


def test_an_alarm_outside_the_home_region_is_created_there_with_its_topic_and_addressed_by_region(model, clients, log):
    two, alarm = placed_away(model)
    plan = converge(two, clients)
    away = {c.address for c in plan.changes if c.region == AWAY}
    assert f"metric_alarm.{AWAY}/{alarm.name}" in away
    assert f"topic.{AWAY}/{alarm.severity.topic_arn.rsplit(':', 1)[-1]}" in away
    assert all(c.address.startswith(f"{c.kind}.{AWAY}/") for c in plan.changes if c.region == AWAY)
    home = [c for c in plan.changes if not c.region]
    assert all(c.address == address(c.kind, c.name) for c in home)  # home addresses as before regions
    assert described(clients, AWAY, alarm.name)["AlarmActions"][0] == alarm.severity.topic_arn
    assert described(clients, REGION, alarm.name) is None
    again = make_plan(two, clients)
    assert not again.has_changes and drift_report(again).in_sync
    assert again.managed == plan.count(CREATE)


def test_every_region_is_scanned_for_ownership_and_read_in_batches(model, clients, log):
    two, _ = placed_away(model)
    converge(two, clients)
    log.calls.clear()
    away = CallLog().attach(*(clients.client(s, AWAY) for s in ("cloudwatch", "sns", "resourcegroupstaggingapi",
                                                                   "logs", "events")))
    make_plan(two, clients)
    reads = [op for _, op in log.reads()]  # the home region's
    assert reads.count("GetResources") == 1 and reads.count("DescribeAlarms") == 1
    assert reads.count("ListDashboards") == 1  # dashboards are global: read once, with the home clients
    # What the second region costs: its ownership scan, one alarm batch, its one topic (and its policy, read
    # with it) and its subscriptions, and one scan each of its metric filters, saved queries, event rules and
    # mute rules.
    assert sorted(op for _, op in away.calls) == ["DescribeAlarms", "DescribeMetricFilters", "DescribeQueryDefinitions",
                                                   "GetResources", "GetTopicAttributes", "ListAlarmMuteRules",
                                                   "ListRules", "ListSubscriptionsByTopic"]
    assert away.problems == []


def test_the_topic_of_another_region_lets_that_regions_alarms_publish_to_it(model, clients, log):
    two, alarm = placed_away(model)
    plan = converge(two, clients)
    topic = alarm.severity.topic_arn
    assert f"topic_policy.{AWAY}/{topic.rsplit(':', 1)[-1]}" in {c.address for c in plan.changes}
    policy = json.loads(clients.client("sns", AWAY).get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    [ours] = [s for s in policy["Statement"] if s.get("Sid") == "obsgenCloudWatch"]
    assert ours["Resource"] == topic
    assert ours["Condition"]["ArnLike"]["aws:SourceArn"] == f"arn:aws:cloudwatch:{AWAY}:{ACCOUNT}:alarm:*"
    again = make_plan(two, clients)
    assert not again.has_changes


def test_a_hand_edit_in_the_other_region_is_drift_there_and_apply_repairs_it(model, clients, log):
    two, alarm = placed_away(model)
    converge(two, clients)
    live = described(clients, AWAY, alarm.name)
    edited = {k: live[k] for k in ("AlarmName", "MetricName", "Namespace", "Statistic", "Dimensions", "Period",
                                   "EvaluationPeriods", "ComparisonOperator", "AlarmActions", "OKActions",
                                   "AlarmDescription", "TreatMissingData")}
    clients.client("cloudwatch", AWAY).put_metric_alarm(**edited, Threshold=live["Threshold"] + 7)
    plan = make_plan(two, clients)
    [change] = plan.changes
    assert (change.action, change.region, [f.field for f in change.fields]) == (UPDATE, AWAY, ["Threshold"])
    assert [(i.status, i.address) for i in drift_report(plan).items] == [(CHANGED, f"metric_alarm.{AWAY}/{alarm.name}")]
    converge(two, clients)
    assert described(clients, AWAY, alarm.name)["Threshold"] == live["Threshold"]


def test_an_unowned_alarm_in_the_other_region_is_left_alone_and_one_in_the_way_is_a_conflict(model, clients, log):
    two, alarm = placed_away(model)
    converge(two, clients)
    away_cw = clients.client("cloudwatch", AWAY)
    foreign = dict(MetricName="Errors", Namespace="Other", Statistic="Sum", Period=60, EvaluationPeriods=1,
                   Threshold=1.0, ComparisonOperator="GreaterThanThreshold")
    away_cw.put_metric_alarm(AlarmName="someone-elses", **foreign)
    assert not make_plan(two, clients).has_changes
    away_cw.delete_alarms(AlarmNames=[alarm.name])
    away_cw.put_metric_alarm(AlarmName=alarm.name, **foreign)  # same name, made by hand: not obsgen's
    plan = make_plan(two, clients)
    assert [c.address for c in plan.conflicts] == [f"metric_alarm.{AWAY}/{alarm.name}"]
    with pytest.raises(SyncError, match="conflict"):
        apply(two, clients, plan, FAST)
    assert described(clients, AWAY, "someone-elses")["Threshold"] == 1.0
    assert described(clients, AWAY, alarm.name)["Namespace"] == "Other"


def test_the_same_alarm_name_in_two_regions_is_two_resources(model, clients, log):
    """Names are unique per region: a home alarm of that name neither matches nor blocks the away one."""
    two, alarm = placed_away(model)
    clients.cloudwatch.put_metric_alarm(AlarmName=alarm.name, MetricName="Errors", Namespace="Other",
                                        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
                                        ComparisonOperator="GreaterThanThreshold")
    plan = make_plan(two, clients)
    assert f"metric_alarm.{AWAY}/{alarm.name}" in {c.address for c in plan.changes if c.action == CREATE}
    assert not plan.conflicts


def test_moving_an_alarm_home_deletes_it_in_the_region_it_left_after_creating_it_at_home(model, clients, log):
    two, alarm = placed_away(model)
    converge(two, clients)
    back = dataclasses.replace(model, regions=(AWAY,))  # AWAY still read: obsgen's resources there are found
    plan = make_plan(back, clients)
    actions = {(c.action, c.address) for c in plan.changes}
    assert (CREATE, f"metric_alarm.{alarm.name}") in actions and (DELETE, f"metric_alarm.{AWAY}/{alarm.name}") in actions
    assert (DELETE, f"topic.{AWAY}/{alarm.severity.topic_arn.rsplit(':', 1)[-1]}") in actions
    steps = [step for group in batches(plan) for step in group]
    assert all(len({c.region for c in step}) == 1 for step in steps)  # one call writes to one region
    converge(back, clients)
    assert described(clients, AWAY, alarm.name) is None and described(clients, REGION, alarm.name) is not None
    assert clients.client("sns", AWAY).list_topics()["Topics"] == []


def test_a_saved_plan_keeps_the_region_of_each_change_and_home_changes_carry_none(model, clients, log):
    two, alarm = placed_away(model)
    plan = make_plan(two, clients)
    saved = loads(dumps(plan))
    assert {c.address: c.region for c in saved.changes} == {c.address: c.region for c in plan.changes}
    assert '"region": ""' not in dumps(plan) and f'"region": "{AWAY}"' in dumps(plan)


def test_clients_are_made_once_per_service_and_region_and_shared_by_every_region_view(model):
    clients = clients_for(model)
    assert clients.cloudwatch is clients.client("cloudwatch") is clients.client("cloudwatch", REGION)
    away = clients.in_region(AWAY)
    assert away.cloudwatch is clients.client("cloudwatch", AWAY) is not clients.cloudwatch
    assert away.cloudwatch.meta.region_name == AWAY and clients.sns.meta.region_name == REGION
    assert clients.client("logs") is away.client("logs", REGION)  # a new service needs no change to session.py
    log = CallLog()
    clients.register("before-parameter-build", log._record)  # also on clients made later
    clients.client("sns", "ap-southeast-2").list_topics()
    assert log.calls == [("sns", "ListTopics")]


def test_the_identity_check_asks_sts_in_every_region_of_the_environment(model, clients, log):
    two, _ = placed_away(model)
    log.attach(clients.client("sts", AWAY), clients.quick_client("sts", AWAY))
    check_identity(clients, ACCOUNT, REGION, two.env, two.regions)
    assert [op for _, op in log.calls] == ["GetCallerIdentity", "GetCallerIdentity"]
    with pytest.raises(SyncError, match="account 999999999999"):
        check_identity(clients, "999999999999", REGION, two.env, two.regions)


def test_test_alarm_sets_the_state_of_an_alarm_in_its_own_region(model, clients, log):
    from obsgen.aws.trigger import test_alarm

    two, alarm = placed_away(model)
    converge(two, clients)
    seen = []
    previous, _ = test_alarm(two, clients, alarm, 5, sleep=lambda _s: seen.append(
        described(clients, AWAY, alarm.name)["StateValue"]))
    assert seen == ["ALARM"] and described(clients, AWAY, alarm.name)["StateValue"] == previous
