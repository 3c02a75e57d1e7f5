"""EventBridge target: event routes as PutRule / PutTargets parameters, `events/rules.json`:
`{"_generated": ..., "Rules": [PutRule params], "Targets": [PutTargets params]}`.

Each rule has one target, the severity's SNS topic, with an input transformer that turns the event
into the route's message (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html);
the topic's policy lets events.amazonaws.com publish (sns.py, topic policies).
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html
https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html
"""

from __future__ import annotations

from typing import Any

from ..model import EnvironmentModel, EventRoute
from .base import Rendered, dump_json, header

TARGET_ID = "obsgen-topic"  # Target.Id: 1-64 of [.-_A-Za-z0-9]


def render(model: EnvironmentModel) -> Rendered:
    if not model.event_routes:
        return Rendered({})
    content = {"_generated": header("monitors/"), "Rules": [rule_params(r) for r in model.event_routes],
               "Targets": [targets_params(r) for r in model.event_routes]}
    return Rendered({"events/rules.json": dump_json(content)})


def rule_params(route: EventRoute) -> dict[str, Any]:
    return {"Name": route.name, "EventPattern": route.pattern, "State": "ENABLED" if route.enabled else "DISABLED",
            "Description": route.summary[:512], "Tags": [{"Key": k, "Value": v} for k, v in route.tags]}


def targets_params(route: EventRoute) -> dict[str, Any]:
    target = {"Id": TARGET_ID, "Arn": route.severity.topic_arn,
              "InputTransformer": {"InputPathsMap": dict(route.input_paths), "InputTemplate": route.input_template}}
    return {"Rule": route.name, "Targets": [target]}
