"""`obsgen backtest`: the GetMetricData call plan (batching, slices, retention tiers), the replay over
history seeded into the sandbox with a known number of outages, the views, and the CLI."""

from __future__ import annotations

import json
import math
import shutil
from datetime import datetime, timezone
from pathlib import Path

import boto3
import pytest
from typer.testing import CliRunner

from obsgen.aws.history import (MAX_DATAPOINTS_PER_CALL, MAX_QUERIES_PER_CALL, History, HistoryTooOld, Query,
                                period_for, plan_calls)
from obsgen.backtest import AlarmReport, BacktestReport, Suggestion
from obsgen.backtest.run import replay
from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.evaluator import Metric
from obsgen.sandbox import server as sandbox
from obsgen.views import backtest as view

BASE = Path(__file__).parent / "bad_specs" / "_base"
DAY = 86400
CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "eu-west-1"}
runner = CliRunner()


# --- the call plan ----------------------------------------------------------------------------------


def test_a_thousand_alarms_over_fourteen_days_take_ceil_queries_over_500_calls_per_time_slice():
    queries = [Query(Metric.of("AWS/Lambda", "Errors", {"FunctionName": f"f{i}"}), "Sum", 60) for i in range(1000)]
    start = 1_767_571_200
    calls = plan_calls(queries, start, start + 14 * DAY)
    slices = sorted({(c.start, c.end) for c in calls})
    assert len(calls) == len(slices) * math.ceil(1000 / 500)
    for call in calls:
        assert len(call.queries) <= MAX_QUERIES_PER_CALL
        assert len(call.queries) * (call.end - call.start) // 60 <= MAX_DATAPOINTS_PER_CALL
    assert slices[0][0] == start and slices[-1][1] == start + 14 * DAY
    assert all(a[1] == b[0] for a, b in zip(slices, slices[1:]))  # no gap, no overlap
    assert len(slices) == math.ceil(14 * 1440 / (MAX_DATAPOINTS_PER_CALL // 500))


def test_queries_of_different_periods_are_never_mixed_in_one_call():
    metric = Metric.of("AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": "q"})
    calls = plan_calls([Query(metric, "Maximum", 60), Query(metric, "Maximum", 300)], 0, 3600)
    assert sorted(c.queries[0].period for c in calls) == [60, 300] and all(len(c.queries) == 1 for c in calls)


@pytest.mark.parametrize("age_days,alarm_period,expected", [
    (1, 60, 60), (14, 300, 300), (20, 60, 300), (20, 120, 300), (62, 600, 600), (100, 300, 3600), (400, 86400, 86400),
])
def test_the_period_is_the_alarms_or_the_shortest_cloudwatch_still_keeps(age_days, alarm_period, expected):
    now = 2_000_000_000
    assert period_for(alarm_period, now - age_days * DAY, now) == expected


def test_a_range_older_than_455_days_is_refused():
    with pytest.raises(HistoryTooOld):
        period_for(60, 0, 456 * DAY)


# --- the replay against the sandbox -----------------------------------------------------------------

SERVICE_EXTRA = """
  silent:
    summary: Nothing ever reports this metric.
    resource: function
    metric: Throttles
    statistic: Sum
    period: 5m
    threshold: "> 0"
    severity: low
"""


@pytest.fixture(scope="module")
def seeded():
    """A sandbox holding one day of the orders function's metrics: Errors 0 a minute with three
    15-minute outages of 10 errors a minute, Duration 100 ms with one 30-minute slowdown to 5 s."""
    with sandbox.start() as running:
        now = int(datetime.now(timezone.utc).timestamp())
        end = now - now % 3600
        start = end - DAY
        cw = boto3.client("cloudwatch", endpoint_url=running.endpoint_url, **CREDS)
        outages = [start + h * 3600 for h in (3, 9, 15)]
        slow = start + 20 * 3600
        errors, duration = [], []
        for t in range(start, end, 60):
            errors.append((t, 10.0 if any(o <= t < o + 900 for o in outages) else 0.0))
            duration.append((t, 5000.0 if slow <= t < slow + 1800 else 100.0))
        for name, points in (("Errors", errors), ("Duration", duration)):
            for i in range(0, len(points), 500):
                cw.put_metric_data(Namespace="AWS/Lambda", MetricData=[
                    {"MetricName": name, "Dimensions": [{"Name": "FunctionName", "Value": "orders-prod"}],
                     "Timestamp": datetime.fromtimestamp(t, tz=timezone.utc), "Value": v} for t, v in points[i:i + 500]])
        yield running, start, end, now


def project_at(tmp_path: Path, endpoint: str) -> Path:
    shutil.copytree(BASE, tmp_path, dirs_exist_ok=True)
    project = tmp_path / "monitors" / "obsgen.yaml"
    project.write_text(project.read_text().replace('    region: eu-west-1\n  dev:',
                                                   f'    region: eu-west-1\n    endpoint: {endpoint}\n  dev:', 1))
    service = tmp_path / "monitors" / "orders.yaml"
    service.write_text(service.read_text() + SERVICE_EXTRA)
    return tmp_path


def test_the_backtest_counts_the_seeded_outages_and_finds_the_dead_alarm(seeded, tmp_path):
    running, start, end, now = seeded
    project = project_at(tmp_path, running.endpoint_url)
    build = compile_project(project, ["prod"])
    model = build.models["prod"]
    from obsgen.aws.session import connect
    from obsgen.backtest.run import backtest

    report = backtest(model, connect(model), start, end, now)
    by_ref = {a.ref: a for a in report.alarms}
    errors, latency, health, silent = (by_ref[f"orders/{m}"] for m in ("errors", "latency", "health", "silent"))
    assert errors.fires == 3 and len(set(errors.fire_times)) == 3
    assert all(o <= t < o + 3600 for t, o in zip(errors.fire_times, (start + 3 * 3600, start + 9 * 3600, start + 15 * 3600)))
    assert errors.datapoints_missing == 0 and errors.datapoints_expected == DAY // 300
    assert 900 <= errors.longest_alarm <= 1500 and errors.time_in_alarm == pytest.approx(3 * errors.longest_alarm, rel=0.2)
    assert latency.fires == 1
    assert health.fires == 4 and health.kind == "composite"
    assert silent.dead and silent.fires == 0 and not errors.dead
    assert errors.state_changes == 6 and report.flaps_per_day(errors) == pytest.approx(6.0)
    # the errors alarm fired 3 times: at most once takes a threshold above the outages' 50 errors per period
    assert errors.suggestion == Suggestion(">", 50.0, 0, 1)
    assert report.calls == 1  # three metrics, one period each of 5 minutes, one day: one call


def test_the_cli_writes_json_and_markdown_for_a_pull_request(seeded, tmp_path):
    running, *_ = seeded
    project = project_at(tmp_path, running.endpoint_url)
    out = tmp_path / "backtest.json"
    result = runner.invoke(app, ["backtest", "-C", str(project), "--env", "prod", "--days", "1", "--format", "json",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["format_version"] == 1 and data["env"] == "prod"
    assert {a["monitor"]: a["fires"] for a in data["alarms"]}["orders/errors"] >= 2  # the window ends now, not on the hour
    md = runner.invoke(app, ["backtest", "-C", str(project), "--env", "prod", "--days", "1", "--format", "markdown",
                             "--monitor", "orders/silent"])
    assert md.exit_code == 0, md.output
    assert "would have paged 0 time(s)" in md.stdout and "**dead alarm**" in md.stdout
    unknown = runner.invoke(app, ["backtest", "-C", str(project), "--env", "prod", "--monitor", "orders/nope"])
    assert unknown.exit_code == 1 and "no alarm 'orders/nope' in prod" in unknown.output


def test_a_backtest_reports_its_getmetricdata_calls_then_each_alarm_it_replays(seeded, tmp_path, capsys):
    """Progress (issue #22, target 9): the calls done of those planned, then the alarms replayed, each
    count rising to its total; the library prints nothing."""
    from test_progress import Heard

    from obsgen.aws.session import connect
    from obsgen.backtest.run import backtest

    running, start, end, now = seeded
    model = compile_project(project_at(tmp_path, running.endpoint_url), ["prod"]).models["prod"]
    heard = Heard()
    report = backtest(model, connect(model), start, end, now, progress=heard)
    assert heard.steps() == ["GetMetricData calls", "replaying alarms"]
    heard.assert_counts_rise_to_their_total()
    totals = {step: total for step, _, total in heard.calls}
    assert totals == {"GetMetricData calls": report.calls, "replaying alarms": len(report.alarms)}
    assert capsys.readouterr() == ("", "")


def test_the_cli_shows_the_backtest_s_progress_on_a_terminal_only_and_prints_the_same_report(seeded, tmp_path,
                                                                                              monkeypatch):
    import io
    import time

    from rich.console import Console

    from obsgen.cli import aws as cli_aws

    running, _, _, now = seeded
    project = project_at(tmp_path, running.endpoint_url)
    monkeypatch.setattr(time, "time", lambda: now)  # both runs read the same minutes
    args = ["backtest", "-C", str(project), "--env", "prod", "--days", "1", "--format", "json"]
    piped = runner.invoke(app, args)
    assert piped.exit_code == 0 and piped.stderr == ""
    terminal = Console(file=io.StringIO(), force_terminal=True, force_interactive=True, width=200)
    monkeypatch.setattr(cli_aws, "err", terminal)
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0 and shown.stdout == piped.stdout  # byte for byte
    drawn = terminal.file.getvalue()
    replayed = len(json.loads(piped.stdout)["alarms"])
    # the last line drawn (rich redraws a status at its own pace; the calls' counts are the library test's):
    # the replay awaits no AWS call, so none is named after it
    assert f"reading prod's metric history (replaying alarms {replayed}/{replayed})\n" in drawn


def test_replay_uses_only_the_history_it_is_given(tmp_path):
    """With no AWS at all: the reader is a function (what the benchmark counts calls with)."""
    build = compile_project(BASE)
    model = build.models["prod"]
    asked: list[Query] = []

    def reader(queries, start, end):
        asked.extend(queries)
        return History(start, end, {}, calls=7)

    report = replay(model, reader, 1_767_571_200, 1_767_571_200 + DAY, 1_767_571_200 + DAY)
    assert report.calls == 7 and {q.stat for q in asked} == {"Sum", "p99"}
    assert all(a.dead for a in report.alarms if a.kind != "composite")



def test_log_monitors_are_replayed_and_a_native_log_alarm_is_reported_as_not_replayable():
    """#17's kinds: a log monitor's alarm reads its metric filter's metric like any metric alarm; a
    native log alarm runs a Logs Insights query, which has no metric history to read."""
    build = compile_project(Path(__file__).parent / "fixtures" / "beyond-alarms")
    model = build.models["sandbox"]
    asked: list[Query] = []

    def reader(queries, start, end):
        asked.extend(queries)
        return History(start, end, {}, calls=1)

    report = replay(model, reader, 1_767_571_200, 1_767_571_200 + DAY, 1_767_571_200 + DAY)
    by_ref = {a.ref: a for a in report.alarms}
    assert by_ref["orders/timeouts"].dead  # read (nothing came back), not refused
    assert any(q.metric.namespace == model.metric_filter("orders/timeouts").namespace for q in asked)
    log_alarm = by_ref["orders/payment-failures"]
    assert log_alarm.kind == "log" and "Logs Insights query" in log_alarm.unsupported

# --- the views ----------------------------------------------------------------------------------------


def test_markdown_keeps_hostile_names_inert():
    report = BacktestReport("prod", 0, 7 * DAY, 3, 2, [
        AlarmReport("svc/<img src=x onerror=alert(1)>|x", "n", "metric", "> 5", True, fire_times=(60, 600),
                    datapoints_expected=10, datapoints_missing=1, unsupported="")])
    text = view.markdown(report)
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;&#124;x" in text
    assert "would have paged 2 time(s)" in text


# --- the runbook site's backtest page -----------------------------------------------------------------


def example_report(env: str = "production") -> BacktestReport:
    return BacktestReport(env, 1_767_571_200, 1_767_571_200 + 7 * DAY, 12, 20, [
        AlarmReport("stock-data/dynamo-throttle", "stock-analysis-dynamo-throttle-production", "math", "> 0", True,
                    fire_times=(1_767_600_000, 1_767_700_000), time_in_alarm=1200, longest_alarm=900, state_changes=4,
                    datapoints_expected=4032, datapoints_missing=12, period=300,
                    suggestion=Suggestion(">", 3.0, 1, 1)),
        AlarmReport("stock-api/<script>alert(1)</script>", "x", "metric", "> 5", False, datapoints_expected=10,
                    datapoints_missing=10, period=300),
    ])


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = Path(__file__).resolve().parents[1]
    for name in ("monitors", "runbooks_src"):
        shutil.copytree(root / name, tmp_path / name)
    return tmp_path


def test_obsgen_site_adds_a_backtest_page_per_environment_with_hostile_text_inert(example, tmp_path):
    report_file = tmp_path / "production.json"
    report_file.write_text(view.as_json(example_report()))
    result = runner.invoke(app, ["site", "-C", str(example), "--backtest", str(report_file)])
    assert result.exit_code == 0, result.output
    assert "backtest page: generated/site/_backtest/production.html" in result.stdout
    page = (example / "generated" / "site" / "_backtest" / "production.html").read_text()
    assert "production would have paged 2 time(s)" in page
    assert '<a href="../stock-data/dynamo-throttle.html?env=production">stock-data/dynamo-throttle</a>' in page
    assert "threshold &gt; 3 would have fired 1 time(s)" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # escaped, not linked
    assert "DEAD" in page


@pytest.mark.parametrize("content,message", [
    ("not json", "not JSON"),
    ('{"format_version": 2}', "format_version 1"),
    (view.as_json(example_report("qa")), "environment 'qa', which the project does not define"),
    (view.as_json(example_report()).replace('"fires": 2,', '"fires": 2, "x": 1,').replace('"state_changes": 4', '"state_changes": "4"'),
     "'alarms[0].state_changes' is missing or has the wrong type"),
])
def test_a_bad_backtest_file_is_one_clear_error_and_nothing_is_written(example, tmp_path, content, message):
    report_file = tmp_path / "report.json"
    report_file.write_text(content)
    result = runner.invoke(app, ["site", "-C", str(example), "--backtest", str(report_file)])
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert not (example / "generated").exists()


def test_the_report_file_round_trips_through_json():
    from obsgen.backtest.report_file import load

    assert load(view.as_json(example_report())) == example_report()


def test_metrics_of_another_region_are_read_in_their_own_calls():
    """An alarm placed in us-east-1 (a CloudFront metric) reads its history there (#15's regions)."""
    home = Query(Metric.of("AWS/Lambda", "Errors", {"FunctionName": "f"}), "Sum", 300)
    cloudfront = Query(Metric.of("AWS/CloudFront", "5xxErrorRate", {"DistributionId": "D", "Region": "Global"}),
                       "Average", 300, region="us-east-1")
    calls = plan_calls([home, cloudfront], 0, DAY)
    assert sorted((c.region or "", len(c.queries)) for c in calls) == [("", 1), ("us-east-1", 1)]
