"""The fuzzer: damaged copies of the example project, each run through `obsgen validate` in a child process.

A case is the example project (monitors/ and runbooks_src/) after one to three edits from mutators.py,
hostile ones included. The child runs the real command (`obsgen.cli.main`, argv `validate -C <case>`) and
reports what it saw; the parent bounds each case in time (a case that does not answer within the timeout is
a hang: the child is killed and a new one started) and the child bounds memory (an address-space limit, so a
memory bomb is a MemoryError, not a machine out of memory). A case's findings, by kind:

- `internal-error`: the command raised (the CLI would print "internal error ... a bug in obsgen");
- `hang`: no answer within the timeout; `crash`: the child died (a signal, the kernel);
- `unlocated`: an error without a position that exists (file, line >= 1 within the file, column >= 1),
  except the whole-file codes;
- `not-one-line`: output that is not a diagnostic, a known note or the summary (a diagnostic broken over
  lines), or a summary whose count differs from the errors printed;
- `exit-code`: not 0 with no errors, 1 with errors.
Two more kinds are reported by scripts/fuzz.py without failing anything: `long-diagnostic` (a line over
1,000 characters: a value quoted without being cut) and `column-past-end`.

Used by tests/test_fuzz.py (a fixed seed, a few hundred cases, in CI) and scripts/fuzz.py (long runs).
"""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import resource
import shutil
import sys
import tempfile
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

import yaml

from mutators import EXAMPLE, RUNBOOK_FILES, SPEC_FILES, Draw, dump, mutate_data, mutate_runbook, mutate_text

TIMEOUT = 10.0  # seconds per case; a case that takes longer is a hang
MEMORY_LIMIT = 4 * 1024 ** 3  # bytes of address space for the child
LONG_LINE = 1_000
FILE_LEVEL_CODES = {"no-spec", "no-project-file", "not-a-file", "unreadable", "too-many-files"}
FAILING_KINDS = ("internal-error", "hang", "crash", "unlocated", "not-one-line", "exit-code")
NOTE_KINDS = ("long-diagnostic", "column-past-end")

_LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?:error|warning): .* \[(?P<code>[a-z0-9-]+)\]$")
_WHOLE_FILE = re.compile(r"^(?P<file>[^:]+): (?:error|warning): .* \[(?P<code>[a-z0-9-]+)\]$")
_SUMMARY = re.compile(r"^(\d+) error\(s\); nothing was written\.$")
_NOTES = ("note: ",)  # e.g. "note: promtool not found; PromQL syntax was checked in-process, ..."
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # libyaml's line breaks


@dataclass(frozen=True)
class Finding:
    kind: str
    detail: str  # one line, cut

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    exit_code: int | None = None
    errors: int = 0  # error lines printed
    seconds: float = 0.0

    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.kind in FAILING_KINDS]


# --- one case ------------------------------------------------------------------------------------


@dataclass
class Case:
    files: dict[str, bytes]
    edits: list[str]  # what was done, e.g. "monitors/stock-api.yaml: text/number"

    def changed(self) -> dict[str, bytes]:
        """The files that differ from the example (deleted ones map to b"")."""
        return {rel: self.files.get(rel, b"") for rel in sorted({*self.files, *EXAMPLE})
                if self.files.get(rel) != EXAMPLE.get(rel)}


def mutate_project(draw: Draw, edits: int | None = None) -> Case:
    """The example project after 1-3 edits: structural or textual on spec files, or on runbook pages."""
    files = dict(EXAMPLE)
    done = []
    for _ in range(edits or draw(st.integers(1, 3), label="edits")):
        family = draw(st.sampled_from(["structure", "text", "text", "runbook"]), label="family")
        target = draw(st.sampled_from(RUNBOOK_FILES if family == "runbook" else SPEC_FILES), label="file")
        if family == "structure":
            try:  # PyYAML reads and writes the data; what an earlier text edit broke, it cannot
                files[target] = dump(mutate_data(yaml.safe_load(files[target]), draw, hostile=True))
            except (yaml.YAMLError, ValueError, RecursionError):
                family = "text"
        if family == "text":
            files[target] = mutate_text(files[target], draw, hostile=True)
        elif family == "runbook":
            files[target] = mutate_runbook(files[target], draw)
        done.append(f"{target}: {family}")
    return Case(files, done)


def check(root: Path, promtool: bool = False) -> Outcome:
    """Run `obsgen validate -C root` in this process, as the command line does, and judge its output."""
    started = time.perf_counter()
    stdout, stderr = io.StringIO(), io.StringIO()
    outcome = Outcome()
    from obsgen import cli

    saved_argv = sys.argv
    os.environ["OBSGEN_DEBUG"] = "1"  # cli.main re-raises instead of printing "internal error": keep the traceback
    if not promtool:
        os.environ["OBSGEN_PROMTOOL"] = "obsgen-fuzz-without-promtool"
    try:
        sys.argv = ["obsgen", "validate", "-C", str(root)]
        with redirect_stdout(stdout), redirect_stderr(stderr):
            cli.main()
        outcome.exit_code = 0
    except SystemExit as exc:
        outcome.exit_code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # noqa: BLE001 - exactly what the fuzzer looks for
        outcome.findings.append(Finding("internal-error", _where(exc)))
    finally:
        sys.argv = saved_argv
    _judge(root, stderr.getvalue(), outcome)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _where(exc: BaseException) -> str:
    """`ZeroDivisionError: division by zero at obsgen/runbooks/guidance.py:212 (render)`: the last obsgen frame."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "obsgen" in f.filename]
    place = ""
    if frames:
        frame = frames[-1]
        place = f" at {frame.filename.rsplit('src/', 1)[-1]}:{frame.lineno} ({frame.name})"
    return _cut(f"{type(exc).__name__}: {exc}{place}")


def _judge(root: Path, stderr: str, outcome: Outcome) -> None:
    claimed = None
    for line in stderr.splitlines():
        if len(line) > LONG_LINE:
            outcome.findings.append(Finding("long-diagnostic", _cut(line)))
        if line.startswith(("internal error", "Traceback (most recent call last)")):
            outcome.findings.append(Finding("internal-error", _cut(line)))
        elif (match := _LOCATED.match(line)) is not None:
            outcome.errors += ": error: " in line
            outcome.findings += _located(root, match, line)
        elif (match := _WHOLE_FILE.match(line)) is not None:
            outcome.errors += ": error: " in line
            if match["code"] not in FILE_LEVEL_CODES:
                outcome.findings.append(Finding("unlocated", _cut(line)))
        elif (match := _SUMMARY.match(line)) is not None:
            claimed = int(match[1])
        elif not line.startswith(_NOTES):
            outcome.findings.append(Finding("not-one-line", _cut(line)))
    if claimed is not None and claimed != outcome.errors:
        outcome.findings.append(Finding("not-one-line", f"the summary counts {claimed} error(s), "
                                                         f"{outcome.errors} were printed"))
    expected_exit = 1 if outcome.errors else 0
    if outcome.exit_code is not None and outcome.exit_code != expected_exit:
        outcome.findings.append(Finding("exit-code", f"exit {outcome.exit_code} with {outcome.errors} error(s)"))


def _located(root: Path, match: re.Match[str], line: str) -> list[Finding]:
    path = root / match["file"]
    number, column = int(match["line"]), int(match["column"])
    if not path.is_file() or number < 1 or column < 1:
        return [Finding("unlocated", _cut(line))]
    text = path.read_bytes().decode("utf-8", errors="replace")
    yaml_lines = _LINE_BREAK.split(text)
    plain_lines = text.split("\n")  # Jinja counts only \n
    if number > max(len(yaml_lines), len(plain_lines)):
        return [Finding("unlocated", _cut(line))]
    widths = [len(lines[number - 1]) for lines in (yaml_lines, plain_lines) if number <= len(lines)]
    if column > max(widths) + 1:
        return [Finding("column-past-end", _cut(line))]
    return []


def _cut(text: str, limit: int = 300) -> str:
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


# --- the child process and its bounds -------------------------------------------------------------


def _child(connection: Any, promtool: bool) -> None:
    """Runs cases until the parent closes the pipe: receives the files of a case, answers an Outcome."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ValueError, OSError):  # pragma: no cover - a platform without the limit
        pass
    import obsgen.cli

    with tempfile.TemporaryDirectory(prefix="obsgen-fuzz-") as tmp:
        while True:
            try:
                files = connection.recv()
            except EOFError:
                return
            root = Path(tmp) / "case"
            shutil.rmtree(root, ignore_errors=True)
            for rel, content in files.items():
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(content)
            connection.send(check(root, promtool))


class BoundedRunner:
    """Runs cases in a child process, one at a time, each within `timeout` seconds."""

    def __init__(self, timeout: float = TIMEOUT, promtool: bool = False):
        self.timeout = timeout
        self.promtool = promtool
        self.context = multiprocessing.get_context("spawn")
        self.process: Any = None
        self.connection: Any = None

    def __enter__(self) -> "BoundedRunner":
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop()

    def _start(self) -> None:
        parent, child = self.context.Pipe()
        self.process = self.context.Process(target=_child, args=(child, self.promtool), daemon=True)
        self.process.start()
        child.close()
        self.connection = parent

    def stop(self) -> None:
        if self.process is not None:
            self.connection.close()
            self.process.join(timeout=5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()
            self.process = None

    def run(self, files: dict[str, bytes]) -> Outcome:
        if self.process is None:
            self._start()
        started = time.perf_counter()
        try:
            self.connection.send(files)
            if self.connection.poll(self.timeout):
                return self.connection.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            code = self.process.exitcode if self.process is not None else None
            self._discard()
            return Outcome([Finding("crash", f"the child process died (exit code {code})")])
        self._discard()
        return Outcome([Finding("hang", f"no answer within {self.timeout:g} s")],
                       seconds=time.perf_counter() - started)

    def _discard(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.connection.close()
            self.process = None
