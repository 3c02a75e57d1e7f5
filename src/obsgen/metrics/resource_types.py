"""Reading `data/resource-types.yaml`: obsgen's resource types (namespace, dimensions, flavour, regions).

The file is checked against the metric catalog when it is read, so a type can only name a namespace
the catalog describes, a flavour of that namespace, and a set of dimensions that some metric of the
namespace is published with; a type whose metrics exist only in some regions must say which.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, error
from ..language.load import load_model
from ..language.yaml_reader import Document
from .catalog import CODE, MetricCatalog, NamespaceInfo

if TYPE_CHECKING:  # the file's schema is imported by its reading: the shipped index needs none
    from .schema import ResourceTypeEntry


@dataclass(frozen=True, slots=True)
class ResourceTypeInfo:
    name: str
    title: str
    namespace: str | None  # None: the resource gives it (type "custom")
    dimension: str | None  # the dimension whose value is the resource's name
    required: tuple[str, ...]  # the other dimensions the resource must give
    flavour: str | None
    regions: tuple[str, ...] | None  # None: published in every region
    source: str | None
    note: str | None

    def dimension_names(self) -> frozenset[str]:
        """The dimensions every metric of a resource of this type carries."""
        return frozenset(([self.dimension] if self.dimension else []) + list(self.required))


def load_resource_types(path: Path, catalog: MetricCatalog) -> tuple[dict[str, ResourceTypeInfo], list[Diagnostic]]:
    from .schema import ResourceTypesFile

    problems: list[Diagnostic] = []
    loaded = load_model(path, f"metrics/{path.name}", ResourceTypesFile, problems, path.parent)
    if loaded is None:
        return {}, problems
    spec, doc = loaded
    types: dict[str, ResourceTypeInfo] = {}
    for name, entry in spec.types.items():
        found = _check(name, entry, doc, catalog)
        problems += found
        if not found:
            types[name] = _info(name, entry)
    return types, problems


def _info(name: str, entry: ResourceTypeEntry) -> ResourceTypeInfo:
    return ResourceTypeInfo(name, entry.title, entry.namespace, entry.dimension, tuple(entry.required), entry.flavour,
                            tuple(entry.regions) if entry.regions else None,
                            str(entry.source) if entry.source else None, entry.note)


def _check(name: str, entry: ResourceTypeEntry, doc: Document, catalog: MetricCatalog) -> list[Diagnostic]:
    loc = ("types", name)
    if entry.namespace is None:
        if entry.dimension or entry.required or entry.flavour or entry.regions:
            return [error(doc.span(loc, at_key=True), CODE,
                          f"resource type '{name}' has no namespace, so it can have no dimension, flavour or regions")]
        return []
    if entry.dimension is None:
        return [error(doc.span(loc, at_key=True), CODE, f"resource type '{name}' needs a 'dimension'")]
    if entry.source is None:
        return [error(doc.span(loc, at_key=True), CODE, f"resource type '{name}' needs the 'source' that names its dimensions")]
    info = catalog.namespace(entry.namespace)
    if info is None:
        return [error(doc.span(loc + ("namespace",)), CODE, f"namespace '{entry.namespace}' is not in the metric catalog")]
    if entry.flavour is not None and entry.flavour not in info.flavours:
        known = ", ".join(info.flavours) or "none"
        return [error(doc.span(loc + ("flavour",)), CODE,
                      f"{entry.namespace} has no flavour '{entry.flavour}'; its flavours: {known}")]
    names = frozenset([entry.dimension, *entry.required])
    published, regions = _published_regions(info, entry.flavour, names)
    if not published:
        return [error(doc.span(loc, at_key=True), CODE, f"no metric of {entry.namespace} is published with exactly "
                      f"the dimensions {', '.join(sorted(names))}")]
    declared = tuple(sorted(entry.regions)) if entry.regions else None
    if declared == regions:
        return []
    if regions:
        message = (f"resource type '{name}': its metrics are published only in {', '.join(regions)}; "
                   f"say so with regions: [{', '.join(regions)}]")
    else:
        message = f"resource type '{name}': its metrics are published in every region; drop 'regions'"
    return [error(doc.span(loc + ("regions",)) if entry.regions else doc.span(loc, at_key=True), CODE, message)]


def _published_regions(info: NamespaceInfo, flavour: str | None,
                       names: frozenset[str]) -> tuple[bool, tuple[str, ...] | None]:
    """Whether some metric is published with exactly `names`, and the regions those metrics are in
    (None: every region)."""
    matching = [p for m in info.metrics.values() for p in m.publications_for(flavour)
                if names in p.dimension_sets]
    if not matching or any(p.regions is None for p in matching):
        return bool(matching), None
    return True, tuple(sorted({r for p in matching for r in p.regions or ()}))
