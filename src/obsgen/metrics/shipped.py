"""The package's own metric catalog and resource types, read once per process: from the index
`data/index.json` when it is current, from the YAML files otherwise (issue #22, target 5).

Reading the 29 data files with the located reader and pydantic took ~18 ms of every build (and
importing their schema ~4 ms); the index is what that reading returns, as JSON, and takes ~3 ms.
`python -m obsgen.metrics` writes it beside the docs. It is keyed by a digest of everything the
reading depends on: the data files' bytes, the modules that read them (catalog.py,
resource_types.py, schema.py) and pydantic's releases (which normalise the AWS pages' URLs). An
index whose digest differs (a data file edited, the index not made again) is not used: the YAML
files are read, checked and reported as before, so the index can be out of date but never wrong.
tests/test_metrics_catalog.py holds the committed index current and equal to the YAML's reading.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import astuple, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic
from .catalog import Bounds, Interval, MetricCatalog, MetricInfo, NamespaceInfo, Publication, load_catalog
from .files import DATA_DIR, RESOURCE_TYPES_FILE
from .resource_types import ResourceTypeInfo, load_resource_types

INDEX_FILE = "index.json"
# The code that turns the data files into the catalog, and this module (the index's form): an edit to
# any of them makes the index out of date too.
READERS = ("catalog.py", "resource_types.py", "schema.py", "shipped.py")


@dataclass(frozen=True, slots=True)
class Index:
    catalog: MetricCatalog
    types: dict[str, ResourceTypeInfo]


@lru_cache(maxsize=1)
def shipped_catalog() -> tuple[MetricCatalog, tuple[Diagnostic, ...]]:
    """The package's own catalog, with the problems of its files (none, as shipped)."""
    index = _shipped_index()
    if index is not None:
        return index.catalog, ()
    catalog, problems = load_catalog(DATA_DIR)
    return catalog, tuple(problems)


@lru_cache(maxsize=1)
def shipped_resource_types() -> tuple[dict[str, ResourceTypeInfo], tuple[Diagnostic, ...]]:
    """The package's own resource types, checked against the package's own catalog."""
    index = _shipped_index()
    if index is not None:
        return index.types, ()
    catalog, broken = shipped_catalog()
    types, problems = load_resource_types(DATA_DIR / RESOURCE_TYPES_FILE, catalog)
    return types, tuple(broken) + tuple(problems)


@lru_cache(maxsize=1)
def _shipped_index() -> Index | None:
    return read_index(DATA_DIR)


def sources_digest(directory: Path) -> str:
    """sha256 of what the catalog and resource types of `directory` are computed from."""
    import pydantic
    import pydantic_core

    digest = hashlib.sha256(f"obsgen metric index\0{pydantic.VERSION}\0{pydantic_core.__version__}\0".encode())
    code = Path(__file__).parent
    for path in [*sorted(directory.glob("*.yaml")), *(code / name for name in READERS)]:
        digest.update(path.name.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def read_index(directory: Path) -> Index | None:
    """The index of `directory`'s data files; None when there is none or it is out of date."""
    try:
        data = json.loads((directory / INDEX_FILE).read_bytes())
        return _decoded(data) if data["digest"] == sources_digest(directory) else None
    except (OSError, ValueError, LookupError, TypeError):  # missing, unreadable or not an index: read the YAML
        return None


def write_index(directory: Path) -> list[Diagnostic]:
    """Writes `directory`'s index from its YAML files; with problems, writes nothing and returns them."""
    catalog, problems = load_catalog(directory)
    types, type_problems = load_resource_types(directory / RESOURCE_TYPES_FILE, catalog)
    if problems or type_problems:
        return problems + type_problems
    namespaces = ",\n".join(_namespace(info) for info in catalog.namespaces.values())
    resource_types = ",\n  ".join(_json([t.name, t.title, t.namespace, t.dimension, t.required, t.flavour, t.regions,
                                         t.source, t.note]) for t in types.values())
    text = (f'{{"digest": {_json(sources_digest(directory))},\n"namespaces": [\n{namespaces}],\n'
            f'"resource_types": [\n  {resource_types}]}}\n')
    (directory / INDEX_FILE).write_text(text, encoding="utf-8")
    return []


# --- the JSON form: each value as load_catalog and load_resource_types make it, a line a metric -----
# A namespace lists its pages and dimension sets once; a publication names them by their position.

def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _namespace(info: NamespaceInfo) -> str:
    sources: dict[str, int] = {}
    sets: dict[tuple[str, ...], int] = {}
    metrics = []
    for m in info.metrics.values():
        publications = [[[sets.setdefault(names, len(sets)) for names in sorted(tuple(sorted(s)) for s in p.dimension_sets)],
                         p.flavour, p.regions, sources.setdefault(p.source, len(sources))] for p in m.publications]
        interval = None if m.interval is None else astuple(m.interval)
        bounds = None if m.bounds is None else astuple(m.bounds)
        metrics.append(_json([m.name, m.unit, m.statistics, m.statistics_note, m.note, publications, m.absent_when,
                              interval, bounds]))
    head = {"namespace": info.namespace, "title": info.title, "source": info.source, "coverage": info.coverage,
            "flavours": info.flavours, "path": info.path, "sources": list(sources), "dimension_sets": list(sets)}
    return f'{_json(head)[:-1]}, "metrics": [\n  ' + ",\n  ".join(metrics) + "]}"


def _decoded(data: dict[str, Any]) -> Index:
    catalog = MetricCatalog()
    for entry in data["namespaces"]:
        namespace = entry["namespace"]
        publication = _Publications(entry["sources"], [frozenset(names) for names in entry["dimension_sets"]])
        metrics = {name: MetricInfo(namespace, name, unit, _tuple(statistics), statistics_note, note,
                                    tuple(publication(*p) for p in publications), absent_when,
                                    None if interval is None else Interval(*interval),
                                    None if bounds is None else Bounds(*bounds))
                   for name, unit, statistics, statistics_note, note, publications, absent_when, interval, bounds
                   in entry["metrics"]}
        catalog.add(NamespaceInfo(namespace, entry["title"], entry["source"], entry["coverage"], entry["flavours"],
                                  metrics, entry["path"]))
    catalog.finish()
    types = {t[0]: ResourceTypeInfo(t[0], t[1], t[2], t[3], tuple(t[4]), t[5], _tuple(t[6]), t[7], t[8])
             for t in data["resource_types"]}
    return Index(catalog, types)


class _Publications:
    """A namespace's publications, each made once: the metrics of a group share theirs (they are frozen)."""

    def __init__(self, sources: list[str], sets: list[frozenset[str]]):
        self.sources, self.sets = sources, sets
        self.made: dict[tuple[Any, ...], Publication] = {}

    def __call__(self, used: list[int], flavour: str | None, regions: list[str] | None, source: int) -> Publication:
        key = (tuple(used), flavour, _tuple(regions), source)
        found = self.made.get(key)
        if found is None:
            found = self.made[key] = Publication(frozenset(self.sets[i] for i in used), flavour, key[2],
                                                 self.sources[source])
        return found


def _tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return None if values is None else tuple(values)
