"""The evaluation range, M of N and TreatMissingData, as the CloudWatch documentation describes them.

Source of the tables: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
("How alarm state is evaluated when data is missing"): datapoints oldest first, 0 not breaching,
X breaching, - missing; evaluation range 5, Evaluation Periods 3.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obsgen.evaluator import ALARM, INSUFFICIENT_DATA, OK, AlarmSpec, Metric, Options, Samples, evaluate_metric_alarm
from obsgen.evaluator.missing_data import BREACHING, GOOD, LOW, MISSING, decide

KEEP = "keep the current state"
MODES = ("missing", "ignore", "breaching", "notBreaching")
CODES = {"0": GOOD, "X": BREACHING, "-": MISSING}


def codes(pattern: str) -> tuple[int, ...]:
    return tuple(CODES[c] for c in pattern.split())


def outcome(pattern: str, m: int, mode: str, n: int = 3) -> str:
    state = decide(codes(pattern), n, m, mode).state
    return KEEP if state is None else state


# The two tables, one row per line: datapoints, then MISSING, IGNORE, BREACHING, NOT BREACHING.
THREE_OF_THREE = [
    ("0 - X - X", OK, OK, OK, OK),
    ("0 - - - -", OK, OK, OK, OK),
    ("- - - - -", INSUFFICIENT_DATA, KEEP, ALARM, OK),
    ("0 X X - X", ALARM, ALARM, ALARM, ALARM),
    ("- - X - -", ALARM, KEEP, ALARM, OK),
]
TWO_OF_THREE = [
    ("0 - X - X", ALARM, ALARM, ALARM, ALARM),
    ("0 0 X 0 X", ALARM, ALARM, ALARM, ALARM),
    ("0 - X - -", OK, OK, ALARM, OK),
    ("- - - - 0", OK, OK, ALARM, OK),
    ("- - - X -", ALARM, KEEP, ALARM, OK),
]


@pytest.mark.parametrize("row", THREE_OF_THREE, ids=[r[0] for r in THREE_OF_THREE])
@pytest.mark.parametrize("mode", MODES)
def test_each_row_of_the_3_of_3_table_gives_the_documented_state(row, mode):
    """alarms-and-missing-data.html, first table (Datapoints to Alarm and Evaluation Periods both 3)."""
    pattern, *expected = row
    assert outcome(pattern, 3, mode) == expected[MODES.index(mode)]


@pytest.mark.parametrize("row", TWO_OF_THREE, ids=[r[0] for r in TWO_OF_THREE])
@pytest.mark.parametrize("mode", MODES)
def test_each_row_of_the_2_of_3_table_gives_the_documented_state(row, mode):
    """alarms-and-missing-data.html, second table (an M out of N alarm: 2 of 3)."""
    pattern, *expected = row
    assert outcome(pattern, 2, mode) == expected[MODES.index(mode)]


@pytest.mark.parametrize("pattern", ["- - - - X", "- - - X -"])
def test_a_recent_lone_breach_does_not_alarm_prematurely(pattern):
    """alarms-and-missing-data.html, "Avoiding premature transitions to alarm state": with 3 datapoints
    to alarm, `- - - - X` and `- - - X -` do not go immediately into ALARM."""
    assert outcome(pattern, 3, "missing") != ALARM


def test_a_lone_breach_old_enough_alarms_even_when_missing_data_is_missing():
    """alarms-and-missing-data.html: "if the last few data points are - - X - -, the alarm goes into
    ALARM state even if missing data points are treated as missing"; AWS knowledge center
    cloudwatch-alarm-single-data-point: the same with one breaching datapoint and the rest missing."""
    assert outcome("- - X - -", 3, "missing") == ALARM
    assert outcome("X - - - -", 3, "missing") == ALARM  # older still, within the evaluation range


def test_the_datapoints_needed_come_from_farther_back_when_recent_ones_are_missing():
    """alarms-and-missing-data.html: with enough real datapoints in the range, "CloudWatch evaluates the
    alarm state based on the most recent real data points ... including the necessary extra data
    points from farther back" and the missing-data setting is not used."""
    for mode in MODES:
        assert outcome("X X - X -", 3, mode) == ALARM
        assert outcome("0 X - X -", 3, mode) == OK


@given(st.lists(st.sampled_from([GOOD, BREACHING]), min_size=1, max_size=12), st.data())
def test_with_no_missing_data_m_of_n_counts_breaches_among_the_n_most_recent(points, data):
    """alarm-evaluation.html: Datapoints to Alarm "must be breaching to cause the alarm to go to the ALARM
    state. The breaching data points don't have to be consecutive, but they must all be within the
    last number of data points equal to Evaluation Period"."""
    n = data.draw(st.integers(1, len(points)))
    m = data.draw(st.integers(1, n))
    mode = data.draw(st.sampled_from(MODES))
    expected = ALARM if points[-n:].count(BREACHING) >= m else OK
    assert decide(tuple(points), n, m, mode).state == expected


@given(st.lists(st.sampled_from([GOOD, BREACHING, MISSING]), min_size=1, max_size=12), st.data())
def test_missing_data_never_outweighs_enough_real_datapoints(points, data):
    """alarms-and-missing-data.html: with at least N real datapoints in the range, the missing-data
    setting "is not needed and is ignored": every mode gives the same state."""
    n = data.draw(st.integers(1, 6))
    m = data.draw(st.integers(1, n))
    real = [p for p in points if p != MISSING]
    states = {decide(tuple(points), n, m, mode).state for mode in MODES}
    if len(real) >= n:
        assert states == {ALARM if real[-n:].count(BREACHING) >= m else OK}


@given(st.lists(st.sampled_from([GOOD, BREACHING, MISSING]), min_size=3, max_size=8), st.data())
def test_breaching_fills_only_the_datapoints_that_are_needed(points, data):
    """alarms-and-missing-data.html: missing datapoints are filled "with the result you specified ... CloudWatch
    uses missing data points only as few times as possible": breaching adds N - real breaches, not more."""
    n = data.draw(st.integers(1, len(points)))
    m = data.draw(st.integers(1, n))
    real = [p for p in points if p != MISSING]
    if real and len(real) < n:
        expected = ALARM if real.count(BREACHING) + (n - len(real)) >= m else OK
        assert decide(tuple(points), n, m, "breaching").state == expected
        expected = ALARM if real.count(BREACHING) >= m else OK
        assert decide(tuple(points), n, m, "notBreaching").state == expected


@given(st.integers(1, 8), st.data())
def test_a_range_with_no_datapoint_follows_the_missing_data_setting(n, data):
    """alarms-and-missing-data.html: notBreaching "good", breaching "bad", ignore "The current alarm state is
    maintained", missing "If all data points in the alarm evaluation range are missing, the alarm
    transitions to INSUFFICIENT_DATA"."""
    m = data.draw(st.integers(1, n))
    empty = (MISSING,) * (n + 2)
    assert [decide(empty, n, m, mode).state for mode in MODES] == [INSUFFICIENT_DATA, None, ALARM, OK]


def test_a_low_sample_percentile_keeps_the_state_only_when_told_to_ignore():
    """percentiles-with-low-samples.html and PutMetricAlarm EvaluateLowSampleCountPercentile: `ignore` means "the
    alarm state does not change during periods with too few data points"; `evaluate` (the default)
    evaluates anyway."""
    flagged = (GOOD, BREACHING | LOW, BREACHING)
    assert decide(flagged, 2, 2, "missing", ignore_low_samples=False).state == ALARM
    assert decide(flagged, 2, 2, "missing", ignore_low_samples=True).state is None
    assert decide((GOOD | LOW, BREACHING, BREACHING), 2, 2, "missing", ignore_low_samples=True).state == ALARM


# --- the same rules end to end, from raw datapoints ---------------------------------------------------

METRIC = Metric.of("Test", "Value")
T = 1_700_000_040  # a minute boundary


def samples_for(pattern: str, tick: int, period: int = 60) -> Samples:
    """One datapoint per window of the evaluation range read at `tick`: 10 for X, 0 for 0."""
    windows = pattern.split()
    points = []
    for age, symbol in enumerate(reversed(windows)):
        start = tick - (age + 1) * period
        if symbol != "-":
            points.append((start + 1, 10.0 if symbol == "X" else 0.0))
    return Samples(points)


@pytest.mark.parametrize("row", TWO_OF_THREE, ids=[r[0] for r in TWO_OF_THREE])
@pytest.mark.parametrize("mode", MODES)
def test_the_2_of_3_table_holds_end_to_end_from_raw_datapoints(row, mode):
    """alarms-and-missing-data.html, second table, evaluated from datapoints at the minute the range is the row
    (a 60 s period, evaluated every minute; alarm-evaluation.html). A kept state is the state of the
    evaluation a minute earlier."""
    pattern, *expected = row
    spec = AlarmSpec("a", "GreaterThanThreshold", 5, evaluation_periods=3, datapoints_to_alarm=2,
                     treat_missing_data=mode, metric=METRIC, statistic="Maximum", period=60)
    result = evaluate_metric_alarm(spec, {METRIC: samples_for(pattern, T)}, T - 600, T)
    want = expected[MODES.index(mode)]
    if want == KEEP:
        want = result.timeline.state_at(T - 60)
    assert result.timeline.state_at(T) == want


def test_the_evaluation_range_can_be_set_when_the_default_is_not_what_aws_uses():
    """alarms-and-missing-data.html: the range "depends on the length of the alarm period and whether it is based
    on a metric with standard resolution or high resolution"; its one example is 5 for 3 periods
    (the default, N + 2). With a range of 3 the lone old breach is out of reach."""
    spec = AlarmSpec("a", "GreaterThanThreshold", 5, evaluation_periods=3, metric=METRIC, statistic="Maximum", period=60)
    data = {METRIC: samples_for("X - - - -", T)}
    assert evaluate_metric_alarm(spec, data, T, T).timeline.state_at(T) == ALARM
    narrow = evaluate_metric_alarm(spec, data, T, T, Options(evaluation_range=3))
    assert narrow.timeline.state_at(T) == INSUFFICIENT_DATA


def test_dynamodb_alarms_apply_missing_as_ignore():
    """alarms-and-missing-data.html: alarms on AWS/DynamoDB metrics ignore missing data by default (API_PutMetricAlarm:
    they "remain in their current state"); an explicit notBreaching is kept (AWS Support, quoted in
    github.com/justeattakeaway/AwsWatchman/pull/265: "missing" ... "will overwrite to "ignore"")."""
    table = Metric.of("AWS/DynamoDB", "ReadThrottleEvents", {"TableName": "t"})
    points = Samples([(T - 3600 + 1, 10.0)])  # one breach, an hour ago, then nothing
    common = dict(comparison="GreaterThanThreshold", threshold=5, evaluation_periods=1, metric=table,
                  statistic="Sum", period=60)
    missing = evaluate_metric_alarm(AlarmSpec("d", treat_missing_data="missing", **common), {table: points}, T - 3600, T)
    assert missing.timeline.state_at(T) == ALARM and missing.notes
    explicit = evaluate_metric_alarm(AlarmSpec("d", treat_missing_data="notBreaching", **common), {table: points}, T - 3600, T)
    assert explicit.timeline.state_at(T) == OK and not explicit.notes
    aws_rule_off = evaluate_metric_alarm(AlarmSpec("d", treat_missing_data="missing", **common), {table: points},
                                         T - 3600, T, Options(dynamodb_missing_is_ignore=False))
    assert aws_rule_off.timeline.state_at(T) == INSUFFICIENT_DATA


@pytest.mark.parametrize("percentile,needed", [("p99", 1000), ("p90", 100), ("p50", 20), ("p10", 100), ("p99.9", 10000)])
def test_percentiles_count_as_low_sample_below_ten_over_the_tail(percentile, needed):
    """percentiles-with-low-samples.html: the setting is used "when there are fewer than 10/(1-percentile) data
    points" for percentiles from 0.5 up, "fewer than 10/percentile" below 0.5 ("fewer than 1000
    samples for an alarm on a p99 percentile")."""
    from obsgen.evaluator.statistics import parse

    assert parse(percentile).low_sample_threshold() == needed
    assert parse("p100").low_sample_threshold() is None and parse("tm99").low_sample_threshold() is None


def test_a_p99_alarm_that_ignores_low_samples_waits_for_a_thousand_samples():
    """percentiles-with-low-samples.html: "have the alarm ignore the metric while the sample size is low, and wait
    to evaluate it until there is enough data". 999 samples a minute: no state; 1,000: evaluated."""
    def spec(setting):
        return AlarmSpec("p", "GreaterThanThreshold", 100, evaluation_periods=1, metric=METRIC, statistic="p99",
                         period=60, evaluate_low_sample_count_percentile=setting)

    few = Samples([(T - 60 + i * 0.05, 500.0) for i in range(999)])
    enough = Samples([(T - 60 + i * 0.05, 500.0) for i in range(1000)])
    assert evaluate_metric_alarm(spec("ignore"), {METRIC: few}, T, T).timeline.state_at(T) == INSUFFICIENT_DATA
    assert evaluate_metric_alarm(spec("evaluate"), {METRIC: few}, T, T).timeline.state_at(T) == ALARM
    assert evaluate_metric_alarm(spec("ignore"), {METRIC: enough}, T, T).timeline.state_at(T) == ALARM
