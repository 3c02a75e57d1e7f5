"""`json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)`, byte for byte, ~8x faster.

Every artifact obsgen writes as JSON goes through `dumps`, so its speed is the compile's: with
`indent` set, the standard library cannot use its C encoder and falls back to a chain of Python
generators, a third of the compile time of a 10,000-alarm project (docs/performance.md).

`dumps` asks orjson (Rust) first, whose `OPT_INDENT_2 | OPT_SORT_KEYS` text is json's for what the
targets hold -- same separators, escapes, UTF-8 text and key order (UTF-8 byte order is code point
order), floats in Python's shortest `repr` -- with three exceptions, each sent to the Python writer
below instead: floats under 1e-4 (orjson writes `0.00001` or `1e-9` where Python writes `1e-05` and
`1e-09`: found by comparing 2 million random floats, all of them caught by `_PYTHON_ONLY_FLOAT`),
non-finite floats (orjson writes `null`: a text with `null` is read back and compared), and what
orjson refuses (non-string keys, integers over 64 bits, lone surrogates, nesting over 255, and
dataclasses and datetimes, passed through to be refused). One difference is left: orjson writes a
plain Enum (neither str nor int) and a UUID as their value where json raises TypeError; no target
puts either in an artifact. tests/test_jsontext.py holds both paths to json.dumps on random documents.

The Python writer writes the same text with a few mutually recursive functions and one list of
parts; strings go through json's C string escaper, floats through float.__repr__, exactly as json
does. Types the artifacts never hold (non-string keys, custom objects, ...) are handed to
`json.dumps` itself, so the result is always exactly what it would produce, or the same error.
"""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring  # the C escaper (ensure_ascii=False), as json.dumps uses
from typing import Any

import orjson

_INDENT = "  "
_INFINITY = float("inf")
_KEYS: dict[str, str] = {}  # key -> its JSON text and ": "; keys repeat in every file
_KEYS_MAX = 10_000  # user-named keys (tags) are many but few repeat; stop caching past this
_ORJSON = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
# A number orjson writes unlike float.__repr__: under 1e-4. With indent 2, every number stands after
# `": ` or at the start of a line; a match inside a string only sends the document to the slow path.
_PYTHON_ONLY_FLOAT = re.compile(r'(?m)(?:": |^ *)-?(?:0\.0000|\d+(?:\.\d+)?e-)')


# `e-` after a digit. Led by its literal `e-`, which re searches for as a string (the digit is checked only where
# one is found), it is ~3x cheaper than a str.find loop over the 29,000 `e-` of a 10,000-alarm environment's names.
_DIGIT_BEFORE_E_MINUS = re.compile(r"e-(?<=\de-)")


def _may_hold_tiny_float(text: str) -> bool:
    """Whether `_PYTHON_ONLY_FLOAT` can match: its number has `0.0000` or a digit before `e-`. Looking for those
    first is much cheaper than the regex over the whole text (0.02 s against 0.47 s for the 30 MB of a
    10,000-alarm environment)."""
    return "0.0000" in text or _DIGIT_BEFORE_E_MINUS.search(text) is not None


class _Unusual(Exception):
    """Something the fast path does not handle; json.dumps takes the whole document instead."""


def dumps(data: Any) -> str:
    """Exactly `json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)`."""
    try:
        text = orjson.dumps(data, option=_ORJSON).decode()
    except TypeError:  # orjson.JSONEncodeError is one: see the module's docstring
        return python_dumps(data)
    if (_may_hold_tiny_float(text) and _PYTHON_ONLY_FLOAT.search(text)) \
            or ("null" in text and orjson.loads(text) != data):
        return python_dumps(data)
    return text


def python_dumps(data: Any) -> str:
    """The same text, written in Python: for what orjson writes otherwise."""
    parts: list[str] = []
    try:
        _value(data, "\n", parts)
    except (_Unusual, TypeError, RecursionError):  # TypeError: a key that is not a str
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    return "".join(parts)


def _value(value: Any, newline: str, parts: list[str]) -> None:
    # Same order of isinstance checks as json.encoder._make_iterencode, so subclasses (a str
    # Enum, bool before int) come out the same.
    if isinstance(value, str):
        parts.append(encode_basestring(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, float):
        parts.append(_float(value))
    elif isinstance(value, (list, tuple)):
        _list(value, newline, parts)
    elif isinstance(value, dict):
        _dict(value, newline, parts)
    else:
        raise _Unusual


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _list(items: list[Any] | tuple[Any, ...], newline: str, parts: list[str]) -> None:
    if not items:
        parts.append("[]")
        return
    inner = newline + _INDENT
    lead = "[" + inner
    separator = "," + inner
    for item in items:
        kind = type(item)
        if kind is str:  # inlined as in _dict: lists of ARNs and metric rows are mostly strings
            parts.append(lead + encode_basestring(item))
        elif kind is dict:
            parts.append(lead)
            _dict(item, inner, parts)
        else:
            _item(lead, item, inner, parts)
        lead = separator
    parts.append(newline + "]")


def _dict(mapping: dict[Any, Any], newline: str, parts: list[str]) -> None:
    if not mapping:
        parts.append("{}")
        return
    inner = newline + _INDENT
    lead = "{" + inner
    separator = "," + inner
    keys = _KEYS
    for key in sorted(mapping):  # a key that is not a str makes encode_basestring raise TypeError
        value = mapping[key]
        kind = type(value)
        text = keys.get(key)
        if text is None:
            text = encode_basestring(key) + ": "
            if len(keys) < _KEYS_MAX and type(key) is str:
                keys[key] = text
        if kind is str:  # the common case, inlined: a call per value costs more than the rest
            parts.append(lead + text + encode_basestring(value))
        elif kind is int:  # exact int (not bool, not an IntEnum): x, y, width, period, ...
            parts.append(lead + text + int.__repr__(value))
        elif kind is dict:
            parts.append(lead + text)
            _dict(value, inner, parts)
        elif kind is list:
            parts.append(lead + text)
            _list(value, inner, parts)
        else:
            _item(lead + text, value, inner, parts)
        lead = separator
    parts.append(newline + "}")


def _item(lead: str, value: Any, newline: str, parts: list[str]) -> None:
    """`lead` (opening bracket or separator, and key) then the value. Exact types first, skipping
    `_value`'s isinstance chain: scalars in one part, containers straight to their writer."""
    kind = type(value)
    if kind is str:
        parts.append(lead + encode_basestring(value))
    elif kind is dict:
        parts.append(lead)
        _dict(value, newline, parts)
    elif kind is int:
        parts.append(lead + int.__repr__(value))
    elif kind is bool:
        parts.append(lead + ("true" if value else "false"))
    elif kind is list:
        parts.append(lead)
        _list(value, newline, parts)
    elif kind is float:  # thresholds: one per alarm and per graph
        parts.append(lead + _float(value))
    else:
        parts.append(lead)
        _value(value, newline, parts)
