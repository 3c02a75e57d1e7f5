"""The fuzzer in CI: a fixed seed and a few hundred damaged copies of the example project (fuzzing.py).

Whatever a case holds, `obsgen validate` answers within the time bound, never with an internal error,
and every error it prints is one line that points at a line and column that exist. Longer runs:
`python scripts/fuzz.py --runs 4000 --seed N` (figures in docs/diagnostics.md, "Fuzzing").
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from fuzzing import BoundedRunner, mutate_project

pytestmark = pytest.mark.fuzz
CASES = 300
SEED = 20240612


@pytest.fixture(scope="module")
def runner():
    with BoundedRunner() as bounded:
        yield bounded


@pytest.mark.long
@seed(SEED)
@settings(max_examples=CASES, deadline=None, database=None, derandomize=False, phases=[Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_a_damaged_project_gets_located_one_line_errors_in_bounded_time(runner, data):
    case = mutate_project(data.draw)
    outcome = runner.run(case.files)
    assert outcome.failing() == [], (case.edits, [str(f) for f in outcome.failing()])


def test_the_long_run_script_reports_figures_by_kind(tmp_path):
    """scripts/fuzz.py is the same fuzzer, run longer: a short run still prints the table of kinds."""
    script = Path(__file__).resolve().parent.parent / "scripts" / "fuzz.py"
    done = subprocess.run([sys.executable, str(script), "--runs", "5", "--seed", "3", "--save", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 cases (seed 3, 10 s per case, promtool off)" in done.stdout
    assert "| internal-error | 0 |" in done.stdout and "| hang | 0 |" in done.stdout
    assert (tmp_path / "000-slowest" / "FINDING.txt").is_file()
