"""What a replay tells its user before it starts: tuning that cannot work, days its state
has already learned, and the span it is about to simulate.

Threshold macros. The app keeps each threshold in one macro (`cloud_secrets_volume_min_
distinct = 20`), which a user tunes in `local/macros.conf`. A threshold that is not a
number does not stop a search: `where distinct_secrets >= twenty` compares with a field
that does not exist and the rule goes quiet. The threshold macros are found from the
app's own conf, not from a list: the argument-less macros that the replayed saved
searches call (directly or through other macros) whose definition in `default/` is a
number. Each must still evaluate, as an eval expression, to a number; any that does not
is named, with its value and the shipped one.

Replayed days. A replay with `--state DIR` records in `DIR/replayed-days.json` the
local days (in `--tz`) of the events it replayed. Replaying some of them again over the
same state makes the searches learn them twice (the baseline's history, the first-read
memory), so the replay says which.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set
from zoneinfo import ZoneInfo

from devkit.scheduler import ScheduledSearch
from devkit.spl import SplError
from devkit.spl.conf import read_conf
from devkit.spl.evalexpr import evaluate_constant
from devkit.spl.macros import parse_call
from devkit.spl.values import to_number

DAYS_FILE = "replayed-days.json"
_CALL = re.compile(r"`([^`]+)`")


# -- Threshold macros --------------------------------------------------------------------


def macros_called(texts: Iterable[str], definitions: Mapping[str, Mapping[str, str]]
                  ) -> List[str]:
    """The macro stanzas the texts call, directly or through other macros, in order."""
    found: Dict[str, None] = {}
    pending = list(texts)
    while pending:
        for call in _CALL.findall(pending.pop(0)):
            name, arguments = parse_call(call)
            stanza = f"{name}({len(arguments)})" if arguments else name
            if stanza not in found:
                found[stanza] = None
                pending.append(str(definitions.get(stanza, {}).get("definition", "")))
    return list(found)


def threshold_problems(app_dir: Path, macros: Mapping[str, Mapping[str, str]],
                       searches: Sequence[ScheduledSearch]) -> List[str]:
    """One line per threshold macro of these searches that is not a number now."""
    shipped = read_conf(Path(app_dir) / "default" / "macros.conf")
    problems = []
    for name in macros_called([s.spl for s in searches], macros):
        default = str(shipped.get(name, {}).get("definition", "")).strip()
        if "(" in name or to_number(default) is None:
            continue  # not a threshold: an argument macro, a filter, a field definition
        current = str(macros.get(name, {}).get("definition", "")).strip()
        try:
            value = evaluate_constant(current) if current else None
        except SplError:
            value = None
        if to_number(value) is None:
            users = [s.name for s in searches if name in macros_called([s.spl], macros)]
            problems.append(
                f"the threshold macro {name} is {current!r}, which is not a number "
                f"(shipped: {default}): {'; '.join(users)} will compare with nothing "
                "and stay quiet")
    return problems


# -- Replayed days -----------------------------------------------------------------------


def event_days(times: Sequence[float], tz: str) -> Set[date]:
    """The local days (in tz) of sorted epoch times, one date conversion per day."""
    zone = ZoneInfo(tz)
    days: Set[date] = set()
    end: Optional[float] = None
    for moment in times:
        if end is not None and moment < end:
            continue
        local = datetime.fromtimestamp(moment, zone)
        days.add(local.date())
        following = local.date() + timedelta(days=1)
        end = datetime(following.year, following.month, following.day, tzinfo=zone).timestamp()
    return days


def day_ranges(days: Iterable[date]) -> str:
    """`2026-06-02 to 2026-06-04, 2026-06-09` (runs of consecutive days)."""
    ranges: List[List[date]] = []
    for day in sorted(days):
        if ranges and day - ranges[-1][1] == timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    return ", ".join(str(a) if a == b else f"{a} to {b}" for a, b in ranges)


def replayed_days(state_dir: Path, tz: str) -> Set[date]:
    """The days an earlier replay over this state recorded (in its own zone; days of
    another zone are compared as dates)."""
    try:
        recorded = json.loads((Path(state_dir) / DAYS_FILE).read_text(encoding="utf-8"))
        return {date.fromisoformat(day) for day in recorded.get("days", [])}
    except (OSError, ValueError, AttributeError, TypeError):
        return set()


def record_days(state_dir: Path, days: Set[date], tz: str) -> None:
    known = replayed_days(state_dir, tz) | days
    path = Path(state_dir) / DAYS_FILE
    path.write_text(json.dumps({"tz": tz, "days": sorted(map(str, known))}, indent=1) + "\n",
                    encoding="utf-8")


def reused_days_warning(state_dir: Path, days: Set[date], tz: str) -> Optional[str]:
    again = replayed_days(state_dir, tz) & days
    if not again:
        return None
    return (f"the state folder {state_dir} has already replayed {len(again)} of these days "
            f"({day_ranges(again)}): their events are learned a second time (the baseline "
            "and the first-read memory count them twice)")


# -- The span ----------------------------------------------------------------------------


def duration(seconds: float) -> str:
    """`3 years 12 days`, `7 days 1 h`, `45 min`: the two largest units."""
    left = round(seconds)
    parts = []
    for size, name in ((365 * 86400, "years"), (86400, "days"), (3600, "h"), (60, "min")):
        count, left = divmod(left, size)
        if count:
            unit = name[:-1] if count == 1 and name.endswith("s") else name
            parts.append(f"{count} {unit}")
    return " ".join(parts[:2]) or f"{left} s"
