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
    "PERIOD(m1)/60", "5 * m1", "m1 - m2", "SUM(100/[m1, m2])", "AVG([m1,m2]/m3)", "METRICS()*100", "-5*m1", "-m1",
    "SUM(-[m1, m2])", "(metric1 < metric2)", "(metric1 >= 30)", "(metric1 > 15 AND metric2 > 15)",
    "ABS(m1-m2)", "MIN(ABS([m1, m2]))", "ABS(METRICS())", "ANOMALY_DETECTION_BAND(m1)", "ANOMALY_DETECTION_BAND(m1,4)",
    "SUM([m1,m2])/AVG(m2)", "AVG(METRICS())", "CEIL(m1)", "CEIL(METRICS())", "SUM(CEIL(METRICS()))",
    "SUM(m1) / DATAPOINT_COUNT(m1)", "DATAPOINT_COUNT(METRICS())", "DIFF(m1)", "DIFF_TIME(METRICS())",
    "FILL(m1,10)", "FILL(METRICS(), 0)", "FILL(METRICS(), m1)", "FILL(m1, MIN(m1))", "FILL(m1, REPEAT)",
    "FILL(METRICS(), LINEAR)", "IF(FIRST(SORT(METRICS(), AVG, DESC))>100, 1, 0)", "LAST(ANOMALY_DETECTION_BAND(m1))",
    "FLOOR(m1)", "FLOOR(METRICS())", "LOG(METRICS())", "LOG10(m1)", "MAX(m1)/m1", "MAX(METRICS())",
    "m1/METRIC_COUNT(METRICS())", "AVG(METRICS())", 'SUM(METRICS("errors"))', 'SUM([METRICS("4xx"), METRICS("5xx")])',
    "m1-MIN(m1)", "MIN(METRICS())", "MINUTE(m1)", "IF(DAY(m1)<6,m1)", "IF(MONTH(m1) == 4,m1)", "m1/PERIOD(m1)",
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
]
KNOWN = {"m1", "m2", "m3", "metric1", "metric2", "metric3", "latency", "threshold"}


@pytest.mark.parametrize("expression", DOCUMENTED)
def test_every_documented_example_passes(expression):
    """A check that refuses valid metric math would stop a correct project: none of AWS's own examples may
    give a problem."""
    assert expression_problems(expression, KNOWN, "an id") == []


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
