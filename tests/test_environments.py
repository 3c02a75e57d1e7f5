"""Environments: their `vars:` are templates like any other, and two of them in one AWS account and region
must not create resources of the same name (each apply would find the other's as "not managed by obsgen")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from obsgen.compiler import compile_project

BASE = Path(__file__).parent / "bad_specs" / "_base"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    return tmp_path


def _edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / "monitors" / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _same_account_and_region(root: Path) -> None:
    _edit(root, "obsgen.yaml", 'account: "210987654321"', 'account: "123456789012"')


def test_a_var_may_use_the_environments_own_variables_and_dollar_escapes(root: Path):
    for env, account in (("prod", "123456789012"), ("dev", "210987654321")):
        _edit(root, "obsgen.yaml", f'    account: "{account}"\n',
              f'    account: "{account}"\n    vars: {{suffix: "${{region}}-${{account}}-$$x"}}\n')
    _edit(root, "orders.yaml", 'name: "orders-${env}"', 'name: "orders-${env}-${suffix}"')
    build = compile_project(root)
    assert build.ok, [str(d) for d in build.diagnostics]
    alarm = json.loads(build.files["dev/cloudwatch/orders.json"])["MetricAlarms"][0]
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": "orders-dev-eu-west-1-210987654321-$x"}]


def test_an_unknown_variable_in_a_var_is_located_at_the_var(root: Path):
    _edit(root, "obsgen.yaml", '    region: eu-west-1\n  dev:', '    region: eu-west-1\n    vars: {q: "${nope}"}\n  dev:')
    build = compile_project(root)
    assert [str(d) for d in build.diagnostics] == [
        "monitors/obsgen.yaml:23:16: error: unknown template variable ${nope}; expected one of: account, env, "
        "project, region [unknown-variable]"]


def test_environments_sharing_an_account_and_region_with_env_in_every_name_pass(root: Path):
    _same_account_and_region(root)
    build = compile_project(root)
    assert build.ok, [str(d) for d in build.diagnostics]


def test_environments_whose_names_collide_in_one_account_and_region_fail_naming_both(root: Path):
    _same_account_and_region(root)
    _edit(root, "obsgen.yaml", 'alarm: "${project}-${service}-${monitor}-${env}"', 'alarm: "${project}-${monitor}"')
    [problem] = compile_project(root).diagnostics
    assert problem.code == "shared-aws-name" and str(problem.span) == "monitors/obsgen.yaml:23:3"
    assert problem.message.startswith("environments 'prod' and 'dev' share account 123456789012 and region "
                                      "eu-west-1, and both would create alarm 'shop-errors' (and 2 more):")
    assert "naming.alarm" in problem.message and "topic" not in problem.message


@pytest.mark.parametrize("selected", [["prod"], ["dev"]])
def test_a_collision_is_found_when_only_one_of_the_environments_is_compiled(root: Path, selected: list[str]):
    """`plan --env prod` compiles prod alone; dev, in the same account and region, is still compared."""
    _same_account_and_region(root)
    _edit(root, "obsgen.yaml", 'topic: "${project}-low-${env}"', 'topic: "${project}-low"')
    [problem] = compile_project(root, selected).diagnostics
    assert problem.code == "shared-aws-name" and "topic 'shop-low'" in problem.message
    assert "severities.<name>.topic" in problem.message


def test_the_same_names_in_other_regions_of_one_account_do_not_collide(root: Path):
    _same_account_and_region(root)
    _edit(root, "obsgen.yaml", 'alarm: "${project}-${service}-${monitor}-${env}"', 'alarm: "${project}-${monitor}"')
    _edit(root, "obsgen.yaml", '    region: eu-west-1\n  dev:', '    region: eu-central-1\n  dev:')
    assert compile_project(root).ok
