"""CloudWatch Logs target: log monitors' metric filters and the saved Logs Insights queries, as
PutMetricFilter / PutQueryDefinition parameters.

One file per service that has either, `logs/<service>.json`:
`{"_generated": ..., "MetricFilters": [params...], "QueryDefinitions": [params...]}`.
A saved query's text starts with obsgen's marker line (a Logs Insights comment naming the project and
environment, conventions.query_marker): query definitions carry no tags, so the marker, with the
`<project>/<env>/` name prefix, is what makes one obsgen's.
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutMetricFilter.html
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutQueryDefinition.html
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ..conventions import query_marker
from ..model import EnvironmentModel, MetricFilter, SavedQuery
from .base import Rendered, dump_json, header

QUERY_LANGUAGE = "CWLI"  # Logs Insights QL (PutQueryDefinition queryLanguage)


def render(model: EnvironmentModel) -> Rendered:
    by_service: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: {"MetricFilters": [], "QueryDefinitions": []})
    for found in model.metric_filters:
        by_service[found.service]["MetricFilters"].append(metric_filter_params(found))
    for query in model.saved_queries:
        by_service[query.service]["QueryDefinitions"].append(query_definition_params(query, model.project, model.env))
    sources = {s.name: s.source for s in model.services}
    return Rendered({f"logs/{service}.json": dump_json({"_generated": header(sources[service]), **content})
                     for service, content in sorted(by_service.items())})


def metric_filter_params(found: MetricFilter) -> dict[str, Any]:
    transformation: dict[str, Any] = {"metricName": found.metric, "metricNamespace": found.namespace,
                                      "metricValue": found.value}
    if found.default_value is not None:
        transformation["defaultValue"] = found.default_value
    if found.dimensions:
        transformation["dimensions"] = dict(found.dimensions)
    if found.unit:
        transformation["unit"] = found.unit
    return {"logGroupName": found.log_group, "filterName": found.name, "filterPattern": found.pattern,
            "metricTransformations": [transformation]}


def query_string(query: SavedQuery, project: str, env: str) -> str:
    return f"{query_marker(project, env)}\n{query.query}"


def query_definition_params(query: SavedQuery, project: str, env: str) -> dict[str, Any]:
    return {"name": query.name, "queryString": query_string(query, project, env),
            "logGroupNames": list(query.log_groups), "queryLanguage": QUERY_LANGUAGE}
