"""A YAML reader that remembers where every value came from and refuses hostile input.

It builds plain dicts and lists from libyaml's event stream (the C parser), instead of
PyYAML's composer + constructor, for three reasons:
- every mapping and sequence keeps the line/column of its keys and items, so any later
  error (schema, reference, AWS limit) can point at `file:line:column`;
- nesting depth and alias expansion are bounded while parsing: libyaml's composer recurses
  and segfaults on ~100k nested brackets, and an alias bomb would make validation walk
  billions of nodes;
- it is about 1.8x faster than `yaml.load(..., CSafeLoader)` (measured: docs/performance.md).

Scalars follow the YAML 1.2 core schema (`yes`/`no`/`on`/`off` stay strings: no "Norway
problem"); mapping keys are always strings; duplicate keys are errors; `<<` merge keys work.
"""

from __future__ import annotations

import re
import unicodedata
from sys import intern
from dataclasses import dataclass, field
from typing import Any, Final, Iterable, Literal

import yaml
from yaml import events as ev

from ..diagnostics import Diagnostic, Span, error, shown

# The C parser; PyYAML wheels ship it, a source build may not (then `yaml` has no CSafeLoader).
_Loader: type[yaml.CSafeLoader] | type[yaml.SafeLoader] = (
    yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 48
MAX_NODES = 250_000  # counted after alias expansion
# The longest number a spec needs is a 12-digit account id. Python refuses to convert an int of more than
# 4,300 decimal digits to or from text (sys.get_int_max_str_digits, at least 640 when configured), and
# float() of an int past 309 digits overflows: any whole number longer than this stops at the reader.
MAX_INT_DIGITS = 100
# The longest string (value or key) a spec may hold. A 3 MB description is valid YAML, but it is copied into
# every environment's rules, tests, runbook pages and site, where it costs seconds (16 s for one, measured by
# the fuzzer); prose longer than this belongs in runbooks_src/.
MAX_STRING_CHARS = 65_536
_TOO_DEEP = f"nesting is deeper than {MAX_DEPTH} levels; a spec never needs this much"

# Keys and string values up to this length are interned (sys.intern): a project repeats the same keys and
# short values (`threshold`, `Sum`, `5m`) in every monitor, and one copy of each saves 10 MiB per 10,000
# alarms (docs/performance.md); longer strings (summaries, descriptions) are seldom equal.
_INTERNED = 48
_INT = re.compile(r"[-+]?[0-9]+$|0o[0-7]+$|0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOATS = {
    ".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"),
    "+.inf": float("inf"), "-.inf": float("-inf"), "-.Inf": float("-inf"),
    ".nan": float("nan"), ".NaN": float("nan"), ".NAN": float("nan"),
}
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_TAG = "tag:yaml.org,2002:"
_MAP_TAG, _SEQ_TAG = _TAG + "map", _TAG + "seq"
_TAGGED_TYPES: dict[str, type | tuple[type, ...]] = {"int": int, "float": (int, float), "bool": bool, "null": type(None)}
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what libyaml counts as a new line
Pos = tuple[int, int]  # 0-based (line, column), as libyaml reports them
Loc = tuple[str | int, ...]  # a path into a document: mapping keys and list indexes
# Positions as kept in Mapping.marks and Sequence.marks: one int instead of a tuple of two or four (a
# tuple of four ints is 72 bytes, the int 40; 200,000 keys per 10,000 alarms, docs/performance.md).
# A line or column number fits 23 bits: a spec file holds at most MAX_FILE_BYTES (2**22) characters.
_BITS = 23
_LOW = (1 << _BITS) - 1
PackedPos = int  # (line << 23) | column
KeyMarks = int  # (key line, key column, value line, value column), 0-based, 23 bits each: key_position, value_position


def pack(pos: Pos) -> PackedPos:
    return (pos[0] << _BITS) | pos[1]


def key_marks(key: Pos, value: Pos) -> KeyMarks:
    """The marks of a key at `key` whose value stands at `value` (for a mapping built by hand: language/openslo.py)."""
    return (pack(key) << 2 * _BITS) | pack(value)


def key_position(marks: KeyMarks) -> Pos:
    return (marks >> 3 * _BITS) & _LOW, (marks >> 2 * _BITS) & _LOW


def value_position(marks: KeyMarks | PackedPos) -> Pos:
    """The value's position of a key's marks; the position itself of a sequence item's."""
    return (marks >> _BITS) & _LOW, marks & _LOW


class Mapping(dict[str, Any]):
    """A dict that knows where it stands: `marks[key]` holds (key line, key column, value line, value
    column) packed in one int (`key_position`, `value_position`), rather than a pair of positions: a third
    of the objects a compile keeps alive, which the cyclic collector scans once when it is back on, and
    the largest part of a document's memory (docs/performance.md).

    A tree read back from the parse cache sets `marks_text` instead (the marks in key order, as decimal
    numbers joined by commas), and `marks` is made from it when first read: only a diagnostic reads
    marks, and a compile without one skips decoding them (~0.02 s at 10,000 monitors). A property, not
    `__getattr__`: a class with `__getattr__` has every attribute lookup of its instances go through it,
    which made pydantic's validation of the spec ~15% slower."""

    __slots__ = ("start", "_marks", "marks_text")
    start: Pos
    _marks: dict[str, KeyMarks]
    marks_text: str

    @property
    def marks(self) -> dict[str, KeyMarks]:
        try:
            return self._marks
        except AttributeError:  # from the parse cache: made now (AttributeError still if neither is set)
            self._marks = dict(zip(self, numbers(self.marks_text)))
            return self._marks

    @marks.setter
    def marks(self, marks: dict[str, KeyMarks]) -> None:
        self._marks = marks


class Sequence(list[Any]):
    """A list that knows where it stands: `marks[i]` is item i's position, packed (`value_position`);
    from the parse cache, made from `marks_text` when first read, as Mapping's."""

    __slots__ = ("start", "_marks", "marks_text")
    start: Pos
    _marks: list[PackedPos]
    marks_text: str

    @property
    def marks(self) -> list[PackedPos]:
        try:
            return self._marks
        except AttributeError:
            self._marks = numbers(self.marks_text)
            return self._marks

    @marks.setter
    def marks(self, marks: list[PackedPos]) -> None:
        self._marks = marks


def numbers_text(values: Iterable[int]) -> str:
    """Marks as `marks_text` holds them: decimal numbers joined by commas."""
    return ",".join(map(str, values))


def numbers(text: str) -> list[int]:
    """The marks `numbers_text` wrote."""
    return [int(number) for number in text.split(",")] if text else []


@dataclass(frozen=True, slots=True)
class Document:
    path: str  # as shown to the user, relative to the project directory
    data: Any
    text: str = field(default="", repr=False, compare=False)  # the source, for `span_in`

    def span(self, loc: Loc = (), *, at_key: bool = False) -> Span:
        """Where the value at `loc` stands; the deepest existing ancestor if it does not exist.

        `at_key` points at the last key instead of its value (for "unknown key" errors).
        """
        line, col = _locate(self.data, loc, at_key)
        return Span(self.path, line + 1, col + 1)

    def value_at(self, loc: Loc) -> Any:
        """The value at `loc` (keys and indexes), or None where there is none."""
        return _value_at(self.data, loc)

    def span_in(self, loc: Loc, offset: int) -> Span:
        """Where character `offset` of the string at `loc` stands in the file (e.g. a name in a rule).

        Plain, quoted, folded (`>`) and literal (`|`) scalars all keep the string's non-blank
        characters in order and only change whitespace (folding, indentation, the quote or the
        block indicator line), so the n-th non-blank character of the value is the n-th one in
        the source after the scalar's start. Escapes in double-quoted strings break this; then
        the result is only close.
        """
        start = self.span(loc)
        value = self.value_at(loc)
        lines = _LINE_BREAK.split(self.text)
        if not isinstance(value, str) or not value.strip() or not 1 <= start.line <= len(lines):
            return start
        past_end = max(0, offset - (len(value.rstrip()) - 1))
        offset = min(offset, len(value.rstrip()) - 1)
        wanted = sum(1 for ch in value[:offset] if not ch.isspace())
        line, col = _scalar_body(lines, start.line - 1, start.column - 1)
        found = _nth_non_blank(lines, line, col, wanted)
        if found is None:
            return start
        return Span(self.path, found[0] + 1, found[1] + 1 + past_end)


def _value_at(node: Any, loc: Loc) -> Any:
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _scalar_body(lines: list[str], line: int, col: int) -> Pos:
    """Skip a scalar's opening quote, or its block indicator line (`>-  # comment`)."""
    head = lines[line][col:col + 1]
    if head in ("'", '"'):
        return line, col + 1
    if head in ("|", ">"):
        return line + 1, 0
    return line, col


def _nth_non_blank(lines: list[str], line: int, col: int, n: int) -> Pos | None:
    for number in range(line, len(lines)):
        text = lines[number]
        for index in range(col if number == line else 0, len(text)):
            if not text[index].isspace():
                if n == 0:
                    return number, index
                n -= 1
    return None


def _locate(node: Any, loc: Loc, at_key: bool) -> Pos:
    pos: Pos = getattr(node, "start", (0, 0))
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, Mapping) and isinstance(part, str) and part in node.marks:
            marks = node.marks[part]
            pos = key_position(marks) if (last and at_key) else value_position(marks)
            node = node[part]
        elif isinstance(node, Sequence) and isinstance(part, int) and 0 <= part < len(node):
            pos = value_position(node.marks[part])
            node = node[part]
        else:
            break
    return pos


def text_of(path: str, data: str | bytes, what: str = "spec file",
            limit: int = MAX_FILE_BYTES) -> tuple[str | None, list[Diagnostic]]:
    """A file's text, or None and the located reason: larger than `limit` (at most MAX_FILE_BYTES), or
    not UTF-8. Callers may pass only the first MAX_FILE_BYTES + 1 bytes (language.load.read_limited does)."""
    if len(data) > limit:
        return None, [error(Span(path, 1, 1), "file-too-large",
                            f"file is larger than {limit:,} bytes, the limit for a {what}")]
    if isinstance(data, str):
        return data, []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start)
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1)
        return None, [error(Span(path, line + 1, column + 1), "not-utf8",
                            f"file is not UTF-8 text: {exc.reason} (byte 0x{data[exc.start]:02x}); "
                            "save it as UTF-8")]


def load(path: str, source: str | bytes) -> tuple[Document | None, list[Diagnostic]]:
    """Parse one single-document YAML file. Returns the document or the reasons it has none."""
    docs, problems = _load(path, source, multi=False)
    return (docs[0] if docs else None), problems


def load_all(path: str, source: str | bytes) -> tuple[list[Document], list[Diagnostic]]:
    """Parse a YAML file of one or more documents (`---` between them, as OpenSLO files are written). Each
    Document holds one of them and the whole text, so spans point into the file; none when any problem."""
    return _load(path, source, multi=True)


def _load(path: str, source: str | bytes, multi: bool) -> tuple[list[Document], list[Diagnostic]]:
    text, problems = text_of(path, source)
    if text is None:
        return [], problems
    builder = _Builder(path, multi)
    try:
        builder.run(_Loader(text))
    except yaml.MarkedYAMLError as exc:
        if _is_parser_limit(exc):
            return [], builder.problems + _too_deep(path, exc, text)
        return [], builder.problems + [_syntax_error(path, exc, text)]
    except yaml.reader.ReaderError as exc:
        return [], builder.problems + [_refused_character(path, exc, text)]
    except yaml.YAMLError as exc:  # no other kind is known to reach here; keep it one line, at the top
        return [], builder.problems + [error(Span(path, 1, 1), "yaml-syntax", f"invalid YAML: {shown(exc, 200)}")]
    except _Abort:
        return [], builder.problems
    if builder.problems:
        return [], builder.problems
    roots = [*builder.finished, builder.root] if multi else [builder.root]
    if len(text) > MAX_STRING_CHARS and (problems := [p for r in roots for p in _long_strings(path, r)]):
        return [], problems  # only a text this long can hold a string this long: small files skip the walk
    roots = [r for r in roots if r is not None] if multi else roots
    if builder.documents == 0 or not roots or roots[0] is None:
        what = "file is empty" if not text.strip() else "file holds no YAML value, only comments"
        return [], [error(Span(path, 1, 1), "empty-file",
                          f"{what}; expected a mapping that starts with apiVersion and kind")]
    return [Document(path, root, text) for root in roots], []


def _long_strings(path: str, root: Any) -> list[Diagnostic]:
    """Every key and string value longer than MAX_STRING_CHARS, at its position (a walk without recursion,
    each container once however many aliases name it)."""
    problems, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, (Mapping, Sequence)) or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Mapping):
            strings = []
            for key, value in node.items():
                marks = node.marks[key]
                strings += [("key", key, key_position(marks)), ("string", value, value_position(marks))]
        else:
            strings = [("string", value, value_position(node.marks[index])) for index, value in enumerate(node)]
        for what, text, pos in strings:
            if isinstance(text, str) and len(text) > MAX_STRING_CHARS:
                problems.append(error(Span(path, pos[0] + 1, pos[1] + 1), "value-too-long",
                                      f"a {what} of {len(text):,} characters; obsgen reads strings of at most "
                                      f"{MAX_STRING_CHARS:,} characters (put long prose in runbooks_src/)"))
        stack.extend(node.values() if isinstance(node, Mapping) else node)
    return sorted(problems)


def _is_parser_limit(exc: yaml.MarkedYAMLError) -> bool:
    """libyaml 0.2.6 (PyYAML 6.0.4) stops nesting at 1,000 levels itself ("exceeded maximum nesting
    depth"); a later release may add guards of the same kind, worded alike."""
    return "exceeded maximum" in (exc.problem or "") or "nesting depth" in (exc.problem or "")


def _too_deep(path: str, exc: yaml.MarkedYAMLError, text: str) -> list[Diagnostic]:
    """The same `too-deep` diagnostic, at the same place, whichever layer noticed first.

    libyaml's scanner looks ahead through a run of `[[[[` before the parser emits the first
    event, so its own depth limit can trip before the builder ever sees level MAX_DEPTH + 1.
    The text before the level libyaml refused holds fewer levels than its limit, so parsing
    that prefix again lets the builder find the level where obsgen's limit is passed."""
    mark = exc.context_mark or exc.problem_mark
    if mark is not None and 0 < mark.index <= len(text):
        builder = _Builder(path)
        try:
            builder.run(_Loader(text[:mark.index]))
        except (yaml.YAMLError, _Abort):
            pass
        found = [d for d in builder.problems if d.code == "too-deep"]
        if found:
            return found[:1]
    line, col = _clamp(text, mark.line, mark.column) if mark else (1, 1)
    return [error(Span(path, line, col), "too-deep", _TOO_DEEP)]


def _syntax_error(path: str, exc: yaml.MarkedYAMLError, text: str) -> Diagnostic:
    context, problem = exc.context_mark, exc.problem_mark
    mark = problem or context
    if context is not None and (problem is None or problem.index >= len(text.rstrip())):
        # The end of the file cut short the quote, bracket or key that the context names: point at it.
        mark = context
    line, col = _clamp(text, mark.line, mark.column) if mark else (1, 1)
    parts = []
    if exc.context:
        where = (f" that starts at line {context.line + 1}, column {context.column + 1}"
                 if context and mark is not context else "")
        parts.append(exc.context + where)
    if exc.problem:
        parts.append(exc.problem)
    return error(Span(path, line, col), "yaml-syntax", "invalid YAML: " + ", ".join(parts))


def _refused_character(path: str, exc: yaml.reader.ReaderError, text: str) -> Diagnostic:
    """libyaml's reader refuses characters YAML does not allow in a stream (control characters other than tab
    and line breaks, U+FFFE, U+FFFF, lone surrogates) before the parser sees a token, so the error carries no
    mark, only where the character is: pointed at, and named, since it is invisible in most editors."""
    index = _character_index(text, exc.position, exc.character)
    breaks = list(_LINE_BREAK.finditer(text, 0, index))
    line_start = breaks[-1].end() if breaks else 0
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    kind = "control character" if unicodedata.category(chr(code)) == "Cc" else "character"
    return error(Span(path, len(breaks) + 1, index - line_start + 1), "yaml-syntax",
                 f"invalid YAML: {kind} U+{code:04X} is not allowed in a YAML file; remove it, or write it as "
                 f"\\u{code:04x} inside a double-quoted string")


def _character_index(text: str, position: int, character: Any) -> int:
    """The index in `text` of the character the reader refused. libyaml (CSafeLoader) reports its byte offset
    in the UTF-8 encoding of the text; PyYAML's pure-Python reader, its index in the text."""
    wanted = chr(character) if isinstance(character, int) else str(character)[:1]
    index = len(text.encode("utf-8")[:position].decode("utf-8", errors="ignore"))
    if text[index:index + 1] == wanted:
        return index
    if text[position:position + 1] == wanted:
        return position
    return max(text.find(wanted), 0) if wanted else 0


def _clamp(text: str, line: int, column: int) -> tuple[int, int]:
    """1-based position inside the text: libyaml may report one line past an unterminated last line."""
    lines = _LINE_BREAK.split(text)
    if line >= len(lines):
        line = len(lines) - 1
        column = len(lines[line])
    return line + 1, column + 1


class _Abort(Exception):
    """Input is hostile or broken past the point where further problems would be useful."""


class _MapFrame:
    """A mapping being built. `key` is the key whose value comes next; None: the next scalar is a key."""

    __slots__ = ("is_map", "container", "marks", "key", "key_pos", "size", "merges", "anchor")

    def __init__(self, container: Mapping, marks: dict[str, KeyMarks], anchor: str | None):
        # Tells the two kinds of frame apart: a slot, read as fast as the bool it is (the event loop reads it
        # for every event; a class attribute is slower to read through an instance on Python 3.11), and a
        # Literal, so that the type checker knows which kind of frame, and of container, it has.
        self.is_map: Literal[True] = True
        self.container = container
        self.marks = marks  # the container's, held here: read for every key, Mapping.marks is a property
        self.key: str | None = None
        self.key_pos: PackedPos = 0
        self.size = 1
        self.merges: list[tuple[Any, Pos]] = []
        self.anchor = anchor


class _SeqFrame:
    """A sequence being built."""

    __slots__ = ("is_map", "container", "marks", "size", "anchor")

    def __init__(self, container: Sequence, marks: list[PackedPos], anchor: str | None):
        self.is_map: Literal[False] = False
        self.container = container
        self.marks = marks
        self.size = 1
        self.anchor = anchor


_Frame = _MapFrame | _SeqFrame


class _Builder:
    """Turns parser events into Mapping / Sequence / scalars, without recursion."""

    def __init__(self, path: str, multi: bool = False):
        self.path = path
        self.multi = multi  # several documents allowed: each one's root goes to `finished` when the next starts
        self.finished: list[Any] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, expanded size)
        self.root: Any = None
        self.documents = 0
        self.nodes = 0
        self.problems: list[Diagnostic] = []

    def fail(self, pos: Pos, code: str, message: str) -> None:
        self.problems.append(error(Span(self.path, pos[0] + 1, pos[1] + 1), code, message))

    def run(self, loader: yaml.CSafeLoader | yaml.SafeLoader) -> None:
        """Feed every event of the parser `loader`, then dispose of it.

        Same result as `for event in yaml.parse(...): self.feed(event)`, faster: this loop runs
        once per event (~280,000 for 10,000 monitors) and four events in five are a mapping key
        or a plain scalar value, so those two (and quoted values) are handled inline instead of
        through three or four method calls, and the other common events are dispatched on their
        exact type (docs/performance.md). Anything else (anchors, tags, merge keys, duplicate
        keys, the node limit) goes through `feed` and the methods below.
        """
        stack = self.stack
        get_event = loader.get_event
        # A plain scalar's value depends on its text alone: a file repeats the same few (`Sum`, `5m`,
        # `critical`), so each is resolved once per file (errors are never remembered: they raise).
        plain: dict[str, Any] = {}
        try:
            while (event := get_event()) is not None:
                if type(event) is not ev.ScalarEvent or not stack:
                    if type(event) is ev.MappingEndEvent or type(event) is ev.SequenceEndEvent:
                        self.end(event)
                    elif type(event) is ev.MappingStartEvent or type(event) is ev.SequenceStartEvent:
                        self.start(event, type(event) is ev.MappingStartEvent)
                    else:
                        self.feed(event)
                    continue
                frame = stack[-1]
                mark = event.start_mark
                if mark is None:  # libyaml marks every event; the general path copes without
                    self.feed(event)
                    continue
                packed = (mark.line << _BITS) | mark.column
                if frame.is_map and frame.key is None:
                    new_key = intern(event.value)
                    if new_key == "<<" or new_key in frame.marks:
                        self.set_key(frame, event, (mark.line, mark.column))
                    else:
                        frame.key = new_key
                        frame.key_pos = packed
                elif event.tag is None and event.anchor is None and self.nodes < MAX_NODES:
                    self.nodes += 1  # what `add` does for a plain or quoted value, without its rare cases
                    frame.size += 1
                    text = event.value
                    if not event.implicit[0]:  # quoted: a string as written (scalar_value)
                        value = intern(text) if len(text) <= _INTERNED else text
                    elif (value := plain.get(text, _UNSEEN)) is _UNSEEN:
                        try:
                            value = plain[text] = _plain(text)
                        except _NumberTooLong as exc:
                            self.too_long((mark.line, mark.column), exc)
                            value = None
                    if not frame.is_map:
                        frame.container.append(value)
                        frame.marks.append(packed)
                        continue
                    key, frame.key = frame.key, None
                    if key == "<<":
                        frame.merges.append((value, (mark.line, mark.column)))
                    elif key is not _DUPLICATE and key is not None:  # never None: a mapping's first scalar is a key
                        frame.container[key] = value
                        frame.marks[key] = (frame.key_pos << 2 * _BITS) | packed
                else:
                    pos = (mark.line, mark.column)
                    self.add(self.scalar_value(event, pos), pos, 1, event.anchor)
        finally:
            loader.dispose()

    def feed(self, event: ev.Event) -> None:
        # The event classes have no subclasses: isinstance is the exact test the loop needs.
        if isinstance(event, ev.ScalarEvent):
            self.scalar(event)
        elif isinstance(event, ev.CollectionStartEvent):
            self.start(event, type(event) is ev.MappingStartEvent)
        elif isinstance(event, ev.CollectionEndEvent):
            self.end(event)
        elif isinstance(event, ev.AliasEvent):
            self.alias(event)
        elif isinstance(event, ev.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1 and self.multi:
                self.finished.append(self.root)
                self.root, self.anchors = None, {}  # an anchor belongs to its document (YAML 1.2, 9.1)
            elif self.documents > 1:
                self.fail(_pos(event), "multiple-documents",
                          "a spec file holds one YAML document; split this one into several files")
                raise _Abort

    def scalar(self, event: ev.ScalarEvent) -> None:
        pos = _pos(event)
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_map and frame.key is None:
            self.set_key(frame, event, pos)
            return
        value = self.scalar_value(event, pos)
        self.add(value, pos, 1, event.anchor)

    def set_key(self, frame: _MapFrame, event: ev.ScalarEvent, pos: Pos) -> None:
        key = intern(event.value)
        if key == "<<" and event.implicit[0] and event.tag is None:
            frame.key = "<<"  # merge key: its value is merged when the mapping ends
        elif key in frame.marks:
            first = key_position(frame.marks[key])[0] + 1
            self.fail(pos, "duplicate-key", f"duplicate key '{shown(key)}' (first defined on line {first})")
            frame.key = _DUPLICATE
        else:
            frame.key = key
        frame.key_pos = pack(pos)

    def scalar_value(self, event: ev.ScalarEvent, pos: Pos) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            # implicit[0]: a plain (unquoted, untagged) scalar, resolved by the core schema
            if event.implicit[0] and tag is None:
                return self.plain(event.value, pos)
            return intern(event.value) if len(event.value) <= _INTERNED else event.value
        if not tag.startswith(_TAG) or tag[len(_TAG):] not in ("str", "int", "float", "bool", "null"):
            self.fail(pos, "yaml-tag", f"unsupported YAML tag '{shown(_shorthand(tag))}'; obsgen specs use plain YAML values")
            return None
        return self.tagged(tag[len(_TAG):], event.value, pos)

    def plain(self, text: str, pos: Pos) -> Any:
        try:
            return _plain(text)
        except _NumberTooLong as exc:
            self.too_long(pos, exc)
            return None

    def too_long(self, pos: Pos, exc: _NumberTooLong) -> None:
        self.fail(pos, "number-too-long", f"a whole number of {exc.digits:,} digits; obsgen reads whole numbers of "
                                          f"at most {MAX_INT_DIGITS} digits (no spec value needs more)")

    def tagged(self, name: str, text: str, pos: Pos) -> Any:
        if name == "str":
            return text
        try:
            value = _plain(text)
        except _NumberTooLong as exc:
            self.too_long(pos, exc)
            return None
        expected = _TAGGED_TYPES.get(name)
        if expected is None or not isinstance(value, expected) or (name != "bool" and isinstance(value, bool)):
            self.fail(pos, "yaml-tag", f"'{shown(text)}' is not a valid !!{name}")
            return None
        if name == "float" and isinstance(value, int):
            return float(value)  # `!!float 1` is 1.0
        return value

    def start(self, event: ev.CollectionStartEvent, is_map: bool) -> None:
        pos = _pos(event)
        if event.tag is not None and event.tag not in ("!", _MAP_TAG if is_map else _SEQ_TAG):
            self.fail(pos, "yaml-tag", f"unsupported YAML tag '{shown(_shorthand(event.tag))}'; obsgen specs use plain YAML values")
        stack = self.stack
        if len(stack) >= MAX_DEPTH:
            self.fail(pos, "too-deep", _TOO_DEEP)
            raise _Abort
        frame = stack[-1] if stack else None
        if frame is not None and frame.is_map and frame.key is None:
            self.fail(pos, "yaml-key", "mapping keys must be plain strings, not lists or mappings")
            raise _Abort
        new: _Frame
        if is_map:
            keys: dict[str, KeyMarks] = {}
            mapping = Mapping()
            mapping.start, mapping.marks = pos, keys
            new = _MapFrame(mapping, keys, event.anchor)
        else:
            items: list[PackedPos] = []
            sequence = Sequence()
            sequence.start, sequence.marks = pos, items
            new = _SeqFrame(sequence, items, event.anchor)
        if frame is not None and frame.is_map and (key := frame.key) is not None and key is not _DUPLICATE and key != "<<":
            # What `add` does for a collection that is a mapping's value (most of them), without its rare cases:
            # a new container adds no node (size 0) and cannot pass the limit; its anchor is set when it ends.
            frame.container[key] = new.container
            frame.marks[key] = (frame.key_pos << 2 * _BITS) | (pos[0] << _BITS) | pos[1]
            frame.key = None
        else:
            self.add(new.container, pos, 0, None)
        stack.append(new)

    def end(self, event: ev.Event) -> None:
        frame = self.stack.pop()
        if frame.is_map and frame.merges:
            self.merge(frame)
        if frame.anchor:
            self.anchors[frame.anchor] = (frame.container, frame.size)
        if self.stack:
            self.stack[-1].size += frame.size

    def alias(self, event: ev.AliasEvent) -> None:
        pos = _pos(event)
        anchor = event.anchor
        if anchor is None or anchor not in self.anchors:
            self.fail(pos, "yaml-syntax", f"alias *{shown(anchor)} refers to no anchor (or to one still open)")
            raise _Abort
        value, size = self.anchors[anchor]
        frame = self.stack[-1] if self.stack else None
        if frame is not None and frame.is_map and frame.key is None:
            self.fail(pos, "yaml-key", "an alias cannot be used as a mapping key")
            raise _Abort
        self.add(value, pos, size, None)

    def add(self, value: Any, pos: Pos, size: int, anchor: str | None) -> None:
        self.nodes += size
        if self.nodes > MAX_NODES:
            self.fail(pos, "too-many-nodes",
                      f"document expands to more than {MAX_NODES:,} values (aliases included); refusing to read it")
            raise _Abort
        if anchor:
            self.anchors[anchor] = (value, size)
        if not self.stack:
            self.root = value
            return
        frame = self.stack[-1]
        frame.size += size
        if not frame.is_map:
            frame.container.append(value)
            frame.marks.append(pack(pos))
            return
        key, frame.key = frame.key, None
        if key == "<<":
            frame.merges.append((value, pos))
        elif key is not _DUPLICATE and key is not None:  # never None: a mapping's first scalar is a key
            frame.container[key] = value
            frame.marks[key] = (frame.key_pos << 2 * _BITS) | pack(pos)

    def merge(self, frame: _MapFrame) -> None:
        """`<<: *base` or `<<: [*a, *b]`: keys written in the mapping itself win."""
        target = frame.container
        for value, pos in frame.merges:
            sources = value if isinstance(value, list) else [value]
            for source in sources:
                if not isinstance(source, Mapping):
                    self.fail(pos, "yaml-merge", f"'<<' merges mappings (or a list of them), found {_kind(source)}")
                    continue
                for key, item in source.items():
                    if key not in target:
                        target[key] = item
                        target.marks[key] = source.marks[key]


class _DuplicateKey(str):
    """The type of `_DUPLICATE`: a str, so that a frame's key stays typed as one, of a type the parser never
    makes, so that no key read from the file is ever it (it is compared by identity)."""


# A mapping frame's key after a duplicate key (reported): the value that follows is dropped.
_DUPLICATE: Final = _DuplicateKey("duplicate key")
_UNSEEN: Final = object()  # a plain scalar's text not resolved yet in this file (_Builder.run)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    return {str: "a string", list: "a list", Sequence: "a list", type(None): "nothing (null)"}.get(type(value), "a value")


def _shorthand(tag: str) -> str:
    return "!!" + tag[len(_TAG):] if tag.startswith(_TAG) else tag


def _pos(event: ev.Event) -> Pos:
    mark = event.start_mark
    return (mark.line, mark.column) if mark is not None else (0, 0)  # libyaml marks every event


class _NumberTooLong(ValueError):
    def __init__(self, digits: int):
        super().__init__(digits)
        self.digits = digits


def _plain(text: str) -> Any:
    """Resolve an untagged plain scalar with the YAML 1.2 core schema. Raises _NumberTooLong for a whole
    number of more than MAX_INT_DIGITS digits."""
    if text in _NULLS:
        return None
    first = text[0]
    if first in "tTfF":
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return intern(text) if len(text) <= _INTERNED else text
    if first in "0123456789+-.":
        if _INT.match(text):
            prefixed = text[:2] in ("0o", "0x")
            if len(text) > MAX_INT_DIGITS:
                digits = len(text[2:] if prefixed else text.lstrip("+-"))
                if digits > MAX_INT_DIGITS:
                    raise _NumberTooLong(digits)
            return int(text, 0) if prefixed else int(text)
        if _FLOAT.match(text):
            return float(text)
        return _SPECIAL_FLOATS.get(text, text)
    return intern(text) if len(text) <= _INTERNED else text
