"""Commands that put time into bins: `bin` (alias `bucket`) and `timechart`, with the
span a timechart chooses when none is given. Each follows its Search Reference page."""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

from . import times
from .aggregates import compute, parse_aggregations
from .commands import (
    Command,
    Parser,
    bool_option,
    field_names,
    int_option,
    registrar,
    split_by,
    take_options,
)
from .errors import SplError, SplUnsupported
from .lexer import tokenize
from .values import format_number, to_number, to_text, values_of

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)


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
def parse_timechart(text, offset, position, search, lookups):
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
def parse_bin(text, offset, position, search, lookups):
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



__all__ = ["PARSERS", "Bin", "Timechart"]
