"""`obsgen site`: only the runbook site."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .common import ProjectDir, report
from .app import app, err, out
from ..build import Build
from ..compiler import compile_project, write
from ..generated_tree import GENERATED_DIR
from ..backtest.report_file import MAX_BYTES, ReportFileError, load as load_backtest
from ..backtest.report import BacktestReport
from ..runbooks import SITE_OUT, backtest_pages


def _read_backtest(path: Path) -> BacktestReport:
    """A report file, read with a size limit; its problems are one-line errors naming the file."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
        return load_backtest(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the backtest report: {exc}") from None
    except ReportFileError as exc:
        raise ValueError(f"{path}: {exc}") from None


@app.command()
def site(project_dir: Path = ProjectDir,
         backtest: Optional[list[Path]] = typer.Option(None, "--backtest", help="A report of `obsgen backtest "
                                                       "--format json --out FILE` (repeatable, one per environment): "
                                                       "adds its page to the site.")) -> None:
    """Write the runbook website to generated/site/ only (`obsgen build` writes it too)."""
    result = compile_project(project_dir)
    report(result)
    if not result.ok or result.spec is None:
        raise typer.Exit(1)
    prefix = f"{SITE_OUT}/"
    files = {k: v for k, v in result.files.items() if k.startswith(prefix)}
    try:
        pages = backtest_pages(result.spec, files, [_read_backtest(path) for path in backtest or ()])
    except ValueError as exc:
        err.print(f"error: {exc}", markup=False)
        raise typer.Exit(1) from None
    files.update(pages)
    only = Build(result.spec, [], files, outputs=[SITE_OUT])
    written = write(project_dir, only)
    out.print(f"wrote {len(written)} files to {GENERATED_DIR}/{SITE_OUT}/; open "
              f"{GENERATED_DIR}/{SITE_OUT}/index.html", markup=False)
    for path in sorted(pages):  # not linked from the other pages: they are built without it
        out.print(f"backtest page: {GENERATED_DIR}/{path}", markup=False)
