"""How often AWS publishes a metric, and alarms whose period cannot see it (`metric-interval`).

The catalog's `interval` (and EC2's `faster` one, with detailed monitoring) comes from each metric's AWS
page; `check_metric(..., period=, evaluation_periods=)` compares an alarm with it: an error when the
alarm's periods together are shorter than the interval (most evaluations find no data point), a warning
when they span it or when the period fits only a faster setting of the resource.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from urllib.parse import urlparse

import pytest

from obsgen.compiler import compile_project
from obsgen.diagnostics import Level
from obsgen.metrics.catalog import load_catalog
from obsgen.metrics.checks import Problem, check_metric
from obsgen.metrics.reference import catalog_markdown
from obsgen.metrics.shipped import shipped_catalog, shipped_resource_types
from obsgen.presets import expand
from obsgen.presets.catalog import DATA_DIR as PRESETS_DIR, load_catalog as load_presets
from obsgen.presets.catalog import shipped_catalog as shipped_presets

from spec_builder import PROJECT, errors, make_project

CATALOG, _ = shipped_catalog()
TYPES, _ = shipped_resource_types()
PRESETS, _ = shipped_presets()
MAPPED_PROJECT = PROJECT + "presets:\n  severities: {critical: critical, warning: warning}\n"
SERVICE = "apiVersion: obsgen/v1\nkind: Service\nservice: {name}\nowner: team-{name}\n"
S3_DAILY = ("AWS/S3", "BucketSizeBytes", ["BucketName", "StorageType"], "Average")
EC2_CPU = ("AWS/EC2", "CPUUtilization", ["InstanceId"], "Average")


def service(name: str, body: str) -> dict[str, str]:
    return {f"monitors/{name}.yaml": SERVICE.format(name=name) + body}


def compiled(tmp_path: Path, **files: str):
    return compile_project(make_project(tmp_path, project=MAPPED_PROJECT, extra_files=files))


def only(problems: tuple[Problem, ...]) -> Problem:
    assert [p.kind for p in problems] == ["metric-interval"], problems
    return problems[0]


# --- the data ---------------------------------------------------------------------------------------

def test_the_documented_intervals_are_in_the_catalog():
    def interval(namespace: str, metric: str) -> tuple[int, int | None] | None:
        found = CATALOG.metric(namespace, metric)
        assert found is not None
        return (found.interval.seconds, found.interval.faster) if found.interval else None
    assert interval("AWS/S3", "BucketSizeBytes") == interval("AWS/S3", "NumberOfObjects") == (86400, None)
    assert interval("AWS/S3", "4xxErrors") is None  # request metrics: every minute
    assert interval("AWS/Billing", "EstimatedCharges") == (3600, None)
    assert interval("AWS/EC2", "CPUUtilization") == (300, 60)  # basic monitoring; 1m with detailed monitoring
    assert interval("AWS/EC2", "NetworkPacketsIn") == (300, None)  # "basic monitoring only"
    assert interval("AWS/EC2", "CPUCreditBalance") == (300, None)
    assert interval("AWS/EC2", "StatusCheckFailed") == (60, None)
    assert interval("AWS/DynamoDB", "ProvisionedReadCapacityUnits") == (300, None)
    assert interval("AWS/DynamoDB", "UserErrors") == (60, None)  # listed among the one-minute metrics
    assert interval("AWS/DynamoDB", "ReadThrottleEvents") is None
    assert interval("AWS/Lambda", "Errors") is None


def test_every_interval_cites_an_aws_documentation_page():
    sources = {f"{m.namespace} {m.name}": m.interval.source for info in CATALOG.namespaces.values()
               for m in info.metrics.values() if m.interval is not None}
    assert len(sources) > 50
    assert {what: url for what, url in sources.items() if urlparse(url).hostname != "docs.aws.amazon.com"} == {}


def test_the_catalog_page_lists_the_intervals():
    page = catalog_markdown(CATALOG)
    assert ("| 1d | BucketSizeBytes, NumberOfObjects | "
            "<https://docs.aws.amazon.com/AmazonS3/latest/userguide/cloudwatch-monitoring.html> |") in page
    assert "| 5m; 1m with detailed monitoring enabled on the instance | CPUUtilization, " in page


def test_every_preset_alarm_has_a_period_its_metric_can_be_seen_at():
    """A preset is AWS's advice: none may watch a metric more often than AWS publishes it."""
    found = []
    for preset in PRESETS.sets.values():
        for name, alarm in preset.spec.alarms.items():
            for kind in preset.spec.resource_types:
                problems = check_metric(TYPES[kind].namespace or "", alarm.metric, period=alarm.period,
                                        evaluation_periods=alarm.datapoints.periods)
                found += [f"{preset.spec.service}.{name}: {p.message}" for p in problems if p.kind == "metric-interval"]
    assert found == []


# --- check_metric -------------------------------------------------------------------------------------

def test_a_daily_metric_under_a_shorter_lookback_is_an_error_saying_what_to_write():
    problem = only(check_metric(*S3_DAILY, period=300))
    assert problem.level is Level.ERROR and problem.suggestion == "1d"
    assert problem.message == ("AWS/S3 publishes 'BucketSizeBytes' once a day: an alarm that evaluates 1 period of 5m "
                               "finds no data point in at least 99% of its evaluations: it stays in INSUFFICIENT_DATA "
                               "and practically never fires; write period: 1d")


def test_periods_that_nearly_span_the_interval_are_an_error_that_says_how_often_they_miss():
    """18h of a daily metric: a quarter of the evaluations, at least, have no data point."""
    problem = only(check_metric(*S3_DAILY, period=21600, evaluation_periods=3))
    assert problem.level is Level.ERROR
    assert ("evaluates 3 periods of 6h finds no data point in at least 25% of its evaluations: it flips in and out of "
            "INSUFFICIENT_DATA and cannot be relied on to fire") in problem.message


def test_periods_that_together_span_the_interval_are_a_warning():
    """An hourly alarm over 24 periods reads a whole day: it sees the daily point, in one period of 24."""
    problem = only(check_metric(*S3_DAILY, period=3600, evaluation_periods=24))
    assert problem.level is Level.WARNING
    assert "only one 1h period in 24 has a data point" in problem.message
    assert problem.message.endswith("write period: 1d")


def test_a_period_of_the_interval_or_longer_is_fine():
    assert check_metric(*S3_DAILY, period=86400) == ()
    assert check_metric(*S3_DAILY, period=2 * 86400) == ()
    assert check_metric("AWS/Billing", "EstimatedCharges", ["Currency"], "Maximum", period=21600) == ()
    assert check_metric(*EC2_CPU, period=300) == ()
    assert check_metric("AWS/EC2", "StatusCheckFailed", ["InstanceId"], "Maximum", period=60) == ()
    assert check_metric("AWS/Lambda", "Errors", ["FunctionName"], "Sum", period=60) == ()


def test_no_period_no_check():
    """A graph gives no period: a sparse line is no harm."""
    assert check_metric(*S3_DAILY) == ()


def test_ec2_one_minute_is_a_warning_naming_detailed_monitoring():
    """Detailed monitoring is a setting of each instance, which obsgen does not know."""
    problem = only(check_metric(*EC2_CPU, period=60, evaluation_periods=3))
    assert problem.level is Level.WARNING and problem.suggestion == "5m"
    assert problem.message == ("AWS/EC2 publishes 'CPUUtilization' every 5 minutes, and every minute only with "
                               "detailed monitoring enabled on the instance: otherwise only one 1m period in 5 has a "
                               "data point; write period: 5m unless that is so")
    assert only(check_metric(*EC2_CPU, period=60)).level is Level.WARNING  # even a single period


def test_a_five_minute_metric_without_a_faster_setting_follows_the_lookback():
    packets = ("AWS/EC2", "NetworkPacketsIn", ["InstanceId"], "Sum")
    problem = only(check_metric(*packets, period=60))
    assert problem.level is Level.ERROR
    assert "finds no data point in at least 80% of its evaluations: it flips in and out of" in problem.message
    assert only(check_metric(*packets, period=60, evaluation_periods=5)).level is Level.WARNING


def test_billing_names_aws_words_where_no_exact_interval_is_documented():
    problem = only(check_metric("AWS/Billing", "EstimatedCharges", ["Currency"], "Maximum", period=300))
    assert problem.level is Level.ERROR
    assert problem.message.startswith("AWS/Billing publishes 'EstimatedCharges' at most once an hour (AWS calculates "
                                      "and sends estimated charges several times a day)")
    assert problem.message.endswith("write period: 1h or longer")


def test_the_interval_check_leaves_the_other_checks_alone():
    problems = check_metric("AWS/S3", "BucketSizeBytes", ["BucketName"], "Sum", period=300)
    assert [p.kind for p in problems] == ["metric-dimensions", "metric-statistic", "metric-interval"]


# --- the catalog's self-checks ------------------------------------------------------------------------

GOOD_FILE = textwrap.dedent("""\
    namespace: AWS/Example
    title: Example
    source: https://docs.aws.amazon.com/example/metrics.html
    coverage: complete
    groups:
      - title: Things
        interval: 5m
        faster: {interval: 1m, when: with fast mode on}
        dimensions: [[ThingName]]
        metrics:
          Things: {unit: Count}
          Daily: {interval: 1d, interval_source: https://docs.aws.amazon.com/example/daily.html}
    """)


def test_intervals_are_read_from_the_group_or_the_metric(tmp_path):
    (tmp_path / "example.yaml").write_text(GOOD_FILE)
    catalog, problems = load_catalog(tmp_path)
    assert problems == []
    things, daily = catalog.metric("AWS/Example", "Things"), catalog.metric("AWS/Example", "Daily")
    assert things is not None and things.interval is not None and daily is not None and daily.interval is not None
    faster = (things.interval.faster, things.interval.faster_when)
    assert things.interval.seconds == 300 and faster == (60, "with fast mode on")
    assert things.interval.source == "https://docs.aws.amazon.com/example/metrics.html"
    # a metric with its own interval takes none of its group's facts: no faster interval
    assert (daily.interval.seconds, daily.interval.faster) == (86400, None)
    assert daily.interval.source == "https://docs.aws.amazon.com/example/daily.html"


@pytest.mark.parametrize("change, expected", [
    (("interval: 5m", "interval: 90s"), "metrics/example.yaml:7:15: error: an interval is a whole number of minutes "
                                        "(AWS publishes its metrics at most once a minute) [bad-metric-catalog]"),
    (("{interval: 1m, when", "{interval: 5m, when"), "metrics/example.yaml:8:24: error: a 'faster' interval must be "
                                                     "shorter than the 'interval' beside it [bad-metric-catalog]"),
    (("Things: {unit: Count}", "Things: {unit: Count, interval_note: rarely}"),
     "metrics/example.yaml:11:29: error: 'interval_note' describes an 'interval' written beside it; there is none "
     "[bad-metric-catalog]"),
    (("interval: 5m", "interval: often"), "metrics/example.yaml:7:15: error: groups[0].interval: expected a duration"),
])
def test_a_broken_interval_is_a_located_error(tmp_path, change, expected):
    (tmp_path / "example.yaml").write_text(GOOD_FILE.replace(*change))
    catalog, problems = load_catalog(tmp_path)
    assert len(problems) == 1 and str(problems[0]).startswith(expected), str(problems[0])
    assert not catalog.known_namespace("AWS/Example")


def test_a_metric_listed_twice_with_different_intervals_is_a_located_error(tmp_path):
    text = GOOD_FILE + "  - title: More\n    interval: 1h\n    dimensions: [[]]\n    metrics:\n      Things: {}\n"
    (tmp_path / "example.yaml").write_text(text)
    _, problems = load_catalog(tmp_path)
    assert [str(p) for p in problems] == ["metrics/example.yaml:17:7: error: metric 'Things' has a different interval "
                                          "at metrics/example.yaml:11:7 [bad-metric-catalog]"]


# --- compiled specs -------------------------------------------------------------------------------------

BUCKET = """\
resources:
  bucket: {type: s3, name: "orders-${env}", dimensions: {StorageType: StandardStorage}}
monitors:
  size:
    summary: The bucket is big.
    resource: bucket
    metric: BucketSizeBytes
    statistic: Average
PERIOD
    threshold: "> 1000000000000"
    severity: warning
"""


def test_a_monitor_period_too_short_is_an_error_at_the_period(tmp_path):
    result = compiled(tmp_path / "short", **service("orders", BUCKET.replace("PERIOD", "    period: 5m")))
    assert errors(result) == [
        "monitors/orders.yaml:13:13: error: AWS/S3 publishes 'BucketSizeBytes' once a day: an alarm that evaluates 1 "
        "period of 5m finds no data point in at least 99% of its evaluations: it stays in INSUFFICIENT_DATA and "
        "practically never fires; write period: 1d [metric-interval]"]
    assert not result.ok
    assert compiled(tmp_path / "daily", **service("orders", BUCKET.replace("PERIOD", "    period: 1d"))).ok


def test_a_default_period_is_blamed_at_the_monitor(tmp_path):
    result = compiled(tmp_path, **service("orders", BUCKET.replace("PERIOD\n", "")))
    assert [line.split(": error:")[0] for line in errors(result)] == ["monitors/orders.yaml:8:3"]  # `size:`


def test_a_math_query_with_its_own_period_is_blamed_there(tmp_path):
    body = """\
resources:
  bucket: {type: s3, name: "orders-${env}", dimensions: {StorageType: StandardStorage}}
monitors:
  growth:
    summary: The bucket grows fast.
    expression: "size / 1000000000"
    metrics:
      size:
        resource: bucket
        metric: BucketSizeBytes
        statistic: Average
        period: 1h
    period: 1d
    threshold: "> 1000"
    severity: warning
"""
    assert [line.split(": error:")[0] for line in errors(compiled(tmp_path, **service("orders", body)))] == [
        "monitors/orders.yaml:16:17"]


def test_an_ec2_one_minute_alarm_compiles_with_a_warning(tmp_path):
    body = """\
resources:
  box: {type: ec2, name: "i-0123456789abcdef0"}
monitors:
  cpu:
    summary: The instance is busy.
    resource: box
    metric: CPUUtilization
    statistic: Average
    period: 1m
    datapoints: 3 of 3
    threshold: "> 90"
    severity: warning
"""
    result = compiled(tmp_path, **service("orders", body))
    assert result.ok
    found = [str(d) for d in result.diagnostics if d.code == "metric-interval"]
    assert len(found) == 1 and found[0].startswith("monitors/orders.yaml:13:13: warning: AWS/EC2 publishes "
                                                   "'CPUUtilization' every 5 minutes, and every minute only with "
                                                   "detailed monitoring enabled on the instance")


def test_the_example_project_has_no_interval_problem():
    result = compile_project(Path(__file__).resolve().parents[1])
    assert [str(d) for d in result.diagnostics if d.code == "metric-interval"] == []


# --- presets --------------------------------------------------------------------------------------------

STORAGE_PRESET = """\
service: s3-storage
title: S3 bucket (storage, a test preset)
resource_types: [s3]
source: https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html
alarms:
  bucket-size:
    summary: The {resource} bucket is big.
    description: The bucket holds more than 1 TB.
    level: warning
    metric: BucketSizeBytes
    statistic: Average
    period: PERIOD
    datapoints: 1 of 1
    comparison: ">"
    threshold: 1000000000000
"""


def storage_presets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, period: str) -> None:
    """The shipped presets plus one on S3's daily BucketSizeBytes (no shipped preset watches a metric that is
    published less often than every minute)."""
    presets = tmp_path / "presets"
    shutil.copytree(PRESETS_DIR, presets)
    (presets / "s3-storage.yaml").write_text(STORAGE_PRESET.replace("PERIOD", period))
    catalog, problems = load_presets(presets)
    assert problems == []
    monkeypatch.setattr(expand, "shipped_catalog", lambda: (catalog, ()))


BUCKET_WITH_PRESET = """\
resources:
  bucket:
    type: s3
    name: "orders-${env}"
    dimensions: {StorageType: StandardStorage}
    preset: recommended
OVERRIDE"""


def test_a_preset_override_with_a_short_period_points_at_the_override_and_names_the_preset(tmp_path, monkeypatch):
    storage_presets(tmp_path, monkeypatch, "1d")
    body = BUCKET_WITH_PRESET.replace("OVERRIDE", "    presets:\n      bucket-size: {period: 5m}\n")
    found = errors(compiled(tmp_path / "project", **service("orders", body)))
    assert len(found) == 1
    assert found[0].startswith("monitors/orders.yaml:12:29: error: AWS/S3 publishes 'BucketSizeBytes' once a day: "
                               "an alarm that evaluates 1 period of 5m finds no data point in at least 99%")
    assert "(from preset s3-storage.bucket-size, used at monitors/orders.yaml:" in found[0]
    assert found[0].endswith("[metric-interval]")
    fine = BUCKET_WITH_PRESET.replace("OVERRIDE", "")
    assert compiled(tmp_path / "default", **service("orders", fine)).ok


def test_a_preset_with_a_short_period_points_at_its_use(tmp_path, monkeypatch):
    storage_presets(tmp_path, monkeypatch, "1h")
    found = errors(compiled(tmp_path / "project", **service("orders", BUCKET_WITH_PRESET.replace("OVERRIDE", ""))))
    assert len(found) == 1 and found[0].startswith("monitors/orders.yaml:10:13: error: AWS/S3 publishes "
                                                   "'BucketSizeBytes' once a day")
