"""Files of generated/ known unchanged by their lstat, as generated_manifest.py knows pages (its
docstring says why this is sound: a change always gives a file a newer ctime than the clock when the
state was taken, and a state is taken only of a file older than that clock)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Iterable

from .record import State


def clock(directory: Path) -> os.stat_result:
    """The file system's clock now, as the lstat of a file made and removed in `directory` (the project's,
    on generated/'s file system)."""
    stamp = directory / f".obsgen-clock-{secrets.token_hex(4)}"
    stamp.touch()
    try:
        return os.lstat(stamp)
    finally:
        stamp.unlink(missing_ok=True)


def taken(base: Path, paths: Iterable[str], now: os.stat_result) -> dict[str, State]:
    """The states of the files at `paths` under `base` that can be recorded: regular files changed before
    `now` on its device (a file changed in the clock's current tick is left out: the next build looks at it)."""
    found: dict[str, State] = {}
    prefix = os.path.join(base, "")
    limit, device = now.st_ctime_ns, now.st_dev
    for rel in paths:
        try:
            info = os.lstat(prefix + rel)
        except OSError:
            continue
        if info.st_dev == device and info.st_ctime_ns < limit and info.st_mtime_ns < limit and \
                (info.st_mode & 0o170000) == 0o100000:  # a regular file
            found[rel] = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
    return found


def unchanged(base: Path, paths: Iterable[str], states: dict[str, State]) -> bool:
    """Whether every file at `paths` under `base` still has its recorded state."""
    prefix = os.path.join(base, "")
    for rel in paths:
        state = states.get(rel)
        if state is None:
            return False
        try:
            info = os.lstat(prefix + rel)
        except OSError:
            return False
        if (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns) != state:
            return False
    return True
