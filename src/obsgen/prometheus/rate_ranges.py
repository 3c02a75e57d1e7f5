"""`obsgen validate --env ENV --prometheus-url URL`: is each `rate()`'s range long enough for how often
its series is sampled?

`rate(http_requests_total[1m]) > 5` is valid PromQL, but rate(), irate(), increase(), delta(),
idelta(), deriv() and predict_linear() compute nothing from fewer than two samples in the range
(https://prometheus.io/docs/prometheus/latest/querying/functions/), and a series scraped every minute
has one sample in most 1-minute windows: the expression returns nothing and the alert never fires.
The rule followed is pint's `promql/rate` (https://cloudflare.github.io/pint/checks/promql/rate.html):
a range under twice the interval is reported; 4x, which also survives a failed scrape
(https://robustperception.io/what-range-should-i-use-with-rate), is suggested, not required.
pint compares every range with the global scrape_interval; this check picks, per range vector:

- a subquery (`rate(x[5m:1m])`): its step, since the subquery makes a sample at every step whatever the
  scrape interval; without a step (`[5m:]`), the server's global evaluation_interval, the default step
  (https://prometheus.io/docs/prometheus/latest/querying/basics/#subquery);
- a series the environment's own recording rules record: their rule group's evaluation interval
  (the spec's `prometheus.interval`), which is how often a sample is written;
- a selector with a `job="x"` matcher: that job's scrape_interval (the `job` label is the job's name
  unless relabelling changes it); a job the configuration does not list, or `job=~"..."`, the global one;
- otherwise the global scrape_interval (scrape_config.py reads them from the server).

The spec itself holds no scrape interval (only the rule groups' evaluation interval), and no default is
guessed: without a Prometheus to ask, nothing is checked. A range vector under one of these functions in
any alert or recording rule of the environment is checked; a short one is a warning at the rule's
expression (located as promql-no-series is), one per range vector and interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import promql_parser

from ..diagnostics import Diagnostic, Span, shown, warning
from ..model import EnvironmentModel
from .promql import parse
from .scrape_config import CONFIG_PATH, Intervals, duration_text, read
from .selectors import selector_of
from .series_presence import rule_span

CODE = "promql-range-too-short"
# The functions of a range vector that need two samples in it (the functions page, each one's entry).
RANGE_FUNCTIONS = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear"})
MINIMUM = 2  # ranges shorter than this many intervals are reported (pint's promql/rate)
SUGGESTED = 4  # and this many is suggested: one failed scrape still leaves two samples


@dataclass(frozen=True, slots=True)
class RangeUse:
    """A range vector one of RANGE_FUNCTIONS reads."""

    function: str
    text: str  # as messages show it: `x{job="a"}[1m]`, `sum(x)[5m:1m]`
    range: float  # seconds
    metric: str | None = None  # the metric a matrix selector names exactly, if any
    job: str | None = None  # the value of its `job="..."` matcher, if any
    subquery: bool = False
    step: float | None = None  # a subquery's step; None when it has none (the evaluation interval)


@dataclass(frozen=True, slots=True)
class Interval:
    seconds: float
    source: str  # what it is, for the message: 'the scrape_interval of job "api"'
    from_server: bool = True  # read from the server's configuration (else from the expression or the spec)
    why: str = ""  # why the global interval was used, for the message


@dataclass(frozen=True, slots=True)
class RangeCheck:
    intervals: Intervals
    checked: int  # range vectors under RANGE_FUNCTIONS in the environment's rules
    diagnostics: tuple[Diagnostic, ...]


def check(model: EnvironmentModel, url: str, timeout: float) -> RangeCheck:
    """Warnings at the environment's rules whose rate()-like ranges are under twice their series' interval
    at `url`. Raises http_api.PrometheusUnreachable when Prometheus does not give its configuration."""
    return short_ranges(model, read(url, timeout))


# --- which range vectors --------------------------------------------------------------------------


def range_uses(expr: str) -> tuple[RangeUse, ...]:
    """Every distinct range vector that a function of RANGE_FUNCTIONS reads in `expr`, in the order
    written; none for an expression that is not PromQL (reported as `promql` already)."""
    tree = parse(expr)
    if isinstance(tree, str):
        return ()
    found: dict[RangeUse, None] = {}

    def enter(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.Call) and node.func.name in RANGE_FUNCTIONS and node.args:
            use = _use(node.func.name, node.args[0])
            if use is not None:
                found.setdefault(use)

    promql_parser.walk(tree, enter, lambda node: None)
    return tuple(found)


def _use(function: str, argument: promql_parser.Expr) -> RangeUse | None:
    while isinstance(argument, promql_parser.ParenExpr):  # `rate((x[5m]))` is the same range vector
        argument = argument.expr
    if isinstance(argument, promql_parser.SubqueryExpr) and argument.range is not None:
        step = argument.step.total_seconds() if argument.step else None
        # prettify(), not str(): promql-parser's str() drops the colon of `[5m:]`; its lines joined into one
        text = " ".join(line.strip() for line in argument.prettify().splitlines())
        return RangeUse(function, text, argument.range.total_seconds(), subquery=True, step=step)
    if not isinstance(argument, promql_parser.MatrixSelector):
        return None
    vector = argument.vector_selector
    if vector.matchers.or_matchers or argument.range is None:  # `{a="1" or b="2"}`: promql-parser's syntax only
        return None
    selector, seconds = selector_of(vector), argument.range.total_seconds()
    jobs = [m.value for m in vector.matchers.matchers if m.name == "job" and m.op == promql_parser.MatchOp.Equal]
    return RangeUse(function, f"{selector.text}[{duration_text(seconds)}]", seconds, selector.metric,
                    jobs[0] if jobs else None)


# --- which interval -------------------------------------------------------------------------------


def interval_of(use: RangeUse, intervals: Intervals, recorded: dict[str, tuple[str, int]]) -> Interval:
    """How often the range vector's series has a sample; `recorded` maps a series the spec's rules record
    to (its rule group, the group's evaluation interval in seconds)."""
    if use.subquery:
        if use.step is not None:
            return Interval(use.step, "the subquery's step", from_server=False)
        return Interval(intervals.evaluation, "the global evaluation_interval, the step of a subquery without one")
    if use.metric in recorded:
        group, seconds = recorded[use.metric]
        return Interval(seconds, f"the evaluation interval of rule group {shown(group)}, which records it",
                        from_server=False)
    if use.job is not None and use.job in intervals.jobs:
        return Interval(intervals.jobs[use.job], f"the scrape_interval of job \"{shown(use.job)}\"")
    if use.job is not None:
        return Interval(intervals.scrape, "the global scrape_interval",
                        why=f"its configuration has no job \"{shown(use.job)}\"")
    return Interval(intervals.scrape, "the global scrape_interval", why="the selector names no job")


def _recorded(model: EnvironmentModel) -> dict[str, tuple[str, int]]:
    """Each series the environment's rules record: its group and the group's interval (the longest, when
    two groups record one name)."""
    found: dict[str, tuple[str, int]] = {}
    for group in model.rule_groups:
        for rule in group.recording_rules:
            if rule.record not in found or found[rule.record][1] < group.interval:
                found[rule.record] = (group.service, group.interval)
    return found


# --- what is too short ----------------------------------------------------------------------------


def short_ranges(model: EnvironmentModel, intervals: Intervals) -> RangeCheck:
    """A warning per spot of the spec, range vector and interval where the range is under MINIMUM
    intervals, naming every rule there that reads it (an SLO's rules share its `sli`)."""
    recorded = _recorded(model)
    rules = [("alert", alert.alert, rule_span(alert.origin, "promql"), alert.expr)
             for group in model.rule_groups for alert in group.alerts]
    rules += [("recording rule", rule.record, rule_span(rule.origin, "expr"), rule.expr)
              for group in model.rule_groups for rule in group.recording_rules]
    at: dict[tuple[Span, RangeUse, Interval], list[tuple[str, str]]] = {}
    checked = 0
    for kind, name, span, expr in rules:
        for use in range_uses(expr):
            checked += 1
            interval = interval_of(use, intervals, recorded)
            if use.range < MINIMUM * interval.seconds:
                named = at.setdefault((span, use, interval), [])
                if (kind, name) not in named:
                    named.append((kind, name))
    found = [warning(span, CODE, _message(named, use, interval, intervals.url))
             for (span, use, interval), named in at.items()]
    return RangeCheck(intervals, checked, tuple(found))


def _message(rules: list[tuple[str, str]], use: RangeUse, interval: Interval, url: str) -> str:
    alerts = [name for kind, name in rules if kind == "alert"]
    records = [name for kind, name in rules if kind != "alert"]
    who = " and ".join(f"{kind}{'s' if len(names) > 1 else ''} {', '.join(shown(n) for n in names)}"
                       for kind, names in (("alert", alerts), ("recording rule", records)) if names)
    seconds = interval.seconds
    outcome = ("at most one sample at nearly every evaluation, so it returns nothing" if use.range <= seconds else
               "one sample at some evaluations, when it returns nothing")
    consequence = (f"the alert{'s' if len(alerts) > 1 else ''} cannot fire on it" if alerts and use.range <= seconds
                   else "the alert fires late or not at all" if alerts else "nothing is recorded then")
    return (f"{who} read{'s' if len(rules) == 1 else ''} {use.function}({shown(use.text)}), whose "
            f"{duration_text(use.range)} range is under twice {_interval_text(interval, url)}: {use.function}() "
            f"needs two samples in its range and this one holds {outcome}: {consequence}; write a range of "
            f"{duration_text(MINIMUM * seconds)} or more" + _suggestion(use, seconds))


def _interval_text(interval: Interval, url: str) -> str:
    """'the scrape_interval of job "api" (15s) in Prometheus at URL (GET /api/v1/status/config)'."""
    why = f"; {interval.why}" if interval.why else ""
    where = f" in Prometheus at {url} (GET {CONFIG_PATH})" if interval.from_server else ""
    return f"{interval.source} ({duration_text(interval.seconds)}{why}){where}"


def _suggestion(use: RangeUse, seconds: float) -> str:
    """4x, for a scraped or recorded series: a subquery's steps are never missed."""
    return "" if use.subquery else f" ({duration_text(SUGGESTED * seconds)} also survives a missed sample)"
