"""`cli.common.print_lines`: piped, printable lines are written as they are, and that is byte for byte
what rich prints for them; anything rich would change (control codes, tabs) still goes through rich."""

from __future__ import annotations

import io

import pytest

from obsgen.cli._consoles import make_console
from obsgen.cli.common import print_lines

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
