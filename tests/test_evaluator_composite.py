"""Composite alarms: the AlarmRule language over children's timelines, and ActionsSuppressor timing.

Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutCompositeAlarm.html and
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-suppression.html ("Composite alarm
action suppression"; its examples use a WaitPeriod of 2 and an ExtensionPeriod of 3 time units).
"""

from __future__ import annotations

import pytest

from obsgen.evaluator import (
    ALARM, INSUFFICIENT_DATA, OK, Actions, AlarmSpec, CompositeSpec, EvaluationError, Metric, Samples, Suppressor,
    Timeline, Transition, Unsupported, evaluate_alarms, evaluate_composite_alarm, parse_alarm_rule,
)
from obsgen.evaluator.alarm_rule import All, AnyOf, Const, Not, StateIs, alarms, evaluate

U = 60  # the docs' time unit, as one minute
START, END = -10 * U, 20 * U
PAGE = Actions(alarm=("arn:page",), ok=("arn:ok",))


def timeline(name: str, *changes: tuple[int, str], start: int = START) -> Timeline:
    """A child's timeline from (time in units, new state) pairs; it starts OK at `start`."""
    states, previous, out = [(start / U, OK), *changes], "INSUFFICIENT_DATA", []
    for at, state in states:
        out.append(Transition(at * U, previous, state, "test"))
        previous = state
    return Timeline(name, start, END, tuple(out))


def composite(children: dict[str, Timeline], suppressor: str | None = "suppressor", actions: Actions = PAGE,
              enabled: bool = True):
    spec = CompositeSpec("health", StateIs("child", ALARM), enabled, actions,
                         Suppressor(suppressor, 2 * U, 3 * U) if suppressor else None)
    return evaluate_composite_alarm(spec, children, START, END)


def after_start(result):
    """Notifications caused by transitions after the composite's creation (its first OK is not one)."""
    return [(n.time / U, n.state, n.transition_time / U) for n in result.notifications if n.transition_time > START]


def held(result):
    return [(s.time / U, s.state, s.reason.split(":")[0]) for s in result.suppressed if s.time > START]


# --- the rule language --------------------------------------------------------------------------------


def test_the_rule_reads_children_states_with_and_or_not():
    """PutCompositeAlarm AlarmRule: ALARM(...), OK(...), INSUFFICIENT_DATA(...) "is TRUE if the named alarm is in"
    that state; AND, OR, NOT; parentheses group; TRUE and FALSE are constants."""
    rule = parse_alarm_rule('(ALARM("cpu") AND NOT ALARM(deploy)) OR (OK(net) AND INSUFFICIENT_DATA("db"))')
    states = {"cpu": ALARM, "deploy": OK, "net": ALARM, "db": OK}
    assert evaluate(rule, states.__getitem__) is True
    states["deploy"] = ALARM
    assert evaluate(rule, states.__getitem__) is False
    assert alarms(rule) == ["cpu", "deploy", "net", "db"]
    assert evaluate(parse_alarm_rule("TRUE"), states.__getitem__) and not evaluate(parse_alarm_rule("FALSE"), states.__getitem__)


def test_alarms_are_named_by_name_or_arn_quoted_or_not():
    """PutCompositeAlarm: "You can use either alarm names or ARNs"; names "can be surrounded with double-quotes
    ("), but do not have to be"."""
    assert parse_alarm_rule('ALARM("a b") OR OK(arn:aws:cloudwatch:us-east-1:123456789012:alarm:c)') == \
        AnyOf((StateIs("a b", ALARM), StateIs("c", OK)))
    assert parse_alarm_rule("NOT (ALARM(a) AND ALARM(b))") == Not(All((StateIs("a", ALARM), StateIs("b", ALARM))))
    assert parse_alarm_rule("FALSE") == Const(False)


def test_and_and_or_mixed_without_parentheses_are_refused_not_guessed():
    """PutCompositeAlarm documents no precedence between AND and OR."""
    with pytest.raises(Unsupported, match="AND and OR"):
        parse_alarm_rule("ALARM(a) OR ALARM(b) AND ALARM(c)")


@pytest.mark.parametrize("text", ["ALARM(a) OR", "ALARM(a", "ALARMS(a)", "ALARM(a) ALARM(b)", "", "OK()"])
def test_malformed_rules_are_errors(text):
    """PutCompositeAlarm AlarmRule: functions of an alarm name, operators and parentheses; anything else is refused."""
    with pytest.raises(EvaluationError):
        parse_alarm_rule(text)


# --- the composite's timeline ---------------------------------------------------------------------------


def test_a_new_composite_is_evaluated_at_once_and_never_returns_to_insufficient_data():
    """PutCompositeAlarm: a new composite starts in INSUFFICIENT_DATA, "is then evaluated and its state is set
    appropriately. Any actions associated with the new state are then executed. For a composite alarm,
    this initial time after creation is the only time that the alarm can be in INSUFFICIENT_DATA"."""
    child = Timeline("child", START, END, (Transition(0, OK, INSUFFICIENT_DATA, "t"), Transition(5 * U, INSUFFICIENT_DATA, ALARM, "t")))
    result = composite({"child": child}, suppressor=None)
    assert [(t.time / U, t.state) for t in result.timeline.transitions] == [(-10, OK), (5, ALARM)]
    assert [(n.time / U, n.state) for n in result.notifications] == [(-10, OK), (5, ALARM)]


def test_notifications_follow_transitions_only_and_only_when_actions_are_enabled():
    """AlarmThatSendsEmail.html: "the actions happen only on state transitions"; PutCompositeAlarm ActionsEnabled:
    "Indicates whether actions should be executed during any changes to the alarm state"."""
    child = timeline("child", (2, ALARM), (3, ALARM), (6, OK))
    enabled = composite({"child": child}, suppressor=None)
    assert after_start(enabled) == [(2, ALARM, 2), (6, OK, 6)]
    disabled = composite({"child": child}, suppressor=None, enabled=False)
    assert disabled.notifications == () and [s.state for s in disabled.suppressed] == [OK, ALARM, OK]
    assert all("disabled" in s.reason for s in disabled.suppressed)


# --- ActionsSuppressor: the six examples of the suppression page -----------------------------------------------


def test_example_1_actions_are_not_suppressed_after_the_wait_period():
    """Example 1: the composite goes to ALARM at t2; the WaitPeriod ends at t4 with the suppressor still OK, so
    the composite takes its actions at t4."""
    result = composite({"child": timeline("child", (2, ALARM)), "suppressor": timeline("suppressor")})
    assert after_start(result) == [(4, ALARM, 2)]


def test_example_2_actions_are_suppressed_by_the_alarm_before_the_wait_period_expires():
    """Example 2: the suppressor goes to ALARM at t3, within the WaitPeriod started at t2, which "is discarded,
    and the suppressor alarm now stops the composite alarm from taking actions"."""
    result = composite({"child": timeline("child", (2, ALARM)), "suppressor": timeline("suppressor", (3, ALARM))})
    assert after_start(result) == []
    assert held(result) == [(2, ALARM, "held")]


def test_example_3_a_state_change_during_the_wait_period_starts_a_new_one():
    """Example 3: ALARM at t2, back to OK at t3: "the WaitPeriod that started at t2 is discarded. A new WaitPeriod
    starts at t3 and ends at t5. After the new WaitPeriod expires at t5, the composite alarm takes its
    actions" (those of its current state, OK)."""
    result = composite({"child": timeline("child", (2, ALARM), (3, OK)), "suppressor": timeline("suppressor")})
    assert after_start(result) == [(5, OK, 3)]
    assert held(result) == [(2, ALARM, "superseded")]


def test_example_4_a_suppressor_already_in_alarm_stops_the_actions():
    """Example 4: "The suppressor alarm is already in ALARM. The suppressor alarm stops the composite alarm from
    taking actions"."""
    result = composite({"child": timeline("child", (2, ALARM)), "suppressor": timeline("suppressor", (0, ALARM))})
    assert after_start(result) == [] and held(result) == [(2, ALARM, "held")]


def test_example_5_actions_are_taken_after_the_extension_period():
    """Example 5: ALARM at t2; the suppressor in ALARM from t3 (the WaitPeriod is discarded) to t6; "An
    ExtensionPeriod starts at t6 and ends at t9. After the ExtensionPeriod expires, the composite alarm
    takes its actions"."""
    children = {"child": timeline("child", (2, ALARM)), "suppressor": timeline("suppressor", (3, ALARM), (6, OK))}
    assert after_start(composite(children)) == [(9, ALARM, 2)]


def test_example_6_a_state_change_during_the_extension_period_starts_a_wait_period():
    """Example 6: as in example 5, but the composite changes back to OK at t7: "the ExtensionPeriod is discarded,
    and a new WaitPeriod starts at t7 and ends at t9. After the new WaitPeriod expires, the composite alarm
    can take its actions"."""
    children = {"child": timeline("child", (2, ALARM), (7, OK)), "suppressor": timeline("suppressor", (3, ALARM), (6, OK))}
    result = composite(children)
    assert after_start(result) == [(9, OK, 7)]
    assert held(result) == [(2, ALARM, "superseded")]


def test_a_suppressed_change_that_ends_before_the_suppressor_leaves_alarm_is_never_announced():
    """Suppression page: "When a suppressor alarm changes states from OK to ALARM, its composite alarm stops taking
    actions"; a composite that goes to ALARM and back while suppressed takes, after the extension, the
    actions of its current state (OK) only."""
    children = {"child": timeline("child", (4, ALARM), (5, OK)), "suppressor": timeline("suppressor", (3, ALARM), (8, OK))}
    result = composite(children)
    assert after_start(result) == [(11, OK, 5)]
    assert held(result) == [(4, ALARM, "superseded")]


# --- many alarms at once ----------------------------------------------------------------------------------------

T = 1_700_000_040
CPU = Metric.of("App", "CPU")


def cpu_alarm(name: str, threshold: float) -> AlarmSpec:
    return AlarmSpec(name, "GreaterThanThreshold", threshold, evaluation_periods=1, metric=CPU, statistic="Maximum", period=60)


def test_composites_of_composites_are_evaluated_children_first():
    """Create_Composite_Alarm.html: "The alarms specified in a composite alarm's rule expression can include metric
    alarms and other composite alarms"."""
    data = {CPU: Samples([(T - 600 + i * 60 + 1, float(i * 10)) for i in range(10)])}  # 0, 10, ..., 90
    specs = [
        CompositeSpec("top", parse_alarm_rule('ALARM("both") OR ALARM("high")')),
        CompositeSpec("both", parse_alarm_rule('ALARM("high") AND ALARM("low")')),
        cpu_alarm("high", 75), cpu_alarm("low", 25),
    ]
    results = evaluate_alarms(specs, data, T - 600, T).results
    assert results["low"].timeline.state_at(T - 300) == ALARM and results["high"].timeline.state_at(T - 300) == OK
    assert results["both"].timeline.state_at(T - 300) == OK
    assert results["both"].timeline.state_at(T) == ALARM and results["top"].timeline.state_at(T) == ALARM


def test_a_cycle_of_composites_is_an_error():
    """Create_Composite_Alarm.html: composites that depend on each other "stop being evaluated"."""
    specs = [CompositeSpec("a", parse_alarm_rule("ALARM(b)")), CompositeSpec("b", parse_alarm_rule("ALARM(a)"))]
    with pytest.raises(EvaluationError, match="cycle"):
        evaluate_alarms(specs, {}, T - 60, T)


def test_a_composite_over_an_unsupported_alarm_is_unsupported_too():
    """Issue 16: each unsupported construct is named, not guessed -- including through a composite."""
    band = AlarmSpec("band", "LessThanLowerOrGreaterThanUpperThreshold", None, evaluation_periods=1, metric=CPU,
                     statistic="Average", period=60, threshold_metric_id="ad1")
    specs = [band, cpu_alarm("high", 75), CompositeSpec("health", parse_alarm_rule("ALARM(band) OR ALARM(high)"))]
    out = evaluate_alarms(specs, {}, T - 60, T)
    assert set(out.unsupported) == {"band", "health"} and "ANOMALY_DETECTION_BAND" in str(out.unsupported["health"])
    assert "high" in out.results


# --- properties ----------------------------------------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

changes_strategy = st.lists(st.tuples(st.integers(-9, 19), st.sampled_from([OK, ALARM, INSUFFICIENT_DATA])), max_size=8)


def child_from(name: str, raw) -> Timeline:
    points = sorted({at: state for at, state in raw}.items())
    out, previous = [], INSUFFICIENT_DATA
    for at, state in points:
        if state != previous:
            out.append(Transition(at * U, previous, state, "test"))
            previous = state
    return Timeline(name, START, END, tuple(out))


@given(changes_strategy, changes_strategy)
def test_the_composite_state_is_the_rule_over_the_children_at_every_moment(a, b):
    """PutCompositeAlarm: the composite is in ALARM when its rule is TRUE, else OK, once created."""
    children = {"a": child_from("a", a), "b": child_from("b", b)}
    spec = CompositeSpec("c", parse_alarm_rule("ALARM(a) OR NOT OK(b)"), actions=PAGE)
    result = evaluate_composite_alarm(spec, children, START, END)
    for minute in range(-10, 20):
        at = minute * U
        expected = ALARM if children["a"].state_at(at) == ALARM or children["b"].state_at(at) != OK else OK
        assert result.timeline.state_at(at) == expected
    states = [t.state for t in result.timeline.transitions]
    assert all(x != y for x, y in zip(states, states[1:]))  # transitions are changes
    assert [(n.time, n.state) for n in result.notifications] == [(t.time, t.state) for t in result.timeline.transitions]


@given(changes_strategy)
def test_with_a_suppressor_that_stays_ok_each_change_acts_after_the_wait_unless_superseded(raw):
    """Suppression page, examples 1 and 3: actions come WaitPeriod after a change, for the state then current; a
    change that is followed by another within the WaitPeriod takes none. (A WaitPeriod ending at the very time of
    the next change ends first: the docs show no such tie.)"""
    children = {"child": child_from("child", raw), "suppressor": timeline("suppressor")}
    result = composite(children)
    transitions = result.timeline.transitions
    expected = []
    for i, t in enumerate(transitions):
        following = transitions[i + 1].time if i + 1 < len(transitions) else None
        if (following is None or following >= t.time + 2 * U) and t.time + 2 * U <= END:
            expected.append((t.time + 2 * U, t.state, t.time))
    assert [(n.time, n.state, n.transition_time) for n in result.notifications] == expected


@given(changes_strategy)
def test_with_a_suppressor_always_in_alarm_nothing_is_sent(raw):
    """Suppression page: "When a suppressor alarm changes states from OK to ALARM, its composite alarm stops taking
    actions"; one in ALARM all along keeps them all held."""
    children = {"child": child_from("child", raw), "suppressor": timeline("suppressor", (-10, ALARM))}
    result = composite(children)
    assert result.notifications == ()
    assert len(result.suppressed) == len(result.timeline.transitions)
