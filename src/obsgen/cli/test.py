"""`obsgen test`: the spec's unit tests, both kinds -- CloudWatch alarm tests (evaluated offline by
`obsgen.alarm_tests`) and promtool groups (`obsgen.prometheus.promtool`). Flags and output only."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .. import compiler
from ..alarm_tests.runner import run_tests as run_alarm_tests
from ..compiler import compile_project
from ..diagnostics import unique_sorted
from ..prometheus import promtool
from ..views import unit_tests
from .app import app, err, out
from .common import ProjectDir, TestEnvOption, note, report

FORMATS = ("text", "junit")


@app.command("test")
def test(project_dir: Path = ProjectDir, env: Optional[list[str]] = TestEnvOption,
         format: str = typer.Option("text", "--format", help="text or junit (JUnit XML on stdout).")) -> None:
    """Run the spec's unit tests (`tests:` in service files): CloudWatch alarm tests and promtool groups."""
    if format not in FORMATS:
        err.print(f"--format must be one of {', '.join(FORMATS)}, not {format!r}", markup=False)
        raise typer.Exit(2)
    build = compile_project(project_dir, env or None)
    compiler.check_rules(build)
    for text in build.notes:
        note(text)
    report(build)
    if not build.ok:
        raise typer.Exit(1)
    alarms = run_alarm_tests(build)
    prom = None
    missing_promtool = False
    if any(group.tests for model in build.models.values() for group in model.rule_groups):
        tool = promtool.find("promtool")
        if tool is None:  # the CloudWatch tests still run; the command fails at the end
            missing_promtool = True
        else:
            prom = promtool.run_tests(build, tool)
    if format == "junit":
        sys.stdout.write(unit_tests.junit(alarms, prom))
    else:
        for failure in alarms.failures():
            err.print(unit_tests.failure_text(failure), markup=False)
        for problem in unique_sorted(prom.failures if prom else []):
            err.print(str(problem), markup=False)
        for line in unit_tests.summary_lines(alarms, prom, sorted(build.models)):
            out.print(line, markup=False)
    if missing_promtool:
        err.print("error: promtool not found, so the Prometheus tests did not run: install Prometheus' promtool "
                  "(Debian: apt-get install prometheus) or set OBSGEN_PROMTOOL", markup=False)
    if missing_promtool or not alarms.ok or (prom is not None and not prom.ok):
        raise typer.Exit(1)
