"""The statistics commands: `stats` (one row per group), `eventstats` (the group's
statistics added to each result) and `streamstats` (running statistics), over the
functions of aggregates.py. Each follows its Search Reference page."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Tuple

from . import times
from .aggregates import Aggregation, compute, parse_aggregations, summarize
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
    refuse_options,
    registrar,
    split_by,
    take_options,
)
from .errors import SplError, SplUnsupported
from .evalexpr import compile_expression, truth
from .lexer import tokenize
from .values import to_number

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)


class Stats(Command):
    """stats: Search Reference "stats": one row per combination of by-field values,
    sorted by those values; results missing a by field are left out; a multivalue by
    field counts the result under each of its values (a value repeated in the field
    counts again unless `dedup_splitvals=true`); without `by` there is always one row
    (`count` 0 over no results). `partitions` only spreads the work in Splunk and
    changes nothing here."""

    name = "stats"

    def __init__(self, position: int, aggregations: List[Aggregation], by: List[str],
                 dedup_splitvals: bool = False):
        super().__init__(position)
        self.aggregations = aggregations
        self.by = by
        self.dedup_splitvals = dedup_splitvals

    def run(self, rows, context):
        context.columns = [*self.by, *(a.name for a in self.aggregations)]
        if not self.by:
            return [summarize(self.aggregations, rows)]
        groups: Dict[tuple, Tuple[tuple, List[dict]]] = {}
        for row in rows:
            for combination in by_combinations(row, self.by, self.dedup_splitvals):
                groups.setdefault(group_key(combination), (combination, []))[1].append(row)
        ordered = sorted(groups.values(), key=lambda g: combination_order(g[0]))
        return [{**dict(zip(self.by, combination)),
                 **summarize(self.aggregations, members)}
                for combination, members in ordered]


def parse_stats_like(text, offset, position, search, name, allowed, refused=()):
    """Options, the functions and the by fields of a stats-like command. Options may
    stand anywhere, as the pages write them (`stats avg(field) BY mvfield
    dedup_splitvals=true`, `streamstats count BY shift reset_on_change=true`);
    documented options in `refused` are refused by name; `allnum=true` withholds the
    numerical functions from a group holding a value that is not a number, or none
    (aggregates.NUMERICAL). Wildcards in by fields are errors, as the stats
    page says they are not supported."""
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, (*allowed, *refused, "allnum"), name, search,
                                   anywhere=True)
    refuse_options(options, refused, name, search)
    functions, by_tokens = split_by(tokens)
    aggregations, used = parse_aggregations(functions, search, name, position)
    if bool_option(options, "allnum", False, search):
        aggregations = [replace(a, allnum=True) for a in aggregations]
    if used != len(functions):
        token = functions[used]
        raise SplError(f"{name}: unexpected '{token.raw}'", search=search,
                       position=token.position)
    by = field_names(by_tokens, name, search)
    for token, field in zip(by_tokens, by):
        if "*" in field:
            raise SplError(f"{name}: wildcards are not allowed in BY fields ('{field}')",
                           search=search, position=token.position)
    return options, aggregations, by


@command("stats")
def parse_stats(text, offset, position, search, lookups):
    options, aggregations, by = parse_stats_like(
        text, offset, position, search, "stats", ("partitions", "dedup_splitvals"),
        refused=("delim",))
    int_option(options, "partitions", 1, search)  # checked, then without effect
    return Stats(position, aggregations, by,
                 bool_option(options, "dedup_splitvals", False, search))


class Eventstats(Command):
    """eventstats: Search Reference "eventstats": the stats of each result's group added
    to the result; results missing a by field are left as they are."""

    name = "eventstats"

    def __init__(self, position, aggregations, by):
        super().__init__(position)
        self.aggregations = aggregations
        self.by = by

    def run(self, rows, context):
        groups: Dict[tuple, List[dict]] = {}
        for row in rows:
            values = [row.get(n) for n in self.by]
            if any(v is None for v in values):
                continue
            groups.setdefault(tuple(freeze(v) for v in values), []).append(row)
        for members in groups.values():
            summary = summarize(self.aggregations, members)
            for row in members:
                row.update(summary)
        return rows


@command("eventstats")
def parse_eventstats(text, offset, position, search, lookups):
    _, aggregations, by = parse_stats_like(text, offset, position, search, "eventstats", ())
    return Eventstats(position, aggregations, by)


# limits.conf [stats] max_stream_window: the window of a streamstats that sets neither
# window nor time_window (Search Reference "streamstats", Usage).
MAX_STREAM_WINDOW = 10000


@dataclass
class _Entry:
    sequence: int            # the result's number in its window's scope
    moment: Optional[float]  # its _time (time_window only)
    snapshot: dict           # the fields the functions read


class Streamstats(Command):
    """streamstats: Search Reference "streamstats": running statistics over the results
    before each one (and itself, `current=true`), per group of by-field values.

    Windows: `window=<n>` holds the last n results (with the current one when
    `current=true`); with `global=true`, the default, that is one window over all
    results, of which each result's statistics read those of its group; with
    `global=false` each group has its own window of n. Without `window`, each group's
    window is at most `max_stream_window` (10,000) results, time_window or not, as the
    page says ("The count will never be greater than 10000"). `time_window=<span>`
    needs results ordered by `_time` (ascending or descending, else an error, as Splunk
    stops); the window of a result holds the results of its group whose `_time`
    differs from its own by at most the span: one exactly `time_window` earlier is
    INCLUDED (the docs do not say; our choice).

    Resets clear every group's statistics: `reset_on_change=true` when a result's
    by-field values differ from those of the last result that had them all (results
    missing a by field never trigger it, as the page says); `reset_before="(<eval>)"`
    before a result's statistics when the expression is true for it, and
    `reset_after="(<eval>)"` after them (the expression sees the new statistics).

    A result missing a by field passes through without statistics. A multivalue by
    field is one group per combination of all its values (the result is counted once,
    not once per value; our choice, since streamstats cannot split a result as stats
    does).
    """

    name = "streamstats"

    def __init__(self, position, aggregations, by, time_window=None, window=0,
                 current=True, global_window=True, reset_on_change=False,
                 reset_before=None, reset_after=None):
        super().__init__(position)
        self.aggregations = aggregations
        self.by = by
        self.time_window = time_window
        # global applies "only when the window argument is set"; without it the
        # max_stream_window caps each group's window, time_window or not.
        self.global_window = global_window and bool(window)
        self.window = window or MAX_STREAM_WINDOW
        self.current = current
        self.reset_on_change = reset_on_change
        self.reset_before = reset_before
        self.reset_after = reset_after
        wanted = {a.field for a in aggregations if a.field} | {"_time"}
        self.fields = sorted(wanted)

    def run(self, rows, context):
        moments = self._moments(rows, context) if self.time_window is not None else []
        groups: Dict[tuple, deque] = {}
        counters: Dict[object, int] = {}
        last_key: Optional[tuple] = None
        for index, row in enumerate(rows):
            if self._resets(self.reset_before, row, context):
                groups.clear()
            values = [row.get(n) for n in self.by]
            if all(v is not None for v in values):
                key = tuple(freeze(v) for v in values)
                if self.reset_on_change and last_key is not None and key != last_key:
                    groups.clear()
                last_key = key
                scope = "all" if self.global_window else key
                sequence = counters.get(scope, 0)
                counters[scope] = sequence + 1
                moment = moments[index] if moments else None
                entries = groups.setdefault(key, deque())
                self._slide(entries, sequence, moment)
                snapshot = {n: row.get(n) for n in self.fields if row.get(n) is not None}
                members = [e.snapshot for e in entries]
                if self.current:
                    members.append(snapshot)
                for aggregation in self.aggregations:
                    value = compute(aggregation, members)
                    if value is None:
                        row.pop(aggregation.name, None)
                    else:
                        row[aggregation.name] = value
                entries.append(_Entry(sequence, moment, snapshot))
            if self._resets(self.reset_after, row, context):
                groups.clear()
        return rows

    def _slide(self, entries: deque, sequence: int, moment: Optional[float]) -> None:
        """Drop the entries that fell out of the window of the result numbered
        `sequence` (at `moment`)."""
        if self.window:
            oldest = sequence - self.window + (1 if self.current else 0)
            while entries and entries[0].sequence < oldest:
                entries.popleft()
        if self.time_window is not None:
            while entries and abs(moment - entries[0].moment) > self.time_window:
                entries.popleft()

    def _moments(self, rows, context) -> List[float]:
        moments = [to_number(r.get("_time")) for r in rows]
        if any(m is None for m in moments):
            raise SplError("streamstats: time_window needs _time on every result",
                           search=context.search, position=self.position)
        ascending = all(a <= b for a, b in zip(moments, moments[1:]))
        descending = all(a >= b for a, b in zip(moments, moments[1:]))
        if not (ascending or descending):
            raise SplError("streamstats: time_window needs results sorted by _time",
                           search=context.search, position=self.position)
        return moments

    def _resets(self, expression, row, context) -> bool:
        if expression is None:
            return False
        try:
            return truth(expression(row, context.eval_context)) is True
        except SplError as error:
            raise self.fail(type(error)(f"streamstats: {error.detail}"), context) from None


STREAMSTATS_OPTIONS = ("time_window", "window", "current", "global", "reset_on_change",
                       "reset_before", "reset_after")


@command("streamstats")
def parse_streamstats(text, offset, position, search, lookups):
    options, aggregations, by = parse_stats_like(
        text, offset, position, search, "streamstats", STREAMSTATS_OPTIONS)
    time_window = None
    if "time_window" in options:
        value, token = options["time_window"]
        try:
            if times.parse_span(value)[1] in ("mon", "q", "y"):
                # Valid on the page (1mon, 1q, 1y), but a calendar span has no fixed
                # width for this engine's window.
                raise SplUnsupported(f"unsupported time_window={value} (a calendar "
                                     f"span)", search=search, position=token.position)
            time_window = times.span_seconds(value)
        except SplError as error:
            raise type(error)(f"streamstats: {error.detail}", search=search,
                              position=token.position) from None
    return Streamstats(position, aggregations, by, time_window,
                       int_option(options, "window", 0, search),
                       bool_option(options, "current", True, search),
                       bool_option(options, "global", True, search),
                       bool_option(options, "reset_on_change", False, search),
                       _reset_expression(options, "reset_before", search),
                       _reset_expression(options, "reset_after", search))


def _reset_expression(options, name: str, search):
    """`reset_before="(<eval-expression>)"` compiled (the parentheses are part of it)."""
    if name not in options:
        return None
    value, token = options[name]
    if not value.strip():
        raise SplError(f"streamstats: {name} needs an eval expression", search=search,
                       position=token.position)
    # The expression starts after `name="`: its positions count from there.
    return compile_expression(value, token.position + len(name) + 2, search)


__all__ = ["MAX_STREAM_WINDOW", "PARSERS", "Eventstats", "Stats", "Streamstats",
           "parse_stats_like"]
