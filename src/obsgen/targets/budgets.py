"""AWS Budgets target: cost budgets as CreateBudget parameters (with their notifications and tags),
`budgets/budgets.json`: `{"_generated": ..., "Budgets": [CreateBudget params]}`.

Budgets is a global service (one endpoint, us-east-1); a budget watches the whole account. Each
notification has one subscriber, the severity's SNS topic, whose policy lets budgets.amazonaws.com
publish (sns.py, topic policies).
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_CreateBudget.html
https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html
"""

from __future__ import annotations

from typing import Any

from ..model import Budget, BudgetNotice, EnvironmentModel
from ..values import number_text
from .base import Rendered, dump_json, header


def render(model: EnvironmentModel) -> Rendered:
    if not model.budgets:
        return Rendered({})
    content = {"_generated": header("monitors/obsgen.yaml"),
               "Budgets": [create_budget_params(b, model.account) for b in model.budgets]}
    return Rendered({"budgets/budgets.json": dump_json(content)})


def budget_params(budget: Budget) -> dict[str, Any]:
    """The Budget structure (CreateBudget's Budget, UpdateBudget's NewBudget). Cost filters: a cost
    allocation tag is `user:<key>$<value>` under TagKeyValue, services by their Cost Explorer names under
    Service (Budget.CostFilters, API_budgets_Budget.html)."""
    params: dict[str, Any] = {"BudgetName": budget.name, "BudgetType": "COST", "TimeUnit": budget.time_unit,
                              "BudgetLimit": {"Amount": number_text(budget.amount), "Unit": budget.unit}}
    filters: dict[str, list[str]] = {}
    if budget.tag_filters:
        filters["TagKeyValue"] = [f"user:{k}${v}" for k, v in budget.tag_filters]
    if budget.services:
        filters["Service"] = list(budget.services)
    if filters:
        params["CostFilters"] = filters
    return params


def notification_params(notice: BudgetNotice) -> dict[str, Any]:
    return {"NotificationType": notice.kind, "ComparisonOperator": "GREATER_THAN", "Threshold": notice.percent,
            "ThresholdType": "PERCENTAGE"}


def subscriber_params(notice: BudgetNotice) -> dict[str, Any]:
    return {"SubscriptionType": "SNS", "Address": notice.severity.topic_arn}


def create_budget_params(budget: Budget, account: str) -> dict[str, Any]:
    return {"AccountId": account, "Budget": budget_params(budget),
            "NotificationsWithSubscribers": [{"Notification": notification_params(n),
                                              "Subscribers": [subscriber_params(n)]} for n in budget.notifications],
            "ResourceTags": [{"Key": k, "Value": v} for k, v in budget.tags]}
