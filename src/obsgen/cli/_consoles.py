"""The two consoles everything is printed with (cli/app.py hands them out as `out` and `err`)."""

from __future__ import annotations

from rich.console import Console


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """rich exits 1 when the reader has gone; the command's boundary decides instead (0, or
        the verdict of drift and plan: `reader_may_leave`). Nothing more is printed on it."""
        self.quiet = True
        raise BrokenPipeError


def make_console(stderr: bool) -> Console:
    """Everything printed is verbatim: user text and `file:line:column` positions must reach editors, CI
    problem matchers and SARIF converters as written. rich would otherwise turn `:100:` into an emoji (its
    emoji codes include ":100:" and ":1234:"), read `[red]` in a value as markup and colour numbers; a call
    that wants markup (cli_aws._fail on a terminal) asks for it and escapes the text it inserts."""
    return _Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False, markup=False)
