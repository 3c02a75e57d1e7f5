"""CloudWatch metric and composite alarms: one module, because they share one name space and one
read (an alarm name is unique across both types; DescribeAlarms returns both).

Reading: DescribeAlarms with up to 100 names per call (the spec's names + the owned ones the
tagging scan found), MaxRecords=100, following NextToken, all three AlarmTypes: native log alarms
share the name space and the tags (log_alarms.py), so the owned ones are read in the same calls and
a metric or composite alarm whose name a log alarm holds is seen as a conflict.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
Writing, in dependency order (API_DeleteAlarms.html: an alarm a composite references cannot be
deleted; a composite cannot reference a missing alarm): metric alarms, then composites children
before parents; deletions the other way round -- composites parents first, one per DeleteAlarms
call as AWS requires, then metric alarms 100 per call. A rename is a create plus a delete, so the
new alarm exists and composites are repointed before the old alarm goes.
Comparing: only the fields obsgen sets, AWS's defaults filled in (API_PutMetricAlarm.html,
API_PutCompositeAlarm.html), lists whose order AWS does not keep sorted.
"""

from __future__ import annotations

from typing import Any

from ...composite_rule import alarm_rule_references
from ...conventions import alarm_arn
from ...model import CompositeAlarm, EnvironmentModel, LogAlarm
from ...targets.cloudwatch import alarm_params
from ..paging import chunks, pages
from ..resources import HOME, TAGS, Action, away, Change, Kind, LiveResource, LiveState, Resource, split_tags, tag_dict, tag_list
from ..session import Clients
from .base import Call, Groups, Reading, SyncedKind, sync_tags

PAGE = 100  # DescribeAlarms MaxRecords and AlarmNames: at most 100
DELETE_BATCH = 100  # DeleteAlarms: up to 100 alarm names, at most one of them a composite
_ACTIONS = ("AlarmActions", "OKActions", "InsufficientDataActions")
_COMMON = ("AlarmName", "AlarmDescription", "ActionsEnabled", *_ACTIONS)
FIELDS = {
    Kind.METRIC_ALARM: (*_COMMON, "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period",
                        "Unit", "EvaluationPeriods", "DatapointsToAlarm", "Threshold", "ComparisonOperator",
                        "TreatMissingData", "EvaluateLowSampleCountPercentile", "Metrics", "ThresholdMetricId",
                        "WarmUpConfiguration"),
    Kind.COMPOSITE_ALARM: (*_COMMON, "AlarmRule", "ActionsSuppressor", "ActionsSuppressorWaitPeriod",
                           "ActionsSuppressorExtensionPeriod"),
}
# A composite's rule may name only alarms of its own account and region: composites and their
# children share a region, so each region's composites are ordered among themselves.
_DEFAULTS = {"ActionsEnabled": True, "TreatMissingData": "missing", **{a: [] for a in _ACTIONS}}
_TYPES = ((Kind.METRIC_ALARM, "MetricAlarms"), (Kind.COMPOSITE_ALARM, "CompositeAlarms"), (Kind.LOG_ALARM, "LogAlarms"))
# DescribeAlarms AlarmTypes: "If you omit this parameter, only metric alarms are returned, even if
# composite alarms or log alarms exist in the account" (botocore 1.44.8 cloudwatch model).
METRIC_AND_COMPOSITE = ("MetricAlarm", "CompositeAlarm")
EVERY_TYPE = (*METRIC_AND_COMPOSITE, "LogAlarm")


def rule_children(rule: str) -> tuple[str, ...]:
    """Alarm names (or the name part of ARNs) an AlarmRule references."""
    refs = alarm_rule_references(rule)
    return tuple(dict.fromkeys(ref.rsplit(":alarm:", 1)[-1] for ref in refs))


def describe_alarms(clients: Clients, owned: dict[str, dict[str, str]], region: str = HOME,
                    types: tuple[str, ...] = METRIC_AND_COMPOSITE, **selection: Any) -> list[LiveResource]:
    """Every alarm of `types` DescribeAlarms returns for `selection` (AlarmNames: at most 100; or
    AlarmNamePrefix; or nothing: all), 100 a page; owned when its ARN is in `owned`; read in
    `region` (HOME: the clients' own). Also `obsgen import`'s reader (adopt/read.py) and the log
    alarms kind's."""
    kwargs = {**selection, "AlarmTypes": list(types), "MaxRecords": PAGE}
    found = []
    for page in pages(clients.cloudwatch.describe_alarms, kwargs):
        for kind, key in _TYPES:
            for alarm in page.get(key, []):
                arn = alarm["AlarmArn"]
                children = rule_children(alarm.get("AlarmRule", "")) if kind == Kind.COMPOSITE_ALARM else ()
                found.append(LiveResource(kind, alarm["AlarmName"], arn, alarm, owned.get(arn), arn in owned, children,
                                          region))
    return found


class Alarms(SyncedKind):
    kinds = (Kind.METRIC_ALARM, Kind.COMPOSITE_ALARM)
    tag_type = "cloudwatch:alarm"

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        names = {a.ref: a.name for a in model.alarms()}
        found = []
        for alarm, full_params in alarm_params(model):
            if isinstance(alarm, LogAlarm):
                continue  # the log alarms kind (log_alarms.py) syncs them
            params, tags = split_tags(full_params)
            arn = alarm_arn(alarm.region, model.account, alarm.name)
            region = away(alarm.region, model.region)
            if isinstance(alarm, CompositeAlarm):
                children = tuple(names[ref] for ref in alarm.children if ref in names)
                found.append(Resource(Kind.COMPOSITE_ALARM, alarm.name, arn, params, tags, depends_on=children,
                                      region=region))
            else:
                found.append(Resource(Kind.METRIC_ALARM, alarm.name, arn, params, tags, region=region))
        return found

    def read(self, reading: Reading) -> list[LiveResource]:
        owned = reading.owned_tags
        wanted = {r.name for r in reading.desired_of(*self.kinds)}
        wanted |= {arn.split(":alarm:", 1)[1] for arn in owned if ":alarm:" in arn}
        found = []
        for names in chunks(sorted(wanted), PAGE):
            found += describe_alarms(reading.clients, owned, reading.region, EVERY_TYPE, AlarmNames=names)
        return found

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
        result = {}
        for key in FIELDS[kind]:
            value = _value(key, params.get(key, _DEFAULTS.get(key)))
            if value is not None and value != "":
                result[key] = value
        if kind == Kind.METRIC_ALARM and result.get("DatapointsToAlarm") == result.get("EvaluationPeriods"):
            result.pop("DatapointsToAlarm", None)  # "M of M" is what AWS does when it is unset
        return result

    def identity(self, resource: Resource | LiveResource) -> tuple[str, ...]:
        return ("alarm", resource.region, resource.name)  # one name space for both types, per region

    def conflict(self, resource: Resource, current: LiveResource | None, live: LiveState, adopt: bool) -> str:
        if current is not None and current.kind != resource.kind:
            return (f"a {current.kind.replace('_', ' ')} of that name exists; CloudWatch cannot change an alarm's "
                    "type, delete it first")
        return super().conflict(resource, current, live, adopt)

    def annotate(self, changes: list[Change]) -> None:
        """An alarm whose monitor got a new name is created, composites repointed, then the old one
        deleted (the apply order does that); here the plan only says so."""
        deleted = {_monitor(c): c for c in changes if c.action == Action.DELETE and _monitor(c)}
        for created in (c for c in changes if c.action == Action.CREATE):
            old = deleted.get(_monitor(created)) if _monitor(created) else None
            if old is not None:
                created.reason = f"renamed from {old.name}"
                old.reason = f"renamed to {created.name}"

    def steps(self, changes: list[Change], deleting: bool) -> Groups:
        if not changes:
            return []
        if changes[0].kind == Kind.METRIC_ALARM:
            return [chunks(changes, DELETE_BATCH)] if deleting else [[[c] for c in changes]]
        levels = _composite_levels(changes)
        return [[[c] for c in level] for level in (reversed(levels) if deleting else levels)]

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        cw = clients.cloudwatch
        change = step[0]
        if change.action == Action.DELETE:
            call(cw.delete_alarms, AlarmNames=[c.name for c in step])
            return
        resource = change.wanted()
        put = cw.put_metric_alarm if change.kind == Kind.METRIC_ALARM else cw.put_composite_alarm
        if change.config_changed:
            # Tags always go along: AWS ignores them when the alarm exists ("If you are using this
            # operation to update an existing alarm, any tags you specify in this parameter are
            # ignored", API_PutMetricAlarm.html and API_PutCompositeAlarm.html, Tags) and applies
            # them when the call creates it -- which an update does when someone deleted the alarm
            # after obsgen read it. Without them that alarm would come back unowned.
            call(put, **resource.params, Tags=tag_list(resource.tags))
        if change.action == Action.UPDATE:
            sync_tags(call, cw.tag_resource, cw.untag_resource, "ResourceARN", change)

    def read_tags(self, clients: Clients, resource: LiveResource) -> dict[str, str]:
        return tag_dict(clients.cloudwatch.list_tags_for_resource(ResourceARN=resource.arn)["Tags"])


def _monitor(change: Change) -> tuple[str, str] | None:
    """(service, monitor) from the ownership tags the change shows: the same monitor under a new name."""
    tags = ((change.after if change.action == Action.CREATE else change.before) or {}).get(TAGS, {})
    return (tags["obsgen:service"], tags["obsgen:monitor"]) if "obsgen:monitor" in tags else None


def _composite_levels(changes: list[Change]) -> list[list[Change]]:
    """Level 0: composites that reference none of the others in `changes`; level n: their parents."""
    names = {c.name: c for c in changes}
    level: dict[str, int] = {}

    def depth(name: str, seen: frozenset[str] = frozenset()) -> int:
        if name not in level:
            change = names[name]
            refs = change.desired.depends_on if change.desired else (change.live.depends_on if change.live else ())
            kids = [r for r in refs if r in names and r not in seen]
            level[name] = 1 + max((depth(k, seen | {name}) for k in kids), default=-1)
        return level[name]

    for name in names:
        depth(name)
    return [[names[n] for n in sorted(names) if level[n] == i] for i in range(max(level.values(), default=-1) + 1)]


def _value(key: str, value: Any) -> Any:
    if key in _ACTIONS:
        return sorted(value or [])  # AWS returns actions in its own order
    if key == "Dimensions":
        return _dimensions(value) or None
    if key == "Metrics":
        return [_query(q) for q in value] if value else None
    if key == "Threshold" and value is not None:
        return float(value)
    return value


def _dimensions(dims: list[dict[str, str]] | None) -> list[dict[str, str]]:
    return sorted(({"Name": d["Name"], "Value": d["Value"]} for d in dims or []), key=lambda d: d["Name"])


def _query(query: dict[str, Any]) -> dict[str, Any]:
    """A MetricDataQuery: ReturnData defaults to true; empty Label/Unit are the same as absent."""
    result: dict[str, Any] = {"Id": query["Id"], "ReturnData": query.get("ReturnData", True)}
    for key in ("Expression", "Label", "Period", "AccountId"):
        if query.get(key) not in (None, ""):
            result[key] = query[key]
    stat = query.get("MetricStat")
    if stat:
        metric = stat.get("Metric", {})
        result["MetricStat"] = {
            "Metric": {"Namespace": metric.get("Namespace"), "MetricName": metric.get("MetricName"),
                       "Dimensions": _dimensions(metric.get("Dimensions"))},
            "Period": stat.get("Period"), "Stat": stat.get("Stat"),
            **({"Unit": stat["Unit"]} if stat.get("Unit") else {}),
        }
    return result
