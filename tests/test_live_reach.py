"""`obsgen validate --env ENV --live`: does each alarm's topic reach a person? Against moto with obsgen's
gap-fillers, with the sandbox's subscription confirmation on (sandbox/sns.py: moto confirms every
subscription at once, AWS waits for the recipient), every request checked against botocore's model."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from typer.testing import CliRunner

from aws_support import ACCOUNT, REGION, CallLog, aws_env  # noqa: F401 - aws_env is a fixture
from obsgen.aws.live_reach import read_reach
from obsgen.aws.reach_findings import allows_cloudwatch, findings, summary
from obsgen.aws.session import Clients, connect
from obsgen.aws.workflow import ApplyOptions, apply, make_plan
from obsgen.cli import app
from obsgen.compiler import compile_project
from obsgen.model import EnvironmentModel
from obsgen.sandbox import sns as sandbox_sns
from spec_builder import PROJECT, make_project

runner = CliRunner()
FAST = ApplyOptions(concurrency=1, writes_per_second=None)
LIVE_PROJECT = PROJECT.replace("region: eu-west-1", f"region: {REGION}")
PAGER = """\
  pager:
    type: https
    endpoint: {env: PAGER_URL}
    severities: [critical]
"""
SECRET_URL = "https://events.example.com/integration/SECRETKEY123/enqueue"
MONITORS = """\
errors:
  summary: The function raises errors.
  resource: fn
  metric: Errors
  statistic: Sum
  period: 5m
  threshold: "> 5"
  severity: critical
  runbook: errors
throttles:
  summary: The function is throttled.
  resource: fn
  metric: Throttles
  statistic: Sum
  period: 5m
  threshold: "> 0"
  severity: warning
"""
CRITICAL, WARNING = "monitors/obsgen.yaml:9:3", "monitors/obsgen.yaml:13:3"  # the severities' keys
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:shop-critical-production"
CLOUDWATCH_STATEMENT = {"Sid": "Allow_CloudWatch_for_CMK", "Effect": "Allow",
                        "Principal": {"Service": ["cloudwatch.amazonaws.com"]},
                        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}


@pytest.fixture
def confirmations(aws_env: None) -> Iterator[None]:  # noqa: F811 - the fixture above
    sandbox_sns.require_confirmation(True)
    yield
    sandbox_sns.require_confirmation(False)


def project(tmp_path: Path, pager: bool = False) -> Path:
    text = LIVE_PROJECT.replace("environments:", PAGER + "environments:") if pager else LIVE_PROJECT
    return make_project(tmp_path / "project", MONITORS, project=text)


def model_of(root: Path) -> EnvironmentModel:
    build = compile_project(root, ["production"])
    assert build.ok, [str(d) for d in build.diagnostics]
    return dataclasses.replace(build.models["production"], endpoint=None)


def applied(model: EnvironmentModel) -> Clients:
    """The environment as `obsgen apply` leaves it: topics made, every channel subscribed (and waiting)."""
    clients = connect(model)
    assert apply(model, clients, make_plan(model, clients), FAST).ok
    return clients


def confirm(topic_arn: str, endpoint: str) -> None:
    """What the recipient does with AWS's confirmation message."""
    from moto.sns.models import sns_backends

    token = sandbox_sns.confirmation_token(sns_backends[ACCOUNT][REGION], topic_arn, endpoint)
    assert token is not None
    boto3.client("sns", region_name=REGION).confirm_subscription(TopicArn=topic_arn, Token=token)


def checked(model: EnvironmentModel, clients: Clients) -> tuple[list[str], Any]:
    log = CallLog()
    clients.register("before-parameter-build", log._record)
    reach = read_reach(model, clients)
    assert log.problems == []
    return [f"{d.span}: {d.level.value}: {d.message} [{d.code}]" for d in findings(model, reach)], reach


def test_confirmed_subscriptions_on_plain_topics_reach_a_person_and_nothing_is_reported(confirmations, tmp_path):
    model = model_of(project(tmp_path))
    clients = applied(model)
    for severity in ("critical", "warning"):
        confirm(f"arn:aws:sns:{REGION}:{ACCOUNT}:shop-{severity}-production", "oncall@example.com")
    problems, reach = checked(model, clients)
    assert problems == []
    assert reach.calls == {"sns": 4}  # GetTopicAttributes and ListSubscriptionsByTopic per topic; no KMS
    assert summary(model, reach) == (f"live: 2 topic(s) the alarms publish to read in {ACCOUNT} {REGION} with 4 SNS "
                                     "call(s); 2 confirmed and 0 unconfirmed subscription(s), 0 encrypted topic(s)")


def test_right_after_the_first_apply_only_unconfirmed_subscriptions_are_a_warning_at_each_severity(confirmations,
                                                                                                    tmp_path):
    model = model_of(project(tmp_path))
    problems, _ = checked(model, applied(model))
    assert [p.split(": ", 2)[:2] for p in problems] == [[CRITICAL, "warning"], [WARNING, "warning"]]
    assert all(p.endswith("[unconfirmed-subscription]") for p in problems)
    assert ("severity 'critical': topic shop-critical-production (us-east-1) has 1 unconfirmed subscription(s) "
            "(channel 'email', email oncall@example.com) and none confirmed: its 1 CloudWatch alarm(s) "
            "(shop-orders-errors-production) reach nobody until a recipient confirms. This is expected right after "
            "the first `obsgen apply`") in problems[0]
    assert "AWS deletes a subscription left unconfirmed for 2 days (48 hours)" in problems[0]


def test_with_some_confirmed_the_unconfirmed_are_named_and_a_secret_endpoint_never_shown(confirmations, tmp_path,
                                                                                        monkeypatch):
    monkeypatch.setenv("PAGER_URL", SECRET_URL)
    model = model_of(project(tmp_path, pager=True))
    clients = applied(model)
    confirm(TOPIC, "oncall@example.com")
    problems, _ = checked(model, clients)
    critical = [p for p in problems if p.startswith(CRITICAL)]
    assert len(critical) == 1 and "has 1 unconfirmed subscription(s) (https, endpoint not shown: channel(s) " \
                                  "'pager' have a secret one) besides 1 confirmed" in critical[0]
    assert not any(part in "".join(problems) for part in (SECRET_URL, "SECRETKEY123", "events.example.com"))


def test_a_topic_encrypted_with_the_aws_managed_key_is_an_error_whatever_its_subscriptions(aws_env, tmp_path):
    model = model_of(project(tmp_path))
    clients = applied(model)  # confirmations off: moto's subscriptions are confirmed at once
    boto3.client("sns", region_name=REGION).set_topic_attributes(
        TopicArn=TOPIC, AttributeName="KmsMasterKeyId", AttributeValue="alias/aws/sns")
    problems, reach = checked(model, clients)
    assert problems == [
        f"{CRITICAL}: error: severity 'critical': topic shop-critical-production (us-east-1) is encrypted with the "
        "AWS managed key alias/aws/sns, which CloudWatch may not use (its policy cannot be changed): its 1 "
        "CloudWatch alarm(s) (shop-orders-errors-production) go to ALARM and notify nobody; encrypt it with a "
        "customer managed key whose policy allows cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* "
        "(https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services), or "
        "turn its encryption off [topic-key-blocks-alarms]"]
    assert "kms" not in reach.calls  # the alias says it all


def test_a_customer_managed_key_is_judged_by_its_policy_and_its_state(aws_env, tmp_path):
    model = model_of(project(tmp_path))
    clients = applied(model)
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/alerts", TargetKeyId=key["KeyId"])
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=kms.get_key_policy(
        KeyId=key["KeyId"], PolicyName="default")["Policy"])  # moto's default policy: the account's root only
    boto3.client("sns", region_name=REGION).set_topic_attributes(
        TopicArn=TOPIC, AttributeName="KmsMasterKeyId", AttributeValue="alias/alerts")
    problems, reach = checked(model, clients)
    assert len(problems) == 1 and problems[0].startswith(f"{CRITICAL}: warning: severity 'critical': topic "
                                                         "shop-critical-production (us-east-1) is encrypted with KMS key "
                                                         "alias/alerts, whose key policy has no statement allowing "
                                                         "cloudwatch.amazonaws.com")
    assert reach.calls == {"sns": 4, "kms": 2}  # DescribeKey, GetKeyPolicy
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default",
                       Policy=json.dumps({**policy, "Statement": [*policy["Statement"], CLOUDWATCH_STATEMENT]}))
    assert checked(model, clients)[0] == []
    kms.disable_key(KeyId=key["KeyId"])
    problems, _ = checked(model, clients)
    assert len(problems) == 1 and "error: severity 'critical'" in problems[0] \
        and "KMS key alias/alerts, which is Disabled in KMS" in problems[0]


def test_a_key_policy_allows_cloudwatch_only_with_both_actions_for_its_service_principal():
    def policy(*statements: dict[str, Any]) -> str:
        return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})

    root = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}
    assert allows_cloudwatch(policy(root, CLOUDWATCH_STATEMENT))
    assert not allows_cloudwatch(policy(root))
    assert not allows_cloudwatch(policy({**CLOUDWATCH_STATEMENT, "Action": "kms:Decrypt"}))
    assert not allows_cloudwatch(policy({**CLOUDWATCH_STATEMENT, "Effect": "Deny"}))
    assert not allows_cloudwatch(policy({**CLOUDWATCH_STATEMENT, "Principal": {"Service": "events.amazonaws.com"}}))
    assert allows_cloudwatch(policy({**CLOUDWATCH_STATEMENT, "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                     "Action": "kms:*"}))
    assert allows_cloudwatch(policy({**root, "Principal": "*"}))  # conditions are not evaluated: no finding


def test_a_read_the_credentials_may_not_make_is_a_note_and_the_rest_is_still_checked(confirmations, tmp_path):
    model = model_of(project(tmp_path))
    clients = applied(model)
    kms = boto3.client("kms", region_name=REGION)
    key = kms.create_key()["KeyMetadata"]
    boto3.client("sns", region_name=REGION).set_topic_attributes(
        TopicArn=TOPIC, AttributeName="KmsMasterKeyId", AttributeValue=key["Arn"])
    denied = {"GetKeyPolicy": "AccessDeniedException", "ListSubscriptionsByTopic": "AuthorizationError"}

    def deny(model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        code = denied.get(model.name)  # the critical topic's subscriptions only: the warning one's are read
        if code is None or (model.name == "ListSubscriptionsByTopic" and "critical" not in str(params["body"])):
            return None
        return AWSResponse("", 403, {}, None), {"Error": {"Code": code, "Message": "not authorized"}}

    clients.register("before-call", deny)
    problems, reach = checked(model, clients)
    assert reach.notes == [
        f"the subscriptions of topic {TOPIC} were not checked: AuthorizationError (the credentials need "
        "sns:ListSubscriptionsByTopic)",
        f"the policy of KMS key {key['Arn']} was not checked (it must allow cloudwatch.amazonaws.com kms:Decrypt and "
        "kms:GenerateDataKey*): AccessDeniedException (the credentials need kms:GetKeyPolicy)"]
    assert [p.split(": ")[0] for p in problems] == [WARNING]  # the warning topic's pending subscription


def test_a_topic_never_applied_is_not_a_finding_but_what_plan_is_for(confirmations, tmp_path):
    model = model_of(project(tmp_path))
    problems, reach = checked(model, connect(model))
    assert problems == [] and reach.calls == {"sns": 2}  # GetTopicAttributes answered NotFound: nothing more
    assert summary(model, reach).endswith(", 2 not created yet (see `obsgen plan`)")


def test_a_topic_named_in_a_severitys_actions_is_checked_for_its_key_only(aws_env, tmp_path):
    text = LIVE_PROJECT.replace('    pages: true\n', f'    pages: true\n    actions: ["arn:aws:sns:{REGION}:{ACCOUNT}:'
                                'other-team"]\n', 1)
    model = model_of(make_project(tmp_path / "project", MONITORS, project=text))
    clients = applied(model)
    sns = boto3.client("sns", region_name=REGION)
    problems, reach = checked(model, clients)
    assert problems == [] and reach.notes == [f"topic arn:aws:sns:{REGION}:{ACCOUNT}:other-team (an action of "
                                              "severity 'critical') does not exist in the account: alarms cannot "
                                              "publish to it"]
    sns.create_topic(Name="other-team", Attributes={"KmsMasterKeyId": "alias/aws/sns"})
    problems, reach = checked(model, clients)
    assert len(problems) == 1 and "severity 'critical': action topic other-team (us-east-1) is encrypted with the " \
                                  "AWS managed key" in problems[0]
    assert reach.calls == {"sns": 5}  # the action topic's subscriptions are another team's: not listed


def test_validate_live_exits_1_on_an_aws_managed_key_and_0_on_unconfirmed_subscriptions(confirmations, tmp_path):
    root = project(tmp_path)
    applied(model_of(root))
    result = runner.invoke(app, ["validate", "-C", str(root), "--env", "production", "--live"])
    assert result.exit_code == 0, result.output
    assert f"{CRITICAL}: warning: severity 'critical': topic shop-critical-production (us-east-1) has 1 " \
           "unconfirmed subscription(s)" in result.output
    assert f"live: 2 topic(s) the alarms publish to read in {ACCOUNT} {REGION} with 4 SNS call(s); 0 confirmed " \
           "and 2 unconfirmed subscription(s), 0 encrypted topic(s)" in result.output
    assert "spec is valid" in result.output
    boto3.client("sns", region_name=REGION).set_topic_attributes(
        TopicArn=TOPIC, AttributeName="KmsMasterKeyId", AttributeValue="alias/aws/sns")
    result = runner.invoke(app, ["validate", "-C", str(root), "--env", "production", "--live"])
    assert result.exit_code == 1, result.output
    assert f"{CRITICAL}: error: severity 'critical': topic shop-critical-production (us-east-1) is encrypted with " \
           "the AWS managed key alias/aws/sns" in result.output
    assert "1 encrypted topic(s)" in result.output and "spec is valid" not in result.output


def test_the_sandbox_keeps_email_and_https_subscriptions_pending_until_confirmed_with_their_token(confirmations):
    sns = boto3.client("sns", region_name=REGION)
    arn = sns.create_topic(Name="t")["TopicArn"]
    assert sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="a@example.com")["SubscriptionArn"] == \
        "pending confirmation"
    queue = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=f"arn:aws:sqs:{REGION}:{ACCOUNT}:q",
                          ReturnSubscriptionArn=True)["SubscriptionArn"]
    listed = {s["Protocol"]: s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]}
    assert listed == {"email": "PendingConfirmation", "sqs": queue}
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (attributes["SubscriptionsPending"], attributes["SubscriptionsConfirmed"]) == ("1", "1")
    with pytest.raises(ClientError) as raised:
        sns.confirm_subscription(TopicArn=arn, Token="not-the-token")
    assert raised.value.response["Error"]["Code"] == "InvalidParameter"
    confirm(arn, "a@example.com")
    assert "PendingConfirmation" not in {s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]}
