"""`obsgen validate --env ENV --live` on log monitors (aws/live_logs.py): a log group that does not exist,
one that receives nothing, and a pattern its events' format cannot match are warnings at the monitor's
`log.group` / `log.pattern`. Against moto with obsgen's gap-fillers (the sandbox's TestMetricFilter,
sandbox/logs.py), every request checked against botocore's model; PutLogEvents seeds the events."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from aws_support import REGION, CallLog, aws_env  # noqa: F401 - aws_env is a fixture
from obsgen.aws import live_logs
from obsgen.aws.session import connect
from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.filter_pattern import parse
from obsgen.model import EnvironmentModel
from obsgen.sandbox.filter_match import matches
from spec_builder import PROJECT, make_project

runner = CliRunner()
LIVE_PROJECT = PROJECT.replace("region: eu-west-1", f"region: {REGION}")
GROUP = "/aws/lambda/orders-production"
JSON_ERRORS = "{ $.level = \"ERROR\" }"
MONITORS = """\
errors:
  summary: The function logs errors.
  log: {group: "/aws/lambda/orders-${env}", pattern: '{ $.level = "ERROR" }'}
  period: 5m
  threshold: "> 0"
  severity: critical
  runbook: errors
"""
DAY_MS = 86_400_000


def model_of(monitors: str, tmp_path: Path) -> EnvironmentModel:
    root = make_project(tmp_path / "project", monitors, project=LIVE_PROJECT)
    build = compile_project(root, ["production"])
    assert build.ok, [str(d) for d in build.diagnostics]
    return dataclasses.replace(build.models["production"], endpoint=None)


def monitor(name: str, group: str, pattern: str) -> str:
    quoted = pattern.replace("'", "''")
    return (f"{name}:\n  summary: Lines of {name}.\n  log: {{group: \"{group}\", pattern: '{quoted}'}}\n  period: 5m\n"
            "  threshold: \"> 0\"\n  severity: critical\n  runbook: errors\n")


def seed(group: str, *messages: str, age_days: float = 0.0, stream: str = "2026/12/01/[$LATEST]abc") -> None:
    logs = boto3.client("logs", region_name=REGION)
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    if not messages:
        return
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    start = int(time.time() * 1000 - age_days * DAY_MS) - len(messages)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": start + i, "message": m} for i, m in enumerate(messages)])


def read(model: EnvironmentModel) -> tuple[live_logs.LogsReading, list, CallLog]:
    clients = connect(model)
    log = CallLog()
    clients.register("before-parameter-build", log._record)
    reading = live_logs.read_logs(model, clients)
    return reading, live_logs.findings(model, reading), log


def located(problems) -> list[tuple[str, str, str]]:
    return [(str(p.span), p.level.value, p.code) for p in problems]


def test_a_group_with_recent_json_events_is_fine_even_without_a_recent_error(aws_env, tmp_path):
    model = model_of(MONITORS, tmp_path)
    seed(GROUP, '{"level": "INFO", "msg": "placed"}', '{"level": "INFO", "msg": "shipped"}')
    reading, problems, log = read(model)
    assert problems == [] and log.problems == []
    assert log.calls == [("logs", "DescribeLogStreams"), ("logs", "FilterLogEvents")]  # the sample agrees: no test
    assert reading.groups[GROUP].sample == ['{"level": "INFO", "msg": "placed"}', '{"level": "INFO", "msg": "shipped"}']


def test_a_group_silent_for_ten_days_is_a_warning_at_log_group(aws_env, tmp_path):
    model = model_of(MONITORS, tmp_path)
    seed(GROUP, '{"level": "ERROR"}', age_days=10)
    reading, problems, log = read(model)
    assert located(problems) == [("monitors/orders.yaml:10:18", "warning", "log-group-silent")]
    assert ("log group '/aws/lambda/orders-production' has received no event in the past 7 days in account "
            "123456789012, us-east-1 (its newest event is from ") in problems[0].message
    assert "alarm shop-orders-errors-production cannot fire" in problems[0].message
    assert log.calls == [("logs", "DescribeLogStreams")]  # a silent group is not sampled


def test_a_group_without_any_stream_is_silent(aws_env, tmp_path):
    model = model_of(MONITORS, tmp_path)
    seed(GROUP)
    _, problems, _ = read(model)
    assert located(problems) == [("monitors/orders.yaml:10:18", "warning", "log-group-silent")]
    assert "(no event at all, DescribeLogStreams)" in problems[0].message


def test_a_json_pattern_on_plain_text_events_is_a_warning_at_log_pattern(aws_env, tmp_path):
    model = model_of(MONITORS, tmp_path)
    seed(GROUP, "START RequestId: 1 Version: $LATEST", "2026-12-01T10:00:00Z\t1\tERROR\tcard declined",
         "END RequestId: 1")
    reading, problems, log = read(model)
    assert located(problems) == [("monitors/orders.yaml:10:56", "warning", "log-format-mismatch")]
    message = problems[0].message
    assert ("none of the 3 event(s) sampled is a JSON object, and a JSON pattern ({ $.field ... }) matches only "
            "JSON events, and TestMetricFilter matches none of them either (the sample: FilterLogEvents, up to 50 "
            "events from an hour before the group's newest); so alarm shop-orders-errors-production cannot fire") in message
    assert "card declined" not in message and "RequestId" not in message  # the events are the user's data
    assert log.calls[-1] == ("logs", "TestMetricFilter") and log.problems == []


def test_a_space_delimited_pattern_with_more_fields_than_the_events_is_a_warning(aws_env, tmp_path):
    pattern = "[ip, user, username, timestamp, request, status_code = 5*, bytes]"
    model = model_of(monitor("server-errors", GROUP, pattern), tmp_path)
    seed(GROUP, "GET /orders 200", "GET /health 200", 'POST "/orders/new item" 201')
    _, problems, _ = read(model)
    assert [p.code for p in problems] == ["log-format-mismatch"]
    assert "names 7 space-delimited fields, but none of the 3 event(s) sampled has more than 3" in problems[0].message


def test_a_pattern_that_matches_no_sampled_line_but_fits_the_format_is_not_reported(aws_env, tmp_path):
    """An error pattern with no errors lately is normal: only a format that can never match is reported."""
    monitors = monitor("server-errors", GROUP, "[ip, user, status = 5*]") + monitor("timeouts", GROUP, "Timeout")
    model = model_of(monitors, tmp_path)
    seed(GROUP, "10.0.0.1 alice 200", "10.0.0.2 bob 404")
    reading, problems, log = read(model)
    assert problems == []
    assert [c for c in log.calls if c[1] == "TestMetricFilter"] == []


def test_where_aws_matches_a_line_obsgen_does_not_read_as_json_aws_decides(aws_env, tmp_path, monkeypatch):
    """The local reading only picks what to ask: TestMetricFilter matching any sampled line ends it."""
    model = model_of(MONITORS, tmp_path)
    seed(GROUP, "plain text")
    monkeypatch.setattr(live_logs, "contradiction", lambda pattern, sample: "a contradiction")
    clients = connect(model)
    logs = clients.client("logs")
    reply = {"matches": [{"eventNumber": 1, "eventMessage": "plain text", "extractedValues": {}}]}
    monkeypatch.setattr(logs, "test_metric_filter", lambda **_: reply)
    assert live_logs.findings(model, live_logs.read_logs(model, clients)) == []


def test_a_missing_group_is_a_warning_before_apply_fails(aws_env, tmp_path):
    model = model_of(MONITORS, tmp_path)
    reading, problems, log = read(model)
    assert located(problems) == [("monitors/orders.yaml:10:18", "warning", "log-group-missing")]
    assert ("log group '/aws/lambda/orders-production' does not exist in account 123456789012, us-east-1 "
            "(DescribeLogStreams: ResourceNotFoundException): apply will fail") in problems[0].message
    assert log.calls == [("logs", "DescribeLogStreams")]


def test_the_read_budget_is_per_log_group_not_per_monitor(aws_env, tmp_path):
    other = "/aws/lambda/payments-production"
    monitors = (monitor("errors", GROUP, JSON_ERRORS) + monitor("fatal", GROUP, '{ $.level = "FATAL" }')
                + monitor("slow", GROUP, "{ $.latency > 1000 }") + monitor("timeouts", GROUP, '"Task timed out"')
                + monitor("payments", other, JSON_ERRORS))
    model = model_of(monitors, tmp_path)
    seed(GROUP, "plain text only")
    seed(other, '{"level": "INFO"}')
    reading, problems, log = read(model)
    assert sorted(reading.calls.items()) == [("DescribeLogStreams", 2), ("FilterLogEvents", 2),
                                             ("TestMetricFilter", 3)]  # 3 distinct JSON patterns on GROUP
    assert sorted((p.code, p.span.line) for p in problems) == [
        ("log-format-mismatch", 10), ("log-format-mismatch", 17), ("log-format-mismatch", 24)]
    assert log.problems == []


def _deny(operation: str):
    """AWS's answer when IAM refuses `operation`: AccessDeniedException, HTTP 400 (the CloudWatch Logs API
    reference, Common Errors), as JSON. moto's own IAM enforcement answers an XML 403 for this JSON
    protocol, which AWS never does, so the answer is injected before sending."""
    class Raw:
        def stream(self, **_):
            yield b'{"__type": "AccessDeniedException", "message": "User is not authorized"}'

    def before_send(request, event_name, **_):
        if event_name.endswith(f".{operation}"):
            return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, Raw())
        return None
    return before_send


@pytest.mark.parametrize("operation", ["DescribeLogStreams", "FilterLogEvents", "TestMetricFilter"])
def test_access_denied_is_a_note_and_skips_only_what_needs_it(aws_env, tmp_path, operation):
    model = model_of(MONITORS + monitor("silent", "/aws/lambda/old-stack", JSON_ERRORS), tmp_path)
    seed(GROUP, "plain text")
    seed("/aws/lambda/old-stack", "x", age_days=9)
    clients = connect(model)
    clients.client("logs").meta.events.register_first("before-send", _deny(operation))  # before moto answers
    reading = live_logs.read_logs(model, clients)
    codes = sorted(p.code for p in live_logs.findings(model, reading))
    assert codes == {"DescribeLogStreams": [], "FilterLogEvents": ["log-group-silent"],
                     "TestMetricFilter": ["log-group-silent"]}[operation]
    count = 2 if operation == "DescribeLogStreams" else 1
    assert live_logs.notes(reading) == [f"live logs: access denied to logs:{operation} for {count} log group(s); the "
                                        "checks that need it were skipped (docs/aws-sync.md, IAM permissions)"]


def test_other_errors_are_not_swallowed(aws_env, tmp_path):
    model = model_of(MONITORS, tmp_path)
    clients = connect(model)

    def fail(request, event_name, **_):
        class Raw:
            def stream(self, **_):
                yield b'{"__type": "ServiceUnavailableException", "message": "down"}'
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"}, Raw())

    clients.client("logs").meta.events.register_first("before-send.logs.DescribeLogStreams", fail)
    with pytest.raises(ClientError):
        live_logs.read_logs(model, clients)


def test_validate_live_warns_at_the_pattern_and_exits_0(aws_env, tmp_path):
    root = make_project(tmp_path / "project", MONITORS, project=LIVE_PROJECT)
    seed(GROUP, "plain text, not JSON")
    result = runner.invoke(app, ["validate", "-C", str(root), "--env", "production", "--live"])
    assert result.exit_code == 0, result.output
    assert ("monitors/orders.yaml:10:56: warning: this pattern cannot match log group '/aws/lambda/orders-production' "
            "in account 123456789012, us-east-1: none of the 1 event(s) sampled is a JSON object") in result.output
    assert ("live logs: 1 log group(s) of 1 log monitor(s) read in 123456789012 us-east-1 with 1 DescribeLogStreams, "
            "1 FilterLogEvents, 1 TestMetricFilter; 1 log monitor(s) cannot fire") in result.output


def test_an_environment_without_log_monitors_makes_no_logs_call(aws_env, tmp_path):
    metric = ("errors:\n  summary: Errors.\n  resource: fn\n  metric: Errors\n  statistic: Sum\n  period: 5m\n"
              "  threshold: '> 5'\n  severity: critical\n  runbook: errors\n")
    root = make_project(tmp_path / "project", metric, project=LIVE_PROJECT)
    result = runner.invoke(app, ["validate", "-C", str(root), "--env", "production", "--live"])
    assert result.exit_code == 0, result.output
    assert "live logs:" not in result.output


# --- the sandbox's TestMetricFilter (moto has none) -----------------------------------------------------

APACHE = '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534'


@pytest.mark.parametrize("pattern, message, extracted", [
    ('{ $.level = "ERROR" }', '{"level": "ERROR"}', {"$.level": "ERROR"}),
    ('{ $.level = "ERROR" }', '{"level": "INFO"}', None),
    ('{ $.level = "ERROR" }', "ERROR plain", None),
    ("{ $.latency > 500 && $.user.id = a* }", '{"latency": 900, "user": {"id": "ab"}}',
     {"$.latency": "900", "$.user.id": "ab"}),
    ("{ $.trace NOT EXISTS }", '{"level": "INFO"}', {}),
    ("{ $.items[1] IS NULL }", '{"items": [1, null]}', {"$.items[1]": "null"}),
    ("ERROR -retrying", "ERROR card declined", {}),
    ("ERROR -retrying", "ERROR retrying", None),
    ("?WARN ?ERROR", "WARN disk", {}),
    ('"Task timed out"', "2026 Task timed out after 3.00 seconds", {}),
    ("[ip, user, username, timestamp, request, status_code = 4*, bytes]", APACHE,
     {"$ip": "127.0.0.1", "$user": "-", "$username": "frank", "$timestamp": "10/Oct/2000:13:25:15 -0700",
      "$request": "GET /apache_pb.gif HTTP/1.0", "$status_code": "404", "$bytes": "1534"}),
    ("[ip, ..., status_code = 5*, bytes]", APACHE, None),
    ("[ip, ..., status_code = 4* && bytes > 1000, bytes]", APACHE,
     {"$ip": "127.0.0.1", "$status_code": "404", "$bytes": "1534"}),
    ("[a, b]", APACHE, None),  # without '...', exactly as many fields
    ("", "anything", {}),
])
def test_the_sandbox_matches_as_the_filter_pattern_page_describes(pattern, message, extracted):
    assert matches(parse(pattern), message) == extracted


def test_the_sandbox_test_metric_filter_numbers_the_matching_events_and_refuses_bad_patterns(aws_env):
    logs = boto3.client("logs", region_name=REGION)
    answer = logs.test_metric_filter(filterPattern="ERROR", logEventMessages=["ok", "ERROR x", "ERROR y"])
    assert [(m["eventNumber"], m["eventMessage"]) for m in answer["matches"]] == [(2, "ERROR x"), (3, "ERROR y")]
    with pytest.raises(ClientError) as raised:
        logs.test_metric_filter(filterPattern="{ $.level == 1 }", logEventMessages=["x"])
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"


def test_validate_live_notes_access_denied_and_still_exits_0(aws_env, tmp_path, monkeypatch):
    """Through the CLI: the account refuses FilterLogEvents; the silent group is still reported, the
    pattern is not checked, and a note says so."""
    import obsgen.cli.aws as cli_aws

    real_connect = cli_aws.connect

    def connect_refusing(*args, **kwargs):
        clients = real_connect(*args, **kwargs)
        clients.client("logs").meta.events.register_first("before-send", _deny("FilterLogEvents"))
        return clients

    monkeypatch.setattr(cli_aws, "connect", connect_refusing)
    root = make_project(tmp_path / "project", MONITORS + monitor("old", "/aws/lambda/old-stack", JSON_ERRORS),
                        project=LIVE_PROJECT)
    seed(GROUP, "plain text")
    seed("/aws/lambda/old-stack", "x", age_days=9)
    result = runner.invoke(app, ["validate", "-C", str(root), "--env", "production", "--live"])
    assert result.exit_code == 0, result.output
    assert ("note: live logs: access denied to logs:FilterLogEvents for 1 log group(s); the checks that need it were "
            "skipped") in result.output
    assert "[log-group-silent]" in result.output and "[log-format-mismatch]" not in result.output
    assert "Traceback" not in result.output


def test_the_sandbox_over_http_answers_the_reads_like_aws(tmp_path, monkeypatch):
    """The same reads against `obsgen sandbox` (moto's server with obsgen's gap-fillers), over HTTP."""
    from obsgen.sandbox import server as sandbox

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    with sandbox.start() as running:
        model = dataclasses.replace(model_of(MONITORS + monitor("gone", "/aws/lambda/gone", JSON_ERRORS), tmp_path),
                                    endpoint=running.endpoint_url)
        logs = boto3.client("logs", region_name=REGION, endpoint_url=running.endpoint_url)
        logs.create_log_group(logGroupName=GROUP)
        logs.create_log_stream(logGroupName=GROUP, logStreamName="s")
        logs.put_log_events(logGroupName=GROUP, logStreamName="s",
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": "plain text"}])
        reading = live_logs.read_logs(model, connect(model))
        codes = sorted(p.code for p in live_logs.findings(model, reading))
        assert codes == ["log-format-mismatch", "log-group-missing"]
        assert reading.calls == {"DescribeLogStreams": 2, "FilterLogEvents": 1, "TestMetricFilter": 1}
