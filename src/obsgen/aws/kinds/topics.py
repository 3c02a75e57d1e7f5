"""SNS topics, one per severity in every region that has alarms (an alarm's actions must be topics
of its own region): created with their tags, owned through them.

Reading: GetTopicAttributes per topic the spec names or the tagging scan found owned (a handful:
one per severity). Writing: CreateTopic (idempotent: it returns the existing topic's ARN),
SetTopicAttributes for a changed DisplayName, Tag/UntagResource, DeleteTopic.
https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
https://docs.aws.amazon.com/sns/latest/api/API_GetTopicAttributes.html
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from ...model import EnvironmentModel
from ...targets.sns import topic_params
from ..resources import Action, Change, Kind, LiveResource, Resource, away, split_tags, tag_dict, tag_list
from ..session import Clients
from .base import Call, Reading, SyncedKind, sync_tags

_NOT_FOUND = ("NotFound", "NotFoundException")


class Topics(SyncedKind):
    kinds = (Kind.TOPIC,)
    tag_type = "sns:topic"

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        found = []
        for topic in model.topics:
            params, tags = split_tags(topic_params(topic))
            found.append(Resource(Kind.TOPIC, topic.name, topic.arn, params, tags, region=away(topic.region, model.region)))
        return found

    def read(self, reading: Reading) -> list[LiveResource]:
        owned = reading.owned_tags
        arns = {r.arn for r in reading.desired_of(Kind.TOPIC)} | {a for a in owned if ":sns:" in a}
        found = []
        for arn in sorted(arns):
            try:
                attributes = reading.clients.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
            except ClientError as exc:
                if exc.response["Error"]["Code"] in _NOT_FOUND:
                    continue
                raise
            name = arn.rsplit(":", 1)[-1]
            params = {"Name": name, "Attributes": {"DisplayName": attributes.get("DisplayName", "")},
                      "Policy": attributes.get("Policy")}  # for kinds/topic_policies.py (not compared here)
            found.append(LiveResource(Kind.TOPIC, name, arn, params, owned.get(arn), arn in owned,
                                      region=reading.region))
        return found

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
        """Only the fields obsgen sets; DisplayName "" and absent are the same."""
        return {"Name": params.get("Name"),
                "Attributes": {"DisplayName": (params.get("Attributes") or {}).get("DisplayName", "")}}

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        change = step[0]
        sns = clients.sns
        if change.action == Action.DELETE:
            call(sns.delete_topic, TopicArn=change.current().arn)
            return
        resource = change.wanted()
        if change.action == Action.CREATE:
            call(sns.create_topic, **resource.params, Tags=tag_list(resource.tags))
            return
        live = change.current()
        for name, value in resource.params["Attributes"].items():
            if (live.params.get("Attributes") or {}).get(name, "") != value:
                call(sns.set_topic_attributes, TopicArn=live.arn, AttributeName=name, AttributeValue=value)
        sync_tags(call, sns.tag_resource, sns.untag_resource, "ResourceArn", change)

    def read_tags(self, clients: Clients, resource: LiveResource) -> dict[str, str]:
        return tag_dict(clients.sns.list_tags_for_resource(ResourceArn=resource.arn)["Tags"])
