"""Fault injection: one call of an apply fails (throttling, HTTP 500, connection reset) at every
position; the apply reports it and exits non-zero, a second apply converges, and nothing obsgen
does not own is touched.

Faults are injected with botocore's `before-send` event, which may return a response instead of
sending the request, or raise. These tests talk to a sandbox (moto server) over real HTTP rather
than moto's in-process mock, because the in-process mock also answers on `before-send` and would
still perform the failed write.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import pytest
from aws_support import CallLog, example_model
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError

from obsgen import sandbox
from obsgen.aws.session import connect, retry_config
from obsgen.aws.workflow import ApplyOptions, apply, make_plan

READS = ("Describe", "Get", "List")
FAULTS = ("throttling", "http-500", "connection-reset")
EXPECTED_ERROR = {"throttling": "Throttling: injected", "http-500": "InternalFailure: injected",
                  "connection-reset": "ConnectionClosedError"}
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
    return dataclasses.replace(example_model("local"), endpoint=sb.endpoint_url)


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
        position, self.writes = self.writes, self.writes + 1
        if not (self.at <= position < self.at + self.times):
            return None
        self.injected += 1
        if self.fault == "connection-reset":
            raise ConnectionClosedError(endpoint_url=request.url)
        status, code = (400, "Throttling") if self.fault == "throttling" else (500, "InternalFailure")
        return AWSResponse(request.url, status, *_error_body(protocol, code))


def _error_body(protocol: str, code: str) -> tuple[dict[str, str], _Raw]:
    if protocol == "json":
        return ({"Content-Type": "application/x-amz-json-1.0", "x-amzn-query-error": f"{code};Sender"},
                _Raw(f'{{"__type": "{code}", "message": "injected {code}"}}'.encode()))
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected {code}</Message>"
            "</Error><RequestId>fault</RequestId></ErrorResponse>")
    return {"Content-Type": "text/xml"}, _Raw(body.encode())


def clients(model, attempts: int = 1):
    return connect(model, config=retry_config("standard", attempts))


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
