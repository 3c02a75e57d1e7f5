"""Routing table target: who hears about what, and how fast they must answer, as Markdown.

`routing.md` is the table teams used to keep by hand (monitor -> severity -> topic -> response time),
now derived from the spec so it can never disagree with what is deployed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Mapping

from ..conventions import GENERATED_HEADER, budget_page, event_route_page
from ..model import EnvironmentModel, Severity
from ..values import format_duration
from .base import Rendered


def render(model: EnvironmentModel) -> Rendered:
    blocks = alarm_blocks(model)
    return Rendered({ROUTING_FILE: page(model, blocks.values(), severity_counts(model))}, blocks={ROUTING_FILE: blocks})


ROUTING_FILE = "routing.md"


def page(model: EnvironmentModel, blocks: Iterable[str], counts: Mapping[str, int]) -> str:
    """routing.md from the alarms' rows, a block per service in service order (`alarm_blocks`), and the
    number of alarms per severity: the incremental build (incremental/) makes it from the blocks and
    counts of services it did not compile again, so this is the one place that lays the page out."""
    lines = [f"<!-- {GENERATED_HEADER}; source: monitors/ -->",
             f"# Alert routing: {model.project} ({model.env})", "",
             f"Account {model.account}, region {model.region}.", ""]
    lines += (_alarms(blocks) + [""] + _others(model) + _maintenance(model) + _severities(model, counts) + [""]
              + _channels(model))
    return "\n".join(lines) + "\n"


def _elsewhere(model: EnvironmentModel, region: str) -> str:
    """` (us-east-1)` after a topic of another region than the environment's (the same name there)."""
    return "" if region == model.region else f" ({region})"


def pages(model: EnvironmentModel, severity: Severity, topic_only: bool = False) -> str:
    """"yes" only when a page can reach someone here: a paging severity whose topic no channel hears in
    this environment (its only channel disabled here) pages nobody, and the table must not say it does.
    `topic_only`: for what publishes to the topic alone (event routes, budgets), whom the severity's own
    alarm actions do not reach."""
    if not severity.pages:
        return "no"
    reached = model.subscribed(severity) if topic_only else model.notifies_anyone(severity)
    return "yes" if reached else "no: no channel hears it here"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _alarms(blocks: Iterable[str]) -> list[str]:
    rows = ["## Alarms", "", "| Monitor | Alarm | Summary | Severity | SNS topic | Response time | Pages |",
            "|---|---|---|---|---|---|---|", *blocks]
    if len(rows) == 4:
        rows.append("| (none) | | | | | | |")
    return rows


def alarm_blocks(model: EnvironmentModel) -> dict[str, str]:
    """The alarms table's rows of each service (sorted by monitor, one line each, joined), by service in
    name order."""
    alarms = sorted(model.alarms(), key=lambda a: (a.service, a.monitor))
    cells: dict[int, tuple[str, str, str, str]] = {}  # each severity's cells, made once (the model keeps it alive)
    rows = []
    for alarm in alarms:
        sev = alarm.severity
        if (made := cells.get(id(sev))) is None:
            made = cells[id(sev)] = (_cell(sev.description), sev.topic_name, format_duration(sev.response_time),
                                     pages(model, sev))
        description, topic, response, paged = made
        rows.append(f"| `{alarm.ref}` | `{alarm.name}` | {_cell(alarm.summary)} | {description} | "
                    f"`{topic}`{_elsewhere(model, alarm.region)} | {response} | {paged} |")
    blocks: dict[str, str] = {}
    start = 0
    for end in range(1, len(alarms) + 1):  # the alarms are sorted by service: a block is a run of them
        if end == len(alarms) or alarms[end].service != alarms[start].service:
            blocks[alarms[start].service] = "\n".join(rows[start:end])
            start = end
    return blocks


def severity_counts(model: EnvironmentModel) -> Counter[str]:
    """How many alarms each severity has (its row of the severities table)."""
    return Counter(alarm.severity.name for alarm in model.alarms())


@dataclass(frozen=True, slots=True)
class Sender:
    """Something other than an alarm that publishes to a severity's topic: an event route's rule or a
    budget's notification (#17). The routing page lists them, so that what reaches a person is on it whole."""

    what: str  # "event route" or "budget"
    ref: str  # the route's `service/route` (`route` in the project file) or the budget's key
    name: str  # the EventBridge rule's or the budget's name in AWS
    when: str  # what makes it send, in words
    severity: Severity
    page: str  # its runbook page, under the site's root, without extension


def senders(model: EnvironmentModel) -> list[Sender]:
    """The event routes and budget notifications of `model`, routes first, each in name order."""
    found = [Sender("event route", r.ref, r.name, r.summary if r.enabled else f"{r.summary} (disabled)", r.severity,
                    event_route_page(r.service, r.key)) for r in sorted(model.event_routes, key=lambda r: r.name)]
    for budget in sorted(model.budgets, key=lambda b: b.name):
        for notice in budget.notifications:
            kind = "forecast" if notice.kind == "FORECASTED" else "actual"
            found.append(Sender("budget", budget.key, budget.name, f"{kind} cost above {notice.percent:g}% of "
                                f"{budget.amount:g} {budget.unit} ({budget.time_unit.lower()})", notice.severity,
                                budget_page(budget.key)))
    return found


def _others(model: EnvironmentModel) -> list[str]:
    """Event routes and budgets: they notify the severities' topics as alarms do (nothing when there are none)."""
    found = senders(model)
    if not found:
        return []
    rows = ["## Event routes and budgets", "", "| What | Name | When | Severity | SNS topic | Pages |",
            "|---|---|---|---|---|---|"]
    for sender in found:
        sev = sender.severity
        rows.append(f"| {sender.what} `{sender.ref}` | `{sender.name}` | {_cell(sender.when)} | {_cell(sev.description)} | "
                    f"`{sev.topic_name}` | {pages(model, sev, topic_only=True)} |")
    return rows + [""]


def _maintenance(model: EnvironmentModel) -> list[str]:
    """The alarms each maintenance window mutes (#17: the routing page says when an alarm is muted);
    nothing when the environment has no mute rule."""
    if not model.mute_rules:
        return []
    rows = ["## Maintenance windows", "",
            "A muted alarm still changes state; its actions (the notifications) do not run during the window "
            "(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html).", "",
            "| Window | Mute rule | Schedule | For | Time zone | Alarms muted |", "|---|---|---|---|---|---|"]
    for rule in sorted(model.mute_rules, key=lambda r: (r.window, r.name, r.region)):
        muted = ", ".join(f"`{ref}`" for ref in rule.refs)
        rows.append(f"| `{rule.window}` | `{rule.name}`{_elsewhere(model, rule.region or model.region)} | "
                    f"`{rule.expression}` | {format_duration(rule.duration)} | {rule.timezone} | {muted} |")
    return rows + [""]


def _severities(model: EnvironmentModel, counts: Mapping[str, int]) -> list[str]:
    rows = ["## Severities", "", "| Severity | Description | SNS topic | Response time | Pages | Alarms |",
            "|---|---|---|---|---|---|"]
    for sev in model.severities:
        rows.append(f"| {sev.name} | {_cell(sev.description)} | `{sev.topic_name}` | "
                    f"{format_duration(sev.response_time)} | {pages(model, sev)} | {counts.get(sev.name, 0)} |")
    return rows


def _channels(model: EnvironmentModel) -> list[str]:
    rows = ["## Notification channels", "", "| Channel | Protocol | Endpoint | Topic |", "|---|---|---|---|"]
    for sub in sorted(model.subscriptions, key=lambda s: (s.channel, s.topic_arn)):
        endpoint = "(secret, resolved at apply time)" if sub.secret else f"`{sub.endpoint}`"
        if sub.note:
            endpoint += f" (via {sub.note})"
        topic = sub.topic_arn.rsplit(":", 1)[-1]
        rows.append(f"| {sub.channel} | {sub.protocol} | {_cell(endpoint)} | `{topic}`{_elsewhere(model, sub.region)} |")
    if len(rows) == 4:
        rows.append("| (none) | | | |")
    return rows
