"""`obsgen test`: flags and output only; the work is in `obsgen.prometheus.promtool`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..prometheus import promtool
from .common import ProjectDir, TestEnvOption, note, report
from .app import app, err, out
from .. import compiler
from ..compiler import compile_project
from ..diagnostics import unique_sorted


@app.command("test")
def test(project_dir: Path = ProjectDir, env: Optional[list[str]] = TestEnvOption) -> None:
    """Run the spec's alert unit tests (`tests:` in service files) with promtool test rules."""
    build = compile_project(project_dir, env or None)
    compiler.check_rules(build)
    for text in build.notes:
        note(text)
    report(build)
    if not build.ok:
        raise typer.Exit(1)
    tool = promtool.find("promtool")
    if tool is None:
        err.print("promtool not found: install Prometheus' promtool (Debian: apt-get install prometheus) "
                  "or set OBSGEN_PROMTOOL", markup=False)
        raise typer.Exit(1)
    outcome = promtool.run_tests(build, tool)
    for failure in unique_sorted(outcome.failures):
        err.print(str(failure), markup=False)
    if outcome.ran == 0:
        out.print("no alert tests in the spec", markup=False)
        return
    out.print(f"{outcome.passed} of {outcome.ran} test group run(s) passed "
              f"({', '.join(sorted(build.models))})", markup=False)
    if not outcome.ok:
        raise typer.Exit(1)
