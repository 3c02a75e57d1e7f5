"""CloudWatch's DashboardBody rules in one place: validation (as PutDashboard applies them) and a
canonical form (so two bodies that show the same dashboard compare equal).

Used by the dashboards target (a last check of what it writes), the AWS sync (comparing desired
and live bodies) and the sandbox (moto accepts any JSON; AWS does not).

Sources:
* Body structure, widget types, grid, per-widget limits:
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
  ("an array of between 0 and 500 widget objects"; width 1-24, height 1-1000; an alarm widget's
  `alarms` holds 1-100 ARNs; metric widget defaults: view timeSeries, stacked false, period 300, stat Average)
* Quotas: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html
  ("Up to 500 widgets per dashboard. Up to 500 metrics per dashboard widget. Up to 2500 metrics per
  dashboard, across all widgets.")
"""

from __future__ import annotations

import copy
from typing import Any

# Re-checked against both pages (issue #14): PutDashboard's model has no lengths for DashboardBody.
MAX_WIDGETS = 500  # body structure: "an array of between 0 and 500 widget objects"; quotas: 500 per dashboard
MAX_METRICS_PER_WIDGET = 500  # quotas: "Up to 500 metrics per dashboard widget"
MAX_METRICS_PER_DASHBOARD = 2500  # quotas: "Up to 2500 metrics per dashboard, across all widgets"
MAX_ALARMS_PER_WIDGET = 100  # body structure, alarm widget: `alarms`, "an array of alarm ARNs", 1-100
GRID_COLUMNS = 24  # body structure: width "Valid Values: 1–24" (a 24-column grid)
MAX_HEIGHT = 1000  # body structure: height "Valid Values: 1–1000"
WIDGET_TYPES = ("metric", "text", "log", "alarm", "explorer", "custom")

# Values a body may leave out; the canonical form leaves them out too.
_BODY_DEFAULTS = {"periodOverride": "auto", "start": "-PT3H"}
_PROPERTY_DEFAULTS: dict[str, dict[str, Any]] = {
    "metric": {"view": "timeSeries", "stacked": False, "liveData": False, "period": 300, "stat": "Average",
               "setPeriodToTimeRange": False},
    "log": {"view": "table", "stacked": False},
    "alarm": {"sortBy": "default", "states": []},
    "text": {"background": "solid"},
}
_METRIC_OPTION_DEFAULTS = {"visible": True, "yAxis": "left"}
_ANNOTATION_DEFAULTS = {"visible": True, "yAxis": "left"}


# --- validation -----------------------------------------------------------------------------------


def validate(body: Any) -> list[dict[str, str]]:
    """PutDashboard's DashboardValidationMessages for `body` (parsed JSON): `DataPath` + `Message`."""
    if not isinstance(body, dict):
        return [_message("", "The dashboard body must be a JSON object")]
    widgets = body.get("widgets")
    if not isinstance(widgets, list):
        return [_message("/widgets", "Should be an array of widgets")]
    problems = []
    if len(widgets) > MAX_WIDGETS:
        problems.append(_message("/widgets", f"Should NOT have more than {MAX_WIDGETS} items"))
    total = 0
    for index, widget in enumerate(widgets):
        path = f"/widgets/{index}"
        problems += _widget_problems(widget, path)
        total += _metric_count(widget)
    if total > MAX_METRICS_PER_DASHBOARD:
        problems.append(_message("/widgets", f"The dashboard has {total} metrics; at most "
                                             f"{MAX_METRICS_PER_DASHBOARD} are allowed"))
    return problems


def _message(path: str, text: str) -> dict[str, str]:
    return {"DataPath": path, "Message": text}


def message_text(message: dict[str, str]) -> str:
    """One DashboardValidationMessage as people read it (ours, the sandbox's or AWS's, which may omit keys)."""
    return f"{message.get('DataPath', '')}: {message.get('Message', '')}"


def _widget_problems(widget: Any, path: str) -> list[dict[str, str]]:
    if not isinstance(widget, dict):
        return [_message(path, "Should be an object")]
    problems = []
    if widget.get("type") not in WIDGET_TYPES:
        problems.append(_message(path + "/type", f"Should be one of: {', '.join(WIDGET_TYPES)}"))
    for key, low, high in (("x", 0, GRID_COLUMNS - 1), ("y", 0, None), ("width", 1, GRID_COLUMNS),
                           ("height", 1, MAX_HEIGHT)):
        value = widget.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < low
                                  or (high is not None and value > high)):
            problems.append(_message(f"{path}/{key}", f"Should be an integer from {low}"
                                                      + (f" to {high}" if high is not None else "")))
    props = widget.get("properties")
    if not isinstance(props, dict):
        return problems + [_message(path + "/properties", "Should be an object")]
    return problems + _property_problems(widget.get("type"), props, path + "/properties")


def _property_problems(kind: Any, props: dict[str, Any], path: str) -> list[dict[str, str]]:
    if kind == "text" and not isinstance(props.get("markdown"), str):
        return [_message(path + "/markdown", "Should be a string")]
    if kind == "alarm":
        alarms = props.get("alarms")
        if not isinstance(alarms, list) or not 1 <= len(alarms) <= MAX_ALARMS_PER_WIDGET:
            return [_message(path + "/alarms", f"Should be an array of 1 to {MAX_ALARMS_PER_WIDGET} alarm ARNs")]
    if kind == "log" and (not isinstance(props.get("query"), str) or not isinstance(props.get("region"), str)):
        return [_message(path, "A log widget needs a 'query' and a 'region'")]
    if kind == "metric":
        metrics = props.get("metrics")
        if metrics is not None and (not isinstance(metrics, list) or not all(isinstance(m, list) for m in metrics)):
            return [_message(path + "/metrics", "Should be an array of metric arrays")]
        if metrics is not None and len(metrics) > MAX_METRICS_PER_WIDGET:
            return [_message(path + "/metrics", f"Should NOT have more than {MAX_METRICS_PER_WIDGET} items")]
        if not isinstance(props.get("region"), str):
            return [_message(path + "/region", "Should be a string")]
    return []


def _metric_count(widget: Any) -> int:
    props = widget.get("properties") if isinstance(widget, dict) else None
    metrics = props.get("metrics") if isinstance(props, dict) else None
    return len(metrics) if isinstance(metrics, list) else 0


# --- canonical form -------------------------------------------------------------------------------


def canonical(body: dict[str, Any]) -> dict[str, Any]:
    """`body` without documented defaults and with the console's "." shorthand spelled out, so key
    order, defaults and shorthand never show as a difference."""
    result = {k: copy.deepcopy(v) for k, v in body.items() if _BODY_DEFAULTS.get(k, object()) != v}
    result["widgets"] = [_canonical_widget(w) for w in body.get("widgets", [])]
    return result


def _canonical_widget(widget: Any) -> Any:
    if not isinstance(widget, dict):
        return widget
    result = copy.deepcopy(widget)
    result.setdefault("width", 6)  # documented defaults of the grid
    result.setdefault("height", 6)
    props = result.get("properties")
    if isinstance(props, dict):
        kind = result.get("type")
        defaults = _PROPERTY_DEFAULTS.get(kind, {}) if isinstance(kind, str) else {}
        props = {k: v for k, v in props.items() if defaults.get(k, object()) != v}
        if isinstance(props.get("metrics"), list):
            props["metrics"] = _expand_shorthand(props["metrics"])
        annotations = props.get("annotations")
        if isinstance(annotations, dict):
            props["annotations"] = {k: [_without(a, _ANNOTATION_DEFAULTS) for a in v] if isinstance(v, list) else v
                                    for k, v in annotations.items() if v != []}
            if not props["annotations"]:
                del props["annotations"]
        result["properties"] = props
    return result


def _expand_shorthand(metrics: list[Any]) -> list[Any]:
    """`[".", "Errors", ".", "."]` repeats the values of the row above (the console writes this)."""
    rows: list[Any] = []
    for row in metrics:
        if isinstance(row, list):
            previous = rows[-1] if rows and isinstance(rows[-1], list) else []
            row = [previous[i] if item == "." and i < len(previous) else item for i, item in enumerate(row)]
            if row and isinstance(row[-1], dict):
                row[-1] = _without(row[-1], _METRIC_OPTION_DEFAULTS)
                if not row[-1]:
                    row.pop()
        rows.append(row)
    return rows


def _without(item: Any, defaults: dict[str, Any]) -> Any:
    if not isinstance(item, dict):
        return item
    return {k: v for k, v in item.items() if defaults.get(k, object()) != v}
