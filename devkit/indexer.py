"""What Splunk's indexing gives each vendor log record, for the replay and `build.py search`.

A record read by devkit.vendorlogs becomes one event with the fields Splunk extracts from
its JSON (`to_event`), plus what the data onboarding adds in a real deployment:
`sourcetype` and `index` (those the app's per-platform source macro names, so that the
app's own `cloud_secrets_sources` finds the events, and a user's edited macros too),
`host`, and `_indextime` (`_time` plus the simulated ingestion lag).

Which platform a record comes from decides its sourcetype, as the input that collected it
would in Splunk (the AWS add-on's CloudTrail input, the Pub/Sub input, the Event Hub
input, a monitor of the Vault audit file). That choice is made here from the record's
shape with a few marker keys, deliberately independent of the `cloudsecrets` command's
own platform recognition: the command is what the replay tests, so it must not also
decide what data it is given. Input shapes recognised (at the root, or under `data`
for Pub/Sub messages and `body` for Event Hub messages):
- AWS CloudTrail: `eventSource` ending in `.amazonaws.com`, or `eventName` with
  `userIdentity`;
- GCP Cloud Audit Logs: `protoPayload`, or a `logName` under `projects/`;
- Azure: `operationName` with `category` or `resourceId` (Activity log records, whose
  category is `Administrative` or that carry `eventTimestamp`, get the Activity
  sourcetype when the source macro names none);
- HashiCorp Vault audit lines: `type` `request`/`response` with a `request` object.
A record with none of these takes the platform of the other records of its file (one
input, one sourcetype, as Splunk assigns them); a file with no recognised record is
indexed as `_json`, which the app's source macros do not search.

Records are indexed as they are read, one file at a time: a record without a time is
reported, one outside `[earliest, latest)` counted, one that no search can use (a test
such as Engine.event_test, given its index-time fields and `_raw`) counted and dropped,
and the others stored in a devkit.eventstore.EventStore.
"""

from __future__ import annotations

import re
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Dict, Mapping, Optional, Sequence, Tuple

from . import vendorlogs
from .eventstore import EventStore, EventsView, PendingEvent

PLATFORMS = ("AWS", "GCP", "Azure", "Vault")
UNRECOGNISED = "Unrecognised"
UNRECOGNISED_SOURCETYPE = "_json"

# The platform's source macro in the app, and the sourcetype its input assigns when the
# macro names none without wildcards (spec replay.md, "The events").
SOURCE_MACROS = {"AWS": "cloud_secrets_aws_sources", "GCP": "cloud_secrets_gcp_sources",
                 "Azure": "cloud_secrets_azure_sources", "Vault": "cloud_secrets_vault_sources"}
DEFAULT_SOURCETYPES = {"AWS": "aws:cloudtrail", "GCP": "google:gcp:pubsub:message",
                       "Azure": "mscs:azure:eventhub", "Vault": "hashicorp_vault_audit_log"}
AZURE_ACTIVITY_SOURCETYPE = "azure:monitor:activity"
DEFAULT_INDEX = "main"

_VALUE = r"""\s*(?:"([^"]*)"|'([^']*)'|([^\s()"']+))"""
_SOURCETYPE = re.compile(r"(?<![\w.])sourcetype\s*=" + _VALUE, re.IGNORECASE)
_INDEX = re.compile(r"(?<![\w.])index\s*=" + _VALUE, re.IGNORECASE)
_MACRO_CALL = re.compile(r"`([^`(]+)`")


def guess_platform(record: Mapping) -> Optional[str]:
    """AWS, GCP, Azure, Vault, "Azure activity" or None, from a few marker keys."""
    for candidate in (record, record.get("data"), record.get("body")):
        if not isinstance(candidate, Mapping):
            continue
        source = candidate.get("eventSource")
        if (isinstance(source, str) and source.endswith(".amazonaws.com")) or (
                "eventName" in candidate and "userIdentity" in candidate):
            return "AWS"
        log_name = candidate.get("logName")
        if "protoPayload" in candidate or (
                isinstance(log_name, str) and log_name.startswith("projects/")):
            return "GCP"
        if "operationName" in candidate and ("category" in candidate or "resourceId" in candidate):
            activity = candidate.get("category") == "Administrative" or (
                "eventTimestamp" in candidate)
            return "Azure activity" if activity else "Azure"
        if candidate.get("type") in ("request", "response") and isinstance(
                candidate.get("request"), Mapping):
            return "Vault"
    return None


def _first_plain(pattern: re.Pattern, text: str) -> str:
    """The first value of `name=value` in text that holds no wildcard, or ""."""
    for match in pattern.finditer(text):
        value = next(group for group in match.groups() if group is not None)
        if value and "*" not in value:
            return value
    return ""


def _expanded(name: str, definitions: Mapping[str, str], depth: int = 0) -> str:
    """A macro's definition with argument-less macros inside it replaced (10 levels deep),
    enough to read the index and sourcetype a user's source macro names."""
    text = definitions.get(name, "")
    if depth >= 10:
        return text
    return _MACRO_CALL.sub(lambda m: _expanded(m.group(1).strip(), definitions, depth + 1), text)


@dataclass(frozen=True)
class Target:
    """Where a platform's events land: the sourcetype and index its input assigns."""

    sourcetype: str
    index: str


def targets(macro_definitions: Mapping[str, str]) -> Dict[str, Target]:
    """{platform (and "Azure activity"): Target} from the app's per-platform source macros.

    `macro_definitions` maps macro names to definitions (default overlaid by local).
    """
    result: Dict[str, Target] = {}
    for platform in PLATFORMS:
        text = _expanded(SOURCE_MACROS[platform], macro_definitions)
        sourcetype = _first_plain(_SOURCETYPE, text)
        index = _first_plain(_INDEX, text) or DEFAULT_INDEX
        result[platform] = Target(sourcetype or DEFAULT_SOURCETYPES[platform], index)
        if platform == "Azure":
            result["Azure activity"] = Target(sourcetype or AZURE_ACTIVITY_SOURCETYPE, index)
    result[UNRECOGNISED] = Target(UNRECOGNISED_SOURCETYPE, DEFAULT_INDEX)
    return result


EventTest = Callable[[Mapping], bool]


@dataclass
class IndexedLogs:
    """The events of a replay or a search, and what was read from where.

    `store` holds the events that some search can use (all of them without a test);
    the counts and the first and last times are of every dated record read in range."""

    store: EventStore
    # {file: {platform: number of records}}, platform as guessed here (Unrecognised if none)
    per_file: Dict[str, Counter] = field(default_factory=dict)
    # What the readers skipped, could not read or repaired (files, lines, bytes)
    report: vendorlogs.ReadReport = field(default_factory=vendorlogs.ReadReport)
    records: int = 0  # dated records in range (indexed)
    out_of_range: int = 0  # records outside --earliest/--latest
    out_of_range_by_file: Counter = field(default_factory=Counter)  # {file: such records}
    first_time: Optional[float] = None
    last_time: Optional[float] = None
    lag: float = 0.0
    seconds: float = 0.0  # spent reading and indexing

    @property
    def events(self) -> Sequence[Dict[str, object]]:
        """The stored events, extracted when read (fine for small sets and tests)."""
        return EventsView(self.store)

    @property
    def bounds(self) -> Optional[Tuple[float, float, float]]:
        """(first _time, last _time, last _indextime) of every record indexed."""
        if self.first_time is None or self.last_time is None:
            return None
        return self.first_time, self.last_time, self.last_time + self.lag


class _FileIndexer:
    """The records of one file as events: platform, sourcetype, index, the test."""

    def __init__(self, logs: IndexedLogs, where: Dict[str, Target], host: str,
                 keep: Optional[EventTest], earliest: Optional[float],
                 latest: Optional[float]) -> None:
        self.logs, self.where, self.host, self.keep = logs, where, host, keep
        self.earliest, self.latest = earliest, latest
        self.sequence = 0

    def index(self, path: Path, meter: vendorlogs.ReadProgress, done: int) -> None:
        logs, report = self.logs, self.logs.report
        source = str(path)
        known: Counter = Counter()
        unplaced = []  # records of no recognised shape: they take the file's platform
        counts: Counter = Counter()
        for number, (record, line, offset) in enumerate(
                vendorlogs.read_located(path, report)):
            if number % 1000 == 0:
                meter.tick(done, report, path)
            moment = vendorlogs.record_time(record)
            if moment is None:
                if not line:  # read in one go: find its place in the file
                    line, offset = vendorlogs.locate(path, number + 1)
                report.undated_records.append(vendorlogs.undated(path, line, offset))
                continue
            if (self.earliest is not None and moment < self.earliest) or (
                    self.latest is not None and moment >= self.latest):
                logs.out_of_range += 1
                logs.out_of_range_by_file[source] += 1
                continue
            self.sequence += 1
            guess = guess_platform(record)
            if guess is None:
                unplaced.append((record, moment, self.sequence))
                continue
            known[guess] += 1
            self.add(record, moment, guess, source, counts, self.sequence)
        if source not in report.records_by_file:
            return  # skipped (a digest file, not a log): the report says why
        file_platform = known.most_common(1)[0][0] if known else UNRECOGNISED
        for record, moment, sequence in unplaced:
            self.add(record, moment, file_platform, source, counts, sequence)
        logs.per_file[source] = counts

    def add(self, record: dict, moment: float, platform: str, source: str,
            counts: Counter, sequence: int) -> None:
        logs = self.logs
        counts["Azure" if platform == "Azure activity" else platform] += 1
        logs.records += 1
        logs.first_time = moment if logs.first_time is None else min(logs.first_time, moment)
        logs.last_time = moment if logs.last_time is None else max(logs.last_time, moment)
        target = self.where[platform]
        event = PendingEvent(record, {
            "_time": moment, "source": source, "_indextime": moment + logs.lag,
            "sourcetype": target.sourcetype, "index": target.index, "host": self.host})
        if self.keep is None or self.keep(event):
            logs.store.add(event.raw, moment, source, target.sourcetype, target.index,
                           sequence)


def index_files(paths: Sequence[Path], macro_definitions: Mapping[str, str],
                lag: float = 0.0, host: Optional[str] = None,
                keep: Optional[EventTest] = None, earliest: Optional[float] = None,
                latest: Optional[float] = None, folder: Optional[Path] = None,
                progress: Optional[IO[str]] = None) -> IndexedLogs:
    """Read every file with devkit.vendorlogs and index its records as Splunk would.

    Every record with a time in [earliest, latest) is counted; those that `keep` accepts
    (all without it: see Engine.event_test) are stored, sorted by `_time` (file order on
    ties), with `_indextime = _time + lag`, in an EventStore (spill file in `folder`,
    else a temporary folder). Bad input never raises: files that are not logs, broken
    or undated records and invalid bytes are skipped or repaired and listed in
    `IndexedLogs.report`. Progress lines go to `progress` when reading takes a while.
    """
    started = time.monotonic()
    host = host or socket.gethostname()
    logs = IndexedLogs(EventStore(folder, host=host, lag=lag), lag=float(lag))
    indexer = _FileIndexer(logs, targets(macro_definitions), host, keep, earliest, latest)
    meter = vendorlogs.ReadProgress(progress, len(paths))
    for done, path in enumerate(paths):
        indexer.index(Path(path), meter, done)
    logs.store.seal()
    logs.seconds = time.monotonic() - started
    return logs
