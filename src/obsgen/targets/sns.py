"""SNS target: one topic per severity and the channels' subscriptions, as CreateTopic / Subscribe params.

`sns/topics.json`: `{"Topics": [CreateTopic params], "Subscriptions": [Subscribe params]}`. Secret
endpoints stay `{{resolve:env:NAME}}` / `{{resolve:ssm:/name}}` placeholders, resolved at apply time.
https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
"""

from __future__ import annotations

import re
from typing import Any

from ..diagnostics import Diagnostic, error, shown
from ..model import EnvironmentModel, Subscription
from .base import Rendered, dump_json, header
from .topic_policy import topic_policies

_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_ENDPOINT_CHECKS = {
    "email": (re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), "an email address"),
    "email-json": (re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), "an email address"),
    "sms": (re.compile(r"^\+[1-9]\d{6,14}$"), "a phone number in E.164 form, such as +14155550100"),
    "https": (re.compile(r"^https://\S+$"), "an https:// URL"),
    "http": (re.compile(r"^http://\S+$"), "an http:// URL"),
    "lambda": (re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$"),
               "a Lambda function ARN"),
    "sqs": (re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$"), "an SQS queue ARN"),
}


def render(model: EnvironmentModel) -> Rendered:
    topics = [topic_params(t) for t in model.topics]
    subscriptions = sorted((subscribe_params(s) for s in model.subscriptions),
                           key=lambda p: (p["TopicArn"], p["Protocol"], p["Endpoint"]))
    # obsgen's statements of each topic's policy (the sync merges them into the policy the topic has)
    policies = [{"TopicArn": topic.arn, "Statements": statements} for topic, statements in topic_policies(model)]
    content = {"_generated": header("monitors/obsgen.yaml"), "Topics": topics, "Subscriptions": subscriptions,
               "TopicPolicies": policies}
    return Rendered({"sns/topics.json": dump_json(content)}, check(model))


def topic_params(topic: Any) -> dict[str, Any]:
    return {
        "Name": topic.name,
        "Attributes": {"DisplayName": topic.display_name},
        "Tags": [{"Key": k, "Value": v} for k, v in topic.tags],
    }


def subscribe_params(sub: Subscription) -> dict[str, Any]:
    return {"TopicArn": sub.topic_arn, "Protocol": sub.protocol, "Endpoint": sub.endpoint,
            "ReturnSubscriptionArn": True}


def check(model: EnvironmentModel) -> list[Diagnostic]:
    problems = []
    for topic in model.topics:
        if not _TOPIC_NAME.match(topic.name):
            problems.append(error(topic.origin.span(), "aws-limit", f"SNS topic name '{shown(topic.name)}' (severity {topic.severity}) must be "
                                  "1-256 letters, digits, '-' or '_'"))
    for sub in model.subscriptions:
        rule = _ENDPOINT_CHECKS.get(sub.protocol)
        if rule and not sub.secret and not rule[0].match(sub.endpoint):
            problems.append(error(sub.origin.span(), "bad-endpoint", f"channel '{sub.channel}' ({sub.protocol}) needs {rule[1]}, "
                                  f"found '{shown(sub.endpoint)}'"))
    return problems
