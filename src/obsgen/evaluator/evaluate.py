"""Every alarm of a set at once: metric alarms, then composites in dependency order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence, Union

from . import alarm_rule
from .composite import evaluate_composite_alarm
from .errors import EvaluationError, Unsupported
from .metric_alarm import MetricData, evaluate_metric_alarm
from .spec import AlarmSpec, CompositeSpec, Options
from .timeline import AlarmResult

Spec = Union[AlarmSpec, CompositeSpec]


@dataclass(slots=True)
class Evaluated:
    """Results by alarm name; alarms the evaluator cannot model are in `unsupported`, with why."""

    results: dict[str, AlarmResult] = field(default_factory=dict)
    unsupported: dict[str, Unsupported] = field(default_factory=dict)


def evaluate_alarms(specs: Sequence[Spec], data: MetricData, start: int, end: int, options: Options = Options()) -> Evaluated:
    """Evaluate `specs` from `start` to `end`. An Unsupported alarm does not stop the others; a
    composite that reads one is Unsupported too. Invalid alarms raise EvaluationError."""
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise EvaluationError("alarm names must be unique")
    out = Evaluated()
    for spec in specs:
        if isinstance(spec, AlarmSpec):
            try:
                out.results[spec.name] = evaluate_metric_alarm(spec, data, start, end, options)
            except Unsupported as refusal:
                out.unsupported[spec.name] = refusal
    composites = {s.name: s for s in specs if isinstance(s, CompositeSpec)}
    for name in _dependency_order(composites):
        spec = composites[name]
        needed = alarm_rule.alarms(spec.rule) + ([spec.suppressor.alarm] if spec.suppressor else [])
        blocked = [n for n in needed if n in out.unsupported]
        if blocked:
            out.unsupported[name] = Unsupported(f"composite over {blocked[0]}", str(out.unsupported[blocked[0]]))
            continue
        timelines = {n: out.results[n].timeline for n in needed if n in out.results}
        out.results[name] = evaluate_composite_alarm(spec, timelines, start, end)
    return out


def _dependency_order(composites: dict[str, CompositeSpec]) -> list[str]:
    """Children before parents; a cycle is an error (CloudWatch stops evaluating such composites:
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Composite_Alarm.html)."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise EvaluationError(f"composite alarms form a cycle: {' -> '.join(path + [name])}")
        state[name] = 1
        spec = composites[name]
        needed = alarm_rule.alarms(spec.rule) + ([spec.suppressor.alarm] if spec.suppressor else [])
        for child in needed:
            if child in composites:
                visit(child, path + [name])
        state[name] = 2
        order.append(name)

    for name in composites:
        visit(name, [])
    return order
