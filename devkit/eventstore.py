"""The indexed events of a replay or an ad-hoc search, held compactly.

A replay of 200,000 CloudTrail records must not hold 200,000 dicts of 40 strings, nor
one copy per scheduled run. So each event is kept as:
- its `_raw` (the record as one line of compact JSON), written to a spill file on disk;
- its `_time`, its place in that file, the index of its source file and of its
  sourcetype and index, in arrays (about 40 bytes an event).
Fields are extracted when a run asks for the event (`visible`, `event`): the record is
read back and flattened as Splunk's JSON extraction names its fields, and the fields
Splunk adds at index time are laid over it. Events of recent windows stay extracted in a
cache, so the runs of several searches over the same hour extract each event once; the
cache forgets the oldest when it outgrows a few windows. Memory thus grows with the events
of the largest window a search reads, not with the files read.

Events come back in the form the SPL engine gives its commands: every value a string or
a list of two strings or more, `_time` and `_indextime` floats, no null field.

`PendingEvent` is an event before it is stored: its index-time fields at hand and its
JSON fields extracted only if something asks for them, so that a test such as the first
`search` of every scheduled search (`Engine.event_test`) can refuse most records of a
busy trail from `sourcetype` and `_raw` alone.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import shutil
import tempfile
import weakref
from array import array
from collections.abc import Mapping
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from devkit.vendorlogs import flatten_json, raw_text

CACHE_FLOOR = 20_000  # extracted events kept at least, before the oldest are forgotten
_MISSING = object()


class PendingEvent(Mapping):
    """One record as an event, its JSON fields extracted on first use."""

    __slots__ = ("_fields", "_raw", "indexed", "record")

    def __init__(self, record: dict, indexed: Dict[str, object]) -> None:
        self.record = record
        self.indexed = indexed  # _time, _indextime, source, sourcetype, index, host
        self._raw: Optional[str] = None
        self._fields: Optional[Dict[str, object]] = None

    @property
    def raw(self) -> str:
        if self._raw is None:
            self._raw = raw_text(self.record)
        return self._raw

    @property
    def fields(self) -> Dict[str, object]:
        if self._fields is None:
            self._fields = flatten_json(self.record)
        return self._fields

    def get(self, name, default=None):
        if name in self.indexed:
            return self.indexed[name]
        if name == "_raw":
            return self.raw
        return self.fields.get(name, default)

    def __getitem__(self, name):
        value = self.get(name, _MISSING)
        if value is _MISSING:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        yield from (n for n in self.fields if n not in self.indexed and n != "_raw")
        yield "_raw"
        yield from self.indexed

    def __len__(self) -> int:
        return sum(1 for _ in self)


class EventStore:
    """Events in `_time` order (file order on ties) once `seal`ed."""

    def __init__(self, folder: Optional[Path] = None, host: str = "", lag: float = 0.0
                 ) -> None:
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix="cloud_secrets_events_"))
            weakref.finalize(self, _remove_folder, folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "events.raw"
        self._writer = open(self.path, "wb")  # noqa: SIM115 - closed by seal()
        self._reader: Optional[int] = None
        self._written = 0
        self.host, self.lag = host, float(lag)
        self.times = array("d")
        self.indextimes = array("d")
        self._offsets = array("q")
        self._lengths = array("q")
        self._sources = array("l")
        self._targets = array("l")
        self._sequence = array("q")
        self.source_names: List[str] = []
        self._source_index: Dict[str, int] = {}
        self.targets: List[Tuple[str, str]] = []  # (sourcetype, index)
        self._target_index: Dict[Tuple[str, str], int] = {}
        self._cache: Dict[int, Dict[str, object]] = {}
        self._finalizer = weakref.finalize(self, _close, self._writer, None)

    def __len__(self) -> int:
        return len(self.times)

    def add(self, raw: str, moment: float, source: str, sourcetype: str, index: str,
            sequence: int) -> None:
        """One event: its `_raw`, `_time`, source file, sourcetype and index, and its
        place in the order the files were read (which breaks ties of `_time`)."""
        data = raw.encode("utf-8", "surrogatepass")
        self._writer.write(data)
        self._offsets.append(self._written)
        self._lengths.append(len(data))
        self._written += len(data)
        self.times.append(moment)
        self._sources.append(self._intern(self._source_index, self.source_names, source))
        self._targets.append(self._intern(self._target_index, self.targets,
                                          (sourcetype, index)))
        self._sequence.append(sequence)

    @staticmethod
    def _intern(index: Dict, values: List, value) -> int:
        if value not in index:
            index[value] = len(values)
            values.append(value)
        return index[value]

    def seal(self) -> EventStore:
        """Sort by `_time` (then reading order) and open the spill file for reading."""
        self._writer.close()
        order = sorted(range(len(self.times)),
                       key=lambda i: (self.times[i], self._sequence[i]))
        for name in ("times", "_offsets", "_lengths", "_sources", "_targets", "_sequence"):
            column = getattr(self, name)
            setattr(self, name, array(column.typecode, (column[i] for i in order)))
        self.indextimes = array("d", (moment + self.lag for moment in self.times))
        self._reader = os.open(self.path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _close, None, self._reader)
        return self

    def close(self) -> None:
        self._finalizer()
        self._cache.clear()

    # -- reading ---------------------------------------------------------------------------

    def raw(self, index: int) -> str:
        length, offset = self._lengths[index], self._offsets[index]
        if hasattr(os, "pread"):
            data = os.pread(self._reader, length, offset)
        else:  # Windows: no pread; one reader, so seek and read will do
            os.lseek(self._reader, offset, os.SEEK_SET)
            data = os.read(self._reader, length)
        return data.decode("utf-8", "surrogatepass")

    def event(self, index: int) -> Dict[str, object]:
        """Event `index` with its fields (shared with later callers: never change it)."""
        event = self._cache.get(index)
        if event is None:
            event = self._cache[index] = self.extract(index)
        return event

    def extract(self, index: int) -> Dict[str, object]:
        """Event `index` with its fields, a new dict not kept by the store."""
        raw = self.raw(index)
        event = flatten_json(json.loads(raw))
        moment = self.times[index]
        sourcetype, index_name = self.targets[self._targets[index]]
        event.update({"_raw": raw, "_time": moment,
                      "source": self.source_names[self._sources[index]],
                      "_indextime": moment + self.lag, "sourcetype": sourcetype,
                      "index": index_name, "host": self.host})
        return event

    def source_of(self, index: int) -> str:
        return self.source_names[self._sources[index]]

    def visible(self, low: int, high: int, now: float) -> List[Dict[str, object]]:
        """Events low..high-1 indexed by `now`, newest first, as a search returns them."""
        high = min(high, bisect.bisect_right(self.indextimes, now))
        events = [self.event(i) for i in range(high - 1, low - 1, -1)]
        self._forget_before(low, high - low)
        return events

    def between(self, low: int, high: int) -> List[Dict[str, object]]:
        """Events low..high-1 in `_time` order."""
        return [self.event(i) for i in range(low, high)]

    def _forget_before(self, low: int, size: int) -> None:
        if len(self._cache) > max(CACHE_FLOOR, 3 * size):
            self._cache = {i: e for i, e in self._cache.items() if i >= low}

    def range_of(self, earliest: Optional[float], latest: Optional[float]) -> Tuple[int, int]:
        """The indexes of the events with earliest <= _time < latest."""
        low = 0 if earliest is None else bisect.bisect_left(self.times, earliest)
        high = len(self.times) if latest is None else bisect.bisect_left(self.times, latest)
        return low, max(low, high)


class EventsView(Sequence):
    """Every event of a store, extracted when asked for (for small stores and tests)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store

    def __len__(self) -> int:
        return len(self.store)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.store.event(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.store.event(index)


def _close(writer, reader: Optional[int]) -> None:
    if writer is not None:
        writer.close()
    if reader is not None:
        with contextlib.suppress(OSError):
            os.close(reader)


def _remove_folder(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
