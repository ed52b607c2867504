"""The search head's scheduler, simulated over a fixed set of indexed events.

Input: the app's saved searches as savedsearches.conf stanzas ({key: value}, default
overlaid by local), events with float `_time` and `_indextime`, sorted by `_time` (a list
of mappings, or any EventSource), and an engine with `run(spl, events, now=, earliest=,
latest=, name=)` returning result rows (with `read_clock`, see devkit.spl.clock).

What it simulates (docs/replay.md, "`replay`: the scheduler, simulated"):
- every search with `enableSched = 1` and a `cron_schedule` runs at each cron tick in the
  search head's time zone (devkit.cronticks), from local midnight of the first event's
  day until every event has been indexed and every window that covers it has been
  searched; `disabled` is ignored (the app ships its searches disabled); `plan` gives
  the span and the number of runs before anything runs;
- a run at tick T is dispatched with `now = T` over `[dispatch.earliest_time,
  dispatch.latest_time)` resolved relative to T, and sees only events whose
  `_indextime` is at most T (data indexed later is missed, as on a live search head),
  newest first, the order in which Splunk's search returns events;
- no run is dropped as a busy Splunk scheduler may drop one (`realtime_schedule = 0`);
  searches that leave it at its default (true) are listed by the replay. A run that
  provably changes nothing is not *executed* (see Scheduler): its outcome is the one an
  earlier run already gave, and the alerts are those of every run executed;
- runs of different searches are interleaved in time order, so that state a run writes
  (lookups, KV store collections) is what later runs read; at the same tick, searches
  run in the order of savedsearches.conf;
- the alert condition (`counttype`, `relation`, `quantity`, or `alert_condition`) and
  throttling (`alert.suppress`, `alert.suppress.period`, `alert.suppress.fields`,
  `alert.digest_mode`) as savedsearches.conf.spec documents them;
- a run that raises the engine's SplError is a failure (search, run time, message), and
  the simulation goes on, as Splunk's scheduler does. SplUnsupported (SPL the engine
  cannot run) stops the simulation: no later run could be trusted.

The saved searches themselves, their alert condition and throttling are in
devkit.savedsearches (its names are available here too).
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Protocol, Sequence, Tuple
from zoneinfo import ZoneInfo

from devkit.cronticks import CronTicks
from devkit.savedsearches import (
    COUNT_TYPES,
    RELATIONS,
    AlertCondition,
    Engine,
    Row,
    Run,
    ScheduledSearch,
    ScheduleError,
    Throttle,
    is_true,
    period_seconds,
    scheduled_searches,
)
from devkit.windows import ActiveRegions, reach

TimeResolver = Callable[[str, float, str], float]


def cron_ticks(cron: str, start: float, tz: str) -> Iterator[float]:
    """Epoch times of the cron schedule in time zone tz, from `start` included."""
    ticks = CronTicks(cron, tz)
    tick = ticks.first_from(start)
    while True:
        yield tick
        tick = ticks.after(tick)


def local_midnight(epoch: float, tz: str) -> float:
    """The start of the day holding `epoch`, in time zone tz."""
    zone = ZoneInfo(tz)
    day = datetime.fromtimestamp(epoch, zone).date()
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


@dataclass
class SearchPlan:
    """When one search runs in a replay: its ticks from `first` to `last` included."""

    search: ScheduledSearch
    ticks: CronTicks
    first: float
    last: float
    runs: int
    regions: Optional[ActiveRegions]  # None: every tick's window must be resolved


@dataclass
class Plan:
    """The simulated span (from local midnight of the first event's day to the last run)
    and the runs it holds."""

    start: float
    end: float
    searches: List[SearchPlan]

    @property
    def runs(self) -> int:
        return sum(p.runs for p in self.searches)


@dataclass
class Simulation:
    """The outcome of a scheduler simulation.

    `runs` holds the runs that were executed and those whose reused outcome triggered;
    `executed`, `skipped` and `ticks` count per search the runs executed, the runs proved
    identical to an earlier one and not executed (see Scheduler), and all of them."""

    runs: List[Run] = field(default_factory=list)
    failures: List[Tuple[str, float, str]] = field(default_factory=list)
    executed: Dict[str, int] = field(default_factory=dict)
    skipped: Dict[str, int] = field(default_factory=dict)

    def runs_per_search(self) -> Dict[str, int]:
        """Every tick of every search, executed, skipped or failed."""
        names = dict.fromkeys([*self.executed, *self.skipped])
        return {n: self.executed.get(n, 0) + self.skipped.get(n, 0) for n in names}


class EventList:
    """Events as the scheduler reads them: mappings sorted by `_time`, each with a float
    `_time` and `_indextime` (any other source offers the same four members)."""

    def __init__(self, events: Sequence[Mapping]) -> None:
        self.events = events
        self.times = [float(e["_time"]) for e in events]
        self.indextimes = [float(e["_indextime"]) for e in events]

    def __len__(self) -> int:
        return len(self.events)

    def visible(self, low: int, high: int, now: float) -> List[Mapping]:
        """Events low..high-1 indexed by `now`, newest first, as a search returns them."""
        return [self.events[i] for i in range(high - 1, low - 1, -1)
                if self.indextimes[i] <= now]


class EventSource(Protocol):
    times: Sequence[float]
    indextimes: Sequence[float]

    def __len__(self) -> int: ...

    def visible(self, low: int, high: int, now: float) -> List[Mapping]: ...


StateDigest = Callable[[], str]
Progress = Callable[[float, Simulation], None]


class Scheduler:
    """Runs scheduled searches over indexed events as the search head's scheduler would.

    Runs that cannot change anything are not executed (unless `tick_by_tick`): a run is
    skipped only when (1) no event is visible in its window, proved for a tick outside
    every event's active region (devkit.windows) and checked by resolving the window
    inside one, and (2) the same search already ran over no events from the same state
    (`state()`, a digest of every lookup and KV store file), returned rows R, left the
    state as it was and did not read its clock (`Results.read_clock`). The run is then a
    function of nothing that differs (no events, the same tables, a clock it does not
    read), so it returns R and writes nothing: its R goes through the alert condition and
    throttling as an executed run's rows would. While R is such that the alert condition
    stays idle, the search is parked: its ticks are counted, not visited, until its next
    active region or until a run of another search changes the state (then it resumes at
    its first tick after that run). Without `state` or with an engine whose results do
    not say `read_clock`, nothing is skipped.
    """

    def __init__(self, searches: Sequence[ScheduledSearch], engine: Engine,
                 resolve_time: TimeResolver, tz: str = "UTC",
                 run_errors: Tuple[type, ...] = (), fatal_errors: Tuple[type, ...] = (),
                 state: Optional[StateDigest] = None, tick_by_tick: bool = False
                 ) -> None:
        self.searches = list(searches)
        self.engine = engine
        self.resolve_time = resolve_time
        self.tz = tz
        self.run_errors = run_errors  # exceptions that fail one run (the engine's SplError)
        self.fatal_errors = fatal_errors  # ... and those that stop it all (SplUnsupported)
        self.state = state
        self.tick_by_tick = tick_by_tick or state is None

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

    # -- the plan ------------------------------------------------------------------------

    def plan(self, source: EventSource, bounds: Optional[Tuple[float, float, float]] = None
             ) -> Optional[Plan]:
        """The span and the runs of every search, before anything runs (None: no events).

        `bounds` = (first _time, last _time, last _indextime) of all the events read,
        when events that no search can use were left out of `source` (default: the
        source's own)."""
        times = source.times
        if bounds is None:
            if not len(source):
                return None
            bounds = (times[0], times[-1], max(source.indextimes))
        first, last, last_indexed = bounds
        start = local_midnight(first, self.tz)
        plans = []
        for search in self.searches:
            ticks = CronTicks(search.cron, self.tz)
            back = reach(search.earliest, self.tz) if search.earliest else math.inf
            forward = reach(search.latest, self.tz)
            stop = self._last_tick(search, ticks, start, last, last_indexed, forward)
            regions = None
            if not math.isinf(back) and not math.isinf(forward):
                regions = ActiveRegions(times, source.indextimes, back, forward)
            begin = ticks.first_from(start)
            plans.append(SearchPlan(search, ticks, begin, stop, ticks.count(begin, stop),
                                    regions))
        return Plan(start, max(p.last for p in plans) if plans else start, plans)

    def _last_tick(self, search: ScheduledSearch, ticks: CronTicks, start: float,
                   last_time: float, last_indexed: float, forward: float) -> float:
        """The first tick at which the search is done (see _done): no tick before
        last_time - reach(latest) can be, so the search starts there."""
        low = max(start, last_indexed, last_time - forward) if not math.isinf(forward) \
            else max(start, last_indexed)
        tick = ticks.first_from(low)
        limit = tick + 400 * 86400
        while not self._done(search, tick, last_time, last_indexed):
            tick = ticks.after(tick)
            if tick > limit:
                raise ScheduleError(f"{search.name}: its window (dispatch.latest_time = "
                                    f"{search.latest!r}) never moves past the last event")
        return tick

    # -- the simulation --------------------------------------------------------------------

    def simulate(self, source, plan: Optional[Plan] = None,
                 progress: Optional[Progress] = None) -> Simulation:
        """Every run of every search, in time order (see the class docstring).

        `source` is an EventSource or a list of event mappings sorted by `_time`; `plan`
        is what `plan` returned for it; `progress(now, simulation)` is called now and
        then with the simulated time."""
        if not hasattr(source, "visible"):
            source = EventList(source)
        simulation = Simulation()
        plan = plan or self.plan(source)
        if plan is None or not self.searches:
            return simulation
        return _Simulator(self, source, plan, simulation, progress).run()

    def run_once(self, search: ScheduledSearch, now: float, events: Sequence[Mapping],
                 throttle: Throttle, condition: AlertCondition, simulation: Simulation,
                 window: Tuple[Optional[float], Optional[float]]) -> Optional[List[Row]]:
        """Execute one run; its result rows, or None when it failed (reported)."""
        earliest, latest = window
        try:
            rows = self.engine.run(search.spl, events, now=now, earliest=earliest,
                                   latest=latest, name=search.name)
        except self.fatal_errors:
            raise
        except self.run_errors as error:
            simulation.failures.append((search.name, now, str(error)))
            return None
        self.settle(search, now, rows, throttle, condition, simulation)
        return rows

    def settle(self, search: ScheduledSearch, now: float, rows: List[Row],
               throttle: Throttle, condition: AlertCondition, simulation: Simulation
               ) -> None:
        """A run's rows through the alert condition and throttling."""
        try:
            triggered = search.is_alert and condition.triggered(rows, now)
        except self.fatal_errors:
            raise
        except self.run_errors as error:
            simulation.failures.append((search.name, now, str(error)))
            return
        alerts = throttle.admit(list(rows), now) if triggered else []
        simulation.runs.append(Run(search.name, now, list(rows) if triggered else [],
                                   triggered, alerts))


PROGRESS_TURNS = 500  # ticks visited between two calls of the progress callback


class _Simulator:
    """One simulation's moving parts: the queue of next ticks, parked searches, memos."""

    def __init__(self, scheduler: Scheduler, source: EventSource, plan: Plan,
                 simulation: Simulation, progress: Optional[Progress]) -> None:
        self.scheduler, self.source, self.plan = scheduler, source, plan
        self.simulation, self.progress = simulation, progress
        self.skipping = not scheduler.tick_by_tick
        self.throttles = [Throttle(p.search) for p in plan.searches]
        self.conditions = [AlertCondition(p.search, scheduler.engine) for p in plan.searches]
        self.memos: List[Dict[str, List[Row]]] = [{} for _ in plan.searches]
        self.digest: Optional[str] = None  # the state's digest, None when it may have changed
        self.parked: Dict[int, float] = {}  # search order -> the tick it was parked at
        self.versions = [0] * len(plan.searches)
        self.queue: List[Tuple[float, int, int]] = []
        for order, search_plan in enumerate(plan.searches):
            name = search_plan.search.name
            simulation.executed.setdefault(name, 0)
            simulation.skipped.setdefault(name, 0)
            self._push(order, search_plan.first)

    def _push(self, order: int, tick: float) -> None:
        self.versions[order] += 1
        heapq.heappush(self.queue, (tick, order, self.versions[order]))

    def _state(self) -> str:
        if self.digest is None:
            self.digest = self.scheduler.state()
        return self.digest

    def run(self) -> Simulation:
        turns = 0
        while self.queue:
            tick, order, version = heapq.heappop(self.queue)
            if version != self.versions[order]:
                continue  # superseded (a parked search woken earlier)
            search_plan = self.plan.searches[order]
            if order in self.parked:
                self._count_skipped(order, self.parked.pop(order), tick)
            self._visit(order, search_plan, tick)
            turns += 1
            if self.progress and turns % PROGRESS_TURNS == 0:
                self.progress(tick, self.simulation)
        return self.simulation

    def _count_skipped(self, order: int, since: float, until: float) -> None:
        """The ticks strictly between `since` and `until`, all skipped while parked."""
        inner = self.plan.searches[order].ticks.count(since, until) - 2
        if inner > 0:
            self.simulation.skipped[self.plan.searches[order].search.name] += inner

    def _visit(self, order: int, search_plan: SearchPlan, tick: float) -> None:
        scheduler, search = self.scheduler, search_plan.search
        regions = search_plan.regions
        events: List[Mapping] = []
        window: Tuple[Optional[float], Optional[float]] = (None, None)
        resolved = regions is None or not self.skipping or regions.holds(tick)
        if resolved:
            try:
                window = scheduler.window(search, tick)
            except scheduler.run_errors as error:  # a failed run: it wrote nothing
                self.simulation.failures.append((search.name, tick, str(error)))
                self.simulation.executed[search.name] += 1
                self._next(order, search_plan, tick)
                return
            events = self._events(window, tick)
        if events or not self.skipping:
            self._execute(order, search_plan, tick, events, window)
            self._next(order, search_plan, tick)
            return
        memo = self.memos[order].get(self._state())
        if memo is None:
            if not resolved:  # the run may read its time range: give it the real one
                try:
                    window = scheduler.window(search, tick)
                except scheduler.run_errors as error:
                    self.simulation.failures.append((search.name, tick, str(error)))
                    self.simulation.executed[search.name] += 1
                    self._next(order, search_plan, tick)
                    return
            self._execute_empty(order, search_plan, tick, window)
            self._next(order, search_plan, tick)
            return
        self.simulation.skipped[search.name] += 1
        self._settle(order, tick, memo)
        if self.conditions[order].idle(memo) and tick < search_plan.last:
            self._park(order, search_plan, tick)
        else:
            self._next(order, search_plan, tick)

    def _events(self, window, tick: float) -> List[Mapping]:
        earliest, latest = window
        times = self.source.times
        low = 0 if earliest is None else bisect.bisect_left(times, earliest)
        high = len(times) if latest is None else bisect.bisect_left(times, latest)
        return self.source.visible(low, high, tick) if high > low else []

    def _execute(self, order: int, search_plan: SearchPlan, tick: float,
                 events: List[Mapping], window) -> None:
        before = self.digest
        self.scheduler.run_once(search_plan.search, tick, events, self.throttles[order],
                                self.conditions[order], self.simulation, window)
        self.simulation.executed[search_plan.search.name] += 1
        self.digest = None  # the run may have written tables
        self._wake_if_changed(order, tick, before)

    def _execute_empty(self, order: int, search_plan: SearchPlan, tick: float,
                       window) -> None:
        """Run over no events, remembering the outcome when it can be reused."""
        search = search_plan.search
        before = self._state()
        earliest, latest = window
        try:
            rows = self.scheduler.engine.run(search.spl, [], now=tick, earliest=earliest,
                                             latest=latest, name=search.name)
        except self.scheduler.fatal_errors:
            raise
        except self.scheduler.run_errors as error:
            self.simulation.failures.append((search.name, tick, str(error)))
            rows = None
        self.simulation.executed[search.name] += 1
        self.digest = None  # the run may have written tables
        if rows is not None:
            if getattr(rows, "read_clock", True) is False and self._state() == before:
                self.memos[order][before] = list(rows)
            self._settle(order, tick, rows)
        self._wake_if_changed(order, tick, before)

    def _settle(self, order: int, tick: float, rows: List[Row]) -> None:
        """Rows through the alert condition and throttling; an alert_condition is a
        search of its own, which may write tables."""
        condition = self.conditions[order]
        before = self.digest
        self.scheduler.settle(self.plan.searches[order].search, tick, rows,
                              self.throttles[order], condition, self.simulation)
        if condition.custom and condition.search.is_alert:
            self.digest = None
            self._wake_if_changed(order, tick, before)

    def _wake_if_changed(self, order: int, tick: float, before: Optional[str]) -> None:
        """After a run of search `order` at `tick`: if it changed the state, every parked
        search resumes at its first tick after that run. (While a search is parked the
        digest is known before every run, so `before` is then never None.)"""
        if not self.parked or self._state() == before:
            return
        for other in list(self.parked):
            search_plan = self.plan.searches[other]
            # At the same tick, the searches after this one in savedsearches.conf run later.
            resume = (search_plan.ticks.first_from(tick) if other > order
                      else search_plan.ticks.after(tick))
            self._count_skipped(other, self.parked.pop(other), resume)
            self._push(other, resume)

    def _park(self, order: int, search_plan: SearchPlan, tick: float) -> None:
        """Skip to the search's next active region (or its last tick), counting, not
        visiting, the ticks in between; a state change wakes it earlier."""
        regions = search_plan.regions
        after = search_plan.ticks.after(tick)
        start = regions.next_start(after) if regions is not None else after
        resume = search_plan.last if start > search_plan.last else (
            search_plan.ticks.first_from(start))
        resume = min(resume, search_plan.last)
        if self.digest is None:
            self._state()
        self.parked[order] = tick
        self._push(order, resume)

    def _next(self, order: int, search_plan: SearchPlan, tick: float) -> None:
        if tick < search_plan.last:
            self._push(order, search_plan.ticks.after(tick))


__all__ = ["COUNT_TYPES", "RELATIONS", "AlertCondition", "Engine", "EventList", "EventSource",
           "Plan", "Run", "ScheduleError", "ScheduledSearch", "Scheduler", "SearchPlan",
           "Simulation", "Throttle", "cron_ticks", "is_true", "local_midnight",
           "period_seconds", "scheduled_searches"]
