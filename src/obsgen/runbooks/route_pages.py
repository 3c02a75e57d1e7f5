"""Runbook pages beyond monitors (#17 item 6): one per event route (what the event means, where it goes,
the console page that shows it, the guidance of its `runbook:` file) and one per budget (the amount,
what it counts, each notification in dollars and who hears it).

A route's page is `_events/<service>/<route>` (`_events/_project/<route>` for a route of the project
file) and a budget's `_budgets/<budget>` (conventions.event_route_page, budget_page): their paths start
with `_` as the site's own pages do, so no monitor's page can take them (names never start with `_`). A route's rule carries its page's URL in
the message it sends (resolve/events.py), as an alarm's description carries its runbook's. Spec text is
escaped as on every runbook page (`wording.as_text`, `code`, `cell`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .. import conventions
from ..model import Budget, EnvironmentModel, EventRoute
from ..values import format_duration
from .commands import Command, q
from .facts import EnvFacts, is_production, is_sandbox
from .guidance import GuidanceSource, split_sections
from .page import cell, codeblock
from .wording import Markdown, as_text, code

# What each shorthand's rule matches, in words (the patterns: resolve/events.py, with AWS's event references).
SOURCES = {
    "guardduty": "GuardDuty findings (event `GuardDuty Finding` from `aws.guardduty`) at or above a severity",
    "securityhub": "Security Hub findings (event `Security Hub Findings - Imported` from `aws.securityhub`) of "
                   "the listed severity labels",
    "health": "AWS Health events (event `AWS Health Event` from `aws.health`) about the services listed",
    "stepfunctions": "Step Functions executions that ended badly (event `Step Functions Execution Status "
                     "Change` from `aws.states`)",
    "glue": "Glue job runs that ended badly (event `Glue Job State Change` from `aws.glue`)",
    "batch": "Batch jobs that failed (event `Batch Job State Change` from `aws.batch`)",
    "pattern": "the events its event pattern matches",
}
BUDGET_KINDS = {"ACTUAL": "the cost so far this period", "FORECASTED": "the cost forecast for the period"}
PERIODS = {"MONTHLY": "month", "QUARTERLY": "quarter", "ANNUALLY": "year"}


@dataclass(frozen=True, slots=True)
class RouteEnv:
    env: EnvFacts
    route: EventRoute
    channels: tuple[str, ...]  # "oncall (email)" of the severity's topic here
    console_url: str  # "" in a sandbox: the AWS console does not know it


@dataclass(frozen=True, slots=True)
class RouteFacts:
    scope: str  # the service, or "" for a route of the project file
    key: str
    summary: str
    description: str
    source: str  # the shorthand, or "pattern"
    runbook: str  # the runbooks_src page (without .md), or ""
    envs: tuple[RouteEnv, ...]

    @property
    def ref(self) -> str:
        return f"{self.scope or 'project'}/events/{self.key}"

    @property
    def page(self) -> str:
        return conventions.event_route_page(self.scope or None, self.key)


@dataclass(frozen=True, slots=True)
class BudgetEnv:
    env: EnvFacts
    budget: Budget
    channels: tuple[tuple[str, tuple[str, ...]], ...]  # severity -> its topic's channels here


@dataclass(frozen=True, slots=True)
class BudgetFacts:
    key: str
    description: str
    envs: tuple[BudgetEnv, ...]

    @property
    def page(self) -> str:
        return conventions.budget_page(self.key)


def collect(models: dict[str, EnvironmentModel], order: list[str],
            production: dict[str, bool | None]) -> tuple[list[RouteFacts], list[BudgetFacts]]:
    """Every event route and budget of every environment, by scope and name."""
    routes: dict[tuple[str, str], list[RouteEnv]] = {}
    budgets: dict[str, list[BudgetEnv]] = {}
    for env in order:
        model = models[env]
        facts = _env(model, production.get(env))
        for route in model.event_routes:
            console = "" if facts.sandbox else route.console_url or ""
            routes.setdefault((route.service or "", route.key), []).append(
                RouteEnv(facts, route, _channels(model, route.severity.name), console))
        for budget in model.budgets:
            severities = dict.fromkeys(n.severity.name for n in budget.notifications)
            budgets.setdefault(budget.key, []).append(
                BudgetEnv(facts, budget, tuple((s, _channels(model, s)) for s in severities)))
    return ([RouteFacts(scope, key, envs[0].route.summary, envs[0].route.description or "", envs[0].route.source,
                        envs[0].route.runbook or "", tuple(envs)) for (scope, key), envs in sorted(routes.items())],
            [BudgetFacts(key, envs[0].budget.description or "", tuple(envs)) for key, envs in sorted(budgets.items())])


def _env(model: EnvironmentModel, production: bool | None) -> EnvFacts:
    return EnvFacts(model.env, True, is_production(model.env, production), is_sandbox(model.endpoint),
                    endpoint=model.endpoint or "", region=model.region, account=model.account)


def _channels(model: EnvironmentModel, severity: str) -> tuple[str, ...]:
    return tuple(f"{s.channel} ({s.protocol})" for s in sorted(model.subscriptions, key=lambda s: s.channel)
                 if s.severity == severity and s.region == model.region)


def _aws(env: EnvFacts) -> str:
    return f"--region {q(env.region)}" + (f" --endpoint-url {q(env.endpoint)}" if env.endpoint else "")


def route_guidance(source: GuidanceSource, facts: RouteFacts, project: str) -> list[tuple[str, bool, str]]:
    """The route's `runbook:` file, rendered like a monitor's guidance (sandboxed; an error is a located
    diagnostic in `source.problems`), as sections. A template sees `route` (these facts), `project`,
    `env` (each environment's facts, by name) and `code`."""
    if not facts.runbook:
        return []
    context: dict[str, Any] = {"route": facts, "project": project, "env": {e.env.env: e.env for e in facts.envs},
                               "code": code}
    text = source.render(f"{facts.runbook}.md", context)
    return split_sections(text) if text is not None else []


def route_markdown(facts: RouteFacts, guidance: list[tuple[str, bool, str]], project: str) -> str:
    """An event route's page, Markdown (the site renders it as it renders monitor pages)."""
    scope = f"service {code(facts.scope)}" if facts.scope else "the project file"
    lines = [f"# Event route {facts.ref}", "", f"**{as_text(facts.summary)}**", ""]
    if facts.description:
        lines += [as_text(facts.description), ""]
    lines += [f"An EventBridge rule of {scope} in project {code(project)}: it sends {SOURCES[facts.source]} to "
              "the severity's SNS topic, as one readable message (an input transformer). The notification is "
              "the event, not an alarm: nothing resolves it, and each matching event sends one.", ""]
    for title, _, body in guidance:
        lines += [f"## {title}", ""] if title else []
        lines += [Markdown(body), ""]
    lines += ["## In each environment", ""]
    for env in facts.envs:
        lines += _route_env(env)
    lines += ["---", "", f"Generated by obsgen from {code(facts.envs[0].route.origin.doc.path)}: edit that, "
              "not this page." + (f" Guidance: {code(f'runbooks_src/{facts.runbook}.md')}." if facts.runbook else "")]
    return "\n".join(lines).rstrip("\n") + "\n"


def _route_env(env: RouteEnv) -> list[str]:
    route, facts = env.route, env.env
    severity = route.severity
    channels = ", ".join(env.channels) or "no channel here"
    lines = [f"### {facts.title}", "",
             f"Rule {code(route.name)} ({'enabled' if route.enabled else 'DISABLED: it matches nothing'}), "
             f"account {code(facts.account)}, region {code(facts.region)}.",
             f"Severity {code(severity.name)}: respond within {format_duration(severity.response_time)}, "
             f"{'pages' if severity.pages else 'does not page'}; notifies {code(severity.topic_name)} ({channels}).", ""]
    if env.console_url:
        lines += [f"Where these events are read: [the AWS console](<{env.console_url}>).", ""]
    elif facts.sandbox:
        lines += ["No console link here (a sandbox: the AWS console does not know it).", ""]
    lines += ["The event pattern:", "", codeblock(route.pattern, "json"), "",
              "The message it sends (EventBridge fills each <name> from the event):", "",
              codeblock(route.input_template), ""]
    for command in (Command("The rule", f"aws events describe-rule --name {q(route.name)} {_aws(facts)}"),
                    Command("Where it sends events, and how", f"aws events list-targets-by-rule --rule "
                            f"{q(route.name)} {_aws(facts)}")):
        lines += [f"{command.title}:", "", codeblock(command.text, "sh"), ""]
    return [Markdown(line) for line in lines]


def budget_markdown(facts: BudgetFacts, project: str) -> str:
    """A budget's page, Markdown."""
    lines = [f"# Budget {facts.key}", ""]
    if facts.description:
        lines += [f"**{as_text(facts.description)}**", ""]
    lines += [f"An AWS Budgets cost budget of project {code(project)}: AWS Budgets notifies the severity's SNS "
              "topic when the cost crosses one of its thresholds (CreateBudget's NotificationsWithSubscribers, "
              "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_budgets_CreateBudget.html).",
              "", "## In each environment", ""]
    for env in facts.envs:
        lines += _budget_env(env)
    lines += ["---", "", f"Generated by obsgen from {code(facts.envs[0].budget.origin.doc.path)}: edit that, "
              "not this page."]
    return "\n".join(lines).rstrip("\n") + "\n"


def _budget_env(env: BudgetEnv) -> list[str]:
    budget, facts = env.budget, env.env
    period = PERIODS.get(budget.time_unit, budget.time_unit.lower())
    counted = []
    if budget.tag_filters:
        counted.append("resources tagged " + ", ".join(code(f"{k}={v}") for k, v in budget.tag_filters))
    if budget.services:
        counted.append("the services " + ", ".join(code(s) for s in budget.services))
    lines = [f"### {facts.title}", "",
             f"Budget {code(budget.name)}, account {code(facts.account)}: {budget.amount:,.2f} {budget.unit} a "
             f"{period}, counting " + (" and ".join(counted) if counted else "everything the account spends") + ".",
             "", "| When | Threshold | Amount | Severity | Channels |", "|---|---|---|---|---|"]
    channels = dict(env.channels)
    for notice in budget.notifications:
        amount = budget.amount * notice.percent / 100
        lines.append(f"| {cell(BUDGET_KINDS.get(notice.kind, notice.kind))} is over | {notice.percent:g}% | "
                     f"{amount:,.2f} {budget.unit} | {code(notice.severity.name)} | "
                     f"{cell(', '.join(channels.get(notice.severity.name, ())) or 'no channel here')} |")
    command = Command("The budget, with what it has spent and its forecast",
                      f"aws budgets describe-budget --account-id {q(facts.account)} --budget-name {q(budget.name)} "
                      f"{_aws(facts)}")
    lines += ["", f"{command.title}:", "", codeblock(command.text, "sh"), ""]
    return [Markdown(line) for line in lines]
