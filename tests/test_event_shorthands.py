"""Each event route shorthand (#17 item 3) against an event shaped as AWS's event reference shows it:
the rule's pattern matches it (moto's EventBridge pattern matcher, an implementation independent of
obsgen's) and not a near miss, and every path of the input transformer finds a value in it, so the
message a person reads has no empty <field>.

The events are AWS's documented examples, shortened to the fields a pattern or a path reads:
GuardDuty https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html,
Security Hub https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html,
AWS Health https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html,
Step Functions https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html,
Glue https://docs.aws.amazon.com/glue/latest/dg/automating-awsglue-with-cloudwatch-events.html,
Batch https://docs.aws.amazon.com/batch/latest/userguide/batch_job_events.html.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from moto.events.models import EventPattern

from obsgen.compiler import compile_project
from obsgen.model import EventRoute

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "beyond-alarms"
ACCOUNT = "123456789012"
MACHINE = f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:orders-reconcile-sandbox"
QUEUE = f"arn:aws:batch:us-east-1:{ACCOUNT}:job-queue/orders-sandbox"
ROUTES = """events:
  hub:
    summary: Security Hub reports a critical finding.
    severity: critical
    securityhub: {labels: [CRITICAL]}
  health:
    summary: AWS reports an issue with a service the orders project uses.
    severity: warning
    health: {}
  glue:
    summary: The orders export job failed.
    severity: warning
    glue: {jobs: ["orders-export-${env}"]}
  batch:
    summary: An orders batch job failed.
    severity: warning
    batch: {queues: ["arn:aws:batch:${region}:${account}:job-queue/orders-${env}"]}
"""


def _event(source: str, detail_type: str, detail: dict[str, Any]) -> dict[str, Any]:
    return {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": detail_type,
            "source": source, "account": ACCOUNT, "time": "2026-11-30T18:43:48Z", "region": "us-east-1",
            "resources": [], "detail": detail}


EVENTS = {
    "orders-guardduty-sandbox": _event("aws.guardduty", "GuardDuty Finding", {
        "schemaVersion": "2.0", "accountId": ACCOUNT, "region": "us-east-1", "id": "16afba5c5c43e07c9e3e5e2e544e95df",
        "type": "Recon:EC2/PortProbeUnprotectedPort", "severity": 8, "title": "Unprotected port on EC2 instance "
        "i-99999999 is being probed."}),
    "orders-hub-sandbox": _event("aws.securityhub", "Security Hub Findings - Imported", {"findings": [{
        "AwsAccountId": ACCOUNT, "ProductName": "GuardDuty", "Title": "EC2 instance is communicating with a "
        "known command and control server", "Severity": {"Label": "CRITICAL", "Normalized": 90},
        "Resources": [{"Type": "AwsEc2Instance", "Id": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123"}]}]}),
    "orders-health-sandbox": _event("aws.health", "AWS Health Event", {
        "eventArn": "arn:aws:health:us-east-1::event/LAMBDA/AWS_LAMBDA_OPERATIONAL_ISSUE/abc", "service": "LAMBDA",
        "eventTypeCode": "AWS_LAMBDA_OPERATIONAL_ISSUE", "eventTypeCategory": "issue",
        "startTime": "Sat, 30 Nov 2026 18:00:00 GMT",
        "eventDescription": [{"language": "en_US", "latestDescription": "Increased invocation error rates."}]}),
    "orders-orders-reconciliation-failed-sandbox": _event(
        "aws.states", "Step Functions Execution Status Change", {
            "executionArn": f"arn:aws:states:us-east-1:{ACCOUNT}:execution:orders-reconcile-sandbox:nightly-1",
            "stateMachineArn": MACHINE, "name": "nightly-1", "status": "FAILED",
            "startDate": 1764528000000, "stopDate": 1764528060000}),
    "orders-glue-sandbox": _event("aws.glue", "Glue Job State Change", {
        "jobName": "orders-export-sandbox", "severity": "ERROR", "state": "FAILED",
        "jobRunId": "jr_3c9c24f19d1d2d5f5eb9d1b3a", "message": "Command failed with exit code 1"}),
    "orders-batch-sandbox": _event("aws.batch", "Batch Job State Change", {
        "jobName": "orders-nightly", "jobId": "4c7599ae-0a82-49aa-ba5a-4727fcce14a8", "jobQueue": QUEUE,
        "status": "FAILED", "statusReason": "Essential container in task exited"}),
}
# Each event, changed so that the route must not match it (field path, value).
NEAR_MISSES = {
    "orders-guardduty-sandbox": (("detail", "severity"), 5.5),  # medium: below min_severity 7
    "orders-health-sandbox": (("detail", "eventTypeCategory"), "scheduledChange"),
    "orders-orders-reconciliation-failed-sandbox": (("detail", "status"), "SUCCEEDED"),
    "orders-glue-sandbox": (("detail", "jobName"), "someone-elses-job"),
    "orders-batch-sandbox": (("detail", "status"), "SUCCEEDED"),
}
PATH_STEP = re.compile(r"\.([A-Za-z0-9_@-]+)|\[(\d+)\]")


@pytest.fixture(scope="module")
def routes(tmp_path_factory) -> dict[str, EventRoute]:
    root = tmp_path_factory.mktemp("shorthands") / "project"
    shutil.copytree(FIXTURE, root)
    config = root / "monitors" / "obsgen.yaml"
    config.write_text(config.read_text().replace("events:\n", ROUTES, 1))
    build = compile_project(root)
    assert build.ok, build.diagnostics
    return {r.name: r for r in build.models["sandbox"].event_routes}


def _at(event: dict[str, Any], path: str) -> Any:
    """The value at an InputPathsMap path (`$.detail.findings[0].Title`), or None."""
    node: Any = event
    for name, index in PATH_STEP.findall(path[1:]):
        if name:
            node = node.get(name) if isinstance(node, dict) else None
        else:
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
    return node


def test_every_shorthand_is_in_the_project(routes):
    assert sorted(r.source for r in routes.values()) == ["batch", "glue", "guardduty", "health", "securityhub",
                                                         "stepfunctions"]
    assert sorted(routes) == sorted(EVENTS)


@pytest.mark.parametrize("rule", sorted(set(EVENTS) - {"orders-hub-sandbox"}))
def test_the_rule_matches_aws_s_example_event_and_not_a_near_miss(routes, rule):
    pattern = EventPattern.load(routes[rule].pattern)
    assert pattern.matches_event(EVENTS[rule])
    missed = copy.deepcopy(EVENTS[rule])
    (outer, inner), value = NEAR_MISSES[rule]
    missed[outer][inner] = value
    assert not pattern.matches_event(missed)


def test_the_security_hub_rule_matches_the_severity_label_inside_the_findings_array(routes):
    """moto's matcher does not descend into arrays (EventBridge does: a pattern field matches when any
    element of an array of objects holds it), so the pattern is compared as the reference writes it."""
    assert json.loads(routes["orders-hub-sandbox"].pattern) == {
        "source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"],
        "detail": {"findings": {"Severity": {"Label": ["CRITICAL"]}}}}


def test_health_for_the_services_used_names_the_service_of_the_project_s_resources(routes):
    assert json.loads(routes["orders-health-sandbox"].pattern)["detail"]["service"] == ["LAMBDA"]


def test_a_shorthand_s_filter_lists_are_the_spec_s_names_expanded_for_the_environment(routes):
    assert json.loads(routes["orders-glue-sandbox"].pattern)["detail"]["jobName"] == ["orders-export-sandbox"]
    assert json.loads(routes["orders-batch-sandbox"].pattern)["detail"]["jobQueue"] == [QUEUE]
    assert json.loads(routes["orders-orders-reconciliation-failed-sandbox"].pattern)["detail"]["stateMachineArn"] \
        == [MACHINE]


@pytest.mark.parametrize("rule", sorted(EVENTS))
def test_every_path_of_the_message_finds_a_value_in_aws_s_example_event(routes, rule):
    paths = dict(routes[rule].input_paths)
    assert paths, "a shorthand writes its own message"
    empty = {name: path for name, path in paths.items() if _at(EVENTS[rule], path) in (None, "")}
    assert empty == {}
    template = json.loads(routes[rule].input_template)
    assert set(re.findall(r"<([^<>\s]+)>", template)) == set(paths), "each placeholder is a path, each path is used"
