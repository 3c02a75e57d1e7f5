"""Whether a Lambda function's resource-based policy lets an SNS topic invoke it. Pure: the policy's JSON in,
a verdict out (reach_findings.py turns it into a diagnostic).

SNS invokes a subscribed function only when the function's resource-based policy allows
`sns.amazonaws.com` `lambda:InvokeFunction`, usually with the condition `AWS:SourceArn` = the topic's ARN
(https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html: `add-permission
--principal sns.amazonaws.com --source-arn <topic>`; https://docs.aws.amazon.com/lambda/latest/dg/
access-control-resource-based.html). An AWS service principal gets no permission from IAM identity policies,
so a policy without such a statement is certain to refuse. A version's or alias's permission is its own
(https://docs.aws.amazon.com/lambda/latest/dg/using-aliases.html, "Resource policies"): a statement counts only
when its `Resource` is the ARN SNS invokes. Deny statements exist too (a policy written whole with
PutResourcePolicy, permissions-function-services.html) and win over any Allow.

Certainty decides the verdict: a statement is judged applicable, not applicable, or unknown (a condition
key or operator obsgen does not evaluate, `NotPrincipal`, `NotAction`, `NotResource`); an unknown never
becomes an error.
"""

from __future__ import annotations

import enum
import fnmatch
import json
from dataclasses import dataclass
from typing import Any

SNS = "sns.amazonaws.com"
INVOKE = "lambda:InvokeFunction"
_SOURCE_ARN, _SOURCE_ACCOUNT = "aws:sourcearn", "aws:sourceaccount"  # condition keys are case-insensitive
# Condition operators evaluated here, by whether they test equality or a `*`/`?` pattern; "Not" forms negate.
# ArnLike matches each colon-delimited part apart; one pattern over the whole ARN is as lenient or more, so it
# can only miss a finding, never make a wrong one.
_LIKE = {"arnlike", "stringlike"}
_EQUALS = {"arnequals", "stringequals"}


class Verdict(enum.Enum):
    ALLOWS = "allows"
    DENIES = "denies"  # a Deny statement applies
    NO_GRANT = "no-grant"  # no Allow statement applies
    UNSURE = "unsure"  # it depends on what obsgen cannot evaluate


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    why: str = ""  # what decided it, for the message: e.g. the SourceArn the only SNS statement names


def judge(policy_text: str, function_arn: str, topic_arn: str) -> Judgement:
    """Whether SNS topic `topic_arn` may invoke `function_arn` (the ARN SNS calls) under this policy."""
    try:
        statements = json.loads(policy_text).get("Statement", [])
    except (ValueError, AttributeError):
        return Judgement(Verdict.UNSURE, "its policy is not JSON obsgen can read")
    statements = [s for s in (statements if isinstance(statements, list) else [statements]) if isinstance(s, dict)]
    judged = [(s, _applies(s, function_arn, topic_arn)) for s in statements]
    deny = [(s, v) for s, v in judged if s.get("Effect") == "Deny"]
    allow = [(s, v) for s, v in judged if s.get("Effect") == "Allow"]
    if any(v is True for _, v in deny):
        return Judgement(Verdict.DENIES, "a Deny statement refuses sns.amazonaws.com lambda:InvokeFunction")
    unsure_deny = any(v is None for _, v in deny)
    if any(v is True for _, v in allow) and not unsure_deny:
        return Judgement(Verdict.ALLOWS)
    if unsure_deny or any(v is None for _, v in allow):
        return Judgement(Verdict.UNSURE, "a statement for it has a condition or a Not- element obsgen does not "
                         "evaluate")
    return Judgement(Verdict.NO_GRANT, _other_sources(s for s, _ in allow if _for_sns_invoke(s, function_arn)))


def _applies(statement: dict[str, Any], function_arn: str, topic_arn: str) -> bool | None:
    """True when the statement applies to SNS invoking the function for this topic, False when it does not,
    None when obsgen cannot tell."""
    if any(key in statement for key in ("NotPrincipal", "NotAction", "NotResource")):
        return None
    if not _for_sns_invoke(statement, function_arn):
        return False
    return _conditions(statement.get("Condition"), topic_arn)


def _for_sns_invoke(statement: dict[str, Any], function_arn: str) -> bool:
    principal = statement.get("Principal")
    if principal != "*" and not (isinstance(principal, dict) and (
            SNS in _strings(principal.get("Service")) or "*" in _strings(principal.get("AWS")))):
        return False
    if not any(fnmatch.fnmatchcase(INVOKE.lower(), a.lower()) for a in _strings(statement.get("Action"))):
        return False
    resources = _strings(statement.get("Resource")) or [function_arn]  # none written: the policy's own resource
    return any(fnmatch.fnmatchcase(function_arn, r) for r in resources)


def _conditions(block: object, topic_arn: str) -> bool | None:
    """All of a Condition block's tests together: False if one fails, None if one cannot be evaluated."""
    if block is None:
        return True
    if not isinstance(block, dict):
        return None
    results = [_test(op, key, values, topic_arn) for op, tests in block.items()
               for key, values in (tests.items() if isinstance(tests, dict) else [(None, None)])]
    return False if False in results else None if None in results else True


def _test(operator: str, key: str | None, values: object, topic_arn: str) -> bool | None:
    op = operator.lower().removesuffix("ifexists")  # SNS always sends both keys: IfExists changes nothing here
    negated = op.endswith("notlike") or op.endswith("notequals")
    base = op.replace("not", "", 1) if negated else op
    actual = {_SOURCE_ARN: topic_arn, _SOURCE_ACCOUNT: topic_arn.split(":")[4]}.get((key or "").lower())
    if actual is None or base not in _LIKE | _EQUALS or not _strings(values):
        return None
    match = any(fnmatch.fnmatchcase(actual, v) if base in _LIKE else actual == v for v in _strings(values))
    return match != negated


def _other_sources(statements: Any) -> str:
    """What the statements for SNS are limited to, when that is why none applies."""
    sources = sorted({v for s in statements if isinstance(s.get("Condition"), dict)
                      for tests in s["Condition"].values() if isinstance(tests, dict)
                      for key, values in tests.items() if key.lower() == _SOURCE_ARN for v in _strings(values)})
    if sources:
        return f"its statements for {SNS} name another topic (AWS:SourceArn {', '.join(sources)})"
    return f"no statement allowing {SNS} {INVOKE} on it applies to this topic"


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
