"""Event routes (EventBridge rules and their target) and the topic policy statements that let
EventBridge, CloudWatch and Budgets publish, in plan / apply / drift (aws/kinds/event_rules.py,
aws/kinds/topic_policies.py): against moto in-process (rules added to the tagging API by
sandbox/events.py), every request checked by botocore's model; faults against the sandbox over HTTP.

The project is tests/fixtures/beyond-alarms (a GuardDuty route of the project, a Step Functions route
of the orders service; a budget notifying both topics)."""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections import Counter

import pytest
from aws_support import CallLog, aws_env, clients_for, in_process  # noqa: F401
from test_aws_faults import EXPECTED_ERROR, FAULTS, ONCE, Injector, sb  # noqa: F401
from test_metric_filters_sync import GROUP, converge, fixture_model

from obsgen.aws.drift import CHANGED, NOT_IN_SPEC, drift_report
from obsgen.aws.plan import CREATE, DELETE, UPDATE
from obsgen.aws.session import connect, retry_config
from obsgen.aws.workflow import apply, make_plan

GUARDDUTY = "orders-guardduty-sandbox"
RECONCILE = "orders-orders-reconciliation-failed-sandbox"
CRITICAL = "arn:aws:sns:us-east-1:123456789012:orders-critical-sandbox"


@pytest.fixture
def model():
    return in_process(fixture_model())


@pytest.fixture
def clients(aws_env, model):
    return clients_for(model)  # with the log group (aws_support.make_log_groups)


@pytest.fixture
def log(clients):
    log = CallLog().attach(clients.cloudwatch, clients.sns, clients.tagging, clients.client("logs"),
                           clients.client("events"))
    yield log
    assert log.problems == [], "requests that botocore's service model rejects"


def rule(clients, name):
    events = clients.client("events")
    return events.describe_rule(Name=name), events.list_targets_by_rule(Rule=name)["Targets"]


def policy(clients, arn=CRITICAL):
    return json.loads(clients.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"])


def test_apply_makes_each_route_s_rule_with_its_target_tags_and_the_topic_policy(model, clients, log):
    converge(model, clients)
    described, targets = rule(clients, GUARDDUTY)
    assert json.loads(described["EventPattern"]) == {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
                                                     "detail": {"severity": [{"numeric": [">=", 7.0]}]}}
    assert [(t["Id"], t["Arn"]) for t in targets] == [("obsgen-topic", CRITICAL)]
    assert "<title>" in targets[0]["InputTransformer"]["InputTemplate"]
    tags = clients.client("events").list_tags_for_resource(ResourceARN=described["Arn"])["Tags"]
    assert {"Key": "obsgen:env", "Value": "sandbox"} in tags
    sids = [s["Sid"] for s in policy(clients)["Statement"]]
    assert sids == ["__default_statement_ID", "obsgenCloudWatch", "obsgenEventBridge", "obsgenBudgets"]
    writes = [op for _, op in log.writes()]
    assert writes.index("SetTopicAttributes") < writes.index("PutRule"), "the policy lets the rule publish first"


def test_after_apply_the_plan_is_empty_and_rules_cost_one_list_and_one_target_read_each(model, clients, log):
    converge(model, clients)
    log.calls.clear()
    again = make_plan(model, clients)
    assert not again.has_changes and drift_report(again).in_sync
    ops = Counter(op for _, op in log.calls)
    assert ops["ListRules"] == 1 and ops["ListTargetsByRule"] == 2 and ops["GetResources"] == 1
    assert ops["GetTopicAttributes"] == len(model.topics), "the policy costs no read of its own"


def test_a_hand_edited_rule_and_an_added_target_are_drift_and_apply_puts_the_rule_back(model, clients, log):
    converge(model, clients)
    events = clients.client("events")
    events.put_rule(Name=GUARDDUTY, EventPattern='{"source": ["aws.guardduty"]}', State="DISABLED")
    events.put_targets(Rule=GUARDDUTY, Targets=[{"Id": "by-hand", "Arn": CRITICAL}])
    plan = make_plan(model, clients)
    [change] = plan.changes
    assert (change.address, change.action) == (f"event_rule.{GUARDDUTY}", UPDATE)
    assert [f.field for f in change.fields] == ["Description", "EventPattern", "State", "Targets"]
    assert [i.status for i in drift_report(plan).items] == [CHANGED]
    converge(model, clients)
    described, targets = rule(clients, GUARDDUTY)
    assert described["State"] == "ENABLED" and [t["Id"] for t in targets] == ["obsgen-topic"]
    assert not make_plan(model, clients).has_changes


def test_a_route_the_spec_lost_is_deleted_targets_first_and_its_policy_statement_goes(model, clients, log):
    converge(model, clients)
    events = clients.client("events")
    events.put_rule(Name="orders-team-rule", EventPattern='{"source": ["aws.ec2"]}')
    events.put_targets(Rule="orders-team-rule", Targets=[{"Id": "x", "Arn": CRITICAL}])
    fewer = dataclasses.replace(model, event_routes=tuple(r for r in model.event_routes if r.name != GUARDDUTY))
    plan = make_plan(fewer, clients)
    assert sorted((c.address, c.action) for c in plan.changes) == [
        (f"event_rule.{GUARDDUTY}", DELETE), ("topic_policy.orders-critical-sandbox", UPDATE)]
    log.calls.clear()
    converge(fewer, clients)
    assert [op for _, op in log.writes()][-2:] == ["RemoveTargets", "DeleteRule"]
    assert [r["Name"] for r in events.list_rules(NamePrefix="orders-")["Rules"]] == [
        RECONCILE, "orders-team-rule"], "a rule without obsgen's tags is never touched"
    sids = [s["Sid"] for s in policy(clients)["Statement"]]
    assert sids == ["__default_statement_ID", "obsgenCloudWatch", "obsgenBudgets"]  # no route publishes there now
    assert not make_plan(fewer, clients).has_changes


def test_statements_obsgen_does_not_own_are_kept_and_its_own_are_put_back(model, clients, log):
    converge(model, clients)
    document = policy(clients)
    document["Statement"] = [s for s in document["Statement"] if s["Sid"] != "obsgenBudgets"] + [
        {"Sid": "crossAccount", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
         "Action": "sns:Publish", "Resource": CRITICAL}]
    document["Statement"][1]["Condition"] = {}
    clients.sns.set_topic_attributes(TopicArn=CRITICAL, AttributeName="Policy", AttributeValue=json.dumps(document))
    plan = make_plan(model, clients)
    [change] = plan.changes
    assert (change.address, [f.field for f in change.fields]) == (
        "topic_policy.orders-critical-sandbox", ["statement obsgenBudgets", "statement obsgenCloudWatch"])
    converge(model, clients)
    sids = [s["Sid"] for s in policy(clients)["Statement"]]
    assert sids == ["__default_statement_ID", "crossAccount", "obsgenCloudWatch", "obsgenEventBridge",
                    "obsgenBudgets"]
    assert not make_plan(model, clients).has_changes


def test_a_rule_of_that_name_without_obsgen_s_tags_is_a_conflict(model, clients, log):
    clients.client("events").put_rule(Name=GUARDDUTY, EventPattern='{"source": ["aws.guardduty"]}')
    plan = make_plan(model, clients)
    assert [c.address for c in plan.conflicts] == [f"event_rule.{GUARDDUTY}"]


def test_a_failed_rule_or_policy_write_at_any_position_is_reported_and_a_second_apply_converges(sb, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    model = dataclasses.replace(fixture_model(), endpoint=sb.endpoint_url)
    only = dataclasses.replace(model, metric_alarms=(), composite_alarms=(), log_alarms=(), dashboards=(),
                               metric_filters=(), saved_queries=(), subscriptions=(), budgets=(), mute_rules=())
    old = dataclasses.replace(only.event_routes[0], name="orders-old-sandbox",
                              arn=only.event_routes[0].arn.replace(GUARDDUTY, "orders-old-sandbox"))
    edited = dataclasses.replace(only.event_routes[1], enabled=False)
    before = dataclasses.replace(only, event_routes=(old, edited))

    def setup():
        sb.reset()
        c = connect(model, config=retry_config("standard", 3))
        assert apply(before, c, make_plan(before, c), ONCE).ok

    setup()
    c = connect(only, config=retry_config("standard", 1))
    log = CallLog().attach(c.client("events"), c.sns)
    assert apply(only, c, make_plan(only, c), ONCE).ok
    writes = [op for _, op in log.writes()]
    assert Counter(writes) == {"PutRule": 2, "PutTargets": 2, "RemoveTargets": 1, "DeleteRule": 1,
                               "SetTopicAttributes": 1}

    for at, fault in itertools.product(range(len(writes)), FAULTS):
        setup()
        c = connect(only, config=retry_config("standard", 1))
        injector = Injector(at, fault).attach(c.client("events"), c.sns)
        result = apply(only, c, make_plan(only, c), ONCE)
        case = f"{fault} at write {at}"
        assert injector.injected == 1 and not result.ok, case
        assert EXPECTED_ERROR[fault] in result.failed[0][1], (case, result.failed)
        again = apply(only, c, make_plan(only, c), ONCE)
        assert again.ok, (case, again.failed)
        assert not make_plan(only, c).has_changes, case
