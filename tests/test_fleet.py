"""plan / apply / drift over several environments at once (`--env 'prod-*'`, aws/fleet.py), against one
sandbox that holds several accounts: each environment of a matrix reaches its own account by assuming
`arn:aws:iam::<account>:role/...` (moto keeps one set of resources per account and answers
GetCallerIdentity with the role's account, so obsgen's identity check runs for real)."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from pathlib import Path

import boto3
import jsonschema
import pytest
from typer.testing import CliRunner

from obsgen.aws.fleet import run_bounded
from obsgen.language.matrix import select
from obsgen.cli import app
from obsgen.sandbox import server as sandbox

BASE = Path(__file__).parent / "bad_specs" / "_base"
SCHEMAS = Path(__file__).resolve().parent.parent / "docs" / "schemas"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
ACCOUNTS = ("111111111111", "222222222222")
MATRIX_ENVS = [f"prod-{a}-{r}" for a in ACCOUNTS for r in ("eu-west-1", "us-east-1")]
runner = CliRunner()

ENVIRONMENTS = """\
environments:
  dev:
    account: "123456789012"
    region: eu-west-1
    endpoint: {endpoint}
matrices:
  prod-${{account}}-${{region}}:
    accounts: ["111111111111", "222222222222"]
    regions: [eu-west-1, us-east-1]
    endpoint: {endpoint}
    role_arn: "arn:aws:iam::${{account}}:role/obsgen-deployer"
"""


@pytest.fixture(scope="module")
def sb():
    with sandbox.start(port=0) as running:
        yield running


@pytest.fixture
def project(tmp_path: Path, sb, monkeypatch) -> Path:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
                        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    sb.reset()
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    config = tmp_path / "monitors" / "obsgen.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text[:text.index("environments:")] + ENVIRONMENTS.format(endpoint=sb.endpoint_url),
                      encoding="utf-8")
    return tmp_path


def run(project: Path, *args: str, expect: int):
    result = runner.invoke(app, [*args, "-C", str(project)])
    assert "Traceback" not in result.output, result.output
    assert result.exit_code == expect, (args, result.exit_code, result.output)
    return result


def alarms_in(sb, account: str, region: str) -> list[str]:
    """The alarm names the sandbox holds for `account` in `region`, read as that account."""
    sts = boto3.client("sts", endpoint_url=sb.endpoint_url, region_name=region)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/reader", RoleSessionName="test")["Credentials"]
    cloudwatch = boto3.client("cloudwatch", endpoint_url=sb.endpoint_url, region_name=region,
                              aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                              aws_session_token=creds["SessionToken"])
    return sorted(a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"])


def summary_rows(output: str) -> dict[str, list[str]]:
    """The summary table's rows by environment: [account, region, changes, result, duration]."""
    lines = output.splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("environment "))
    rows = {}
    for line in lines[start + 2:]:
        cells = line.split()
        if len(cells) >= 6 and cells[1].isdigit() and len(cells[1]) == 12:
            rows[cells[0]] = [cells[1], cells[2], cells[3], " ".join(cells[4:-1]), cells[-1]]
    return rows


def test_globs_and_repeated_envs_select_environments_in_the_specs_order():
    known = ["dev", "prod-1-eu", "prod-1-us", "stage"]
    assert select(["prod-*"], known) == (["prod-1-eu", "prod-1-us"], [])
    assert select(["stage", "*-eu", "dev"], known) == (["dev", "prod-1-eu", "stage"], [])
    assert select(["prod-*", "qa-*"], known) == (["prod-1-eu", "prod-1-us"], ["qa-*"])


def test_no_two_items_of_one_slot_run_at_once_and_no_more_than_the_bound():
    active: list[str] = []
    most = {"at_once": 0}
    lock = threading.Lock()
    overlaps = []
    slot = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "c1": "C", "d1": "D"}

    def work(item: str) -> None:
        with lock:
            overlaps.extend(other for other in active if slot[other] == slot[item])
            active.append(item)
            most["at_once"] = max(most["at_once"], len(active))
        time.sleep(0.02)  # long enough for the others to start if the bound let them
        with lock:
            active.remove(item)

    left = run_bounded(list(slot), lambda item: frozenset({(slot[item], "r")}), 3, work)
    assert left == [] and overlaps == [] and 1 < most["at_once"] <= 3


def test_a_stopped_run_starts_nothing_and_returns_what_it_never_started():
    stop = threading.Event()
    stop.set()
    assert run_bounded(["x", "y"], lambda _item: frozenset(), 2, lambda _item: None, stop) == ["x", "y"]


def test_plan_over_globs_shows_each_environment_as_one_block_then_one_summary(project: Path):
    result = run(project, "plan", "--env", "prod-*", "--env", "dev", "--detailed-exitcode", expect=2)
    before_summary = result.output[:result.output.rindex("\nenvironment ")]
    blocks = re.split(r"^== ", before_summary, flags=re.M)[1:]
    assert sorted(block.split("\n", 1)[0] for block in blocks) == sorted(
        ["dev (account 123456789012, eu-west-1) =="] +
        [f"{env} (account {env.split('-')[1]}, {env.split('-', 2)[2]}) ==" for env in MATRIX_ENVS])
    for block in blocks:  # not interleaved: a block names its own environment's resources only
        heading, body = block.split("\n", 1)
        named = set(re.findall(r"-(dev|prod-\d{12}-[a-z]+-[a-z]+-\d)\b", body))
        assert named == {heading.split(" ", 1)[0]}, block
    rows = summary_rows(result.output)
    assert list(rows) == ["dev", *MATRIX_ENVS]
    assert {row[3] for row in rows.values()} == {"changes"}
    assert "5 environment(s): 5 changes" in result.output


def test_plan_without_detailed_exitcode_exits_0_with_changes(project: Path):
    run(project, "plan", "--env", "prod-111111111111-*", "--env", "dev", expect=0)


def test_apply_over_a_matrix_writes_each_account_and_region_then_drift_is_clean(project: Path, sb):
    result = run(project, "apply", "--env", "prod-*", "--auto-approve", expect=0)
    assert {row[3] for row in summary_rows(result.output).values()} == {"applied"}
    for account in ACCOUNTS:
        for region in ("eu-west-1", "us-east-1"):
            env = f"prod-{account}-{region}"
            assert alarms_in(sb, account, region) == [f"shop-orders-errors-{env}", f"shop-orders-latency-{env}"]
    assert alarms_in(sb, "123456789012", "eu-west-1") == []  # dev was not selected
    drift = run(project, "drift", "--env", "prod-*", expect=0)
    assert {row[3] for row in summary_rows(drift.output).values()} == {"in sync"}


def test_a_failing_environment_does_not_stop_the_others_and_the_exit_code_says_so(project: Path, sb):
    config = project / "monitors" / "obsgen.yaml"
    config.write_text(config.read_text(encoding="utf-8") + """\
    per_account:
      "222222222222":
        role_arn: "arn:aws:iam::333333333333:role/obsgen-deployer"
""", encoding="utf-8")
    result = run(project, "apply", "--env", "prod-*", "--auto-approve", expect=1)
    rows = summary_rows(result.output)
    assert [rows[env][3] for env in MATRIX_ENVS] == ["applied", "applied", "failed", "failed"]
    assert ("prod-222222222222-eu-west-1: failed: refusing to touch environment 'prod-222222222222-eu-west-1': it "
            "lives in account 222222222222, but the credentials in use belong to account 333333333333") in result.output
    assert alarms_in(sb, ACCOUNTS[0], "us-east-1") != [] and alarms_in(sb, ACCOUNTS[1], "us-east-1") == []


def test_apply_over_several_environments_without_a_terminal_asks_for_auto_approve(project: Path, sb):
    result = run(project, "apply", "--env", "prod-*", expect=1)
    assert "refusing to apply without confirmation" in result.output
    assert alarms_in(sb, ACCOUNTS[0], "eu-west-1") == []


def test_plan_as_json_holds_every_environments_plan_in_the_spec_order_and_passes_its_schemas(project: Path):
    result = run(project, "plan", "--env", "prod-*", "--format", "json", "--detailed-exitcode", expect=2)
    document = json.loads(result.stdout)
    jsonschema.Draft202012Validator(schema("environments")).validate(document)
    assert document["exit_code"] == 2 and document["command"] == "plan"
    assert [e["env"] for e in document["environments"]] == MATRIX_ENVS
    for entry in document["environments"]:
        jsonschema.Draft202012Validator(schema("plan")).validate(entry["plan"])
        assert entry["plan"]["env"] == entry["env"] and entry["result"] == "changes"
    assert "4 environment(s): 4 changes" in result.stderr


@pytest.mark.parametrize("option", [["--out", "plan.json"], ["--format", "markdown"]])
def test_one_environments_options_are_a_usage_error_with_several(project: Path, option: list[str]):
    result = run(project, "plan", "--env", "prod-*", *option, expect=2)
    assert "works with one environment" in result.output


def test_a_glob_that_names_no_environment_is_a_usage_error(project: Path):
    result = run(project, "drift", "--env", "prod-*", "--env", "qa-*", expect=2)
    assert "'qa-*' names no environment" in result.output
