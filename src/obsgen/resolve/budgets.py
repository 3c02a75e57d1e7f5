"""Budgets pass: the project's `budgets:` -> this environment's cost budgets and their notifications."""

from __future__ import annotations

from .. import conventions
from ..diagnostics import shown
from ..language.errors import did_you_mean
from ..language.yaml_reader import Loc
from ..model import Budget, BudgetNotice, Origin
from .context import Context

MAX_BUDGET_NAME = 100  # Budget.BudgetName: length 1..100, no ':' or '\' (botocore's budgets model)
TIME_UNITS = {"monthly": "MONTHLY", "quarterly": "QUARTERLY", "annually": "ANNUALLY"}
KINDS = {"actual": "ACTUAL", "forecast": "FORECASTED"}


def in_environment(ctx: Context, loc: Loc, environments: list[str] | None) -> bool:
    """Whether an entry limited to `environments` (None: every one) belongs to this environment; unknown
    names are errors (every environment finds them; the compiler keeps one of each)."""
    if environments is None:
        return True
    known = list(ctx.project.environments)
    for index, name in enumerate(environments):
        if name not in known:
            ctx.fail(ctx.pdoc, loc + ("environments", index), "unknown-environment",
                     f"unknown environment '{shown(name)}'{did_you_mean(name, known)}")
    return ctx.env_name in environments


def budgets(ctx: Context) -> tuple[Budget, ...]:
    found = []
    for key, spec in ctx.project.budgets.items():
        loc: Loc = ("budgets", key)
        if not in_environment(ctx, loc, spec.environments):
            continue
        name = conventions.budget_name(ctx.project.project, ctx.env_name, key)
        if len(name) > MAX_BUDGET_NAME:
            ctx.fail(ctx.pdoc, loc, "aws-limit", f"budget name '{shown(name)}' is longer than {MAX_BUDGET_NAME} "
                     "characters", at_key=True)
        notices = []
        seen: dict[tuple[str, float], int] = {}
        for index, notify in enumerate(spec.notify):
            kind, percent = ("actual", notify.actual) if notify.actual is not None else ("forecast", notify.forecast)
            assert percent is not None
            if (kind, percent) in seen:
                ctx.fail(ctx.pdoc, loc + ("notify", index), "duplicate-notification", f"notify[{seen[kind, percent]}] "
                         f"already notifies at {kind} {percent:g}%; a budget has one notification per kind and "
                         "threshold")
            seen.setdefault((kind, percent), index)
            severity = ctx.severities.get(notify.severity)
            if severity is None:
                ctx.fail(ctx.pdoc, loc + ("notify", index, "severity"), "unknown-severity",
                         f"unknown severity '{notify.severity}'{did_you_mean(notify.severity, list(ctx.severities))}")
                continue
            notices.append(BudgetNotice(KINDS[kind], percent, severity))
        tags = {**ctx.project.tags, **conventions.ownership_tags(ctx.project.project, ctx.env_name, budget=key)}
        cost = spec.filter
        found.append(Budget(key, name, conventions.budget_arn(ctx.env.region, ctx.env.account, name), spec.amount,
                            spec.unit, TIME_UNITS[spec.period], spec.description,
                            tuple(sorted(cost.tags.items())) if cost else (), tuple(cost.services) if cost else (),
                            tuple(notices), tuple(sorted(tags.items())), Origin(ctx.pdoc, loc)))
    return tuple(sorted(found, key=lambda b: b.name))
