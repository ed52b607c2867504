"""The scheduler simulation (devkit/scheduler.py) on its own, with a test double of the engine.

The oracle is savedsearches.conf.spec (cron_schedule, dispatch.*_time, counttype/relation/
quantity, alert.suppress*, alert.digest_mode, realtime_schedule) and shared/spec/replay.md
(ticks from local midnight of the first event's day, `_indextime <= T`, runs never skipped,
failures reported and the simulation going on). The engine double only records what each
run was given and returns one row per principal among the events it saw; the tests that run
the app's real SPL through the real engine are in tests/replay/.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Dict, List, Optional

import pytest

from devkit import scheduler
from devkit.scheduler import ScheduleError, Scheduler

HOUR = 3600
DAY = 86400
# 2026-06-02T00:00:00Z, a Tuesday
MIDNIGHT = datetime(2026, 6, 2, tzinfo=timezone.utc).timestamp()
UNITS = {"s": 1, "m": 60, "h": HOUR, "d": DAY}


def resolve(spec: str, now: float, tz: str) -> float:
    """A UTC-only stand-in for the engine's resolve_time: `-25m@m`, `-1h@h`, `@h`, `now`."""
    assert tz == "UTC"
    if spec == "now":
        return now
    match = re.fullmatch(r"(?:([+-]\d+)([smhd]))?(?:@([smhd]))?", spec)
    assert match, spec
    value = now + (int(match.group(1)) * UNITS[match.group(2)] if match.group(1) else 0)
    if match.group(3):
        value -= value % UNITS[match.group(3)]
    return value


class SplError(Exception):
    pass


class EngineDouble:
    """Records each run; returns one row per principal seen, with its event count."""

    def __init__(self, fail_at: Optional[float] = None) -> None:
        self.calls: List[dict] = []
        self.fail_at = fail_at

    def run(self, spl, events, *, now, earliest, latest, name):
        self.calls.append({"spl": spl, "now": now, "earliest": earliest, "latest": latest,
                           "name": name, "times": [e["_time"] for e in events]})
        if now == self.fail_at:
            raise SplError("lookup table 'cloud_secrets_baseline' does not exist")
        counts: Dict[str, int] = {}
        for event in events:
            counts[event["principal"]] = counts.get(event["principal"], 0) + 1
        return [{"principal": p, "count": str(n), "host": "h"} for p, n in sorted(counts.items())]


def stanza(**overrides) -> Dict[str, str]:
    settings = {"search": "`x` | stats count by principal", "enableSched": "1",
                "cron_schedule": "10 * * * *", "dispatch.earliest_time": "-1h@h",
                "dispatch.latest_time": "@h", "realtime_schedule": "0", "alert.track": "1",
                "counttype": "number of events", "relation": "greater than", "quantity": "0"}
    settings.update({k.replace("__", "."): v for k, v in overrides.items()})
    return settings


def event(at: float, principal: str = "dana", lag: float = 0.0) -> dict:
    return {"_time": at, "_indextime": at + lag, "principal": principal}


def simulate(stanzas: Dict[str, Dict[str, str]], events, engine=None):
    engine = engine or EngineDouble()
    searches = scheduler.scheduled_searches(stanzas)
    simulation = Scheduler(searches, engine, resolve, "UTC", run_errors=(SplError,)).simulate(
        sorted(events, key=lambda e: e["_time"]))
    return simulation, engine


def alert_times(simulation) -> List[float]:
    return [run.time for run in simulation.runs for _ in run.alerts]


def test_hourly_runs_start_at_midnight_and_stop_after_the_last_window():
    events = [event(MIDNIGHT + 9 * HOUR + 300)]
    simulation, engine = simulate({"volume": stanza()}, events)
    times = [c["now"] for c in engine.calls]
    assert times[0] == MIDNIGHT + 600  # 00:10, the first tick of the day
    assert times[-1] == MIDNIGHT + 10 * HOUR + 600  # 10:10 searches 09:00-10:00, then stops
    assert len(times) == 11
    (seen,) = [c for c in engine.calls if c["times"]]
    assert (seen["now"], seen["earliest"], seen["latest"]) == (
        MIDNIGHT + 10 * HOUR + 600, MIDNIGHT + 9 * HOUR, MIDNIGHT + 10 * HOUR)
    assert simulation.runs_per_search() == {"volume": 11}


def test_a_run_gets_its_events_newest_first_as_a_search_returns_them():
    events = [event(MIDNIGHT + 9 * HOUR + minute * 60) for minute in (1, 2, 3)]
    _simulation, engine = simulate({"volume": stanza()}, events)
    (seen,) = [c for c in engine.calls if c["times"]]
    assert seen["times"] == [e["_time"] for e in reversed(events)]


def test_the_window_is_half_open_so_an_event_at_its_latest_edge_waits_for_the_next_run():
    events = [event(MIDNIGHT + 10 * HOUR)]  # exactly 10:00: in 10:00-11:00, not 09:00-10:00
    _simulation, engine = simulate({"volume": stanza()}, events)
    (seen,) = [c for c in engine.calls if c["times"]]
    assert seen["now"] == MIDNIGHT + 11 * HOUR + 600


def test_a_run_sees_only_events_indexed_by_its_dispatch_time():
    # Read at 09:58, indexed 15 minutes later (10:13): the 10:10 run misses it for good.
    late = [event(MIDNIGHT + 9 * HOUR + 58 * 60, lag=15 * 60)]
    simulation, engine = simulate({"volume": stanza()}, late)
    assert not any(c["times"] for c in engine.calls)
    assert engine.calls[-1]["now"] == MIDNIGHT + 11 * HOUR + 600  # ran past the indexing
    # A lag of 8 minutes is inside the 10-minute budget: the 10:10 run sees it.
    simulation, engine = simulate({"volume": stanza()},
                                  [event(MIDNIGHT + 9 * HOUR + 58 * 60, lag=8 * 60)])
    assert alert_times(simulation) == [MIDNIGHT + 10 * HOUR + 600]


def test_runs_of_several_searches_interleave_in_time_order_and_conf_order_on_ties():
    stanzas = {"baseline": stanza(cron_schedule="20 1 * * *", dispatch__earliest_time="-1d@d",
                                  dispatch__latest_time="@d", **{"alert.track": "0"}),
               "every ten": stanza(cron_schedule="*/10 * * * *",
                                   dispatch__earliest_time="-25m@m",
                                   dispatch__latest_time="-5m@m")}
    events = [event(MIDNIGHT + 5 * HOUR), event(MIDNIGHT + DAY + 5 * HOUR)]
    simulation, engine = simulate(stanzas, events)
    order = [(c["now"], c["name"]) for c in engine.calls]
    assert order == sorted(order, key=lambda item: (item[0], item[1] != "baseline"))
    assert (MIDNIGHT + 80 * 60, "baseline") in order
    assert (MIDNIGHT + DAY + 80 * 60, "baseline") in order
    # The baseline is a scheduled report (no alert.track, no action): its rows never alert.
    assert all(not run.alerts for run in simulation.runs if run.search == "baseline")
    assert simulation.runs_per_search()["every ten"] == len(
        [c for c in engine.calls if c["name"] == "every ten"])


def test_per_result_suppression_by_field_from_the_run_that_fired():
    settings = stanza(**{"alert.suppress": "1", "alert.suppress.fields": "principal",
                         "alert.suppress.period": "24h", "alert.digest_mode": "0"})
    # dana reads in three consecutive hours, erin in the third only.
    events = [event(MIDNIGHT + h * HOUR + 60) for h in (9, 10, 11)]
    events.append(event(MIDNIGHT + 11 * HOUR + 120, "erin"))
    # dana again on day 2, one run before and one run after 24 hours from her first alert.
    events += [event(MIDNIGHT + DAY + 9 * HOUR + 60), event(MIDNIGHT + DAY + 10 * HOUR + 60)]
    simulation, _engine = simulate({"volume": settings}, events)
    fired = [(run.time, row["principal"]) for run in simulation.runs for row in run.alerts]
    first = MIDNIGHT + 10 * HOUR + 600
    assert fired == [(first, "dana"), (first + 2 * HOUR, "erin"), (first + DAY, "dana")]
    before = [(run.time, row["principal"]) for run in simulation.runs if run.triggered
              for row in run.rows]
    assert len(before) == 6


def test_suppression_fields_are_combined_and_may_be_spaced():
    settings = stanza(**{"alert.suppress": "1", "alert.suppress.fields": "principal, host",
                         "alert.suppress.period": "1h", "alert.digest_mode": "0"})
    events = [event(MIDNIGHT + 9 * HOUR + 60), event(MIDNIGHT + 10 * HOUR + 60)]
    simulation, _ = simulate({"s": settings}, events)
    # 10:10 fires; 11:10 is exactly one hour later, so the period has ended: fires again.
    assert alert_times(simulation) == [MIDNIGHT + 10 * HOUR + 600, MIDNIGHT + 11 * HOUR + 600]


def test_digest_mode_suppresses_the_whole_alert_for_the_period():
    settings = stanza(**{"alert.suppress": "1", "alert.suppress.period": "2h"})
    events = [event(MIDNIGHT + h * HOUR + 60, p) for h, p in ((9, "a"), (10, "b"), (11, "c"))]
    simulation, _ = simulate({"s": settings}, events)
    assert [row["principal"] for run in simulation.runs for row in run.alerts] == ["a", "c"]


def test_alert_conditions_follow_counttype_relation_and_quantity():
    events = [event(MIDNIGHT + 9 * HOUR + i, p) for i, p in enumerate("abc")]

    def fired(**settings):
        simulation, _ = simulate({"s": stanza(**settings)}, events)
        return [run.time for run in simulation.runs if run.triggered]

    assert fired(quantity="2") == [MIDNIGHT + 10 * HOUR + 600]
    assert fired(quantity="3") == []
    assert len(fired(relation="less than", quantity="1")) == 10  # the empty runs
    assert fired(relation="equal to", quantity="3") == [MIDNIGHT + 10 * HOUR + 600]
    assert fired(counttype="number of hosts", quantity="1") == []  # one host
    assert len(fired(counttype="always")) == 11
    assert fired(relation="rises by", quantity="3") == [MIDNIGHT + 10 * HOUR + 600]
    quiet_hour = [*events, event(MIDNIGHT + 11 * HOUR, "d")]  # 10:00-11:00 holds nothing
    simulation, _ = simulate({"s": stanza(relation="drops by", quantity="100%")}, quiet_hour)
    assert [run.time for run in simulation.runs if run.triggered] == [
        MIDNIGHT + 11 * HOUR + 600]


def test_a_failing_run_is_reported_and_the_simulation_goes_on():
    fail_at = MIDNIGHT + 10 * HOUR + 600
    events = [event(MIDNIGHT + 9 * HOUR + 60), event(MIDNIGHT + 10 * HOUR + 60)]
    simulation, _engine = simulate({"volume": stanza()}, events, EngineDouble(fail_at))
    assert simulation.failures == [
        ("volume", fail_at, "lookup table 'cloud_secrets_baseline' does not exist")]
    assert alert_times(simulation) == [MIDNIGHT + 11 * HOUR + 600]
    assert simulation.runs_per_search() == {"volume": 12}


def test_only_scheduled_searches_run_disabled_or_not_and_search_names_are_checked():
    stanzas = {"default": stanza(), "on": stanza(disabled="1"),
               "report": stanza(enableSched="0"), "no cron": stanza(cron_schedule="")}
    assert [s.name for s in scheduler.scheduled_searches(stanzas)] == ["on"]
    with pytest.raises(ScheduleError, match="'report'"):
        scheduler.scheduled_searches(stanzas, ["report"])
    with pytest.raises(ScheduleError, match="cron_schedule"):
        scheduler.scheduled_searches({"bad": stanza(cron_schedule="61 * * * *")})
    with pytest.raises(ScheduleError, match=r"alert\.suppress\.period"):
        scheduler.scheduled_searches({"bad": stanza(**{"alert.suppress": "1",
                                                       "alert.suppress.period": "soon"})})


def test_realtime_schedule_defaults_to_true_as_the_spec_says():
    settings = stanza()
    del settings["realtime_schedule"]
    searches = scheduler.scheduled_searches({"continuous": stanza(), "default": settings,
                                             "left at default": settings})
    assert [(s.name, s.realtime_schedule) for s in searches] == [
        ("continuous", False), ("left at default", True)]


def test_cron_ticks_follow_the_time_zone_and_the_day_starts_at_local_midnight():
    zone = "Europe/Paris"  # UTC+2 in June
    start = scheduler.local_midnight(MIDNIGHT + 5 * HOUR, zone)
    assert start == MIDNIGHT - 2 * HOUR
    ticks = scheduler.cron_ticks("20 1 * * *", start, zone)
    assert next(ticks) == MIDNIGHT - 40 * 60  # 01:20 Paris is 23:20 UTC the day before
    assert next(scheduler.cron_ticks("*/10 * * * *", start, zone)) == start  # midnight itself


def test_suppress_period_units():
    assert [scheduler.period_seconds(p, "s") for p in ("60", "1m", "1h", "24h", "1d")] == [
        60, 60, 3600, 86400, 86400]


def test_spl_the_engine_cannot_run_stops_the_simulation():
    class Unsupported(SplError):
        pass

    class Refusing(EngineDouble):
        def run(self, spl, events, **kwargs):
            raise Unsupported("unsupported command 'transaction'")

    searches = scheduler.scheduled_searches({"volume": stanza()})
    with pytest.raises(Unsupported):
        Scheduler(searches, Refusing(), resolve, "UTC", run_errors=(SplError,),
                  fatal_errors=(Unsupported,)).simulate([event(MIDNIGHT + HOUR)])


# -- Skipping the runs that change nothing (shared/spec/replay.md, "Scale") -----------


class Results(list):
    """Rows, and whether the run read its clock (as the engine's Results say)."""

    def __init__(self, rows, read_clock: bool) -> None:
        super().__init__(rows)
        self.read_clock = read_clock


class StatefulDouble(EngineDouble):
    """The engine double with tables: `prune` (a run over nothing) stores which third of
    a month it is (it reads the clock to know); `read tables` returns a row from them."""

    def __init__(self, clock_on_empty: bool = False) -> None:
        super().__init__()
        self.tables: Dict[str, object] = {}
        self.clock_on_empty = clock_on_empty

    def run(self, spl, events, *, now, earliest, latest, name):
        rows = super().run(spl, events, now=now, earliest=earliest, latest=latest, name=name)
        read_clock = self.clock_on_empty and not events
        if spl == "prune":
            read_clock = True
            if not events:
                self.tables["period"] = now // (10 * DAY)
        if spl == "read tables" and "period" in self.tables:
            rows.append({"principal": f"period-{self.tables['period']}", "count": "0",
                         "host": "h"})
        return Results(rows, read_clock)

    def digest(self) -> str:
        return repr(sorted(self.tables.items()))


def simulate_both_ways(stanzas, events, **double):
    outcomes = []
    for tick_by_tick in (False, True):
        engine = StatefulDouble(**double)
        searches = scheduler.scheduled_searches(stanzas)
        simulation = Scheduler(searches, engine, resolve, "UTC", run_errors=(SplError,),
                               state=engine.digest, tick_by_tick=tick_by_tick).simulate(
            sorted(events, key=lambda e: e["_time"]))
        outcomes.append((simulation, engine))
    return outcomes


def fired_rows(simulation):
    return [(run.search, run.time, run.triggered, run.rows, run.alerts)
            for run in simulation.runs if run.triggered]


def sparse_events(days: int = 60):
    return [event(MIDNIGHT + d * DAY + 9 * HOUR + 60 * m, f"p{d % 3}")
            for d in range(0, days, 9) for m in range(3)]


def test_runs_over_nothing_are_skipped_and_alert_as_every_run_would():
    stanzas = {"hourly": stanza(**{"alert.suppress": "1", "alert.suppress.fields": "principal",
                                   "alert.suppress.period": "24h", "alert.digest_mode": "0"}),
               "ten minutes": stanza(cron_schedule="*/10 * * * *",
                                     dispatch__earliest_time="-25m@m",
                                     dispatch__latest_time="-5m@m")}
    (skipping, quick), (every, slow) = simulate_both_ways(stanzas, sparse_events())
    assert fired_rows(skipping) == fired_rows(every) != []
    assert skipping.runs_per_search() == every.runs_per_search()
    assert sum(every.skipped.values()) == 0
    assert sum(skipping.skipped.values()) > 20 * sum(skipping.executed.values())
    # Every run that saw events ran, with the same events and at the same time.
    assert [c for c in quick.calls if c["times"]] == [c for c in slow.calls if c["times"]]


def test_a_run_that_reads_its_clock_over_nothing_is_never_skipped():
    (skipping, _), (every, _) = simulate_both_ways({"hourly": stanza()}, sparse_events(20),
                                                   clock_on_empty=True)
    assert sum(skipping.skipped.values()) == 0
    assert skipping.executed == every.executed


def test_a_run_that_changes_the_tables_wakes_the_searches_that_read_them():
    # `prune` changes the tables every ten days (reading its clock, so it always runs);
    # `read tables` alerts on what they hold: it must see each change at its next run.
    stanzas = {"prune": stanza(search="prune", cron_schedule="20 1 * * *",
                               dispatch__earliest_time="-1d@d", dispatch__latest_time="@d",
                               **{"alert.track": "0"}),
               "read tables": stanza(search="read tables", cron_schedule="0 * * * *",
                                     **{"alert.suppress": "1",
                                        "alert.suppress.fields": "principal",
                                        "alert.suppress.period": "24h",
                                        "alert.digest_mode": "0"})}
    (skipping, _), (every, _) = simulate_both_ways(stanzas, sparse_events(45))
    assert fired_rows(skipping) == fired_rows(every)
    periods = {row["principal"] for _s, _t, _f, rows, _a in fired_rows(every) for row in rows
               if row["principal"].startswith("period-")}
    assert len(periods) >= 4
    assert sum(skipping.skipped.values()) > 0


def test_an_alert_that_fires_on_no_rows_fires_at_every_skipped_tick_too():
    stanzas = {"quiet": stanza(relation="less than", quantity="1")}
    (skipping, _), (every, _) = simulate_both_ways(stanzas, sparse_events(20))
    assert fired_rows(skipping) == fired_rows(every)
    assert len(fired_rows(every)) > 400  # every hour without events fires
    assert sum(skipping.skipped.values()) > 0


def test_the_plan_counts_the_runs_before_anything_runs():
    events = sorted(sparse_events(30), key=lambda e: e["_time"])
    searches = scheduler.scheduled_searches({"hourly": stanza()})
    engine = StatefulDouble()
    runner = Scheduler(searches, engine, resolve, "UTC", run_errors=(SplError,),
                       state=engine.digest)
    plan = runner.plan(scheduler.EventList(events))
    assert engine.calls == []
    simulation = runner.simulate(events, plan)
    assert plan.runs == simulation.runs_per_search()["hourly"]
    assert plan.start == MIDNIGHT and plan.end == plan.searches[0].last
