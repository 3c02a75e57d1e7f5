"""`obsgen validate --env ENV --prometheus-url URL`: do the series each alert reads exist in that Prometheus?

promtool proves an alert is PromQL; only a running Prometheus can say whether `http_requests_total{job=
"chekout"}` matches anything (a misspelt job, a metric an exporter upgrade renamed, a label that does
not exist): an alert on nothing never fires. This asks Prometheus's HTTP API, `GET /api/v1/series`
(https://prometheus.io/docs/prometheus/latest/querying/api/#finding-series-by-label-matchers):

- `match[]` one series selector, `start` / `end` the past 3 hours (the window of the CloudWatch side,
  aws/metric_presence.py), so a series that stopped a day ago counts as missing. The page warns that
  the API "may return metadata for series for which there is no sample within the selected time
  range": a series just gone may still be listed (no warning), never the reverse.
- `limit=1`: whether one series exists is all that is asked. `limit` came with Prometheus 2.51.0
  (CHANGELOG: "API: add limit param to series, label-names and label-values APIs #13396"); an older
  server (Debian 12 ships 2.42) ignores the parameter and lists every matching series, which only
  costs a bigger answer.
- One request per distinct selector of the environment (the same selector in ten alerts is asked
  once), one at a time, each within 10 s and all within `timeout`; what the time left unasked is
  counted, never reported as missing.

Which selectors: every vector selector of every alert (selectors.py; not those under `absent()` /
`absent_over_time()`). A selector of a series the spec's own recording rules record is checked
through those rules' inputs, not by name: the recorded series exist only once the rules are deployed,
which validate precedes. A recording rule that no alert or other rule reads is checked on its own.
A selector without series is a warning at the rule (an alert's `promql`, a recording rule's `expr`),
one per rule naming its selectors: a series can be absent for hours for good reasons (a job that runs
daily, an error counter created on the first error).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from ..diagnostics import Diagnostic, Span, shown, warning
from ..model import EnvironmentModel, Origin, RecordingRule
from . import http_api
from .selectors import Selector, selectors

CODE = "promql-no-series"
WINDOW = 3 * 3600  # seconds: the past 3 hours, as ListMetrics' RecentlyActive=PT3H on the CloudWatch side
REQUEST_TIMEOUT = 10.0  # seconds for one request, as `obsgen drift --prometheus-url`'s
SERIES_PATH = "/api/v1/series"
SHOWN_SELECTORS = 3  # a message names this many of a rule's missing selectors, then "and N more"


@dataclass(frozen=True, slots=True)
class Reading:
    """A selector a rule reads: written in it, or read through a recorded series of the spec."""

    selector: Selector
    through: str | None = None  # the recorded series (a spec's recording rule) it is read through


@dataclass(frozen=True, slots=True)
class CheckedRule:
    kind: str  # "alert" or "recording rule"
    name: str  # the alert's name, or the series the rule records
    span: Span  # the alert's `promql` (its override's), the recording rule's `expr`, an SLO's `sli`
    readings: tuple[Reading, ...]


@dataclass(slots=True)
class SeriesPresence:
    """What Prometheus said of each selector asked. Invariant: every selector asked is in exactly one of
    `found` (True: it has series in the window) or `failed` (Prometheus's error); `unchecked` were not
    asked because the time was up."""

    url: str
    found: dict[str, bool] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    unchecked: list[str] = field(default_factory=list)
    requests: int = 0


@dataclass(frozen=True, slots=True)
class SeriesCheck:
    rules: tuple[CheckedRule, ...]
    presence: SeriesPresence
    diagnostics: tuple[Diagnostic, ...]


def check(model: EnvironmentModel, url: str, timeout: float) -> SeriesCheck:
    """Warnings at the environment's rules whose selectors have no series at `url` in the past 3 hours.
    Raises http_api.PrometheusUnreachable when Prometheus does not answer (BadPrometheusUrl for a URL
    that is not http(s)); an error answer to one selector is kept in `presence.failed`."""
    rules = wanted(model)
    presence = read_presence(url, (r.selector.text for rule in rules for r in rule.readings), timeout)
    return SeriesCheck(rules, presence, tuple(missing_series(rules, presence)))


# --- which selectors ------------------------------------------------------------------------------


def wanted(model: EnvironmentModel) -> tuple[CheckedRule, ...]:
    """Every alert of the environment, then every recording rule no other rule reads, with what each reads."""
    recorded: dict[str, list[RecordingRule]] = {}
    for group in model.rule_groups:
        for rule in group.recording_rules:
            recorded.setdefault(rule.record, []).append(rule)
    rules = [CheckedRule("alert", alert.alert, rule_span(alert.origin, "promql"), _readings(alert.expr, recorded))
             for group in model.rule_groups for alert in group.alerts]
    exprs: list[tuple[str, str | None]] = [(rule.expr, None) for group in model.rule_groups for rule in group.alerts]
    exprs += [(rule.expr, rule.record) for group in model.rule_groups for rule in group.recording_rules]
    read = {s.metric for expr, own in exprs for s in selectors(expr) if s.metric in recorded and s.metric != own}
    rules += [CheckedRule("recording rule", rule.record, rule_span(rule.origin, "expr"),
                          _readings(rule.expr, recorded, seen=frozenset({rule.record})))
              for group in model.rule_groups for rule in group.recording_rules if rule.record not in read]
    return tuple(rules)


def rule_span(origin: Origin, field: str) -> Span:
    """The rule's expression in the spec (its override's, when one sets it); the rules an SLO makes, at
    the SLO's `sli`, which their expressions are made from (resolve/slos.py)."""
    if origin.loc[:1] == ("slos",):
        return origin.span("sli")
    return origin.span(field)


def _readings(expr: str, recorded: dict[str, list[RecordingRule]], through: str | None = None,
              seen: frozenset[str] = frozenset()) -> tuple[Reading, ...]:
    """The selectors `expr` reads, a recorded series replaced by its rules' inputs (a rule that reads
    itself, directly or not, is followed once)."""
    found: dict[Reading, None] = {}
    for selector in selectors(expr):
        name = selector.metric
        if name is None or name not in recorded:
            found.setdefault(Reading(selector, through))
        elif name not in seen:
            for rule in recorded[name]:
                for reading in _readings(rule.expr, recorded, through or name, seen | {name}):
                    found.setdefault(reading)
    return tuple(found)


# --- asking Prometheus ----------------------------------------------------------------------------


def read_presence(url: str, texts: Iterable[str], timeout: float, *, now: float | None = None,
                  clock: Callable[[], float] = time.monotonic) -> SeriesPresence:
    """One `GET /api/v1/series` per distinct selector, in sorted order, until `timeout` seconds are spent."""
    end = time.time() if now is None else now
    window = [("start", f"{end - WINDOW:.3f}"), ("end", f"{end:.3f}"), ("limit", "1")]
    presence = SeriesPresence(http_api.redacted(url))
    deadline = clock() + timeout
    for text in sorted(set(texts)):
        remaining = deadline - clock()
        if remaining <= 0:
            presence.unchecked.append(text)
            continue
        presence.requests += 1
        try:
            body = http_api.get(url, SERIES_PATH, [("match[]", text), *window],
                                timeout=min(REQUEST_TIMEOUT, remaining))
        except http_api.PrometheusApiError as exc:
            presence.failed[text] = str(exc)
            continue
        except http_api.PrometheusUnreachable:
            if clock() < deadline:
                raise
            presence.unchecked.append(text)  # cut short by the time limit, not by Prometheus
            continue
        presence.found[text] = bool(body.get("data"))  # a list of label sets, empty when none matches
    return presence


# --- what is missing ------------------------------------------------------------------------------


def missing_series(rules: Iterable[CheckedRule], presence: SeriesPresence) -> list[Diagnostic]:
    """A warning at each spot of the spec whose rules read a selector Prometheus has no series of: one per
    alert, not one per selector; an SLO's alerts and recording rules, all made from its SLI, share one."""
    at: dict[Span, tuple[list[CheckedRule], dict[str, Reading]]] = {}
    for rule in rules:
        absent = [r for r in rule.readings if presence.found.get(r.selector.text) is False]
        if absent:
            named, missing = at.setdefault(rule.span, ([], {}))
            named.append(rule)
            for reading in absent:  # a selector read through several recorded series: named once
                missing.setdefault(reading.selector.text, reading)
    return [warning(span, CODE, _message(named, list(missing.values()), presence.url))
            for span, (named, missing) in at.items()]


def _message(rules: list[CheckedRule], absent: list[Reading], url: str) -> str:
    alerts = list(dict.fromkeys(r.name for r in rules if r.kind == "alert"))
    records = list(dict.fromkeys(r.name for r in rules if r.kind != "alert"))
    who = " and ".join(f"{kind}{'s' if len(names) > 1 else ''} {_listing(names)}"
                       for kind, names in (("alert", alerts), ("recording rule", records)) if names)
    one_rule, one_selector = len(alerts) + len(records) == 1, len(absent) == 1
    named = "; ".join(shown(r.selector.text) + (f" (through recorded series {shown(r.through)})" if r.through else "")
                      for r in absent[:SHOWN_SELECTORS])
    more = f" and {len(absent) - SHOWN_SELECTORS} more" if len(absent) > SHOWN_SELECTORS else ""
    them = "it" if one_selector else "them"
    consequence = (f"the alert{'' if len(alerts) == 1 else 's'} cannot fire on {them}" if alerts
                   else f"the rule{'' if one_rule else 's'} record{'s' if one_rule else ''} nothing from {them}")
    return (f"{who} read{'s' if one_rule else ''} {named}{more}, which match{'es' if one_selector else ''} no "
            f"series in the past 3 hours in Prometheus at {url} (GET {SERIES_PATH}): {consequence}; check the "
            "metric name and the label names and values (or ignore this for a series that appears only at times, "
            "such as an error counter before the first error)")


def _listing(names: list[str]) -> str:
    shown_names = [shown(n) for n in names[:SHOWN_SELECTORS]]
    return ", ".join(shown_names) + (f" and {len(names) - SHOWN_SELECTORS} more" if len(names) > SHOWN_SELECTORS else "")
