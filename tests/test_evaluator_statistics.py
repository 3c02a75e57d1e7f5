"""Period aggregation with each statistic CloudWatch alarms accept, against hand computations.

Source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
("the definitions page").
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obsgen.evaluator import EvaluationError, Samples, StatisticSet, Unsupported
from obsgen.evaluator.statistics import from_values, parse
from obsgen.evaluator.windows import Grid, aggregate

VALUES = [7.0, 1.0, 3.0, 9.0, 5.0, 2.0, 8.0, 4.0, 10.0, 6.0]  # 1..10, shuffled


def one_window(values, statistic: str, period: int = 60):
    """The statistic over one window [0, period) holding `values`."""
    samples = Samples([(i * period / (len(values) + 1), v) for i, v in enumerate(values)])
    return aggregate(samples, parse(statistic), Grid(period, 60, 1, period)).values[0]


@pytest.mark.parametrize("statistic,expected", [
    ("SampleCount", 10), ("Sum", 55), ("Average", 5.5), ("Minimum", 1), ("Maximum", 10),
])
def test_the_basic_statistics_of_one_period(statistic, expected):
    """Definitions page: SampleCount "the number of data points", Sum, Average "Sum/SampleCount", Minimum,
    Maximum of the period."""
    assert one_window(VALUES, statistic) == expected


@pytest.mark.parametrize("statistic,expected", [
    ("p50", 5), ("p90", 9), ("p99", 10), ("p100", 10), ("p0", 1), ("p10", 1), ("p11", 2), ("p95", 10),
    ("p99.9", 10), ("p89.9", 9),
])
def test_percentiles_are_nearest_rank_values_of_the_period(statistic, expected):
    """Definitions page: "p99 is the maximum value of the remaining 99%" once "the 1% of the data points with the
    highest values" are ignored, so a percentile is a value of the data set: rank ceil(p% x n), no
    interpolation (the page describes none)."""
    assert one_window(VALUES, statistic) == expected


@pytest.mark.parametrize("statistic,expected", [
    ("tm90", sum(range(1, 10)) / 9),            # the highest 10% (one value) removed
    ("TM(:90%)", sum(range(1, 10)) / 9),         # "the same as TM(:99%)" for tm99
    ("TM(10%:90%)", sum(range(2, 10)) / 8),      # lowest and highest 10% removed
    ("IQM", sum(range(4, 9)) / 5),               # "equivalent to TM(25%:75%)": ranks 4..8 of 10 (ceil)
    ("TM(2:8)", sum(range(3, 9)) / 6),           # values: 2 excluded, 8 included
    ("TM(100:200)", None),                       # nothing inside: no datapoint
    ("tc90", 9), ("TC(2:8)", 6), ("TC(:5)", 5), ("TC(100:200)", 0),
    ("ts90", 45), ("TS(80%:)", 9 + 10), ("TS(2:8)", 33), ("TS(100:200)", 0),
    ("wm90", (45 + 9) / 10),                     # the top 10% counted as the p90 value, 9
    ("WM(10%:90%)", (2 + sum(range(2, 10)) + 9) / 10),
    ("WM(2:8)", (2 + 2 + sum(range(3, 9)) + 8 + 8) / 10),  # the edges of a value range are its values
    ("WM(100:200)", 100),                        # every value at the lower edge
    ("PR(:3)", 30), ("PR(3:7)", 40), ("PR(10:)", 0), ("PR(:)", 100),
])
def test_the_trimmed_family_and_percentile_rank(statistic, expected):
    """Definitions page: TM "the mean of all values that are between two specified boundaries"; TC the count and TS
    the sum of those values (TS = TM x TC); WM counts values outside "equal to the value at the edge
    of the appropriate boundary"; PR "the percentage of values that meet a fixed threshold". With
    values, "the calculation includes values equal to the higher boundary, but does not include
    values equal to the lower boundary"; PR likewise ("PR(:300) ... a value of 300 or less")."""
    got = one_window(VALUES, statistic)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_statistic_sets_count_in_basic_statistics():
    """PutMetricData StatisticValues: a statistic set carries SampleCount, Sum, Minimum and Maximum, which the
    basic statistics combine with the raw values of the period."""
    samples = Samples([(1, 4.0), (2, 6.0)], [StatisticSet(3, 3, 30.0, 5.0, 15.0)])
    grid = Grid(60, 60, 1, 60)
    got = {s: aggregate(samples, parse(s), grid).values[0] for s in ("SampleCount", "Sum", "Average", "Minimum", "Maximum")}
    assert got == {"SampleCount": 5, "Sum": 40, "Average": 8, "Minimum": 4, "Maximum": 15}


def test_percentiles_of_statistic_sets_need_sets_that_stand_for_raw_values():
    """Definitions page: percentiles from statistic sets only when "The SampleCount value of the statistic set is 1
    and Min, Max, and Sum are all equal" or "The Min and Max are equal, and Sum is equal to Min
    multiplied by SampleCount"; otherwise the period has no such statistic."""
    grid = Grid(60, 60, 1, 60)
    usable = Samples([(1, 1.0)], [StatisticSet(2, 4, 20.0, 5.0, 5.0), StatisticSet(3, 1, 9.0, 9.0, 9.0)])
    assert aggregate(usable, parse("p50"), grid).values[0] == 5.0  # 1, 5, 5, 5, 5, 9
    assert aggregate(usable, parse("SampleCount"), grid).values[0] == 6
    mixed = Samples([(1, 1.0)], [StatisticSet(2, 2, 20.0, 5.0, 15.0)])
    assert aggregate(mixed, parse("p50"), grid).values == [None]
    assert aggregate(mixed, parse("Maximum"), grid).values == [15.0]


def test_percentiles_of_a_period_with_a_negative_value_are_unavailable():
    """Definitions page: "these type of statistics are not available for metrics when any of the metric values
    are negative numbers" (applied per period)."""
    grid = Grid(60, 60, 2, 60)  # windows [0, 60) and [60, 120)
    samples = Samples([(1, -1.0), (2, 3.0), (61, 3.0)])
    assert aggregate(samples, parse("p90"), grid).values == [None, 3.0]
    assert aggregate(samples, parse("Minimum"), grid).values == [-1.0, 3.0]


def test_a_window_is_closed_at_its_start_and_open_at_its_end():
    """alarm-evaluation-window.html: a one-hour sliding window reads 13:07-14:07, then 13:08-14:08: consecutive
    windows share all but a minute. A value at a window's end belongs to the next one."""
    samples = Samples([(0, 1.0), (60, 2.0), (120, 4.0), (180, 8.0)])
    grid = Grid(120, 60, 3, 120)  # windows [0,120), [60,180), [120,240)
    assert aggregate(samples, parse("Sum"), grid).values == [3.0, 6.0, 12.0]
    assert aggregate(samples, parse("SampleCount"), grid).values == [2.0, 2.0, 2.0]


def test_a_window_without_datapoints_has_no_value():
    """alarms-and-missing-data.html: a period with nothing reported is a missing datapoint, not a zero."""
    grid = Grid(60, 60, 3, 60)
    samples = Samples([(1, 5.0), (121, 7.0)])
    assert aggregate(samples, parse("Sum"), grid).values == [5.0, None, 7.0]
    assert aggregate(samples, parse("p50"), grid).values == [5.0, None, 7.0]


finite = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(st.integers(0, 599), finite), max_size=60), st.sampled_from([60, 120, 300]))
def test_every_window_of_a_grid_matches_a_direct_computation(points, period):
    """Definitions page: each statistic is computed over "all sample values collected during the period"; a grid
    of sliding windows (one per minute) must give, for every window, what the values inside it give."""
    samples = Samples([(float(t), v) for t, v in points])
    grid = Grid(period, 60, (600 - period) // 60 + 1, period)
    for name in ("SampleCount", "Sum", "Average", "Minimum", "Maximum", "p50", "p99", "TM(10%:90%)", "tc90", "PR(:100)"):
        got = aggregate(samples, parse(name), grid).values
        for i, value in enumerate(got):
            end = grid.end(i)
            inside = sorted(v for t, v in points if end - period <= t < end)
            expected = _direct(name, inside)
            if expected is None:
                assert value is None
            else:
                assert value == pytest.approx(expected, rel=1e-9, abs=1e-9), (name, i)


def _direct(name: str, inside: list[float]):
    if not inside:
        return None
    return {
        "SampleCount": len(inside), "Sum": math.fsum(inside), "Average": math.fsum(inside) / len(inside),
        "Minimum": min(inside), "Maximum": max(inside),
    }.get(name, from_values(parse(name), inside))


@given(st.lists(finite, min_size=1, max_size=200), st.floats(0, 100))
def test_a_percentile_splits_the_data_as_the_definition_says(values, p):
    """Definitions page: "p95 ... means that 95 percent of the data within the period is lower than this value and
    5 percent of the data is higher": at least p% of the values are at most the percentile, and fewer
    than p% are strictly below it."""
    p = round(p, 4)
    ordered = sorted(values)
    result = from_values(parse(f"p{p}"), ordered)
    n = len(ordered)
    assert result in ordered
    assert sum(1 for v in ordered if v <= result) >= p * n / 100 - 1e-9
    assert sum(1 for v in ordered if v < result) < max(p * n / 100, 1)


@given(st.lists(finite, min_size=1, max_size=100), st.integers(1, 99))
def test_trimmed_mean_times_trimmed_count_is_trimmed_sum(values, p):
    """Definitions page: Trimmed sum "is equivalent to (Trimmed Mean) * (Trimmed count)"; and p(N) is the largest value
    tm(N) averages ("p99 is the maximum value of the remaining 99%, while tm99 is the average")."""
    ordered = sorted(values)
    tm, tc, ts = (from_values(parse(f"{k}{p}"), ordered) for k in ("tm", "tc", "ts"))
    if tc:
        assert tm * tc == pytest.approx(ts, rel=1e-9, abs=1e-6)
        assert tm <= from_values(parse(f"p{p}"), ordered) + 1e-9
    else:
        assert tm is None and ts == 0


@pytest.mark.parametrize("text", ["p101", "Median", "tm", "PR(10%:90%)", "TM(a:b)", "TM(120%:)"])
def test_statistics_cloudwatch_does_not_compute_are_errors(text):
    """PutMetricAlarm ExtendedStatistic takes p, tm, tc, ts, wm, IQM, PR(n:m), TC/TM/TS/WM(X%:X%)."""
    with pytest.raises(EvaluationError):
        parse(text)


def test_a_range_mixing_a_percentage_and_a_value_is_refused_not_guessed():
    """The definitions page describes two percentages or two values, never one of each."""
    with pytest.raises(Unsupported) as info:
        parse("TM(10%:500)")
    assert "TM(10%:500)" in str(info.value)
