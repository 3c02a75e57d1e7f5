"""Reading the metric catalog: every namespace file in a directory (the package's `data/` by default).

Files are read like spec and preset files (obsgen's own YAML reader, then pydantic), so a broken one
is a located diagnostic. Adding a namespace means adding a file: nothing here names one. The result
is indexed by dictionaries (namespace -> metric -> publications) so a check costs a few lookups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..diagnostics import Diagnostic, error
from ..language.load import load_model
from ..language.yaml_reader import Document, Loc
from .files import DATA_DIR, RESOURCE_TYPES_FILE

if TYPE_CHECKING:  # the files' schema is imported by the reading of a file: the shipped index needs none
    from .schema import IntervalFacts, MetricEntry, MetricFile, MetricGroup, Range

CODE = "bad-metric-catalog"

DimensionSet = frozenset[str]


@dataclass(frozen=True, slots=True)
class Publication:
    """One way AWS publishes a metric: with these dimension sets, for a flavour, in some regions."""

    dimension_sets: frozenset[DimensionSet]
    flavour: str | None  # None: every flavour of the service
    regions: tuple[str, ...] | None  # None: in every region (regional)
    source: str


@dataclass(frozen=True, slots=True)
class Interval:
    """How often AWS publishes a data point of the metric (seconds), from the page `source`."""

    seconds: int
    source: str
    faster: int | None = None  # a shorter interval, for resources that meet `faster_when`
    faster_when: str | None = None  # "with detailed monitoring enabled on the instance"
    note: str | None = None  # AWS's own words, where they give no exact interval


@dataclass(frozen=True, slots=True)
class Bounds:
    """The values AWS's page bounds a metric to (schema.Range): `says` is the page's words, `source` its address."""

    low: float | None  # None: the unit's lower bound, if any (metrics/ranges.py)
    high: float | None
    says: str
    source: str


@dataclass(frozen=True, slots=True)
class MetricInfo:
    namespace: str
    name: str
    unit: str | None
    statistics: tuple[str, ...] | None  # in the page's order; None: AWS's page does not restrict them
    statistics_note: str | None
    note: str | None
    publications: tuple[Publication, ...]
    absent_when: str | None = None  # "zero" | "idle": when AWS publishes no data point (schema.AbsentWhen)
    interval: Interval | None = None  # None: every minute, or AWS's page does not say
    bounds: Bounds | None = None  # None: AWS's page bounds it to no values (its unit may: metrics/ranges.py)

    def publications_for(self, flavour: str | None) -> tuple[Publication, ...]:
        """What a resource of `flavour` can see (every publication when no flavour is given)."""
        if flavour is None:
            return self.publications
        return tuple(p for p in self.publications if p.flavour in (None, flavour))

    def flavours(self) -> tuple[str, ...]:
        return tuple(sorted({p.flavour for p in self.publications if p.flavour is not None}))

    def dimension_sets(self, flavour: str | None = None) -> frozenset[DimensionSet]:
        return frozenset(s for p in self.publications_for(flavour) for s in p.dimension_sets)

    def regions(self, flavour: str | None = None, dimensions: DimensionSet | None = None) -> tuple[str, ...] | None:
        """The only regions the metric is published in (for these dimensions, when given); None: every region."""
        found = [p for p in self.publications_for(flavour) if dimensions is None or dimensions in p.dimension_sets]
        if not found or any(p.regions is None for p in found):
            return None
        return tuple(sorted({r for p in found for r in p.regions or ()}))

    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.source for p in self.publications))


@dataclass(frozen=True, slots=True)
class NamespaceInfo:
    namespace: str
    title: str
    source: str
    coverage: str  # "complete" | "partial"
    flavours: dict[str, str]
    metrics: dict[str, MetricInfo]
    path: str  # the data file, for error messages and the generated reference

    def metrics_for(self, flavour: str | None) -> list[str]:
        return [name for name, info in self.metrics.items() if info.publications_for(flavour)]

    def sources(self) -> tuple[str, ...]:
        found = [self.source] + [s for m in self.metrics.values() for s in m.sources()]
        return tuple(dict.fromkeys(found))


@dataclass(slots=True)
class MetricCatalog:
    namespaces: dict[str, NamespaceInfo] = field(default_factory=dict)  # sorted by namespace
    _folded: dict[str, str] = field(default_factory=dict)  # casefolded namespace -> namespace
    _by_metric: dict[str, list[str]] = field(default_factory=dict)  # metric name -> namespaces that have it

    def known_namespace(self, namespace: str) -> bool:
        return namespace in self.namespaces

    def namespace(self, namespace: str) -> NamespaceInfo | None:
        return self.namespaces.get(namespace)

    def metric(self, namespace: str, name: str) -> MetricInfo | None:
        info = self.namespaces.get(namespace)
        return info.metrics.get(name) if info is not None else None

    def same_but_case(self, namespace: str) -> str | None:
        """`aws/lambda` -> `AWS/Lambda`: CloudWatch namespaces are case-sensitive."""
        return self._folded.get(namespace.casefold())

    def namespaces_with(self, metric: str) -> list[str]:
        """The namespaces that publish a metric of this name (CPUUtilization: AWS/EC2, AWS/ECS, ...)."""
        return self._by_metric.get(metric, [])

    def add(self, info: NamespaceInfo) -> None:
        self.namespaces[info.namespace] = info
        self._folded[info.namespace.casefold()] = info.namespace
        for name in info.metrics:
            self._by_metric.setdefault(name, []).append(info.namespace)

    def finish(self) -> None:
        """Once every namespace is added: namespaces, and those that have each metric, sorted."""
        self.namespaces = dict(sorted(self.namespaces.items()))
        for namespaces in self._by_metric.values():
            namespaces.sort()


def load_catalog(directory: Path = DATA_DIR) -> tuple[MetricCatalog, list[Diagnostic]]:
    """Every namespace file of `directory` (all but resource-types.yaml), with the problems found."""
    catalog, problems = MetricCatalog(), list[Diagnostic]()
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name == RESOURCE_TYPES_FILE:
            continue
        loaded = _load_file(path, problems)
        if loaded is None:
            continue
        spec, doc = loaded
        if spec.namespace in seen:
            problems.append(error(doc.span(("namespace",)), CODE,
                                  f"namespace '{spec.namespace}' is already described in {seen[spec.namespace]}"))
            continue
        seen[spec.namespace] = doc.path
        info = _index(spec, doc, problems)
        if info is not None:
            catalog.add(info)
    catalog.finish()
    return catalog, problems


def namespace_slug(namespace: str) -> str:
    """The file name a namespace's data lives in: `AWS/ApiGateway` -> `apigateway`, `Glue` -> `glue`."""
    bare = namespace[4:] if namespace.startswith("AWS/") else namespace
    return bare.lower().replace("/", "-")


def _load_file(path: Path, problems: list[Diagnostic]) -> tuple[MetricFile, Document] | None:
    from .schema import MetricFile

    loaded = load_model(path, f"metrics/{path.name}", MetricFile, problems, path.parent)  # spec files' limits
    if loaded is None:
        return None
    spec, doc = loaded
    found = _check(spec, doc, path.stem)
    problems += found
    return None if found else (spec, doc)


def _check(spec: MetricFile, doc: Document, stem: str) -> list[Diagnostic]:
    """What the schema cannot say: names that must agree across the file."""
    problems = []
    if namespace_slug(spec.namespace) != stem:
        problems.append(error(doc.span(("namespace",)), CODE, f"namespace '{spec.namespace}' belongs in "
                              f"{namespace_slug(spec.namespace)}.yaml, not {stem}.yaml"))
    used = set()
    for index, group in enumerate(spec.groups):
        loc = ("groups", index)
        if group.flavour is not None:
            used.add(group.flavour)
            if group.flavour not in spec.flavours:
                known = ", ".join(spec.flavours) or "none are declared under flavours:"
                problems.append(error(doc.span(loc + ("flavour",)), CODE,
                                      f"unknown flavour '{group.flavour}'; known: {known}"))
        problems += _check_sets(group.dimensions, doc, loc + ("dimensions",))
        problems += _check_interval(group, doc, loc)
        for name, entry in group.metrics.items():
            if entry.dimensions is not None:
                problems += _check_sets(entry.dimensions, doc, loc + ("metrics", name, "dimensions"))
            problems += _check_interval(entry, doc, loc + ("metrics", name))
            if entry.range is not None:
                problems += _check_range(entry.range, doc, loc + ("metrics", name, "range"))
            if entry.absent_when is not None and entry.absent_when == group.absent_when:
                problems.append(error(doc.span(loc + ("metrics", name, "absent_when")), CODE,
                                      f"metric '{name}' repeats its group's absent_when: {entry.absent_when}"))
    unknown = used - set(spec.flavours)
    for name in spec.flavours:
        if name not in used and not unknown:  # after a misspelt flavour, its unused twin is no news
            problems.append(error(doc.span(("flavours", name), at_key=True), CODE,
                                  f"flavour '{name}' is declared but no group uses it"))
    return problems


def _check_interval(facts: IntervalFacts, doc: Document, loc: Loc) -> list[Diagnostic]:
    """An interval is a whole number of minutes (AWS's metrics are standard resolution, one data point a minute
    at most: "standard resolution, with data having a one-minute granularity", cloudwatch_concepts.html,
    Resolution); a faster one is shorter; `faster`, `interval_note` and `interval_source` describe the
    interval written beside them."""
    problems = []
    if facts.interval is not None and (facts.interval < 60 or facts.interval % 60):
        problems.append(error(doc.span(loc + ("interval",)), CODE, "an interval is a whole number of minutes "
                              "(AWS publishes its metrics at most once a minute)"))
    if facts.faster is not None and facts.interval is not None and facts.faster.interval >= facts.interval:
        problems.append(error(doc.span(loc + ("faster", "interval")), CODE,
                              "a 'faster' interval must be shorter than the 'interval' beside it"))
    for key in ("faster", "interval_note", "interval_source"):
        if getattr(facts, key) is not None and facts.interval is None:
            problems.append(error(doc.span(loc + (key,), at_key=True), CODE,
                                  f"'{key}' describes an 'interval' written beside it; there is none"))
    return problems


def _check_range(bounds: Range, doc: Document, loc: Loc) -> list[Diagnostic]:
    """A range bounds the metric on at least one side, and its minimum is below its maximum."""
    if bounds.min is None and bounds.max is None:
        return [error(doc.span(loc), CODE, "a range gives 'min', 'max' or both")]
    if bounds.min is not None and bounds.max is not None and bounds.min >= bounds.max:
        return [error(doc.span(loc + ("max",)), CODE, f"a range's max ({bounds.max:g}) must be above its min "
                                                      f"({bounds.min:g})")]
    return []


def _check_sets(sets: list[list[str]], doc: Document, loc: Loc) -> list[Diagnostic]:
    problems, seen = [], set()
    for index, names in enumerate(sets):
        key = frozenset(names)
        if len(key) != len(names):
            problems.append(error(doc.span(loc + (index,)), CODE, "a dimension set names a dimension twice"))
        elif key in seen:
            problems.append(error(doc.span(loc + (index,)), CODE,
                                  f"dimension set [{', '.join(names)}] is listed twice"))
        seen.add(key)
    return problems


def _index(spec: MetricFile, doc: Document, problems: list[Diagnostic]) -> NamespaceInfo | None:
    """Metric -> its publications, merged across groups (a metric may appear in several)."""
    entries: dict[str, list[MetricEntry]] = {}
    publications: dict[str, list[Publication]] = {}
    first_loc: dict[str, Loc] = {}
    intervals: dict[str, list[Interval | None]] = {}
    before = len(problems)
    for index, group in enumerate(spec.groups):
        for name, entry in group.metrics.items():
            loc = ("groups", index, "metrics", name)
            entry = _with_group_facts(entry, group)
            mine = _interval(spec, group, entry)
            clash = next((c for e in entries.get(name, ()) if (c := _clash(e, entry))), None)
            clash = clash or next(("interval" for i in intervals.get(name, ()) if _interval_clash(i, mine)), None)
            if clash:
                problems.append(error(doc.span(loc, at_key=True), CODE, f"metric '{name}' has a different {clash} "
                                      f"at {doc.span(first_loc[name], at_key=True)}"))
            first_loc.setdefault(name, loc)
            entries.setdefault(name, []).append(entry)
            publications.setdefault(name, []).append(_publication(spec, group, entry))
            intervals.setdefault(name, []).append(mine)
    if len(problems) > before:
        return None
    first = {name: next((i for i in found if i is not None), None) for name, found in intervals.items()}
    metrics = {name: _metric_info(spec.namespace, name, entries[name], publications[name], first[name])
               for name in sorted(entries)}
    return NamespaceInfo(spec.namespace, spec.title, str(spec.source), spec.coverage, dict(spec.flavours),
                         metrics, doc.path)


def _publication(spec: MetricFile, group: MetricGroup, entry: MetricEntry) -> Publication:
    sets = entry.dimensions if entry.dimensions is not None else group.dimensions
    regions = group.regions or spec.regions
    source = entry.source or group.source or spec.source
    return Publication(frozenset(frozenset(s) for s in sets), group.flavour,
                       tuple(regions) if regions else None, str(source))


def _interval(spec: MetricFile, group: MetricGroup, entry: MetricEntry) -> Interval | None:
    """The entry's interval, else its group's: with the faster interval, note and source written beside it (a
    metric of its own interval, such as EC2's basic-monitoring-only NetworkPacketsIn, takes none of its group's)."""
    facts: IntervalFacts = entry if entry.interval is not None else group
    if facts.interval is None:
        return None
    source = facts.interval_source or entry.source or group.source or spec.source
    faster = facts.faster
    return Interval(facts.interval, str(source), faster.interval if faster else None, faster.when if faster else None,
                    facts.interval_note)


def _interval_clash(first: Interval | None, other: Interval | None) -> bool:
    """Where two groups list a metric, both intervals given must agree (how often AWS publishes it is one fact)."""
    return first is not None and other is not None and (first.seconds, first.faster) != (other.seconds, other.faster)


def _with_group_facts(entry: MetricEntry, group: MetricGroup) -> MetricEntry:
    """The entry with what its group says of all its metrics (absent_when), so listings compare alike."""
    if group.absent_when is None or entry.absent_when is not None:
        return entry
    return entry.model_copy(update={"absent_when": group.absent_when})


def _clash(first: MetricEntry, other: MetricEntry) -> str | None:
    """Facts about a metric itself must agree wherever it is listed; unset values do not clash."""
    if first.unit and other.unit and first.unit != other.unit:
        return "unit"
    if first.statistics and other.statistics and set(first.statistics) != set(other.statistics):
        return "statistics"
    if first.absent_when and other.absent_when and first.absent_when != other.absent_when:
        return "absent_when"
    if first.range and other.range and (first.range.min, first.range.max) != (other.range.min, other.range.max):
        return "range"
    return None


def _metric_info(namespace: str, name: str, entries: list[MetricEntry], publications: list[Publication],
                 interval: Interval | None) -> MetricInfo:
    """A metric listed in several groups takes each fact from the first entry that gives it."""
    unit = next((e.unit for e in entries if e.unit), None)
    statistics = next((e.statistics for e in entries if e.statistics), None)
    statistics_note = next((e.statistics_note for e in entries if e.statistics_note), None)
    note = next((e.note for e in entries if e.note), None)
    absent_when = next((e.absent_when for e in entries if e.absent_when), None)
    bounds = next((_bounds(e, p) for e, p in zip(entries, publications) if e.range), None)
    return MetricInfo(namespace, name, unit, tuple(statistics) if statistics else None, statistics_note, note,
                      tuple(publications), absent_when, interval, bounds)


def _bounds(entry: MetricEntry, publication: Publication) -> Bounds | None:
    """The entry's range, with its page: the range's own `source`, else the metric's (its publication's)."""
    found = entry.range
    if found is None:
        return None
    return Bounds(found.min, found.max, found.says, str(found.source or publication.source))
