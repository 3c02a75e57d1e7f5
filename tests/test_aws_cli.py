"""plan / apply / drift / unlock as people run them: the CLI (typer's runner, in this process)
against a sandbox that a thread of this process serves over HTTP. What is checked is what the
commands print and save: secret endpoints never appear, a saved plan applies exactly what it
shows or is refused, and the apply lock says who holds it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import boto3
import pytest
from aws_support import example_model, sandbox_log_groups
from typer.testing import CliRunner

from obsgen.sandbox import server as sandbox
from obsgen.aws.lock import EnvironmentLock, EnvironmentLocked, parameter_name
from obsgen.cli import app

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()
ALARM = "stock-analysis-api-latency-local"

SECRET_CHANNELS = """\
  secret-email:
    type: email
    endpoint: {env: SECRET_EMAIL}
    severities: [high]
  secret-sms:
    type: sms
    endpoint: {env: SECRET_PHONE}
    severities: [high]
"""
# Two generations of each secret; the fragments are what must never be printed (a URL's key may
# sit in its host or its path, an email address's identity in its local part).
FIRST = {"SECRET_EMAIL": "oncall-1f3a@secret.example", "SECRET_PHONE": "+15555550123",
         "STOCK_ANALYSIS_PAGERDUTY_URL": "https://hostsecret-9b1e.hooks.example.com/integration/KEY111/enqueue"}
SECOND = {"SECRET_EMAIL": "oncall-77c2@secret.example", "SECRET_PHONE": "+15555550987",
          "STOCK_ANALYSIS_PAGERDUTY_URL": "https://hostsecret-4d0c.hooks.example.com/integration/KEY222/enqueue"}
FRAGMENTS = ("oncall-1f3a", "5555550123", "hostsecret-9b1e", "KEY111", "oncall-77c2", "5555550987",
             "hostsecret-4d0c", "KEY222")


@pytest.fixture(scope="module")
def sb():
    with sandbox.start(port=0) as running:
        yield running


@pytest.fixture
def project(tmp_path: Path, sb, monkeypatch) -> Path:
    """The example project, its `local` environment on the sandbox."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE", "MOTO_ACCOUNT_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
                        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    sb.reset()
    shutil.copytree(REPO / "monitors", tmp_path / "monitors")
    shutil.copytree(REPO / "runbooks_src", tmp_path / "runbooks_src")
    config = tmp_path / "monitors" / "obsgen.yaml"
    config.write_text(config.read_text().replace("http://127.0.0.1:4577", sb.endpoint_url))
    sandbox_log_groups(sb.endpoint_url, example_model("local"))
    return tmp_path


def run(project: Path, *args: str, env: dict[str, str] | None = None, expect: int | None = 0):
    result = runner.invoke(app, [*args, "-C", str(project)], env=env)
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    if expect is not None:
        assert result.exit_code == expect, (args, result.exit_code, result.output)
    return result


def words(text: str) -> str:
    """The text without rich's box drawing and line wrapping."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", text).split())


def cloudwatch(sb):
    return boto3.client("cloudwatch", endpoint_url=sb.endpoint_url, region_name="us-east-1")


def config_of(project: Path) -> Path:
    return project / "monitors" / "obsgen.yaml"


# ---------------------------------------------------------------- secrets (#12 item 2)


def with_secret_channels(project: Path) -> None:
    """email, sms and https channels whose endpoints are secrets, on the local environment."""
    text = config_of(project).read_text()
    text = text.replace("  credlink-slack:\n", SECRET_CHANNELS + "  credlink-slack:\n")
    head, local = text.split("\n  local:\n")
    config_of(project).write_text(head + "\n  local:\n" + local.replace("      pagerduty: {enabled: false}\n", ""))


def without_secret_channels(project: Path) -> None:
    text = config_of(project).read_text().replace(SECRET_CHANNELS, "")
    head, local = text.split("\n  local:\n")
    local = local.replace("    channels:\n", "    channels:\n      pagerduty: {enabled: false}\n", 1)
    config_of(project).write_text(head + "\n  local:\n" + local)


def everything_shown(project: Path, env: dict[str, str], tmp_path: Path) -> str:
    """Every output of plan (text, json, markdown, --out), drift (every format) and apply."""
    shown = []
    for fmt in ("text", "json", "markdown"):
        shown.append(run(project, "plan", "--env", "local", "--format", fmt, env=env).output)
    saved = tmp_path / "plan.json"
    shown.append(run(project, "plan", "--env", "local", "--out", str(saved), env=env).output)
    shown.append(saved.read_text())
    for fmt in ("text", "json", "junit", "markdown"):
        shown.append(run(project, "drift", "--env", "local", "--format", fmt, env=env, expect=2).output)
    shown.append(run(project, "apply", "--env", "local", str(saved), "--auto-approve", env=env).output)
    return "\n".join(shown)


def test_rotated_and_removed_secret_channels_never_show_their_values_in_any_output(project, sb, tmp_path):
    with_secret_channels(project)
    first = run(project, "apply", "--env", "local", "--auto-approve", env=FIRST).output
    assert "{{resolve:env:SECRET_PHONE}}" in first and not [f for f in FRAGMENTS if f in first]

    rotated = everything_shown(project, SECOND, tmp_path)
    assert "(redacted, subscription " in rotated, "the old subscriptions are shown, redacted"
    assert [f for f in FRAGMENTS if f in rotated] == []

    without_secret_channels(project)
    removed = everything_shown(project, SECOND, tmp_path)
    assert [f for f in FRAGMENTS if f in removed] == []
    assert "No changes" in run(project, "plan", "--env", "local").output
    sns = boto3.client("sns", endpoint_url=sb.endpoint_url, region_name="us-east-1")
    endpoints = {s["Endpoint"] for s in sns.list_subscriptions()["Subscriptions"]}
    assert not endpoints & (set(FIRST.values()) | set(SECOND.values())), "rotated and removed for real"


def test_a_literal_endpoint_of_the_spec_is_shown_as_it_is(project, sb):
    run(project, "apply", "--env", "local", "--auto-approve")
    config_of(project).write_text(config_of(project).read_text().replace(
        "oncall-email: {endpoint: stock-analysis-local@example.com}",
        "oncall-email: {endpoint: stock-analysis-local-2@example.com}"))
    shown = run(project, "plan", "--env", "local").output
    assert "+ subscription.stock-analysis-alerts-local/email/stock-analysis-local-2@example.com" in shown
    assert "stock-analysis-local@example.com" not in shown, "no longer in the spec: redacted"
    assert "- subscription.stock-analysis-alerts-local/email/(redacted, subscription " in shown


# ---------------------------------------------------------------- saved plans (#12 item 3)


def hand_edit(sb, **fields) -> None:
    cw = cloudwatch(sb)
    live = cw.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]
    keep = ("AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "MetricName", "Namespace",
            "Statistic", "Dimensions", "Period", "Unit", "EvaluationPeriods", "ComparisonOperator",
            "TreatMissingData", "Threshold")
    cw.put_metric_alarm(**{**{k: live[k] for k in keep if k in live}, **fields})


def live_alarm(sb) -> dict:
    return cloudwatch(sb).describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]


# (field, value set by hand, line of the saved plan, spec override made after saving, refusal, value after)
SAVED_PLAN_CASES = {
    "the issue's case": ("Threshold", 4600.0, "~ Threshold: 4600.0 -> 5000.0", '{threshold: "> 999999"}',
                         "Threshold 5000.0 in the plan, 999999.0 now", 999999.0),
    # Not drawn on any dashboard: the saved plan's changes keep their names, only a value differs.
    "a value no dashboard shows": ("TreatMissingData", "breaching", '~ TreatMissingData: "breaching" -> "missing"',
                                   "{missing_data: ignore}", 'TreatMissingData "missing" in the plan, "ignore" now',
                                   "ignore"),
}


@pytest.mark.parametrize("case", SAVED_PLAN_CASES)
def test_a_saved_plan_whose_values_changed_in_the_spec_is_refused_and_writes_nothing(project, sb, tmp_path, case):
    field, by_hand, planned, override, refusal, after = SAVED_PLAN_CASES[case]
    run(project, "apply", "--env", "local", "--auto-approve")
    hand_edit(sb, **{field: by_hand})
    saved = tmp_path / "p3.json"
    assert planned in run(project, "plan", "--env", "local", "--out", str(saved)).output
    config_of(project).write_text(config_of(project).read_text().replace(
        "  local:\n", f"  local:\n    overrides:\n      stock-api/api-latency: {override}\n"))

    refused = run(project, "apply", "--env", "local", str(saved), "--auto-approve", expect=1).output
    assert "the plan is stale: the spec changed since it was made" in refused
    assert f"metric_alarm.{ALARM}: {refusal}" in refused
    assert live_alarm(sb)[field] == by_hand, "nothing was written"

    run(project, "plan", "--env", "local", "--out", str(saved))
    assert "Apply complete" in run(project, "apply", "--env", "local", str(saved), "--auto-approve").output
    assert live_alarm(sb)[field] == after


def test_a_saved_plan_is_refused_when_a_secret_it_subscribes_has_another_value_now(project, sb, tmp_path):
    with_secret_channels(project)
    saved = tmp_path / "plan.json"
    run(project, "plan", "--env", "local", "--out", str(saved), env=FIRST)
    digest = json.loads(saved.read_text())["secrets_digest"]
    assert digest.startswith("scrypt:") and not [f for f in FRAGMENTS if f in saved.read_text()]
    refused = run(project, "apply", "--env", "local", str(saved), "--auto-approve", env=SECOND, expect=1).output
    assert "the value of a secret endpoint it subscribes changed" in refused
    assert "Apply complete" in run(project, "apply", "--env", "local", str(saved), "--auto-approve", env=FIRST).output


# ---------------------------------------------------------------- the apply lock (#12 item 5)


def lock_of(sb) -> EnvironmentLock:
    return EnvironmentLock(boto3.client("ssm", endpoint_url=sb.endpoint_url, region_name="us-east-1"),
                           "stock-analysis", "local")


def test_a_lock_left_by_a_killed_apply_is_shown_refused_and_broken_with_its_id(project, sb):
    stale = lock_of(sb).acquire("arn:aws:sts::123456789012:assumed-role/ci/runner-7", host="ci-runner-7", pid=4242)
    refused = run(project, "apply", "--env", "local", "--auto-approve", expect=1).output
    assert "environment 'local' is locked: apply by arn:aws:sts::123456789012:assumed-role/ci/runner-7" in refused
    assert "on host ci-runner-7 (pid 4242) since " in refused and stale.since in refused
    assert f"obsgen unlock --env local --lock-id {stale.id}" in refused
    assert cloudwatch(sb).describe_alarms()["MetricAlarms"] == [], "nothing was written"

    shown = run(project, "unlock", "--env", "local", expect=1).output  # no terminal to say yes on
    assert "ci-runner-7" in shown and f"pass --lock-id {stale.id}" in shown
    assert "someone took it since" in run(project, "unlock", "--env", "local", "--lock-id", "0" * 32, expect=1).output
    assert "removed the lock of 'local'" in run(project, "unlock", "--env", "local", "--lock-id", stale.id).output
    assert lock_of(sb).current() is None
    assert "not locked" in run(project, "unlock", "--env", "local").output

    assert "Apply complete" in run(project, "apply", "--env", "local", "--auto-approve").output
    assert lock_of(sb).current() is None, "apply releases its lock"


def test_the_lock_is_an_owned_parameter_only_obsgen_apply_writes(project, sb):
    mine = lock_of(sb).acquire("arn:aws:sts::123456789012:user/moto")
    ssm = boto3.client("ssm", endpoint_url=sb.endpoint_url, region_name="us-east-1")
    name = parameter_name("stock-analysis", "local")
    assert json.loads(ssm.get_parameter(Name=name)["Parameter"]["Value"])["id"] == mine.id
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]
    assert {"Key": "obsgen:project", "Value": "stock-analysis"} in tags
    assert lock_of(sb).release(mine) == "" and lock_of(sb).current() is None
    run(project, "plan", "--env", "local")  # plan and drift neither take nor need the lock
    assert lock_of(sb).current() is None


def test_a_lock_whose_creation_was_retried_after_a_lost_answer_is_still_ours(sb):
    from botocore.exceptions import ClientError

    sb.reset()
    ssm = boto3.client("ssm", endpoint_url=sb.endpoint_url, region_name="us-east-1")

    class AnswerLost:
        """PutParameter got through but its answer did not: botocore's retry then hears ParameterAlreadyExists."""

        def put_parameter(self, **params):
            ssm.put_parameter(**params)
            raise ClientError({"Error": {"Code": "ParameterAlreadyExists", "Message": "exists"}}, "PutParameter")

        def __getattr__(self, name):
            return getattr(ssm, name)

    lock = EnvironmentLock(AnswerLost(), "stock-analysis", "local")
    mine = lock.acquire("arn:aws:sts::123456789012:user/moto")
    assert lock.current().id == mine.id
    with pytest.raises(EnvironmentLocked, match="is locked: apply by arn:aws:sts::123456789012:user/moto"):
        lock.acquire("arn:aws:sts::123456789012:user/someone-else")
    assert lock.release(mine) == "" and lock.current() is None


# ---------------------------------------------------------------- saved plans in a pipeline (#14 item 11)


def test_a_saved_plan_is_applied_without_a_question_from_a_pipeline(project, sb, tmp_path):
    saved = tmp_path / "plan.json"
    made = run(project, "plan", "--env", "local", "--out", str(saved))
    assert f"review it with `obsgen show {saved}`, apply it with `obsgen apply {saved}`" in made.stderr
    # no --env (the plan names it), no --auto-approve, stdin not a terminal (typer's runner)
    applied = run(project, "apply", str(saved))
    assert "Apply complete" in applied.output and "Apply these changes" not in applied.output
    assert live_alarm(sb)["AlarmName"] == ALARM


def test_a_stale_saved_plan_is_still_refused_without_a_question(project, sb, tmp_path):
    saved = tmp_path / "plan.json"
    run(project, "plan", "--env", "local", "--out", str(saved))
    run(project, "apply", "--env", "local", "--auto-approve")  # someone applied in between
    refused = run(project, "apply", str(saved), expect=1).output
    assert "the plan is stale: AWS changed since it was made; run `obsgen plan` again" in refused


def test_apply_without_a_saved_plan_still_asks_and_refuses_without_a_terminal(project, sb):
    refused = run(project, "apply", "--env", "local", expect=1).output
    assert "refusing to apply without confirmation: stdin is not a terminal" in refused
    assert cloudwatch(sb).describe_alarms()["MetricAlarms"] == []


def test_a_saved_plan_for_another_environment_than_env_is_a_usage_error(project, sb, tmp_path):
    saved = tmp_path / "plan.json"
    run(project, "plan", "--env", "local", "--out", str(saved))
    refused = run(project, "apply", "--env", "production", str(saved), expect=2).output
    assert "is a plan for environment 'local', not 'production'" in words(refused)
    assert "give --env" in words(run(project, "apply", expect=2).output)


def test_show_prints_a_saved_plan_as_plan_did_without_reading_aws(project, sb, tmp_path, monkeypatch):
    saved = tmp_path / "plan.json"
    shown = {fmt: run(project, "plan", "--env", "local", "--format", fmt, "--out", str(saved)).stdout
             for fmt in ("text", "json", "markdown")}
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    for fmt, expected in shown.items():
        result = runner.invoke(app, ["show", str(saved), "--format", fmt])
        assert (result.exit_code, result.stdout) == (0, expected)
    not_a_plan = tmp_path / "other.json"
    not_a_plan.write_text("[1, 2]")
    result = runner.invoke(app, ["show", str(not_a_plan)])
    assert result.exit_code == 1 and "not an obsgen plan file" in result.output


def test_plan_and_apply_compact_show_each_creation_as_its_address_and_count_them_by_kind(project, sb):
    full = run(project, "plan", "--env", "local").output
    compact = run(project, "plan", "--env", "local", "--compact").output
    assert f"+ metric_alarm.{ALARM}  will be created" in compact and "    + AlarmName" in full
    assert "    + " not in compact and "Creations (shown by address only, --compact): " in compact
    applied = run(project, "apply", "--env", "local", "--auto-approve", "--compact").output
    assert "    + " not in applied and "Apply complete" in applied
    assert live_alarm(sb)["AlarmName"] == ALARM
