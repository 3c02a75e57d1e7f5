"""Grafana target: `grafana/<service>.json`, a dashboard per service with Prometheus alerts.

One time-series panel per alert: the alert expression's left-hand side, with its threshold drawn as
a line; a row per `category` label; the Prometheus data source as a template variable, so the
file imports into any Grafana (11+) without editing. The `uid` is derived from project, env and
service, so re-importing replaces the same dashboard.
JSON model: https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..conventions import GENERATED_HEADER
from ..model import EnvironmentModel, PrometheusAlert, RuleGroup, ServiceLevelObjective
from ..values import format_duration
from .base import Rendered, dump_json

SCHEMA_VERSION = 39  # the dashboard schema of Grafana 11.0; newer Grafana migrates it on import
UID_MAX = 40  # Grafana dashboard uids: at most 40 characters of A-Z a-z 0-9 - _
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
PANEL_WIDTH, PANEL_HEIGHT, HEADER_HEIGHT = 12, 8, 4
DEFAULT_CATEGORY = "alerts"


def render(model: EnvironmentModel) -> Rendered:
    files = {f"grafana/{group.service}.json": dump_json(dashboard(model, group))
             for group in model.rule_groups if group.alerts}
    return Rendered(files)


def dashboard_uid(project: str, env: str, service: str) -> str:
    """Stable and unique per project/env/service; a digest keeps it within 40 characters."""
    digest = hashlib.sha256(f"{project}/{env}/{service}".encode()).hexdigest()
    return f"obsgen-{digest[:UID_MAX - len('obsgen-')]}"


def dashboard(model: EnvironmentModel, group: RuleGroup) -> dict[str, Any]:
    panels: list[dict[str, Any]] = [_header(model, group)]
    y = HEADER_HEIGHT
    for category, alerts in _by_category(group.alerts):
        panels.append({"id": len(panels) + 1, "type": "row", "title": category, "collapsed": False, "panels": [],
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}})
        y += 1
        slo = _slo_of(model, group.service, category)
        if slo is not None:
            panels.append(_budget_panel(slo, len(panels) + 1, y))
            y += PANEL_HEIGHT
        for index, alert in enumerate(alerts):
            x = (index % 2) * PANEL_WIDTH
            panels.append(_panel(alert, len(panels) + 1, x, y))
            if x or index == len(alerts) - 1:
                y += PANEL_HEIGHT
    return {
        "id": None, "uid": dashboard_uid(model.project, model.env, group.service),
        "title": f"{model.project} {group.service} ({model.env})",
        "description": f"{GENERATED_HEADER}; source: {group.source}",
        "tags": ["obsgen", model.project, model.env, group.service],
        "schemaVersion": SCHEMA_VERSION, "version": 1, "editable": True, "graphTooltip": 1,
        "timezone": "browser", "time": {"from": "now-6h", "to": "now"}, "refresh": "1m",
        "templating": {"list": [{"name": "datasource", "label": "Data source", "type": "datasource",
                                 "query": "prometheus", "current": {}, "hide": 0, "refresh": 1, "regex": "",
                                 "options": []}]},
        "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                  "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                                  "name": "Annotations & Alerts", "type": "dashboard"}]},
        "links": [], "panels": panels,
    }


def _by_category(alerts: tuple[PrometheusAlert, ...]) -> list[tuple[str, list[PrometheusAlert]]]:
    rows: dict[str, list[PrometheusAlert]] = {}
    for alert in alerts:
        rows.setdefault(dict(alert.labels).get("category", DEFAULT_CATEGORY), []).append(alert)
    return sorted(rows.items())


def _slo_of(model: EnvironmentModel, service: str, category: str) -> ServiceLevelObjective | None:
    """The Prometheus SLO whose alerts make this row (their `category` is `slo-<name>`: resolve/slos.py)."""
    return next((s for s in model.slos if s.service == service and s.backend == "prometheus"
                 and category == f"slo-{s.name}"), None)


def _budget_panel(slo: ServiceLevelObjective, panel_id: int, y: int) -> dict[str, Any]:
    """The share of the SLO window's error budget left, from the recording rule the SLO's rule group writes in
    Sloth's shape, `slo:period_error_budget_remaining:ratio` = 1 - (the error ratio over the window, itself
    `slo:sli_error:ratio_rate<window>`) / (1 - objective): 1 is untouched, 0 spent, below 0 overspent."""
    window = format_duration(slo.window)
    selector = f'{{sloth_id="{slo.service}-{slo.name}", sloth_service="{slo.service}", sloth_slo="{slo.name}"}}'
    return {
        "id": panel_id, "type": "timeseries", "datasource": DATASOURCE,
        "title": f"SLO {slo.name}: error budget left over {window} ({slo.objective * 100:g}%)",
        "description": f"{slo.summary} 1 - (error ratio over the last {window}) / {round(slo.budget, 12)!r}.",
        "gridPos": {"h": PANEL_HEIGHT, "w": 24, "x": 0, "y": y},
        "targets": [{"refId": "A", "datasource": DATASOURCE,
                     "expr": f"slo:period_error_budget_remaining:ratio{selector}",
                     "legendFormat": "error budget left"}],
        "fieldConfig": {"defaults": {"unit": "percentunit", "custom": {"thresholdsStyle": {"mode": "line"}},
                                     "thresholds": {"mode": "absolute", "steps": [
                                         {"color": "red", "value": None}, {"color": "green", "value": 0}]}},
                        "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                    "tooltip": {"mode": "multi", "sort": "none"}},
    }


def _header(model: EnvironmentModel, group: RuleGroup) -> dict[str, Any]:
    info = next((s for s in model.services if s.name == group.service), None)
    lines = [f"**{group.service}** ({model.env}) · owner **{group.team}**"]
    if info and info.description:
        lines.append(info.description.strip())
    runbooks = [f"[{a.monitor}]({url})" for a in group.alerts if (url := dict(a.annotations).get("runbook_url"))]
    if runbooks:
        lines.append("Runbooks: " + " · ".join(runbooks))
    lines.append(f"_{GENERATED_HEADER}; source: `{group.source}`_")
    return {"id": 1, "type": "text", "title": "", "gridPos": {"h": HEADER_HEIGHT, "w": 24, "x": 0, "y": 0},
            "options": {"mode": "markdown", "content": "\n\n".join(lines)}}


def _panel(alert: PrometheusAlert, panel_id: int, x: int, y: int) -> dict[str, Any]:
    from ..prometheus.promql import split_threshold  # imported by a project with Prometheus alerts, not by every build

    split = split_threshold(alert.expr)
    query, threshold = (split.query, split) if split else (alert.expr, None)
    annotations = dict(alert.annotations)
    condition = f"{split.operator} {split.text}" if split else "expression returns series"
    panel: dict[str, Any] = {
        "id": panel_id, "type": "timeseries", "datasource": DATASOURCE,
        "title": f"{alert.alert} ({alert.severity.prometheus}): {condition}"
                 + (f" for {format_duration(alert.for_)}" if alert.for_ else ""),
        "description": annotations.get("summary", ""),
        "gridPos": {"h": PANEL_HEIGHT, "w": PANEL_WIDTH, "x": x, "y": y},
        "targets": [{"refId": "A", "datasource": DATASOURCE, "expr": query, "legendFormat": "__auto"}],
        "fieldConfig": {"defaults": {"custom": {"thresholdsStyle": {"mode": "line" if threshold else "off"}},
                                     "thresholds": _steps(threshold)}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                    "tooltip": {"mode": "multi", "sort": "none"}},
    }
    if annotations.get("runbook_url"):
        panel["links"] = [{"title": "Runbook", "url": annotations["runbook_url"], "targetBlank": True}]
    return panel


def _steps(threshold: Any) -> dict[str, Any]:
    """Red on the side that fires: above the line for > and >=, below it for < and <=."""
    if threshold is None:
        return {"mode": "absolute", "steps": [{"color": "green", "value": None}]}
    if threshold.operator in ("<", "<="):
        steps = [{"color": "red", "value": None}, {"color": "green", "value": threshold.value}]
    else:
        steps = [{"color": "green", "value": None}, {"color": "red", "value": threshold.value}]
    return {"mode": "absolute", "steps": steps}
