"""Located diagnostics: the one way obsgen reports a problem in the user's input.

A diagnostic is a small frozen value; the library collects them and returns them, and the CLI
(or any other front end) decides how to render them. Nothing here prints or exits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Iterable


MAX_SHOWN = 80  # characters of a user's value that a message quotes; the rest is cut, with an ellipsis


def one_line(text: str) -> str:
    """`text` with every character that is not printable escaped as Python's repr writes it (`\\n`, `\\t`,
    `\\x07`, `\\u2028`, `\\u202e`): one line, and nothing that moves a terminal's cursor or reorders text."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """A user's value as a message quotes it: on one line (see one_line) and at most `limit` characters.

    Every message that quotes something the user wrote (a value, a key, a name that failed validation) goes
    through here, so one diagnostic is one line of a readable length whatever the input (a 3 MB line, a key
    with a newline in it)."""
    text = value if isinstance(value, str) else str(value)
    escaped = one_line(text[:limit + 1])
    if len(text) <= limit and len(escaped) <= limit:
        return escaped
    kept, size = [], 0
    for ch in text[:limit]:  # whole escapes only: `\\x07`, never `\\x0`
        piece = one_line(ch)
        if size + len(piece) > limit - 1:
            break
        kept.append(piece)
        size += len(piece)
    return "".join(kept) + "…"


class Level(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True, slots=True)
class Span:
    """A point in a source file. `line` and `column` are 1-based, as editors show them."""

    file: str
    line: int = 0  # 0 when the problem concerns the whole file (e.g. it is missing)
    column: int = 0

    def __str__(self) -> str:
        if self.line <= 0:
            return one_line(self.file)
        return f"{one_line(self.file)}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True, slots=True)
class Diagnostic:
    """One problem. Ordered by position so a run's report reads top to bottom, file by file."""

    span: Span
    code: str  # a stable slug such as "unknown-key"; documented in docs/diagnostics.md
    message: str
    level: Level = field(default=Level.ERROR, compare=False)

    def __str__(self) -> str:
        """`file:line:column: error: message [code]`, always one line: messages quote values through `shown`,
        and anything that still is not printable is escaped here."""
        return f"{self.span}: {self.level.value}: {one_line(self.message)} [{self.code}]"


def error(span: Span, code: str, message: str) -> Diagnostic:
    return Diagnostic(span, code, message, Level.ERROR)


def warning(span: Span, code: str, message: str) -> Diagnostic:
    return Diagnostic(span, code, message, Level.WARNING)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.level is Level.ERROR for d in diagnostics)


def unique_sorted(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The same problem found once per environment is reported once."""
    return sorted(set(diagnostics), key=_order)


def _order(diagnostic: Diagnostic) -> tuple[str, int, int, str, str]:
    """Diagnostic's own order (its span's fields, code, message: the dataclass's `order=True`) as one key: a
    sort through the generated `__lt__`s, two Python calls per comparison, took ~40 ms of `validate`'s
    10,000 warnings at 10,000 monitors."""
    span = diagnostic.span
    return span.file, span.line, span.column, diagnostic.code, diagnostic.message


_ENVIRONMENT = re.compile(r"environment '([^']*)'")
_ANY_ENVIRONMENT = "environment '…'"


def merge_environments(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """One problem at one place, found in several environments (a composite naming a monitor that a
    `disabled:` list shared through a YAML anchor turns off in three of them), is one diagnostic naming
    every environment, not one per environment: the fix is one edit. Messages that name a single
    environment as `environment '<name>'` and are otherwise equal are merged."""
    groups: dict[tuple[Span, str, Level, str], list[tuple[Diagnostic, str]]] = {}
    rest = []
    for diagnostic in unique_sorted(diagnostics):
        named = _ENVIRONMENT.findall(diagnostic.message)
        if len(named) != 1:
            rest.append(diagnostic)
            continue
        masked = _ENVIRONMENT.sub(_ANY_ENVIRONMENT, diagnostic.message)
        groups.setdefault((diagnostic.span, diagnostic.code, diagnostic.level, masked), []).append((diagnostic, named[0]))
    for (_, _, _, masked), members in groups.items():
        if len(members) == 1:
            rest.append(members[0][0])
            continue
        names = [f"'{env}'" for _, env in members]
        listed = f"environments {', '.join(names[:-1])} and {names[-1]}"
        rest.append(replace(members[0][0], message=masked.replace(_ANY_ENVIRONMENT, listed)))
    return sorted(rest)


class SpecError(Exception):
    """Raised by library entry points when the spec has errors; carries every diagnostic found."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = unique_sorted(diagnostics)
        super().__init__(f"{len(self.diagnostics)} problem(s) in the spec")
