"""Metric-math expressions -> a small tree.

Syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
("Metric math syntax and functions"): ids start with a lowercase letter, functions are written in
uppercase, `+ - * / ^`, unary minus, comparisons `== != <= >= < >`, `AND`/`&&`, `OR`/`||`,
arrays `[m1, m2]`, strings for METRICS("filter"), REPEAT/LINEAR for FILL.

The page gives no operator precedence; the evaluator uses the usual one, loosest first:
OR, AND, comparisons, + -, * /, unary minus, ^ (right-associative, so -2^2 is -4).

A function the evaluator does not implement is refused here, before any data is read, with
`Unsupported` naming it; a Metrics Insights query (SELECT ...) likewise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from .errors import MathSyntaxError, Unsupported

# What math_eval.py implements. Anything else written as NAME( is Unsupported.
IMPLEMENTED = frozenset({
    "ABS", "AVG", "CEIL", "DATAPOINT_COUNT", "DIFF", "DIFF_TIME", "FILL", "FIRST", "FLOOR", "IF", "LAST",
    "LOG", "LOG10", "MAX", "METRIC_COUNT", "METRICS", "MIN", "PERIOD", "RATE", "REMOVE_EMPTY",
    "RUNNING_SUM", "SQRT", "STDDEV", "SUM",
})
# Named with the reason in the error; other unknown NAME( are Unsupported too, as "not implemented".
NOT_MODELLED = {
    "ANOMALY_DETECTION_BAND": "needs CloudWatch's trained anomaly-detection model",
    "SEARCH": "needs the account's metric catalogue (and alarms cannot use SEARCH)",
    "SERVICE_QUOTA": "needs the account's Service Quotas",
    "INSIGHT_RULE_METRIC": "needs Contributor Insights rule data",
    "LAMBDA": "runs a Lambda function",
    "MINUTE": "time functions are not implemented", "HOUR": "time functions are not implemented",
    "DAY": "time functions are not implemented", "DATE": "time functions are not implemented",
    "MONTH": "time functions are not implemented", "YEAR": "time functions are not implemented",
    "EPOCH": "time functions are not implemented",
    "SORT": "not implemented", "SLICE": "not implemented", "TIME_SERIES": "not implemented",
}
KEYWORDS = frozenset({"REPEAT", "LINEAR"})

_TOKENS = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<id>[a-z][A-Za-z0-9_]*)
  | (?P<name>[A-Z][A-Z0-9_]*)
  | (?P<string>"[^"]*"|'[^']*'|“[^”]*”)
  | (?P<op>==|!=|<=|>=|&&|\|\||[-+*/^<>(),\[\]])
""", re.VERBOSE)


@dataclass(frozen=True, slots=True)
class Num:
    value: float


@dataclass(frozen=True, slots=True)
class Ref:
    id: str
    offset: int


@dataclass(frozen=True, slots=True)
class Str:
    text: str


@dataclass(frozen=True, slots=True)
class Keyword:
    name: str


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple["Node", ...]
    offset: int


@dataclass(frozen=True, slots=True)
class Array:
    items: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class Unary:
    op: str
    operand: "Node"


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # + - * / ^ == != < <= > >= AND OR
    left: "Node"
    right: "Node"


Node = Union[Num, Ref, Str, Keyword, Call, Array, Unary, Binary]

_COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
MAX_DEPTH = 100


def parse(text: str) -> Node:
    if re.match(r"\s*SELECT\b", text, re.IGNORECASE):
        raise Unsupported("Metrics Insights SELECT", "queries run over the account's metrics")
    parser = _Parser(text)
    node = parser.disjunction(0)
    if parser.pos < len(parser.tokens):
        _, value, offset = parser.tokens[parser.pos]
        raise MathSyntaxError(f"unexpected {value!r}", offset)
    return node


def references(node: Node) -> list[str]:
    """Ids the expression names, in order."""
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Ref):
            out.append(item.id)
        elif isinstance(item, (Call, Array)):
            stack.extend(reversed(item.args if isinstance(item, Call) else item.items))
        elif isinstance(item, Unary):
            stack.append(item.operand)
        elif isinstance(item, Binary):
            stack.extend((item.right, item.left))
    return out


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        index = 0
        while index < len(text):
            match = _TOKENS.match(text, index)
            if match is None:
                raise MathSyntaxError(f"unexpected character {text[index]!r}", index)
            kind = match.lastgroup or ""
            if kind != "space":
                self.tokens.append((kind, match.group(kind), index))
            index = match.end()
        self.pos = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def at(self, *values: str) -> bool:
        token = self.peek()
        return token is not None and token[0] in ("op", "name") and token[1] in values

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise MathSyntaxError("expression ends too early", len(self.text))
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        token = self.peek()
        if token is None or token[1] != value:
            raise MathSyntaxError(f"expected {value!r}", token[2] if token else len(self.text))
        self.pos += 1

    def disjunction(self, depth: int) -> Node:
        node = self.conjunction(depth)
        while self.at("OR", "||"):
            self.take()
            node = Binary("OR", node, self.conjunction(depth))
        return node

    def conjunction(self, depth: int) -> Node:
        node = self.comparison(depth)
        while self.at("AND", "&&"):
            self.take()
            node = Binary("AND", node, self.comparison(depth))
        return node

    def comparison(self, depth: int) -> Node:
        node = self.additive(depth)
        while self.at(*_COMPARISONS):
            op = self.take()[1]
            node = Binary(op, node, self.additive(depth))
        return node

    def additive(self, depth: int) -> Node:
        node = self.multiplicative(depth)
        while self.at("+", "-"):
            op = self.take()[1]
            node = Binary(op, node, self.multiplicative(depth))
        return node

    def multiplicative(self, depth: int) -> Node:
        node = self.unary(depth)
        while self.at("*", "/"):
            op = self.take()[1]
            node = Binary(op, node, self.unary(depth))
        return node

    def unary(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise MathSyntaxError(f"expression nests deeper than {MAX_DEPTH} levels", self.take()[2])
        if self.at("-"):
            self.take()
            return Unary("-", self.unary(depth + 1))
        return self.power(depth)

    def power(self, depth: int) -> Node:
        base = self.primary(depth)
        if self.at("^"):
            self.take()
            return Binary("^", base, self.unary(depth + 1))
        return base

    def primary(self, depth: int) -> Node:
        kind, value, offset = self.take()
        if kind == "number":
            return Num(float(value))
        if kind == "id":
            return Ref(value, offset)
        if kind == "string":
            return Str(value[1:-1])
        if kind == "name":
            return self.named(value, offset, depth)
        if value == "(":
            node = self.disjunction(depth + 1)
            self.expect(")")
            return node
        if value == "[":
            return Array(self.arguments("]", depth))
        raise MathSyntaxError(f"unexpected {value!r}", offset)

    def named(self, name: str, offset: int, depth: int) -> Node:
        if self.at("("):
            if name not in IMPLEMENTED:
                raise Unsupported(name, NOT_MODELLED.get(name, "this metric-math function is not implemented"))
            self.take()
            return Call(name, self.arguments(")", depth), offset)
        if name in KEYWORDS:
            return Keyword(name)
        raise MathSyntaxError(f"{name!r} is not an id (ids start with a lowercase letter) nor a function call", offset)

    def arguments(self, closing: str, depth: int) -> tuple[Node, ...]:
        items: list[Node] = []
        if self.at(closing):
            self.take()
            return ()
        while True:
            items.append(self.disjunction(depth + 1))
            if self.at(closing):
                self.take()
                return tuple(items)
            self.expect(",")
