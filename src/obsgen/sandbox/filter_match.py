"""Which log events a filter pattern matches: the sandbox's TestMetricFilter (moto has no such API).

The semantics are those "Filter pattern syntax for metric filters, subscription filters, filter log
events and Live Tail" describes
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html), read on the
pattern obsgen's own parser gives (filter_pattern.py):

* unstructured terms: each term must appear in the event (case-sensitive), `?term`s any one of them,
  `-term`s none of them; `%regex%` anywhere in the event;
* JSON: the event is a JSON object; `$.a.b[0]` selects a value; strings compare with `=` / `!=`
  (`*` is any text), numbers also with `<` `>` `<=` `>=`, `IS NULL` / `IS TRUE` / `IS FALSE`,
  `NOT EXISTS`; an event that is not JSON matches no JSON pattern;
* space-delimited: the event's fields are separated by blanks, and characters between double quotes
  or square brackets are one field (the page's Apache example); `...` takes any number of fields, so
  a pattern without it needs exactly as many fields as it names, and with it at least as many.

Approximations (said here, since a sandbox must not pass for AWS where it is not): a regular
expression is Python's `re.search`; a string compared with a non-string JSON value compares its JSON
text; with several `...` the leftmost shortest split is taken.
"""

from __future__ import annotations

import json
import operator
import re
from typing import Any, Callable

from ..filter_pattern import Compare, Junction, Node, Pattern, event_fields

_NUMBER_OPS: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}
_MISSING = object()


def matches(pattern: Pattern, message: str) -> dict[str, str] | None:
    """The values `pattern` extracts from `message` when it matches it (TestMetricFilter's
    `extractedValues`), else None."""
    if pattern.kind == "all":
        return {}
    if pattern.kind == "terms":
        return {} if _terms_match(pattern, message) else None
    if pattern.kind == "json":
        return _json_match(pattern, message)
    return _space_match(pattern, message)


def _terms_match(pattern: Pattern, message: str) -> bool:
    def found(text: str, regex: bool) -> bool:
        return re.search(text, message) is not None if regex else text in message

    required = [found(t.text, t.regex) for t in pattern.terms if t.prefix == ""]
    excluded = [found(t.text, t.regex) for t in pattern.terms if t.prefix == "-"]
    anyof = [found(t.text, t.regex) for t in pattern.terms if t.prefix == "?"]
    return all(required) and not any(excluded) and (not anyof or any(anyof))


def _json_match(pattern: Pattern, message: str) -> dict[str, str] | None:
    try:
        event = json.loads(message)
    except (ValueError, RecursionError):
        return None
    if not isinstance(event, dict) or pattern.tree is None:
        return None

    def lookup(selector: str) -> Any:
        return _select(event, selector)

    if not _holds(pattern.tree, lookup):
        return None
    found = {s: lookup(s) for s in sorted(pattern.selectors)}
    return {s: v if isinstance(v, str) else json.dumps(v) for s, v in found.items() if v is not _MISSING}


def _select(event: Any, selector: str) -> Any:
    value = event
    for name, index in re.findall(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]", selector):
        if name and isinstance(value, dict) and name in value:
            value = value[name]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _MISSING
    return value


def _space_match(pattern: Pattern, message: str) -> dict[str, str] | None:
    fields = [_unwrapped(f) for f in event_fields(message)]
    bound = _bind(pattern.layout, fields)
    if bound is None:
        return None
    if pattern.tree is not None and not _holds(pattern.tree, lambda name: bound.get(name, _MISSING)):
        return None
    return {f"${name}": value for name, value in bound.items()}


def _unwrapped(field: str) -> str:
    if len(field) >= 2 and (field[0], field[-1]) in (('"', '"'), ("[", "]")):
        return field[1:-1]
    return field


def _bind(layout: tuple[str, ...], fields: list[str]) -> dict[str, str] | None:
    """The pattern's named fields bound to the event's, `...` taking as few as it can."""
    if not layout:
        return {} if not fields else None
    head, rest = layout[0], layout[1:]
    if head != "...":
        if not fields:
            return None
        tail = _bind(rest, fields[1:])
        return None if tail is None else {head: fields[0], **tail}
    for skip in range(len(fields) + 1):
        tail = _bind(rest, fields[skip:])
        if tail is not None:
            return tail
    return None


def _holds(node: Node, lookup: Callable[[str], Any]) -> bool:
    if isinstance(node, Junction):
        results = (_holds(operand, lookup) for operand in node.operands)
        return all(results) if node.operator == "&&" else any(results)
    return _compare(node, lookup(node.selector))


def _compare(node: Compare, value: Any) -> bool:
    if node.operator == "NOT EXISTS":
        return value is _MISSING
    if value is _MISSING:
        return False
    if node.operator.startswith("IS "):
        return value is {"IS NULL": None, "IS TRUE": True, "IS FALSE": False}[node.operator]
    if node.kind == "number":
        number = _as_number(value)
        return number is not None and _NUMBER_OPS[node.operator](number, float(node.value))
    text = value if isinstance(value, str) else json.dumps(value)
    if node.kind == "regex":
        hit = re.search(node.value, text) is not None
    else:
        hit = re.fullmatch(".*".join(re.escape(part) for part in node.value.split("*")), text, re.DOTALL) is not None
    return hit if node.operator == "=" else not hit


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value) if isinstance(value, str) else None
    except ValueError:
        return None
