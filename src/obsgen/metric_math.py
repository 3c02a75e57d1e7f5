"""CloudWatch metric math: its grammar, shared by the alarm evaluator and the spec's checks.

Syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
("Metric math syntax and functions"): ids start with a lowercase letter, functions are written in
uppercase, `+ - * / ^`, unary minus, comparisons `== != <= >= < >`, `AND`/`&&`, `OR`/`||`,
arrays `[m1, m2]`, strings for METRICS("filter") and SEARCH('...'), bare uppercase words as a
function's options (FILL(m1, REPEAT), SORT(METRICS(), AVG, DESC)).

The page gives no operator precedence; the usual one is used, loosest first:
OR, AND, comparisons, + -, * /, unary minus, ^ (right-associative, so -2^2 is -4).

Two readers: the evaluator (`evaluator/math_parser.py`), which refuses a function it does not
implement as soon as it reads its name, and `check` for `validate`, which reads any function so
that a malformed expression (`100 * errors / (calls`) is reported before AWS refuses it at apply,
and lists the functions called so the caller can compare them with AWS's list. This module
imports nothing of obsgen's: `validate` reaches it without loading the evaluator.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Union


class ExpressionSyntaxError(ValueError):
    """A metric-math expression that does not parse: `reason`, and `offset`, the character it points at."""

    def __init__(self, reason: str, offset: int):
        super().__init__(f"{reason} (at character {offset + 1})")
        self.reason = reason
        self.offset = offset


_INSIGHTS = re.compile(r"\s*SELECT\b", re.IGNORECASE)


def is_insights_query(text: str) -> bool:
    """A Metrics Insights query (`SELECT ...`), not metric math: its grammar is another one."""
    return _INSIGHTS.match(text) is not None


# Options written as bare uppercase words (FILL's, SORT's): the evaluator knows these two.
KEYWORDS = frozenset({"REPEAT", "LINEAR"})
# LAMBDA's Boolean arguments (LAMBDA("MyCustomDataSource", true, "fuzzy", 99.9), in
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_MultiDataSources-Custom-Use.html):
# this grammar reads them as ids, but they name no query, so no check may ask for one.
BOOLEANS = frozenset({"true", "false"})

_TOKENS = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<id>[a-z][A-Za-z0-9_]*)
  | (?P<name>[A-Z][A-Z0-9_]*)
  | (?P<string>"[^"]*"|'[^']*'|“[^”]*”)
  | (?P<op>==|!=|<=|>=|&&|\|\||[-+*/^<>(),\[\]])
""", re.VERBOSE | re.ASCII)


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
    arg_offsets: tuple[int, ...] = ()  # where each argument starts: a wrong one is reported there


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


def parse(text: str, on_call: Callable[[str, int], None] | None = None, options: bool = False) -> Node:
    """The expression's tree. `on_call(name, offset)` hears each function name before its arguments
    are read (the evaluator refuses one it does not implement there); with `options`, any bare
    uppercase word may be a function's argument (SORT(METRICS(), AVG, DESC)), not only KEYWORDS."""
    parser = _Parser(text, on_call, options)
    node = parser.disjunction(0)
    if parser.pos < len(parser.tokens):
        _, value, offset = parser.tokens[parser.pos]
        raise ExpressionSyntaxError(f"unexpected {value!r}", offset)
    return node


@functools.lru_cache(maxsize=4096)
def check(text: str) -> tuple[ExpressionSyntaxError | None, tuple[tuple[str, int], ...]]:
    """For validation: the syntax error of `text`, if any, and the functions it calls (name, offset)
    in order, as far as it parses. Any function name parses: whether AWS has it is the caller's question.
    Remembered per text: a project repeats its expressions in every service and environment."""
    calls: list[tuple[str, int]] = []
    try:
        parse(text, lambda name, offset: calls.append((name, offset)), options=True)
    except ExpressionSyntaxError as problem:
        return problem, tuple(calls)
    return None, tuple(calls)


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
    def __init__(self, text: str, on_call: Callable[[str, int], None] | None, options: bool):
        self.text = text
        self.on_call = on_call
        self.options = options
        self.tokens: list[tuple[str, str, int]] = []
        index = 0
        while index < len(text):
            match = _TOKENS.match(text, index)
            if match is None:
                raise ExpressionSyntaxError(f"unexpected character {text[index]!r}", index)
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
            raise ExpressionSyntaxError("expression ends too early", len(self.text))
        self.pos += 1
        return token

    def expect(self, value: str) -> None:
        token = self.peek()
        if token is None or token[1] != value:
            raise ExpressionSyntaxError(f"expected {value!r}", token[2] if token else len(self.text))
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
            raise ExpressionSyntaxError(f"expression nests deeper than {MAX_DEPTH} levels", self.take()[2])
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
        raise ExpressionSyntaxError(f"unexpected {value!r}", offset)

    def named(self, name: str, offset: int, depth: int) -> Node:
        if self.at("("):
            if self.on_call is not None:
                self.on_call(name, offset)
            self.take()
            starts: list[int] = []
            return Call(name, self.arguments(")", depth, starts), offset, tuple(starts))
        if name in KEYWORDS:
            return Keyword(name)
        raise ExpressionSyntaxError(f"{name!r} is not an id (ids start with a lowercase letter) nor a function call",
                                    offset)

    def option(self, closing: str) -> Keyword | None:
        """A bare uppercase word standing alone as an argument (`AVG` in SORT(METRICS(), AVG, DESC))."""
        if not self.options or closing != ")" or self.pos + 1 >= len(self.tokens):
            return None
        (kind, value, _), following = self.tokens[self.pos], self.tokens[self.pos + 1][1]
        if kind != "name" or following not in (",", closing):
            return None
        self.pos += 1
        return Keyword(value)

    def arguments(self, closing: str, depth: int, starts: list[int] | None = None) -> tuple[Node, ...]:
        """The items up to `closing`; `starts` hears the offset each one begins at."""
        items: list[Node] = []
        if self.at(closing):
            self.take()
            return ()
        while True:
            token = self.peek()
            if starts is not None and token is not None:
                starts.append(token[2])
            items.append(self.option(closing) or self.disjunction(depth + 1))
            if self.at(closing):
                self.take()
                return tuple(items)
            if not self.at(","):
                token = self.peek()
                raise ExpressionSyntaxError(f"expected ',' or {closing!r}", token[2] if token else len(self.text))
            self.take()
