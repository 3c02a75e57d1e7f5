"""CloudWatch dashboards target: `cloudwatch/dashboards/<name>.json`, each file exactly the
DashboardBody that PutDashboard takes (so `aws cloudwatch put-dashboard --dashboard-body file://...`
works on it too).

Rows are laid out on CloudWatch's 24-column grid left to right, top to bottom. Body syntax:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html

Every dashboard ends with a one-line text widget, obsgen's ownership marker: dashboards carry no
tags, so the marker is what says which obsgen project and environment a dashboard belongs to
(aws/dashboards.py reads it back). It is an ordinary text widget because a widget's markdown is
kept as written by PutDashboard/GetDashboard and by the console, where an unknown top-level key
of the body might not be.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

from . import dashboard_body
from ..conventions import alarm_arn
from ..diagnostics import Diagnostic, error
from ..model import Dashboard, DashboardMetric, DashboardRow, DashboardWidget, EnvironmentModel
from .base import Rendered, checked_json
from .dashboard_limits import check_dashboard

DIRECTORY = "cloudwatch/dashboards"


def render(model: EnvironmentModel) -> Rendered:
    files: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for dashboard, body, found in dashboard_bodies(model):
        problems += found
        files[f"{DIRECTORY}/{dashboard.name}.json"] = checked_json(body)
    return Rendered(files, problems)


def dashboard_bodies(model: EnvironmentModel) -> Iterator[tuple[Dashboard, dict[str, Any], list[Diagnostic]]]:
    """Every dashboard with its body and the problems CloudWatch would refuse it for. The one place
    both the generated files and the AWS sync (aws/desired.py) get bodies from."""
    # Alarms outside the home region (a CloudFront alarm in us-east-1), by name: found once, not per widget.
    away = {a.name: a.region for a in (*model.metric_alarms, *model.composite_alarms) if a.region != model.region}
    for dashboard in model.dashboards:
        widgets, problems = _layout(dashboard, model, away)
        widgets.append(ownership_widget(model.project, model.env, max((w["y"] + w["height"] for w in widgets),
                                                                      default=0)))
        body = {"start": dashboard.start, "periodOverride": dashboard.period_override, "widgets": widgets}
        problems += check_dashboard(dashboard)
        # A last check of the body itself, by the rules the sandbox applies too. Only for declared
        # dashboards: a service's own is built by obsgen from checked alarms and always passes
        # (tests/test_dashboards_target.py validates them), and this was 7% of the dashboards' cost.
        if not problems and not dashboard.generated:
            problems += [error(dashboard.origin.key_span(), "aws-limit", f"dashboard '{dashboard.name}': "
                               + dashboard_body.message_text(m)) for m in dashboard_body.validate(body)]
        yield dashboard, body, problems


def ownership_marker(project: str, env: str) -> str:
    return (f"Managed by obsgen: `obsgen:project={project}` `obsgen:env={env}`. "
            "Changes made here are overwritten by `obsgen apply`.")


_NAME = "([a-z0-9-]+)"  # project and environment names (spec/fields.py NAME_PATTERN)
_MARKER = re.compile(re.escape(ownership_marker("PROJECT", "ENV")).replace("PROJECT", _NAME).replace("ENV", _NAME))


def ownership_widget(project: str, env: str, y: int) -> dict[str, Any]:
    """The last widget of every dashboard: a full-width line below the others."""
    return {"type": "text", "x": 0, "y": y, "width": dashboard_body.GRID_COLUMNS, "height": 1,
            "properties": {"markdown": ownership_marker(project, env), "background": "transparent"}}


def dashboard_owner(body: Any) -> tuple[str, str] | None:
    """(project, env) from the ownership marker of a parsed DashboardBody; None when it has none
    (a hand-made dashboard, or one whose marker widget someone deleted)."""
    widgets = body.get("widgets") if isinstance(body, dict) else None
    for widget in widgets if isinstance(widgets, list) else []:
        properties = widget.get("properties") if isinstance(widget, dict) else None
        markdown = properties.get("markdown") if isinstance(properties, dict) else None
        found = _MARKER.fullmatch(markdown) if widget.get("type") == "text" and isinstance(markdown, str) else None
        if found:
            return found.group(1), found.group(2)
    return None


def body_text(body: dict[str, Any]) -> str:
    """The DashboardBody string sent to PutDashboard: compact (the body size counts), keys sorted."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# --- layout ---------------------------------------------------------------------------------------


def _layout(dashboard: Dashboard, model: EnvironmentModel,
            away: dict[str, str]) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
    widgets: list[dict[str, Any]] = []
    problems: list[Diagnostic] = []
    y = 0
    for row in dashboard.rows:
        widths, problem = _widths(row)
        if problem:
            problems.append(problem)
            continue
        x = tallest = 0
        for widget, width in zip(row.widgets, widths):
            height = widget.height or row.height
            widgets.append({"type": _TYPES[widget.kind], "x": x, "y": y, "width": width, "height": height,
                            "properties": _properties(widget, model, away)})
            x += width
            tallest = max(tallest, height)
        y += tallest
    return widgets, problems


def _widths(row: DashboardRow) -> tuple[list[int], Diagnostic | None]:
    """Widgets without a width share the columns the others leave free (the first get the remainder)."""
    set_widths = [w.width for w in row.widgets]  # read once: this runs for every row of every dashboard
    free = set_widths.count(None)
    fixed = sum(width for width in set_widths if width is not None)
    if fixed + free > dashboard_body.GRID_COLUMNS:
        return [], error(row.origin.span("widgets"), "dashboard-layout",
                         f"the row's widgets need {fixed + free} columns; CloudWatch's grid has "
                         f"{dashboard_body.GRID_COLUMNS} (set smaller widths or split the row)")
    if not free:
        return [width for width in set_widths if width is not None], None  # all of them
    share, extra = divmod(dashboard_body.GRID_COLUMNS - fixed, free)
    widths, seen = [], 0
    for width in set_widths:
        if width is None:
            widths.append(share + (1 if seen < extra else 0))
            seen += 1
        else:
            widths.append(width)
    return widths, None


# --- widgets --------------------------------------------------------------------------------------

_TYPES = {"text": "text", "graph": "metric", "alarms": "alarm", "logs": "log"}


def _properties(widget: DashboardWidget, model: EnvironmentModel, away: dict[str, str]) -> dict[str, Any]:
    if widget.kind == "text":
        return {"markdown": widget.markdown}
    if widget.kind == "alarms":
        # An alarm status widget takes alarm ARNs, of any region of the account (each names its own).
        prefix = alarm_arn(model.region, model.account, "")  # built once per widget, not once per alarm
        props: dict[str, Any] = {"title": widget.title, "alarms": [
            alarm_arn(away[name], model.account, name) if name in away else prefix + name for name in widget.alarms]}
        if widget.sort_by:
            props["sortBy"] = widget.sort_by
        return props
    if widget.kind == "logs":
        sources = " | ".join(f"SOURCE '{group}'" for group in widget.log_groups)
        return {"title": widget.title, "region": model.region, "view": widget.view,
                "query": f"{sources} | {widget.query}"}
    return _graph(widget, model)


def _graph(widget: DashboardWidget, model: EnvironmentModel) -> dict[str, Any]:
    metrics: list[list[Any]] = [_metric_row(m) for m in widget.metrics]
    metrics += [[{"expression": e.expression, "id": e.id, **({"label": e.label} if e.label else {})}]
                for e in widget.expressions]
    props: dict[str, Any] = {"title": widget.title, "region": widget.region or model.region, "view": widget.view,
                             "stacked": widget.stacked, "period": widget.period, "metrics": metrics}
    # Dashboard body structure, metric widget: `start`, "the start of the time range to use for each widget
    # independently from those of the dashboard"; `setPeriodToTimeRange`, one value over that whole range
    # (APIReference/CloudWatch-Dashboard-Body-Structure.html). An SLO's remaining budget reads its window this way.
    if widget.start:
        props["start"] = widget.start
    if widget.whole_range:
        props["setPeriodToTimeRange"] = True
    if widget.thresholds:
        props["annotations"] = {"horizontal": [
            {"label": t.label, "value": t.value, **({"fill": t.fill} if t.fill else {})} for t in widget.thresholds]}
    return props


def _metric_row(metric: DashboardMetric) -> list[Any]:
    """`[namespace, metric, dim, value, ..., {options}]`; percentiles (p99) go in `stat` as they are."""
    stat = metric.stat
    options: dict[str, Any] = {"id": metric.id, "stat": stat.statistic, "period": stat.period}
    if metric.label:
        options["label"] = metric.label
    if not metric.visible:
        options["visible"] = False
    return [stat.namespace, stat.metric, *[part for pair in stat.dimensions for part in pair], options]
