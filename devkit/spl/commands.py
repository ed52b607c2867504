"""The search commands the engine runs, each parsed once and run over a list of results.

Every command cites the Search Reference page it follows; where the page leaves a case
open, the docstring says what this engine does (and the README lists those choices).
A command gets its argument text and that text's position in the expanded search; any
option, clause or function it does not implement is refused with SplUnsupported.
"""

from __future__ import annotations

import functools
import math
import re
from collections import deque
from dataclasses import dataclass, field
from itertools import product
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Tuple

from . import times
from .aggregates import Aggregation, compute, parse_aggregations
from .errors import SplError, SplUnsupported
from .evalexpr import Context, compile_expression, truth
from .lexer import Token, parse_bool, split_option, tokenize, unquote
from .lookups import Definition, MatchIndex, new_key
from .searchexpr import SearchContext, compile_search
from .values import (
    format_number,
    normalize,
    sort_key,
    to_number,
    to_text,
    values_of,
)

if TYPE_CHECKING:
    from .engine import Engine


@dataclass
class RunContext:
    """What a run's commands share: its time range, clock, zone, engine and messages."""

    engine: Engine
    search: str
    now: float
    earliest: Optional[float]
    latest: Optional[float]
    tz: str
    messages: List[str] = field(default_factory=list)
    columns: Optional[List[str]] = None  # the last table/fields column order

    def __post_init__(self) -> None:
        self.eval_context = Context(now=self.now, tz=self.tz, search=self.search)
        self.search_context = SearchContext(now=self.now, tz=self.tz)


class Command:
    name = ""
    generating = False  # produces results itself (must come first, after a pipe)
    keeps_columns = False  # filters and reorders results without changing their fields

    def __init__(self, position: int) -> None:
        self.position = position

    def run(self, rows: List[dict], context: RunContext) -> List[dict]:
        raise NotImplementedError


Parser = Callable[[str, int, int, Optional[str], "Engine"], Command]
PARSERS: Dict[str, Parser] = {}


def command(*names: str):
    def register(parser):
        for name in names:
            PARSERS[name] = parser
        return parser
    return register


# -- shared parsing helpers -----------------------------------------------------------


def take_options(tokens: List[Token], allowed: Sequence[str], command_name: str,
                 search: Optional[str], anywhere: bool = False
                 ) -> Tuple[Dict[str, Tuple[str, Token]], List[Token]]:
    """Leading `name=value` options (anywhere when `anywhere`); unknown names refused."""
    options: Dict[str, Tuple[str, Token]] = {}
    rest: List[Token] = []
    leading = True
    for token in tokens:
        option = split_option(token) if (leading or anywhere) else None
        if option is None:
            leading = False
            rest.append(token)
            continue
        name, value = option
        if name not in allowed:
            raise SplUnsupported(f"unsupported {command_name} option '{name}'",
                                 search=search, position=token.position)
        options[name] = (value, token)
    return options, rest


def bool_option(options, name: str, default: bool, search: Optional[str]) -> bool:
    if name not in options:
        return default
    value, token = options[name]
    return parse_bool(value, name, token, search)


def int_option(options, name: str, default: int, search: Optional[str]) -> int:
    if name not in options:
        return default
    value, token = options[name]
    if not re.fullmatch(r"\d+", value):
        raise SplError(f"option {name} needs a whole number, not {value!r}", search=search,
                       position=token.position)
    return int(value)


def field_names(tokens: List[Token], command_name: str, search: Optional[str]) -> List[str]:
    names = []
    for token in tokens:
        if token.raw.startswith("(") or ("=" in token.raw and not token.quoted):
            raise SplError(f"{command_name}: unexpected '{token.raw}'", search=search,
                           position=token.position)
        names.append(token.text)
    return names


def split_by(tokens: List[Token]) -> Tuple[List[Token], List[Token]]:
    for index, token in enumerate(tokens):
        if token.raw.lower() == "by" and not token.quoted:
            return tokens[:index], tokens[index + 1:]
    return tokens, []


def wildcard_match(pattern: str, name: str) -> bool:
    if "*" not in pattern:
        return pattern == name
    return re.fullmatch(".*".join(re.escape(p) for p in pattern.split("*")), name,
                        re.DOTALL) is not None


def _fail(error: SplError, context: RunContext, position: int) -> SplError:
    return error.located(context.search, position)


# -- search, where, eval -------------------------------------------------------------


class Search(Command):
    """search: Search Reference "search" (see searchexpr for the matching rules)."""

    name = "search"
    keeps_columns = True

    def __init__(self, position: int, predicate) -> None:
        super().__init__(position)
        self.predicate = predicate

    def run(self, rows, context):
        try:
            return [r for r in rows if self.predicate(r, context.search_context)]
        except SplError as error:
            raise _fail(error, context, self.position) from None


@command("search")
def parse_search(text, offset, position, search, engine):
    return Search(position, compile_search(text, offset, search))


class Where(Command):
    """where: Search Reference "where": keeps results whose expression is true (a null
    result, such as a comparison with a missing field, drops the result)."""

    name = "where"
    keeps_columns = True

    def __init__(self, position: int, expression) -> None:
        super().__init__(position)
        self.expression = expression

    def run(self, rows, context):
        kept = []
        try:
            for row in rows:
                if truth(self.expression(row, context.eval_context)) is True:
                    kept.append(row)
        except SplError as error:
            raise _fail(SplError(f"where: {error.detail}"), context, self.position) from None
        return kept


@command("where")
def parse_where(text, offset, position, search, engine):
    if not text.strip():
        raise SplError("where needs an expression", search=search, position=position)
    return Where(position, compile_expression(text, offset, search))


def split_top_level(text: str, separator: str = ",") -> List[Tuple[str, int]]:
    """Pieces of `text` split at `separator` outside quotes and parentheses."""
    pieces, start, depth, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char in "\"'":
            j = i + 1
            while j < len(text) and text[j] != char:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == separator and depth == 0:
            pieces.append((text[start:i], start))
            start = i + 1
        i += 1
    pieces.append((text[start:], start))
    return pieces


class Eval(Command):
    """eval: Search Reference "eval": assignments left to right, each seeing the ones
    before; a null result removes the field; a true/false result is an error, as in
    Splunk ("fields cannot be assigned a boolean result")."""

    name = "eval"

    def __init__(self, position: int, assignments) -> None:
        super().__init__(position)
        self.assignments = assignments

    def run(self, rows, context):
        for row in rows:
            for name, expression, position in self.assignments:
                try:
                    value = expression(row, context.eval_context)
                except SplError as error:
                    raise _fail(SplError(f"eval: {error.detail}"), context, position) from None
                if isinstance(value, bool):
                    raise SplError(f"eval: field '{name}' cannot be assigned a boolean "
                                   f"result", search=context.search, position=position)
                if value is None:
                    row.pop(name, None)
                else:
                    row[name] = list(value) if isinstance(value, list) else value
        return rows


@command("eval")
def parse_eval(text, offset, position, search, engine):
    assignments = []
    for piece, start in split_top_level(text):
        match = re.match(r"\s*(\"[^\"]*\"|'[^']*'|[^\s=!<>]+)\s*=(?!=)", piece)
        if not match or not piece[match.end():].strip():
            raise SplError("eval needs assignments of the form field=expression",
                           search=search, position=offset + start)
        name = match.group(1).strip("\"'")
        expression = compile_expression(piece[match.end():], offset + start + match.end(),
                                        search)
        assignments.append((name, expression, offset + start))
    return Eval(position, assignments)


# -- stats family -----------------------------------------------------------------------


def by_combinations(row: dict, by: List[str]) -> List[tuple]:
    """The by-field value combinations of a result: none when a by field is missing; one
    per value of a multivalue by field (as stats does)."""
    value_lists = []
    for name in by:
        values = values_of(row.get(name))
        if not values:
            return []
        value_lists.append(list(dict.fromkeys(values)))
    return list(product(*value_lists))


def _group_key(combination: tuple) -> tuple:
    return tuple(to_text(v) for v in combination)


def _combination_order(combination: tuple):
    return tuple(sort_key(v) for v in combination)


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
            for combination in by_combinations(row, self.by):
                groups.setdefault(_group_key(combination), (combination, []))[1].append(row)
        ordered = sorted(groups.values(), key=lambda g: _combination_order(g[0]))
        return [self._row(combination, members) for combination, members in ordered]

    def _row(self, combination: tuple, members: List[dict]) -> dict:
        out = dict(zip(self.by, combination))
        for aggregation in self.aggregations:
            value = compute(aggregation, members)
            if value is not None:
                out[aggregation.name] = value
        return out


def _parse_stats_like(text, offset, position, search, name, allowed):
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
def parse_stats(text, offset, position, search, engine):
    _, aggregations, by = _parse_stats_like(text, offset, position, search, "stats", ())
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
            groups.setdefault(tuple(_freeze(v) for v in values), []).append(row)
        for members in groups.values():
            summary = self.stats._row((), members)
            for row in members:
                row.update(summary)
        return rows


@command("eventstats")
def parse_eventstats(text, offset, position, search, engine):
    _, aggregations, by = _parse_stats_like(text, offset, position, search, "eventstats", ())
    return Eventstats(position, aggregations, by)


def _freeze(value) -> object:
    return tuple(to_text(v) for v in value) if isinstance(value, list) else to_text(value)


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
            window = windows.setdefault(tuple(_freeze(v) for v in values), deque())
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
def parse_streamstats(text, offset, position, search, engine):
    options, aggregations, by = _parse_stats_like(
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


# -- timechart ------------------------------------------------------------------------

AUTO_SPANS = (1, 5, 10, 30, 60, 300, 600, 1800, 3600, 86400, 604800)


class Timechart(Command):
    """timechart: Search Reference "timechart": one row per time bin (`_time`), one column
    per aggregation or, with `by`, per value of the by field (the top `limit` (10) by
    total, the rest in `OTHER`; results without the field in `NULL`). Bins cover the
    search's time range (else the results' span); with no `span` it is the smallest of
    1s 5s 10s 30s 1m 5m 10m 30m 1h 1d 1w giving at most 100 bins. Empty cells of
    `count` are 0. Series columns are in lexical order, then NULL, then OTHER."""

    name = "timechart"

    def __init__(self, position, aggregations, by, span, limit, useother, usenull):
        super().__init__(position)
        self.aggregations = aggregations
        self.by = by
        self.span = span
        self.limit = limit
        self.useother = useother
        self.usenull = usenull

    def run(self, rows, context):
        timed = [(t, r) for r in rows for t in [to_number(r.get("_time"))] if t is not None]
        bins = self._bins(timed, context)
        if bins is None:
            return []
        if not self.by:
            context.columns = ["_time", *(a.name for a in self.aggregations)]
            return [self._cells({"_time": moment}, [(a.name, a, members)
                                                    for a in self.aggregations])
                    for moment, members in sorted(bins.items())]
        series = self._series(timed)
        columns = sorted(n for n in set(series.values()) if n not in ("NULL", "OTHER"))
        columns += [n for n in ("NULL", "OTHER") if n in series.values()]
        aggregation = self.aggregations[0]
        out = []
        for moment, members in sorted(bins.items()):
            split: Dict[str, List[dict]] = {c: [] for c in columns}
            for row in members:
                if id(row) in series:
                    split[series[id(row)]].append(row)
            out.append(self._cells({"_time": moment}, [(c, aggregation, split[c])
                                                       for c in columns]))
        context.columns = ["_time", *columns]
        return out

    def _bins(self, timed, context) -> Optional[Dict[float, List[dict]]]:
        """Every bin of the search's range (else of the results' span), with its results."""
        start = context.earliest if context.earliest is not None else (
            min((t for t, _ in timed), default=None))
        end = context.latest if context.latest is not None else (
            max((t for t, _ in timed), default=None))
        if start is None or end is None:
            return None
        count, unit = self.span or self._auto_span(end - start)
        first = times.bucket(start, count, unit, context.tz)
        bins: Dict[float, List[dict]] = {first: []}
        moment = self._next(first, count, unit, context.tz)
        while moment < end:
            bins[moment] = []
            moment = self._next(moment, count, unit, context.tz)
        for t, row in timed:
            bins.setdefault(times.bucket(t, count, unit, context.tz), []).append(row)
        return bins

    def _series(self, timed) -> Dict[int, str]:
        """Each result's series: its by value, `NULL` without one, `OTHER` past the limit."""
        names: Dict[int, str] = {}
        totals: Dict[str, int] = {}
        for _, row in timed:
            values = values_of(row.get(self.by))
            name = to_text(values[0]) if values else "NULL"
            names[id(row)] = name
            totals[name] = totals.get(name, 0) + 1
        ranked = sorted((n for n in totals if n != "NULL"), key=lambda n: (-totals[n], n))
        kept = set(ranked[:self.limit] if self.limit else ranked)
        for key, name in list(names.items()):
            if name == "NULL" and not self.usenull:
                del names[key]
            elif name != "NULL" and name not in kept:
                if self.useother:
                    names[key] = "OTHER"
                else:
                    del names[key]
        return names

    @staticmethod
    def _cells(row: dict, cells) -> dict:
        """Each (column, aggregation, results) computed; an empty count or dc is 0."""
        for column, aggregation, members in cells:
            value = compute(aggregation, members)
            if value is None and aggregation.function in ("count", "dc"):
                value = 0.0
            if value is not None:
                row[column] = value
        return row

    @staticmethod
    def _auto_span(length: float) -> Tuple[int, str]:
        for seconds in AUTO_SPANS:
            if length / seconds <= 100:
                break
        if seconds % 86400 == 0:
            return seconds // 86400, "d"
        if seconds % 3600 == 0:
            return seconds // 3600, "h"
        if seconds % 60 == 0:
            return seconds // 60, "m"
        return seconds, "s"

    @staticmethod
    def _next(moment: float, count: int, unit: str, tz) -> float:
        if unit in times.SECONDS:
            return moment + count * times.SECONDS[unit]
        step = {"d": 86400 * count + 7200, "mon": 32 * 86400 * count}.get(unit)
        if step is None:
            raise SplError(f"timechart span unit {unit!r} is not supported")
        return times.bucket(moment + step, count, unit, tz)


@command("timechart")
def parse_timechart(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("span", "limit", "useother", "usenull"),
                                   "timechart", search)
    functions, by_tokens = split_by(tokens)
    aggregations, used = parse_aggregations(functions, search, "timechart", position)
    if used != len(functions):
        raise SplError(f"timechart: unexpected '{functions[used].raw}'", search=search,
                       position=functions[used].position)
    by = field_names(by_tokens, "timechart", search)
    if len(by) > 1:
        raise SplUnsupported("unsupported timechart with more than one by field",
                             search=search, position=by_tokens[1].position)
    if by and len(aggregations) > 1:
        raise SplUnsupported("unsupported timechart with several functions and a by field",
                             search=search, position=aggregations[1].position)
    span = None
    if "span" in options:
        value, token = options["span"]
        try:
            span = times.parse_span(value)
        except SplError as error:
            raise error.located(search, token.position) from None
    return Timechart(position, aggregations, by[0] if by else None, span,
                     int_option(options, "limit", 10, search),
                     bool_option(options, "useother", True, search),
                     bool_option(options, "usenull", True, search))


# -- ordering and selection -------------------------------------------------------------


class Sort(Command):
    """sort: Search Reference "sort": stable; `-` descending; `num()`, `str()`, `auto()`
    collations (auto: numbers numerically before strings lexically); keeps the first
    `<count>` results (default 10000, 0 = all). Results missing a sort field come after
    those that have it, in either direction (our choice)."""

    name = "sort"
    keeps_columns = True

    def __init__(self, position, limit, keys):
        super().__init__(position)
        self.limit = limit
        self.keys = keys

    def run(self, rows, context):
        def value_key(row, name, mode):
            values = values_of(row.get(name))
            if not values:
                return None
            value = values[0]
            if mode == "num":
                number = to_number(value)
                return (0, number, "") if number is not None else (1, 0.0, to_text(value))
            if mode == "str":
                return (1, 0.0, to_text(value))
            return sort_key(value)

        def compare(a, b):
            for name, descending, mode in self.keys:
                x, y = value_key(a, name, mode), value_key(b, name, mode)
                if x == y:
                    continue
                if x is None:
                    return 1
                if y is None:
                    return -1
                result = -1 if x < y else 1
                return -result if descending else result
            return 0

        ordered = sorted(rows, key=functools.cmp_to_key(compare))
        return ordered[:self.limit] if self.limit else ordered


@command("sort")
def parse_sort(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("limit",), "sort", search)
    limit = int_option(options, "limit", 10000, search)
    if tokens and re.fullmatch(r"\d+", tokens[0].raw):
        limit = int(tokens[0].raw)
        tokens = tokens[1:]
    reverse_all = False
    if tokens and tokens[-1].raw.lower() in ("d", "desc"):
        reverse_all = True
        tokens = tokens[:-1]
    keys, sign = [], False
    for token in tokens:
        raw = token.raw
        if raw in ("-", "+"):
            sign = raw == "-"
            continue
        descending = sign
        if raw[0] in "+-":
            descending = raw[0] == "-"
            raw = raw[1:]
        sign = False
        mode = "auto"
        match = re.fullmatch(r"(auto|str|num|ip)\((.+)\)", raw)
        if match:
            mode, raw = match.group(1), match.group(2)
            if mode == "ip":
                raise SplUnsupported("unsupported sort collation 'ip()'", search=search,
                                     position=token.position)
        if not raw or "(" in raw:
            raise SplError(f"sort: unexpected '{token.raw}'", search=search,
                           position=token.position)
        keys.append((unquote(raw), descending != reverse_all, mode))
    if not keys:
        raise SplError("sort needs a field", search=search, position=position)
    return Sort(position, limit, keys)


class Dedup(Command):
    """dedup: Search Reference "dedup": keeps the first `<n>` (1) results of each
    combination of the fields' values, in order; results missing one of the fields are
    removed unless `keepempty=true`; `consecutive=true` only removes runs."""

    name = "dedup"
    keeps_columns = True

    def __init__(self, position, count, fields, keepempty, consecutive):
        super().__init__(position)
        self.count = count
        self.fields = fields
        self.keepempty = keepempty
        self.consecutive = consecutive

    def run(self, rows, context):
        seen: Dict[tuple, int] = {}
        kept, previous = [], None
        for row in rows:
            values = [row.get(n) for n in self.fields]
            if any(v is None for v in values):
                if self.keepempty:
                    kept.append(row)
                continue
            key = tuple(_freeze(v) for v in values)
            if self.consecutive:
                if key != previous:
                    kept.append(row)
                previous = key
                continue
            seen[key] = seen.get(key, 0) + 1
            if seen[key] <= self.count:
                kept.append(row)
        return kept


@command("dedup")
def parse_dedup(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("keepempty", "consecutive", "keepevents"),
                                   "dedup", search, anywhere=True)
    if "keepevents" in options:
        raise SplUnsupported("unsupported dedup option 'keepevents'", search=search,
                             position=options["keepevents"][1].position)
    count = 1
    if tokens and re.fullmatch(r"\d+", tokens[0].raw):
        count = int(tokens[0].raw)
        tokens = tokens[1:]
    for _index, token in enumerate(tokens):
        if token.raw.lower() == "sortby":
            raise SplUnsupported("unsupported dedup clause 'sortby'", search=search,
                                 position=token.position)
    fields = field_names(tokens, "dedup", search)
    if not fields:
        raise SplError("dedup needs a field", search=search, position=position)
    return Dedup(position, count, fields, bool_option(options, "keepempty", False, search),
                 bool_option(options, "consecutive", False, search))


def _expand_patterns(patterns: List[str], rows: List[dict]) -> List[str]:
    names: Dict[str, None] = {}
    present: Dict[str, None] = {}
    for row in rows:
        for name in row:
            present[name] = None
    for pattern in patterns:
        if "*" in pattern:
            for name in present:
                if wildcard_match(pattern, name):
                    names[name] = None
        else:
            names[pattern] = None
    return list(names)


class Table(Command):
    """table: Search Reference "table": only the listed fields (wildcards allowed), in that
    order; internal fields only when listed."""

    name = "table"

    def __init__(self, position, patterns):
        super().__init__(position)
        self.patterns = patterns

    def run(self, rows, context):
        columns = _expand_patterns(self.patterns, rows)
        context.columns = columns
        return [{c: row[c] for c in columns if c in row} for row in rows]


@command("table")
def parse_table(text, offset, position, search, engine):
    fields = field_names(tokenize(text, offset, search), "table", search)
    if not fields:
        raise SplError("table needs a field", search=search, position=position)
    return Table(position, fields)


class Fields(Command):
    """fields: Search Reference "fields": `fields a b` keeps those (and the internal
    fields such as `_time`, which only `fields - _*` removes); `fields - a b` removes."""

    name = "fields"

    def __init__(self, position, remove, patterns):
        super().__init__(position)
        self.remove = remove
        self.patterns = patterns

    def run(self, rows, context):
        def listed(name):
            return any(wildcard_match(p, name) for p in self.patterns)

        if self.remove:
            out = [{k: v for k, v in row.items() if not listed(k)} for row in rows]
            if context.columns:
                context.columns = [c for c in context.columns if not listed(c)]
            return out
        columns = _expand_patterns(self.patterns, rows)
        context.columns = columns
        out = []
        for row in rows:
            kept = {c: row[c] for c in columns if c in row}
            kept.update({k: v for k, v in row.items() if k.startswith("_") and k not in kept})
            out.append(kept)
        return out


@command("fields")
def parse_fields(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    remove = False
    if tokens and tokens[0].raw in ("-", "+"):
        remove = tokens[0].raw == "-"
        tokens = tokens[1:]
    elif tokens and tokens[0].raw.startswith("-") and len(tokens[0].raw) > 1:
        remove = True
        first = tokens[0]
        tokens = [Token(first.text[1:], first.position + 1, first.raw[1:]), *tokens[1:]]
    fields = field_names(tokens, "fields", search)
    if not fields:
        raise SplError("fields needs a field", search=search, position=position)
    return Fields(position, remove, fields)


class Rename(Command):
    """rename: Search Reference "rename": `a AS b` (wildcards rename alike)."""

    name = "rename"

    def __init__(self, position, pairs):
        super().__init__(position)
        self.pairs = pairs

    def run(self, rows, context):
        out = []
        for row in rows:
            for old, new in self.pairs:
                if "*" in old:
                    regex = re.compile("(.*)".join(re.escape(p) for p in old.split("*")) +
                                       r"\Z")
                    for name in list(row):
                        match = regex.match(name)
                        if match:
                            parts = new.split("*")
                            target = parts[0] + "".join(
                                g + p for g, p in zip(match.groups(), parts[1:]))
                            row[target] = row.pop(name)
                elif old in row:
                    row[new] = row.pop(old)
                else:
                    row.pop(new, None)
            out.append(row)
        return out


@command("rename")
def parse_rename(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    pairs = []
    for i in range(0, len(tokens), 3):
        group = tokens[i:i + 3]
        if len(group) != 3 or group[1].raw.lower() != "as":
            raise SplError("rename needs pairs of the form field AS newname", search=search,
                           position=group[0].position)
        pairs.append((group[0].text, group[2].text))
    if not pairs:
        raise SplError("rename needs a field", search=search, position=position)
    return Rename(position, pairs)


class Head(Command):
    """head / tail: Search Reference "head", "tail": the first / last n (10) results."""

    keeps_columns = True

    def __init__(self, position, count, last):
        super().__init__(position)
        self.count = count
        self.last = last
        self.name = "tail" if last else "head"

    def run(self, rows, context):
        if self.last:
            return list(reversed(rows[-self.count:])) if self.count else []
        return rows[:self.count]


def _parse_head(text, offset, position, search, last):
    name = "tail" if last else "head"
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("limit",), name, search)
    count = int_option(options, "limit", 10, search)
    if tokens:
        if len(tokens) > 1 or not re.fullmatch(r"\d+", tokens[0].raw):
            raise SplUnsupported(f"unsupported {name} argument '{tokens[0].raw}' (only a "
                                 f"count)", search=search, position=tokens[0].position)
        count = int(tokens[0].raw)
    return Head(position, count, last)


@command("head")
def parse_head(text, offset, position, search, engine):
    return _parse_head(text, offset, position, search, False)


@command("tail")
def parse_tail(text, offset, position, search, engine):
    return _parse_head(text, offset, position, search, True)


class Fillnull(Command):
    """fillnull: Search Reference "fillnull": `value` (0) into the listed fields, or into
    every field some result has."""

    name = "fillnull"

    def __init__(self, position, value, fields):
        super().__init__(position)
        self.value = value
        self.fields = fields

    def run(self, rows, context):
        names = self.fields or _expand_patterns(["*"], rows)
        for row in rows:
            for name in names:
                if row.get(name) is None:
                    row[name] = self.value
        return rows


@command("fillnull")
def parse_fillnull(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("value",), "fillnull", search)
    value = options["value"][0] if "value" in options else "0"
    return Fillnull(position, value, field_names(tokens, "fillnull", search))


class Mvexpand(Command):
    """mvexpand: Search Reference "mvexpand": one result per value of the field."""

    name = "mvexpand"

    def __init__(self, position, field_name, limit):
        super().__init__(position)
        self.field = field_name
        self.limit = limit

    def run(self, rows, context):
        out = []
        for row in rows:
            values = values_of(row.get(self.field))
            if not values:
                out.append(row)
                continue
            for value in values[:self.limit] if self.limit else values:
                out.append({**row, self.field: value})
        return out


@command("mvexpand")
def parse_mvexpand(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("limit",), "mvexpand", search, anywhere=True)
    fields = field_names(tokens, "mvexpand", search)
    if len(fields) != 1:
        raise SplError("mvexpand needs one field", search=search, position=position)
    return Mvexpand(position, fields[0], int_option(options, "limit", 0, search))


class Bin(Command):
    """bin / bucket: Search Reference "bin": `_time` (or another time field) snapped to
    the start of its `span` bin in the search's time zone (see times.bucket); a numeric
    field gets the range `lo-hi` of its bin, as Splunk shows it."""

    name = "bin"

    def __init__(self, position, field_name, span, alias):
        super().__init__(position)
        self.field = field_name
        self.span = span
        self.alias = alias or field_name

    def run(self, rows, context):
        count, unit = self.span
        is_time = self.field == "_time" or self.field.endswith("time")
        for row in rows:
            number = to_number(values_of(row.get(self.field))[0]) if row.get(
                self.field) is not None else None
            if number is None:
                continue
            if is_time or unit != "s":
                row[self.alias] = times.bucket(number, count, unit, context.tz)
            else:
                low = math.floor(number / count) * count
                row[self.alias] = f"{format_number(low)}-{format_number(low + count)}"
        return rows


@command("bin", "bucket")
def parse_bin(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("span", "bins", "minspan", "start", "end",
                                            "aligntime"), "bin", search, anywhere=True)
    for name in ("bins", "minspan", "start", "end", "aligntime"):
        if name in options:
            raise SplUnsupported(f"unsupported bin option '{name}'", search=search,
                                 position=options[name][1].position)
    if "span" not in options:
        raise SplUnsupported("unsupported bin without span=", search=search,
                             position=position)
    value, token = options["span"]
    try:
        span = times.parse_span(value)
    except SplError as error:
        raise error.located(search, token.position) from None
    alias = None
    if len(tokens) == 3 and tokens[1].raw.lower() == "as":
        alias = tokens[2].text
        tokens = tokens[:1]
    if len(tokens) != 1:
        raise SplError("bin needs one field (optionally AS a new name)", search=search,
                       position=position)
    return Bin(position, tokens[0].text, span, alias)


class Makeresults(Command):
    """makeresults: Search Reference "makeresults": `count` (1) results holding `_time`
    (now)."""

    name = "makeresults"
    generating = True

    def __init__(self, position, count):
        super().__init__(position)
        self.count = count

    def run(self, rows, context):
        return [{"_time": float(math.floor(context.now))} for _ in range(self.count)]


@command("makeresults")
def parse_makeresults(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("count",), "makeresults", search)
    if tokens:
        raise SplUnsupported(f"unsupported makeresults argument '{tokens[0].raw}'",
                             search=search, position=tokens[0].position)
    return Makeresults(position, int_option(options, "count", 1, search))


class Rex(Command):
    """rex: Search Reference "rex": named groups of a regex over `field` (`_raw`) become
    fields (the first match; `max_match=0` every match, multivalue)."""

    name = "rex"

    def __init__(self, position, field_name, regex, max_match):
        super().__init__(position)
        self.field = field_name
        self.regex = regex
        self.max_match = max_match

    def run(self, rows, context):
        for row in rows:
            values = values_of(row.get(self.field))
            if not values:
                continue
            matches = list(self.regex.finditer(to_text(values[0])))
            if self.max_match:
                matches = matches[:self.max_match]
            extracted: Dict[str, list] = {}
            for match in matches:
                for name, value in match.groupdict().items():
                    if value is not None:
                        extracted.setdefault(name, []).append(value)
            for name, found in extracted.items():
                row[name] = normalize(found)
        return rows


@command("rex")
def parse_rex(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search, commas=False)
    options, tokens = take_options(tokens, ("field", "max_match", "mode", "offset_field"),
                                   "rex", search, anywhere=True)
    for name in ("mode", "offset_field"):
        if name in options:
            raise SplUnsupported(f"unsupported rex option '{name}'", search=search,
                                 position=options[name][1].position)
    if len(tokens) != 1 or not tokens[0].quoted:
        raise SplError("rex needs one quoted regular expression", search=search,
                       position=position)
    pattern = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", tokens[0].text)
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise SplError(f"rex: invalid regex: {error}", search=search,
                       position=tokens[0].position) from None
    field_name = options["field"][0] if "field" in options else "_raw"
    return Rex(position, field_name, regex, int_option(options, "max_match", 1, search))


class Addinfo(Command):
    """addinfo: Search Reference "addinfo": the run's time range and dispatch time."""

    name = "addinfo"

    def run(self, rows, context):
        for row in rows:
            row["info_min_time"] = context.earliest if context.earliest is not None else 0.0
            row["info_max_time"] = context.latest if context.latest is not None else "+Infinity"
            row["info_search_time"] = context.now
            row["info_sid"] = f"engine_{format_number(math.floor(context.now))}"
        return rows


@command("addinfo")
def parse_addinfo(text, offset, position, search, engine):
    if text.strip():
        raise SplUnsupported("unsupported addinfo arguments", search=search, position=offset)
    return Addinfo(position)


# -- lookups --------------------------------------------------------------------------


class Lookup(Command):
    """lookup: Search Reference "lookup" with transforms.conf.spec: matches every input
    field (case-sensitively unless `case_sensitive_match = false`; a multivalue event
    field matches on any value); up to `max_matches` (100) rows in table order give
    their values (several make a multivalue field). `OUTPUT` overwrites the output
    fields of a result that matches; a result that matches nothing keeps its fields
    ("nothing is output to your event", Knowledge Manager Manual), unless `min_matches`
    and `default_match` supply a value. `OUTPUTNEW` writes only fields the result does
    not have. Without an output clause every table field but the input fields is
    output. A missing table file stops the search with an error naming the lookup."""

    name = "lookup"

    def __init__(self, position, table, inputs, outputs, outputnew):
        super().__init__(position)
        self.table = table
        self.inputs = inputs
        self.outputs = outputs
        self.outputnew = outputnew

    def run(self, rows, context):
        lookups = context.engine.lookups
        try:
            definition = lookups.definition(self.table)
            table, columns = lookups.read(definition)
        except SplError as error:
            raise _fail(SplError(f"lookup: {error.detail}"), context, self.position) from None
        lookup_fields = [f for f, _ in self.inputs]
        outputs = self.outputs or [(c, c) for c in columns
                                   if c not in lookup_fields and c != "_key"]
        index = MatchIndex(table, lookup_fields, definition)
        for row in rows:
            if self.outputnew and all(row.get(dest) is not None for _, dest in outputs):
                continue
            event_values = [values_of(row.get(event_field)) for _, event_field in self.inputs]
            found: List[int] = []
            if all(event_values):
                for combination in product(*event_values):
                    for match in index.matches(tuple(to_text(v) for v in combination)):
                        if match not in found:
                            found.append(match)
            found = sorted(found)[:definition.max_matches]  # in table order
            for source, dest in outputs:
                if self.outputnew and row.get(dest) is not None:
                    continue
                values = [v for i in found for v in values_of(table[i].get(source))]
                if len(found) < definition.min_matches and definition.default_match:
                    values += [definition.default_match] * (definition.min_matches - len(found))
                if values:
                    row[dest] = normalize(values)
                elif found:
                    row.pop(dest, None)  # the matching rows hold no value for it
        return rows


def _field_pairs(tokens: List[Token], search) -> List[Tuple[str, str]]:
    pairs, i = [], 0
    while i < len(tokens):
        name = tokens[i].text
        if i + 2 < len(tokens) and tokens[i + 1].raw.lower() == "as":
            pairs.append((name, tokens[i + 2].text))
            i += 3
        elif i + 1 < len(tokens) and tokens[i + 1].raw.lower() == "as":
            raise SplError("AS needs a field name", search=search,
                           position=tokens[i + 1].position)
        else:
            pairs.append((name, name))
            i += 1
    return pairs


def _check_definition(engine: Engine, name: str, search, position) -> None:
    """Refuse, at parse time, lookup types the engine does not implement."""
    try:
        engine.lookups.definition(name)
    except SplUnsupported as error:
        raise error.located(search, position) from None
    except SplError:
        pass  # a missing definition is a run-time error, as in Splunk


@command("lookup")
def parse_lookup(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    _options, tokens = take_options(tokens, ("local", "update"), "lookup", search)
    if not tokens:
        raise SplError("lookup needs a lookup name", search=search, position=position)
    table = tokens[0].text
    rest = tokens[1:]
    clause_at = next((i for i, t in enumerate(rest) if t.raw in ("OUTPUT", "OUTPUTNEW")),
                     None)
    inputs_tokens = rest if clause_at is None else rest[:clause_at]
    inputs = _field_pairs(inputs_tokens, search)
    if not inputs:
        raise SplError("lookup needs at least one input field", search=search,
                       position=tokens[0].position)
    outputs = None
    outputnew = False
    if clause_at is not None:
        outputnew = rest[clause_at].raw == "OUTPUTNEW"
        outputs = _field_pairs(rest[clause_at + 1:], search)
        if not outputs:
            raise SplError("OUTPUT needs at least one field", search=search,
                           position=rest[clause_at].position)
    _check_definition(engine, table, search, tokens[0].position)
    return Lookup(position, table, inputs, outputs, outputnew)


class Inputlookup(Command):
    """inputlookup: Search Reference "inputlookup": the table's rows (from `start`, at
    most `max`), filtered by `WHERE <search>`; `append=true` adds them after the results
    instead of replacing them. A missing CSV file gives no rows and a warning, unless
    `strict=true`, which makes it an error. KV store rows carry their `_key`."""

    name = "inputlookup"

    def __init__(self, position, table, append, strict, start, maximum, where):
        super().__init__(position)
        self.table = table
        self.append = append
        self.strict = strict
        self.start = start
        self.maximum = maximum
        self.where = where
        self.generating = not append

    def run(self, rows, context):
        lookups = context.engine.lookups
        try:
            definition = lookups.definition(self.table)
            if not lookups.exists(definition) and not self.strict:
                context.messages.append(f"inputlookup: the lookup table '{self.table}' "
                                        f"does not exist")
                table = []
            else:
                table, _ = lookups.read(definition)
        except SplError as error:
            raise _fail(SplError(f"inputlookup: {error.detail}"), context,
                        self.position) from None
        found = [dict(r) for r in table[self.start:]]
        if self.where is not None:
            found = [r for r in found if self.where(r, context.search_context)]
        if self.maximum:
            found = found[:self.maximum]
        return [*rows, *found] if self.append else found


@command("inputlookup")
def parse_inputlookup(text, offset, position, search, engine):
    where_at = re.search(r"\sWHERE\s|\swhere\s", text)
    head = text[:where_at.start()] if where_at else text
    where_text = text[where_at.end():] if where_at else ""
    tokens = tokenize(head, offset, search)
    options, tokens = take_options(tokens, ("append", "strict", "start", "max"),
                                   "inputlookup", search, anywhere=True)
    if len(tokens) != 1:
        raise SplError("inputlookup needs one lookup name", search=search, position=position)
    where = None
    if where_text.strip():
        where = compile_search(where_text, offset + where_at.end(), search)
    _check_definition(engine, tokens[0].text, search, tokens[0].position)
    return Inputlookup(position, tokens[0].text, bool_option(options, "append", False, search),
                       bool_option(options, "strict", False, search),
                       int_option(options, "start", 0, search),
                       int_option(options, "max", 0, search), where)


class Outputlookup(Command):
    """outputlookup: Search Reference "outputlookup": writes the results to the table and
    passes them on. With no results and `override_if_empty=true` (the default) a CSV file
    is DELETED (or, with `create_empty=true`, left as a zero-length file) and a KV store
    collection emptied; with `override_if_empty=false` the table is left as it was.
    `append=true` adds rows (to a CSV's existing columns only); `key_field` (KV store)
    names the field holding each row's `_key`, updating that record; rows with a `_key`
    update theirs, others get a new key. A KV store lookup with a `fields_list` stores
    those fields only. `max` writes at most that many rows."""

    name = "outputlookup"
    keeps_columns = True

    def __init__(self, position, table, append, create_empty, override_if_empty, maximum,
                 key_field):
        super().__init__(position)
        self.table = table
        self.append = append
        self.create_empty = create_empty
        self.override_if_empty = override_if_empty
        self.maximum = maximum
        self.key_field = key_field

    def run(self, rows, context):
        lookups = context.engine.lookups
        written = rows[:self.maximum] if self.maximum else rows
        try:
            definition = lookups.definition(self.table)
            if not written:
                if self.override_if_empty and not self.append:
                    if self.create_empty and definition.kind == "csv":
                        lookups.write_empty_csv(definition)
                    else:
                        lookups.delete(definition)
                return rows
            if definition.kind == "csv":
                if self.key_field:
                    raise SplError("key_field applies to KV store lookups only")
                lookups.write_csv(definition, written, append=self.append)
            else:
                self._write_collection(lookups, definition, written)
        except SplError as error:
            raise _fail(SplError(f"outputlookup: {error.detail}"), context,
                        self.position) from None
        return rows

    def _write_collection(self, lookups, definition: Definition, rows: List[dict]) -> None:
        existing = lookups.load_collection(definition) if self.append else []
        by_key = {to_text(r["_key"]): i for i, r in enumerate(existing) if r.get("_key")}
        wanted = set(definition.fields_list or ())
        for row in rows:
            # A collection keeps the lookup's fields_list (all fields when it has none).
            record = {k: v for k, v in row.items()
                      if (k in wanted if wanted else not k.startswith("_") or k == "_time")}
            key_value = row.get(self.key_field) if self.key_field else row.get("_key")
            key = to_text(values_of(key_value)[0]) if key_value is not None else new_key()
            record["_key"] = key
            if key in by_key:
                existing[by_key[key]] = record
            else:
                by_key[key] = len(existing)
                existing.append(record)
        lookups.write_collection(definition, existing)


@command("outputlookup")
def parse_outputlookup(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(
        tokens, ("append", "create_empty", "override_if_empty", "max", "key_field",
                 "createinapp", "allow_updates", "create_context", "output_format"),
        "outputlookup", search, anywhere=True)
    for name in ("create_context", "output_format", "allow_updates"):
        if name in options:
            raise SplUnsupported(f"unsupported outputlookup option '{name}'", search=search,
                                 position=options[name][1].position)
    if len(tokens) != 1:
        raise SplError("outputlookup needs one lookup name", search=search,
                       position=position)
    _check_definition(engine, tokens[0].text, search, tokens[0].position)
    key_field = options["key_field"][0] if "key_field" in options else None
    return Outputlookup(position, tokens[0].text,
                        bool_option(options, "append", False, search),
                        bool_option(options, "create_empty", False, search),
                        bool_option(options, "override_if_empty", True, search),
                        int_option(options, "max", 0, search), key_field)


# -- the app's command ------------------------------------------------------------------


class Cloudsecrets(Command):
    """cloudsecrets: the app's packaged streaming command over protocol v2 (see
    external.py)."""

    name = "cloudsecrets"

    def __init__(self, position, args):
        super().__init__(position)
        self.args = args

    def run(self, rows, context):
        try:
            return context.engine.command_runner.run(rows, self.args)
        except SplError as error:
            raise _fail(error, context, self.position) from None


@command("cloudsecrets")
def parse_cloudsecrets(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search, commas=False)
    return Cloudsecrets(position, [t.raw for t in tokens])


__all__ = ["PARSERS", "Command", "RunContext", "split_top_level"]
