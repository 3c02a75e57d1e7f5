"""`cli.common.print_lines` and `print_line`: piped, printable lines are written as they are, and that
is byte for byte what rich prints for them; anything rich would change (control codes, tabs) still
goes through rich. `print_line` decides "piped" without making a console (`surely_no_terminal`)."""

from __future__ import annotations

import importlib
import io
import sys

import pytest

from obsgen.cli._consoles import make_console
from obsgen.cli.common import print_line, print_lines, surely_no_terminal

SAMPLES = [
    ["monitors/orders.yaml:34:38: error: expression is not valid metric math: expected ')' [bad-math-expression]"],
    ["a :100: [red]x[/red] :fire:", "é ü 名前 ٣ ５ ²", "   leading and trailing   ", ""],
    ["right-to-left \u202e mark", "zero\u200bwidth"],  # format characters: not printable, so rich's way
    ["tab\there", "bell\x07", "escape \x1b[31mred", "carriage\rreturn"],  # what rich strips or expands
    [""], ["x" * 5000],
]


def printed(lines: list[str], fast: bool) -> str:
    console = make_console(stderr=True)
    console.file = io.StringIO()
    if fast:
        print_lines(console, lines)
    else:
        for line in lines:
            console.print(line, markup=False)
    return console.file.getvalue()


@pytest.mark.parametrize("lines", SAMPLES)
def test_what_is_written_equals_what_rich_prints_line_by_line(lines):
    assert printed(lines, fast=True) == printed(lines, fast=False)


def test_only_printable_lines_bypass_rich(monkeypatch):
    calls = []
    console = make_console(stderr=True)
    console.file = io.StringIO()
    monkeypatch.setattr(console, "print", lambda *a, **k: calls.append(a))
    print_lines(console, ["plain", "also plain"])
    assert calls == [] and console.file.getvalue() == "plain\nalso plain\n"
    print_lines(console, ["with\ttab"])
    assert calls == [("with\ttab",)]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stderr", [False, True], ids=["stdout", "stderr"])
@pytest.mark.parametrize("line", [line for lines in SAMPLES for line in lines])
def test_print_line_writes_what_rich_prints(monkeypatch, line, stderr):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr" if stderr else "stdout", stream)
    print_line(line, stderr=stderr)
    assert stream.getvalue() == printed([line], fast=False)


@pytest.mark.parametrize("stream, environ, rich_asked", [
    (io.StringIO(), {}, False),
    (_Tty(), {}, True),
    (io.StringIO(), {"FORCE_COLOR": "1"}, True),  # rich then treats any stream as a terminal
    (io.StringIO(), {"FORCE_COLOR": ""}, True),
    (io.StringIO(), {"TTY_COMPATIBLE": "1"}, True),
    (io.StringIO(), {"TTY_COMPATIBLE": "0"}, True),
])
def test_only_what_rich_would_surely_call_no_terminal_bypasses_the_console(monkeypatch, stream, environ, rich_asked):
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", stream)
    consoles = importlib.import_module("obsgen.cli.app")
    for name in ("out", "err"):  # as in a fresh process, where no console has been made yet
        monkeypatch.delattr(consoles, name, raising=False)
    assert surely_no_terminal() is not rich_asked
    if not rich_asked:  # the claim itself: rich agrees that this is no terminal
        assert make_console(stderr=False).is_terminal is False


def test_a_console_already_made_decides_for_itself(monkeypatch):
    """A console made (or put in place, as tests put a terminal's) is asked, whatever sys.stdout is."""
    consoles = importlib.import_module("obsgen.cli.app")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(consoles, "out", make_console(stderr=False), raising=False)
    assert surely_no_terminal() is False
