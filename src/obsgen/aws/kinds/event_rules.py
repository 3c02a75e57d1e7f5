"""EventBridge rules of event routes (`events:`), with their one target, in the sync.

A rule is tagged like an alarm (`obsgen:project`, `obsgen:env`, `obsgen:route`) and owned through
the shared tagging scan (resource type `events:rule`). Its targets belong to it: a route's rule has
exactly one, `obsgen-topic` (the severity's topic, with the input transformer that writes the
message), so a target added by hand to obsgen's rule is drift, removed by apply.

Reading: ListRules with NamePrefix `<project>-` (every rule name obsgen makes starts so,
conventions.event_rule_name), 100 a page, following NextToken; DescribeRule for an owned rule not
listed; then ListTargetsByRule per rule of the spec or owned (the API has no batch read).
Writing: PutRule (creates or replaces the rule; tags go along, as for alarms, and are then brought to
the spec's with TagResource / UntagResource), PutTargets (replaces targets of the same Id),
RemoveTargets for the others; deleting: RemoveTargets, then DeleteRule ("Before you can delete the
rule, you must remove all targets", API_DeleteRule.html).
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_ListRules.html
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from ...model import EnvironmentModel
from ...targets.events import rule_params, targets_params
from ..paging import pages
from ..resources import Action, Change, Kind, LiveResource, Resource, split_tags, tag_dict, tag_list
from ..session import Clients
from .base import Call, Reading, SyncedKind, WriteRejected, sync_tags

PAGE = 100  # ListRules Limit: 1..100
TARGETS = "Targets"
_RULE_FIELDS = ("Name", "EventPattern", "State", "Description")
_TARGET_FIELDS = ("Id", "Arn", "Input", "InputPath", "InputTransformer", "RoleArn")


class EventRules(SyncedKind):
    kinds = (Kind.EVENT_RULE,)
    tag_type = "events:rule"

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        found = []
        for route in model.event_routes:
            params, tags = split_tags(rule_params(route))
            params[TARGETS] = targets_params(route)[TARGETS]
            found.append(Resource(Kind.EVENT_RULE, route.name, route.arn, params, tags))
        return found

    def read(self, reading: Reading) -> list[LiveResource]:
        events = reading.clients.client("events")
        owned = reading.owned_tags
        owned_names = {arn.rsplit("/", 1)[1]: arn for arn in owned if ":events:" in arn and ":rule/" in arn}
        wanted = {r.name for r in reading.desired_of(Kind.EVENT_RULE)} | set(owned_names)
        kwargs = {"NamePrefix": f"{reading.project}-", "Limit": PAGE}
        listed = {rule["Name"]: rule for page in pages(events.list_rules, kwargs) for rule in page.get("Rules", [])}
        for name in sorted(set(owned_names) - set(listed)):
            try:
                listed[name] = events.describe_rule(Name=name)
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
        found = []
        for name in sorted(wanted & set(listed)):
            rule = listed[name]
            targets = [t for page in pages(events.list_targets_by_rule, {"Rule": name, "Limit": PAGE})
                       for t in page.get(TARGETS, [])]
            arn = rule.get("Arn") or owned_names.get(name, "")
            found.append(LiveResource(Kind.EVENT_RULE, name, arn, {**rule, TARGETS: targets}, owned.get(arn),
                                      arn in owned, region=reading.region))
        return found

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
        """The rule's fields (its pattern as parsed JSON, so spacing and key order never count; no
        description and "" the same) and its targets by Id, each with the fields it has."""
        result: dict[str, Any] = {}
        for key in _RULE_FIELDS:
            value = params.get(key)
            if key == "EventPattern" and isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            if value not in (None, ""):
                result[key] = value
        result.setdefault("State", "ENABLED")
        targets = sorted(params.get(TARGETS) or [], key=lambda t: str(t.get("Id")))
        result[TARGETS] = [{k: t[k] for k in _TARGET_FIELDS if t.get(k) not in (None, "")} for t in targets]
        return result

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        events = clients.client("events")
        for change in step:
            live_targets = [t["Id"] for t in (change.live.params.get(TARGETS) or [])] if change.live else []
            if change.action == Action.DELETE:
                if live_targets:
                    _entries_done(call(events.remove_targets, Rule=change.name, Ids=live_targets), "RemoveTargets")
                call(events.delete_rule, Name=change.name)
                continue
            resource = change.wanted()
            rule = {k: v for k, v in resource.params.items() if k != TARGETS}
            if change.config_changed:
                call(events.put_rule, **rule, Tags=tag_list(resource.tags))  # tags: see alarms.write
                targets = resource.params[TARGETS]
                _entries_done(call(events.put_targets, Rule=change.name, Targets=targets), "PutTargets")
                extra = sorted(set(live_targets) - {t["Id"] for t in targets})
                if extra:
                    _entries_done(call(events.remove_targets, Rule=change.name, Ids=extra), "RemoveTargets")
            if change.action == Action.UPDATE:
                sync_tags(call, events.tag_resource, events.untag_resource, "ResourceARN", change)

    def read_tags(self, clients: Clients, resource: LiveResource) -> dict[str, str]:
        return tag_dict(clients.client("events").list_tags_for_resource(ResourceARN=resource.arn)["Tags"])



def _entries_done(answer: Any, operation: str) -> None:
    """PutTargets and RemoveTargets answer 200 with the entries they failed (FailedEntryCount)."""
    failed = (answer or {}).get("FailedEntries") or []
    if (answer or {}).get("FailedEntryCount") or failed:
        raise WriteRejected(f"{operation}: " + "; ".join(f"{e.get('TargetId')}: {e.get('ErrorCode')} "
                                                         f"{e.get('ErrorMessage')}" for e in failed))
