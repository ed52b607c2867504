"""Raw vendor log files in, events as Splunk would extract them out.

Input shapes handled (gzip of any of them too, recognised by its magic bytes):
- CloudTrail files as AWS writes them to S3: `{"Records": [...]}`;
- Azure resource and Activity log exports: `{"records": [...]}`;
- JSON arrays of records, or one JSON object per file;
- JSON lines: one record per line (Vault audit device files, GCP exports); blank lines
  are skipped and a line that is not a JSON object is an error naming file and line.

Each record becomes one event: its fields named as Splunk's JSON extraction names them
(the command's own `flatten_json`, so both sides agree), `_raw` holding the record as
JSON, `_time` from the record's own timestamp (`eventTime`, `timestamp`, `time`,
`receiveTimestamp`; none gives 0) and `source`, the file it came from.
"""

from __future__ import annotations

import calendar
import gzip
import json
import re
import sys
from pathlib import Path
from typing import Dict, Iterator, List

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "bin") not in sys.path:
    sys.path.insert(0, str(ROOT / "bin"))

from cloud_secrets.fields import flatten_json  # noqa: E402

TIME_KEYS = ("eventTime", "timestamp", "time", "receiveTimestamp")
_ISO_TIME = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?$")


class LogFormatError(ValueError):
    """A file that is not one of the supported shapes (the message names file and line)."""


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8")


def read_records(path: Path) -> Iterator[dict]:
    """Yield the JSON records of one file, in file order."""
    text = read_text(path)
    stripped = text.lstrip()
    if not stripped:
        return
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError:
        document = None  # JSON lines: more than one document in the file
    if isinstance(document, dict):
        for key in ("Records", "records"):
            if isinstance(document.get(key), list):
                yield from (r for r in document[key] if isinstance(r, dict))
                return
        yield document
        return
    if isinstance(document, list):
        yield from (r for r in document if isinstance(r, dict))
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise LogFormatError(f"{path}, line {number}: not JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise LogFormatError(f"{path}, line {number}: not a JSON object")
        yield record


def parse_time(value: str) -> float:
    """ISO 8601 (`2024-07-31T12:36:52Z`, nanoseconds, offsets, a space for T) to epoch."""
    match = _ISO_TIME.match(value.strip()) if isinstance(value, str) else None
    if not match:
        return 0.0
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = float(match.group(7)) if match.group(7) else 0.0
    epoch = calendar.timegm((year, month, day, hour, minute, second)) + fraction
    zone = match.group(8)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return epoch


def record_time(record: dict) -> float:
    for candidate in (record, record.get("data"), record.get("body")):
        if isinstance(candidate, dict):
            for key in TIME_KEYS:
                if isinstance(candidate.get(key), str):
                    return parse_time(candidate[key])
    return 0.0


def to_event(record: dict, source: str = "") -> Dict[str, object]:
    """One record as the event Splunk would hand to a search command."""
    event: Dict[str, object] = dict(flatten_json(record))
    event["_raw"] = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    event["_time"] = f"{record_time(record):.3f}"
    if source:
        event["source"] = source
    return event


def read_events(paths: List[Path]) -> List[Dict[str, object]]:
    """Every record of every file as events, sorted by time (as a search returns them)."""
    events = [to_event(r, str(p)) for p in paths for r in read_records(p)]
    return sorted(events, key=lambda e: float(e["_time"]))  # stable: file order on ties
