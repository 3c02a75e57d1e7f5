"""`python -m obsgen.metrics [ROOT]`: write docs/resource-types.md and docs/metrics-catalog.md, and
the package's index of its data files (data/index.json, shipped.py).

A thin layer over `reference`: the data is read and checked first, and a broken data file is
reported (located) without writing anything.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..presets.catalog import shipped_catalog as shipped_presets
from .files import DATA_DIR
from .reference import catalog_markdown, resource_types_markdown
from .shipped import INDEX_FILE, shipped_catalog, shipped_resource_types, write_index


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path.cwd()
    catalog, broken = shipped_catalog()
    types, broken_types = shipped_resource_types()
    presets, broken_presets = shipped_presets()
    problems = [*broken, *broken_types, *broken_presets]
    if problems:
        for problem in dict.fromkeys(problems):
            print(problem, file=sys.stderr)
        return 1
    pages = {"resource-types.md": resource_types_markdown(types, presets), "metrics-catalog.md": catalog_markdown(catalog)}
    for name, text in pages.items():
        (root / "docs" / name).write_text(text, encoding="utf-8")
        print(f"wrote docs/{name}")
    write_index(DATA_DIR)  # from the YAML files, whatever index there was
    print(f"wrote {DATA_DIR / INDEX_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
