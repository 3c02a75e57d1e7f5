"""What the last build of a generated/ tree left for the next one: per service file, the key it was
built from, the files it made and the pieces of the project-wide files that are its own; the key of
what the services share; and the lstat of every file of generated/ as the build left it.

It is kept in the user's render cache (never in the project: a repository could otherwise ship a record
made to match its own keys), one per generated/ directory, as `marshal` data of plain values: 11 MB
for the 10,000-monitor benchmark, read in about 10 ms. Missing, damaged, of another format or of
another tree, it is no record: the build is a full one and writes a new record.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import secrets
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .inputs import FORMAT

KIND = "incremental"  # its folder in the render cache



@dataclass(slots=True)
class Unit:
    """One service file's part of the build."""

    file: str  # monitors/<...>.yaml
    key: str  # inputs.Inputs.unit_key when it was built
    service: str
    files: tuple[str, ...]  # paths under generated/ that are the service's alone
    states: bytes  # their lstat after the build, one record each (states.py)
    refs: tuple[str, ...]  # the other services its composites name, in any environment
    names: tuple[str, ...]  # each alarm's "env<TAB>name" and "account<TAB>region<TAB>name" (each unique)
    placed: tuple[str, ...]  # "env region topic-arn" of its alarms outside the home region (which make topics there)
    total: int  # its monitors (on the site's index, and measured for runbook coverage)
    covered: int  # ... of which have human-written Diagnosis and Mitigation
    index: str  # its rows of site/index.html
    coverage: str  # its lines of runbooks/COVERAGE.md
    routing: dict[str, str] = field(default_factory=dict)  # environment -> its rows of <env>/routing.md
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # environment -> severity -> alarms and alerts
    sns: dict[str, bool] = field(default_factory=dict)  # environment -> has CloudWatch alarms

    def as_data(self) -> tuple[object, ...]:
        """Plain values, the paths and names as one text each: 23,000 paths as 1,000 strings load in a
        fraction of the time."""
        return (self.file, self.key, self.service, "\n".join(self.files), self.states, self.refs,
                "\n".join(self.names), self.placed, self.total, self.covered, self.index, self.coverage,
                self.routing, self.counts, self.sns)

    @classmethod
    def of_data(cls, data: tuple[object, ...]) -> Unit:
        file, key, service, files, states, refs, names, *rest = data
        assert isinstance(files, str) and isinstance(names, str)
        return cls(file, key, service, tuple(files.split("\n")) if files else (), states, refs,  # type: ignore[arg-type]
                   tuple(names.split("\n")) if names else (), *rest)  # type: ignore[arg-type]


@dataclass(slots=True)
class Record:
    project: str  # inputs.Inputs.project when it was built
    envs: tuple[str, ...]  # the project's environments, in its order
    shared: dict[str, str]  # environment -> key of what its services share in the model (severities, topics, ...)
    globals: tuple[str, ...]  # paths under generated/ that are no service's alone
    global_states: bytes  # their lstat after the build
    units: dict[str, Unit]  # by service file

    def by_service(self) -> dict[str, Unit]:
        return {u.service: u for u in self.units.values()}


def location(cache: Path, generated: Path) -> Path:
    """Where the record of the tree `generated` lives in the render cache `cache`."""
    name = hashlib.sha256(os.fsencode(os.path.realpath(generated))).hexdigest()
    return cache / KIND / name[:2] / name[2:]


_MAGIC = b"obsgen incremental record\n"
_LENGTH = struct.Struct("<I")  # before each part: its length
_TRAILER = struct.Struct("<QI")  # after the parts: their length and CRC-32


def read(path: Path, generated: Path) -> Record | None:
    """The record at `path` if it is whole and of the tree `generated`. Its parts are read by `marshal` only
    once their length and CRC-32 match: marshal is not meant for damaged data, and a cut or garbled record
    is what a cache must expect (the cache is the user's own: this is no defence against them)."""
    try:
        with open(path, "rb") as source:
            blob = memoryview(source.read())
        start, end = len(_MAGIC), len(blob) - _TRAILER.size
        if end < start or bytes(blob[:start]) != _MAGIC or \
                _TRAILER.unpack_from(blob, end) != (end - start, zlib.crc32(blob[start:end])):
            return None
        parts = []
        while start < end:
            (size,) = _LENGTH.unpack_from(blob, start)
            start += _LENGTH.size
            parts.append(marshal.loads(blob[start:start + size]))
            start += size
        return _record(parts, os.path.realpath(generated))
    except (OSError, EOFError, ValueError, TypeError, KeyError, IndexError, AssertionError, struct.error):
        return None


def _record(parts: list[object], tree: str) -> Record | None:
    head = parts[0] if parts else None
    if not isinstance(head, tuple) or len(head) != 7 or head[0] != FORMAT or head[1] != tree:
        return None
    _, _, project, envs, shared, globals_, global_states = head
    made = Record(project, tuple(envs), dict(shared), tuple(globals_), global_states,
                  {u[0]: Unit.of_data(u) for u in parts[1:]})  # type: ignore[index,arg-type]
    if not isinstance(global_states, bytes) or not all(
            isinstance(u.states, bytes) and isinstance(u.index, str) and isinstance(u.routing, dict)
            for u in made.units.values()):
        return None
    return made


def write(path: Path, generated: Path, record: Record) -> None:
    """Written beside its place and renamed into it: a reader sees a whole record or none. A part per service
    file, so that no copy of the whole is ever made (36 MB at 30,000 monitors). One that cannot be written
    costs the next build its reuse, nothing else."""
    head = (FORMAT, os.path.realpath(generated), record.project, record.envs, record.shared, record.globals,
            record.global_states)
    temporary = path.parent / f".{path.name}.{secrets.token_hex(4)}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "wb") as out:
            out.write(_MAGIC)
            crc, length = 0, 0
            for part in (head, *(u.as_data() for u in record.units.values())):
                data = marshal.dumps(part)  # type: ignore[arg-type]  # (typeshed's _Marshallable knows no nesting)
                for piece in (_LENGTH.pack(len(data)), data):
                    out.write(piece)
                    crc, length = zlib.crc32(piece, crc), length + len(piece)
            out.write(_TRAILER.pack(length, crc))
        os.replace(temporary, path)
    except (OSError, ValueError, struct.error):  # ValueError: a value marshal cannot write (never made here)
        temporary.unlink(missing_ok=True)


def forget(path: Path) -> None:
    """No record: the next build is a full one (this one is about to change generated/ without keeping one)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
