"""Fault injection: one call of an apply fails (throttling, HTTP 500, connection reset) at every
position; the apply reports it and exits non-zero, a second apply converges, and nothing obsgen
does not own is touched. Then the faults of issue #12: every write refused from some point on
(AccessDenied, ExpiredToken), an alarm deleted between plan and apply, two applies at once, a
network that stops answering (before the identity check, after it, in the middle of an apply),
and CI cancelling `test-alarm` with SIGTERM or SIGHUP. Each one converges on a re-run.

Faults are injected with botocore's `before-send` event, which may return a response instead of
sending the request, or raise. These tests talk to a sandbox (moto server) over real HTTP rather
than moto's in-process mock, because the in-process mock also answers on `before-send` and would
still perform the failed write.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from aws_support import REPO, CallLog, SilentProxy, example_model, make_log_groups, sandbox_log_groups
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError

from obsgen.sandbox import server as sandbox
from obsgen.aws.deadline import Deadline
from obsgen.aws.lock import EnvironmentLock
from obsgen.aws.session import connect, retry_config
from obsgen.aws.workflow import ApplyOptions, apply, make_plan
from obsgen.targets.topic_policy import topic_policies

READS = ("Describe", "Get", "List")
FAULTS = ("throttling", "http-500", "connection-reset")
EXPECTED_ERROR = {"throttling": "Throttling: injected", "http-500": "InternalFailure: injected",
                  "connection-reset": "ConnectionClosedError", "access-denied": "AccessDenied: injected",
                  "expired-token": "ExpiredToken: injected"}
ERROR_CODES = {"throttling": (400, "Throttling"), "http-500": (500, "InternalFailure"),
               "access-denied": (403, "AccessDenied"), "expired-token": (400, "ExpiredToken")}
ONCE = ApplyOptions(concurrency=1, writes_per_second=None)


@pytest.fixture(scope="module")
def sb():
    with sandbox.start(port=0) as running:
        yield running


@pytest.fixture
def model(sb, monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    sb.reset()
    model = dataclasses.replace(example_model("local"), endpoint=sb.endpoint_url)
    sandbox_log_groups(sb.endpoint_url, model)
    return model


class _Raw:
    def __init__(self, body: bytes):
        self._body = body

    def stream(self, **_: Any):
        yield self._body


class Injector:
    """Fails the `at`-th write request (0-based) with `fault`; `times` attempts in a row."""

    def __init__(self, at: int, fault: str, times: int = 1):
        self.at, self.fault, self.times = at, fault, times
        self.writes = 0
        self.injected = 0
        self._count = threading.Lock()  # writes may be sent from several threads

    def attach(self, *clients: Any) -> Injector:
        for client in clients:
            model = client.meta.service_model
            protocol = getattr(model, "resolved_protocol", model.protocol)  # the wire protocol in use
            client.meta.events.register_first("before-send", lambda request, event_name, protocol=protocol, **_:
                                              self._send(request, event_name, protocol))
        return self

    def _send(self, request: Any, event_name: str, protocol: str) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[-1]
        if operation.startswith(READS):
            return None
        with self._count:
            position, self.writes = self.writes, self.writes + 1
            if not (self.at <= position < self.at + self.times):
                return None
            self.injected += 1
        if self.fault == "connection-reset":
            raise ConnectionClosedError(endpoint_url=request.url)
        status, code = ERROR_CODES[self.fault]
        return AWSResponse(request.url, status, *_error_body(protocol, code))


def _error_body(protocol: str, code: str) -> tuple[dict[str, str], _Raw]:
    if protocol == "json":
        return ({"Content-Type": "application/x-amz-json-1.0", "x-amzn-query-error": f"{code};Sender"},
                _Raw(f'{{"__type": "{code}", "message": "injected {code}"}}'.encode()))
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected {code}</Message>"
            "</Error><RequestId>fault</RequestId></ErrorResponse>")
    return {"Content-Type": "text/xml"}, _Raw(body.encode())


def clients(model, attempts: int = 1):
    made = connect(model, config=retry_config("standard", attempts))
    make_log_groups(made.client("logs"), model)  # after each sb.reset(): the example's log monitor reads one
    return made


def scenario(model):
    """A live state that needs every kind of write: creates, updates, tag fixes, deletes in order,
    and resources obsgen does not own that must come out untouched. Returns their snapshot."""
    setup = clients(model, attempts=3)
    legacy = dataclasses.replace(model.metric_alarms[0], name="stock-analysis-legacy-local", monitor="legacy",
                                 tags=tuple(sorted((dict(model.metric_alarms[0].tags) | {"obsgen:monitor": "legacy"})
                                                   .items())))
    legacy_parent = dataclasses.replace(model.composite_alarms[0], name="stock-analysis-legacy-health-local",
                                        monitor="legacy-health")
    old = dataclasses.replace(model, metric_alarms=model.metric_alarms + (legacy,),
                              composite_alarms=model.composite_alarms + (legacy_parent,))
    assert apply(old, setup, make_plan(old, setup), ONCE).ok
    cw, sns = setup.cloudwatch, setup.sns
    first, second, third = model.metric_alarms[:3]
    live = cw.describe_alarms(AlarmNames=[first.name])["MetricAlarms"][0]
    keep = ("AlarmName", "MetricName", "Namespace", "Statistic", "Dimensions", "Period", "EvaluationPeriods",
            "ComparisonOperator", "TreatMissingData", "AlarmActions", "OKActions", "AlarmDescription")
    cw.put_metric_alarm(**{k: live[k] for k in keep}, Threshold=12345.0)
    cw.tag_resource(ResourceARN=live["AlarmArn"].replace(first.name, second.name),
                    Tags=[{"Key": "by-hand", "Value": "x"}])
    cw.delete_alarms(AlarmNames=[third.name])
    topic = model.topics[0]
    sns.set_topic_attributes(TopicArn=topic.arn, AttributeName="DisplayName", AttributeValue="edited")
    sub = sns.list_subscriptions_by_topic(TopicArn=topic.arn)["Subscriptions"][0]
    sns.unsubscribe(SubscriptionArn=sub["SubscriptionArn"])
    # Not obsgen's: an alarm, a composite over it, a topic with a subscription.
    cw.put_metric_alarm(AlarmName="other-team-alarm", MetricName="X", Namespace="Other", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold",
                        Tags=[{"Key": "team", "Value": "other"}])
    cw.put_composite_alarm(AlarmName="other-team-composite", AlarmRule="ALARM(other-team-alarm)")
    other = sns.create_topic(Name="other-team-topic", Tags=[{"Key": "team", "Value": "other"}])["TopicArn"]
    sns.subscribe(TopicArn=other, Protocol="email", Endpoint="other@example.com")
    return snapshot_of_others(setup)


def snapshot_of_others(c) -> Any:
    alarms = c.cloudwatch.describe_alarms(AlarmNamePrefix="other-team", AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    shown = [{k: v for k, v in a.items() if "Timestamp" not in k} for a in alarms["MetricAlarms"] +
             alarms["CompositeAlarms"]]
    tags = [c.cloudwatch.list_tags_for_resource(ResourceARN=a["AlarmArn"])["Tags"] for a in shown]
    topics = [t for t in c.sns.list_topics()["Topics"] if "other-team" in t["TopicArn"]]
    subs = [c.sns.list_subscriptions_by_topic(TopicArn=t["TopicArn"])["Subscriptions"] for t in topics]
    return shown, tags, topics, subs


def count_writes(model) -> list[tuple[str, str]]:
    scenario(model)
    c = clients(model)
    log = CallLog().attach(c.cloudwatch, c.sns)
    assert apply(model, c, make_plan(model, c), ONCE).ok
    return log.writes()


def test_the_scenario_needs_every_kind_of_write(model):
    ops = [op for _, op in count_writes(model)]
    assert ops[:2] == ["SetTopicAttributes", "Subscribe"] and ops[-2:] == ["DeleteAlarms", "DeleteAlarms"]
    assert sorted(ops[2:-2]) == ["PutMetricAlarm", "PutMetricAlarm", "UntagResource"]


def test_one_failed_call_at_any_position_is_reported_and_a_second_apply_converges(model, sb):
    positions = len(count_writes(model))
    for at, fault in itertools.product(range(positions), FAULTS):
        sb.reset()
        others = scenario(model)
        c = clients(model)
        injector = Injector(at, fault).attach(c.cloudwatch, c.sns)
        desired_before = existing_desired_alarms(model, c)
        result = apply(model, c, make_plan(model, c), ONCE)
        case = f"{fault} at write {at}"
        assert injector.injected == 1, case
        assert not result.ok and len(result.failed) >= 1, case
        assert EXPECTED_ERROR[fault] in result.failed[0][1], (case, result.failed)
        assert existing_desired_alarms(model, c) >= desired_before, f"{case}: something in the spec went missing"
        assert snapshot_of_others(c) == others, f"{case}: touched a resource obsgen does not own"

        again = apply(model, c, make_plan(model, c), ONCE)
        assert again.ok, (case, again.failed)
        assert not make_plan(model, c).has_changes, case
        assert snapshot_of_others(c) == others, case


def test_botocore_retries_absorb_a_single_throttle_at_any_position(model, sb):
    positions = len(count_writes(model))
    for at in range(positions):
        sb.reset()
        scenario(model)
        c = clients(model, attempts=3)
        Injector(at, "throttling").attach(c.cloudwatch, c.sns)
        assert apply(model, c, make_plan(model, c), ONCE).ok, at
        assert not make_plan(model, c).has_changes


def existing_desired_alarms(model, c) -> set[str]:
    names = [a.name for a in model.alarms()]
    found = c.cloudwatch.describe_alarms(AlarmNames=names, AlarmTypes=["MetricAlarm", "CompositeAlarm"],
                                         MaxRecords=100)
    return {a["AlarmName"] for a in found["MetricAlarms"] + found["CompositeAlarms"]}


# ---------------------------------------------------------------- #12: stop at the first failure


def first_apply_plan(model):
    """The example's first apply, and the write position of its third PutMetricAlarm (mid-group), counting
    the writes of CloudWatch, SNS and CloudWatch Logs clients (attach the injector to those three)."""
    c = clients(model)
    plan = make_plan(model, c)
    before_alarms = sum(1 for ch in plan.changes if ch.kind in ("topic", "topic_policy", "subscription",
                                                                "metric_filter"))
    return c, plan, before_alarms + 2


@pytest.mark.parametrize("fault", ["access-denied", "expired-token"])
def test_once_a_write_is_refused_no_new_write_starts_and_a_rerun_converges(model, sb, fault):
    c, plan, third_alarm = first_apply_plan(model)
    injector = Injector(third_alarm, fault, times=10 ** 6).attach(c.cloudwatch, c.sns, c.client("logs"))  # refused
    # from then on
    concurrency = 3
    result = apply(model, c, plan, ApplyOptions(concurrency=concurrency, writes_per_second=None))
    assert not result.ok and result.stopped_by == "a failed write"
    assert EXPECTED_ERROR[fault] in result.failed[0][1]
    sent_after_the_first_refusal = injector.injected - 1
    assert sent_after_the_first_refusal <= concurrency - 1, "only the writes already in flight"
    assert len(result.done) + len(result.failed) + len(result.not_done) == len(plan.changes)
    assert len(result.not_done) >= len(plan.changes) - third_alarm - concurrency

    again = clients(model)
    assert apply(model, again, make_plan(model, again), ONCE).ok
    assert not make_plan(model, again).has_changes


def test_the_deadline_stops_an_apply_between_writes_and_a_rerun_converges(model, sb):
    c, plan, _ = first_apply_plan(model)

    def slow(**_):
        time.sleep(0.3)  # a slow network: each write takes 0.3 s

    for client in (c.cloudwatch, c.sns):
        client.meta.events.register("before-send", slow)
    result = apply(model, c, plan, ApplyOptions(concurrency=1, writes_per_second=None, deadline=Deadline(1.0)))
    assert not result.ok and result.stopped_by == "the deadline" and result.not_done
    assert result.write_calls < len(plan.changes)
    again = clients(model)
    assert apply(model, again, make_plan(model, again), ONCE).ok
    assert not make_plan(model, again).has_changes


# ---------------------------------------------------------------- #12: an alarm deleted under an update


def tags_of(c, name):
    arn = c.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmArn"]
    return {t["Key"]: t["Value"] for t in c.cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]}


def test_an_alarm_deleted_between_plan_and_apply_comes_back_with_its_tags(model, sb):
    c = clients(model, attempts=3)
    assert apply(model, c, make_plan(model, c), ONCE).ok
    children = {ref for composite in model.composite_alarms for ref in composite.children}
    target = next(a for a in model.metric_alarms if a.ref not in children)
    live = c.cloudwatch.describe_alarms(AlarmNames=[target.name])["MetricAlarms"][0]
    keep = ("AlarmName", "MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period",
            "EvaluationPeriods", "ComparisonOperator", "TreatMissingData", "AlarmActions", "OKActions",
            "AlarmDescription", "Unit")
    c.cloudwatch.put_metric_alarm(**{k: live[k] for k in keep if k in live}, Threshold=live["Threshold"] + 1)
    plan = make_plan(model, c)
    assert [(ch.action, ch.name) for ch in plan.changes] == [("update", target.name)]

    c.cloudwatch.delete_alarms(AlarmNames=[target.name])  # someone else, after obsgen read it
    assert apply(model, c, plan, ONCE).ok
    assert tags_of(c, target.name) == dict(target.tags), "the update's PutMetricAlarm created it, tagged"
    again = make_plan(model, c)
    assert not again.has_changes and not again.conflicts


# ---------------------------------------------------------------- #12: the CLI against the sandbox


def obsgen_command() -> str:
    beside = Path(sys.executable).with_name("obsgen")
    return str(beside) if beside.exists() else shutil.which("obsgen") or pytest.fail("no obsgen command")


@pytest.fixture
def cli(sb, tmp_path):
    """Run `obsgen` in a subprocess on a copy of the example whose `local` environment is `endpoint`."""
    shutil.copytree(REPO / "monitors", tmp_path / "monitors")
    shutil.copytree(REPO / "runbooks_src", tmp_path / "runbooks_src")
    config = tmp_path / "monitors" / "obsgen.yaml"
    original = config.read_text()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
           "NO_COLOR": "1", "COLUMNS": "200"}

    class Cli:
        root = tmp_path

        def point_at(self, endpoint: str) -> None:
            config.write_text(original.replace("http://127.0.0.1:4577", endpoint))

        def start(self, *args: str) -> subprocess.Popen:
            return subprocess.Popen([obsgen_command(), *args, "-C", str(tmp_path)], env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)

        def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
            done = subprocess.run([obsgen_command(), *args, "-C", str(tmp_path)], env=env, text=True,
                                  capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
            assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr
            return done

    running = Cli()
    running.point_at(sb.endpoint_url)
    return running


def test_two_applies_at_once_the_second_refuses_naming_the_first(model, sb, cli, monkeypatch):
    from moto.cloudwatch.models import CloudWatchBackend

    entered, release = threading.Event(), threading.Event()
    put = CloudWatchBackend.put_metric_alarm

    def held_first(self, *args, **kwargs):  # the sandbox serves this process: hold the first apply mid-way
        if not entered.is_set():
            entered.set()
            release.wait(timeout=120)
        return put(self, *args, **kwargs)

    monkeypatch.setattr(CloudWatchBackend, "put_metric_alarm", held_first)
    first = cli.start("apply", "--env", "local", "--auto-approve")
    # Read its output while it runs: the plan it prints before writing (the example's, SLOs included, is over
    # 64 KiB) would otherwise fill the pipe and stop it before its first PutMetricAlarm.
    printed: list[str] = []
    reader = threading.Thread(target=lambda: printed.append(first.stdout.read()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        assert entered.wait(timeout=120), "the first apply never reached PutMetricAlarm"
        second = cli.run("apply", "--env", "local", "--auto-approve")
        assert second.returncode == 1, second.stderr
        assert ("environment 'local' is locked: apply by arn:aws:sts::123456789012:user/moto on host "
                f"{socket.gethostname()} (pid {first.pid}) since ") in second.stderr, second.stderr
    finally:
        release.set()
        first.wait(timeout=120)
        reader.join(timeout=30)
    assert first.returncode == 0, (printed, first.stderr.read() if first.stderr else "")
    assert "No changes" in cli.run("apply", "--env", "local", "--auto-approve").stdout


def test_an_apply_that_sees_another_apply_s_resource_half_made_refuses_on_the_lock_not_on_a_conflict(model, sb, cli):
    """A resource read mid-creation by the other apply (PutRule done, its tags not yet in the tagging
    scan: moto tags after storing the rule, and AWS's GetResources is eventually consistent) looks
    foreign; while the environment is locked that is the other apply's work, and the lock is the
    refusal to report (test_two_applies_at_once... failed so once in a loaded run)."""
    c = clients(model, attempts=3)
    EnvironmentLock(c.client("ssm"), model.project, model.env).acquire("arn:aws:iam::123456789012:user/first",
                                                                       host="ci-runner-7", pid=4242)
    route = model.event_routes[0]
    c.client("events").put_rule(Name=route.name, EventPattern=json.dumps({"source": ["aws.guardduty"]}))  # no tags yet
    second = cli.run("apply", "--env", "local", "--auto-approve")
    assert second.returncode == 1, second.stderr
    assert ("environment 'local' is locked: apply by arn:aws:iam::123456789012:user/first on host ci-runner-7 "
            "(pid 4242) since ") in second.stderr, second.stderr
    assert "conflict(s) with resources obsgen does not manage" not in second.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_test_alarm_cancelled_by_sigterm_or_sighup_restores_the_alarm(model, sb, cli, signum):
    c = clients(model, attempts=3)
    assert apply(model, c, make_plan(model, c), ONCE).ok
    name = "stock-analysis-api-latency-local"

    def state() -> str:
        return c.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]

    proc = cli.start("test-alarm", "stock-api/api-latency", "--env", "local", "--hold", "600")
    try:
        for _ in range(600):  # up to a minute for the process to start and set the alarm
            if state() == "ALARM" or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert state() == "ALARM", proc.communicate(timeout=5)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signum, (out, err)
    assert f"terminated by {signal.Signals(signum).name}; {name} was restored" in err
    assert state() == "INSUFFICIENT_DATA"


# ---------------------------------------------------------------- #12: endpoints that never answer


@pytest.fixture
def never_answers():
    """Accepts connections (the kernel completes the handshake) and never reads or answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


@pytest.fixture
def never_accepts():
    """A listening socket whose accept queue is full: further connection attempts go unanswered."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    fillers = []
    for _ in range(8):  # Linux queues backlog + 1 connections; the rest of the SYNs are dropped
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(server.getsockname())
        fillers.append(filler)
    time.sleep(0.2)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    for filler in fillers:
        filler.close()
    server.close()


# The documented figures (docs/aws-sync.md, "Time limits"): about 11 s when nothing answers and about
# 7 s when nothing accepts, with the default timeouts. The subprocess timeout is a hang detector only.
HANG = 30


@pytest.mark.parametrize("silent", ["never_answers", "never_accepts"])
def test_plan_against_an_endpoint_that_never_answers_fails_within_seconds(cli, silent, request):
    cli.point_at(request.getfixturevalue(silent))
    done = cli.run("plan", "--env", "local", timeout=HANG)
    assert done.returncode == 1
    assert "cannot tell which AWS account these credentials belong to: no answer from STS after 2 attempts" in \
        done.stderr


def test_plan_whose_reads_get_no_answer_stops_at_its_time_limit(cli, sb):
    proxy = SilentProxy(sb.endpoint_url)
    try:
        proxy.silence_all_but_identity()
        cli.point_at(proxy.url)
        done = cli.run("plan", "--env", "local", "--timeout", "5", timeout=HANG)
    finally:
        proxy.close()
    assert done.returncode == 1, done.stderr
    assert "reading local from AWS: no answer within the time limit of 5 s (--timeout)" in done.stderr
    assert proxy.held, "the reads were sent and held"


def test_an_apply_whose_network_goes_silent_midway_stops_at_its_time_limit_and_a_rerun_converges(model, sb, cli):
    proxy = SilentProxy(sb.endpoint_url)
    try:
        cli.point_at(proxy.url)
        # The lock, the topics and their policies, the subscriptions, the log monitor's metric filter and two
        # alarms get through; then nothing answers.
        proxy.silent_after(writes=1 + len(model.topics) + len(topic_policies(model)) + len(model.subscriptions)
                           + len(model.metric_filters) + 2)
        stopped = cli.run("apply", "--env", "local", "--auto-approve", "--timeout", "8", timeout=60)
        assert stopped.returncode == 1, stopped.stderr
        assert "no answer before the deadline; it may or may not have been applied" in stopped.stdout
        assert "not done  create metric_alarm." in stopped.stdout and "Apply stopped:" in stopped.stdout
        assert "the lock is left in place: remove it with `obsgen unlock --env local --lock-id" in stopped.stderr
        assert set(proxy.held) == {"PutMetricAlarm", "GetParameter"}, "the writes in flight, the lock's release"

        proxy.heal()
        lock_id = re.search(r"--lock-id ([0-9a-f]+)", stopped.stderr).group(1)
        assert "is locked" in cli.run("apply", "--env", "local", "--auto-approve").stderr
        assert cli.run("unlock", "--env", "local", "--lock-id", lock_id).returncode == 0
        again = cli.run("apply", "--env", "local", "--auto-approve")
        assert again.returncode == 0, again.stderr
        assert "No changes" in cli.run("plan", "--env", "local").stdout
    finally:
        proxy.close()
    c = clients(model)
    assert not make_plan(model, c).has_changes
