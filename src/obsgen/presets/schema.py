"""The form of a preset file, `presets/data/<service>.yaml`: one AWS service's recommended alarms.

Each alarm is written the way AWS's "Recommended alarms" page lists it (metric, statistic, period,
datapoints, comparison, threshold) and carries the page it comes from. A threshold AWS gives as
"depends on your workload" refers to a parameter the spec supplies, or that has a documented default.
"""

from __future__ import annotations

from typing import Any, Literal, Union

from pydantic import Field, HttpUrl

from ..language.v1.fields import Duration, MissingData, MofNField, Name, Statistic, Strict, Unit, parse_duration
from ..language.v1.presets import Level, ParamName

Comparison = Literal[">", ">=", "<", "<="]
ParamValue = float | str | list[str]  # a parameter's value once converted (Param.convert): number, text or names

# How far an alarm's values were checked, and against what (`checked_against`):
#   aws-page     every value (metric, dimensions, statistic, period, datapoints, comparison, threshold or its
#                rule) agrees with AWS's "Recommended alarms" page, as quoted by two or more sources, except
#                where `check_note` says how obsgen departs from it;
#   service-page every value agrees with the recommended alarms AWS publishes in the service's own guide
#                (OpenSearch Service's "Recommended CloudWatch alarms"; CloudWatch's page has no section for
#                it), as quoted by two or more sources, except where `check_note` says otherwise;
#   metric-docs  AWS's page has no such alarm: the metric's name, namespace, dimensions and unit are checked
#                against AWS's metric documentation; statistic, period, datapoints and threshold are obsgen's;
#   unverified   nothing found to check it against.
Verified = Literal["aws-page", "service-page", "metric-docs", "unverified"]


class Param(Strict):
    """A value the spec gives on the resource (`params:`), e.g. a Lambda function's timeout."""

    type: Literal["number", "duration", "string", "list"]  # list: of strings (e.g. DynamoDB operations)
    description: str = Field(min_length=1)
    unit: Literal["seconds", "milliseconds"] = Field(default="seconds", description="Durations: the metric's unit.")
    default: Union[int, float, str, list[str], None] = Field(default=None, description="None: the spec must give it.")
    default_source: str | None = Field(default=None, description="Why this default (AWS's words, or obsgen's choice).")

    def convert(self, value: object) -> ParamValue | None:
        """The value in the metric's unit (durations in seconds or milliseconds), or None if it is not of the type."""
        if self.type == "list":
            return list(value) if isinstance(value, list) and value and all(isinstance(v, str) for v in value) else None
        if self.type == "number":
            return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        if self.type == "string":
            return value if isinstance(value, str) and value else None
        try:
            seconds = parse_duration(value)
        except ValueError:
            return None
        return seconds * 1000 if self.unit == "milliseconds" else seconds

    def kind_text(self) -> str:
        return _KINDS[self.type]


_KINDS = {"number": "a number", "duration": 'a duration such as "30s" or "15m"', "string": "a string",
          "list": "a list of names"}
# The parameter types each place that names a parameter can use (the catalog checks them; expand relies on it).
PARAM_TYPES_FOR = {"threshold": ("number", "duration"), "dimensions": ("string",), "sum_over": ("list",)}


class ParamThreshold(Strict):
    """A threshold computed from a parameter: `param × factor` (a duration in the metric's unit)."""

    param: ParamName
    factor: float = Field(default=1.0, gt=0)


class ParamDimension(Strict):
    """A dimension whose value is a parameter (an SQS dead-letter queue's name)."""

    param: ParamName


class SumOver(Strict):
    """A metric AWS publishes per value of a dimension only (DynamoDB SystemErrors per Operation):
    the alarm is a metric-math sum over the values a list parameter names (at most 10, CloudWatch's
    limit of metrics per alarm)."""

    dimension: str = Field(min_length=1)
    param: ParamName


class PresetAlarm(Strict):
    summary: str = Field(min_length=1, description="One sentence; '{resource}' is the resource's AWS name "
                         "in each environment (its expanded `name:`; its key when it has none).")
    description: str = Field(min_length=1, description="AWS's intent for the alarm, shortened.")
    level: Level
    metric: str = Field(min_length=1, max_length=255)
    statistic: Statistic
    period: Duration
    datapoints: MofNField
    comparison: Comparison
    threshold: Union[float, int, ParamThreshold]
    missing_data: MissingData = "missing"
    unit: Unit | None = None
    dimensions: dict[str, Union[str, ParamDimension]] = Field(default_factory=dict,
                                                              description="Added to the resource's dimensions.")
    sum_over: SumOver | None = None
    recommended: bool = Field(default=True, description="Part of `preset: recommended`.")
    source: HttpUrl | None = Field(default=None, description="Defaults to the file's source.")
    verified: Verified | None = Field(default=None, description="How far its values were checked (see Verified).")
    checked_against: list[HttpUrl] = Field(default_factory=list, description="What the values were checked against.")
    check_note: str | None = Field(default=None, min_length=1, description="Where obsgen departs from, or sources "
                                                                           "disagree on, a checked value.")


class PresetFile(Strict):
    service: Name = Field(description="Equals the file name; preset names are '<service>.<alarm>'.")
    title: str = Field(min_length=1)
    resource_types: list[str] = Field(min_length=1, description="Resource types (resource_types.py) it applies to.")
    source: HttpUrl
    params: dict[ParamName, Param] = Field(default_factory=dict)
    alarms: dict[Name, PresetAlarm] = Field(min_length=1)
