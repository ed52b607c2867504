"""python3 build.py search: one ad-hoc SPL search over raw vendor logs, as in Splunk's search bar.

    python3 build.py search [--app DIR] [--lag SPAN] [--tz ZONE] [--earliest T] [--latest T]
                            [--format table|csv|json] 'SPL' PATH...

Every option takes `--opt VALUE` or `--opt=VALUE`, also for values that start with `-`
(`--earliest -7d`).

For detection engineers who want to try the `cloudsecrets` command and the app's macros
on their own data before installing the app, for example:

    python3 build.py search '`cloud_secrets_sources` | cloudsecrets
                             | stats dc(secret) AS secrets by principal platform' logs/

The files (folders read recursively) are indexed as the replay indexes them
(devkit.indexer), the app (`--app DIR`, only ever read, or a build of its own) is copied
to a working folder (devkit.workspace: lookups the search writes never reach the source
tree), and the SPL engine runs the search once, dispatched now, over all time unless
`--earliest`/`--latest` (relative time modifiers such as `-24h@h`, or epoch seconds)
narrow it. Records the search's first `search` cannot match are counted and not kept
(Engine.event_test), so that a search of the app's source macros over a busy trail
extracts the fields of the secret-store events only. A search that does not start with a
command starts with an implicit `search`, as in Splunk. The result table goes to standard
output, a summary of the events read to standard error. Exit status 0, or 2 for a usage
error or SPL the engine cannot run or that fails.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections import Counter
from pathlib import Path
from typing import List, Optional, Sequence

from devkit import replay
from devkit.cli import OptionParser, UsageError
from devkit.spl import SplError
from devkit.workspace import Workspace, WorkspaceError

# Events (rows that still hold `_raw`) are shown in a table as Splunk's event list shows
# them; CSV and JSON carry every field.
EVENT_TABLE_COLUMNS = ("_time", "sourcetype", "_raw")
RAW_WIDTH = 160
SEARCH_NAME = "ad hoc search"


def parser() -> OptionParser:
    p = OptionParser(prog="build.py search", description=__doc__.split("\n\n")[0])
    p.add_argument("spl", metavar="SPL", help="the search, as typed in Splunk's search bar")
    p.add_argument("paths", nargs="+", metavar="PATH", help="vendor log files or folders")
    p.add_argument("--app", type=Path, metavar="DIR",
                   help="an unpacked app folder, only read (default: a build of its own)")
    p.add_argument("--lag", default="0", metavar="SPAN", help="_indextime = _time + SPAN")
    p.add_argument("--tz", default="UTC", metavar="ZONE", help="the search head's time zone")
    p.add_argument("--earliest", metavar="T", help="start of the time range (default: all)")
    p.add_argument("--latest", metavar="T", help="end of the time range, excluded")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    return p


def shown_rows(rows: List[dict], tz: str) -> List[dict]:
    """Rows for the table: events with `_time` in ISO 8601 and `_raw` cut to one line."""
    shown = []
    for row in rows:
        row = dict(row)
        if "_time" in row:
            with contextlib.suppress(ValueError):  # a _time that stats made into text
                row["_time"] = replay.iso_time(float(str(row["_time"])), tz)
        raw = row.get("_raw")
        if isinstance(raw, str) and len(raw) > RAW_WIDTH:
            row["_raw"] = raw[:RAW_WIDTH - 3] + "..."
        shown.append(row)
    return shown


def main(argv: Sequence[str], app_dir: Optional[Path] = None, out=None, err=None,
         build_app: Optional[replay.AppBuilder] = None) -> int:
    """The search verb. The app is `--app DIR`, else `app_dir`, else `build_app()`."""
    out, err = out or sys.stdout, err or sys.stderr
    workspace = None
    try:
        args = parser().parse_args(list(argv))
        lag, tz = replay.parse_span(args.lag), replay.check_zone(args.tz)
        now = time.time()
        earliest = replay.time_bound(args.earliest, now, tz, "--earliest")
        latest = replay.time_bound(args.latest, now, tz, "--latest")
        replay.log_files(args.paths)  # a missing path is a usage error before any build
        app = args.app or app_dir or (build_app() if build_app else None)
        if app is None:
            raise UsageError("no app folder to search with (give --app DIR)")
        workspace = Workspace(Path(app), tz=tz)
        started = time.monotonic()
        logs = replay.read_logs(args.paths, workspace, lag,
                                [(args.spl, SEARCH_NAME), *replay.unknown_test(workspace)],
                                earliest, latest, progress=err)
        store = logs.store
        # Newest first, as Splunk's search returns events.
        visible = store.visible(0, len(store), now)
        rows = workspace.engine.run(args.spl, visible, now=now, earliest=earliest,
                                    latest=latest, name=SEARCH_NAME)
        unknown: Counter = Counter()
        replay.count_unknown(workspace, visible, unknown)
        seconds = time.monotonic() - started
    except (UsageError, WorkspaceError, SplError) as error:
        print(f"search: {error}", file=err)
        if workspace:
            workspace.close()
        return 2
    try:
        if args.format == "table" and any("_raw" in row for row in rows):
            replay.print_rows(shown_rows(rows, tz), list(EVENT_TABLE_COLUMNS), "table", out)
        else:
            table_rows = shown_rows(rows, tz) if args.format == "table" else rows
            replay.print_rows(table_rows, replay.columns_of(rows, ()), args.format, out)
        replay.print_events_read(logs, unknown, err, "search")
        replay.print_speed(logs, seconds, err)
        print(f"  {len(rows)} results", file=err)
    finally:
        workspace.close()
    return 0
