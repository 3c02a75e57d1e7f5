"""`obsgen site`, and the runbook coverage parts of `obsgen validate` and `obsgen build`."""

from __future__ import annotations

from pathlib import Path

import typer

from .cli import ProjectDir, _report, app, out
from .compiler import GENERATED_DIR, Build, compile_project, write
from .diagnostics import unique_sorted
from .runbooks import COVERAGE_FILE, SITE_OUT
from .runbooks.coverage import unlinked


def add_coverage(build: Build, strict: bool) -> None:
    """For `validate`: a monitor without human Diagnosis and Mitigation, or environments whose alarms cannot
    link to their runbook page, are warnings (errors with --strict)."""
    if build.coverage is not None:
        notes = {ref: use.note() for ref, use in build.spec.preset_uses.items()} if build.spec else {}
        found = build.coverage.diagnostics(strict, notes) + (unlinked(build.spec, strict) if build.spec else [])
        build.diagnostics = unique_sorted(build.diagnostics + found)


def coverage_line(build: Build) -> str | None:
    """For `build`: one line instead of a warning per monitor; the details are in COVERAGE.md."""
    if build.coverage is None:
        return None
    return f"{build.coverage.summary()} (see {GENERATED_DIR}/{COVERAGE_FILE})"


@app.command()
def site(project_dir: Path = ProjectDir) -> None:
    """Write the runbook website to generated/site/ only (`obsgen build` writes it too)."""
    result = compile_project(project_dir)
    _report(result)
    if not result.ok:
        raise typer.Exit(1)
    prefix = f"{SITE_OUT}/"
    only = Build(result.spec, [], {k: v for k, v in result.files.items() if k.startswith(prefix)}, outputs=[SITE_OUT])
    written = write(project_dir, only)
    out.print(f"wrote {len(written)} files to {GENERATED_DIR}/{SITE_OUT}/; open "
              f"{GENERATED_DIR}/{SITE_OUT}/index.html", markup=False)
