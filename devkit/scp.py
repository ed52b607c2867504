"""The splunkd side of search command protocol v2: framing and the CSV record codec.

Framing, both directions: `chunked 1.0,<metadata bytes>,<body bytes>\\n`, then the JSON
metadata, then the CSV body; lengths count UTF-8 bytes. Records are laid out as splunkd
lays them out: every value column first, then one `__mv_<field>` column per field, lines
ending in `\\n`. A multivalue field holds its values joined by newlines, and its
`__mv_` cell holds them as `$a$;$b$` with `$` doubled.

Used by the tests, the replay and the benchmark; never shipped.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from typing import BinaryIO, Dict, Iterable, List, Optional, Tuple, Union

Record = Dict[str, Union[str, List[str]]]
HEADER = re.compile(rb"chunked\s+1\.0\s*,\s*(\d+)\s*,\s*(\d+)\s*\n")

csv.field_size_limit(2**31 - 1)


class ProtocolError(RuntimeError):
    """The command broke the protocol (bad framing, lost or extra records)."""


def encode_chunk(metadata: dict, body: Union[str, bytes] = b"") -> bytes:
    meta = json.dumps(metadata, separators=(",", ":")).encode("utf-8")
    data = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
    return b"chunked 1.0,%d,%d\n" % (len(meta), len(data)) + meta + data


def read_chunk(stream: BinaryIO) -> Optional[Tuple[dict, bytes]]:
    """Read one chunk; None at a clean end of stream; ProtocolError on bad framing."""
    line = stream.readline()
    if not line:
        return None
    match = HEADER.fullmatch(line)
    if match is None:
        raise ProtocolError(f"bad chunk header {line[:80]!r}")
    meta_length, body_length = int(match.group(1)), int(match.group(2))
    meta = stream.read(meta_length)
    body = stream.read(body_length) if body_length else b""
    if len(meta) != meta_length or len(body) != body_length:
        raise ProtocolError("stream ended inside a chunk")
    return json.loads(meta.decode("utf-8")) if meta else {}, body


# The command has its own codec (cloud_secrets.fields). This one is kept apart on
# purpose: the emulator is the tests' oracle, and a shared codec would hide its bugs.
def encode_multivalue(values: List[str]) -> str:
    return "$" + "$;$".join(v.replace("$", "$$") for v in values) + "$"


def decode_multivalue(cell: str) -> List[str]:
    return [m.replace("$$", "$") for m in re.findall(r"\$((?:\$\$|[^$])*)\$(?:;|$)", cell)]


def field_order(records: Iterable[Record]) -> List[str]:
    """Field names in order of first appearance."""
    return list(dict.fromkeys(name for record in records for name in record))


# Noncharacters: never in a real field, used to carry NUL through csv before Python 3.11.
_NUL_STAND_INS = ("\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3")


def encode_records(records: List[Record], fields: Optional[List[str]] = None) -> str:
    """Records as a splunkd execute body ("" when there are none)."""
    if not records:
        return ""
    fields = fields or field_order(records)
    rows = [[*fields, *("__mv_" + f for f in fields)]]
    for record in records:
        values, multivalues = [], []
        for field in fields:
            value = record.get(field, "")
            if isinstance(value, list):
                values.append("\n".join(value))
                multivalues.append(encode_multivalue(value) if len(value) > 1 else "")
            else:
                values.append(value)
                multivalues.append("")
        rows.append(values + multivalues)
    return csv_text(rows)


def csv_text(rows: List[list]) -> str:
    """Rows as CSV text with \\n line ends, NUL characters written as Python 3.11+ writes
    them (unquoted) on every Python: 3.9's csv quotes them and 3.10's refuses them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    has_nul = any(isinstance(cell, str) and "\0" in cell for row in rows for cell in row)
    if not has_nul or sys.version_info >= (3, 11):
        writer.writerows(rows)
        return out.getvalue()
    every = "".join(cell for row in rows for cell in row if isinstance(cell, str))
    stand_in = next(c for c in _NUL_STAND_INS if c not in every)
    writer.writerows([[cell.replace("\0", stand_in) if isinstance(cell, str) else cell
                       for cell in row] for row in rows])
    return out.getvalue().replace(stand_in, "\0")


def csv_rows(text: str) -> List[List[str]]:
    """The rows of a CSV body, NUL characters included on every Python (csv refuses
    them before 3.11 with "line contains NUL"; splunkd's bodies may hold them)."""
    if "\0" not in text or sys.version_info >= (3, 11):
        return list(csv.reader(io.StringIO(text)))
    stand_in = next(c for c in _NUL_STAND_INS if c not in text)
    rows = csv.reader(io.StringIO(text.replace("\0", stand_in)))
    return [[cell.replace(stand_in, "\0") for cell in row] for row in rows]


def decode_records(body: Union[str, bytes]) -> List[Record]:
    """A reply body as records: multivalue fields become lists, `__mv_` columns vanish."""
    text = body.decode("utf-8", "surrogateescape") if isinstance(body, bytes) else body
    if not text:
        return []
    rows = iter(csv_rows(text))
    header = next(rows)
    mv_position = {name[5:]: i for i, name in enumerate(header) if name.startswith("__mv_")}
    records = []
    for row in rows:
        if not row:
            continue
        record: Record = {}
        for i, name in enumerate(header):
            if name.startswith("__mv_") or i >= len(row):
                continue
            mv = mv_position.get(name)
            cell = row[mv] if mv is not None and mv < len(row) else ""
            record[name] = decode_multivalue(cell) if cell else row[i]
        records.append(record)
    return records


def getinfo(command: str = "cloudsecrets", args: Iterable[str] = (), dispatch_dir: str = "/tmp",
            sid: str = "1764450000.1") -> dict:
    """A getinfo chunk's metadata shaped like splunkd 8.2's (see the guides)."""
    args = list(args)
    return {
        "action": "getinfo",
        "preview": False,
        "streaming_command_will_restart": False,
        "searchinfo": {
            "args": args,
            "raw_args": args,
            "dispatch_dir": dispatch_dir,
            "sid": sid,
            "app": "cloud_secrets_detection",
            "owner": "admin",
            "username": "admin",
            "session_key": "not-a-real-session-key",
            "splunkd_uri": "https://127.0.0.1:8089",
            "splunk_version": "9.4.0",
            "search": "search%20index%3Dcloud%20%7C%20" + command,
            "command": command,
            "maxresultrows": 50000,
            "earliest_time": "0",
            "latest_time": "0",
        },
    }
