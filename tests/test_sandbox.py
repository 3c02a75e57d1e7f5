"""The local AWS sandbox (obsgen.sandbox.server) and the moto gap-fillers (obsgen.sandbox.cloudwatch).

One sandbox server serves the whole module (reset before each test); the
last tests cover the in-process ``moto.mock_aws()`` path, the real ``aws``
CLI as an independent client, and the server lifecycle helpers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from obsgen.sandbox import cloudwatch as moto_ext, server as sandbox

REGION = "us-east-1"
ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:oncall"
CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": REGION}
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})
BOTH = ["MetricAlarm", "CompositeAlarm"]


# --------------------------------------------------------------------------- fixtures / helpers


@pytest.fixture(scope="module")
def sb():
    with sandbox.start() as running:
        yield running
    assert not sandbox.is_running(running.endpoint_url)


@pytest.fixture
def endpoint(sb):
    sb.reset()
    return sb.endpoint_url


def client(service: str, endpoint_url: str | None = None):
    extra = {"endpoint_url": endpoint_url} if endpoint_url else {}
    return boto3.client(service, config=NO_RETRIES, **CREDS, **extra)


@pytest.fixture
def cw(endpoint):
    return client("cloudwatch", endpoint)


def put_metric(cw, name: str, tags: dict[str, str] | None = None, **overrides) -> None:
    params = {
        "AlarmName": name,
        "MetricName": "Errors",
        "Namespace": "App",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "AlarmActions": [TOPIC],
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }
    merged = {**params, **overrides}
    cw.put_metric_alarm(**{k: v for k, v in merged.items() if v is not None})


def put_composite(cw, name: str, rule: str, tags: dict[str, str] | None = None, **extra) -> None:
    tag_list = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    cw.put_composite_alarm(AlarmName=name, AlarmRule=rule, Tags=tag_list, **extra)


def arn(name: str) -> str:
    return f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}"


def names(response: dict, key: str) -> list[str]:
    return [a["AlarmName"] for a in response.get(key, [])]


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


def tags_of(cw, alarm_arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in cw.list_tags_for_resource(ResourceARN=alarm_arn)["Tags"]}


# --------------------------------------------------------------------------- composite alarms


def test_put_composite_alarm_is_described_like_aws(cw):
    put_metric(cw, "cpu-high", {"team": "core"})
    put_composite(
        cw,
        "svc-down",
        'ALARM("cpu-high") AND NOT OK(cpu-high)',
        {"team": "core"},
        AlarmDescription="service down",
        AlarmActions=[TOPIC],
        OKActions=[TOPIC],
        ActionsEnabled=False,
    )

    (comp,) = cw.describe_alarms(AlarmTypes=["CompositeAlarm"])["CompositeAlarms"]
    assert comp["AlarmName"] == "svc-down"
    assert comp["AlarmArn"] == arn("svc-down")
    assert comp["AlarmRule"] == 'ALARM("cpu-high") AND NOT OK(cpu-high)'
    assert comp["AlarmDescription"] == "service down"
    assert comp["ActionsEnabled"] is False
    assert comp["AlarmActions"] == [TOPIC] and comp["OKActions"] == [TOPIC]
    assert comp["InsufficientDataActions"] == []
    # "When this operation creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA."
    assert comp["StateValue"] == "INSUFFICIENT_DATA"
    assert comp["StateReason"]
    assert "StateUpdatedTimestamp" in comp and "AlarmConfigurationUpdatedTimestamp" in comp
    assert "MetricName" not in comp
    assert tags_of(cw, arn("svc-down")) == {"team": "core"}


def test_alarm_types_default_is_metric_alarms_only(cw):
    put_metric(cw, "a-metric")
    put_composite(cw, "b-composite", "ALARM(a-metric)")

    omitted = cw.describe_alarms()
    assert names(omitted, "MetricAlarms") == ["a-metric"]
    assert names(omitted, "CompositeAlarms") == []

    composite_only = cw.describe_alarms(AlarmTypes=["CompositeAlarm"])
    assert names(composite_only, "MetricAlarms") == []
    assert names(composite_only, "CompositeAlarms") == ["b-composite"]

    both = cw.describe_alarms(AlarmTypes=BOTH)
    assert names(both, "MetricAlarms") == ["a-metric"]
    assert names(both, "CompositeAlarms") == ["b-composite"]


def test_update_keeps_state_and_ignores_tags(cw):
    put_metric(cw, "child", {"v": "1"})
    put_composite(cw, "parent", "ALARM(child)", {"v": "1"})
    cw.set_alarm_state(AlarmName="parent", StateValue="ALARM", StateReason="testing")

    put_composite(cw, "parent", "ALARM(child) OR FALSE", {"v": "2", "extra": "x"}, AlarmDescription="updated")
    put_metric(cw, "child", {"v": "2"}, Threshold=5.0)

    comp = cw.describe_alarms(AlarmNames=["parent"], AlarmTypes=BOTH)["CompositeAlarms"][0]
    assert (comp["AlarmRule"], comp["AlarmDescription"]) == ("ALARM(child) OR FALSE", "updated")
    # "When you update an existing alarm, its state is left unchanged"
    assert (comp["StateValue"], comp["StateReason"]) == ("ALARM", "testing")
    # "If you are using this operation to update an existing alarm, any tags you specify ... are ignored."
    assert tags_of(cw, arn("parent")) == {"v": "1"}
    assert tags_of(cw, arn("child")) == {"v": "1"}
    assert cw.describe_alarms(AlarmNames=["child"])["MetricAlarms"][0]["Threshold"] == 5.0


def test_set_alarm_state_on_composite(cw):
    put_metric(cw, "m")
    put_composite(cw, "c", "ALARM(m)")
    cw.set_alarm_state(AlarmName="c", StateValue="ALARM", StateReason="drill", StateReasonData="{}")

    comp = cw.describe_alarms(AlarmTypes=["CompositeAlarm"], StateValue="ALARM")["CompositeAlarms"]
    assert [(c["AlarmName"], c["StateValue"], c["StateReason"]) for c in comp] == [("c", "ALARM", "drill")]
    with pytest.raises(ClientError) as excinfo:
        cw.set_alarm_state(AlarmName="missing", StateValue="OK", StateReason="x")
    assert error_code(excinfo) == "ResourceNotFound"


def test_delete_composite_then_children(cw):
    put_metric(cw, "m1", {"k": "v"})
    put_metric(cw, "m2")
    put_composite(cw, "c1", "ALARM(m1) OR ALARM(m2)", {"k": "v"})

    # AWS: "Cannot delete m1 as there are composite alarm(s) depending on it." -- and nothing is deleted.
    with pytest.raises(ClientError) as excinfo:
        cw.delete_alarms(AlarmNames=["m2", "m1"])
    assert error_code(excinfo) == "ValidationError"
    assert "composite alarm(s) depending on" in str(excinfo.value)
    assert names(cw.describe_alarms(), "MetricAlarms") == ["m1", "m2"]

    cw.delete_alarms(AlarmNames=["c1", "does-not-exist"])  # unknown names are skipped
    assert names(cw.describe_alarms(AlarmTypes=BOTH), "CompositeAlarms") == []
    cw.delete_alarms(AlarmNames=["m1", "m2"])
    assert cw.describe_alarms(AlarmTypes=BOTH)["MetricAlarms"] == []

    # Tags go with the alarm: a re-created alarm of the same name starts untagged.
    put_metric(cw, "m1")
    assert tags_of(cw, arn("m1")) == {}


def test_delete_at_most_one_composite_per_call(cw):
    put_metric(cw, "m")
    put_composite(cw, "c1", "ALARM(m)")
    put_composite(cw, "c2", "ALARM(m)")
    with pytest.raises(ClientError) as excinfo:
        cw.delete_alarms(AlarmNames=["c1", "c2"])
    assert error_code(excinfo) == "ValidationError"
    cw.delete_alarms(AlarmNames=["c1"])
    cw.delete_alarms(AlarmNames=["c2"])


def test_tag_untag_list_on_composite(cw):
    put_metric(cw, "m")
    put_composite(cw, "c", "ALARM(m)")
    assert tags_of(cw, arn("c")) == {}
    cw.untag_resource(ResourceARN=arn("c"), TagKeys=["nothing"])  # untagged alarm: no error on AWS

    cw.tag_resource(ResourceARN=arn("c"), Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    cw.untag_resource(ResourceARN=arn("c"), TagKeys=["a"])
    assert tags_of(cw, arn("c")) == {"b": "2"}

    for call in (
        lambda: cw.list_tags_for_resource(ResourceARN=arn("missing")),
        lambda: cw.tag_resource(ResourceARN=arn("missing"), Tags=[{"Key": "a", "Value": "1"}]),
        lambda: cw.untag_resource(ResourceARN=arn("missing"), TagKeys=["a"]),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_code(excinfo) == "ResourceNotFoundException"


def test_parents_and_children_of(cw):
    put_metric(cw, "m1")
    put_metric(cw, "m2")
    put_composite(cw, "c1", f"ALARM(m1) AND ALARM({arn('m2')})")
    put_composite(cw, "c2", "ALARM(c1)")

    parents = cw.describe_alarms(ParentsOfAlarmName="m2", AlarmTypes=BOTH)
    assert parents["CompositeAlarms"] == [{"AlarmName": "c1", "AlarmArn": arn("c1")}]
    children = cw.describe_alarms(ChildrenOfAlarmName="c2", AlarmTypes=BOTH)
    assert names(children, "CompositeAlarms") == ["c1"]
    children = cw.describe_alarms(ChildrenOfAlarmName="c1", AlarmTypes=BOTH)
    assert names(children, "MetricAlarms") == ["m1", "m2"]
    assert set(children["MetricAlarms"][0]) == {"AlarmName", "AlarmArn", "StateValue", "StateUpdatedTimestamp"}


# --------------------------------------------------------------------------- DescribeAlarms filters and pages


def test_pagination_follows_next_token(cw):
    for name in ["e", "c", "a", "d", "b"]:
        put_metric(cw, f"alarm-{name}")

    seen, pages, token = [], 0, None
    while True:
        page = cw.describe_alarms(MaxRecords=2, **({"NextToken": token} if token else {}))
        assert len(page["MetricAlarms"]) <= 2
        seen += names(page, "MetricAlarms")
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert seen == [f"alarm-{n}" for n in "abcde"]  # sorted by name, like AWS
    assert pages == 3

    paginated = cw.get_paginator("describe_alarms").paginate(PaginationConfig={"PageSize": 2}).build_full_result()
    assert names(paginated, "MetricAlarms") == seen
    assert len(cw.describe_alarms()["MetricAlarms"]) == 5  # default MaxRecords is 50


def test_pagination_counts_both_types(cw):
    put_metric(cw, "m1")
    put_metric(cw, "m2")
    put_composite(cw, "c1", "ALARM(m1)")
    first = cw.describe_alarms(AlarmTypes=BOTH, MaxRecords=2)
    second = cw.describe_alarms(AlarmTypes=BOTH, MaxRecords=2, NextToken=first["NextToken"])
    assert (names(first, "CompositeAlarms"), names(first, "MetricAlarms")) == (["c1"], ["m1"])
    assert (names(second, "MetricAlarms"), second.get("NextToken")) == (["m2"], None)


def test_name_state_and_action_filters(cw):
    put_metric(cw, "api-latency")
    put_metric(cw, "api-errors", AlarmActions=["arn:aws:sns:us-east-1:123456789012:other"])
    put_metric(cw, "db-cpu")
    put_composite(cw, "api-down", "ALARM(api-errors)")
    cw.set_alarm_state(AlarmName="api-errors", StateValue="ALARM", StateReason="t")

    assert names(cw.describe_alarms(AlarmNames=["db-cpu", "api-down", "nope"]), "MetricAlarms") == ["db-cpu"]
    by_name = cw.describe_alarms(AlarmNames=["db-cpu", "api-down"], AlarmTypes=BOTH)
    assert names(by_name, "CompositeAlarms") == ["api-down"]
    by_prefix = cw.describe_alarms(AlarmNamePrefix="api-", AlarmTypes=BOTH)
    assert names(by_prefix, "MetricAlarms") == ["api-errors", "api-latency"]
    assert names(by_prefix, "CompositeAlarms") == ["api-down"]
    prefix_and_state = cw.describe_alarms(AlarmNamePrefix="api-", StateValue="ALARM")
    assert names(prefix_and_state, "MetricAlarms") == ["api-errors"]
    assert names(cw.describe_alarms(ActionPrefix=TOPIC), "MetricAlarms") == ["api-latency", "db-cpu"]


# --------------------------------------------------------------------------- validation


def math_alarm(expression: str) -> dict:
    """PutMetricAlarm of a metric-math alarm over two metrics, `errors` and `calls`."""
    metric = {"Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": [{"Name": "FunctionName", "Value": "f"}]}
    queries = [{"Id": mid, "MetricStat": {"Metric": metric, "Period": 60, "Stat": "Sum"}, "ReturnData": False}
               for mid in ("errors", "calls")]
    return {"AlarmName": "x", "EvaluationPeriods": 1, "Threshold": 5.0, "ComparisonOperator": "GreaterThanThreshold",
            "Metrics": [*queries, {"Id": "e1", "Expression": expression, "ReturnData": True}]}


def test_validation_errors(cw):
    put_metric(cw, "m")
    no_statistic = {"Statistic": None}  # put_metric() drops None-valued overrides
    expression = [{"Id": "e1", "Expression": "SUM(METRICS())"}]
    cases = [  # (call, a fragment of the error message)
        (lambda: put_metric(cw, "x", ExtendedStatistic="p99"), "Statistic or ExtendedStatistic"),
        (lambda: put_metric(cw, "x", **no_statistic), "Statistic or ExtendedStatistic"),
        (lambda: put_metric(cw, "x", Metrics=expression), "should not be set if list of Metrics is set"),
        (lambda: cw.put_metric_alarm(**math_alarm("100 * errors / (calls")), "is not valid metric math: expected ')'"),
        (lambda: cw.put_metric_alarm(**math_alarm("100 * erors / calls")), "names erors, which no query"),
        (lambda: cw.put_metric_alarm(**math_alarm("FILL(errors) / calls")), "FILL is given 1 argument; FILL takes 2"),
        (lambda: cw.put_metric_alarm(**math_alarm("RATE()")), "RATE is given 0 arguments"),
        (lambda: cw.put_metric_alarm(**math_alarm('IF(errors > 0, ANOMALY_DETECTION_BAND(calls, "x"))')),
         "argument 2 of ANOMALY_DETECTION_BAND is a string"),
        (lambda: put_composite(cw, "c", " OR ".join(["ALARM(m)"] * 1200)), "less than or equal to 10240"),
        (lambda: put_composite(cw, "c", "ALARM(m) OR ALARM(ghost)"), "alarms [ghost] in the alarm rule do not exist"),
        (lambda: put_composite(cw, "c", "ALARM(m) XOR TRUE"), "Unsupported token 'XOR'"),
        (lambda: cw.describe_alarms(MaxRecords=101), "maxRecords"),
        (lambda: cw.describe_alarms(AlarmNames=["m"], AlarmNamePrefix="m"), "AlarmNamePrefix"),
        (lambda: cw.describe_alarms(ParentsOfAlarmName="m", StateValue="OK"), "ParentsOfAlarmName"),
    ]
    for call, fragment in cases:
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_code(excinfo) == "ValidationError", fragment
        assert fragment in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        cw.describe_alarms(NextToken="not-a-token")
    assert error_code(excinfo) == "InvalidNextToken"
    assert names(cw.describe_alarms(AlarmTypes=BOTH), "CompositeAlarms") == []  # nothing half-created
    assert names(cw.describe_alarms(AlarmNames=["x"]), "MetricAlarms") == []
    cw.put_metric_alarm(**math_alarm("100 * errors / calls"))  # the same alarm, well formed, is stored
    assert names(cw.describe_alarms(AlarmNames=["x"]), "MetricAlarms") == ["x"]


def test_arguments_the_function_table_does_not_list_are_stored(cw):
    """validate warns about ABS of a number or FIRST of one series (the page lists neither, AWS may or may
    not take them); the sandbox does not claim AWS refuses them."""
    for expression in ("errors * ABS(-1)", "FIRST(errors) + TIME_SERIES(calls)",
                       'errors + FILL(LAMBDA("MyCustomDataSource", true, "fuzzy", 99.9), 0)'):  # true: not an id
        cw.put_metric_alarm(**math_alarm(expression))
        assert names(cw.describe_alarms(AlarmNames=["x"]), "MetricAlarms") == ["x"]


def test_period_takes_only_a_metric(cw):
    """PERIOD's row of the function table: "Valid input is metrics, not the results of other expressions": the
    sandbox refuses PERIOD of an expression's id or of a series computed in place, as validate and the evaluator
    do (obsgen/metric_math_functions.py), and stores PERIOD of a metric."""
    for expression, fragment in (("errors / PERIOD(errors * 2)", "argument 1 of PERIOD is a time series, not the id "
                                  "of a metric"), ("errors / PERIOD(60)", "argument 1 of PERIOD is a number")):
        with pytest.raises(ClientError) as excinfo:
            cw.put_metric_alarm(**math_alarm(expression))
        assert error_code(excinfo) == "ValidationError"
        assert fragment in excinfo.value.response["Error"]["Message"], excinfo.value
        assert "Valid input is metrics, not the results of other expressions" in str(excinfo.value)
    of_expression = math_alarm("e0 / PERIOD(e0)")
    of_expression["Metrics"].insert(0, {"Id": "e0", "Expression": "errors * 2", "ReturnData": False})
    with pytest.raises(ClientError) as excinfo:
        cw.put_metric_alarm(**of_expression)
    assert "argument 1 of PERIOD is 'e0', an expression, not the id of a metric" in str(excinfo.value)
    assert names(cw.describe_alarms(AlarmNames=["x"]), "MetricAlarms") == []
    cw.put_metric_alarm(**math_alarm("errors / PERIOD(errors)"))
    assert names(cw.describe_alarms(AlarmNames=["x"]), "MetricAlarms") == ["x"]


def test_unknown_child_error_names_it(cw):
    with pytest.raises(ClientError) as excinfo:
        put_composite(cw, "c", 'ALARM("ghost one")')
    assert "[ghost one]" in str(excinfo.value) and "do not exist" in str(excinfo.value)


def test_query_protocol_clients_get_the_same_behaviour(endpoint, cw):
    """Older SDKs speak awsQuery (form-encoded) rather than awsJson1_0."""
    put_metric(cw, "m")
    put_composite(cw, "c", "ALARM(m)")
    form = {"Action": "DescribeAlarms", "Version": "2010-08-01", "AlarmTypes.member.1": "CompositeAlarm"}
    request = urllib.request.Request(
        endpoint + "/",
        data=urllib.parse.urlencode(form).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            # moto routes on the credential scope's service name; it does not check signatures.
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/monitoring/aws4_request, "
            "SignedHeaders=host, Signature=0",
        },
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        body = response.read().decode()
    assert "<CompositeAlarms><member>" in body and "<AlarmRule>ALARM(m)</AlarmRule>" in body
    assert "<MetricAlarms/>" in body or "<MetricAlarms></MetricAlarms>" in body


# --------------------------------------------------------------------------- tagging API and STS


def test_get_resources_lists_both_kinds_with_tags(endpoint, cw):
    put_metric(cw, "m1", {"team": "a"})
    put_metric(cw, "m2", {"team": "b"})
    put_metric(cw, "untagged")
    put_composite(cw, "c1", "ALARM(m1)", {"team": "a", "kind": "composite"})
    tagging = client("resourcegroupstaggingapi", endpoint)

    found = tagging.get_resources(ResourceTypeFilters=["cloudwatch:alarm"])["ResourceTagMappingList"]
    by_arn = {r["ResourceARN"]: {t["Key"]: t["Value"] for t in r["Tags"]} for r in found}
    assert by_arn == {arn("m1"): {"team": "a"}, arn("m2"): {"team": "b"}, arn("c1"): {"team": "a", "kind": "composite"}}

    filtered = tagging.get_resources(
        ResourceTypeFilters=["cloudwatch:alarm"], TagFilters=[{"Key": "team", "Values": ["a"]}]
    )["ResourceTagMappingList"]
    assert sorted(r["ResourceARN"] for r in filtered) == sorted([arn("m1"), arn("c1")])

    paginator = tagging.get_paginator("get_resources")
    pages = list(paginator.paginate(ResourceTypeFilters=["cloudwatch:alarm"], ResourcesPerPage=1))
    assert [len(p["ResourceTagMappingList"]) for p in pages] == [1, 1, 1]


def test_sts_reports_moto_default_account(endpoint):
    identity = client("sts", endpoint).get_caller_identity()
    assert identity["Account"] == sandbox.DEFAULT_ACCOUNT_ID == ACCOUNT


# --------------------------------------------------------------------------- the aws CLI as an independent client


def aws_cli() -> str | None:
    """The aws CLI next to this interpreter (the project venv) or on PATH."""
    beside = Path(sys.executable).with_name("aws")
    return str(beside) if beside.exists() else shutil.which("aws")


@pytest.mark.tools
def test_aws_cli_sees_composite_alarms(endpoint, cw, tmp_path):
    cli = aws_cli()
    if cli is None:
        if os.environ.get("OBSGEN_REQUIRE_TOOLS") == "1":
            pytest.fail("aws CLI not found and OBSGEN_REQUIRE_TOOLS=1")
        pytest.skip("aws CLI not found on PATH (pip install awscli); set OBSGEN_REQUIRE_TOOLS=1 to fail instead")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_PAGER": "",
    }
    env.pop("AWS_PROFILE", None)

    def aws(*args: str) -> dict:
        cmd = [cli, "cloudwatch", *args, "--endpoint-url", endpoint, "--output", "json"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout or "{}")

    for n in range(3):
        put_metric(cw, f"m{n}")
    rule = "ALARM(m0) OR ALARM(m1)"
    aws("put-composite-alarm", "--alarm-name", "cli-comp", "--alarm-rule", rule, "--tags", "Key=owner,Value=cli")

    composite = aws("describe-alarms", "--alarm-types", "CompositeAlarm")
    assert names(composite, "CompositeAlarms") == ["cli-comp"] and composite["MetricAlarms"] == []
    assert composite["CompositeAlarms"][0]["AlarmRule"] == rule
    # The CLI paginates on its own; --page-size 2 makes it follow our NextTokens.
    default = aws("describe-alarms", "--page-size", "2")
    assert names(default, "MetricAlarms") == ["m0", "m1", "m2"] and not default.get("CompositeAlarms")
    assert aws("list-tags-for-resource", "--resource-arn", arn("cli-comp"))["Tags"] == [
        {"Key": "owner", "Value": "cli"}
    ]


# --------------------------------------------------------------------------- in-process moto.mock_aws()


def test_in_process_mock_aws_has_the_same_behaviour():
    moto = pytest.importorskip("moto")
    moto_ext.install()
    moto_ext.install()  # idempotent
    with moto.mock_aws():
        cw = client("cloudwatch")
        put_metric(cw, "m", {"k": "v"})
        put_composite(cw, "c", "ALARM(m)", {"k": "v"})
        assert names(cw.describe_alarms(), "CompositeAlarms") == []
        assert names(cw.describe_alarms(AlarmTypes=["CompositeAlarm"]), "CompositeAlarms") == ["c"]
        assert tags_of(cw, arn("c")) == {"k": "v"}
        with pytest.raises(ClientError) as excinfo:
            cw.delete_alarms(AlarmNames=["m"])
        assert error_code(excinfo) == "ValidationError"
        cw.delete_alarms(AlarmNames=["c"])
        assert cw.describe_alarms(AlarmTypes=BOTH)["CompositeAlarms"] == []


def test_rule_references_parses_names_and_arns():
    rule = f'(ALARM("a b") OR OK(c)) AND NOT INSUFFICIENT_DATA({arn("d")}) AND TRUE'
    assert moto_ext.rule_references(rule) == ["a b", "c", arn("d")]


# --------------------------------------------------------------------------- lifecycle helpers


def test_refuses_non_loopback_and_persistence():
    with pytest.raises(ValueError):
        sandbox.start(host="0.0.0.0")
    with pytest.raises(NotImplementedError):
        sandbox.start(state_dir="/tmp/x")


def test_busy_port_raises_instead_of_hanging(sb):
    with pytest.raises(sandbox.SandboxError, match="cannot listen"):
        sandbox.start(port=sb.port)


def test_is_running_and_wait_until_ready(sb):
    assert sandbox.is_running(sb.endpoint_url)
    sandbox.wait_until_ready(sb.endpoint_url, timeout=2)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    assert not sandbox.is_running(dead)
    with pytest.raises(TimeoutError):
        sandbox.wait_until_ready(dead, timeout=0.3)


def test_serve_forever_with_stop_event_and_pidfile(tmp_path):
    pidfile, ready, stop = tmp_path / "sandbox.pid", [], threading.Event()

    def on_ready(running: sandbox.Sandbox) -> None:
        ready.append(running.endpoint_url)
        assert pidfile.read_text().strip() == str(os.getpid())
        stop.set()

    kwargs = {"port": 0, "pidfile": pidfile, "ready_callback": on_ready, "stop_event": stop}
    worker = threading.Thread(target=sandbox.serve_forever, kwargs=kwargs)
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive() and ready
    assert not pidfile.exists()
    assert not sandbox.is_running(ready[0])


def test_stop_on_signals_turns_sigterm_into_a_stop_request():
    stop = threading.Event()
    before = signal.getsignal(signal.SIGTERM)
    with sandbox.stop_on_signals(stop):
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.wait(timeout=2)
    assert signal.getsignal(signal.SIGTERM) == before


SERVE_SCRIPT = """
import sys
from obsgen.sandbox import server as sandbox
sandbox.serve_forever(port=0, pidfile=sys.argv[1],
                      ready_callback=lambda sb: print(sb.endpoint_url, flush=True))
print("stopped", flush=True)
"""


@pytest.mark.slow
def test_serve_forever_stops_cleanly_on_sigterm(tmp_path):
    """What ``obsgen sandbox`` does: serve in the foreground until SIGTERM."""
    pidfile = tmp_path / "sandbox.pid"
    src_dir = str(Path(sandbox.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src_dir, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE_SCRIPT, str(pidfile)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        endpoint_url = proc.stdout.readline().strip()
        assert endpoint_url.startswith("http://127.0.0.1:")
        assert sandbox.is_running(endpoint_url)
        assert pidfile.read_text().strip() == str(proc.pid)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read().strip() == "stopped"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not pidfile.exists()
    assert not sandbox.is_running(endpoint_url)
