"""Which alarms `obsgen import` takes (--prefix, --tag, --alarm), what it does when alarms notify no
topic, and how the command refuses what it cannot do. moto in-process."""

from __future__ import annotations

import boto3
import pytest
import yaml
from aws_support import REGION, aws_env  # noqa: F401
from typer.testing import CliRunner

from obsgen.adopt import Selection, connect_account, import_project
from obsgen.cli import app

pytestmark = pytest.mark.usefixtures("aws_env")
runner = CliRunner()


def alarm(cw, name: str, tags: dict[str, str] | None = None, actions: list[str] | None = None) -> None:
    cw.put_metric_alarm(AlarmName=name, Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
                        Statistic="Maximum", Dimensions=[{"Name": "QueueName", "Value": name}], Period=60,
                        EvaluationPeriods=5, Threshold=600, ComparisonOperator="GreaterThanThreshold",
                        AlarmActions=actions or [], Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()])


@pytest.fixture
def account():
    cw = boto3.client("cloudwatch", region_name=REGION)
    for name in ("jobs-prod", "jobs-dev", "mail-prod"):
        alarm(cw, name, {"team": "ops"} if name.startswith("mail") else None)
    alarm(cw, "owned-prod", {"aws:cloudformation:stack-name": "legacy"})
    return connect_account(REGION, None, None)


def names(imported) -> set[str]:
    found = set()
    for path, text in imported.files.items():
        for monitor in (yaml.safe_load(text).get("monitors") or {}).values():
            found.add(monitor["cloudwatch"]["AlarmName"])
    return found


def test_a_prefix_a_tag_or_names_select_the_alarms(account):
    assert names(import_project(account, Selection(prefix="jobs-"), "p", "prod")) == {"jobs-${env}", "jobs-dev"}
    assert names(import_project(account, Selection(tag=("team", "ops")), "p", "prod")) == {"mail-${env}"}
    assert names(import_project(account, Selection(names=("jobs-prod", "missing")), "p", "prod")) == {"jobs-${env}"}


def test_alarms_another_tool_owns_are_left_out_unless_asked_for(account):
    left_out = import_project(account, Selection(prefix="owned-"), "p", "prod")
    assert names(left_out) == set() and [f.outcome for f in left_out.findings] == ["owned by another tool"]
    taken = import_project(account, Selection(prefix="owned-"), "p", "prod", include_owned=True)
    assert names(taken) == {"owned-${env}"}


def test_alarms_that_notify_no_topic_keep_their_empty_actions_under_one_severity(account):
    imported = import_project(account, Selection(prefix="jobs-prod"), "p", "prod")
    project = yaml.safe_load(imported.files["monitors/obsgen.yaml"])
    assert list(project["severities"]) == ["alerts"]
    service = yaml.safe_load(next(t for p, t in imported.files.items() if p != "monitors/obsgen.yaml"))
    (monitor,) = service["monitors"].values()
    assert monitor["cloudwatch"]["AlarmActions"] == [] and monitor["severity"] == "alerts"
    assert not [f for f in imported.findings if f.outcome == "differs"]


def test_the_command_takes_one_selection_and_a_key_value_tag(tmp_path):
    both = runner.invoke(app, ["import", "--env", "prod", "--prefix", "a", "--tag", "k=v", "-o", str(tmp_path)])
    assert both.exit_code == 2 and "one of --prefix, --tag and --alarm" in both.output
    bad = runner.invoke(app, ["import", "--env", "prod", "--tag", "novalue", "-o", str(tmp_path)])
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.output
    (tmp_path / "monitors").mkdir()
    (tmp_path / "monitors" / "obsgen.yaml").write_text("kept\n")
    refused = runner.invoke(app, ["import", "--env", "prod", "-o", str(tmp_path)])
    assert refused.exit_code == 1 and "never overwrites" in refused.output
    assert (tmp_path / "monitors" / "obsgen.yaml").read_text() == "kept\n"


def test_a_service_called_obsgen_does_not_take_the_project_file_s_place(account):
    alarm(boto3.client("cloudwatch", region_name=REGION), "tool-prod", {"service": "obsgen"})
    imported = import_project(account, Selection(prefix="tool-"), "p", "prod")
    assert yaml.safe_load(imported.files["monitors/obsgen.yaml"])["kind"] == "Project"
    assert yaml.safe_load(imported.files["monitors/obsgen-service.yaml"])["service"] == "obsgen-service"


def test_an_alarm_with_a_warm_up_imports_as_a_monitor_with_warm_up(account):
    """#17's WarmUpConfiguration (a log monitor's `warm_up:`) is an alarm parameter obsgen writes: the
    import says it with `warm_up:`, since `cloudwatch:` cannot hold it."""
    cw = boto3.client("cloudwatch", region_name=REGION)
    cw.put_metric_alarm(AlarmName="lines-prod", Namespace="orders/logs", MetricName="lines-prod", Statistic="Sum",
                        Period=300, EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold",
                        TreatMissingData="notBreaching",
                        WarmUpConfiguration={"WarmUpPeriodDurationInMinutes": 30,
                                             "OnlyStartEvaluatingAfterWarmUpPeriodEnds": True})
    imported = import_project(account, Selection(prefix="lines-"), "p", "prod")
    service = yaml.safe_load(next(t for p, t in imported.files.items() if p != "monitors/obsgen.yaml"))
    (monitor,) = service["monitors"].values()
    assert monitor["warm_up"] == {"duration": "30m", "wait": True}
    assert not [f for f in imported.findings if f.outcome == "differs"]


def test_a_parameter_cloudwatch_cannot_hold_is_reported_as_differing_not_a_failed_import(account):
    """A warm-up without OnlyStartEvaluatingAfterWarmUpPeriodEnds: obsgen sends it false, so it differs;
    the import says so instead of writing it under `cloudwatch:` (which refuses it)."""
    cw = boto3.client("cloudwatch", region_name=REGION)
    cw.put_metric_alarm(AlarmName="lines-prod", Namespace="orders/logs", MetricName="lines-prod", Statistic="Sum",
                        Period=300, EvaluationPeriods=1, Threshold=5, ComparisonOperator="GreaterThanThreshold",
                        WarmUpConfiguration={"WarmUpPeriodDurationInMinutes": 15})
    imported = import_project(account, Selection(prefix="lines-"), "p", "prod")
    service = yaml.safe_load(next(t for p, t in imported.files.items() if p != "monitors/obsgen.yaml"))
    (monitor,) = service["monitors"].values()
    assert monitor["warm_up"] == "15m" and "WarmUpConfiguration" not in monitor.get("cloudwatch", {})
    (differs,) = [f for f in imported.findings if f.outcome == "differs"]
    assert "WarmUpConfiguration" in differs.why
