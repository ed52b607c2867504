"""One protocol v2 execute chunk in, one reply body out: the command's hot path.

Input shapes handled:
- a CSV body as splunkd sends it: a header naming every column, `__mv_<field>` columns
  in any position holding multivalue values as `$a$;$b$`, then one row per event;
  ragged rows (too few or too many cells) are padded or cut to the header's width;
- selected-fields mode: splunkd sends only the command's `required_fields` plus
  `_chunked_idx`, and lays the reply back over the full events by `_chunked_idx`. The
  reply then holds `_chunked_idx` and the output fields only, which is what makes the
  command cheap on wide events: the bulk of each event never crosses the pipe twice;
- all-fields mode (no `_chunked_idx`, as in recordings of other commands): the reply
  repeats every input cell as it came, then the output fields; input columns named like
  an output field (a `user` alias from an add-on) are replaced;
- NUL characters, which Python 3.9's csv module rejects, carriage returns that a
  writer left unquoted, and field values of any size.

Each record yields exactly one reply row, in order. A record that cannot be normalized
gets platform Unknown and its cells back; nothing is dropped, reordered or duplicated.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from operator import itemgetter
from typing import Callable, Dict, Iterator, List, Sequence, Tuple

from .engine import Engine
from .fields import decode_multivalue, encode_multivalue, lowercase_keys
from .schema import OUTPUT_FIELDS, Normalized

# The csv module refuses fields over 128 KiB by default; splunkd sends whatever _raw
# holds. 2**31 - 1 is the largest limit every platform's C long accepts.
csv.field_size_limit(2**31 - 1)

CHUNKED_IDX = "_chunked_idx"
MV_PREFIX = "__mv_"
OUTPUT_MV = tuple(MV_PREFIX + name for name in OUTPUT_FIELDS)
_SECRET = OUTPUT_FIELDS.index("secret")
_OBJECT = OUTPUT_FIELDS.index("object")
_NO_MV = ("",) * len(OUTPUT_FIELDS)
# Unicode noncharacters: never in real text, so they can stand in for characters the csv
# module cannot read while it reads the body, and be turned back afterwards.
_STAND_INS = tuple(chr(code) for code in range(0xFDD0, 0xFDF0))


def _cell_getter(positions: Sequence[int]) -> Callable[[list], tuple]:
    """itemgetter that always returns a tuple, whatever the number of positions."""
    if not positions:
        return lambda row: ()
    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    return itemgetter(*positions)


class _Plan:
    """How to read the rows and write the reply for one header (computed per chunk)."""

    def __init__(self, header: List[str]) -> None:
        self.width = len(header)
        value_positions = [i for i, name in enumerate(header) if not name.startswith(MV_PREFIX)]
        mv_positions = {name[len(MV_PREFIX):]: i for i, name in enumerate(header)
                        if name.startswith(MV_PREFIX)}
        self.names = [header[i] for i in value_positions]
        self.keys = [name.lower() for name in self.names]
        self.values = _cell_getter(value_positions)
        self.multivalues = [(header[i].lower(), mv_positions[header[i]]) for i in value_positions
                            if header[i] in mv_positions]
        self.case_clash = len(set(self.keys)) != len(self.keys)
        self.index = header.index(CHUNKED_IDX) if CHUNKED_IDX in header else None
        self.index_mv = mv_positions.get(CHUNKED_IDX)
        if self.index is not None:
            self.reply_header = [CHUNKED_IDX, *OUTPUT_FIELDS, MV_PREFIX + CHUNKED_IDX, *OUTPUT_MV]
            self.kept = _cell_getter([])
        else:
            replaced = set(OUTPUT_FIELDS) | set(OUTPUT_MV)
            kept = [i for i, name in enumerate(header) if name not in replaced]
            self.reply_header = [*(header[i] for i in kept), *OUTPUT_FIELDS, *OUTPUT_MV]
            self.kept = _cell_getter(kept)

    def fields(self, row: List[str]) -> dict:
        """The row's fields keyed by lowercased name, multivalues decoded to lists."""
        if self.case_clash:
            # Names as sent, so that lowercase_keys keeps the non-empty one of a clash
            # (a chunk whose records spell a key two ways has both columns).
            values = lowercase_keys(dict(zip(self.names, self.values(row))))
        else:
            values = dict(zip(self.keys, self.values(row)))
        for key, position in self.multivalues:
            cell = row[position]
            if cell:
                values[key] = decode_multivalue(cell)
        return values

    def reply(self, row: List[str], result: Normalized) -> list:
        cells = list(result)
        mv = _NO_MV
        secret = result.secret
        if secret:
            cells[_SECRET] = cells[_OBJECT] = "\n".join(secret)
            if len(secret) > 1:
                mv = list(_NO_MV)
                mv[_SECRET] = mv[_OBJECT] = encode_multivalue(list(secret))
        else:
            cells[_SECRET] = cells[_OBJECT] = ""
        if self.index is not None:
            index_mv = row[self.index_mv] if self.index_mv is not None else ""
            return [row[self.index], *cells, index_mv, *mv]
        return [*self.kept(row), *cells, *mv]


class ChunkProcessor:
    """Normalizes execute chunks with one engine and keeps per-search counts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.records = 0
        self.platforms: Counter = Counter()
        self.unreadable_bodies = 0

    def process(self, body: str) -> Tuple[str, int]:
        """Return the reply body (CSV text, "" for no records) and its record count."""
        if not body:
            return "", 0
        body, restore = _stand_in_for_unreadable(body)
        reader = csv.reader(_lines(body))
        out = io.StringIO()
        # A value holding a carriage return must be quoted when it is written back.
        quoting = csv.QUOTE_ALL if "\r" in restore.values() else csv.QUOTE_MINIMAL
        writer = csv.writer(out, lineterminator="\r\n", quoting=quoting)
        count = 0
        try:
            header = next(reader, None)
            if not header:
                return "", 0
            plan = _Plan(header)
            writer.writerow(plan.reply_header)
            normalize = self.engine.normalize
            platforms = self.platforms
            width = plan.width
            for row in reader:
                if not row:
                    continue  # a blank line is not a record
                if len(row) != width:
                    row = (row + [""] * width)[:width]
                result = normalize(plan.fields(row))
                platforms[result.platform] += 1
                writer.writerow(plan.reply(row, result))
                count += 1
        except csv.Error:
            # Only a body that is not CSV gets here; rows already read are answered.
            self.unreadable_bodies += 1
        self.records += count
        if not count:
            return "", 0
        text = out.getvalue()
        for stand_in, original in restore.items():
            text = text.replace(stand_in, original)
        return text, count


_LONE_CR = re.compile(r"\r(?!\n)")


def _stand_in_for_unreadable(body: str) -> Tuple[str, Dict[str, str]]:
    """Swap out what the csv module cannot read: NUL (Python 3.9) and a lone carriage
    return in an unquoted value. Returns the body and {stand-in: original}."""
    restore: Dict[str, str] = {}
    candidates = (c for c in _STAND_INS if c not in body)
    if "\x00" in body:
        stand_in = next(candidates, None)
        if stand_in is not None:
            body = body.replace("\x00", stand_in)
            restore[stand_in] = "\x00"
    if "\r" in body and _LONE_CR.search(body):
        stand_in = next(candidates, None)
        if stand_in is not None:
            body = _LONE_CR.sub(stand_in, body)
            restore[stand_in] = "\r"
    return body, restore


def _lines(text: str) -> Iterator[str]:
    """The lines of `text`, each with its "\\n", without copying the whole body.

    io.StringIO would copy a body into 4-byte code points first: 172 MB for a 43 MB chunk.
    Lines are split on "\\n" only; the csv module joins the lines of a quoted value.
    """
    start, find = 0, text.find
    while True:
        end = find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1
