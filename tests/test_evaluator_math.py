"""Metric math: syntax, the rules for missing and mismatched timestamps, functions, math alarms.

Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
("Metric math syntax and functions", "Using IF expressions"), quoted as "the syntax page".
`-` / None is a timestamp with no datapoint.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obsgen.evaluator import (
    ALARM, INSUFFICIENT_DATA, OK, AlarmSpec, EvaluationError, ExpressionQuery, MathSyntaxError, Metric, MetricQuery,
    Options, Samples, Unsupported, evaluate_metric_alarm,
)
from obsgen.evaluator.math_eval import MetricInput, Program
from obsgen.evaluator.math_parser import parse

_ = None


def run(expression: str, period: int = 60, arithmetic_missing: str = "zero", **series):
    size = max((len(v) for v in series.values()), default=1)
    program = Program([MetricInput(k, period) for k in series], {"e": expression}, "e", arithmetic_missing)
    return program.run([i * period for i in range(size)], {k: list(v) for k, v in series.items()})


# --- the rules for missing and mismatched timestamps ------------------------------------------------


def test_arithmetic_between_series_treats_a_missing_value_as_zero():
    """Syntax page, basic arithmetic: "Missing values in a time series are treated as 0"; a timestamp
    neither series has stays empty."""
    assert run("m1 + m2", m1=[1, 2, _, _], m2=[10, _, 30, _]) == [11, 2, 30, _]
    assert run("m1 - m2", m1=[1, 2, _], m2=[10, _, 30]) == [-9, 2, -30]


def test_mismatched_timestamps_can_be_dropped_instead_when_chosen():
    """Options.arithmetic_missing="drop": only timestamps present in both series (not the documented rule;
    docs/alarm-evaluation.md says why it exists)."""
    assert run("m1 + m2", arithmetic_missing="drop", m1=[1, 2, _, _], m2=[10, _, 30, _]) == [11, _, _, _]


def test_division_by_zero_drops_the_datapoint():
    """Syntax page: "If the value of a data point causes a function to attempt to divide by zero, the data
    point is dropped" -- including a missing divisor counted as 0."""
    assert run("100 * errors / requests", errors=[1, 0, 3, 2], requests=[10, 0, _, 4]) == [10, _, _, 50]


def test_a_scalar_with_a_series_applies_to_each_datapoint():
    """Syntax page: arithmetic takes "TS S" (examples "5 * m1", "PERIOD(m1)/60"); gaps stay gaps."""
    assert run("5 * m1 + 1", m1=[1, _, 3]) == [6, _, 16]
    assert run("m1 / PERIOD(m1)", period=300, m1=[600, _]) == [2, _]
    assert run("-m1", m1=[2, _]) == [-2, _]


def test_the_comparison_examples_of_the_syntax_page():
    """Syntax page, "Comparison and logical operators": metric1 = [30, 20, 0, 0], metric2 = [20, -, 20, -]
    gives (metric1 < metric2) 0,0,1,0; (metric1 >= 30) 1,0,0,0; (metric1 > 15 AND metric2 > 15)
    1,0,0,0 -- "the function treats the missing value in the other time series as 0"."""
    series = dict(metric1=[30, 20, 0, 0], metric2=[20, _, 20, _])
    assert run("(metric1 < metric2)", **series) == [0, 0, 1, 0]
    assert run("(metric1 >= 30)", **series) == [1, 0, 0, 0]
    assert run("(metric1 > 15 AND metric2 > 15)", **series) == [1, 0, 0, 0]
    assert run("metric1 > 15 && metric2 > 15", **series) == [1, 0, 0, 0]
    assert run("metric1 > 25 || metric2 > 25", **series) == [1, 0, 0, 0]


IF_INPUTS = dict(metric1=[1, 1, 0, 0, _], metric2=[30, _, 0, 0, 30], metric3=[0, 0, 20, _, 20])


@pytest.mark.parametrize("expression,expected", [
    ("IF(metric1, metric2, metric3)", [30, 0, 20, _, _]),
    ("IF(metric1, 5, metric3)", [5, 5, 20, _, _]),
    ("IF(metric1, metric2, 5)", [30, 0, 5, 5, _]),
    ("IF(metric1, metric2)", [30, 0, _, _, _]),
])
def test_the_if_tables_of_the_syntax_page(expression, expected):
    """Syntax page, "Using IF expressions": the three example tables (and a false value omitted: "dropped")."""
    assert run(expression, **IF_INPUTS) == expected


def test_if_with_a_comparison_filters_a_series():
    """Syntax page: "IF(metric1<400, metric1)" displays only the low values; "IF(latency>threshold, 1, 0)"."""
    assert run("IF(m1 < 400, m1)", m1=[100, 500, _, 300]) == [100, _, _, 300]
    assert run("IF(m1 > 400, 1, 0)", m1=[100, 500, _, 300]) == [0, 1, _, 0]
    assert run("IF(1, m1, m2)", m1=[1, _], m2=[2, 3]) == [1, _]
    assert run("IF(0, m1)", m1=[1, 2]) == [_, _]


# --- functions ------------------------------------------------------------------------------------


def test_fill_with_a_value_a_metric_repeat_or_linear():
    """Syntax page, FILL: "Fills the missing values of a time series" with a value, a metric, REPEAT (the most
    recent value before the gap) or LINEAR (interpolated across the gap); edges without a value
    on the needed side stay empty (the page is silent about them)."""
    m1 = [_, 2, _, _, 8, _]
    assert run("FILL(m1, 0)", m1=m1) == [0, 2, 0, 0, 8, 0]
    assert run("FILL(m1, m2)", m1=m1, m2=[1, 1, 1, _, 1, 1]) == [1, 2, 1, _, 8, 1]
    assert run("FILL(m1, REPEAT)", m1=m1) == [_, 2, 2, 2, 8, 8]
    assert run("FILL(m1, LINEAR)", m1=m1) == [_, 2, 4, 6, 8, _]


def test_fill_of_an_array_fills_each_series():
    """Syntax page: "FILL(METRICS(), 0)" fills every metric of the request."""
    program = Program([MetricInput("m1", 60), MetricInput("m2", 60)], {"e": "SUM(FILL(METRICS(), 0))"}, "e")
    assert program.run([0, 60], {"m1": [_, 1], "m2": [2, _]}) == [2, 1]


def test_rate_diff_diff_time_and_running_sum_use_the_previous_datapoint():
    """Syntax page: RATE "the difference between the latest data point value and the previous data point value,
    divided by the time difference in seconds"; DIFF the difference; DIFF_TIME "the difference in
    seconds between the timestamp of each value ... and the timestamp of the preceding value";
    RUNNING_SUM the running sum. The first datapoint has no predecessor: no datapoint."""
    m1 = [10, _, 40, 70, _]
    assert run("RATE(m1)", m1=m1) == [_, _, 0.25, 0.5, _]
    assert run("DIFF(m1)", m1=m1) == [_, _, 30, 30, _]
    assert run("DIFF_TIME(m1)", m1=m1) == [_, _, 120, 60, _]
    assert run("RUNNING_SUM(m1)", m1=m1) == [10, _, 50, 120, _]


def test_pointwise_functions_drop_what_has_no_finite_value():
    """Syntax page: ABS, CEIL, FLOOR, LOG, LOG10 of each value; SQRT as asked by obsgen's users (it is not in
    the page's table as read; docs/alarm-evaluation.md). LOG of 0 and SQRT of a negative have no value."""
    assert run("ABS(m1)", m1=[-2, _]) == [2, _]
    assert run("CEIL(m1)", m1=[1.2, -1.2]) == [2, -1]
    assert run("FLOOR(m1)", m1=[1.8, -1.2]) == [1, -2]
    assert run("LOG10(m1)", m1=[100, 0]) == [2, _]
    assert run("LOG(m1)", m1=[math.e, -1]) == [pytest.approx(1), _]
    assert run("SQRT(m1)", m1=[9, -9]) == [3, _]
    assert run("m1 ^ 0.5", m1=[-8, 4]) == [_, 2]


def test_functions_over_an_array_give_a_series():
    """Syntax page: "The SUM of an array of time series returns a single time series"; for AVG "Missing values are
    treated as 0"; METRICS("errors") keeps "the graphed metrics that contain that string in their Id"."""
    series = dict(errors_a=[1, _, 3], errors_b=[3, 4, _], requests=[100, 100, 100])
    assert run("SUM(METRICS(\"errors\"))", **series) == [4, 4, 3]
    assert run("AVG([errors_a, errors_b])", **series) == [2, 2, 1.5]
    assert run("MAX(METRICS('errors'))", **series) == [3, 4, 3]
    assert run("MIN([errors_a, errors_b])", **series) == [1, 4, 3]
    assert run("STDDEV([errors_a, errors_b])", **series) == [1, 0, 0]
    assert run("SUM(METRICS()) / METRIC_COUNT(METRICS())", **series) == [104 / 3, 104 / 3, 103 / 3]
    assert run("SUM([METRICS(\"errors_a\"), METRICS(\"requests\")])", **series) == [101, 100, 103]
    assert run("100 * SUM(METRICS(\"errors\")) / requests", **series) == [4, 4, 3]
    assert run("FIRST(METRICS()) + LAST(METRICS())", **series) == [101, 100, 103]
    assert run("DATAPOINT_COUNT(METRICS(\"errors\"))", **series) == [2, 1, 1]


def test_functions_of_one_series_give_a_scalar_over_the_periods_read():
    """Syntax page: "The AVG of a single time series returns a scalar representing the average of all the data
    points", usable as "m1 - AVG(m1)"; DATAPOINT_COUNT exists "for calculating averages of sparse
    metrics", so AVG counts a missing value as 0 while SUM(m1)/DATAPOINT_COUNT(m1) does not."""
    m1 = [2, _, 4, 6]
    assert run("m1 - AVG(m1)", m1=m1) == [-1, _, 1, 3]
    assert run("m1 * 0 + SUM(m1) / DATAPOINT_COUNT(m1)", m1=m1) == [4, _, 4, 4]
    assert run("m1 - MIN(m1) + MAX(m1)", m1=m1) == [6, _, 8, 10]


def test_array_arithmetic_applies_to_each_series():
    """Syntax page: "METRICS()*100 returns an array of time series"; "SUM(-[m1, m2])"; "SUM(100/[m1, m2])"."""
    assert run("SUM(METRICS() * 100)", m1=[1, _], m2=[2, 3]) == [300, 300]
    assert run("SUM(-[m1, m2])", m1=[1, _], m2=[2, 3]) == [-3, -3]
    assert run("SUM(100 / [m1, m2])", m1=[1, 0], m2=[2, 4]) == [150, 25]
    assert run("REMOVE_EMPTY(METRICS())", m1=[_, _], m2=[2, 3]) == [2, 3]


@pytest.mark.parametrize("expression,expected", [
    ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("-2 ^ 2", -4), ("2 ^ 3 ^ 2", 512), ("2 ^ -1", 0.5),
    ("1 + 1 == 2", 1), ("1 < 2 AND 2 < 1 OR 3 > 2", 1), ("1 < 2 AND (2 < 1 OR 3 < 2)", 0), ("6 / 2 / 3", 1),
    ("1e3 / 10", 100), (".5 * 4", 2),
])
def test_operator_precedence_is_the_usual_one(expression, expected):
    """The syntax page gives no precedence; the evaluator uses the usual one (docs/alarm-evaluation.md)."""
    assert run(f"m1 * 0 + ({expression})", m1=[1]) == [expected]


@pytest.mark.parametrize("function", ["ANOMALY_DETECTION_BAND", "SEARCH", "SERVICE_QUOTA", "INSIGHT_RULE_METRIC",
                                      "LAMBDA", "HOUR", "DAY", "SORT", "TIME_SERIES", "SOMETHING_NEW"])
def test_functions_it_cannot_evaluate_faithfully_are_named_not_guessed(function):
    """Issue 16: "anything it cannot evaluate faithfully ... is an explicit unsupported error naming the function"."""
    with pytest.raises(Unsupported) as info:
        parse(f"{function}(m1)")
    assert info.value.construct == function


def test_a_metrics_insights_query_is_unsupported():
    """Create_Metrics_Insights_Alarm.html: an alarm can watch a Metrics Insights SELECT, which runs over the
    account's metrics; the evaluator has none."""
    with pytest.raises(Unsupported, match="SELECT"):
        parse("SELECT AVG(CPUUtilization) FROM SCHEMA(\"AWS/EC2\", InstanceId)")


@pytest.mark.parametrize("text,offset", [("m1 +", 4), ("m1 + * 2", 5), ("(m1", 3), ("m1 $ 2", 3), ("Avg(m1)", 0),
                                         ("m1 m2", 3)])
def test_syntax_errors_point_at_the_character(text, offset):
    """Syntax page: "All functions must be written in uppercase letters", ids "must start with a lowercase letter";
    an error names the character it stops at."""
    with pytest.raises(MathSyntaxError) as info:
        parse(text)
    assert info.value.offset == offset


@pytest.mark.parametrize("expression,message", [
    ("AVG(m1)", "time series"), ("m9 + 1", "unknown id"), ("METRICS() + METRICS()", "two arrays"),
    ("PERIOD(m1 + 1)", "PERIOD"), ("ABS(m1, m1)", "ABS is given 2 arguments"), ("RATE()", "RATE is given 0"),
    ("FILL(m1)", "FILL takes 2 arguments"), ("FILL(m1, 0, 1)", "FILL is given 3"), ("IF(m1)", "IF is given 1"),
    ('METRICS(m1) + m1', "argument 1 of METRICS is a time series, not a string"),
])
def test_expressions_cloudwatch_would_refuse_are_errors(expression, message):
    """Syntax page: "The final result of any math expression must be a single time series or an array of time
    series"; PERIOD's "Valid input is metrics, not the results of other expressions"."""
    with pytest.raises(EvaluationError, match=message):
        Program([MetricInput("m1", 60)], {"e": expression}, "e")


@pytest.mark.parametrize("expression", ["m1 * ABS(-2)", "FIRST(m1)", "FILL(m1, METRICS())", "IF(METRICS() > 1, 1, 0)"])
def test_arguments_the_function_table_does_not_list_are_unsupported(expression):
    """The evaluator reads the table validate uses (obsgen/metric_math_functions.py): a number or series in a
    shape the syntax page does not list is not refused by AWS as far as anyone knows, so it is not an
    EvaluationError; the evaluator does not guess what AWS makes of it either."""
    with pytest.raises(Unsupported, match="CloudWatch's function table lists no other"):
        Program([MetricInput("m1", 60)], {"e": expression}, "e")


def test_expressions_may_use_other_expressions_but_not_themselves():
    """API_MetricDataQuery.html: an Expression may refer to the Id of other queries, metrics or expressions."""
    program = Program([MetricInput("m1", 60)], {"e1": "m1 * 2", "e2": "e1 + 1"}, "e2")
    assert program.run([0], {"m1": [3.0]}) == [7]
    with pytest.raises(EvaluationError, match="itself"):
        Program([MetricInput("m1", 60)], {"e1": "e2 + 1", "e2": "e1 * 2"}, "e1")


series_values = st.lists(st.one_of(st.none(), st.integers(-50, 50).map(float)), min_size=1, max_size=12)


@given(series_values, series_values, st.sampled_from(["+", "-", "*", "/", ">", "<=", "==", "AND", "OR"]))
def test_binary_operators_match_a_direct_reading_of_the_rules(a, b, op):
    """Syntax page: for two series, a timestamp present in either is computed with the other's missing value as 0;
    division by zero drops the datapoint; comparisons and logical operators give 0 or 1."""
    size = min(len(a), len(b))
    a, b = a[:size], b[:size]
    got = run(f"m1 {op} m2", m1=a, m2=b)
    expected = []
    for x, y in zip(a, b):
        if x is None and y is None:
            expected.append(None)
            continue
        x, y = x or 0.0, y or 0.0
        if op == "/":
            expected.append(None if y == 0 else x / y)
        elif op in ("AND", "OR"):
            expected.append(float((x != 0 and y != 0) if op == "AND" else (x != 0 or y != 0)))
        else:
            expected.append(float(eval(f"x {op} y")) if op in (">", "<=", "==") else eval(f"x {op} y"))
    assert got == expected


# --- math alarms end to end -----------------------------------------------------------------------

T = 1_700_000_040
ERRORS, REQUESTS = Metric.of("App", "Errors"), Metric.of("App", "Requests")


def error_rate_alarm(expression: str, missing: str = "missing", **kw) -> AlarmSpec:
    return AlarmSpec("error-rate", "GreaterThanThreshold", 5, evaluation_periods=1, treat_missing_data=missing,
                     queries=(MetricQuery("errors", ERRORS, "Sum", 60), MetricQuery("requests", REQUESTS, "Sum", 60),
                              ExpressionQuery("rate", expression)), **kw)


def per_minute(values, start=T - 600):
    return Samples([(start + i * 60 + 1, v) for i, v in enumerate(values) if v is not None])


def test_an_error_rate_that_divides_by_zero_at_night_follows_missing_data():
    """A quiet night: requests 0, so 100*errors/requests has no datapoint ("the data point is dropped") and the
    alarm follows TreatMissingData: INSUFFICIENT_DATA when missing, OK when notBreaching."""
    data = {ERRORS: per_minute([1] * 5 + [0] * 5), REQUESTS: per_minute([10] * 5 + [0] * 5)}
    night = evaluate_metric_alarm(error_rate_alarm("100 * errors / requests"), data, T - 600, T)
    assert night.timeline.state_at(T - 300) == ALARM
    assert night.timeline.state_at(T) == INSUFFICIENT_DATA
    calm = evaluate_metric_alarm(error_rate_alarm("100 * errors / requests", "notBreaching"), data, T - 600, T)
    assert calm.timeline.state_at(T) == OK


def test_errors_that_are_not_reported_count_as_zero_errors():
    """Lambda reports Errors only when there are some; the arithmetic counts the missing value as 0, so the rate is
    0 (not missing) while requests flow."""
    data = {ERRORS: per_minute([_] * 10), REQUESTS: per_minute([10] * 10)}
    result = evaluate_metric_alarm(error_rate_alarm("100 * errors / requests"), data, T - 300, T)
    assert result.timeline.state_at(T) == OK


def test_fill_repeat_keeps_an_alarm_until_the_last_value_leaves_the_range():
    """Syntax page, FILL: "the most recent minute never has data ... FILL replaces that missing data point with the
    requested value ... which can result in the alarm being stuck"; with REPEAT the value repeats as
    long as a real one is in the periods fetched (the evaluation range, 3 periods here)."""
    spec = AlarmSpec("r", "GreaterThanThreshold", 5, evaluation_periods=1,
                     queries=(MetricQuery("m1", ERRORS, "Maximum", 60), ExpressionQuery("e", "FILL(m1, REPEAT)")))
    data = {ERRORS: per_minute([10] * 5 + [_] * 5)}  # last value in the minute ending T - 300
    result = evaluate_metric_alarm(spec, data, T - 600, T)
    assert result.timeline.state_at(T - 180) == ALARM  # the value 2 minutes old still repeats
    assert result.timeline.state_at(T - 120) == INSUFFICIENT_DATA  # it has left the 3-period range


def test_rate_is_computed_over_the_periods_each_evaluation_fetches():
    """Syntax page, RATE: the difference with the previous datapoint; the oldest period fetched has none. A
    counter growing 120 a minute is 2/s; one datapoint alone in the range gives no rate."""
    spec = AlarmSpec("rate", "GreaterThanThreshold", 1, evaluation_periods=1,
                     queries=(MetricQuery("m1", ERRORS, "Maximum", 60), ExpressionQuery("e", "RATE(m1)")))
    counter = per_minute([0, 120, 240, 360, _, _, _, _, 480, _])
    result = evaluate_metric_alarm(spec, {ERRORS: counter}, T - 540, T, Options(record_evaluations=True))
    assert result.timeline.state_at(T - 360) == ALARM
    late = [e for e in result.evaluations if e.time == T - 60][0]
    assert [v for _, v in late.datapoints] == [None, None, None]  # 480 alone in its range: no rate


def test_an_anomaly_detection_alarm_is_unsupported():
    """Create_Anomaly_Detection_Alarm.html: the alarm compares the metric with ANOMALY_DETECTION_BAND through
    ThresholdMetricId; the band is CloudWatch's trained model."""
    spec = AlarmSpec("band", "LessThanLowerOrGreaterThanUpperThreshold", None, evaluation_periods=1,
                     threshold_metric_id="band",
                     queries=(MetricQuery("m1", ERRORS, "Average", 60), ExpressionQuery("band", "ANOMALY_DETECTION_BAND(m1, 2)")))
    with pytest.raises(Unsupported, match="ANOMALY_DETECTION_BAND"):
        evaluate_metric_alarm(spec, {}, T - 60, T)


def test_a_math_alarm_whose_metrics_have_different_periods_is_refused():
    """AlarmThatSendsEmail.html, alarms on math expressions: "Each metric must be using the same period"."""
    spec = AlarmSpec("mixed", "GreaterThanThreshold", 1, evaluation_periods=1,
                     queries=(MetricQuery("a", ERRORS, "Sum", 60), MetricQuery("b", REQUESTS, "Sum", 300),
                              ExpressionQuery("e", "a + b")))
    with pytest.raises(EvaluationError, match="one period"):
        evaluate_metric_alarm(spec, {}, T - 60, T)
