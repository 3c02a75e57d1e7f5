"""CloudWatch's dashboard limits, reported at the spec entry that breaks them (the numbers and their
sources are in dashboard_body.py)."""

from __future__ import annotations

from .dashboard_body import MAX_ALARMS_PER_WIDGET, MAX_METRICS_PER_DASHBOARD, MAX_METRICS_PER_WIDGET, MAX_WIDGETS
from ..diagnostics import Diagnostic, error, shown
from ..model import Dashboard, DashboardWidget

MAX_LOG_GROUPS = 50  # botocore's logs model, StartQuery.logGroupNames: "You can include up to 50 log groups."


def check_dashboard(dashboard: Dashboard) -> list[Diagnostic]:
    widgets = [w for row in dashboard.rows for w in row.widgets]
    problems = []
    metrics = 0
    for widget in widgets:  # one pass, and the messages only for a widget over a limit (most are not)
        count = _metric_count(widget)
        metrics += count
        if (count > MAX_METRICS_PER_WIDGET or len(widget.alarms) > MAX_ALARMS_PER_WIDGET
                or len(widget.log_groups) > MAX_LOG_GROUPS):
            problems += _check_widget(widget)
    if len(widgets) > MAX_WIDGETS:
        problems.append(error(dashboard.origin.key_span(), "aws-limit", f"dashboard '{shown(dashboard.key)}' has "
                              f"{len(widgets)} widgets; CloudWatch allows {MAX_WIDGETS} per dashboard"))
    elif len(widgets) == MAX_WIDGETS:  # obsgen adds one: its ownership marker (targets/cloudwatch_dashboards.py)
        problems.append(error(dashboard.origin.key_span(), "aws-limit", f"dashboard '{dashboard.key}' has "
                              f"{len(widgets)} widgets and obsgen adds one (its ownership marker); CloudWatch "
                              f"allows {MAX_WIDGETS} per dashboard"))
    if metrics > MAX_METRICS_PER_DASHBOARD:
        problems.append(error(dashboard.origin.key_span(), "aws-limit", f"dashboard '{shown(dashboard.key)}' draws "
                              f"{metrics} metrics; CloudWatch allows {MAX_METRICS_PER_DASHBOARD} per dashboard"))
    return problems


def _metric_count(widget: DashboardWidget) -> int:
    return len(widget.metrics) + len(widget.expressions)


def _check_widget(widget: DashboardWidget) -> list[Diagnostic]:
    origin = widget.origin
    if _metric_count(widget) > MAX_METRICS_PER_WIDGET:
        return [error(origin.span("metrics"), "aws-limit", f"the widget draws {_metric_count(widget)} metrics and "
                      f"expressions; CloudWatch allows {MAX_METRICS_PER_WIDGET} per widget")]
    if len(widget.alarms) > MAX_ALARMS_PER_WIDGET:
        return [error(origin.span("alarms"), "aws-limit", f"the alarm status widget shows {len(widget.alarms)} "
                      f"alarms; CloudWatch allows {MAX_ALARMS_PER_WIDGET} per widget (split it)")]
    if len(widget.log_groups) > MAX_LOG_GROUPS:
        return [error(origin.span("logs", "groups"), "aws-limit", f"the query reads {len(widget.log_groups)} log "
                      f"groups; Logs Insights reads at most {MAX_LOG_GROUPS} per query")]
    return []
