"""Files of generated/ known unchanged by their lstat, as generated_manifest.py knows pages (its
docstring says why this is sound: a change always gives a file a newer ctime than the clock when the
state was taken, and a state is taken only of a file older than that clock).

The states of a service's files are one `bytes`, a fixed-size record per file in the order of its
paths: 23,000 of them are written and read back as 1,000 values, and compared as one each.
"""

from __future__ import annotations

import os
import secrets
import struct
from pathlib import Path
from dataclasses import dataclass
from typing import AbstractSet, Mapping, Sequence

_STATE = struct.Struct("<QQqqq")  # device, inode, size, mtime_ns, ctime_ns
_NONE = bytes(_STATE.size)  # no state: a file that was missing, not regular or changed in the clock's tick


def clock(directory: Path) -> os.stat_result:
    """The file system's clock now, as the lstat of a file made and removed in `directory` (the project's,
    on generated/'s file system)."""
    stamp = directory / f".obsgen-clock-{secrets.token_hex(4)}"
    stamp.touch()
    try:
        return os.lstat(stamp)
    finally:
        stamp.unlink(missing_ok=True)


@dataclass(frozen=True, slots=True)
class Seen:
    """What a build knows of its files' lstat without looking again: those it changed (written or linked:
    looked at again) and, for the others, the lstat it took of each before comparing it, at or after the
    clock `start` (`Staging.seen`, `Staging.start`)."""

    changed: AbstractSet[str]
    infos: Mapping[str, os.stat_result]
    start: os.stat_result | None


def taken(base: Path, paths: Sequence[str], now: os.stat_result, old: bytes = b"", seen: Seen | None = None) -> bytes:
    """The states of the files at `paths` under `base`: a regular file changed before the clock when it was
    looked at (`now`, or the build's start for one it saw), on the clock's device, is recorded; another
    gets no state (the next build looks at it). With `seen`, a path it did not change keeps its state in
    `old`, or else the lstat the build took; the others are looked at now."""
    prefix = os.path.join(base, "")
    size = _STATE.size
    parts = []
    for index, rel in enumerate(paths):
        if seen is not None and rel not in seen.changed:
            if len(old) >= (index + 1) * size:
                parts.append(old[index * size:(index + 1) * size])
                continue
            info = seen.infos.get(rel)
            if info is not None and seen.start is not None and _older(info, seen.start):
                parts.append(_pack(info))
                continue
        try:
            info = os.lstat(prefix + rel)
        except OSError:
            parts.append(_NONE)
            continue
        parts.append(_pack(info) if _older(info, now) else _NONE)
    return b"".join(parts)


def _older(info: os.stat_result, clock: os.stat_result) -> bool:
    """A regular file last changed before `clock` (a file system's ctime), on its device."""
    return info.st_dev == clock.st_dev and info.st_ctime_ns < clock.st_ctime_ns and \
        info.st_mtime_ns < clock.st_ctime_ns and (info.st_mode & 0o170000) == 0o100000


def _pack(info: os.stat_result) -> bytes:
    return _STATE.pack(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def unchanged(base: Path, paths: Sequence[str], states: bytes) -> bool:
    """Whether every file at `paths` under `base` still has its recorded state (a file without one never has)."""
    if len(states) != len(paths) * _STATE.size:
        return False
    prefix = os.path.join(base, "")
    pack = _STATE.pack
    offset = 0
    for rel in paths:
        try:
            info = os.lstat(prefix + rel)
        except OSError:
            return False
        if pack(info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns) != \
                states[offset:offset + _STATE.size]:
            return False
        offset += _STATE.size
    return True
