"""Fill the gaps in moto's CloudWatch Logs emulation that obsgen's log monitors depend on.

moto 5.2.5 stores metric filters in a list and (checked):

* PutMetricFilter appends, so putting a filter again makes a second one with the same name in the
  same log group; AWS "creates or updates" it (API_PutMetricFilter.html);
* PutMetricFilter takes a log group that does not exist; AWS answers ResourceNotFoundException
  ("The specified log group does not exist.", moto's own text for the other calls);
* PutMetricFilter takes any filter pattern; AWS refuses one it cannot parse with
  InvalidParameterException (obsgen checks the documented syntax, filter_pattern.py);
* "The maximum number of metric filters that can be associated with a log group is 100"
  (API_PutMetricFilter.html) is not enforced: LimitExceededException;
* DescribeMetricFilters ignores `limit` (1..50, default 50) and echoes the `nextToken` it is given
  instead of paging; AWS returns results "ASCII-sorted by filter name" (API_DescribeMetricFilters.html).

moto has no saved queries at all (PutQueryDefinition, DescribeQueryDefinitions and
DeleteQueryDefinition raise NotImplementedError); they are implemented here as AWS documents them:
a put without `queryDefinitionId` creates a new definition (names need not be unique) and returns its
id, a put with one replaces that definition whole ("No current values are retained",
API_PutQueryDefinition.html) or fails with ResourceNotFoundException; DescribeQueryDefinitions filters
by `queryDefinitionNamePrefix` and pages by `maxResults` (1..1000) / `nextToken`; DeleteQueryDefinition
answers `success`.

``patches()`` gives the replacements; ``cloudwatch.install`` applies them with the others.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from moto.logs.exceptions import InvalidParameterException, LimitExceededException, ResourceNotFoundException
from moto.logs.metric_filters import MetricFilters
from moto.logs.models import LogsBackend
from moto.logs.responses import LogsResponse

from .. import filter_pattern
from . import filter_match, paging

MAX_FILTERS_PER_GROUP = 100  # API_PutMetricFilter.html
PAGE_DEFAULT = PAGE_MAX = 50  # DescribeMetricFilters limit: 1..50, "the default is up to 50 items"


def _add_filter(self: MetricFilters, filter_name: str, filter_pattern: str, log_group_name: str,
                metric_transformations: Any) -> None:
    """Create or replace: one filter per (log group, name)."""
    entry = {"filterName": filter_name, "filterPattern": filter_pattern, "logGroupName": log_group_name,
             "metricTransformations": metric_transformations}
    for index, existing in enumerate(self.metric_filters):
        if (existing["filterName"], existing["logGroupName"]) == (filter_name, log_group_name):
            self.metric_filters[index] = entry
            return
    if sum(f["logGroupName"] == log_group_name for f in self.metric_filters) >= MAX_FILTERS_PER_GROUP:
        raise LimitExceededException()
    self.metric_filters.append(entry)


def _wrap_put_metric_filter(original: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(original)
    def put_metric_filter(self: LogsResponse) -> str:
        group = self._get_param("logGroupName")
        if group not in self.logs_backend.groups:
            raise ResourceNotFoundException()
        try:
            filter_pattern.parse(self._get_param("filterPattern") or "")
        except filter_pattern.PatternSyntaxError as exc:
            raise InvalidParameterException(f"Invalid metric filter pattern: {exc} (approx)") from None
        return original(self)

    return put_metric_filter


def _token(offset: int) -> str:
    return paging.token("obsgen-logs", offset)


def _offset(token: str | None) -> int:
    return paging.offset("obsgen-logs", token, lambda: InvalidParameterException("The specified nextToken is invalid. (approx)"))


def _wrap_describe_metric_filters(original: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(original)
    def describe_metric_filters(self: LogsResponse) -> str:
        limit = self._get_param("limit") or PAGE_DEFAULT
        if not 1 <= int(limit) <= PAGE_MAX:
            raise InvalidParameterException(constraint="Member must have value between 1 and 50", parameter="limit",
                                            value=limit)
        start = _offset(self._get_param("nextToken"))
        found = json.loads(original(self))["metricFilters"]  # every match (moto echoes nextToken: replaced)
        found.sort(key=lambda f: (f["filterName"], f["logGroupName"]))
        page = found[start:start + int(limit)]
        result: dict[str, Any] = {"metricFilters": page}
        if start + int(limit) < len(found):
            result["nextToken"] = _token(start + int(limit))
        return json.dumps(result)

    return describe_metric_filters


# --- saved queries --------------------------------------------------------------------------------

QUERY_PAGE_MAX = 1000  # DescribeQueryDefinitions maxResults: 1..1000
_DEFINITIONS = "_obsgen_query_definitions"


def _definitions(backend: LogsBackend) -> dict[str, dict[str, Any]]:
    """queryDefinitionId -> definition, kept on the region's backend (reset with it)."""
    found: dict[str, dict[str, Any]] | None = getattr(backend, _DEFINITIONS, None)
    if found is None:
        found = {}
        setattr(backend, _DEFINITIONS, found)
    return found


def query_definitions(backend: LogsBackend) -> dict[str, dict[str, Any]]:
    """The region's saved queries by id, for what else creates them (sandbox/cloudformation.py)."""
    return _definitions(backend)


def put_query_definition(self: LogsResponse) -> str:
    name, query = self._get_param("name"), self._get_param("queryString")
    if not name or not 1 <= len(name) <= 255 or not query or not 1 <= len(query) <= 10000:
        raise InvalidParameterException("name (1-255 characters) and queryString (1-10000) are required (approx)")
    definitions = _definitions(self.logs_backend)
    identifier = self._get_param("queryDefinitionId")
    if identifier is not None and identifier not in definitions:
        raise ResourceNotFoundException("The specified query definition does not exist. (approx)")
    identifier = identifier or str(uuid.uuid4())
    definition: dict[str, Any] = {"queryDefinitionId": identifier, "name": name, "queryString": query,
                                  "lastModified": int(time.time() * 1000),
                                  "queryLanguage": self._get_param("queryLanguage") or "CWLI"}
    if self._get_param("logGroupNames"):
        definition["logGroupNames"] = list(self._get_param("logGroupNames"))
    definitions[identifier] = definition
    return json.dumps({"queryDefinitionId": identifier})


def describe_query_definitions(self: LogsResponse) -> str:
    prefix = self._get_param("queryDefinitionNamePrefix") or ""
    limit = int(self._get_param("maxResults") or QUERY_PAGE_MAX)
    if not 1 <= limit <= QUERY_PAGE_MAX:
        raise InvalidParameterException(constraint="Member must have value between 1 and 1000",
                                        parameter="maxResults", value=limit)
    language = self._get_param("queryLanguage")
    found = sorted((d for d in _definitions(self.logs_backend).values() if d["name"].startswith(prefix)
                    and language in (None, d["queryLanguage"])), key=lambda d: (d["name"], d["queryDefinitionId"]))
    start = _offset(self._get_param("nextToken"))
    result: dict[str, Any] = {"queryDefinitions": found[start:start + limit]}
    if start + limit < len(found):
        result["nextToken"] = _token(start + limit)
    return json.dumps(result)


def delete_query_definition(self: LogsResponse) -> str:
    identifier = self._get_param("queryDefinitionId")
    if _definitions(self.logs_backend).pop(identifier, None) is None:
        raise ResourceNotFoundException("The specified query definition does not exist. (approx)")
    return json.dumps({"success": True})


# --- TestMetricFilter ---------------------------------------------------------------------------

TEST_MESSAGES_MAX = 50  # TestMetricFilter logEventMessages: TestEventMessages, 1..50 (botocore's logs model)


def test_metric_filter(self: LogsResponse) -> str:
    messages = self._get_param("logEventMessages") or []
    if not 1 <= len(messages) <= TEST_MESSAGES_MAX or not all(isinstance(m, str) and m for m in messages):
        raise InvalidParameterException(constraint=f"Member must have length between 1 and {TEST_MESSAGES_MAX}",
                                        parameter="logEventMessages", value=len(messages))
    try:
        pattern = filter_pattern.parse(self._get_param("filterPattern") or "")
    except filter_pattern.PatternSyntaxError as exc:
        raise InvalidParameterException(f"Invalid metric filter pattern: {exc} (approx)") from None
    found = []
    for number, message in enumerate(messages, start=1):
        extracted = filter_match.matches(pattern, message)
        if extracted is not None:
            found.append({"eventNumber": number, "eventMessage": message, "extractedValues": extracted})
    return json.dumps({"matches": found})


def patches() -> dict[tuple[type, str], Callable[..., Any]]:
    """For cloudwatch.install, which applies every patch once."""
    return {
        (LogsResponse, "put_query_definition"): put_query_definition,
        (LogsResponse, "describe_query_definitions"): describe_query_definitions,
        (LogsResponse, "delete_query_definition"): delete_query_definition,
        (LogsResponse, "test_metric_filter"): test_metric_filter,
        (MetricFilters, "add_filter"): _add_filter,
        (LogsResponse, "put_metric_filter"): _wrap_put_metric_filter(LogsResponse.put_metric_filter),
        (LogsResponse, "describe_metric_filters"): _wrap_describe_metric_filters(LogsResponse.describe_metric_filters),
    }
