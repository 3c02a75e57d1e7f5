"""CloudWatch's AlarmRule language: `ALARM("a") OR (OK(b) AND NOT INSUFFICIENT_DATA("c"))`, TRUE, FALSE.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html
(AlarmRule): functions ALARM / OK / INSUFFICIENT_DATA of an alarm name or ARN, quoted or not;
TRUE and FALSE; operators AND, OR, NOT; parentheses. The page gives no precedence between AND
and OR, so a level that mixes them without parentheses is refused (Unsupported) rather than
guessed; obsgen's own rules always parenthesise (composite_rule.render).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Union

from .errors import EvaluationError, Unsupported

_STATES = ("ALARM", "OK", "INSUFFICIENT_DATA")
_TOKEN = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|(?P<quoted>"[^"]*")|(?P<word>[^\s()"]+))')
MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class StateIs:
    alarm: str  # the alarm's name (an ARN is reduced to its name)
    state: str


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


@dataclass(frozen=True, slots=True)
class Not:
    operand: "RuleNode"


@dataclass(frozen=True, slots=True)
class All:
    operands: tuple["RuleNode", ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    operands: tuple["RuleNode", ...]


RuleNode = Union[StateIs, Const, Not, All, AnyOf]


def alarm_name(reference: str) -> str:
    """`arn:aws:cloudwatch:region:account:alarm:name` -> `name`; a name stays as it is."""
    if reference.startswith("arn:") and ":alarm:" in reference:
        return reference.split(":alarm:", 1)[1]
    return reference


def evaluate(rule: RuleNode, state_of: Callable[[str], str]) -> bool:
    if isinstance(rule, StateIs):
        return state_of(rule.alarm) == rule.state
    if isinstance(rule, Const):
        return rule.value
    if isinstance(rule, Not):
        return not evaluate(rule.operand, state_of)
    if isinstance(rule, All):
        return all(evaluate(op, state_of) for op in rule.operands)
    return any(evaluate(op, state_of) for op in rule.operands)


def alarms(rule: RuleNode) -> list[str]:
    """The alarm names the rule reads, in order, without repeats."""
    seen: dict[str, None] = {}
    stack = [rule]
    while stack:
        node = stack.pop()
        if isinstance(node, StateIs):
            seen.setdefault(node.alarm, None)
        elif isinstance(node, Not):
            stack.append(node.operand)
        elif isinstance(node, (All, AnyOf)):
            stack.extend(reversed(node.operands))
    return list(seen)


def parse(text: str) -> RuleNode:
    parser = _Parser(text)
    rule = parser.expression(0)
    if parser.pos < len(parser.tokens):
        raise EvaluationError(f"AlarmRule: unexpected {parser.tokens[parser.pos][1]!r}")
    return rule


class _Parser:
    def __init__(self, text: str):
        self.tokens: list[tuple[str, str]] = []
        index = 0
        while index < len(text) and text[index:].strip():
            match = _TOKEN.match(text, index)
            if match is None:  # pragma: no cover - the word alternative matches anything else
                raise EvaluationError(f"AlarmRule: cannot read {text[index:]!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            index = match.end()
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise EvaluationError("AlarmRule ends too early")
        self.pos += 1
        return token

    def expression(self, depth: int) -> RuleNode:
        if depth > MAX_DEPTH:
            raise EvaluationError(f"AlarmRule nests deeper than {MAX_DEPTH} levels")
        operands = [self.negation(depth)]
        operators = set()
        while (token := self.peek()) is not None and token[0] == "word" and token[1].upper() in ("AND", "OR"):
            operators.add(self.take()[1].upper())
            operands.append(self.negation(depth))
        if len(operators) > 1:
            raise Unsupported("AlarmRule mixing AND and OR without parentheses",
                              "CloudWatch documents no precedence between them")
        if not operators:
            return operands[0]
        return All(tuple(operands)) if operators == {"AND"} else AnyOf(tuple(operands))

    def negation(self, depth: int) -> RuleNode:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].upper() == "NOT":
            self.take()
            return Not(self.negation(depth + 1))
        return self.atom(depth)

    def atom(self, depth: int) -> RuleNode:
        kind, value = self.take()
        if kind == "open":
            inner = self.expression(depth + 1)
            self.expect("close")
            return inner
        word = value.upper()
        if kind == "word" and word in ("TRUE", "FALSE"):
            return Const(word == "TRUE")
        if kind == "word" and word in _STATES:
            self.expect("open")
            ref_kind, ref = self.take()
            if ref_kind not in ("quoted", "word"):
                raise EvaluationError(f"AlarmRule: {word}( needs an alarm name or ARN")
            self.expect("close")
            return StateIs(alarm_name(ref.strip('"')), word)
        raise EvaluationError(f"AlarmRule: expected ALARM(...), OK(...), INSUFFICIENT_DATA(...), TRUE, FALSE, "
                              f"NOT or '(', found {value!r}")

    def expect(self, kind: str) -> None:
        token = self.take()
        if token[0] != kind:
            raise EvaluationError(f"AlarmRule: expected {'(' if kind == 'open' else ')'}, found {token[1]!r}")
