"""`obsgen validate --env ENV --live`: deployed alarms stuck for a day in INSUFFICIENT_DATA (nothing to
evaluate: they cannot fire) or in ALARM (their actions ran once: a new incident pages nobody),
aws/alarm_states.py, against moto, every request checked against botocore's model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
from typer.testing import CliRunner

from aws_support import CallLog, aws_env  # noqa: F401 - aws_env is a fixture
from obsgen.aws import alarm_states
from obsgen.aws.resources import split_tags
from obsgen.aws.session import connect
from obsgen.cli import app
from obsgen.model import EnvironmentModel
from obsgen.targets.cloudwatch import alarm_params
from test_live_metrics import REGION, model_of, project

runner = CliRunner()
LATER = timedelta(days=2)


def deploy(model: EnvironmentModel) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for _, params in alarm_params(model):
        cloudwatch.put_metric_alarm(**split_tags(params)[0])


def codes(model: EnvironmentModel, now: datetime) -> list[tuple[str, str]]:
    states = alarm_states.read_states(model, connect(model))
    return sorted((p.code, p.message.split()[1]) for p in alarm_states.findings(model, states, now))


def test_an_alarm_just_made_is_not_judged_and_one_never_deployed_is_not_read(aws_env, tmp_path):
    model = model_of(project(tmp_path))
    clients = connect(model)
    log = CallLog()
    clients.register("before-parameter-build", log._record)
    before = alarm_states.read_states(model, clients)
    assert before.found == {} and log.problems == []  # nothing deployed: plan's business, not a finding
    deploy(model)
    states = alarm_states.read_states(model, connect(model))
    assert len(states.found) == len(model.metric_alarms) and states.calls == 1
    assert alarm_states.findings(model, states, datetime.now(timezone.utc)) == []


def test_a_day_in_insufficient_data_is_a_warning_unless_the_metric_is_absent_when_quiet(aws_env, tmp_path):
    model = model_of(project(tmp_path))
    deploy(model)
    now = datetime.now(timezone.utc) + LATER
    # Lambda's invocation metrics are absent without traffic (the catalog's absent_when): no finding for
    # errors, throttles and the error rate; Shop/Orders is the application's own metric, judged
    assert codes(model, now) == [("alarm-insufficient-data", "shop-orders-orders-production")]
    [problem] = alarm_states.findings(model, alarm_states.read_states(model, connect(model)), now)
    assert str(problem.span) == "monitors/orders.yaml:34:3" and problem.level.value == "warning"
    assert "has been in INSUFFICIENT_DATA for 2 day(s)" in problem.message and "it cannot fire" in problem.message


def test_a_day_in_alarm_is_a_warning_its_actions_ran_once(aws_env, tmp_path):
    model = model_of(project(tmp_path))
    deploy(model)
    errors = next(a.name for a in model.metric_alarms if a.monitor == "errors")
    boto3.client("cloudwatch", region_name=REGION).set_alarm_state(
        AlarmName=errors, StateValue="ALARM", StateReason="Threshold Crossed: 1 datapoint [9.0] was greater than 5.0")
    now = datetime.now(timezone.utc)
    assert ("alarm-stuck-in-alarm", errors) not in codes(model, now + timedelta(hours=23))
    assert ("alarm-stuck-in-alarm", errors) in codes(model, now + LATER)
    states = alarm_states.read_states(model, connect(model))
    stuck = next(p for p in alarm_states.findings(model, states, now + LATER) if p.code == "alarm-stuck-in-alarm")
    assert "a new incident on it notifies nobody" in stuck.message
    assert 'AWS says: "Threshold Crossed: 1 datapoint [9.0] was greater than 5.0"' in stuck.message


def test_the_read_budget_is_one_call_per_hundred_alarms_per_region(aws_env, tmp_path, monkeypatch):
    model = model_of(project(tmp_path))
    deploy(model)
    monkeypatch.setattr(alarm_states, "NAMES_PER_CALL", 2)
    states = alarm_states.read_states(model, connect(model))
    assert states.calls == -(-len(model.metric_alarms) // 2) and len(states.found) == len(model.metric_alarms)


def test_validate_live_prints_the_states_summary(aws_env, tmp_path):
    root = project(tmp_path)
    deploy(model_of(root))
    result = runner.invoke(app, ["validate", "-C", str(root), "--env", "production", "--live"])
    assert result.exit_code == 0, result.output
    assert "live: 4 of 4 alarm(s) found deployed in 123456789012 with 1 DescribeAlarms call(s); 0 stuck for a " \
           "day or more in INSUFFICIENT_DATA or ALARM" in result.output
