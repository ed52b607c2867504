"""The ticks of a cron schedule in a time zone, a day at a time, without walking them.

A replay of ten years asks for the ticks of each scheduled search over the whole span
(to say how many runs it simulates), and for the first tick after a point far ahead (to
jump over a quiet stretch). Walking croniter tick by tick costs about 40 us a tick: a
10-minute schedule over ten years is 526,000 ticks. So the ticks are found per local
calendar day, with croniter as the one authority on what the cron expression means:
- a standard five-field expression (`croniter(...).expanded`) fires on a day at the
  same minutes and hours every day its day fields (day of month, month, day of week)
  allow, which croniter decides by its next naive tick from the day's start (it then
  also tells which days before that one it skips; nothing to decide when all three
  are `*`);
- on a regular day (the zone's UTC offset is the same all day and the day is 24 hours
  long) a tick at hh:mm is local midnight plus hh:mm;
- on a day of a daylight saving change each hh:mm is that wall-clock time of the day:
  one the change skips does not fire, one it repeats fires once, the first time (a
  scheduled search runs once per scheduled time; croniter's own walk loses or shifts
  runs around such changes);
- any other expression (seconds or years fields) is walked by croniter, day by day.
Days are cached, so each is worked out once per replay.
"""

from __future__ import annotations

import bisect
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Dict, Iterator, List, Tuple
from zoneinfo import ZoneInfo

from croniter import croniter

DAY = 86400


@lru_cache(maxsize=65536)
def day_bounds(day: date, tz: str) -> Tuple[float, float, bool]:
    """(first instant of `day` in zone tz, first instant of the next day, regular)."""
    zone = ZoneInfo(tz)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = start + timedelta(days=1)  # wall-clock arithmetic: the next midnight
    begin, end = start.timestamp(), following.timestamp()
    offsets = {datetime.fromtimestamp(moment, zone).utcoffset()
               for moment in (begin, begin + DAY / 2, end - 1, end)}
    return begin, end, end - begin == DAY and len(offsets) == 1


def day_of(epoch: float, tz: str) -> date:
    """The local day whose [first instant, next day's first instant) holds `epoch`."""
    day = datetime.fromtimestamp(epoch, ZoneInfo(tz)).date()
    begin, end, _regular = day_bounds(day, tz)
    if epoch >= end:
        return day + timedelta(days=1)
    return day - timedelta(days=1) if epoch < begin else day


class CronTicks:
    """The ticks (epoch seconds) of one cron expression in one IANA time zone."""

    def __init__(self, cron: str, tz: str) -> None:
        self.cron, self.tz = cron, tz
        fields = croniter(cron).expanded
        self.standard = len(fields) == 5
        if self.standard:
            minutes = range(60) if fields[0] == ["*"] else fields[0]
            hours = range(24) if fields[1] == ["*"] else fields[1]
            self.offsets = sorted(h * 3600 + m * 60 for h in hours for m in minutes)
            self.every_day = all(f == ["*"] for f in fields[2:])
        self._days: Dict[date, Tuple[float, ...]] = {}
        self._fires: Dict[date, bool] = {}

    def day(self, day: date) -> Tuple[float, ...]:
        """The ticks of one local calendar day, in order."""
        ticks = self._days.get(day)
        if ticks is None:
            ticks = self._days[day] = self._work_out(day)
        return ticks

    def _work_out(self, day: date) -> Tuple[float, ...]:
        begin, end, regular = day_bounds(day, self.tz)
        if self.standard:
            if not self.every_day and not self._fires_on(day):
                return ()
            if regular:
                return tuple(begin + offset for offset in self.offsets)
            return self._wall_clock(day)
        zone = ZoneInfo(self.tz)
        walker = croniter(self.cron, datetime.fromtimestamp(begin - 1, zone))
        ticks: List[float] = []
        while True:
            tick = walker.get_next(datetime).timestamp()
            if tick >= end:
                return tuple(ticks)
            if tick >= begin:
                ticks.append(tick)

    def _wall_clock(self, day: date) -> Tuple[float, ...]:
        """The ticks of a day with a UTC offset change: each scheduled wall-clock time
        that exists that day, at its first occurrence."""
        zone = ZoneInfo(self.tz)
        ticks = set()
        for offset in self.offsets:
            hour, minute = divmod(offset // 60, 60)
            wall = datetime(day.year, day.month, day.day, hour, minute)
            moment = wall.replace(tzinfo=zone, fold=0).timestamp()
            if datetime.fromtimestamp(moment, zone).replace(tzinfo=None) == wall:
                ticks.add(moment)  # it exists (fold 0 is its first occurrence)
        return tuple(sorted(ticks))

    def _fires_on(self, day: date) -> bool:
        """Whether the day fields allow `day` (calendar days, no time zone involved)."""
        if day not in self._fires:
            walker = croniter(self.cron, datetime(day.year, day.month, day.day)
                              - timedelta(seconds=1))
            fires = walker.get_next(datetime).date()
            skipped = day
            while skipped < fires and skipped - day < timedelta(days=400):
                self._fires[skipped] = False
                skipped += timedelta(days=1)
            self._fires[fires] = True
        return self._fires.get(day, False)

    def first_from(self, moment: float, inclusive: bool = True) -> float:
        """The first tick at or after `moment` (after it when not `inclusive`)."""
        day = day_of(moment, self.tz)
        for _ in range(366 * 30):  # the rarest schedules fire every few years
            ticks = self.day(day)
            find = bisect.bisect_left if inclusive else bisect.bisect_right
            index = find(ticks, moment)
            if index < len(ticks):
                return ticks[index]
            day += timedelta(days=1)
        raise ValueError(f"cron_schedule {self.cron!r} never fires after {moment}")

    def after(self, moment: float) -> float:
        return self.first_from(moment, inclusive=False)

    def between(self, low: float, high: float) -> Iterator[float]:
        """The ticks t with low <= t <= high, in order."""
        if high < low:
            return
        day, last = day_of(low, self.tz), day_of(high, self.tz)
        while day <= last:
            for tick in self.day(day):
                if low <= tick <= high:
                    yield tick
            day += timedelta(days=1)

    def count(self, low: float, high: float) -> int:
        """How many ticks t with low <= t <= high, without listing them."""
        if high < low:
            return 0
        day, last = day_of(low, self.tz), day_of(high, self.tz)
        total = 0
        while day <= last:
            ticks = self.day(day)
            if ticks and (ticks[0] < low or ticks[-1] > high):
                total += bisect.bisect_right(ticks, high) - bisect.bisect_left(ticks, low)
            else:
                total += len(ticks)
            day += timedelta(days=1)
        return total
