"""Presets: AWS's recommended alarms, shipped as data, expanded into ordinary monitors.

The "every service" spec below is written from the preset files themselves, so a service added
as a new file is covered by these tests without touching them.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import boto3
import pytest
from botocore.validate import ParamValidator
from moto import mock_aws
from typer.testing import CliRunner

from obsgen.sandbox import cloudwatch as moto_ext
from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.presets.catalog import DATA_DIR, load_catalog, shipped_catalog
from obsgen.presets.expand import expand_presets
from obsgen.presets.reference import markdown
from obsgen.resource_types import RESOURCE_TYPES
from obsgen.language.load import load_spec
from spec_builder import PROJECT, errors, make_project

ROOT = Path(__file__).resolve().parents[1]
CATALOG, CATALOG_PROBLEMS = shipped_catalog()
MAPPED_PROJECT = PROJECT + "presets:\n  severities: {critical: critical, warning: warning}\n"
SAMPLE_PARAMS = {"number": 10, "duration": "30s", "string": "sample-dlq-${env}", "list": ["GetItem", "Query"]}


def service_file(resources: str, monitors: str = "") -> str:
    head = "apiVersion: obsgen/v1\nkind: Service\nservice: orders\nowner: team-orders\n"
    body = "resources:\n" + textwrap.indent(textwrap.dedent(resources), "  ")
    return head + body + ("monitors:\n" + textwrap.indent(textwrap.dedent(monitors), "  ") if monitors else "")


def build(tmp_path: Path, resources: str, monitors: str = "", project: str = MAPPED_PROJECT, **files: str):
    extra = {"monitors/orders.yaml": service_file(resources, monitors), **files}
    return compile_project(make_project(tmp_path, project=project, extra_files=extra))


def alarms(result, env="production", service="orders") -> dict[str, dict]:
    """Every region's alarms of the service (CloudFront's are placed in cloudwatch/us-east-1/)."""
    assert result.ok, errors(result)
    paths = [p for p in result.files if p.startswith(f"{env}/cloudwatch/") and p.endswith(f"/{service}.json")]
    data = [json.loads(result.files[p]) for p in paths]
    return {a["AlarmName"]: a for d in data for a in d["MetricAlarms"] + d["CompositeAlarms"]}


def every_preset_resources() -> str:
    """One resource per preset file, selecting every alarm (recommended or not), all params given."""
    lines = []
    for service, presets in CATALOG.sets.items():
        kind = presets.spec.resource_types[0]
        dims = {d: f"sample-{d.lower()}" for d in RESOURCE_TYPES[kind].required}
        params = {name: SAMPLE_PARAMS[p.type] for name, p in presets.spec.params.items()}
        entry = {"type": kind, "name": f"{service}-${{env}}", "dimensions": dims,
                 "preset": list(presets.spec.alarms), "params": params}
        lines.append(f"{service}: {json.dumps(entry)}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def every_preset(tmp_path_factory):
    return build(tmp_path_factory.mktemp("every"), every_preset_resources())


# --- the shipped files -----------------------------------------------------------------------

def test_every_shipped_preset_file_loads_without_problems():
    assert CATALOG_PROBLEMS == ()
    assert sorted(p.stem for p in DATA_DIR.glob("*.yaml")) == sorted(CATALOG.sets)


def test_the_issue_s_services_all_have_presets():
    wanted = {"lambda", "apigateway", "apigateway-v2", "dynamodb", "dynamodb-gsi", "ecs-service", "alb",
              "alb-target-group", "rds", "rds-cluster", "elasticache", "sqs", "sns", "kinesis", "s3-requests",
              "cloudfront", "step-functions"}
    assert wanted <= set(CATALOG.by_type)


def test_every_preset_alarm_names_the_aws_page_it_comes_from():
    for presets in CATALOG.sets.values():
        for alarm in presets.spec.alarms.values():
            source = str(alarm.source or presets.spec.source)
            assert source.startswith("https://docs.aws.amazon.com/"), source


# --- every preset, expanded ---------------------------------------------------------------

def test_every_preset_alarm_says_how_far_its_values_were_checked_and_against_what():
    page = ("https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
            "Best_Practice_Recommended_Alarms_AWS_Services.html#")
    for presets in CATALOG.sets.values():
        for name, alarm in presets.spec.alarms.items():
            where = f"{presets.spec.service}.{name}"
            assert alarm.verified is not None, f"{where}: no verified:"
            assert alarm.verified == "unverified" or alarm.checked_against, f"{where}: checked against nothing"
            if alarm.verified == "aws-page":  # the page itself, and at least one other source quoting it
                assert any(str(url).startswith(page) for url in alarm.checked_against), where
                assert len({str(url).split("#")[0] for url in alarm.checked_against}) >= 2, where
            elif alarm.verified == "service-page":  # the service guide's own page (its source), and another source
                source = str(alarm.source or presets.spec.source)
                assert source.startswith("https://docs.aws.amazon.com/") and not source.startswith(page), where
                assert source in {str(url) for url in alarm.checked_against}, where
                assert len({str(url).split("#")[0] for url in alarm.checked_against}) >= 2, where
            else:  # not AWS's recommendation: the preset must not claim the page as its source
                assert not str(alarm.source or presets.spec.source).startswith(page), where


def test_the_reference_shows_how_far_each_preset_was_checked():
    page = markdown(CATALOG)
    assert "| `lambda.errors` | ✓ | critical | `Errors` | Sum | 1m | 3 of 3 | `> max_errors` | aws-page |" in page
    assert "| metric-docs |" in page and "- `ecs.cpu`: AWS's page" in page
    result = CliRunner().invoke(app, ["presets", "step-functions"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "metric-docs" in result.output and "no Step Functions section" in result.output


def test_a_spec_using_every_preset_of_every_service_compiles_into_one_alarm_each(every_preset):
    found = alarms(every_preset)
    assert len(found) == len(CATALOG.names()) > 40
    for service, presets in CATALOG.sets.items():
        for name, preset in presets.spec.alarms.items():
            alarm = found[f"shop-orders-{service}-{name}-production"]
            namespace = RESOURCE_TYPES[presets.spec.resource_types[0]].namespace
            assert set(metric_stats(alarm)) == {(namespace, preset.metric, preset.statistic, preset.period)}
            assert (alarm["DatapointsToAlarm"], alarm["EvaluationPeriods"]) == (
                preset.datapoints.datapoints, preset.datapoints.periods)


def metric_stats(alarm: dict) -> list[tuple]:
    """(namespace, metric, statistic, period) of a single-metric alarm, or of each metric of a math one."""
    if "Metrics" not in alarm:
        return [(alarm["Namespace"], alarm["MetricName"], alarm.get("Statistic", alarm.get("ExtendedStatistic")),
                 alarm["Period"])]
    stats = [q["MetricStat"] for q in alarm["Metrics"] if "MetricStat" in q]
    return [(m["Metric"]["Namespace"], m["Metric"]["MetricName"], m["Stat"], m["Period"]) for m in stats]


def test_system_errors_sum_the_operations_dynamodb_publishes_them_for(every_preset):
    alarm = alarms(every_preset)["shop-orders-dynamodb-system-errors-production"]
    assert [q.get("Expression") for q in alarm["Metrics"] if "Expression" in q] == ["SUM([getitem, query])"]
    operations = [d["Value"] for q in alarm["Metrics"] if "MetricStat" in q
                  for d in q["MetricStat"]["Metric"]["Dimensions"] if d["Name"] == "Operation"]
    assert operations == ["GetItem", "Query"]


def _validate(operation: str, params: dict) -> str:
    model = boto3.session.Session().client("cloudwatch", region_name="us-east-1")._service_model
    return ParamValidator().validate(params, model.operation_model(operation).input_shape).generate_report()


def test_every_preset_alarm_passes_botocore_parameter_validation(every_preset):
    reports = {name: _validate("PutMetricAlarm", params) for name, params in alarms(every_preset).items()}
    assert {name: report for name, report in reports.items() if report} == {}


def test_moto_accepts_every_preset_alarm(every_preset):
    moto_ext.install()
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="eu-west-1", aws_access_key_id="testing",
                                  aws_secret_access_key="testing")
        for params in alarms(every_preset).values():
            cloudwatch.put_metric_alarm(**params)
        names = [a["AlarmName"] for page in cloudwatch.get_paginator("describe_alarms").paginate()
                 for a in page["MetricAlarms"]]
    assert sorted(names) == sorted(alarms(every_preset))


# --- what a resource says ------------------------------------------------------------------

LAMBDA = """
fn:
  type: lambda
  name: "orders-${env}"
  preset: recommended
  params: {max_errors: 0, max_throttles: 2, timeout: 30s}
"""


def test_recommended_on_a_lambda_function_brings_its_four_alarms_with_aws_values(tmp_path):
    found = alarms(build(tmp_path, LAMBDA))
    assert sorted(found) == ["shop-orders-fn-concurrent-executions-production", "shop-orders-fn-duration-production",
                             "shop-orders-fn-errors-production", "shop-orders-fn-throttles-production"]
    duration = found["shop-orders-fn-duration-production"]
    assert (duration["ExtendedStatistic"], duration["Threshold"], duration["EvaluationPeriods"]) == ("p90", 27000.0, 15)
    assert found["shop-orders-fn-concurrent-executions-production"]["Threshold"] == 900.0  # 90% of the 1,000 default
    assert found["shop-orders-fn-throttles-production"]["Threshold"] == 2.0
    errors_alarm = found["shop-orders-fn-errors-production"]
    assert errors_alarm["AlarmActions"] == ["arn:aws:sns:eu-west-1:123456789012:shop-critical-production"]
    assert errors_alarm["AlarmDescription"].startswith("The orders-production Lambda function is returning errors.")


def test_a_list_of_presets_selects_only_those(tmp_path):
    found = alarms(build(tmp_path, """
        fn: {type: lambda, name: "orders-${env}", preset: [lambda.errors, throttles],
             params: {max_errors: 0, max_throttles: 1}}
    """))
    assert sorted(found) == ["shop-orders-fn-errors-production", "shop-orders-fn-throttles-production"]


def test_an_override_of_a_preset_that_recommended_leaves_out_adds_it(tmp_path):
    found = alarms(build(tmp_path, """
        api: {type: apigateway, name: "orders-${env}", preset: recommended,
              presets: {low-traffic: {threshold: "< 10"}, latency: {enabled: false}}}
    """))
    assert sorted(found) == ["shop-orders-api-4xx-errors-production", "shop-orders-api-5xx-errors-production",
                             "shop-orders-api-low-traffic-production"]
    assert found["shop-orders-api-low-traffic-production"]["Statistic"] == "SampleCount"


def test_overrides_change_one_alarm_and_keep_the_preset_s_other_values(tmp_path):
    found = alarms(build(tmp_path, LAMBDA + """\
  presets:
    errors: {threshold: ">= 5", severity: warning, period: 5m, datapoints: "2 of 3", missing_data: notBreaching,
             summary: Orders fail., description: null, runbook: errors, tags: {Tier: gold}}
    duration: {statistic: Average, unit: Milliseconds, evaluation_periods: 3}
"""))
    errors_alarm = found["shop-orders-fn-errors-production"]
    assert (errors_alarm["ComparisonOperator"], errors_alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 5.0)
    assert (errors_alarm["Period"], errors_alarm["DatapointsToAlarm"], errors_alarm["EvaluationPeriods"]) == (300, 2, 3)
    assert errors_alarm["AlarmActions"] == ["arn:aws:sns:eu-west-1:123456789012:shop-warning-production"]
    assert errors_alarm["TreatMissingData"] == "notBreaching" and errors_alarm["MetricName"] == "Errors"
    assert errors_alarm["AlarmDescription"].startswith("Orders fail.\n\nSeverity")  # description removed
    assert {"Key": "Tier", "Value": "gold"} in errors_alarm["Tags"]
    duration = found["shop-orders-fn-duration-production"]
    assert (duration["Statistic"], duration["Unit"], duration["EvaluationPeriods"]) == ("Average", "Milliseconds", 3)
    assert "DatapointsToAlarm" not in duration or duration["DatapointsToAlarm"] == 3


def test_datapoints_to_alarm_alone_keeps_the_preset_s_evaluation_periods(tmp_path):
    found = alarms(build(tmp_path, LAMBDA + "  presets:\n    throttles: {datapoints_to_alarm: 2}\n"))
    throttles = found["shop-orders-fn-throttles-production"]
    assert (throttles["DatapointsToAlarm"], throttles["EvaluationPeriods"]) == (2, 5)


def test_a_disabled_preset_makes_no_alarm_and_a_renamed_one_keeps_its_live_name(tmp_path):
    found = alarms(build(tmp_path, LAMBDA + """\
  presets:
    throttles: {enabled: false}
    errors: {monitor: lambda-error-rate}
"""))
    assert "shop-orders-fn-throttles-production" not in found
    assert "shop-orders-lambda-error-rate-production" in found and "shop-orders-fn-errors-production" not in found


def test_an_overridden_threshold_needs_no_parameter(tmp_path):
    found = alarms(build(tmp_path, """
        fn: {type: lambda, name: "orders-${env}", preset: [duration], presets: {duration: {threshold: "> 2000"}}}
    """))
    assert found["shop-orders-fn-duration-production"]["Threshold"] == 2000.0


def test_a_threshold_computed_from_a_large_parameter_stays_exact(tmp_path):
    found = alarms(build(tmp_path, """
        db: {type: rds, name: "orders-${env}", preset: [freeable-memory], params: {memory_bytes: 8589934592}}
    """))
    assert found["shop-orders-db-freeable-memory-production"]["Threshold"] == 2147483648.0


def test_a_missing_dimension_parameter_does_not_suggest_overriding_the_threshold(tmp_path):
    result = build(tmp_path, """
        jobs: {type: sqs, name: "jobs-${env}", preset: [dead-letter]}
    """)
    assert [d.message for d in result.diagnostics] == [
        "preset sqs.dead-letter needs parameter 'dead_letter_queue' (Name of the queue's dead-letter queue "
        "(templated, e.g. \"orders-dlq-${env}\").): add params: {dead_letter_queue: ...} to resource 'jobs', "
        "or disable it with presets.dead-letter.enabled: false"]


def test_the_dead_letter_preset_watches_the_queue_named_by_its_parameter(tmp_path):
    found = alarms(build(tmp_path, """
        jobs: {type: sqs, name: "jobs-${env}", preset: recommended,
               params: {max_age: 15m, dead_letter_queue: "jobs-dlq-${env}"}}
    """))
    assert found["shop-orders-jobs-dead-letter-production"]["Dimensions"] == [
        {"Name": "QueueName", "Value": "jobs-dlq-production"}]
    assert found["shop-orders-jobs-message-age-production"]["Threshold"] == 900.0


def test_environment_overrides_and_disabled_apply_to_preset_monitors(tmp_path):
    project = MAPPED_PROJECT.replace("    region: eu-west-1\n", """\
    region: eu-west-1
    overrides:
      orders/fn-errors: {threshold: "> 50"}
    disabled: [orders/fn-throttles]
""")
    found = alarms(build(tmp_path, LAMBDA, project=project))
    assert found["shop-orders-fn-errors-production"]["Threshold"] == 50.0
    assert "shop-orders-fn-throttles-production" not in found


def test_a_composite_can_combine_preset_monitors(tmp_path):
    found = alarms(build(tmp_path, LAMBDA, """
        fn-down:
          summary: The function fails.
          rule: fn-errors or fn-throttles
          severity: critical
    """))
    rule = found["shop-orders-fn-down-production"]["AlarmRule"]
    assert rule == 'ALARM("shop-orders-fn-errors-production") OR ALARM("shop-orders-fn-throttles-production")'


def test_a_preset_monitor_keeps_its_origin(tmp_path):
    result = build(tmp_path, LAMBDA)
    alarm = next(a for a in result.models["production"].metric_alarms if a.monitor == "fn-duration")
    assert alarm.origin.preset.preset == "lambda.duration"
    assert alarm.origin.preset.source.endswith("#Lambda")
    assert str(alarm.origin.preset.span) == "monitors/orders.yaml:10:13"  # its `preset:`


# --- errors ---------------------------------------------------------------------------------

def test_a_missing_parameter_is_a_located_error_naming_the_preset(tmp_path):
    result = build(tmp_path, """
        fn: {type: lambda, name: "orders-${env}", preset: recommended, params: {max_errors: 0, max_throttles: 1}}
    """)
    assert errors(result) == [
        "monitors/orders.yaml:7:53: error: preset lambda.duration needs parameter 'timeout' (The function's "
        "configured timeout; the duration alarm fires at 90% of it.): add params: {timeout: ...} to resource 'fn', "
        "give presets.duration.threshold, or disable it with presets.duration.enabled: false [missing-parameter]"]


def test_a_later_error_on_a_preset_monitor_says_which_preset_and_where_it_is_used(tmp_path):
    result = build(tmp_path, LAMBDA + "  presets:\n    errors: {period: 45s}\n")
    assert errors(result) == [
        "monitors/orders.yaml:13:24: error: period 45s is not allowed by CloudWatch: use 10s, 20s, 30s or a "
        "multiple of 60s (from preset lambda.errors, used at monitors/orders.yaml:13:15) [aws-limit]"]


def test_a_preset_monitor_with_the_name_of_a_hand_written_one_is_an_error(tmp_path):
    result = build(tmp_path, """
        fn: {type: lambda, name: "orders-${env}", preset: [errors], params: {max_errors: 0}}
    """, """
        fn-errors: {summary: Errors., resource: fn, metric: Errors, threshold: "> 1", severity: critical}
    """)
    assert errors(result) == [
        "monitors/orders.yaml:7:54: error: monitor 'fn-errors' (from preset lambda.errors, used at "
        "monitors/orders.yaml:7:54) already exists: the monitor at monitors/orders.yaml:10:3; rename it with "
        "presets.errors.monitor [duplicate-monitor]"]


def test_an_unmapped_level_asks_for_the_project_mapping(tmp_path):
    result = build(tmp_path, LAMBDA, project=PROJECT)
    assert {d.code for d in result.diagnostics} == {"unmapped-preset-level"}
    assert "preset lambda.errors is a 'critical' alarm and the project maps no severity to that level: add presets: " \
        "{severities: {critical: <severity>}} to monitors/obsgen.yaml" in "\n".join(errors(result))


# --- adding a service is adding a file --------------------------------------------------------

NEW_SERVICE = """\
service: ec2
title: EC2 instance
resource_types: [ec2]
source: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html#EC2
alarms:
  cpu:
    summary: The {resource} instance runs out of CPU.
    description: CPU above 80%.
    level: warning
    metric: CPUUtilization
    statistic: Average
    period: 5m
    datapoints: 3 of 3
    comparison: ">"
    threshold: 80
"""


def test_a_new_preset_file_in_the_directory_is_a_new_service_without_code(tmp_path):
    presets_dir = tmp_path / "presets"
    presets_dir.mkdir()
    (presets_dir / "ec2.yaml").write_text(NEW_SERVICE)
    catalog, problems = load_catalog(presets_dir)
    assert problems == [] and list(catalog.by_type) == ["ec2"]
    make_project(tmp_path / "p", project=MAPPED_PROJECT, extra_files={"monitors/orders.yaml": service_file(
        "box: {type: ec2, name: i-0123456789abcdef0, preset: recommended}\n")})
    spec, _ = load_spec(tmp_path / "p")
    assert expand_presets(spec, catalog) == []
    monitor = spec.service("orders").spec.monitors["box-cpu"]
    assert (monitor.metric, monitor.period, str(monitor.threshold), monitor.severity) == ("CPUUtilization", 300, "> 80", "warning")


def test_a_broken_preset_file_gets_located_errors(tmp_path):
    (tmp_path / "ec2.yaml").write_text(NEW_SERVICE.replace("statistic: Average", "statistic: Avg")
                                       .replace("[ec2]", "[ec2, ec3]").replace("threshold: 80", "threshold: {param: x}"))
    _, problems = load_catalog(tmp_path)
    assert [str(p) for p in problems] == [
        "presets/ec2.yaml:11:16: error: alarms.cpu.statistic: expected one of Sum, Average, Minimum, Maximum, "
        "SampleCount, or a percentile such as p99, found \"Avg\" [bad-value]"]
    (tmp_path / "ec2.yaml").write_text(NEW_SERVICE.replace("[ec2]", "[ec2, ec3]").replace("threshold: 80", "threshold: {param: x}"))
    _, problems = load_catalog(tmp_path)
    assert [str(p) for p in problems] == [
        "presets/ec2.yaml:3:23: error: unknown resource type 'ec3'; known: " + ", ".join(sorted(RESOURCE_TYPES))
        + " [bad-preset-file]",
        "presets/ec2.yaml:15:24: error: parameter 'x' is not declared under params: [bad-preset-file]"]
    (tmp_path / "ec2.yaml").write_text(NEW_SERVICE.replace("alarms:", "params:\n  limit: {type: duration, "
                                                           "default: 5, description: Max.}\nalarms:"))
    _, problems = load_catalog(tmp_path)
    assert [str(p) for p in problems] == [
        "presets/ec2.yaml:6:36: error: default of parameter 'limit' must be a duration such as \"30s\" or \"15m\" "
        "[bad-preset-file]"]


def test_a_preset_that_names_a_parameter_of_the_wrong_type_gets_a_located_error(tmp_path):
    # A threshold takes a number or a duration, a dimension a string, sum_over a list: what expand relies on.
    (tmp_path / "ec2.yaml").write_text(NEW_SERVICE.replace("alarms:", "params:\n  ids: {type: list, "
                                                           "description: Names.}\nalarms:")
                                       .replace("threshold: 80", "threshold: {param: ids}"))
    _, problems = load_catalog(tmp_path)
    assert [str(p) for p in problems] == [
        "presets/ec2.yaml:17:24: error: parameter 'ids' is a list; threshold takes a number or a duration "
        "parameter [bad-preset-file]"]


# --- the reference ---------------------------------------------------------------------------

def test_docs_presets_md_is_generated_from_the_preset_files():
    assert (ROOT / "docs" / "presets.md").read_text(encoding="utf-8") == markdown(CATALOG), \
        "run: obsgen presets --markdown > docs/presets.md"


def test_obsgen_presets_lists_a_service_with_defaults_and_required_parameters():
    result = CliRunner().invoke(app, ["presets", "lambda"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "lambda.duration" in result.output and "> 90% of timeout (ms)" in result.output
    assert "timeout (duration, required)" in result.output and "concurrency_limit (number, default 1000)" in result.output


def test_obsgen_presets_on_a_narrow_console_lists_one_preset_per_line_instead_of_a_folded_table(monkeypatch):
    import importlib

    cli_app = importlib.import_module("obsgen.cli.app")  # the module: `obsgen.cli.app` is also the Typer app
    # rich reads COLUMNS when a console is made, at the first import of the CLI (once per process), and
    # otherwise asks the terminal: with a terminal attached, COLUMNS given to this one command came too late
    monkeypatch.setattr(cli_app.out, "_width", 80)
    result = CliRunner().invoke(app, ["presets", "lambda"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "  lambda.duration (recommended, warning, checked: aws-page)\n" in result.output
    assert "      Duration p90 per 1m, 15 of 15, > 90% of timeout (ms)\n" in result.output
    assert "  param timeout (duration, required)\n" in result.output
    assert max(len(line) for line in result.output.splitlines() if "note:" not in line and "source:" not in line) <= 80


def test_obsgen_presets_with_an_unknown_service_suggests_one():
    result = CliRunner().invoke(app, ["presets", "lamda"])
    assert result.exit_code == 2
    assert "no presets for 'lamda' (did you mean 'lambda'?)" in result.output


# --- the example -----------------------------------------------------------------------------

SEED_000_API_ALARMS = {  # monitor: (preset, threshold, statistic, period, evaluation periods) as in seed 000
    "api-error-rate": ("apigateway.5xx-errors", "> 10", "Sum", 600, 1),
    "api-latency": ("apigateway.latency", "> 5000", "Average", 300, 3),
    "api-throttle": ("apigateway.4xx-errors", "> 50", "Sum", 600, 1),
    "lambda-error-rate": ("lambda.errors", "> 5", "Sum", 300, 2),
    "lambda-duration": ("lambda.duration", "> 25000", "Average", 300, 3),
    "lambda-throttle": ("lambda.throttles", "> 0", "Sum", 300, 1),
    "lambda-concurrent-executions": ("lambda.concurrent-executions", "> 800", "Maximum", 300, 2),
}


def test_the_example_s_api_alarms_are_presets_tuned_to_seed_000():
    model = compile_project(ROOT, ["production"]).models["production"]
    found = {a.monitor: a for a in model.metric_alarms if a.service == "stock-api" and a.origin.preset is not None}
    assert {m: (a.origin.preset.preset, str(a.threshold), a.metric.statistic, a.period, a.evaluation_periods)
            for m, a in found.items()} == SEED_000_API_ALARMS


def test_the_presets_example_brings_every_recommended_alarm_of_every_service_in_a_few_lines():
    example = ROOT / "examples" / "presets"
    build_result = compile_project(example)
    model = build_result.models["prod"]
    spec = build_result.spec.service("shop").spec
    expected = {f"{name}-{alarm}" for name, resource in spec.resources.items()
                for alarm, preset in CATALOG.by_type[resource.type].spec.alarms.items() if preset.recommended}
    assert {a.monitor for a in model.metric_alarms} == expected
    assert {CATALOG.by_type[r.type].spec.service for r in spec.resources.values()} == set(CATALOG.sets)
    assert len((example / "monitors" / "shop.yaml").read_text().splitlines()) < 50
    params = list(alarms(build_result, "prod", "shop").values())
    assert [_validate("PutMetricAlarm", p) for p in params] == [""] * len(expected)
    # The example's environment is in eu-west-1; CloudFront and Route 53 health checks publish only in
    # us-east-1 (#15).
    cdn = json.loads(build_result.files["prod/cloudwatch/us-east-1/shop.json"])["MetricAlarms"]
    assert sorted((a["Namespace"], a["AlarmActions"]) for a in cdn) == [
        ("AWS/CloudFront", ["arn:aws:sns:us-east-1:123456789012:shop-page-prod"]),
        ("AWS/Route53", ["arn:aws:sns:us-east-1:123456789012:shop-page-prod"])]


def test_a_project_without_presets_compiles_without_reading_the_shipped_ones(tmp_path, monkeypatch):
    """The shipped preset files are read (~10 ms) only for a resource that names a preset; a resource that
    gives `params:` without `preset:` is still told to add one."""
    from obsgen.presets import expand

    def unread() -> None:
        raise AssertionError("the shipped presets were read")

    monkeypatch.setattr(expand, "shipped_catalog", unread)
    plain = build(tmp_path / "plain", "fn: {type: lambda, name: orders-fn}\n",
                  "errors: {resource: fn, metric: Errors, statistic: Sum, threshold: '> 0', severity: critical,\n"
                  "         summary: The function fails}\n")
    assert plain.ok, errors(plain)
    stray = build(tmp_path / "stray", "fn: {type: lambda, name: orders-fn, params: {x: 1}}\n")
    assert [e.split(": ", 1)[1] for e in errors(stray)] == [
        "error: 'params' applies to presets: add 'preset: recommended' (or a list of presets) to resource 'fn' [missing-key]"]
