"""Maintenance pass: the project's `maintenance:` windows -> this environment's alarm mute rules.

A window selects alarms by service, severity and monitor; its alarms are split into rules of at most
100 ("Each mute rule can target up to 100 specific alarms by name", API_PutAlarmMuteRule.html), named
after the window (`_2`, `_3`, ... past the first). A rule mutes alarms of its own region only, so a
window over alarms in several regions has rules in each (of the same names: names are per region).
"""

from __future__ import annotations

import functools
import zoneinfo

from .. import conventions
from ..diagnostics import error, shown
from ..language.errors import did_you_mean
from ..language.v1.maintenance import MaintenanceWindow, cron_problem
from ..language.yaml_reader import Loc
from ..model import Alarm, MuteRule, Origin
from . import mute_cover
from .budgets import in_environment
from .context import Context

MAX_ALARMS_PER_RULE = 100
MAX_RULE_NAME = 255  # PutAlarmMuteRule Name: length 1..255


@functools.cache
def time_zones() -> frozenset[str]:
    """IANA time zone names ("standard timezone identifiers (for example, America/New_York ...)", Schedule.Timezone)."""
    return frozenset(zoneinfo.available_timezones())


def mute_rules(ctx: Context, alarms: list[Alarm]) -> tuple[MuteRule, ...]:
    found: list[MuteRule] = []
    windows: dict[str, MaintenanceWindow] = {}
    for key, spec in ctx.project.maintenance.items():
        loc: Loc = ("maintenance", key)
        if not in_environment(ctx, loc, spec.environments) or not _valid(ctx, loc, spec):
            continue
        windows[key] = spec
        chosen = sorted((a for a in alarms if _selects(spec, a)), key=lambda a: a.name)
        expression = f"cron({spec.cron})" if spec.cron is not None else f"at({spec.at})"
        tags = tuple(sorted({**ctx.project.tags, **conventions.ownership_tags(
            ctx.project.project, ctx.env_name, maintenance=key)}.items()))
        by_region: dict[str, list[Alarm]] = {}
        for alarm in chosen:
            by_region.setdefault(alarm.region, []).append(alarm)
        for region, in_region in sorted(by_region.items()):
            for part, start in enumerate(range(0, len(in_region), MAX_ALARMS_PER_RULE), start=1):
                group = in_region[start:start + MAX_ALARMS_PER_RULE]
                name = conventions.mute_rule_name(ctx.project.project, ctx.env_name, key, part)
                if len(name) > MAX_RULE_NAME:
                    ctx.fail(ctx.pdoc, loc, "aws-limit", f"mute rule name '{shown(name)}' is longer than "
                             f"{MAX_RULE_NAME} characters", at_key=True)
                found.append(MuteRule(key, name, conventions.mute_rule_arn(region, ctx.env.account, name),
                                      spec.description, expression, spec.duration, spec.timezone,
                                      tuple(a.name for a in group), tuple(a.ref for a in group), tags,
                                      Origin(ctx.pdoc, loc), region))
    _check_together(ctx, windows, alarms)
    return tuple(sorted(found, key=lambda r: (r.name, r.region)))


def _check_together(ctx: Context, windows: dict[str, MaintenanceWindow], alarms: list[Alarm]) -> None:
    """Recurring windows on one clock that select the same alarms and, together, never close: those alarms
    can never notify anyone (one window alone is `_valid`'s). One error per set of windows, at the last."""
    recurring = {key: spec for key, spec in windows.items() if spec.cron is not None}
    if len(recurring) < 2:
        return
    muted_by: dict[tuple[str, ...], list[str]] = {}
    for alarm in alarms:
        keys = tuple(key for key, spec in recurring.items() if _selects(spec, alarm))
        if len(keys) > 1:
            muted_by.setdefault(keys, []).append(alarm.ref)
    for keys, refs in sorted(muted_by.items()):
        for zone in sorted({recurring[key].timezone for key in keys}):
            together = [key for key in keys if recurring[key].timezone == zone]
            if len(together) > 1 and mute_cover.together_always_open(
                    [(str(recurring[key].cron), recurring[key].duration) for key in together]):
                names = ", ".join(f"'{shown(key)}'" for key in together[:-1]) + f" and '{shown(together[-1])}'"
                more = f" (and {len(refs) - 1} more)" if len(refs) > 1 else ""
                ctx.fail(ctx.pdoc, ("maintenance", together[-1]), "always-muted",
                         f"maintenance windows {names} ({zone}) are together open at every minute of the week, "
                         f"so monitor '{shown(sorted(refs)[0])}'{more}, which they all select, can never notify "
                         "anyone; shorten one of them, or let them select fewer alarms", at_key=True)


def _selects(spec: MaintenanceWindow, alarm: Alarm) -> bool:
    chosen = spec.alarms
    return ((not chosen.services or alarm.service in chosen.services)
            and (not chosen.severities or alarm.severity.name in chosen.severities)
            and (not chosen.monitors or alarm.ref in chosen.monitors))


def _valid(ctx: Context, loc: Loc, spec: MaintenanceWindow) -> bool:
    """The window's references and schedule, checked (once: they are the same in every environment)."""
    before = len(ctx.problems)
    services = [s.spec.service for s in ctx.spec.services]
    for index, service in enumerate(spec.alarms.services):
        if service not in services:
            ctx.fail(ctx.pdoc, loc + ("alarms", "services", index), "unknown-service",
                     f"unknown service '{shown(service)}'{did_you_mean(service, services)}")
    for index, severity in enumerate(spec.alarms.severities):
        if severity not in ctx.severities:
            ctx.fail(ctx.pdoc, loc + ("alarms", "severities", index), "unknown-severity",
                     f"unknown severity '{shown(severity)}'{did_you_mean(severity, list(ctx.severities))}")
    for index, ref in enumerate(spec.alarms.monitors):
        if ref not in ctx.monitors:
            ctx.fail(ctx.pdoc, loc + ("alarms", "monitors", index), "unknown-monitor",
                     f"unknown monitor '{shown(ref)}' (write 'service/monitor'){did_you_mean(ref, list(ctx.monitors))}")
    if spec.cron is not None and (problem := cron_problem(spec.cron)) is not None:
        message, offset = problem
        ctx.problems.append(error(ctx.pdoc.span_in(loc + ("cron",), offset), "bad-schedule", message))
    elif spec.cron is not None and (why := mute_cover.always_open(spec.cron, spec.duration)) is not None:
        ctx.fail(ctx.pdoc, loc + ("duration",), "always-muted", f"maintenance window '{shown(loc[-1])}' never closes: {why}")
    if spec.timezone not in time_zones():
        ctx.fail(ctx.pdoc, loc + ("timezone",), "bad-value", f"unknown time zone '{shown(spec.timezone)}' (an IANA "
                 f"name such as Europe/Paris){did_you_mean(spec.timezone, sorted(time_zones()))}")
    return len(ctx.problems) == before
