"""Spec files' parsed trees kept between runs, so an unchanged file is not parsed again (issue #22).

`yaml_reader.load` builds a file's tree from libyaml's events at about 1.2 us an event: 0.30 s of
the 10,000-monitor project's 0.45 s `load_spec`. The same tree written as JSON and read back with
the standard library's C decoder takes 0.09 s (docs/performance.md, "The parse cache"). So a file
that read cleanly is stored in the render cache (render_cache.py) under the sha256 of its bytes and
of the reader's source: a file whose bytes, or whose reader, changed has another key, and a stale
tree cannot be asked for.

What is stored is data, never code: JSON of the tree, with each mapping's and sequence's positions
(`start`, and `marks` as text) in one extra member, and read back by `json` into the same Mapping and
Sequence objects, keys and short strings interned as the reader interns them (a tree read back holds
no more memory than a parsed one: docs/performance.md, target 8); a container's marks are decoded from
their text when a diagnostic first reads them (`yaml_reader.Mapping`). Only what the reader returned without
a problem is stored, and only a tree that JSON gives back exactly: no container reached twice
(aliases, merge keys), only the scalar types the reader makes, no key that could be mistaken for
the positions' member. Anything else is simply parsed each time. An entry that does not decode into
such a tree is a miss (the render cache already drops an entry whose checksum fails).
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from sys import intern
from typing import Any

from ..diagnostics import Diagnostic
from ..render_cache import RenderCache, source_digest
from . import yaml_reader
from .yaml_reader import Document, Mapping, Sequence, numbers_text

KIND = "parsed-yaml"
# The member holding a container's positions. The reader refuses control characters in keys (a key
# beginning with NUL is not stored, should one ever get through), so no key of a spec is either.
_MAP, _SEQ = "\x00m", "\x00s"
_INTERNED = 48  # as yaml_reader: keys and strings up to this length are interned
_SCALARS = (str, int, float, bool, type(None))


class Uncacheable(Exception):
    """A tree JSON would not give back exactly: parsed on every run instead."""


@functools.cache
def _salt() -> str:
    """The code whose output is stored: the reader, and this encoding of it."""
    return source_digest(Path(yaml_reader.__file__), Path(__file__))


def load(path: str, source: bytes, store: RenderCache | None) -> tuple[Document | None, list[Diagnostic]]:
    """`yaml_reader.load(path, source)`, from `store` when these bytes read cleanly before."""
    if store is None:
        return yaml_reader.load(path, source)
    key = store.key(KIND, _salt(), hashlib.sha256(source).hexdigest())
    stored = store.get_bytes(KIND, key)
    if stored is not None:
        if (data := _decoded(stored)) is not _NOTHING:
            return Document(path, data, source.decode("utf-8")), []
        store.refused()
    doc, problems = yaml_reader.load(path, source)
    if doc is not None and not problems and store.writable:
        try:
            store.put(KIND, key, encode(doc.data))
        except Uncacheable:
            pass
    return doc, problems


def encode(tree: Any) -> str:
    """The tree as JSON; raises Uncacheable for one that would not come back exactly."""
    return json.dumps(_plain(tree, set()), separators=(",", ":"), allow_nan=True)


def decode(text: str | bytes) -> Any:
    """The tree `encode` wrote. Raises ValueError for anything else."""
    data = _decoded(text if isinstance(text, bytes) else text.encode("utf-8"))
    if data is _NOTHING:
        raise ValueError("not an encoded tree")
    return data


def _plain(node: Any, seen: set[int]) -> Any:
    kind = type(node)
    if kind is Mapping or kind is Sequence:
        if id(node) in seen:  # an alias: JSON would give back two trees
            raise Uncacheable
        seen.add(id(node))
        if kind is Mapping:
            out: dict[str, Any] = {}
            for key, value in node.items():
                if type(key) is not str or key.startswith("\x00"):
                    raise Uncacheable
                out[key] = _plain(value, seen)
            out[_MAP] = [*node.start, numbers_text(node.marks[key] for key in node)]
            return out
        return {_SEQ: [*node.start, numbers_text(node.marks), [_plain(item, seen) for item in node]]}
    if kind not in _SCALARS:  # a str or int subclass, or a type the reader never makes
        raise Uncacheable
    return node


def _container(pairs: list[tuple[str, Any]]) -> Any:
    """A JSON object back into the Mapping or Sequence it was (json's object_pairs_hook), called for each
    of the ~23,000 containers of a 10,000-monitor project: short strings are interned inline rather than
    by a function call per value, and the marks stay text until a diagnostic reads them (yaml_reader.Mapping)."""
    name, positions = pairs.pop()
    if name == _SEQ:
        line, column, marks, items = positions
        sequence = Sequence([intern(item) if type(item) is str and len(item) <= _INTERNED else item
                             for item in items])
        _check_marks(marks, len(sequence))
        sequence.start, sequence.marks_text = (line, column), marks
        return sequence
    if name != _MAP:
        raise ValueError("an object without positions")
    line, column, marks = positions
    mapping = Mapping({intern(key): intern(value) if type(value) is str and len(value) <= _INTERNED else value
                       for key, value in pairs})
    _check_marks(marks, len(mapping))
    mapping.start, mapping.marks_text = (line, column), marks
    return mapping


def _check_marks(marks: Any, count: int) -> None:
    """The marks are text with one number for each key or item (each number is read only when a diagnostic
    needs it; the entry's checksum and its key, which holds this code's digest, vouch for the digits)."""
    if type(marks) is not str or (marks.count(",") + 1 if marks else 0) != count:
        raise ValueError("positions do not match the keys or items")


_DECODER = json.JSONDecoder(object_pairs_hook=_container)
_NOTHING = object()


def _decoded(data: bytes) -> Any:
    """The tree in `data`, or _NOTHING when it is not one `encode` wrote (a foreign or older entry)."""
    try:
        tree = _DECODER.decode(data.decode("utf-8"))
    except (ValueError, TypeError, KeyError, IndexError, RecursionError):
        return _NOTHING
    return tree if type(tree) is Mapping else _NOTHING
