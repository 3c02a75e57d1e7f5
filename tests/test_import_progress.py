"""Progress of `obsgen import` (issue #22, target 9): the library reports reading the account, each
dashboard, each alarm mapped and each compile of the draft through a callback and prints nothing; the
CLI draws it on a terminal's stderr only, and a pipe reads exactly what it read without it. moto in-process,
three alarms, one topic, one dashboard."""

from __future__ import annotations

import importlib
import io
import json
import shutil
from pathlib import Path

import boto3
import pytest
from aws_support import REGION, aws_env  # noqa: F401  (fixture)
from rich.console import Console
from test_progress import Heard
from typer.testing import CliRunner

from obsgen.adopt import Selection, connect_account, import_project
from obsgen.cli import app

pytestmark = pytest.mark.usefixtures("aws_env")
consoles = importlib.import_module("obsgen.cli.app")  # the module (obsgen.cli's `app` is the Typer app)
STEPS = ["reading the account", "reading dashboards", "mapping alarms", "verifying the draft"]


def seed(region: str, env: str) -> None:
    """Two metric alarms and a composite of them notifying one topic, and one dashboard."""
    topic = boto3.client("sns", region_name=region).create_topic(Name=f"ops-pager-{env}")["TopicArn"]
    cw = boto3.client("cloudwatch", region_name=region)
    for name in (f"jobs-{env}", f"mail-{env}"):
        cw.put_metric_alarm(AlarmName=name, Namespace="AWS/SQS", MetricName="ApproximateAgeOfOldestMessage",
                            Statistic="Maximum", Dimensions=[{"Name": "QueueName", "Value": name}], Period=60,
                            EvaluationPeriods=5, Threshold=600, ComparisonOperator="GreaterThanThreshold",
                            AlarmActions=[topic])
    cw.put_composite_alarm(AlarmName=f"queues-{env}", AlarmRule=f'ALARM("jobs-{env}") OR ALARM("mail-{env}")',
                           AlarmActions=[topic])
    cw.put_dashboard(DashboardName="queues", DashboardBody=json.dumps({"widgets": []}))


@pytest.fixture
def account():
    seed(REGION, "prod")
    return connect_account(REGION, None, None)


def test_an_import_reports_each_step_counting_up_to_its_total(account, capsys):
    heard = Heard()
    imported = import_project(account, Selection(), "p", "prod", progress=heard)
    assert imported.alarms == 3
    assert heard.steps() == STEPS
    heard.assert_counts_rise_to_their_total()
    totals = {step: total for step, _, total in heard.calls}
    assert totals == {"reading the account": 5, "reading dashboards": 1, "mapping alarms": 3,
                      "verifying the draft": 2}
    assert capsys.readouterr() == ("", "")  # the library prints nothing


def test_an_import_without_dashboards_reads_none_and_says_no_such_step(account):
    heard = Heard()
    import_project(account, Selection(dashboards=False), "p", "prod", progress=heard)
    assert heard.steps() == ["reading the account", "mapping alarms", "verifying the draft"]


def test_a_merge_also_reports_its_three_compiles(account):
    first = import_project(account, Selection(), "p", "prod")
    existing = {path: text for path, text in first.files.items() if path.startswith("monitors/")}
    seed("eu-west-1", "staging")
    heard = Heard()
    import_project(connect_account("eu-west-1", None, None), Selection(), "p", "staging", existing=existing,
                   progress=heard)
    assert heard.steps() == [*STEPS, "merging into the project"]
    heard.assert_counts_rise_to_their_total()
    assert heard.calls[-1] == ("merging into the project", 3, 3)


def imported_with(err: Console | None, folder: Path, monkeypatch) -> tuple[str, dict[str, bytes]]:
    """stdout of `obsgen import` into an empty `folder` and the files it wrote, with `err` as stderr's
    console (None: the runner's, a pipe)."""
    shutil.rmtree(folder, ignore_errors=True)
    if err is not None:
        monkeypatch.setattr(consoles, "err", err, raising=False)
    done = CliRunner().invoke(app, ["import", "--env", "prod", "-o", str(folder)])
    assert done.exit_code == 0, done.output
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    return done.stdout, files


def test_piped_the_import_shows_no_step_and_a_terminal_sees_them_on_stderr_only(account, tmp_path, monkeypatch):
    folder = tmp_path / "imported"
    piped, piped_files = imported_with(None, folder, monkeypatch)
    assert "\x1b" not in piped and not any(step in piped for step in STEPS)
    terminal = Console(file=io.StringIO(), force_terminal=True, force_interactive=True, width=120)
    shown, shown_files = imported_with(terminal, folder, monkeypatch)
    assert shown == piped and shown_files == piped_files  # byte for byte, the terminal's bars aside
    drawn = terminal.file.getvalue()
    assert "\x1b" in drawn and all(step in drawn for step in STEPS)
