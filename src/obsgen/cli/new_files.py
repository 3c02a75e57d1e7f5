"""Writing a new project's files (`obsgen init`, `obsgen import`): never over a file that exists.

Every file is checked before any is written, so a refusal writes nothing; each is then opened with
"x" (or "w" for the files a command may rewrite), so a file made meanwhile is not replaced either.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import typer

from .app import err


def write_new_files(target: Path, files: Mapping[str, str], command: str,
                    replaced: Collection[str] = ()) -> None:
    """Write `files` (relative path -> text) under `target`; `replaced` are paths the command may
    rewrite. If any other one exists (or is a dangling symlink), name each and exit 1."""
    clash = [p for p in files if p not in replaced and ((target / p).exists() or (target / p).is_symlink())]
    for path in clash:
        err.print(f"error: {target / path} exists; {command} never overwrites", markup=False)
    if clash:
        err.print(f"{len(clash)} file(s) exist; nothing was written.", markup=False)
        raise typer.Exit(1)
    for path, text in files.items():
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        with open(target / path, "w" if path in replaced else "x", encoding="utf-8") as handle:
            handle.write(text)
