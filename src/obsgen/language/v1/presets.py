"""The spec side of presets: what a resource and the project file may say about them.

A resource opts in with `preset: recommended` (or a list of preset names), gives the values the
presets cannot know in `params:`, and changes or disables single alarms in `presets:`. The
project file maps the presets' levels (critical / warning) onto its own severities. Expanding
all this into monitors is `obsgen.presets.expand`.
"""


import re
from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Discriminator, Field, Tag, WithJsonSchema

from .fields import (VERBATIM_DESCRIPTION, Duration, MissingData, MofNField, Name, SeverityRef, Statistic, Strict, Tags,
                     ThresholdField, Unit, Verbatim, fail, inspected_once)

RECOMMENDED = "recommended"
Level = Literal["critical", "warning"]  # every preset alarm has one; the project maps them to severities
PRESET_NAME_PATTERN = r"^([a-z0-9][a-z0-9-]*\.)?[a-z0-9][a-z0-9-]*$"  # "errors" or "lambda.errors"
PARAM_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
_PRESET_NAME = re.compile(PRESET_NAME_PATTERN)
_PARAM = re.compile(PARAM_PATTERN)
_invalid = fail  # builds a pydantic error (reported as bad-value), not a diagnostic code of its own


@inspected_once
def _preset_name(value: Any) -> str:
    if not isinstance(value, str) or not _PRESET_NAME.match(value):
        raise _invalid("preset", 'a preset name such as "errors" or "lambda.errors"', value)
    return value


@inspected_once
def _param_name(value: Any) -> str:
    if not isinstance(value, str) or not _PARAM.match(value):
        raise _invalid("param", "a parameter name of lowercase letters, digits and underscores", value)
    return value


@inspected_once
def _recommended(value: Any) -> str:
    if value != RECOMMENDED:
        raise _invalid("preset", '"recommended" or a list of preset names such as [errors, lambda.duration]', value)
    return RECOMMENDED


@inspected_once
def _param_value(value: Any) -> Any:
    is_names = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
    if not is_names and (isinstance(value, bool) or not isinstance(value, (int, float, str))):
        raise _invalid("param", 'a number, a duration such as "30s", a string, or a list of strings', value)
    return value


def _selection_kind(value: Any) -> str:
    return "list" if isinstance(value, list) else "recommended"


PresetName = Annotated[str, BeforeValidator(_preset_name),
                       WithJsonSchema({"type": "string", "pattern": PRESET_NAME_PATTERN})]
ParamName = Annotated[str, BeforeValidator(_param_name), WithJsonSchema({"type": "string", "pattern": PARAM_PATTERN})]
# A number, a duration ("30s") or a name, as the preset declares it; checked against it on expansion.
ParamValue = Annotated[Any, BeforeValidator(_param_value), WithJsonSchema({"type": ["number", "string", "array"], "items": {"type": "string"}})]
# One error for a wrong value, not one per member of the union (the tags are dropped from locations).
PresetSelection = Annotated[
    Union[Annotated[str, BeforeValidator(_recommended), WithJsonSchema({"const": RECOMMENDED}), Tag("recommended")],
          Annotated[list[PresetName], Field(min_length=1), Tag("list")]],
    Discriminator(_selection_kind),
]


class PresetOverride(Strict):
    """Changes to one preset alarm of one resource. Only what is written changes."""

    enabled: bool = Field(default=True, description="false: do not create this alarm.")
    monitor: Name | None = Field(default=None, description="Monitor name (default '<resource>-<alarm>'); keeps a live "
                                 "alarm's name when adopting presets (a rename is a delete + create in AWS).")
    threshold: ThresholdField | None = None
    severity: SeverityRef | None = Field(default=None, description="Overrides the project's mapping of the preset's level.")
    statistic: Statistic | None = None
    unit: Unit | None = None
    period: Duration | None = None
    datapoints: MofNField | None = None
    evaluation_periods: int | None = Field(default=None, ge=1)
    datapoints_to_alarm: int | None = Field(default=None, ge=1)
    missing_data: MissingData | None = None
    summary: str | None = Field(default=None, min_length=1)
    description: str | None = Field(default=None, description="`null` removes the preset's description.")
    runbook: Name | None = None
    tags: Tags = Field(default_factory=dict)
    actions_enabled: bool | None = None
    cloudwatch: Verbatim = Field(default_factory=dict, description=VERBATIM_DESCRIPTION)


class ProjectPresets(Strict):
    """How preset alarms get their severity: each preset alarm is `critical` or `warning`."""

    severities: dict[Level, SeverityRef] = Field(default_factory=dict,
                                          description="Preset level -> one of the project's severities.")
