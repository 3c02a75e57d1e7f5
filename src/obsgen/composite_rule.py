"""The composite-alarm rule language: `api-errors or (lambda-errors and not ok(db/health))`.

Parsed into a small tree whose leaves name monitors; the CloudWatch target renders it as an
AlarmRule (`ALARM("name") OR (...)`). Errors carry the character offset so the diagnostic can
point inside the rule string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Union

from .diagnostics import shown

STATES = {"alarm": "ALARM", "ok": "OK", "insufficient_data": "INSUFFICIENT_DATA"}
# Words are read greedily (names, keywords, state functions) and checked afterwards. Group 1: a token;
# group 2: the first character that starts none (\s is str.isspace(), as str.strip() uses).
_TOKEN = re.compile(r"\s*(?:(\(|\)|[A-Za-z0-9_][A-Za-z0-9_-]*(?:/[A-Za-z0-9_-]+)?)|(\S))")
_KEYWORDS = {"and", "or", "not"}
_MONITOR = re.compile(r"[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)?")  # a monitor's name, 'service/monitor' for another's
MAX_DEPTH = 32


@dataclass(frozen=True, slots=True)
class Ref:
    target: str  # 'monitor' or 'service/monitor', as written
    state: str  # ALARM / OK / INSUFFICIENT_DATA
    offset: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: "Rule"


@dataclass(frozen=True, slots=True)
class AllOf:
    operands: tuple["Rule", ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    operands: tuple["Rule", ...]


Rule = Union[Ref, Not, AllOf, AnyOf]


class RuleSyntaxError(ValueError):
    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


def parse(text: str) -> Rule:
    parser = _Parser(text)
    rule = parser.disjunction(0)
    if (left := parser.peek()) is not None:
        word, offset = left
        raise RuleSyntaxError(f"unexpected '{shown(word)}' in rule", offset)
    return rule


def refs(rule: Rule) -> list[Ref]:
    if isinstance(rule, Ref):
        return [rule]
    if isinstance(rule, Not):
        return refs(rule.operand)
    return [r for operand in rule.operands for r in refs(operand)]


def truth_values(rule: Rule, child: Callable[[Ref], str], budget: int = 2_000) -> frozenset[bool] | None:
    """The values the rule takes over every combination of its children's states, each child in exactly
    one of ALARM, OK and INSUFFICIENT_DATA: {False} for a rule that can never be true (`a and not a`:
    the composite never goes to ALARM), {True} for one that always is. `child` names a reference's alarm,
    so that 'a' and 'service/a' are one child. A search that simplifies as it assigns, so a rule of
    many children is decided long before 3^n cases; None past `budget` steps (never guessed): each
    step reads the whole rule, so a hostile rule of 100 children costs ~0.05 s at most."""
    order = list(dict.fromkeys(child(ref) for ref in refs(rule)))
    # the answer does not depend on the alarms' names, only on the rule's shape: `a or (b and not a)` in one
    # service is `x or (y and not x)` in the next, decided once (a project repeats a few shapes 1,000 times)
    position = {name: str(n) for n, name in enumerate(order)}
    shape = (render(rule, lambda ref: position[child(ref)]), budget)
    if shape in _DECIDED:
        return _DECIDED[shape]
    if len(_DECIDED) >= MAX_DECIDED:
        _DECIDED.clear()
    _DECIDED[shape] = decided = _search(rule, child, order, budget)
    return decided


MAX_DECIDED = 4096
_DECIDED: dict[tuple[str, int], frozenset[bool] | None] = {}


def _search(rule: Rule, child: Callable[[Ref], str], order: list[str], budget: int) -> frozenset[bool] | None:
    found: set[bool] = set()
    steps = 0

    def search(assigned: dict[str, str]) -> bool:
        nonlocal steps
        steps += 1
        if steps > budget:
            return False
        value = _value(rule, assigned, child)
        if value is not None:
            found.add(value)
            return len(found) < 2
        name = next(n for n in order if n not in assigned)
        return all(search({**assigned, name: state}) for state in STATES.values())

    search({})
    return frozenset(found) if steps <= budget else None


def _value(rule: Rule, assigned: dict[str, str], child: Callable[[Ref], str]) -> bool | None:
    """The rule's value under a partial assignment of states, None while it depends on the rest."""
    if isinstance(rule, Ref):
        state = assigned.get(child(rule))
        return None if state is None else state == rule.state
    if isinstance(rule, Not):
        inner = _value(rule.operand, assigned, child)
        return None if inner is None else not inner
    deciding = isinstance(rule, AnyOf)  # the operand value that decides: True for or, False for and
    undecided = False
    for operand in rule.operands:
        value = _value(operand, assigned, child)
        if value is deciding:
            return deciding
        undecided = undecided or value is None
    return None if undecided else not deciding


# A rendered CloudWatch AlarmRule names its children as ALARM("name"), OK(name), or by ARN.
ALARM_RULE_REF = re.compile(r'\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"([^"]*)"|([^\s()"]+))\s*\)')


def alarm_rule_references(alarm_rule: str) -> list[str]:
    """Alarm names or ARNs an AlarmRule (CloudWatch's syntax, as AWS returns it) references, in order."""
    return [quoted or bare for quoted, bare in ALARM_RULE_REF.findall(alarm_rule or "")]


def alarm_rule_elements(alarm_rule: str) -> int:
    """What CloudWatch counts toward an AlarmRule's 500 elements: "child alarms, TRUE or FALSE
    statements, and parentheses" (PutCompositeAlarm.AlarmRule in botocore's model); a child's own
    ALARM("...") parentheses are part of the child."""
    rest = ALARM_RULE_REF.sub(" ", alarm_rule)
    return (len(ALARM_RULE_REF.findall(alarm_rule)) + len(re.findall(r"\b(?:TRUE|FALSE)\b", rest))
            + rest.count("(") + rest.count(")"))


def render(rule: Rule, name_of: Callable[[Ref], str]) -> str:
    """CloudWatch AlarmRule syntax; nested groups are parenthesised so precedence never matters."""
    if isinstance(rule, Ref):
        return f'{rule.state}("{name_of(rule)}")'
    if isinstance(rule, Not):
        inner = render(rule.operand, name_of)
        return f"NOT {inner}" if isinstance(rule.operand, (Ref, Not)) else f"NOT ({inner})"
    joiner = " AND " if isinstance(rule, AllOf) else " OR "
    parts = [render(op, name_of) if isinstance(op, (Ref, Not)) else f"({render(op, name_of)})" for op in rule.operands]
    return joiner.join(parts)


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = self._tokenize(text)
        self.pos = 0

    @staticmethod
    def _tokenize(text: str) -> list[tuple[str, int]]:
        tokens = []
        for match in _TOKEN.finditer(text):  # each match is a token or a stray character; trailing blanks match none
            token, stray = match.groups()
            if stray is not None:
                raise RuleSyntaxError(f"unexpected character '{shown(stray)}' in rule", match.start(2))
            tokens.append((token, match.start(1)))
        return tokens

    def peek(self) -> tuple[str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, int]:
        token = self.peek()
        if token is None:
            raise RuleSyntaxError("rule ends too early: expected a monitor name or '('", len(self.text))
        self.pos += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0].lower() == word:
            self.pos += 1
            return True
        return False

    def disjunction(self, depth: int) -> Rule:
        operands = [self.conjunction(depth)]
        while self.keyword("or"):
            operands.append(self.conjunction(depth))
        return operands[0] if len(operands) == 1 else AnyOf(tuple(operands))

    def conjunction(self, depth: int) -> Rule:
        operands = [self.negation(depth)]
        while self.keyword("and"):
            operands.append(self.negation(depth))
        return operands[0] if len(operands) == 1 else AllOf(tuple(operands))

    def negation(self, depth: int) -> Rule:
        if depth > MAX_DEPTH:
            raise RuleSyntaxError(f"rule nests deeper than {MAX_DEPTH} levels", self.take()[1])
        if self.keyword("not"):
            return Not(self.negation(depth + 1))
        return self.atom(depth)

    def atom(self, depth: int) -> Rule:
        word, offset = self.take()
        if word == "(":
            inner = self.disjunction(depth + 1)
            self.expect(")")
            return inner
        if word == ")" or word.lower() in _KEYWORDS:
            raise RuleSyntaxError(f"expected a monitor name or '(', found '{shown(word)}'", offset)
        if word.lower() in STATES and (following := self.peek()) is not None and following[0] == "(":
            self.take()
            target, target_offset = self.take()
            if not _MONITOR.fullmatch(target):
                raise RuleSyntaxError(f"expected a monitor name, found '{shown(target)}'", target_offset)
            self.expect(")")
            return Ref(target, STATES[word.lower()], target_offset)
        if not _MONITOR.fullmatch(word):
            raise RuleSyntaxError(f"expected a monitor name, found '{shown(word)}'", offset)
        return Ref(word, "ALARM", offset)

    def expect(self, symbol: str) -> None:
        token = self.peek()
        if token is None or token[0] != symbol:
            offset = token[1] if token else len(self.text)
            raise RuleSyntaxError(f"expected '{symbol}'", offset)
        self.pos += 1
