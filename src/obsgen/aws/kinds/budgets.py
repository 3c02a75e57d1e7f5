"""AWS Budgets cost budgets (`budgets:` in the project) in the sync: desired, live, comparable form and writes.

Budgets is a global API: one endpoint (us-east-1 in the aws partition, botocore's budgets
endpoint-rule-set-1.json signs for us-east-1) serving the whole account, so the kind is read once and
written with that client (`regional = False`). A budget takes tags (CreateBudget `ResourceTags`,
TagResource / UntagResource / ListTagsForResource on `arn:aws:budgets::<account>:budget/<name>`,
botocore's budgets model 2016-10-20) and obsgen tags each one it writes (`obsgen:project`, `obsgen:env`,
`obsgen:budget`); the tags decide ownership. The Resource Groups Tagging API is regional and its
supported-services list names no budget resource type (and moto's tagging backend has none), so budgets
are not in the shared tagging scan: obsgen names its budgets `<project>-<env>-<key>`
(conventions.budget_name) and reads the tags of the budgets under that prefix only. A budget under the
prefix without this environment's tags (made by hand, or another environment's whose name starts the
same way, `prod` / `prod-eu`) is never updated or deleted, and is a conflict (`--adopt`) when the spec
wants its name. So is one a CloudFormation stack made (`aws:cloudformation:stack-name`), unless the
environment is deployed by stacks, and `--adopt` refuses that one (base.stack_owned).

Reading: DescribeBudgets, 1000 a page (MaxResults 1..1000), following NextToken: it answers every budget
of the account, whole; then for each budget under the prefix ListTagsForResource, and for those owned or
wanted by the spec DescribeNotificationsForBudget (one page: "A budget can have up to ten
notifications", MaxResults 100) and DescribeSubscribersForNotification per notification (one page: at
most 11 subscribers). ceil(B/1000) + P + sum(1 + K) calls for B budgets in the account, P under the
prefix with K notifications each.

Comparing: the fields obsgen sets, with AWS's defaults filled in -- CostTypes (each field's documented
default, botocore's CostTypes shape: every Include* true, UseBlended and UseAmortized false), the
amount as a number (`500` and `500.0` are the same) -- and one field per notification, keyed by its
identity (type, operator, threshold, threshold type; PERCENTAGE when absent), holding its subscribers
as a set. Ignored, because AWS computes them or obsgen does not set them: CalculatedSpend (the spend so
far), TimePeriod (AWS's default: the start of the current period to 2087-06-15), LastUpdatedTime,
AutoAdjustData (auto-adjusting budgets; obsgen writes a fixed BudgetLimit), HealthStatus,
NotificationState (whether a notification is in alarm), and the newer FilterExpression / Metrics /
BillingViewArn, which DescribeBudgets answers only when asked (ShowFilterExpression) and obsgen does
not write (it writes CostFilters and CostTypes: "Either FilterExpression and Metrics or CostFilters
and CostTypes", API_budgets_UpdateBudget.html).
Writing: CreateBudget creates the budget with its notifications, subscribers and tags. An update makes
UpdateBudget (the budget's own fields, with the CostTypes defaults sent, so a hand edit of them is put
back) when those changed; a notification the spec lost, or whose threshold changed (a notification's
identity is its type, operator, threshold and threshold type), is DeleteNotification, one the spec
gained CreateNotification with its subscriber; subscribers of a notification kept are compared as a
set, CreateSubscriber before DeleteSubscriber ("Deleting the last subscriber to a notification also
deletes the notification"); then TagResource / UntagResource. DeleteBudget deletes a budget with its
notifications and subscribers. A budget notifies SNS topics whose policies must let budgets.amazonaws.com
publish: written after topics and their policies, deleted before them (kinds/__init__.PHASES).
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_CreateBudget.html
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_DescribeBudgets.html
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_UpdateBudget.html
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_DeleteSubscriber.html
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from botocore.exceptions import ClientError

from ...conventions import dashboard_prefix, partition
from ...model import EnvironmentModel
from ...targets.budgets import create_budget_params
from ..paging import pages
from ..resources import Action, Change, Kind, LiveResource, Resource, tag_dict, tag_list
from ..session import AwsClient, Clients
from .base import Call, Reading, SyncedKind

BUDGETS_PAGE = 1000  # DescribeBudgets MaxResults: 1..1000 (MaxResultsDescribeBudgets)
PAGE = 100  # DescribeNotificationsForBudget / DescribeSubscribersForNotification MaxResults: 1..100
HOME_ENDPOINT_REGION = "us-east-1"  # the aws partition's budgets endpoint signs for us-east-1 (endpoint-rule-set-1.json)
# CostTypes: each field's documented default (botocore's budgets model, CostTypes shape), what AWS
# answers for a COST budget created without CostTypes.
COST_TYPE_DEFAULTS: dict[str, bool] = {
    "IncludeTax": True, "IncludeSubscription": True, "UseBlended": False, "IncludeRefund": True,
    "IncludeCredit": True, "IncludeUpfront": True, "IncludeRecurring": True, "IncludeOtherSubscription": True,
    "IncludeSupport": True, "IncludeDiscount": True, "UseAmortized": False}
DEFAULT_THRESHOLD_TYPE = "PERCENTAGE"  # a notification without ThresholdType is a percentage of the limit
NOTIFICATION = "notification "  # the prefix of a notification's field in the comparable form
_NOTIFICATION_KEYS = ("NotificationType", "ComparisonOperator", "Threshold", "ThresholdType")


def endpoint_region(home: str) -> str:
    """Where the budgets client talks: us-east-1 in the aws partition; elsewhere the home region, from
    which botocore's rule set picks the partition's one budgets endpoint."""
    return HOME_ENDPOINT_REGION if partition(home) == "aws" else home


def budgets_client(clients: Clients) -> AwsClient:
    return clients.client("budgets", endpoint_region(clients.region))


def _number(value: Any) -> str:
    """`500`, `500.0` and `5E+2` in one spelling."""
    try:
        return format(Decimal(str(value)).normalize(), "f")
    except (InvalidOperation, ValueError):
        return str(value)


def notification_key(notification: dict[str, Any]) -> str:
    """A notification's identity: type, operator, threshold and threshold type."""
    return (f"{NOTIFICATION}{notification.get('NotificationType')} {notification.get('ComparisonOperator')} "
            f"{_number(notification.get('Threshold'))} {notification.get('ThresholdType') or DEFAULT_THRESHOLD_TYPE}")


def _subscribers(subscribers: list[dict[str, Any]]) -> list[str]:
    return sorted({f"{s.get('SubscriptionType')} {s.get('Address')}" for s in subscribers or []})


def _notification(notification: dict[str, Any]) -> dict[str, Any]:
    """The identity fields only (not NotificationState, which AWS keeps), as Create/Delete calls take them."""
    found = {k: notification[k] for k in _NOTIFICATION_KEYS if notification.get(k) is not None}
    found.setdefault("ThresholdType", DEFAULT_THRESHOLD_TYPE)
    return found


def notifications_of(params: dict[str, Any]) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """key -> (notification, subscribers) of CreateBudget-shaped params."""
    return {notification_key(n["Notification"]): (_notification(n["Notification"]), list(n.get("Subscribers") or []))
            for n in params.get("NotificationsWithSubscribers") or []}


def _budget_fields(budget: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {k: budget.get(k) for k in ("BudgetName", "BudgetType", "TimeUnit")}
    limit = budget.get("BudgetLimit")
    if limit:
        result["BudgetLimit"] = {"Amount": _number(limit.get("Amount")), "Unit": limit.get("Unit")}
    filters = {k: sorted(v) for k, v in (budget.get("CostFilters") or {}).items() if v}
    if filters:
        result["CostFilters"] = dict(sorted(filters.items()))
    if budget.get("BudgetType") == "COST":
        result["CostTypes"] = {**COST_TYPE_DEFAULTS, **{k: v for k, v in (budget.get("CostTypes") or {}).items()
                                                        if v is not None}}
    return result


def new_budget(params: dict[str, Any]) -> dict[str, Any]:
    """UpdateBudget's NewBudget: the spec's Budget with AWS's CostTypes defaults spelt out, so that a hand
    edit of them is put back."""
    budget = dict(params["Budget"])
    if budget.get("BudgetType") == "COST":
        budget["CostTypes"] = {**COST_TYPE_DEFAULTS, **budget.get("CostTypes", {})}
    return budget


class Budgets(SyncedKind):
    kinds = (Kind.BUDGET,)
    tags_read_per_resource = True  # tags are shown and compared; not in the tagging scan: read per budget
    regional = False  # one endpoint for the account (module docstring)

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        found = []
        for budget in model.budgets:
            params = create_budget_params(budget, model.account)
            tags = tag_dict(params.pop("ResourceTags"))
            found.append(Resource(Kind.BUDGET, budget.name, budget.arn, params, tags))
        return found

    def read(self, reading: Reading) -> list[LiveResource]:
        client = budgets_client(reading.clients)
        account = reading.account or reading.clients.sts.get_caller_identity()["Account"]
        prefix = dashboard_prefix(reading.project, reading.env)
        wanted = {r.name for r in reading.desired_of(Kind.BUDGET)}
        budgets = _list_budgets(client, account)
        found = []
        for budget in sorted(budgets, key=lambda b: b["BudgetName"]):
            name = budget["BudgetName"]
            if not name.startswith(prefix):
                continue
            arn = f"arn:{partition(reading.clients.region)}:budgets::{account}:budget/{name}"
            try:
                tags = reading.owned(tag_dict(client.list_tags_for_resource(ResourceARN=arn).get("ResourceTags")))
            except ClientError as exc:  # deleted between the list and the read: not there
                if exc.response["Error"]["Code"] != "NotFoundException":
                    raise
                continue
            owned = tags is not None
            notifications = _read_notifications(client, account, name) if owned or name in wanted else []
            params = {"AccountId": account, "Budget": budget, "NotificationsWithSubscribers": notifications}
            found.append(LiveResource(Kind.BUDGET, name, arn, params, tags, owned))
        return found

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
        result = _budget_fields(params.get("Budget") or {})
        for key, (_, subscribers) in notifications_of(params).items():
            result[key] = _subscribers(subscribers)
        return result

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        client = budgets_client(clients)
        for change in step:
            if change.action == Action.DELETE:
                live = change.current()
                call(client.delete_budget, AccountId=live.params["AccountId"], BudgetName=change.name)
            elif change.action == Action.CREATE:
                resource = change.wanted()
                call(client.create_budget, **resource.params, ResourceTags=tag_list(resource.tags))
            else:
                _update(call, client, change)

    def read_tags(self, clients: Clients, resource: LiveResource) -> dict[str, str]:
        """Every tag, CloudFormation's included: adopting a stack's budget is refused (base.SyncedKind.conflict)."""
        return tag_dict(budgets_client(clients).list_tags_for_resource(ResourceARN=resource.arn).get("ResourceTags"))


def _list_budgets(client: AwsClient, account: str) -> list[dict[str, Any]]:
    """Every budget of the account. DescribeBudgets names NotFoundException among its errors (botocore's
    model), which is how it has answered an account without any budget: that is no budget, not a failure."""
    try:
        return [b for page in pages(client.describe_budgets, {"AccountId": account, "MaxResults": BUDGETS_PAGE})
                for b in page.get("Budgets", [])]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
        return []


def _read_notifications(client: AwsClient, account: str, name: str) -> list[dict[str, Any]]:
    """NotificationsWithSubscribers of one budget, as CreateBudget takes them. NotFoundException (both reads
    model it) is read as none: a budget without notifications, a notification deleted meanwhile. Were the
    budget itself gone, the plan's update fails and the next plan creates it; taking a budget without
    notifications for a missing one would make CreateBudget fail on every apply."""
    found = []
    kwargs = {"AccountId": account, "BudgetName": name, "MaxResults": PAGE}
    for notification in _all(client.describe_notifications_for_budget, kwargs, "Notifications"):
        asked = _notification(notification)
        subscribers = _all(client.describe_subscribers_for_notification, {**kwargs, "Notification": asked},
                           "Subscribers")
        found.append({"Notification": asked, "Subscribers": subscribers})
    return found


def _all(call: Call, kwargs: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Every page's `key` items; none on NotFoundException."""
    try:
        return [item for page in pages(call, kwargs) for item in page.get(key, [])]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
        return []


def _update(call: Call, client: AwsClient, change: Change) -> None:
    """UpdateBudget for the budget's own fields, then the notifications and subscribers that differ, then tags."""
    resource, live = change.wanted(), change.current()
    account, name = resource.params["AccountId"], resource.name
    if _budget_fields(resource.params["Budget"]) != _budget_fields(live.params.get("Budget") or {}):
        call(client.update_budget, AccountId=account, NewBudget=new_budget(resource.params))
    wanted, present = notifications_of(resource.params), notifications_of(live.params)
    where = {"AccountId": account, "BudgetName": name}
    for key in sorted(set(present) - set(wanted)):
        call(client.delete_notification, **where, Notification=present[key][0])
    for key in sorted(set(wanted) - set(present)):
        notification, subscribers = wanted[key]
        call(client.create_notification, **where, Notification=notification, Subscribers=subscribers)
    for key in sorted(set(wanted) & set(present)):
        _sync_subscribers(call, client, where, present[key][0], wanted[key][1], present[key][1])
    _sync_tags(call, client, change)


def _sync_subscribers(call: Call, client: AwsClient, where: dict[str, str], notification: dict[str, Any],
                      wanted: list[dict[str, Any]], present: list[dict[str, Any]]) -> None:
    """Add before removing: deleting a notification's last subscriber deletes the notification."""
    def keyed(subscribers: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {f"{s['SubscriptionType']} {s['Address']}": {"SubscriptionType": s["SubscriptionType"],
                                                            "Address": s["Address"]} for s in subscribers}

    want, have = keyed(wanted), keyed(present)
    for key in sorted(set(want) - set(have)):
        call(client.create_subscriber, **where, Notification=notification, Subscriber=want[key])
    for key in sorted(set(have) - set(want)):
        call(client.delete_subscriber, **where, Notification=notification, Subscriber=have[key])


def _sync_tags(call: Call, client: AwsClient, change: Change) -> None:
    """Budgets' tag calls name their fields ResourceTags / ResourceTagKeys (base.sync_tags: Tags / TagKeys)."""
    live = change.current()
    before, after = live.tags or {}, change.wanted().tags
    added = {k: v for k, v in after.items() if before.get(k) != v}
    removed = sorted(set(before) - set(after))
    if added:
        call(client.tag_resource, ResourceARN=live.arn, ResourceTags=tag_list(added))
    if removed:
        call(client.untag_resource, ResourceARN=live.arn, ResourceTagKeys=removed)

