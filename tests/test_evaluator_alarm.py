"""A metric alarm over time: when it evaluates, which windows it reads, its timeline and notifications.

Sources: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html,
alarm-evaluation-window.html, AlarmThatSendsEmail.html#alarms-and-actions and
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obsgen.evaluator import (
    ALARM, INSUFFICIENT_DATA, OK, Actions, AlarmSpec, EvaluationError, Metric, Options, Samples, Timeline, Transition,
    Unsupported, WallClockWindow, evaluate_metric_alarm,
)
from obsgen.evaluator.from_model import alarm_spec_from_params

CPU = Metric.of("AWS/EC2", "CPUUtilization", {"InstanceId": "i-1"})
DAY = 1_700_006_400  # 2023-11-15T00:00:00Z, midnight UTC (a Wednesday)
H = 3600


def alarm(**overrides) -> AlarmSpec:
    fields = dict(name="cpu", comparison="GreaterThanThreshold", threshold=50.0, evaluation_periods=1, metric=CPU,
                  statistic="Maximum", period=60, treat_missing_data="notBreaching")
    fields.update(overrides)
    return AlarmSpec(**fields)


def spike(at: float, start: float = DAY, end: float = DAY + 86400, step: int = 60) -> Samples:
    """A value of 10 every `step` seconds (at +1 s) and one of 90 at `at`."""
    return Samples([(t + 1, 10.0) for t in range(int(start), int(end), step)] + [(at, 90.0)])


def changes(result) -> list[tuple[float, str]]:
    return [(t.time, t.state) for t in result.timeline.transitions]


def test_a_new_alarm_is_evaluated_at_once_from_data_already_there():
    """PutMetricAlarm: the new alarm is INSUFFICIENT_DATA, "is then evaluated and its state is set appropriately"; and
    alarm-evaluation.html: "CloudWatch retrieves the most recent data points from before the alarm was created"."""
    data = {CPU: Samples([(DAY - 30, 80.0)])}
    result = evaluate_metric_alarm(alarm(treat_missing_data="missing"), data, DAY, DAY + 600)
    assert result.timeline.state_at(DAY - 1) == INSUFFICIENT_DATA
    assert changes(result)[0] == (DAY, ALARM)


def test_a_sliding_window_moves_every_minute():
    """alarm-evaluation-window.html: "an alarm with a period of 1 hour and 1 evaluation period might evaluate 13:07-14:07
    in one evaluation, and 13:08-14:08 in the next". A value at 13:30 is read from 13:31 until 14:30."""
    result = evaluate_metric_alarm(alarm(period=H), {CPU: spike(DAY + 13 * H + 1800)}, DAY + 12 * H, DAY + 16 * H)
    assert changes(result) == [(DAY + 12 * H, OK), (DAY + 13 * H + 1860, ALARM), (DAY + 14 * H + 1860, OK)]


def test_a_wall_clock_window_reads_whole_clock_hours():
    """alarm-evaluation-window.html: a WallClockWindow "evaluates complete, calendar-aligned periods" and "only reflects
    a data point after the period containing it ends": 13:30 counts in 13:00-14:00, read from 14:00 to 15:00."""
    result = evaluate_metric_alarm(alarm(period=H, evaluation_window=WallClockWindow()), {CPU: spike(DAY + 13 * H + 1800)},
                                   DAY + 12 * H, DAY + 16 * H)
    assert changes(result) == [(DAY + 12 * H, OK), (DAY + 14 * H, ALARM), (DAY + 15 * H, OK)]


def test_a_wall_clock_window_follows_its_utc_offset():
    """API_WallClockWindow.html: Timezone may be "a fixed UTC offset (for example, +05:30)": hours then start at :30 UTC."""
    result = evaluate_metric_alarm(alarm(period=H, evaluation_window=WallClockWindow(5 * H + 1800)),
                                   {CPU: spike(DAY + 13 * H + 1800)}, DAY + 12 * H, DAY + 16 * H)
    assert changes(result)[1:] == [(DAY + 14 * H + 1800, ALARM), (DAY + 15 * H + 1800, OK)]


def test_a_weekly_wall_clock_window_starts_on_monday():
    """alarm-evaluation-window.html: "a 1-week period aligns to Monday 00:00 (the start of an ISO 8601 week)"."""
    monday = DAY + 5 * 86400  # 2023-11-20
    result = evaluate_metric_alarm(alarm(period=7 * 86400, evaluation_window=WallClockWindow()),
                                   {CPU: spike(monday - 60, start=DAY - 14 * 86400, end=monday + 3600)}, monday - 3600, monday + 3600)
    assert changes(result) == [(monday - 3600, OK), (monday, ALARM)]


def test_a_high_resolution_alarm_is_evaluated_every_ten_seconds():
    """alarm-evaluation.html: "If the alarm period is 10 seconds or 30 seconds, the alarm is evaluated every 10 seconds"."""
    result = evaluate_metric_alarm(alarm(period=10), {CPU: spike(DAY + 125, step=10)}, DAY, DAY + 300)
    assert changes(result) == [(DAY, OK), (DAY + 130, ALARM), (DAY + 140, OK)]


def test_notifications_are_sent_on_transitions_into_each_state_only():
    """AlarmThatSendsEmail.html: "Actions can be set for the transition into each of the three states ... the actions
    happen only on state transitions, and are not performed again if the condition persists". The last
    datapoint (minute 11) is read until it leaves the 3-period evaluation range: INSUFFICIENT_DATA at
    minute 15 (alarms-and-missing-data.html: alarms "might repeatedly re-evaluate the last set of data
    points for a period of time after the metric has stopped flowing")."""
    actions = Actions(alarm=("arn:page",), ok=("arn:ok",), insufficient_data=("arn:nodata",))
    data = {CPU: Samples([(DAY + 60 * i + 1, 90.0 if 3 <= i < 8 else 10.0) for i in range(12)])}
    result = evaluate_metric_alarm(alarm(treat_missing_data="missing", actions=actions), data, DAY, DAY + 20 * 60)
    got = [(n.time - DAY, n.state, n.actions) for n in result.notifications]
    assert got == [(60, OK, ("arn:ok",)), (240, ALARM, ("arn:page",)), (540, OK, ("arn:ok",)),
                   (900, INSUFFICIENT_DATA, ("arn:nodata",))]


def test_disabled_actions_send_nothing_but_say_what_was_held():
    """PutMetricAlarm ActionsEnabled: "Indicates whether actions should be executed during any changes to the alarm
    state"."""
    actions = Actions(alarm=("arn:page",))
    data = {CPU: Samples([(DAY + 61, 90.0)])}
    result = evaluate_metric_alarm(alarm(actions=actions, actions_enabled=False), data, DAY, DAY + 600)
    assert result.notifications == ()
    assert [(s.state, s.actions) for s in result.suppressed] == [(ALARM, ("arn:page",))]


def test_each_evaluation_can_be_recorded_with_the_datapoints_it_read():
    """alarms-and-missing-data.html: each evaluation reads the evaluation range (N + 2 periods by default)."""
    data = {CPU: Samples([(DAY - 120 + 1, 10.0), (DAY - 60 + 1, 90.0)])}
    result = evaluate_metric_alarm(alarm(), data, DAY, DAY, Options(record_evaluations=True))
    (only,) = result.evaluations
    assert only.datapoints == ((DAY - 180, None), (DAY - 120, 10.0), (DAY - 60, 90.0)) and only.state == ALARM


def test_a_timeline_answers_the_state_at_any_time_and_time_in_each_state():
    """alarm-evaluation.html, metric alarm states: an alarm is in one of OK, ALARM, INSUFFICIENT_DATA at any time;
    a transition applies from its own time."""
    timeline = Timeline("a", 0, 100, (Transition(10, INSUFFICIENT_DATA, OK, ""), Transition(40, OK, ALARM, ""),
                                      Transition(70, ALARM, OK, "")))
    assert [timeline.state_at(t) for t in (0, 10, 39, 40, 99)] == [INSUFFICIENT_DATA, OK, OK, ALARM, OK]
    assert timeline.time_in(ALARM) == 30 and timeline.time_in(OK) == 60 and timeline.time_in(INSUFFICIENT_DATA) == 10


@settings(max_examples=50)
@given(st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=1, max_size=30), st.integers(1, 5), st.data())
def test_with_complete_data_the_state_is_m_of_the_last_n_periods(values, n, data):
    """alarm-evaluation.html: an M of N alarm is in ALARM when at least M of the N most recent datapoints breach; with
    a datapoint every minute and a one-minute period, at every evaluation."""
    m = data.draw(st.integers(1, n))
    filled = [v if v is not None else 0.0 for v in values]
    samples = Samples([(DAY + 60 * i + 1, v) for i, v in enumerate(filled)])
    result = evaluate_metric_alarm(alarm(evaluation_periods=n, datapoints_to_alarm=m), {CPU: samples},
                                   DAY + 60 * n, DAY + 60 * len(filled))
    for i in range(n, len(filled) + 1):
        window = filled[i - n:i]
        expected = ALARM if sum(v > 50 for v in window) >= m else OK
        assert result.timeline.state_at(DAY + 60 * i) == expected


@pytest.mark.parametrize("overrides,message", [
    (dict(datapoints_to_alarm=3, evaluation_periods=2), "DatapointsToAlarm"),
    (dict(comparison="Above"), "ComparisonOperator"),
    (dict(period=90), "Period"),
    (dict(treat_missing_data="zero"), "TreatMissingData"),
    (dict(threshold=None), "Threshold"),
    (dict(statistic="Median"), "Median"),
])
def test_alarms_cloudwatch_would_reject_are_errors(overrides, message):
    """PutMetricAlarm: Period "10, 20, 30, and any multiple of 60"; TreatMissingData "breaching | notBreaching | ignore |
    missing"; DatapointsToAlarm is M of the N EvaluationPeriods."""
    with pytest.raises(EvaluationError, match=message):
        evaluate_metric_alarm(alarm(**overrides), {}, DAY, DAY + 60)


def test_parameters_the_evaluator_does_not_model_are_unsupported():
    """PutMetricAlarm EvaluationCriteria (PromQL alarms) and an IANA Timezone (daylight saving) are refused by name."""
    base = {"AlarmName": "x", "ComparisonOperator": "GreaterThanThreshold", "Threshold": 1, "EvaluationPeriods": 1,
            "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average", "Period": 60}
    with pytest.raises(Unsupported, match="EvaluationCriteria"):
        evaluate_metric_alarm(alarm_spec_from_params({**base, "EvaluationCriteria": {}}), {}, DAY, DAY + 60)
    zone = {"WallClockWindow": {"Timezone": "Europe/Paris"}}
    with pytest.raises(Unsupported, match="Europe/Paris"):
        evaluate_metric_alarm(alarm_spec_from_params({**base, "EvaluationWindow": zone}), {}, DAY, DAY + 60)
    fixed = alarm_spec_from_params({**base, "EvaluationWindow": {"WallClockWindow": {"Timezone": "UTC-03:00"}}})
    assert fixed.evaluation_window == WallClockWindow(-3 * H)


@settings(max_examples=50)
@given(st.lists(st.one_of(st.none(), st.floats(0, 100)), min_size=1, max_size=40),
       st.sampled_from(["missing", "ignore", "breaching", "notBreaching"]), st.integers(1, 4), st.booleans())
def test_actions_run_once_per_transition_into_a_state(values, mode, n, enabled):
    """AlarmThatSendsEmail.html: "the actions happen only on state transitions"; PutMetricAlarm: AlarmActions "when this
    alarm transitions into an ALARM state from any other state", OKActions and InsufficientDataActions
    likewise, all only when ActionsEnabled."""
    actions = Actions(alarm=("arn:a",), ok=("arn:o",), insufficient_data=("arn:i",))
    samples = Samples([(DAY + 60 * i + 1, v) for i, v in enumerate(values) if v is not None])
    result = evaluate_metric_alarm(alarm(evaluation_periods=n, treat_missing_data=mode, actions=actions,
                                         actions_enabled=enabled), {CPU: samples}, DAY, DAY + 60 * (len(values) + 8))
    transitions = result.timeline.transitions
    assert all(t.previous != t.state for t in transitions)
    assert all(a.state == b.previous for a, b in zip(transitions, transitions[1:]))
    expected = [(t.time, t.state, actions.for_state(t.state)) for t in transitions]
    sent = [(x.time, x.state, x.actions) for x in result.notifications]
    held = [(x.time, x.state, x.actions) for x in result.suppressed]
    assert (sent, held) == ((expected, []) if enabled else ([], expected))
