"""Service files, `monitors/<service>.yaml`: resources and the monitors on them."""


import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import ConfigDict, Discriminator, Field, Tag, WithJsonSchema, field_validator
from pydantic.config import JsonDict

from ...diagnostics import shown
from ...resource_types import RESOURCE_TYPES
from .dashboards import Dashboards
from .events import EventRoutes
from .fields import (VERBATIM_DESCRIPTION, ApiVersion, Duration, MissingData, MofNField, Name, Region, SeverityRef,
                     Strict, Tags, ThresholdField, Unit, Verbatim, empty_list)
from .logs import LogFilter, LogQuery, SavedQueries
from .maintenance import WarmUpField
from .presets import ParamName, ParamValue, PresetOverride, PresetSelection
from .alarm_tests import AlarmTest
from .metric_source import MetricSource as MetricSource  # re-exported: it was defined here
from .prometheus import PromMonitor, PromTestGroup, RecordingRule, ServicePrometheus
from .slos import Slo

if TYPE_CHECKING:
    ResourceKind = str  # a Literal built from data (metrics/data/) is beyond a static checker: any str to it
else:
    ResourceKind = Literal[tuple(sorted(RESOURCE_TYPES))]  # the schema accepts, and lists, exactly these
METRIC_ID_PATTERN = r"^[a-z][a-zA-Z0-9_]{0,254}$"  # CloudWatch MetricDataQuery.Id


_NOT_CUSTOM: JsonDict = {"properties": {"type": {"not": {"const": "custom"}}}, "required": ["type"]}
# What resolve/cloudwatch._named_dimension checks, for editors: `name` is required except for type
# custom; `dimension` and `namespace` are only for custom; a custom `name` needs its `dimension`.
_RESOURCE_CONDITIONS: JsonDict = {"allOf": [
    {"if": _NOT_CUSTOM, "then": {"required": ["name"]}},
    {"if": _NOT_CUSTOM, "then": {"not": {"required": ["dimension"]}}},
    {"if": _NOT_CUSTOM, "then": {"not": {"required": ["namespace"]}}},
    {"if": {"required": ["dimension"]}, "then": {"required": ["name"]}},
    {"if": {"required": ["name"], "properties": {"type": {"const": "custom"}}}, "then": {"required": ["dimension"]}},
]}


class Resource(Strict):
    """A named handle on an AWS resource; monitors say `resource: api` instead of repeating dimensions.

    A `custom` resource has no dimension of its own: `name` fills the dimension `dimension:` names
    ({type: custom, namespace: AWS/Cognito, dimension: UserPool, name: pool-${env}}), or it has no
    `name` and gives every dimension in `dimensions:`. A `name` without `dimension:` is an error: it
    used to be dropped silently (issue #14)."""

    model_config = ConfigDict(json_schema_extra=_RESOURCE_CONDITIONS)

    type: ResourceKind = Field(description="Decides the CloudWatch namespace and dimension name.")
    name: str | None = Field(default=None, min_length=1, description="Resource name template, e.g. "
                             "'orders-api-${env}' (required, except for type 'custom').")
    dimensions: dict[str, str] = Field(default_factory=dict, description="Extra dimensions (templated).")
    namespace: str | None = Field(default=None, description="Only for type 'custom'.")
    dimension: str | None = Field(default=None, min_length=1, max_length=255,
                                  description="Only for type 'custom': the dimension whose value is `name`.")
    preset: PresetSelection | None = Field(default=None, description="'recommended' or a list of preset names: "
                                           "AWS's recommended alarms for this resource (`obsgen presets`).")
    params: dict[ParamName, ParamValue] = Field(default_factory=dict, description="Values the presets need "
                                                "(e.g. a Lambda function's timeout).")
    presets: dict[Name, PresetOverride] = Field(default_factory=dict, description="Per preset alarm: overrides, "
                                                "`enabled: false`, `monitor:` to rename.")


class AlarmCommon(Strict):
    summary: str = Field(min_length=1, description="One static sentence: what is wrong.")
    description: str | None = Field(default=None, description="More context for the responder.")
    severity: SeverityRef
    runbook: Name | None = Field(default=None, description="A page of runbooks_src/ (without .md).")
    tags: Tags = Field(default_factory=dict)
    actions_enabled: bool = True
    cloudwatch: Verbatim = Field(default_factory=dict, description=VERBATIM_DESCRIPTION)


class Evaluation(Strict):
    period: Duration = Field(default=300, description="10s, 20s, 30s or a multiple of 1m.")
    evaluation_periods: int | None = Field(default=None, ge=1)
    datapoints_to_alarm: int | None = Field(default=None, ge=1)
    datapoints: MofNField | None = Field(default=None, description='"M of N": alarm when M of the last N periods breach.')
    threshold: ThresholdField
    missing_data: MissingData = "missing"
    warm_up: WarmUpField | None = Field(default=None, description="How long a new or updated alarm waits before "
                                        "it acts: 30m, or {duration: 30m, wait: true}.")


class Placement(Strict):
    """Where a metric alarm lives. Not a log monitor's: its metric filter and alarm live in the
    environment's region with its log group, so `region:` there is an unknown key."""

    region: Region | None = Field(default=None, description="The AWS region the alarm lives in, when not the "
                                  "environment's: the region its metric is published in. Metrics published only in "
                                  "us-east-1 (CloudFront, Billing, Route 53 health checks, WAF for CloudFront) are "
                                  "placed there without it.")


class MetricMonitor(AlarmCommon, Evaluation, Placement, MetricSource):
    """A CloudWatch metric alarm; `threshold: "outside band 2"` makes it an anomaly-detection alarm."""


class MetricQuery(MetricSource):
    period: Duration | None = Field(default=None, description="Defaults to the monitor's period.")


class MathMonitor(AlarmCommon, Evaluation, Placement):
    """A metric-math alarm, e.g. `expression: 100 * errors / invocations`."""

    expression: str = Field(min_length=1, max_length=2048)  # botocore's model: shape MetricExpression, 1-2048
    metrics: dict[str, MetricQuery] = Field(min_length=1)
    unit: Unit | None = None

    @field_validator("metrics")
    @classmethod
    def _metric_ids(cls, metrics: dict[str, MetricQuery]) -> dict[str, MetricQuery]:
        for metric_id in metrics:
            if not re.match(METRIC_ID_PATTERN, metric_id) or metric_id == "expression":
                raise ValueError(
                    f"metric id '{shown(metric_id)}' must start with a lowercase letter and hold only letters, digits "
                    "and underscores (and not be 'expression')"
                )
        return metrics


class CompositeMonitor(AlarmCommon):
    """A composite alarm: `rule: api-errors and (lambda-errors or not db-ok)`."""

    rule: str = Field(min_length=1, description="and / or / not over monitor names ('service/monitor' for other services).")


class LogMonitor(AlarmCommon, Evaluation):
    """Log lines a filter pattern matches, counted by a metric filter, and the alarm on that count:
    `log: {group: "/aws/lambda/orders-${env}", pattern: '{ $.level = "ERROR" }'}`."""

    log: LogFilter
    statistic: Literal["Sum", "SampleCount", "Average", "Minimum", "Maximum"] = "Sum"
    missing_data: MissingData = Field(default="notBreaching", description="A period without matching lines "
                                      "publishes nothing: by default it is not a breach.")


class LogAlarmMonitor(AlarmCommon):
    """A native log alarm: a Logs Insights query CloudWatch runs on a schedule (PutLogAlarm)."""

    log: LogQuery
    threshold: ThresholdField
    datapoints: MofNField | None = Field(default=None, description='"M of N": alarm when M of the last N query '
                                         "results breach (1 of 1 by default).")
    missing_data: MissingData = "missing"
    warm_up: WarmUpField | None = None
    # Read as every alarm's (resolve refuses the other keys with a located message naming the rule); the
    # schema says it to editors: PutLogAlarm has none of PutMetricAlarm's parameters, only the name is kept.
    cloudwatch: Annotated[Verbatim, WithJsonSchema({
        "type": "object", "additionalProperties": False, "properties": {"AlarmName": {"type": "string"}},
        "description": "A native log alarm keeps only its name as written (PutLogAlarm has none of "
                       "PutMetricAlarm's other parameters): AlarmName is a template."})] = Field(default_factory=dict)


def _monitor_kind(value: Any) -> str:
    if isinstance(value, dict):
        if "log" in value:
            return "LogAlarmMonitor" if isinstance(value["log"], dict) and "query" in value["log"] else "LogMonitor"
        if "promql" in value:
            return "PromMonitor"
        if "rule" in value:
            return "CompositeMonitor"
        if "expression" in value:
            return "MathMonitor"
    return "MetricMonitor"


Monitor = Annotated[
    Union[
        Annotated[MetricMonitor, Tag("MetricMonitor")],
        Annotated[MathMonitor, Tag("MathMonitor")],
        Annotated[CompositeMonitor, Tag("CompositeMonitor")],
        Annotated[PromMonitor, Tag("PromMonitor")],
        Annotated[LogMonitor, Tag("LogMonitor")],
        Annotated[LogAlarmMonitor, Tag("LogAlarmMonitor")],
    ],
    Discriminator(_monitor_kind),
]


def _test_kind(value: Any) -> str:
    """A CloudWatch alarm test names its monitor with `alarm:`, a key promtool's groups never have."""
    return "AlarmTest" if isinstance(value, dict) and "alarm" in value else "PromTestGroup"


TestItem = Annotated[
    Union[Annotated[PromTestGroup, Tag("PromTestGroup")], Annotated[AlarmTest, Tag("AlarmTest")]],
    Discriminator(_test_kind),
]


class ServiceSpec(Strict):
    apiVersion: ApiVersion
    kind: Literal["Service"]
    service: Name
    owner: str = Field(min_length=1, description="Team that owns the service and its alerts.")
    description: str | None = None
    tags: Tags = Field(default_factory=dict)
    resources: dict[Name, Resource] = Field(default_factory=dict)
    monitors: dict[Name, Monitor] = Field(default_factory=dict)
    slos: dict[Name, Slo] = Field(default_factory=dict, description="Service-level objectives, each compiled to "
                                  "multi-window burn-rate alerts (docs/slos.md).")
    recording_rules: list[RecordingRule] = Field(default_factory=empty_list, description="Prometheus recording rules.")
    prometheus: ServicePrometheus = Field(default_factory=ServicePrometheus)
    tests: list[TestItem] = Field(default_factory=empty_list, description="Unit tests: promtool groups (`input_series`) "
                                  "for Prometheus alerts, `alarm:` tests for CloudWatch monitors.")

    @property
    def prom_tests(self) -> list[PromTestGroup]:
        return [t for t in self.tests if isinstance(t, PromTestGroup)]

    @property
    def alarm_tests(self) -> list[tuple[int, AlarmTest]]:
        """(index in `tests:`, test): the index locates it in the file."""
        return [(i, t) for i, t in enumerate(self.tests) if isinstance(t, AlarmTest)]
    dashboard: bool | None = Field(default=None, description="Whether the service gets its own dashboard; default: "
                                   "when it has CloudWatch monitors and the project's service_dashboards is true.")
    dashboards: Dashboards = Field(default_factory=dict, description="Declared dashboards of this service "
                                   "(its own dashboard is generated anyway).")
    queries: SavedQueries = Field(default_factory=dict, description="Saved Logs Insights queries for the person "
                                  "on call (PutQueryDefinition).")
    events: EventRoutes = Field(default_factory=dict, description="EventBridge rules that notify a severity's "
                                "topic (GuardDuty, Security Hub, Health, failed jobs, or any event pattern).")
