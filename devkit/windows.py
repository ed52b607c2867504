"""How far from its dispatch time a scheduled search's window can reach, and so which of
its runs can see an event at all.

A run dispatched at U searches `[earliest(U), latest(U))`, each end a relative time
modifier resolved at U (`-30m@m`, `-1h@h`, `@d`, `now`). `reach(modifier)` is an upper
bound of `|resolve_time(modifier, U) - U|` over every U: the sum, over the modifier's
parts, of how far each can move the time:
- an offset of n seconds, minutes or hours moves it exactly that far;
- an offset of n days, weeks, months, quarters or years moves the calendar (local wall
  time), so at most n times the longest such unit (31 days a month, 92 a quarter, 366 a
  year) plus the largest change of a zone's UTC offset (under 26 hours: the biggest in
  the time zone database, Samoa's 2011 jump, is 24);
- a snap `@unit` goes back less than one unit, plus that offset change for snaps in local
  time (all but `@s`);
- in a zone that never changes its offset (UTC and the `Etc/` zones) there is no offset
  change to add.
`now` and an empty modifier reach 0; an absolute time (epoch seconds, a date) or any
modifier outside this grammar gets no bound (infinity): such a window may hold any event.

Hence, with `A = reach(earliest)` (infinite for all time) and `B = reach(latest)`, an
event at time t indexed at i is visible to a run at U only if `max(i, t - B) <= U <=
t + A`: its *active region*. A tick in no event's active region sees no event, which is
proved without resolving its window; the replay resolves windows only inside regions.
"""

from __future__ import annotations

import bisect
import math
import re
from typing import List, Sequence, Tuple

from devkit.spl import SplError
from devkit.spl.times import parse_span

UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "mon": 31 * 86400,
                "q": 92 * 86400, "y": 366 * 86400}
CLOCK_UNITS = ("s", "m", "h")  # offsets in these units move the clock, not the calendar
ZONE_SLACK = 26 * 3600  # more than any change of a zone's UTC offset

# The relative time modifier grammar of the Search Reference ("Time modifiers"):
# offsets `[+|-]<integer><unit>` and snaps `@<unit>` (with a weekday after `@w`).
_PART = re.compile(r"([+-])(\d*)([a-zA-Z]+)|@([a-zA-Z]+)(\d?)")


def zone_slack(tz: str) -> float:
    """How much a change of the zone's UTC offset can add to a calendar move."""
    fixed = tz in ("UTC", "GMT", "Universal", "Zulu", "Greenwich") or tz.startswith("Etc/")
    return 0.0 if fixed else float(ZONE_SLACK)


def reach(modifier: str, tz: str = "UTC") -> float:
    """An upper bound of how far `modifier` resolved at U can be from U (seconds)."""
    text = (modifier or "").strip()
    if text in ("", "now"):
        return 0.0
    slack, total, position = zone_slack(tz), 0.0, 0
    while position < len(text):
        part = _PART.match(text, position)
        if not part:
            return math.inf
        sign, amount, offset_unit, snap_unit, _weekday = part.groups()
        try:
            count, unit = parse_span(f"{amount or 1}{offset_unit}" if sign else f"1{snap_unit}")
        except SplError:
            return math.inf
        if sign:
            total += count * UNIT_SECONDS[unit] + (0.0 if unit in CLOCK_UNITS else slack)
        else:
            total += UNIT_SECONDS[unit] + (0.0 if unit == "s" else slack)
        position = part.end()
    return total


class ActiveRegions:
    """The merged active regions of one search over a set of events (see the module)."""

    def __init__(self, times: Sequence[float], indextimes: Sequence[float], back: float,
                 forward: float) -> None:
        """`times`/`indextimes` of the events; `back` = reach(earliest) (how far before a
        run its window may start), `forward` = reach(latest)."""
        spans = sorted((max(i, t - forward), t + back) for t, i in zip(times, indextimes))
        starts: List[float] = []
        ends: List[float] = []
        for start, end in spans:
            if start > end:
                continue  # indexed after every window that could hold it has passed
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        self.starts, self.ends = starts, ends

    def next_start(self, moment: float) -> float:
        """`moment` if a region holds it, else the start of the next region (inf: none)."""
        index = bisect.bisect_left(self.ends, moment)
        if index == len(self.ends):
            return math.inf
        return max(moment, self.starts[index])

    def holds(self, moment: float) -> bool:
        return self.next_start(moment) == moment

    def __len__(self) -> int:
        return len(self.starts)

    def spans(self) -> List[Tuple[float, float]]:
        return list(zip(self.starts, self.ends))
