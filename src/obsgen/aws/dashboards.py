"""Dashboards in the sync: desired, live, comparable form and writes.

Dashboards carry no tags, so obsgen marks the ones it writes: the last widget of every body is
a text widget saying `obsgen:project=P` `obsgen:env=E` (targets/cloudwatch_dashboards.py). Only
dashboards under `conventions.dashboard_prefix(project, env)` (`<project>-<env>-`) are read, and
of those obsgen owns exactly the ones with this project's and environment's marker: those are
updated and deleted. A dashboard under the prefix without that marker -- made by hand, or
another obsgen project's whose prefix happens to be the same (`stock` + `analysis-local` and
`stock-analysis` + `local`) -- is never touched, and is a conflict (`--adopt`) when the spec
wants its name. PutDashboard replaces the whole body, so one call creates or updates a
dashboard; DeleteDashboards removes several at once.
Reading: ListDashboards (DashboardNamePrefix; NextToken pages) + one GetDashboard per owned dashboard.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListDashboards.html
"""

from __future__ import annotations

import json
from typing import Any, Callable

from ..targets import dashboard_body
from ..conventions import dashboard_prefix, partition
from ..model import EnvironmentModel
from ..targets.cloudwatch_dashboards import body_text, dashboard_bodies, dashboard_owner
from .desired import DASHBOARD, Resource
from .live import LiveResource, LiveState, _pages

DELETE_BATCH = 100  # names per DeleteDashboards call (the API documents no maximum; keep requests small)


class DashboardRejected(Exception):
    """PutDashboard answered with DashboardValidationMessages: the dashboard may not render as written."""


def dashboard_arn(region: str, account: str, name: str) -> str:
    """Dashboards are global: their ARN has no region."""
    return f"arn:{partition(region)}:cloudwatch::{account}:dashboard/{name}"


def desired(model: EnvironmentModel) -> list[Resource]:
    return [Resource(DASHBOARD, d.name, dashboard_arn(model.region, model.account, d.name),
                     {"DashboardName": d.name, "DashboardBody": body_text(body)})
            for d, body, _ in dashboard_bodies(model)]


def read(cloudwatch: Any, project: str, env: str, state: LiveState) -> None:
    """Every dashboard under the environment's prefix; obsgen's are those with its marker."""
    kwargs = {"DashboardNamePrefix": dashboard_prefix(project, env)}
    names = [entry["DashboardName"] for page in _pages(cloudwatch.list_dashboards, kwargs, "NextToken", "NextToken")
             for entry in page.get("DashboardEntries", [])]
    for name in sorted(names):
        found = cloudwatch.get_dashboard(DashboardName=name)
        params = {"DashboardName": name, "DashboardBody": found.get("DashboardBody", "")}
        owned = owner(params["DashboardBody"]) == (project, env)
        state.add(LiveResource(DASHBOARD, name, found.get("DashboardArn", ""), params, {}, owned))


def owner(body: str) -> tuple[str, str] | None:
    """(project, env) of the obsgen marker in a DashboardBody string, or None."""
    try:
        return dashboard_owner(json.loads(body or "{}"))
    except ValueError:
        return None


def conflict_reason(current: LiveResource) -> str:
    """Why a same-named dashboard is not obsgen's to overwrite."""
    marked = owner(current.params.get("DashboardBody", ""))
    whose = (f"it carries the marker of obsgen project '{marked[0]}', environment '{marked[1]}'" if marked else
             "it has no obsgen marker (made by hand, or its marker widget was removed)")
    return f"a dashboard of that name exists but is not this environment's: {whose} (run with --adopt to take it over)"


def normalize(params: dict[str, Any]) -> dict[str, Any]:
    """The body in its canonical form (key order, defaults and the console's "." shorthand never show),
    flattened to one field per widget setting (`widget 003.width`, `widget 003.properties.title`), so
    a plan names exactly what someone edited."""
    result: dict[str, Any] = {"DashboardName": params.get("DashboardName")}
    try:
        body = json.loads(params.get("DashboardBody") or "{}")
    except ValueError:
        return {**result, "DashboardBody": params.get("DashboardBody")}
    if not isinstance(body, dict):
        return {**result, "DashboardBody": body}
    canonical = dashboard_body.canonical(body)
    for index, widget in enumerate(canonical.pop("widgets")):
        result.update(_widget_fields(f"widget {index:03d}", widget))
    return {**result, **{f"body.{k}": v for k, v in canonical.items()}}


def _widget_fields(prefix: str, widget: Any) -> dict[str, Any]:
    if not isinstance(widget, dict):
        return {prefix: widget}
    fields = {f"{prefix}.{k}": v for k, v in widget.items() if k != "properties"}
    properties = widget.get("properties")
    if isinstance(properties, dict):
        fields.update({f"{prefix}.properties.{k}": v for k, v in properties.items()})
    elif "properties" in widget:
        fields[f"{prefix}.properties"] = properties
    return fields


def write(call: Callable[..., Any], cloudwatch: Any, changes: list[Any], deleting: bool) -> None:
    """One PutDashboard per change, or one DeleteDashboards for a batch of deletions."""
    if deleting:
        call(cloudwatch.delete_dashboards, DashboardNames=[c.name for c in changes])
        return
    for change in changes:
        answer = call(cloudwatch.put_dashboard, **change.desired.params)
        messages = answer.get("DashboardValidationMessages") or []
        if messages:
            raise DashboardRejected("PutDashboard: " + "; ".join(map(dashboard_body.message_text, messages)))
