"""What a backtest found per alarm, as values the views render (pure; docs/alarm-evaluation.md, "Backtest")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the site reads reports (runbooks/site.py) without loading the evaluator
    from ..evaluator import AlarmResult

DAY = 86400


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A threshold at which the alarm would have fired at most `target` times in the window."""

    comparison: str  # '>', '>=', '<', '<='
    threshold: float
    fires: int
    target: int


@dataclass(frozen=True, slots=True)
class AlarmReport:
    ref: str  # 'service/monitor'
    name: str  # the alarm's name in the environment
    kind: str  # 'metric', 'math', 'composite' or 'log' (a native log alarm, never replayed)
    threshold: str  # as the spec says it ('> 5'), '' for a composite
    pages: bool = False  # its severity pages someone (severities.<name>.pages)
    fire_times: tuple[int, ...] = ()  # transitions into ALARM (epoch seconds)
    time_in_alarm: int = 0  # seconds
    longest_alarm: int = 0  # seconds
    state_changes: int = 0  # after the first evaluation
    datapoints_expected: int = 0  # periods in the window, over every metric the alarm reads
    datapoints_missing: int = 0
    period: int = 0  # the period the history was read at (the alarm's, or longer for old data)
    suggestion: Suggestion | None = None
    unsupported: str = ""  # why the evaluator could not replay it
    notes: tuple[str, ...] = ()

    @property
    def fires(self) -> int:
        return len(self.fire_times)

    @property
    def dead(self) -> bool:
        """No datapoint at all for any metric the alarm reads: it can never fire on data."""
        return self.kind != "composite" and self.datapoints_expected > 0 and \
            self.datapoints_missing == self.datapoints_expected


@dataclass(slots=True)
class BacktestReport:
    env: str
    start: int
    end: int
    calls: int = 0  # GetMetricData calls
    queries: int = 0  # distinct metric queries read
    alarms: list[AlarmReport] = field(default_factory=list)

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY

    def flaps_per_day(self, alarm: AlarmReport) -> float:
        return alarm.state_changes / self.days if self.days else 0.0

    @property
    def total_fires(self) -> int:
        return sum(a.fires for a in self.alarms)

    @property
    def total_pages(self) -> int:
        return sum(a.fires for a in self.alarms if a.pages)


def timeline_facts(result: AlarmResult) -> dict[str, object]:
    """Fires, time in ALARM, the longest ALARM stretch and the state changes of one replayed alarm.
    The first transition (out of INSUFFICIENT_DATA at creation) is the alarm starting, not a change."""
    from ..evaluator import ALARM, INSUFFICIENT_DATA

    transitions = result.timeline.transitions
    fires = tuple(int(t.time) for t in transitions if t.state == ALARM and t.previous != ALARM)
    stretches = [int(end - begin) for begin, end, state in result.timeline.segments() if state == ALARM]
    starting = bool(transitions) and transitions[0].previous == INSUFFICIENT_DATA
    changes = len(transitions) - 1 if starting else len(transitions)
    return {"fire_times": fires, "time_in_alarm": sum(stretches), "longest_alarm": max(stretches, default=0),
            "state_changes": changes}
