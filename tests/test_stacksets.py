"""StackSets (project `stacksets:`): the definition and account-neutral template obsgen generates,
cfn-lint clean, rolled out by `obsgen stackset apply` to three accounts x two regions of moto's
CloudFormation, with plan and the report per account and region."""

from __future__ import annotations

import json

import boto3
import pytest
from typer.testing import CliRunner

from aws_support import aws_env  # noqa: F401  (a fixture)
from spec_builder import build, errors, make_project
from test_cloudformation_target import MONITORS, STACKED_PROJECT, lint_problems

from obsgen.aws.stacksets import apply_plan, make_plan
from obsgen.cli import app

ACCOUNTS = ["111111111111", "222222222222", "333333333333"]
BASELINE = STACKED_PROJECT.replace("      region: us-east-1\n", "") + """stacksets:
  baseline:
    environment: production
    permission_model: self-managed
    targets: {accounts: ["111111111111", "222222222222", "333333333333"]}
    regions: [eu-west-1, us-east-1]
    failure_tolerance: 1
    max_concurrency: 2
"""
ONE_REGION = MONITORS.replace("      region: us-east-1\n", "")  # a StackSet rolls out one template
SECRETS = {"SecretShopPagerUrl": "https://events.pagerduty.example/integration/k3y"}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    result = build(tmp_path_factory.mktemp("baseline"), ONE_REGION, project=BASELINE)
    assert result.ok, errors(result)
    folder = "production/cloudformation/stacksets/baseline"
    return json.loads(result.files[f"{folder}.json"]), result.files[f"{folder}.template.json"]


def test_the_template_names_no_account_nor_region_and_leaves_out_what_is_one_per_account(baseline):
    definition, template = baseline
    assert "123456789012" not in template and "eu-west-1" not in template
    assert "${AWS::AccountId}" in template and "${AWS::Region}" in template
    types = {r["Type"] for r in json.loads(template)["Resources"].values()}
    assert "AWS::CloudWatch::Dashboard" not in types and "AWS::CloudWatch::Alarm" in types
    assert definition["StackSet"]["PermissionModel"] == "SELF_MANAGED"
    assert definition["Instances"] == {"Accounts": ACCOUNTS, "Regions": ["eu-west-1", "us-east-1"],
                                       "OperationPreferences": {"FailureToleranceCount": 1, "MaxConcurrentCount": 2}}
    assert definition["Parameters"] == ["SecretShopPagerUrl"]


def test_the_stackset_template_is_cfn_lint_clean(baseline):
    definition, template = baseline
    manifest = {"Stacks": [{"TemplateFile": "t.json", "Region": r} for r in definition["Instances"]["Regions"]]}
    assert lint_problems({"cloudformation/stacks.json": json.dumps(manifest), "cloudformation/t.json": template}) == []


def test_a_service_managed_stackset_targets_organizational_units_with_auto_deployment(tmp_path):
    project = BASELINE.replace("permission_model: self-managed", "permission_model: service-managed").replace(
        'targets: {accounts: ["111111111111", "222222222222", "333333333333"]}',
        "targets: {organizational_units: [ou-ab12-cdef3456]}")
    result = build(tmp_path, ONE_REGION, project=project)
    definition = json.loads(result.files["production/cloudformation/stacksets/baseline.json"])
    assert definition["StackSet"]["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    assert definition["Instances"]["DeploymentTargets"] == {"OrganizationalUnitIds": ["ou-ab12-cdef3456"]}


def test_a_stackset_of_an_environment_deployed_through_the_api_is_a_located_error(tmp_path):
    result = build(tmp_path, ONE_REGION, project=BASELINE.replace("    deploy: cloudformation\n", ""))
    assert any("stackset-environment" in e and "obsgen.yaml:" in e and "deploy: cloudformation" in e
               for e in errors(result)), errors(result)


def test_a_stackset_of_an_environment_in_several_regions_is_a_located_error(tmp_path):
    result = build(tmp_path, MONITORS, project=BASELINE)
    assert any("stackset-environment" in e and "needs 2 stacks" in e for e in errors(result)), errors(result)


@pytest.mark.usefixtures("aws_env")
def test_apply_rolls_out_three_accounts_by_two_regions_and_plan_is_then_empty(baseline):
    definition, template = baseline
    client = boto3.client("cloudformation", region_name="eu-west-1")
    plan = make_plan(client, definition, template)
    assert plan.action == "create" and len(plan.to_add) == 6
    instances = apply_plan(client, definition, template, SECRETS, plan, sleep=lambda _: None)
    assert sorted((i.target, i.region, i.status) for i in instances) == sorted(
        (a, r, "CURRENT") for a in ACCOUNTS for r in ("eu-west-1", "us-east-1"))
    for account in ACCOUNTS:
        for region in ("eu-west-1", "us-east-1"):
            from moto.cloudwatch.models import cloudwatch_backends
            alarms = cloudwatch_backends[account][region].alarms
            errors_alarm = alarms["shop-orders-errors-production"]
            assert errors_alarm.alarm_actions == [f"arn:aws:sns:{region}:{account}:shop-warning-production"]
    again = make_plan(client, definition, template)
    assert not again.has_changes and len(again.current) == 6


@pytest.mark.usefixtures("aws_env")
def test_the_command_line_plans_applies_and_reports_per_account_and_region(tmp_path, monkeypatch):
    make_project(tmp_path, ONE_REGION, project=BASELINE)
    monkeypatch.setenv("SHOP_PAGER_URL", SECRETS["SecretShopPagerUrl"])
    runner = CliRunner()
    planned = runner.invoke(app, ["stackset", "plan", "baseline", "-C", str(tmp_path)])
    assert planned.exit_code == 0, planned.output
    assert "StackSet shop-baseline: to create" in planned.output
    assert "+ 222222222222 us-east-1: instance to create" in planned.output
    applied = runner.invoke(app, ["stackset", "apply", "baseline", "-C", str(tmp_path), "--auto-approve"])
    assert applied.exit_code == 0, applied.output
    assert "333333333333 eu-west-1: CURRENT" in applied.output
    assert SECRETS["SecretShopPagerUrl"] not in applied.output
    again = runner.invoke(app, ["stackset", "plan", "baseline", "-C", str(tmp_path)])
    assert "StackSet shop-baseline: up to date" in again.output and "No changes." in again.output
