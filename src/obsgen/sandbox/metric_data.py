"""GetMetricData as CloudWatch answers it, for moto (in-process and the sandbox).

moto 5.2 computes only the five basic statistics (it fails on `p90`, `tm99`, `IQM`, ...), matches a
metric with dimensions without its namespace, ignores MaxDatapoints and NextToken, and checks
almost nothing. obsgen's backtest reads alarm history with GetMetricData, so the sandbox must
answer every statistic an alarm can use. The statistics are the evaluator's (`evaluator.windows`:
one implementation for the sandbox and the evaluator, so "the evaluator's result equals the
sandbox's data reduced by the alarm" is checkable); the request is validated as AWS documents it:

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
  - "A single GetMetricData call can include as many as 500 MetricDataQuery structures"
  - MaxDatapoints: "If you omit this, the default of 100,800 is used"; results past it are
    paginated with NextToken (StatusCode PartialData until the last page)
  - StartTime is inclusive, EndTime exclusive; StartTime "less than 15 days ago - Round down to the
    nearest whole minute ... between 15 and 63 days ago - ... 5-minute clock interval ... greater
    than 63 days ago - ... 1-hour clock interval"
  - ScanBy: TimestampDescending (the default) or TimestampAscending
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html
  - Id: "must start with a lowercase letter", letters, digits and underscore, unique in the request;
    exactly one of MetricStat and Expression
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html
  - Period: "1, 5, 10, 20, 30, 60, or any multiple of 60"
botocore's model (cloudwatch/2010-08-01/service-2.json): Id 1..255 characters, at most 30 dimensions.

Queries with an Expression (metric math, Metrics Insights) are left to moto's own implementation;
obsgen's backtest asks only for metrics and evaluates the math itself. Error texts are AWS's codes
with our wording (marked "approx") where AWS's exact text is not documented.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from moto.cloudwatch.exceptions import ValidationError
from moto.cloudwatch.models import CloudWatchBackend, MetricAggregatedDatum, MetricDatum
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

from ..evaluator import Samples, StatisticSet
from ..evaluator import statistics as stats
from ..evaluator.errors import EvaluationError, Unsupported
from ..evaluator.windows import Grid, aggregate

MAX_QUERIES = 500
DEFAULT_MAX_DATAPOINTS = 100_800
MAX_DIMENSIONS = 30
SHORT_PERIODS = (1, 5, 10, 20, 30)
QUERY_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
ROUNDING = ((timedelta(days=15), 60), (timedelta(days=63), 300))  # older: 3600


class InvalidNextToken(ValidationError):
    """GetMetricData's documented error for a bad NextToken (API_GetMetricData.html#API_GetMetricData_Errors)."""

    code = "InvalidNextToken"

    def __init__(self) -> None:
        super().__init__("The service couldn't process the NextToken (approx)")
        self.code = "InvalidNextToken"


@dataclass(frozen=True, slots=True)
class MetricQuery:
    id: str
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    period: int
    stat: stats.Statistic
    unit: str | None
    label: str
    return_data: bool


def rounded_start(start: datetime, now: datetime) -> datetime:
    """StartTime as CloudWatch rounds it (API_GetMetricData.html, StartTime)."""
    age = now - start
    step = next((s for limit, s in ROUNDING if age < limit), 3600)
    epoch = int(start.timestamp())
    return datetime.fromtimestamp(epoch - epoch % step, tz=timezone.utc)


def parse_queries(raw: list[dict[str, Any]]) -> list[MetricQuery]:
    """The MetricStat queries, validated; raises moto's ValidationError as AWS would refuse them."""
    if not raw:
        raise ValidationError("The parameter MetricDataQueries is required (approx)")
    if len(raw) > MAX_QUERIES:
        raise ValidationError(f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}.")
    seen: set[str] = set()
    out = []
    for index, query in enumerate(raw, 1):
        qid = query.get("Id") or ""
        if not QUERY_ID.match(qid) or len(qid) > 255:
            raise ValidationError(f"The value {qid} for parameter MetricDataQueries.member.{index}.Id is not valid: "
                                  "it must start with a lowercase letter and hold only letters, digits and '_' (approx)")
        if qid in seen:
            raise ValidationError(f"The values for parameter id in MetricDataQueries are not unique: {qid} (approx)")
        seen.add(qid)
        if ("MetricStat" in query) == ("Expression" in query):
            raise ValidationError(f"Exactly one of MetricStat and Expression must be given in "
                                  f"MetricDataQueries.member.{index} (approx)")
        if "MetricStat" in query:
            out.append(_metric_query(index, query))
    return out


def _metric_query(index: int, query: dict[str, Any]) -> MetricQuery:
    where = f"MetricDataQueries.member.{index}.MetricStat"
    stat_params = query["MetricStat"]
    metric = stat_params.get("Metric") or {}
    period = int(stat_params.get("Period") or 0)
    if period <= 0 or (period not in SHORT_PERIODS and period % 60):
        raise ValidationError(f"The parameter {where}.Period must be 1, 5, 10, 20, 30, 60 or a multiple of 60 (approx)")
    text = stat_params.get("Stat") or ""
    try:
        stat = stats.parse(text)
    except (EvaluationError, Unsupported) as exc:
        raise ValidationError(f"The parameter {where}.Stat is not valid: {exc} (approx)") from None
    dimensions = metric.get("Dimensions") or []
    if len(dimensions) > MAX_DIMENSIONS:
        raise ValidationError(f"The collection {where}.Metric.Dimensions must not have a size greater than "
                              f"{MAX_DIMENSIONS}.")
    pairs = tuple(sorted((d["Name"], d["Value"]) for d in dimensions))
    name = metric.get("MetricName") or ""
    return MetricQuery(query["Id"], metric.get("Namespace") or "", name, pairs, period, stat,
                       stat_params.get("Unit"), query.get("Label") or f"{name} {text}",
                       bool(query.get("ReturnData", True)))


def series(backend: CloudWatchBackend, query: MetricQuery, start: datetime, end: datetime) -> list[tuple[datetime, float]]:
    """One query's datapoints, oldest first: the periods [start + i*period, ...) before `end` holding data.

    A metric is its namespace, name and exact set of dimensions ("each unique combination of
    dimensions ... a separate metric": monitoring/cloudwatch_concepts.html#Dimension)."""
    points: list[tuple[float, float]] = []
    sets: list[StatisticSet] = []
    low, high = start.timestamp(), end.timestamp()
    for datum in backend.get_all_metrics():
        if datum.namespace != query.namespace or datum.name != query.name:
            continue
        if tuple(sorted((d.name, d.value) for d in datum.dimensions)) != query.dimensions:
            continue
        if query.unit and datum.unit != query.unit:
            continue
        moment = datum.timestamp.timestamp()
        if not low <= moment < high:
            continue
        if isinstance(datum, MetricDatum):
            points.append((moment, float(datum.value)))
        elif isinstance(datum, MetricAggregatedDatum):
            sets.append(StatisticSet(moment, datum.sample_count, datum.sum, datum.min, datum.max))
    if not (points or sets):
        return []
    # Only the periods from the first datapoint's to the last one's: a 1-second period over a year
    # would otherwise be 31 million empty windows.
    times = [t for t, _ in points] + [item.timestamp for item in sets]
    first = int((min(times) - low) // query.period)
    count = int((max(times) - low) // query.period) - first + 1
    origin = int(low) + first * query.period
    grid = Grid(origin + query.period, query.period, count, query.period)
    aggregated = aggregate(Samples(points, sets), query.stat, grid)
    return [(datetime.fromtimestamp(origin + i * query.period, tz=timezone.utc), value)
            for i, value in enumerate(aggregated.values) if value is not None]


def _token(request: str, offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"r": request, "o": offset}).encode()).decode()


def _offset(token: str | None, request: str) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["r"] != request or not isinstance(data["o"], int) or data["o"] < 0:
            raise ValueError(token)
        return int(data["o"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidNextToken() from None


def _fingerprint(params: dict[str, Any]) -> str:
    """A NextToken is good only for the request it came from."""
    kept = {k: params.get(k) for k in ("MetricDataQueries", "StartTime", "EndTime", "ScanBy")}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()[:16]


def get_metric_data(response: CloudWatchResponse, fallback: Callable[[CloudWatchResponse], Any]) -> Any:
    params = response._get_params()
    raw = params.get("MetricDataQueries", [])
    queries = parse_queries(raw)
    if any("Expression" in q for q in raw):
        return fallback(response)  # metric math and Metrics Insights: moto's own evaluation
    start, end = _time(params, "StartTime"), _time(params, "EndTime")
    if start >= end:
        raise ValidationError("The parameter StartTime must be less than the parameter EndTime.")
    scan_by = params.get("ScanBy") or "TimestampDescending"
    if scan_by not in ("TimestampDescending", "TimestampAscending"):
        raise ValidationError(f"Value '{scan_by}' at 'scanBy' failed to satisfy constraint: Member must satisfy enum "
                              "value set: [TimestampDescending, TimestampAscending]")
    limit = int(params.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS)
    if limit < 1:
        raise ValidationError("The parameter MaxDatapoints must be greater than 0 (approx)")
    start = rounded_start(start, datetime.now(timezone.utc))
    request = _fingerprint(params)
    skip = _offset(params.get("NextToken"), request)
    results, taken, remaining = [], 0, False
    position = 0  # datapoints of the whole answer before this query's
    for query in (q for q in queries if q.return_data):
        points = series(response.cloudwatch_backend, query, start, end)
        if scan_by == "TimestampDescending":
            points.reverse()
        first = max(0, skip - position)
        page = points[first:first + max(0, limit - taken)]
        position += len(points)
        taken += len(page)
        partial = first + len(page) < len(points)
        remaining = remaining or partial
        results.append({"Id": query.id, "Label": query.label, "Timestamps": [t for t, _ in page],
                        "Values": [v for _, v in page], "StatusCode": "PartialData" if partial else "Complete"})
    answer: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
    if remaining:
        answer["NextToken"] = _token(request, skip + taken)
    return ActionResult(answer)


def _time(params: dict[str, Any], key: str) -> datetime:
    value = params.get(key)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, str):
        try:
            return datetime.fromtimestamp(float(value), tz=timezone.utc)
        except ValueError:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    raise ValidationError(f"The parameter {key} is required.")


def _wrap_get_metric_data(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapped(self: CloudWatchResponse) -> Any:
        return get_metric_data(self, original)

    return wrapped


def patches() -> dict[tuple[type, str], Callable[..., Any]]:
    """For sandbox.cloudwatch.install, which applies every patch once."""
    return {(CloudWatchResponse, "get_metric_data"): _wrap_get_metric_data(CloudWatchResponse.get_metric_data)}
