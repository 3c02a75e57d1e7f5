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
Reading: ListDashboards (DashboardNamePrefix; NextToken pages) + one GetDashboard per dashboard
under the prefix (the API has no batch read), READ_WORKERS at a time within GetDashboard's quota
(10 a second, pacing.py): a no-op plan of 5,000 alarms read its 500 dashboards one by one, which
was 82 % of its calls and most of its time.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListDashboards.html
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from ...conventions import dashboard_prefix, partition
from ...model import EnvironmentModel
from ...targets import dashboard_body
from ...targets.cloudwatch_dashboards import body_text, dashboard_bodies, dashboard_owner
from ..pacing import in_parallel
from ..paging import chunks, pages
from ..resources import Action, Change, Kind, LiveResource, LiveState, Resource
from ..session import Clients
from .base import Call, Groups, Reading, SyncedKind, WriteRejected

DELETE_BATCH = 100  # names per DeleteDashboards call (the API documents no maximum; keep requests small)
READ_WORKERS = 4  # GetDashboard calls in flight at once; their rate is the pacer's (the quota, adapted)


def dashboard_arn(region: str, account: str, name: str) -> str:
    """Dashboards are global: their ARN has no region."""
    return f"arn:{partition(region)}:cloudwatch::{account}:dashboard/{name}"


def owner(body: str) -> tuple[str, str] | None:
    """(project, env) of the obsgen marker in a DashboardBody string, or None."""
    try:
        return dashboard_owner(json.loads(body or "{}"))
    except ValueError:
        return None


class Dashboards(SyncedKind):
    kinds = (Kind.DASHBOARD,)
    regional = False  # one dashboard serves every region: each graph names its own (`region` in the widget)

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        return [Resource(Kind.DASHBOARD, d.name, dashboard_arn(model.region, model.account, d.name),
                         {"DashboardName": d.name, "DashboardBody": body_text(body)})
                for d, body, _ in dashboard_bodies(model)]

    def read(self, reading: Reading) -> list[LiveResource]:
        """Every dashboard under the environment's prefix; obsgen's are those with its marker."""
        cloudwatch = reading.clients.cloudwatch
        kwargs = {"DashboardNamePrefix": dashboard_prefix(reading.project, reading.env)}
        names = [entry["DashboardName"] for page in pages(cloudwatch.list_dashboards, kwargs)
                 for entry in page.get("DashboardEntries", [])]

        ordered = sorted(names)
        done = itertools.count(1)

        def get(name: str) -> dict[str, Any]:
            reading.pace(cloudwatch.get_dashboard)
            answer = dict(cloudwatch.get_dashboard(DashboardName=name))
            reading.report(f"dashboards {next(done)}/{len(ordered)}")
            return answer

        found = []
        for name, answer in zip(ordered, in_parallel(get, ordered, READ_WORKERS)):
            params = {"DashboardName": name, "DashboardBody": answer.get("DashboardBody", "")}
            owned = owner(params["DashboardBody"]) == (reading.project, reading.env)
            found.append(LiveResource(Kind.DASHBOARD, name, answer.get("DashboardArn", ""), params, {}, owned))
        return found

    def conflict(self, resource: Resource, current: LiveResource | None, live: LiveState, adopt: bool) -> str:
        if current is None or current.owned or adopt:
            return ""
        marked = owner(current.params.get("DashboardBody", ""))
        whose = (f"it carries the marker of obsgen project '{marked[0]}', environment '{marked[1]}'" if marked else
                 "it has no obsgen marker (made by hand, or its marker widget was removed)")
        return (f"a dashboard of that name exists but is not this environment's: {whose} "
                "(run with --adopt to take it over)")

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
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

    def steps(self, changes: list[Change], deleting: bool) -> Groups:
        if not changes:
            return []
        return [chunks(changes, DELETE_BATCH)] if deleting else [[[c] for c in changes]]

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        """One PutDashboard per change, or one DeleteDashboards for a batch of deletions."""
        cloudwatch = clients.cloudwatch
        if step[0].action == Action.DELETE:
            call(cloudwatch.delete_dashboards, DashboardNames=[c.name for c in step])
            return
        for change in step:
            answer = call(cloudwatch.put_dashboard, **change.wanted().params)
            messages = answer.get("DashboardValidationMessages") or []
            if messages:
                raise WriteRejected("PutDashboard: " + "; ".join(map(dashboard_body.message_text, messages)))


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
