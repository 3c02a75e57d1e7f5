"""Progress (issue #22, target 9): the library reports how far a build or a validate has got through a
callback and prints nothing; the CLI draws it on stderr when stderr is a terminal, and a pipe reads
exactly what it read before."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from obsgen import compiler

ROOT = Path(__file__).resolve().parents[1]
BUILT = ("wrote 144 files to generated/ for development, staging, production, local\n"
         "runbooks: 28 of 28 monitor(s) have human-written Diagnosis and Mitigation (see generated/runbooks/COVERAGE.md)\n")
VALID = ("spec is valid: 4 environment(s), 47 CloudWatch alarm(s) and 80 Prometheus rule(s) in all\n"
         "tests: 9 of 28 monitor(s) have a unit test (CloudWatch 3 of 12, Prometheus 6 of 16)\n")


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
    assert totals["compiling environments"] == 4 and totals["writing files"] == len(written) == 144
    assert totals["reading spec files"] == len(list((project / "monitors").glob("*.yaml")))
    assert capsys.readouterr() == ("", "")  # the library prints nothing


def test_validate_reports_reading_compiling_and_the_guidance(project: Path) -> None:
    heard = Heard()
    assert compiler.validate(project, progress=heard).ok
    heard.assert_counts_rise_to_their_total()
    assert heard.steps() == ["reading spec files", "compiling environments", "runbook guidance"]


def test_piped_output_is_what_it_was_before_progress(project: Path) -> None:
    """Nothing of the progress reaches a pipe: the same lines, byte for byte, as before issue #22."""
    def run(*args: str) -> tuple[int, str, str]:
        done = subprocess.run([sys.executable, "-m", "obsgen", *args], cwd=project, capture_output=True,
                              text=True, timeout=300)
        return done.returncode, done.stdout, done.stderr

    assert run("build") == (0, BUILT, "")
    assert run("build", "--check") == (0, "generated/ is up to date (144 files)\n", "")
    assert run("validate") == (0, VALID, "")


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
    assert stdout.decode() == BUILT
    for step in (b"reading spec files", b"runbook pages", b"site pages", b"writing files"):
        assert step in shown
