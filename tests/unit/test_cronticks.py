"""devkit/cronticks.py: the ticks of a cron schedule, found a day at a time.

Oracles: croniter itself, the authority on what a cron expression means (its own walk,
tick by tick), wherever a zone keeps one UTC offset; and, across daylight saving
changes, the meaning of the expression's fields (savedsearches.conf.spec: cron_schedule
in the search head's time zone), `20 1 * * *` firing at 01:20 local time every day.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from devkit.cronticks import CronTicks

START = datetime(2026, 2, 20, tzinfo=ZoneInfo("UTC")).timestamp()
DAY = 86400
EXPRESSIONS = ("*/10 * * * *", "30 * * * *", "20 1 * * *", "15 10 * * 1-5",
               "0 12 1,15 * 5", "0 0 29 2 *", "59 23 L * *", "5 */6 * * *")


def croniter_walk(cron: str, tz: str, start: float, end: float):
    walker = croniter(cron, datetime.fromtimestamp(start, ZoneInfo(tz)) - timedelta(seconds=1))
    ticks = []
    while True:
        tick = walker.get_next(datetime).timestamp()
        if tick > end:
            return ticks
        ticks.append(tick)


@pytest.mark.parametrize("tz", ["UTC", "Asia/Kolkata"])  # offsets that never change
@pytest.mark.parametrize("cron", EXPRESSIONS)
def test_the_ticks_are_croniters_where_the_offset_never_changes(cron, tz):
    end = START + (40 if cron.startswith("*/") else 400) * DAY
    ticks = CronTicks(cron, tz)
    expected = croniter_walk(cron, tz, START, end)
    assert list(ticks.between(START, end)) == expected
    assert ticks.count(START, end) == len(expected)


@pytest.mark.parametrize("tz", ["Europe/Paris", "America/New_York", "Australia/Lord_Howe"])
def test_a_daily_run_keeps_its_wall_clock_time_across_daylight_saving_changes(tz):
    zone = ZoneInfo(tz)
    ticks = list(CronTicks("20 1 * * *", tz).between(START, START + 370 * DAY))
    local = [datetime.fromtimestamp(t, zone) for t in ticks]
    days = [moment.date() for moment in local]
    assert days == sorted(set(days)) and len(days) >= 369  # one run a day, every day
    assert {(m.hour, m.minute) for m in local} == {(1, 20)}


def test_across_a_change_each_scheduled_wall_time_that_exists_fires_once():
    # Paris springs forward on 2026-03-29 at 02:00 (02:00-02:59 never happen) and falls
    # back on 2026-10-25 at 03:00 (02:00-02:59 happen twice: the first time fires).
    zone = ZoneInfo("Europe/Paris")
    for day in (datetime(2026, 3, 29), datetime(2026, 10, 25)):
        expected = set()
        for minutes in range(0, 24 * 60, 10):
            wall = day + timedelta(minutes=minutes)
            moment = wall.replace(tzinfo=zone).timestamp()
            if datetime.fromtimestamp(moment, zone).replace(tzinfo=None) == wall:
                expected.add(moment)
        begin = day.replace(tzinfo=zone).timestamp()
        end = (day + timedelta(days=1)).replace(tzinfo=zone).timestamp() - 1
        ticks = list(CronTicks("*/10 * * * *", "Europe/Paris").between(begin, end))
        assert ticks == sorted(expected)
        assert len(ticks) == (138 if day.month == 3 else 144)


def test_counting_agrees_with_listing_and_the_next_tick_with_both():
    rng = random.Random(3)
    for cron in EXPRESSIONS:
        ticks = CronTicks(cron, "Europe/Paris")
        for _ in range(5):
            low = START + rng.random() * 200 * DAY
            high = low + rng.random() * 60 * DAY
            listed = list(ticks.between(low, high))
            assert ticks.count(low, high) == len(listed)
            if listed:
                assert ticks.first_from(low) == listed[0]
                assert ticks.after(listed[0]) == (listed[1] if len(listed) > 1
                                                  else ticks.first_from(high))
