"""Property-based tests: whatever is done to a valid spec, obsgen answers with located diagnostics or a build.

Each example starts from the repository's example project (monitors/ and runbooks_src/, copied into a
temporary directory) and damages it: values replaced by random scalars, lists or mappings, keys
deleted, inserted or renamed, files truncated, bytes or YAML punctuation inserted, lines duplicated
(the mutators live in mutators.py; the fuzzer, fuzzing.py, adds hostile ones and a bound on time).
Then:
- `compile_project` never raises;
- every error names a file under monitors/ and, unless its code is a documented whole-file code,
  a line and column that exist in that file;
- `obsgen validate` (run in-process) exits 0 or 1, never with an exception or a traceback, and
  agrees with the library;
- a project that compiles compiles to the same bytes twice.
The CI profile (env CI=true, see conftest.py) derandomizes the examples.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.language import yaml_reader as yaml_source
from obsgen.diagnostics import Level
from mutators import EXAMPLE, SPEC_FILES, YAML_TOKENS, mutate_data, mutate_text, write_files

REPO = Path(__file__).resolve().parent.parent
# Diagnostics about a whole file (missing, not a regular file, unreadable) have no line to show.
FILE_LEVEL_CODES = {"no-spec", "no-project-file", "not-a-file", "unreadable", "too-many-files"}
EXAMPLES = 200
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # libyaml's line breaks, as diagnostics count lines

runner = CliRunner()
# `validate` also runs promtool on PromQL monitors when it is installed: an external tool, a
# subprocess per example, and checks of its own (tested in the Prometheus tests). Here the CLI
# must agree with the library, so promtool is pointed at a name that does not exist.
NO_PROMTOOL = {"OBSGEN_PROMTOOL": "obsgen-property-tests-without-promtool"}


# --- the properties ------------------------------------------------------------------------------


def check_project(root: Path) -> None:
    build = compile_project(root)  # must not raise, whatever the input
    for item in build.diagnostics:
        if item.level is not Level.ERROR:
            continue
        assert item.span.file.startswith(("monitors/", "runbooks_src/")), str(item)
        if item.code in FILE_LEVEL_CODES:
            continue
        assert item.span.line >= 1 and item.span.column >= 1, str(item)
        source = root / item.span.file
        if source.is_file():  # the location exists in the file
            lines = LINE_BREAK.split(source.read_bytes().decode("utf-8", errors="replace"))
            assert item.span.line <= len(lines), str(item)
    result = runner.invoke(app, ["validate", "-C", str(root)], env=NO_PROMTOOL)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    assert result.exit_code == (0 if build.ok else 1), result.output
    if build.ok:
        assert compile_project(root).files == build.files


@pytest.mark.long
@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_structural_mutations_are_reported_or_compiled(data: st.DataObject) -> None:
    files = dict(EXAMPLE)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        target = data.draw(st.sampled_from(SPEC_FILES), label="file")
        document = yaml.safe_load(files[target])
        document = mutate_data(document, data.draw)
        files[target] = yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        write_files(Path(tmp), files)
        check_project(Path(tmp))


@pytest.mark.long
@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_text_mutations_are_reported_or_compiled(data: st.DataObject) -> None:
    files = dict(EXAMPLE)
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        target = data.draw(st.sampled_from(SPEC_FILES), label="file")
        files[target] = mutate_text(files[target], data.draw)
    with tempfile.TemporaryDirectory() as tmp:
        write_files(Path(tmp), files)
        check_project(Path(tmp))


def test_unmutated_round_trip_compiles() -> None:
    """The structural property re-dumps files with PyYAML; untouched, that must still compile."""
    files = {rel: (yaml.safe_dump(yaml.safe_load(text), sort_keys=False).encode("utf-8") if rel in SPEC_FILES else text)
             for rel, text in EXAMPLE.items()}
    with tempfile.TemporaryDirectory() as tmp:
        write_files(Path(tmp), files)
        build = compile_project(Path(tmp))
        assert [str(d) for d in build.diagnostics] == [] and build.ok


_DUMP = """
import hashlib, sys
from pathlib import Path
from obsgen.compiler import compile_project
build = compile_project(Path(sys.argv[1]))
assert build.ok, build.diagnostics
for name, content in sorted(build.files.items()):
    print(name, hashlib.sha256(content.encode()).hexdigest())
"""


def test_output_does_not_depend_on_hash_seed() -> None:
    """Compiling twice in one process shares the hash seed; set and dict order bugs show across processes."""
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outputs.append(subprocess.run([sys.executable, "-c", _DUMP, str(REPO)], env=env, capture_output=True,
                                      text=True, check=True).stdout)
    assert outputs[0] == outputs[1] and outputs[0].count("\n") >= 10


# --- the YAML reader alone, on arbitrary text -------------------------------------------------------

yaml_text = st.lists(st.one_of(st.sampled_from(YAML_TOKENS + ["a", "b: 1", "- x", "  ", "\n", "&x ", "*x"]),
                               st.text(max_size=6)), max_size=40).map("".join)


@settings(max_examples=EXAMPLES, deadline=None)
@given(text=yaml_text)
def test_yaml_reader_never_raises_and_points_inside_the_text(text: str) -> None:
    doc, problems = yaml_source.load("monitors/x.yaml", text)
    assert (doc is None) == bool(problems)
    lines = LINE_BREAK.split(text)
    for item in problems:
        assert 1 <= item.span.line <= len(lines), str(item)
        assert 1 <= item.span.column <= len(lines[item.span.line - 1]) + 1, str(item)


# --- errors inside a composite rule point at the name, whatever the YAML style -------------------

KNOWN = ["errors", "latency", "orders/errors"]
UNKNOWN = "missing-one"
STYLES = ["plain", "double", "single", "folded", "literal"]


def _rule_yaml(words: list[str], joins: list[str], style: str) -> str:
    """The rule as a service file writes it, under `    rule:` (indent 4), ending with a newline."""
    parts = [words[0]] + [f"{join}{word}" for join, word in zip(joins, words[1:])]
    if style in ("folded", "literal"):
        body = "".join(parts).replace("\n", "\n      ")
        return f" {'>-' if style == 'folded' else '|-'}\n      {body}\n"
    flat = "".join(parts)
    if style == "plain":
        return " " + flat.replace("\n", "\n      ") + "\n"
    quote = '"' if style == "double" else "'"
    return f" {quote}{flat.replace(chr(10), chr(10) + '      ')}{quote}\n"


@settings(max_examples=EXAMPLES, deadline=None)
@given(words=st.lists(st.sampled_from(KNOWN), min_size=0, max_size=6), position=st.integers(0, 6),
       joins=st.lists(st.sampled_from([" or ", " and ", " or\n", " and not ", "\nor "]), min_size=7, max_size=7),
       style=st.sampled_from(STYLES))
def test_unknown_monitor_in_rule_is_located_at_its_name(words: list[str], position: int, joins: list[str],
                                                        style: str) -> None:
    words = list(words)
    words.insert(min(position, len(words)), UNKNOWN)
    base = (BAD_SPECS_BASE / "monitors" / "orders.yaml").read_text(encoding="utf-8")
    text = base.replace(" errors or latency\n", _rule_yaml(words, joins, style))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_files(root, {rel: path.read_bytes() for rel, path in _files(BAD_SPECS_BASE).items()})
        (root / "monitors" / "orders.yaml").write_text(text, encoding="utf-8")
        build = compile_project(root)
    found = [d for d in build.diagnostics if d.code == "unknown-monitor"]
    assert len(found) == 1, [str(d) for d in build.diagnostics]
    line = LINE_BREAK.split(text)[found[0].span.line - 1]
    assert line[found[0].span.column - 1:].startswith(UNKNOWN), (str(found[0]), line)


BAD_SPECS_BASE = Path(__file__).parent / "bad_specs" / "_base"


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}
