"""A composite alarm over its children's timelines, and its actions with an ActionsSuppressor.

- State: ALARM when the AlarmRule is TRUE, else OK (API_PutCompositeAlarm.html, AlarmRule). A new
  composite starts in INSUFFICIENT_DATA and "is then evaluated and its state is set
  appropriately. Any actions associated with the new state are then executed. For a composite
  alarm, this initial time after creation is the only time that the alarm can be in
  INSUFFICIENT_DATA state" (PutCompositeAlarm). It is re-evaluated whenever a child changes state;
  CloudWatch's own propagation delay is not modelled.
- Suppression, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-suppression.html
  ("Composite alarm action suppression", examples 1-6 are tests): while the suppressor is in ALARM
  the composite takes no actions; a composite state change while the suppressor is not in ALARM
  starts a WaitPeriod (the suppressor going to ALARM discards it; another composite change
  replaces it); the suppressor leaving ALARM starts an ExtensionPeriod (a composite change during
  it discards it and starts a WaitPeriod). "Composite alarms take actions that are based on their
  current states when ExtensionPeriod and WaitPeriod become inactive."
"""

from __future__ import annotations

from typing import Mapping

from . import alarm_rule
from .errors import EvaluationError
from .spec import ALARM, OK, CompositeSpec
from .timeline import INITIAL_STATE, AlarmResult, Notification, Suppressed, Timeline, Transition


def evaluate_composite_alarm(spec: CompositeSpec, timelines: Mapping[str, Timeline], start: float, end: float) -> AlarmResult:
    children = alarm_rule.alarms(spec.rule)
    missing = [name for name in children if name not in timelines]
    if spec.suppressor is not None and spec.suppressor.alarm not in timelines:
        missing.append(spec.suppressor.alarm)
    if missing:
        raise EvaluationError(f"{spec.name}: no timeline for {', '.join(missing)}")
    times = sorted({start, *(t.time for name in children for t in timelines[name].transitions if start <= t.time <= end)})
    state, transitions = INITIAL_STATE, []
    for time in times:
        truth = alarm_rule.evaluate(spec.rule, lambda name: timelines[name].state_at(time))
        new = ALARM if truth else OK
        if new != state:
            states = ", ".join(f"{name} {timelines[name].state_at(time)}" for name in children)
            transitions.append(Transition(time, state, new, f"rule {'TRUE' if truth else 'FALSE'} ({states})" if children
                                          else f"rule {'TRUE' if truth else 'FALSE'}"))
            state = new
    timeline = Timeline(spec.name, start, end, tuple(transitions))
    suppressor = timelines[spec.suppressor.alarm] if spec.suppressor is not None else None
    sent, held = _Actions(spec, timeline, suppressor, start, end).run()
    return AlarmResult(spec.name, timeline, tuple(sent), tuple(held))


class _Actions:
    def __init__(self, spec: CompositeSpec, timeline: Timeline, suppressor: Timeline | None, start: float, end: float):
        self.spec, self.timeline, self.suppressor, self.start, self.end = spec, timeline, suppressor, start, end
        self.sent: list[Notification] = []
        self.held: list[Suppressed] = []
        self.pending: Transition | None = None
        self.timer: tuple[float, str] | None = None  # (deadline, "wait" | "extension")
        self.suppressing = False

    def run(self) -> tuple[list[Notification], list[Suppressed]]:
        # Suppressor changes first when both happen at once (the docs show none at the same instant).
        events: list[tuple[float, int, Transition]] = []
        if self.suppressor is not None:
            self.suppressing = self.suppressor.state_at(self.start) == ALARM
            events += [(t.time, 0, t) for t in self.suppressor.transitions if self.start < t.time <= self.end]
        events += [(t.time, 1, t) for t in self.timeline.transitions]
        for time, kind, transition in sorted(events, key=lambda e: (e[0], e[1])):
            self._expire(time)
            if kind == 0:
                self._suppressor_changed(time, transition.state)
            else:
                self._composite_changed(transition)
        self._expire(self.end)
        if self.pending is not None:
            why = (f"held: ActionsSuppressor {self.spec.suppressor.alarm} in ALARM at the end" if self.suppressing  # type: ignore[union-attr]
                   else "held: the wait or extension period had not ended")
            self._hold(self.pending, why)
        return self.sent, self.held

    def _composite_changed(self, transition: Transition) -> None:
        time = transition.time
        if self.pending is not None:
            self._hold(self.pending, f"superseded: the composite changed to {transition.state} before its actions ran")
        self.pending = transition
        if self.suppressor is None:
            self._act(time)
        elif not self.suppressing:
            self._start("wait", time, self.spec.suppressor.wait_period)  # type: ignore[union-attr]

    def _suppressor_changed(self, time: float, state: str) -> None:
        if state == ALARM:
            self.suppressing, self.timer = True, None  # "the WaitPeriod that started at t2 is discarded"
        elif self.suppressing:
            self.suppressing = False
            self._start("extension", time, self.spec.suppressor.extension_period)  # type: ignore[union-attr]

    def _start(self, kind: str, time: float, length: int) -> None:
        if length <= 0:
            self.timer = None
            self._act(time)
        else:
            self.timer = (time + length, kind)

    def _expire(self, now: float) -> None:
        """A period ending at the very time of another change ends first, with the state before that change."""
        if self.timer is not None and self.timer[0] <= now:
            deadline = self.timer[0]
            self.timer = None
            self._act(deadline, before_changes_at_that_time=True)

    def _act(self, time: float, before_changes_at_that_time: bool = False) -> None:
        """Take the actions of the composite's current state for the pending change, if any."""
        if self.pending is None:
            return
        cause, self.pending = self.pending, None
        state = self.timeline.state_before(time) if before_changes_at_that_time else self.timeline.state_at(time)
        arns = self.spec.actions.for_state(state)
        if not arns:
            return
        if self.spec.actions_enabled:
            self.sent.append(Notification(time, self.spec.name, state, arns, cause.time))
        else:
            self.held.append(Suppressed(cause.time, self.spec.name, state, arns, "actions disabled (ActionsEnabled is false)"))

    def _hold(self, transition: Transition, why: str) -> None:
        arns = self.spec.actions.for_state(transition.state)
        if arns:
            self.held.append(Suppressed(transition.time, self.spec.name, transition.state, arns, why))
