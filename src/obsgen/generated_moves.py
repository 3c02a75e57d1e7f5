"""Which directories of generated/ a build can move into its new tree whole, and the journal that
lets the next build move them back if this one is killed before the swap (`generated_tree.Staging`,
issue #22 targets 1, 3 and 5).

A build that changes little would otherwise hard-link every unchanged file into the new tree and
make every directory again: 21,000 links and 1,000 mkdirs for the site alone at 10,000 monitors. A
directory whose whole subtree is unchanged is one rename instead. The rename takes it out of the
live generated/ until the swap, so the journal, written before the first move, names what moved
where; `undo` reads it.
"""

from __future__ import annotations

import errno
import json
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable

JOURNAL = "journal-"  # .obsgen/journal-<token>: the directories a build moved out of generated/
_PART = ".part"  # the journal while it is written; renamed to its name once complete


@dataclass
class Plan:
    """What the new tree takes from the current one: directories moved whole, files linked one by one."""

    moves: list[str] = field(default_factory=list)  # paths under generated/, none inside another
    links: list[str] = field(default_factory=list)
    found: int = 0  # unchanged files seen: fewer than noted means some went during the build


@dataclass
class _Listing:
    files: list[str]  # the unchanged files directly inside the directory
    dirs: list[str]
    foreign: bool  # anything else inside: a changed or extra file, a link, a FIFO


def plan(base: str, tops: Iterable[str], unchanged: set[str], written: Iterable[str]) -> Plan:
    """For the owned directories `tops` of generated/ (`base`): the topmost directories that hold,
    at any depth, only files in `unchanged` (never another file, a link or an empty directory) and
    under which the build wrote nothing; and the unchanged files outside them. One scandir per
    directory, the file types from the listing: no stat per file."""
    listings, order = _listed(base, list(tops), unchanged)
    dirty = _ancestors(written)
    whole: set[str] = set()
    for rel in reversed(order):  # each directory after everything inside it
        listing = listings[rel]
        if (rel not in dirty and not listing.foreign and (listing.files or listing.dirs)
                and all(inner in whole for inner in listing.dirs)):
            whole.add(rel)
    result, pending = Plan(found=sum(len(listing.files) for listing in listings.values())), list(tops)
    while pending:
        rel = pending.pop()
        if rel in whole:
            result.moves.append(rel)
        else:
            result.links += listings[rel].files
            pending += listings[rel].dirs
    return result


def vanished(base: str, unchanged: set[str]) -> OSError:
    """The error for an unchanged file someone removed from generated/ while the build ran: the new
    tree would lack it (it was not written), so the build stops before it moves anything."""
    gone = [rel for rel in sorted(unchanged) if not os.path.isfile(os.path.join(base, rel))]
    return FileNotFoundError(errno.ENOENT, "removed from generated/ during the build; build again",
                             os.path.join(base, gone[0] if gone else ""))


def _listed(base: str, tops: list[str], unchanged: set[str]) -> tuple[dict[str, _Listing], list[str]]:
    """Every directory under `tops`, listed, in an order where a directory comes before its contents
    (iterative: no recursion limit on a deep tree someone made)."""
    listings: dict[str, _Listing] = {}
    order, pending = [], list(tops)
    while pending:
        rel = pending.pop()
        order.append(rel)
        listing = listings[rel] = _Listing([], [], False)
        with os.scandir(os.path.join(base, rel)) as entries:
            for entry in entries:
                inner = f"{rel}/{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    listing.dirs.append(inner)
                elif inner in unchanged and entry.is_file(follow_symlinks=False):
                    listing.files.append(inner)
                else:
                    listing.foreign = True
        pending += listing.dirs
    return listings, order


def _ancestors(paths: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        parent = path.rpartition("/")[0]
        while parent and parent not in found:
            found.add(parent)
            parent = parent.rpartition("/")[0]
    return found


def write_journal(journal: Path, base: Path, tree: Path, moves: list[str]) -> None:
    """Before the first move: generated/ and the new tree by inode, and the directories to move.
    Written beside its name and renamed, so a journal is complete or absent."""
    record = {"generated": _identity(base), "staging": tree.name, "staging_identity": _identity(tree),
              "moved": moves}
    part = journal.with_name(journal.name + _PART)
    with open(part, "w", encoding="utf-8") as out:
        json.dump(record, out)
    os.rename(part, journal)


def undo(journal: Path, base: Path) -> None:
    """If generated/ is still the tree the journal's build started from, every directory it moved
    out goes back from that build's new tree; then the journal goes. After the swap (generated/ is
    the new tree) there is nothing to undo."""
    if not journal.name.endswith(_PART):  # a journal never completed: no move was made after it
        record = _read(journal)
        if record is not None and os.path.isdir(base) and _identity(base) == record["generated"]:
            _move_back(base, journal.parent / str(record["staging"]), record)
    journal.unlink(missing_ok=True)


def _read(journal: Path) -> dict[str, object] | None:
    try:
        with open(journal, encoding="utf-8") as source:
            record = json.load(source)
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and {"generated", "staging", "moved"} <= record.keys() else None


def _move_back(base: Path, tree: Path, record: dict[str, object]) -> None:
    if PurePosixPath(str(record["staging"])).name != record["staging"] or not tree.is_dir():
        return
    if _identity(tree) != record.get("staging_identity"):
        return
    moved = record["moved"]
    for rel in moved if isinstance(moved, list) else []:
        if not _inside(rel):
            continue
        source, target = tree / rel, base / rel
        if os.path.lexists(source) and not os.path.lexists(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(source, target)


def _inside(rel: object) -> bool:
    """A journal's path stays under generated/ (the journal is obsgen's, but it is a file on disk)."""
    if not isinstance(rel, str) or not rel:
        return False
    path = PurePosixPath(rel)
    return not path.is_absolute() and ".." not in path.parts


def _identity(path: Path) -> list[int]:
    info = os.lstat(path)
    return [info.st_dev, info.st_ino]
