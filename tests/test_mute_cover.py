"""A maintenance window open at every minute (resolve/mute_cover.py): its alarms can never notify anyone."""

from __future__ import annotations

import pytest

from obsgen.language.v1.maintenance import cron_fields, cron_problem
from obsgen.resolve.mute_cover import always_open, longest_gap, together_always_open

HOUR, DAY = 3600, 86400


@pytest.mark.parametrize("cron,minutes", [
    ("* * * * *", 1),
    ("0 * * * *", 60),
    ("0,30 * * * *", 30),
    ("0 2 * * *", 1440),
    ("0 22,2 * * *", 20 * 60),  # 02:00 to 22:00 is the longer side
    ("0 0 * * MON", 7 * 1440),
    ("0 0 * * 0,7", 7 * 1440),  # 0 and 7 are both Sunday: one opening a week
    ("0 9 * * MON-FRI", 3 * 1440),  # Friday 09:00 to Monday 09:00
    ("0 0 1 * *", 31 * 1440),  # the longest month
    ("0 0 1 JAN,JUL *", 184 * 1440),  # 1 July to 1 January
    # both day fields restricted: only a Friday the 13th counts, and the longest run without one is
    # 14 months (from July 2018 to September 2019)
    ("0 0 13 * FRI", 427 * 1440),
])
def test_the_longest_gap_between_openings(cron, minutes):
    assert cron_problem(cron) is None
    assert longest_gap(cron) == minutes


@pytest.mark.parametrize("cron", ["0 0 31 2 *", "0 0 30 FEB *", "0 0 29 2 MON"])
def test_a_window_that_never_opens_or_opens_on_a_single_day_is_never_always_open(cron):
    assert longest_gap(cron) is None or always_open(cron, 15 * DAY) is None


@pytest.mark.parametrize("cron,duration", [
    ("0 * * * *", HOUR), ("0 * * * *", 2 * HOUR), ("0 2 * * *", DAY), ("0 0 * * MON", 7 * DAY),
    ("* * * * *", 60), ("0 9 * * MON-FRI", 3 * DAY),
])
def test_a_window_open_at_least_as_long_as_its_longest_gap_never_closes(cron, duration):
    why = always_open(cron, duration)
    assert why is not None and "can never notify anyone" in why


@pytest.mark.parametrize("cron,duration", [
    ("0 * * * *", HOUR - 60), ("0 2 * * *", DAY - 60), ("0 0 * * MON", 6 * DAY), ("0 9 * * MON-FRI", 2 * DAY),
    ("0 2 * * SUN", 4 * HOUR),
])
def test_a_window_that_closes_for_a_minute_is_not_reported(cron, duration):
    assert always_open(cron, duration) is None


def test_cron_fields_reads_names_ranges_and_lists():
    minutes, hours, days, months, weekdays = cron_fields("0,30 9-11 * JAN-MAR,DEC SUN,SAT")
    assert minutes == {0, 30} and hours == {9, 10, 11} and days is None
    assert months == {1, 2, 3, 12} and weekdays == {0, 6}


@pytest.mark.parametrize("windows,together", [
    ([("0 8 * * *", 12 * HOUR), ("0 20 * * *", 12 * HOUR)], True),
    ([("0 8 * * *", 12 * HOUR), ("0 20 * * *", 12 * HOUR - 60)], False),  # 07:59 each morning is live
    ([("0 0 * * SAT", DAY), ("0 0 * * 0-5", DAY)], True),  # Saturday's and the other days'
    # Sunday 00:00-01:00 only by Saturday's, running on past the week's end
    ([("0 23 * * SAT", 2 * HOUR), ("0 1 * * *", 22 * HOUR), ("0 23 * * 0-5", 2 * HOUR)], True),
    ([("0 23 * * SAT", 1 * HOUR), ("0 1 * * *", 22 * HOUR), ("0 23 * * 0-5", 2 * HOUR)], False),
    ([("0 9 * * MON-FRI", 8 * HOUR), ("0 17 * * MON-FRI", 16 * HOUR), ("0 0 * * SAT", 2 * DAY)], False),  # Monday 0-9
    ([("0 0 1 * *", 15 * DAY), ("0 0 15 * *", 15 * DAY)], False),  # not every week: left out, never guessed
])
def test_windows_on_one_clock_can_together_be_open_at_every_minute(windows, together):
    assert together_always_open(windows) is together
