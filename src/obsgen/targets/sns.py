"""SNS target: one topic per severity and the channels' subscriptions, as CreateTopic / Subscribe params.

`sns/topics.json`: `{"Topics": [CreateTopic params], "Subscriptions": [Subscribe params]}`; the same
in `sns/<region>/topics.json` for every other region with alarms (their severities' topics, same names). Secret
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
    files = {}
    policies_by_region: dict[str, list[dict[str, Any]]] = {}
    for topic, statements in topic_policies(model):
        # obsgen's statements of each topic's policy (the sync merges them into the policy the topic has)
        policies_by_region.setdefault(topic.region, []).append({"TopicArn": topic.arn, "Statements": statements})
    for region in dict.fromkeys((model.region, *(t.region for t in model.topics))):  # home, then where alarms are
        topics = [topic_params(t) for t in model.topics if t.region == region]
        subscriptions = sorted((subscribe_params(s) for s in model.subscriptions if s.region == region),
                               key=lambda p: (p["TopicArn"], p["Protocol"], p["Endpoint"]))
        content = {"_generated": header("monitors/obsgen.yaml"), "Topics": topics, "Subscriptions": subscriptions,
                   "TopicPolicies": policies_by_region.get(region, [])}
        files[topics_file(model, region)] = dump_json(content)
    return Rendered(files, check(model))


def topics_file(model: EnvironmentModel, region: str) -> str:
    """`sns/topics.json` for the home region, `sns/<region>/topics.json` for each other region with alarms."""
    return "sns/topics.json" if region == model.region else f"sns/{region}/topics.json"


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
    for topic in (t for t in model.topics if t.region == model.region):  # the same names elsewhere
        if not _TOPIC_NAME.match(topic.name):
            problems.append(error(topic.origin.span(), "aws-limit", f"SNS topic name '{shown(topic.name)}' (severity {topic.severity}) must be "
                                  "1-256 letters, digits, '-' or '_'"))
    for sub in (s for s in model.subscriptions if s.region == model.region):
        rule = _ENDPOINT_CHECKS.get(sub.protocol)
        if rule and not sub.secret and not rule[0].match(sub.endpoint):
            problems.append(error(sub.origin.span(), "bad-endpoint", f"channel '{sub.channel}' ({sub.protocol}) needs {rule[1]}, "
                                  f"found '{shown(sub.endpoint)}'"))
    return problems
