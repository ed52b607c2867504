"""Splunk's date and time format variables: strftime() renders an epoch with them and
strptime() reads a time with them (Search Reference, "Date and time format variables"
and "Date and Time functions").

strftime: the C variables (`%Y %m %d %H %M %S %a %A %b %B %c %e %j %k %p %T %F %V %G
%Z ...`, rendered in the C locale) plus Splunk's `%s` (epoch seconds), `%N`/`%3N`/`%6N`
/`%9N` (subseconds, 9 digits by default), `%Q`/`%3Q`... (milliseconds by default), `%f`
(microseconds), `%z` (+hhmm), `%:z` (+hh:mm), `%::z` (+hh:mm:ss), `%:::z` (+hh), `%Ez`
(the offset in minutes) and `%+` (the date, time and zone, "Thu Jul 18 09:30:00 PDT
2019"). Subseconds are cut, not rounded. `%x` and `%X` (the date and time "in the
format of the current locale", 7/13/2019 and 9:30:00 on the page, which is neither
the C nor the en_US locale) and variables the page does not list are refused.

strptime: the same variables read back, as C's strptime reads them: numbers with or
without leading zeros, month and weekday names full or abbreviated in any case (`%b`
and `%B` alike), whitespace in the format matching any run of whitespace, subseconds
after `%N`/`%Q`/`%f` in as many digits as are written, `%s` an epoch, `%z` an offset,
`%Z` UTC, GMT or Z (another zone name gives null). The time is read in the search's
zone unless the text gives an offset. "The strptime function doesn't work with
timestamps that consist of only a month and year. The timestamps must include a day",
and "The string X date must be January 1, 1971 or later": without a year and a day,
or before 1971, the result is null. Text left after the format is ignored, as C's
strptime leaves it (our reading). The result prints with six decimals
(1534143600.000000), as the page's examples print it.
"""

from __future__ import annotations

import calendar
import math
import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from .errors import SplUnsupported
from .precision import with_decimals
from .times import Zone, local, wall_clock, zone

# -- strftime ------------------------------------------------------------------------------

_DIRECTIVE = re.compile(r"%(?:(\d?)([NQ])|(:{1,3}z|Ez)|(.)|\Z)", re.DOTALL)
# The C variables passed to the platform's strftime (C locale).
_C_VARIABLES = set("aAbBcCdDeFgGhHIjklmMnprRSTuUVwWyYZ%t")
_REFUSED = {"x": "the locale's date", "X": "the locale's time"}


def check_strftime(fmt: str) -> None:
    """Refuse, naming it, a variable this engine does not render (raises
    SplUnsupported)."""
    for match in _DIRECTIVE.finditer(fmt):
        letter = match.group(4)
        if match.group(0) == "%":
            raise SplUnsupported("unsupported strftime format: a lone '%' at its end")
        if letter is None or letter in _C_VARIABLES or letter in "sfz+":
            continue
        reason = _REFUSED.get(letter, "not a listed date and time variable")
        raise SplUnsupported(f"unsupported strftime variable '%{letter}' ({reason})")


def _offset_text(offset_seconds: int, colons: int) -> str:
    sign = "-" if offset_seconds < 0 else "+"
    hours, rest = divmod(abs(offset_seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    if colons == 1:
        return f"{sign}{hours:02d}:{minutes:02d}"
    if colons == 2:
        return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"
    if colons == 3:
        return f"{sign}{hours:02d}"
    return f"{sign}{hours:02d}{minutes:02d}"


def _subseconds(epoch: float, width: int) -> str:
    """The first `width` digits of the fraction of a second (cut, not rounded), read to
    the microsecond that a double of a present-day epoch holds."""
    micro = min(round((epoch - math.floor(epoch)) * 1_000_000), 999_999)
    return (f"{micro:06d}" + "000")[:width].ljust(width, "0")


def strftime(epoch: float, fmt: str, tz: Zone) -> str:
    """`epoch` rendered with `fmt` in the zone (see the module's docstring)."""
    check_strftime(fmt)
    moment = local(epoch, tz)
    offset = int(moment.utcoffset().total_seconds())

    def render(match: re.Match) -> str:
        digits, subsecond, zone_form, letter = match.groups()
        if subsecond:
            return _subseconds(epoch, int(digits or (9 if subsecond == "N" else 3)))
        if zone_form == "Ez":
            return str(offset // 60)
        if zone_form:
            return _offset_text(offset, zone_form.count(":"))
        if letter == "s":
            return str(math.floor(epoch))
        if letter == "f":
            return _subseconds(epoch, 6)
        if letter == "z":
            return _offset_text(offset, 0)
        if letter == "+":
            return moment.strftime("%a %b %d %H:%M:%S %Z %Y")
        return moment.strftime(f"%{letter}")

    return _DIRECTIVE.sub(render, fmt)


# -- strptime ------------------------------------------------------------------------------

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr)
                if name})
_WEEKDAYS = [name.lower() for name in (*calendar.day_name, *calendar.day_abbr)]
_NAMES = {"month": "(?i:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")",
          "weekday": "(?i:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + ")"}

# Each variable's pattern; a group's name is the part of the time it gives.
_PATTERNS: Dict[str, str] = {
    "Y": r"(?P<Y>[+-]?\d{1,4})", "y": r"(?P<y>\d{1,2})", "C": r"(?P<C>\d{1,2})",
    "m": r"(?P<m>\d{1,2})", "d": r"(?P<d>\d{1,2})", "e": r"\s*(?P<d>\d{1,2})",
    "j": r"(?P<j>\d{1,3})", "H": r"(?P<H>\d{1,2})", "k": r"\s*(?P<H>\d{1,2})",
    "I": r"(?P<I>\d{1,2})", "l": r"\s*(?P<I>\d{1,2})", "M": r"(?P<M>\d{1,2})",
    "S": r"(?P<S>\d{1,2})", "p": r"(?P<p>[AaPp][Mm])",
    "b": f"(?P<b>{_NAMES['month']})", "B": f"(?P<b>{_NAMES['month']})",
    "h": f"(?P<b>{_NAMES['month']})", "a": f"(?:{_NAMES['weekday']})",
    "A": f"(?:{_NAMES['weekday']})", "s": r"(?P<s>[+-]?\d+(?:\.\d+)?)",
    "N": r"(?P<N>\d+)", "Q": r"(?P<N>\d+)", "f": r"(?P<N>\d+)",
    "z": r"(?P<z>Z|[+-]\d{2}(?::?\d{2})?)", "Z": r"(?P<Z>[A-Za-z]{1,5})",
    "%": "%", "n": r"\s*", "t": r"\s*",
}
_COMPOUNDS = {"T": "%H:%M:%S", "F": "%Y-%m-%d", "D": "%m/%d/%y", "R": "%H:%M",
              "r": "%I:%M:%S %p"}


@lru_cache(maxsize=256)
def _reader(fmt: str) -> re.Pattern[str]:
    """The regex reading `fmt` (raises SplUnsupported for a variable it cannot read)."""
    for name, expansion in _COMPOUNDS.items():
        fmt = fmt.replace(f"%{name}", expansion)
    parts: List[str] = []
    seen: set = set()
    position = 0
    for match in re.finditer(r"%(?:\d?[NQ]|:{1,3}z|.|\Z)|\s+", fmt, re.DOTALL):
        parts.append(re.escape(fmt[position:match.start()]))
        position = match.end()
        token = match.group(0)
        if token.isspace():
            parts.append(r"\s*")
            continue
        letter = token[-1] if token != "%" else ""
        pattern = _PATTERNS.get(letter)
        if pattern is None:
            raise SplUnsupported(f"unsupported strptime variable '{token}'")
        group = re.search(r"\?P<(\w+)>", pattern)
        if group and group.group(1) in seen:  # a part given twice: read the first
            pattern = re.sub(r"\?P<\w+>", "?:", pattern)
        elif group:
            seen.add(group.group(1))
        parts.append(pattern)
    parts.append(re.escape(fmt[position:]))
    return re.compile("".join(parts))


def check_strptime(fmt: str) -> None:
    """Refuse, naming it, a variable this engine does not read."""
    _reader(fmt)


def _zone_of(found: Dict[str, Optional[str]], tz: Zone):
    """The zone the text names, the search's zone when it names none, None when it
    names a zone this engine cannot place."""
    if found.get("z"):
        text = found["z"]
        if text.upper() == "Z":
            return timezone.utc
        digits = text[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
        return timezone(timedelta(minutes=-minutes if text[0] == "-" else minutes))
    if found.get("Z"):
        return timezone.utc if found["Z"].upper() in ("UTC", "GMT", "Z") else None
    return zone(tz)


def _date_of(found: Dict[str, Optional[str]]) -> Optional[Tuple[int, int, int]]:
    """(year, month, day), or None when the text gives no year or no day."""
    if found.get("Y"):
        year = int(found["Y"])
    elif found.get("y"):
        short = int(found["y"])
        century = int(found["C"]) * 100 if found.get("C") else (1900 if short >= 69 else 2000)
        year = century + short
    else:
        return None
    if found.get("j"):
        day = datetime(year, 1, 1) + timedelta(days=int(found["j"]) - 1)
        return day.year, day.month, day.day
    if not found.get("d"):
        return None
    month = int(found["m"]) if found.get("m") else _MONTHS.get((found.get("b") or "").lower(), 1)
    return year, month, int(found["d"])


def strptime(text: str, fmt: str, tz: Zone) -> Optional[float]:
    """The epoch `text` stands for, read with `fmt` (see the module's docstring)."""
    match = _reader(fmt).match(text)
    if match is None:
        return None
    found = match.groupdict()
    fraction = float("0." + found["N"]) if found.get("N") else 0.0
    if found.get("s"):
        return with_decimals(float(found["s"]) + fraction, 6)
    date, place = _date_of(found), _zone_of(found, tz)
    if date is None or place is None:
        return None
    hour = int(found["H"] or 0) if found.get("H") else 0
    if found.get("I"):
        hour = int(found["I"]) % 12 + (12 if (found.get("p") or "").lower() == "pm" else 0)
    try:
        naive = datetime(*date, hour, int(found.get("M") or 0), int(found.get("S") or 0))
    except ValueError:
        return None
    if naive.year < 1971:
        return None
    if isinstance(place, timezone):
        epoch = naive.replace(tzinfo=place).timestamp()
    else:
        epoch = wall_clock(naive, place)
    return with_decimals(epoch + fraction, 6)


__all__ = ["check_strftime", "check_strptime", "strftime", "strptime"]
