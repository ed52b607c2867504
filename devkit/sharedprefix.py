"""The commands every replayed search starts with, run once per event, not once per run.

All the app's scheduled searches start with `` `cloud_secrets_sources` | cloudsecrets ``:
a `search` that keeps the secret-store events, then the packaged command that reads
each of them. Both work on one event at a time and answer the same for an event at
every run: the search's expression reads the event and nothing else (when it does not
read the run's clock, which the engine reports: `Results.read_clock`), and the
command's answer for an event does not change between runs (the engine already
remembers it). A replay in which an event falls in the windows of a dozen runs would
otherwise run these two commands a dozen times over it.

So when every replayed search starts with the same such prefix (its first `search`,
then one or more `cloudsecrets`, as the macro-expanded text says), the replay runs the
prefix once per event, a chunk of events at a time (`PrefixRows`), and each run runs
only the rest of its own search (`rest`, written `search * | <the rest>`, which keeps
every row the prefix gave) over the rows of the events in its window. The result is the
full search's: the same commands in the same order over the same rows. Two guards keep
it so: a chunk whose prefix reads the clock, or changes an event's `_time` (by which
runs select their events), turns the prefix off for the whole replay; and a run whose
rest fails with an SplError is run again in full (`PrefixedEngine`), so that its error
reads as the full search's does.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from devkit.spl import Engine, SplError
from devkit.spl.lexer import split_pipeline

MARK = "_replay_event"  # carried through the prefix to map each row to its event


@dataclass(frozen=True)
class SharedPrefix:
    spl: str  # `search <expression> | cloudsecrets`
    rests: Dict[str, str]  # search name -> the SPL that completes it after the prefix
    full: Dict[str, str]  # search name -> its own SPL


def _word(piece: str) -> str:
    words = piece.split(None, 1)
    return words[0].lower() if words else ""


def split_search(engine: Engine, spl: str, name: str) -> Optional[Tuple[str, str]]:
    """(prefix, rest) of one search, or None when it does not start with a `search`
    followed by `cloudsecrets`."""
    try:
        expanded = engine.expand(spl, name)
        pieces = [text.strip() for text, _position in split_pipeline(expanded, name)]
    except SplError:
        return None
    if "`" in expanded or len(pieces) < 2 or not pieces[0]:
        return None  # a literal backtick would be expanded again; a leading `|`
    first = pieces[0] if _word(pieces[0]) == "search" else f"search {pieces[0]}"
    end = 1
    while end < len(pieces) and _word(pieces[end]) == "cloudsecrets":
        end += 1
    if end == 1:
        return None
    rest = pieces[end:]
    if not rest:
        rest = ["search *"]
    elif _word(rest[0]) != "search":
        rest = ["search *", *rest]
    return " | ".join([first, *pieces[1:end]]), " | ".join(rest)


def shared_prefix(engine: Engine, searches: Sequence[Tuple[str, str]]
                  ) -> Optional[SharedPrefix]:
    """The prefix every one of these (SPL, name) starts with, or None."""
    prefixes, rests = set(), {}
    for spl, name in searches:
        split = split_search(engine, spl, name)
        if split is None:
            return None
        prefixes.add(split[0])
        rests[name] = split[1]
    if len(prefixes) != 1:
        return None
    return SharedPrefix(prefixes.pop(), rests, {name: spl for spl, name in searches})


class PrefixRows:
    """The prefix's row for each stored event (None: the prefix dropped it), worked out
    a chunk at a time and kept for a few windows."""

    def __init__(self, prefix: SharedPrefix, engine: Engine,
                 event: Callable[[int], Mapping], times: Sequence[float],
                 keep: int = 50_000) -> None:
        self.prefix, self.engine, self.event, self.times = prefix, engine, event, times
        self.keep = keep
        self.rows: Dict[int, Optional[dict]] = {}
        self.usable = True
        if not len(times):
            # Over no event the full search still runs the prefix: if that fails (no
            # command script), every run must fail as the full search does. With events,
            # the first chunk finds that out.
            try:
                engine.run(prefix.spl, [], now=0.0, earliest=None, latest=None,
                           name="replay: shared commands")
            except SplError:
                self.usable = False

    def fill(self, low: int, high: int) -> List[Optional[dict]]:
        """Rows of events low..high-1 (in that order); sets `usable` False if the prefix
        cannot stand for the runs (see the module docstring)."""
        missing = [i for i in range(low, high) if i not in self.rows]
        if missing and self.usable:
            marked = [{**self.event(i), MARK: i} for i in missing]
            try:
                results = self.engine.run(self.prefix.spl, marked, now=0.0, earliest=None,
                                          latest=None, name="replay: shared commands")
            except SplError:  # the runs will fail as the full search fails
                self.usable = False
                return [None] * (high - low)
            if results.read_clock:
                self.usable = False
            found: Dict[int, dict] = {}
            for row in results:
                index = row.pop(MARK, None)
                if not isinstance(index, int) or row.get("_time") != self.times[index]:
                    self.usable = False
                    break
                found[index] = row
            for i in missing:
                self.rows[i] = found.get(i)
        if len(self.rows) > max(self.keep, 3 * (high - low)):
            self.rows = {i: r for i, r in self.rows.items() if i >= low}
        return [self.rows.get(i) for i in range(low, high)]


class PrefixedEngine:
    """The engine as the scheduler sees it when runs get prefix rows: a run of a search
    runs the rest of its SPL; if that fails, the full SPL over the run's own events."""

    def __init__(self, engine: Engine, rows: PrefixRows,
                 events_of_last_window: Callable[[], List[Mapping]]) -> None:
        self.engine, self.rows, self.prefix = engine, rows, rows.prefix
        self.events_of_last_window = events_of_last_window

    def run(self, spl: str, events: Sequence[Mapping], *, now: float,
            earliest: Optional[float], latest: Optional[float], name: str):
        rest = self.prefix.rests.get(name)
        if rest is None or spl != self.prefix.full.get(name) or not self.rows.usable:
            return self.engine.run(spl, events, now=now, earliest=earliest, latest=latest,
                                   name=name)
        try:
            return self.engine.run(rest, events, now=now, earliest=earliest, latest=latest,
                                   name=name, as_rows=True)
        except SplError:
            raw = self.events_of_last_window() if events else []
            return self.engine.run(spl, raw, now=now, earliest=earliest, latest=latest,
                                   name=name)


def newest_first(rows: Sequence[Optional[dict]]) -> List[dict]:
    return [row for row in reversed(rows) if row is not None]


def indexed_by(indextimes: Sequence[float], high: int, now: float) -> int:
    """The end of the events low..high-1 that are indexed by `now`."""
    return min(high, bisect.bisect_right(indextimes, now))
