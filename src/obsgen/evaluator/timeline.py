"""What an evaluation produces: state transitions, notifications sent, actions not taken."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

INITIAL_STATE = "INSUFFICIENT_DATA"  # "the alarm state is immediately set to INSUFFICIENT_DATA" (PutMetricAlarm)


@dataclass(frozen=True, slots=True)
class Transition:
    time: float
    previous: str
    state: str
    reason: str


@dataclass(frozen=True, slots=True)
class Notification:
    """Actions taken: `actions` run at `time` for `state`; `transition_time` is the state change that
    caused them (later than it only for a composite whose actions waited, see composite.py)."""

    time: float
    alarm: str
    state: str
    actions: tuple[str, ...]
    transition_time: float


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A state change whose actions were not taken, and why."""

    time: float
    alarm: str
    state: str
    actions: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One evaluation: the datapoints read (period start, value; oldest first) and the state after it."""

    time: float
    datapoints: tuple[tuple[float, float | None], ...]
    state: str


@dataclass(frozen=True, slots=True)
class Timeline:
    """An alarm's states from `start` to `end`: INSUFFICIENT_DATA until the first transition."""

    alarm: str
    start: float
    end: float
    transitions: tuple[Transition, ...]
    _times: tuple[float, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_times", tuple(t.time for t in self.transitions))

    def state_at(self, time: float) -> str:
        """The state once every transition at or before `time` happened."""
        index = bisect_right(self._times, time)
        return self.transitions[index - 1].state if index else INITIAL_STATE

    def state_before(self, time: float) -> str:
        """The state just before `time` (transitions at `time` not yet applied)."""
        index = bisect_left(self._times, time)
        return self.transitions[index - 1].state if index else INITIAL_STATE

    def segments(self) -> list[tuple[float, float, str]]:
        """(from, to, state) covering [start, end]."""
        edges = [(self.start, INITIAL_STATE)] + [(t.time, t.state) for t in self.transitions]
        out = []
        for (begin, state), (finish, _) in zip(edges, edges[1:] + [(self.end, "")]):
            if finish > begin:
                out.append((begin, finish, state))
        return out

    def time_in(self, state: str) -> float:
        return sum(finish - begin for begin, finish, s in self.segments() if s == state)


@dataclass(frozen=True, slots=True)
class AlarmResult:
    name: str
    timeline: Timeline
    notifications: tuple[Notification, ...] = ()
    suppressed: tuple[Suppressed, ...] = ()
    evaluations: tuple[Evaluation, ...] = ()
    notes: tuple[str, ...] = ()  # rules applied that change what the spec says, e.g. DynamoDB's missing data
