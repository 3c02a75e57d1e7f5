"""AWS Budgets operations moto (5.2.5) lacks or answers unlike AWS, as botocore's budgets model
(2016-10-20) documents them. moto's budgets have CreateBudget, DescribeBudget(s), DeleteBudget,
CreateNotification, DeleteNotification and DescribeNotificationsForBudget without paging (its
DescribeBudgets answers `nextToken: null` whatever MaxResults says), ignore ResourceTags, answer a
notification of an unknown budget with a KeyError (HTTP 500), and have no UpdateBudget, no subscribers'
operations and no tags. Here, on moto's own budget objects (so its CloudFormation and reset keep working):

* CreateBudget / UpdateBudget check the Budget: BudgetName 1..100 characters, without ':' or '\\' nor
  "/action/"; BudgetLimit.Amount a decimal number (NumericValue's pattern); TimeUnit and BudgetType of the
  model's enums; notifications as below; CreateBudget keeps ResourceTags (at most 200; keys 1..128, values
  0..256 characters, no `aws:` key). UpdateBudget "can change every part of a budget except for the
  budgetName and the calculatedSpend": it replaces the budget's fields, keeping its TimePeriod when the new
  budget has none; NotFoundException for an unknown budget.
* DescribeBudgets pages by MaxResults 1..1000 ("The default is 100") in name order, following NextToken;
  DescribeNotificationsForBudget and DescribeSubscribersForNotification by MaxResults 1..100.
* Notifications: NotificationType, ComparisonOperator and ThresholdType of the model's enums, Threshold
  0..15,000,000,000,000 (NotificationThreshold), "A budget can have up to ten notifications", each with
  1..11 subscribers, "one SNS subscriber and up to 10 email subscribers". A notification's identity is its
  type, operator, threshold and threshold type (PERCENTAGE when absent): creating one that exists, or a
  subscriber a notification has, is DuplicateRecordException; deleting or describing one that does not
  exist NotFoundException. "Deleting the last subscriber to a notification also deletes the notification."
* TagResource / UntagResource / ListTagsForResource on `arn:aws:budgets::<account>:budget/<name>`
  (NotFoundException for a budget that does not exist); DeleteBudget drops its tags.

Error codes are the model's (InvalidParameterException, NotFoundException, DuplicateRecordException,
CreationLimitExceededException, InvalidNextTokenException), with our messages (marked "approx").
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_Operations_AWS_Budgets.html
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from moto.budgets.exceptions import DuplicateRecordException, NotFoundException
from moto.budgets.models import Budget, BudgetsBackend, Notification
from moto.budgets.responses import BudgetsResponse
from moto.core.exceptions import JsonRESTError
from moto.core.utils import unix_time

from . import paging

MAX_NAME = 100  # BudgetName: 1..100
MAX_NOTIFICATIONS = 10  # Notification: "A budget can have up to ten notifications"
MAX_SUBSCRIBERS, MAX_SNS = 11, 1  # Subscribers: 1..11; "one SNS subscriber and up to 10 email subscribers"
MAX_THRESHOLD = 15_000_000_000_000  # NotificationThreshold: 0..15000000000000
MAX_TAGS, MAX_TAG_KEY, MAX_TAG_VALUE = 200, 128, 256  # ResourceTagList, ResourceTagKey, ResourceTagValue
BUDGETS_DEFAULT, BUDGETS_MAX = 100, 1000  # DescribeBudgets MaxResults: 1..1000, "The default is 100"
PAGE_DEFAULT, PAGE_MAX = 100, 100  # the notifications' and subscribers' MaxResults: 1..100
TIME_UNITS = {"DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY", "CUSTOM"}
BUDGET_TYPES = {"USAGE", "COST", "RI_UTILIZATION", "RI_COVERAGE", "SAVINGS_PLANS_UTILIZATION", "SAVINGS_PLANS_COVERAGE"}
NOTIFICATION_TYPES = {"ACTUAL", "FORECASTED"}
OPERATORS = {"GREATER_THAN", "LESS_THAN", "EQUAL_TO"}
THRESHOLD_TYPES = {"PERCENTAGE", "ABSOLUTE_VALUE"}
SUBSCRIPTION_TYPES = {"SNS", "EMAIL"}
_AMOUNT = re.compile(r"([0-9]*\.)?[0-9]+")  # NumericValue's pattern
_TAGS = "_obsgen_budget_tags"
_TOKEN = "obsgen-budgets"


class InvalidParameterException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidParameterException", f"{message} (approx)")


class CreationLimitExceededException(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("CreationLimitExceededException", f"{message} (approx)")


class InvalidNextTokenException(JsonRESTError):
    code = 400

    def __init__(self) -> None:
        super().__init__("InvalidNextTokenException", "The next token specified is invalid (approx)")


def _tags(backend: BudgetsBackend) -> dict[str, dict[str, str]]:
    """budget ARN -> tags, kept on the backend (reset with it)."""
    found: dict[str, dict[str, str]] | None = getattr(backend, _TAGS, None)
    if found is None:
        found = {}
        setattr(backend, _TAGS, found)
    return found


def budget_arn(account: str, name: str) -> str:
    return f"arn:aws:budgets::{account}:budget/{name}"


def _check_budget(budget: dict[str, Any]) -> None:
    name = budget.get("BudgetName") or ""
    if not 1 <= len(name) <= MAX_NAME or ":" in name or "\\" in name or "/action/" in name:
        raise InvalidParameterException(f"Invalid budget name '{name}': 1 to {MAX_NAME} characters, without ':', "
                                        "'\\' or '/action/'")
    if budget.get("TimeUnit") not in TIME_UNITS:
        raise InvalidParameterException(f"Invalid TimeUnit '{budget.get('TimeUnit')}'")
    if budget.get("BudgetType") not in BUDGET_TYPES:
        raise InvalidParameterException(f"Invalid BudgetType '{budget.get('BudgetType')}'")
    limit = budget.get("BudgetLimit")
    if limit is not None and not _AMOUNT.fullmatch(str(limit.get("Amount", ""))):
        raise InvalidParameterException(f"Invalid BudgetLimit amount '{limit.get('Amount')}'")
    if limit is None and not budget.get("PlannedBudgetLimits") and not budget.get("AutoAdjustData"):
        raise InvalidParameterException("Unable to create/update budget - please provide one of the followings: "
                                        "Budget Limit/ Planned Budget Limit/ Auto Adjust Data")


def _check_notification(notification: dict[str, Any]) -> dict[str, Any]:
    """The notification as stored (ThresholdType filled in); InvalidParameterException for what the model refuses."""
    if notification.get("NotificationType") not in NOTIFICATION_TYPES:
        raise InvalidParameterException(f"Invalid NotificationType '{notification.get('NotificationType')}'")
    if notification.get("ComparisonOperator") not in OPERATORS:
        raise InvalidParameterException(f"Invalid ComparisonOperator '{notification.get('ComparisonOperator')}'")
    threshold_type = notification.get("ThresholdType") or "PERCENTAGE"
    if threshold_type not in THRESHOLD_TYPES:
        raise InvalidParameterException(f"Invalid ThresholdType '{threshold_type}'")
    threshold = notification.get("Threshold")
    if not isinstance(threshold, (int, float)) or not 0 <= threshold <= MAX_THRESHOLD:
        raise InvalidParameterException(f"Threshold must be a number from 0 to {MAX_THRESHOLD}")
    return {"NotificationType": notification["NotificationType"], "ComparisonOperator": notification["ComparisonOperator"],
            "Threshold": float(threshold), "ThresholdType": threshold_type, "NotificationState": "OK"}


def _identity(notification: dict[str, Any]) -> tuple[str, str, Decimal, str]:
    return (notification.get("NotificationType", ""), notification.get("ComparisonOperator", ""),
            Decimal(str(notification.get("Threshold", 0))), notification.get("ThresholdType") or "PERCENTAGE")


def _check_subscribers(subscribers: list[dict[str, Any]]) -> list[dict[str, str]]:
    if not 1 <= len(subscribers or []) <= MAX_SUBSCRIBERS:
        raise InvalidParameterException(f"A notification has 1 to {MAX_SUBSCRIBERS} subscribers")
    for subscriber in subscribers:
        if subscriber.get("SubscriptionType") not in SUBSCRIPTION_TYPES or not subscriber.get("Address"):
            raise InvalidParameterException(f"Invalid subscriber {subscriber}")
    keys = [(s["SubscriptionType"], s["Address"]) for s in subscribers]
    if len(set(keys)) != len(keys):
        raise DuplicateRecordException(record_type="subscriber", record_name=keys[-1][1])
    if sum(s["SubscriptionType"] == "SNS" for s in subscribers) > MAX_SNS:
        raise InvalidParameterException("A notification can have one SNS subscriber")
    return [{"SubscriptionType": t, "Address": a} for t, a in keys]


def _check_tags(tags: list[dict[str, str]]) -> dict[str, str]:
    if len(tags) > MAX_TAGS:
        raise InvalidParameterException(f"A budget has at most {MAX_TAGS} tags")
    for tag in tags:
        key, value = tag.get("Key") or "", tag.get("Value", "")
        if not 1 <= len(key) <= MAX_TAG_KEY or len(value) > MAX_TAG_VALUE or key.startswith("aws:"):
            raise InvalidParameterException(f"Invalid tag '{key}'")
    return {t["Key"]: t["Value"] for t in tags}


def _budget(backend: BudgetsBackend, account: str, name: str, doing: str) -> Budget:
    found = backend.budgets[account].get(name)
    if found is None:
        raise NotFoundException(f"Unable to {doing}: {name} - the budget doesn't exist. (approx)")
    return found


def _notification_of(budget: Budget, notification: dict[str, Any]) -> Notification:
    for made in budget.notifications:
        if _identity(made.details) == _identity(notification):
            return made
    raise NotFoundException("Unable to find the notification - the notification doesn't exist. (approx)")


def _add_notification(budget: Budget, notification: dict[str, Any], subscribers: list[dict[str, Any]]) -> None:
    stored = _check_notification(notification)
    if any(_identity(n.details) == _identity(stored) for n in budget.notifications):
        raise DuplicateRecordException(record_type="notification", record_name=str(_identity(stored)))
    if len(budget.notifications) >= MAX_NOTIFICATIONS:
        raise CreationLimitExceededException(f"A budget can have up to {MAX_NOTIFICATIONS} notifications")
    budget.notifications.append(Notification(stored, _check_subscribers(subscribers)))  # type: ignore[arg-type]


def create(backend: BudgetsBackend, account: str, budget: dict[str, Any], notifications: list[dict[str, Any]],
           tags: list[dict[str, str]]) -> None:
    """CreateBudget, checked as AWS does (also sandbox CloudFormation's AWS::Budgets::Budget)."""
    _check_budget(budget)
    stored_tags = _check_tags(tags)
    if budget["BudgetName"] in backend.budgets[account]:
        raise DuplicateRecordException(record_type="budget", record_name=budget["BudgetName"])
    made = Budget(copy.deepcopy(budget), [])
    for entry in notifications:
        _add_notification(made, entry.get("Notification") or {}, entry.get("Subscribers") or [])
    backend.budgets[account][budget["BudgetName"]] = made
    _tags(backend)[budget_arn(account, budget["BudgetName"])] = stored_tags


def add_stack_tags(backend: BudgetsBackend, account: str, name: str, tags: dict[str, str]) -> None:
    """CloudFormation's own `aws:cloudformation:*` tags on a budget a stack made (sandbox/cloudformation.py):
    TagResource refuses `aws:` keys, CloudFormation sets them."""
    _tags(backend)[budget_arn(account, name)].update(tags)


def delete(backend: BudgetsBackend, account: str, name: str) -> None:
    _budget(backend, account, name, "delete budget")
    backend.budgets[account].pop(name)
    _tags(backend).pop(budget_arn(account, name), None)


def _page(items: list[Any], token: str | None, limit: Any, default: int, maximum: int) -> tuple[list[Any], str | None]:
    size = int(limit) if limit is not None else default
    if not 1 <= size <= maximum:
        raise InvalidParameterException(f"MaxResults must be between 1 and {maximum}")
    start = paging.offset(_TOKEN, token, InvalidNextTokenException)
    end = start + size
    return items[start:end], paging.token(_TOKEN, end) if end < len(items) else None


def _answer(result: dict[str, Any], token: str | None) -> str:
    if token:
        result["NextToken"] = token
    return json.dumps(result)


# --- the operations, as BudgetsResponse methods ------------------------------------------------------


def create_budget(self: BudgetsResponse) -> str:
    create(self.backend, self._get_param("AccountId"), self._get_param("Budget") or {},
           self._get_param("NotificationsWithSubscribers") or [], self._get_param("ResourceTags") or [])
    return "{}"


def update_budget(self: BudgetsResponse) -> str:
    new = copy.deepcopy(self._get_param("NewBudget") or {})
    _check_budget(new)
    budget = _budget(self.backend, self._get_param("AccountId"), new["BudgetName"], "update budget")
    new.setdefault("TimePeriod", budget.budget.get("TimePeriod"))
    new["LastUpdatedTime"] = unix_time()
    budget.budget = new  # CalculatedSpend "drops to zero": Budget.to_dict answers zeros without one
    return "{}"


def describe_budgets(self: BudgetsResponse) -> str:
    account = self._get_param("AccountId")
    found = [b.to_dict() for _, b in sorted(self.backend.budgets[account].items())]
    page, token = _page(found, self._get_param("NextToken"), self._get_param("MaxResults"), BUDGETS_DEFAULT,
                        BUDGETS_MAX)
    return _answer({"Budgets": page}, token)


def delete_budget(self: BudgetsResponse) -> str:
    delete(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"))
    return "{}"


def create_notification(self: BudgetsResponse) -> str:
    budget = _budget(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"),
                     "create notification")
    _add_notification(budget, self._get_param("Notification") or {}, self._get_param("Subscribers") or [])
    return "{}"


def delete_notification(self: BudgetsResponse) -> str:
    budget = _budget(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"),
                     "delete notification")
    made = _notification_of(budget, self._get_param("Notification") or {})
    budget.notifications.remove(made)
    return "{}"


def describe_notifications_for_budget(self: BudgetsResponse) -> str:
    budget = _budget(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"),
                     "describe notifications")
    page, token = _page([dict(n.details) for n in budget.notifications], self._get_param("NextToken"),
                        self._get_param("MaxResults"), PAGE_DEFAULT, PAGE_MAX)
    return _answer({"Notifications": page}, token)


def describe_subscribers_for_notification(self: BudgetsResponse) -> str:
    budget = _budget(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"),
                     "describe subscribers")
    made = _notification_of(budget, self._get_param("Notification") or {})
    page, token = _page(list(made.subscribers), self._get_param("NextToken"), self._get_param("MaxResults"),
                        PAGE_DEFAULT, PAGE_MAX)
    return _answer({"Subscribers": page}, token)


def create_subscriber(self: BudgetsResponse) -> str:
    budget = _budget(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"),
                     "create subscriber")
    made = _notification_of(budget, self._get_param("Notification") or {})
    subscribers: list[dict[str, str]] = list(made.subscribers)  # type: ignore[arg-type]
    made.subscribers = _check_subscribers([*subscribers, self._get_param("Subscriber") or {}])  # type: ignore[assignment]
    return "{}"


def delete_subscriber(self: BudgetsResponse) -> str:
    budget = _budget(self.backend, self._get_param("AccountId"), self._get_param("BudgetName"),
                     "delete subscriber")
    made = _notification_of(budget, self._get_param("Notification") or {})
    gone = self._get_param("Subscriber") or {}
    subscribers: list[dict[str, str]] = list(made.subscribers)  # type: ignore[arg-type]
    kept = [s for s in subscribers if (s["SubscriptionType"], s["Address"]) != (gone.get("SubscriptionType"),
                                                                               gone.get("Address"))]
    if len(kept) == len(subscribers):
        raise NotFoundException("Unable to find the subscriber - the subscriber doesn't exist. (approx)")
    if kept:
        made.subscribers = kept  # type: ignore[assignment]
    else:
        budget.notifications.remove(made)  # "Deleting the last subscriber ... also deletes the notification"
    return "{}"


def _tagged(self: BudgetsResponse) -> str:
    """The ARN of an existing budget; NotFoundException otherwise."""
    arn = self._get_param("ResourceARN") or ""
    account, _, name = arn.removeprefix("arn:aws:budgets::").partition(":budget/")
    _budget(self.backend, account, name, "find resource")
    return str(arn)


def tag_resource(self: BudgetsResponse) -> str:
    arn = _tagged(self)
    tags = _tags(self.backend)
    merged = {**tags.get(arn, {}), **_check_tags(self._get_param("ResourceTags") or [])}
    tags[arn] = _check_tags([{"Key": k, "Value": v} for k, v in merged.items()])
    return "{}"


def untag_resource(self: BudgetsResponse) -> str:
    arn = _tagged(self)
    gone = set(self._get_param("ResourceTagKeys") or [])
    tags = _tags(self.backend)
    tags[arn] = {k: v for k, v in tags.get(arn, {}).items() if k not in gone}
    return "{}"


def list_tags_for_resource(self: BudgetsResponse) -> str:
    arn = _tagged(self)
    tags = _tags(self.backend).get(arn, {})
    return _answer({"ResourceTags": [{"Key": k, "Value": v} for k, v in tags.items()]}, None)


def patches() -> dict[tuple[type, str], Callable[..., Any]]:
    """For cloudwatch.install."""
    operations = (create_budget, update_budget, describe_budgets, delete_budget, create_notification,
                  delete_notification, describe_notifications_for_budget, describe_subscribers_for_notification,
                  create_subscriber, delete_subscriber, tag_resource, untag_resource, list_tags_for_resource)
    return {(BudgetsResponse, op.__name__): op for op in operations}
