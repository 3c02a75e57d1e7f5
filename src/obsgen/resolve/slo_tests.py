"""Generated promtool tests of a Prometheus SLO (docs/slos.md): three cases each, a burn that fires the
page tier (and the ticket, which a page-fast burn trips too), one that fires only the ticket tier, one
that stays quiet, each a steady error ratio over an hour of per-minute samples.

What the tests feed depends on what obsgen can know of the SLI's input series:

- a histogram SLI: its `_count` and `_bucket{le=...}` counters (the queries are obsgen's own);
- an `errors`/`total` SLI whose queries are both `sum(rate(<selector>[${window}]))` (or `increase`), the
  form Sloth's users write, or whose errors are `(<total>) - (<sum of good events>)`, as OpenSLO's good
  events translate: counters made up to satisfy the selectors -- a bad-event series both selectors
  select and a good-event one only `total` selects (or, when the queries read two metrics, one series
  each) -- checked against every matcher before they are used;
- any other `errors`/`total` SLI (arithmetic, groupings, functions: arbitrary PromQL has no inverse):
  the recorded SLI ratios themselves, `slo:sli_error:ratio_rate<w>`, run against a test-only copy of
  the rule group without the recording rules that compute them from the queries. Those tests prove
  the alerts and their thresholds, not the queries (the test file's header says so).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..model import AlertTestCase, ExpectedAlert, Origin, PrometheusAlert, PromTest, RecordingRule, SloBurn
from ..values import format_duration

if TYPE_CHECKING:  # the PromQL parser is imported by the tests of a Prometheus SLO (counter_feed)
    from ..prometheus.promql import LabelMatcher

TEST_EVENTS_PER_MINUTE = 100_000
TEST_DURATION = 3_600
TEST_INTERVAL = 60
TEST_METRIC = "obsgen_slo_test_events_total"  # a counter's name when the selector names none ({job="x"})
# Label values tried (after the selector's own) for a series a matcher must accept or refuse: status codes
# and outcomes as services label them. Whatever is chosen is checked against every matcher.
_COMMON_VALUES = ("500", "503", "5xx", "error", "failed", "failure", "true", "false", "200", "ok", "success",
                  "GET", "0", "1", "x")
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")

Series = tuple[tuple[str, str], ...]  # (series, values) in promtool's notation


def promtool_tests(service: str, ids: dict[str, str], objective: float, burns: Sequence[SloBurn],
                   alerts: Sequence[PrometheusAlert], ratio_records: Sequence[RecordingRule],
                   feed: Callable[[float, int], Series] | None, origin: Origin) -> tuple[PromTest, ...]:
    """The SLO's page, ticket-only and quiet cases; `ids` are its Sloth labels (sloth_id, ...).
    `feed(ratio, minutes)` gives the input series of a steady error ratio when obsgen knows the SLI's inputs;
    without it the tests feed the recorded `ratio_records` (the SLI ratio per window) in their place."""
    if not alerts:
        return ()
    fed = () if feed is not None else tuple((r.record, r.labels) for r in ratio_records)
    minutes = TEST_DURATION // 60 + 10

    def series(ratio: float) -> Series:
        if feed is not None:
            return feed(ratio, minutes)
        return tuple((_series_text(r.record, dict(r.labels)), f"{ratio:.6g}+0x{minutes}") for r in ratio_records)

    alert = alerts[0].alert  # both tiers' alerts have one name, told apart by sloth_severity
    return tuple(PromTest(service, TEST_INTERVAL, series(ratio), (_case(alert, ids, fires, origin),), (), origin, fed)
                 for ratio, fires in _cases(objective, burns, alerts))


def _cases(objective: float, burns: Sequence[SloBurn], alerts: Sequence[PrometheusAlert]
           ) -> list[tuple[float, list[tuple[PrometheusAlert, SloBurn]]]]:
    """(a steady error ratio, the alerts it fires with the burn that fires first). A steady ratio from the start
    reads the same over every window once it holds a few samples (rate() over a window longer than the data
    extrapolates both counters alike): an hour is plenty, and cheap for promtool."""
    budget = 1 - objective
    page = [b for b in burns if b.tier == "page"]
    ticket = [b for b in burns if b.tier == "ticket"]
    by_tier = {a.monitor.rsplit("-", 1)[1]: a for a in alerts}
    cases: list[tuple[float, list[tuple[PrometheusAlert, SloBurn]]]] = []
    if page:
        ratio = min(1.0, 2 * max(b.threshold for b in page))
        cases.append((ratio, [(by_tier["page"], page[0])] + ([(by_tier["ticket"], ticket[0])] if ticket else [])))
    if ticket:
        high = min((b.factor for b in page), default=None)
        low = max(b.factor for b in ticket)
        if high is None or low < high:  # between the ticket's highest and the page's lowest burn rate
            ratio = budget * ((low * high) ** 0.5 if high is not None else 2 * low)
            cases.append((ratio, [(by_tier["ticket"], ticket[0])]))
    cases.append((0.5 * min(b.factor for b in burns) * budget, []))
    return cases


def _case(alert_name: str, ids: dict[str, str], fires: list[tuple[PrometheusAlert, SloBurn]],
          origin: Origin) -> AlertTestCase:
    """The SLO's alert at the end of the hour: the tiers `fires` names, each with the labels of its first burn's
    short-window ratio (`or` keeps its left side's series, and `and` the short window's)."""
    expected = tuple(ExpectedAlert(tuple(sorted({**dict(alert.labels), **ids,
                                                 "sloth_window": format_duration(burn.short)}.items())),
                                   alert.annotations) for alert, burn in fires)
    return AlertTestCase(TEST_DURATION, alert_name, expected, origin)


def _series_text(metric: str, labels: dict[str, str]) -> str:
    inner = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in sorted(labels.items()))
    return f"{metric}{{{inner}}}" if inner else metric


# --- input series for a histogram SLI and for sum(rate(...)) queries ---------------------------------------


def histogram_feed(metric: str, selector: str, slower_than: str) -> Callable[[float, int], Series]:
    """`<metric>_count` growing by the events, `<metric>_bucket{le=...}` by the fast ones."""
    matchers = selector.strip()
    sep = ", " if matchers else ""

    def feed(ratio: float, minutes: int) -> Series:
        total, bad = TEST_EVENTS_PER_MINUTE, ratio * TEST_EVENTS_PER_MINUTE
        return ((f"{metric}_count{{{matchers}}}", f"0+{total}x{minutes}"),
                (f"{metric}_bucket{{{matchers}{sep}le=\"{slower_than}\"}}", f"0+{total - bad:.6g}x{minutes}"))
    return feed


def counter_feed(errors: str, total: str) -> Callable[[float, int], Series] | None:
    """Counters that make `errors / total` the ratio asked for, when both queries sum the rate of one selector
    (or `errors` is `total` minus a sum of good events, as OpenSLO's good events are written) and label values can
    be found that satisfy them; None otherwise."""
    from ..prometheus.promql import summed_counter, summed_difference

    all_matchers = summed_counter(total)
    if all_matchers is None:
        return None
    bad_matchers, difference = summed_counter(errors), summed_difference(errors)
    counted, good = (bad_matchers, False) if bad_matchers is not None else \
        (difference[1], True) if difference is not None and difference[0] == all_matchers else (None, False)
    if counted is None:
        return None
    layout = _shared(counted, all_matchers) or _separate(counted, all_matchers)
    if layout is None:
        return None

    def feed(ratio: float, minutes: int) -> Series:
        share = 1 - ratio if good else ratio  # of the events the counted selector selects
        per_minute = {"counted": share * TEST_EVENTS_PER_MINUTE, "rest": (1 - share) * TEST_EVENTS_PER_MINUTE,
                      "all": float(TEST_EVENTS_PER_MINUTE)}
        return tuple((_labelled(labels), f"0+{per_minute[kind]:.6g}x{minutes}") for labels, kind in layout)
    return feed


# (a series' labels with __name__, what it counts: "counted" the events `counted` selects (bad events, or good
# ones when errors are all minus good), "rest" the other events, "all" every event)
_Layout = tuple[tuple[dict[str, str], str], ...]


def _shared(counted: tuple[LabelMatcher, ...], total: tuple[LabelMatcher, ...]) -> _Layout | None:
    """One counter of the counted events that both queries select, one of the rest that only `total` selects
    (`http_requests_total{code=~"5.."}` over `http_requests_total`)."""
    mine = _labels(counted + total)
    for refused in counted:
        rest = _labels(total, refused)
        if mine is not None and rest is not None and _selects(counted, mine) and _selects(total, mine) \
                and _selects(total, rest) and not _selects(counted, rest):
            return ((mine, "counted"), (rest, "rest"))
    return None


def _separate(counted: tuple[LabelMatcher, ...], total: tuple[LabelMatcher, ...]) -> _Layout | None:
    """A counter of the counted events only `counted` selects and one of all events only `total` selects
    (`http_errors_total` over `http_requests_total`; a histogram's `_bucket{le=...}` over its `_count`)."""
    for refused_by_total in total:
        for refused_by_counted in counted:
            mine, every = _labels(counted, refused_by_total), _labels(total, refused_by_counted)
            if mine is not None and every is not None and _selects(counted, mine) and not _selects(total, mine) \
                    and _selects(total, every) and not _selects(counted, every):
                return ((mine, "counted"), (every, "all"))
    return None


def _selects(matchers: tuple[LabelMatcher, ...], labels: dict[str, str]) -> bool:
    return all(m.accepts(labels.get(m.label, "")) for m in matchers)


def _labels(required: tuple[LabelMatcher, ...], refused: LabelMatcher | None = None) -> dict[str, str] | None:
    """Label values every `required` matcher accepts and `refused` rejects (a missing label is ""), or None."""
    labels: dict[str, str] = {}
    for label in dict.fromkeys([m.label for m in required] + ([refused.label] if refused else [])):
        own = [m for m in required if m.label == label]
        against = refused if refused is not None and refused.label == label else None
        value = next((v for v in _values_to_try(own + ([against] if against else []))
                      if all(m.accepts(v) for m in own) and (against is None or not against.accepts(v))
                      and (label != "__name__" or _METRIC_NAME.fullmatch(v))), None)
        if value is None:
            return None
        if value:
            labels[label] = value
    labels.setdefault("__name__", TEST_METRIC)
    return labels


def _values_to_try(matchers: list[LabelMatcher]) -> list[str]:
    values = [m.value for m in matchers if m.op == "="]
    values += [_example(alternative) for m in matchers if m.op in ("=~", "!~") for alternative in _alternatives(m.value)]
    return list(dict.fromkeys(values + ["", *_COMMON_VALUES]))


def _alternatives(regex: str) -> list[str]:
    """The regex's top-level alternatives: `5..|429` -> `5..`, `429`."""
    parts, depth, start, escaped = [], 0, 0, False
    for index, char in enumerate(regex):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(regex[start:index])
            start = index + 1
    return parts + [regex[start:]]


def _example(regex: str) -> str:
    """A guess at a string the (simple) regex matches: `5..` -> `500`, `5\\d\\d` -> `500`, `[45]xx` -> `4xx`.
    Only a candidate: `_labels` keeps it when the matcher accepts it."""
    text = re.sub(r"\[\^?([^\]])[^\]]*\]", r"\1", regex)
    text = text.replace(r"\d", "0").replace(r"\w", "a")
    text = re.sub(r"(?<!\\)(?:[?*+]|\{\d+(?:,\d*)?\})", "", text)
    text = re.sub(r"(?<!\\)\.", "0", text)
    text = re.sub(r"(?<!\\)[()^$]|\?:", "", text)
    return re.sub(r"\\(.)", r"\1", text)


def _labelled(labels: dict[str, str]) -> str:
    rest = {k: v for k, v in labels.items() if k != "__name__"}
    return _series_text(labels["__name__"], rest)
