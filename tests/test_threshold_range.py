"""Thresholds a metric never crosses, or always crosses: the catalog's `range:` (from AWS's pages), the lower
bound a unit gives, what the statistic does to them, and the `threshold-never-breached` error and
`threshold-always-breached` warning, located at the threshold."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import boto3
import pytest
import yaml
from aws_support import REGION, aws_env  # noqa: F401

from obsgen.adopt import Selection, connect_account, import_project
from obsgen.compiler import compile_project
from obsgen.diagnostics import Level
from obsgen.metrics.catalog import MetricCatalog, load_catalog
from obsgen.metrics.files import DATA_DIR
from obsgen.metrics.ranges import check_range, statistic_limits
from obsgen.metrics.reference import catalog_markdown
from obsgen.metrics.shipped import shipped_catalog, shipped_resource_types
from obsgen.presets.catalog import shipped_catalog as shipped_presets
from obsgen.presets.schema import ParamThreshold
from obsgen.values import Threshold
from spec_builder import PROJECT, errors, make_project

CATALOG, _ = shipped_catalog()
TYPES, _ = shipped_resource_types()
PRESETS, _ = shipped_presets()
NEVER, ALWAYS = "threshold-never-breached", "threshold-always-breached"


def limits(namespace: str, metric: str, statistic: str) -> tuple[float | None, float | None]:
    low, high = statistic_limits(CATALOG.metric(namespace, metric), statistic)
    return (None if low is None else low.value), (None if high is None else high.value)


def kind(namespace: str, metric: str, statistic: str, threshold: str) -> str | None:
    operator, value = threshold.split()
    problem = check_range(namespace, metric, statistic, Threshold(operator, float(value)))
    return None if problem is None else problem.kind


# --- the data: only what AWS's pages say ------------------------------------------------------------

@pytest.mark.parametrize("namespace, metric, low, high", [
    ("AWS/EC2", "CPUUtilization", None, 100),  # "The percentage of physical CPU time"
    ("AWS/EC2", "StatusCheckFailed", None, 1),  # "either 0 (passed) or 1 (failed)"
    ("AWS/RDS", "ReplicaLag", -1, None),  # "If the ReplicaLag metric returns -1, ..."
    ("AWS/Route53", "HealthCheckStatus", 0, 1),  # unit None: the page gives both
])
def test_the_catalog_records_the_bounds_aws_pages_give(namespace, metric, low, high):
    bounds = CATALOG.metric(namespace, metric).bounds
    assert bounds is not None and (bounds.low, bounds.high) == (low, high)


@pytest.mark.parametrize("namespace, metric", [
    ("AWS/ECS", "CPUUtilization"),  # a service "reports 400% CPU utilization" past its task definition
    ("AWS/ECS", "MemoryUtilization"),
    ("AWS/DynamoDB", "AccountProvisionedReadCapacityUtilization"),  # a percentage of what, the page does not say
    ("AWS/ElastiCache", "DatabaseMemoryUsagePercentage"),
])
def test_a_percentage_its_page_does_not_bound_has_no_upper_bound(namespace, metric):
    entry = CATALOG.metric(namespace, metric)
    assert entry is not None and entry.unit == "Percent" and entry.bounds is None
    assert limits(namespace, metric, "Maximum") == (0, None)


def test_every_recorded_bound_carries_aws_words_and_an_aws_page():
    bounded = [m for info in CATALOG.namespaces.values() for m in info.metrics.values() if m.bounds is not None]
    assert len(bounded) >= 30
    for metric in bounded:
        assert metric.bounds.says.strip(), metric.name
        assert re.match(r"^https://docs\.aws\.amazon\.com/\S+\.html", metric.bounds.source), metric.name
        assert metric.bounds.low is not None or metric.bounds.high is not None


def test_every_range_in_the_data_files_gives_the_words_it_rests_on():
    """The schema makes `says:` required; here, the files themselves: no range without it."""
    for path in DATA_DIR.glob("*.yaml"):
        for line in path.read_text().splitlines():
            if re.search(r"\brange: *\{", line) and "says:" not in line:
                pytest.fail(f"{path.name}: {line.strip()}")


def test_the_reference_lists_the_bounds_and_says_where_the_lower_bound_comes_from():
    page = catalog_markdown(CATALOG)
    assert "| CPUUtilization | value ≤ 100 | The percentage of physical CPU time that Amazon EC2 uses to run the " \
           "EC2 instance |" in page
    assert "| ReplicaLag | -1 ≤ value | If the ReplicaLag metric returns -1" in page
    assert "The lower bound comes from the unit, not from each metric" in page


# --- what the statistic does to the bounds -----------------------------------------------------------

@pytest.mark.parametrize("statistic, low, high", [
    ("Average", 0, 100), ("Minimum", 0, 100), ("Maximum", 0, 100), ("p99", 0, 100), ("p99.9", 0, 100),
    ("tm90", 0, 100), ("IQM", 0, 100), ("WM(10%:90%)", 0, 100),
    ("Sum", 0, None), ("ts90", 0, None), ("TS(10%:90%)", 0, None),  # adds data points up: 3 x 60% is 180
    ("SampleCount", 0, None), ("TC(:50)", 0, None),  # counts data points
    ("PR(:50)", 0, 100),  # a percentage of data points
])
def test_each_statistic_of_a_percentage_of_cpu_time(statistic, low, high):
    assert limits("AWS/EC2", "CPUUtilization", statistic) == (low, high)


@pytest.mark.parametrize("statistic, low", [("Average", -1), ("Minimum", -1), ("Sum", None), ("SampleCount", 0)])
def test_a_metric_that_reports_minus_one(statistic, low):
    assert limits("AWS/RDS", "ReplicaLag", statistic) == (low, None)


@pytest.mark.parametrize("namespace, metric, statistic, expected", [
    ("AWS/Lambda", "Errors", "Sum", (0, None)),  # a Count
    ("AWS/Lambda", "Duration", "p99", (0, None)),  # Milliseconds
    ("AWS/SQS", "ApproximateAgeOfOldestMessage", "Maximum", (0, None)),  # Seconds
    ("AWS/CloudFront", "Requests", "Sum", (None, None)),  # unit None
    ("AWS/RDS", "FreeStorageSpace", "Minimum", (None, None)),  # no unit in the catalog
    ("Shop/Orders", "Placed", "Sum", (None, None)),  # a custom metric
    ("Shop/Orders", "Placed", "SampleCount", (0, None)),  # SampleCount whatever the metric
])
def test_the_lower_bound_comes_from_the_unit(namespace, metric, statistic, expected):
    assert limits(namespace, metric, statistic) == expected


# --- the check ----------------------------------------------------------------------------------------

def test_a_threshold_above_a_percentage_of_cpu_time_is_an_error():
    problem = check_range("AWS/EC2", "CPUUtilization", "Average", Threshold(">", 100))
    assert problem is not None and problem.kind == NEVER and problem.level is Level.ERROR
    assert problem.message == (
        "Average of AWS/EC2 metric 'CPUUtilization' is at most 100 (AWS: \"The percentage of physical CPU time that "
        "Amazon EC2 uses to run the EC2 instance\", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/"
        "viewing_metrics_with_cloudwatch.html#ec2-cloudwatch-metrics): no data point breaches threshold '> 100', so "
        "the alarm never fires; write a threshold the metric can cross")


def test_a_threshold_every_count_breaches_is_a_warning_that_says_how_to_alarm_on_silence():
    problem = check_range("AWS/Lambda", "Errors", "Sum", Threshold(">=", 0))
    assert problem is not None and problem.kind == ALWAYS and problem.level is Level.WARNING
    assert problem.message == (
        "Sum of AWS/Lambda metric 'Errors' is never below 0 (a sum of data points that are never below 0: 'Errors' "
        "is in Count, an amount): every data point breaches threshold '>= 0', so the alarm is in ALARM "
        "whenever the metric has data and never returns to OK; to alarm when the metric stops instead, write "
        "statistic: SampleCount, threshold: \"< 1\" and missing_data: breaching")


@pytest.mark.parametrize("namespace, metric, statistic, threshold, expected", [
    ("AWS/EC2", "CPUUtilization", "Maximum", "> 100", NEVER),
    ("AWS/EC2", "CPUUtilization", "Maximum", ">= 100", None),  # 100 is reached
    ("AWS/EC2", "CPUUtilization", "Maximum", ">= 100.5", NEVER),
    ("AWS/EC2", "CPUUtilization", "Average", "<= 100", ALWAYS),
    ("AWS/EC2", "CPUUtilization", "Average", "< 100", None),
    ("AWS/EC2", "CPUUtilization", "Average", "< 0", NEVER),
    ("AWS/EC2", "CPUUtilization", "Average", "<= 0", None),  # 0 is reached
    ("AWS/EC2", "CPUUtilization", "Sum", "> 100", None),  # a Sum of percentages exceeds 100
    ("AWS/EC2", "CPUUtilization", "SampleCount", "> 100", None),
    ("AWS/Lambda", "Errors", "Sum", "< 0", NEVER),
    ("AWS/Lambda", "Errors", "Sum", "> 0", None),
    ("AWS/Lambda", "Errors", "Sum", "> -1", ALWAYS),
    ("AWS/Lambda", "Duration", "p99", "> -1", ALWAYS),  # Latency > -1
    ("AWS/Lambda", "Errors", "Sum", "< 1", None),
    ("AWS/EC2", "StatusCheckFailed", "Maximum", "> 1", NEVER),
    ("AWS/EC2", "StatusCheckFailed", "Maximum", ">= 1", None),
    ("AWS/EC2", "StatusCheckFailed", "Sum", "> 1", None),  # several failed minutes in a period
    ("AWS/S3", "5xxErrors", "Average", "> 5", NEVER),  # a rate of 0 or 1 per request, not a percentage
    ("AWS/ECS", "CPUUtilization", "Average", "> 100", None),  # may exceed 100
    ("AWS/ECS", "CPUUtilization", "Average", "< 0", NEVER),  # a Percent is never below 0
    ("AWS/RDS", "ReplicaLag", "Maximum", "< 0", None),  # -1: replication not active
    ("AWS/RDS", "ReplicaLag", "Maximum", "< -1", NEVER),
    ("AWS/RDS", "ReplicaLag", "Maximum", ">= -1", ALWAYS),
    ("AWS/RDS", "FreeStorageSpace", "Minimum", "< 0", None),  # no unit in the catalog: nothing known
    ("Shop/Orders", "Placed", "SampleCount", "< 0", NEVER),
    ("Shop/Orders", "Placed", "SampleCount", "< 1", None),  # the heartbeat the warning suggests
    ("Shop/Orders", "Placed", "Sum", "< 0", None),
])
def test_which_thresholds_are_never_or_always_breached(namespace, metric, statistic, threshold, expected):
    assert kind(namespace, metric, statistic, threshold) == expected


@pytest.mark.parametrize("operator", ["outside", "above", "below"])
def test_an_anomaly_detection_band_is_not_checked(operator):
    assert check_range("AWS/EC2", "CPUUtilization", "Average", Threshold(operator, 2)) is None


def preset_alarms():
    """(preset alarm on type, namespace, metric, statistic, threshold) of every shipped preset alarm whose
    threshold is a number or a parameter with a default (without one, the spec gives it)."""
    for presets in PRESETS.sets.values():
        for type_name in presets.spec.resource_types:
            for name, alarm in presets.spec.alarms.items():
                value = alarm.threshold
                if isinstance(value, ParamThreshold):
                    default = presets.spec.params[value.param].default
                    if not isinstance(default, (int, float)):
                        continue
                    value = default * value.factor
                yield (f"{presets.spec.service}.{name} on {type_name}", TYPES[type_name].namespace, alarm.metric,
                       alarm.statistic, Threshold(alarm.comparison, float(value)))


@pytest.mark.parametrize("preset, namespace, metric, statistic, threshold", list(preset_alarms()),
                         ids=lambda v: v if isinstance(v, str) and " on " in v else "")
def test_every_preset_alarm_can_fire_and_return_to_ok(preset, namespace, metric, statistic, threshold):
    assert check_range(namespace, metric, statistic, threshold) is None


# --- broken ranges in a data file are located errors ---------------------------------------------------

DATA = textwrap.dedent("""\
    namespace: AWS/Example
    title: Example
    source: https://docs.aws.amazon.com/example/metrics.html
    coverage: complete
    groups:
      - title: Things
        dimensions: [[ThingName]]
        metrics:
          Things: {unit: Percent, range: {max: 100, says: The percentage of things.}}
    """)


def load(tmp_path: Path, text: str) -> tuple[MetricCatalog, list[str]]:
    (tmp_path / "example.yaml").write_text(text)
    catalog, problems = load_catalog(tmp_path)
    return catalog, [str(p) for p in problems]


def test_a_range_takes_the_metrics_page_unless_it_names_its_own(tmp_path):
    catalog, problems = load(tmp_path, DATA)
    assert problems == []
    assert catalog.metric("AWS/Example", "Things").bounds.source == "https://docs.aws.amazon.com/example/metrics.html"
    other = "https://docs.aws.amazon.com/example/other.html"
    catalog, _ = load(tmp_path, DATA.replace("things.}", f"things., source: {other}}}"))
    assert catalog.metric("AWS/Example", "Things").bounds.source == other


def test_a_range_that_bounds_nothing_is_a_located_error(tmp_path):
    _, problems = load(tmp_path, DATA.replace("max: 100, ", ""))
    assert problems == ["metrics/example.yaml:9:38: error: a range gives 'min', 'max' or both [bad-metric-catalog]"]


def test_a_range_whose_max_is_not_above_its_min_is_a_located_error(tmp_path):
    _, problems = load(tmp_path, DATA.replace("max: 100, ", "min: 100, max: 1, "))
    assert problems == ["metrics/example.yaml:9:54: error: a range's max (1) must be above its min (100) "
                        "[bad-metric-catalog]"]


def test_a_range_without_the_pages_words_is_a_located_error(tmp_path):
    _, problems = load(tmp_path, DATA.replace(", says: The percentage of things.", ""))
    assert len(problems) == 1 and problems[0].startswith("metrics/example.yaml:9:31: error: "), problems
    assert "says" in problems[0]


def test_a_metric_listed_twice_with_different_ranges_is_a_located_error(tmp_path):
    more = "  - title: More\n    dimensions: [[]]\n    metrics:\n      Things: {range: {max: 1, says: Zero or one.}}\n"
    _, problems = load(tmp_path, DATA + more)
    assert problems == ["metrics/example.yaml:13:7: error: metric 'Things' has a different range at "
                        "metrics/example.yaml:9:7 [bad-metric-catalog]"]


# --- as the compiler reports it -----------------------------------------------------------------------

HOSTS = """\
apiVersion: obsgen/v1
kind: Service
service: hosts
owner: team-hosts
resources:
  web: {type: ec2, name: "i-0123456789abcdef0"}
  fn: {type: lambda, name: "hosts-${env}"}
monitors:
  cpu:
    summary: The web host's CPU is saturated.
    resource: web
    metric: CPUUtilization
    statistic: Average
    period: 5m
    threshold: "> 100"
    severity: critical
"""


def compiled(tmp_path: Path, text: str, project: str = PROJECT):
    return compile_project(make_project(tmp_path, project=project, extra_files={"monitors/hosts.yaml": text}))


def test_a_threshold_the_metric_never_crosses_is_an_error_at_the_threshold(tmp_path):
    result = compiled(tmp_path, HOSTS)
    found = [line for line in errors(result) if NEVER in line]
    assert len(found) == 1 and found[0].startswith(
        "monitors/hosts.yaml:15:16: error: Average of AWS/EC2 metric 'CPUUtilization' is at most 100 "), found
    assert not result.ok


def test_a_threshold_every_value_crosses_is_a_warning_at_the_threshold_and_the_build_goes_on(tmp_path):
    text = HOSTS.replace("resource: web\n    metric: CPUUtilization\n    statistic: Average",
                         "resource: fn\n    metric: Errors\n    statistic: Sum").replace('"> 100"', '">= 0"')
    result = compiled(tmp_path, text)
    found = [line for line in errors(result) if ALWAYS in line]
    assert len(found) == 1 and found[0].startswith(
        "monitors/hosts.yaml:15:16: warning: Sum of AWS/Lambda metric 'Errors' is never below 0 "), found
    assert result.ok


def test_a_threshold_within_the_range_is_not_reported(tmp_path):
    result = compiled(tmp_path, HOSTS.replace('"> 100"', '"> 90"'))
    assert [line for line in errors(result) if "threshold-" in line] == []


def test_a_math_monitor_is_checked_when_its_expression_is_one_of_its_metrics(tmp_path):
    math = HOSTS.replace("    resource: web\n    metric: CPUUtilization\n    statistic: Average\n",
                         "    expression: EXPR\n    metrics:\n"
                         "      cpu: {resource: web, metric: CPUUtilization, statistic: Average}\n")
    plain = compiled(tmp_path / "plain", math.replace("EXPR", "cpu"))
    assert [line.split(": error: ")[0] for line in errors(plain) if NEVER in line] == ["monitors/hosts.yaml:15:16"]
    scaled = compiled(tmp_path / "scaled", math.replace("EXPR", '"cpu * 2"'))
    assert [line for line in errors(scaled) if "threshold-" in line] == []


def test_a_statistic_sent_as_written_is_not_checked(tmp_path):
    text = HOSTS + "    cloudwatch: {ExtendedStatistic: p99}\n"
    assert [line for line in errors(compiled(tmp_path, text)) if "threshold-" in line] == []


def test_an_environment_override_of_the_threshold_is_where_the_error_points(tmp_path):
    project = PROJECT + "    overrides:\n      hosts/cpu: {threshold: \"> 150\"}\n"
    result = compiled(tmp_path, HOSTS.replace('"> 100"', '"> 90"'), project)
    found = [line for line in errors(result) if NEVER in line]
    assert len(found) == 1 and found[0].startswith("monitors/obsgen.yaml:"), found
    assert "threshold '> 150'" in found[0]


# --- obsgen import: an account's dead alarm is imported, kept as it is, and reported ---------------------

@pytest.mark.usefixtures("aws_env")
def test_an_imported_alarm_that_never_fires_is_kept_as_it_is_and_reported():
    cw = boto3.client("cloudwatch", region_name=REGION)
    cw.put_metric_alarm(AlarmName="web-prod", Namespace="AWS/EC2", MetricName="CPUUtilization", Statistic="Average",
                        Dimensions=[{"Name": "InstanceId", "Value": "i-0123456789abcdef0"}], Period=300,
                        EvaluationPeriods=1, Threshold=100, ComparisonOperator="GreaterThanThreshold")
    imported = import_project(connect_account(REGION, None, None), Selection(prefix="web-"), "p", "prod")
    (finding,) = [f for f in imported.findings if f.outcome == "does not work"]
    assert finding.subject == "web-prod" and finding.why.startswith(
        "Average of AWS/EC2 metric 'CPUUtilization' is at most 100 (AWS: ")
    assert finding.why.endswith("so the alarm never fires; kept as it is (cloudwatch: Threshold 100): delete that "
                                "line, write a threshold the metric can cross and apply to make it work")
    (service,) = [yaml.safe_load(t) for p, t in imported.files.items() if p != "monitors/obsgen.yaml"]
    (monitor,) = service["monitors"].values()
    assert monitor["threshold"] == "> 100" and monitor["cloudwatch"]["Threshold"] == 100
    assert not [f for f in imported.findings if f.outcome == "differs"]
