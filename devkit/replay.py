"""python3 build.py replay: the app's scheduled searches over raw vendor logs, offline.

    python3 build.py replay [--app DIR] [--baseline FILE] [--lookup NAME=FILE]...
                            [--state DIR] [--lag SPAN] [--tz ZONE] [--search NAME]...
                            [--earliest T] [--latest T] [--tick-by-tick]
                            [--format table|csv|json] [--summary] PATH...

What a search head would do with the app installed and the logs indexed:
1. the app (`--app DIR` with its `local/` overlay, only ever read; by default a build of
   its own) is copied to a working folder (devkit.workspace), lookups and KV store
   collections seeded with `--lookup NAME=FILE` / `--baseline FILE`, kept in
   `--state DIR` when given; threshold macros that are not numbers are named;
2. the files (folders read recursively) become events as Splunk indexes them
   (devkit.indexer: JSON fields, `_raw`, `_time` from the vendor's time field,
   `_indextime = _time + --lag`, the sourcetype and index the app's source macros name),
   those in `[--earliest, --latest)` only; an event that the first `search` of no
   scheduled search can match is counted and not kept (devkit.eventstore holds the rest
   compactly);
3. the span to simulate and its number of scheduled runs are printed, then the scheduler
   (devkit.scheduler) runs each scheduled saved search, or those named by `--search`, at
   its cron ticks, with the SPL engine (devkit.spl) executing the saved search's own SPL
   and the packaged `cloudsecrets` command over protocol v2. Runs that provably change
   nothing are skipped (devkit.scheduler explains the proof; `--tick-by-tick` executes
   every run); progress goes to standard error when it takes a while;
4. every alert that fires after throttling is printed (a table, CSV or JSON); a
   summary goes to standard error.

Exit status: 0, 1 when a scheduled run failed, 2 for a usage error or SPL the engine
cannot run.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Callable, Dict, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from devkit import indexer, preflight, scheduler, sharedprefix, vendorlogs
from devkit.cli import OptionParser, UsageError
from devkit.spl import SplError, SplUnsupported, format_value, resolve_time
from devkit.workspace import Workspace, WorkspaceError

BASELINE_LOOKUP = "cloud_secrets_baseline"
CSV_COLUMNS = ("run_time", "search", "analytic", "principal", "platform", "account_type",
               "count", "distinct_secrets", "reason")
TABLE_COLUMNS = CSV_COLUMNS
MULTIVALUE_SEPARATOR = "|"
# The events the command leaves Unknown, among those the app's source macro selects.
UNKNOWN_SPL = ("`cloud_secrets_sources` | cloudsecrets | search platform=Unknown "
               "| stats count by source")
PREPARE_CHUNK = 10_000  # events sent through cloudsecrets at once, ahead of the runs
REPLIES_KEPT = 5 * PREPARE_CHUNK  # cloudsecrets replies remembered (the newest)
PROGRESS_AFTER = 3.0  # seconds of simulation before the first progress line
PROGRESS_EVERY = 5.0


class ReplayError(UsageError):
    """A usage error: bad option, missing file, unreadable input (the message says why)."""


@dataclass
class ReplayOutcome:
    """What a replay found. `alerts` are after throttling, `fired` counts rows before it;
    `runs` counts every scheduled run per search, `executed` those that ran and
    `skipped` those proved to change nothing (see devkit.scheduler)."""

    alerts: List[Dict[str, object]]
    fired: int
    failures: List[Tuple[str, float, str]]
    runs: Dict[str, int]
    logs: indexer.IndexedLogs
    unknown: Counter = field(default_factory=Counter)  # {file: events cloudsecrets left Unknown}
    skippable: List[str] = field(default_factory=list)  # searches without realtime_schedule = 0
    workspace: Optional[Workspace] = None
    executed: Dict[str, int] = field(default_factory=dict)
    skipped: Dict[str, int] = field(default_factory=dict)
    plan: Optional[scheduler.Plan] = None
    warnings: List[str] = field(default_factory=list)
    seconds: float = 0.0  # from the first file read to the last run
    tick_by_tick: Optional[ReplayOutcome] = None  # the same replay, every run executed

    def lookup(self, name: str) -> List[Dict[str, object]]:
        """The final content of a lookup definition (CSV or KV store)."""
        if self.workspace is None:
            raise ReplayError("the replay's working folder is gone")
        return self.workspace.lookup_rows(name)

    def close(self) -> None:
        for outcome in (self.tick_by_tick, self):
            if outcome is not None and outcome.workspace is not None:
                outcome.workspace.close()



def parse_span(text: str) -> float:
    """`--lag`: seconds from a Splunk time span (`0`, `90`, `90s`, `8m`, `1h`, `1d`)."""
    try:
        return scheduler.period_seconds(text, "--lag")
    except scheduler.ScheduleError:
        raise ReplayError(f"--lag {text!r} is not a time span such as 90s, 8m or 1h") from None


def check_zone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ReplayError(f"--tz {tz!r} is not an IANA time zone name such as "
                          "UTC or Europe/Paris") from None
    return tz


def time_bound(text: Optional[str], now: float, tz: str, option: str) -> Optional[float]:
    """--earliest/--latest: epoch seconds or a relative time modifier, resolved at now."""
    if text is None or str(text).strip() == "":
        return None
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return resolve_time(str(text), now, tz)
    except (SplError, ValueError) as error:
        raise ReplayError(f"{option} {text!r}: {error}") from None


def log_files(paths: Sequence[object]) -> List[Path]:
    try:
        return vendorlogs.log_files(paths)
    except vendorlogs.LogPathError as error:
        raise ReplayError(str(error)) from None


def event_test(workspace: Workspace, searches: Sequence[Tuple[str, str]]
               ) -> Optional[indexer.EventTest]:
    """Whether any of these (SPL, name) can use an event (None: keep every event)."""
    tests: Dict[indexer.EventTest, None] = {}  # searches with one first command share one
    for spl, name in searches:
        test = workspace.engine.event_test(spl, name)
        if test is None:
            return None
        tests[test] = None
    if len(tests) == 1:
        return next(iter(tests))
    return lambda event: any(test(event) for test in tests)


def unknown_test(workspace: Workspace) -> List[Tuple[str, str]]:
    """The summary's own search, when the app defines the macro it uses."""
    try:
        workspace.engine.parse(UNKNOWN_SPL, "replay summary")
    except SplError:
        return []
    return [(UNKNOWN_SPL, "replay summary")]


def read_logs(paths: Sequence[object], workspace: Workspace, lag: float,
              searches: Sequence[Tuple[str, str]] = (), earliest: Optional[float] = None,
              latest: Optional[float] = None, progress: Optional[IO[str]] = None
              ) -> indexer.IndexedLogs:
    """The events of the files and folders named, indexed as the --app's macros say,
    keeping those that one of `searches` ((SPL, name)) can use (all without any)."""
    files = log_files(paths)
    keep = event_test(workspace, searches) if searches else None
    return indexer.index_files(files, workspace.macro_definitions(), lag=lag, keep=keep,
                               earliest=earliest, latest=latest,
                               folder=workspace.root / "events", progress=progress)


def refuse_unsupported(workspace: Workspace, search: scheduler.ScheduledSearch) -> None:
    """Raise SplUnsupported now for SPL the engine cannot run, before any run.

    Other errors at parse time (a syntax error) fail each run instead, as Splunk's
    scheduler reports them."""
    for spl in filter(None, (search.spl, search.alert_condition)):
        try:
            workspace.engine.parse(spl, search.name)
        except SplUnsupported:
            raise
        except SplError:
            pass


def count_unknown(workspace: Workspace, events: Sequence[Mapping], into: Counter) -> None:
    """Add to `into` the events per file that cloudsecrets leaves platform Unknown."""
    if not events or not unknown_test(workspace):
        return
    rows = workspace.engine.run(UNKNOWN_SPL, events, now=0.0, earliest=None, latest=None,
                                name="replay summary")
    for row in rows:
        into[str(row["source"])] += int(float(str(row["count"])))


class Feed:
    """The stored events as the scheduler reads them.

    Events are sent through cloudsecrets a chunk at a time ahead of the runs that need
    them (one command process per chunk, not per run), with the Unknown count of each
    chunk taken on the way. When every replayed search starts with the same `search`
    and `cloudsecrets` (devkit.sharedprefix), a run gets the rows of that prefix for its
    events, worked out once per event, and `engine` runs the rest of its search."""

    def __init__(self, logs: indexer.IndexedLogs, workspace: Workspace,
                 searches: Sequence[scheduler.ScheduledSearch] = ()) -> None:
        self.store, self.workspace = logs.store, workspace
        self.times, self.indextimes = self.store.times, self.store.indextimes
        self.prepared = 0
        self.unknown: Counter = Counter()
        self.last_window = (0, 0, 0.0)
        self.engine = workspace.engine
        prefix = sharedprefix.shared_prefix(workspace.engine, [
            *((s.spl, s.name) for s in searches), *unknown_test(workspace)])
        self.rows: Optional[sharedprefix.PrefixRows] = None
        if prefix is not None and searches:
            self.rows = sharedprefix.PrefixRows(prefix, workspace.engine, self.store.extract,
                                                self.times, keep=REPLIES_KEPT)
            self.engine = sharedprefix.PrefixedEngine(workspace.engine, self.rows,
                                                      self.raw_of_last_window)

    def __len__(self) -> int:
        return len(self.store)

    def visible(self, low: int, high: int, now: float) -> List[Mapping]:
        self.prepare(high)
        self.last_window = (low, high, now)
        if self.rows is not None and self.rows.usable:
            high = sharedprefix.indexed_by(self.indextimes, high, now)
            rows = self.rows.fill(low, high)
            if self.rows.usable:
                return sharedprefix.newest_first(rows)
        return self.store.visible(low, high, now)

    def raw_of_last_window(self) -> List[Mapping]:
        return self.store.visible(*self.last_window)

    def prepare(self, upto: int) -> None:
        """Send events up to `upto` (and a chunk beyond) through cloudsecrets, counting
        those it leaves Unknown."""
        engine = self.workspace.engine
        while self.prepared < min(upto, len(self.store)):
            end = min(len(self.store), max(upto, self.prepared + PREPARE_CHUNK))
            if self.rows is not None and self.rows.usable:
                rows = [r for r in self.rows.fill(self.prepared, end) if r is not None]
                if self.rows.usable:
                    self._count_unknown(rows)
                    engine.command_runner.trim(REPLIES_KEPT)
                    self.prepared = end
                    continue
            events = self.store.between(self.prepared, end)
            engine.prewarm(events)
            count_unknown(self.workspace, events, self.unknown)
            engine.command_runner.trim(REPLIES_KEPT)
            self.prepared = end

    def _count_unknown(self, rows: List[dict]) -> None:
        rest = self.rows.prefix.rests.get("replay summary") if self.rows else None
        if rest is None or not rows:
            return
        for row in self.workspace.engine.run(rest, rows, now=0.0, earliest=None,
                                             latest=None, name="replay summary"):
            self.unknown[str(row["source"])] += int(float(str(row["count"])))


def run_replay(paths: Sequence[object], app_dir: Optional[Path] = None,
               searches: Optional[Sequence[str]] = None, lag: float = 0.0, tz: str = "UTC",
               lookups: Optional[Mapping[str, object]] = None,
               state_dir: Optional[Path] = None, earliest: Optional[float] = None,
               latest: Optional[float] = None, tick_by_tick: bool = False,
               check_tick_by_tick: bool = False, log: Optional[IO[str]] = None
               ) -> ReplayOutcome:
    """Simulate the scheduler over the logs at `paths` (see the module docstring).

    `lookups` maps lookup definition names to CSV files that seed them; `earliest` and
    `latest` (epoch seconds) keep the events in that range; `tick_by_tick` executes
    every run. With `check_tick_by_tick`, the same replay is also run tick by tick
    from a copy of the seeded state, as `outcome.tick_by_tick`. `log` receives the
    warnings, the span and the progress lines. Raises ReplayError / WorkspaceError /
    ScheduleError for usage errors and SplUnsupported for SPL the engine cannot run;
    failed runs are in `outcome.failures`. Close the outcome when done with it.
    """
    if app_dir is None:
        raise ReplayError("no app folder to replay (give --app DIR)")
    check_zone(tz)
    workspace = Workspace(Path(app_dir), Path(state_dir) if state_dir else None, tz)
    twin: Optional[Workspace] = None
    try:
        chosen = scheduler.scheduled_searches(workspace.app.conf("savedsearches"), searches)
        for search in chosen:
            refuse_unsupported(workspace, search)
        warnings = preflight.threshold_problems(Path(app_dir), workspace.app.conf("macros"),
                                                chosen)
        for name, source in (lookups or {}).items():
            workspace.seed(name, Path(source))
        for warning in warnings:
            _say(log, warning)
        started = time.monotonic()
        logs = read_logs(paths, workspace, lag,
                         [(s.spl, s.name) for s in chosen] + unknown_test(workspace),
                         earliest, latest, progress=log)
        days = preflight.event_days(logs.store.times, tz)
        if state_dir is not None:
            reused = preflight.reused_days_warning(Path(state_dir), days, tz)
            if reused:
                warnings.append(reused)
                _say(log, reused)
        if check_tick_by_tick:
            twin = workspace.fork()
        outcome = _simulate(workspace, chosen, logs, tz, tick_by_tick, log, started)
        outcome.warnings = warnings
        if twin is not None:
            outcome.tick_by_tick = _simulate(twin, chosen, logs, tz, True, None,
                                             time.monotonic())
        if state_dir is not None:
            try:
                preflight.record_days(Path(state_dir), days, tz)
            except OSError as error:
                _say(log, f"could not record the replayed days in {state_dir}: "
                          f"{error.strerror or error}")
    except BaseException:
        if twin is not None:
            twin.close()
        workspace.close()
        raise
    return outcome


def _simulate(workspace: Workspace, chosen: Sequence[scheduler.ScheduledSearch],
              logs: indexer.IndexedLogs, tz: str, tick_by_tick: bool,
              log: Optional[IO[str]], started: float) -> ReplayOutcome:
    feed = Feed(logs, workspace, chosen)
    feed.prepare(PREPARE_CHUNK)  # one command process for the first events, and no other
    simulator = scheduler.Scheduler(
        chosen, feed.engine, resolve_time, tz, run_errors=(SplError,),
        fatal_errors=(SplUnsupported,), state=workspace.state_digest,
        tick_by_tick=tick_by_tick)
    plan = simulator.plan(feed, logs.bounds) if logs.bounds else None
    if plan is not None:
        _say(log, f"simulating {iso_time(plan.start, tz)} to {iso_time(plan.end, tz)} "
                  f"({preflight.duration(plan.end - plan.start)}): {plan.runs:,} scheduled "
                  f"runs of {len(chosen)} searches over {len(feed):,} events that they "
                  f"can use (of {logs.records:,} read)")
        simulation = simulator.simulate(feed, plan, _progress_printer(log, plan, tz))
    else:
        simulation = scheduler.Simulation()
    feed.prepare(len(feed))  # the Unknown count covers every event
    alerts = [{"run_time": run.time, "search": run.search, **row}
              for run in simulation.runs for row in run.alerts]
    fired = sum(len(run.rows) for run in simulation.runs if run.triggered)
    every = simulation.runs_per_search()
    return ReplayOutcome(
        alerts=alerts, fired=fired, failures=simulation.failures,
        runs={s.name: every.get(s.name, 0) for s in chosen},
        logs=logs, unknown=feed.unknown,
        skippable=[s.name for s in chosen if s.realtime_schedule], workspace=workspace,
        executed={s.name: simulation.executed.get(s.name, 0) for s in chosen},
        skipped={s.name: simulation.skipped.get(s.name, 0) for s in chosen},
        plan=plan, seconds=time.monotonic() - started)


def _say(log: Optional[IO[str]], message: str) -> None:
    if log is not None:
        print(f"replay: {message}", file=log, flush=True)


def _progress_printer(log: Optional[IO[str]], plan: scheduler.Plan, tz: str
                      ) -> Optional[Callable[[float, scheduler.Simulation], None]]:
    """A line on `log` every few seconds once the simulation has run a few."""
    if log is None:
        return None
    started = time.monotonic()
    due = [started + PROGRESS_AFTER]

    def progress(now: float, simulation: scheduler.Simulation) -> None:
        clock = time.monotonic()
        if clock < due[0]:
            return
        due[0] = clock + PROGRESS_EVERY
        done = (now - plan.start) / max(plan.end - plan.start, 1.0)
        _say(log, f"{iso_time(now, tz)} reached ({done:.0%} of the span): "
                  f"{sum(simulation.executed.values()):,} runs executed, "
                  f"{sum(simulation.skipped.values()):,} skipped, {clock - started:.0f} s")
    return progress


# -- Output --------------------------------------------------------------------------


def iso_time(epoch: float, tz: str) -> str:
    """ISO 8601 with the offset of time zone tz: 2026-06-02T10:10:00+00:00."""
    return datetime.fromtimestamp(epoch, ZoneInfo(tz)).isoformat()


def cell(value: object) -> str:
    """A field as Splunk prints it (17, not 17.0), multivalue fields joined with "|"."""
    return format_value(list(value) if isinstance(value, tuple) else value,
                        MULTIVALUE_SEPARATOR)


def json_value(value: object) -> object:
    """A field for JSON output: text as Splunk exports it; multivalue fields as lists."""
    if isinstance(value, (list, tuple)):
        return [format_value(v) for v in value]
    return format_value(value)


def columns_of(rows: Sequence[Mapping[str, object]], first: Sequence[str]) -> List[str]:
    """`first`, then every other field of the rows in order of appearance."""
    seen = dict.fromkeys(first)
    for row in rows:
        seen.update(dict.fromkeys(k for k in row if k not in seen))
    return list(seen)


def print_rows(rows: Sequence[Mapping[str, object]], columns: Sequence[str], fmt: str,
               out, table_columns: Optional[Sequence[str]] = None) -> None:
    """Rows as a table (the columns that fit a terminal), CSV or JSON (all columns)."""
    if fmt == "json":
        json.dump([{k: json_value(v) for k, v in row.items() if v is not None} for row in rows],
                  out, indent=2)
        print(file=out)
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([cell(row.get(c)) for c in columns] for row in rows)
    else:
        shown = list(table_columns or columns)
        cells = [[cell(row.get(c)) for c in shown] for row in rows]
        widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(shown)]
        for line in [shown, *cells]:
            print("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip(), file=out)


def print_alerts(outcome: ReplayOutcome, fmt: str, tz: str, out) -> None:
    rows = [{**alert, "run_time": iso_time(float(alert["run_time"]), tz)}
            for alert in outcome.alerts]
    print_rows(rows, columns_of(rows, CSV_COLUMNS), fmt, out, TABLE_COLUMNS)


def print_events_read(logs: indexer.IndexedLogs, unknown: Counter, err, verb: str) -> None:
    """Events read per platform and file, and those the command left Unknown."""
    totals: Counter = Counter()
    for counts in logs.per_file.values():
        totals.update(counts)
    per_platform = ", ".join(f"{n} {p}" for p, n in sorted(totals.items())) or "none"
    print(f"{verb}: {logs.records} events from {len(logs.per_file)} files "
          f"({per_platform}); {sum(unknown.values())} left Unknown by cloudsecrets", file=err)
    for path, counts in logs.per_file.items():
        read = ", ".join(f"{n} {p}" for p, n in sorted(counts.items())) or "no records"
        outside = logs.out_of_range_by_file.get(path)
        if outside:
            read = ("none" if not counts else read) + f" in --earliest/--latest ({outside:,} " \
                "outside, left out)"
        left = f"; {unknown[path]} Unknown" if unknown.get(path) else ""
        print(f"  {path}: {read}{left}", file=err)
    # The readers' own account of what they skipped, could not read or repaired.
    for line in logs.report.problem_lines():
        print(line, file=err)


def print_speed(logs: indexer.IndexedLogs, seconds: float, err) -> None:
    """How many events the searches could use, and records read per second."""
    read = logs.records + logs.report.undated + logs.out_of_range
    print(f"  {len(logs.store):,} of the events kept for the searches (the others match "
          "no search's first command)", file=err)
    if logs.out_of_range:
        print(f"  {logs.out_of_range:,} records outside --earliest/--latest left out",
              file=err)
    rate = f": {read / seconds:,.0f} records/s" if seconds > 0 else ""
    print(f"  {read:,} records read in {logs.seconds:.1f} s, done in {seconds:.1f} s{rate}",
          file=err)


def print_summary(outcome: ReplayOutcome, err, alerts_by_principal: bool = False) -> None:
    """What was read, run and found; with `alerts_by_principal` (--summary), one line per
    search, principal and platform that alerted."""
    print_events_read(outcome.logs, outcome.unknown, err, "replay")
    print_speed(outcome.logs, outcome.seconds, err)
    executed, skipped = sum(outcome.executed.values()), sum(outcome.skipped.values())
    print(f"  {executed + skipped:,} scheduled runs: {executed:,} executed, {skipped:,} skipped "
          "(no event in their window, and the same search already ran over nothing from the "
          "same lookups without reading its clock)", file=err)
    for name, count in outcome.runs.items():
        print(f"  {count:,} runs of {name}: {outcome.executed.get(name, 0):,} executed, "
              f"{outcome.skipped.get(name, 0):,} skipped", file=err)
    print(f"  alerts: {outcome.fired} before throttling, {len(outcome.alerts)} after",
          file=err)
    if outcome.skippable:
        print("  without realtime_schedule = 0 (a busy Splunk scheduler may skip their "
              "runs): " + "; ".join(outcome.skippable), file=err)
    if outcome.failures:
        print(f"  {len(outcome.failures)} runs failed", file=err)
    if alerts_by_principal:
        groups: Dict[Tuple[str, str, str], List[Mapping[str, object]]] = {}
        for alert in outcome.alerts:
            key = (str(alert["search"]), cell(alert.get("principal")),
                   cell(alert.get("platform")))
            groups.setdefault(key, []).append(alert)
        for (search, principal, platform), group in sorted(groups.items()):
            print(f"  {search}: {principal} ({platform}) {len(group)}x; "
                  f"{cell(group[0].get('reason'))}", file=err)


def print_failures(outcome: ReplayOutcome, tz: str, err) -> None:
    for search, run_time, message in outcome.failures:
        print(f"replay: run of {search!r} at {iso_time(run_time, tz)} failed: {message}",
              file=err)


# -- Command line ----------------------------------------------------------------------

AppBuilder = Callable[[], Path]


def parse_lookup(text: str) -> Tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise ReplayError(f"--lookup {text!r}: expected NAME=FILE")
    return name.strip(), Path(path.strip())


def parser() -> OptionParser:
    p = OptionParser(prog="build.py replay", description=__doc__.split("\n\n")[0],
                     epilog="Every option takes --opt VALUE or --opt=VALUE, also for "
                            "values that start with '-' (--earliest -7d).")
    p.add_argument("paths", nargs="+", metavar="PATH", help="vendor log files or folders")
    p.add_argument("--app", type=Path, metavar="DIR",
                   help="an unpacked app folder, only read (default: a build of its own)")
    p.add_argument("--baseline", type=Path, metavar="FILE",
                   help=f"short for --lookup {BASELINE_LOOKUP}=FILE")
    p.add_argument("--lookup", action="append", default=[], metavar="NAME=FILE",
                   help="seed lookup definition NAME (CSV or KV store) from a CSV file")
    p.add_argument("--state", type=Path, metavar="DIR",
                   help="keep lookups and KV store collections here between replays")
    p.add_argument("--lag", default="0", metavar="SPAN",
                   help="index every event this long after its time (e.g. 8m)")
    p.add_argument("--tz", default="UTC", metavar="ZONE", help="the search head's time zone")
    p.add_argument("--search", action="append", default=[], metavar="NAME",
                   help="run only this scheduled search (repeatable)")
    p.add_argument("--earliest", metavar="T",
                   help="replay only events at or after T (epoch seconds or a relative time "
                        "such as -7d@d, from now)")
    p.add_argument("--latest", metavar="T", help="replay only events before T")
    p.add_argument("--tick-by-tick", action="store_true",
                   help="execute every scheduled run, even those that provably change "
                        "nothing (slow; the alerts are the same)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--summary", action="store_true",
                   help="also list the alerts by search and principal (standard error)")
    return p


def main(argv: Sequence[str], app_dir: Optional[Path] = None, out=None, err=None,
         build_app: Optional[AppBuilder] = None) -> int:
    """The replay verb. The app is `--app DIR`, else `app_dir`, else `build_app()`."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = parser().parse_args(list(argv))
        lookups = dict(parse_lookup(t) for t in args.lookup)
        if args.baseline:
            lookups[BASELINE_LOOKUP] = args.baseline
        lag, tz = parse_span(args.lag), check_zone(args.tz)
        now = time.time()
        earliest = time_bound(args.earliest, now, tz, "--earliest")
        latest = time_bound(args.latest, now, tz, "--latest")
        log_files(args.paths)  # a missing path is a usage error before any build
        app = args.app or app_dir or (build_app() if build_app else None)
        outcome = run_replay(args.paths, app_dir=app, searches=args.search or None, lag=lag,
                             tz=tz, lookups=lookups, state_dir=args.state,
                             earliest=earliest, latest=latest,
                             tick_by_tick=args.tick_by_tick, log=err)
    except (UsageError, WorkspaceError, scheduler.ScheduleError, SplError) as error:
        print(f"replay: {error}", file=err)
        return 2
    try:
        print_alerts(outcome, args.format, tz, out)
        print_failures(outcome, tz, err)
        print_summary(outcome, err, alerts_by_principal=args.summary)
    finally:
        outcome.close()
    return 1 if outcome.failures else 0
