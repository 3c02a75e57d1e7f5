"""Run resolved alarm tests through the evaluator and compare what happened with what was expected.

Times in a test are offsets from `cases.START`; the alarm is created (evaluated first) at offset 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..diagnostics import Diagnostic, Span, error
from ..evaluator import AlarmResult, EvaluationError, Unsupported, evaluate_alarms
from ..evaluator.from_model import alarm_spec_from_model, composite_spec_from_model
from ..evaluator.spec import AlarmSpec, CompositeSpec
from ..language.v1.alarm_tests import Expectation
from ..model import EnvironmentModel, LogAlarm, MetricAlarm
from ..values import format_duration
from .cases import START, Case

CONTEXT_STEPS = 3  # evaluations shown on each side of a failure
AFTER_LAST = 600  # evaluated past the last value or expectation, so a failure can show what came next


@dataclass(frozen=True, slots=True)
class Row:
    """One evaluation time around a failure: the actual state, the changes then, and what was expected."""

    at: int  # offset, seconds
    state: str
    changes: str  # 'OK -> ALARM, notifies [high]' or ''
    expected: str  # the expectation at this time, or ''


@dataclass(frozen=True, slots=True)
class Failure:
    diagnostic: Diagnostic  # located at the expectation (or the test), one line
    rows: tuple[Row, ...] = ()  # the timeline around it


@dataclass(frozen=True, slots=True)
class CaseResult:
    env: str
    service: str
    label: str
    alarm: str  # the alarm's name in this environment
    monitor: str
    checks: int
    failures: tuple[Failure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(slots=True)
class AlarmTestReport:
    results: list[CaseResult] = field(default_factory=list)

    @property
    def ran(self) -> int:
        return len(self.results)

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.ok)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def failures(self) -> list[Failure]:
        """Each failure once, naming the environments it happened in (like promtool's: merge_envs)."""
        envs: dict[Failure, list[str]] = {}
        for result in self.results:
            for failure in result.failures:
                envs.setdefault(failure, []).append(result.env)
        merged = [Failure(error(f.diagnostic.span, f.diagnostic.code, f"{f.diagnostic.message} (in {', '.join(sorted(e))})"),
                          f.rows) for f, e in envs.items()]
        return sorted(merged, key=lambda f: (f.diagnostic.span.file, f.diagnostic.span.line, f.diagnostic.span.column,
                                             f.diagnostic.message))


def run_case(case: Case, model: EnvironmentModel) -> CaseResult:
    names = {a.ref: a.name for a in model.alarms()}
    last = max([e.at for e, _ in case.expectations]
               + [int(t) - START for samples in case.data.values() for t in samples.timestamps[-1:]] + [0])
    end = START + last + AFTER_LAST
    logs_only = sorted(a.ref for a in case.needed if isinstance(a, LogAlarm))
    if logs_only:
        return _broken(case, f"{', '.join(logs_only)} is a native log alarm (a Logs Insights query), which the "
                       "evaluator cannot run")
    try:
        specs: list[AlarmSpec | CompositeSpec] = [
            alarm_spec_from_model(a) if isinstance(a, MetricAlarm) else composite_spec_from_model(a, names)
            for a in case.needed if not isinstance(a, LogAlarm)]
        evaluated = evaluate_alarms(specs, case.data, START, end)
    except EvaluationError as exc:
        return _broken(case, f"the alarm cannot be evaluated: {exc}")
    if case.alarm.name in evaluated.unsupported:
        return _broken(case, str(evaluated.unsupported[case.alarm.name]))
    result = evaluated.results[case.alarm.name]
    topics = {s.topic_arn: s.name for s in model.severities}
    step = 10 if isinstance(case.alarm, MetricAlarm) and case.alarm.period < 60 else 60
    failures = [f for expectation, span in case.expectations
                if (f := _check(case, result, expectation, span, topics, step)) is not None]
    return CaseResult(case.env, case.service, case.label, case.alarm.name, case.alarm.monitor,
                      len(case.expectations), tuple(failures))


def _broken(case: Case, why: str) -> CaseResult:
    failure = Failure(error(case.span, "alarm-test-failed", f"{_where(case)}: {why}"))
    return CaseResult(case.env, case.service, case.label, case.alarm.name, case.alarm.monitor,
                      len(case.expectations), (failure,))


def _where(case: Case) -> str:
    return f"test '{case.label}' of {case.alarm.monitor}"


def _changes_at(result: AlarmResult, offset: int, topics: dict[str, str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(previous, state, severities notified) for every transition at `offset`."""
    time = START + offset
    out = []
    for transition in result.timeline.transitions:
        if transition.time != time:
            continue
        told = sorted({topics.get(arn, arn) for n in result.notifications
                       if n.transition_time == time and n.state == transition.state for arn in n.actions})
        out.append((transition.previous, transition.state, tuple(told)))
    return out


def _change_text(previous: str, state: str, told: tuple[str, ...]) -> str:
    return f"{previous} -> {state}" + (f", notifies [{', '.join(told)}]" if told else "")


def _check(case: Case, result: AlarmResult, expectation: Expectation, span: Span, topics: dict[str, str],
           step: int) -> Failure | None:
    at = expectation.at
    state = result.timeline.state_at(START + at)
    changes = _changes_at(result, at, topics)
    if expectation.previous is None:
        if state == expectation.state:
            return None
        actual = f"state {state}{_since(result, at)}"
    else:
        wanted = [c for c in changes if c[0] == expectation.previous and c[1] == expectation.state]
        if wanted and (expectation.notifies is None or wanted[0][2] == expectation.notifies):
            return None
        if wanted:
            told = ", ".join(wanted[0][2]) or "nothing"
            actual = f"{_change_text(*wanted[0])} notifying [{told}]" if wanted[0][2] else \
                f"{expectation.previous} -> {expectation.state}, notifying nothing"
        elif changes:
            actual = "; ".join(_change_text(*c) for c in changes)
        else:
            actual = f"no state change (state {state}{_since(result, at)}{_next(result, at)})"
    message = f"{_where(case)}: at {format_duration(at)} expected {expectation.text}, got {actual}"
    return Failure(error(span, "alarm-test-failed", message), _rows(result, expectation, topics, step))


def _since(result: AlarmResult, at: int) -> str:
    before = [t for t in result.timeline.transitions if t.time <= START + at]
    return f" since {format_duration(int(before[-1].time) - START)}" if before else " from the start"


def _next(result: AlarmResult, at: int) -> str:
    after = [t for t in result.timeline.transitions if t.time > START + at]
    if not after:
        return ""
    first = after[0]
    return f"; next: {first.previous} -> {first.state} at {format_duration(int(first.time) - START)}"


def _rows(result: AlarmResult, expectation: Expectation, topics: dict[str, str], step: int) -> tuple[Row, ...]:
    """The evaluations around the expectation, plus the nearest changes before and after it."""
    at = expectation.at
    times = {at + k * step for k in range(-CONTEXT_STEPS, CONTEXT_STEPS + 1) if at + k * step >= 0}
    moments = sorted(int(t.time) - START for t in result.timeline.transitions)
    times |= set([t for t in moments if t < at][-1:]) | set([t for t in moments if t > at][:1])
    return tuple(Row(t, result.timeline.state_at(START + t),
                     "; ".join(_change_text(*c) for c in _changes_at(result, t, topics)),
                     expectation.text if t == at else "")
                 for t in sorted(times))
