"""Every generated parameter set is valid for the real API: botocore's own validator, then moto.

botocore validates against the service model shipped with the client (types, required members,
lengths, enums), which is what the real API enforces first; moto then accepts the calls. moto
alone would prove little: it does not validate parameters.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.validate import ParamValidator
from moto import mock_aws

from obsgen.sandbox import cloudwatch as moto_ext
from obsgen.compiler import compile_project

ROOT = Path(__file__).resolve().parents[1]
BUILD = compile_project(ROOT)


def _artifacts(kind: str):
    for path, content in sorted(BUILD.files.items()):
        if f"/{kind}/" in path and path.endswith(".json"):
            yield path, json.loads(content)


def _alarm_params():
    for path, data in _artifacts("cloudwatch"):
        if "/dashboards/" in path:
            continue  # DashboardBody files: see _dashboard_params
        for params in data["MetricAlarms"]:
            yield pytest.param("PutMetricAlarm", params, id=f"{path}:{params['AlarmName']}")
        for params in data["CompositeAlarms"]:
            yield pytest.param("PutCompositeAlarm", params, id=f"{path}:{params['AlarmName']}")


def _sns_params():
    for path, data in _artifacts("sns"):
        for params in data["Topics"]:
            yield pytest.param("CreateTopic", params, id=f"{path}:{params['Name']}")
        for params in data["Subscriptions"]:
            yield pytest.param("Subscribe", params, id=f"{path}:{params['TopicArn']}:{params['Protocol']}")


def _dashboard_params():
    from obsgen.targets.cloudwatch_dashboards import body_text

    for path, body in _artifacts("dashboards"):
        name = path.rsplit("/", 1)[1].removesuffix(".json")
        yield pytest.param({"DashboardName": name, "DashboardBody": body_text(body)}, id=path)


def _validate(service: str, operation: str, params: dict) -> str:
    model = boto3.session.Session().client(service, region_name="us-east-1")._service_model
    report = ParamValidator().validate(params, model.operation_model(operation).input_shape)
    return report.generate_report()


@pytest.mark.parametrize("operation,params", list(_alarm_params()))
def test_alarm_parameters_pass_botocore_validation(operation, params):
    assert _validate("cloudwatch", operation, params) == ""
    assert not ("Statistic" in params and "ExtendedStatistic" in params)


@pytest.mark.parametrize("operation,params", list(_sns_params()))
def test_sns_parameters_pass_botocore_validation(operation, params):
    assert _validate("sns", operation, params) == ""


def _log_and_event_params():
    for path, data in _artifacts("logs"):
        for params in data["MetricFilters"]:
            yield pytest.param("logs", "PutMetricFilter", params, id=f"{path}:{params['filterName']}")
        for params in data["QueryDefinitions"]:
            yield pytest.param("logs", "PutQueryDefinition", params, id=f"{path}:{params['name']}")
    for path, data in _artifacts("events"):
        for params in data["Rules"]:
            yield pytest.param("events", "PutRule", params, id=f"{path}:{params['Name']}")
        for params in data["Targets"]:
            yield pytest.param("events", "PutTargets", params, id=f"{path}:{params['Rule']}:targets")


@pytest.mark.parametrize("service,operation,params", list(_log_and_event_params()))
def test_the_example_s_log_and_event_parameters_pass_botocore_validation(service, operation, params):
    assert _validate(service, operation, params) == ""


def test_the_example_has_log_and_event_parameters_in_every_environment():
    operations = [p.values[1] for p in _log_and_event_params()]
    environments = len(BUILD.models)
    assert [operations.count(op) for op in ("PutMetricFilter", "PutQueryDefinition", "PutRule", "PutTargets")] == [
        environments] * 4


def test_the_cloudwatch_artifacts_hold_every_alarm_of_every_environment():
    alarms = [p for p in _alarm_params()]
    expected = sum(len(m.metric_alarms) + len(m.composite_alarms) for m in BUILD.models.values())
    assert len(alarms) == expected > 0


@pytest.fixture
def aws():
    moto_ext.install()
    with mock_aws():
        yield boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name="us-east-1")


def test_moto_accepts_every_alarm_and_topic_of_the_local_environment(aws):
    cloudwatch, sns = aws.client("cloudwatch"), aws.client("sns")
    files = {p: json.loads(c) for p, c in BUILD.files.items() if p.startswith("local/") and p.endswith(".json")}
    sns_data = files["local/sns/topics.json"]
    for topic in sns_data["Topics"]:
        sns.create_topic(**topic)
    for sub in sns_data["Subscriptions"]:
        sns.subscribe(**sub)
    alarm_files = {p: d for p, d in files.items() if "/cloudwatch/" in p and "/dashboards/" not in p}
    metric = [a for d in alarm_files.values() for a in d["MetricAlarms"]]
    composite = [a for d in alarm_files.values() for a in d["CompositeAlarms"]]
    for params in metric:
        cloudwatch.put_metric_alarm(**params)
    for params in composite:
        cloudwatch.put_composite_alarm(**params)
    found = cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"], MaxRecords=100)
    assert sorted(a["AlarmName"] for a in found["MetricAlarms"]) == sorted(p["AlarmName"] for p in metric)
    assert [a["AlarmRule"] for a in found["CompositeAlarms"]] == [p["AlarmRule"] for p in composite]
    topics = sns.list_topics()["Topics"]
    assert len(topics) == len(sns_data["Topics"])
    arn = found["CompositeAlarms"][0]["AlarmArn"]
    tags = {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]}
    assert tags["obsgen:env"] == "local" and tags["obsgen:project"] == "stock-analysis"


@pytest.mark.parametrize("params", list(_dashboard_params()))
def test_dashboard_parameters_pass_botocore_validation(params):
    assert _validate("cloudwatch", "PutDashboard", params) == ""


def test_moto_with_obsgen_checks_accepts_every_dashboard_of_every_environment(aws):
    cloudwatch = aws.client("cloudwatch")
    params = [p.values[0] for p in _dashboard_params()]
    assert len(params) == sum(len(m.dashboards) for m in BUILD.models.values()) > 0
    for one in params:
        assert cloudwatch.put_dashboard(**one)["DashboardValidationMessages"] == []
