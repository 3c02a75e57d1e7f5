"""Files of generated/ known unchanged by their lstat (file_state.py: a state, and when one may be recorded).

The states of a service's files are one `bytes`, a fixed-size record per file in the order of its
paths: 23,000 of them are written and read back as 1,000 values, and compared as one each.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import AbstractSet, Mapping, Sequence

from ..file_state import NONE, STATE, packed, recordable


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
    """What a build knows of its files' states without looking again: those it changed (written or linked:
    looked at again), and the states `Staging.seen` recorded of the others as it compared them."""

    changed: AbstractSet[str]
    states: Mapping[str, bytes]


def taken(base: Path, paths: Sequence[str], now: os.stat_result, old: bytes = b"", seen: Seen | None = None) -> bytes:
    """The states of the files at `paths` under `base`: a file recordable against `now` gets its lstat,
    another no state (the next build looks at it). With `seen`, a path it did not change keeps its state in
    `old`, or the one the build saw; only the others are looked at now."""
    if seen is not None and not old and seen.changed.isdisjoint(paths):
        try:  # the usual case after a full build: every file seen, none changed
            return b"".join([seen.states[rel] for rel in paths])
        except KeyError:
            pass
    prefix = os.path.join(base, "")
    size = STATE.size
    parts = []
    for index, rel in enumerate(paths):
        if seen is not None and rel not in seen.changed:
            if len(old) >= (index + 1) * size:
                parts.append(old[index * size:(index + 1) * size])
                continue
            if (state := seen.states.get(rel)) is not None:
                parts.append(state)
                continue
        try:
            info = os.lstat(prefix + rel)
        except OSError:
            parts.append(NONE)
            continue
        parts.append(packed(info) if recordable(info, now) else NONE)
    return b"".join(parts)


def unchanged(base: Path, paths: Sequence[str], states: bytes) -> bool:
    """Whether every file at `paths` under `base` still has its recorded state (a file without one never has)."""
    if len(states) != len(paths) * STATE.size:
        return False
    prefix = os.path.join(base, "")
    offset = 0
    for rel in paths:
        try:
            info = os.lstat(prefix + rel)
        except OSError:
            return False
        if packed(info) != states[offset:offset + STATE.size]:
            return False
        offset += STATE.size
    return True
