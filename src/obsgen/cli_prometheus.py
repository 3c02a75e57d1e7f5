"""`obsgen test`: flags and output only; the work is in `obsgen.prometheus.promtool` (registered on cli.app by
one import line at the bottom of cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .prometheus import promtool
from .cli import EnvOption, ProjectDir, _note, _report, app, err, out
from .compiler import compile_project
from .diagnostics import unique_sorted


@app.command("test")
def test(project_dir: Path = ProjectDir, env: Optional[list[str]] = EnvOption) -> None:
    """Run the spec's alert unit tests (`tests:` in service files) with promtool test rules."""
    build = compile_project(project_dir, env or None)
    _note(promtool.check_promql(build))
    _report(build)
    if not build.ok:
        raise typer.Exit(1)
    tool = promtool.find("promtool")
    if tool is None:
        err.print("promtool not found: install Prometheus' promtool (Debian: apt-get install prometheus) "
                  "or set OBSGEN_PROMTOOL", markup=False)
        raise typer.Exit(1)
    report = promtool.run_tests(build, tool)
    for failure in unique_sorted(report.failures):
        err.print(str(failure), markup=False)
    if report.ran == 0:
        out.print("no alert tests in the spec", markup=False)
        return
    out.print(f"{report.passed} of {report.ran} test group run(s) passed "
              f"({', '.join(sorted(build.models))})", markup=False)
    if not report.ok:
        raise typer.Exit(1)
