"""generated/ on disk: checked before it is read or written, replaced in one atomic swap, and put
back in order after a build that was interrupted.

A build writes its new tree into `.obsgen/staging-<random>/`, a sibling of generated/ inside the
project: the files it compiled whose bytes differ from the current tree's. At the end (`commit`) the
new tree takes the rest from the current one: each directory whose whole subtree is unchanged (only
files with the same bytes, nothing written under it, nothing else there) and each top-level entry
the build does not own (the other environments and the site after `build --env X`, whatever else
people keep there) is moved into it with one rename; an unchanged file elsewhere is hard-linked.
One `renameat2(RENAME_EXCHANGE)` then swaps the two directories, and the old tree, now under
`.obsgen/` and emptied of what moved, is deleted. A build that changes little does work in
proportion to what changed (generated_moves.py), and an unchanged file or directory keeps its inode
and modification time. generated/ stays a plain directory, which git, editors and `build --check`
read as usual.

What a reader of generated/ sees: each file is at every instant either its old or its new version,
and after the swap the tree is the complete new one. For the few milliseconds between the first
move and the swap (one rename per moved directory), the directories already moved are absent from
generated/. A journal, `.obsgen/journal-<random>`, written before the first move, names them: if the
build stops there (an error, Ctrl-C, kill -9), `recover()` (this build's own cleanup, or the next
build) moves them back while generated/ is still the old tree, so it is the complete old tree again.

Where the exchange is unavailable (a system other than Linux, a filesystem that lacks it), two
renames do the swap: generated/ to `.obsgen/previous-<random>/`, then the staging tree to
generated/. Between the two generated/ is absent, and whoever comes next (this build's own cleanup,
or the next build after a kill) renames `previous-` back, then undoes the moves.

`.obsgen/` holds a `.gitignore` of `*` while it exists, so git never lists it in any project, and is
removed when the build ends. What a killed build leaves there, and the `.obsgen-*` / `.old-*`
directories obsgen 0.1.0 left inside generated/, are `leftovers()`: `build --check` lists them and
the next build removes them. A library module: it raises `OutputError` with located diagnostics,
never prints.
"""

from __future__ import annotations

import ctypes
import errno
import fnmatch
import functools
import os
import secrets
import shutil
import stat
import sys
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from .chunks import Content, Named, as_bytes, encoded
from .diagnostics import Diagnostic, Span, error
from . import file_state
from .generated_manifest import Manifest
from .generated_moves import JOURNAL, plan, undo, vanished, write_journal
from .progress import Progress, counted, silent

GENERATED_DIR = "generated"
WORK_DIR = ".obsgen"  # next to generated/: the trees of a build in progress
STAGING = "staging-"  # .obsgen/staging-*: the new tree being written (after the swap: the old one)
# JOURNAL (generated_moves.py), .obsgen/journal-*: the directories moved out of generated/ before the swap
PREVIOUS = "previous-"  # .obsgen/previous-*: the old tree moved aside by the two-rename fallback
LEGACY = (".obsgen-", ".old-")  # what obsgen 0.1.0 left inside generated/ when it was interrupted
_GITIGNORE = "# obsgen's work directory during a build; removed when the build ends\n*\n"

# renameat2(2): "RENAME_EXCHANGE: Atomically exchange oldpath and newpath" (Linux 3.15; ext4, xfs,
# btrfs, tmpfs, overlayfs...). Values from <linux/fs.h> and <fcntl.h>; glibc exports renameat2
# since 2.28. https://man7.org/linux/man-pages/man2/rename.2.html
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
# The errors renameat2 gives when the kernel or the filesystem cannot exchange (same page).
_CANNOT_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)  # absent on Windows, where obsgen makes no links


class OutputError(Exception):
    """generated/ cannot be written safely; carries located diagnostics (file = the path in the project)."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__("; ".join(str(d) for d in diagnostics))


def problems(root: Path, owned: Callable[[str], bool] | None = None) -> list[Diagnostic]:
    """What makes generated/ unsafe to read or replace: it (or .obsgen/) is a link or not a
    directory; something inside is a link leaving the project, or a FIFO, socket or device. With
    `owned`, only inside the top-level directories it says yes to: a build of some environments reads and
    replaces only theirs, and moves every other one whole, with one rename that follows no link (`build
    --env` of a project whose generated/ holds the site looked at its 21,000 pages first)."""
    found = [problem for name, holds in ((GENERATED_DIR, "its output"), (WORK_DIR, "a build's staging tree"))
             if (problem := _not_a_plain_directory(root, name, holds))]
    base = root / GENERATED_DIR
    if not found and base.is_dir():
        found += _unsafe_entries(root.resolve(), base, owned)
    return found


def environment_dirs(patterns: list[str]) -> Callable[[str], bool]:
    """Whether a top-level directory of generated/ may be one of the environments `--env` names, a glob
    naming those it matches (fnmatch, as `compile_project` selects them): what `problems` looks inside."""
    return lambda name: any(name == p or fnmatch.fnmatchcase(name, p) for p in patterns)


def _not_a_plain_directory(root: Path, name: str, holds: str) -> Diagnostic | None:
    path = root / name
    if path.is_symlink():
        return error(Span(name), "generated-symlink",
                     f"{name} is a symbolic link (to {os.readlink(path)}); obsgen replaces {name}/ as a whole "
                     f"and follows no link there: make {name}/ a plain directory")
    if path.exists() and not path.is_dir():
        return error(Span(name), "generated-not-a-directory",
                     f"{name} is a file, not a directory; obsgen keeps {holds} in {name}/: move or delete the file")
    return None


def _unsafe_entries(real_root: Path, base: Path, owned: Callable[[str], bool] | None = None) -> list[Diagnostic]:
    found = []
    for entry in _odd_entries(base, owned):
        rel = Path(entry.path).relative_to(base.parent).as_posix()
        if entry.is_symlink():
            if not Path(os.path.realpath(entry.path)).is_relative_to(real_root):
                found.append(error(Span(rel), "generated-symlink",
                                   f"a symbolic link to {os.readlink(entry.path)}, outside the project; obsgen "
                                   "never reads or writes through it: remove the link"))
        else:
            found.append(error(Span(rel), "generated-special-file",
                               "not a regular file or directory (a FIFO, socket or device); "
                               f"{GENERATED_DIR}/ holds files: remove it"))
    return sorted(found)


def _odd_entries(top: Path, owned: Callable[[str], bool] | None = None) -> list[os.DirEntry[str]]:
    """Every entry under `top` that is neither a regular file nor a directory, links not followed
    (iterative: no recursion limit on deep trees); with `owned`, not inside the top-level directories it
    says no to. The file type comes with the directory listing: no stat per file. One loop, not a
    generator of every entry: generated/ holds 23,000 files at 10,000 monitors, and every build looks at
    all of them first (docs/performance.md, session 8)."""
    odd = []
    pending = [str(top)]
    first = True
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if not first or owned is None or owned(entry.name):
                        pending.append(entry.path)
                elif not entry.is_file(follow_symlinks=False):
                    odd.append(entry)
        first = False
    return odd


def leftovers(root: Path) -> list[str]:
    """What interrupted builds left behind, as paths in the project (for `build --check`)."""
    found = []
    work, base = root / WORK_DIR, root / GENERATED_DIR
    if work.is_dir() and not work.is_symlink():
        found += [f"{WORK_DIR}/{name}" for name in sorted(os.listdir(work)) if name.startswith((STAGING, PREVIOUS, JOURNAL))]
    if base.is_dir() and not base.is_symlink():
        found += [f"{GENERATED_DIR}/{name}" for name in sorted(os.listdir(base)) if name.startswith(LEGACY)]
    return found


def replace(root: Path, files: dict[str, str], owned: set[str], progress: Progress = silent) -> None:
    """Make generated/ hold `files` in place of its top-level entries named in `owned`, keeping
    every other entry; in one swap. Raises OutputError when generated/ is unsafe to replace."""
    with Staging(root) as staging:
        for rel, content in counted(files.items(), "writing files", progress):
            staging.add(rel, content)
        staging.commit(owned)


class Staging:
    """generated/'s next tree, written file by file while a build renders it (`obsgen build` holds no
    file in memory once it is written: docs/performance.md), then swapped in by `commit`. Leaving the
    `with` block without `commit` (errors in the spec, an exception, Ctrl-C) deletes it: generated/ is
    never touched before `commit`, and a `commit` stopped before its swap has what it moved put back.
    Entering checks generated/ (OutputError when it is unsafe to replace) and takes the project's
    lock for the whole build. With `manifest`, a `Named` file the last build recorded, unchanged since,
    is known by its lstat alone (generated_manifest.py), and the manifest is saved after the swap.
    `checked`: the caller has just found no `problems(root)` (the CLI reports them with the spec's own),
    so entering does not walk generated/ a second time (23,000 entries at 10,000 monitors, ~12 ms)."""

    def __init__(self, root: Path, manifest: Manifest | None = None, checked: bool = False,
                 states: bool = False) -> None:
        self.root, self.base, self.work = root, root / GENERATED_DIR, root / WORK_DIR
        token = secrets.token_hex(6)
        self.tree, self.journal = self.work / f"{STAGING}{token}", self.work / f"{JOURNAL}{token}"
        self._made: set[str] = set()
        self._unchanged: set[str] = set()  # paths whose bytes equal the current tree's: not written
        self._written: set[str] = set()
        self._linked: set[str] = set()
        # the state (file_state.py) of each file found unchanged, from the lstat taken before its bytes were
        # compared (or the manifest knew it), when recordable against the clock at the start: what the
        # incremental build records of a file moved with its directory, which keeps its lstat, without
        # looking at it again (23,000 lstats at 10,000 monitors)
        self.seen: dict[str, bytes] = {}  # only with `states` (a build that leaves an incremental record)
        self._states = states
        self._start: os.stat_result | None = None
        self._lock: ExitStack | None = None
        # `add` runs once per file (23,000 at 10,000 monitors): it joins strings, not Paths, and
        # looks at generated/ once, here, rather than per file (docs/performance.md, #22 target 1).
        self._tree_text, self._base_text = str(self.tree), str(self.base)
        self._has_base = False
        self._manifest = manifest
        self._checked = checked

    def __enter__(self) -> Staging:
        if not self._checked and (found := problems(self.root)):
            raise OutputError(found)
        with ExitStack() as stack:
            stack.enter_context(_exclusive(self.root))
            stack.callback(self._clean_up)
            recover(self.root)
            _make_work_dir(self.work)
            self.tree.mkdir()
            self._start = os.lstat(self.tree)  # the clock before any file is looked at: made just now
            if self._manifest is not None:
                self._manifest.start(self._start)
            self._has_base = self.base.is_dir()  # what recover() left; the lock keeps other builds out
            if self._has_base:
                shutil.copymode(self.base, self.tree)
            self._lock = stack.pop_all()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            self._lock.close()

    def _clean_up(self) -> None:
        # after the swap: deletes the old tree; before it: moves back what commit moved, deletes the rest
        recover(self.root)
        _remove_work_dir(self.work)

    def add(self, rel: str, content: Content) -> None:
        """One file of the build. A file whose bytes equal the current tree's is only noted: `commit`
        moves its directory into the new tree, or links it there, so it keeps its inode and
        modification time (editors, make and rsync see what really changed) and a rebuild that
        changes little writes little. Another file is written into the staging tree. The current
        file is never modified. A `Chunks` (a page too big to hold as one string) is written block by
        block and compared with the current file as it comes."""
        if isinstance(content, Named):
            self._add_named(rel, content)
            return
        # the same path twice: the later content wins, written over the first
        current = os.path.join(self._base_text, rel) if self._has_base and rel not in self._written else None
        if isinstance(content, (str, bytes)):
            data = as_bytes(content)
            info = _lstat(current) if current is not None else None
            if current is not None and info is not None and _same_bytes(current, data, info):
                self._noted(rel)
                self._saw(rel, info)
            else:
                _write_file(self._target(rel), data)
                self._wrote(rel)
            return
        # written beside the tree's files, so that an unchanged page makes no directory the move needs
        spare = os.path.join(self._tree_text, f".part-{secrets.token_hex(4)}")
        if _write_blocks(spare, encoded(content), current, os.path.join(self._tree_text, rel)) and current is not None:
            os.unlink(spare)
            self._noted(rel)
        else:
            os.replace(spare, self._target(rel))
            self._wrote(rel)

    def keep(self, rel: str) -> None:
        """A file the caller knows generated/ holds as this build would make it (the incremental build
        checked its lstat): taken into the new tree as any unchanged file."""
        self._noted(rel)

    def without_manifest(self) -> None:
        """This build looks at no page through the manifest and leaves it as it is (an incremental build:
        what it did not write keeps its record, what it wrote no longer matches one)."""
        self._manifest = None

    @property
    def changed(self) -> set[str]:
        """After `commit`: the files of the new tree with a new inode or ctime (written, or linked from
        the old tree); the others were moved with their directory, lstat and all."""
        return self._written | self._linked

    def _add_named(self, rel: str, content: Named) -> None:
        """A file known by the name of its text: unchanged by the manifest's word, made only when it
        is not (then compared and written as any file), and what was found recorded for the next build.
        21,000 files of a warm build at 10,000 monitors are known: one lstat each, and few calls."""
        current, info = None, None
        if self._has_base and rel not in self._written:
            current = f"{self._base_text}/{rel}"  # os.path.join's result for a relative path, without its checks
            try:
                info = os.lstat(current)
            except OSError:  # absent (or unreadable): made and written
                pass
        manifest = self._manifest
        if info is not None and manifest is not None and manifest.knows(rel, info, content.identity):
            self._unchanged.add(rel)
            self._saw(rel, info)
            return
        data = as_bytes(content.make())
        if current is not None and info is not None and _same_bytes(current, data, info):
            self._noted(rel)
            self._saw(rel, info)
            if manifest is not None:
                manifest.saw(rel, info, content.identity)
        else:
            _write_file(self._target(rel), data)
            self._wrote(rel)

    def _saw(self, rel: str, info: os.stat_result) -> None:
        if self._states and self._start is not None and file_state.recordable(info, self._start):
            self.seen[rel] = file_state.packed(info)

    def _target(self, rel: str) -> str:
        """`rel`'s path in the staging tree, its directory made."""
        target = os.path.join(self._tree_text, rel)
        parent = os.path.dirname(target)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        return target

    def _noted(self, rel: str) -> None:
        self._unchanged.add(rel)

    def _wrote(self, rel: str) -> None:
        self._unchanged.discard(rel)
        self._written.add(rel)
        if self._manifest is not None:
            self._manifest.forget(rel)

    def commit(self, owned: set[str]) -> None:
        """The new tree completed from the current one, then the one swap: unchanged files linked,
        unchanged directories and the top-level directories not in `owned` moved (journaled first)."""
        moves = self._gathered(owned) if os.path.isdir(self.base) else []
        if moves:
            write_journal(self.journal, self.base, self.tree, moves)
            for rel in moves:
                self._move(rel)
        _swap(self.tree, self.base, self.work)
        _forget(self.journal)
        if self._manifest is not None:  # describes the tree now in place
            self._manifest.save(owned)

    def _gathered(self, owned: set[str]) -> list[str]:
        """Links what the new tree takes file by file; returns the directories it takes whole."""
        owned_dirs: list[str] = []
        moves: list[str] = []
        linked: set[str] = set()
        with os.scandir(self.base) as entries:
            for entry in sorted(entries, key=lambda entry: entry.name):
                if entry.name.startswith(LEGACY):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    (owned_dirs if entry.name in owned else moves).append(entry.name)
                elif entry.name not in owned:
                    _carry_file(entry, os.path.join(self._tree_text, entry.name))
                elif entry.name in self._unchanged and entry.is_file(follow_symlinks=False):
                    linked.add(entry.name)
        found = plan(self._base_text, owned_dirs, self._unchanged, self._written)
        if found.found + len(linked) != len(self._unchanged):
            raise vanished(self._base_text, self._unchanged)
        for rel in sorted(linked) + found.links:
            self._link(rel)
            self._linked.add(rel)
        return moves + found.moves

    def _link(self, rel: str) -> None:
        _link_or_copy(os.path.join(self._base_text, rel), self._target(rel))

    def _move(self, rel: str) -> None:
        """One directory out of generated/ into the new tree; linked or copied where it cannot be
        renamed (another filesystem mounted inside generated/): undo() finds it still in place."""
        source, target = os.path.join(self._base_text, rel), self._target(rel)
        try:
            os.rename(source, target)
        except OSError:
            shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy)


def recover(root: Path) -> None:
    """Put generated/ back in order after an interrupted build and delete what it left behind."""
    base, work = root / GENERATED_DIR, root / WORK_DIR
    if work.is_dir() and not work.is_symlink():
        names = sorted(os.listdir(work))
        previous = [name for name in names if name.startswith(PREVIOUS)]
        if previous and not os.path.lexists(base):  # killed between the fallback's two renames
            os.rename(work / previous[0], base)
        for name in names:  # killed between the first move out of generated/ and the swap?
            if name.startswith(JOURNAL):
                undo(work / name, base)
        for name in names:
            if name.startswith((STAGING, PREVIOUS)):
                shutil.rmtree(work / name, ignore_errors=True)
    if base.is_dir() and not base.is_symlink():
        _recover_legacy(base)


def _recover_legacy(base: Path) -> None:
    """obsgen 0.1.0 swapped each environment alone: `.old-<name>-<pid>` is <name> moved aside,
    `.obsgen-<random>` its staging directory."""
    for name in sorted(os.listdir(base)):
        if name.startswith(".old-"):
            original = base / name.removeprefix(".old-").rpartition("-")[0]
            if original.name and not os.path.lexists(original):
                os.rename(base / name, original)
                continue
        if name.startswith(LEGACY):
            shutil.rmtree(base / name, ignore_errors=True)


@contextmanager
def _exclusive(root: Path) -> Iterator[None]:
    """One build writes a project's generated/ at a time: another one's staging tree is not a leftover.
    An advisory lock (flock(2)) on the project directory; released when the process ends, even by a kill."""
    try:
        import fcntl
    except ImportError:  # not a POSIX system: no lock
        yield
        return
    fd = os.open(root, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError([error(Span(GENERATED_DIR), "generated-busy",
                                     f"another obsgen is writing {GENERATED_DIR}/ in this project; "
                                     "run again when it has finished")]) from None
        yield
    finally:
        os.close(fd)


def _make_work_dir(work: Path) -> None:
    work.mkdir(exist_ok=True)
    ignore = work / ".gitignore"
    if not ignore.exists():
        _write_file(ignore, _GITIGNORE.encode("utf-8"))


def _remove_work_dir(work: Path) -> None:
    """Only when it holds nothing but obsgen's own .gitignore (someone may keep files there)."""
    ignore = work / ".gitignore"
    try:
        if set(os.listdir(work)) <= {".gitignore"}:
            if ignore.exists() and ignore.read_text(encoding="utf-8") != _GITIGNORE:
                return
            ignore.unlink(missing_ok=True)
            work.rmdir()
    except (OSError, UnicodeDecodeError):
        pass  # gone already, or not ours to remove


def _carry_file(entry: os.DirEntry[str], target: str) -> None:
    """A top-level file this build does not replace, hard-linked into the new tree (copied where links
    are not possible); a link is recreated as a link, never followed."""
    if entry.is_symlink():
        os.symlink(os.readlink(entry.path), target)
    else:
        _link_or_copy(entry.path, target)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:  # another filesystem (EXDEV), links not permitted (EPERM), too many links (EMLINK)
        shutil.copy2(source, target, follow_symlinks=False)


def _same_bytes(current: str, data: bytes, info: os.stat_result | None = None) -> bool:
    try:
        return holds(current, data, info)
    except OSError:  # unreadable: written instead
        return False


def _lstat(path: str) -> os.stat_result | None:
    """The file's lstat; None when it cannot be had (it is then read or written as any file would be)."""
    try:
        return os.lstat(path)
    except OSError:
        return None


def holds(path: str, data: bytes, info: os.stat_result | None = None) -> bool:
    """`path` is a regular file whose bytes are exactly `data`: one lstat (unless `info` is the one
    taken already) and, when the size matches, one read (a build compares 23,000 files at 10,000
    monitors), never through a link (O_NOFOLLOW: a link put there since the lstat is ELOOP, not the
    file). False when it is absent, not a regular file, or a link; other errors (EACCES, EIO) are raised."""
    if info is None:
        try:
            info = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return False
    if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
        return False
    try:
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return False
        raise
    try:
        return os.read(descriptor, len(data) + 1) == data  # a short read is a difference too
    finally:
        os.close(descriptor)


def _write_blocks(path: str, blocks: Iterator[bytes], current: str | None, shown: str) -> bool:
    """`blocks` written to `path` as they come; True when they equal `current`'s bytes (read beside
    them, a block's length at a time), which then need not be written. Errors name `shown`."""
    with _named_errors(shown), ExitStack() as stack:
        reading = _opened_regular(current, stack) if current is not None else None
        same = reading is not None
        out = stack.enter_context(open(path, "wb"))
        for block in blocks:
            out.write(block)
            same = same and reading is not None and _reads(reading, block)
        return same and reading is not None and _reads(reading, b"", at_end=True)


def _opened_regular(path: str, stack: ExitStack) -> BinaryIO | None:
    """`path` open for reading when it is a regular file (never through a link); None otherwise."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        # O_NOFOLLOW: a link put there since the lstat is not read either (ELOOP)
        descriptor = os.open(path, os.O_RDONLY | _NOFOLLOW)
        return stack.enter_context(os.fdopen(descriptor, "rb"))
    except OSError:  # absent, unreadable, a link: the file is written, not linked
        return None


def _reads(reading: BinaryIO, expected: bytes, at_end: bool = False) -> bool:
    """The next bytes of `reading` are `expected` (and, `at_end`, nothing after them)."""
    try:
        return reading.read(len(expected)) == expected and (not at_end or reading.read(1) == b"")
    except OSError:
        return False


@contextmanager
def _named_errors(path: str | Path) -> Iterator[None]:
    """write(2) and close(2) failures (ENOSPC, EDQUOT, EIO) carry no file name; this adds it."""
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or exc.errno is None:
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from exc


def _write_file(path: str | Path, data: bytes) -> None:
    with _named_errors(path), open(path, "wb") as out:
        out.write(data)


def _swap(staging: Path, base: Path, work: Path) -> None:
    if not os.path.lexists(base):
        os.rename(staging, base)  # nothing to replace: one rename is atomic
    elif not exchange(staging, base):
        previous = work / f"{PREVIOUS}{staging.name.removeprefix(STAGING)}"
        os.rename(base, previous)  # generated/ is absent until the next rename; recover() puts it back
        os.rename(staging, base)


def _forget(journal: Path) -> None:
    """After the swap: the moves need no undoing."""
    journal.unlink(missing_ok=True)


def exchange(first: Path, second: Path) -> bool:
    """Swap two directory entries in one atomic step; False when this system or filesystem cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _CANNOT_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(second), None, str(first))


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without it (glibc < 2.28)
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function
