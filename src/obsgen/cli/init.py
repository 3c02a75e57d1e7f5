"""`obsgen init [DIR]`: scaffold a new project. It never overwrites: if any file it would write
exists, it names each one and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..scaffold import DEFAULT_ENVS, DEFAULT_REGION, PLACEHOLDER_ACCOUNT, Answers, files, problems, project_name
from .app import app, err, out
from .new_files import write_new_files


@app.command()
def init(directory: Path = typer.Argument(Path("."), metavar="DIR", show_default=False, help="Where to create the project (made if missing); default: the current directory."),
         env: Optional[list[str]] = typer.Option(
             None, "--env", "-e", help=f"An environment (repeat for several); default: {', '.join(DEFAULT_ENVS)}."),
         project: Optional[str] = typer.Option(None, "--project", help="The project's name; default: the directory's."),
         account: str = typer.Option(PLACEHOLDER_ACCOUNT, "--account", help="The AWS account of every environment."),
         region: str = typer.Option(DEFAULT_REGION, "--region", help="The AWS region of every environment.")) -> None:
    """Create a new project: monitors/, runbooks_src/, pre-commit and CI, ready to validate and build."""
    target = directory.resolve()
    answers = Answers(project=project or project_name(target.name), envs=tuple(env or DEFAULT_ENVS),
                      account=account, region=region)
    wrong = problems(answers)
    for sentence in wrong:
        err.print(f"error: {sentence}", markup=False)
    if wrong:
        raise typer.Exit(2)
    scaffold = files(answers)
    write_new_files(target, scaffold, "obsgen init")
    out.print(f"created {len(scaffold)} files in {target}:", markup=False)
    for path in scaffold:
        out.print(f"  {path}", markup=False)
    out.print(f"next: cd {directory} && obsgen build   (see README.md)", markup=False)
