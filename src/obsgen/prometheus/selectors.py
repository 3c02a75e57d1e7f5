"""The vector selectors an expression reads, as promql-parser parses them (promql.py's cached parse),
each printed back as a series selector `GET /api/v1/series` takes in `match[]`.

A selector is printed as its metric name and label matchers only: `offset` and `@` say when to read a
series, not which series exist, and the matchers are sorted so that one selector written two ways is
asked once. Selectors under `absent(...)` and `absent_over_time(...)` are left out: those alerts fire
precisely when the selector matches nothing.
Selectors: https://prometheus.io/docs/prometheus/latest/querying/basics/#time-series-selectors
Functions: https://prometheus.io/docs/prometheus/latest/querying/functions/#absent
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import promql_parser

from .promql import parse

ABSENCE_FUNCTIONS = frozenset({"absent", "absent_over_time"})
# By name: promql-parser's MatchOp compares equal but is not hashable.
_OPERATORS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}
# A name that needs no quotes (Prometheus 3 quotes any other, `{"http.status"="500"}`):
# https://prometheus.io/docs/concepts/data_model/#metric-names-and-labels
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


@dataclass(frozen=True, slots=True, order=True)
class Selector:
    text: str  # the series selector: `name{label="value",...}`, matchers sorted, no offset or @
    metric: str | None  # the metric name it matches exactly (`name`, `{__name__="name"}`), if any


def selectors(expr: str) -> tuple[Selector, ...]:
    """Every distinct vector selector of `expr` outside absent() and absent_over_time(), in the order
    written; none for an expression that is not PromQL (reported as `promql` already)."""
    tree = parse(expr)
    if isinstance(tree, str):
        return ()
    found: dict[Selector, None] = {}
    inside_absence = [0]

    def enter(node: promql_parser.Expr) -> None:
        if _is_absence(node):
            inside_absence[0] += 1
        elif isinstance(node, promql_parser.VectorSelector) and not inside_absence[0]:
            if not node.matchers.or_matchers:  # `{a="1" or b="2"}`: promql-parser's, not Prometheus's syntax
                found.setdefault(selector_of(node))

    def leave(node: promql_parser.Expr) -> None:
        if _is_absence(node):
            inside_absence[0] -= 1

    promql_parser.walk(tree, enter, leave)
    return tuple(found)


def _is_absence(node: promql_parser.Expr) -> bool:
    return isinstance(node, promql_parser.Call) and node.func.name in ABSENCE_FUNCTIONS


def selector_of(node: promql_parser.VectorSelector) -> Selector:
    """The node as a series selector (also what rate_ranges.py names a range vector by)."""
    matchers = list(node.matchers.matchers)
    name = node.name
    if name is None:  # `{__name__="x", ...}`: the same series as `x{...}`, asked in one spelling
        named = [m for m in matchers if m.name == "__name__" and m.op == promql_parser.MatchOp.Equal]
        if named:
            name = named[0].value
            matchers.remove(named[0])
    labels = sorted(f"{_label(m.name)}{_operator(m)}{_quoted(m.value)}" for m in matchers)
    if name is not None and not _METRIC_NAME.fullmatch(name):
        labels.insert(0, _quoted(name))  # Prometheus 3's `{"metric.name", ...}`
        return Selector("{" + ",".join(labels) + "}", name)
    return Selector((name or "") + ("{" + ",".join(labels) + "}" if labels or name is None else ""), name)


def _operator(matcher: promql_parser.Matcher) -> str:
    return _OPERATORS[str(matcher.op).rpartition(".")[2]]


def _label(name: str) -> str:
    return name if _LABEL_NAME.fullmatch(name) else _quoted(name)


def _quoted(value: str) -> str:
    """A PromQL string literal: its escapes are Go's, and JSON's escapes (`\\"`, `\\\\`, `\\n`, `\\u0007`)
    are among them: https://prometheus.io/docs/prometheus/latest/querying/basics/#string-literals"""
    return json.dumps(value, ensure_ascii=False)
