"""Plans and apply results for people: rich text for a terminal, Markdown for a pull request.
The JSON form of a plan is its file form (aws/planfile.py). Formatting only: every number and
decision comes from the plan and the apply result."""

from __future__ import annotations

import json
from typing import Any, Iterator

from rich.text import Text

from ..aws.apply import ApplyResult
from ..aws.plan import CREATE, DELETE, UPDATE, Change, Plan
from ..aws.resources import Action

_SIGN: dict[Action, tuple[str, str]] = {CREATE: ("+", "green"), UPDATE: ("~", "yellow"), DELETE: ("-", "red")}


def value_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def plan_text(plan: Plan, compact: bool = False) -> Text:
    """The whole plan as one Text (tests, short plans); the CLI prints `plan_parts` one by one."""
    text = Text()
    for part in plan_parts(plan, compact):
        text.append_text(part)
    return text


def plan_parts(plan: Plan, compact: bool = False) -> Iterator[Text]:
    """The plan's text a piece at a time -- the header, each change, the conflicts, the summary --
    so that a plan of 50,000 changes is printed as it is rendered, never held as one renderable
    (rich laid the whole text of such a plan out at once: gigabytes and most of the time). The
    pieces together are `plan_text`'s text exactly.

    `compact` (`--compact`): a creation is one line, its address, without the attributes it will be
    created with -- the first plan of an environment is mostly creations (10,000 alarms: 12.3 MB of
    text, 0.4 MB compact), while updates and deletions, what a reviewer must read, stay in full.
    The summary then counts the creations by kind."""
    yield Text(f"obsgen plan for {plan.project}/{plan.env} (account {plan.account}, {plan.region})\n\n", "bold")
    for change in plan.changes:
        text = Text()
        _change_text(text, change, compact)
        yield text
    text = Text()
    for conflict in plan.conflicts:
        text.append(f"! {conflict.address}", "bold magenta")
        text.append(f"  conflict: {conflict.reason}\n")
    if not plan.changes and not plan.conflicts:
        text.append("No changes. AWS matches the spec.\n", "green")
    text.append(f"\nPlan: {plan.summary()}.", "bold")
    if plan.conflicts:
        text.append(f" {len(plan.conflicts)} conflict(s).", "bold magenta")
    if compact and (created := creations_by_kind(plan)):
        text.append(f"\nCreations (shown by address only, --compact): {created}.")
    yield text


def creations_by_kind(plan: Plan) -> str:
    """`9,800 metric_alarm, 200 composite_alarm` -- the kinds in their order of first creation."""
    counts: dict[str, int] = {}
    for change in plan.changes:
        if change.action == CREATE:
            counts[change.kind.value] = counts.get(change.kind.value, 0) + 1
    return ", ".join(f"{count:,} {kind}" for kind, count in counts.items())


def _change_text(text: Text, change: Change, compact: bool = False) -> None:
    sign, style = _SIGN[change.action]
    text.append(f"{sign} {change.address}", f"bold {style}")
    text.append(f"  will be {change.action}d" + (f" ({change.reason})" if change.reason else "") + "\n")
    if change.action == CREATE and not compact:
        # sorted, as a saved plan holds them (JSON with sorted keys): `show` and `apply PLAN_FILE` print
        # a saved plan exactly as `plan` printed it
        for key, value in sorted((change.after or {}).items()):
            text.append(f"    + {key} = {value_text(value)}\n", style)
    for field in change.fields:
        text.append(f"    ~ {field.field}: ", style)
        text.append(value_text(field.before), "red")
        text.append(" -> ")
        text.append(value_text(field.after) + "\n", "green")


def plan_markdown(plan: Plan) -> str:
    lines = [f"### obsgen plan: `{plan.project}/{plan.env}`", "", f"**{plan.summary()}**", ""]
    for change in plan.changes:
        sign, _ = _SIGN[change.action]
        lines.append(f"- `{sign}` **{change.action}** `{change.address}`" + (f" ({change.reason})" if change.reason
                                                                               else ""))
        lines += [f"  - `{f.field}`: `{value_text(f.before)}` → `{value_text(f.after)}`" for f in change.fields]
    lines += [f"- ⚠️ **conflict** `{c.address}`: {c.reason}" for c in plan.conflicts]
    return "\n".join(lines) + "\n"


def apply_text(result: ApplyResult) -> Text:
    text = Text()
    for name in result.done:
        text.append(f"done      {name}\n", "green")
    for name, error in result.failed:
        text.append(f"FAILED    {name}: {error}\n", "bold red")
    for name in result.not_done:
        text.append(f"not done  {name}\n", "yellow")
    if result.ok:
        text.append(f"Apply complete: {len(result.done)} change(s), {result.write_calls} write call(s).", "bold")
    else:
        text.append(f"Apply stopped: {len(result.done)} done, {len(result.failed)} failed, {len(result.not_done)} "
                    "not attempted. Nothing obsgen manages was deleted before its replacement existed; "
                    "run apply again to finish.", "bold red")
    return text
