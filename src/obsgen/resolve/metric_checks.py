"""Can an alarm's (or a graph's) metric ever have data? The metric catalog's checks
(`metrics.checks`), as located diagnostics of the resolving passes.

A resource's own dimensions are checked once, at the key that is wrong (`Stge:` on an API): the
monitors and graphs that read the resource then skip the dimension check, so one misspelt dimension
is one error and not one per alarm. Each metric is checked where it is built (a monitor, a math
query, a graph metric): an unknown metric or a flavour of the service that does not publish it at
`metric`, a statistic AWS calls meaningless at `statistic` (a warning), a unit the metric is not published
in at `unit`, an alarm period shorter than the time between the metric's data points at `period`
(graphs are not checked for it), dimensions at the dimension
key that is not published (or at `dimensions` / `resource` when one is missing), an unknown `AWS/`
namespace at `namespace` (a warning). A preset monitor has no lines of its own: its problems point
at the preset's use in `resources:`, and `presets.origin.annotate` adds "from preset X".

Regions are not checked here: placing a metric published only in us-east-1 is region placement's
(`metrics.checks.published_regions`).

An alarm's threshold is checked against its metric once the alarm is known (`check_absence`): a lower
threshold on a metric AWS does not publish when it is zero or idle, with missing data not breaching,
is a warning at `missing_data` when it is written, else at `threshold`. So is a threshold the metric's
statistic never crosses, or always crosses (`check_range`, metrics.ranges: `> 100` on EC2 CPUUtilization,
`< 0` or `>= 0` on a Count), at `threshold`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..diagnostics import Diagnostic, Span, shown
from ..language.errors import did_you_mean
from ..language.load import ServiceEntry
from ..language.v1.service import Evaluation, Resource
from ..metrics import checks, ranges
from ..metrics.resource_types import ResourceTypeInfo
from ..metrics.shipped import shipped_catalog, shipped_resource_types
from ..model import MetricStat, Origin

# `cloudwatch:` parameters that replace the alarm obsgen would check: it is sent as written.
_REPLACED = ("ComparisonOperator", "Threshold", "ThresholdMetricId", "Metrics", "MetricName", "Namespace")
# ... and those that replace the statistic the range check reads.
_STATISTIC = ("Statistic", "ExtendedStatistic")


@dataclass(slots=True)
class MetricPlace:
    """Where the parts of one metric were written, to point each problem at its cause."""

    metric: Span  # the metric's name (for a preset monitor: the preset's use, as every span here)
    statistic: Span
    namespace: Span  # the written namespace, or the custom resource's
    missing_dimensions: Span  # where a missing dimension must be added
    dimension_keys: dict[str, Span] = field(default_factory=dict)  # dimension name -> its key, as written
    skip_dimensions: bool = False  # the resource's dimensions are wrong, and were reported once
    note: str | None = None  # "from preset X, used at F:L:C": which preset alarm, when several share a use
    unit: Span | None = None  # the metric's `unit:` (a graph's metric has none)
    period: Span | None = None  # the alarm's (or the math query's) `period:`


def resource_type(name: str) -> ResourceTypeInfo | None:
    return shipped_resource_types()[0].get(name)


def check_resource(entry: ServiceEntry, name: str, resource: Resource) -> tuple[bool, Diagnostic | None]:
    """Whether a typed resource's dimensions are wrong, and the error that says so: they must be ones its
    namespace publishes (for its flavour) with the type's own; the first that is not is an error at its key,
    with the closest name. A missing name or required dimension is wrong too, but already reported (missing-key)."""
    kind = resource_type(resource.type)
    if kind is None:
        return False, None
    if kind.namespace is None:  # custom: a name without the dimension it fills is reported (missing-key)
        return resource.name is not None and resource.dimension is None, None
    if resource.name is None or any(required not in resource.dimensions for required in kind.required):
        return True, None  # reported already (missing-key): its metrics' dimensions would only repeat it
    info = shipped_catalog()[0].namespace(kind.namespace)
    if info is None:
        return False, None
    base = kind.dimension_names()
    sets = {s for m in info.metrics.values() for s in m.dimension_sets(kind.flavour) if base <= s}
    known = sorted(set().union(*sets) - base) if sets else []
    for key in resource.dimensions:
        if key in base:
            continue
        if key not in known:
            hint = did_you_mean(key, known) or f"; they take no other dimension than {', '.join(sorted(base))}"
            return True, Diagnostic(entry.doc.span(("resources", name, "dimensions", key), at_key=True),
                                    "metric-dimensions",
                                    f"'{shown(key)}' is not a dimension of {kind.namespace} metrics of resource type '{resource.type}'{hint}")
    return False, None


def check_stat(stat: MetricStat, flavour: str | None, locate: Callable[[], MetricPlace], *,
               evaluation_periods: int | None = None) -> list[Diagnostic]:
    """The problems of one metric, each at the spot that causes it. `flavour` is the resource type's flavour
    of the service (API Gateway: rest, http, websocket); `evaluation_periods` is an alarm's (its period is
    then checked against how often AWS publishes the metric); `locate` is called only when there is a problem
    (the checks are cached per distinct metric: a compile of 10,000 alarms makes a few hundred)."""
    if not stat.namespace:
        return []
    names = [k for k, _ in stat.dimensions]
    period = stat.period if evaluation_periods is not None else None
    found = checks.check_metric(stat.namespace, stat.metric, names, stat.statistic, flavour=flavour, unit=stat.unit,
                                period=period, evaluation_periods=evaluation_periods or 1)
    if not found:
        return []
    place, result = locate(), []
    for problem in found:
        if problem.kind == "metric-dimensions" and place.skip_dimensions:
            continue
        message = problem.message + _other_type(stat, problem, flavour) + (f" ({place.note})" if place.note else "")
        result.append(Diagnostic(_span(problem, names, place), problem.kind, message, problem.level))
    return result


def check_absence(stat: MetricStat, monitor: Evaluation, verbatim: dict[str, object], origin: Origin) -> list[Diagnostic]:
    """A lower threshold that the metric's absence never crosses (metrics.checks.check_absence), with the
    missing-data treatment the alarm is sent with (`cloudwatch: {TreatMissingData: ...}` wins)."""
    if verbatim and any(key in verbatim for key in _REPLACED):
        return []
    missing = verbatim.get("TreatMissingData", monitor.missing_data)
    problem = checks.check_absence(stat.namespace, stat.metric, monitor.threshold, str(missing))
    if problem is None:
        return []
    at: tuple[str, ...] = (("cloudwatch", "TreatMissingData") if "TreatMissingData" in verbatim else
                           ("missing_data",) if "missing_data" in monitor.model_fields_set else ("threshold",))
    note = f" ({origin.preset.note()})" if origin.preset is not None else ""
    return [Diagnostic(origin.span(*at), problem.kind, problem.message + note, problem.level)]


def check_range(stat: MetricStat, monitor: Evaluation, verbatim: dict[str, object], origin: Origin) -> list[Diagnostic]:
    """A static threshold the alarm's statistic of its metric never crosses, or always crosses
    (metrics.ranges.check_range), at `threshold` (a preset monitor's: at its use, with the preset named)."""
    if not stat.namespace or (verbatim and any(key in verbatim for key in _REPLACED + _STATISTIC)):
        return []
    problem = ranges.check_range(stat.namespace, stat.metric, stat.statistic, monitor.threshold)
    if problem is None:
        return []
    note = f" ({origin.preset.note()})" if origin.preset is not None else ""
    return [Diagnostic(origin.span("threshold"), problem.kind, problem.message + note, problem.level)]


def _span(problem: checks.Problem, names: list[str], place: MetricPlace) -> Span:
    if problem.kind == "unknown-namespace":
        return place.namespace
    if problem.kind == "metric-statistic":
        return place.statistic
    if problem.kind == "metric-unit":
        return place.unit or place.metric
    if problem.kind == "metric-interval":
        return place.period or place.metric
    if problem.kind == "metric-dimensions":
        nearest = set() if problem.suggestion in (None, "no dimensions") else set((problem.suggestion or "").split(", "))
        wrong = [n for n in names if n not in nearest and n in place.dimension_keys]
        return place.dimension_keys[wrong[0]] if wrong else place.missing_dimensions
    return place.metric


def _other_type(stat: MetricStat, problem: checks.Problem, flavour: str | None) -> str:
    """What to write instead when another flavour of the service publishes the metric: its type."""
    if problem.kind != "metric-flavour":
        return ""
    entry = shipped_catalog()[0].metric(stat.namespace, stat.metric)
    flavours = entry.flavours() if entry is not None else ()
    types = [f"type '{name}' ({t.title}) publishes it" for name, t in sorted(shipped_resource_types()[0].items())
             if t.namespace == stat.namespace and t.flavour in flavours and t.flavour != flavour]
    return f"; {' and '.join(types)}" if types else ""
