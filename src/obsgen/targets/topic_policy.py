"""The statements of a severity topic's access policy that let AWS services publish to it: CloudWatch
for the alarms whose actions name the topic, EventBridge for the event routes that target it, AWS
Budgets for the budgets that notify it.

obsgen owns exactly the statements whose Sid starts with `obsgen` (OBSGEN_SID); the sync keeps every
other statement of the topic's policy as it is (aws/kinds/topic_policies.py).
https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions
https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html
"""

from __future__ import annotations

from typing import Any

from ..conventions import arn_in_region, partition
from ..model import EnvironmentModel, Topic

OBSGEN_SID = "obsgen"  # every statement obsgen writes has a Sid starting with this, and no other does
POLICY_VERSION = "2012-10-17"


def topic_policies(model: EnvironmentModel) -> list[tuple[Topic, list[dict[str, Any]]]]:
    """(topic, obsgen's statements) of every topic something publishes to, in the model's topic order."""
    found = []
    for topic in model.topics:
        statements = publisher_statements(model, topic)
        if statements:
            found.append((topic, statements))
    return found


def publisher_statements(model: EnvironmentModel, topic: Topic) -> list[dict[str, Any]]:
    """A topic of another region (resolve/regions.py) is published to only by the alarms of its region:
    an alarm's actions name its severity's topic in the alarm's own region (targets/cloudwatch.py).
    Event routes and budgets notify the home topic."""
    region, account = topic.region, model.account
    p, home = partition(region), topic.region == model.region
    statements = []
    if any(arn_in_region(a.severity.topic_arn, a.region) == topic.arn for a in model.alarms()):
        statements.append(_statement("CloudWatch", "cloudwatch.amazonaws.com", topic.arn, {
            "ArnLike": {"aws:SourceArn": f"arn:{p}:cloudwatch:{region}:{account}:alarm:*"},
            "StringEquals": {"aws:SourceAccount": account}}))
    rules = sorted(r.arn for r in model.event_routes if home and r.severity.topic_arn == topic.arn)
    if rules:
        statements.append(_statement("EventBridge", "events.amazonaws.com", topic.arn,
                                     {"ArnEquals": {"aws:SourceArn": rules}}))
    if home and any(n.severity.topic_arn == topic.arn for b in model.budgets for n in b.notifications):
        statements.append(_statement("Budgets", "budgets.amazonaws.com", topic.arn, {
            "ArnLike": {"aws:SourceArn": f"arn:{p}:budgets::{account}:*"},
            "StringEquals": {"aws:SourceAccount": account}}))
    return statements


def _statement(who: str, service: str, topic_arn: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {"Sid": f"{OBSGEN_SID}{who}", "Effect": "Allow", "Principal": {"Service": service}, "Action": "sns:Publish",
            "Resource": topic_arn, "Condition": condition}


def is_obsgen(statement: Any) -> bool:
    return isinstance(statement, dict) and str(statement.get("Sid", "")).startswith(OBSGEN_SID)
