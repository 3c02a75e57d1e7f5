"""CloudWatch alarm mute rules (`maintenance:` windows) in the sync: desired, live, comparable form and writes.

A mute rule takes tags (PutAlarmMuteRule `Tags`, botocore's cloudwatch model 1.44.8) and obsgen tags
each one it writes like an alarm (`obsgen:project`, `obsgen:env`, `obsgen:maintenance`); the tags decide
ownership. The Resource Groups Tagging API documents no mute rule resource type, so the rules are
not in the shared tagging scan: obsgen names its rules `<project>-<env>-<window>` (conventions.mute_rule_name)
and reads the tags of the rules under that prefix only, with ListTagsForResource on the rule's ARN.
A rule under the prefix without this environment's tags (made by hand, or another environment's
whose name starts the same way, `prod` / `prod-eu`) is never updated or deleted, and is a conflict
(`--adopt`) when the spec wants its name.

Reading: ListAlarmMuteRules, 100 a page (its maximum), following NextToken: it answers summaries only
(ARN, status, type; the name is the ARN's last part), so the rules under the prefix are then read one
by one, ListTagsForResource and GetAlarmMuteRule each (the API has no batch read): ceil(M/100) + 2P
calls for the M rules of the account and region, P of them under the prefix.
Writing: PutAlarmMuteRule creates or replaces a rule whole, tags included ("If you specify a rule
name that already exists, this operation updates the existing rule"); the tags are then brought to
the spec's with TagResource / UntagResource. DeleteAlarmMuteRule removes one (and "is idempotent").
A rule names alarms that "must match existing alarms", so rules are written after the alarms and
deleted before them (kinds/__init__.PHASES).
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListAlarmMuteRules.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetAlarmMuteRule.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarmMuteRule.html
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from ...conventions import dashboard_prefix
from ...model import EnvironmentModel
from ...targets.maintenance import iso_duration, mute_rule_params
from ..paging import pages
from ..resources import Action, Change, Kind, LiveResource, Resource, away, split_tags, tag_dict, tag_list
from ..session import Clients
from .base import Call, Reading, SyncedKind, sync_tags

PAGE = 100  # ListAlarmMuteRules MaxRecords: 1..100
UTC = "UTC"  # Schedule.Timezone: "If you don't specify a time zone, UTC is used by default"
_ARN_NAME = ":alarm-mute-rule:"
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


def canonical_duration(text: str) -> str:
    """`PT120M` and `PT2H` are the same window: one spelling (targets.maintenance.iso_duration's)."""
    match = _DURATION.fullmatch(text or "")
    if not match or not any(match.groups()):
        return text
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    return iso_duration(total) if total % 60 == 0 else text


def _date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if value is not None else None


class MuteRules(SyncedKind):
    kinds = (Kind.MUTE_RULE,)
    tags_read_per_resource = True  # tags are shown and compared; not in the tagging scan: read per rule

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        found = []
        for rule in model.mute_rules:
            params, tags = split_tags(mute_rule_params(rule))
            found.append(Resource(Kind.MUTE_RULE, rule.name, rule.arn, params, tags,
                                  region=away(rule.region or model.region, model.region)))
        return found

    def read(self, reading: Reading) -> list[LiveResource]:
        cloudwatch = reading.clients.cloudwatch
        prefix = dashboard_prefix(reading.project, reading.env)
        arns = [s["AlarmMuteRuleArn"] for page in pages(cloudwatch.list_alarm_mute_rules, {"MaxRecords": PAGE})
                for s in page.get("AlarmMuteRuleSummaries", [])]
        found = []
        for arn in sorted(arns):
            name = arn.split(_ARN_NAME, 1)[-1]
            if not name.startswith(prefix):
                continue
            try:
                tags = reading.owned(tag_dict(cloudwatch.list_tags_for_resource(ResourceARN=arn).get("Tags")))
                rule = cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName=name)
            except ClientError as exc:  # deleted between the list and the read: not there
                if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
                continue
            found.append(LiveResource(Kind.MUTE_RULE, name, arn, rule, tags, tags is not None,
                                      region=reading.region))
        return found

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
        """Name, description ("" and none the same), the schedule (UTC when no time zone, the duration in
        one spelling), the muted alarms as a set (sorted), and start and expiry dates when set."""
        schedule = (params.get("Rule") or {}).get("Schedule") or {}
        result: dict[str, Any] = {
            "Name": params.get("Name"),
            "Schedule.Expression": schedule.get("Expression"),
            "Schedule.Duration": canonical_duration(schedule.get("Duration", "")),
            "Schedule.Timezone": schedule.get("Timezone") or UTC,
            "AlarmNames": sorted((params.get("MuteTargets") or {}).get("AlarmNames") or []),
        }
        if params.get("Description"):
            result["Description"] = params["Description"]
        for key in ("StartDate", "ExpireDate"):
            if params.get(key) is not None:
                result[key] = _date(params[key])
        return result

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        cloudwatch = clients.cloudwatch
        for change in step:
            if change.action == Action.DELETE:
                call(cloudwatch.delete_alarm_mute_rule, AlarmMuteRuleName=change.name)
                continue
            resource = change.wanted()
            if change.config_changed:
                call(cloudwatch.put_alarm_mute_rule, **resource.params, Tags=tag_list(resource.tags))
            if change.action == Action.UPDATE:
                sync_tags(call, cloudwatch.tag_resource, cloudwatch.untag_resource, "ResourceARN", change)

    def read_tags(self, clients: Clients, resource: LiveResource) -> dict[str, str]:
        """Every tag, CloudFormation's included: adopting a stack's rule is refused (base.SyncedKind.conflict)."""
        return tag_dict(clients.cloudwatch.list_tags_for_resource(ResourceARN=resource.arn).get("Tags"))

