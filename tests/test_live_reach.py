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


# A `type: lambda` channel: SNS delivers only when the function's resource-based policy lets the topic invoke it.
# moto creates functions without docker (only Invoke needs it); its GetPolicy answers ResourceNotFoundException
# both for a missing function and for one without a policy, as AWS does. moto keeps one policy per function for
# all its versions and aliases, where AWS keeps one each: the judgement counts only statements whose Resource is
# the ARN SNS invokes, which is what AWS's own per-alias policy holds.
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:slack-relay"
SLACK = """\
  slack:
    type: lambda
    endpoint: {endpoint}
    severities: [critical]
"""


def lambda_project(tmp_path: Path, endpoint: str = FUNCTION) -> Path:
    text = LIVE_PROJECT.replace("environments:", SLACK.format(endpoint=endpoint) + "environments:")
    return make_project(tmp_path / "project", MONITORS, project=text)


def create_function(name: str = "slack-relay") -> Any:
    """A function as moto keeps it: an IAM role Lambda can assume, a zip that is never run."""
    import io
    import zipfile

    role = boto3.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                  "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return None\n")
    client = boto3.client("lambda", region_name=REGION)
    client.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handle",
                           Code={"ZipFile": code.getvalue()})
    return client


def allow_sns(client: Any, source_arn: str | None = TOPIC, qualifier: str | None = None, sid: str = "sns") -> None:
    extra = {"SourceArn": source_arn} if source_arn else {}
    client.add_permission(FunctionName="slack-relay", StatementId=sid, Action="lambda:InvokeFunction",
                          Principal="sns.amazonaws.com", **extra, **({"Qualifier": qualifier} if qualifier else {}))


def lambda_problems(problems: list[str]) -> list[str]:
    return [p for p in problems if "[lambda-" in p]


def test_a_lambda_channel_whose_function_lets_the_topic_invoke_it_reaches_its_function(aws_env, tmp_path):
    model = model_of(lambda_project(tmp_path))
    clients = applied(model)
    allow_sns(create_function())
    problems, reach = checked(model, clients)
    assert problems == []
    assert reach.calls == {"sns": 4, "lambda": 1}  # one GetPolicy for the one function


def test_a_function_without_a_policy_for_sns_is_an_error_at_the_severity(aws_env, tmp_path):
    model = model_of(lambda_project(tmp_path))
    clients = applied(model)
    create_function()
    problems, reach = checked(model, clients)
    assert problems == [
        f"{CRITICAL}: error: severity 'critical': topic shop-critical-production (us-east-1) delivers to a Lambda "
        f"function (channel 'slack', lambda {FUNCTION}) which has no resource-based policy, so SNS may not invoke "
        "it: SNS's deliveries to it fail and are discarded, so its 1 CloudWatch alarm(s) "
        "(shop-orders-errors-production) notify nobody on that channel; add a permission for sns.amazonaws.com "
        f"lambda:InvokeFunction with AWS:SourceArn {TOPIC} (`aws lambda add-permission --principal "
        f"sns.amazonaws.com --action lambda:InvokeFunction --source-arn {TOPIC}` on the function; "
        "https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html) [lambda-policy-blocks-sns]"]
    assert reach.calls == {"sns": 4, "lambda": 2}  # GetPolicy: ResourceNotFound; GetFunctionConfiguration: it exists


def test_a_permission_for_another_topic_or_another_principal_does_not_let_this_topic_in(aws_env, tmp_path):
    model = model_of(lambda_project(tmp_path))
    clients = applied(model)
    client = create_function()
    other = f"arn:aws:sns:{REGION}:{ACCOUNT}:shop-warning-production"
    allow_sns(client, other)
    client.add_permission(FunctionName="slack-relay", StatementId="events", Action="lambda:InvokeFunction",
                          Principal="events.amazonaws.com")
    problems, _ = checked(model, clients)
    assert len(problems) == 1 and problems[0].startswith(f"{CRITICAL}: error: ")
    assert f"whose resource-based policy does not let this topic invoke it (its statements for sns.amazonaws.com " \
           f"name another topic (AWS:SourceArn {other})): SNS's deliveries" in problems[0]
    allow_sns(client, None, sid="any-topic")  # no SourceArn: every topic may invoke it
    assert checked(model, clients)[0] == []


def test_a_subscription_to_a_function_that_does_not_exist_is_an_error_of_its_own(aws_env, tmp_path):
    model = model_of(lambda_project(tmp_path))
    problems, reach = checked(model, applied(model))  # subscribed, never created
    assert lambda_problems(problems) == problems and len(problems) == 1
    assert problems[0].startswith(f"{CRITICAL}: error: severity 'critical': topic shop-critical-production "
                                  f"(us-east-1) delivers to a Lambda function (channel 'slack', lambda {FUNCTION}) "
                                  "that does not exist (no such function, version or alias in its account and "
                                  "region): SNS's deliveries to it fail")
    assert problems[0].endswith("[lambda-subscriber-missing]")
    assert reach.calls["lambda"] == 2


def test_an_alias_is_judged_by_its_own_permission_not_the_functions(aws_env, tmp_path):
    model = model_of(lambda_project(tmp_path, f"{FUNCTION}:live"))
    clients = applied(model)
    client = create_function()
    client.create_alias(FunctionName="slack-relay", Name="live", FunctionVersion=client.publish_version(
        FunctionName="slack-relay")["Version"])
    allow_sns(client)  # the unqualified function's: in AWS, not the alias's (using-aliases.html)
    problems, _ = checked(model, clients)
    assert len(problems) == 1 and "[lambda-policy-blocks-sns]" in problems[0] and "error" in problems[0]
    allow_sns(client, qualifier="live", sid="sns-live")
    assert checked(model, clients)[0] == []
    missing = model_of(lambda_project(tmp_path / "other", f"{FUNCTION}:gone"))
    assert lambda_problems(checked(missing, applied(missing))[0])[0].endswith("[lambda-subscriber-missing]")


def test_a_secret_lambda_endpoint_is_read_but_never_shown(aws_env, tmp_path, monkeypatch):
    monkeypatch.setenv("SLACK_FUNCTION", FUNCTION)
    model = model_of(lambda_project(tmp_path, "{env: SLACK_FUNCTION}"))
    clients = applied(model)
    create_function()
    problems, reach = checked(model, clients)
    assert len(problems) == 1 and "delivers to a Lambda function (lambda, endpoint not shown: channel(s) 'slack' " \
                                  "have a secret one) which has no resource-based policy" in problems[0]
    assert not any(part in problems[0] for part in ("slack-relay", ":function:")) and FUNCTION in reach.functions


def test_lambda_get_policy_denied_is_a_note_naming_the_permission(aws_env, tmp_path):
    model = model_of(lambda_project(tmp_path))
    clients = applied(model)
    create_function()

    denied = {"GetPolicy"}

    def deny(model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if model.name not in denied:
            return None
        return AWSResponse("", 403, {}, None), {"Error": {"Code": "AccessDeniedException", "Message": "no"}}

    clients.register("before-call", deny)
    problems, reach = checked(model, clients)
    assert problems == []
    assert reach.notes == [
        f"the Lambda function of topic {TOPIC}'s subscription (channel 'slack', lambda {FUNCTION}) was not checked "
        "(its policy must let sns.amazonaws.com invoke it): AccessDeniedException (the credentials need "
        "lambda:GetPolicy)"]
    denied = {"GetFunctionConfiguration"}  # GetPolicy found no policy; whether the function exists is not known
    problems, reach = checked(model, clients)
    assert reach.notes[0].startswith(f"whether the Lambda function of topic {TOPIC}'s subscription (channel "
                                     "'slack', lambda ") and reach.notes[0].endswith(
        "was not checked (it has no policy, or does not exist): AccessDeniedException (the credentials need "
        "lambda:GetFunctionConfiguration)")
    assert len(problems) == 1 and problems[0].startswith(f"{CRITICAL}: error: ") and "which does not exist or has " \
        "no resource-based policy (Lambda's GetPolicy found none), so SNS may not invoke it" in problems[0]


def test_a_lambda_policy_is_judged_with_certainty_only_where_obsgen_can_evaluate_it():
    from obsgen.aws.lambda_policy import Verdict, judge

    def verdict(*statements: dict[str, Any]) -> Verdict:
        return judge(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), FUNCTION, TOPIC).verdict

    sns = {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "lambda:InvokeFunction",
           "Resource": FUNCTION}
    assert verdict(sns) is Verdict.ALLOWS
    assert verdict({**sns, "Condition": {"ArnLike": {"AWS:SourceArn": TOPIC}}}) is Verdict.ALLOWS
    assert verdict({**sns, "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:shop-*"}}}) \
        is Verdict.ALLOWS
    assert verdict({**sns, "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT}}}) is Verdict.ALLOWS
    assert verdict({**sns, "Condition": {"StringEquals": {"AWS:SourceAccount": "210987654321"}}}) is Verdict.NO_GRANT
    assert verdict({**sns, "Condition": {"ArnNotLike": {"AWS:SourceArn": TOPIC}}}) is Verdict.NO_GRANT
    assert verdict({**sns, "Action": "lambda:*"}) is Verdict.ALLOWS
    assert verdict({**sns, "Action": "lambda:GetFunction"}) is Verdict.NO_GRANT
    assert verdict({**sns, "Resource": f"{FUNCTION}:live"}) is Verdict.NO_GRANT  # an alias's, not this ARN's
    assert verdict({**sns, "Principal": "*"}) is Verdict.ALLOWS
    assert verdict({**sns, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-123"}}}) is Verdict.UNSURE
    assert verdict({**sns, "Condition": {"ForAnyValue:StringLike": {"AWS:SourceArn": TOPIC}}}) is Verdict.UNSURE
    assert verdict({**sns, "Effect": "Deny"}, sns) is Verdict.DENIES
    assert verdict({**sns, "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                   sns) is Verdict.UNSURE
    assert verdict() is Verdict.NO_GRANT


def test_a_condition_obsgen_cannot_evaluate_is_a_warning_that_says_so(aws_env, tmp_path):
    model = model_of(lambda_project(tmp_path))
    clients = applied(model)
    client = create_function()
    client.add_permission(FunctionName="slack-relay", StatementId="org", Action="lambda:InvokeFunction",
                          Principal="sns.amazonaws.com", PrincipalOrgID="o-a1b2c3d4e5")
    problems, _ = checked(model, clients)
    assert len(problems) == 1 and problems[0].startswith(f"{CRITICAL}: warning: ")
    assert "whose resource-based policy obsgen cannot tell lets this topic invoke it (a statement for it has a " \
           "condition or a Not- element obsgen does not evaluate): if it does not, SNS's deliveries" in problems[0]
