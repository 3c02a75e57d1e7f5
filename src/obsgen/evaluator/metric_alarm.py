"""A metric alarm over time: datapoints -> evaluations every minute -> state timeline and notifications.

Sources (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ ...):
- alarm-evaluation.html: "For any period of one minute or longer, an alarm is evaluated every
  minute and the evaluation is based on the window of time defined by the Period and Evaluation
  Periods ... If the alarm period is 10 seconds or 30 seconds, the alarm is evaluated every 10
  seconds"; M of N ("Datapoints to Alarm ... within the Evaluation Periods").
- alarm-evaluation-window.html: the default SlidingWindow "advances each time the alarm is
  evaluated" (an alarm with a one-hour period reads 13:07-14:07, then 13:08-14:08); a
  WallClockWindow aligns periods to clock boundaries (the hour, midnight, Monday 00:00).
- alarms-and-missing-data.html: the evaluation range and TreatMissingData (missing_data.py).
- AlarmThatSendsEmail.html#alarms-and-actions: "the actions happen only on state transitions".
- API_PutMetricAlarm.html: a new alarm starts in INSUFFICIENT_DATA, "is then evaluated and its
  state is set appropriately. Any actions associated with the new state are then executed";
  ActionsEnabled gates them.
"""

from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

from . import statistics
from .errors import EvaluationError, Unsupported
from .math_eval import MetricInput, Program
from .missing_data import BREACHING, GOOD, LOW, MISSING, Decision, decide
from .samples import EMPTY, Metric, Samples
from .spec import (
    BAND_COMPARISONS, COMPARISONS, MISSING_DATA, Actions, AlarmSpec, ExpressionQuery, MetricQuery, Options,
)
from .timeline import INITIAL_STATE, AlarmResult, Evaluation, Notification, Suppressed, Timeline, Transition
from .windows import Grid, aggregate

MetricData = Mapping[Metric | str, Samples]
_DAY, _WEEK = 86400, 7 * 86400
_MONDAY = 4 * _DAY  # 1970-01-05, the first Monday after the epoch (a Thursday)


def evaluate_metric_alarm(spec: AlarmSpec, data: MetricData, start: int, end: int,
                          options: Options = Options()) -> AlarmResult:
    """Evaluate `spec` from its creation at `start` until `end` (epoch seconds) over `data`: samples
    per metric (keyed by `Metric`, or by the query id of a metric-math query)."""
    _check(spec)
    period = _period(spec)
    step = 10 if period < 60 else 60
    n = spec.evaluation_periods
    size = options.evaluation_range or n + 2
    if size < n:
        raise EvaluationError(f"an evaluation range of {size} periods is shorter than {n} evaluation periods")
    mode, notes = effective_missing_data(spec, options)
    ticks = range(math.ceil(start / step) * step, math.floor(end / step) * step + 1, step)
    if not ticks:
        return AlarmResult(spec.name, Timeline(spec.name, start, end, ()), notes=notes)
    window = _WindowPlan(spec, period, step, size, ticks)
    source = _source(spec, data, window.grid, options)
    decider = _Decider(spec, mode, ignore_low=spec.evaluate_low_sample_count_percentile == "ignore")
    transitions, evaluations = _run(ticks, window, source, decider, options.record_evaluations)
    timeline = Timeline(spec.name, start, end, tuple(transitions))
    sent, held = notifications(spec.name, spec.actions_enabled, spec.actions, transitions)
    return AlarmResult(spec.name, timeline, sent, held, tuple(evaluations), notes)


class _Decider:
    """Datapoint values -> codes -> the evaluation's decision, memoised per tuple of codes (most
    evaluations of a long run repeat a handful of tuples)."""

    def __init__(self, spec: AlarmSpec, mode: str, ignore_low: bool):
        self.compare, self.threshold = COMPARISONS[spec.comparison], float(spec.threshold)  # type: ignore[arg-type]
        self.n, self.m, self.mode, self.ignore_low = spec.evaluation_periods, spec.m, mode, ignore_low
        self.memo: dict[tuple[int, ...], Decision] = {}

    def codes(self, values: Sequence[float | None], low: Sequence[bool] | None = None) -> list[int]:
        flags = low if low is not None else [False] * len(values)
        return [_code(v, flag, self.compare, self.threshold) for v, flag in zip(values, flags)]

    def __call__(self, key: tuple[int, ...]) -> Decision:
        decision = self.memo.get(key)
        if decision is None:
            decision = self.memo[key] = decide(key, self.n, self.m, self.mode, self.ignore_low)
        return decision


def _run(ticks: range, window: "_WindowPlan", source: "_Source", decider: _Decider,
         record: bool) -> tuple[list[Transition], list[Evaluation]]:
    """Every evaluation in order: the state starts INSUFFICIENT_DATA and changes when a decision says so."""
    codes = decider.codes(source.values, source.low) if source.values is not None else None
    state, transitions, evaluations = INITIAL_STATE, [], []
    for tick in ticks:
        indexes = window.indexes(tick)
        values = None
        if codes is not None:
            key = tuple(codes[indexes.start:indexes.stop:indexes.step])
        else:
            values = source.per_tick(indexes)
            key = tuple(decider.codes(values))
        decision = decider(key)
        if decision.state is not None and decision.state != state:
            transitions.append(Transition(tick, state, decision.state, decision.reason))
            state = decision.state
        if record:
            read = values if values is not None else [source.values[i] for i in indexes]  # type: ignore[index]
            period = window.period
            evaluations.append(Evaluation(tick, tuple((window.grid.end(i) - period, v) for i, v in zip(indexes, read)), state))
    return transitions, evaluations


def notifications(name: str, enabled: bool, actions: Actions, transitions: Sequence[Transition]
                  ) -> tuple[tuple[Notification, ...], tuple[Suppressed, ...]]:
    """Actions per transition: AlarmActions into ALARM, OKActions into OK, InsufficientDataActions into
    INSUFFICIENT_DATA, only when ActionsEnabled."""
    sent: list[Notification] = []
    held: list[Suppressed] = []
    for t in transitions:
        arns = actions.for_state(t.state)
        if not arns:
            continue
        if enabled:
            sent.append(Notification(t.time, name, t.state, arns, t.time))
        else:
            held.append(Suppressed(t.time, name, t.state, arns, "actions disabled (ActionsEnabled is false)"))
    return tuple(sent), tuple(held)


def effective_missing_data(spec: AlarmSpec, options: Options) -> tuple[str, tuple[str, ...]]:
    """TreatMissingData as CloudWatch applies it. AWS/DynamoDB: the PutMetricAlarm reference says such
    alarms "always ignore missing data even if you choose a different option"; the current user guide
    (alarms-and-missing-data.html) says they ignore it "by default", and AWS Support's wording quoted in
    https://github.com/justeattakeaway/AwsWatchman/pull/265 is that on DynamoDB metrics "treating
    missing data as "missing" ... will overwrite to "ignore"". The evaluator follows the last two:
    `missing` becomes `ignore`, an explicit breaching/notBreaching/ignore is kept."""
    mode = spec.treat_missing_data
    dynamo = any(metric.namespace == "AWS/DynamoDB" for metric in spec.metrics)
    if mode == "missing" and dynamo and options.dynamodb_missing_is_ignore:
        return "ignore", ("AWS/DynamoDB metric: TreatMissingData missing is applied as ignore",)
    return mode, ()


def _check(spec: AlarmSpec) -> None:
    if spec.unsupported:
        raise Unsupported(spec.unsupported)
    if spec.threshold_metric_id is not None or spec.comparison in BAND_COMPARISONS:
        raise Unsupported("ANOMALY_DETECTION_BAND", "anomaly-detection alarms need CloudWatch's trained model")
    if spec.comparison not in COMPARISONS:
        raise EvaluationError(f"{spec.name}: unknown ComparisonOperator {spec.comparison!r}")
    if spec.threshold is None:
        raise EvaluationError(f"{spec.name}: a static-threshold alarm needs a Threshold")
    if spec.evaluation_periods < 1 or not 1 <= spec.m <= spec.evaluation_periods:
        raise EvaluationError(f"{spec.name}: needs 1 <= DatapointsToAlarm ({spec.m}) <= EvaluationPeriods ({spec.evaluation_periods})")
    if spec.treat_missing_data not in MISSING_DATA:
        raise EvaluationError(f"{spec.name}: TreatMissingData {spec.treat_missing_data!r} is not one of {', '.join(MISSING_DATA)}")
    if (spec.metric is None) == (not spec.queries):
        raise EvaluationError(f"{spec.name}: an alarm has either one metric or metric-math queries")


def _period(spec: AlarmSpec) -> int:
    """The alarm's period: its own, or the one every metric of its math shares ("Each metric must be
    using the same period", alarm-evaluation.html, alarms on math expressions). Valid: 10, 20, 30 or
    a multiple of 60 (PutMetricAlarm Period)."""
    if spec.metric is not None:
        periods = {spec.period}
    else:
        periods = {q.period for q in spec.queries if isinstance(q, MetricQuery)}
    if len(periods) != 1 or None in periods:
        raise EvaluationError(f"{spec.name}: the metrics of an alarm must share one period, found {sorted(map(str, periods))}")
    period = periods.pop()
    if period not in (10, 20, 30) and (period < 60 or period % 60):  # type: ignore[operator]
        raise EvaluationError(f"{spec.name}: Period {period} is not 10, 20, 30 or a multiple of 60")
    return int(period)  # type: ignore[arg-type]


class _WindowPlan:
    """Which windows each evaluation reads, as indexes into one grid of window ends."""

    def __init__(self, spec: AlarmSpec, period: int, step: int, size: int, ticks: range):
        self.period, self.size = period, size
        self.wall_clock = spec.evaluation_window
        if self.wall_clock is None:
            self.stride = period // step
            first = (ticks.start if ticks else 0) - (size - 1) * period
            count = max(0, len(ticks) + (size - 1) * self.stride)
            self.grid = Grid(first, step, count, period)
        else:
            self.anchor = self._anchor(spec, period)
            self.stride = 1
            first = self._boundary(ticks.start if ticks else 0) - (size - 1) * period
            last = self._boundary(ticks[-1]) if ticks else first
            self.grid = Grid(first, period, (last - first) // period + 1, period)

    def _anchor(self, spec: AlarmSpec, period: int) -> int:
        """WallClockWindow boundaries "match the period (such as the top of the hour, midnight, or the
        start of the calendar week)" in the window's time zone. Only fixed UTC offsets and periods
        that divide a day, or one week, are modelled."""
        offset = self.wall_clock.utc_offset  # type: ignore[union-attr]
        if period == _WEEK:
            return _MONDAY - offset
        if _DAY % period == 0:
            return -offset
        raise Unsupported(f"WallClockWindow with a {period}s period", "only periods dividing a day, or one week, are modelled")

    def _boundary(self, time: int) -> int:
        return time - (time - self.anchor) % self.period

    def indexes(self, tick: int) -> range:
        newest = self.grid.index(tick if self.wall_clock is None else self._boundary(tick))
        return range(newest - (self.size - 1) * self.stride, newest + 1, self.stride)


class _Source:
    """The alarm's datapoints: per window of the grid (`values`), or per evaluation (`per_tick`) for
    math whose values depend on the periods fetched."""

    def __init__(self, values: list | None, low: list[bool] | None = None, program: Program | None = None,
                 inputs: dict[str, list] | None = None, grid: Grid | None = None):
        self.values, self.low, self.program, self.inputs, self.grid = values, low, program, inputs, grid

    def per_tick(self, indexes: range) -> list:
        assert self.program is not None and self.inputs is not None and self.grid is not None
        period = self.grid.period
        timestamps = [self.grid.end(i) - period for i in indexes]
        sliced = {qid: [values[i] for i in indexes] for qid, values in self.inputs.items()}
        return self.program.run(timestamps, sliced)


def _source(spec: AlarmSpec, data: MetricData, grid: Grid, options: Options) -> _Source:
    if spec.metric is not None:
        statistic = statistics.parse(spec.statistic or "")
        aggregated = aggregate(data.get(spec.metric, EMPTY), statistic, grid)
        threshold = statistic.low_sample_threshold()
        # Counts of raw values are whole numbers: fewer than T samples is fewer than ceil(T).
        needed = math.ceil(threshold) if threshold is not None else 0
        low = [c < needed for c in aggregated.counts] if threshold is not None else None
        return _Source(aggregated.values, low)
    metrics = [q for q in spec.queries if isinstance(q, MetricQuery)]
    expressions = {q.id: q.expression for q in spec.queries if isinstance(q, ExpressionQuery)}
    ids = [q.id for q in spec.queries]
    if len(set(ids)) != len(ids):
        raise EvaluationError(f"{spec.name}: query ids must be unique, found {ids}")
    returned = [q.id for q in spec.queries if q.return_data]
    if len(returned) != 1:
        raise EvaluationError(f"{spec.name}: exactly one query must have ReturnData true, found {len(returned)}")
    inputs = {}
    for query in metrics:
        samples = data.get(query.metric) or data.get(query.id) or EMPTY
        inputs[query.id] = aggregate(samples, statistics.parse(query.stat), grid).values
    program = Program([MetricInput(q.id, q.period) for q in metrics], expressions, returned[0], options.arithmetic_missing)
    if program.range_dependent:
        return _Source(None, None, program, inputs, grid)
    timestamps = [grid.end(i) - grid.period for i in range(grid.count)]
    return _Source(program.run(timestamps, inputs))


def _code(value: float | None, low: bool, compare: Callable[[float, float], bool], threshold: float) -> int:
    if value is None:
        return MISSING
    code = BREACHING if compare(value, threshold) else GOOD
    return code | LOW if low else code
