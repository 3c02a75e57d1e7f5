"""The metric catalog (src/obsgen/metrics): its data, its loader, the checks, the generated reference."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from urllib.parse import urlparse

import pytest

from obsgen.compiler import compile_project
from obsgen.diagnostics import Level
from obsgen.metrics import checks
from obsgen.metrics.catalog import DATA_DIR, RESOURCE_TYPES_FILE, load_catalog, namespace_slug
from obsgen.metrics.checks import Problem, check_metric, is_checked
from obsgen.metrics.reference import catalog_markdown, resource_types_markdown
from obsgen.metrics.resource_types import load_resource_types
from obsgen.metrics.shipped import INDEX_FILE, read_index, shipped_catalog, shipped_resource_types, write_index
from obsgen.presets.catalog import shipped_catalog as shipped_presets
from obsgen.resource_types import RESOURCE_TYPES

ROOT = Path(__file__).resolve().parents[1]
CATALOG, BROKEN = shipped_catalog()
TYPES, BROKEN_TYPES = shipped_resource_types()
PRESETS, _ = shipped_presets()

# The namespaces obsgen's resource types and presets use, and those issue 15 adds resource types for.
NAMESPACES = ["AWS/Lambda", "AWS/ApiGateway", "AWS/DynamoDB", "AWS/SQS", "AWS/SNS", "AWS/ECS", "AWS/ApplicationELB",
              "AWS/RDS", "AWS/ElastiCache", "AWS/S3", "AWS/Kinesis", "AWS/States", "AWS/EC2", "AWS/CloudFront",
              "AWS/Cognito", "AWS/WAFV2", "Glue", "AWS/Events", "AWS/Firehose", "AWS/SageMaker", "AWS/Route53",
              "AWS/AutoScaling", "AWS/ES", "AWS/Billing", "AWS/Logs", "AWS/Usage", "AWS/NetworkELB", "AWS/NATGateway"]


def kinds(problems: tuple[Problem, ...]) -> list[str]:
    return [p.kind for p in problems]


# --- the data -------------------------------------------------------------------------------------

def test_every_data_file_loads_without_a_problem():
    assert BROKEN == ()
    assert BROKEN_TYPES == ()
    files = {p.name for p in DATA_DIR.glob("*.yaml")} - {RESOURCE_TYPES_FILE}
    assert {f"{namespace_slug(ns)}.yaml" for ns in CATALOG.namespaces} == files


# --- the index (metrics/shipped.py): what every build reads instead of the YAML files -------------

def test_the_shipped_index_is_current():
    assert read_index(DATA_DIR) is not None, f"{INDEX_FILE} is out of date: run `python -m obsgen.metrics`"


def test_the_shipped_index_holds_what_reading_the_yaml_files_gives():
    """Equal values, and every mapping and list in the same order: the index may stand in for the YAML."""
    index = read_index(DATA_DIR)
    catalog, problems = load_catalog(DATA_DIR)
    types, type_problems = load_resource_types(DATA_DIR / RESOURCE_TYPES_FILE, catalog)
    assert index is not None and problems == [] and type_problems == []
    assert index.catalog == catalog and index.types == types
    assert list(index.catalog.namespaces) == list(catalog.namespaces) and list(index.types) == list(types)
    for name, info in catalog.namespaces.items():
        indexed = index.catalog.namespaces[name]
        assert list(indexed.metrics) == list(info.metrics) and list(indexed.flavours) == list(info.flavours)
        for metric in info.metrics:
            assert index.catalog.namespaces_with(metric) == catalog.namespaces_with(metric)
    assert (CATALOG, TYPES) == (catalog, types)


def test_an_index_out_of_date_or_damaged_is_not_used(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    assert read_index(data) is not None  # the copy is current, as the package's
    lambda_file = data / "lambda.yaml"
    lambda_file.write_text(lambda_file.read_text(encoding="utf-8").replace("title: AWS Lambda", "title: AWS Lambada"), encoding="utf-8")
    assert read_index(data) is None  # a data file edited since: the YAML files are read instead
    assert write_index(data) == [] and read_index(data).catalog.namespace("AWS/Lambda").title == "AWS Lambada"
    (data / INDEX_FILE).write_text('{"digest": "', encoding="utf-8")
    assert read_index(data) is None
    (data / INDEX_FILE).unlink()
    assert read_index(data) is None


def test_a_broken_data_file_writes_no_index(tmp_path):
    (tmp_path / "example.yaml").write_text(GOOD_FILE.replace("flavour: big", "flavour: small"))
    shutil.copy(DATA_DIR / RESOURCE_TYPES_FILE, tmp_path / RESOURCE_TYPES_FILE)
    assert [p.code for p in write_index(tmp_path)][:1] == ["bad-metric-catalog"]
    assert not (tmp_path / INDEX_FILE).exists()


def test_the_catalog_covers_every_namespace_of_the_resource_types_and_presets():
    assert set(NAMESPACES) <= set(CATALOG.namespaces)
    used = {kind.namespace for kind in RESOURCE_TYPES.values() if kind.namespace}
    used |= {t.namespace for t in TYPES.values() if t.namespace}
    assert used <= set(CATALOG.namespaces)


def test_every_entry_cites_an_aws_documentation_page():
    sources = [(ns, info.source) for ns, info in CATALOG.namespaces.items()]
    sources += [(f"{m.namespace} {m.name}", p.source) for info in CATALOG.namespaces.values()
                for m in info.metrics.values() for p in m.publications]
    sources += [(name, t.source) for name, t in TYPES.items() if t.namespace]
    hosts = {what: urlparse(str(url)).hostname for what, url in sources}
    assert {what: host for what, host in hosts.items() if host not in ("docs.aws.amazon.com", "aws.amazon.com")} == {}


def test_every_metric_is_published_with_at_least_one_dimension_set():
    for info in CATALOG.namespaces.values():
        for metric in info.metrics.values():
            assert metric.dimension_sets(), f"{metric.namespace} {metric.name}"


def test_the_resource_types_data_agrees_with_resource_types_py():
    for name, kind in RESOURCE_TYPES.items():
        info = TYPES[name]
        assert (info.namespace, info.dimension, info.required) == (kind.namespace, kind.dimension, kind.required), name


def test_the_new_resource_types_of_issue_15_are_described():
    new = {"cognito-user-pool", "wafv2-web-acl", "wafv2-web-acl-cloudfront", "apigateway-websocket", "glue-job",
           "eventbridge-rule", "firehose", "sagemaker-endpoint", "route53-health-check", "autoscaling-group",
           "opensearch-domain"}
    assert new <= set(TYPES)
    assert TYPES["apigateway-websocket"].flavour == "websocket" and TYPES["apigateway-v2"].flavour == "http"
    assert TYPES["wafv2-web-acl-cloudfront"].regions == ("us-east-1",)
    assert TYPES["route53-health-check"].regions == ("us-east-1",)
    assert TYPES["cloudfront"].regions == ("us-east-1",)


def test_every_resource_type_names_a_dimension_set_its_namespace_publishes():
    for name, info in TYPES.items():
        if info.namespace is None:
            continue
        namespace = CATALOG.namespace(info.namespace)
        published = {s for m in namespace.metrics.values() for s in m.dimension_sets(info.flavour)}
        assert info.dimension_names() in published, name


# --- everything obsgen ships passes the checks ------------------------------------------------------

def preset_metrics():
    """(preset, namespace, metric, dimension names, statistic, region, flavour) of every preset alarm, as
    presets/expand.py builds it: the type's dimensions, the alarm's own, and the summed-over dimension."""
    for presets in PRESETS.sets.values():
        for type_name in presets.spec.resource_types:
            kind = TYPES[type_name]
            for alarm_name, alarm in presets.spec.alarms.items():
                names = set(kind.dimension_names()) | set(alarm.dimensions)
                if alarm.sum_over is not None:
                    names.add(alarm.sum_over.dimension)
                region = kind.regions[0] if kind.regions else "eu-west-1"
                yield (f"{presets.spec.service}.{alarm_name} on {type_name}", kind.namespace, alarm.metric,
                       tuple(sorted(names)), alarm.statistic, region, kind.flavour)


@pytest.mark.parametrize("preset, namespace, metric, names, statistic, region, flavour",
                         list(preset_metrics()), ids=lambda v: v if isinstance(v, str) and " on " in v else "")
def test_every_preset_alarm_watches_a_metric_that_exists(preset, namespace, metric, names, statistic, region, flavour):
    assert check_metric(namespace, metric, names, statistic, region, flavour=flavour) == ()


def test_the_presets_are_all_checked():
    assert len(list(preset_metrics())) == sum(len(p.spec.alarms) * len(p.spec.resource_types)
                                              for p in PRESETS.sets.values()) > 40


@pytest.fixture(scope="module")
def example_build():
    return compile_project(ROOT)


def test_every_metric_the_example_project_alarms_on_exists(example_build):
    assert example_build.ok
    seen, problems = 0, {}
    for env, model in example_build.models.items():
        for alarm in model.metric_alarms:
            for stat in alarm.stats:
                seen += 1
                found = check_metric(stat.namespace, stat.metric, [k for k, _ in stat.dimensions], stat.statistic,
                                     model.region)
                if found:
                    problems[f"{env} {alarm.name} {stat.metric}"] = [p.message for p in found]
    assert seen > 20
    assert problems == {}


def test_the_example_project_uses_custom_namespaces_that_are_not_checked(example_build):
    namespaces = {s.namespace for m in example_build.models.values() for a in m.metric_alarms for s in a.stats}
    custom = {ns for ns in namespaces if not is_checked(ns)}
    assert custom == {"StockAnalysis", "stock-analysis/logs"}  # the log monitor's filter publishes the second


# --- the five cases at the top of issue 15 ----------------------------------------------------------

def test_a_misspelled_dimension_on_an_api_is_flagged_with_the_set_to_write():
    problems = check_metric("AWS/ApiGateway", "5XXError", ["ApiName", "Stge"], "Sum", "eu-west-1", flavour="rest")
    assert kinds(problems) == ["metric-dimensions"]
    assert problems[0].level is Level.ERROR
    assert "'Stge' is not one of its dimensions (did you mean 'Stage'?)" in problems[0].message
    assert problems[0].suggestion == "ApiName, Stage"


def test_a_misspelled_kinesis_metric_suggests_incoming_records():
    problems = check_metric("AWS/Kinesis", "IncommingRecords", ["StreamName"], "Sum", "eu-west-1")
    assert problems == (Problem("unknown-metric", Level.ERROR,
                                "AWS/Kinesis has no metric 'IncommingRecords' (did you mean 'IncomingRecords'?)",
                                "IncomingRecords"),)


@pytest.mark.parametrize("namespace, metric, names, statistic", [
    ("AWS/CloudFront", "5xxErrorRate", ["DistributionId", "Region"], "Average"),
    ("AWS/Billing", "EstimatedCharges", ["Currency"], "Maximum"),
])
def test_metrics_published_only_in_us_east_1_are_flagged_elsewhere(namespace, metric, names, statistic):
    problems = check_metric(namespace, metric, names, statistic, "ap-northeast-1")
    assert kinds(problems) == ["metric-region"]
    assert problems[0].suggestion == "us-east-1"
    assert "published only in us-east-1, not in ap-northeast-1" in problems[0].message
    assert check_metric(namespace, metric, names, statistic, "us-east-1") == ()


@pytest.mark.parametrize("metric, statistic", [("4xx", "Average"), ("5xx", "Average"), ("Latency", "p90")])
def test_a_websocket_api_does_not_publish_the_http_api_metrics(metric, statistic):
    problems = check_metric("AWS/ApiGateway", metric, ["ApiId"], statistic, "eu-west-1", flavour="websocket")
    assert kinds(problems) == ["metric-flavour"]
    assert problems[0].message.startswith(f"WebSocket APIs do not publish AWS/ApiGateway metric '{metric}'")
    assert check_metric("AWS/ApiGateway", metric, ["ApiId"], statistic, "eu-west-1", flavour="http") == ()


def test_the_http_api_presets_on_a_websocket_api_fail_every_alarm():
    presets = PRESETS.by_type["apigateway-v2"].spec
    websocket = TYPES["apigateway-websocket"]
    for alarm in presets.alarms.values():
        problems = check_metric(websocket.namespace, alarm.metric, websocket.dimension_names(), alarm.statistic,
                                flavour=websocket.flavour)
        assert kinds(problems) == ["metric-flavour"], alarm.metric


# --- the checks, one by one ---------------------------------------------------------------------------

def test_a_custom_namespace_is_not_checked():
    assert check_metric("StockAnalysis", "AnalysisFailures", ["Pipeline"], "Sum", "eu-west-1") == ()
    assert not is_checked("StockAnalysis")
    assert is_checked("Glue") and is_checked("AWS/Nope")


def test_an_unknown_aws_namespace_is_a_warning_with_the_closest_known_one():
    problems = check_metric("AWS/Lamda", "Errors", ["FunctionName"], "Sum")
    assert kinds(problems) == ["unknown-namespace"]
    assert problems[0].level is Level.WARNING and problems[0].suggestion == "AWS/Lambda"
    assert kinds(check_metric("AWS/Kafka", "Whatever")) == ["unknown-namespace"]


def test_a_known_namespace_in_other_letter_case_is_a_warning():
    problems = check_metric("aws/lambda", "Errors", ["FunctionName"], "Sum")
    assert (problems[0].kind, problems[0].level, problems[0].suggestion) == ("unknown-namespace", Level.WARNING,
                                                                            "AWS/Lambda")


def test_an_unknown_metric_in_a_partly_described_namespace_is_only_a_warning():
    problems = check_metric("AWS/Lambda", "Errorz", ["FunctionName"], "Sum")
    assert (problems[0].kind, problems[0].level, problems[0].suggestion) == ("unknown-metric", Level.WARNING, "Errors")


def test_a_metric_name_in_the_wrong_letter_case_suggests_the_right_one():
    assert check_metric("AWS/SQS", "approximatenumberofmessagesvisible", ["QueueName"])[0].suggestion == \
        "ApproximateNumberOfMessagesVisible"


def test_a_metric_of_another_namespace_says_where_it_is():
    problems = check_metric("AWS/SQS", "CPUUtilization", ["QueueName"])
    assert "'CPUUtilization' is a metric of AWS/EC2, AWS/ECS" in problems[0].message


def test_a_dimension_missing_from_a_set_is_named():
    problems = check_metric("AWS/Lambda", "Errors", ["FunctionName", "ExecutedVersion"], "Sum")
    assert "add Resource" in problems[0].message
    assert problems[0].suggestion == "ExecutedVersion, FunctionName, Resource"


def test_a_missing_dimension_is_named():
    problems = check_metric("AWS/ECS", "CPUUtilization", ["ServiceName"], "Average")
    assert kinds(problems) == ["metric-dimensions"]
    assert "add ClusterName" in problems[0].message and problems[0].suggestion == "ClusterName, ServiceName"


def test_an_extra_dimension_is_named():
    problems = check_metric("AWS/SQS", "NumberOfMessagesSent", ["QueueName", "Stage"], "Sum")
    assert "'Stage' is not one of its dimensions (remove it)" in problems[0].message
    assert problems[0].suggestion == "QueueName"


def test_a_metric_published_per_operation_only_needs_the_operation():
    assert check_metric("AWS/DynamoDB", "SystemErrors", ["TableName", "Operation"], "Sum") == ()
    assert check_metric("AWS/DynamoDB", "SystemErrors", ["TableName"], "Sum")[0].suggestion == "Operation, TableName"


def test_an_account_level_metric_has_no_dimensions():
    assert check_metric("AWS/Lambda", "ClaimedAccountConcurrency", [], "Maximum") == ()
    problems = check_metric("AWS/Lambda", "ClaimedAccountConcurrency", ["FunctionName"], "Maximum")
    assert problems[0].suggestion == "no dimensions"


def test_a_statistic_aws_calls_meaningless_is_a_warning():
    problems = check_metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", ["LoadBalancer"], "Average")
    assert kinds(problems) == ["metric-statistic"]
    assert problems[0].level is Level.WARNING and problems[0].suggestion == "Sum"
    assert "Minimum, Maximum and Average all return 1" in problems[0].message


def test_percentiles_are_checked_where_aws_lists_the_statistics():
    assert kinds(check_metric("AWS/CloudFront", "OriginLatency", ["DistributionId", "Region"], "Average",
                              "us-east-1")) == ["metric-statistic"]
    assert check_metric("AWS/CloudFront", "OriginLatency", ["DistributionId", "Region"], "p90", "us-east-1") == ()
    assert kinds(check_metric("AWS/SNS", "NumberOfMessagesPublished", ["TopicName"], "p99")) == ["metric-statistic"]


def test_a_metric_without_documented_statistics_accepts_any():
    assert check_metric("AWS/ApiGateway", "Count", ["ApiName"], "Sum", flavour="rest") == ()
    assert check_metric("AWS/ApiGateway", "Latency", ["ApiName", "Stage"], "p99.9", flavour="rest") == ()


def test_waf_web_acls_for_cloudfront_report_in_us_east_1_without_a_region_dimension():
    names = ["Rule", "WebACL"]
    assert check_metric("AWS/WAFV2", "BlockedRequests", names, "Sum", "us-east-1", flavour="cloudfront") == ()
    assert kinds(check_metric("AWS/WAFV2", "BlockedRequests", names, "Sum", "eu-west-1",
                              flavour="cloudfront")) == ["metric-region"]
    assert check_metric("AWS/WAFV2", "BlockedRequests", ["Region", *names], "Sum", "eu-west-1", flavour="regional") == ()


def test_without_a_flavour_every_flavour_counts():
    assert check_metric("AWS/ApiGateway", "4xx", ["ApiId"], "Sum") == ()
    assert check_metric("AWS/ApiGateway", "4XXError", ["ApiName"], "Sum") == ()


def test_a_flavour_the_namespace_does_not_have_is_a_bug_in_the_caller():
    with pytest.raises(ValueError, match="no flavour"):
        check_metric("AWS/ApiGateway", "4xx", ["ApiId"], flavour="graphql")


def test_the_cached_checks_agree_with_the_uncached_ones():
    args = ("AWS/ApiGateway", "4XXError", ("ApiName", "Stge"), "Average", "eu-west-1")
    assert check_metric(*args) == check_metric(*args, catalog=CATALOG)
    assert check_metric(*args[:2], ["Stge", "ApiName", "Stge"], *args[3:]) == check_metric(*args)
    assert checks._check_shipped.cache_info().hits > 0


def test_catalog_lookups():
    assert CATALOG.known_namespace("AWS/SQS") and not CATALOG.known_namespace("AWS/Nope")
    metric = CATALOG.metric("AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert (metric.unit, metric.dimension_sets()) == ("Seconds", frozenset({frozenset({"QueueName"})}))
    assert CATALOG.metric("AWS/CloudFront", "Requests").publications[0].regions == ("us-east-1",)
    assert CATALOG.metric("AWS/ApiGateway", "IntegrationLatency").flavours() == ("http", "rest", "websocket")
    assert CATALOG.metric("AWS/Nope", "X") is None and CATALOG.metric("AWS/SQS", "X") is None


def test_a_metric_says_which_regions_it_is_published_in():
    assert CATALOG.metric("AWS/Billing", "EstimatedCharges").regions() == ("us-east-1",)
    assert CATALOG.metric("AWS/SQS", "NumberOfMessagesSent").regions() is None
    blocked = CATALOG.metric("AWS/WAFV2", "BlockedRequests")
    assert blocked.regions() is None  # regional web ACLs publish it everywhere
    assert blocked.regions("cloudfront") == ("us-east-1",)
    assert blocked.regions(dimensions=frozenset({"Rule", "WebACL"})) == ("us-east-1",)


def test_published_regions_says_where_a_metric_must_be_alarmed_on():
    assert checks.published_regions("AWS/CloudFront", "5xxErrorRate", ["DistributionId", "Region"]) == ("us-east-1",)
    assert checks.published_regions("AWS/Billing", "EstimatedCharges", ["Currency"]) == ("us-east-1",)
    assert checks.published_regions("AWS/Route53", "HealthCheckStatus", ["HealthCheckId"]) == ("us-east-1",)
    assert checks.published_regions("AWS/WAFV2", "BlockedRequests", ["Rule", "WebACL"]) == ("us-east-1",)
    assert checks.published_regions("AWS/WAFV2", "BlockedRequests", ["Region", "Rule", "WebACL"]) is None
    assert checks.published_regions("AWS/WAFV2", "BlockedRequests", flavour="cloudfront") == ("us-east-1",)
    assert checks.published_regions("AWS/SQS", "NumberOfMessagesSent", ["QueueName"]) is None
    assert checks.published_regions("MyApp", "Orders") is None  # a custom namespace is published where it is put
    assert checks.published_regions("AWS/CloudFront", "Nope") is None  # unknown: the metric check reports it
    assert checks.published_regions("AWS/CloudFront", "Requests", ["Stage"]) == ("us-east-1",)


# --- broken data files are located errors -----------------------------------------------------------

GOOD_FILE = textwrap.dedent("""\
    namespace: AWS/Example
    title: Example
    source: https://docs.aws.amazon.com/example/metrics.html
    coverage: complete
    flavours:
      big: Big ones
    groups:
      - title: Things
        flavour: big
        dimensions: [[ThingName]]
        metrics:
          Things: {unit: Count, statistics: [Sum]}
    """)


def test_a_good_data_file_loads(tmp_path):
    (tmp_path / "example.yaml").write_text(GOOD_FILE)
    catalog, problems = load_catalog(tmp_path)
    assert problems == [] and catalog.metric("AWS/Example", "Things").statistics == ("Sum",)


@pytest.mark.parametrize("change, expected", [
    (("unit: Count", "unit: Counts"), "metrics/example.yaml:12:22: error: groups[0].metrics.Things.unit: "
                                      "expected a CloudWatch unit such as 'Count', found \"Counts\" [bad-value]"),
    (("statistics: [Sum]", "statistics: [Total]"), "metrics/example.yaml:12:42: error: "
                                                   "groups[0].metrics.Things.statistics[0]: expected 'Sum', "),
    (("    dimensions:", "    dimension:"), "metrics/example.yaml:10:5: error: unknown key 'dimension' in groups[0] (did you mean 'dimensions'?) [unknown-key]"),
    (("flavour: big", "flavour: small"), "metrics/example.yaml:9:14: error: unknown flavour 'small'; known: big "
                                         "[bad-metric-catalog]"),
    (("[[ThingName]]", "[[ThingName], [ThingName]]"), "metrics/example.yaml:10:31: error: dimension set [ThingName] "
                                                      "is listed twice [bad-metric-catalog]"),
    (("namespace: AWS/Example", "namespace: AWS/Other"), "metrics/example.yaml:1:12: error: namespace 'AWS/Other' "
                                                         "belongs in other.yaml, not example.yaml [bad-metric-catalog]"),
])
def test_a_broken_data_file_is_a_located_error(tmp_path, change, expected):
    (tmp_path / "example.yaml").write_text(GOOD_FILE.replace(*change))
    catalog, problems = load_catalog(tmp_path)
    assert len(problems) == 1 and str(problems[0]).startswith(expected), str(problems[0])
    assert not catalog.known_namespace("AWS/Example")


def test_a_metric_listed_twice_with_different_units_is_a_located_error(tmp_path):
    text = GOOD_FILE + "  - title: More\n    dimensions: [[]]\n    metrics:\n      Things: {unit: Bytes}\n"
    (tmp_path / "example.yaml").write_text(text)
    _, problems = load_catalog(tmp_path)
    assert [str(p) for p in problems] == ["metrics/example.yaml:16:7: error: metric 'Things' has a different unit "
                                          "at metrics/example.yaml:12:7 [bad-metric-catalog]"]


def test_a_resource_type_must_match_what_the_catalog_publishes(tmp_path):
    (tmp_path / "example.yaml").write_text(GOOD_FILE)
    catalog, _ = load_catalog(tmp_path)
    path = tmp_path / RESOURCE_TYPES_FILE
    path.write_text(textwrap.dedent("""\
        source: https://docs.aws.amazon.com/example/metrics.html
        types:
          thing:
            title: Thing
            namespace: AWS/Example
            dimension: ThingId
            flavour: big
            source: https://docs.aws.amazon.com/example/metrics.html
          nothing:
            title: Nothing
            namespace: AWS/Nothing
            dimension: Id
            source: https://docs.aws.amazon.com/example/metrics.html
        """))
    types, problems = load_resource_types(path, catalog)
    assert types == {}
    assert [str(p) for p in problems] == [
        "metrics/resource-types.yaml:3:3: error: no metric of AWS/Example is published with exactly the dimensions "
        "ThingId [bad-metric-catalog]",
        "metrics/resource-types.yaml:11:16: error: namespace 'AWS/Nothing' is not in the metric catalog "
        "[bad-metric-catalog]"]


# --- the generated reference ------------------------------------------------------------------------

def test_docs_resource_types_md_is_generated_from_the_data():
    assert (ROOT / "docs" / "resource-types.md").read_text(encoding="utf-8") == resource_types_markdown(TYPES, PRESETS), \
        "run: python -m obsgen.metrics"


def test_docs_metrics_catalog_md_is_generated_from_the_data():
    assert (ROOT / "docs" / "metrics-catalog.md").read_text(encoding="utf-8") == catalog_markdown(CATALOG), \
        "run: python -m obsgen.metrics"


def test_the_resource_types_page_lists_presets_and_regions():
    page = resource_types_markdown(TYPES, PRESETS)
    assert "| `cloudfront` | `AWS/CloudFront` | **DistributionId**, Region |  | us-east-1 | [cloudfront](presets.md#cloudfront)" \
        in page
    assert ("| `apigateway-websocket` | `AWS/ApiGateway` | **ApiId** | websocket | every region | "
            "[apigateway-websocket](presets.md#apigateway-websocket): client-errors, execution-errors, "
            "integration-latency, low-traffic |") in page
    assert "| `glue-job` | `Glue` | **JobName**, JobRunId, Type |  | every region |  |" in page  # AWS recommends none


def test_an_alarm_unit_other_than_the_published_one_is_an_error_naming_the_published_one():
    problems = check_metric("AWS/Lambda", "Duration", ["FunctionName"], "p99", unit="Seconds")
    assert kinds(problems) == ["metric-unit"]
    assert problems[0].level is Level.ERROR and problems[0].suggestion == "Milliseconds"
    assert check_metric("AWS/Lambda", "Duration", ["FunctionName"], "p99", unit="Milliseconds") == ()
    assert check_metric("AWS/Lambda", "Duration", ["FunctionName"], "p99") == ()
    assert check_metric("MyApp", "Latency", [], "p99", unit="Seconds") == ()  # a custom namespace: any unit


def test_every_preset_alarm_that_sets_a_unit_sets_the_published_one():
    with_units = [(f"{p.spec.service}.{name}", TYPES[t].namespace, alarm.metric, alarm.unit)
                  for p in PRESETS.sets.values() for name, alarm in p.spec.alarms.items() if alarm.unit
                  for t in p.spec.resource_types]
    for preset, namespace, metric, unit in with_units:
        entry = shipped_catalog()[0].metric(namespace, metric)
        assert entry is None or entry.unit in (None, unit), preset
