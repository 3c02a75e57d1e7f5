"""What the last build knew of generated/'s files, so that the next one can know an unchanged file by
one lstat, without reading it (issue #22, targets 1 and 3).

A warm build of 10,000 monitors hands the staging tree 20,000 pages that come from the render cache
(`chunks.Named`: a page named by its cache key, made only when asked for). Each was a cache read
(open, read, a sha256 of ~10 KB, close) and then a read of the current file to compare the bytes:
about 0.35 s of CPU for pages that had not changed. The manifest records, for each such file the
last build found equal to what it had to be (by reading it, or by this manifest), the name of its
text and the file's (device, inode, size, mtime_ns, ctime_ns). A file whose lstat still gives exactly
that holds exactly that text; it is noted unchanged without being made or read.

Why that is sound, as git's index is (https://git-scm.com/docs/racy-git):
* Every write to a file, a `utime` that puts its mtime back, a rename over it or a new link to it
  sets its ctime to the file system's clock, which no user can set. A stat recorded when its ctime
  was already older than that clock cannot come back after any change: the change's ctime is newer.
* "Older than the clock" is checked against the clock itself, not the process's: `Staging` stamps
  the build's start by making its staging directory, and only a file whose ctime and mtime are older
  than that directory's ctime, on the same device, is recorded. A file changed in the same tick of
  the clock (a second on some file systems) as the build started is "racily clean": not recorded,
  so the next build reads it. The stamp comes before the lstat that is recorded, so a change made
  after that lstat has a ctime at least the stamp's: not the recorded one.
* A file the build writes is not recorded (its ctime is newer than the stamp); the next build reads
  it once and records it then. A file recorded and then hard-linked into the new tree, or deleted
  and made again, has a new ctime or inode: it no longer matches, and is read.
* The name of a file's text is a render-cache key: the text is a function of it (render_cache.py),
  so the same name is the same bytes. A page made from other inputs has another name.
* It is a cache: missing, unreadable, damaged or another tree's manifest means every file is read,
  as before it existed. It lives in the user's render cache, not in the project (a project carries
  no manifest to another machine; a copied or re-cloned project has other inodes and ctimes anyway),
  one per generated/ directory, and goes with `--no-cache` (which also makes every page again).
  `build --check` reads it and never writes it; `build --env`, which makes no page, does neither.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import time
from pathlib import Path

KIND = "generated-manifest"  # its folder in the render cache (swept like the cache's entries)
_FORMAT = 1
_DAY = 86_400.0


def location(cache: Path, generated: Path) -> Path:
    """Where the manifest of the tree `generated` lives in the render cache `cache`."""
    name = hashlib.sha256(os.fsencode(os.path.realpath(generated))).hexdigest()
    return cache / KIND / name[:2] / name[2:]


def _entry(identity: str, info: os.stat_result) -> str:
    """A file's record: the name of its text and its lstat. One string per file, not a list: the
    manifest of 20,000 files loads in a third of the time, and its values are no objects to track."""
    return f"{identity} {info.st_dev} {info.st_ino} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns}"


class Manifest:
    """The manifest of one generated/ tree: what the last build recorded (`knows`) and what this one
    records (`saw`, then `save`). `writable=False` (`build --check`): `save` does nothing."""

    def __init__(self, path: Path, generated: Path, writable: bool = True) -> None:
        self.path = path
        self.writable = writable
        self.known = 0  # files known unchanged by their lstat alone
        self._tree = os.path.realpath(generated)
        self._loaded: tuple[dict[str, object], float] | None = None  # read on first use: an incremental build never does
        self._new: dict[str, object] = {}
        self._stamp: os.stat_result | None = None

    def _state(self) -> tuple[dict[str, object], float]:
        if self._loaded is None:
            self._loaded = _read(self.path, self._tree)
        return self._loaded

    @property
    def _old(self) -> dict[str, object]:
        return self._state()[0]

    @property
    def _age(self) -> float:
        return self._state()[1]

    def start(self, stamp: os.stat_result) -> None:
        """The file system's clock at the build's start (the lstat of something made just now, on
        generated/'s device): only a file changed before it can be recorded."""
        self._stamp = stamp

    def knows(self, rel: str, info: os.stat_result, identity: str) -> bool:
        """The file at `rel` under generated/, whose lstat is `info`, holds the text named `identity`,
        as the last build recorded and nothing has changed since. A known file is recorded again."""
        entry = self._old.get(rel)
        if entry is None or entry != _entry(identity, info):  # another text, or changed since (or not a str)
            return False
        self.known += 1
        self._new[rel] = entry  # recorded when its ctime was older than the clock; it is the same now
        return True

    def saw(self, rel: str, info: os.stat_result, identity: str) -> None:
        """The file at `rel`, lstat `info` (taken before its bytes were read), holds the text named
        `identity`: recorded unless it changed since the build started (racily clean) or is on
        another device than the stamp (another file system mounted inside generated/)."""
        stamp = self._stamp
        if stamp is not None and info.st_dev == stamp.st_dev and \
                info.st_ctime_ns < stamp.st_ctime_ns and info.st_mtime_ns < stamp.st_ctime_ns:
            self._new[rel] = _entry(identity, info)

    def forget(self, rel: str) -> None:
        """`rel` is written after all: nothing is recorded for it."""
        self._new.pop(rel, None)

    def save(self, owned: set[str]) -> None:
        """What this build recorded, and what the last one recorded of the top-level entries of
        generated/ this one did not replace (`owned`: `build --env X` leaves the runbooks and the site
        as they are). An old record stays true as long as the file's lstat matches it, so keeping
        one is never stale. Written beside its place and renamed into it: a reader sees a whole
        manifest or none. One that cannot be written costs the next build its reads, nothing else."""
        if not self.writable:
            return
        files = {rel: entry for rel, entry in self._old.items() if rel.partition("/")[0] not in owned}
        files.update(self._new)
        if files == self._old and self._age < _DAY:  # a build that changed nothing: the same manifest, young enough
            return  # for the cache's sweep (an entry unused for two weeks goes), is not written again
        folder = self.path.parent
        temporary = folder / f".{self.path.name}.{secrets.token_hex(4)}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            text = json.dumps({"format": _FORMAT, "generated": self._tree, "files": files}, separators=(",", ":"))
            with open(temporary, "w", encoding="utf-8") as out:  # dumps: json.dump encodes in Python, 3x slower
                out.write(text)
            os.replace(temporary, self.path)
        except (OSError, UnicodeEncodeError):  # a name with a lone surrogate: no manifest, every file read
            temporary.unlink(missing_ok=True)


def _read(path: Path, tree: str) -> tuple[dict[str, object], float]:
    """The files a manifest records, and its age in seconds; none when it is absent, damaged or another
    tree's."""
    try:
        with open(path, encoding="utf-8") as source:
            age = time.time() - os.fstat(source.fileno()).st_mtime
            record = json.load(source)
    except (OSError, ValueError):
        return {}, math.inf
    if not isinstance(record, dict) or record.get("format") != _FORMAT or record.get("generated") != tree:
        return {}, math.inf
    files = record.get("files")
    return (files, age) if isinstance(files, dict) else ({}, math.inf)  # an entry not a str matches no file
