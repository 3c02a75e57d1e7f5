"""The pure parts of AWS sync: normalisation, plan building, plan files, apply order, safety, rendering."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
from aws_support import example_model, in_process

from obsgen.aws import SyncError
from obsgen.aws.apply import batches
from obsgen.aws.desired import desired_resources
from obsgen.aws.resources import Kind, LiveResource, LiveState, Resource
from obsgen.aws.drift import drift_report
from obsgen.aws.kinds.alarms import rule_children
from obsgen.aws.kinds.subscriptions import PENDING
from obsgen.aws.kinds import of as kind_of
from obsgen.aws.kinds.base import diff
from obsgen.aws.plan import CREATE, DELETE, UPDATE, Plan, build_plan
from obsgen.views.drift import drift_json, drift_junit, drift_markdown
from obsgen.views.plan import plan_markdown, plan_text
from obsgen.aws.safety import check_mass_delete
from obsgen.aws.planfile import check_saved_plan, dumps, loads

ARN = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:"
OWNED = {"obsgen:project": "p", "obsgen:env": "e"}


def metric(name: str, **extra) -> dict:
    return {"AlarmName": name, "MetricName": "Errors", "Namespace": "AWS/Lambda", "Statistic": "Sum", "Period": 60,
            "EvaluationPeriods": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanThreshold", **extra}


def desired_metric(name: str, **extra) -> Resource:
    return Resource(Kind.METRIC_ALARM, name, ARN + name, metric(name, **extra), dict(OWNED))


def live(kind: str, name: str, params: dict, tags: dict | None = None, owned: bool = True, arn: str | None = None,
         children: tuple[str, ...] = ()) -> LiveResource:
    return LiveResource(kind, name, arn or ARN + name, params, tags if tags is not None else (dict(OWNED) if owned
                                                                                             else None),
                        owned, children)


def state(*resources: LiveResource) -> LiveState:
    result = LiveState()
    for r in resources:
        result.add(r)
    return result


def normalize_alarm(params: dict) -> dict:
    return kind_of(Kind.METRIC_ALARM).normalize(Kind.METRIC_ALARM, params)


def plan_of(desired: list[Resource], current: LiveState, adopt: bool = False) -> Plan:
    return build_plan("p", "e", "123456789012", "us-east-1", {r.address: r for r in desired}, current, adopt)


# ---------------------------------------------------------------- normalisation


def test_aws_defaults_order_and_representation_are_not_changes():
    desired = metric("a", AlarmActions=["arn:b", "arn:a"], Dimensions=[{"Name": "Z", "Value": "1"},
                                                                      {"Name": "A", "Value": "2"}],
                     TreatMissingData="missing", ActionsEnabled=True, InsufficientDataActions=[], Threshold=5,
                     DatapointsToAlarm=1)
    described = metric("a", AlarmActions=["arn:a", "arn:b"], Dimensions=[{"Name": "A", "Value": "2"},
                                                                        {"Name": "Z", "Value": "1"}],
                       Threshold=5.0, Metrics=[], AlarmArn=ARN + "a", StateValue="OK", AlarmDescription=None,
                       OKActions=[], Unit=None)
    assert diff(normalize_alarm(desired), normalize_alarm(described)) == []


def test_metric_math_queries_compare_with_return_data_defaulted():
    query = {"Id": "m1", "MetricStat": {"Metric": {"Namespace": "N", "MetricName": "M", "Dimensions": []},
                                        "Period": 60, "Stat": "Sum"}}
    desired = {**metric("a"), "Metrics": [{**query, "ReturnData": True}, {"Id": "e", "Expression": "m1*2",
                                                                           "Label": ""}]}
    described = {**metric("a"), "Metrics": [query, {"Id": "e", "Expression": "m1*2", "ReturnData": True}]}
    assert normalize_alarm(desired) == normalize_alarm(described)
    changed = {**metric("a"), "Metrics": [query, {"Id": "e", "Expression": "m1*3"}]}
    assert diff(normalize_alarm(desired), normalize_alarm(changed)) == ["Metrics"]


def test_rule_children_reads_names_and_arns():
    rule = f'ALARM("a b") OR (OK(c) AND NOT ALARM({ARN}d)) OR TRUE'
    assert rule_children(rule) == ("a b", "c", "d")


# ---------------------------------------------------------------- plan building


def test_unowned_resources_are_conflicts_or_ignored_never_deleted():
    current = state(live(Kind.METRIC_ALARM, "taken", metric("taken"), owned=False),
                    live(Kind.METRIC_ALARM, "theirs", metric("theirs"), owned=False),
                    live(Kind.METRIC_ALARM, "ours-old", metric("ours-old")))
    plan = plan_of([desired_metric("taken"), desired_metric("new")], current)
    assert [(c.action, c.name) for c in plan.changes] == [(CREATE, "new"), (DELETE, "ours-old")]
    assert [c.address for c in plan.conflicts] == ["metric_alarm.taken"]
    assert plan.managed == 1


def test_adopting_turns_a_conflict_into_an_update_of_tags():
    current = state(live(Kind.METRIC_ALARM, "taken", metric("taken"), tags={"team": "x"}, owned=False))
    [change] = plan_of([desired_metric("taken")], current, adopt=True).changes
    assert change.action == UPDATE and [f.field for f in change.fields] == ["Tags"]
    assert change.reason.startswith("adopting")


def test_an_alarm_cannot_change_kind_in_place():
    current = state(live(Kind.METRIC_ALARM, "x", metric("x")))
    composite = Resource(Kind.COMPOSITE_ALARM, "x", ARN + "x", {"AlarmName": "x", "AlarmRule": "TRUE"}, dict(OWNED))
    plan = plan_of([composite], current)
    assert plan.changes == [] and "cannot change an alarm's type" in plan.conflicts[0].reason


def test_unconfirmed_subscriptions_are_left_alone():
    topic_arn = "arn:aws:sns:us-east-1:123456789012:t"
    current = state(live(Kind.TOPIC, "t", {"Name": "t", "Attributes": {"DisplayName": ""}}, arn=topic_arn),
                    live(Kind.SUBSCRIPTION, "t/email/a@b.c", {"TopicArn": topic_arn, "Protocol": "email",
                                                         "Endpoint": "a@b.c"}, tags={}, arn=PENDING))
    topic = Resource(Kind.TOPIC, "t", topic_arn, {"Name": "t", "Attributes": {"DisplayName": ""}}, dict(OWNED))
    assert plan_of([topic], current).changes == []


def test_a_plan_survives_its_json_file_and_refuses_other_versions():
    model = in_process(example_model("local"))
    plan = build_plan(model.project, model.env, model.account, model.region, desired_resources(model), LiveState())
    again = loads(dumps(plan))
    assert [c.signature() for c in again.changes] == [c.signature() for c in plan.changes]
    assert (again.fingerprint, again.summary()) == (plan.fingerprint, plan.summary())
    data = json.loads(dumps(plan))
    assert data["format_version"] == 2 and data["summary"]["create"] == len(plan.changes)
    assert all(c["digest"].startswith("sha256:") for c in data["changes"])
    with pytest.raises(SyncError, match="version 99"):
        loads(json.dumps({**data, "format_version": 99}))
    with pytest.raises(SyncError, match="version 1 is not supported.*obsgen plan --out"):
        loads(json.dumps({**data, "format_version": 1}))  # it has no digests to check values with
    with pytest.raises(SyncError, match="not an obsgen plan"):
        loads("[1, 2]")


def test_the_fingerprint_changes_with_any_live_field():
    a = state(live(Kind.METRIC_ALARM, "x", metric("x")))
    b = state(live(Kind.METRIC_ALARM, "x", metric("x", Threshold=2.0)))
    assert plan_of([], a).fingerprint != plan_of([], b).fingerprint
    assert plan_of([], a).fingerprint == plan_of([desired_metric("x")], a).fingerprint


# ---------------------------------------------------------------- apply order and safety


def test_apply_order_creates_children_first_and_deletes_parents_first():
    top = Resource(Kind.COMPOSITE_ALARM, "top", ARN + "top", {"AlarmName": "top", "AlarmRule": "ALARM(mid)"}, OWNED,
                   depends_on=("mid",))
    mid = Resource(Kind.COMPOSITE_ALARM, "mid", ARN + "mid", {"AlarmName": "mid", "AlarmRule": "ALARM(m)"}, OWNED,
                   depends_on=("m",))
    topic = Resource(Kind.TOPIC, "t", "arn:aws:sns:us-east-1:123456789012:t", {"Name": "t", "Attributes": {}}, OWNED)
    current = state(live(Kind.COMPOSITE_ALARM, "old-top", {"AlarmName": "old-top", "AlarmRule": "ALARM(old-mid)"},
                         children=("old-mid",)),
                    live(Kind.COMPOSITE_ALARM, "old-mid", {"AlarmName": "old-mid", "AlarmRule": "ALARM(old)"},
                         children=("old",)),
                    live(Kind.METRIC_ALARM, "old", metric("old")))
    plan = plan_of([top, mid, desired_metric("m"), topic], current)
    order = [[(c.action, c.name) for step in group for c in step] for group in batches(plan)]
    assert order == [[(CREATE, "t")], [(CREATE, "m")], [(CREATE, "mid")], [(CREATE, "top")],
                     [(DELETE, "old-top")], [(DELETE, "old-mid")], [(DELETE, "old")]]


def test_mass_delete_share_is_configurable():
    current = state(*(live(Kind.METRIC_ALARM, f"a{i}", metric(f"a{i}")) for i in range(4)))
    plan = plan_of([desired_metric("a0"), desired_metric("a1")], current)  # deletes 2 of 4
    check_mass_delete(plan)  # 50% is not more than 50%
    with pytest.raises(SyncError, match="deletes 2 of the 4"):
        check_mass_delete(plan, share=0.25)
    check_mass_delete(plan, share=0.25, allowed=True)


# ---------------------------------------------------------------- rendering


def drifted_plan() -> Plan:
    current = state(live(Kind.METRIC_ALARM, "changed", metric("changed", Threshold=3.0)),
                    live(Kind.METRIC_ALARM, "gone", metric("gone")))
    return plan_of([desired_metric("changed"), desired_metric("missing")], current)


def test_plan_text_and_markdown_show_fields_and_the_summary():
    plan = drifted_plan()
    text = plan_text(plan).plain
    assert "~ metric_alarm.changed" in text and "~ Threshold: 3.0 -> 1.0" in text
    assert "+ metric_alarm.missing" in text and "- metric_alarm.gone" in text
    assert text.rstrip().endswith("Plan: 1 to create, 1 to update, 1 to delete.")
    assert "**1 to create, 1 to update, 1 to delete**" in plan_markdown(plan)


def test_a_compact_plan_shows_creations_by_address_and_counts_them_while_updates_and_deletions_stay_whole():
    plan = drifted_plan()
    plan.changes += plan_of([desired_metric("also-missing")], state()).changes
    full, compact = plan_text(plan).plain, plan_text(plan, compact=True).plain
    assert "    + MetricName" in full and "    + " not in compact  # no attribute of a creation
    assert "+ metric_alarm.missing  will be created\n+ metric_alarm.also-missing  will be created" in compact
    assert "~ Threshold: 3.0 -> 1.0" in compact and "- metric_alarm.gone  will be deleted" in compact
    assert compact.rstrip().endswith("Plan: 2 to create, 1 to update, 1 to delete.\n"
                                     "Creations (shown by address only, --compact): 2 metric_alarm.")
    assert len(compact) < len(full)
    no_creations = plan_of([desired_metric("changed")], state(live(Kind.METRIC_ALARM, "changed", metric("changed",
                                                                                                          Threshold=3.0))))
    assert plan_text(no_creations, compact=True).plain == plan_text(no_creations).plain


def test_show_compact_prints_a_saved_plan_compact(tmp_path):
    from typer.testing import CliRunner

    from obsgen.cli import app

    saved = tmp_path / "plan.json"
    saved.write_text(dumps(drifted_plan()), encoding="utf-8")
    result = CliRunner().invoke(app, ["show", str(saved), "--compact"])
    assert result.exit_code == 0, result.output
    assert "+ metric_alarm.missing  will be created" in result.output and "    + MetricName" not in result.output
    assert "Creations (shown by address only, --compact): 1 metric_alarm." in result.output
    assert "    + MetricName" in CliRunner().invoke(app, ["show", str(saved)]).output


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "terminal"])
def test_the_plan_printed_piece_by_piece_is_byte_identical_to_the_plan_printed_whole(monkeypatch, terminal):
    """`obsgen plan` streams its text (memory does not grow with it); the bytes are what printing the
    one big Text gave, colours included, for changes, conflicts and an empty plan."""
    import io

    from rich.console import Console

    from obsgen.cli import aws as cli_aws

    conflicted = plan_of([desired_metric("taken")], state(live(Kind.METRIC_ALARM, "taken", metric("taken"), owned=False)))
    empty = plan_of([], state())
    tabbed = plan_of([desired_metric("tab", AlarmDescription="a\tb")], state())
    tabbed.changes[0].reason = "renamed from\told"  # a tab reaches the text only outside JSON values
    for plan, compact in [(drifted_plan(), False), (drifted_plan(), True), (conflicted, False), (empty, False),
                          (tabbed, False)]:
        printed = {}
        for way in ("whole", "streamed"):
            console = Console(file=io.StringIO(), force_terminal=terminal, width=100, highlight=False,
                               soft_wrap=True, emoji=False, markup=False)
            monkeypatch.setattr(cli_aws, "out", console)
            if way == "whole":
                cli_aws._show(plan_text(plan, compact))
            else:
                cli_aws._show_plan_text(plan, compact)
            printed[way] = console.file.getvalue()
        assert printed["streamed"] == printed["whole"]
        assert ("\x1b[" in printed["whole"]) == terminal


def test_drift_formats_for_ci():
    report = drift_report(drifted_plan())
    data = json.loads(drift_json(report))
    assert data["format_version"] == 1 and not data["in_sync"]
    assert {i["address"]: i["status"] for i in data["items"]} == {
        "metric_alarm.changed": "changed", "metric_alarm.missing": "missing", "metric_alarm.gone": "not in spec"}
    suite = ET.fromstring(drift_junit(report).split("?>", 1)[1])
    assert suite.get("failures") == "3" and len(suite.findall("testcase/failure")) == 3
    markdown = drift_markdown(report)
    assert "| `metric_alarm.changed` | changed | `Threshold`: spec `1.0`, AWS `3.0` |" in markdown
    in_sync = drift_report(plan_of([], LiveState()))
    assert ET.fromstring(drift_junit(in_sync).split("?>", 1)[1]).get("failures") == "0"


# ---------------------------------------------------------------- saved plans


def test_a_saved_plan_is_refused_when_what_apply_would_send_differs_even_if_no_shown_value_does():
    saved = loads(dumps(plan_of([desired_metric("a")], LiveState())))
    # DatapointsToAlarm equal to EvaluationPeriods is AWS's default, so the plan shows no difference ...
    fresh = plan_of([desired_metric("a", DatapointsToAlarm=1)], LiveState())
    assert saved.changes[0].after == json.loads(json.dumps(fresh.changes[0].after))
    # ... but the call would not be the one the saved plan was made for.
    with pytest.raises(SyncError, match="metric_alarm.a: what would be written is not what the plan shows"):
        check_saved_plan(saved, fresh)
    check_saved_plan(saved, plan_of([desired_metric("a")], LiveState()))


SECRET = "+15555550123"


def secret_subscription(value: str) -> Resource:
    topic_arn = "arn:aws:sns:us-east-1:123456789012:t"
    return Resource(Kind.SUBSCRIPTION, "t/sms/{{resolve:env:PHONE}}", "", {"TopicArn": topic_arn, "Protocol": "sms",
                                                                      "Endpoint": value}, secret="{{resolve:env:PHONE}}", secret_field="Endpoint")


def test_the_secret_values_a_plan_subscribes_are_checked_by_a_slow_salted_digest_that_does_not_show_them():
    plan = plan_of([secret_subscription(SECRET)], LiveState())
    saved = dumps(plan)
    assert SECRET not in saved and "5555550123" not in saved
    assert plan.secrets_digest.startswith("scrypt:")
    assert plan.secrets_digest == plan_of([secret_subscription(SECRET)], LiveState()).secrets_digest
    with pytest.raises(SyncError, match="value of a secret endpoint it subscribes changed"):
        check_saved_plan(loads(saved), plan_of([secret_subscription("+15555550999")], LiveState()))
    other_state = state(live(Kind.METRIC_ALARM, "x", metric("x")))
    assert plan_of([secret_subscription(SECRET)], other_state).secrets_digest != plan.secrets_digest, \
        "salted with the live fingerprint"
