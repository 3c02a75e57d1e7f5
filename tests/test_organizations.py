"""`obsgen accounts`: an OU's accounts as a matrix's `accounts:` list, and `--check` of the spec's matrices
against their OUs (in-process moto Organizations: an organization, an OU with a child OU, and accounts)."""

from __future__ import annotations

import shutil
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from obsgen.cli import app

BASE = Path(__file__).parent / "bad_specs" / "_base"
runner = CliRunner()


@pytest.fixture
def org(monkeypatch):
    """(the OU's id, {account name: id}): `payments` holds `pay-prod` and a child OU holding `pay-eu`;
    `other` sits in the root."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        root = client.list_roots()["Roots"][0]["Id"]
        ou = client.create_organizational_unit(ParentId=root, Name="payments")["OrganizationalUnit"]["Id"]
        child = client.create_organizational_unit(ParentId=ou, Name="payments-eu")["OrganizationalUnit"]["Id"]
        ids = {}
        for name, parent in (("pay-prod", ou), ("pay-eu", child), ("other", root)):
            made = client.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
            ids[name] = made["AccountId"]
            if parent != root:
                client.move_account(AccountId=ids[name], SourceParentId=root, DestinationParentId=parent)
        yield ou, ids


def test_an_ous_accounts_are_printed_as_a_matrix_list_with_child_ous_by_default(org):
    ou, ids = org
    result = runner.invoke(app, ["accounts", "--ou", ou])
    assert result.exit_code == 0, result.output
    listed = sorted([(ids["pay-prod"], "pay-prod"), (ids["pay-eu"], "pay-eu")])
    assert result.output.splitlines()[1:] == [f"organizational_unit: {ou}", "accounts:",
                                             *(f'  - "{i}"  # {n}' for i, n in listed)]


def test_direct_leaves_out_the_child_ous_accounts(org):
    ou, ids = org
    result = runner.invoke(app, ["accounts", "--ou", ou, "--direct"])
    assert result.exit_code == 0, result.output
    assert ids["pay-prod"] in result.output and ids["pay-eu"] not in result.output


def test_a_malformed_ou_id_is_a_usage_error(org):
    result = runner.invoke(app, ["accounts", "--ou", "payments"])
    assert result.exit_code == 2 and "is not an organizational unit id" in result.output


def _project(tmp_path: Path, ou: str, accounts: list[str]) -> Path:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    config = tmp_path / "monitors" / "obsgen.yaml"
    text = config.read_text(encoding="utf-8")
    listed = ", ".join(f'"{a}"' for a in accounts)
    config.write_text(text[:text.index("environments:")] + f"""\
matrices:
  pay-${{account}}:
    organizational_unit: {ou}
    accounts: [{listed}]
    regions: [eu-west-1]
""", encoding="utf-8")
    return tmp_path


def test_check_passes_when_a_matrix_lists_exactly_its_ous_active_accounts(org, tmp_path: Path):
    ou, ids = org
    project = _project(tmp_path, ou, [ids["pay-prod"], ids["pay-eu"]])
    result = runner.invoke(app, ["accounts", "--check", "-C", str(project)])
    assert result.exit_code == 0, result.output


def test_check_names_an_account_that_joined_the_ou_and_one_that_left_it(org, tmp_path: Path):
    ou, ids = org
    project = _project(tmp_path, ou, [ids["pay-prod"], "999999999999"])
    result = runner.invoke(app, ["accounts", "--check", "-C", str(project)])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == [
        f'pay-${{account}}: account "{ids["pay-eu"]}" (pay-eu) is active in {ou} but not in accounts:',
        f'pay-${{account}}: account "999999999999" is in accounts: but not active in {ou}']
