"""python3 build.py replay: the app's scheduled searches over raw vendor logs, offline.

    python3 build.py replay [--app DIR] [--baseline FILE] [--lookup NAME=FILE]...
                            [--state DIR] [--lag SPAN] [--tz ZONE] [--search NAME]...
                            [--format table|csv|json] [--summary] PATH...

What a search head would do with the app installed and the logs indexed
(shared/spec/replay.md):
1. the files (folders read recursively) become events as Splunk indexes them
   (devkit.indexer: JSON fields, `_raw`, `_time`, `_indextime = _time + --lag`, and the
   sourcetype and index the app's source macros name);
2. the app (by default the one `python3 build.py` assembles, or `--app DIR` with its
   `local/` overlay) is copied to a working folder (devkit.workspace), lookups and KV
   store collections seeded with `--lookup NAME=FILE` / `--baseline FILE`, kept in
   `--state DIR` when given;
3. the scheduler (devkit.scheduler) runs each scheduled saved search, or those named
   by `--search`, at its cron ticks, with the SPL engine (devkit.spl) executing the
   saved search's own SPL and the packaged `cloudsecrets` command over protocol v2;
4. every alert that fires after throttling is printed (a table, CSV or JSON); a
   summary goes to standard error.

Exit status: 0, 1 when a scheduled run failed, 2 for a usage error or SPL the engine
cannot run.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from devkit import indexer, scheduler, vendorlogs
from devkit.spl import SplError, SplUnsupported, format_value, resolve_time
from devkit.workspace import Workspace, WorkspaceError

BASELINE_LOOKUP = "cloud_secrets_baseline"
CSV_COLUMNS = ("run_time", "search", "analytic", "principal", "platform", "account_type",
               "count", "distinct_secrets", "reason")
TABLE_COLUMNS = CSV_COLUMNS
MULTIVALUE_SEPARATOR = "|"


class ReplayError(ValueError):
    """A usage error: bad option, missing file, unreadable input (the message says which)."""


@dataclass
class ReplayOutcome:
    """What a replay found. `alerts` are after throttling, `fired` counts rows before it."""

    alerts: List[Dict[str, object]]
    fired: int
    failures: List[Tuple[str, float, str]]
    runs: Dict[str, int]
    logs: indexer.IndexedLogs
    unknown: Counter = field(default_factory=Counter)  # {file: events cloudsecrets left Unknown}
    skippable: List[str] = field(default_factory=list)  # searches without realtime_schedule = 0
    workspace: Optional[Workspace] = None

    def lookup(self, name: str) -> List[Dict[str, object]]:
        """The final content of a lookup definition (CSV or KV store)."""
        if self.workspace is None:
            raise ReplayError("the replay's working folder is gone")
        return self.workspace.lookup_rows(name)


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


def read_logs(paths: Sequence[object], workspace: Workspace, lag: float
              ) -> indexer.IndexedLogs:
    """The events of the files and folders named, indexed as the --app's macros say."""
    try:
        files = vendorlogs.log_files(paths)
    except vendorlogs.LogPathError as error:
        raise ReplayError(str(error)) from None
    return indexer.index_files(files, workspace.macro_definitions(), lag=lag)


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


def unknown_per_file(workspace: Workspace, logs: indexer.IndexedLogs) -> Counter:
    """{file: events the cloudsecrets command leaves platform Unknown} (all events)."""
    if not logs.events:
        return Counter()
    rows = workspace.engine.run(
        "search * | cloudsecrets | search platform=Unknown | stats count by source", logs.events,
        now=0.0, earliest=None, latest=None, name="replay summary")
    return Counter({str(row["source"]): int(float(str(row["count"]))) for row in rows})


def run_replay(paths: Sequence[object], app_dir: Optional[Path] = None,
               searches: Optional[Sequence[str]] = None, lag: float = 0.0, tz: str = "UTC",
               lookups: Optional[Mapping[str, object]] = None,
               state_dir: Optional[Path] = None) -> ReplayOutcome:
    """Simulate the scheduler over the logs at `paths` (see the module docstring).

    `lookups` maps lookup definition names to CSV files that seed them. Raises
    ReplayError / WorkspaceError / ScheduleError for usage errors and SplUnsupported
    for SPL the engine cannot run; failed runs are in `outcome.failures`.
    """
    if app_dir is None:
        app_dir = default_app()
    check_zone(tz)
    workspace = Workspace(Path(app_dir), Path(state_dir) if state_dir else None, tz)
    try:
        chosen = scheduler.scheduled_searches(workspace.app.conf("savedsearches"), searches)
        for search in chosen:
            refuse_unsupported(workspace, search)
        for name, source in (lookups or {}).items():
            workspace.seed(name, Path(source))
        logs = read_logs(paths, workspace, lag)
        workspace.engine.prewarm(logs.events)
        simulation = scheduler.Scheduler(
            chosen, workspace.engine, resolve_time, tz, run_errors=(SplError,),
            fatal_errors=(SplUnsupported,)).simulate(logs.events)
        unknown = unknown_per_file(workspace, logs)
    except BaseException:
        workspace.close()
        raise
    alerts = [{"run_time": run.time, "search": run.search, **row}
              for run in simulation.runs for row in run.alerts]
    fired = sum(len(run.rows) for run in simulation.runs if run.triggered)
    return ReplayOutcome(
        alerts=alerts, fired=fired, failures=simulation.failures,
        runs={s.name: simulation.runs_per_search().get(s.name, 0) for s in chosen},
        logs=logs, unknown=unknown,
        skippable=[s.name for s in chosen if s.realtime_schedule], workspace=workspace)


def default_app() -> Path:
    """The app folder `python3 build.py` assembles (build/<app id>/)."""
    import build  # the repository's build.py, on sys.path when run through it or pytest

    return build.assemble(build.ROOT / "build")


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
    print(f"{verb}: {len(logs.events)} events from {len(logs.per_file)} files "
          f"({per_platform}); {sum(unknown.values())} left Unknown by cloudsecrets", file=err)
    for path, counts in logs.per_file.items():
        read = ", ".join(f"{n} {p}" for p, n in sorted(counts.items())) or "no records"
        left = f"; {unknown[path]} Unknown" if unknown.get(path) else ""
        print(f"  {path}: {read}{left}", file=err)
    # The readers' own account of what they skipped, could not read or repaired.
    for line in logs.report.problem_lines():
        print(line, file=err)


def print_summary(outcome: ReplayOutcome, err, alerts_by_principal: bool = False) -> None:
    """What was read, run and found; with `alerts_by_principal` (--summary), one line per
    search, principal and platform that alerted."""
    print_events_read(outcome.logs, outcome.unknown, err, "replay")
    for name, count in outcome.runs.items():
        print(f"  {count} runs of {name}", file=err)
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


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so that usage errors exit 2 via main."""

    def error(self, message: str):
        raise ReplayError(message)


def parse_lookup(text: str) -> Tuple[str, Path]:
    name, sep, path = text.partition("=")
    if not sep or not name.strip() or not path.strip():
        raise ReplayError(f"--lookup {text!r}: expected NAME=FILE")
    return name.strip(), Path(path.strip())


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="build.py replay", description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="+", metavar="PATH", help="vendor log files or folders")
    p.add_argument("--app", type=Path, metavar="DIR",
                   help="an unpacked app folder (default: the build's)")
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
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.add_argument("--summary", action="store_true",
                   help="also list the alerts by search and principal (standard error)")
    return p


def main(argv: Sequence[str], app_dir: Optional[Path] = None, out=None, err=None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        args = parser().parse_args(list(argv))
        lookups = dict(parse_lookup(t) for t in args.lookup)
        if args.baseline:
            lookups[BASELINE_LOOKUP] = args.baseline
        lag, tz = parse_span(args.lag), check_zone(args.tz)
        outcome = run_replay(args.paths, app_dir=args.app or app_dir,
                             searches=args.search or None, lag=lag, tz=tz, lookups=lookups,
                             state_dir=args.state)
    except (ReplayError, WorkspaceError, scheduler.ScheduleError, SplError) as error:
        print(f"replay: {error}", file=err)
        return 2
    try:
        print_alerts(outcome, args.format, tz, out)
        print_failures(outcome, tz, err)
        print_summary(outcome, err, alerts_by_principal=args.summary)
    finally:
        if outcome.workspace:
            outcome.workspace.close()
    return 1 if outcome.failures else 0
