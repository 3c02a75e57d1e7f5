"""SNS subscriptions of the channels to the severities' topics.

Subscriptions carry no tags: obsgen owns a subscription when it owns its topic. A subscription is
identified by what it delivers where (topic, protocol, endpoint), so it is never updated, only
created and deleted. Its endpoint may be a secret (`{{resolve:...}}`, resolved in memory while
syncing) and is shown only when the spec writes it literally (secrets.shown_endpoint).
Reading: ListSubscriptionsByTopic per topic read (NextToken pages). Writing: Subscribe, Unsubscribe.
https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html
https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html
"""

from __future__ import annotations

from typing import Any

from ...model import EnvironmentModel
from ...targets.sns import subscribe_params
from ..paging import pages
from ..resources import Action, Change, FieldChange, Kind, LiveResource, LiveState, Resource, address, away
from ..secrets import shown_endpoint
from ..session import Clients
from .base import Call, Reading, SyncedKind

PENDING = "PendingConfirmation"  # SubscriptionArn of an unconfirmed email/https subscription
_FIELDS = ("TopicArn", "Protocol", "Endpoint")


def subscription_name(topic_arn: str, protocol: str, endpoint: str) -> str:
    return f"{topic_arn.rsplit(':', 1)[-1]}/{protocol}/{endpoint}"


def shown_endpoint_of(resource: Resource | LiveResource) -> str:
    """A subscription's endpoint as its address shows it: the placeholder of a secret, a literal
    endpoint of the spec, or a redacted live one (secrets.shown_endpoint)."""
    return resource.name.split("/", 2)[2]


class Subscriptions(SyncedKind):
    kinds = (Kind.SUBSCRIPTION,)

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        found = []
        for sub in model.subscriptions:
            params = {k: v for k, v in subscribe_params(sub).items() if k != "ReturnSubscriptionArn"}
            name = subscription_name(sub.topic_arn, sub.protocol, sub.endpoint)
            secret = (sub.endpoint, "Endpoint") if sub.secret else (None, None)
            found.append(Resource(Kind.SUBSCRIPTION, name, "", params, secret=secret[0], secret_field=secret[1],
                                  region=away(sub.region, model.region)))
        return found

    def read(self, reading: Reading) -> list[LiveResource]:
        """Per topic read before (topics come first in the registry); endpoints the spec does not
        write literally are redacted in the name."""
        literal = {(r.params["Protocol"], r.params["Endpoint"]) for r in reading.desired_of(Kind.SUBSCRIPTION)
                   if not r.secret}
        found = []
        for topic in reading.live_of(Kind.TOPIC):
            for page in pages(reading.clients.sns.list_subscriptions_by_topic, {"TopicArn": topic.arn}):
                for sub in page.get("Subscriptions", []):
                    params = {key: sub[key] for key in _FIELDS}
                    shown = shown_endpoint(sub["Endpoint"], sub["SubscriptionArn"],
                                           (sub["Protocol"], sub["Endpoint"]) in literal)
                    name = subscription_name(sub["TopicArn"], sub["Protocol"], shown)
                    found.append(LiveResource(Kind.SUBSCRIPTION, name, sub["SubscriptionArn"], params, None,
                                              topic.owned, region=reading.region))
        return found

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
        return {key: params[key] for key in _FIELDS if params.get(key) not in (None, "")}

    def identity(self, resource: Resource | LiveResource) -> tuple[str, ...]:
        p = resource.params
        return (Kind.SUBSCRIPTION, p["TopicArn"], p["Protocol"], p["Endpoint"])

    def conflict(self, resource: Resource, current: LiveResource | None, live: LiveState, adopt: bool) -> str:
        topic = live.resources.get(address(Kind.TOPIC, resource.params["TopicArn"].rsplit(":", 1)[-1], resource.region))
        if topic is not None and not topic.owned and not adopt:
            return "its topic exists but is not managed by obsgen"
        return ""

    def shown(self, resource: Resource | LiveResource, tags: dict[str, str] | None) -> dict[str, Any]:
        return {**self.normalize(resource.kind, resource.params), "Endpoint": shown_endpoint_of(resource)}

    def deletable(self, resource: LiveResource) -> bool:
        return resource.arn != PENDING  # an unconfirmed subscription has no ARN yet: Unsubscribe cannot name it

    def field_changes(self, before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
        return []  # the same identity is the same subscription: nothing else to change

    def sensitive(self, resource: Resource | LiveResource) -> list[tuple[str, str]]:
        if isinstance(resource, Resource):
            return super().sensitive(resource)
        shown = shown_endpoint_of(resource)
        return [(resource.params["Endpoint"], shown)] if shown != resource.params["Endpoint"] else []

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        change = step[0]
        if change.action == Action.DELETE:
            call(clients.sns.unsubscribe, SubscriptionArn=change.current().arn)
        else:
            call(clients.sns.subscribe, **change.wanted().params, ReturnSubscriptionArn=True)
