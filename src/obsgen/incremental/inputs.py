"""What a build reads, named by content: the key of everything a project's services share (the project
file, the runbooks_src/ files outside a service's folder, which spec files exist, obsgen and the
libraries it renders with) and the key of each service file with its own guidance folder.

A key is the sha256 of the bytes, never of a modification time: a reverted edit, a fresh clone or a
`touch` give the key they deserve. Reading and hashing the 1,001 spec files of the 10,000-monitor
benchmark costs about 15 ms.
"""

from __future__ import annotations

import hashlib
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..language.load import MONITORS_DIR, PROJECT_FILE, RUNBOOKS_DIR, SPEC_SUFFIXES
from ..render_cache import package_digest

FORMAT = "obsgen-incremental 1"  # part of every project key: a new layout of the record never reads an old one


@dataclass(frozen=True, slots=True)
class Inputs:
    base: str  # the key of obsgen, its libraries, the names under monitors/ and the project file
    files: dict[str, str]  # each service file (path under the project) -> sha256 of its bytes
    folders: dict[str, str]  # each folder of runbooks_src/ -> sha256 of its names and files
    loose: str  # the key of runbooks_src/'s other files (shared guidance, the page template)

    def project_key(self, services: Iterable[str]) -> str:
        """The key of what every service shares, `services` being the project's: the folders of runbooks_src/
        named after none of them are shared guidance too (and an error of the build's)."""
        named = set(services)
        return _sha(self.base, self.loose, *(f"{n} {d}" for n, d in sorted(self.folders.items()) if n not in named))

    def unit_key(self, file: str, service: str) -> str:
        """The key of a service file and its guidance folder (runbooks_src/<service>/)."""
        return _sha(self.files[file], self.folders.get(service, ""))


def scan(root: Path) -> Inputs | None:
    """The keys of the project at `root`, read before the build that they describe (a file edited while it
    runs then has a key the next build does not find). None when something cannot be read: the caller
    then builds in full, which reports it."""
    try:
        return _scan(root)
    except OSError:
        return None


def _scan(root: Path) -> Inputs:
    base = hashlib.sha256()
    base.update(f"{FORMAT}\0{package_digest()}\0{sys.version}\0{_libraries()}\0".encode())
    top = os.fspath(root)
    files: dict[str, str] = {}
    project = f"{MONITORS_DIR}/{PROJECT_FILE}"
    for rel, is_file in _visible(top, MONITORS_DIR):  # every name: a new, renamed or miscased file changes the base
        base.update(f"{rel}\0".encode("utf-8", "surrogateescape"))
        if is_file and rel.endswith(SPEC_SUFFIXES):
            digest = _file_sha(os.path.join(top, rel))
            if rel == project:
                base.update(f"project {digest}\0".encode())
            else:
                files[rel] = digest
    folders: dict[str, hashlib._Hash] = {}
    loose = hashlib.sha256()
    cut = len(RUNBOOKS_DIR) + 1
    tags = False
    for rel, is_file in _visible(top, RUNBOOKS_DIR):
        parts = rel[cut:].split("/")
        into = folders.setdefault(parts[0], hashlib.sha256()) if len(parts) == 2 or not is_file else loose
        into.update(f"{rel[cut:]}\0".encode("utf-8", "surrogateescape"))
        if is_file:
            with open(os.path.join(top, rel), "rb") as source:
                data = source.read()
            into.update(hashlib.sha256(data).hexdigest().encode())
            tags = tags or b"{%" in data
    if tags:  # a Jinja tag may include or import any runbooks_src file: no folder is one service's alone
        for name, folder in sorted(folders.items()):
            loose.update(f"{name} {folder.hexdigest()}\0".encode("utf-8", "surrogateescape"))
        folders = {}
    return Inputs(base.hexdigest(), files, {name: h.hexdigest() for name, h in folders.items()}, loose.hexdigest())


def _visible(root: str, folder: str) -> list[tuple[str, bool]]:
    """What language.load.visible_entries lists under root/folder (hidden names left out, linked folders not
    entered), as (path under root, is a file), sorted; strings, not Paths (3 us a file less)."""
    found = []
    start = os.path.join(root, folder)
    cut = len(os.path.join(root, ""))
    for parent, dirs, names in os.walk(start):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = parent[cut:].replace(os.sep, "/")
        found += [(f"{rel}/{d}", False) for d in dirs]
        found += [(f"{rel}/{n}", os.path.isfile(os.path.join(parent, n))) for n in names if not n.startswith(".")]
    return sorted(found)


def _file_sha(path: str) -> str:
    with open(path, "rb") as source:
        return hashlib.sha256(source.read()).hexdigest()


def _libraries() -> str:
    """The installed distributions by name and version (their `.dist-info` folders): pydantic validates,
    Jinja2, MarkupSafe and markdown-it render, botocore's model lists CloudWatch's units. One listing."""
    folders = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    names: list[str] = []
    for folder in sorted(folders):
        try:
            names += sorted(n for n in os.listdir(folder) if n.endswith(".dist-info"))
        except OSError:
            continue
    return " ".join(names)


def _sha(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
