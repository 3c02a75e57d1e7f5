"""Progress (issue #22, target 9): the library reports how far a build or a validate has got through a
callback and prints nothing; the CLI draws it on stderr when stderr is a terminal, and a pipe reads
exactly what it read before."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from obsgen import compiler

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("reading spec files", "compiling environments", "runbook pages", "runbook guidance", "site pages",
         "writing files", "comparing files")
BUILT = re.compile(r"wrote \d+ files to generated/ for [a-z, ]+\nrunbooks: .* \(see generated/runbooks/COVERAGE.md\)\n")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for part in ("monitors", "runbooks_src"):
        shutil.copytree(ROOT / part, tmp_path / part)
    return tmp_path


class Heard:
    """Every call of a Progress callback, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, step: str, done: int, total: int) -> None:
        self.calls.append((step, done, total))

    def steps(self) -> list[str]:
        return list(dict.fromkeys(step for step, _, _ in self.calls))

    def assert_counts_rise_to_their_total(self) -> None:
        for step in self.steps():
            counts = [(done, total) for s, done, total in self.calls if s == step]
            total = counts[0][1]
            assert counts == [(n, total) for n in range(1, total + 1)], step


def test_a_build_reports_each_step_counting_up_to_its_total(project: Path, capsys) -> None:
    heard = Heard()
    build = compiler.compile_project(project, progress=heard)
    assert build.ok
    written = compiler.write(project, build, heard)
    assert compiler.stale_files(project, build, heard) == []
    heard.assert_counts_rise_to_their_total()
    assert heard.steps() == ["reading spec files", "compiling environments", "runbook pages", "site pages",
                             "writing files", "comparing files"]
    totals = {step: total for step, _, total in heard.calls}
    assert totals["compiling environments"] == len(build.envs) and totals["writing files"] == len(written)
    assert totals["reading spec files"] == len(list((project / "monitors").glob("*.yaml")))
    assert capsys.readouterr() == ("", "")  # the library prints nothing


def test_validate_reports_reading_compiling_and_the_guidance(project: Path) -> None:
    heard = Heard()
    assert compiler.validate(project, progress=heard).ok
    heard.assert_counts_rise_to_their_total()
    assert heard.steps() == ["reading spec files", "compiling environments", "runbook guidance"]


def run(project: Path, *args: str) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-m", "obsgen", *args], cwd=project, capture_output=True, text=True,
                          timeout=300)
    return done.returncode, done.stdout, done.stderr


def test_piped_output_is_what_it_was_before_progress(project: Path) -> None:
    """Nothing of the progress reaches a pipe: the same lines as before issue #22 (compared byte for byte
    with main's obsgen when this was written), and no step, bar or escape code on either stream."""
    code, built, errors = run(project, "build")
    assert (code, errors) == (0, "") and BUILT.fullmatch(built)
    code, checked, errors = run(project, "build", "--check")
    assert (code, errors) == (0, "") and re.fullmatch(r"generated/ is up to date \(\d+ files\)\n", checked)
    code, valid, errors = run(project, "validate")
    assert (code, errors) == (0, "") and valid.startswith("spec is valid: ") and valid.count("\n") == 2
    for text in (built, valid):
        assert "\x1b" not in text and not any(step in text for step in STEPS)


def test_a_terminal_sees_the_steps_on_stderr_and_stdout_stays_the_same(project: Path) -> None:
    parent, child = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "obsgen", "build"], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=child)
    os.close(child)
    shown = b""
    while True:
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    stdout, _ = proc.communicate(timeout=300)
    os.close(parent)
    assert proc.returncode == 0
    assert BUILT.fullmatch(stdout.decode())  # what a pipe reads, unchanged by the terminal on stderr
    assert b"\x1b" not in stdout
    # no "writing files" step: `obsgen build` writes each file as it is rendered (issue #22, target 8)
    for step in (b"reading spec files", b"runbook pages", b"site pages"):
        assert step in shown
