"""Raw vendor log files and folders in, events as Splunk would extract them out.

What users have, and what each gives:
- a folder: every file below it, recursively (name order, files before subfolders; an S3-synced
  `AWSLogs/<account>/CloudTrail/<region>/Y/M/D/` tree, an Event Hub capture folder);
- CloudTrail files as AWS writes them to S3, one `{"Records": [...]}` document, and Azure
  resource and Activity log exports, `{"records": [...]}`: each entry is a record;
- the same wrapper documents one per line (a line-wrapped export of many such files);
- JSON arrays of records, one JSON object per file (pretty-printed or not);
- JSON lines, one record per line (Vault audit device files, GCP exports); blank lines
  are skipped;
- gzip of any of these, recognised by its magic bytes whatever the file is called;
- any encoding: UTF-8 (with or without a byte order mark) and UTF-16 with a byte order
  mark are decoded as such; bytes that are not valid UTF-8 (a Latin-1 file, a damaged
  one) become U+FFFD, and are counted and reported with the file's name.

Nothing bad in the input stops the reading or reaches the user as a traceback. Each
problem is recorded in a `ReadReport` and the rest is read:
- a file that is not a log (a README.txt, a .DS_Store: it does not start with `{` or
  `[`), a CloudTrail digest file (`CloudTrail-Digest` folders, `_CloudTrail-Digest_`
  names: integrity hashes that an S3 sync brings along) or a file that cannot be opened
  is skipped, naming the file and why;
- a broken record is reported as `file:line` (plus its character offset in the file when
  it sits inside an array, where one line can hold thousands of records) and skipped;
  the rest of the file is read;
- an entry of an array that is not a JSON object is counted and reported;
- a truncated or damaged gzip file is reported, and the records before the damage kept.

A file of up to WHOLE_FILE_LIMIT characters (a few MB: most CloudTrail files, a day of
Vault audit) is parsed in one `json.loads` (or one per line for JSON lines), which is
several times faster; anything irregular in it (a broken record, an entry that is not
an object, damaged gzip data) sends it to the careful reader instead, which reports it.
Larger files are read in blocks and parsed record by record (`json.JSONDecoder.raw_decode`
over a sliding window), so reading one holds one block and one record at a time, not the
whole text plus the parsed document: memory grows with the events kept, not with the
size of a file.

Each record becomes one event (`to_event`): its fields named as Splunk's JSON extraction
names them (the command's own `flatten_json`, so both sides agree), `_raw` holding the
record as JSON, `_time` from the record's own time (`record_time`) and `source`, the
file it came from.

The event time is read from every field the vendors use, at the root of the record or
under the `data` (Pub/Sub) and `body` (Event Hub) wrappers, in this order: `eventTime`
(CloudTrail), `timestamp` (Cloud Audit Logs), `time` (Azure resource logs and Activity
log exports, Vault audit lines), `eventTimestamp` (Azure Activity log records from the
REST API), then the times a record was received, `receiveTimestamp` (Cloud Audit Logs)
and `submissionTimestamp` (Activity log). The first that holds an ISO 8601 time wins. A
record with none is reported with its file and line (`ReadReport.undated_records`) and
skipped: dated 1970 it would stretch a replay over fifty years.

Use:

    report = vendorlogs.ReadReport()
    events = vendorlogs.read_events(["AWSLogs/", "vault_audit.log"], report=report)
    for line in report.lines():   # what was read, skipped and broken, for stderr
        print(line, file=sys.stderr)
"""

from __future__ import annotations

import calendar
import codecs
import gzip
import json
import os
import re
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Dict, Iterable, Iterator, List, Optional, Tuple, Union

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "bin") not in sys.path:
    sys.path.insert(0, str(ROOT / "bin"))

from cloud_secrets.fields import flatten_json  # noqa: E402

__all__ = ["LogPathError", "ReadProgress", "ReadReport", "flatten_json", "raw_text",
           "read_events", "read_located", "read_records", "record_time", "to_event"]

PathLike = Union[str, "os.PathLike[str]"]

TIME_KEYS = ("eventTime", "timestamp", "time", "eventTimestamp", "receiveTimestamp",
             "submissionTimestamp")
TIME_WRAPPERS = ("data", "body")
WRAPPER_KEYS = ("Records", "records")
BLOCK = 1 << 20  # characters decoded per read; a record larger than this grows the window
WHOLE_FILE_LIMIT = 4 << 20  # characters: files up to this size are parsed in one go
SHOWN_PER_KIND = 20  # problems of one kind listed by ReadReport.lines() before "... N more"
PROGRESS_AFTER = 3.0  # seconds of reading before the first progress line on stderr
PROGRESS_EVERY = 5.0

_ISO_TIME = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(\.\d+)?\s*([Zz]|[+-]\d\d:?\d\d)?$")
_WHITESPACE = re.compile(r"[ \t\r\n]*")
# A JSON string, or one bracket: enough to find where a broken value ends.
_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]]', re.DOTALL)
_LONGEST_TOKEN = 16  # "-Infinity", "false", "1e-0": an error this near the end may be a cut
_ENTRY_END = re.compile(r"[,\]\n]")
_DECODER = json.JSONDecoder()


class LogPathError(ValueError):
    """A path named by the user that does not exist (a usage error, not bad input)."""


# --------------------------------------------------------------------------------------
# What was read: the report


@dataclass
class ReadReport:
    """What `read_events` read, skipped and could not read, for the user.

    `records_by_file` maps each file read to its record count; the lists hold one
    human-readable entry per problem, each starting with the file (and line) it concerns.
    """

    records_by_file: Dict[str, int] = field(default_factory=dict)
    skipped_files: List[str] = field(default_factory=list)  # "path: why"
    broken_records: List[str] = field(default_factory=list)  # "path:line: why"
    non_objects: List[str] = field(default_factory=list)  # "path:line: entry N is a ..."
    undated_records: List[str] = field(default_factory=list)  # "path:line: no time ..."
    damaged_files: List[str] = field(default_factory=list)  # "path: gzip ends early ..."
    invalid_bytes_by_file: Dict[str, int] = field(default_factory=dict)

    @property
    def files(self) -> int:
        """Files read (skipped files not included)."""
        return len(self.records_by_file)

    @property
    def records(self) -> int:
        return sum(self.records_by_file.values())

    @property
    def skipped(self) -> int:
        return len(self.skipped_files)

    @property
    def broken(self) -> int:
        return len(self.broken_records)

    @property
    def non_object_entries(self) -> int:
        return len(self.non_objects)

    @property
    def undated(self) -> int:
        return len(self.undated_records)

    @property
    def invalid_bytes(self) -> int:
        return sum(self.invalid_bytes_by_file.values())

    @property
    def problems(self) -> int:
        """Everything the user should look at: skips, breaks, non-objects, damage, bytes."""
        return (self.skipped + self.broken + self.non_object_entries + self.undated
                + len(self.damaged_files) + len(self.invalid_bytes_by_file))

    def lines(self) -> List[str]:
        """A human summary for stderr: records per file, then every kind of problem."""
        out = [f"read {self.records:,} records from {self.files:,} files"
               + (f", skipped {self.skipped:,} files" if self.skipped else "")
               + (f", {self.broken:,} broken records skipped" if self.broken else "")
               + (f", {self.non_object_entries:,} entries not objects"
                  if self.non_object_entries else "")
               + (f", {self.undated:,} records without a time skipped" if self.undated
                  else "")]
        per_file = [f"  {path}: {count:,} records" for path, count in self.records_by_file.items()]
        return out + _capped(per_file, "files") + self.problem_lines()

    def problem_lines(self) -> List[str]:
        """One indented line per problem (capped per kind), for callers that count the
        records per file themselves."""
        out: List[str] = []
        out += _capped([f"  skipped {entry}" for entry in self.skipped_files], "skipped files")
        out += _capped([f"  broken record at {entry}" for entry in self.broken_records],
                       "broken records")
        out += _capped([f"  not an object at {entry}" for entry in self.non_objects],
                       "entries not objects")
        out += _capped([f"  no time at {entry}" for entry in self.undated_records],
                       "records without a time")
        out += [f"  {entry}" for entry in self.damaged_files]
        out += _capped([f"  {path}: {count:,} bytes that are not UTF-8 replaced with U+FFFD"
                        for path, count in self.invalid_bytes_by_file.items()], "files")
        return out


def _capped(lines: List[str], what: str) -> List[str]:
    if len(lines) <= SHOWN_PER_KIND:
        return lines
    return [*lines[:SHOWN_PER_KIND], f"  ... and {len(lines) - SHOWN_PER_KIND:,} more {what}"]


# --------------------------------------------------------------------------------------
# Finding the files


def is_cloudtrail_digest(path: Path) -> bool:
    """CloudTrail digest files: hashes of the log files, delivered beside them, no events."""
    return "CloudTrail-Digest" in path.parts or "_CloudTrail-Digest_" in path.name


def log_files(paths: Iterable[PathLike]) -> List[Path]:
    """The files named, and every file below the folders named (name order, recursive)."""
    files: List[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            for folder, subfolders, names in os.walk(path):
                subfolders.sort()
                files.extend(Path(folder) / n for n in sorted(names))
        elif path.is_file():
            files.append(path)
        else:
            raise LogPathError(f"no such file or folder: {name}")
    return files


# --------------------------------------------------------------------------------------
# Bytes to text: gzip, encodings, invalid bytes counted


class _InvalidBytes(threading.local):
    count = 0


_INVALID = _InvalidBytes()


def _replace_and_count(error: UnicodeError) -> Tuple[str, int]:
    _INVALID.count += error.end - error.start
    return "\ufffd", error.end


codecs.register_error("devkit.vendorlogs.count", _replace_and_count)


def _encoding(head: bytes) -> Tuple[str, int]:
    """The text encoding of a file from its first bytes, and the byte order mark's length."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] and head[2]:
        return "utf-16-le", 0  # `{\0"\0`: UTF-16 without a byte order mark
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] and head[3]:
        return "utf-16-be", 0
    return "utf-8", 0


class _Blocks:
    """A file's text, one decoded block at a time; gzip and damage handled on the way."""

    def __init__(self, path: Path, report: ReadReport) -> None:
        self.path, self.report = path, report
        self.raw: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by close()
        self.stream: IO[bytes] = self.raw
        if self.raw.peek(2)[:2] == b"\x1f\x8b":  # type: ignore[attr-defined]
            self.stream = gzip.GzipFile(fileobj=self.raw, mode="rb")
        self.decoder: Optional[codecs.IncrementalDecoder] = None
        self.bytes_read = 0
        self.done = False

    def read(self, size: int) -> str:
        """Up to about `size` characters; "" at the end (or where the file is damaged)."""
        text = ""
        while not self.done and len(text) < size:
            try:
                data = self.stream.read1(size)  # type: ignore[attr-defined]
            except (EOFError, OSError, zlib.error) as error:
                what = _damage(error) if self.stream is not self.raw else f"read error ({error})"
                self.report.damaged_files.append(
                    f"{self.path}: {what} after {self.bytes_read:,} bytes: "
                    "kept the records before the damage")
                data = b""
            if self.decoder is None:
                encoding, bom = _encoding(data)
                self.decoder = codecs.getincrementaldecoder(encoding)(
                    errors="devkit.vendorlogs.count")
                data = data[bom:]
            if not data:
                self.done = True
            self.bytes_read += len(data)
            before = _INVALID.count
            text += self.decoder.decode(data, final=self.done)
            if _INVALID.count != before:
                invalid = self.report.invalid_bytes_by_file
                invalid[str(self.path)] = invalid.get(str(self.path), 0) + _INVALID.count - before
        return text

    def close(self) -> None:
        self.stream.close()
        self.raw.close()


def _damage(error: BaseException) -> str:
    if isinstance(error, EOFError):
        return "gzip data ends early (a truncated file)"
    return f"damaged gzip data ({error})"


# --------------------------------------------------------------------------------------
# Text to records


class _Broken(Exception):
    """A value that is not JSON; the message says why."""


class _Window:
    """A sliding window over a file's text: position, line number and file offset."""

    def __init__(self, blocks: _Blocks) -> None:
        self.blocks = blocks
        self.text = ""
        self.pos = 0  # in self.text
        self.base = 0  # file offset (characters) of self.text[0]
        # Lines are counted when asked for: the line number at self.text[_line_pos].
        self._line, self._line_pos = 1, 0
        self.keep = 0  # self.text before this may be dropped when more is read
        self.at_end = False

    @property
    def line(self) -> int:
        """The line of the position (newlines counted since the last time asked)."""
        if self.pos >= self._line_pos:
            self._line += self.text.count("\n", self._line_pos, self.pos)
        else:
            self._line -= self.text.count("\n", self.pos, self._line_pos)
        self._line_pos = self.pos
        return self._line

    def go_to(self, offset: int, line: int) -> None:
        """Back to a file offset still in the window, on a line known to be `line`."""
        self.pos = offset - self.base
        self._line, self._line_pos = line, self.pos

    @property
    def offset(self) -> int:
        return self.base + self.pos

    def more(self) -> bool:
        """Read more text (at least as much as the window holds: a large record costs
        log(size) parses, not size/BLOCK); False at the end of the file."""
        if self.at_end:
            return False
        block = self.blocks.read(max(BLOCK, len(self.text) - self.keep))
        if not block:
            self.at_end = True
            return False
        drop = min(self.keep, self.pos)
        if drop:
            if self._line_pos < drop:
                self._line += self.text.count("\n", self._line_pos, drop)
                self._line_pos = drop
            self.text, self.base = self.text[drop:], self.base + drop
            self.pos -= drop
            self.keep -= drop
            self._line_pos -= drop
        self.text += block
        return True

    def move(self, to: int) -> None:
        self.pos = to

    def peek(self) -> str:
        """The next character after whitespace, "" at the end of the file."""
        while True:
            self.move(_WHITESPACE.match(self.text, self.pos).end())
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def mark(self) -> Tuple[int, int, int]:
        self.keep = self.pos
        return self.base + self.pos, self.line, self.keep

    def back_to(self, mark: Tuple[int, int, int]) -> None:
        self.go_to(mark[0], mark[1])

    def decode(self) -> object:
        """The JSON value at the position (reading more while it is cut by the window)."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as error:
                # Cut by the window's end, not broken: the error is where the text stops
                # (within a literal or a number's length of it), or in a string left open.
                cut = (error.pos >= len(self.text) - _LONGEST_TOKEN
                       or error.msg.startswith("Unterminated"))
                if cut and self.more():
                    continue
                raise _Broken(f"not JSON ({error.msg})") from None
            except RecursionError:
                raise _Broken("nested too deeply") from None
            if end == len(self.text) and not isinstance(value, (dict, list)) and self.more():
                continue  # a number or literal may go on in the next block
            self.move(end)
            return value

    def skip_value(self) -> bool:
        """Move past a broken value by its brackets; False when its end cannot be found.
        A broken value that does not start with a bracket ends at the next `,` or `]`."""
        if self.text[self.pos] not in "{[":
            while True:
                match = _ENTRY_END.search(self.text, self.pos)
                if match:
                    self.move(match.start())
                    return True
                self.move(len(self.text))
                if not self.more():
                    return False
        depth = 0
        scanned = self.offset  # file offset up to which brackets have been counted
        while True:
            for match in _STRING_OR_BRACKET.finditer(self.text, scanned - self.base):
                token = match.group()
                scanned = self.base + match.end()
                if token in "{[":
                    depth += 1
                elif token in "}]":
                    depth -= 1
                    if depth <= 0:
                        self.move(match.end())
                        return True
            if not self.more():
                self.move(len(self.text))
                return False

    def skip_line(self) -> None:
        while True:
            newline = self.text.find("\n", self.pos)
            if newline >= 0:
                self.move(newline + 1)
                return
            self.move(len(self.text))
            if not self.more():
                return

    def expect(self, char: str) -> None:
        if self.peek() != char:
            found = self.peek() or "the end of the file"
            raise _Broken(f"not JSON (expected {char!r}, found {found[:1]!r})")
        self.move(self.pos + 1)


def _kind(value: object) -> str:
    names = {str: "a string", bool: "true or false", type(None): "null", list: "an array",
             int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


Located = Tuple[dict, int, Optional[int]]  # a record, its line, its offset in an array


class _FileReader:
    """The records of one file, in file order, with its problems added to the report;
    each with its line (and character offset when it is an entry of an array)."""

    def __init__(self, path: Path, report: ReadReport) -> None:
        self.path, self.report = path, report
        self.blocks = _Blocks(path, report)
        self.window = _Window(self.blocks)
        self.one_line_values: Optional[bool] = None  # JSON lines, once a record showed it
        self.streaming = False  # entries of the current document have been read

    def where(self, line: int, offset: Optional[int] = None) -> str:
        return f"{self.path}:{line}" + ("" if offset is None else f" (offset {offset:,})")

    def broken(self, line: int, offset: Optional[int], why: str) -> None:
        self.report.broken_records.append(f"{self.where(line, offset)}: {why}")

    def records(self) -> Iterator[Located]:
        window = self.window
        first = window.peek()
        if first not in ("{", "["):
            shown = repr(first) if first and first.isprintable() else "not text"
            why = ("an empty file" if not first else
                   f"not a log file (it starts with {shown}, not a JSON object or array)")
            self.report.skipped_files.append(f"{self.path}: {why}")
            return
        self.report.records_by_file[str(self.path)] = 0
        while True:
            char = window.peek()
            if not char:
                return
            mark = window.mark()
            self.streaming = False
            try:
                if char == "[":
                    yield from self.array(where="the array")
                elif char == "{":
                    yield from self.object_or_wrapper(mark)
                else:
                    raise _Broken(f"not a JSON object (it starts with {char!r})")
            except _Broken as error:
                if self.streaming:  # entries of this document were read: never read them twice
                    self.broken(window.line, window.offset, f"{error}; skipped to the next line")
                    window.skip_line()
                    continue
                self.broken(mark[1], None, str(error))
                window.back_to(mark)
                if not (self.record_spans_lines(char) and window.skip_value()):
                    window.skip_line()  # JSON lines: the next line is the next record

    def record_spans_lines(self, char: str) -> bool:
        """Whether a broken record at the position is pretty-printed over several lines
        (then it is skipped by its brackets) rather than one line of JSON lines."""
        if char not in "{[":
            return False
        if self.one_line_values is not None:
            return not self.one_line_values
        window = self.window
        end = window.text.find("\n", window.pos)
        line = window.text[window.pos:end if end >= 0 else len(window.text)].rstrip()
        return not line.endswith(("}", "]"))

    def object_or_wrapper(self, mark) -> Iterator[Located]:
        """A record, or a wrapper `{"Records": [...]}` whose entries are streamed."""
        window = self.window
        window.move(window.pos + 1)
        if window.peek() == '"':
            key = window.decode()
            window.expect(":")
            if key in WRAPPER_KEYS and window.peek() == "[":
                yield from self.array(where=key)
                yield from self.rest_of_wrapper()
                return
        window.back_to(mark)
        record = window.decode()
        self.one_line_values = mark[1] == window.line
        yield from self.entries(record, mark[1], None, "")

    def rest_of_wrapper(self) -> Iterator[Located]:
        """The keys after the records of a wrapper document (read and dropped)."""
        window = self.window
        while window.peek() == ",":
            window.move(window.pos + 1)
            window.peek()  # past the whitespace: raw_decode does not skip it
            key = window.decode()
            window.expect(":")
            window.peek()
            value = window.decode()
            if key in WRAPPER_KEYS and isinstance(value, list):
                yield from self.entries({key: value}, window.line, None, "")
        window.expect("}")
        return

    def array(self, where: str) -> Iterator[Located]:
        """The entries of an array at the position, one at a time."""
        window = self.window
        window.expect("[")
        self.streaming = True
        number = 0
        if window.peek() == "]":
            window.move(window.pos + 1)
            return
        while True:
            number += 1
            window.peek()
            line, offset = window.line, window.offset
            window.mark()
            try:
                value = window.decode()
            except _Broken as error:
                self.broken(line, offset, f"entry {number} of {where}: {error}")
                window.go_to(offset, line)
                if not window.skip_value():
                    return  # its end is the end of the file (a cut file)
            else:
                yield from self.entries(value, line, offset, f"entry {number} of {where}")
            char = window.peek()
            if char == "]":
                window.move(window.pos + 1)
                return
            if char != ",":
                raise _Broken(f"entry {number} of {where} is not followed by ',' or ']'")
            window.move(window.pos + 1)

    def entries(self, value: object, line: int, offset: Optional[int], what: str
                ) -> Iterator[Located]:
        """A decoded value as records: a record, a wrapper's entries, or a non-object."""
        if isinstance(value, dict):
            wrapped = next((value[k] for k in WRAPPER_KEYS if isinstance(value.get(k), list)),
                           None)
            if wrapped is None:
                self.report.records_by_file[str(self.path)] += 1
                yield value, line, offset
                return
            for number, entry in enumerate(wrapped, start=1):
                yield from self.entries(entry, line, offset, f"entry {number} of Records")
            return
        label = what or "the value"
        self.report.non_objects.append(f"{self.where(line, offset)}: {label} is {_kind(value)}")

    def close(self) -> None:
        self.blocks.close()


def read_file(path: Path, report: ReadReport) -> Iterator[dict]:
    """The records of one file, its problems recorded in `report` (never raised)."""
    for record, _line, _offset in read_located(path, report):
        yield record


def _wrapped_lists(document: dict) -> Optional[List[list]]:
    """The record lists of a wrapper document as the careful reader takes them: when its
    first key is `Records`/`records` holding a list, that list and any other such key's
    list; otherwise the first of `Records`, `records` holding a list (None: a record)."""
    first = next(iter(document), None)
    if first in WRAPPER_KEYS and isinstance(document[first], list):
        return [v for k, v in document.items() if k in WRAPPER_KEYS and isinstance(v, list)]
    wrapped = next((document[k] for k in WRAPPER_KEYS if isinstance(document.get(k), list)),
                   None)
    return None if wrapped is None else [wrapped]


def _records_of(value: object, out: List[dict]) -> bool:
    """Add the records a parsed value holds; False when it holds something that is not
    a record (then the careful reader reports it)."""
    if isinstance(value, list):
        return all(_records_of(entry, out) for entry in value)
    if not isinstance(value, dict):
        return False
    lists = _wrapped_lists(value)
    if lists is None:
        out.append(value)
        return True
    return all(isinstance(entry, dict) and _records_of(entry, out)
               for records in lists for entry in records)


def _whole_file(path: Path, report: ReadReport) -> Optional[List[Located]]:
    """The records of a small, regular file parsed in one go (None: read it carefully).

    Records of a document get line 0: `locate` finds their place when it is needed."""
    attempt = ReadReport()
    try:
        if _stored_size(path) > WHOLE_FILE_LIMIT:
            return None
        blocks = _Blocks(path, attempt)
    except OSError:
        return None
    try:
        text = blocks.read(WHOLE_FILE_LIMIT + 1)
        whole = blocks.done or not blocks.read(1)
    except OSError:
        return None
    finally:
        blocks.close()
    head = text.lstrip(" \t\r\n")[:1]
    if not whole or len(text) > WHOLE_FILE_LIMIT or attempt.damaged_files or \
            head not in ("{", "["):
        return None
    located: List[Located] = []
    try:
        records: List[dict] = []
        if not _records_of(json.loads(text), records):
            return None
        located = [(record, 0, None) for record in records]
    except (ValueError, RecursionError):  # JSON lines, or broken
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            records = []
            try:
                value = json.loads(line)
                if not _records_of(value, records):
                    return None
            except (ValueError, RecursionError):
                return None
            plain = isinstance(value, dict) and _wrapped_lists(value) is None
            # A line that is one record is placed; entries of a wrapper line, by `locate`.
            located += [(record, number if plain else 0, None) for record in records]
    report.records_by_file[str(path)] = len(located)
    report.invalid_bytes_by_file.update(attempt.invalid_bytes_by_file)
    return located


def _stored_size(path: Path) -> int:
    """The bytes of text a file holds: its size, or for gzip the size its trailer gives
    (modulo 4 GB; reading stops at WHOLE_FILE_LIMIT characters anyway)."""
    with open(path, "rb") as handle:
        if handle.read(2) != b"\x1f\x8b":
            return os.fstat(handle.fileno()).st_size
        handle.seek(-4, os.SEEK_END)
        return int.from_bytes(handle.read(4), "little")


def locate(path: Path, number: int) -> Tuple[int, Optional[int]]:
    """(line, offset) of the file's record number `number` (from 1), as the careful
    reader finds them."""
    for count, (_record, line, offset) in enumerate(_careful(path, ReadReport()), start=1):
        if count == number:
            return line, offset
    return 0, None


def read_located(path: Path, report: ReadReport) -> Iterator[Located]:
    """(record, line, offset in its array or None) of one file, as `read_file`. A line
    of 0 means "not worked out": `locate(path, n)` finds it for the n-th record."""
    if not is_cloudtrail_digest(path):
        located = _whole_file(path, report)
        if located is not None:
            yield from located
            return
    yield from _careful(path, report)


def _careful(path: Path, report: ReadReport) -> Iterator[Located]:
    """The careful reader (see the module docstring)."""
    if is_cloudtrail_digest(path):
        report.skipped_files.append(f"{path}: a CloudTrail digest file (hashes, not events)")
        return
    try:
        reader = _FileReader(path, report)
    except OSError as error:
        report.skipped_files.append(f"{path}: cannot be read ({error.strerror or error})")
        return
    try:
        yield from reader.records()
    except OSError as error:
        report.damaged_files.append(f"{path}: reading stopped ({error.strerror or error}): "
                                    "kept the records before")
    finally:
        reader.close()


def read_records(path: PathLike, report: Optional[ReadReport] = None) -> Iterator[dict]:
    """The JSON records of one file, in file order (problems go to `report`)."""
    yield from read_file(Path(path), report if report is not None else ReadReport())


# --------------------------------------------------------------------------------------
# Records to events


@lru_cache(maxsize=8192)  # records of one second share their time text
def parse_time(value: str) -> Optional[float]:
    """ISO 8601 (`2024-07-31T12:36:52Z`, nanoseconds, offsets, a space for T, no zone
    meaning UTC) to epoch seconds; None for anything else."""
    match = _ISO_TIME.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59
            and second <= 60):
        return None
    fraction = float(match.group(7)) if match.group(7) else 0.0
    epoch = calendar.timegm((year, month, day, hour, minute, second)) + fraction
    zone = match.group(8).upper() if match.group(8) else ""
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return epoch


def record_time(record: dict) -> Optional[float]:
    """The record's event time (see the module docstring), or None when it has none."""
    for candidate in (record, *(record.get(key) for key in TIME_WRAPPERS)):
        if isinstance(candidate, dict):
            for key in TIME_KEYS:
                value = candidate.get(key)
                if isinstance(value, str):
                    moment = parse_time(value)
                    if moment is not None:
                        return moment
    return None


def undated(path: object, line: int, offset: Optional[int]) -> str:
    """The report entry of a record without a time (`ReadReport.undated_records`)."""
    where = f"{path}:{line}" + ("" if offset is None else f" (offset {offset:,})")
    return f"{where}: none of {', '.join(TIME_KEYS)} holds an ISO 8601 time; skipped"


SHARED_VALUE_LENGTH = 100  # values up to this long repeat (sources, regions, types)


def _shared(value: object) -> object:
    """One copy of a short string for all the events that hold it (sys.intern): field
    names and most values repeat from event to event, and a replay keeps every event in
    memory. This more than halves the memory of 43,726 CloudTrail events (318 to 134 MB)."""
    if isinstance(value, str) and len(value) <= SHARED_VALUE_LENGTH:
        return sys.intern(value)
    if isinstance(value, list):
        return [_shared(item) for item in value]
    return value


_RAW_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def raw_text(record: dict) -> str:
    """`_raw`: the record as one line of compact JSON."""
    return _RAW_ENCODER.encode(record)


def to_event(record: dict, source: str = "", moment: Optional[float] = None
             ) -> Dict[str, object]:
    """One record as the event Splunk would hand to a search command (`moment`: its
    time, when already read; a record without one raises ValueError)."""
    moment = record_time(record) if moment is None else moment
    if moment is None:
        raise ValueError("the record has no event time")
    event: Dict[str, object] = {
        sys.intern(name): _shared(value) for name, value in flatten_json(record).items()}
    event["_raw"] = raw_text(record)
    event["_time"] = f"{moment:.3f}"
    if source:
        event["source"] = _shared(source)
    return event


class ReadProgress:
    """A line on stderr every few seconds, once reading has taken more than a few."""

    def __init__(self, out: Optional[IO[str]], files: int) -> None:
        self.out, self.files = out, files
        self.started = time.monotonic()
        self.next = self.started + PROGRESS_AFTER

    def tick(self, done: int, report: ReadReport, current: Path) -> None:
        now = time.monotonic()
        if self.out is None or now < self.next:
            return
        self.next = now + PROGRESS_EVERY
        print(f"reading: {done:,} of {self.files:,} files, {report.records:,} records, "
              f"{now - self.started:.0f} s ({current})", file=self.out, flush=True)


def read_events(paths: Iterable[PathLike], report: Optional[ReadReport] = None,
                progress: Union[IO[str], bool, None] = True) -> List[Dict[str, object]]:
    """Every record of every file and folder as events, sorted by `_time` (stable: file
    order on ties), as a search returns them. Problems are recorded in `report`; a path
    that does not exist raises LogPathError. When reading takes more than a few seconds,
    progress lines go to `progress`: True for sys.stderr, a stream, or None/False."""
    report = report if report is not None else ReadReport()
    files = log_files(paths)
    meter = ReadProgress(sys.stderr if progress is True else progress or None, len(files))
    events: List[Dict[str, object]] = []
    for done, path in enumerate(files):
        source = str(path)
        for count, (record, line, offset) in enumerate(read_located(path, report)):
            moment = record_time(record)
            if moment is None:
                if not line:
                    line, offset = locate(path, count + 1)
                report.undated_records.append(undated(path, line, offset))
                continue
            events.append(to_event(record, source, moment))
            if count % 1000 == 0:
                meter.tick(done, report, path)
        meter.tick(done + 1, report, path)
    events.sort(key=lambda event: float(event["_time"]))  # type: ignore[arg-type]
    return events
