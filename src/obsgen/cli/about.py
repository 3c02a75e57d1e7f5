"""`obsgen schema`, `version` and `completion`: obsgen about itself; none of them reads a project."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from .. import __version__
from .app import app
from .common import output_file


@app.command()
def schema(output: Optional[Path] = typer.Option(None, "--out", "-o", help="Write to a file instead of stdout.",
                                                 callback=output_file)) -> None:
    """Print the JSON Schema of the spec (for editors: yaml-language-server, VS Code, JetBrains)."""
    from ..language.jsonschema import schema_text

    text = schema_text()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command()
def version() -> None:
    """Print obsgen's version."""
    sys.stdout.write(f"{__version__}\n")


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@app.command()
def completion(shell: Shell = typer.Argument(..., metavar="SHELL", help="bash, zsh or fish.")) -> None:
    """Print the shell completion script: `source <(obsgen completion bash)` in ~/.bashrc (README)."""
    from typer.completion import get_completion_script  # type: ignore[attr-defined]  # re-exported without __all__

    # The script asks `obsgen` itself for completions, so every command and option is offered,
    # the lazily imported ones included (cli/app.py).
    sys.stdout.write(get_completion_script(prog_name="obsgen", complete_var="_OBSGEN_COMPLETE", shell=shell.value)
                     + "\n")
