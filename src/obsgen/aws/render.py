"""Plans, apply results and drift reports as text (rich), JSON, Markdown and JUnit XML.

Only formatting lives here; every number and decision comes from plan.py / drift.py / apply.py.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from rich.text import Text

from .apply import ApplyResult
from .drift import DriftReport
from .plan import CREATE, DELETE, UPDATE, Change, Plan

_SIGN = {CREATE: ("+", "green"), UPDATE: ("~", "yellow"), DELETE: ("-", "red")}
DRIFT_FORMAT_VERSION = 1


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def plan_text(plan: Plan) -> Text:
    text = Text()
    text.append(f"obsgen plan for {plan.project}/{plan.env} (account {plan.account}, {plan.region})\n\n", "bold")
    for change in plan.changes:
        _change_text(text, change)
    for conflict in plan.conflicts:
        text.append(f"! {conflict.address}", "bold magenta")
        text.append(f"  conflict: {conflict.reason}\n")
    if not plan.changes and not plan.conflicts:
        text.append("No changes. AWS matches the spec.\n", "green")
    text.append(f"\nPlan: {plan.summary()}.", "bold")
    if plan.conflicts:
        text.append(f" {len(plan.conflicts)} conflict(s).", "bold magenta")
    return text


def _change_text(text: Text, change: Change) -> None:
    sign, style = _SIGN[change.action]
    text.append(f"{sign} {change.address}", f"bold {style}")
    text.append(f"  will be {change.action}d" + (f" ({change.reason})" if change.reason else "") + "\n")
    if change.action == CREATE:
        for key, value in (change.after or {}).items():
            text.append(f"    + {key} = {_value(value)}\n", style)
    for field in change.fields:
        text.append(f"    ~ {field.field}: ", style)
        text.append(_value(field.before), "red")
        text.append(" -> ")
        text.append(_value(field.after) + "\n", "green")


def plan_markdown(plan: Plan) -> str:
    lines = [f"### obsgen plan: `{plan.project}/{plan.env}`", "", f"**{plan.summary()}**", ""]
    for change in plan.changes:
        sign, _ = _SIGN[change.action]
        lines.append(f"- `{sign}` **{change.action}** `{change.address}`" + (f" ({change.reason})" if change.reason
                                                                               else ""))
        lines += [f"  - `{f.field}`: `{_value(f.before)}` → `{_value(f.after)}`" for f in change.fields]
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


# ---------------------------------------------------------------- drift


def drift_text(report: DriftReport) -> Text:
    text = Text()
    if report.in_sync:
        text.append(f"No drift: {report.env} matches the spec.", "green")
        return text
    for item in report.items:
        text.append(f"{item.status:<12} {item.address}", "bold yellow")
        text.append(f"  {item.detail}\n")
        for field in item.fields:
            text.append(f"    {field.field}: spec {_value(field.after)}, AWS {_value(field.before)}\n")
    text.append(f"Drift in {report.env}: {len(report.items)} resource(s) differ from the spec.", "bold red")
    return text


def drift_json(report: DriftReport) -> str:
    data = {"format_version": DRIFT_FORMAT_VERSION, "env": report.env, "account": report.account,
            "region": report.region, "in_sync": report.in_sync,
            "items": [{"address": i.address, "status": i.status, "detail": i.detail,
                       "fields": [{"field": f.field, "aws": f.before, "spec": f.after} for f in i.fields]}
                      for i in report.items]}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def drift_markdown(report: DriftReport) -> str:
    if report.in_sync:
        return f"### ✅ obsgen drift: `{report.env}` matches the spec\n"
    lines = [f"### ⚠️ obsgen drift: `{report.env}` ({len(report.items)} resource(s))", "",
             "| resource | status | details |", "|---|---|---|"]
    for item in report.items:
        details = "<br>".join(f"`{f.field}`: spec `{_value(f.after)}`, AWS `{_value(f.before)}`"
                              for f in item.fields) or item.detail
        lines.append(f"| `{item.address}` | {item.status} | {details.replace('|', '&#124;')} |")
    return "\n".join(lines) + "\n\nRun `obsgen apply --env " + report.env + "` to restore the spec.\n"


def drift_junit(report: DriftReport) -> str:
    """One failed test case per drifted resource, so CI test reports list them."""
    suite = ET.Element("testsuite", name=f"obsgen-drift-{report.env}", tests=str(max(1, len(report.items))),
                       failures=str(len(report.items)))
    if report.in_sync:
        ET.SubElement(suite, "testcase", classname=f"obsgen.{report.env}", name="in-sync")
    for item in report.items:
        case = ET.SubElement(suite, "testcase", classname=f"obsgen.{report.env}", name=item.address)
        failure = ET.SubElement(case, "failure", message=f"{item.status}: {item.detail}", type=item.status)
        failure.text = "\n".join(f"{f.field}: spec {_value(f.after)}, AWS {_value(f.before)}" for f in item.fields)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


DRIFT_FORMATS = {"json": drift_json, "markdown": drift_markdown, "junit": drift_junit}
