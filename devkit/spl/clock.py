"""Whether a run read its clock: its dispatch time (`now`) or its time range.

A scheduler that replays months of scheduled runs wants to reuse what one run over no
events produced for the next runs of the same search from the same state. That is exact
only when nothing in the run asked for the time: a run is a function of its events, the
lookups it reads and its clock, so a run that never read the clock gives the same rows
and writes the same tables at any dispatch time (what it did not read cannot change
what it did). Reading the clock means any of: `now()` and `time()` in eval and where,
`earliest=`/`latest=` in a search expression, and the commands that use the run's
dispatch time or time range (`makeresults`, `addinfo`, `timechart`, ...): every one of
them reads `now`, `earliest` or `latest` from the run's context.

`WatchedRunContext` is the run context the engine gives every run: the same fields, with
`now`, `earliest` and `latest` (and the `now` of the eval and search contexts it hands to
expressions) recording that they were read. `Engine.run` reports it as
`Results.read_clock`. Code inside the engine reads the time only through these contexts.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Optional

from .commands import RunContext
from .evalops import Context
from .searchexpr import SearchContext


class ClockWatch:
    """Set when a run reads its clock."""

    __slots__ = ("read",)

    def __init__(self) -> None:
        self.read = False


def _watched(name: str):
    """A property over `_<name>` that notes every read in the object's `_watch`."""
    slot = "_" + name

    def get(self):
        self._watch.read = True
        return getattr(self, slot)

    def put(self, value) -> None:
        setattr(self, slot, value)

    return property(get, put)


class WatchedContext(Context):
    """An eval context whose `now` notes that it was read."""

    now = _watched("now")

    def __init__(self, *args, watch: Optional[ClockWatch] = None, **kwargs) -> None:
        self._watch = watch or ClockWatch()
        super().__init__(*args, **kwargs)


class WatchedSearchContext(SearchContext):
    """A search-expression context whose `now` notes that it was read."""

    now = _watched("now")

    def __init__(self, *args, watch: Optional[ClockWatch] = None, **kwargs) -> None:
        self._watch = watch or ClockWatch()
        super().__init__(*args, **kwargs)


def _copy(context, watched_type, watch: ClockWatch):
    """The same dataclass context as a watched one (read without noting it)."""
    values = {f.name: getattr(context, f.name) for f in fields(context) if f.init}
    return watched_type(watch=watch, **values)


class WatchedRunContext(RunContext):
    """The run context of one run, noting whether the run read its clock."""

    now = _watched("now")
    earliest = _watched("earliest")
    latest = _watched("latest")

    def __init__(self, *args, **kwargs) -> None:
        self._watch = ClockWatch()
        super().__init__(*args, **kwargs)

    def __post_init__(self) -> None:
        super().__post_init__()  # builds the eval and search contexts from self.now
        self.eval_context = _copy(self.eval_context, WatchedContext, self._watch)
        self.search_context = _copy(self.search_context, WatchedSearchContext, self._watch)
        self._watch.read = False  # building them is not the run reading its clock

    @property
    def read_clock(self) -> bool:
        return self._watch.read


__all__ = ["ClockWatch", "WatchedContext", "WatchedRunContext", "WatchedSearchContext"]
