"""Saved Logs Insights queries (`queries:`) in the sync: desired, live, comparable form and writes.

A query definition carries no tags (PutQueryDefinition takes none; the Resource Groups Tagging API
lists no query definition type), so obsgen marks the ones it writes, as it does dashboards: each is
named `<project>/<env>/<service>/<query>` (conventions.query_definition_name) and its query starts
with a Logs Insights comment line naming the project and environment (conventions.query_marker,
targets/logs.py). Only definitions under `<project>/<env>/` are read; of those obsgen owns exactly
the ones whose first line is its marker. One under the prefix without it (made by hand, or the
marker line removed in the console) is never updated or deleted, and is a conflict (`--adopt`)
when the spec wants its name.

Names need not be unique: PutQueryDefinition without an id always creates a new definition. When
several owned definitions share a name (a create whose answer was lost, then retried by a later
apply), the one with the smallest id is the spec's and the others are addressed `<name>#<id>`, so
the plan deletes them.

Reading: DescribeQueryDefinitions with queryDefinitionNamePrefix, 1000 a page (its maximum),
following nextToken. Writing: PutQueryDefinition without an id creates, with the live id replaces the
definition whole ("No current values are retained"); DeleteQueryDefinition removes one by id.
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutQueryDefinition.html
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DescribeQueryDefinitions.html
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_DeleteQueryDefinition.html
"""

from __future__ import annotations

from typing import Any

from ...conventions import partition, query_marker, slash_prefix
from ...model import EnvironmentModel
from ...targets.logs import QUERY_LANGUAGE, query_definition_params
from ..paging import pages
from ..resources import Action, Change, Kind, LiveResource, LiveState, Resource
from ..session import Clients
from .base import Call, Reading, SyncedKind

PAGE = 1000  # DescribeQueryDefinitions maxResults: 1..1000
ID = "queryDefinitionId"


def query_definition_arn(region: str, account: str, identifier: str) -> str:
    """Query definitions have no ARN in the API; this one names the definition for plans and fingerprints."""
    return f"arn:{partition(region)}:logs:{region}:{account}:query-definition:{identifier}"


def marker_of(query: str) -> str:
    return query.split("\n", 1)[0]


class QueryDefinitions(SyncedKind):
    kinds = (Kind.QUERY_DEFINITION,)

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        return [Resource(Kind.QUERY_DEFINITION, q.name, query_definition_arn(model.region, model.account, q.name),
                         query_definition_params(q, model.project, model.env)) for q in model.saved_queries]

    def read(self, reading: Reading) -> list[LiveResource]:
        logs = reading.clients.client("logs")
        marker = query_marker(reading.project, reading.env)
        kwargs = {"queryDefinitionNamePrefix": slash_prefix(reading.project, reading.env), "maxResults": PAGE}
        found = [d for page in pages(logs.describe_query_definitions, kwargs, "nextToken", "nextToken")
                 for d in page.get("queryDefinitions", [])]
        seen: set[str] = set()
        live = []
        for item in sorted(found, key=lambda d: (d.get("name", ""), d.get(ID, ""))):
            name, identifier = item.get("name", ""), item.get(ID, "")
            owned = marker_of(item.get("queryString", "")) == marker
            address = name if name not in seen else f"{name}#{identifier}"
            seen.add(name)
            arn = query_definition_arn(reading.clients.region, "", identifier)
            live.append(LiveResource(Kind.QUERY_DEFINITION, address, arn, item, None, owned, region=reading.region))
        return live

    def conflict(self, resource: Resource, current: LiveResource | None, live: LiveState, adopt: bool) -> str:
        if current is None or current.owned or adopt:
            return ""
        return ("a saved query of that name exists but does not start with this environment's marker line "
                "(made by hand, or its first line was edited; run with --adopt to take it over)")

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
        """Name, query, log groups and language (Logs Insights QL when unset); not the id or the date."""
        return {"name": params.get("name"), "queryString": params.get("queryString"),
                "logGroupNames": list(params.get("logGroupNames") or []),
                "queryLanguage": params.get("queryLanguage") or QUERY_LANGUAGE}

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        logs = clients.client("logs")
        for change in step:
            if change.action == Action.DELETE:
                call(logs.delete_query_definition, queryDefinitionId=change.current().params[ID])
            elif change.action == Action.UPDATE:
                call(logs.put_query_definition, **change.wanted().params, queryDefinitionId=change.current().params[ID])
            else:
                call(logs.put_query_definition, **change.wanted().params)
