"""Reading metric history with GetMetricData, in as few calls as the API allows, paced.

API: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
  "A single GetMetricData call can include as many as 500 MetricDataQuery structures" and
  MaxDatapoints "If you omit this, the default of 100,800 is used": a call returns at most 100,800
  datapoints, the rest behind NextToken. So the queries of one period are cut into groups of at most
  500, and the time range into slices short enough that a group's datapoints fit one call:
  slice = floor(100,800 / group size) periods. Calls = slices x ceil(queries / 500) per period,
  and NextToken is still followed should AWS page anyway.
Quotas (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html):
  GetMetricData "50 transactions per second (TPS)" and "180,000 Datapoints Per Second (DPS) if the
  StartTime in the API request is less than or equal to three hours from current time. 396,000 DPS
  if the StartTime is more than three hours from current time". The reader paces itself at half of
  both (READ_RATE calls and READ_DPS datapoints a second, counting the datapoints a call can return),
  so a backtest neither throttles nor starves the account's other GetMetricData readers.
Retention ("Metrics retention", monitoring/cloudwatch_concepts.html#metrics-retention): data points
  of a period under 60 s are kept 3 hours, of 60 s 15 days, of 300 s 63 days, of 3600 s 455 days;
  `period_for` picks the shortest period the whole range still has.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from ..evaluator import Metric
from ..progress import Progress, counted, silent
from .apply import RateLimiter
from .paging import chunks, pages
from .session import Clients

MAX_QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
READ_RATE = 25.0  # calls per second: half of GetMetricData's 50 TPS quota
READ_DPS = 90_000.0  # datapoints per second: half of the stricter of the two DPS quotas (180,000)
# (age of the oldest data point, the shortest period CloudWatch still has at that age), in seconds
RETENTION = ((3 * 3600, 1), (15 * 86400, 60), (63 * 86400, 300), (455 * 86400, 3600))


class Pacer:
    """At most `calls` calls and `datapoints` datapoints a second (None: unpaced, for benchmarks)."""

    def __init__(self, calls: float | None = READ_RATE, datapoints: float | None = READ_DPS,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self._calls = RateLimiter(calls)
        self._dps = datapoints
        self._next = 0.0
        self._sleep, self._clock = sleep, clock

    def wait(self, datapoints: int) -> None:
        self._calls.wait()
        if not self._dps:
            return
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + datapoints / self._dps
        if slot > now:
            self._sleep(slot - now)


@dataclass(frozen=True, slots=True)
class Query:
    """One metric with one statistic at one period: what a GetMetricData MetricStat asks for."""

    metric: Metric
    stat: str
    period: int
    unit: str | None = None
    region: str | None = None  # where the metric is published (the alarm's region); None: the home region


@dataclass(slots=True)
class History:
    """Datapoints per query (period start in epoch seconds, value; oldest first) and what it cost."""

    start: int
    end: int
    points: dict[Query, list[tuple[int, float]]] = field(default_factory=dict)
    calls: int = 0


class HistoryTooOld(ValueError):
    """The range starts before the oldest data CloudWatch keeps (455 days)."""


def period_for(alarm_period: int, start: int, now: int) -> int:
    """The alarm's period, or the shortest period CloudWatch still keeps for data as old as `start`
    (a multiple of it, so the alarm's own periods fit whole)."""
    age = now - start
    for limit, shortest in RETENTION:
        if age <= limit:
            break
    else:
        raise HistoryTooOld(f"CloudWatch keeps metric data for 455 days; the range starts {age // 86400} days ago")
    if alarm_period % shortest == 0:
        return alarm_period
    return shortest * math.ceil(alarm_period / shortest)


@dataclass(frozen=True, slots=True)
class Call:
    """One GetMetricData request: a time slice and at most 500 queries of one period and one region."""

    start: int
    end: int
    queries: tuple[Query, ...]

    @property
    def region(self) -> str | None:
        return self.queries[0].region


def plan_calls(queries: Iterable[Query], start: int, end: int) -> list[Call]:
    """The calls that read `queries` over [start, end): per region and period, groups of at most 500
    queries over slices of at most floor(100,800 / group size) periods."""
    by_period: dict[tuple[str, int], list[Query]] = {}
    for query in sorted(set(queries), key=lambda q: (q.region or "", q.period, q.metric.namespace, q.metric.name,
                                                     q.metric.dimensions, q.stat, q.unit or "")):
        by_period.setdefault((query.region or "", query.period), []).append(query)
    calls: list[Call] = []
    for (_, period), group in sorted(by_period.items()):
        first = start - start % period
        for batch in chunks(group, MAX_QUERIES_PER_CALL):
            step = max(1, MAX_DATAPOINTS_PER_CALL // len(batch)) * period
            for slice_start in range(first, end, step):
                calls.append(Call(slice_start, min(end, slice_start + step), tuple(batch)))
    return calls


READ_STEP = "GetMetricData calls"  # the progress step: the planned calls done of all (a call AWS pages counts once)


def read_history(clients: Clients, queries: Iterable[Query], start: int, end: int,
                 pacer: Pacer | None = None, progress: Progress = silent) -> History:
    """Every query's datapoints over [start, end), reporting READ_STEP to `progress` after each planned
    call. Raises botocore's errors (the caller reports them)."""
    pacer = pacer or Pacer()
    history = History(start, end)
    for call in counted(plan_calls(queries, start, end), READ_STEP, progress):
        ids = {f"m{i}": q for i, q in enumerate(call.queries)}
        for query in call.queries:
            history.points.setdefault(query, [])
        request: dict[str, Any] = {
            "MetricDataQueries": [_query(qid, q) for qid, q in ids.items()],
            "StartTime": datetime.fromtimestamp(call.start, tz=timezone.utc),
            "EndTime": datetime.fromtimestamp(call.end, tz=timezone.utc),
            "ScanBy": "TimestampAscending",
        }

        most = len(call.queries) * -(-(call.end - call.start) // call.queries[0].period)

        def get(**kwargs: Any) -> dict[str, Any]:
            pacer.wait(most)
            history.calls += 1
            answer: dict[str, Any] = clients.client("cloudwatch", call.region).get_metric_data(**kwargs)
            return answer

        for page in pages(get, request):
            for result in page.get("MetricDataResults", ()):
                points = history.points[ids[result["Id"]]]
                points += [(int(t.timestamp()), float(v)) for t, v in zip(result["Timestamps"], result["Values"])]
    for points in history.points.values():
        points.sort()
    return history


def _query(qid: str, query: Query) -> dict[str, Any]:
    stat: dict[str, Any] = {
        "Metric": {"Namespace": query.metric.namespace, "MetricName": query.metric.name,
                   "Dimensions": [{"Name": k, "Value": v} for k, v in query.metric.dimensions]},
        "Period": query.period, "Stat": query.stat}
    if query.unit:
        stat["Unit"] = query.unit
    return {"Id": qid, "MetricStat": stat, "ReturnData": True}
