"""Turn pydantic's validation errors into located diagnostics that say what was expected."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from ..diagnostics import Diagnostic, error, shown
from ..resource_types import RESOURCE_TYPES
from .yaml_reader import Document, Loc
from .v1.fields import found_text

KEY_SHOWN = 40  # characters of a key in a field path such as monitors.<key>.threshold
KEYS_LISTED = 30  # the keys a mapping may hold are listed after an unknown key (the project file has 13)

_EXPECTED = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
}


def diagnostics_from(exc: ValidationError, doc: Document, model: type[BaseModel]) -> list[Diagnostic]:
    items = exc.errors(include_url=False)
    typos = _typo_targets(items, model)
    # `treshold:` is one mistake: report the unknown key (which suggests 'threshold'), not also
    # the missing 'threshold' it was meant to be.
    return [_one(item, doc, model) for item in items
            if not (item["type"] == "missing" and tuple(item["loc"]) in typos)]


def _typo_targets(items: list[ErrorDetails], model: type[BaseModel]) -> set[Loc]:
    """Raw locations of the keys that unknown keys most likely meant."""
    targets: set[Loc] = set()
    for item in items:
        if item["type"] == "extra_forbidden":
            parent = tuple(p for p in item["loc"] if p != "[key]")[:-1]
            close = difflib.get_close_matches(str(item["loc"][-1]), allowed_keys(model, parent), n=1, cutoff=0.6)
            targets.update(parent + (c,) for c in close)
    return targets


def _one(item: ErrorDetails, doc: Document, model: type[BaseModel]) -> Diagnostic:
    raw = item["loc"]
    kind = item["type"]
    is_key = bool(raw) and raw[-1] == "[key]"
    loc = strip_tags(model, tuple(p for p in raw if p != "[key]"))
    where = field_path(loc)
    if kind == "extra_forbidden":
        key = loc[-1]
        raw_parent = tuple(p for p in raw if p != "[key]")[:-1]
        hint = did_you_mean(str(key), allowed_keys(model, raw_parent), list_up_to=KEYS_LISTED)
        return error(doc.span(loc, at_key=True), "unknown-key",
                     f"unknown key '{shown(key)}' in {field_path(loc[:-1]) or 'the top level'}{hint}")
    if kind == "missing":
        parent = loc[:-1]
        span = doc.span(parent, at_key=True) if parent else doc.span(())
        return error(span, "missing-key", f"{field_path(parent) or 'the top level'}: missing required key '{loc[-1]}'")
    if kind == "literal_error" and len(loc) == 3 and loc[0] == "resources" and loc[2] == "type":
        return error(doc.span(loc), "unknown-resource-type", _unknown_type(item.get("input")))
    message = _expected_message(kind, item)
    if kind == "matrix_variable":  # an environment named like a matrix (v1/project.py)
        return error(doc.span(loc, at_key=True), "matrix-variable", f"{where}: {message}")
    if is_key:
        return error(doc.span(loc, at_key=True), "bad-name", f"{where}: invalid name: {message}")
    return error(doc.span(loc), "bad-value", f"{where}: {message}" if where else message)


def _unknown_type(written: object) -> str:
    """The closest resource type (`cognito` -> cognito-user-pool), and `custom` for a service without one."""
    known = sorted(RESOURCE_TYPES)
    folded = written.casefold() if isinstance(written, str) else ""
    close = ([t for t in known if t.startswith(folded + "-")] or [t for t in known if folded in t]
             or difflib.get_close_matches(folded, known, n=1, cutoff=0.6)) if folded else []
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (f"unknown resource type {found_text(written)}{hint}; for a service obsgen has no type for, write "
            "type: custom with its namespace: and dimensions: (docs/resource-types.md lists the types)")


def _expected_message(kind: str, item: ErrorDetails) -> str:
    ctx = item.get("ctx") or {}
    found = found_text(item.get("input"))
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, found {found}"
    if kind == "literal_error":
        return f"expected {ctx.get('expected')}, found {found}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next(iter(ctx.values()))
        symbol = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=", "less_than": "<"}[kind]
        return f"expected a number {symbol} {bound}, found {found}"
    if kind in ("too_short", "too_long"):
        bound = ctx.get("min_length", ctx.get("max_length"))
        word = "at least" if kind == "too_short" else "at most"
        actual = ctx.get("actual_length")  # pydantic leaves it None for mappings
        if actual is None and isinstance(item.get("input"), (str, list, dict)):
            actual = len(item["input"])
        return f"expected {word} {bound} item(s) or character(s), found {actual}"
    if kind == "value_error":
        return str(item["msg"]).removeprefix("Value error, ")
    return str(item["msg"])


def field_path(loc: Loc) -> str:
    """('monitors', 'api', 'threshold') -> 'monitors.api.threshold'; list items as [i]. Keys are the user's
    (any text, when one is wrong): each is shown on one line and cut."""
    parts: list[str] = []
    for part in loc:
        parts.append(f"[{part}]" if isinstance(part, int) else ("." if parts else "") + shown(part, KEY_SHOWN))
    return "".join(parts)


def strip_tags(model: type[BaseModel], loc: Loc) -> Loc:
    """Drop the parts of a pydantic error location that name a union member, not a key in the file."""
    kept: list[str | int] = []
    tp: Any = model
    for part in loc:
        member = _tagged_member(tp, part)
        if member is not None:
            tp = member
            continue
        kept.append(part)
        tp = _step(tp, part) if tp is not None else None
    return tuple(kept)


def _tagged_member(tp: Any, part: str | int) -> Any:
    if tp is None or not isinstance(part, str):
        return None
    tp = _strip_optional(tp)
    if typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    for member in typing.get_args(tp):
        if any(isinstance(m, Tag) and m.tag == part for m in getattr(member, "__metadata__", ())):
            return member
    return None


def _strip_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = [m for m in typing.get_args(tp) if m is not type(None)]
        if len(members) == 1:
            return members[0]
    return tp


def did_you_mean(word: str, choices: list[str], list_up_to: int = 12) -> str:
    """The closest choice (a name that differs only in case first: `Warning` means `warning`), else
    every choice when there are at most `list_up_to` of them."""
    same = [c for c in choices if c.lower() == word.lower()]
    close = same or difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    if choices and len(choices) <= list_up_to:
        return "; expected one of: " + ", ".join(sorted(choices))
    return ""


def allowed_keys(model: type[BaseModel], raw_loc: Loc) -> list[str]:
    """The keys a mapping at `raw_loc` (a pydantic location, tags included) may hold."""
    tp: Any = model
    for part in raw_loc:
        tp = _tagged_member(tp, part) or _step(tp, part)
        if tp is None:
            return []
    tp = _unwrap(tp, None)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or name for name, f in tp.model_fields.items()]
    return []


def _step(tp: Any, part: str | int) -> Any:
    tp = _unwrap(tp, None)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, field in tp.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is dict:
        return args[1]
    if origin is list:
        return args[0]
    return None


def _unwrap(tp: Any, tag: str | None) -> Any:
    """Strip Annotated / Optional; pick a tagged union's member by tag (or its first model)."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [m for m in typing.get_args(tp) if m is not type(None)]
            tp = _pick(members, tag)
        else:
            return tp


def _pick(members: list[Any], tag: str | None) -> Any:
    for member in members:
        meta = getattr(member, "__metadata__", ())
        if tag and any(isinstance(m, Tag) and m.tag == tag for m in meta):
            return member
    for member in members:
        inner = typing.get_args(member)[0] if typing.get_origin(member) is typing.Annotated else member
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return member
    return members[0]
