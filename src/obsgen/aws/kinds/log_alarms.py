"""CloudWatch native log alarms (PutLogAlarm): a Logs Insights query CloudWatch runs on a schedule,
its aggregate compared with a threshold. Their own module because they are written, read and
deleted differently from metric and composite alarms, with which they share the alarm name space
("This name must be unique within the Amazon Web Services account and Region", PutLogAlarm
AlarmName, botocore 1.44.8 cloudwatch model) and the `cloudwatch:alarm` ARN and tag type.

Reading: the alarms kind, read first, already asks DescribeAlarms for every owned alarm name with
AlarmTypes including "LogAlarm" (alarms.py), so owned log alarms cost no call of their own; this
kind then describes only the spec's log alarm names nothing has answered yet (new ones, or a
foreign alarm of that name), 100 a call, every type: a metric or composite alarm holding a log
alarm's name is a conflict, not a create. Owned by the tags, as alarms.
Writing: PutLogAlarm "creates or updates" by name; tags go along and are brought to the spec's with
TagResource / UntagResource on an update, as for alarms. Deleting: DeleteAlarms one name a call
("Log alarms cannot be batch deleted", API_DeleteAlarms.html).
Comparing: the fields obsgen sets, AWS's defaults filled in (ActionsEnabled true, TreatMissingData
missing, ActionLogLineCount 0 -- PutLogAlarmInput), actions and log groups sorted, and without
ScheduledQueryConfiguration.QueryARN, which AWS fills in ("This field is populated in DescribeAlarms
responses").
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutLogAlarm.html
"""

from __future__ import annotations

from typing import Any

from ...conventions import alarm_arn
from ...model import EnvironmentModel, LogAlarm
from ...targets.cloudwatch import alarm_params
from ..paging import chunks
from ..resources import Action, away, Change, Kind, LiveResource, LiveState, Resource, split_tags, tag_dict, tag_list
from ..session import Clients
from .alarms import EVERY_TYPE, PAGE, describe_alarms
from .base import Call, Reading, SyncedKind, sync_tags

_ACTIONS = ("AlarmActions", "OKActions", "InsufficientDataActions")
FIELDS = ("AlarmName", "AlarmDescription", "ActionsEnabled", *_ACTIONS, "ScheduledQueryConfiguration",
          "QueryResultsToEvaluate", "QueryResultsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData",
          "ActionLogLineCount", "ActionLogLineRoleArn", "WarmUpConfiguration", "ActionConfiguration")
_DEFAULTS = {"ActionsEnabled": True, "TreatMissingData": "missing", "ActionLogLineCount": 0,
             **{a: [] for a in _ACTIONS}}
_QUERY_FIELDS = ("QueryString", "LogGroupIdentifiers", "ScheduledQueryRoleARN", "ScheduleConfiguration",
                 "AggregationExpression", "Tags")  # without QueryARN: AWS's, not the caller's


class LogAlarms(SyncedKind):
    kinds = (Kind.LOG_ALARM,)
    tag_type = "cloudwatch:alarm"  # the alarms' type: kinds.tag_types() asks for it once

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        found = []
        for alarm, full_params in alarm_params(model):
            if isinstance(alarm, LogAlarm):
                params, tags = split_tags(full_params)
                found.append(Resource(Kind.LOG_ALARM, alarm.name, alarm_arn(alarm.region, model.account, alarm.name),
                                      params, tags, region=away(alarm.region, model.region)))
        return found

    def read(self, reading: Reading) -> list[LiveResource]:
        answered = {r.name for r in reading.live_of(Kind.METRIC_ALARM, Kind.COMPOSITE_ALARM, Kind.LOG_ALARM)}
        unread = sorted({r.name for r in reading.desired_of(Kind.LOG_ALARM)} - answered)
        found = []
        for names in chunks(unread, PAGE):
            found += describe_alarms(reading.clients, reading.owned_tags, reading.region, EVERY_TYPE, AlarmNames=names)
        return found

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
        result = {}
        for key in FIELDS:
            value = _value(key, params.get(key, _DEFAULTS.get(key)))
            if value is not None and value != "":
                result[key] = value
        return result

    def identity(self, resource: Resource | LiveResource) -> tuple[str, ...]:
        return ("alarm", resource.region, resource.name)  # the alarms' name space (alarms.Alarms.identity)

    def conflict(self, resource: Resource, current: LiveResource | None, live: LiveState, adopt: bool) -> str:
        if current is not None and current.kind != resource.kind:
            return (f"a {current.kind.replace('_', ' ')} of that name exists; CloudWatch cannot change an alarm's "
                    "type, delete it first")
        return super().conflict(resource, current, live, adopt)

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        cw = clients.cloudwatch
        change = step[0]
        if change.action == Action.DELETE:
            call(cw.delete_alarms, AlarmNames=[change.name])  # one a call: log alarms cannot be batch deleted
            return
        resource = change.wanted()
        if change.config_changed:
            # Tags always go along, as for PutMetricAlarm (alarms.Alarms.write): an update that
            # re-creates an alarm deleted after the read must not bring it back unowned.
            call(cw.put_log_alarm, **resource.params, Tags=tag_list(resource.tags))
        if change.action == Action.UPDATE:
            sync_tags(call, cw.tag_resource, cw.untag_resource, "ResourceARN", change)

    def read_tags(self, clients: Clients, resource: LiveResource) -> dict[str, str]:
        return tag_dict(clients.cloudwatch.list_tags_for_resource(ResourceARN=resource.arn)["Tags"])


def _value(key: str, value: Any) -> Any:
    if key in _ACTIONS:
        return sorted(value or [])  # AWS returns actions in its own order
    if key == "Threshold" and value is not None:
        return float(value)
    if key == "ScheduledQueryConfiguration" and value:
        query = {k: value[k] for k in _QUERY_FIELDS if value.get(k) not in (None, [], "")}
        query["LogGroupIdentifiers"] = sorted(query.get("LogGroupIdentifiers", []))
        if "Tags" in query:
            query["Tags"] = tag_list(tag_dict(query["Tags"]))
        return query
    return value
