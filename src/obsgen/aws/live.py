"""Read what one environment has in AWS, in as few calls as the APIs allow.

* Ownership and tags: one Resource Groups Tagging API scan (GetResources, 100 per page) for
  everything tagged `obsgen:project=P, obsgen:env=E` -- instead of a ListTagsForResource per alarm.
  https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html
* Alarms: DescribeAlarms with up to 100 names per call (desired names + owned names), following
  NextToken with MaxRecords=100. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
* Topics: GetTopicAttributes per topic, subscriptions: ListSubscriptionsByTopic per existing topic
  (one topic per severity, so a handful of calls).
So N alarms cost 2*ceil(N/100) calls plus a few for SNS.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from botocore.exceptions import ClientError

from ..composite_rule import alarm_rule_references
from ..conventions import TAG_ENV, TAG_PROJECT
from .secrets import shown_endpoint
from .desired import COMPOSITE_ALARM, METRIC_ALARM, SUBSCRIPTION, TOPIC, Resource, address, subscription_name

PAGE = 100  # DescribeAlarms MaxRecords and AlarmNames, GetResources ResourcesPerPage: at most 100
PENDING = "PendingConfirmation"  # SubscriptionArn of an unconfirmed email/https subscription


@dataclass(slots=True)
class LiveResource:
    kind: str
    name: str
    arn: str
    params: dict[str, Any]  # as AWS describes it (normalise before comparing)
    tags: dict[str, str] | None  # None: not read (a resource obsgen does not own)
    owned: bool
    depends_on: tuple[str, ...] = ()

    @property
    def address(self) -> str:
        return address(self.kind, self.name)


@dataclass(slots=True)
class LiveState:
    resources: dict[str, LiveResource] = field(default_factory=dict)

    def add(self, resource: LiveResource) -> None:
        self.resources[resource.address] = resource


def rule_children(rule: str) -> tuple[str, ...]:
    """Alarm names (or the name part of ARNs) an AlarmRule references."""
    refs = alarm_rule_references(rule)
    return tuple(dict.fromkeys(ref.rsplit(":alarm:", 1)[-1] for ref in refs))


def read_live(clients: Any, project: str, env: str, desired: dict[str, Resource]) -> LiveState:
    owned_tags = _owned_tags(clients.tagging, project, env)
    state = LiveState()
    _read_alarms(clients.cloudwatch, desired, owned_tags, state)
    _read_topics(clients.sns, desired, owned_tags, state)
    _read_subscriptions(clients.sns, state, literal_endpoints(desired))
    from . import dashboards  # (it imports this module)

    dashboards.read(clients.cloudwatch, project, env, state)
    return state


def _owned_tags(tagging: Any, project: str, env: str) -> dict[str, dict[str, str]]:
    """ARN -> tags of every alarm and topic carrying this project's and environment's ownership tags."""
    filters = [{"Key": TAG_PROJECT, "Values": [project]}, {"Key": TAG_ENV, "Values": [env]}]
    kwargs = {"TagFilters": filters, "ResourceTypeFilters": ["cloudwatch:alarm", "sns:topic"], "ResourcesPerPage": PAGE}
    found: dict[str, dict[str, str]] = {}
    for page in _pages(tagging.get_resources, kwargs, "PaginationToken", "PaginationToken"):
        for item in page.get("ResourceTagMappingList", []):
            found[item["ResourceARN"]] = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
    return found


def _pages(call: Any, kwargs: dict[str, Any], token_in: str, token_out: str) -> Iterable[dict[str, Any]]:
    """Follow a pagination token until the service stops returning one."""
    while True:
        page = call(**kwargs)
        yield page
        token = page.get(token_out)
        if not token:
            return
        kwargs = {**kwargs, token_in: token}


def _read_alarms(cw: Any, desired: dict[str, Resource], owned: dict[str, dict[str, str]], state: LiveState) -> None:
    wanted = {r.name for r in desired.values() if r.kind in (METRIC_ALARM, COMPOSITE_ALARM)}
    wanted |= {arn.split(":alarm:", 1)[1] for arn in owned if ":alarm:" in arn}
    names = sorted(wanted)
    for start in range(0, len(names), PAGE):
        kwargs = {"AlarmNames": names[start:start + PAGE], "AlarmTypes": ["MetricAlarm", "CompositeAlarm"],
                  "MaxRecords": PAGE}
        for page in _pages(cw.describe_alarms, kwargs, "NextToken", "NextToken"):
            for kind, key in ((METRIC_ALARM, "MetricAlarms"), (COMPOSITE_ALARM, "CompositeAlarms")):
                for alarm in page.get(key, []):
                    arn = alarm["AlarmArn"]
                    children = rule_children(alarm.get("AlarmRule", "")) if kind == COMPOSITE_ALARM else ()
                    state.add(LiveResource(kind, alarm["AlarmName"], arn, alarm, owned.get(arn), arn in owned,
                                           children))


def _read_topics(sns: Any, desired: dict[str, Resource], owned: dict[str, dict[str, str]], state: LiveState) -> None:
    arns = {r.arn for r in desired.values() if r.kind == TOPIC} | {a for a in owned if ":sns:" in a}
    for arn in sorted(arns):
        try:
            attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NotFound", "NotFoundException"):
                continue
            raise
        name = arn.rsplit(":", 1)[-1]
        params = {"Name": name, "Attributes": {"DisplayName": attributes.get("DisplayName", "")}}
        state.add(LiveResource(TOPIC, name, arn, params, owned.get(arn), arn in owned))


def literal_endpoints(desired: dict[str, Resource]) -> set[tuple[str, str]]:
    """(protocol, endpoint) of the subscriptions the spec writes out: the only live endpoints shown."""
    return {(r.params["Protocol"], r.params["Endpoint"]) for r in desired.values()
            if r.kind == SUBSCRIPTION and not r.secret}


def _read_subscriptions(sns: Any, state: LiveState, literal: set[tuple[str, str]]) -> None:
    """Subscriptions have no tags: they belong to obsgen when their topic does. Their endpoints are
    redacted in the name unless the spec has them literally (secrets.shown_endpoint)."""
    for topic in [r for r in state.resources.values() if r.kind == TOPIC]:
        kwargs = {"TopicArn": topic.arn}
        for page in _pages(sns.list_subscriptions_by_topic, kwargs, "NextToken", "NextToken"):
            for sub in page.get("Subscriptions", []):
                params = {"TopicArn": sub["TopicArn"], "Protocol": sub["Protocol"], "Endpoint": sub["Endpoint"]}
                shown = shown_endpoint(sub["Endpoint"], sub["SubscriptionArn"],
                                       (sub["Protocol"], sub["Endpoint"]) in literal)
                name = subscription_name(sub["TopicArn"], sub["Protocol"], shown)
                state.add(LiveResource(SUBSCRIPTION, name, sub["SubscriptionArn"], params, None, topic.owned))


def read_tags(clients: Any, resource: LiveResource) -> dict[str, str]:
    """Tags of one resource obsgen does not own yet (only needed to adopt it)."""
    if resource.kind == TOPIC:
        tags = clients.sns.list_tags_for_resource(ResourceArn=resource.arn)["Tags"]
    else:
        tags = clients.cloudwatch.list_tags_for_resource(ResourceARN=resource.arn)["Tags"]
    return {t["Key"]: t["Value"] for t in tags}
