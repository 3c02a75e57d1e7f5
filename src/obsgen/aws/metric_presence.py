"""`obsgen validate --env ENV --live`: has each alarm's metric been published recently in the account?

The metric catalog proves that AWS *can* publish a metric with those dimensions; only the account can
say whether it *does*: a resource name that is wrong, a stage never deployed, a custom metric nobody
emits. ListMetrics answers that without reading any data point:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html

- `RecentlyActive=PT3H` (its only valid value) lists only metrics with data points in the past three
  hours; without it ListMetrics lists metrics with data in the past two weeks. "After you create a
  metric, allow up to 15 minutes for the metric to appear": a metric absent here may still be new.
- Up to 500 metrics per call, with `NextToken` for more. `Dimensions` takes at most 10 filters; a
  filter with a value keeps the metrics that have that dimension with that value (and may have others).

Read budget: one ListMetrics (plus its pages) per distinct (region, namespace, metric name) the
environment's alarms read (an alarm's metric is read in the alarm's region: CloudFront's in us-east-1),
whatever the number of alarms: 10,000 alarms on 8 metrics are 8 calls when each metric
has at most 500 series. Each call is narrowed with the dimension values every alarm on that metric
shares (the ECS cluster, an API's stage), and the series it lists are matched to the alarms' exact
dimension sets here. What is missing is a warning at the monitor, not an error: a metric can be
quiet for three hours for good reasons (no traffic at night, a job that runs daily).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..diagnostics import Diagnostic, warning
from ..model import EnvironmentModel, MetricAlarm, MetricStat
from .deadline import Deadline, counted
from .paging import pages
from .session import Clients

RECENTLY_ACTIVE = "PT3H"  # API_ListMetrics.html: "the only valid value for this parameter"
MAX_DIMENSION_FILTERS = 10  # API_ListMetrics.html: Dimensions, "Maximum number of 10 items"
CODE = "metric-not-published"

Series = frozenset[tuple[str, str]]  # a metric's dimensions, as (name, value) pairs
MetricKey = tuple[str, str, str]  # (region, namespace, metric name)


@dataclass(slots=True)
class Presence:
    """What ListMetrics said: the series of each (namespace, metric name) read, and what it cost."""

    series: dict[MetricKey, set[Series]] = field(default_factory=dict)
    calls: int = 0

    def tally(self) -> None:
        self.calls += 1

    def has(self, region: str, stat: MetricStat) -> bool:
        return frozenset(stat.dimensions) in self.series.get((region, stat.namespace, stat.metric), set())


def wanted(model: EnvironmentModel) -> dict[MetricKey, set[Series]]:
    """The series every metric alarm of the environment reads (each input of metric math), by region and
    metric; not a log monitor's metric (`missing_metrics` says why)."""
    found: dict[MetricKey, set[Series]] = {}
    filtered = _filtered(model)
    for alarm in model.metric_alarms:
        for stat in alarm.stats:
            if (stat.namespace, stat.metric) not in filtered:
                found.setdefault((alarm.region, stat.namespace, stat.metric), set()).add(frozenset(stat.dimensions))
    return found


def shared_filters(series: set[Series]) -> list[dict[str, str]]:
    """The (name, value) pairs every wanted series of one metric has: ListMetrics filters on them."""
    common = frozenset.intersection(*series) if series else frozenset()
    return [{"Name": name, "Value": value} for name, value in sorted(common)][:MAX_DIMENSION_FILTERS]


def read_presence(model: EnvironmentModel, clients: Clients, deadline: Deadline | None = None) -> Presence:
    """One ListMetrics per distinct (region, namespace, metric name), following NextToken (the module's budget),
    with the region's client (`Clients` makes one per service and region, and caches it)."""
    presence = Presence()
    for (region, namespace, metric), series in sorted(wanted(model).items(), key=lambda item: item[0]):
        kwargs: dict[str, Any] = {"Namespace": namespace, "MetricName": metric, "RecentlyActive": RECENTLY_ACTIVE}
        filters = shared_filters(series)
        if filters:
            kwargs["Dimensions"] = filters
        listed = presence.series.setdefault((region, namespace, metric), set())
        call = clients.client("cloudwatch", region).list_metrics
        for page in pages(counted(call, presence.tally, deadline, f"ListMetrics {namespace} {metric} in {region}"), kwargs):
            listed.update(frozenset((d["Name"], d["Value"]) for d in m.get("Dimensions", []))
                          for m in page.get("Metrics", []))
    return presence


def missing_metrics(model: EnvironmentModel, presence: Presence) -> list[Diagnostic]:
    """A warning at each monitor whose metric (any input of its math) ListMetrics does not list. A log
    monitor's metric is left out: its metric filter publishes only when log events arrive (only when lines
    match, without a default value), so its absence is the normal state of an error count; whether its log
    group receives anything, and in a format its pattern can match, is aws/live_logs.py's to say."""
    problems = []
    filtered = _filtered(model)
    for alarm in model.metric_alarms:
        absent = [stat for stat in alarm.stats
                  if (stat.namespace, stat.metric) not in filtered and not presence.has(alarm.region, stat)]
        if absent:
            problems.append(warning(alarm.origin.monitor_span(), CODE, _message(model, alarm, absent)))
    return problems


def summary(model: EnvironmentModel, presence: Presence, problems: list[Diagnostic]) -> str:
    """One line: what was listed, where, with how many calls, and how many alarms it left unpublished."""
    regions = ", ".join(sorted({region for region, _, _ in presence.series})) or model.region
    return (f"live: {len(presence.series)} metric(s) of {len(model.metric_alarms)} alarm(s) listed in "
            f"{model.account} {regions} with {presence.calls} ListMetrics call(s); "
            f"{len(problems)} alarm(s) watch metrics with no data points in the past 3 hours")


def _filtered(model: EnvironmentModel) -> set[tuple[str, str]]:
    """(namespace, metric name) of what the environment's metric filters publish."""
    return {(f.namespace, f.metric) for f in model.metric_filters}


def _message(model: EnvironmentModel, alarm: MetricAlarm, absent: list[MetricStat]) -> str:
    shown = "; ".join(f"{s.namespace} {s.metric}" + (" {" + ", ".join(f"{k}={v}" for k, v in s.dimensions) + "}"
                                                       if s.dimensions else " (no dimensions)") for s in absent[:3])
    more = f" and {len(absent) - 3} more" if len(absent) > 3 else ""
    return (f"alarm {alarm.name} watches {shown}{more}, which has no data points in the past 3 hours in account "
            f"{model.account}, {alarm.region} (ListMetrics RecentlyActive=PT3H): the alarm cannot fire on it until "
            "it is published; check the resource name, the dimension values and the region (or ignore this for a "
            "metric that is quiet for hours, or created less than 15 minutes ago)"
            + (f" ({alarm.origin.preset.note()})" if alarm.origin.preset is not None else ""))
