"""`obsgen validate --env ENV --live`: does each alarm's topic reach a person? What only the account knows.

`resolve/reach.py` proves from the spec that every severity used by alarms has a channel; the account can
still leave such an alarm notifying nobody, in three ways this module reads (`reach_findings.py` judges):

- **Unconfirmed subscriptions.** An email, email-json, http or https endpoint (or one in another account)
  receives nothing until its owner confirms (API_Subscribe.html: "the endpoint owner must run the
  ConfirmSubscription action"); ListSubscriptionsByTopic lists it with SubscriptionArn
  "PendingConfirmation" (aws/kinds/subscriptions.PENDING). AWS deletes it after 48 hours unconfirmed
  (https://aws.amazon.com/about-aws/whats-new/2023/05/amazon-sns-automatic-deletion-unconfirmed-subscriptions/).
- **A key CloudWatch cannot use.** A topic encrypted with KMS (GetTopicAttributes `KmsMasterKeyId`)
  accepts CloudWatch's publish only if CloudWatch may use the key: "Use a customer managed key" whose
  policy allows `cloudwatch.amazonaws.com` `kms:Decrypt` and `kms:GenerateDataKey*`
  (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services);
  the AWS managed key `alias/aws/sns` never does: "The default AWS KMS key policy for Amazon SNS doesn't
  allow CloudWatch alarms to perform kms:Decrypt and kms:GenerateDataKey API calls", and its policy cannot
  be edited; the alarm history then says "CloudWatch Alarms does not have authorization to access the SNS
  topic encryption key" (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns).
- **A Lambda function SNS may not invoke.** A `lambda` subscription delivers only when the function's
  resource-based policy lets `sns.amazonaws.com` call `lambda:InvokeFunction`, usually for the topic's ARN
  (https://docs.aws.amazon.com/sns/latest/dg/sns-lambda-as-subscriber.html,
  https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html); otherwise, or when the
  function is gone, the delivery fails and SNS discards the message unless the subscription has a dead-letter
  queue (https://docs.aws.amazon.com/sns/latest/dg/sns-dead-letter-queues.html). `lambda_policy.py` judges
  the policy.

Read budget, for the T topics the environment's alarms publish to (each severity's topic in each region
with alarms of it, plus the SNS topics of severities' `actions:`), in each topic's region:
one `sns:GetTopicAttributes` per topic; `sns:ListSubscriptionsByTopic` per obsgen topic, following
NextToken (up to 100 subscriptions a page); and per distinct KMS key named by a `KmsMasterKeyId` other than
`alias/aws/sns` (which needs no call): one `kms:DescribeKey` (AWS or customer managed, enabled or not) and,
for an enabled customer managed key, one `kms:GetKeyPolicy`; per distinct Lambda function subscribed to an
obsgen topic (its ARN as SNS invokes it, with its version or alias), in the function's region, one
`lambda:GetPolicy`, and when that answers ResourceNotFoundException one `lambda:GetFunctionConfiguration` to tell
the two cases it means apart: botocore's lambda model gives GetPolicy that one error, "The resource specified in
the request does not exist", and AWS answers it both for a missing function and for one with no policy at all
(https://github.com/getmoto/moto/issues/7475). The example's `local` after an apply (two
topics in one region, not encrypted): 2 + 2 SNS calls, and 2 Lambda calls for its `slack` channel's one function
(measured against moto, which has no such function: GetPolicy and GetFunctionConfiguration both NotFound); 2 before
it (both topics NotFound). A topic that does not exist (never applied) is not read
further: creating it is what `obsgen plan` shows. A call the credentials may not make is a note saying
what was not checked and which permission it needs, not a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from botocore.exceptions import ClientError

from ..conventions import arn_in_region
from ..model import EnvironmentModel, Severity
from .deadline import Deadline
from .kinds.subscriptions import PENDING
from .paging import pages
from .session import Clients

AWS_MANAGED_KEY = "alias/aws/sns"  # sns-key-management.html: the AWS managed key for Amazon SNS
_DENIED = ("AccessDenied", "AccessDeniedException", "AuthorizationError")  # SNS answers AuthorizationError
_NOT_FOUND = ("NotFound", "NotFoundException")
_LAMBDA_NOT_FOUND = "ResourceNotFoundException"
LAMBDA = "lambda"  # the SNS protocol (API_Subscribe.html, Protocol)
# sns-lambda-as-subscriber.html: Lambda "allows event sources on unqualified ARNs (effectively $LATEST)"
_LATEST = ":$LATEST"


@dataclass(frozen=True, slots=True)
class Target:
    """A topic the environment's alarms publish to: a severity's own (obsgen's), or one of its `actions:`."""

    arn: str
    region: str
    severity: Severity
    alarms: tuple[str, ...]  # the alarms' names, sorted
    own: bool


@dataclass(frozen=True, slots=True)
class LiveSubscription:
    protocol: str
    endpoint: str  # never shown unless the spec writes it literally (reach_findings)
    confirmed: bool


@dataclass(frozen=True, slots=True)
class KeyFacts:
    """What KMS said of a topic's key; None where it was not read (AWS managed by its alias, or denied)."""

    aws_managed: bool | None = None
    state: str | None = None  # KeyState: Enabled, Disabled, PendingDeletion, ...; "missing" for NotFound
    policy: str | None = None  # the key policy's JSON


@dataclass(frozen=True, slots=True)
class FunctionFacts:
    """What Lambda said of a subscribed function. `state`: "policy" (read), "no-policy" (it exists without
    one), "missing" (no such function, version or alias), "absent" (one of those two: GetFunctionConfiguration
    was denied), "unknown" (GetPolicy denied)."""

    state: Literal["policy", "no-policy", "missing", "absent", "unknown"]
    policy: str | None = None  # the resource-based policy's JSON


@dataclass(slots=True)
class TopicFacts:
    exists: bool | None = True  # None: not known (GetTopicAttributes denied)
    key_id: str | None = None  # KmsMasterKeyId, as the topic names it
    subscriptions: list[LiveSubscription] | None = None  # None: not listed (not obsgen's, or denied)


@dataclass(slots=True)
class Reach:
    """What the account said of each target topic, and of their keys; notes on what could not be read."""

    targets: list[Target] = field(default_factory=list)
    topics: dict[str, TopicFacts] = field(default_factory=dict)  # by ARN
    keys: dict[tuple[str, str], KeyFacts] = field(default_factory=dict)  # by (region, key id)
    functions: dict[str, FunctionFacts] = field(default_factory=dict)  # by invoked_arn of the endpoint
    notes: list[str] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)  # by service


def targets(model: EnvironmentModel) -> list[Target]:
    """The topics alarms with actions publish to, in each alarm's region (an action is a topic of its region)."""
    found: dict[str, tuple[Severity, set[str], bool]] = {}
    for alarm in model.alarms():
        if not alarm.actions_enabled or getattr(alarm, "silent", False):
            continue
        own = arn_in_region(alarm.severity.topic_arn, alarm.region)
        for arn, is_own in [(own, True), *((a, False) for a in alarm.severity.extra_actions if ":sns:" in a)]:
            found.setdefault(arn, (alarm.severity, set(), is_own))[1].add(alarm.name)
    return [Target(arn, arn.split(":")[3], severity, tuple(sorted(names)), own)
            for arn, (severity, names, own) in sorted(found.items())]


def read_reach(model: EnvironmentModel, clients: Clients, deadline: Deadline | None = None) -> Reach:
    """The module's read budget: each target topic's attributes and (obsgen's) subscriptions, then each key."""
    reach = Reach(targets=targets(model))
    call = _Caller(clients, reach, deadline)
    for target in reach.targets:
        reach.topics[target.arn] = _read_topic(call, target, reach.notes)
    for target in reach.targets:
        key_id = reach.topics[target.arn].key_id
        if key_id and key_id != AWS_MANAGED_KEY and (target.region, key_id) not in reach.keys:
            reach.keys[(target.region, key_id)] = _read_key(call, target.region, key_id, reach.notes)
    _read_functions(model, call, reach)
    return reach


def _read_topic(call: _Caller, target: Target, notes: list[str]) -> TopicFacts:
    try:
        attributes = call("sns", target.region, "get_topic_attributes", TopicArn=target.arn)["Attributes"]
    except ClientError as exc:
        return _topic_unread(exc, target, notes)
    facts = TopicFacts(key_id=attributes.get("KmsMasterKeyId") or None)
    if target.own:
        try:
            facts.subscriptions = [
                LiveSubscription(s["Protocol"], s["Endpoint"], s["SubscriptionArn"] != PENDING)
                for page in pages(lambda **kw: call("sns", target.region, "list_subscriptions_by_topic", **kw),
                                  {"TopicArn": target.arn})
                for s in page.get("Subscriptions", [])]
        except ClientError as exc:
            _unread(exc, notes, f"the subscriptions of topic {target.arn} were not checked",
                    "sns:ListSubscriptionsByTopic")
    return facts


def _topic_unread(exc: ClientError, target: Target, notes: list[str]) -> TopicFacts:
    if exc.response["Error"]["Code"] in _NOT_FOUND:
        if not target.own:  # obsgen never creates another team's topic: plan will not make it appear
            notes.append(f"topic {target.arn} (an action of severity '{target.severity.name}') does not exist in "
                         "the account: alarms cannot publish to it")
        return TopicFacts(exists=False)
    _unread(exc, notes, f"topic {target.arn} was not checked (its encryption and subscriptions)",
            "sns:GetTopicAttributes")
    return TopicFacts(exists=None)


def _read_key(call: _Caller, topic_region: str, key_id: str, notes: list[str]) -> KeyFacts:
    region = key_id.split(":")[3] if key_id.startswith("arn:") else topic_region  # a key ARN names its region
    try:
        meta = call("kms", region, "describe_key", KeyId=key_id)["KeyMetadata"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] in _NOT_FOUND:
            return KeyFacts(state="missing")
        _unread(exc, notes, f"KMS key {key_id} was not checked", "kms:DescribeKey")
        return KeyFacts()
    facts = KeyFacts(aws_managed=meta.get("KeyManager") == "AWS", state=meta.get("KeyState"))
    if facts.aws_managed or facts.state != "Enabled":
        return facts
    try:  # "default" is a key policy's only name (API_GetKeyPolicy.html, PolicyName)
        policy = call("kms", region, "get_key_policy", KeyId=meta["Arn"], PolicyName="default")["Policy"]
    except ClientError as exc:
        _unread(exc, notes, f"the policy of KMS key {key_id} was not checked (it must allow "
                "cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*)", "kms:GetKeyPolicy")
        return facts
    return KeyFacts(False, facts.state, policy)


def invoked_arn(endpoint: str) -> str | None:
    """The function ARN SNS invokes for a `lambda` endpoint, as GetPolicy takes it (a version or alias kept,
    `$LATEST` as the unqualified function it is); None for anything that is not a Lambda function ARN."""
    parts = endpoint.split(":")
    if len(parts) not in (7, 8) or parts[0] != "arn" or parts[2] != LAMBDA or parts[5] != "function":
        return None
    return endpoint.removesuffix(_LATEST)


def named(model: EnvironmentModel, topic_arn: str, sub: LiveSubscription) -> str:
    """How a live subscription is named: its channel and literal endpoint, or without its endpoint (the rule of
    aws/secrets.py: an endpoint the spec does not write literally may be a secret)."""
    ours = [s for s in model.subscriptions if s.topic_arn == topic_arn and s.protocol == sub.protocol]
    for spec in ours:
        if not spec.secret and spec.endpoint == sub.endpoint:
            return f"channel '{spec.channel}', {sub.protocol} {sub.endpoint}"
    secret = sorted({s.channel for s in ours if s.secret})
    if secret:
        return f"{sub.protocol}, endpoint not shown: channel(s) {', '.join(repr(c) for c in secret)} have a secret one"
    return f"{sub.protocol}, endpoint not shown: no channel of the spec writes it"


def _read_functions(model: EnvironmentModel, call: _Caller, reach: Reach) -> None:
    for target in reach.targets:
        for sub in reach.topics[target.arn].subscriptions or []:
            arn = invoked_arn(sub.endpoint) if sub.protocol == LAMBDA else None
            if arn is not None and arn not in reach.functions:
                what = f"the Lambda function of topic {target.arn}'s subscription ({named(model, target.arn, sub)})"
                reach.functions[arn] = _read_function(call, arn, what, reach.notes)


def _read_function(call: _Caller, arn: str, what: str, notes: list[str]) -> FunctionFacts:
    region = arn.split(":")[3]  # the function's own region, which a topic may subscribe across
    try:
        return FunctionFacts("policy", call(LAMBDA, region, "get_policy", FunctionName=arn)["Policy"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != _LAMBDA_NOT_FOUND:
            _unread(exc, notes, f"{what} was not checked (its policy must let sns.amazonaws.com invoke it)",
                    "lambda:GetPolicy")
            return FunctionFacts("unknown")
    try:
        call(LAMBDA, region, "get_function_configuration", FunctionName=arn)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == _LAMBDA_NOT_FOUND:
            return FunctionFacts("missing")
        _unread(exc, notes, f"whether {what} exists was not checked (it has no policy, or does not exist)",
                "lambda:GetFunctionConfiguration")
        return FunctionFacts("absent")
    return FunctionFacts("no-policy")


def _unread(exc: ClientError, notes: list[str], what: str, permission: str) -> None:
    """A denied read becomes a note; anything else is the command's failure (the CLI says what AWS said)."""
    if exc.response["Error"]["Code"] not in _DENIED:
        raise exc
    notes.append(f"{what}: {exc.response['Error']['Code']} (the credentials need {permission})")


class _Caller:
    """One API call with the region's client, counted per service, within the command's deadline."""

    def __init__(self, clients: Clients, reach: Reach, deadline: Deadline | None):
        self._clients, self._reach, self._deadline = clients, reach, deadline

    def __call__(self, service: str, region: str, operation: str, **kwargs: Any) -> dict[str, Any]:
        self._reach.calls[service] = self._reach.calls.get(service, 0) + 1
        method: Callable[..., dict[str, Any]] = getattr(self._clients.client(service, region), operation)
        if self._deadline is None:
            return method(**kwargs)
        return self._deadline.run(lambda: method(**kwargs), f"{operation} in {region}")
