"""The YAML reader keeps positions, follows the YAML 1.2 core schema and refuses hostile input."""

from __future__ import annotations

import time

import pytest

from obsgen.language import yaml_reader as yaml_source


def load(text):
    return yaml_source.load("f.yaml", text)


def test_values_keep_their_line_and_column():
    doc, problems = load("a:\n  b: [1, {c: x}]\n")
    assert problems == []
    assert str(doc.span(("a", "b", 1, "c"))) == "f.yaml:2:14"
    assert str(doc.span(("a", "b", 1, "c"), at_key=True)) == "f.yaml:2:11"


def test_positions_far_down_and_far_right_in_a_file_at_the_size_limit_are_exact():
    # Mapping and Sequence marks pack a position into 23 bits per number (memory, issue #22)
    lines, column = 1_000_000, 2_000_000
    text = "\n" * lines + " " * column + "{k: [x, y]}\n"
    assert len(text) <= yaml_source.MAX_FILE_BYTES
    doc, problems = load(text)
    assert problems == []
    assert str(doc.span(("k", 1))) == f"f.yaml:{lines + 1}:{column + 9}"
    assert str(doc.span(("k",), at_key=True)) == f"f.yaml:{lines + 1}:{column + 2}"


def test_equal_keys_and_short_values_of_different_documents_are_one_string():
    # a 50,000-alarm project repeats `threshold:` and `Sum` 50,000 times: held once (issue #22)
    first, _ = load("threshold: '> 5'\nstatistic: Sum\n")
    second, _ = load("threshold: '> 5'\nstatistic: Sum\n")
    assert [k for k in first.data][0] is [k for k in second.data][0]
    assert first.data["statistic"] is second.data["statistic"]
    assert first.data["threshold"] is second.data["threshold"]


def test_a_missing_path_points_at_its_deepest_existing_ancestor():
    doc, _ = load("a:\n  b: 1\n")
    assert str(doc.span(("a", "zzz", "y"))) == "f.yaml:2:3"


def test_scalars_follow_the_yaml_1_2_core_schema():
    doc, _ = load("a: yes\nb: on\nc: true\nd: 010\ne: 1.5\nf: ~\ng: '5'\nh: 0x1F\ni: 2024-01-01\n")
    assert doc.data == {"a": "yes", "b": "on", "c": True, "d": 10, "e": 1.5, "f": None, "g": "5", "h": 31,
                        "i": "2024-01-01"}


def test_merge_keys_merge_and_explicit_keys_win():
    doc, _ = load("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n")
    assert doc.data["thing"] == {"x": 1, "y": 3}


def test_duplicate_keys_are_reported_with_both_lines():
    _, problems = load("a: 1\nb: 2\na: 3\n")
    assert [str(p) for p in problems] == ["f.yaml:3:1: error: duplicate key 'a' (first defined on line 1) [duplicate-key]"]


def test_an_alias_bomb_fails_fast_with_a_message():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    started = time.process_time()
    doc, problems = load("\n".join(lines) + "\n")
    assert doc is None and problems[0].code == "too-many-nodes"
    assert time.process_time() - started < 5  # a generous bound: without the limit this never ends


def test_deep_nesting_is_refused_before_libyaml_can_crash():
    doc, problems = load("[" * 200_000 + "]" * 200_000)
    assert doc is None and problems[0].code == "too-deep"


@pytest.mark.parametrize("depth", [60, 999, 1_000, 10_000])
def test_deep_nesting_is_located_at_obsgens_limit_whichever_layer_notices(depth):
    """libyaml (0.2.6+) refuses 1,000 levels itself, before obsgen's builder sees level 49: the
    diagnostic must not depend on which of the two noticed first."""
    # The document's mapping is level 1, so the 48th bracket opens level 49: column 4 + 47 * len(opener).
    for opener, closer in (("[", "]"), ("{k: ", "}")):
        doc, problems = load("a: " + opener * depth + closer * depth)
        where = [(p.code, p.span.line, p.span.column) for p in problems]
        assert doc is None and where == [("too-deep", 1, 4 + 47 * len(opener))]


def test_deep_block_nesting_is_too_deep_not_a_syntax_error():
    text = "a:\n" + "".join(" " * i + "-\n" for i in range(1, 1_100))
    doc, problems = load(text)
    assert doc is None and [p.code for p in problems] == ["too-deep"]


def test_python_tags_are_refused():
    _, problems = load("a: !!python/object:os.system x\n")
    assert problems[0].code == "yaml-tag" and problems[0].span.line == 1


def test_syntax_errors_are_located():
    _, problems = load("a: [1, 2\nb: 3\n")
    assert problems[0].code == "yaml-syntax" and problems[0].span.line >= 2


def test_an_empty_file_is_an_error():
    _, problems = load("# only a comment\n")
    assert problems[0].code == "empty-file"


@pytest.mark.parametrize("text, position", [
    ("a: 1\nb: x\x07\n", "f.yaml:2:5"),
    ("a: éé\nb: \U0001F600\x1b\n", "f.yaml:2:5"),  # libyaml counts bytes; the column counts characters
    ("\ufeffa: 1\r\nb: 2\n  \x00\n", "f.yaml:3:3"),
    ("a: \"ok\"\nb: \x7f\n", "f.yaml:2:4"),
])
def test_a_control_character_is_located_where_it_stands_and_named(text, position):
    doc, problems = load(text)
    assert doc is None and len(problems) == 1
    [problem] = problems
    code = next(ch for ch in text if ord(ch) in (0, 7, 0x1b, 0x7f))
    assert str(problem).startswith(f"{position}: error: invalid YAML: control character U+{ord(code):04X} is not "
                                   "allowed in a YAML file")
    assert "\n" not in str(problem) and problem.code == "yaml-syntax"


def test_a_character_yaml_refuses_that_is_not_a_control_character_is_named_too():
    _, [problem] = load("a: 1\nb: x\ufffe\n")
    assert str(problem).startswith("f.yaml:2:5: error: invalid YAML: character U+FFFE is not allowed")


def test_a_duplicate_key_holding_a_newline_is_reported_on_one_line():
    _, [problem] = load('"a\\nb": 1\n"a\\nb": 2\n')
    assert str(problem) == "f.yaml:2:1: error: duplicate key 'a\\nb' (first defined on line 1) [duplicate-key]"


@pytest.mark.parametrize("value", ["9" * 5000, "-" + "1" * 101, "0x" + "f" * 4000, "!!int " + "1" * 5000,
                                   "&n " + "7" * 4301])
def test_a_whole_number_too_long_to_read_is_located_not_a_crash(value):
    doc, problems = load(f"a: 1\nb: [x, {value}]\n")
    assert doc is None
    assert [p.code for p in problems] == ["number-too-long"]
    assert str(problems[0]).startswith("f.yaml:2:8: error: a whole number of ")


def test_a_whole_number_of_100_digits_is_read():
    doc, problems = load(f"a: {'1' * yaml_source.MAX_INT_DIGITS}\nb: 1{'0' * 400}.5\n")
    assert problems == [] and doc.data["a"] == int("1" * 100) and doc.data["b"] == float("inf")


def test_a_string_too_long_for_any_spec_value_is_located():
    """A 3 MB description is valid YAML, but copied into every environment's outputs it cost 16 s."""
    long = "x" * (yaml_source.MAX_STRING_CHARS + 1)
    doc, problems = load(f"a: 1\nb:\n  - ok\n  - [{long}]\nc: &z {{d: {long}}}\ne: *z\n")
    assert doc is None
    assert [str(p).split(": error: ")[0] for p in problems] == ["f.yaml:4:6", "f.yaml:5:11"]
    assert {p.code for p in problems} == {"value-too-long"} and f"{len(long):,} characters" in problems[0].message


def test_a_string_at_the_limit_is_read():
    doc, problems = load(f"a: {'x' * yaml_source.MAX_STRING_CHARS}\n")
    assert problems == [] and len(doc.data["a"]) == yaml_source.MAX_STRING_CHARS
