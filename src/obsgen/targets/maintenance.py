"""Maintenance target: alarm mute rules as PutAlarmMuteRule parameters, `maintenance/mute-rules.json`:
`{"_generated": ..., "MuteRules": [PutAlarmMuteRule params]}` for the home region, and `"Regions":
{"<region>": {"MuteRules": [...]}}` for windows over alarms placed in other regions.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html
"""

from __future__ import annotations

from typing import Any

from ..model import EnvironmentModel, MuteRule
from ..values import format_duration
from .base import Rendered, dump_json, header


def render(model: EnvironmentModel) -> Rendered:
    if not model.mute_rules:
        return Rendered({})
    home = [mute_rule_params(r) for r in model.mute_rules if r.region in ("", model.region)]
    content: dict[str, Any] = {"_generated": header("monitors/obsgen.yaml"), "MuteRules": home}
    away = sorted({r.region for r in model.mute_rules} - {"", model.region})
    if away:  # rules for alarms placed in other regions, each written in its region
        content["Regions"] = {region: {"MuteRules": [mute_rule_params(r) for r in model.mute_rules
                                                     if r.region == region]} for region in away}
    return Rendered({"maintenance/mute-rules.json": dump_json(content)})


def iso_duration(seconds: int) -> str:
    """`4h` -> `PT4H`, `2d12h` -> `P2DT12H`: Schedule.Duration is an ISO 8601 duration."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


def mute_rule_params(rule: MuteRule) -> dict[str, Any]:
    description = rule.description or f"Maintenance window {rule.window}: {format_duration(rule.duration)}"
    params: dict[str, Any] = {
        "Name": rule.name, "Description": description[:1024],
        "Rule": {"Schedule": {"Expression": rule.expression, "Duration": iso_duration(rule.duration),
                              "Timezone": rule.timezone}},
        "MuteTargets": {"AlarmNames": list(rule.alarms)},
        "Tags": [{"Key": k, "Value": v} for k, v in rule.tags],
    }
    return params
