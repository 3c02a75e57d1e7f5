"""CloudFormation target: the environment's alarms, topics, subscriptions and dashboards as templates.

Only for an environment with `deploy: cloudformation` (docs/organisations.md): the files are what a
pipeline deploys instead of `obsgen apply`. Every resource's properties come from the same parameter
functions the API path applies (`cloudwatch.alarm_params`, `sns.topic_params`, `sns.subscribe_params`,
`cloudwatch_dashboards.dashboard_bodies`), renamed by one table per resource type below: there is one
source of truth, and a parameter with no CloudFormation property is a located error, never dropped.

`cloudformation/<stack>.template.json` per stack, and `cloudformation/stacks.json` listing the stacks
in the order they must be deployed (region, template, NoEcho parameters, tags). One stack per region of
the environment (`<project>-<env>` at home, `<project>-<env>-<region>` elsewhere) unless its template
would pass CloudFormation's quotas, then it is split (`split_region`).

Resource reference pages (property names and types):
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-compositealarm.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-dashboard.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topic.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-subscription.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-topicpolicy.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-logalarm.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarmmuterule.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-metricfilter.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-querydefinition.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-rule.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-budgets-budget.html
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from ..conventions import OWNERSHIP_TAGS, ownership_tags
from ..diagnostics import Diagnostic, Span, error
from ..model import Alarm, CompositeAlarm, EnvironmentModel, LogAlarm, StackSetDefinition, Subscription
from ..composite_rule import alarm_rule_references
from .base import Rendered, dump_json, header
from .budgets import create_budget_params
from .cloudwatch import alarm_params
from .cloudwatch_dashboards import body_text, dashboard_bodies
from .events import rule_params, targets_params
from .logs import metric_filter_params, query_definition_params
from .maintenance import mute_rule_params
from .sns import subscribe_params, topic_params
from .topic_policy import POLICY_VERSION, topic_policies

DEPLOY = "cloudformation"  # the `deploy:` value that turns this target on

# CloudFormation quotas: "Resources: maximum number of resources that you can declare in your
# CloudFormation template: 500"; "Template body size in an Amazon S3 object: 1 MB" (a pipeline uploads
# templates to S3; the 51,200-byte limit is for a template sent in the request itself). 1 MB is read as
# 1,000,000 bytes, the smaller of its two readings.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
MAX_RESOURCES = 500
MAX_TEMPLATE_BYTES = 1_000_000
_MAX_SPLIT_BITS = 16  # 65,536 stacks per layer: more than any account's stack quota (2,000)
_PLACEHOLDER = re.compile(r"^\{\{resolve:(env|ssm):([^}]+)\}\}$")  # language/v1/fields.SecretRef.reference
_LOGICAL_ID_BODY = 200  # logical ids are alphanumeric, at most 255 characters (template anatomy page)

# PutMetricAlarm / PutCompositeAlarm parameter -> AWS::CloudWatch::Alarm / CompositeAlarm property.
# Every parameter obsgen (or a monitor's verbatim `cloudwatch:`) can send has a property of the same name.
METRIC_ALARM_PROPERTIES = {name: name for name in (
    "AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
    "ComparisonOperator", "DatapointsToAlarm", "Dimensions", "EvaluateLowSampleCountPercentile",
    "EvaluationPeriods", "ExtendedStatistic", "MetricName", "Metrics", "Namespace", "Period", "Statistic",
    "Threshold", "ThresholdMetricId", "TreatMissingData", "Unit", "Tags", "WarmUpConfiguration")}
# PutLogAlarm -> AWS::CloudWatch::LogAlarm: the same names, nested ones included (ScheduledQueryConfiguration).
LOG_ALARM_PROPERTIES = {name: name for name in (
    "AlarmName", "AlarmDescription", "ActionsEnabled", "AlarmActions", "OKActions", "InsufficientDataActions",
    "ScheduledQueryConfiguration", "QueryResultsToEvaluate", "QueryResultsToAlarm", "Threshold",
    "ComparisonOperator", "TreatMissingData", "WarmUpConfiguration", "Tags")}
COMPOSITE_ALARM_PROPERTIES = {name: name for name in (
    "AlarmName", "AlarmDescription", "AlarmRule", "ActionsEnabled", "AlarmActions", "OKActions",
    "InsufficientDataActions", "ActionsSuppressor", "ActionsSuppressorWaitPeriod",
    "ActionsSuppressorExtensionPeriod", "Tags")}
# CreateTopic: Name and Tags are properties, each attribute is a property of its own name.
TOPIC_PROPERTIES = {"Name": "TopicName", "Tags": "Tags"}
TOPIC_ATTRIBUTES = {"DisplayName": "DisplayName", "KmsMasterKeyId": "KmsMasterKeyId",
                    "FifoTopic": "FifoTopic", "ContentBasedDeduplication": "ContentBasedDeduplication"}
# Subscribe: ReturnSubscriptionArn only shapes the API's answer; a stack always knows the subscription.
SUBSCRIPTION_PROPERTIES: dict[str, str | None] = {"TopicArn": "TopicArn", "Protocol": "Protocol",
                                                  "Endpoint": "Endpoint", "ReturnSubscriptionArn": None}

# DeletionPolicy and UpdateReplacePolicy per type (docs/organisations.md, "Deletion policies"): what the
# spec no longer has is deleted, as `obsgen apply` deletes it; topics are kept, because they are the
# addresses other stacks' alarms and other systems publish to.
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
POLICIES = {"AWS::CloudWatch::Alarm": "Delete", "AWS::CloudWatch::CompositeAlarm": "Delete",
            "AWS::CloudWatch::Dashboard": "Delete", "AWS::SNS::Subscription": "Delete", "AWS::SNS::Topic": "Retain",
            "AWS::CloudWatch::LogAlarm": "Delete", "AWS::CloudWatch::AlarmMuteRule": "Delete",
            "AWS::SNS::TopicPolicy": "Delete", "AWS::Logs::MetricFilter": "Delete",
            "AWS::Logs::QueryDefinition": "Delete", "AWS::Events::Rule": "Delete", "AWS::Budgets::Budget": "Delete"}


@dataclass(slots=True)
class Unit:
    """One template resource: its logical id, the resource, the layer it is deployed in."""

    logical_id: str
    resource: dict[str, Any]
    layer: str  # "core" (topics, subscriptions, dashboards), "alarms", then "composites", "composites2", ...
    span: Span  # where the spec defines it
    names: tuple[str, ...] = ()  # what other units name it by: an alarm's name, a topic's ARN


@dataclass(slots=True)
class Stack:
    name: str
    region: str
    units: list[Unit]
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)


def render(model: EnvironmentModel) -> Rendered:
    if model.deploy != DEPLOY:
        return Rendered({})
    stacks, problems = plan_stacks(model)
    files = {f"cloudformation/{stack.name}.template.json": template_text(model, stack) for stack in stacks}
    files["cloudformation/stacks.json"] = dump_json(manifest(model, stacks))
    for definition in model.stacksets:
        found, problem = stackset_files(model, definition, stacks)
        files.update(found)
        problems += problem
    return Rendered(files, problems)


def plan_stacks(model: EnvironmentModel) -> tuple[list[Stack], list[Diagnostic]]:
    """Every stack of the environment, in deployment order: home region first, then by region."""
    units, parameters, problems = resource_units(model)
    stacks: list[Stack] = []
    for region in dict.fromkeys((model.region, *sorted(units))):
        base = stack_base(model, region)
        split, split_problems = split_region(model, base, region, units.get(region, []), parameters.get(region, {}))
        stacks += split
        problems += split_problems
    return stacks, problems


def stack_base(model: EnvironmentModel, region: str) -> str:
    """`<project>-<env>`, with `-<region>` outside the home region (stack names: letters, digits, '-', 128)."""
    return f"{model.project}-{model.env}" + ("" if region == model.region else f"-{region}")


# --- resources ------------------------------------------------------------------------------------


def resource_units(model: EnvironmentModel) -> tuple[dict[str, list[Unit]], dict[str, dict[str, dict[str, Any]]],
                                                     list[Diagnostic]]:
    """Units by region, the NoEcho parameters by region, and the parameters no property takes."""
    units: dict[str, list[Unit]] = {}
    parameters: dict[str, dict[str, dict[str, Any]]] = {}
    problems: list[Diagnostic] = []
    for topic in model.topics:
        props = _topic_properties(topic_params(topic))
        units.setdefault(topic.region, []).append(
            Unit(logical_id("Topic", topic.name), _resource("AWS::SNS::Topic", props), "core", topic.origin.span(),
                 (topic.arn,)))
    for sub in model.subscriptions:
        props, problem = _renamed(subscribe_params(sub), SUBSCRIPTION_PROPERTIES, sub.origin.span(), "Subscribe")
        problems += problem
        if sub.secret:
            name = secret_parameter(sub.endpoint)
            parameters.setdefault(sub.region, {})[name] = _secret_parameter(sub)
            props["Endpoint"] = {"Ref": name}
        units.setdefault(sub.region, []).append(Unit(subscription_id(sub), _resource("AWS::SNS::Subscription", props), "core",
                                                     sub.origin.span()))
    for dashboard, body, _ in dashboard_bodies(model):
        props = {"DashboardName": dashboard.name, "DashboardBody": body_text(body)}
        units.setdefault(model.region, []).append(
            Unit(logical_id("Dashboard", dashboard.name), _resource("AWS::CloudWatch::Dashboard", props), "core",
                 dashboard.origin.key_span()))
    for region, unit in _issue17_units(model):
        units.setdefault(region, []).append(unit)
    depth = composite_depths(model)
    for alarm, params in alarm_params(model):
        unit, problem = _alarm_unit(alarm, params, depth)
        problems += problem
        units.setdefault(alarm.region, []).append(unit)
    return units, parameters, problems


def _issue17_units(model: EnvironmentModel) -> Iterator[tuple[str, Unit]]:
    """Topic policies, metric filters, saved queries, event rules, budgets and mute rules (issue #17's
    kinds), from their targets' parameter functions. Their API parameters are camelCase or nested
    differently, so each is converted here field by field."""
    for topic, statements in topic_policies(model):
        props = {"Topics": [topic.arn], "PolicyDocument": {"Version": POLICY_VERSION, "Statement": statements}}
        yield topic.region, Unit(logical_id("TopicPolicy", topic.name), _resource("AWS::SNS::TopicPolicy", props),
                                 "core", topic.origin.span())
    for found in model.metric_filters:
        yield model.region, Unit(logical_id("MetricFilter", found.name), _resource(
            "AWS::Logs::MetricFilter", metric_filter_properties(metric_filter_params(found))), "core", found.origin.span())
    for query in model.saved_queries:
        params = query_definition_params(query, model.project, model.env)
        props = {"Name": params["name"], "QueryString": params["queryString"], "LogGroupNames": params["logGroupNames"],
                 "QueryLanguage": params["queryLanguage"]}
        yield model.region, Unit(logical_id("Query", query.name), _resource("AWS::Logs::QueryDefinition", props),
                                 "core", query.origin.span())
    for route in model.event_routes:
        event_rule = {**rule_params(route), "Targets": targets_params(route)["Targets"]}
        event_rule["EventPattern"] = json.loads(route.pattern)  # PutRule's EventPattern text, as a JSON object
        yield model.region, Unit(logical_id("Rule", route.name), _resource("AWS::Events::Rule", event_rule), "core",
                                 route.origin.span())
    for budget in model.budgets:
        yield model.region, Unit(logical_id("Budget", budget.name), _resource(
            "AWS::Budgets::Budget", budget_properties(create_budget_params(budget, model.account))), "core",
            budget.origin.span())
    for rule in model.mute_rules:  # in its alarms' region (resolve/maintenance.py)
        yield rule.region or model.region, Unit(logical_id("MuteRule", rule.name), _resource(
            "AWS::CloudWatch::AlarmMuteRule", mute_rule_params(rule)), "maintenance", rule.origin.span())


def metric_filter_properties(params: dict[str, Any]) -> dict[str, Any]:
    """PutMetricFilter's camelCase fields as AWS::Logs::MetricFilter's; dimensions, a map in the API, are
    a list of Key/Value there."""
    transformations = []
    for t in params["metricTransformations"]:
        found = {"MetricName": t["metricName"], "MetricNamespace": t["metricNamespace"], "MetricValue": t["metricValue"]}
        if "defaultValue" in t:
            found["DefaultValue"] = t["defaultValue"]
        if "unit" in t:
            found["Unit"] = t["unit"]
        if t.get("dimensions"):
            found["Dimensions"] = [{"Key": k, "Value": v} for k, v in sorted(t["dimensions"].items())]
        transformations.append(found)
    return {"LogGroupName": params["logGroupName"], "FilterName": params["filterName"],
            "FilterPattern": params["filterPattern"], "MetricTransformations": transformations}


def budget_properties(params: dict[str, Any]) -> dict[str, Any]:
    """CreateBudget's parameters without AccountId (the stack's account); BudgetLimit.Amount is a string in
    the API and a number in the template."""
    budget = dict(params["Budget"])
    budget["BudgetLimit"] = {**budget["BudgetLimit"], "Amount": float(budget["BudgetLimit"]["Amount"])}
    props = {"Budget": budget, "NotificationsWithSubscribers": params["NotificationsWithSubscribers"]}
    if params.get("ResourceTags"):
        props["ResourceTags"] = params["ResourceTags"]
    return props


def _alarm_unit(alarm: Alarm, params: dict[str, Any], depth: dict[str, int]) -> tuple[Unit, list[Diagnostic]]:
    if isinstance(alarm, LogAlarm):
        props, problems = _renamed(params, LOG_ALARM_PROPERTIES, alarm.origin.key_span(), "PutLogAlarm")
        return Unit(logical_id("LogAlarm", alarm.name), _resource("AWS::CloudWatch::LogAlarm", props), "alarms",
                    alarm.origin.key_span(), (alarm.name,)), problems
    if isinstance(alarm, CompositeAlarm):
        props, problems = _renamed(params, COMPOSITE_ALARM_PROPERTIES, alarm.origin.key_span(), "PutCompositeAlarm")
        level = depth[alarm.name]
        layer = "composites" if level == 1 else f"composites{level}"
        return Unit(logical_id("Composite", alarm.name), _resource("AWS::CloudWatch::CompositeAlarm", props),
                    layer, alarm.origin.key_span(), (alarm.name,)), problems
    props, problems = _renamed(params, METRIC_ALARM_PROPERTIES, alarm.origin.key_span(), "PutMetricAlarm")
    return Unit(logical_id("Alarm", alarm.name), _resource("AWS::CloudWatch::Alarm", props), "alarms",
                alarm.origin.key_span(), (alarm.name,)), problems


def composite_depths(model: EnvironmentModel) -> dict[str, int]:
    """Alarm name -> 0 for a metric alarm, 1 + its deepest child's for a composite (the spec has no cycles)."""
    by_ref = {a.ref: a for a in model.alarms()}
    depths: dict[str, int] = {a.name: 0 for a in model.metric_alarms}

    def depth(alarm: Alarm) -> int:
        if alarm.name not in depths:
            children = [by_ref[alarm.qualify(c)] for c in alarm.children if alarm.qualify(c) in by_ref] \
                if isinstance(alarm, CompositeAlarm) else []
            depths[alarm.name] = 1 + max((depth(c) for c in children), default=0)
        return depths[alarm.name]

    for composite in model.composite_alarms:
        depth(composite)
    return depths


def _renamed(params: dict[str, Any], table: dict[str, str] | dict[str, str | None], span: Any,
             call: str) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The API parameters under their CloudFormation property names; one error per parameter with none."""
    props: dict[str, Any] = {}
    problems = []
    for key, value in params.items():
        if key not in table:
            problems.append(error(span, "cloudformation-unsupported", f"{call} parameter {key} has no CloudFormation "
                                  "property: this environment (deploy: cloudformation) cannot express it; "
                                  "remove it or deploy the environment through the API"))
        elif table[key] is not None and value not in ([], None):
            props[str(table[key])] = value
    return props, problems


def _topic_properties(params: dict[str, Any]) -> dict[str, Any]:
    props = {TOPIC_PROPERTIES[k]: v for k, v in params.items() if k in TOPIC_PROPERTIES and v not in ([], None)}
    props.update({TOPIC_ATTRIBUTES[k]: v for k, v in params.get("Attributes", {}).items()})
    return props


def _resource(kind: str, props: dict[str, Any]) -> dict[str, Any]:
    policy = POLICIES[kind]
    return {"Type": kind, "DeletionPolicy": policy, "UpdateReplacePolicy": policy, "Properties": props}


def _secret_parameter(sub: Subscription) -> dict[str, Any]:
    return {"Type": "String", "NoEcho": True, "MinLength": 1,
            "Description": f"Endpoint of channel {sub.channel} ({sub.protocol}), the secret the API path reads "
                           f"from {sub.endpoint.strip('{}')}"[:4000]}


def secret_parameter(placeholder: str) -> str:
    """`{{resolve:env:PAGERDUTY_URL}}` -> `SecretPagerdutyUrl`: the NoEcho parameter a pipeline passes."""
    return "Secret" + _camel(_PLACEHOLDER.sub(r"\2", placeholder))


def logical_id(prefix: str, name: str) -> str:
    """Alphanumeric, at most 255 characters, and the same for the same name: the name's words in
    CamelCase, shortened, plus 8 hex digits of its SHA-256 (names differing only in punctuation differ)."""
    return f"{prefix}{_camel(name)[:_LOGICAL_ID_BODY]}{_digest(name)}"


def subscription_id(sub: Subscription) -> str:
    topic = sub.topic_arn.rsplit(":", 1)[-1]
    return f"Subscription{_camel(topic + '-' + sub.channel)[:_LOGICAL_ID_BODY]}" \
           f"{_digest(' '.join((sub.topic_arn, sub.protocol, sub.endpoint)))}"


def _camel(text: str) -> str:
    words = (w.capitalize() if w.isupper() else w[:1].upper() + w[1:] for w in re.split(r"[^A-Za-z0-9]+", text))
    return "".join(words)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


# --- stacks ---------------------------------------------------------------------------------------

_LAYERS = ("core", "alarms")  # composites follow, by depth, then "maintenance" (mute rules name any alarm)


def _layer_order(layer: str) -> tuple[int, int]:
    if layer in _LAYERS:
        return (_LAYERS.index(layer), 0)
    if layer == "maintenance":
        return (len(_LAYERS) + 1, 0)
    return (len(_LAYERS), int(layer.removeprefix("composites") or 1))


def split_region(model: EnvironmentModel, base: str, region: str, units: list[Unit],
                 parameters: dict[str, dict[str, Any]]) -> tuple[list[Stack], list[Diagnostic]]:
    """One stack when everything fits; else a stack per layer (core, metric alarms, composites by depth,
    deployed in that order, so a composite's children exist before it), each layer split by the bits of
    its logical ids' hashes (`_buckets`): adding an alarm changes only the stack its hash falls in."""
    whole = Stack(base, region, units, _used(parameters, units))
    if fits(model, whole):
        return [whole], []
    stacks: list[Stack] = []
    problems: list[Diagnostic] = []
    layers: dict[str, list[Unit]] = {}
    for unit in units:
        layers.setdefault(unit.layer, []).append(unit)
    for layer in sorted(layers, key=_layer_order):
        name = base if layer == "core" else f"{base}-{layer}"
        found, problem = _buckets(model, name, region, layers[layer], parameters, "")
        stacks += found
        problems += problem
    return stacks, problems


def _buckets(model: EnvironmentModel, name: str, region: str, units: list[Unit], parameters: dict[str, dict[str, Any]],
             bits: str) -> tuple[list[Stack], list[Diagnostic]]:
    stack = Stack(f"{name}-h{bits}" if bits else name, region, units, _used(parameters, units))
    if fits(model, stack):
        return [stack], []
    if len(bits) >= _MAX_SPLIT_BITS or len(units) <= 1:  # one resource too large for a template of its own
        return [stack], [error(units[0].span, "cloudformation-limit", f"stack {stack.name} cannot be split to fit "
                               f"CloudFormation's quotas ({MAX_RESOURCES} resources, {MAX_TEMPLATE_BYTES:,} bytes "
                               f"of template): resource {units[0].logical_id} is too large for a stack of its own")]
    halves: dict[str, list[Unit]] = {"0": [], "1": []}
    for unit in units:
        halves[_bit(unit.logical_id, len(bits))].append(unit)
    stacks: list[Stack] = []
    problems: list[Diagnostic] = []
    for bit in "01":
        if halves[bit]:
            found, problem = _buckets(model, name, region, halves[bit], parameters, bits + bit)
            stacks += found
            problems += problem
    return stacks, problems


def _used(parameters: dict[str, dict[str, Any]], units: list[Unit]) -> dict[str, dict[str, Any]]:
    """The parameters these units' properties `Ref` (a stack may declare no parameter it does not use)."""
    refs = {unit.resource["Properties"].get("Endpoint", {}).get("Ref") for unit in units
            if isinstance(unit.resource["Properties"].get("Endpoint"), dict)}
    return {name: value for name, value in parameters.items() if name in refs}


def _bit(text: str, index: int) -> str:
    digest = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")
    return str((digest >> (31 - index)) & 1)


def fits(model: EnvironmentModel, stack: Stack) -> bool:
    return len(stack.units) <= MAX_RESOURCES and len(template_text(model, stack).encode()) <= MAX_TEMPLATE_BYTES


# --- text -----------------------------------------------------------------------------------------


def template(model: EnvironmentModel, stack: Stack) -> dict[str, Any]:
    """The template: resources by logical id, DependsOn on what the same stack holds and they name."""
    named = {name: unit.logical_id for unit in stack.units for name in unit.names}
    resources = {}
    for unit in stack.units:
        resource = dict(unit.resource)
        needs = sorted({named[n] for n in _names_in(resource["Properties"]) if n in named} - {unit.logical_id})
        if needs:
            resource["DependsOn"] = needs
        resources[unit.logical_id] = resource
    body: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"{header()}: stack {stack.name} of obsgen project {model.project}, environment "
                       f"{model.env} (account {model.account}, {stack.region}); docs/organisations.md",
        "Resources": resources,
    }
    if stack.parameters:
        body["Parameters"] = stack.parameters
    return body


def _names_in(props: dict[str, Any]) -> Iterator[str]:
    """What a resource names: its actions' and subscription's topic ARNs, its rule's alarms."""
    yield from props.get("AlarmActions", ())
    yield from props.get("OKActions", ())
    yield from props.get("InsufficientDataActions", ())
    if isinstance(props.get("TopicArn"), str):
        yield props["TopicArn"]
    yield from props.get("Topics", ())  # a topic policy
    yield from (t["Arn"] for t in props.get("Targets", ()))  # an event rule's topic
    yield from (s["Address"] for n in props.get("NotificationsWithSubscribers", ()) for s in n["Subscribers"])
    yield from props.get("MuteTargets", {}).get("AlarmNames", ())
    if "AlarmRule" in props:
        yield from _rule_names(props["AlarmRule"])


def _rule_names(rule: str) -> Iterable[str]:
    return alarm_rule_references(rule)


def template_text(model: EnvironmentModel, stack: Stack) -> str:
    return dump_json(template(model, stack))


def manifest(model: EnvironmentModel, stacks: list[Stack]) -> dict[str, Any]:
    """What a pipeline deploys, in order: each stack's name, region, template and NoEcho parameters."""
    tags = ownership_tags(model.project, model.env)
    return {
        "_generated": header("monitors/obsgen.yaml"),
        "Account": model.account,
        "Stacks": [{"StackName": s.name, "Region": s.region, "TemplateFile": f"{s.name}.template.json",
                    "Parameters": sorted(s.parameters), "Resources": len(s.units),
                    "Tags": [{"Key": k, "Value": tags[k]} for k in OWNERSHIP_TAGS]} for s in stacks],
    }


# --- StackSets (docs/organisations.md) --------------------------------------------------------------

# Resources a StackSet leaves out: each is one per account, and a StackSet deploys its template once per
# account and region (a dashboard is global, and so is a budget: two regions would make the same name twice).
PER_ACCOUNT = ("AWS::CloudWatch::Dashboard", "AWS::Budgets::Budget")
_PERMISSIONS = {"service-managed": "SERVICE_MANAGED", "self-managed": "SELF_MANAGED"}


def stackset_name(model: EnvironmentModel, definition: StackSetDefinition) -> str:
    return f"{model.project}-{definition.name}"


def stackset_files(model: EnvironmentModel, definition: StackSetDefinition,
                   stacks: list[Stack]) -> tuple[dict[str, str], list[Diagnostic]]:
    """`cloudformation/stacksets/<name>.template.json` (the environment's one stack, made account- and
    region-neutral) and `<name>.json` (CreateStackSet and CreateStackInstances parameters)."""
    if len(stacks) != 1:
        return {}, [error(definition.span, "stackset-environment", f"StackSet '{definition.name}' rolls out one "
                          f"template, but environment '{model.env}' needs {len(stacks)} stacks (placed in several "
                          "regions, or split past CloudFormation's quotas): a StackSet of each is not supported")]
    stack = stacks[0]
    units = [u for u in stack.units if u.resource["Type"] not in PER_ACCOUNT]
    body = template(model, Stack(stackset_name(model, definition), stack.region, units, _used(stack.parameters, units)))
    body["Resources"] = neutral(body["Resources"], model.account, model.region)
    body["Description"] = (f"{header()}: StackSet {stackset_name(model, definition)}, obsgen project {model.project}, "
                           f"environment {model.env}'s template for every target account and region; "
                           "docs/organisations.md")
    folder = f"cloudformation/stacksets/{definition.name}"
    return {f"{folder}.template.json": dump_json(body),
            f"{folder}.json": dump_json(stackset_definition(model, definition, sorted(body.get("Parameters", {}))))}, []


def neutral(value: Any, account: str, region: str) -> Any:
    """Every string naming the environment's account or region as `Fn::Sub` of `${AWS::AccountId}` and
    `${AWS::Region}`, so each stack instance names its own ("${" of the text itself escaped as "${!")."""
    if isinstance(value, dict):
        return {k: neutral(v, account, region) for k, v in value.items()}
    if isinstance(value, list):
        return [neutral(v, account, region) for v in value]
    if isinstance(value, str) and (account in value or region in value):
        text = value.replace("${", "${!").replace(account, "${AWS::AccountId}").replace(region, "${AWS::Region}")
        return {"Fn::Sub": text}
    return value


def stackset_definition(model: EnvironmentModel, definition: StackSetDefinition,
                        parameters: list[str]) -> dict[str, Any]:
    """What `obsgen stackset apply` sends: CreateStackSet's and CreateStackInstances' parameters
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html,
    API_CreateStackInstances.html), the template and its NoEcho parameters apart."""
    tags = ownership_tags(model.project, model.env)
    stackset: dict[str, Any] = {
        "StackSetName": stackset_name(model, definition),
        "Description": f"obsgen project {model.project}, environment {model.env}'s monitoring (StackSet "
                       f"{definition.name}); docs/organisations.md",
        "PermissionModel": _PERMISSIONS[definition.permission_model],
        "Tags": [{"Key": k, "Value": tags[k]} for k in OWNERSHIP_TAGS],
    }
    instances: dict[str, Any] = {
        "Regions": list(definition.regions),
        "OperationPreferences": {"FailureToleranceCount": definition.failure_tolerance,
                                 "MaxConcurrentCount": definition.max_concurrency},
    }
    if definition.permission_model == "service-managed":
        stackset["AutoDeployment"] = {"Enabled": definition.auto_deployment,
                                      "RetainStacksOnAccountRemoval": False}
        instances["DeploymentTargets"] = {"OrganizationalUnitIds": list(definition.organizational_units)}
    else:
        instances["Accounts"] = list(definition.accounts)
    return {"_generated": header("monitors/obsgen.yaml"), "StackSet": stackset, "Instances": instances,
            "TemplateFile": f"{definition.name}.template.json", "Parameters": parameters}
