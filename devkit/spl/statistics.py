"""The statistics commands: `stats` (one row per group), `eventstats` (the group's
statistics added to each result) and `streamstats` (running statistics), over the
functions of aggregates.py. Each follows its Search Reference page."""

from __future__ import annotations

from collections import deque
from typing import Dict, List, Optional, Tuple

from . import times
from .aggregates import Aggregation, compute, parse_aggregations
from .commands import (
    Command,
    Parser,
    bool_option,
    by_combinations,
    combination_order,
    field_names,
    freeze,
    group_key,
    int_option,
    registrar,
    split_by,
    take_options,
)
from .errors import SplError
from .lexer import tokenize
from .values import to_number

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)


class Stats(Command):
    """stats: Search Reference "stats": one row per combination of by-field values,
    sorted by those values; results missing a by field are left out; a multivalue by
    field counts the result under each value; without `by` there is always one row
    (`count` 0 over no results)."""

    name = "stats"

    def __init__(self, position: int, aggregations: List[Aggregation], by: List[str]):
        super().__init__(position)
        self.aggregations = aggregations
        self.by = by

    def run(self, rows, context):
        context.columns = [*self.by, *(a.name for a in self.aggregations)]
        if not self.by:
            return [self._row((), rows)]
        groups: Dict[tuple, Tuple[tuple, List[dict]]] = {}
        for row in rows:
            for combination in by_combinations(row, self.by, dedup=True):
                groups.setdefault(group_key(combination), (combination, []))[1].append(row)
        ordered = sorted(groups.values(), key=lambda g: combination_order(g[0]))
        return [self._row(combination, members) for combination, members in ordered]

    def _row(self, combination: tuple, members: List[dict]) -> dict:
        out = dict(zip(self.by, combination))
        for aggregation in self.aggregations:
            value = compute(aggregation, members)
            if value is not None:
                out[aggregation.name] = value
        return out


def parse_stats_like(text, offset, position, search, name, allowed):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, allowed, name, search)
    functions, by_tokens = split_by(tokens)
    aggregations, used = parse_aggregations(functions, search, name, position)
    if used != len(functions):
        token = functions[used]
        raise SplError(f"{name}: unexpected '{token.raw}'", search=search,
                       position=token.position)
    return options, aggregations, field_names(by_tokens, name, search)


@command("stats")
def parse_stats(text, offset, position, search, lookups):
    _, aggregations, by = parse_stats_like(text, offset, position, search, "stats", ())
    return Stats(position, aggregations, by)


class Eventstats(Command):
    """eventstats: Search Reference "eventstats": the stats of each result's group added
    to the result; results missing a by field are left as they are."""

    name = "eventstats"

    def __init__(self, position, aggregations, by):
        super().__init__(position)
        self.stats = Stats(position, aggregations, by)

    def run(self, rows, context):
        by = self.stats.by
        groups: Dict[tuple, List[dict]] = {}
        for row in rows:
            values = [row.get(n) for n in by]
            if any(v is None for v in values):
                continue
            groups.setdefault(tuple(freeze(v) for v in values), []).append(row)
        for members in groups.values():
            summary = self.stats._row((), members)
            for row in members:
                row.update(summary)
        return rows


@command("eventstats")
def parse_eventstats(text, offset, position, search, lookups):
    _, aggregations, by = parse_stats_like(text, offset, position, search, "eventstats", ())
    return Eventstats(position, aggregations, by)


class Streamstats(Command):
    """streamstats: Search Reference "streamstats": running statistics over the results
    before each one (and itself, `current=true`), per group of by-field values.

    `time_window=<span>` needs results ordered by `_time` (ascending or descending, else
    an error, as Splunk stops); the window of a result holds the results of its group
    whose `_time` differs from its own by at most the span: one exactly `time_window`
    earlier is INCLUDED (the docs do not say; our choice). `window=<n>` keeps the last n
    results. A result missing a by field passes through without statistics. A
    multivalue by field is one group per combination of all its values (the result is
    counted once, not once per value; our choice, since streamstats cannot split a
    result as stats does).
    """

    name = "streamstats"

    def __init__(self, position, aggregations, by, time_window, window, current):
        super().__init__(position)
        self.aggregations = aggregations
        self.by = by
        self.time_window = time_window
        self.window = window
        self.current = current
        wanted = {a.field for a in aggregations if a.field} | {"_time"}
        self.fields = sorted(wanted)

    def run(self, rows, context):
        moments: List[Optional[float]] = []
        if self.time_window is not None:
            moments = [to_number(r.get("_time")) for r in rows]
            if any(m is None for m in moments):
                raise SplError("streamstats: time_window needs _time on every result",
                               search=context.search, position=self.position)
            ascending = all(a <= b for a, b in zip(moments, moments[1:]))
            descending = all(a >= b for a, b in zip(moments, moments[1:]))
            if not (ascending or descending):
                raise SplError("streamstats: time_window needs results sorted by _time",
                               search=context.search, position=self.position)
        windows: Dict[tuple, deque] = {}
        for index, row in enumerate(rows):
            values = [row.get(n) for n in self.by]
            if any(v is None for v in values):
                continue
            window = windows.setdefault(tuple(freeze(v) for v in values), deque())
            snapshot = {n: row.get(n) for n in self.fields if row.get(n) is not None}
            if self.time_window is not None:
                now = moments[index]
                while window and abs(now - to_number(window[0]["_time"])) > self.time_window:
                    window.popleft()
            if self.window and self.current:
                while len(window) >= self.window:
                    window.popleft()
            members = [*window, snapshot] if self.current else list(window)
            for aggregation in self.aggregations:
                value = compute(aggregation, members)
                if value is None:
                    row.pop(aggregation.name, None)
                else:
                    row[aggregation.name] = value
            window.append(snapshot)
            if self.window and not self.current:
                while len(window) > self.window:
                    window.popleft()
        return rows


@command("streamstats")
def parse_streamstats(text, offset, position, search, lookups):
    options, aggregations, by = parse_stats_like(
        text, offset, position, search, "streamstats", ("time_window", "window", "current"))
    time_window = None
    if "time_window" in options:
        value, token = options["time_window"]
        try:
            time_window = times.span_seconds(value)
        except SplError as error:
            raise SplError(f"streamstats: {error.detail}", search=search,
                           position=token.position) from None
    window = int_option(options, "window", 0, search)
    current = bool_option(options, "current", True, search)
    return Streamstats(position, aggregations, by, time_window, window, current)



__all__ = ["PARSERS", "Eventstats", "Stats", "Streamstats", "parse_stats_like"]
