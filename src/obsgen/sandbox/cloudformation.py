"""The CloudFormation resource types obsgen's templates use that moto's CloudFormation lacks.

moto (5.2.5) deploys AWS::SNS::Topic (without its Tags) and AWS::CloudWatch::Dashboard, but not
AWS::CloudWatch::Alarm, AWS::CloudWatch::CompositeAlarm, AWS::SNS::Subscription, AWS::SNS::TopicPolicy,
AWS::Logs::MetricFilter, AWS::Logs::QueryDefinition, AWS::CloudWatch::AlarmMuteRule, AWS::CloudWatch::LogAlarm nor
AWS::Budgets::Budget: a stack holding
them is created with those resources silently missing. The models here make them with the same
backend calls the API operations use (so the sandbox's own CloudWatch rules hold: a composite's
children must exist), with their `Tags`, plus the tags CloudFormation adds to what a stack creates,
`aws:cloudformation:stack-name`, `-stack-id` and `-logical-id`
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-resource-tags.html).
moto finds CloudFormation models as `CloudFormationModel` subclasses; a later one of the same type
replaces moto's (the topic, to keep its tags). Not used by the library.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from moto.budgets.models import budgets_backends
from moto.cloudformation import parsing
from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat, cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.logs.exceptions import ResourceNotFoundException
from moto.logs.models import logs_backends
from moto.sns.models import sns_backends

from . import budgets as moto_budgets
from .log_alarms import PARAMS as LOG_ALARM_PARAMS, put_log_alarm
from .logs import query_definitions
from .mute_rules import delete_rule, put_rule

__all__ = ["install"]

STACK_NAME, STACK_ID, LOGICAL_ID = "aws:cloudformation:stack-name", "aws:cloudformation:stack-id", \
    "aws:cloudformation:logical-id"


def _stack_tags(kwargs: dict[str, Any]) -> dict[str, str]:
    stack_id = kwargs.get("StackId", "")
    name = stack_id.split(":stack/", 1)[-1].split("/", 1)[0] if ":stack/" in stack_id else ""
    return {STACK_NAME: name, STACK_ID: stack_id, LOGICAL_ID: kwargs.get("LogicalId", "")}


def _tag_list(props: dict[str, Any], kwargs: dict[str, Any]) -> list[dict[str, str]]:
    tags = {t["Key"]: t["Value"] for t in props.get("Tags", [])}
    return [{"Key": k, "Value": v} for k, v in {**tags, **_stack_tags(kwargs)}.items()]


def _queries(metrics: list[dict[str, Any]]) -> list[MetricDataQuery] | None:
    """Metrics as moto's response parser builds them (moto/cloudwatch/responses.py put_metric_alarm)."""
    if not metrics:
        return None
    found = []
    for query in metrics:
        stat = query.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat["Metric"]
            dimensions = [Dimension(name=d["Name"], value=d["Value"]) for d in metric.get("Dimensions", [])]
            metric_stat = MetricStat(metric=Metric(metric_name=metric["MetricName"], namespace=metric["Namespace"],
                                                   dimensions=dimensions),
                                     period=stat.get("Period"), stat=stat.get("Stat"), unit=stat.get("Unit"))
        found.append(MetricDataQuery(query_id=query["Id"], label=query.get("Label"), period=query.get("Period"),  # type: ignore[arg-type]
                                     return_data=query.get("ReturnData"), expression=query.get("Expression"),  # type: ignore[arg-type]
                                     metric_stat=metric_stat))
    return found


class _Made:
    """What a stack made: its physical id (a name or ARN) and how to delete it. Each model below names
    CloudFormationModel among its bases itself: moto lists only its direct subclasses."""

    def __init__(self, physical_id: str, account_id: str, region: str):
        self.physical_id = physical_id
        self.account_id = account_id
        self.region = region

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: Any, account_id: str, region_name: str) -> Any:
        original_resource.delete(account_id, region_name)
        model: Any = cls  # each model below defines create_from_cloudformation_json
        return model.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)


class CfnAlarm(_Made, CloudFormationModel):
    @staticmethod
    def cloudformation_name_type() -> str:
        return "AlarmName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::Alarm"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> "CfnAlarm":
        p = cloudformation_json["Properties"]
        backend = cloudwatch_backends[account_id][region_name]
        alarm = backend.put_metric_alarm(
            name=resource_name, namespace=p.get("Namespace"), metric_name=p.get("MetricName"),
            metric_data_queries=_queries(p.get("Metrics", [])), comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]), datapoints_to_alarm=p.get("DatapointsToAlarm"),
            period=p.get("Period"), threshold=p.get("Threshold"), statistic=p.get("Statistic"),
            extended_statistic=p.get("ExtendedStatistic"), description=p.get("AlarmDescription"),
            dimensions=list(p.get("Dimensions", [])),
            alarm_actions=p.get("AlarmActions", []), ok_actions=p.get("OKActions", []),
            insufficient_data_actions=p.get("InsufficientDataActions", []), unit=p.get("Unit"),
            actions_enabled=p.get("ActionsEnabled", True), treat_missing_data=p.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=p.get("ThresholdMetricId"), tags=_tag_list(p, kwargs))
        # moto's alarm has no warm-up; the sandbox's PutMetricAlarm keeps it under this name (cloudwatch.py)
        setattr(alarm, "warm_up_configuration", p.get("WarmUpConfiguration") or None)
        return cls(resource_name, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.physical_id])


class CfnCompositeAlarm(CfnAlarm, CloudFormationModel):
    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::CompositeAlarm"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> "CfnCompositeAlarm":
        p = cloudformation_json["Properties"]
        backend: Any = cloudwatch_backends[account_id][region_name]
        backend.put_composite_alarm(  # the sandbox's (cloudwatch.py): refuses a rule naming a missing alarm
            name=resource_name, rule=p["AlarmRule"], description=p.get("AlarmDescription"),
            alarm_actions=p.get("AlarmActions", []), ok_actions=p.get("OKActions", []),
            insufficient_data_actions=p.get("InsufficientDataActions", []),
            actions_enabled=p.get("ActionsEnabled", True), tags=_tag_list(p, kwargs),
            actions_suppressor=p.get("ActionsSuppressor"),
            actions_suppressor_wait_period=p.get("ActionsSuppressorWaitPeriod"),
            actions_suppressor_extension_period=p.get("ActionsSuppressorExtensionPeriod"))
        return cls(resource_name, account_id, region_name)


class CfnLogAlarm(CfnAlarm, CloudFormationModel):
    """PutLogAlarm's fields: AWS::CloudWatch::LogAlarm's properties have the same names and nesting."""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::LogAlarm"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> "CfnLogAlarm":
        p = cloudformation_json["Properties"]
        params = {**{k: v for k, v in p.items() if k in LOG_ALARM_PARAMS}, "AlarmName": resource_name}
        put_log_alarm(cloudwatch_backends[account_id][region_name], params, _tag_list(p, kwargs))
        return cls(resource_name, account_id, region_name)


class CfnTopic(_Made, CloudFormationModel):
    @staticmethod
    def cloudformation_name_type() -> str:
        return "TopicName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Topic"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> "CfnTopic":
        p = cloudformation_json["Properties"]
        attributes = {k: v for k, v in p.items() if k not in ("TopicName", "Tags", "Subscription")}
        tags = {t["Key"]: t["Value"] for t in _tag_list(p, kwargs)}
        topic = sns_backends[account_id][region_name].create_topic(resource_name, attributes, tags)
        return cls(topic.arn, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backends[account_id][region_name].delete_topic(self.physical_id)


class CfnSubscription(_Made, CloudFormationModel):
    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::Subscription"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> "CfnSubscription":
        p = cloudformation_json["Properties"]
        made = sns_backends[account_id][region_name].subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
        return cls(made.arn, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backends[account_id][region_name].unsubscribe(self.physical_id)


class CfnTopicPolicy(_Made, CloudFormationModel):
    """The policy of each topic in Topics becomes PolicyDocument, whole (SetTopicAttributes Policy)."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::SNS::TopicPolicy"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> "CfnTopicPolicy":
        p = cloudformation_json["Properties"]
        for arn in p["Topics"]:
            sns_backends[account_id][region_name].set_topic_attribute(arn, "policy", json.dumps(p["PolicyDocument"]))  # as SetTopicAttributes names it
        return cls(",".join(p["Topics"]), account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        pass  # the topic keeps its last policy, as CloudFormation leaves it (a later stack update sets another)


class CfnMetricFilter(_Made, CloudFormationModel):
    """PutMetricFilter's fields from the template's (camelCase; a transformation's dimensions a map)."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return "FilterName"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Logs::MetricFilter"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> "CfnMetricFilter":
        p = cloudformation_json["Properties"]
        backend = logs_backends[account_id][region_name]
        if p["LogGroupName"] not in backend.groups:
            raise ResourceNotFoundException()  # as PutMetricFilter answers (sandbox/logs.py)
        transformations = []
        for t in p["MetricTransformations"]:
            found = {"metricName": t["MetricName"], "metricNamespace": t["MetricNamespace"], "metricValue": t["MetricValue"]}
            found.update({api: t[key] for key, api in (("DefaultValue", "defaultValue"), ("Unit", "unit")) if key in t})
            if t.get("Dimensions"):
                found["dimensions"] = {d["Key"]: d["Value"] for d in t["Dimensions"]}
            transformations.append(found)
        backend.put_metric_filter(resource_name, p["FilterPattern"], p["LogGroupName"], transformations)  # type: ignore[arg-type]
        return cls(f'{p["LogGroupName"]}|{resource_name}', account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        group, name = self.physical_id.split("|", 1)
        logs_backends[account_id][region_name].delete_metric_filter(name, group)


class CfnQueryDefinition(_Made, CloudFormationModel):
    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Logs::QueryDefinition"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> "CfnQueryDefinition":
        p = cloudformation_json["Properties"]
        identifier = str(uuid.uuid4())
        definition: dict[str, Any] = {"queryDefinitionId": identifier, "name": p["Name"], "queryString": p["QueryString"],
                                      "lastModified": int(time.time() * 1000),
                                      "queryLanguage": p.get("QueryLanguage", "CWLI")}
        if p.get("LogGroupNames"):
            definition["logGroupNames"] = list(p["LogGroupNames"])
        query_definitions(logs_backends[account_id][region_name])[identifier] = definition
        return cls(identifier, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        query_definitions(logs_backends[account_id][region_name]).pop(self.physical_id, None)


class CfnAlarmMuteRule(_Made, CloudFormationModel):
    """Its properties are PutAlarmMuteRule's parameters (aws-resource-cloudwatch-alarmmuterule.html)."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::CloudWatch::AlarmMuteRule"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> "CfnAlarmMuteRule":
        p = cloudformation_json["Properties"]
        put_rule(cloudwatch_backends[account_id][region_name], {**p, "Name": resource_name}, _tag_list(p, kwargs))
        return cls(resource_name, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        delete_rule(cloudwatch_backends[account_id][region_name], self.physical_id)


class CfnBudget(_Made, CloudFormationModel):
    """CreateBudget's parameters (aws-resource-budgets-budget.html), BudgetLimit.Amount a number in the
    template and a string in the API; the budget and its tags go through the sandbox's CreateBudget checks."""

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""  # the name is Budget.BudgetName, nested

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Budgets::Budget"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> "CfnBudget":
        p = cloudformation_json["Properties"]
        budget = dict(p["Budget"])
        if "BudgetLimit" in budget:
            amount = budget["BudgetLimit"]["Amount"]
            budget["BudgetLimit"] = {**budget["BudgetLimit"], "Amount": format(float(amount), "f").rstrip("0").rstrip(".")}
        backend = budgets_backends[account_id]["aws"]
        moto_budgets.create(backend, account_id, budget, p.get("NotificationsWithSubscribers", []),
                            p.get("ResourceTags", []))
        moto_budgets.add_stack_tags(backend, account_id, budget["BudgetName"], _stack_tags(kwargs))
        return cls(budget["BudgetName"], account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        moto_budgets.delete(budgets_backends[account_id]["aws"], account_id, self.physical_id)


def install() -> None:
    """Make moto's CloudFormation see these models (its type map is cached on first use)."""
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
