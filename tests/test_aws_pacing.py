"""Apply's pacing (aws/pacing.py): a bucket per API and region, at the documented quota, adapting to
throttling (AIMD); and the sandbox's throttling (sandbox/throttling.py), against which an apply
converges with no failed write.

The buckets run on a fake clock (its sleep advances it), so nothing here measures time.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
from botocore.exceptions import ClientError

from obsgen.aws import pacing
from obsgen.aws.pacing import AdaptiveRate, Pacer, in_parallel, quota
from obsgen.aws.session import connect, retry_config
from obsgen.aws.workflow import ApplyOptions, apply, make_plan
from obsgen.sandbox import server as sandbox
from obsgen.sandbox.throttling import parse_rates


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def bucket(start: float = 3.0, ceiling: float = math.inf) -> tuple[AdaptiveRate, FakeClock]:
    clock = FakeClock()
    return AdaptiveRate(start, ceiling, clock, clock.sleep), clock


def calls_for(rate: AdaptiveRate, clock: FakeClock, seconds: float) -> int:
    """Acquire back to back (every call held by the bucket) for `seconds` of fake time."""
    end, count = clock.now + seconds, 0
    while clock.now < end:
        rate.acquire()
        count += 1
    return count


def test_each_api_starts_at_its_documented_quota_and_unknown_apis_at_the_conservative_default():
    assert quota("cloudwatch", "PutMetricAlarm") == 3.0
    assert quota("cloudwatch", "PutDashboard") == 10.0 and quota("cloudwatch", "GetDashboard") == 10.0
    assert quota("cloudwatch", "TagResource") == pacing.DEFAULT_QUOTA == 3.0
    pacer = Pacer()
    assert pacer.bucket("cloudwatch", "PutDashboard", "us-east-1").rate == 10.0


def test_the_users_cap_lowers_the_start_and_is_never_exceeded():
    rate, clock = bucket(10.0, ceiling=4.0)
    assert rate.rate == 4.0
    calls_for(rate, clock, 30)
    assert rate.rate == 4.0


def test_while_aws_accepts_the_rate_doubles_each_second_until_the_first_throttle():
    rate, clock = bucket(3.0)
    calls_for(rate, clock, 3)
    assert rate.rate > 20  # 3 -> ~6 -> ~12 -> ~24: an unthrottled sandbox is not held at 3 a second


def test_the_first_throttle_halves_the_rate_and_later_ones_cut_it_by_the_backoff_share():
    rate, clock = bucket(3.0)
    calls_for(rate, clock, 2)
    before = rate.rate
    rate.throttled()
    assert rate.rate == pytest.approx(before / 2)
    clock.now += 2
    before = rate.rate
    rate.throttled()
    assert rate.rate == pytest.approx(before * pacing.BACKOFF)


def test_throttles_within_a_second_of_a_cut_count_as_one_congestion_event():
    rate, clock = bucket(8.0)
    rate.throttled()
    after_first = rate.rate
    rate.throttled()
    rate.throttled()
    assert rate.rate == after_first and rate.throttles == 3


def test_after_a_throttle_the_rate_climbs_back_additively_by_a_small_step_a_second():
    rate, clock = bucket(3.0)
    rate.throttled()  # 1.5 a second, no longer probing
    clock.now += 2
    calls_for(rate, clock, 10)
    step = 3.0 * pacing.STEP_SHARE
    assert 1.5 + 5 * step < rate.rate < 1.5 + 15 * step


def test_a_throttling_storm_slows_an_api_to_the_minimum_rate_never_to_a_stop():
    rate, clock = bucket(3.0)
    for _ in range(100):
        rate.throttled()
        clock.now += 2
    assert rate.rate == pacing.MIN_RATE


def test_a_call_the_bucket_did_not_hold_back_does_not_raise_the_rate():
    rate, clock = bucket(3.0)
    for _ in range(10):
        clock.now += 5  # calls far apart: something else (latency, concurrency) is the limit
        rate.acquire()
    assert rate.rate == 3.0


def test_throttling_one_api_leaves_the_other_apis_and_regions_alone():
    clock = FakeClock()
    pacer = Pacer(clock=clock, sleep=clock.sleep)
    pacer.on_response(event_name="response-received.cloudwatch.PutMetricAlarm",
                      parsed_response={"Error": {"Code": "Throttling", "Message": "Rate exceeded"}},
                      context={"client_region": "us-east-1"})
    assert pacer.bucket("cloudwatch", "PutMetricAlarm", "us-east-1").rate == 1.5
    assert pacer.bucket("cloudwatch", "PutMetricAlarm", "eu-west-1").rate == 3.0
    assert pacer.bucket("cloudwatch", "PutDashboard", "us-east-1").rate == 10.0


def test_answers_that_are_not_throttling_do_not_slow_anything():
    pacer = Pacer()
    for parsed in ({"Error": {"Code": "AccessDenied"}}, {"ResponseMetadata": {}}, None):
        pacer.on_response(event_name="response-received.cloudwatch.PutMetricAlarm", parsed_response=parsed,
                          context={"client_region": "us-east-1"})
    assert pacer.bucket("cloudwatch", "PutMetricAlarm", "us-east-1").rate == 3.0


def test_parallel_reads_keep_the_items_order_and_raise_the_first_error():
    assert in_parallel(lambda n: n * n, list(range(50)), 4) == [n * n for n in range(50)]

    def fail_on_7(n: int) -> int:
        if n == 7:
            raise ValueError("seven")
        return n

    with pytest.raises(ValueError, match="seven"):
        in_parallel(fail_on_7, list(range(20)), 3)


def stubbed_cloudwatch(throttles: int):
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("cloudwatch", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    for _ in range(throttles):
        stub.add_client_error("delete_alarms", service_error_code="Throttling", service_message="Rate exceeded")
    stub.add_response("delete_alarms", {})
    stub.activate()
    return client


def paced_executor():
    from obsgen.aws.apply import Executor

    clock = FakeClock()
    return Executor(None, Pacer(clock=clock, sleep=clock.sleep))  # type: ignore[arg-type]


def test_a_paced_write_that_botocore_gave_up_on_for_throttling_is_sent_again_in_its_next_slot():
    from obsgen.aws.apply import THROTTLED_ROUNDS

    executor = paced_executor()
    executor.start_step()
    executor.call(stubbed_cloudwatch(THROTTLED_ROUNDS - 1).delete_alarms, AlarmNames=["a"])
    with pytest.raises(ClientError, match="Throttling"):
        executor.start_step()
        executor.call(stubbed_cloudwatch(THROTTLED_ROUNDS).delete_alarms, AlarmNames=["a"])


def test_an_unpaced_write_is_not_sent_again():
    from obsgen.aws.apply import Executor

    executor = Executor(None, None)  # type: ignore[arg-type]
    executor.start_step()
    with pytest.raises(ClientError, match="Throttling"):
        executor.call(stubbed_cloudwatch(1).delete_alarms, AlarmNames=["a"])


def test_a_throttle_rate_is_aws_or_a_positive_number():
    assert parse_rates("aws") == "aws" and parse_rates("12.5") == 12.5
    for bad in ("0", "-1", "fast", "inf"):
        with pytest.raises(ValueError):
            parse_rates(bad)


# --- against the sandbox, throttling like AWS ----------------------------------------------------
# The sandbox's buckets run on a clock that moves a fixed step per request, not on the wall clock:
# on a loaded machine real time between requests varies, and a burst may never empty a bucket.

RATE = 2.0  # calls a second per API, in the sandbox's stepped time


class SteppedClock:
    """Each reading is `step` seconds after the one before: requests arrive `1/step` a second."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
def throttled(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with sandbox.start(port=0, throttle=RATE) as running:
        yield running


def model_for(running, alarms: int):
    from test_aws_budget import many_alarms  # N copies of the example's first alarm

    return dataclasses.replace(many_alarms(alarms), endpoint=running.endpoint_url, account=sandbox.DEFAULT_ACCOUNT_ID)


def test_the_throttled_sandbox_answers_a_burst_with_throttling_errors_as_aws_does(throttled):
    throttled.throttling.clock = SteppedClock(0.0)  # a burst: no time passes between requests
    clients = connect(model_for(throttled, 1), config=retry_config("standard", 1))  # no retries: see the refusals
    codes = set()
    for _ in range(int(RATE) + 2):
        for call in (clients.cloudwatch.list_dashboards, clients.sns.list_topics):
            try:
                call()
            except ClientError as exc:
                codes.add((exc.operation_name, exc.response["Error"]["Code"]))
    assert codes == {("ListDashboards", "Throttling"), ("ListTopics", "ThrottlingException")}
    assert throttled.throttling.refused[("cloudwatch", "ListDashboards", "us-east-1")] == 2


def test_each_account_of_the_throttled_sandbox_has_its_own_quota_as_in_aws(throttled):
    # AWS's quotas are per account and region: an organisation's environments in other accounts
    # (reached by AssumeRole, as role_arn does) do not wait for each other's buckets.
    import boto3

    throttled.throttling.clock = SteppedClock(0.0)  # a burst
    config = retry_config("standard", 1)
    home = connect(model_for(throttled, 1), config=config).cloudwatch
    home_sts = boto3.client("sts", endpoint_url=throttled.endpoint_url, region_name="us-east-1")
    credentials = home_sts.assume_role(RoleArn="arn:aws:iam::210987654321:role/obsgen-deployer",
                                       RoleSessionName="test")["Credentials"]
    other = boto3.client("cloudwatch", endpoint_url=throttled.endpoint_url, region_name="us-east-1", config=config,
                         aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"])

    def refusals(client) -> int:
        refused = 0
        for _ in range(int(RATE) + 2):
            try:
                client.list_dashboards()
            except ClientError as exc:
                assert exc.response["Error"]["Code"] == "Throttling"
                refused += 1
        return refused

    assert refusals(home) == 2
    assert refusals(other) == 2  # a full bucket of its own, not the home account's empty one
    assert throttled.throttling.refused[("cloudwatch", "ListDashboards", "us-east-1")] == 4


def test_an_apply_against_a_throttling_account_converges_without_a_failed_write(throttled):
    # requests arrive 1.25 times as fast as each API's rate allows: once its bucket is empty, one in 5 is refused
    throttled.throttling.clock = SteppedClock(1 / (1.25 * RATE))
    from aws_support import make_log_groups

    model = model_for(throttled, 30)
    clients = connect(model)
    make_log_groups(clients.client("logs"), model)  # the example's log monitors need their groups (not throttled)
    result = apply(model, clients, make_plan(model, clients), ApplyOptions(concurrency=3))
    assert result.ok and not result.failed, result.failed
    alarms = next(r for r in result.pacing if r.operation == "PutMetricAlarm")
    assert alarms.calls >= 30 and alarms.throttles > 0  # it was pushed back, and slowed down
    assert throttled.throttling.refused[("cloudwatch", "PutMetricAlarm", "us-east-1")] == alarms.throttles
    assert not make_plan(model, clients).has_changes


def test_a_bad_throttle_rate_or_write_cap_is_a_usage_error_before_anything_runs():
    from typer.testing import CliRunner

    from obsgen.cli import app

    runner = CliRunner()
    answer = runner.invoke(app, ["sandbox", "--throttle-rate", "fast", "--port", "0"])
    assert answer.exit_code == 2 and "a throttle rate is 'aws' or a number" in answer.output
    answer = runner.invoke(app, ["apply", "--env", "local", "--max-write-rate", "0"])
    assert answer.exit_code == 2 and "--max-write-rate" in answer.output
