"""Cost budgets (`budgets:` in the project file): AWS Budgets that notify a severity's topic when the
actual or forecast cost of a period passes a share of the amount.
https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_CreateBudget.html
"""


import math
from typing import Literal

from pydantic import Field, model_validator

from .fields import Name, Percent, Strict, empty_list

# "You can have up to five notifications per budget" and "ten email subscribers" (Budgets quotas,
# https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-limits.html); obsgen uses one
# subscriber per notification (the severity's topic).
MAX_NOTIFICATIONS = 5


class BudgetNotification(Strict):
    """One notification: when actual (or forecast) cost passes a share of the amount, tell a severity's topic."""

    actual: Percent | None = Field(default=None, description='Cost so far this period, e.g. "80%".')
    forecast: Percent | None = Field(default=None, description='Cost forecast for the period, e.g. "100%".')
    severity: Name

    @model_validator(mode="after")
    def _one_kind(self) -> "BudgetNotification":
        if (self.actual is None) == (self.forecast is None):
            raise ValueError("a budget notification has exactly one of 'actual' or 'forecast'")
        return self


class CostFilter(Strict):
    """Which costs count: those of resources with these cost allocation tags and/or of these services."""

    tags: dict[str, str] = Field(default_factory=dict, description="Cost allocation tag -> value (user-defined "
                                 "tags, activated for cost allocation).")
    services: list[str] = Field(default_factory=empty_list, description='Services as Cost Explorer names them, e.g. '
                                '"Amazon Relational Database Service".')


class Budget(Strict):
    """A cost budget with its notifications."""

    amount: float = Field(gt=0, description="The budgeted amount per period.")
    unit: Literal["USD"] = Field(default="USD", description="Budgets are in US dollars.")
    period: Literal["monthly", "quarterly", "annually"] = "monthly"
    description: str | None = Field(default=None, description="What it covers; on the runbook site.")
    filter: CostFilter | None = None
    notify: list[BudgetNotification] = Field(min_length=1, max_length=MAX_NOTIFICATIONS)
    environments: list[Name] | None = Field(default=None, description="Only in these environments (all by default): "
                                            "a budget watches the whole account of its environment.")

    @model_validator(mode="after")
    def _finite(self) -> "Budget":
        if not math.isfinite(self.amount):
            raise ValueError("a budget's amount is a finite number")
        return self


Budgets = dict[Name, Budget]
