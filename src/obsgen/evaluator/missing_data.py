"""One evaluation: the datapoints of the evaluation range -> the alarm's next state.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
("How alarm state is evaluated when data is missing"; its two example tables are in
tests/test_evaluator_missing_data.py) and
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html (M of N).

Datapoints are codes, oldest first: MISSING, GOOD (not breaching) or BREACHING, plus LOW when a
percentile had too few samples.
"""

from __future__ import annotations

from typing import NamedTuple

from .spec import ALARM, INSUFFICIENT_DATA, OK

MISSING, GOOD, BREACHING = 0, 1, 2
LOW = 4  # flag: a percentile computed from too few samples (percentiles-with-low-samples.html)


class Decision(NamedTuple):
    state: str | None  # None: keep the current state
    reason: str


def decide(codes: tuple[int, ...], n: int, m: int, mode: str, ignore_low_samples: bool = False) -> Decision:
    """The state after an evaluation of `codes` (the evaluation range, oldest first) for an M of N alarm.

    1. "If no data points in the evaluation range are missing, CloudWatch evaluates the alarm based on
       the most recent data points collected. The number of data points evaluated is equal to the
       Evaluation Periods", and if some are missing but "the total number of existing data points ...
       is equal to or more than the alarm's Evaluation Periods, CloudWatch evaluates the alarm state
       based on the most recent real data points ... the value you set for how to treat missing data
       is not needed and is ignored".
    2. Otherwise "CloudWatch fills in the missing data points with the result you specified for how
       to treat missing data ... all real data points in the evaluation range are included ...
       CloudWatch uses missing data points only as few times as possible": N minus the real ones.
    3. `missing` with no datapoint at all: INSUFFICIENT_DATA; `ignore`: "The current alarm state is
       maintained".
    4. Premature alarm ("Avoiding premature transitions to alarm state"): alarms "always go into ALARM
       state when the oldest available breaching datapoint ... is at least as old as the value of
       Datapoints to Alarm, and all other more recent data points are breaching or missing ... even
       if the total number of datapoints available is lower than M". Read together with the tables
       (row `0 - X - -` of the 2-of-3 table stays OK) and the AWS knowledge-center article
       https://aws.amazon.com/premiumsupport/knowledge-center/cloudwatch-alarm-single-data-point/ ("When all data points
       are missing except one breaching data point"): it applies when every real datapoint in the
       range breaches, there are fewer than M of them and the oldest is at least M periods old.
       The tables show `ignore` keeping its state in that case instead of alarming.
    """
    real = [c for c in codes if c != MISSING]
    if len(real) >= n:
        used = real[-n:]
        return _with_low_samples(used, ignore_low_samples, _count(used, m, f"of the {n} most recent datapoints"))
    if not real:
        return _all_missing(len(codes), mode)
    fill = n - len(real)
    if mode == "breaching":
        decision = _count(real, m, f"of {n} datapoints ({fill} missing, treated as breaching)", extra=fill)
    elif mode == "notBreaching":
        decision = _count(real, m, f"of {n} datapoints ({fill} missing, treated as not breaching)")
    elif _premature(codes, m):
        age = len(codes) - next(i for i, c in enumerate(codes) if c != MISSING)
        reason = f"premature alarm: a breaching datapoint {age} periods old and only missing data since"
        decision = Decision(ALARM if mode == "missing" else None, reason)
    else:
        decision = _count(real, m, f"of {len(real)} datapoints ({fill} missing, not counted)")
    return _with_low_samples(real, ignore_low_samples, decision)


def _count(used: list[int], m: int, what: str, extra: int = 0) -> Decision:
    breaching = sum(1 for c in used if c & BREACHING) + extra
    state = ALARM if breaching >= m else OK
    return Decision(state, f"{breaching} {what} breaching (alarm at {m})")


def _all_missing(range_size: int, mode: str) -> Decision:
    what = f"no datapoint in the evaluation range ({range_size} periods)"
    if mode == "missing":
        return Decision(INSUFFICIENT_DATA, f"{what}; missing data treated as missing")
    if mode == "ignore":
        return Decision(None, f"{what}; missing data ignored, state kept")
    if mode == "breaching":
        return Decision(ALARM, f"{what}; missing data treated as breaching")
    return Decision(OK, f"{what}; missing data treated as not breaching")


def _premature(codes: tuple[int, ...], m: int) -> bool:
    real = [(i, c) for i, c in enumerate(codes) if c != MISSING]
    if not real or len(real) >= m or not all(c & BREACHING for _, c in real):
        return False
    oldest_age = len(codes) - real[0][0]  # 1 = the most recent period
    return oldest_age >= m


def _with_low_samples(used: list[int], ignore_low_samples: bool, decision: Decision) -> Decision:
    """EvaluateLowSampleCountPercentile=ignore: "the alarm state does not change during periods with
    too few data points to be statistically significant" (PutMetricAlarm). The evaluator keeps the
    state when any datapoint the evaluation uses had too few samples (the docs do not say which
    datapoints count; this is the reading in which `ignore` never acts on such a datapoint)."""
    if ignore_low_samples and any(c & LOW for c in used):
        return Decision(None, "a percentile datapoint has too few samples; EvaluateLowSampleCountPercentile=ignore keeps the state")
    return decision
