"""One diagnostic is one line: what the user wrote is quoted escaped (control characters, line breaks) and cut.

A name with a newline in it used to split a diagnostic over two lines, and `found "…"` echoed values of any
size (a 3 MB line); a problem matcher reading `file:line:column: error: message [code]` line by line then
misreads every line that follows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from obsgen.compiler import compile_project
from obsgen.diagnostics import MAX_SHOWN, Diagnostic, Span, error, one_line, shown

BASE = Path(__file__).parent / "bad_specs" / "_base"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    return tmp_path


def _replace(root: Path, old: str, new: str) -> None:
    path = root / "monitors" / "orders.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _errors(root: Path) -> list[str]:
    build = compile_project(root)
    assert not build.ok
    return [str(d) for d in build.diagnostics]


def test_a_value_is_shown_escaped_and_cut():
    assert shown("a\nb\tc\x07\u2028\u202e") == "a\\nb\\tc\\x07\\u2028\\u202e"
    assert shown("x" * MAX_SHOWN) == "x" * MAX_SHOWN
    assert shown("x" * 3_000_000) == "x" * (MAX_SHOWN - 1) + "…"
    assert shown("\x07" * 100) == "\\x07" * 19 + "…"  # escapes are never cut in half


def test_a_message_that_still_holds_a_line_break_prints_on_one_line():
    item = error(Span("monitors/a\nb.yaml", 3, 1), "bad-value", "first\nsecond\r\u2028third")
    assert str(item) == "monitors/a\\nb.yaml:3:1: error: first\\nsecond\\r\\u2028third [bad-value]"
    assert one_line("plain text, quotes ' \" and all") == "plain text, quotes ' \" and all"


def test_a_monitor_name_holding_a_newline_is_reported_on_one_line(root: Path):
    _replace(root, "  latency:\n", '  "lat\\nency":\n')
    [problem] = _errors(root)
    assert problem.startswith("monitors/orders.yaml:19:3: error: monitors.lat\\nency: invalid name: expected a name ")
    assert problem.endswith('found "lat\\nency" [bad-name]')


def test_an_unknown_key_holding_control_characters_is_reported_on_one_line(root: Path):
    _replace(root, "    runbook: orders\n", '    runbook: orders\n    "run\\rbook\\u0085": x\n')
    [problem] = _errors(root)
    assert problem.startswith("monitors/orders.yaml:19:5: error: unknown key 'run\\rbook\\x85' in monitors.errors")


def test_a_long_value_is_cut_in_the_message(root: Path):
    """60,000 characters: under the reader's limit for one string (value-too-long), far over a readable line."""
    _replace(root, 'threshold: "> 5"', f'threshold: "> {"9" * 60_000}x"')
    [problem] = _errors(root)
    assert problem.startswith("monitors/orders.yaml:16:16: error: monitors.errors.threshold: expected a comparison")
    assert f'found "> {"9" * (MAX_SHOWN - 3)}…" [bad-value]' in problem
    assert len(problem) < 400


def test_an_unknown_template_variable_holding_a_newline_is_reported_on_one_line(root: Path):
    _replace(root, 'name: "orders-${env}"', 'name: "orders-${e\\nv}"')
    problems = _errors(root)
    assert problems and all("\n" not in p for p in problems)
    assert "unknown template variable ${e\\nv}" in problems[0]


def test_every_diagnostic_renders_through_the_same_escaping():
    assert Diagnostic.__str__(error(Span("f.yaml", 1, 1), "c", "\x1b[31mred")) == "f.yaml:1:1: error: \\x1b[31mred [c]"
