"""`obsgen site`: only the runbook site."""

from __future__ import annotations

from pathlib import Path

import typer

from .common import ProjectDir, report
from .app import app, out
from ..build import Build
from ..compiler import compile_project, write
from ..generated_tree import GENERATED_DIR
from ..runbooks import SITE_OUT


@app.command()
def site(project_dir: Path = ProjectDir) -> None:
    """Write the runbook website to generated/site/ only (`obsgen build` writes it too)."""
    result = compile_project(project_dir)
    report(result)
    if not result.ok:
        raise typer.Exit(1)
    prefix = f"{SITE_OUT}/"
    only = Build(result.spec, [], {k: v for k, v in result.files.items() if k.startswith(prefix)}, outputs=[SITE_OUT])
    written = write(project_dir, only)
    out.print(f"wrote {len(written)} files to {GENERATED_DIR}/{SITE_OUT}/; open "
              f"{GENERATED_DIR}/{SITE_OUT}/index.html", markup=False)
