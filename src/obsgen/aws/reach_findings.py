"""What `live_reach.read_reach` found, judged: located diagnostics at each severity's definition in the
project file (where resolve/reach.py puts its own). Pure: no AWS call here.

- `unconfirmed-subscription` (warning): the topic has subscriptions waiting for their recipient. Right
  after a first `obsgen apply` that is expected, and only the recipient can act (the confirmation
  message); with none confirmed the severity's alarms reach nobody meanwhile.
- `topic-key-blocks-alarms`: the topic's KMS key does not let CloudWatch publish. An error when that is
  certain (the AWS managed key, whose policy cannot change; a key that is missing or not enabled), a
  warning when only the key policy says so (a grant, which obsgen does not read, may still allow it).
- `lambda-subscriber-missing` (error): a `lambda` subscription names a function, version or alias that does
  not exist: SNS's deliveries to it fail and the channel hears nothing.
- `lambda-policy-blocks-sns`: the subscribed function's resource-based policy does not let the topic invoke
  it (lambda_policy.py). An error when that is certain (no policy, no statement that applies, a Deny that
  applies), a warning when it turns on what obsgen does not evaluate.

An endpoint is shown only when the spec writes it literally (as aws/secrets.py decides for plans); a
live endpoint that is not is never printed, nor a digest of it: the channels with a secret endpoint of
that protocol are named instead.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from ..diagnostics import Diagnostic, Span, error, warning
from ..model import EnvironmentModel
from .lambda_policy import INVOKE, SNS, Verdict, judge
from .live_reach import (AWS_MANAGED_KEY, LAMBDA, FunctionFacts, KeyFacts, LiveSubscription, Reach, Target,
                         invoked_arn, named)

UNCONFIRMED = "unconfirmed-subscription"
KEY = "topic-key-blocks-alarms"
LAMBDA_MISSING = "lambda-subscriber-missing"
LAMBDA_POLICY = "lambda-policy-blocks-sns"
CLOUDWATCH = "cloudwatch.amazonaws.com"
# sns-key-management.html#compatibility-with-aws-services: what the key policy must allow the service
NEEDED = ("kms:Decrypt", "kms:GenerateDataKey")
UNCONFIRMED_DAYS = 2  # deleted after 48 hours unconfirmed (live_reach.py's docstring cites AWS)
SHOWN = 3  # subscriptions named in one message; the rest are counted


def findings(model: EnvironmentModel, reach: Reach) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for target in reach.targets:
        facts = reach.topics.get(target.arn)
        if facts is None or not facts.exists:
            continue  # never applied: `obsgen plan` shows it; or not read (a note says why)
        span = severity_span(model, target.severity.name)
        if facts.subscriptions:
            found += _unconfirmed(model, target, facts.subscriptions, span)
            found += _lambdas(model, target, facts.subscriptions, reach.functions, span)
        if facts.key_id:
            found += _key(target, facts.key_id, reach.keys.get((target.region, facts.key_id)), span)
    return found


SERVICE_NAMES = {"sns": "SNS", "kms": "KMS", "lambda": "Lambda"}  # as AWS writes them in the line below


def summary(model: EnvironmentModel, reach: Reach) -> str:
    """One line: what was read, with how many calls, and what it found."""
    read = [reach.topics[t.arn] for t in reach.targets if t.arn in reach.topics]
    subs = [s for facts in read for s in facts.subscriptions or []]
    waiting = sum(1 for s in subs if not s.confirmed)
    regions = ", ".join(sorted({t.region for t in reach.targets})) or model.region
    calls = " and ".join(f"{n} {SERVICE_NAMES.get(service, service)}" for service, n in sorted(reach.calls.items())) or "no"
    missing = sum(1 for t in reach.targets if t.own and reach.topics[t.arn].exists is False)
    return (f"live: {len(reach.targets)} topic(s) the alarms publish to read in {model.account} {regions} with "
            f"{calls} call(s); {len(subs) - waiting} confirmed and {waiting} unconfirmed subscription(s), "
            f"{sum(1 for f in read if f.key_id)} encrypted topic(s)"
            + (f", {missing} not created yet (see `obsgen plan`)" if missing else ""))


def severity_span(model: EnvironmentModel, severity: str) -> Span:
    """The severity's key under `severities:` in the project file: every topic's origin is in that document
    (a severity sharing another's topic has no topic of its own, so any topic's document is used)."""
    return model.topics[0].origin.doc.span(("severities", severity), at_key=True)


def _unconfirmed(model: EnvironmentModel, target: Target, subs: list[LiveSubscription], span: Span) -> list[Diagnostic]:
    waiting = [s for s in subs if not s.confirmed]
    if not waiting:
        return []
    confirmed = len(subs) - len(waiting)
    names = [named(model, target.arn, s) for s in waiting]
    listed = "; ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")
    head = f"severity '{target.severity.name}': topic {_topic(target)} has {len(waiting)} unconfirmed subscription(s) ({listed})"
    if confirmed == 0:
        impact = (f"and none confirmed: its {_alarms(target)} reach nobody until a recipient confirms. This is "
                  "expected right after the first `obsgen apply`: AWS sent each endpoint a confirmation message")
    else:
        impact = f"besides {confirmed} confirmed: they receive nothing until confirmed from AWS's confirmation message"
    return [warning(span, UNCONFIRMED, f"{head} {impact}; AWS deletes a subscription left unconfirmed for "
                    f"{UNCONFIRMED_DAYS} days (48 hours), and the next `obsgen apply` subscribes it again")]


def _lambdas(model: EnvironmentModel, target: Target, subs: list[LiveSubscription],
             functions: dict[str, FunctionFacts], span: Span) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for sub in subs:
        arn = invoked_arn(sub.endpoint) if sub.protocol == LAMBDA else None
        facts = functions.get(arn) if arn else None
        if arn is None or facts is None or facts.state == "unknown":
            continue  # not a function ARN, or not read (a note says which permission was missing)
        head = (f"severity '{target.severity.name}': topic {_topic(target)} delivers to a Lambda function "
                f"({named(model, target.arn, sub)})")
        impact = (f"SNS's deliveries to it fail and are discarded, so its {_alarms(target)} notify nobody on that "
                  "channel")
        if facts.state == "missing":
            found.append(error(span, LAMBDA_MISSING, f"{head} that does not exist (no such function, version or "
                               f"alias in its account and region): {impact}; subscribe the channel to the function "
                               "that exists, or create it"))
        elif (diagnostic := _lambda_policy(target, facts, arn, head, impact, span)) is not None:
            found.append(diagnostic)
    return found


def _lambda_policy(target: Target, facts: FunctionFacts, arn: str, head: str, impact: str,
                   span: Span) -> Diagnostic | None:
    fix = (f"add a permission for {SNS} {INVOKE} with AWS:SourceArn {target.arn} (`aws lambda add-permission "
           f"--principal {SNS} --action {INVOKE} --source-arn {target.arn}` on the function; "
           "https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html)")
    if facts.state in ("no-policy", "absent"):
        which = "has no resource-based policy" if facts.state == "no-policy" else \
            "does not exist or has no resource-based policy (Lambda's GetPolicy found none)"
        return error(span, LAMBDA_POLICY, f"{head} which {which}, so SNS may not invoke it: {impact}; {fix}")
    verdict = judge(facts.policy or "", arn, target.arn)
    if verdict.verdict is Verdict.ALLOWS:
        return None
    if verdict.verdict is Verdict.UNSURE:
        return warning(span, LAMBDA_POLICY, f"{head} whose resource-based policy obsgen cannot tell lets this topic "
                       f"invoke it ({verdict.why}): if it does not, {impact}; check the policy, or {fix}")
    return error(span, LAMBDA_POLICY, f"{head} whose resource-based policy does not let this topic invoke it "
                 f"({verdict.why}): {impact}; {fix}")


def _key(target: Target, key_id: str, key: KeyFacts | None, span: Span) -> list[Diagnostic]:
    fix = (f"encrypt it with a customer managed key whose policy allows {CLOUDWATCH} kms:Decrypt and "
           "kms:GenerateDataKey* (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"
           "#compatibility-with-aws-services), or turn its encryption off")
    head = f"severity '{target.severity.name}': {'' if target.own else 'action '}topic {_topic(target)} is encrypted with"
    impact = f"its {_alarms(target)} go to ALARM and notify nobody"
    if key_id == AWS_MANAGED_KEY or (key is not None and key.aws_managed):
        return [error(span, KEY, f"{head} the AWS managed key {key_id}, which CloudWatch may not use (its policy "
                      f"cannot be changed): {impact}; {fix}")]
    if key is None or (key.state is None and key.policy is None):
        return []  # not read: a note says which permission was missing
    if key.state != "Enabled":
        return [error(span, KEY, f"{head} KMS key {key_id}, which is {key.state or 'unknown'} in KMS: SNS cannot "
                      f"encrypt with it, so {impact}; enable the key or {fix}")]
    if key.policy is not None and not allows_cloudwatch(key.policy):
        return [warning(span, KEY, f"{head} KMS key {key_id}, whose key policy has no statement allowing {CLOUDWATCH} "
                        f"kms:Decrypt and kms:GenerateDataKey*: unless a grant allows it, {impact}; add that "
                        "statement to the key policy (sns-key-management.html#compatibility-with-aws-services)")]
    return []


def allows_cloudwatch(policy_text: str) -> bool:
    """Whether some Allow statement of the key policy gives CloudWatch both actions. Conditions are not
    evaluated and a statement that could apply counts (`*` principals, NotAction, NotPrincipal): a warning
    must not be wrong, so only a policy that plainly leaves CloudWatch out is reported."""
    try:
        statements = json.loads(policy_text).get("Statement", [])
    except (ValueError, AttributeError):
        return True  # unreadable here: not a finding
    statements = statements if isinstance(statements, list) else [statements]
    allowed = [s for s in statements if isinstance(s, dict) and s.get("Effect") == "Allow" and _for_cloudwatch(s)]
    return all(any(_covers(s, action) for s in allowed) for action in NEEDED)


def _for_cloudwatch(statement: dict[str, Any]) -> bool:
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    return CLOUDWATCH in _strings(principal.get("Service")) or "*" in _strings(principal.get("AWS"))


def _covers(statement: dict[str, Any], action: str) -> bool:
    if "NotAction" in statement:
        return True
    return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in _strings(statement.get("Action")))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _topic(target: Target) -> str:
    return f"{target.arn.rsplit(':', 1)[-1]} ({target.region})"


def _alarms(target: Target) -> str:
    names = ", ".join(target.alarms[:SHOWN]) + (f" and {len(target.alarms) - SHOWN} more" if len(target.alarms) > SHOWN else "")
    return f"{len(target.alarms)} CloudWatch alarm(s) ({names})"
