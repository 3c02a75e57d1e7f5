"""Drift reports (AWS) in every form CI reads: rich text, JSON, Markdown (a pull-request comment),
JUnit XML (a test case per checked resource, failed when it drifted) and SARIF (views/sarif.py).
Formatting only."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from rich.text import Text

from ..aws.drift import DriftReport
from .plan import value_text

DRIFT_FORMAT_VERSION = 1


def drift_text(report: DriftReport) -> Text:
    text = Text()
    if report.in_sync:
        text.append(f"No drift: {report.env} matches the spec.", "green")
        return text
    for item in report.items:
        text.append(f"{item.status:<12} {item.address}", "bold yellow")
        text.append(f"  {item.detail}\n")
        for field in item.fields:
            text.append(f"    {field.field}: spec {value_text(field.after)}, AWS {value_text(field.before)}\n")
    text.append(f"Drift in {report.env}: {len(report.items)} resource(s) differ from the spec.", "bold red")
    return text


def drift_json(report: DriftReport) -> str:
    data = {"format_version": DRIFT_FORMAT_VERSION, "env": report.env, "account": report.account,
            "region": report.region, "in_sync": report.in_sync, "checked": list(report.checked),
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
        details = "<br>".join(f"`{f.field}`: spec `{value_text(f.after)}`, AWS `{value_text(f.before)}`"
                              for f in item.fields) or item.detail
        lines.append(f"| `{item.address}` | {item.status} | {details.replace('|', '&#124;')} |")
    return "\n".join(lines) + "\n\nRun `obsgen apply --env " + report.env + "` to restore the spec.\n"


def drift_junit(report: DriftReport) -> str:
    """A test case per checked resource, failed when it drifted, so CI test reports show what was
    compared and not only what differs (a run that checked nothing has one `in-sync` case)."""
    drifted = {item.address: item for item in report.items}
    addresses = report.checked or tuple(drifted)
    suite = ET.Element("testsuite", name=f"obsgen-drift-{report.env}", tests=str(max(1, len(addresses))),
                       failures=str(len(report.items)))
    if not addresses:
        ET.SubElement(suite, "testcase", classname=f"obsgen.{report.env}", name="in-sync")
    for address in addresses:
        case = ET.SubElement(suite, "testcase", classname=f"obsgen.{report.env}", name=address)
        item = drifted.get(address)
        if item is not None:
            failure = ET.SubElement(case, "failure", message=f"{item.status}: {item.detail}", type=item.status)
            failure.text = "\n".join(f"{f.field}: spec {value_text(f.after)}, AWS {value_text(f.before)}"
                                     for f in item.fields)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


DRIFT_FORMATS = {"json": drift_json, "markdown": drift_markdown, "junit": drift_junit}
