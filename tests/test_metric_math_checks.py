"""`validate`'s checks of a metric-math expression (resolve/math_ids.py over obsgen/metric_math.py): a
malformed expression is an error at its character, a function AWS does not list a warning, and every
expression AWS documents passes untouched.

Source of the valid corpus: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
("Metric math syntax and functions": every example of the function table and of "Using IF expressions"),
and the Performance Insights example of DB_PERF_INSIGHTS.
"""

from __future__ import annotations

import pytest

from obsgen.metric_math import check
from obsgen.resolve.math_ids import FUNCTIONS, expression_problems

# Each example of AWS's table, as written there (ids m1, m2, m3, metric1..3, latency, threshold).
DOCUMENTED = [
    "5 * m1", "m1 - m2", "SUM(100/[m1, m2])", "AVG([m1,m2]/m3)", "METRICS()*100", "-5*m1", "-m1",
    "SUM(-[m1, m2])", "(metric1 < metric2)", "(metric1 >= 30)", "(metric1 > 15 AND metric2 > 15)",
    "ABS(m1-m2)", "MIN(ABS([m1, m2]))", "ABS(METRICS())", "ANOMALY_DETECTION_BAND(m1)", "ANOMALY_DETECTION_BAND(m1,4)",
    "SUM([m1,m2])/AVG(m2)", "AVG(METRICS())", "CEIL(m1)", "CEIL(METRICS())", "SUM(CEIL(METRICS()))",
    "SUM(m1) / DATAPOINT_COUNT(m1)", "DATAPOINT_COUNT(METRICS())", "DIFF(m1)", "DIFF_TIME(METRICS())",
    "FILL(m1,10)", "FILL(METRICS(), 0)", "FILL(METRICS(), m1)", "FILL(m1, MIN(m1))", "FILL(m1, REPEAT)",
    "FILL(METRICS(), LINEAR)", "IF(FIRST(SORT(METRICS(), AVG, DESC))>100, 1, 0)", "LAST(ANOMALY_DETECTION_BAND(m1))",
    "FLOOR(m1)", "FLOOR(METRICS())", "LOG(METRICS())", "LOG10(m1)", "MAX(m1)/m1", "MAX(METRICS())",
    "m1/METRIC_COUNT(METRICS())", "AVG(METRICS())", 'SUM(METRICS("errors"))', 'SUM([METRICS("4xx"), METRICS("5xx")])',
    "m1-MIN(m1)", "MIN(METRICS())", "MINUTE(m1)", "IF(DAY(m1)<6,m1)", "IF(MONTH(m1) == 4,m1)",
    "RATE(m1)", "RATE(METRICS())", "REMOVE_EMPTY(METRICS())", "RUNNING_SUM([m1,m2])",
    "SLICE(SORT(METRICS(), SUM, DESC), 0, 10)", "SLICE(SORT(METRICS(), AVG, ASC), 5)",
    "SORT(METRICS(), AVG, DESC, 10)", "SORT(METRICS(), MAX, ASC)", "m1/STDDEV(m1)", "STDDEV(METRICS())",
    "SUM(METRICS())/SUM(m1)", 'SUM(METRICS("errors"))/SUM(METRICS("requests"))*100',
    "TIME_SERIES(MAX(m1))", "TIME_SERIES(5*AVG(m1))", "TIME_SERIES(10)",
    "IF(metric1, metric2, metric3)", "IF(metric1<400, metric1)", "IF(metric1<400, 10, 2)", "IF(latency>threshold, 1, 0)",
    "SEARCH('{AWS/EC2,InstanceId} MetricName=\"CPUUtilization\"', 'Average', 300)",
    "SERVICE_QUOTA(m1)", "DB_PERF_INSIGHTS('RDS', 'db-ABCDEFGHIJKLMNOPQRSTUVWXY1', 'os.cpuUtilization.user.avg')",
    "DB_PERF_INSIGHTS('RDS', 'db-1', ['db.SQL.queries_started.avg', 'db.Transactions.xact_commit.avg'])",
    # Alarm expressions quoted in aws/aws-cdk#32221 and localstack/localstack#8887 (accepted by CloudWatch there).
    'TIME_SERIES(0) + ((INSIGHT_RULE_METRIC("testrulename", "MaxContributorValue") / m1) * 100)',
    "IF(HOUR(m1) > 19 OR HOUR(m1) < 2, m1)",
    "m1 || m2", "m1 && m2", "m1 != m2", "m1 ^ 2", "2 ^ -1", "1.5e3 * m1",
    # CloudWatch_MultiDataSources-Custom-Use.html ("How to pass arguments to your Lambda function").
    'LAMBDA("AmazonOpenSearchDataSource", "MyDomain", "some-query")', 'LAMBDA("MyCustomDataSource", true, "fuzzy", 99.9)',
    'FILL(LAMBDA("AmazonOpenSearchDataSource", "MyDomain", "some-query"), 0)',
]
# PERIOD's examples: "Valid input is metrics, not the results of other expressions", so m1 is a metric there.
DOCUMENTED_ON_METRICS = ["PERIOD(m1)/60", "m1/PERIOD(m1)"]
KNOWN = {"m1", "m2", "m3", "metric1", "metric2", "metric3", "latency", "threshold"}


@pytest.mark.parametrize("expression", DOCUMENTED)
@pytest.mark.parametrize("metrics", [set(), KNOWN], ids=["ids-are-expressions", "ids-are-metrics"])
def test_every_documented_example_passes(expression, metrics):
    """A check that refuses valid metric math would stop a correct project: none of AWS's own examples may
    give a problem, whether its ids are metrics (one time series each) or other expressions."""
    assert expression_problems(expression, KNOWN, "an id", metrics) == []


@pytest.mark.parametrize("expression", DOCUMENTED_ON_METRICS)
def test_period_s_examples_pass_on_a_metric_and_are_errors_on_an_expression(expression):
    assert expression_problems(expression, KNOWN, "an id", KNOWN) == []
    problems = expression_problems(expression, KNOWN, "an id", {"m2"})
    assert [(p.code, p.offset, p.fatal) for p in problems] == [("bad-math-arguments", expression.index("(m1") + 1,
                                                                 True)]


@pytest.mark.parametrize("expression,offset,reason", [
    ("100 * m1 / (m2", 14, "expected ')'"),  # the offset just past the end
    ("100 * m1 // m2", 10, "unexpected '/'"),
    ("m1 / m2)", 7, "unexpected ')'"),
    ("m1 +", 4, "expression ends too early"),
    ("SUM([m1, m2)", 11, "expected ',' or ']'"),
    ("m1 $ m2", 3, "unexpected character '$'"),
    ("Sum(m1)", 0, "not an id"),
    ("m1 m2", 3, "unexpected 'm2'"),
    ("m1 + DESC", 5, "not an id"),  # an option word stands only as a function's argument
    ("٣ * m1", 0, "unexpected character"),  # AWS reads ASCII digits only
])
def test_a_malformed_expression_is_an_error_at_its_character(expression, offset, reason):
    problems = expression_problems(expression, KNOWN, "an id")
    assert [(p.code, p.offset, p.fatal) for p in problems] == [("bad-math-expression", offset, True)]
    assert reason in problems[0].message


def test_a_function_aws_does_not_list_is_a_warning_with_the_closest_name():
    (problem,) = expression_problems("100 * SUMM(m1) / m2", KNOWN, "an id")
    assert (problem.code, problem.offset, problem.fatal) == ("unknown-math-function", 6, False)
    assert "did you mean 'SUM'?" in problem.message


def test_ids_and_syntax_are_reported_together_and_words_in_strings_are_not_ids():
    problems = expression_problems('100 * erors / (m2 + SUM(METRICS("anything goes")))', KNOWN, "an id of this graph")
    assert [(p.code, p.offset) for p in problems] == [("unknown-metric-id", 6)]
    assert "(did you mean 'errors'?)" not in problems[0].message and "an id of this graph" in problems[0].message
    problems = expression_problems("100 * erors / (m2", KNOWN | {"errors"}, "an id")
    assert sorted(p.code for p in problems) == ["bad-math-expression", "unknown-metric-id"]


def test_metrics_insights_queries_are_left_to_aws():
    assert expression_problems('SELECT AVG(CPUUtilization) FROM SCHEMA("AWS/EC2", InstanceId) WHERE x = (', set(),
                               "an id") == []


def test_check_lists_the_functions_called_in_order_even_after_a_syntax_error():
    error, calls = check("SUM(RATE(m1)) + FOO(m2")
    assert error is not None and error.reason == "expected ',' or ')'"
    assert calls == (("SUM", 0), ("RATE", 4), ("FOO", 16))


def test_the_evaluators_functions_are_all_aws_functions():
    """The evaluator implements a subset of AWS's functions; one it knows that the list lacks would be a
    warning on an expression the evaluator runs."""
    from obsgen.evaluator.math_parser import IMPLEMENTED, NOT_MODELLED
    assert IMPLEMENTED <= FUNCTIONS and set(NOT_MODELLED) <= FUNCTIONS


# --- the arguments of a call (obsgen/metric_math_functions.py) -------------------------------------


def argument_problems(expression: str, metrics: set[str] = KNOWN) -> list[tuple[str, int, bool]]:
    return [(p.code, p.offset, p.fatal) for p in expression_problems(expression, KNOWN | {"e1"}, "an id", metrics)]


@pytest.mark.parametrize("expression,offset", [
    ("ABS(m1, m1)", 0), ("100 * RATE()", 6), ("FILL(m1)", 0), ("IF(m1)", 0), ("m1 + IF(m1, 1, 0, 2)", 5),
    ("METRICS(\"a\", \"b\")", 0), ("SORT(METRICS(), AVG)", 0), ("SLICE(METRICS())", 0), ("LAMBDA()", 0),
    ("DB_PERF_INSIGHTS('RDS', 'db-1')", 0), ("INSIGHT_RULE_METRIC('rule')", 0), ("TIME_SERIES()", 0),
    ("ANOMALY_DETECTION_BAND(m1, 2, 3)", 0),
])
def test_a_wrong_number_of_arguments_is_an_error_at_the_function(expression, offset):
    """AWS's table gives each function's arguments; a call with more or fewer cannot be read."""
    assert argument_problems(expression) == [("bad-math-arguments", offset, True)]


def test_the_message_says_what_the_function_takes():
    (problem,) = expression_problems("FILL(m1)", KNOWN, "an id")
    assert problem.message == ("FILL is given 1 argument; FILL takes 2 arguments: a time series or an array of time "
                               "series; then a number, a time series, REPEAT or LINEAR")
    (problem,) = expression_problems('ANOMALY_DETECTION_BAND(m1, "x")', KNOWN, "an id")
    assert problem.message == ("argument 2 of ANOMALY_DETECTION_BAND is a string, not a number of standard "
                               "deviations (ANOMALY_DETECTION_BAND takes 1 or 2 arguments: a time series; then "
                               "optionally a number of standard deviations)")


@pytest.mark.parametrize("expression,offset", [
    ('ANOMALY_DETECTION_BAND(m1, "x")', 27),  # a string where a number goes
    ("FILL(m1, AVG)", 9),  # an option word FILL does not have
    ("SORT(METRICS(), MEDIAN, DESC)", 16), ("SORT(METRICS(), AVG, DOWN)", 21),
    ("METRICS(m1)", 8),  # an id where a string goes
    ("INSIGHT_RULE_METRIC(m1, 'Sum')", 20), ("TIME_SERIES('10')", 12), ("ABS(REPEAT)", 4),
    ("SEARCH(m1, 'Average', 300)", 7), ("DB_PERF_INSIGHTS('RDS', 'db-1', 5)", 32),
])
def test_an_argument_of_the_wrong_sort_is_an_error_at_the_argument(expression, offset):
    assert argument_problems(expression) == [("bad-math-arguments", offset, True)]


@pytest.mark.parametrize("expression,offset", [
    ("ABS(5)", 4), ("m1 * LOG10(MAX(m1))", 11),  # a number where the page lists only series
    ("TIME_SERIES(m1)", 12), ("ANOMALY_DETECTION_BAND(m1, m2)", 27),  # a series where it lists a number
    ("FIRST(m1)", 6), ("REMOVE_EMPTY(m1)", 13), ("m1 / METRIC_COUNT(m1)", 18),  # one series for an array
    ("PERIOD(METRICS())", 7), ("IF(METRICS() > 1, 1, 0)", 3),  # an array (of metrics, for PERIOD) for one series
])
def test_a_number_or_series_the_page_does_not_list_there_is_a_warning(expression, offset):
    """The page's type columns are terse ("TS TS[]") and say nothing of broadcasting: AWS may take these."""
    assert argument_problems(expression) == [("unexpected-math-argument", offset, False)]


@pytest.mark.parametrize("expression,offset", [
    ("PERIOD(m1 * 2)", 7), ("m1 / PERIOD(ABS(m1))", 12), ("PERIOD(FILL(m1, 0))", 7),  # a series computed from m1
    ("PERIOD(60)", 7), ("PERIOD(-m1)", 7), ("PERIOD(e1)", 7),  # a number; an expression's id
])
def test_period_of_anything_but_a_metric_is_an_error_at_the_argument(expression, offset):
    """The function table's PERIOD row: "Valid input is metrics, not the results of other expressions"."""
    assert argument_problems(expression, {"m1"}) == [("bad-math-arguments", offset, True)]


def test_the_message_of_period_quotes_the_page():
    (problem,) = expression_problems("PERIOD(m1 * 2)", KNOWN, "an id", {"m1"})
    assert problem.message == ("argument 1 of PERIOD is a time series, not the id of a metric (PERIOD takes 1 "
                               "argument: the id of a metric); CloudWatch's function table: \"Valid input is metrics, "
                               "not the results of other expressions\"")


def test_an_expression_id_may_be_any_number_or_series():
    """A graph's expression may name another expression, whose result the check does not work out: only a
    metric is known to be one time series."""
    problems = expression_problems("TIME_SERIES(e1) + FIRST(e2) + FIRST(m1)", KNOWN | {"e1", "e2"}, "an id", {"m1"})
    assert [(p.code, p.offset) for p in problems] == [("unexpected-math-argument", 36)]


def test_a_mistake_is_reported_once():
    """The result of a call with a wrong count is whatever the function can give, and an unknown id or function
    fits anywhere: their own diagnostics say what is wrong."""
    assert argument_problems("SUM(ABS(m1, m2)) + TIME_SERIES(MAX(m1))") == [("bad-math-arguments", 4, True)]
    assert argument_problems("FILL(erors, 0)") == [("unknown-metric-id", 5, True)]
    assert argument_problems("SUMM(m1, m2, 'x') + ABS(SUMM(m1))") == [("unknown-math-function", 0, False),
                                                                      ("unknown-math-function", 24, False)]
    assert argument_problems("FILL(m1) + (m2") == [("bad-math-expression", 14, True)]  # no arguments before syntax


def test_lambda_takes_up_to_twenty_arguments_after_the_function_name():
    """CloudWatch_MultiDataSources-Custom-Use.html: LAMBDA("LambdaFunctionName" [, optional-arg]*), "up to 20
    strings, numbers, or Booleans"."""
    assert argument_problems('LAMBDA("AmazonOpenSearchDataSource", "MyDomain", "some-query")') == []
    assert argument_problems('FILL(LAMBDA("f", ' + ", ".join(["1"] * 20) + "), 0)") == []
    assert argument_problems('LAMBDA("f", ' + ", ".join(["1"] * 21) + ")") == [("bad-math-arguments", 0, True)]
    assert argument_problems("LAMBDA(m1)") == [("bad-math-arguments", 7, True)]


def test_the_evaluator_checks_calls_against_the_same_table():
    """One table: a count the check refuses is an error in the evaluator too, a shape it only warns about is
    Unsupported there (the evaluator does not guess what AWS makes of it)."""
    from obsgen.evaluator import EvaluationError, Unsupported
    from obsgen.evaluator.math_eval import MetricInput, Program
    with pytest.raises(EvaluationError, match="FILL is given 1 argument; FILL takes 2"):
        Program([MetricInput("m1", 60)], {"e": "FILL(m1)"}, "e")
    with pytest.raises(Unsupported, match="argument 1 of ABS is a number"):
        Program([MetricInput("m1", 60)], {"e": "m1 * ABS(-1)"}, "e")
    for expression in ("m1 / PERIOD(e0)", "m1 / PERIOD(m1 * 2)", "PERIOD(60) * m1"):  # not a metric: refused
        with pytest.raises(EvaluationError, match="argument 1 of PERIOD is .*, not the id of a metric"):
            Program([MetricInput("m1", 60)], {"e0": "m1 * 2", "e": expression}, "e")
    with pytest.raises(Unsupported, match="argument 1 of PERIOD is an array of time series"):  # warned about
        Program([MetricInput("m1", 60)], {"e": "m1 / PERIOD(METRICS())"}, "e")
    Program([MetricInput("m1", 60)], {"e": "m1 / PERIOD(m1)"}, "e")
