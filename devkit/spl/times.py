"""Time in SPL: relative time modifiers, spans and snapping, in a given time zone.

Follows the Search Reference page "Time modifiers" (relative_time, earliest/latest,
dispatch times); timeformat.py holds strftime and strptime. The time zone is an
IANA name resolved with zoneinfo (tzdata is pinned in requirements/). Epoch seconds are
floats throughout.

Modifiers handled: `now`, `0` (the start of time), epoch numbers, an absolute
`%m/%d/%Y:%H:%M:%S`, and any sequence of offsets `[+|-]<n><unit>` and snaps `@<unit>`
applied left to right (`-1h@h`, `-30d@d`, `@d+3h`, `@w0`, `+1d`). Seconds, minutes and
hours move the clock; days, weeks, months, quarters and years move the calendar in the
zone (so `-1d` across a DST change is 23 or 25 hours, as Splunk does). Snaps round down
in the zone: `@w` and `@w0` to Sunday, `@w1`..`@w6` to Monday..Saturday, `@w7` Sunday.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Optional, Tuple, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import SplError

Zone = Union[str, ZoneInfo, timezone]

_UNITS = {
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "d", "day": "d", "days": "d",
    "w": "w", "week": "w", "weeks": "w",
    "mon": "mon", "month": "mon", "months": "mon",
    "q": "q", "qtr": "q", "qtrs": "q", "quarter": "q", "quarters": "q",
    "y": "y", "yr": "y", "yrs": "y", "year": "y", "years": "y",
}
SECONDS = {"s": 1, "m": 60, "h": 3600}
_PART = re.compile(r"([+-])(\d*)([a-zA-Z]+)|@([a-zA-Z]+)(\d?)")
_ABSOLUTE = "%m/%d/%Y:%H:%M:%S"


@lru_cache(maxsize=64)
def _zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SplError(f"unknown time zone {name!r}") from None


def zone(tz: Zone) -> Union[ZoneInfo, timezone]:
    """A tzinfo for an IANA name (or a tzinfo given as is)."""
    return _zone_named(tz) if isinstance(tz, str) else tz


def local(epoch: float, tz: Zone) -> datetime:
    return datetime.fromtimestamp(epoch, zone(tz))


def wall_clock(naive: datetime, tz: Zone) -> float:
    """The epoch of a wall-clock time (a naive datetime) in the zone."""
    return naive.replace(tzinfo=zone(tz)).timestamp()


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _offset(epoch: float, sign: int, amount: int, unit: str, tz: Zone) -> float:
    if unit in SECONDS:
        return epoch + sign * amount * SECONDS[unit]
    moment = local(epoch, tz).replace(tzinfo=None)
    fraction = epoch - math.floor(epoch)
    if unit in ("d", "w"):
        moment += timedelta(days=sign * amount * (7 if unit == "w" else 1))
    else:
        months = {"mon": 1, "q": 3, "y": 12}[unit] * amount * sign
        moment = _add_months(moment, months)
    return math.floor(wall_clock(moment, tz)) + fraction


def snap(epoch: float, unit: str, tz: Zone, weekday: Optional[int] = None) -> float:
    """Round `epoch` down to the start of its `unit` in the zone (Splunk's `@unit`)."""
    if unit == "s":
        return float(math.floor(epoch))
    moment = local(math.floor(epoch), tz).replace(tzinfo=None)
    if unit == "m":
        moment = moment.replace(second=0)
    elif unit == "h":
        moment = moment.replace(minute=0, second=0)
    else:
        moment = moment.replace(hour=0, minute=0, second=0)
        if unit == "w":
            target = 0 if weekday is None else weekday % 7  # 0 = Sunday
            back = (moment.isoweekday() % 7 - target) % 7
            moment -= timedelta(days=back)
        elif unit == "mon":
            moment = moment.replace(day=1)
        elif unit == "q":
            moment = moment.replace(day=1, month=(moment.month - 1) // 3 * 3 + 1)
        elif unit == "y":
            moment = moment.replace(day=1, month=1)
    return wall_clock(moment, tz)


@lru_cache(maxsize=4096)  # eval asks it once per result row, with the same arguments
def resolve_time(modifier: Union[str, float, int], now: float, tz: Zone = "UTC") -> float:
    """The epoch a time modifier stands for at `now` in time zone `tz` (raises SplError)."""
    if isinstance(modifier, (int, float)):
        return float(modifier)
    text = modifier.strip()
    if text in ("now", ""):
        return float(now)
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    if re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}:\d{1,2}:\d{1,2}:\d{1,2}", text):
        return wall_clock(datetime.strptime(text, _ABSOLUTE), tz)
    position, result = 0, float(now)
    while position < len(text):
        part = _PART.match(text, position)
        if not part:
            raise SplError(f"invalid time modifier {modifier!r}")
        sign, amount, unit_name, snap_name, snap_day = part.groups()
        if sign:
            unit = _UNITS.get(unit_name.lower())
            if unit is None:
                raise SplError(f"invalid time unit {unit_name!r} in {modifier!r}")
            result = _offset(result, 1 if sign == "+" else -1, int(amount or 1), unit, tz)
        else:
            unit = _UNITS.get(snap_name.lower())
            if unit is None:
                raise SplError(f"invalid snap unit {snap_name!r} in {modifier!r}")
            if snap_day and unit != "w":
                raise SplError(f"invalid snap {part.group(0)!r} in {modifier!r}")
            result = snap(result, unit, tz, int(snap_day) if snap_day else None)
        position = part.end()
    return result


def parse_span(text: str) -> Tuple[int, str]:
    """A span such as `10m`, `1h`, `600s`, `1d`, `1mon` as (count, unit); a bare number is
    seconds."""
    match = re.fullmatch(r"(\d+)([a-zA-Z]*)", text.strip())
    if not match:
        raise SplError(f"invalid span {text!r}")
    unit = _UNITS.get(match.group(2).lower() or "s")
    if unit is None or int(match.group(1)) <= 0:
        raise SplError(f"invalid span {text!r}")
    return int(match.group(1)), unit


def span_seconds(text: str) -> float:
    """A fixed-length span in seconds (`s`, `m`, `h`, `d` = 86400, `w`)."""
    count, unit = parse_span(text)
    fixed = {**SECONDS, "d": 86400, "w": 604800}
    if unit not in fixed:
        raise SplError(f"span {text!r} has no fixed length")
    return float(count * fixed[unit])


def bucket(epoch: float, count: int, unit: str, tz: Zone, align: float = 0.0) -> float:
    """The start of the `count`-`unit` bin holding `epoch` (Splunk's `bin span=`).

    Second, minute and hour spans are counted from `align`, by default "base UTC time
    (epoch 0)" (Search Reference "bin", aligntime), whatever the zone: in a zone half an
    hour off UTC an hour bin starts at half past the local hour, and 12h bins start at
    00:00 and 12:00 UTC. "When a <span-length> of a day or more is used, the span is
    aligned to midnight in the timezone of the user": day spans start at local
    midnight, counted from 1970-01-01; month spans from January 1970.
    """
    if unit in SECONDS:
        size = count * SECONDS[unit]
        return math.floor((epoch - align) / size) * size + align
    moment = local(epoch, tz).replace(tzinfo=None)
    if unit == "d":
        days = (moment.date() - datetime(1970, 1, 1).date()).days
        start = datetime(1970, 1, 1) + timedelta(days=days - days % count)
        return wall_clock(start, tz)
    if unit == "mon":
        months = (moment.year - 1970) * 12 + moment.month - 1
        start = _add_months(datetime(1970, 1, 1), months - months % count)
        return wall_clock(start, tz)
    raise SplError(f"bin span unit {unit!r} is not supported")
