"""Metrics AWS does not publish when they are zero or idle (the catalog's `absent_when`), and the
`metric-absent-when-zero` warning: a lower threshold on such a metric, with missing data not breaching,
never reaches ALARM in the case it is for (no traffic: no data point, not a 0)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from obsgen.compiler import compile_project
from obsgen.diagnostics import Level
from obsgen.metrics.catalog import MetricCatalog, load_catalog
from obsgen.metrics.checks import check_absence
from obsgen.metrics.reference import catalog_markdown
from obsgen.metrics.shipped import shipped_catalog, shipped_resource_types
from obsgen.presets.catalog import shipped_catalog as shipped_presets
from obsgen.presets.schema import ParamThreshold
from obsgen.values import Threshold
from spec_builder import PROJECT, errors, make_project

CATALOG, _ = shipped_catalog()
TYPES, _ = shipped_resource_types()
PRESETS, _ = shipped_presets()
CODE = "metric-absent-when-zero"


def below(value: float) -> Threshold:
    return Threshold("<", value)


# --- the data: only what AWS's pages say ------------------------------------------------------------

@pytest.mark.parametrize("namespace, metric, expected", [
    ("AWS/ApplicationELB", "RequestCount", "idle"),  # "Always reported", but only while requests flow
    ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "zero"),  # "There is a nonzero value"
    ("AWS/ApplicationELB", "TargetResponseTime", "zero"),
    ("AWS/ApplicationELB", "ELBAuthSuccess", "zero"),  # the group's
    ("AWS/ApplicationELB", "HealthyHostCount", None),  # "Reported if health checks are enabled"
    ("AWS/ApplicationELB", "ForwardedInvalidHeaderRequestCount", None),  # "Always reported", not the traffic
    ("AWS/NetworkELB", "NewFlowCount", "idle"),
    ("AWS/NetworkELB", "NewFlowCount_TCP", "zero"),
    ("AWS/NetworkELB", "TCP_Client_Reset_Count", None),
    ("AWS/Lambda", "Invocations", "idle"),
    ("AWS/Lambda", "Duration", None),
    ("AWS/SQS", "NumberOfMessagesSent", None),  # zeros are reported while the queue is active (six hours)
    ("AWS/SQS", "ApproximateNumberOfMessagesDelayed", None),  # the page contradicts itself
    ("AWS/SNS", "NumberOfMessagesPublished", None),  # likewise active for six hours after the last call
    ("AWS/ApiGateway", "Count", "idle"),  # one sample per request: inferred, and said so
    ("AWS/ApiGateway", "5xx", "idle"),  # the HTTP API flavour
    ("AWS/ApiGateway", "MessageCount", "idle"),  # the WebSocket flavour
    ("AWS/DynamoDB", "UserErrors", "zero"),  # "only sends metrics to CloudWatch when they have a non-zero value"
    ("AWS/DynamoDB", "SystemErrors", "zero"),  # the group's
    ("AWS/DynamoDB", "ProvisionedReadCapacityUnits", None),  # a setting, not activity
    ("AWS/DynamoDB", "AccountMaxReads", None),
    ("AWS/Events", "FailedInvocations", "zero"),  # "only sends this metric to CloudWatch if it isn't zero"
    ("AWS/Events", "TriggeredRules", None),  # its entry says nothing of it
    ("AWS/S3", "AllRequests", "idle"),  # a data point per request: inferred, and said so
    ("AWS/S3", "BucketSizeBytes", None),  # daily storage metrics
    ("AWS/Kinesis", "IncomingRecords", None),  # its page says nothing of it
])
def test_the_catalog_says_which_metrics_aws_does_not_publish_at_zero_or_idle(namespace, metric, expected):
    entry = CATALOG.metric(namespace, metric)
    assert entry is not None and entry.absent_when == expected


def test_the_reference_lists_them_per_namespace():
    page = catalog_markdown(CATALOG)
    assert "No data point while there is no traffic (`absent_when: idle`): ConsumedLCUs, RequestCount, " \
           "RequestCountPerTarget." in page
    assert "No data point when the value is zero (`absent_when: zero`): ActiveConnectionCount, " in page


# --- the check ----------------------------------------------------------------------------------------

def absent_metrics():
    """(namespace, metric) of every metric the shipped catalog says AWS does not publish at zero or idle."""
    for namespace, info in CATALOG.namespaces.items():
        for name, metric in info.metrics.items():
            if metric.absent_when is not None:
                yield namespace, name


def test_the_namespaces_with_absent_metrics_are_those_aws_pages_speak_of():
    assert sorted({namespace for namespace, _ in absent_metrics()}) == [
        "AWS/ApiGateway", "AWS/ApplicationELB", "AWS/DynamoDB", "AWS/Events", "AWS/Lambda", "AWS/NetworkELB", "AWS/S3"]


@pytest.mark.parametrize("namespace, metric", [pytest.param(*m, id=":".join(m)) for m in absent_metrics()])
def test_every_absent_metric_warns_unless_missing_data_is_breaching(namespace, metric):
    warned = check_absence(namespace, metric, below(1), "notBreaching")
    assert warned is not None and warned.kind == CODE and f"{namespace} metric '{metric}'" in warned.message
    assert check_absence(namespace, metric, below(1), "breaching") is None


def test_a_no_traffic_alarm_on_a_metric_published_only_with_traffic_is_a_warning():
    problem = check_absence("AWS/ApplicationELB", "RequestCount", below(1), "missing")
    assert problem is not None and problem.kind == CODE and problem.level is Level.WARNING
    assert problem.suggestion == "breaching"
    assert problem.message == (
        "AWS publishes AWS/ApplicationELB metric 'RequestCount' only while there is traffic: a period without "
        "traffic has no data point, not a 0, so threshold '< 1' is not breached and the alarm goes to "
        "INSUFFICIENT_DATA instead of going to ALARM (missing_data: missing); write missing_data: breaching to "
        "alarm when the metric stops")


def test_missing_data_breaching_makes_it_work():
    assert check_absence("AWS/ApplicationELB", "RequestCount", below(1), "breaching") is None


@pytest.mark.parametrize("missing, effect", [("notBreaching", "stays OK"), ("ignore", "keeps its state")])
def test_the_message_says_what_the_alarm_does_instead(missing, effect):
    problem = check_absence("AWS/Lambda", "Invocations", below(1), missing)
    assert problem is not None
    assert f"the alarm {effect} instead of going to ALARM (missing_data: {missing})" in problem.message


def test_a_metric_published_only_when_nonzero_says_so():
    problem = check_absence("AWS/ApplicationELB", "HTTPCode_Target_2XX_Count", below(100), "missing")
    assert problem is not None
    assert problem.message.startswith("AWS publishes AWS/ApplicationELB metric 'HTTPCode_Target_2XX_Count' only "
                                      "when its value is nonzero: a period where it would be 0 has no data point")


@pytest.mark.parametrize("threshold, warned", [
    (Threshold("<", 1), True), (Threshold("<", 0.5), True), (Threshold("<=", 0), True), (Threshold("<=", 10), True),
    (Threshold("<", 0), False), (Threshold("<=", -1), False),  # a 0 does not breach them
    (Threshold(">", 0), False), (Threshold(">=", 1), False),  # upper bounds: a 0 is fine
    (Threshold("outside", 2), True), (Threshold("below", 2), True),  # a band's lower side
    (Threshold("above", 2), False),
])
def test_only_a_threshold_that_a_zero_would_breach_is_checked(threshold, warned):
    assert (check_absence("AWS/ApplicationELB", "RequestCount", threshold, "missing") is not None) is warned


@pytest.mark.parametrize("namespace, metric", [
    ("AWS/ApplicationELB", "HealthyHostCount"),  # published with its 0
    ("AWS/SQS", "NumberOfMessagesSent"),
    ("MyApp", "Orders"),  # a custom namespace: whatever the application publishes
    ("AWS/ApplicationELB", "RequestCounts"),  # unknown: the metric check says so
])
def test_other_metrics_are_not_warned_about(namespace, metric):
    assert check_absence(namespace, metric, below(1), "missing") is None


def preset_alarms():
    """(preset alarm on type, namespace, metric, threshold, missing_data) of every shipped preset alarm; a
    threshold given by a parameter is taken as 1, the worst case for a lower bound."""
    for presets in PRESETS.sets.values():
        for type_name in presets.spec.resource_types:
            for name, alarm in presets.spec.alarms.items():
                value = 1.0 if isinstance(alarm.threshold, ParamThreshold) else float(alarm.threshold)
                yield (f"{presets.spec.service}.{name} on {type_name}", TYPES[type_name].namespace, alarm.metric,
                       Threshold(alarm.comparison, value), alarm.missing_data)


@pytest.mark.parametrize("preset, namespace, metric, threshold, missing", list(preset_alarms()),
                         ids=lambda v: v if isinstance(v, str) and " on " in v else "")
def test_every_preset_alarm_can_reach_alarm_when_its_metric_stops(preset, namespace, metric, threshold, missing):
    assert check_absence(namespace, metric, threshold, missing) is None


# --- broken data files are located errors -----------------------------------------------------------

DATA = textwrap.dedent("""\
    namespace: AWS/Example
    title: Example
    source: https://docs.aws.amazon.com/example/metrics.html
    coverage: complete
    groups:
      - title: Things
        dimensions: [[ThingName]]
        absent_when: zero
        metrics:
          Things: {unit: Count}
          Stuff: {unit: Count, absent_when: idle}
    """)


def load(tmp_path: Path, text: str) -> tuple[MetricCatalog, list[str]]:
    (tmp_path / "example.yaml").write_text(text)
    catalog, problems = load_catalog(tmp_path)
    return catalog, [str(p) for p in problems]


def test_a_group_says_it_for_its_metrics_and_a_metric_for_itself(tmp_path):
    catalog, problems = load(tmp_path, DATA)
    assert problems == []
    assert catalog.metric("AWS/Example", "Things").absent_when == "zero"
    assert catalog.metric("AWS/Example", "Stuff").absent_when == "idle"


def test_an_unknown_value_is_a_located_error(tmp_path):
    _, problems = load(tmp_path, DATA.replace("absent_when: idle", "absent_when: never"))
    assert len(problems) == 1
    assert problems[0].startswith("metrics/example.yaml:11:41: error: groups[0].metrics.Stuff.absent_when: expected "
                                  "'zero' or 'idle'"), problems[0]


def test_a_metric_that_repeats_its_groups_value_is_a_located_error(tmp_path):
    _, problems = load(tmp_path, DATA.replace("absent_when: idle", "absent_when: zero"))
    assert problems == ["metrics/example.yaml:11:41: error: metric 'Stuff' repeats its group's absent_when: zero "
                        "[bad-metric-catalog]"]


def test_a_metric_listed_twice_with_different_values_is_a_located_error(tmp_path):
    more = "  - title: More\n    dimensions: [[]]\n    metrics:\n      Things: {absent_when: idle}\n"
    _, problems = load(tmp_path, DATA + more)
    assert problems == ["metrics/example.yaml:15:7: error: metric 'Things' has a different absent_when at "
                        "metrics/example.yaml:10:7 [bad-metric-catalog]"]


def test_a_metric_listed_twice_takes_the_value_of_the_listing_that_gives_one(tmp_path):
    more = "  - title: More\n    dimensions: [[]]\n    metrics:\n      Things: {unit: Count}\n"
    catalog, problems = load(tmp_path, DATA + more)
    assert problems == [] and catalog.metric("AWS/Example", "Things").absent_when == "zero"


# --- as the compiler reports it -----------------------------------------------------------------------

MAPPED_PROJECT = PROJECT + "presets:\n  severities: {critical: critical, warning: warning}\n"
SHOP = """\
apiVersion: obsgen/v1
kind: Service
service: shop
owner: team-shop
resources:
  lb: {type: alb, name: "app/shop-${env}/50dc6c495c0c9188"}
monitors:
  no-traffic:
    summary: No requests reach the shop.
    resource: lb
    metric: RequestCount
    statistic: Sum
    period: 5m
    threshold: "< 1"
    severity: critical
"""


def compiled(tmp_path: Path, text: str):
    return compile_project(make_project(tmp_path, project=MAPPED_PROJECT, extra_files={"monitors/shop.yaml": text}))


def test_a_no_traffic_alarm_is_a_warning_at_its_threshold_and_the_build_goes_on(tmp_path):
    result = compiled(tmp_path, SHOP)
    assert errors(result) == [
        "monitors/shop.yaml:14:16: warning: AWS publishes AWS/ApplicationELB metric 'RequestCount' only while there "
        "is traffic: a period without traffic has no data point, not a 0, so threshold '< 1' is not breached and the "
        "alarm goes to INSUFFICIENT_DATA instead of going to ALARM (missing_data: missing); write missing_data: "
        "breaching to alarm when the metric stops [metric-absent-when-zero]"]
    assert result.ok and result.diagnostics[0].level is Level.WARNING
    assert any(name.endswith("shop.json") for name in result.files)


def test_a_written_missing_data_is_where_the_warning_points(tmp_path):
    result = compiled(tmp_path, SHOP + "    missing_data: notBreaching\n")
    found = errors(result)
    assert len(found) == 1 and found[0].startswith("monitors/shop.yaml:16:19: warning: ")
    assert "the alarm stays OK instead of going to ALARM (missing_data: notBreaching)" in found[0]


@pytest.mark.parametrize("change", [
    ("    severity: critical\n", "    severity: critical\n    missing_data: breaching\n"),
    ("    severity: critical\n", "    severity: critical\n    cloudwatch: {TreatMissingData: breaching}\n"),
    ('threshold: "< 1"', 'threshold: "> 100000"'),
    ("metric: RequestCount", "metric: HealthyHostCount"),
])
def test_an_alarm_that_fires_when_the_traffic_stops_or_another_alarm_is_not_warned_about(tmp_path, change):
    text = SHOP.replace(*change)
    if "HealthyHostCount" in text:
        text = text.replace("type: alb, name:", "type: alb-target-group, dimensions: {LoadBalancer: app/shop/1}, name:")
        text = text.replace('"app/shop-${env}/50dc6c495c0c9188"', '"targetgroup/shop-${env}/73e2d6bc24d8a067"')
    result = compiled(tmp_path, text)
    assert [line for line in errors(result) if CODE in line] == [], errors(result)
    assert result.ok


MATH = """\
  no-traffic:
    summary: No requests reach the shop.
    expression: EXPR
    metrics:
      requests: {resource: lb, metric: RequestCount, statistic: Sum}
    period: 5m
    threshold: "< 1"
    severity: critical
"""


def test_a_math_monitor_is_checked_when_its_expression_is_one_of_its_metrics(tmp_path):
    head = SHOP.split("  no-traffic:")[0]
    plain = compiled(tmp_path / "plain", head + MATH.replace("EXPR", "requests"))
    assert [line.split(": warning: ")[0] for line in errors(plain)] == ["monitors/shop.yaml:14:16"]
    filled = compiled(tmp_path / "filled", head + MATH.replace("EXPR", '"FILL(requests, 0)"'))
    assert errors(filled) == []  # FILL makes the missing period a 0


def test_an_environment_override_of_missing_data_is_where_the_warning_points(tmp_path):
    project = MAPPED_PROJECT.replace("presets:", "    overrides:\n      shop/no-traffic: {missing_data: ignore}\npresets:")
    result = compile_project(make_project(tmp_path, project=project, extra_files={"monitors/shop.yaml": SHOP}))
    found = errors(result)
    assert len(found) == 1 and found[0].startswith("monitors/obsgen.yaml:26:39: warning: "), found  # the override
    assert "the alarm keeps its state instead of going to ALARM (missing_data: ignore)" in found[0]
    fixed = project.replace("missing_data: ignore", "missing_data: breaching")
    assert errors(compile_project(make_project(tmp_path / "fixed", project=fixed,
                                               extra_files={"monitors/shop.yaml": SHOP}))) == []


# --- the other side: missing data as breaching on an upper threshold ----------------------------------

BREACHING = "metric-absent-breaching"


def test_an_error_alarm_with_missing_data_breaching_fires_in_every_quiet_period():
    problem = check_absence("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", Threshold(">", 5), "breaching")
    assert problem is not None and problem.kind == BREACHING and problem.level is Level.WARNING
    assert problem.suggestion == "notBreaching"
    assert problem.message == (
        "AWS publishes AWS/ApplicationELB metric 'HTTPCode_Target_5XX_Count' only when its value is nonzero: a "
        "period where it is 0 has no data point, and missing_data: breaching counts it as breaching threshold "
        "'> 5', so the alarm goes to ALARM in every such period, when all is well; write missing_data: notBreaching")


def test_an_idle_metric_says_without_traffic():
    problem = check_absence("AWS/Lambda", "Invocations", Threshold(">", 1000), "breaching")
    assert problem is not None and "only while there is traffic: a period without traffic has no data point" in \
        problem.message


@pytest.mark.parametrize("threshold, missing, warned", [
    (Threshold(">", 5), "breaching", True), (Threshold(">=", 1), "breaching", True),
    (Threshold("above", 2), "breaching", True),  # a band's upper side
    (Threshold(">", 5), "notBreaching", False), (Threshold(">", 5), "missing", False),
    (Threshold(">", 5), "ignore", False),
    (Threshold(">=", 0), "breaching", False),  # a 0 breaches it too: the absence changes nothing
    (Threshold(">", -1), "breaching", False),
    (Threshold("<", 1), "breaching", False),  # the lower side: breaching is what makes it work
    (Threshold("outside", 2), "breaching", False),
])
def test_only_an_upper_threshold_a_zero_does_not_breach_is_checked(threshold, missing, warned):
    problem = check_absence("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", threshold, missing)
    assert (problem is not None) is warned
    assert problem is None or problem.kind == BREACHING


def test_a_metric_published_with_its_zeros_is_not_warned_about():
    assert check_absence("AWS/SQS", "NumberOfMessagesSent", Threshold(">", 5), "breaching") is None


def test_the_compiler_points_at_the_missing_data_it_comes_from(tmp_path):
    text = (SHOP.replace("metric: RequestCount", "metric: HTTPCode_Target_5XX_Count").replace('"< 1"', '"> 5"')
            + "    missing_data: breaching\n")
    assert errors(compiled(tmp_path, text)) == [
        "monitors/shop.yaml:16:19: warning: AWS publishes AWS/ApplicationELB metric 'HTTPCode_Target_5XX_Count' "
        "only when its value is nonzero: a period where it is 0 has no data point, and missing_data: breaching "
        "counts it as breaching threshold '> 5', so the alarm goes to ALARM in every such period, when all is "
        f"well; write missing_data: notBreaching [{BREACHING}]"]
