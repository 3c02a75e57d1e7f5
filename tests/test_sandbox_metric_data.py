"""GetMetricData in the sandbox (obsgen.sandbox.metric_data): every statistic obsgen's alarms use,
AWS's request validation and pagination, and cross-checks against data reduced by hand and against
the evaluator (API_GetMetricData.html, API_MetricDataQuery.html, API_MetricStat.html)."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from obsgen.compiler import compile_project
from obsgen.evaluator import AlarmSpec, Metric, Options, Samples, evaluate_metric_alarm
from obsgen.sandbox import cloudwatch as moto_ext, server as sandbox

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}
NAMESPACE, NAME, DIMENSIONS = "AWS/ApiGateway", "Latency", [{"Name": "ApiName", "Value": "orders"}]
# Aligned to the hour and recent (StartTime is rounded to the minute when less than 15 days old).
NOW = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
T0 = NOW - timedelta(hours=2)
VALUES = [float((i * 37) % 101) for i in range(120)]  # one a minute for two hours, 0..100 shuffled


@pytest.fixture
def cw():
    moto_ext.install()
    with mock_aws():
        client = boto3.client("cloudwatch", config=Config(retries={"max_attempts": 1}), **CREDS)
        for start in range(0, len(VALUES), 100):
            client.put_metric_data(Namespace=NAMESPACE, MetricData=[
                {"MetricName": NAME, "Dimensions": DIMENSIONS, "Timestamp": T0 + timedelta(minutes=i), "Value": v}
                for i, v in enumerate(VALUES[start:start + 100], start)])
        yield client


def query(stat: str, qid: str = "q", period: int = 600, **extra):
    return {"Id": qid, "MetricStat": {"Metric": {"Namespace": NAMESPACE, "MetricName": NAME, "Dimensions": DIMENSIONS},
                                      "Period": period, "Stat": stat}, **extra}


def fetch(cw, stat: str, period: int = 600) -> list[float]:
    answer = cw.get_metric_data(MetricDataQueries=[query(stat, period=period)], StartTime=T0, EndTime=NOW,
                                ScanBy="TimestampAscending")
    (result,) = answer["MetricDataResults"]
    assert result["StatusCode"] == "Complete"
    return result["Values"]


# --- reduced by hand: each period's values, sorted, the definitions page's formulas -------------------
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html


def periods(period_minutes: int) -> list[list[float]]:
    return [sorted(VALUES[i:i + period_minutes]) for i in range(0, len(VALUES), period_minutes)]


def nearest_rank(values: list[float], p: float) -> float:
    return values[math.ceil(p / 100 * len(values)) - 1]


BY_HAND = {
    "Sum": sum,
    "Average": lambda v: sum(v) / len(v),
    "Minimum": min,
    "Maximum": max,
    "SampleCount": len,
    "p90": lambda v: nearest_rank(v, 90),
    "p99.9": lambda v: nearest_rank(v, 99.9),
    "p50": lambda v: nearest_rank(v, 50),
    "tm90": lambda v: sum(x for x in v if x <= nearest_rank(v, 90)) / len([x for x in v if x <= nearest_rank(v, 90)]),
    "TC(10:50)": lambda v: float(len([x for x in v if 10 < x <= 50])),
    "TS(10:50)": lambda v: float(sum(x for x in v if 10 < x <= 50)),
}


@pytest.mark.parametrize("stat", sorted(BY_HAND))
def test_every_statistic_equals_the_stored_data_reduced_by_hand(cw, stat):
    assert fetch(cw, stat) == pytest.approx([BY_HAND[stat](v) for v in periods(10)])


def test_every_statistic_the_example_alarms_use_is_answered(cw):
    build = compile_project(ROOT)
    used = {stat.statistic for model in build.models.values() for alarm in model.metric_alarms for stat in alarm.stats}
    assert {"Sum", "Average", "Maximum"} <= used
    # and the extended statistics a monitor may name (moto 5.2 fails on each of them)
    for stat in sorted(used | {"p90", "p99.9", "tm99", "IQM", "TM(10%:90%)", "wm90", "tc90", "ts90", "PR(:50)"}):
        assert len(fetch(cw, stat)) == len(VALUES) // 10, stat


def test_the_evaluator_reads_the_same_datapoints_the_sandbox_returns(cw):
    """An alarm evaluated offline on the raw values reads, at each evaluation, exactly the period values
    the sandbox answers for the same periods: one statistics implementation serves both."""
    for stat in ("p90", "Average", "tm90"):
        spec = AlarmSpec("latency", "GreaterThanThreshold", 1e9, 1, metric=Metric.of(NAMESPACE, NAME, {"ApiName": "orders"}),
                         statistic=stat, period=600)
        points = [(T0.timestamp() + 60 * i, v) for i, v in enumerate(VALUES)]
        result = evaluate_metric_alarm(spec, {spec.metric: Samples(points)}, int(T0.timestamp()), int(NOW.timestamp()),
                                       Options(record_evaluations=True))
        evaluator = {start: value for e in result.evaluations for start, value in e.datapoints if value is not None}
        sandbox = dict(zip([T0.timestamp() + 600 * i for i in range(12)], fetch(cw, stat)))
        aligned = {t: v for t, v in evaluator.items() if t in sandbox}
        assert len(aligned) >= 11, stat
        assert aligned == pytest.approx({t: sandbox[t] for t in aligned}), stat


def test_max_datapoints_pages_with_next_token_and_the_pages_add_up_to_one_answer(cw):
    queries = [query("p90", "a", 300), query("Sum", "b", 300)]
    whole = cw.get_metric_data(MetricDataQueries=queries, StartTime=T0, EndTime=NOW)["MetricDataResults"]
    pages, token = [], None
    while True:
        extra = {"NextToken": token} if token else {}
        answer = cw.get_metric_data(MetricDataQueries=queries, StartTime=T0, EndTime=NOW, MaxDatapoints=7, **extra)
        pages.append(answer)
        assert sum(len(r["Values"]) for r in answer["MetricDataResults"]) <= 7
        token = answer.get("NextToken")
        if not token:
            break
    assert len(pages) == math.ceil(48 / 7)
    for index, result in enumerate(whole):
        assert [v for p in pages for v in p["MetricDataResults"][index]["Values"]] == result["Values"]
    assert whole[0]["Timestamps"][0] > whole[0]["Timestamps"][-1]  # TimestampDescending is the default
    assert pages[0]["MetricDataResults"][0]["StatusCode"] == "PartialData"
    assert pages[-1]["MetricDataResults"][-1]["StatusCode"] == "Complete"


def test_a_metric_is_its_namespace_name_and_exact_dimensions(cw):
    cw.put_metric_data(Namespace="Other", MetricData=[{"MetricName": NAME, "Dimensions": DIMENSIONS,
                                                       "Timestamp": T0, "Value": 1e6}])
    cw.put_metric_data(Namespace=NAMESPACE, MetricData=[{"MetricName": NAME, "Dimensions": DIMENSIONS + [
        {"Name": "Stage", "Value": "prod"}], "Timestamp": T0, "Value": 1e6}])
    assert max(fetch(cw, "Maximum")) == 100


def code_of(cw, **request) -> str:
    with pytest.raises(ClientError) as caught:
        cw.get_metric_data(**{"StartTime": T0, "EndTime": NOW, **request})
    return caught.value.response["Error"]["Code"]


@pytest.mark.parametrize("queries", [
    [query("Sum", f"q{i}") for i in range(501)],                      # more than 500 queries
    [query("Sum", "Q1")],                                              # Id must start with a lowercase letter
    [query("Sum", "a"), query("Average", "a")],                        # Ids unique
    [query("Sum", period=90)],                                         # 1, 5, 10, 20, 30, 60 or k*60
    [query("p101")],                                                   # not a statistic
    [{**query("Sum"), "Expression": "q * 2"}],                         # MetricStat and Expression both
])
def test_requests_aws_refuses_are_refused(cw, queries):
    assert code_of(cw, MetricDataQueries=queries) in ("ValidationError", "ValidationException")


def test_a_bad_next_token_and_an_empty_time_range_are_refused(cw):
    assert code_of(cw, MetricDataQueries=[query("Sum")], NextToken="not-a-token") == "InvalidNextToken"
    assert code_of(cw, MetricDataQueries=[query("Sum")], StartTime=NOW, EndTime=NOW) in ("ValidationError",
                                                                                          "ValidationException")


def test_the_aws_cli_reads_a_percentile_from_the_sandbox_server():
    aws = shutil.which("aws")
    if aws is None:
        if os.environ.get("OBSGEN_REQUIRE_TOOLS"):
            pytest.fail("the aws CLI is required (OBSGEN_REQUIRE_TOOLS)")
        pytest.skip("the aws CLI is not installed")
    with sandbox.start() as running:
        client = boto3.client("cloudwatch", endpoint_url=running.endpoint_url, **CREDS)
        client.put_metric_data(Namespace=NAMESPACE, MetricData=[
            {"MetricName": NAME, "Dimensions": DIMENSIONS, "Timestamp": T0 + timedelta(minutes=i), "Value": v}
            for i, v in enumerate(VALUES[:10])])
        env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": REGION}
        out = subprocess.run([aws, "cloudwatch", "get-metric-data", "--endpoint-url", running.endpoint_url,
                              "--metric-data-queries", json.dumps([query("p90")]),
                              "--start-time", T0.isoformat(), "--end-time", (T0 + timedelta(minutes=10)).isoformat(),
                              "--output", "json"], capture_output=True, text=True, env=env, timeout=120, check=True)
    (result,) = json.loads(out.stdout)["MetricDataResults"]
    assert result["Values"] == [nearest_rank(sorted(VALUES[:10]), 90)]


def test_a_one_second_period_over_a_year_costs_only_the_periods_that_hold_data(cw):
    """Windows are computed from the first datapoint to the last, not over the whole request."""
    answer = cw.get_metric_data(MetricDataQueries=[query("Sum", period=1)], StartTime=NOW - timedelta(days=400),
                                EndTime=NOW, ScanBy="TimestampAscending", MaxDatapoints=1000)
    (result,) = answer["MetricDataResults"]
    assert result["Values"] == VALUES[:len(result["Values"])] and len(result["Values"]) == len(VALUES)
