"""The search head's scheduler, simulated over a fixed set of indexed events.

Input: the app's saved searches as savedsearches.conf stanzas ({key: value}, default
overlaid by local), events with float `_time` and `_indextime`, sorted by `_time`, and an
engine with `run(spl, events, now=, earliest=, latest=, name=)` returning result rows.

What it simulates (shared/spec/replay.md, "The scheduler simulation"):
- every search with `enableSched = 1` and a `cron_schedule` runs at each cron tick in the
  search head's time zone, from local midnight of the first event's day until every
  event has been indexed and every window that covers it has been searched; `disabled`
  is ignored (the app ships its searches disabled);
- a run at tick T is dispatched with `now = T` over `[dispatch.earliest_time,
  dispatch.latest_time)` resolved relative to T, and sees only events whose
  `_indextime` is at most T (data indexed later is missed, as on a live search head),
  newest first, the order in which Splunk's search returns events;
- runs are never skipped (`realtime_schedule = 0`); searches that leave it at its default
  (true) are listed, since a busy Splunk scheduler may skip their runs;
- runs of different searches are interleaved in time order, so that state a run writes
  (lookups, KV store collections) is what later runs read; at the same tick, searches
  run in the order of savedsearches.conf;
- the alert condition (`counttype`, `relation`, `quantity`, or `alert_condition`) and
  throttling (`alert.suppress`, `alert.suppress.period`, `alert.suppress.fields`,
  `alert.digest_mode`) as savedsearches.conf.spec documents them;
- a run that raises the engine's SplError is a failure (search, run time, message), and
  the simulation goes on, as Splunk's scheduler does. SplUnsupported (SPL the engine
  cannot run) stops the simulation: no later run could be trusted.

A scheduled search is an alert when it tracks alerts (`alert.track`) or has an alert
action enabled (`action.<name> = 1`); otherwise (the baseline search) it is a scheduled
report whose rows are not alerts.
"""

from __future__ import annotations

import bisect
import heapq
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Protocol, Sequence, Tuple
from zoneinfo import ZoneInfo

from croniter import croniter

Row = Dict[str, object]
TimeResolver = Callable[[str, float, str], float]

_TRUE = ("1", "true", "t", "yes", "y", "on")
_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_PERIOD_UNITS = {"": 1, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
                 "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
                 "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
                 "d": 86400, "day": 86400, "days": 86400}
COUNT_TYPES = ("always", "number of events", "number of hosts", "number of sources", "custom")
RELATIONS = ("greater than", "less than", "equal to", "not equal to", "drops by", "rises by")


class Engine(Protocol):
    def run(self, spl: str, events: Sequence[Row], *, now: float, earliest: Optional[float],
            latest: Optional[float], name: str) -> List[Row]: ...


class ScheduleError(ValueError):
    """A saved search whose schedule or alert settings cannot be simulated (names it)."""


def is_true(value: object) -> bool:
    return str(value).strip().lower() in _TRUE


def period_seconds(text: str, search: str) -> float:
    """`alert.suppress.period`: `[number][time-unit]`, 60 = 60 s, 1m, 1h, 24h, 1d."""
    match = _PERIOD.match(text or "")
    if not match or match.group(2).lower() not in _PERIOD_UNITS:
        raise ScheduleError(f"{search}: alert.suppress.period = {text!r} is not a time "
                            "such as 60, 1m, 1h or 24h")
    return float(match.group(1)) * _PERIOD_UNITS[match.group(2).lower()]


def _field_text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(map(str, value))
    return "" if value is None else str(value)


@dataclass(frozen=True)
class ScheduledSearch:
    """One savedsearches.conf stanza, as the scheduler reads it."""

    name: str
    spl: str
    cron: str
    earliest: str = ""
    latest: str = ""
    realtime_schedule: bool = True
    is_alert: bool = False
    counttype: str = "always"
    relation: str = ""
    quantity: float = 0.0
    quantity_percent: bool = False  # "drops by 10%" rather than "drops by 10"
    alert_condition: str = ""
    suppress: bool = False
    suppress_period: float = 0.0
    suppress_fields: Tuple[str, ...] = ()
    digest_mode: bool = True

    @classmethod
    def from_stanza(cls, name: str, settings: Mapping[str, str]) -> ScheduledSearch:
        get = lambda key, default="": str(settings.get(key, default)).strip()  # noqa: E731
        counttype = get("counttype", "always").lower() or "always"
        relation = get("relation").lower()
        if counttype not in COUNT_TYPES:
            raise ScheduleError(f"{name}: counttype = {counttype!r} is not one of "
                                + ", ".join(COUNT_TYPES))
        if counttype not in ("always", "custom") and relation not in RELATIONS:
            raise ScheduleError(f"{name}: relation = {relation!r} is not one of "
                                + ", ".join(RELATIONS))
        try:
            quantity = float(get("quantity", "0").rstrip("%") or 0)
        except ValueError:
            raise ScheduleError(f"{name}: quantity = {get('quantity')!r} is not a number") \
                from None
        suppress = is_true(get("alert.suppress", "0"))
        actions = any(is_true(value) for key, value in settings.items()
                      if re.fullmatch(r"action\.[^.]+", key))
        return cls(
            name=name, spl=get("search"), cron=get("cron_schedule"),
            earliest=get("dispatch.earliest_time"), latest=get("dispatch.latest_time"),
            realtime_schedule=is_true(get("realtime_schedule", "1")),
            is_alert=is_true(get("alert.track", "0")) or actions,
            counttype=counttype, relation=relation, quantity=quantity,
            quantity_percent=get("quantity").endswith("%"),
            alert_condition=get("alert_condition"),
            suppress=suppress,
            suppress_period=period_seconds(get("alert.suppress.period"), name) if suppress else 0,
            suppress_fields=tuple(f.strip() for f in get("alert.suppress.fields").split(",")
                                  if f.strip()),
            digest_mode=is_true(get("alert.digest_mode", "1")),
        )


def scheduled_searches(stanzas: Mapping[str, Mapping[str, str]],
                       names: Optional[Sequence[str]] = None) -> List[ScheduledSearch]:
    """The scheduled searches of savedsearches.conf (enabled or not), in file order.

    With `names`, only those, and each must exist and be scheduled (ScheduleError).
    """
    scheduled = {name: settings for name, settings in stanzas.items()
                 if name != "default" and is_true(settings.get("enableSched", "0"))
                 and str(settings.get("cron_schedule", "")).strip()}
    if names:
        unknown = [n for n in names if n not in scheduled]
        if unknown:
            raise ScheduleError("no scheduled search named " + ", ".join(map(repr, unknown)))
        chosen = [n for n in scheduled if n in set(names)]
    else:
        chosen = list(scheduled)
    searches = [ScheduledSearch.from_stanza(n, scheduled[n]) for n in chosen]
    for search in searches:
        if not croniter.is_valid(search.cron):
            raise ScheduleError(f"{search.name}: cron_schedule = {search.cron!r} is not valid")
    return searches


def cron_ticks(cron: str, start: float, tz: str) -> Iterator[float]:
    """Epoch times of the cron schedule in time zone tz, from `start` included."""
    zone = ZoneInfo(tz)
    first = datetime.fromtimestamp(start, zone) - timedelta(seconds=1)
    ticks = croniter(cron, first)
    while True:
        yield ticks.get_next(datetime).timestamp()


def local_midnight(epoch: float, tz: str) -> float:
    """The start of the day holding `epoch`, in time zone tz."""
    zone = ZoneInfo(tz)
    day = datetime.fromtimestamp(epoch, zone).date()
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


@dataclass
class Run:
    """One run of one search at one tick."""

    search: str
    time: float
    rows: List[Row]
    triggered: bool
    alerts: List[Row]  # the rows that fired, after throttling (empty for reports)


@dataclass
class Throttle:
    """Alert suppression state of one search (savedsearches.conf.spec, alert.suppress*).

    Per-result mode (`alert.digest_mode = 0` with `alert.suppress.fields`): a result
    whose combination of field values fired at run time T is suppressed in runs before
    T + period, and so is a second result with the same combination in the same run.
    Digest mode: the whole alert is suppressed for the period after a run that fired.
    """

    search: ScheduledSearch
    until: Dict[Tuple[str, ...], float] = field(default_factory=dict)

    def _per_result(self) -> bool:
        return not self.search.digest_mode and bool(self.search.suppress_fields)

    def admit(self, rows: List[Row], now: float) -> List[Row]:
        if not self.search.suppress:
            return rows
        expiry = now + self.search.suppress_period
        if not self._per_result():
            if self.until.get((), float("-inf")) > now:
                return []
            self.until[()] = expiry
            return rows
        admitted = []
        for row in rows:
            key = tuple(_field_text(row.get(name)) for name in self.search.suppress_fields)
            if self.until.get(key, float("-inf")) > now:
                continue
            self.until[key] = expiry
            admitted.append(row)
        return admitted


class AlertCondition:
    """counttype / relation / quantity, or alert_condition, of one search."""

    def __init__(self, search: ScheduledSearch, engine: Engine) -> None:
        self.search = search
        self.engine = engine
        self.previous: Optional[float] = None

    def _count(self, rows: List[Row]) -> float:
        counttype = self.search.counttype
        if counttype == "number of hosts":
            return len({_field_text(r.get("host")) for r in rows if r.get("host") is not None})
        if counttype == "number of sources":
            return len({_field_text(r.get("source")) for r in rows
                        if r.get("source") is not None})
        return len(rows)

    def triggered(self, rows: List[Row], now: float) -> bool:
        search = self.search
        if search.counttype == "custom" or search.alert_condition:
            if not search.alert_condition:
                return False
            return bool(self.engine.run(search.alert_condition, rows, now=now, earliest=None,
                                        latest=None, name=f"{search.name} (alert_condition)"))
        if search.counttype == "always":
            return True
        count, previous = self._count(rows), self.previous
        self.previous = count
        relation, quantity = search.relation, search.quantity
        if relation == "greater than":
            return count > quantity
        if relation == "less than":
            return count < quantity
        if relation == "equal to":
            return count == quantity
        if relation == "not equal to":
            return count != quantity
        if previous is None or (previous == 0 and search.quantity_percent):
            return False  # "drops by"/"rises by" compare with the previous run
        change = (count - previous) if relation == "rises by" else (previous - count)
        if search.quantity_percent:
            return change * 100 / previous >= quantity
        return change >= quantity


@dataclass
class Simulation:
    """The outcome of a scheduler simulation."""

    runs: List[Run] = field(default_factory=list)
    failures: List[Tuple[str, float, str]] = field(default_factory=list)

    def runs_per_search(self) -> Dict[str, int]:
        counts: Dict[str, int] = {}
        for run in self.runs:
            counts[run.search] = counts.get(run.search, 0) + 1
        for search, _time, _message in self.failures:
            counts[search] = counts.get(search, 0) + 1
        return counts


class Scheduler:
    """Runs scheduled searches over indexed events as the search head's scheduler would."""

    def __init__(self, searches: Sequence[ScheduledSearch], engine: Engine,
                 resolve_time: TimeResolver, tz: str = "UTC",
                 run_errors: Tuple[type, ...] = (), fatal_errors: Tuple[type, ...] = ()
                 ) -> None:
        self.searches = list(searches)
        self.engine = engine
        self.resolve_time = resolve_time
        self.tz = tz
        self.run_errors = run_errors  # exceptions that fail one run (the engine's SplError)
        self.fatal_errors = fatal_errors  # ... and those that stop it all (SplUnsupported)

    def window(self, search: ScheduledSearch, now: float
               ) -> Tuple[Optional[float], Optional[float]]:
        """[earliest, latest) of a run dispatched at `now`; None for all time / now."""
        earliest = self.resolve_time(search.earliest, now, self.tz) if search.earliest else None
        latest = self.resolve_time(search.latest, now, self.tz) if search.latest else None
        return earliest, latest

    def _done(self, search: ScheduledSearch, now: float, last_time: float,
              last_indexed: float) -> bool:
        """True once every event is indexed and the window has moved past the last one."""
        if now < last_indexed:
            return False
        try:
            _earliest, latest = self.window(search, now)
        except self.run_errors:  # reported by the run itself
            return now > last_time
        return (now if latest is None else latest) > last_time

    def _visible(self, events: Sequence[Row], times: List[float], now: float,
                 earliest: Optional[float], latest: Optional[float]) -> List[Row]:
        """The events of the window indexed by `now`, newest first, as a search returns them."""
        low = 0 if earliest is None else bisect.bisect_left(times, earliest)
        high = len(times) if latest is None else bisect.bisect_left(times, latest)
        return [e for e in reversed(events[low:high]) if e["_indextime"] <= now]

    def simulate(self, events: Sequence[Row]) -> Simulation:
        """Every run of every search, in time order, over events sorted by `_time`."""
        simulation = Simulation()
        if not events or not self.searches:
            return simulation
        times = [float(e["_time"]) for e in events]
        last_time = times[-1]
        last_indexed = max(float(e["_indextime"]) for e in events)
        start = local_midnight(times[0], self.tz)
        throttles = {s.name: Throttle(s) for s in self.searches}
        conditions = {s.name: AlertCondition(s, self.engine) for s in self.searches}
        # (tick, order in savedsearches.conf, its tick iterator)
        pending: List[Tuple[float, int, Iterator[float]]] = []
        for order, search in enumerate(self.searches):
            ticks = cron_ticks(search.cron, start, self.tz)
            heapq.heappush(pending, (next(ticks), order, ticks))
        while pending:
            now, order, ticks = heapq.heappop(pending)
            search = self.searches[order]
            self._run(search, now, events, times, throttles[search.name],
                      conditions[search.name], simulation)
            if not self._done(search, now, last_time, last_indexed):
                heapq.heappush(pending, (next(ticks), order, ticks))
        return simulation

    def _run(self, search: ScheduledSearch, now: float, events: Sequence[Row],
             times: List[float], throttle: Throttle, condition: AlertCondition,
             simulation: Simulation) -> None:
        try:
            earliest, latest = self.window(search, now)
            visible = self._visible(events, times, now, earliest, latest)
            rows = self.engine.run(search.spl, visible, now=now, earliest=earliest,
                                   latest=latest, name=search.name)
            triggered = search.is_alert and condition.triggered(rows, now)
        except self.fatal_errors:
            raise
        except self.run_errors as error:
            simulation.failures.append((search.name, now, str(error)))
            return
        alerts = throttle.admit(list(rows), now) if triggered else []
        simulation.runs.append(Run(search.name, now, rows, triggered, alerts))
