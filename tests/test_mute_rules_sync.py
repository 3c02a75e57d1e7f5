"""Alarm mute rules (`maintenance:`) in plan / apply / drift (aws/kinds/mute_rules.py): against moto
in-process with obsgen's implementation of the mute rule API (sandbox/mute_rules.py), every request
checked by botocore's model; faults injected against the sandbox over HTTP.

The project is tests/fixtures/beyond-alarms (one weekly window muting the orders service's two
warning alarms)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import shutil
from collections import Counter

import pytest
from aws_support import CallLog, aws_env, clients_for, in_process  # noqa: F401
from botocore.exceptions import ClientError
from test_aws_faults import EXPECTED_ERROR, FAULTS, ONCE, Injector, sb  # noqa: F401
from test_metric_filters_sync import FIXTURE, converge, fixture_model

from obsgen.aws.kinds.mute_rules import MuteRules
from obsgen.aws.drift import CHANGED, MISSING, NOT_IN_SPEC, drift_report
from obsgen.aws.plan import CREATE, DELETE, UPDATE
from obsgen.aws.session import connect, retry_config
from obsgen.aws.workflow import apply, make_plan
from obsgen.compiler import compile_project

RULE = "orders-sandbox-weekly-patching"
MUTED = ["orders-orders-error-lines-sandbox", "orders-orders-slow-requests-sandbox"]
OWNER = [{"Key": "obsgen:project", "Value": "orders"}, {"Key": "obsgen:env", "Value": "sandbox"}]
WEEKLY = {"Schedule": {"Expression": "cron(0 2 * * SUN)", "Duration": "PT2H", "Timezone": "Europe/Paris"}}


@pytest.fixture
def model():
    return in_process(fixture_model())


@pytest.fixture
def clients(aws_env, model):
    return clients_for(model)


@pytest.fixture
def log(clients):
    log = CallLog().attach(clients.cloudwatch, clients.sns, clients.tagging, clients.client("logs"))
    yield log
    assert log.problems == [], "requests that botocore's service model rejects"


def rule(clients, name=RULE):
    found = clients.cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName=name)
    found.pop("ResponseMetadata")
    return found


def rule_names(clients):
    return sorted(s["AlarmMuteRuleArn"].rsplit(":", 1)[1]
                  for s in clients.cloudwatch.list_alarm_mute_rules()["AlarmMuteRuleSummaries"])


def tags_of(clients, name=RULE):
    return {t["Key"]: t["Value"] for t in clients.cloudwatch.list_tags_for_resource(
        ResourceARN=rule(clients, name)["AlarmMuteRuleArn"])["Tags"]}


def mute_changes(plan):
    return [c for c in plan.changes if c.kind == "mute_rule"]


def test_apply_creates_the_window_s_rule_after_the_alarms_it_mutes_with_its_tags(model, clients, log):
    plan = make_plan(model, clients)
    [change] = mute_changes(plan)
    assert (change.address, change.action) == (f"mute_rule.{RULE}", CREATE)
    converge(model, clients)
    writes = [op for _, op in log.writes()]
    assert writes.index("PutAlarmMuteRule") > max(i for i, op in enumerate(writes) if op == "PutMetricAlarm")
    live = rule(clients)
    assert live["Rule"] == WEEKLY and live["MuteTargets"] == {"AlarmNames": MUTED}
    assert live["Description"] == "Sunday-night patching of the orders hosts."
    assert tags_of(clients) == {"Team": "orders", "obsgen:env": "sandbox", "obsgen:maintenance": "weekly-patching",
                                "obsgen:project": "orders"}


def test_after_apply_the_plan_is_empty_and_the_rules_cost_one_list_and_two_reads_each(model, clients, log):
    converge(model, clients)
    clients.cloudwatch.put_alarm_mute_rule(Name="someone-elses", Rule=WEEKLY, MuteTargets={"AlarmNames": MUTED[:1]})
    log.calls.clear()
    again = make_plan(model, clients)
    assert not again.has_changes and drift_report(again).in_sync
    calls = Counter(op for _, op in log.calls)
    # a rule outside the prefix is listed, never read
    assert (calls["ListAlarmMuteRules"], calls["GetAlarmMuteRule"]) == (1, 1)
    assert apply(model, clients, again, ONCE).write_calls == 0


def test_a_hand_edited_rule_is_drift_and_apply_puts_it_back(model, clients, log):
    converge(model, clients)
    clients.cloudwatch.put_alarm_mute_rule(
        Name=RULE, Rule={"Schedule": {"Expression": "cron(0 3 * * SAT)", "Duration": "PT120M"}},
        MuteTargets={"AlarmNames": MUTED[:1]}, Tags=OWNER)
    plan = make_plan(model, clients)
    [change] = plan.changes
    assert (change.address, change.action) == (f"mute_rule.{RULE}", UPDATE)
    # PT120M is PT2H: not a change
    assert [f.field for f in change.fields] == ["AlarmNames", "Description", "Schedule.Expression",
                                                "Schedule.Timezone"]
    assert [i.status for i in drift_report(plan).items] == [CHANGED]
    converge(model, clients)
    assert rule(clients)["Rule"] == WEEKLY and rule(clients)["MuteTargets"] == {"AlarmNames": MUTED}
    assert not make_plan(model, clients).has_changes


def test_a_removed_tag_is_put_back_with_tag_resource_alone(model, clients, log):
    converge(model, clients)
    arn = rule(clients)["AlarmMuteRuleArn"]
    clients.cloudwatch.untag_resource(ResourceARN=arn, TagKeys=["Team"])
    log.calls.clear()
    converge(model, clients)
    assert [op for _, op in log.writes()] == ["TagResource"]
    assert tags_of(clients)["Team"] == "orders"


def test_a_deleted_rule_is_missing_and_apply_creates_it_again(model, clients, log):
    converge(model, clients)
    clients.cloudwatch.delete_alarm_mute_rule(AlarmMuteRuleName=RULE)
    plan = make_plan(model, clients)
    assert [(c.action, c.name) for c in plan.changes] == [(CREATE, RULE)]
    assert [i.status for i in drift_report(plan).items] == [MISSING]
    converge(model, clients)
    assert not make_plan(model, clients).has_changes


def test_a_rule_without_this_environment_s_tags_is_never_touched_and_is_a_conflict_when_the_spec_wants_its_name(
        model, clients, log):
    converge(model, clients)
    cloudwatch = clients.cloudwatch
    cloudwatch.delete_alarm_mute_rule(AlarmMuteRuleName=RULE)
    cloudwatch.put_alarm_mute_rule(Name=RULE, Rule=WEEKLY, MuteTargets={"AlarmNames": MUTED})
    cloudwatch.put_alarm_mute_rule(Name="orders-sandbox-by-hand", Rule=WEEKLY, MuteTargets={"AlarmNames": MUTED})
    cloudwatch.put_alarm_mute_rule(Name="orders-sandbox-eu-weekly-patching", Rule=WEEKLY,
                                   MuteTargets={"AlarmNames": MUTED},
                                   Tags=[{"Key": "obsgen:project", "Value": "orders"},
                                         {"Key": "obsgen:env", "Value": "sandbox-eu"}])
    plan = make_plan(model, clients)
    assert [c.address for c in plan.conflicts] == [f"mute_rule.{RULE}"]
    assert not mute_changes(plan)
    assert apply(model, clients, make_plan(model, clients, adopt=True), ONCE).ok
    assert rule_names(clients) == ["orders-sandbox-by-hand", "orders-sandbox-eu-weekly-patching", RULE]
    assert tags_of(clients)["obsgen:env"] == "sandbox"
    assert not make_plan(model, clients).has_changes


def test_a_rule_a_cloudformation_stack_made_is_never_written_through_the_api_not_even_with_adopt(
        model, clients, log):
    from moto.cloudwatch.models import cloudwatch_backends

    converge(model, clients)
    cloudwatch = clients.cloudwatch
    cloudwatch.put_alarm_mute_rule(Name="orders-sandbox-stacked", Rule=WEEKLY, MuteTargets={"AlarmNames": MUTED},
                                   Tags=OWNER)
    tagger = cloudwatch_backends[model.account][model.region].tagger
    for name in (RULE, "orders-sandbox-stacked"):  # CloudFormation's own tag, which TagResource would refuse
        tagger.tag_resource(rule(clients, name)["AlarmMuteRuleArn"],
                            [{"Key": "aws:cloudformation:stack-name", "Value": "orders"}])
    plan = make_plan(model, clients)
    assert [c.address for c in plan.conflicts] == [f"mute_rule.{RULE}"]
    assert not mute_changes(plan)  # the stack's other rule is not obsgen's to delete
    [conflict] = make_plan(model, clients, adopt=True).conflicts
    assert "CloudFormation stack orders manages" in conflict.reason


def test_a_rule_the_spec_lost_is_deleted_before_the_alarms_it_muted(model, clients, log):
    converge(model, clients)
    clients.cloudwatch.put_alarm_mute_rule(Name="orders-sandbox-old-window", Rule=WEEKLY,
                                           MuteTargets={"AlarmNames": MUTED}, Tags=OWNER)
    plan = make_plan(model, clients)
    assert [(c.action, c.name) for c in mute_changes(plan)] == [(DELETE, "orders-sandbox-old-window")]
    assert [i.status for i in drift_report(plan).items] == [NOT_IN_SPEC]
    converge(model, clients)
    assert rule_names(clients) == [RULE]
    without = dataclasses.replace(model, mute_rules=(), metric_alarms=model.metric_alarms[2:])
    log.calls.clear()
    converge(without, clients)
    writes = [op for _, op in log.writes()]
    assert writes.index("DeleteAlarmMuteRule") < writes.index("DeleteAlarms")
    assert rule_names(clients) == []


def test_reading_250_rules_takes_three_list_calls(model, clients, log):
    cloudwatch = clients.cloudwatch
    for index in range(250):
        cloudwatch.put_alarm_mute_rule(Name=f"other-{index:03d}", Rule=WEEKLY, MuteTargets={"AlarmNames": []})
    log.calls.clear()
    make_plan(model, clients)
    calls = Counter(op for _, op in log.calls)
    assert (calls["ListAlarmMuteRules"], calls["GetAlarmMuteRule"], calls["ListTagsForResource"]) == (3, 0, 0)


def test_the_sandbox_refuses_what_the_model_does_not_allow(model, clients):
    converge(model, clients)
    cloudwatch = clients.cloudwatch
    bad = [({"Expression": "cron(0 2 * *)", "Duration": "PT2H"}, MUTED),
           ({"Expression": "cron(61 2 * * SUN)", "Duration": "PT2H"}, MUTED),
           ({"Expression": "at(2026-13-01T00:00)", "Duration": "PT2H"}, MUTED),
           ({"Expression": "at(2026-12-01T00:00)", "Duration": "P16D"}, MUTED),
           ({"Expression": "at(2026-12-01T00:00)", "Duration": "PT30S"}, MUTED),
           ({"Expression": "cron(0 2 * * SUN)", "Duration": "PT2H", "Timezone": "Mars/Olympus"}, MUTED),
           ({"Expression": "cron(0 2 * * SUN)", "Duration": "PT2H"}, ["no-such-alarm"])]
    for schedule, alarms in bad:
        with pytest.raises(ClientError) as caught:
            cloudwatch.put_alarm_mute_rule(Name="x", Rule={"Schedule": schedule}, MuteTargets={"AlarmNames": alarms})
        assert caught.value.response["Error"]["Code"] == "ValidationError", schedule
    with pytest.raises(ClientError) as caught:
        cloudwatch.get_alarm_mute_rule(AlarmMuteRuleName="x")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    cloudwatch.delete_alarm_mute_rule(AlarmMuteRuleName="x")  # "This operation is idempotent"


def test_a_failed_mute_rule_write_at_any_position_is_reported_and_a_second_apply_converges(sb, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    model = dataclasses.replace(fixture_model(), endpoint=sb.endpoint_url)
    muted = tuple(a for a in model.metric_alarms if a.name in MUTED)
    only = dataclasses.replace(model, metric_alarms=muted, composite_alarms=(), log_alarms=(), dashboards=(),
                               metric_filters=(), saved_queries=(), event_routes=(), topics=(), subscriptions=())
    window = only.mute_rules[0]
    old = dataclasses.replace(window, window="old", name="orders-sandbox-old",
                              arn=window.arn.replace(RULE, "orders-sandbox-old"))

    def setup():
        sb.reset()
        c = connect(model, config=retry_config("standard", 3))
        before = dataclasses.replace(only, mute_rules=(dataclasses.replace(window, duration=3600,
                                                                            tags=window.tags[1:]), old))
        assert apply(before, c, make_plan(before, c), ONCE).ok

    setup()
    c = connect(only, config=retry_config("standard", 1))
    log = CallLog().attach(c.cloudwatch)
    assert apply(only, c, make_plan(only, c), ONCE).ok
    writes = [op for _, op in log.writes()]
    assert writes == ["PutAlarmMuteRule", "TagResource", "DeleteAlarmMuteRule"]

    for at, fault in itertools.product(range(len(writes)), FAULTS):
        setup()
        c = connect(only, config=retry_config("standard", 1))
        injector = Injector(at, fault).attach(c.cloudwatch)
        result = apply(only, c, make_plan(only, c), ONCE)
        case = f"{fault} at write {at}"
        assert injector.injected == 1 and not result.ok, case
        assert EXPECTED_ERROR[fault] in result.failed[0][1], (case, result.failed)
        again = apply(only, c, make_plan(only, c), ONCE)
        assert again.ok, (case, again.failed)
        assert not make_plan(only, c).has_changes, case
        assert rule_names(c) == [RULE], case


def test_a_window_over_alarms_in_two_regions_has_a_rule_in_each_muting_that_region_s_alarms(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "project")
    service = tmp_path / "project" / "monitors" / "orders.yaml"
    service.write_text(service.read_text().replace("monitors:\n", """monitors:
  errors-in-ireland:
    summary: The orders function fails in eu-west-1.
    severity: warning
    region: eu-west-1
    resource: function
    metric: Errors
    statistic: Sum
    period: 5m
    threshold: "> 0"
""", 1))
    config = tmp_path / "project" / "monitors" / "obsgen.yaml"
    config.write_text(config.read_text().replace("    region: us-east-1\n", "    region: us-east-1\n    deploy: cloudformation\n", 1))
    build = compile_project(tmp_path / "project", ["sandbox"])
    assert build.ok, build.diagnostics
    model = build.models["sandbox"]
    rules = {(r.region, r.name): r.alarms for r in model.mute_rules}
    assert rules == {("eu-west-1", RULE): ("orders-orders-errors-in-ireland-sandbox",),
                     ("us-east-1", RULE): tuple(MUTED)}
    resources = {r.address: r for r in MuteRules().desired(model)}
    assert sorted(resources) == [f"mute_rule.eu-west-1/{RULE}", f"mute_rule.{RULE}"]
    assert resources[f"mute_rule.eu-west-1/{RULE}"].arn.startswith("arn:aws:cloudwatch:eu-west-1:")
    generated = json.loads(build.files["sandbox/maintenance/mute-rules.json"])
    assert [r["MuteTargets"]["AlarmNames"] for r in generated["MuteRules"]] == [MUTED]
    assert [r["MuteTargets"]["AlarmNames"] for r in generated["Regions"]["eu-west-1"]["MuteRules"]] == [
        ["orders-orders-errors-in-ireland-sandbox"]]
    stacks = {path: json.loads(text) for path, text in build.files.items() if "cloudformation" in path
              and path.endswith(".json") and "AWSTemplateFormatVersion" in text}
    muting = {path: [r["Properties"]["MuteTargets"]["AlarmNames"] for r in stack["Resources"].values()
                     if r["Type"] == "AWS::CloudWatch::AlarmMuteRule"] for path, stack in stacks.items()}
    assert sorted(names for found in muting.values() for names in found) == [
        MUTED, ["orders-orders-errors-in-ireland-sandbox"]]
    assert all(len(found) <= 1 for found in muting.values())  # one rule per region's stack
