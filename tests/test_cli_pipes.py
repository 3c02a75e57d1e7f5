"""A reader that closes the pipe early (`obsgen presets | head -1`) is no failure (issue 14, item 13):
no traceback, no message, exit 0; drift and plan --detailed-exitcode still give their verdict."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from test_aws_cli import project, sb  # noqa: F401  - fixtures: the example project on a sandbox

REPO = Path(__file__).resolve().parent.parent


def run_into_a_closed_pipe(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[bytes]:
    """obsgen with its stdout a pipe whose reader has already gone (as `head` leaves it)."""
    process = subprocess.Popen([sys.executable, "-m", "obsgen", *args], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # before obsgen has even started: its first write meets a closed pipe
    stderr = process.stderr.read()
    return subprocess.CompletedProcess(process.args, process.wait(timeout=120), b"", stderr)


@pytest.mark.parametrize("args", [
    ["presets"],  # rich's console
    ["presets", "--markdown"],  # sys.stdout.write, more than a pipe holds
    ["schema"],
    ["version"],
    ["validate"],
    ["validate", "--format", "json"],  # less than Python's buffer: met at the final flush
    ["--help"],  # typer's own console, while the command line is read
    ["validate", "--help"],
])
def test_a_closed_pipe_ends_the_command_quietly_with_0(args):
    done = run_into_a_closed_pipe(*args)
    assert (done.returncode, done.stderr.decode()) == (0, "")


def test_drift_into_a_closed_pipe_still_says_there_is_drift(project):  # noqa: F811
    done = run_into_a_closed_pipe("drift", "--env", "local", "-C", str(project))
    assert (done.returncode, done.stderr.decode()) == (2, "")  # nothing is deployed in the sandbox


def test_plan_into_a_closed_pipe_still_gives_its_detailed_exit_code(project):  # noqa: F811
    done = run_into_a_closed_pipe("plan", "--env", "local", "--detailed-exitcode", "-C", str(project))
    assert (done.returncode, done.stderr.decode()) == (2, "")
