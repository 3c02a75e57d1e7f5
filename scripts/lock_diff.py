"""Which packages a fresh install would take at another version than uv.lock pins.

Usage: python scripts/lock_diff.py uv.lock freeze.txt   (freeze.txt: `pip freeze` of a venv)
Prints one line per difference; exit 1 when there is any. Used by `make test-latest`.
"""

from __future__ import annotations

import re
import sys
import tomllib


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()  # PEP 503 normalised names


def locked(path: str) -> dict[str, set[str]]:
    """Name -> versions: a universal lock may pin one package at several versions, each for some
    Pythons or platforms (uv's resolution markers)."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    found: dict[str, set[str]] = {}
    for package in data.get("package", []):
        if "version" in package:
            found.setdefault(_key(package["name"]), set()).add(package["version"])
    return found


def frozen(path: str) -> dict[str, str]:
    found = {}
    for line in open(path, encoding="utf-8"):
        name, sep, version = line.strip().partition("==")
        if sep:
            found[_key(name)] = version
    return found


def main(lock_path: str, freeze_path: str) -> int:
    pinned, fresh = locked(lock_path), frozen(freeze_path)
    lines = [f"  {name}: {' or '.join(sorted(pinned.get(name, {'(not locked)'})))} -> {version}"
             for name, version in sorted(fresh.items()) if version not in pinned.get(name, set()) and name != "obsgen"]
    print("\n".join(lines) if lines else "  none")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
