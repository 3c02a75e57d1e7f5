"""Declared dashboards: `dashboards:` in a service file (that service's) or in obsgen.yaml (cross-service).

A dashboard is rows of widgets; a widget is one of

* `text: "## markdown"`                        a text widget
* `monitor: api-latency`                       the monitor's metric with its alarm threshold
* `alarms: [api-latency, "stock-data/*"]`      an alarm-status widget (names or `service/*` patterns)
* `metrics: {id: {resource|namespace, metric, ...}}` (+ `expressions:`)  a graph of raw metrics / metric math
* `logs: {groups: [...], query: "..."}`        a CloudWatch Logs Insights query
* `logs: {saved: recent-errors}`               a saved query of `queries:` (its query and log groups)

Monitors and resources of the dashboard's own service are named bare, others as `service/name`
(in obsgen.yaml every reference names its service). Body syntax:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
"""


import re
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from ...diagnostics import shown
from .fields import Duration, Region, Statistic, Strict

METRIC_ID = r"^[a-z][a-zA-Z0-9_]{0,254}$"  # ids in a metrics array follow MetricDataQuery.Id
START = re.compile(r"^-P(?:\d+[DW](?:T\d+[HMS])?|T\d+[HMS])$", re.ASCII)  # a DashboardBody's relative start: -PT3H, -P1DT12H

View = Literal["timeSeries", "singleValue", "bar", "pie", "gauge"]
LogView = Literal["table", "timeSeries", "bar", "pie"]


class WidgetBase(Strict):
    title: str | None = Field(default=None, max_length=255, description="The widget's title.")
    width: int | None = Field(default=None, ge=1, le=24, description="Grid columns (of 24); by default the row's "
                              "free columns are shared by the widgets that give none.")
    height: int | None = Field(default=None, ge=1, le=1000, description="Grid rows; the row's height by default.")


class TextWidget(WidgetBase):
    text: str = Field(min_length=1, description="Markdown; ${var} templates are expanded.")


class MonitorWidget(WidgetBase):
    monitor: str = Field(min_length=1, description="A CloudWatch monitor ('name' or 'service/name'): its metric "
                         "(or metric math, or anomaly band) with the alarm threshold drawn.")


class AlarmsWidget(WidgetBase):
    alarms: list[str] = Field(min_length=1, description="Monitors ('name', 'service/name') or patterns "
                              "('service/*', '*'): an alarm-status widget.")
    sort_by: Literal["default", "stateUpdatedTimestamp", "timestamp"] | None = None


class GraphMetric(Strict):
    """One metric of a graph: by resource + metric name, or by namespace + metric + dimensions."""

    resource: str | None = Field(default=None, description="'name' (this service's) or 'service/name'.")
    namespace: str | None = None
    metric: str = Field(min_length=1, max_length=255)
    dimensions: dict[str, str] = Field(default_factory=dict, max_length=30)
    statistic: Statistic = "Average"
    label: str | None = None
    visible: bool = Field(default=True, description="false: only an input to an expression.")


class GraphExpression(Strict):
    expression: str = Field(min_length=1, max_length=1024, description="Metric math over the metric ids.")
    label: str | None = None


class GraphWidget(WidgetBase):
    metrics: dict[str, GraphMetric] = Field(min_length=1, description="Keyed by metric id (used by expressions).")
    expressions: dict[str, GraphExpression] = Field(default_factory=dict)
    period: Duration = Field(default=300)
    view: View = "timeSeries"
    stacked: bool = False
    region: Region | None = Field(default=None, description="The region whose metrics the graph shows; by default "
                                  "the environment's, or us-east-1 when its metrics are published only there.")

    @field_validator("metrics", "expressions")
    @classmethod
    def _ids(cls, items: dict[str, Any]) -> dict[str, Any]:
        for metric_id in items:
            if not re.match(METRIC_ID, metric_id):
                raise ValueError(f"id '{shown(metric_id)}' must start with a lowercase letter and hold only letters, "
                                 "digits and underscores")
        return items


class LogQuery(Strict):
    groups: list[str] | None = Field(default=None, min_length=1, description="Log group names (templated); "
                                     "a saved query's by default.")
    query: str | None = Field(default=None, min_length=1, description="Logs Insights query, without the SOURCE part.")
    saved: str | None = Field(default=None, min_length=1, description="A saved query of `queries:` ('name', or "
                              "'service/name' in the project file), instead of `query`.")
    view: LogView = "table"

    @model_validator(mode="after")
    def _one_query(self) -> "LogQuery":
        if (self.query is None) == (self.saved is None):
            raise ValueError("a logs widget has exactly one of 'query' or 'saved' (a saved query's name)")
        if self.query is not None and self.groups is None:
            raise ValueError("a logs widget with 'query' names its log 'groups'")
        return self


class LogsWidget(WidgetBase):
    logs: LogQuery


def _widget_kind(value: Any) -> str:
    if isinstance(value, dict):
        for key, kind in (("text", "TextWidget"), ("monitor", "MonitorWidget"), ("alarms", "AlarmsWidget"),
                          ("logs", "LogsWidget")):
            if key in value:
                return kind
    return "GraphWidget"


Widget = Annotated[
    Union[
        Annotated[TextWidget, Tag("TextWidget")],
        Annotated[MonitorWidget, Tag("MonitorWidget")],
        Annotated[AlarmsWidget, Tag("AlarmsWidget")],
        Annotated[LogsWidget, Tag("LogsWidget")],
        Annotated[GraphWidget, Tag("GraphWidget")],
    ],
    Discriminator(_widget_kind),
]


class Row(Strict):
    height: int = Field(default=6, ge=1, le=1000, description="Grid rows.")
    widgets: list[Widget] = Field(min_length=1)


class Dashboard(Strict):
    """A declared dashboard, named `<project>-<env>-<key>` in CloudWatch."""

    title: str | None = Field(default=None, description="Heading of the dashboard's header text.")
    description: str | None = None
    start: str = Field(default="-PT3H", description="Default time range, e.g. -PT3H or -P7D.",
                       json_schema_extra={"pattern": START.pattern})
    period_override: Literal["auto", "inherit"] = "auto"
    rows: list[Row] = Field(min_length=1)
    environments: list[str] | None = Field(default=None, min_length=1, description="Only in these "
                                           "environments (default: every one): each dashboard is billed monthly.")

    @field_validator("start")
    @classmethod
    def _relative_start(cls, value: str) -> str:
        if not START.match(value):
            raise ValueError(f"start '{shown(value)}' must be a time before now in ISO 8601 form, "
                             "such as -PT3H, -PT15M or -P7D")
        return value


# The key becomes part of the dashboard name; resolve checks the whole name against PutDashboard's rules.
Dashboards = dict[str, Dashboard]
