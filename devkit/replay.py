"""python3 build.py replay [--baseline FILE] [--format table|csv|json] [--summary] PATH...

Shows what the app finds in raw vendor log files without a Splunk server:
1. reads the files and folders (recursively) as the vendors write them (CloudTrail
   `{"Records": [...]}`, Azure `{"records": [...]}`, either one per line, JSON arrays,
   JSON lines, Vault audit lines, gzip of any of them) and turns each record into the
   fields Splunk extracts (devkit.vendorlogs); what was read, skipped and broken is
   summarized on standard error, always;
2. runs the packaged cloudsecrets command over search command protocol v2 exactly as
   splunkd does (devkit.splunkd), in chunks of 10,000 events;
3. applies both analytics (devkit.analytics) with the thresholds read from the app's own
   default/macros.conf and the baseline lookup given with --baseline (by default the
   app's lookups/cloud_secrets_baseline.csv, shipped empty);
4. prints one row per alert: a table, CSV (header `analytic,principal,platform,
   account_type,count,distinct_secrets,reason,...`) or JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from . import analytics, vendorlogs
from .splunkd import run_command

CHUNK_SIZE = 10_000
PROGRESS_EVENTS = 20_000  # about the number the command takes a few seconds over
CSV_COLUMNS = ("analytic", "principal", "platform", "account_type", "count", "distinct_secrets",
               "reason", "vendor_product", "sample_secrets", "secret_stores", "src",
               "user_agent", "first_time", "last_time", "account_type_rule")


class ReplayError(Exception):
    """A problem with the replay's input (the message says which file and why)."""


def read_macros(macros_conf: Path) -> Dict[str, str]:
    """{macro name: definition} from a macros.conf, read with the Splunk conf parser."""
    from addonfactory_splunk_conf_parser_lib import TABConfigParser

    parser = TABConfigParser()
    parser.read(str(macros_conf))
    return {name: parser.get(name, "definition") for name in parser.sections()
            if parser.has_option(name, "definition")}


def read_baseline(path: Path) -> Dict[Tuple[str, str], Dict[str, str]]:
    """The baseline lookup keyed by (principal, platform), as `lookup` matches it."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise ReplayError(f"cannot read the baseline {path}: {error.strerror}") from None
    if rows and not {"principal", "platform", "max_distinct_per_hour"} <= set(rows[0]):
        raise ReplayError(f"{path} lacks the columns principal, platform, max_distinct_per_hour")
    return {(row["principal"], row["platform"]): row for row in rows}


def normalize(app_dir: Path, events: List[dict]) -> List[dict]:
    """Every event through the packaged command, as splunkd would send it."""
    batches = [events[i:i + CHUNK_SIZE] for i in range(0, len(events), CHUNK_SIZE)] or [[]]
    result = run_command(app_dir / "bin" / "cloudsecrets.py", batches)
    if result.errors or result.returncode != 0 or len(result.records) != len(events):
        raise ReplayError(f"the cloudsecrets command failed: {result.errors or result.stderr}")
    return result.records


def replay(paths: Sequence[str], app_dir: Path, baseline: Optional[Path] = None,
           report: Optional[vendorlogs.ReadReport] = None
           ) -> Tuple[List[analytics.Alert], List[dict]]:
    """Alerts of both analytics over the files and folders `paths`, and the normalized
    events; what was read goes to `report` (vendorlogs.ReadReport)."""
    try:
        events = vendorlogs.read_events(paths, report=report)
    except vendorlogs.LogPathError as error:
        raise ReplayError(str(error)) from None
    if len(events) >= PROGRESS_EVENTS:
        print(f"replay: running cloudsecrets over {len(events):,} events", file=sys.stderr,
              flush=True)
    records = normalize(app_dir, events)
    thresholds = analytics.Thresholds.from_macros(
        read_macros(app_dir / "default" / "macros.conf"))
    history = read_baseline(baseline or app_dir / "lookups" / "cloud_secrets_baseline.csv")
    alerts = (analytics.unusual_volume(records, history, thresholds)
              + analytics.enumeration(records, thresholds))
    alerts.sort(key=lambda a: (a.first_time, a.analytic, a.principal))
    return alerts, records


def summary_lines(report: vendorlogs.ReadReport, records: List[dict],
                  alerts: Sequence[analytics.Alert]) -> List[str]:
    """What was read (per file, skipped, broken), the events per platform, the alerts."""
    platforms: Dict[str, int] = {}
    for record in records:
        platform = analytics.first(record, "platform")
        platforms[platform] = platforms.get(platform, 0) + 1
    seen = ", ".join(f"{n:,} {p}" for p, n in sorted(platforms.items())) or "none"
    unknown = platforms.get("Unknown", 0)
    return [f"replay: {line}" for line in [
        *report.lines(),
        f"{len(records):,} events ({seen}); {unknown:,} left Unknown by cloudsecrets; "
        f"{len(alerts)} alerts"]]


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def as_row(alert: analytics.Alert) -> Dict[str, str]:
    """An alert as strings, multivalue fields joined with "|" (CSV and table output)."""
    row = {}
    for column in CSV_COLUMNS:
        value = getattr(alert, column)
        if isinstance(value, list):
            value = "|".join(value)
        elif column in ("first_time", "last_time"):
            value = _iso(value)
        row[column] = str(value)
    return row


def as_json(alert: analytics.Alert) -> Dict[str, object]:
    document = {column: getattr(alert, column) for column in CSV_COLUMNS}
    document["first_time"], document["last_time"] = _iso(alert.first_time), _iso(alert.last_time)
    document.update({k: v for k, v in alert.details.items() if v is not None})
    return document


def print_table(alerts: Sequence[analytics.Alert], out) -> None:
    columns = ("analytic", "principal", "platform", "account_type", "count", "distinct_secrets",
               "first_time", "reason")
    rows = [as_row(alert) for alert in alerts]
    widths = {c: max([len(c), *(len(r[c]) for r in rows)]) for c in columns[:-1]}
    print("  ".join(c.ljust(widths.get(c, 0)) for c in columns).rstrip(), file=out)
    for row in rows:
        print("  ".join(row[c].ljust(widths.get(c, 0)) for c in columns).rstrip(), file=out)


def print_summary(alerts: Sequence[analytics.Alert], records: List[dict], files: int,
                  out) -> None:
    platforms: Dict[str, int] = {}
    for record in records:
        platform = analytics.first(record, "platform")
        platforms[platform] = platforms.get(platform, 0) + 1
    seen = ", ".join(f"{n} {p}" for p, n in sorted(platforms.items()))
    print(f"  {len(records)} events from {files} files ({seen}): {len(alerts)} alerts", file=out)
    by_key: Dict[Tuple[str, str, str, str], List[analytics.Alert]] = {}
    for alert in alerts:
        key = (alert.analytic, alert.principal, alert.platform, alert.account_type)
        by_key.setdefault(key, []).append(alert)
    for (analytic, principal, platform, account_type), group in sorted(by_key.items()):
        print(f"  {analytic:15} {platform:6} {account_type:16} {principal}  "
              f"({len(group)}x; {group[0].reason})", file=out)


def main(argv: Sequence[str], app_dir: Optional[Path], out=None) -> int:
    """The replay verb; `app_dir` is the assembled app (None only for --help)."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="build.py replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", metavar="PATH",
                        help="vendor log files or folders (read recursively)")
    parser.add_argument("--baseline", type=Path, help="baseline lookup CSV to compare with")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.add_argument("--summary", action="store_true",
                        help="instead of the alerts, print them grouped by analytic and principal")
    args = parser.parse_args(argv)
    report = vendorlogs.ReadReport()
    try:
        alerts, records = replay(args.files, app_dir, args.baseline, report)
    except (ReplayError, KeyError, ValueError) as error:
        print(f"replay: {error}", file=sys.stderr)
        return 2
    for line in summary_lines(report, records, alerts):
        print(line, file=sys.stderr)
    if args.summary:
        print_summary(alerts, records, report.files, out)
    elif args.format == "csv":
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(as_row(alert) for alert in alerts)
    elif args.format == "json":
        json.dump([as_json(alert) for alert in alerts], out, indent=2)
        print(file=out)
    else:
        print_table(alerts, out)
    return 0
