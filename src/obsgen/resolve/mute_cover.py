"""A maintenance window that never closes: its alarms can never notify anyone.

A recurring window (`cron` + `duration`) mutes its alarms' actions from each opening until `duration`
later (PutAlarmMuteRule's Schedule, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutAlarmMuteRule.html:
the rule is active for Duration from each time its Expression names). When no two consecutive openings
are further apart than the duration -- `0 * * * *` for 1h, `0 2 * * *` for 24h, `0 0 * * MON` for 7d --
the window is open at every minute: the spec is well-formed, the mute rule deploys, and the alarms it
selects reach nobody, ever. That is an error, located at the duration.

The longest gap between openings is found on the schedule's own clock (the window's time zone,
Schedule.Timezone) over 28 years of calendar, the period after which dates fall on the same weekdays
again (between 1901 and 2099), so every pattern of days of the month, months and days of the week
occurs. A daylight-saving change can open an hour's gap in a window that is otherwise always open;
that hour is not what its author meant either, so it is not counted.

Where both the day of the month and the day of the week are restricted, a day is counted only when it
matches both: the fewest openings either reading of cron allows, so the error holds under both.
"""

from __future__ import annotations

import datetime
import functools

from ..language.v1.maintenance import cron_fields
from ..values import format_duration

MINUTES_PER_DAY = 1440
FIRST_DAY = datetime.date(2024, 1, 1)
CALENDAR_DAYS = 28 * 365 + 7  # 28 years, 7 of them leap: the weekday-date cycle


def always_open(cron: str, duration_seconds: int) -> str | None:
    """Why the window `cron` (valid: `cron_problem` is None) open for `duration_seconds` never closes, as
    the end of an error message; None when it closes at some minute, or never opens."""
    gap = longest_gap(cron)
    if gap is None or gap > duration_seconds // 60:
        return None
    return (f"its openings are never more than {format_duration(gap * 60)} apart and it stays open "
            f"{format_duration(duration_seconds)}, so the alarms it selects are muted at every minute and can "
            f"never notify anyone; give it a duration under {format_duration(gap * 60)}, or open it less often")


@functools.cache
def longest_gap(cron: str) -> int | None:
    """The most minutes between two consecutive openings of the schedule; None if it opens on fewer
    than two days of the calendar (it never opens, or only on a rare date: never always open)."""
    minutes, hours, days, months, weekdays = cron_fields(cron)
    in_day = sorted(h * 60 + m for h in hours or range(24) for m in minutes or range(60))
    sundays_zero = None if weekdays is None else {w % 7 for w in weekdays}  # cron's 7 is Sunday too
    opening = [d.toordinal() for d in _calendar() if (months is None or d.month in months)
               and (days is None or d.day in days) and (sundays_zero is None or d.isoweekday() % 7 in sundays_zero)]
    if not in_day or len(opening) < 2:
        return None
    longest = max((b - a for a, b in zip(in_day, in_day[1:])), default=0)
    # from one opening day's last opening to the next opening day's first
    widest_days = max(b - a for a, b in zip(opening, opening[1:]))
    return max(longest, widest_days * MINUTES_PER_DAY - in_day[-1] + in_day[0])


@functools.cache
def _calendar() -> tuple[datetime.date, ...]:
    return tuple(FIRST_DAY + datetime.timedelta(days=n) for n in range(CALENDAR_DAYS))


# --- several windows together -------------------------------------------------------------------------

MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


def together_always_open(windows: list[tuple[str, int]]) -> bool:
    """Whether windows (cron, duration in seconds) on one clock, none always open alone, are open at every
    minute together: `0 8 * * *` and `0 20 * * *` for 12h each. Only windows that repeat every week (no
    day of the month, no month) are counted: their union is a week's pattern. Another window covers some
    weeks only, so it could not complete the union in every week (and counting it could only find more)."""
    muted = bytearray(MINUTES_PER_WEEK)
    for cron, duration_seconds in windows:
        minutes, hours, days, months, weekdays = cron_fields(cron)
        if days is not None or months is not None:
            continue
        length = min(duration_seconds // 60, MINUTES_PER_WEEK)
        for weekday in sorted({w % 7 for w in weekdays} if weekdays is not None else range(7)):
            for start in (weekday * MINUTES_PER_DAY + h * 60 + m for h in hours or range(24) for m in minutes or range(60)):
                end = start + length
                muted[start:min(end, MINUTES_PER_WEEK)] = b"\x01" * (min(end, MINUTES_PER_WEEK) - start)
                if end > MINUTES_PER_WEEK:  # past Saturday night: on into Sunday
                    muted[:end - MINUTES_PER_WEEK] = b"\x01" * (end - MINUTES_PER_WEEK)
    return 0 not in muted
