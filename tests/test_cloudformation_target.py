"""The CloudFormation target (deploy: cloudformation): templates from the API path's own parameters,
cfn-lint clean, deployed through moto's CloudFormation and compared with the spec by plan and drift,
split into several stacks past CloudFormation's quotas; and the API path leaving stacks alone."""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import boto3
import pytest
from cfnlint.api import ManualArgs, lint

from aws_support import REPO, aws_env, example_model  # noqa: F401  (aws_env: a fixture)
from spec_builder import PROJECT, build, errors

from obsgen.aws import SyncError
from obsgen.aws.desired import desired_resources
from obsgen.aws.drift import drift_report
from obsgen.aws.plan import DELETE
from obsgen.aws.session import connect
from obsgen.aws.workflow import ApplyOptions, apply, make_plan
from obsgen.model import EnvironmentModel
from obsgen.targets import cloudformation
from obsgen.targets.cloudwatch import alarm_params

SECRET = "https://events.pagerduty.example/integration/k3y"
SECRETS = {"{{resolve:env:SHOP_PAGER_URL}}": SECRET}

STACKED_PROJECT = PROJECT.replace("""    region: eu-west-1
""", """    region: eu-west-1
    deploy: cloudformation
""").replace("""channels:
""", """channels:
  pager:
    type: https
    endpoint: {env: SHOP_PAGER_URL}
    severities: [critical]
""")

SPLIT_PROJECT = STACKED_PROJECT.replace("    deploy: cloudformation\n", "    deploy: cloudformation\n    service_dashboards: false\n")

MONITORS = """
    errors:
      summary: Errors.
      resource: fn
      metric: Errors
      threshold: "> 1"
      severity: warning
    throttles:
      summary: Throttles.
      resource: fn
      metric: Throttles
      threshold: "> 1"
      severity: critical
    health:
      summary: Orders unhealthy.
      rule: errors or throttles
      severity: critical
    edge-errors:
      summary: Errors at the edge, watched from us-east-1.
      resource: fn
      metric: Errors
      threshold: "> 5"
      severity: critical
      region: us-east-1
"""


def many_monitors(count: int) -> str:
    lines = []
    for i in range(count):
        lines += [f"    m{i:04d}:", "      summary: Errors.", "      resource: fn", "      metric: Errors",
                  f'      threshold: "> {i + 1}"', "      severity: warning"]
    lines += ["    all-bad:", "      summary: Everything at once.", "      rule: m0000 and m0001 and m1999",
              "      severity: critical"]
    return "\n".join(lines) + "\n"


def templates(files: dict[str, str]) -> dict[str, dict]:
    return {path: json.loads(text) for path, text in files.items() if path.endswith(".template.json")}


def lint_problems(files: dict[str, str]) -> list[str]:
    """cfn-lint's errors and warnings on every template, with every rule (experimental ones too) and
    the resource specifications of the stack's own region."""
    stacks = json.loads(files["cloudformation/stacks.json"])["Stacks"]
    found = []
    for stack in stacks:
        path = f"cloudformation/{stack['TemplateFile']}"
        config = ManualArgs(regions=[stack["Region"]], include_experimental=True)
        found += [f"{path}: {m}" for m in lint(files[path], config=config) if m.rule.id[0] in "EW"]
    return found


def deploy(files: dict[str, str], secrets: dict[str, str] = SECRETS) -> None:
    """Create every stack of stacks.json, in its order, as a pipeline would."""
    manifest = json.loads(files["cloudformation/stacks.json"])
    values = {cloudformation.secret_parameter(k): v for k, v in secrets.items()}
    for stack in manifest["Stacks"]:
        client = boto3.client("cloudformation", region_name=stack["Region"])
        client.create_stack(StackName=stack["StackName"], Tags=stack["Tags"],
                            TemplateBody=files[f"cloudformation/{stack['TemplateFile']}"],
                            Parameters=[{"ParameterKey": p, "ParameterValue": values[p]} for p in stack["Parameters"]])
        status = client.describe_stacks(StackName=stack["StackName"])["Stacks"][0]["StackStatus"]
        assert status == "CREATE_COMPLETE", stack["StackName"]


@pytest.fixture(scope="module")
def stacked(tmp_path_factory) -> tuple[EnvironmentModel, dict[str, str]]:
    result = build(tmp_path_factory.mktemp("stacked"), MONITORS, project=STACKED_PROJECT)
    assert result.ok, errors(result)
    files = {p.removeprefix("production/"): t for p, t in result.files.items() if "/cloudformation/" in p}
    return result.models["production"], files


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> tuple[EnvironmentModel, dict[str, str]]:
    root = tmp_path_factory.mktemp("split")
    result = build(root, many_monitors(2000), project=SPLIT_PROJECT)
    assert result.ok, errors(result)
    model = result.models["production"]
    return model, cloudformation.render(model).files


# --- what the templates say ---------------------------------------------------------------------


def test_an_environment_deployed_through_the_api_gets_no_templates():
    files = cloudformation.render(example_model("production")).files
    assert files == {}


def test_the_example_shows_the_templates_for_staging_only_and_they_are_committed():
    generated = REPO / "generated"
    assert sorted(p.name for p in (generated / "staging" / "cloudformation").iterdir()) == [
        "stacks.json", "stock-analysis-staging.template.json"]
    assert not any((generated / env / "cloudformation").exists() for env in ("development", "production", "local"))


def test_every_alarm_property_is_the_api_paths_parameter_of_the_same_name(stacked):
    model, files = stacked
    resources = {r["Properties"]["AlarmName"]: r for t in templates(files).values() for r in t["Resources"].values()
                 if r["Type"].startswith("AWS::CloudWatch::") and "AlarmName" in r["Properties"]}
    for alarm, params in alarm_params(model):
        expected = {k: v for k, v in params.items() if v != []}  # an empty list is the property left out
        assert resources[alarm.name]["Properties"] == expected


def test_a_secret_endpoint_is_a_noecho_parameter_and_never_written(stacked):
    _, files = stacked
    (home,) = [t for p, t in templates(files).items() if p == "cloudformation/shop-production.template.json"]
    assert home["Parameters"] == {"SecretShopPagerUrl": {
        "Type": "String", "NoEcho": True, "MinLength": 1,
        "Description": "Endpoint of channel pager (https), the secret the API path reads from resolve:env:SHOP_PAGER_URL"}}
    pager = [r for r in home["Resources"].values() if r["Type"] == "AWS::SNS::Subscription"
             and r["Properties"]["Protocol"] == "https"]
    assert [r["Properties"]["Endpoint"] for r in pager] == [{"Ref": "SecretShopPagerUrl"}]
    assert not any(SECRET in text or "{{resolve" in text for text in files.values())


def test_alarms_in_another_region_get_that_regions_stack_with_its_topic(stacked):
    _, files = stacked
    manifest = json.loads(files["cloudformation/stacks.json"])
    assert [(s["StackName"], s["Region"]) for s in manifest["Stacks"]] == [
        ("shop-production", "eu-west-1"), ("shop-production-us-east-1", "us-east-1")]
    away = templates(files)["cloudformation/shop-production-us-east-1.template.json"]["Resources"]
    assert sorted(r["Type"] for r in away.values()) == ["AWS::CloudWatch::Alarm", "AWS::SNS::Subscription",
                                                         "AWS::SNS::Subscription", "AWS::SNS::Topic",
                                                         "AWS::SNS::TopicPolicy"]


def test_a_composite_depends_on_its_children_and_alarms_on_their_topics_in_the_same_stack(stacked):
    _, files = stacked
    home = templates(files)["cloudformation/shop-production.template.json"]["Resources"]
    ids = {r["Properties"].get("AlarmName") or r["Properties"].get("TopicName"): lid for lid, r in home.items()}
    composite = home[ids["shop-orders-health-production"]]
    assert composite["DependsOn"] == sorted([ids["shop-orders-errors-production"], ids["shop-orders-throttles-production"],
                                             ids["shop-critical-production"]])
    assert home[ids["shop-orders-errors-production"]]["DependsOn"] == [ids["shop-warning-production"]]


def test_topics_are_retained_and_everything_else_deleted_with_the_stack(stacked):
    _, files = stacked
    for resource in (r for t in templates(files).values() for r in t["Resources"].values()):
        policy = "Retain" if resource["Type"] == "AWS::SNS::Topic" else "Delete"
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == policy


def test_logical_ids_are_alphanumeric_and_the_same_in_every_build(stacked, tmp_path):
    _, files = stacked
    again = build(tmp_path, MONITORS, project=STACKED_PROJECT)
    assert {p.removeprefix("production/"): t for p, t in again.files.items() if "/cloudformation/" in p} == files
    for template in templates(files).values():
        assert all(lid.isalnum() and len(lid) <= 255 for lid in template["Resources"])


def test_a_parameter_with_no_cloudformation_property_is_a_located_error(stacked):
    # The spec's `cloudwatch:` accepts PutMetricAlarm's parameters only, and each has a property: this is
    # the guard for a parameter a later obsgen sends that CloudFormation has no property for.
    model, _ = stacked
    alarm = model.metric_alarms[0]
    odd = dataclasses.replace(alarm, verbatim=(("AlarmConfigurationUpdatedTimestamp", "2026-01-01"),))
    problems = cloudformation.render(dataclasses.replace(model, metric_alarms=(odd, *model.metric_alarms[1:]))).diagnostics
    assert [(p.code, p.span.file) for p in problems] == [("cloudformation-unsupported", "monitors/orders.yaml")]
    assert "PutMetricAlarm parameter AlarmConfigurationUpdatedTimestamp has no CloudFormation property" in problems[0].message


# --- cfn-lint ----------------------------------------------------------------------------------------


def test_the_examples_templates_are_cfn_lint_clean():
    folder = REPO / "generated" / "staging" / "cloudformation"
    files = {f"cloudformation/{p.name}": p.read_text() for p in folder.iterdir()}
    assert lint_problems(files) == []


def test_cfn_lint_here_would_report_a_bad_property(stacked):
    _, files = stacked
    path = "cloudformation/shop-production.template.json"
    broken = json.loads(files[path])
    alarm = next(r for r in broken["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm")
    alarm["Properties"]["ComparisonOperator"] = "GreaterThanTheThreshold"
    problems = lint_problems({**files, path: json.dumps(broken)})
    assert len(problems) == 1 and "GreaterThanTheThreshold" in problems[0]


def test_the_fixtures_templates_are_cfn_lint_clean(stacked):
    assert lint_problems(stacked[1]) == []


# --- deployed through CloudFormation (moto in-process) -------------------------------------------


@pytest.mark.usefixtures("aws_env")
def test_what_the_stacks_create_is_exactly_the_spec_for_plan_and_drift(stacked):
    model, files = stacked
    deploy(files)
    clients = connect(model)
    plan = make_plan(model, clients, resolver=SECRETS.__getitem__)
    assert not plan.has_changes and not plan.conflicts, [c.address for c in plan.changes]
    assert plan.managed == len(desired_resources(model)) == 16  # every alarm, topic, policy, subscription, dashboard
    assert drift_report(plan).in_sync


@pytest.mark.usefixtures("aws_env")
def test_drift_finds_a_hand_edit_of_a_stacks_alarm(stacked):
    model, files = stacked
    deploy(files)
    clients = connect(model)
    alarm = next(a for a in model.metric_alarms if a.region == model.region)
    params = next(p for a, p in alarm_params(model) if a is alarm)
    edited = {k: v for k, v in params.items() if k != "Tags"} | {"Threshold": 99.0}
    clients.cloudwatch.put_metric_alarm(**edited)
    report = drift_report(make_plan(model, clients, resolver=SECRETS.__getitem__))
    assert not report.in_sync and [d.address for d in report.items] == [f"metric_alarm.{alarm.name}"]


@pytest.mark.usefixtures("aws_env")
def test_apply_refuses_an_environment_cloudformation_deploys(stacked):
    model, files = stacked
    deploy(files)
    clients = connect(model)
    plan = make_plan(model, clients, resolver=SECRETS.__getitem__)
    with pytest.raises(SyncError, match="deployed by CloudFormation.*obsgen apply does not write to it"):
        apply(model, clients, plan, ApplyOptions(concurrency=1, writes_per_second=None))


@pytest.mark.usefixtures("aws_env")
def test_the_api_path_never_updates_nor_deletes_what_a_stack_made(stacked):
    model, files = stacked
    deploy(files)
    api = dataclasses.replace(model, deploy="api")
    clients = connect(api)
    plan = make_plan(api, clients, resolver=SECRETS.__getitem__)
    assert plan.count(DELETE) == 0
    assert plan.managed == len(model.dashboards)  # untaggable: owned by their body's marker (docs/organisations.md)
    adopting = make_plan(api, clients, adopt=True, resolver=SECRETS.__getitem__)
    stacked_alarms = {c.address for c in adopting.conflicts if "CloudFormation stack shop-production" in c.reason}
    assert f"metric_alarm.shop-orders-errors-production" in stacked_alarms


# --- splitting past CloudFormation's quotas ----------------------------------------------------------


def test_two_thousand_alarms_are_split_into_stacks_within_the_quotas(split):
    model, files = split
    manifest = json.loads(files["cloudformation/stacks.json"])
    bodies = templates(files)
    assert len(manifest["Stacks"]) >= 5
    for stack in manifest["Stacks"]:
        text = files[f"cloudformation/{stack['TemplateFile']}"]
        assert len(json.loads(text)["Resources"]) == stack["Resources"] <= 500
        assert len(text.encode()) <= 1_000_000
    names = [r["Properties"]["AlarmName"] for t in bodies.values() for r in t["Resources"].values()
             if "AlarmName" in r["Properties"]]
    assert sorted(names) == sorted(a.name for a in model.alarms())  # each alarm once
    order = [s["StackName"] for s in manifest["Stacks"]]
    assert order[0] == "shop-production" and order[-1] == "shop-production-composites"
    assert all(name.startswith("shop-production-alarms-h") for name in order[1:-1])


def test_adding_one_alarm_changes_one_stack_only(split, tmp_path):
    model, files = split
    grown = build(tmp_path, many_monitors(2000) + """    extra:
      summary: One more.
      resource: fn
      metric: Throttles
      threshold: "> 1"
      severity: warning
""", project=SPLIT_PROJECT)
    after = cloudformation.render(grown.models["production"]).files
    changed = sorted(p for p in set(files) | set(after) if files.get(p) != after.get(p))
    assert len(changed) == 2 and "cloudformation/stacks.json" in changed, changed


def stacks_holding(files: dict[str, str], names: set[str]) -> list[str]:
    """The stacks (in deployment order) whose templates make one of these alarms, with the first (topics)."""
    manifest = json.loads(files["cloudformation/stacks.json"])["Stacks"]
    found = [manifest[0]["StackName"]]
    for stack in manifest[1:]:
        made = {r["Properties"].get("AlarmName") for r in templates(files)[f"cloudformation/{stack['TemplateFile']}"]["Resources"].values()}
        if made & names:
            found.append(stack["StackName"])
    return found


def only(files: dict[str, str], stacks: list[str]) -> dict[str, str]:
    manifest = json.loads(files["cloudformation/stacks.json"])
    manifest["Stacks"] = [s for s in manifest["Stacks"] if s["StackName"] in stacks]
    kept = {f"cloudformation/{s['TemplateFile']}" for s in manifest["Stacks"]}
    return {"cloudformation/stacks.json": json.dumps(manifest), **{p: t for p, t in files.items() if p in kept}}


# Every alarm stack of the split is made the same way: cfn-lint (25-50 ms a resource) reads the topics'
# stack, the composites' and the smallest alarm stack; moto deploys the stacks of the composite's three
# children: the cross-stack case (a composite naming alarms of three other stacks, deployed after them).
CHILDREN = {"shop-orders-m0000-production", "shop-orders-m0001-production", "shop-orders-m1999-production",
            "shop-orders-all-bad-production"}


def test_the_split_templates_are_cfn_lint_clean(split):
    _, files = split
    stacks = json.loads(files["cloudformation/stacks.json"])["Stacks"]
    smallest = min((s for s in stacks if "-alarms-" in s["StackName"]), key=lambda s: s["Resources"])
    read = [stacks[0]["StackName"], smallest["StackName"], stacks[-1]["StackName"]]
    assert lint_problems(only(files, read)) == []


@pytest.mark.usefixtures("aws_env")
def test_the_split_stacks_deploy_in_order_and_the_composite_finds_its_children_in_other_stacks(split):
    _, files = split
    chosen = stacks_holding(files, CHILDREN)
    assert len(chosen) >= 4 and chosen[-1] == "shop-production-composites"
    deploy(only(files, chosen))
    cloudwatch = boto3.client("cloudwatch", region_name="eu-west-1")
    composite = cloudwatch.describe_alarms(AlarmNames=["shop-orders-all-bad-production"],
                                           AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    assert [c["AlarmRule"].count("ALARM(") for c in composite] == [3]


# --- the command line ----------------------------------------------------------------------------------


def test_obsgen_apply_refuses_the_examples_cloudformation_environment_before_touching_aws(monkeypatch):
    from typer.testing import CliRunner

    from obsgen.cli import app

    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")  # no credentials: the refusal comes first
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    result = CliRunner().invoke(app, ["apply", "--env", "staging", "--auto-approve", "--project-dir", str(REPO)])
    assert result.exit_code == 1
    assert "environment 'staging' is deployed by CloudFormation" in result.output
    assert "generated/staging/cloudformation/" in result.output


# --- issue #17's kinds ---------------------------------------------------------------------------------

BEYOND = Path(__file__).resolve().parent / "fixtures" / "beyond-alarms"


@pytest.fixture(scope="module")
def beyond() -> tuple[EnvironmentModel, dict[str, str]]:
    from obsgen.compiler import compile_project

    result = compile_project(BEYOND)
    assert result.ok, [str(d) for d in result.diagnostics]
    model = dataclasses.replace(result.models["sandbox"], deploy="cloudformation", endpoint=None)  # moto in-process
    rendered = cloudformation.render(model)
    assert rendered.diagnostics == []
    return model, rendered.files


def test_log_alarms_filters_queries_rules_budgets_mute_rules_and_topic_policies_are_in_the_template(beyond):
    model, files = beyond
    types = sorted({r["Type"] for t in templates(files).values() for r in t["Resources"].values()})
    assert {"AWS::CloudWatch::LogAlarm", "AWS::Logs::MetricFilter", "AWS::Logs::QueryDefinition", "AWS::Events::Rule",
            "AWS::Budgets::Budget", "AWS::CloudWatch::AlarmMuteRule", "AWS::SNS::TopicPolicy"} <= set(types)
    resources = [r for t in templates(files).values() for r in t["Resources"].values()]
    filters = [r["Properties"] for r in resources if r["Type"] == "AWS::Logs::MetricFilter"]
    assert sorted(f["FilterName"] for f in filters) == sorted(f.name for f in model.metric_filters)
    rules = [r for r in resources if r["Type"] == "AWS::Events::Rule"]
    assert all(isinstance(r["Properties"]["EventPattern"], dict) for r in rules)
    assert all(r["DependsOn"] for r in rules)  # on the severity's topic, in the same stack


def test_issue_17s_kinds_are_cfn_lint_clean(beyond):
    assert lint_problems(beyond[1]) == []


def test_a_metric_filters_dimensions_map_becomes_key_value_pairs():
    params = {"logGroupName": "/aws/lambda/orders", "filterName": "shop/production/orders/errors",
              "filterPattern": "ERROR", "metricTransformations": [
                  {"metricName": "Errors", "metricNamespace": "shop/logs", "metricValue": "1", "defaultValue": 0.0,
                   "dimensions": {"Route": "$.route", "Code": "$.code"}}]}
    props = cloudformation.metric_filter_properties(params)
    assert props["MetricTransformations"] == [{"MetricName": "Errors", "MetricNamespace": "shop/logs",
                                               "MetricValue": "1", "DefaultValue": 0.0, "Dimensions": [
                                                   {"Key": "Code", "Value": "$.code"},
                                                   {"Key": "Route", "Value": "$.route"}]}]


@pytest.mark.usefixtures("aws_env")
def test_the_issue_17_stack_deploys_and_equals_the_api_paths_metric_filters_queries_rules_and_policies(beyond):
    # moto's CloudFormation (with the sandbox's models) creates every kind obsgen syncs, mute rules
    # (sandbox/cloudformation.CfnAlarmMuteRule), log alarms and budgets (CfnBudget) included.
    from aws_support import make_log_groups

    model, files = beyond
    clients = connect(model)
    make_log_groups(clients.client("logs"), model)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        deploy(files, secrets={})
    assert not [str(w.message) for w in caught if "not supported by moto" in str(w.message)]  # a type moto skips
    plan = make_plan(model, clients, resolver=lambda p: "unused")
    assert not plan.has_changes and not plan.conflicts, [(c.address, c.action, c.fields) for c in plan.changes]
    kinds = {c.split(".")[0] for c in (r.address for r in desired_resources(model).values())}
    assert {"metric_filter", "query_definition", "event_rule", "topic_policy", "log_alarm", "mute_rule", "budget"} <= kinds
