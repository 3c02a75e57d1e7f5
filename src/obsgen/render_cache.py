"""A content-addressed cache of pure renders, kept on disk between builds (issue #22, target 3).

An entry's key is the sha256 of everything its value is computed from: the exact input text, and a
*salt* naming the code that computes it (obsgen's version, the Python version, the renderer's name,
version and options, a digest of the obsgen source that does the work). A key that holds every
input cannot serve a stale value: change any of them and the key changes, so the old entry is
simply never asked for. Only functions whose output depends on nothing but those inputs are cached
(today a monitor's Markdown runbook page, `runbooks/page.render`, and its page of the site,
`runbooks/site.monitor_page`; the Markdown -> HTML of an SLO's page, `runbooks/markdown.page_html`;
the JSON Schema file, `language/jsonschema.schema_text`; a spec file's parsed tree,
`language/parse_cache.py`).

The cache lives in the user's cache directory, `$XDG_CACHE_HOME/obsgen/` (`~/.cache/obsgen/`
when XDG_CACHE_HOME is unset; https://specifications.freedesktop.org/basedir-spec/latest/), or in
`OBSGEN_CACHE_DIR`, one file per entry under `<kind>/<first two hex digits>/<rest of the key>`,
holding the sha256 of the value, a newline and the value (a damaged entry is a miss). Not
in the project: a repository could then carry entries made to match its own pages' keys (the keys
are public arithmetic) and put raw HTML into the site past markdown-it's escaping; the user's cache
is as trusted as the user's virtualenv. Projects share it safely, since equal inputs give equal
values. Deleting it at any time is safe: the next build recomputes and refills it. An entry not used
for `MAX_AGE_DAYS` is removed (a sweep at most once a day; a hit refreshes an entry's age once a
day), so the cache holds what recent builds used, not every page ever made.

`obsgen build` reads and writes it; `obsgen build --check` only reads it; `--no-cache` or
`OBSGEN_NO_CACHE=1` turns it off. A value that cannot be read (a truncated or foreign file) is a
miss, never an error; an entry is written to a temporary file and renamed into place, so a reader
sees a whole value or none. A library module: it never prints; the CLI decides where the cache is.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import marshal
import operator
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any, Callable, Mapping

import obsgen

MAX_AGE_DAYS = 14  # an entry no build used for this long is removed
_DAY = 86_400.0
_SWEPT = ".swept"  # in a kind's folder: its modification time is the last sweep's


def default_directory(environ: Mapping[str, str]) -> Path:
    """`OBSGEN_CACHE_DIR`, else `$XDG_CACHE_HOME/obsgen`, else `~/.cache/obsgen` (the XDG Base
    Directory default; a relative XDG_CACHE_HOME is invalid there and ignored)."""
    if explicit := environ.get("OBSGEN_CACHE_DIR"):
        return Path(explicit)
    xdg = environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "obsgen"


@functools.cache
def package_digest(root: Path | None = None) -> str:
    """sha256 of every file of the installed obsgen package (its code, data and templates; ~280 files,
    ~20 ms), or of the tree at `root`: the salt of a value that depends on obsgen as a whole (the JSON
    Schema of the spec)."""
    root = root or Path(obsgen.__file__).resolve().parent
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")  # walked in a fixed order
        for name in sorted(files):
            path = Path(folder, name)
            digest.update(path.relative_to(root).as_posix().encode("utf-8", "surrogatepass") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def source_digest(*files: Path) -> str:
    """sha256 of the given source files' bytes: part of a salt, so an edited checkout (same version
    string, other code) never reads what the old code made."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def typed_text(value: object) -> str:
    """`value` as text that names the type of every part: the key of a value rendered from objects.
    `repr` will not do: a `Markdown("x")` (written as it is) and a plain `"x"` (escaped) render
    differently but have the same repr. Frozen data only -- None, bools, numbers, strings and their
    subclasses, tuples, lists, dicts (in their order) and dataclasses (every field, in order);
    anything else raises TypeError, and the caller renders without the cache.

    The text is `marshal` (format 0) of the value's `_form`, as Latin-1: marshal writes a value of
    tuples, exact strings, ints, floats, bools and None so that it loads back equal, so two different
    forms never give the same text; format 0 writes no back-references and no interning marks, so
    equal forms always do, whatever objects they share. The walk is Python's, the writing C's: 0.19
    -> 0.14 s for the facts of 10,000 monitors, against a text written piece by piece."""
    try:
        return marshal.dumps(_form(value), 0).decode("latin-1")
    except (ValueError, RecursionError) as exc:  # nested deeper than marshal (or Python) goes: not keyed
        raise TypeError(f"{type(value).__qualname__} is nested too deeply for a typed text") from exc


# The form of a value: the value itself when it is an exact str, int, float, bool or None; otherwise a
# pair (the type's name, the form of its content) -- a tuple, which a plain value never is, so the
# form says which is which. A str subclass's content is its exact text; a tuple's or list's, a list
# of its items' forms; a dict's, of its (key, item) pairs' forms in order; a dataclass's, of its
# fields' forms in order, its name followed by its field names (a list, not a tuple: no copy, and
# marshal writes either as exactly). Every type gets its former once.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_Former = Callable[[Any], Any]
_FORMERS: dict[type, _Former] = {}


def _form(value: object) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    former = _FORMERS.get(kind) or _FORMERS.setdefault(kind, _former(kind, value))
    return former(value)


def _former(kind: type, value: object) -> _Former:
    """How values of exactly `kind` are formed (`value`: one of them, to tell a dataclass)."""
    name = f"{kind.__module__}.{kind.__qualname__}"
    if issubclass(kind, str):
        return lambda v: (name, str.__str__(v))
    if kind is tuple or kind is list:  # not a NamedTuple: its fields have names
        return lambda v: (name, [i if type(i) in _PLAIN else _form(i) for i in v])
    if kind is dict:
        return lambda v: (name, [(_form(k), _form(i)) for k, i in v.items()])
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        raise TypeError(f"{name} has no typed text (not frozen data)")
    fields = tuple(field.name for field in dataclasses.fields(value))
    label = f"{name}({','.join(fields)})"
    if len(fields) < 2:  # attrgetter of one name returns the value, not a 1-tuple
        return lambda v: (label, [_form(getattr(v, field)) for field in fields])
    get = operator.attrgetter(*fields)
    return lambda v: (label, [i if type(i) in _PLAIN else _form(i) for i in get(v)])


def _hashed(digest: Any, parts: tuple[str, ...]) -> None:
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        digest.update(b"%d:" % len(data))
        digest.update(data)


class RenderCache:
    """Values of one or more kinds of render, keyed by their inputs. `writable=False`: look-ups only
    (`build --check`); nothing is created, written, refreshed or removed."""

    def __init__(self, directory: Path, writable: bool = True) -> None:
        self.directory = directory
        self.writable = writable
        self.hits = 0
        self.misses = 0
        self._made: set[str] = set()
        self._directory_text = str(directory)  # entries are joined as strings: 20,000+ look-ups a big build
        self._now = time.time()
        self._started: dict[tuple[str, ...], Any] = {}  # key_after: the hash of the shared parts

    def key(self, kind: str, salt: str, *inputs: str) -> str:
        """The key of a value of `kind` computed by the code `salt` names from `inputs`. obsgen's
        version and the Python version are always part of it; each part is length-prefixed, so no
        two different lists of parts hash the same text."""
        digest = hashlib.sha256()
        _hashed(digest, (kind, obsgen.__version__, sys.version, salt, *inputs))
        return digest.hexdigest()

    def key_after(self, shared: tuple[str, ...], *inputs: str) -> str:
        """`key(*shared, *inputs)`, the same value, with the parts in `shared` (kind, salt and the
        first inputs) hashed once for every key that starts with them: the 10,000 pages of a build
        share seven of their nine parts."""
        start = self._started.get(shared)
        if start is None:
            start = self._started[shared] = hashlib.sha256()
            _hashed(start, (shared[0], obsgen.__version__, sys.version, *shared[1:]))
        digest = start.copy()
        _hashed(digest, inputs)
        return digest.hexdigest()

    def get(self, kind: str, key: str) -> str | None:
        data = self.get_bytes(kind, key)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:  # not ours: made again
            self.refused()
            return None

    def get_bytes(self, kind: str, key: str) -> bytes | None:
        """The value's UTF-8 bytes, not decoded: for a caller that writes them to a file as they are. A
        value whose checksum holds is one `put` wrote, from a `str`, so they are UTF-8."""
        path = self._path(kind, key)
        try:
            # os-level: Python's open() adds an isatty ioctl, an lseek and a buffer to each of 10,000+ reads
            descriptor = os.open(path, os.O_RDONLY)
            try:
                info = os.fstat(descriptor)
                data = os.read(descriptor, info.st_size + 1)  # one read; a short one fails the checksum below
            finally:
                os.close(descriptor)
            age = self._now - info.st_mtime
            checksum, _, value = data.partition(b"\n")
            if checksum != hashlib.sha256(value).hexdigest().encode("ascii"):
                raise ValueError("damaged")
            if self.writable and age > _DAY:
                os.utime(path)  # still in use: kept by the sweep
        except (OSError, ValueError):  # absent or damaged: made again
            self.misses += 1
            return None
        self.hits += 1
        return value

    def refused(self) -> None:
        """The value just read was not one the caller can use (not what its put wrote): a miss after all."""
        self.hits -= 1
        self.misses += 1

    def put(self, kind: str, key: str, value: str) -> None:
        """Stores a value (a read-only cache stores nothing). A cache that cannot be written (a full
        disk, a read-only home) only costs the next build the time to compute the value again."""
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate; simply not kept
            return
        self.put_bytes(kind, key, data)

    def put_bytes(self, kind: str, key: str, data: bytes) -> None:
        """`put` of a value that is bytes (what `get_bytes` gives back)."""
        if not self.writable:
            return
        path = self._path(kind, key)
        folder, name = os.path.split(path)
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}")
        try:
            self._make(folder)
            with open(temporary, "wb") as entry:
                # the value's own sha256 first: a damaged entry (a disk error, an edit) is a miss, not a page
                entry.write(hashlib.sha256(data).hexdigest().encode("ascii") + b"\n" + data)
            os.replace(temporary, path)
        except OSError:
            try:
                os.unlink(temporary)
            except OSError:  # never made, or already gone
                pass

    def sweep_all(self) -> int:
        """`sweep` of every kind in the cache (after a build that wrote generated/); returns how many."""
        try:
            kinds = sorted(entry.name for entry in os.scandir(self.directory) if entry.is_dir(follow_symlinks=False))
        except OSError:  # no cache yet
            return 0
        return sum(self.sweep(kind) for kind in kinds)

    def sweep(self, kind: str) -> int:
        """Removes the entries of `kind` no build used for MAX_AGE_DAYS, at most once a day; returns
        how many. Links are never followed."""
        top = self.directory / kind
        marker = top / _SWEPT
        try:
            if not self.writable or top.is_symlink() or not top.is_dir() or \
                    (marker.exists() and self._now - marker.stat().st_mtime < _DAY):
                return 0
            marker.touch()
        except OSError:
            return 0
        removed = 0
        for folder in top.iterdir():
            if folder.is_symlink() or not folder.is_dir():
                continue
            for entry in os.scandir(folder):
                try:
                    if entry.is_file(follow_symlinks=False) and \
                            self._now - entry.stat(follow_symlinks=False).st_mtime > MAX_AGE_DAYS * _DAY:
                        os.unlink(entry.path)
                        removed += 1
                except OSError:
                    continue
        return removed

    def _path(self, kind: str, key: str) -> str:
        return os.path.join(self._directory_text, kind, key[:2], key[2:])

    def _make(self, folder: str) -> None:
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
