"""Environment matrices (`matrices:` in obsgen.yaml, language/matrix.py): one definition over accounts x regions
becomes one ordinary environment per pair, named and valued with ${account} and ${region}, with per-account and
per-region settings over the matrix's own. Mistakes are the bad-spec corpus's `matrix-*` cases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from obsgen.compiler import compile_project
from obsgen.language.load import load_spec

BASE = Path(__file__).parent / "bad_specs" / "_base"

MATRIX = """\
environments:
  dev:
    account: "210987654321"
    region: eu-west-1
    vars: {team: dev}
matrices:
  prod-${account}-${region}:
    accounts: ["111111111111", "222222222222"]
    regions: [eu-west-1, us-east-1]
    organizational_unit: ou-ab12-cd34ef56
    role_arn: "arn:aws:iam::${account}:role/obsgen-deployer"
    vars: {team: "payments-${region}"}
    overrides:
      orders/errors: {threshold: "> 10"}
    per_account:
      "222222222222":
        vars: {tier: gold}
        disabled: [orders/latency, orders/health]
    per_region:
      us-east-1:
        overrides:
          orders/errors: {threshold: "> 20"}
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    project = tmp_path / "monitors" / "obsgen.yaml"
    text = project.read_text(encoding="utf-8")
    project.write_text(text[:text.index("environments:")] + MATRIX, encoding="utf-8")
    orders = tmp_path / "monitors" / "orders.yaml"
    orders.write_text(orders.read_text(encoding="utf-8").replace('name: "orders-${env}"', 'name: "orders-${team}"'),
                      encoding="utf-8")
    return tmp_path


def _alarm(build, env: str, monitor: str) -> dict:  # type: ignore[no-untyped-def]
    alarms = json.loads(build.files[f"{env}/cloudwatch/orders.json"])["MetricAlarms"]
    return next(a for a in alarms if a["AlarmName"] == f"shop-orders-{monitor}-{env}")


def test_a_matrix_becomes_one_environment_per_account_and_region_after_the_plain_ones(root: Path):
    spec, problems = load_spec(root)
    assert spec is not None and not problems
    assert list(spec.project.environments) == [
        "dev", "prod-111111111111-eu-west-1", "prod-111111111111-us-east-1", "prod-222222222222-eu-west-1",
        "prod-222222222222-us-east-1"]
    env = spec.project.environments["prod-222222222222-us-east-1"]
    assert (env.account, env.region) == ("222222222222", "us-east-1")


def test_every_environment_of_a_matrix_is_built_into_its_own_folder(root: Path):
    build = compile_project(root)
    assert build.ok, [str(d) for d in build.diagnostics]
    for env in ("prod-111111111111-eu-west-1", "prod-222222222222-us-east-1"):
        assert f"{env}/cloudwatch/orders.json" in build.files


def test_account_and_region_reach_values_through_the_matrixs_vars(root: Path):
    build = compile_project(root)
    alarm = _alarm(build, "prod-111111111111-us-east-1", "errors")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": "orders-payments-us-east-1"}]
    assert alarm["AlarmActions"] == ["arn:aws:sns:us-east-1:111111111111:shop-high-prod-111111111111-us-east-1"]


def test_the_role_arn_is_expanded_per_account(root: Path):
    build = compile_project(root)
    assert build.models["prod-222222222222-eu-west-1"].role_arn == "arn:aws:iam::222222222222:role/obsgen-deployer"
    assert build.models["dev"].role_arn is None


def test_per_region_settings_win_over_the_matrixs_own(root: Path):
    build = compile_project(root)
    assert _alarm(build, "prod-111111111111-eu-west-1", "errors")["Threshold"] == 10
    assert _alarm(build, "prod-111111111111-us-east-1", "errors")["Threshold"] == 20


def test_per_account_settings_merge_into_the_matrixs_vars_and_add_to_disabled(root: Path):
    spec, _ = load_spec(root)
    assert spec is not None
    gold = spec.project.environments["prod-222222222222-eu-west-1"]
    assert gold.vars == {"team": "payments-${region}", "tier": "gold"}
    assert gold.disabled == ["orders/latency", "orders/health"]
    assert spec.project.environments["prod-111111111111-eu-west-1"].disabled == []
    build = compile_project(root)
    names = {a["AlarmName"] for a in json.loads(build.files["prod-222222222222-eu-west-1/cloudwatch/orders.json"])
             ["MetricAlarms"]}
    assert "shop-orders-latency-prod-222222222222-eu-west-1" not in names


def test_a_problem_in_an_expanded_environment_points_at_the_matrix_entry_that_wrote_it(root: Path):
    project = root / "monitors" / "obsgen.yaml"
    project.write_text(project.read_text(encoding="utf-8").replace("disabled: [orders/latency,",
                                                                   "disabled: [orders/latncy,"), encoding="utf-8")
    build = compile_project(root)
    assert [str(d) for d in build.diagnostics if d.code == "unknown-monitor"] == [
        "monitors/obsgen.yaml:36:20: error: disabled monitor 'orders/latncy' does not exist "
        "(did you mean 'orders/latency'?) [unknown-monitor]"]


def test_the_same_spec_builds_byte_identical_files(root: Path):
    assert compile_project(root).files == compile_project(root).files


def test_a_glob_selects_a_matrixs_environments_to_build_after_the_names_given_before_it(root: Path):
    build = compile_project(root, ["dev", "prod-111111111111-*"])
    assert build.ok, [str(d) for d in build.diagnostics]
    assert list(build.models) == ["dev", "prod-111111111111-eu-west-1", "prod-111111111111-us-east-1"]


def test_a_glob_that_matches_no_environment_is_reported_as_unknown(root: Path):
    build = compile_project(root, ["qa-*"])
    assert [d.code for d in build.diagnostics] == ["unknown-environment"]
    assert "unknown environment(s) qa-*" in build.diagnostics[0].message
