"""Dashboards -> declared dashboards (`dashboards:` in obsgen.yaml, language/v1/dashboards.py).

A dashboard is rows of widgets in obsgen's language, so its widgets are grouped into rows by their
`y` and each becomes a text, alarm-status, metric-graph or Logs Insights widget with its width. The
result is a new dashboard, `<project>-<env>-<key>`; the old one stays as it is, unmanaged (the report
says so), unless it already had that name. A widget obsgen cannot say (an explorer, a custom widget,
a graph whose metrics it cannot read) is left out and listed. A dashboard obsgen drew for a service
(its marker, the service's name) is not imported: the imported service draws it again.
Body syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from ..conventions import dashboard_prefix
from ..language.v1.dashboards import METRIC_ID
from ..language.v1.fields import parse_statistic
from ..targets.cloudwatch_dashboards import dashboard_owner
from .names import spec_name, template, unique, without_env

_VIEWS = ("timeSeries", "singleValue", "bar", "pie", "gauge")
_LOG_VIEWS = ("table", "timeSeries", "bar", "pie")
_SORTS = ("default", "stateUpdatedTimestamp", "timestamp")
_SOURCE = re.compile(r"SOURCE\s+'([^']+)'\s*\|?\s*")


class Skip(ValueError):
    """A widget obsgen's language cannot say (the message says why)."""


def declared(bodies: dict[str, str], project: str, env: str, services: set[str],
             ref_of: Callable[[str], str | None]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """(key -> declared dashboard, [(what, why) left out]) for the dashboards' bodies (name -> JSON text)."""
    found: dict[str, Any] = {}
    left: list[tuple[str, str]] = []
    prefix = dashboard_prefix(project, env)
    for name, text in sorted(bodies.items()):
        try:
            body = json.loads(text or "{}")
        except ValueError:
            left.append((f"dashboard {name}", "its body is not JSON"))
            continue
        key = name[len(prefix):] if name.startswith(prefix) else spec_name(without_env(name, env), "dashboard")
        if dashboard_owner(body) is not None and key in services:
            continue  # obsgen's own service dashboard: the service draws it
        if not (_names_env(name, env) or _shows_imported(body, ref_of)):
            left.append((f"dashboard {name}", f"not imported: its name does not name '{env}' and it shows none "
                                             "of the imported alarms"))
            continue
        rows, skipped = _rows(body.get("widgets") or [], env, ref_of)
        left += [(f"dashboard {name}, widget {i}", why) for i, why in skipped]
        if not rows:
            left.append((f"dashboard {name}", "none of its widgets can be declared"))
            continue
        key = unique(f"{key}-dashboard" if key in services else key, set(found) | services)
        dashboard: dict[str, Any] = {"title": name, "rows": rows}
        if isinstance(body.get("start"), str) and body["start"].startswith("-P"):
            dashboard["start"] = body["start"]
        found[key] = dashboard
        if prefix + key != name:
            left.append((f"dashboard {name}", f"declared as {key} (CloudWatch name {prefix + key}); the old one "
                                             "stays, unmanaged: delete it once the new one serves"))
    return found, left


def _names_env(name: str, env: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(env)}(?![A-Za-z0-9])", name) is not None


def _shows_imported(body: Any, ref_of: Callable[[str], str | None]) -> bool:
    widgets = body.get("widgets") if isinstance(body, dict) else None
    return any(ref_of(str(arn).rsplit(":alarm:", 1)[-1]) is not None
               for w in (widgets if isinstance(widgets, list) else []) if isinstance(w, dict) and w.get("type") == "alarm"
               for arn in (w.get("properties") or {}).get("alarms") or [])


def _rows(widgets: list[Any], env: str, ref_of: Callable[[str], str | None]) -> tuple[list[Any], list[tuple[int, str]]]:
    rows: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    heights: dict[int, int] = {}
    skipped: list[tuple[int, str]] = []
    for index, widget in enumerate(widgets):
        if not isinstance(widget, dict):
            continue
        if dashboard_owner({"widgets": [widget]}) is not None:
            continue  # an obsgen marker: obsgen adds its own
        try:
            declared_widget = _widget(widget, env, ref_of)
        except (Skip, KeyError, TypeError, ValueError) as exc:
            skipped.append((index, str(exc) if isinstance(exc, Skip) else f"it cannot be read ({exc!r})"))
            continue
        y = int(widget.get("y", 0))
        rows.setdefault(y, []).append((int(widget.get("x", 0)), declared_widget))
        heights[y] = max(heights.get(y, 0), int(widget.get("height", 6)))
    result = []
    for y in sorted(rows):
        items = [w for _, w in sorted(rows[y], key=lambda item: item[0])]
        for item in items:
            if item.get("height") == heights[y]:
                del item["height"]
        result.append({"height": heights[y], "widgets": items})
    return result, skipped


def _widget(widget: dict[str, Any], env: str, ref_of: Callable[[str], str | None]) -> dict[str, Any]:
    kind, p = widget.get("type"), widget.get("properties") or {}
    size = {"width": int(widget.get("width", 6)), "height": int(widget.get("height", 6))}
    title = {"title": p["title"][:255]} if isinstance(p.get("title"), str) and p["title"] else {}
    if kind == "text":
        return {"text": template(str(p["markdown"]), env), **size}
    if kind == "alarm":
        refs = [ref_of(arn.rsplit(":alarm:", 1)[-1]) for arn in p.get("alarms") or []]
        if not refs or None in refs:
            raise Skip("its alarms are not all imported")
        sort = {"sort_by": p["sortBy"]} if p.get("sortBy") in _SORTS else {}
        return {"alarms": refs, **title, **sort, **size}
    if kind == "log":
        query = str(p["query"])
        groups = _SOURCE.findall(query)
        if not groups:
            raise Skip("its Logs Insights query names no log group")
        view = {"view": p["view"]} if p.get("view") in _LOG_VIEWS and p["view"] != "table" else {}
        return {"logs": {"groups": [template(g, env) for g in groups], "query": _SOURCE.sub("", query).strip(),
                         **view}, **title, **size}
    if kind == "metric":
        return {**title, **_graph(p, env), **size}
    raise Skip(f"obsgen declares no '{kind}' widget")


def _graph(p: dict[str, Any], env: str) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    expressions: dict[str, Any] = {}
    previous: list[Any] = []
    for n, entry in enumerate(p.get("metrics") or [], start=1):
        options = entry[-1] if entry and isinstance(entry[-1], dict) else {}
        if "expression" in options and len(entry) == 1:
            mid = options.get("id") or f"e{n}"
            expressions[_id(mid)] = {"expression": options["expression"],
                                     **({"label": options["label"]} if options.get("label") else {})}
            continue
        parts = [previous[i] if value == "." and i < len(previous) else value
                 for i, value in enumerate(entry[:-1] if options else entry)]
        previous = parts
        if len(parts) < 2 or len(parts) % 2:
            raise Skip("a metric of it is not namespace, name and dimension pairs")
        statistic = parse_statistic(options.get("stat") or p.get("stat") or "Average")
        metric: dict[str, Any] = {"namespace": parts[0], "metric": parts[1]}
        dimensions = {parts[i]: template(str(parts[i + 1]), env) for i in range(2, len(parts), 2)}
        if dimensions:
            metric["dimensions"] = dimensions
        metric["statistic"] = statistic
        if options.get("label"):
            metric["label"] = options["label"]
        if options.get("visible") is False:
            metric["visible"] = False
        metrics[_id(options.get("id") or f"m{n}")] = metric
    if not metrics:
        raise Skip("it graphs no metric")
    graph: dict[str, Any] = {"metrics": metrics}
    if expressions:
        graph["expressions"] = expressions
    period = int(p.get("period") or 300)
    if period != 300:
        graph["period"] = f"{period // 60}m" if period % 60 == 0 else f"{period}s"
    if p.get("view") in _VIEWS and p["view"] != "timeSeries":
        graph["view"] = p["view"]
    if p.get("stacked") is True:
        graph["stacked"] = True
    return graph


def _id(value: str) -> str:
    if not re.match(METRIC_ID, value):
        raise Skip(f"its metric id '{value}' is not one obsgen takes (a lowercase letter, then letters, digits, _)")
    return value
