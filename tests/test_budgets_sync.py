"""Cost budgets (`budgets:`) in plan / apply / drift (aws/kinds/budgets.py): against moto in-process with
obsgen's completion of the budgets API (sandbox/budgets.py), every request checked by botocore's model;
faults injected against the sandbox over HTTP.

The project is tests/fixtures/beyond-alarms (one monthly budget of 500 USD filtered by the Team tag, an
actual 80 % notification to the warning topic and a forecast 100 % one to the critical topic)."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter

import pytest
from aws_support import ACCOUNT, CallLog, aws_env, clients_for, in_process  # noqa: F401
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from test_aws_faults import EXPECTED_ERROR, FAULTS, ONCE, Injector, sb  # noqa: F401
from test_metric_filters_sync import converge, fixture_model

from obsgen.aws.drift import CHANGED, MISSING, NOT_IN_SPEC, drift_report
from obsgen.aws.kinds.budgets import budgets_client
from obsgen.aws.plan import CREATE, DELETE, UPDATE
from obsgen.aws.session import connect, retry_config
from obsgen.aws.workflow import apply, make_plan

BUDGET = "orders-sandbox-monthly"
ARN = f"arn:aws:budgets::{ACCOUNT}:budget/{BUDGET}"
WARNING = f"arn:aws:sns:us-east-1:{ACCOUNT}:orders-warning-sandbox"
CRITICAL = f"arn:aws:sns:us-east-1:{ACCOUNT}:orders-critical-sandbox"
ACTUAL_80 = {"NotificationType": "ACTUAL", "ComparisonOperator": "GREATER_THAN", "Threshold": 80.0,
             "ThresholdType": "PERCENTAGE"}
FORECAST_100 = {"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN", "Threshold": 100.0,
                "ThresholdType": "PERCENTAGE"}
OWNER = [{"Key": "obsgen:project", "Value": "orders"}, {"Key": "obsgen:env", "Value": "sandbox"}]


@pytest.fixture
def model():
    return in_process(fixture_model())


@pytest.fixture
def clients(aws_env, model):
    return clients_for(model)


@pytest.fixture
def budgets(clients):
    return budgets_client(clients)


@pytest.fixture
def log(clients, budgets):
    log = CallLog().attach(clients.cloudwatch, clients.sns, clients.tagging, clients.client("logs"), budgets)
    yield log
    assert log.problems == [], "requests that botocore's service model rejects"


def budget(budgets, name=BUDGET):
    return budgets.describe_budget(AccountId=ACCOUNT, BudgetName=name)["Budget"]


def names(budgets):
    return sorted(b["BudgetName"] for b in budgets.describe_budgets(AccountId=ACCOUNT)["Budgets"])


def notifications(budgets, name=BUDGET):
    """{(type, threshold): sorted subscriber addresses}"""
    found = {}
    for n in budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=name)["Notifications"]:
        asked = {k: n[k] for k in ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")}
        subscribers = budgets.describe_subscribers_for_notification(AccountId=ACCOUNT, BudgetName=name,
                                                                    Notification=asked)["Subscribers"]
        found[(n["NotificationType"], n["Threshold"])] = sorted(s["Address"] for s in subscribers)
    return found


def tags_of(budgets, name=BUDGET):
    return {t["Key"]: t["Value"] for t in budgets.list_tags_for_resource(
        ResourceARN=f"arn:aws:budgets::{ACCOUNT}:budget/{name}")["ResourceTags"]}


def budget_changes(plan):
    return [c for c in plan.changes if c.kind == "budget"]


def by_hand(budgets, name, tags=None, amount="100"):
    budgets.create_budget(AccountId=ACCOUNT, Budget={"BudgetName": name, "BudgetType": "COST", "TimeUnit": "MONTHLY",
                                                     "BudgetLimit": {"Amount": amount, "Unit": "USD"}},
                          NotificationsWithSubscribers=[{"Notification": ACTUAL_80, "Subscribers": [
                              {"SubscriptionType": "EMAIL", "Address": "finance@example.com"}]}],
                          ResourceTags=tags or [])


def test_apply_creates_the_budget_after_the_topics_and_their_policies_with_its_notifications_and_tags(
        model, clients, budgets, log):
    plan = make_plan(model, clients)
    [change] = budget_changes(plan)
    assert (change.address, change.action) == (f"budget.{BUDGET}", CREATE)
    converge(model, clients)
    writes = [op for _, op in log.writes()]
    assert writes.index("CreateBudget") > max(i for i, op in enumerate(writes) if op == "SetTopicAttributes")
    live = budget(budgets)
    assert (live["BudgetType"], live["TimeUnit"], live["BudgetLimit"]) == ("COST", "MONTHLY",
                                                                         {"Amount": "500", "Unit": "USD"})
    assert live["CostFilters"] == {"TagKeyValue": ["user:Team$orders"]}
    assert notifications(budgets) == {("ACTUAL", 80.0): [WARNING], ("FORECASTED", 100.0): [CRITICAL]}
    assert tags_of(budgets) == {"Team": "orders", "obsgen:budget": "monthly", "obsgen:env": "sandbox",
                                "obsgen:project": "orders"}


def test_after_apply_the_plan_is_empty_and_the_budget_costs_a_list_a_tag_read_and_one_read_per_notification(
        model, clients, budgets, log):
    converge(model, clients)
    by_hand(budgets, "someone-elses")
    log.calls.clear()
    again = make_plan(model, clients)
    assert not again.has_changes and drift_report(again).in_sync
    calls = Counter(op for service, op in log.calls if service == "budgets")
    # a budget outside the prefix is listed, never read further
    assert calls == {"DescribeBudgets": 1, "ListTagsForResource": 1, "DescribeNotificationsForBudget": 1,
                     "DescribeSubscribersForNotification": 2}
    assert apply(model, clients, again, ONCE).write_calls == 0


def test_a_hand_edit_with_the_aws_budgets_api_is_drift_and_apply_puts_the_budget_back(model, clients, budgets, log):
    converge(model, clients)
    edited = {**budget(budgets), "BudgetLimit": {"Amount": "900", "Unit": "USD"}}
    edited["CostTypes"] = {**edited["CostTypes"], "IncludeTax": False}
    for computed in ("CalculatedSpend", "LastUpdatedTime"):
        edited.pop(computed)
    budgets.update_budget(AccountId=ACCOUNT, NewBudget=edited)
    budgets.delete_notification(AccountId=ACCOUNT, BudgetName=BUDGET, Notification=FORECAST_100)
    budgets.create_notification(AccountId=ACCOUNT, BudgetName=BUDGET, Notification={**FORECAST_100, "Threshold": 120.0},
                                Subscribers=[{"SubscriptionType": "SNS", "Address": CRITICAL}])
    budgets.create_subscriber(AccountId=ACCOUNT, BudgetName=BUDGET, Notification=ACTUAL_80,
                              Subscriber={"SubscriptionType": "EMAIL", "Address": "someone@example.com"})
    plan = make_plan(model, clients)
    [change] = plan.changes
    assert (change.address, change.action) == (f"budget.{BUDGET}", UPDATE)
    # a changed threshold is another notification: one gone, one not wanted
    assert [f.field for f in change.fields] == [
        "BudgetLimit", "CostTypes", "notification ACTUAL GREATER_THAN 80 PERCENTAGE",
        "notification FORECASTED GREATER_THAN 100 PERCENTAGE", "notification FORECASTED GREATER_THAN 120 PERCENTAGE"]
    assert [i.status for i in drift_report(plan).items] == [CHANGED]
    log.calls.clear()
    converge(model, clients)
    assert [op for _, op in log.writes()] == ["UpdateBudget", "DeleteNotification", "CreateNotification",
                                              "DeleteSubscriber"]
    live = budget(budgets)
    assert live["BudgetLimit"]["Amount"] == "500" and live["CostTypes"]["IncludeTax"] is True
    assert notifications(budgets) == {("ACTUAL", 80.0): [WARNING], ("FORECASTED", 100.0): [CRITICAL]}
    assert not make_plan(model, clients).has_changes


def test_a_subscriber_replaced_by_hand_is_put_back_adding_before_removing(model, clients, budgets, log):
    converge(model, clients)
    where = {"AccountId": ACCOUNT, "BudgetName": BUDGET, "Notification": ACTUAL_80}
    budgets.create_subscriber(**where, Subscriber={"SubscriptionType": "EMAIL", "Address": "me@example.com"})
    budgets.delete_subscriber(**where, Subscriber={"SubscriptionType": "SNS", "Address": WARNING})
    log.calls.clear()
    converge(model, clients)
    # deleting the last subscriber would delete the notification: the spec's subscriber goes in first
    assert [op for _, op in log.writes()] == ["CreateSubscriber", "DeleteSubscriber"]
    assert notifications(budgets)[("ACTUAL", 80.0)] == [WARNING]


def test_a_removed_tag_is_put_back_with_tag_resource_alone(model, clients, budgets, log):
    converge(model, clients)
    budgets.untag_resource(ResourceARN=ARN, ResourceTagKeys=["Team"])
    budgets.tag_resource(ResourceARN=ARN, ResourceTags=[{"Key": "extra", "Value": "x"}])
    log.calls.clear()
    converge(model, clients)
    assert [op for _, op in log.writes()] == ["TagResource", "UntagResource"]
    assert tags_of(budgets)["Team"] == "orders" and "extra" not in tags_of(budgets)


def test_a_deleted_budget_is_missing_and_apply_creates_it_again(model, clients, budgets, log):
    converge(model, clients)
    budgets.delete_budget(AccountId=ACCOUNT, BudgetName=BUDGET)
    plan = make_plan(model, clients)
    assert [(c.action, c.name) for c in plan.changes] == [(CREATE, BUDGET)]
    assert [i.status for i in drift_report(plan).items] == [MISSING]
    converge(model, clients)
    assert not make_plan(model, clients).has_changes


def test_a_budget_without_this_environment_s_tags_is_never_touched_and_is_a_conflict_when_the_spec_wants_its_name(
        model, clients, budgets, log):
    converge(model, clients)
    budgets.delete_budget(AccountId=ACCOUNT, BudgetName=BUDGET)
    by_hand(budgets, BUDGET)
    by_hand(budgets, "orders-sandbox-by-hand")
    by_hand(budgets, "orders-sandbox-eu-monthly", tags=[{"Key": "obsgen:project", "Value": "orders"},
                                                        {"Key": "obsgen:env", "Value": "sandbox-eu"}])
    plan = make_plan(model, clients)
    assert [c.address for c in plan.conflicts] == [f"budget.{BUDGET}"]
    assert not budget_changes(plan)
    assert apply(model, clients, make_plan(model, clients, adopt=True), ONCE).ok
    assert names(budgets) == ["orders-sandbox-by-hand", "orders-sandbox-eu-monthly", BUDGET]
    assert tags_of(budgets)["obsgen:env"] == "sandbox"
    assert notifications(budgets) == {("ACTUAL", 80.0): [WARNING], ("FORECASTED", 100.0): [CRITICAL]}
    assert budget(budgets, "orders-sandbox-by-hand")["BudgetLimit"]["Amount"] == "100"
    assert not make_plan(model, clients).has_changes


def test_a_budget_a_cloudformation_stack_made_is_never_written_through_the_api_not_even_with_adopt(
        model, clients, budgets, log):
    from moto.budgets.models import budgets_backends

    from obsgen.sandbox.budgets import add_stack_tags

    converge(model, clients)
    budgets.delete_budget(AccountId=ACCOUNT, BudgetName=BUDGET)
    by_hand(budgets, BUDGET, tags=[*OWNER, {"Key": "obsgen:budget", "Value": "monthly"}])
    by_hand(budgets, "orders-sandbox-stacked", tags=OWNER)
    for name in (BUDGET, "orders-sandbox-stacked"):  # CloudFormation's own tags, which TagResource refuses
        add_stack_tags(budgets_backends[ACCOUNT]["aws"], ACCOUNT, name, {"aws:cloudformation:stack-name": "orders"})
    plan = make_plan(model, clients)
    assert [c.address for c in plan.conflicts] == [f"budget.{BUDGET}"]
    assert not budget_changes(plan)  # the stack's other budget is not obsgen's to delete
    adopting = make_plan(model, clients, adopt=True)
    [conflict] = adopting.conflicts
    assert "CloudFormation stack orders manages" in conflict.reason
    assert not budget_changes(adopting)


def test_a_budget_the_spec_lost_is_deleted_before_the_topics_it_notified(model, clients, budgets, log):
    converge(model, clients)
    by_hand(budgets, "orders-sandbox-old", tags=OWNER)
    plan = make_plan(model, clients)
    assert [(c.action, c.name) for c in budget_changes(plan)] == [(DELETE, "orders-sandbox-old")]
    assert [i.status for i in drift_report(plan).items] == [NOT_IN_SPEC]
    converge(model, clients)
    assert names(budgets) == [BUDGET]
    without = dataclasses.replace(model, budgets=(), event_routes=(), topics=model.topics[:0],
                                  subscriptions=(), metric_alarms=(), composite_alarms=(), log_alarms=(),
                                  mute_rules=())
    log.calls.clear()
    assert apply(without, clients, make_plan(without, clients), dataclasses.replace(ONCE, allow_mass_delete=True)).ok
    writes = [op for _, op in log.writes()]
    assert writes.index("DeleteBudget") < writes.index("DeleteTopic")
    assert names(budgets) == []


def test_reading_1001_budgets_takes_two_list_calls(model, clients, budgets, log):
    for index in range(1001):
        by_hand(budgets, f"other-{index:04d}")
    log.calls.clear()
    make_plan(model, clients)
    calls = Counter(op for service, op in log.calls if service == "budgets")
    assert calls == {"DescribeBudgets": 2}  # 1000 a page


def test_an_account_without_budgets_answering_not_found_reads_as_no_budget(model, clients, budgets, log):
    with Stubber(budgets) as stub:
        stub.add_client_error("describe_budgets", "NotFoundException", "the account doesn't have any budgets")
        plan = make_plan(model, clients)
        stub.assert_no_pending_responses()
    assert [(c.action, c.name) for c in budget_changes(plan)] == [(CREATE, BUDGET)]


def test_a_budget_whose_notifications_answer_not_found_reads_as_a_budget_without_notifications(
        model, clients, budgets, log, monkeypatch):
    converge(model, clients)
    reads = {"DescribeBudgets": [], "ListTagsForResource": []}
    original = budgets._make_api_call

    def answer(operation, params):
        if operation in reads:
            return original(operation, params)
        raise ClientError({"Error": {"Code": "NotFoundException", "Message": "no notifications"}}, operation)

    monkeypatch.setattr(budgets, "_make_api_call", answer)  # every budgets read but these two: NotFoundException
    plan = make_plan(model, clients)
    monkeypatch.undo()
    [change] = budget_changes(plan)
    assert change.action == UPDATE and [f.field for f in change.fields] == [
        "notification ACTUAL GREATER_THAN 80 PERCENTAGE", "notification FORECASTED GREATER_THAN 100 PERCENTAGE"]


def test_the_sandbox_refuses_what_the_model_does_not_allow(model, clients, budgets):
    converge(model, clients)
    limit = {"Amount": "10", "Unit": "USD"}

    def code(call, **kwargs):
        with pytest.raises(ClientError) as caught:
            call(**kwargs)
        return caught.value.response["Error"]["Code"]

    budget_of = {"BudgetType": "COST", "TimeUnit": "MONTHLY", "BudgetLimit": limit}
    assert code(budgets.create_budget, AccountId=ACCOUNT, Budget={**budget_of, "BudgetName": "a:b"}) == \
        "InvalidParameterException"
    assert code(budgets.create_budget, AccountId=ACCOUNT, Budget={**budget_of, "BudgetName": "x/action/y"}) == \
        "InvalidParameterException"
    assert code(budgets.create_budget, AccountId=ACCOUNT, Budget={**budget_of, "BudgetName": "x", "TimeUnit": "WEEKLY"}) \
        == "InvalidParameterException"
    assert code(budgets.create_budget, AccountId=ACCOUNT, Budget={**budget_of, "BudgetName": BUDGET}) == \
        "DuplicateRecordException"
    assert code(budgets.create_budget, AccountId=ACCOUNT, Budget={**budget_of, "BudgetName": "x"},
                NotificationsWithSubscribers=[{"Notification": {**ACTUAL_80, "Threshold": 2e13}, "Subscribers": [
                    {"SubscriptionType": "SNS", "Address": WARNING}]}]) == "InvalidParameterException"
    assert code(budgets.create_budget, AccountId=ACCOUNT, Budget={**budget_of, "BudgetName": "x"},
                ResourceTags=[{"Key": "aws:mine", "Value": "x"}]) == "InvalidParameterException"
    assert code(budgets.update_budget, AccountId=ACCOUNT, NewBudget={**budget_of, "BudgetName": "nope"}) == \
        "NotFoundException"
    where = {"AccountId": ACCOUNT, "BudgetName": BUDGET}
    assert code(budgets.create_notification, **where, Notification=ACTUAL_80,
                Subscribers=[{"SubscriptionType": "SNS", "Address": WARNING}]) == "DuplicateRecordException"
    assert code(budgets.create_notification, **where, Notification={**ACTUAL_80, "Threshold": 50.0},
                Subscribers=[{"SubscriptionType": "SNS", "Address": WARNING},
                             {"SubscriptionType": "SNS", "Address": CRITICAL}]) == "InvalidParameterException"
    assert code(budgets.delete_notification, **where, Notification={**ACTUAL_80, "Threshold": 50.0}) == \
        "NotFoundException"
    assert code(budgets.create_subscriber, **where, Notification=ACTUAL_80,
                Subscriber={"SubscriptionType": "SNS", "Address": WARNING}) == "DuplicateRecordException"
    assert code(budgets.describe_notifications_for_budget, AccountId=ACCOUNT, BudgetName="nope") == \
        "NotFoundException"
    assert code(budgets.list_tags_for_resource, ResourceARN=f"arn:aws:budgets::{ACCOUNT}:budget/nope") == \
        "NotFoundException"
    assert code(budgets.describe_budgets, AccountId=ACCOUNT, NextToken="bogus") == "InvalidNextTokenException"
    # the last subscriber takes its notification with it
    budgets.delete_subscriber(**where, Notification=ACTUAL_80, Subscriber={"SubscriptionType": "SNS",
                                                                           "Address": WARNING})
    assert list(notifications(budgets)) == [("FORECASTED", 100.0)]


def test_a_failed_budget_write_at_any_position_is_reported_and_a_second_apply_converges(sb, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    model = dataclasses.replace(fixture_model(), endpoint=sb.endpoint_url)
    only = dataclasses.replace(model, metric_alarms=(), composite_alarms=(), log_alarms=(), dashboards=(),
                               metric_filters=(), saved_queries=(), event_routes=(), mute_rules=(),
                               subscriptions=(), topics=())  # the sandbox does not check that a subscriber topic exists
    monthly = only.budgets[0]
    old = dataclasses.replace(monthly, key="old", name="orders-sandbox-old",
                              arn=monthly.arn.replace(BUDGET, "orders-sandbox-old"))
    [actual, forecast] = monthly.notifications

    def setup():
        sb.reset()
        c = connect(model, config=retry_config("standard", 3))
        before = dataclasses.replace(only, budgets=(dataclasses.replace(
            monthly, amount=400.0, tags=monthly.tags[1:],
            notifications=(actual, dataclasses.replace(forecast, percent=90.0))), old))
        assert apply(before, c, make_plan(before, c), ONCE).ok

    setup()
    c = connect(only, config=retry_config("standard", 1))
    log = CallLog().attach(budgets_client(c))
    assert apply(only, c, make_plan(only, c), ONCE).ok
    writes = [op for _, op in log.writes()]
    assert writes == ["UpdateBudget", "DeleteNotification", "CreateNotification", "TagResource", "DeleteBudget"]
    assert log.problems == []

    for at, fault in itertools.product(range(len(writes)), FAULTS):
        setup()
        c = connect(only, config=retry_config("standard", 1))
        injector = Injector(at, fault).attach(budgets_client(c))
        result = apply(only, c, make_plan(only, c), ONCE)
        case = f"{fault} at write {at}"
        assert injector.injected == 1 and not result.ok, case
        assert EXPECTED_ERROR[fault] in result.failed[0][1], (case, result.failed)
        again = apply(only, c, make_plan(only, c), ONCE)
        assert again.ok, (case, again.failed)
        assert not make_plan(only, c).has_changes, case
        assert [b["BudgetName"] for b in budgets_client(c).describe_budgets(AccountId=ACCOUNT)["Budgets"]] == [
            BUDGET], case
