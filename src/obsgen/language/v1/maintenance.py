"""Quiet hours: maintenance windows (`maintenance:` in the project file) and alarm warm-up (`warm_up:`).

A maintenance window becomes CloudWatch alarm mute rules (PutAlarmMuteRule): during the window the
alarms it selects keep evaluating, but their actions do not run. A warm-up keeps a new or updated
alarm from acting until its resource publishes data (PutMetricAlarm / PutLogAlarm
WarmUpConfiguration).
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-warm-up.html
"""


import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from ...diagnostics import shown
from .fields import Duration, Name, Strict, empty_list, inspected_once

# Schedule.Expression (botocore's cloudwatch model, PutAlarmMuteRule): "cron(Minutes Hours Day-of-month
# Month Day-of-week)" -- "The characters *, -, and , are supported in all fields. English names can be
# used for the month (JAN-DEC) and day of week (SUN-SAT) fields" -- or "at(yyyy-MM-ddThh:mm)".
CRON_FIELDS = (("minute", 0, 59, ()), ("hour", 0, 23, ()), ("day of month", 1, 31, ()),
               ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
               ("day of week", 0, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")))
AT_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d$", re.ASCII)  # \d is any Unicode digit otherwise; AWS reads ASCII
MIN_MUTE_SECONDS, MAX_MUTE_SECONDS = 60, 15 * 86400  # Schedule.Duration: "a minimum of 1 minute (PT1M) and
# maximum of 15 days (P15D)"
MAX_WARM_UP_MINUTES = 2880  # WarmUpConfiguration.WarmUpPeriodDurationInMinutes: 1..2880


def cron_problem(expression: str) -> tuple[str, int] | None:
    """(what is wrong, offset in `expression`) for a 5-field cron expression of a mute rule, or None."""
    fields = [(m.group(0), m.start()) for m in re.finditer(r"\S+", expression)]
    if len(fields) != len(CRON_FIELDS):
        return (f"a cron schedule has 5 fields (minute hour day-of-month month day-of-week), such as "
                f"\"0 2 * * SUN\"; this one has {len(fields)}", 0)
    for (text, offset), (name, low, high, names) in zip(fields, CRON_FIELDS):
        if text == "*":
            continue
        start = 0
        for part in text.split(","):
            ends = part.split("-", 1) if part.count("-") == 1 else [part]
            if any(_cron_value(end, low, high, names, name == "month") is None for end in ends):
                allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
                return (f"'{shown(part)}' is not a valid {name} ({allowed}, '*', ranges a-b and lists a,b)", offset + start)
            start += len(part) + 1
    return None


def cron_fields(expression: str) -> list[frozenset[int] | None]:
    """The values each field of a valid expression (`cron_problem` is None) allows, None for `*`: names
    as numbers (JAN is 1, SUN is 0), a range a-b as every value from a to b."""
    fields: list[frozenset[int] | None] = []
    for text, (name, low, high, names) in zip(expression.split(), CRON_FIELDS):
        found: set[int] = set()
        for part in text.split(",") if text != "*" else []:
            ends = [_cron_value(end, low, high, names, name == "month") or 0 for end in part.split("-", 1)]
            found.update(range(ends[0], ends[-1] + 1))
        fields.append(frozenset(found) if text != "*" else None)
    return fields


def _cron_value(text: str, low: int, high: int, names: tuple[str, ...], from_one: bool) -> int | None:
    if text.upper() in names:
        return names.index(text.upper()) + (1 if from_one else 0)
    # ASCII digits only: str.isdigit takes "²" (which int() refuses) and "٣" (which AWS would refuse)
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= 2 else None
    return value if value is not None and low <= value <= high else None


class WarmUp(Strict):
    """How long a new or updated alarm waits before it acts (the alarm stays INSUFFICIENT_DATA)."""

    duration: Duration = Field(description="1m to 48h, in whole minutes.")
    wait: bool = Field(default=False, description="true: evaluate only after the whole warm-up, even if data "
                       "arrives earlier (OnlyStartEvaluatingAfterWarmUpPeriodEnds).")

    @field_validator("duration")
    @classmethod
    def _minutes(cls, value: int) -> int:
        if value % 60 or not 1 <= value // 60 <= MAX_WARM_UP_MINUTES:
            raise ValueError(f"a warm-up lasts 1 to {MAX_WARM_UP_MINUTES} whole minutes (48h)")
        return value


@inspected_once
def _as_warm_up(value: Any) -> Any:
    return {"duration": value} if isinstance(value, str) else value


# `warm_up: 30m`, or `warm_up: {duration: 30m, wait: true}`.
WarmUpField = Annotated[WarmUp, BeforeValidator(_as_warm_up), WithJsonSchema({"anyOf": [
    {"type": "string", "examples": ["30m"]},
    {"type": "object", "properties": {"duration": {"type": "string"}, "wait": {"type": "boolean"}},
     "required": ["duration"], "additionalProperties": False}]})]


class MuteSelection(Strict):
    """Which alarms a window mutes: every criterion written must match (a list matches any of its items)."""

    services: list[Name] = Field(default_factory=empty_list, description="Services whose alarms are muted.")
    severities: list[Name] = Field(default_factory=empty_list, description="Severities whose alarms are muted.")
    monitors: list[str] = Field(default_factory=empty_list, description="Monitors ('service/monitor').")

    @model_validator(mode="after")
    def _something(self) -> "MuteSelection":
        if not (self.services or self.severities or self.monitors):
            raise ValueError("a maintenance window selects alarms by services, severities or monitors")
        return self


class MaintenanceWindow(Strict):
    """Planned quiet hours: the selected alarms' actions are muted while the window is open."""

    description: str | None = Field(default=None, max_length=900, description="Why; shown on the runbook site.")
    cron: str | None = Field(default=None, description='A recurring window: a 5-field cron expression, e.g. '
                             '"0 2 * * SUN" (every Sunday at 2:00).')
    at: str | None = Field(default=None, description='A one-off window: its start, "2026-05-10T14:00".')
    duration: Duration = Field(description="How long the window stays open, 1m to 15d.")
    timezone: str = Field(default="UTC", description="IANA time zone of the schedule, e.g. Europe/Paris.")
    alarms: MuteSelection
    environments: list[Name] | None = Field(default=None, description="Only in these environments (all by default).")

    @model_validator(mode="after")
    def _one_schedule(self) -> "MaintenanceWindow":
        if (self.cron is None) == (self.at is None):
            raise ValueError("a maintenance window has exactly one of 'cron' (recurring) or 'at' (one-off)")
        return self

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: int) -> int:
        if value % 60 or not MIN_MUTE_SECONDS <= value <= MAX_MUTE_SECONDS:
            raise ValueError("a maintenance window lasts 1m to 15d, in whole minutes")
        return value

    @field_validator("at")
    @classmethod
    def _at(cls, value: str | None) -> str | None:
        if value is not None and not AT_PATTERN.match(value):
            raise ValueError(f"'{shown(value)}' is not a start time such as \"2026-05-10T14:00\" (yyyy-MM-ddThh:mm)")
        return value


Maintenance = dict[Name, MaintenanceWindow]
