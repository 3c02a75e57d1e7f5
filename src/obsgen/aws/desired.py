"""The resources one environment should have, keyed by address, built from the targets' params.

An address is `<kind>.<name>`: `metric_alarm.<alarm name>`, `composite_alarm.<alarm name>`,
`topic.<topic name>`, `subscription.<topic name>/<protocol>/<endpoint>`. The params are the very
dicts `targets/cloudwatch.py` and `targets/sns.py` write to generated/, so what is applied is
what `obsgen build` shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..conventions import alarm_arn
from ..model import CompositeAlarm, EnvironmentModel
from ..targets.cloudwatch import alarm_params
from ..targets.sns import subscribe_params, topic_params

TOPIC, SUBSCRIPTION, METRIC_ALARM, COMPOSITE_ALARM = "topic", "subscription", "metric_alarm", "composite_alarm"
DASHBOARD = "dashboard"  # `dashboard.<dashboard name>`, owned by name prefix (aws/dashboards.py)
ALARM_KINDS = (METRIC_ALARM, COMPOSITE_ALARM)
KINDS = (TOPIC, SUBSCRIPTION, METRIC_ALARM, COMPOSITE_ALARM, DASHBOARD)  # dependency order for creation


@dataclass(frozen=True, slots=True)
class Resource:
    """One desired resource: the API params that create it (without Tags) and its tags."""

    kind: str
    name: str
    arn: str
    params: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()  # alarm names a composite's rule references
    secret: bool = False  # the params hold a `{{resolve:...}}` placeholder (see secrets.py)

    @property
    def address(self) -> str:
        return address(self.kind, self.name)


def address(kind: str, name: str) -> str:
    return f"{kind}.{name}"


def subscription_name(topic_arn: str, protocol: str, endpoint: str) -> str:
    return f"{topic_arn.rsplit(':', 1)[-1]}/{protocol}/{endpoint}"


def _split_tags(params: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    rest = {k: v for k, v in params.items() if k != "Tags"}
    return rest, {t["Key"]: t["Value"] for t in params.get("Tags", [])}


def desired_resources(model: EnvironmentModel) -> dict[str, Resource]:
    found: list[Resource] = []
    for topic in model.topics:
        params, tags = _split_tags(topic_params(topic))
        found.append(Resource(TOPIC, topic.name, topic.arn, params, tags))
    for sub in model.subscriptions:
        params = {k: v for k, v in subscribe_params(sub).items() if k != "ReturnSubscriptionArn"}
        name = subscription_name(sub.topic_arn, sub.protocol, sub.endpoint)
        found.append(Resource(SUBSCRIPTION, name, "", params, secret=sub.secret))
    names = {a.ref: a.name for a in model.alarms()}
    for alarm, full_params in alarm_params(model):
        params, tags = _split_tags(full_params)
        arn = alarm_arn(model.region, model.account, alarm.name)
        if isinstance(alarm, CompositeAlarm):
            children = tuple(names[ref] for ref in alarm.children if ref in names)
            found.append(Resource(COMPOSITE_ALARM, alarm.name, arn, params, tags, depends_on=children))
        else:
            found.append(Resource(METRIC_ALARM, alarm.name, arn, params, tags))
    from . import dashboards  # (it imports this module)

    found += dashboards.desired(model)
    return {r.address: r for r in found}
