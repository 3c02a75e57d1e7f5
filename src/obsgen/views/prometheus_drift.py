"""A Prometheus rule-drift report (prometheus/drift.py) as text, JSON and Markdown. Formatting only."""

from __future__ import annotations

import json
from typing import Any

from ..prometheus.drift import DriftReport

PROMETHEUS_DRIFT_FORMAT_VERSION = 2  # 2: `format_version` (was `version`: 1); docs/output-formats.md


def render_text(report: DriftReport) -> str:
    if not report.has_drift:
        return f"no drift: {report.compared} rule(s) of {report.env} match {report.url}\n"
    lines = [f"{len(report.changes)} drifted rule(s) in {report.env} at {report.url}:"]
    for change in report.changes:
        detail = f" ({', '.join(change.fields)})" if change.fields else ""
        lines.append(f"  {change.action:8} {change.kind:9} {change.address}{detail}")
        for name in change.fields:
            lines.append(f"           spec {name}: {_show(change.spec, name)}")
            lines.append(f"           live {name}: {_show(change.live, name)}")
    return "\n".join(lines) + "\n"


def _show(rule: dict[str, Any] | None, name: str) -> str:
    value = (rule or {}).get(name)
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value)


def render_json(report: DriftReport) -> str:
    items = [{"action": c.action, "group": c.group, "kind": c.kind, "name": c.name, "severity": c.severity,
              "fields": list(c.fields), "spec": c.spec, "live": c.live} for c in report.changes]
    body = {"format_version": PROMETHEUS_DRIFT_FORMAT_VERSION, "env": report.env, "url": report.url, "compared": report.compared,
            "has_drift": report.has_drift, "changes": items}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def render_markdown(report: DriftReport) -> str:
    lines = [f"## Prometheus drift: {report.env}", "", f"Compared {report.compared} rule(s) with {report.url}.", ""]
    if not report.has_drift:
        return "\n".join(lines + ["No drift."]) + "\n"
    lines += ["| Action | Kind | Rule | Fields |", "|---|---|---|---|"]
    for change in report.changes:
        lines.append(f"| {change.action} | {change.kind} | `{change.address}` | {', '.join(change.fields)} |")
    return "\n".join(lines) + "\n"
