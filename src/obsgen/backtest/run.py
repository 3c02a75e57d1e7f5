"""`obsgen backtest`: read each alarm's metric history from CloudWatch, replay the evaluator over it,
and report what the alarm would have done (docs/alarm-evaluation.md, "Backtest").

The history is CloudWatch's own statistic per period (GetMetricData with the alarm's statistic), so
the replay reads one value per period: the evaluated alarm takes that value as it is (its statistic
becomes Maximum of one value) and evaluates periods aligned to the clock (WallClockWindow, where the
period divides a day), the only periods the history has. Sliding windows between two aligned
periods, and EvaluateLowSampleCountPercentile (the history holds no sample counts), are not
replayed; everything else (M of N, missing data, math, composites) is the evaluator's.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Iterable, Sequence

from ..aws.history import History, Query, period_for, read_history
from ..aws.session import Clients
from ..progress import Progress, silent
from ..evaluator import (CompositeSpec, EvaluationError, Metric, MetricQuery, Options, Samples, Unsupported,
                         WallClockWindow, evaluate_alarms, evaluate_composite_alarm)
from ..evaluator.metric_alarm import MetricData
from ..evaluator.from_model import alarm_spec_from_model, composite_spec_from_model
from ..evaluator.spec import AlarmSpec
from ..evaluator.timeline import AlarmResult, Timeline
from ..model import Alarm, CompositeAlarm, EnvironmentModel, LogAlarm, MetricAlarm, MetricStat, with_children
from .report import DAY, AlarmReport, BacktestReport, Suggestion, timeline_facts

MAX_SUGGESTION_RUNS = 24  # evaluator runs per alarm when searching a threshold (a binary search)
LOWER_IS_FEWER = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">="}
HIGHER_IS_FEWER = {"LessThanThreshold": "<", "LessThanOrEqualToThreshold": "<="}
Reader = Callable[[Iterable[Query], int, int], History]


class BacktestError(ValueError):
    """A request the backtest cannot answer (an unknown monitor, a range older than CloudWatch keeps)."""


def select(model: EnvironmentModel, monitors: Sequence[str]) -> list[Alarm]:
    """The alarms to backtest: all, or those named ('service/monitor', or an alarm name)."""
    alarms = model.alarms()
    if not monitors:
        return alarms
    chosen: list[Alarm] = []
    for wanted in monitors:
        found = [a for a in alarms if wanted in (a.ref, a.name)]
        if not found:
            raise BacktestError(f"no alarm '{wanted}' in {model.env}: give 'service/monitor' or the alarm name")
        chosen += [a for a in found if a not in chosen]
    return chosen


def queries_of(alarm: MetricAlarm, period: int) -> list[tuple[str, Query]]:
    """(query id, what to read) for every metric the alarm reads, at `period`."""
    stats = [("m", alarm.single_metric())] if alarm.metric is not None else list(alarm.queries)
    return [(qid, Query(_metric(stat), stat.statistic, period, stat.unit, alarm.region)) for qid, stat in stats]


def _metric(stat: MetricStat) -> Metric:
    return Metric(stat.namespace, stat.metric, tuple(stat.dimensions))


def backtest(model: EnvironmentModel, clients: Clients, start: int, end: int, now: int,
             monitors: Sequence[str] = (), target_fires: int = 1, progress: Progress = silent) -> BacktestReport:
    """Read, replay, report. Raises BacktestError, and botocore's errors from AWS. `progress` hears the
    GetMetricData calls done (aws/history.READ_STEP), then "replaying alarms" (obsgen/progress.py)."""
    return replay(model, lambda qs, s, e: read_history(clients, qs, s, e, progress=progress), start, end, now,
                  monitors, target_fires, progress)


def replay(model: EnvironmentModel, reader: Reader, start: int, end: int, now: int,
           monitors: Sequence[str] = (), target_fires: int = 1, progress: Progress = silent) -> BacktestReport:
    """`backtest` with the history reader given (tests and benchmarks pass their own). Reports
    "replaying alarms" after each metric and composite alarm it replays (a native log alarm is not)."""
    chosen = select(model, monitors)
    by_ref = {a.ref: a for a in model.alarms()}
    needed = with_children(chosen, by_ref)
    metric_alarms = [a for a in needed if isinstance(a, MetricAlarm)]
    try:
        periods = {a.ref: period_for(a.period, start, now) for a in metric_alarms}
    except ValueError as exc:
        raise BacktestError(str(exc)) from None
    wanted = {a.ref: queries_of(a, periods[a.ref]) for a in metric_alarms}
    history = reader([q for qs in wanted.values() for _, q in qs], start, end)
    report = BacktestReport(model.env, start, end, history.calls, len({q for qs in wanted.values() for _, q in qs}))
    results: dict[str, AlarmResult] = {}
    reports: dict[str, AlarmReport] = {}
    composites = _children_first([a for a in needed if isinstance(a, CompositeAlarm)])

    def replayed(done: int) -> None:
        progress("replaying alarms", done, len(metric_alarms) + len(composites))

    for done, alarm in enumerate(metric_alarms, start=1):
        reports[alarm.ref], result = _metric_alarm(alarm, wanted[alarm.ref], history, periods[alarm.ref],
                                                   start, end, target_fires)
        if result is not None:
            results[alarm.name] = result
        replayed(done)
    for log_alarm in [a for a in needed if isinstance(a, LogAlarm)]:
        reports[log_alarm.ref] = AlarmReport(
            log_alarm.ref, log_alarm.name, "log", str(log_alarm.threshold), log_alarm.severity.pages,
            unsupported="a native log alarm runs a Logs Insights query: it has no metric history to replay")
    names = {a.ref: a.name for a in model.alarms()}
    for done, composite in enumerate(composites, start=len(metric_alarms) + 1):
        reports[composite.ref], result = _composite(composite, names, results, start, end)
        if result is not None:
            results[composite.name] = result
        replayed(done)
    report.alarms = [reports[a.ref] for a in chosen]
    return report



def _children_first(composites: list[CompositeAlarm]) -> list[CompositeAlarm]:
    pending = {c.ref: c for c in composites}
    order: list[CompositeAlarm] = []
    while pending:
        ready = [c for c in pending.values() if not any(ch in pending for ch in c.children)]
        if not ready:  # a cycle: compile-time checks refuse it; report them unreplayed rather than loop
            return order + list(pending.values())
        for item in sorted(ready, key=lambda c: c.ref):
            order.append(item)
            del pending[item.ref]
    return order


def _replayable(spec: AlarmSpec, period: int) -> AlarmSpec:
    """The alarm as the history can replay it: one value per period, periods aligned to the clock."""
    window = WallClockWindow(0) if DAY % period == 0 else None
    if spec.queries:
        queries = tuple(dataclasses.replace(q, period=period, stat="Maximum") if isinstance(q, MetricQuery) else q
                        for q in spec.queries)
        return dataclasses.replace(spec, queries=queries, evaluation_window=window,
                                   evaluate_low_sample_count_percentile=None)
    return dataclasses.replace(spec, statistic="Maximum", period=period, evaluation_window=window,
                               evaluate_low_sample_count_percentile=None)


def _metric_alarm(alarm: MetricAlarm, queries: list[tuple[str, Query]], history: History, period: int,
                  start: int, end: int, target: int) -> tuple[AlarmReport, AlarmResult | None]:
    expected = len(queries) * math.ceil((end - (start - start % period)) / period)
    got = sum(len(history.points.get(q, ())) for _, q in queries)
    base = AlarmReport(alarm.ref, alarm.name, "math" if alarm.expression else "metric",
                       str(alarm.threshold), alarm.severity.pages, datapoints_expected=expected,
                       datapoints_missing=max(0, expected - got), period=period,
                       notes=(f"read at {period}s periods (the alarm's are {alarm.period}s: older data is kept "
                              "at longer periods)",) if period != alarm.period else ())
    spec = alarm_spec_from_model(alarm)
    data: dict[Metric | str, Samples] = {}
    if spec.queries:  # metric math: by query id, so two statistics of one metric stay apart
        data = {qid: Samples(history.points.get(q, [])) for qid, q in queries}
    elif spec.metric is not None:
        data = {spec.metric: Samples(history.points.get(queries[0][1], []))}
    try:
        replayed = _replayable(spec, period)
        result = _run(replayed, data, start, end)
    except (Unsupported, EvaluationError) as exc:
        return dataclasses.replace(base, unsupported=str(exc)), None
    facts = timeline_facts(result)
    report = dataclasses.replace(base, **facts)  # type: ignore[arg-type]
    if len(facts["fire_times"]) > target:  # type: ignore[arg-type]
        report = dataclasses.replace(report, suggestion=_suggest(replayed, data, start, end, target))
    return report, result


def _run(spec: AlarmSpec, data: MetricData, start: int, end: int) -> AlarmResult:
    evaluated = evaluate_alarms([spec], data, start, end)
    if spec.name in evaluated.unsupported:
        raise evaluated.unsupported[spec.name]
    return evaluated.results[spec.name]


def _suggest(spec: AlarmSpec, data: MetricData, start: int, end: int, target: int) -> Suggestion | None:
    """The threshold closest to the alarm's own at which it fires at most `target` times: a binary
    search over the values the alarm compared (its evaluations' datapoints), fewer fires at a
    higher threshold for > and >=, at a lower one for < and <=."""
    if spec.comparison not in LOWER_IS_FEWER and spec.comparison not in HIGHER_IS_FEWER:
        return None
    recorded = evaluate_alarms([spec], data, start, end, Options(record_evaluations=True)).results[spec.name]
    values = sorted({v for e in recorded.evaluations for _, v in e.datapoints if v is not None})
    if not values:
        return None
    raising = spec.comparison in LOWER_IS_FEWER
    candidates = values if raising else values[::-1]  # from most fires to fewest

    def fires(threshold: float) -> int:
        run = evaluate_alarms([dataclasses.replace(spec, threshold=threshold)], data, start, end)
        return len(timeline_facts(run.results[spec.name])["fire_times"])  # type: ignore[arg-type]

    low, high = 0, len(candidates) - 1
    best: tuple[float, int] | None = None
    for _ in range(MAX_SUGGESTION_RUNS):
        if low > high:
            break
        middle = (low + high) // 2
        count = fires(candidates[middle])
        if count <= target:
            best, high = (candidates[middle], count), middle - 1
        else:
            low = middle + 1
    if best is None:
        return None
    symbol = LOWER_IS_FEWER.get(spec.comparison) or HIGHER_IS_FEWER[spec.comparison]
    return Suggestion(symbol, best[0], best[1], target)


def _composite(alarm: CompositeAlarm, names: dict[str, str], results: dict[str, AlarmResult],
               start: int, end: int) -> tuple[AlarmReport, AlarmResult | None]:
    base = AlarmReport(alarm.ref, alarm.name, "composite", "", alarm.severity.pages)
    try:
        spec: CompositeSpec = composite_spec_from_model(alarm, names)
        timelines: dict[str, Timeline] = {n: r.timeline for n, r in results.items()}
        result = evaluate_composite_alarm(spec, timelines, start, end)
    except (Unsupported, EvaluationError) as exc:
        return dataclasses.replace(base, unsupported=f"a child cannot be replayed: {exc}"), None
    return dataclasses.replace(base, **timeline_facts(result)), result  # type: ignore[arg-type]


