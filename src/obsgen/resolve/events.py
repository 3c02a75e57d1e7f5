"""Events pass: `events:` of the project and of each service -> EventBridge rules to a severity's topic.

A shorthand makes the event pattern and a readable message (an input transformer: InputPathsMap +
InputTemplate, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html);
a written `pattern:` is checked for EventBridge's structure (every value a list or a nested pattern;
content filters by their documented names) with the error at the spot in the YAML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import conventions
from ..diagnostics import error, shown
from ..language.errors import did_you_mean
from ..language.load import ServiceEntry
from ..language.v1.events import EventRoute as EventRouteSpec
from ..language.yaml_reader import Document, Loc
from ..model import EventRoute, Origin
from ..resource_types import RESOURCE_TYPES
from .context import Context

RULE_NAME = re.compile(r"^[.\-_A-Za-z0-9]{1,64}$")  # PutRule Name: [\.\-_A-Za-z0-9]+, length 1..64
MAX_PATTERN = 4096  # PutRule EventPattern: length <= 4096 (botocore's events model)
MAX_TEMPLATE = 8192  # InputTransformer.InputTemplate: length 1..8192
PATH_KEY = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
JSON_PATH = re.compile(r"^\$(\.[A-Za-z0-9_@-]+|\[\d+\])*$")
PLACEHOLDER = re.compile(r"<([^<>\s]+)>")
# Content filters (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
CONTENT_FILTERS = ("prefix", "suffix", "anything-but", "numeric", "exists", "cidr", "equals-ignore-case", "wildcard")
# AWS Health's service codes of the namespaces obsgen's resource types use (the `service` field of an
# "AWS Health Event", https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html).
HEALTH_SERVICES = {
    "AWS/Lambda": "LAMBDA", "AWS/ApiGateway": "APIGATEWAY", "AWS/DynamoDB": "DYNAMODB", "AWS/SQS": "SQS",
    "AWS/SNS": "SNS", "AWS/ECS": "ECS", "AWS/ApplicationELB": "ELASTICLOADBALANCING", "AWS/RDS": "RDS",
    "AWS/ElastiCache": "ELASTICACHE", "AWS/S3": "S3", "AWS/Kinesis": "KINESIS", "AWS/States": "STATES",
    "AWS/EC2": "EC2", "AWS/CloudFront": "CLOUDFRONT",
}
TARGET_ID = "obsgen-topic"  # PutTargets Target.Id: [\.\-_A-Za-z0-9]+, 1..64


@dataclass(frozen=True, slots=True)
class _Source:
    pattern: dict[str, Any]
    paths: dict[str, str]
    message: str  # with <name> placeholders of `paths`
    console_url: str | None


def event_routes(ctx: Context) -> tuple[EventRoute, ...]:
    found: list[EventRoute] = []
    every_service = [s for s in ctx.spec.services]
    for key, spec in ctx.project.events.items():
        route = _route(ctx, None, ctx.pdoc, key, spec, every_service)
        if route is not None:
            found.append(route)
    for entry in sorted(ctx.spec.services, key=lambda s: s.spec.service):
        for key, spec in entry.spec.events.items():
            route = _route(ctx, entry, entry.doc, key, spec, [entry])
            if route is not None:
                found.append(route)
    _check_unique(ctx, found)
    return tuple(sorted(found, key=lambda r: r.name))


def _route(ctx: Context, entry: ServiceEntry | None, doc: Document, key: str, spec: EventRouteSpec,
           scope: list[ServiceEntry]) -> EventRoute | None:
    service = entry.spec.service if entry else None
    loc: Loc = ("events", key)
    origin = Origin(doc, loc)
    if spec.runbook and spec.runbook not in ctx.spec.runbooks:
        ctx.fail(doc, loc + ("runbook",), "unknown-runbook", f"runbook '{shown(spec.runbook)}' not found: expected "
                 f"runbooks_src/{shown(spec.runbook)}.md{did_you_mean(spec.runbook, list(ctx.spec.runbooks))}")
    severity = ctx.severities.get(spec.severity)
    if severity is None:
        ctx.fail(doc, loc + ("severity",), "unknown-severity",
                 f"unknown severity '{spec.severity}'{did_you_mean(spec.severity, list(ctx.severities))}")
    name = conventions.event_rule_name(ctx.project.project, ctx.env_name, service, key)
    if not RULE_NAME.match(name):
        ctx.fail(doc, loc, "aws-limit", f"EventBridge rule name '{shown(name)}' must be 1-64 letters, digits, '.', '-' "
                 f"or '_' ({len(name)} characters): shorten the route's key", at_key=True)
    source = _source(ctx, doc, loc, spec, scope, service)
    if source is None or severity is None:
        return None
    pattern = json.dumps(source.pattern, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(pattern) > MAX_PATTERN:
        ctx.fail(doc, loc + (spec.source,), "aws-limit", f"the event pattern has {len(pattern)} characters; "
                 f"EventBridge takes at most {MAX_PATTERN}")
    base_url = ctx.project.runbook_base_url(ctx.env_name)
    runbook_url = (f"{base_url.rstrip('/')}/{conventions.event_route_page(service, key)}.html?env={ctx.env_name}"
                   if base_url else None)
    template = _template(spec.summary, source.message, runbook_url)
    if len(template) > MAX_TEMPLATE:
        ctx.fail(doc, loc + ("message",), "aws-limit", f"the message has {len(template)} characters; EventBridge "
                 f"takes at most {MAX_TEMPLATE}")
    tags = {**ctx.project.tags, **(entry.spec.tags if entry else {}), **spec.tags,
            **conventions.ownership_tags(ctx.project.project, ctx.env_name, service=service or "project", route=key)}
    return EventRoute(service, key, name, conventions.event_rule_arn(ctx.env.region, ctx.env.account, name),
                      spec.summary, spec.description, severity, spec.runbook, runbook_url, spec.enabled, spec.source,
                      pattern, tuple(sorted(source.paths.items())), template, source.console_url,
                      tuple(sorted(tags.items())), origin)


def _template(summary: str, message: str, runbook_url: str | None) -> str:
    """A quoted InputTemplate: EventBridge sends a quoted template as a plain string (what SNS delivers as
    the notification's text). Quotes, backslashes and angle brackets of obsgen's own text are replaced so
    that they cannot end the string or read as placeholders. The route's runbook page ends it, as an
    alarm's AlarmDescription ends with its runbook's."""
    fixed = summary.replace("\\", "/").replace('"', "'").replace("<", "(").replace(">", ")")
    runbook = f" Runbook: {runbook_url}" if runbook_url else ""
    return json.dumps(f"{fixed} {message}".strip() + runbook, ensure_ascii=False)


def _source(ctx: Context, doc: Document, loc: Loc, spec: EventRouteSpec, scope: list[ServiceEntry],
            service: str | None) -> _Source | None:
    region = ctx.env.region
    console = f"https://{region}.console.aws.amazon.com"
    if spec.guardduty is not None:
        # https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html: "GuardDuty Finding"
        # events, detail = the finding (severity a number, type, title, id, accountId, region); numeric
        # matching: eb-create-pattern-operators.html#eb-filtering-numeric-matching.
        return _Source({"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
                        "detail": {"severity": [{"numeric": [">=", spec.guardduty.min_severity]}]}},
                       {"type": "$.detail.type", "severity": "$.detail.severity", "title": "$.detail.title",
                        "account": "$.detail.accountId", "id": "$.detail.id"},
                       f"GuardDuty finding <type> (severity <severity>) in account <account>: <title>. "
                       f"{console}/guardduty/home?region={region}#/findings?macros=current&fId=<id>",
                       f"{console}/guardduty/home?region={region}#/findings")
    if spec.securityhub is not None:
        # https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html:
        # "Security Hub Findings - Imported", detail.findings[] in the AWS Security Finding Format.
        return _Source({"source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"],
                        "detail": {"findings": {"Severity": {"Label": list(spec.securityhub.labels)}}}},
                       {"title": "$.detail.findings[0].Title", "severity": "$.detail.findings[0].Severity.Label",
                        "account": "$.detail.findings[0].AwsAccountId", "product": "$.detail.findings[0].ProductName",
                        "resource": "$.detail.findings[0].Resources[0].Id"},
                       f"<severity> Security Hub finding from <product> in account <account>: <title> (resource "
                       f"<resource>). {console}/securityhub/home?region={region}#/findings",
                       f"{console}/securityhub/home?region={region}#/findings")
    if spec.health is not None:
        services = _health_services(ctx, doc, loc, spec, scope)
        if services is None:
            return None
        # https://docs.aws.amazon.com/health/latest/ug/aws-health-events-eventbridge-schema.html: "AWS Health
        # Event", detail.service, eventTypeCategory, eventTypeCode, startTime, eventDescription[].
        return _Source({"source": ["aws.health"], "detail-type": ["AWS Health Event"],
                        "detail": {"service": services, "eventTypeCategory": list(spec.health.categories)}},
                       {"service": "$.detail.service", "category": "$.detail.eventTypeCategory",
                        "type": "$.detail.eventTypeCode", "start": "$.detail.startTime",
                        "description": "$.detail.eventDescription[0].latestDescription"},
                       "AWS Health <category> for <service>: <type> (since <start>). <description> "
                       "https://health.aws.amazon.com/health/home#/account/dashboard/open-issues",
                       "https://health.aws.amazon.com/health/home#/account/dashboard/open-issues")
    if spec.stepfunctions is not None:
        # https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html: "Step Functions
        # Execution Status Change", detail.status, stateMachineArn, executionArn, name.
        detail: dict[str, Any] = {"status": list(spec.stepfunctions.statuses)}
        machines = _expanded(ctx, doc, loc + ("stepfunctions", "state_machines"), spec.stepfunctions.state_machines,
                             service)
        if machines:
            detail["stateMachineArn"] = machines
        return _Source({"source": ["aws.states"], "detail-type": ["Step Functions Execution Status Change"],
                        "detail": detail},
                       {"status": "$.detail.status", "name": "$.detail.name", "machine": "$.detail.stateMachineArn",
                        "execution": "$.detail.executionArn"},
                       f"Step Functions execution <name> of <machine> ended <status>. "
                       f"{console}/states/home?region={region}#/v2/executions/details/<execution>",
                       f"{console}/states/home?region={region}#/statemachines")
    if spec.glue is not None:
        # https://docs.aws.amazon.com/glue/latest/dg/automating-awsglue-with-cloudwatch-events.html: "Glue Job
        # State Change", detail.jobName, state, jobRunId, message.
        detail = {"state": list(spec.glue.states)}
        jobs = _expanded(ctx, doc, loc + ("glue", "jobs"), spec.glue.jobs, service)
        if jobs:
            detail["jobName"] = jobs
        return _Source({"source": ["aws.glue"], "detail-type": ["Glue Job State Change"], "detail": detail},
                       {"job": "$.detail.jobName", "state": "$.detail.state", "run": "$.detail.jobRunId",
                        "message": "$.detail.message"},
                       f"Glue job <job> run <run> ended <state>: <message> "
                       f"{console}/gluestudio/home?region={region}#/editor/job/<job>/runs",
                       f"{console}/gluestudio/home?region={region}#/monitoring")
    if spec.batch is not None:
        # https://docs.aws.amazon.com/batch/latest/userguide/batch_job_events.html: "Batch Job State Change",
        # detail.jobName, jobId, jobQueue, status, statusReason.
        detail = {"status": ["FAILED"]}
        queues = _expanded(ctx, doc, loc + ("batch", "queues"), spec.batch.queues, service)
        if queues:
            detail["jobQueue"] = queues
        return _Source({"source": ["aws.batch"], "detail-type": ["Batch Job State Change"], "detail": detail},
                       {"job": "$.detail.jobName", "id": "$.detail.jobId", "queue": "$.detail.jobQueue",
                        "reason": "$.detail.statusReason"},
                       f"Batch job <job> in <queue> failed: <reason> {console}/batch/home?region={region}#jobs/detail/<id>",
                       f"{console}/batch/home?region={region}#jobs")
    return _written(ctx, doc, loc, spec, service)


def _expanded(ctx: Context, doc: Document, loc: Loc, values: list[str], service: str | None) -> list[str]:
    extra = {"service": service} if service else {}
    return [ctx.expand(value, doc, loc + (i,), **extra) for i, value in enumerate(values)]


def _health_services(ctx: Context, doc: Document, loc: Loc, spec: EventRouteSpec,
                     scope: list[ServiceEntry]) -> list[str] | None:
    assert spec.health is not None
    if spec.health.services != "used":
        return list(spec.health.services)
    namespaces = {RESOURCE_TYPES[r.type].namespace for entry in scope for r in entry.spec.resources.values()
                  if r.type in RESOURCE_TYPES}
    services = sorted({HEALTH_SERVICES[n] for n in namespaces if n in HEALTH_SERVICES})
    if not services:
        ctx.fail(doc, loc + ("health",), "bad-value", "health: services: used finds no resource of a service AWS "
                 "Health reports on; list the services, e.g. services: [LAMBDA]")
        return None
    return services


def _written(ctx: Context, doc: Document, loc: Loc, spec: EventRouteSpec, service: str | None) -> _Source | None:
    assert spec.pattern is not None
    problems = len(ctx.problems)
    pattern = _pattern_node(ctx, doc, loc + ("pattern",), spec.pattern, service, top=True)
    for name, path in spec.fields.items():
        if not PATH_KEY.match(name):
            ctx.fail(doc, loc + ("fields", name), "bad-name", f"field name '{shown(name)}' may hold only letters, "
                     "digits, '-' and '_'", at_key=True)
        if not JSON_PATH.match(path):
            ctx.fail(doc, loc + ("fields", name), "bad-value", f"'{shown(path)}' is not a JSON path into the event, "
                     "such as $.detail.id")
    if spec.message is None:
        paths = {"type": "$.detail-type", "source": "$.source", "account": "$.account", "time": "$.time"}
        message = "<type> from <source> in account <account> at <time>."
    else:
        paths, message = dict(spec.fields), spec.message
        for match in PLACEHOLDER.finditer(message):
            if match.group(1) not in paths and not match.group(1).startswith("aws.events."):
                ctx.problems.append(error(doc.span_in(loc + ("message",), match.start()), "unknown-field",
                                          f"the message names <{shown(match.group(1))}>, which is not one of "
                                          f"`fields:`{did_you_mean(match.group(1), list(paths))}"))
    if len(ctx.problems) > problems or not isinstance(pattern, dict):
        return None
    return _Source(pattern, paths, message, None)


def _pattern_node(ctx: Context, doc: Document, loc: Loc, node: Any, service: str | None, top: bool = False) -> Any:
    """A written event pattern with `${var}` expanded, checked: a mapping whose values are lists (of
    values or content filters) or nested mappings (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html)."""
    if isinstance(node, Mapping):
        if not node:
            ctx.fail(doc, loc, "bad-event-pattern", "an event pattern (or a nested part of one) matches fields: it "
                     "cannot be empty")
        return {key: _pattern_value(ctx, doc, loc + (key,), value, service) for key, value in node.items()}
    ctx.fail(doc, loc, "bad-event-pattern", "an event pattern is a mapping of event fields, e.g. {source: [aws.ec2]}"
             if top else "expected a list of values or a nested mapping")
    return node


def _pattern_value(ctx: Context, doc: Document, loc: Loc, value: Any, service: str | None) -> Any:
    extra = {"service": service} if service else {}
    if isinstance(value, Mapping):
        return _pattern_node(ctx, doc, loc, value, service)
    if not isinstance(value, list):
        ctx.fail(doc, loc, "bad-event-pattern", "event pattern values are lists, even of one value: write "
                 f"[{shown(json.dumps(value))}]")
        return value
    if not value:
        ctx.fail(doc, loc, "bad-event-pattern", "an empty list matches no event")
    matched: list[Any] = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            matched.append(ctx.expand(item, doc, loc + (index,), **extra))
        elif isinstance(item, Mapping):
            unknown = [k for k in item if k not in CONTENT_FILTERS]
            if len(item) != 1 or unknown:
                ctx.fail(doc, loc + (index,), "bad-event-pattern", "a content filter is one of "
                         + ", ".join(CONTENT_FILTERS) + (f"{did_you_mean(unknown[0], list(CONTENT_FILTERS))}"
                                                        if unknown else ", one per list item"))
            matched.append(dict(item))
        elif isinstance(item, list):
            ctx.fail(doc, loc + (index,), "bad-event-pattern", "a list inside a list is not an event pattern value")
        else:
            matched.append(item)
    return matched


def _check_unique(ctx: Context, routes: list[EventRoute]) -> None:
    seen: dict[str, EventRoute] = {}
    for route in routes:
        other = seen.setdefault(route.name, route)
        if other is not route:
            # The name ends with the environment's in every environment: said once, with ${env}, so the
            # same mistake is one error, not one per environment.
            name = conventions.event_rule_name(ctx.project.project, "${env}", route.service, route.key)
            ctx.problems.append(error(route.origin.key_span(), "duplicate-event-rule-name",
                                      f"event route '{route.key}' gets the rule name '{shown(name)}' of "
                                      f"{other.ref}; rename one of them"))
