"""The statements of a severity topic's access policy that let AWS services publish to it
(targets/topic_policy.py: CloudWatch for alarms, EventBridge for event routes, Budgets for budgets).

A topic has one policy, shared with whoever else writes statements into it, so obsgen owns only the
statements whose Sid starts with `obsgen` (topic_policy.OBSGEN_SID), and only in topics it owns. It
compares those, and writes by reading the policy again, replacing its own statements and keeping
every other statement as it is (SNS's default statement, a team's cross-account grant), then
SetTopicAttributes Policy. A topic with none of obsgen's statements has no live resource of this
kind; "deleting" one removes obsgen's statements only.

Reading: nothing more -- the topics kind's GetTopicAttributes already returned each topic's Policy.
https://docs.aws.amazon.com/sns/latest/api/API_SetTopicAttributes.html
https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html
"""

from __future__ import annotations

import json
from typing import Any

from ...model import EnvironmentModel
from ...targets.topic_policy import POLICY_VERSION, is_obsgen, topic_policies
from ..resources import Action, Change, Kind, LiveResource, Resource, away
from ..session import Clients
from .base import Call, Reading, SyncedKind

POLICY = "Policy"  # the topic attribute holding the policy document (JSON text)
STATEMENTS = "Statements"


def statements_of(policy_text: str | None) -> list[Any]:
    try:
        policy = json.loads(policy_text or "{}")
    except ValueError:
        return []
    found = policy.get("Statement", []) if isinstance(policy, dict) else []
    return found if isinstance(found, list) else [found]


def merged(policy_text: str | None, ours: list[dict[str, Any]]) -> str:
    """The policy with obsgen's statements replaced by `ours`; everything else kept as it was."""
    try:
        policy = json.loads(policy_text or "{}")
    except ValueError:
        policy = {}
    if not isinstance(policy, dict):
        policy = {}
    kept = [s for s in statements_of(policy_text) if not is_obsgen(s)]
    return json.dumps({"Version": policy.get("Version", POLICY_VERSION), **({"Id": policy["Id"]} if "Id" in policy
                                                                            else {}),
                       "Statement": kept + ours}, separators=(",", ":"))


class TopicPolicies(SyncedKind):
    kinds = (Kind.TOPIC_POLICY,)

    def desired(self, model: EnvironmentModel) -> list[Resource]:
        # A topic's policy lives with the topic: in the topic's region (resolve/regions.py places
        # a severity's topic in every region that has its alarms).
        return [Resource(Kind.TOPIC_POLICY, topic.name, topic.arn, {"TopicArn": topic.arn, STATEMENTS: statements},
                         region=away(topic.region, model.region))
                for topic, statements in topic_policies(model)]

    def read(self, reading: Reading) -> list[LiveResource]:
        found = []
        for topic in reading.live_of(Kind.TOPIC):  # the topics kind read them in this region just before
            ours = [s for s in statements_of(topic.params.get(POLICY)) if is_obsgen(s)]
            if ours:
                found.append(LiveResource(Kind.TOPIC_POLICY, topic.name, topic.arn,
                                          {"TopicArn": topic.arn, STATEMENTS: ours}, None, topic.owned,
                                          region=reading.region))
        return found

    def normalize(self, kind: Kind, params: dict[str, Any]) -> dict[str, Any]:
        """obsgen's statements by Sid (one field each, so a plan names the statement that changed)."""
        result: dict[str, Any] = {"TopicArn": params.get("TopicArn")}
        for statement in sorted(params.get(STATEMENTS) or [], key=lambda s: str(s.get("Sid"))):
            result[f"statement {statement.get('Sid')}"] = {k: v for k, v in sorted(statement.items()) if k != "Sid"}
        return result

    def write(self, call: Call, clients: Clients, step: list[Change]) -> None:
        sns = clients.client("sns")  # the engine passes the clients of the step's region: the topics'
        for change in step:
            arn = (change.live or change.wanted()).arn
            current = call(sns.get_topic_attributes, TopicArn=arn)["Attributes"].get(POLICY)
            ours = [] if change.action == Action.DELETE else change.wanted().params[STATEMENTS]
            call(sns.set_topic_attributes, TopicArn=arn, AttributeName=POLICY, AttributeValue=merged(current, ours))
