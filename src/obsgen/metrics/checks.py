"""Can this metric ever have data? Checks of (namespace, metric, dimension names, statistic, region)
against the metric catalog, as a pure API: it takes plain values and returns plain values, so the
validator, the dashboard resolver or a test can call it without a spec.

Each problem is a small value; the caller locates it and turns it into a diagnostic. Kinds:

  unknown-namespace  warning  an AWS/ namespace the catalog does not describe, or a known namespace
                              written with other letter case (custom namespaces are not checked)
  unknown-metric     error    no such metric in the namespace (a warning when the catalog describes
                              only part of the namespace's metrics)
  metric-flavour     error    the metric exists, but the resource's flavour of the service does not
                              publish it (a WebSocket API has no 4xx, 5xx or Latency)
  metric-dimensions  error    the metric is not published with exactly these dimension names
  metric-statistic   warning  AWS's page names other statistics as the meaningful ones
  metric-unit        error    the alarm asks for another unit than the one AWS publishes the metric in:
                              it would get no data points and stay INSUFFICIENT_DATA
  metric-region      error    the metric is published only in other regions (CloudFront, Billing)
  metric-interval    error    the alarm's period is shorter than the time between two data points AWS
                              publishes (S3's daily storage metrics, 5-minute metrics) and its
                              evaluation periods together are too: some evaluations find no data point
                              (a 5m alarm on a daily metric: 99% of them)
                     warning  the periods together span the interval, so only some have a data point;
                              or the period fits only resources with a faster setting (EC2's detailed
                              monitoring)
  metric-absent-when-zero
                     warning  (check_absence, an alarm's) a lower threshold on a metric AWS does not publish
                              when it is zero or idle, with missing data not breaching: the case the
                              alarm is for has no data point, so it never reaches ALARM
  metric-absent-breaching
                     warning  (check_absence) the other side: an upper threshold on such a metric with
                              missing data as breaching: every quiet or idle period is a breach

A threshold the alarm's statistic of its metric never crosses, or always crosses, is metrics/ranges.py's
(`threshold-never-breached`, `threshold-always-breached`).

`suggestion` is what to write instead, when there is one answer: a metric name, a dimension set
("ApiName, Stage"), a statistic, a region or a period ("1d").

`published_regions` answers the placement question (where must an alarm on this metric live?) from
the same data: the data files' `regions:` (per file or per group), None meaning every region.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from typing import AbstractSet, Iterable

from ..diagnostics import Level
from ..values import Threshold, format_duration
from .catalog import DimensionSet, Interval, MetricCatalog, MetricInfo, NamespaceInfo
from .shipped import shipped_catalog

BASIC_STATISTICS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")
PERCENTILES = "percentiles"  # the catalog's word for every extended statistic (p99, tm90, IQM, ...)
_LISTED = 8  # names listed in a message before "..."


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str
    level: Level
    message: str
    suggestion: str | None = None


def check_metric(namespace: str, metric: str, dimensions: Iterable[str] = (), statistic: str | None = None,
                 region: str | None = None, *, flavour: str | None = None, unit: str | None = None,
                 period: int | None = None, evaluation_periods: int = 1,
                 catalog: MetricCatalog | None = None) -> tuple[Problem, ...]:
    """The problems of one metric as an alarm or a graph reads it; () when it can have data.

    `dimensions` are the dimension names (values do not matter); `statistic`, `region` and the
    alarm's `unit` are checked when given; so is an alarm's `period` (seconds), with the number of
    periods it evaluates, against how often AWS publishes the metric (a graph gives none: a sparse
    line is no harm). `flavour` is the resource type's flavour of the service, if it has one.
    Without `catalog`, the package's own catalog is used and results are cached.
    """
    names = tuple(sorted(set(dimensions)))
    timing = (period, evaluation_periods) if period is not None else None
    if catalog is None:
        return _check_shipped(namespace, metric, names, statistic, region, flavour, unit, timing)
    return _check(catalog, namespace, metric, names, statistic, region, flavour, unit, timing)


def check_absence(namespace: str, metric: str, threshold: Threshold, missing_data: str, *,
                  catalog: MetricCatalog | None = None) -> Problem | None:
    """Whether an alarm on this metric can fire in the case its lower threshold is for.

    AWS publishes some metrics only when nonzero, or only while there is traffic (the catalog's
    `absent_when`, from AWS's pages): then a period at zero has no data point, not a 0. A threshold
    that a 0 would breach (`< 1`, `<= 0`, the lower side of a band) is never breached there, and the
    alarm goes to INSUFFICIENT_DATA (missing), OK (notBreaching) or keeps its state (ignore). Only
    `missing_data: breaching` makes the absence a breach.
    """
    info = (catalog if catalog is not None else shipped_catalog()[0]).metric(namespace, metric)
    if info is None or info.absent_when is None:
        return None
    if missing_data == "breaching":
        return _breaching_at_rest(namespace, metric, info.absent_when, threshold)
    if not _zero_breaches(threshold):
        return None
    published = "only when its value is nonzero" if info.absent_when == "zero" else "only while there is traffic"
    period = "where it would be 0" if info.absent_when == "zero" else "without traffic"
    return Problem("metric-absent-when-zero", Level.WARNING,
                   f"AWS publishes {namespace} metric '{metric}' {published}: a period {period} has no data point, "
                   f"not a 0, so threshold '{threshold}' is not breached and the alarm "
                   f"{_MISSING_EFFECT.get(missing_data, 'does not fire')} instead of going to ALARM "
                   f"(missing_data: {missing_data}); write missing_data: breaching to alarm when the metric stops",
                   "breaching")


def _breaching_at_rest(namespace: str, metric: str, absent_when: str, threshold: Threshold) -> Problem | None:
    """The other side of an absent metric: an upper threshold that a 0 does not breach, with missing data
    as breaching, breaches in every period AWS leaves empty -- every quiet period when the metric is
    absent at zero (no errors), every idle one when it is absent without traffic. The alarm fires when
    all is well, all night if the night is quiet."""
    zero_breaches = not threshold.is_band and (threshold.value < 0 or threshold.operator == ">=" and threshold.value == 0)
    if not _upper(threshold) or zero_breaches:  # `>= 0`: a 0 breaches it too, the absence changes nothing
        return None
    quiet = "where it is 0" if absent_when == "zero" else "without traffic"
    published = "only when its value is nonzero" if absent_when == "zero" else "only while there is traffic"
    return Problem("metric-absent-breaching", Level.WARNING,
                   f"AWS publishes {namespace} metric '{metric}' {published}: a period {quiet} has no data point, "
                   f"and missing_data: breaching counts it as breaching threshold '{threshold}', so the alarm goes "
                   f"to ALARM in every such period, when all is well; write missing_data: notBreaching",
                   "notBreaching")


def _upper(threshold: Threshold) -> bool:
    """Whether the threshold is an upper bound: breached by high values (`> 5`, a band's upper side)."""
    if threshold.is_band:
        return threshold.operator == "above"
    return threshold.operator in (">", ">=")


# What CloudWatch does with a period that has no data point (alarms-and-missing-data.html).
_MISSING_EFFECT = {"missing": "goes to INSUFFICIENT_DATA", "notBreaching": "stays OK", "ignore": "keeps its state"}


def _zero_breaches(threshold: Threshold) -> bool:
    """Whether a value of 0 would breach: the threshold is a lower bound that 0 is below."""
    if threshold.is_band:
        return threshold.operator in ("outside", "below")  # the band's lower side
    return (threshold.operator == "<" and threshold.value > 0) or (threshold.operator == "<=" and threshold.value >= 0)


def published_regions(namespace: str, metric: str, dimensions: Iterable[str] = (), *, flavour: str | None = None,
                      catalog: MetricCatalog | None = None) -> tuple[str, ...] | None:
    """The only regions where AWS publishes this metric (with these dimension names, for this flavour),
    sorted; None when it is published in every region or the catalog does not know it.

    This is what region placement reads: `("us-east-1",)` for CloudFront, AWS/Billing, Route 53 health
    checks and WAF web ACLs for CloudFront (each data file cites the AWS page that says so), so a
    monitor of an environment in another region is placed there. Dimension names that match no
    published set fall back to every publication of the metric (the dimension check reports them).
    """
    names = frozenset(dimensions)
    if catalog is None:
        return _regions_shipped(namespace, metric, names, flavour)
    return _regions(catalog, namespace, metric, names, flavour)


@lru_cache(maxsize=4096)
def _regions_shipped(namespace: str, metric: str, names: DimensionSet, flavour: str | None) -> tuple[str, ...] | None:
    return _regions(shipped_catalog()[0], namespace, metric, names, flavour)


def _regions(catalog: MetricCatalog, namespace: str, metric: str, names: DimensionSet,
             flavour: str | None) -> tuple[str, ...] | None:
    entry = catalog.metric(namespace, metric)
    if entry is None:
        return None
    info = catalog.namespaces[namespace]
    publications = entry.publications_for(flavour if flavour in info.flavours else None)
    matching = [p for p in publications if names in p.dimension_sets] or list(publications)
    if not matching or any(p.regions is None for p in matching):
        return None
    return tuple(sorted({r for p in matching for r in p.regions or ()}))


def is_checked(namespace: str, catalog: MetricCatalog | None = None) -> bool:
    """Whether metrics of `namespace` are checked: AWS namespaces are, custom namespaces are not."""
    catalog = catalog if catalog is not None else shipped_catalog()[0]
    return namespace.startswith("AWS/") or catalog.known_namespace(namespace) or catalog.same_but_case(namespace) is not None


@lru_cache(maxsize=65536)
def _check_shipped(namespace: str, metric: str, names: tuple[str, ...], statistic: str | None, region: str | None,
                   flavour: str | None, unit: str | None, timing: tuple[int, int] | None) -> tuple[Problem, ...]:
    """An alarm per resource repeats the same few metrics: 10,000 alarms are a few hundred checks."""
    return _check(shipped_catalog()[0], namespace, metric, names, statistic, region, flavour, unit, timing)


def _check(catalog: MetricCatalog, namespace: str, metric: str, names: tuple[str, ...], statistic: str | None,
           region: str | None, flavour: str | None, unit: str | None = None,
           timing: tuple[int, int] | None = None) -> tuple[Problem, ...]:
    info = catalog.namespace(namespace)
    if info is None:
        return _unknown_namespace(catalog, namespace)
    if flavour is not None and flavour not in info.flavours:
        raise ValueError(f"{namespace} has no flavour {flavour!r}")  # a bug in the caller, not in the spec
    entry = info.metrics.get(metric)
    if entry is None:
        return (_unknown_metric(catalog, info, metric, flavour),)
    if flavour is not None and not entry.publications_for(flavour):  # without a flavour it sees every publication
        return (_wrong_flavour(info, entry, flavour),)
    found = (_dimensions(entry, frozenset(names), flavour), _statistic(entry, statistic), _unit(entry, unit),
             _interval(entry, timing), _region(entry, frozenset(names), region, flavour))
    return tuple(p for p in found if p is not None)


# --- namespaces and metrics -----------------------------------------------------------------------

def _unknown_namespace(catalog: MetricCatalog, namespace: str) -> tuple[Problem, ...]:
    same = catalog.same_but_case(namespace)
    if same is not None:
        return (Problem("unknown-namespace", Level.WARNING, f"namespace '{namespace}' is written '{same}' "
                        f"(CloudWatch namespaces are case-sensitive)", same),)
    if not namespace.startswith("AWS/"):
        return ()  # a custom namespace: whatever the application publishes
    close = difflib.get_close_matches(namespace, list(catalog.namespaces), n=1, cutoff=0.8)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return (Problem("unknown-namespace", Level.WARNING, f"namespace '{namespace}' is not in obsgen's metric catalog"
                    f"{hint}; its metrics are not checked", close[0] if close else None),)


def _unknown_metric(catalog: MetricCatalog, info: NamespaceInfo, metric: str, flavour: str | None) -> Problem:
    names = info.metrics_for(flavour)
    close = _closest(metric, names)
    hint = f" (did you mean '{close}'?)" if close else ""
    elsewhere = [ns for ns in catalog.namespaces_with(metric) if ns != info.namespace]
    if not close and elsewhere:
        hint = f"; '{metric}' is a metric of {_listing(elsewhere)}"
    partial = info.coverage == "partial"
    note = f" (obsgen's catalog lists part of {info.namespace}'s metrics: check the name)" if partial else ""
    return Problem("unknown-metric", Level.WARNING if partial else Level.ERROR,
                   f"{info.namespace} has no metric '{metric}'{hint}{note}", close)


def _wrong_flavour(info: NamespaceInfo, entry: MetricInfo, flavour: str) -> Problem:
    names = info.metrics_for(flavour)
    published_for = ", ".join(info.flavours[f] for f in entry.flavours())
    close = difflib.get_close_matches(entry.name, names, n=1, cutoff=0.6)
    return Problem("metric-flavour", Level.ERROR,
                   f"{info.flavours[flavour]} do not publish {info.namespace} metric '{entry.name}' "
                   f"(published for {published_for}); {info.flavours[flavour]} publish {_listing(sorted(names))}",
                   close[0] if close else None)


def _closest(word: str, choices: list[str]) -> str | None:
    folded = {c.casefold(): c for c in choices}
    if word.casefold() in folded:  # cpuutilization -> CPUUtilization
        return folded[word.casefold()]
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


# --- dimensions, statistics, units, regions -----------------------------------------------------

def _unit(entry: MetricInfo, unit: str | None) -> Problem | None:
    """PutMetricAlarm's `Unit` filters the data points: "We recommend omitting Unit so that you don't
    inadvertently specify an incorrect unit that is not published for this metric. Doing so causes the
    alarm to be stuck in the INSUFFICIENT DATA state." (botocore's cloudwatch/2010-08-01 model,
    PutMetricAlarmInput.Unit). The catalog's unit is the one AWS's page of the metric gives."""
    if unit is None or entry.unit is None or unit == entry.unit:
        return None
    return Problem("metric-unit", Level.ERROR,
                   f"{entry.namespace} publishes '{entry.name}' in {entry.unit}, not {unit}: an alarm that asks for "
                   f"{unit} gets no data points and stays in INSUFFICIENT_DATA; leave 'unit' out, as AWS recommends, "
                   f"or write unit: {entry.unit}", entry.unit)


def _interval(entry: MetricInfo, timing: tuple[int, int] | None) -> Problem | None:
    """AWS: "select an alarm monitoring period that is greater than or equal to the metric's resolution"
    (cloudwatch_concepts.html, Alarms). An alarm whose periods together (`period` x evaluation periods)
    are shorter than the interval finds no data point in some of its evaluations (`_too_short`): CloudWatch
    reads only a few periods more when data is missing (the "evaluation range", AlarmThatSendsEmail.html:
    5 for 3 evaluation periods). An error then; a warning when the periods span the interval (some have a
    data point, the others are missing data) or when a faster interval exists for resources set up for it
    (EC2's detailed monitoring is a setting of each instance)."""
    interval = entry.interval
    if timing is None or interval is None or timing[0] >= interval.seconds:
        return None
    period, periods = timing
    write = format_duration(interval.seconds)
    what = f"{entry.namespace} publishes '{entry.name}' {_every(interval)}"
    advice = f"write period: {write}" + (" or longer" if interval.note else "")
    if interval.faster is not None and period >= interval.faster:
        return Problem("metric-interval", Level.WARNING,
                       f"{what}, and {_every_seconds(interval.faster)} only {interval.faster_when}: otherwise only one "
                       f"{format_duration(period)} period in {interval.seconds // period} has a data point; {advice} "
                       "unless that is so", write)
    if period * periods >= interval.seconds:
        return Problem("metric-interval", Level.WARNING,
                       f"{what}: only one {format_duration(period)} period in {interval.seconds // period} has a data "
                       f"point, the others are missing data; {advice}", write)
    return Problem("metric-interval", Level.ERROR, f"{what}: an alarm that evaluates {_too_short(timing, interval)}; "
                   f"{advice}", write)


def _too_short(timing: tuple[int, int], interval: Interval) -> str:
    """What an alarm whose periods together (L) are shorter than the interval (I) does: at least 1 - L/I of
    its evaluations find no data point, more when AWS publishes a point after its timestamp (S3 stamps a
    daily point with the day's start). From 90% up (a 5-minute alarm on an hourly metric) it practically
    never fires; below, it flips in and out of INSUFFICIENT_DATA."""
    period, periods = timing
    lookback = period * periods
    empty = 100 * (interval.seconds - lookback) // interval.seconds
    reads = f"{periods} period{'s' if periods > 1 else ''} of {format_duration(period)}"
    outcome = ("stays in INSUFFICIENT_DATA and practically never fires" if empty >= 90 else
               "flips in and out of INSUFFICIENT_DATA and cannot be relied on to fire")
    return f"{reads} finds no data point in at least {empty}% of its evaluations: it {outcome}"


def _every(interval: Interval) -> str:
    """`once a day`; where AWS gives no exact interval, the least its words allow: `at most once an hour (...)`."""
    text = _every_seconds(interval.seconds)
    return f"at most {text} ({interval.note})" if interval.note else text


def _every_seconds(seconds: int) -> str:
    named = {86400: "once a day", 3600: "once an hour", 60: "every minute"}
    if seconds in named:
        return named[seconds]
    return f"every {seconds // 3600} hours" if seconds % 3600 == 0 else f"every {seconds // 60} minutes"


def _dimensions(entry: MetricInfo, given: DimensionSet, flavour: str | None) -> Problem | None:
    valid = entry.dimension_sets(flavour)
    if given in valid:
        return None
    known = set().union(*valid)
    corrected, reasons = set(), []
    for name in sorted(given - known):
        close = _closest(name, sorted(known))
        reasons.append(f"'{name}' is not one of its dimensions" + (f" (did you mean '{close}'?)" if close else
                                                                   " (remove it)"))
        corrected.update([close] if close else [])
    corrected |= given & known
    # Fewest changes; on a tie, keep what was written (add rather than remove), then the smaller set.
    nearest = min(valid, key=lambda s: (len(s ^ corrected), len(corrected - s), len(s), sorted(s)))
    reasons += _differences(corrected, nearest)
    sets = sorted(valid, key=lambda s: (len(s), sorted(s)))
    shown = "; ".join(_set_text(s) for s in sets[:_LISTED]) + ("; ..." if len(sets) > _LISTED else "")
    return Problem("metric-dimensions", Level.ERROR,
                   f"{entry.namespace} metric '{entry.name}' is not published with {_set_text(given)}: "
                   f"{'; '.join(reasons)}; it is published with {shown}", _set_text(nearest, bare=True))


def _differences(given: AbstractSet[str], nearest: DimensionSet) -> list[str]:
    reasons = []
    if nearest - given:
        reasons.append(f"add {', '.join(sorted(nearest - given))}")
    if given - nearest:
        reasons.append(f"remove {', '.join(sorted(given - nearest))}")
    return reasons


def _set_text(names: DimensionSet, *, bare: bool = False) -> str:
    if not names:
        return "no dimensions"
    return ", ".join(sorted(names)) if bare else f"[{', '.join(sorted(names))}]"


def _statistic(entry: MetricInfo, statistic: str | None) -> Problem | None:
    if statistic is None or entry.statistics is None:
        return None
    kind = statistic if statistic in BASIC_STATISTICS else PERCENTILES
    if kind in entry.statistics:
        return None
    allowed = ", ".join("percentiles" if s == PERCENTILES else s for s in entry.statistics)
    note = f" ({entry.statistics_note})" if entry.statistics_note else ""
    suggestion = entry.statistics[0] if entry.statistics[0] != PERCENTILES else "p90"
    return Problem("metric-statistic", Level.WARNING,
                   f"AWS documents {allowed} as the statistics of {entry.namespace} metric '{entry.name}', "
                   f"not {statistic}{note}", suggestion)


def _region(entry: MetricInfo, given: DimensionSet, region: str | None, flavour: str | None) -> Problem | None:
    if region is None:
        return None
    publications = entry.publications_for(flavour)
    matching = [p for p in publications if given in p.dimension_sets] or list(publications)
    if any(p.regions is None or region in p.regions for p in matching):
        return None
    regions = sorted({r for p in matching for r in p.regions or ()})
    return Problem("metric-region", Level.ERROR,
                   f"{entry.namespace} metric '{entry.name}' is published only in {_listing(regions)}, not in "
                   f"{region}: an alarm on it in {region} never has data; place it in {regions[0]}", regions[0])


def _listing(names: list[str]) -> str:
    return ", ".join(names[:_LISTED]) + (", ..." if len(names) > _LISTED else "")
