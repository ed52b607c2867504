"""Reporting commands that turn results into a small table: `top` and `rare` (the most
and least common values) and `chart` (an aggregation over one field, split by another).
Each follows its Search Reference page; `timechart` is in timebins.py."""

from __future__ import annotations

import re
from typing import Dict, Hashable, List, Optional, Tuple

from . import times
from .aggregates import Aggregation, parse_aggregations, summarize
from .commands import (
    Command,
    Parser,
    bool_option,
    by_combinations,
    combination_order,
    field_names,
    group_key,
    int_option,
    refuse_options,
    registrar,
    split_by,
    take_options,
    text_option,
)
from .errors import SplError, SplUnsupported
from .lexer import Token, split_option, tokenize
from .series import (
    SERIES_OPTION_NAMES,
    SeriesOptions,
    parse_series_options,
    series_of,
    tabulate,
)
from .timebins import number_bin, parse_bin_span
from .values import Value, sort_key, to_number, to_text, values_of

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)


# -- top and rare --------------------------------------------------------------------------


class Top(Command):
    """top / rare: Search Reference "top" and "rare": the most (least) common
    combinations of the fields' values, with their `count` and `percent`, at most
    `limit` (10; 0 = all) per group of the `by` fields.

    A result counts once for each combination of its values (a multivalue field in
    each value), as `stats count by` counts it; results missing a field of the list are
    not counted. Combinations with equal counts come in reverse lexicographic order of
    their values for top, as the page's "Lexicographic order of results" shows (`top
    limit=1 location by user` keeps Orlando over Dallas and Atlanta), and in
    lexicographic order for rare. `percent` is printed with six decimals, as the
    page's tables print it. Where the pages are silent (docs/decisions.md): `percent`
    is the count's share of the group's results that have every field of the list;
    `useother=true` adds the OTHER row only when some combination was left out; groups
    come in stats order.
    """

    def __init__(self, position, rare, fields, by, limit, countfield, percentfield,
                 showcount, showperc, useother, otherstr):
        super().__init__(position)
        self.name = "rare" if rare else "top"
        self.rare = rare
        self.fields = fields
        self.by = by
        self.limit = limit
        self.countfield = countfield
        self.percentfield = percentfield
        self.showcount = showcount
        self.showperc = showperc
        self.useother = useother
        self.otherstr = otherstr

    def run(self, rows, context):
        groups: Dict[tuple, Tuple[tuple, Dict[tuple, Tuple[tuple, int]], List[int]]] = {}
        for row in rows:
            combinations = by_combinations(row, self.fields)
            if not combinations:
                continue
            for by_values in by_combinations(row, self.by) if self.by else [()]:
                _, counts, total = groups.setdefault(group_key(by_values),
                                                     (by_values, {}, [0]))
                total[0] += 1
                for combination in combinations:
                    key = group_key(combination)
                    seen, count = counts.get(key, (combination, 0))
                    counts[key] = (seen, count + 1)
        context.columns = [*self.by, *self.fields,
                           *([self.countfield] if self.showcount else []),
                           *([self.percentfield] if self.showperc else [])]
        out = []
        for by_values, counts, total in sorted(groups.values(),
                                               key=lambda g: combination_order(g[0])):
            # By count, ties by the text of the values, the last lexicographically
            # first for top (the page: "only the last lexicographical value ... is
            # returned"), the first for rare, which lists in the opposite order.
            ranked = sorted(counts.values(), reverse=not self.rare,
                            key=lambda c: (c[1], tuple(to_text(v) for v in c[0])))
            kept = ranked[:self.limit] if self.limit else ranked
            for combination, count in kept:
                out.append(self._row(by_values, combination, count, total[0]))
            rest = sum(count for _, count in ranked[len(kept):])
            if self.useother and len(kept) < len(ranked):
                other = tuple(self.otherstr for _ in self.fields)
                out.append(self._row(by_values, other, rest, total[0]))
        return out

    def _row(self, by_values: tuple, combination: tuple, count: int, total: int) -> dict:
        row = {**dict(zip(self.by, by_values)), **dict(zip(self.fields, combination))}
        if self.showcount:
            row[self.countfield] = float(count)
        if self.showperc:
            row[self.percentfield] = f"{count * 100.0 / total:.6f}"
        return row


TOP_OPTIONS = ("countfield", "limit", "otherstr", "percentfield", "showcount", "showperc",
               "useother")


def _parse_top(text, offset, position, search, rare):
    name = "rare" if rare else "top"
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, TOP_OPTIONS, name, search, anywhere=True)
    limit = int_option(options, "limit", 10, search)
    if tokens and re.fullmatch(r"\d+", tokens[0].raw) and not tokens[0].quoted:
        limit = int(tokens[0].raw)
        tokens = tokens[1:]
    field_tokens, by_tokens = split_by(tokens)
    fields = field_names(field_tokens, name, search)
    if not fields:
        raise SplError(f"{name} needs a field", search=search, position=position)
    by = field_names(by_tokens, name, search)
    return Top(position, rare, fields, by, limit,
               text_option(options, "countfield", "count"),
               text_option(options, "percentfield", "percent"),
               bool_option(options, "showcount", True, search),
               bool_option(options, "showperc", True, search),
               bool_option(options, "useother", False, search),
               text_option(options, "otherstr", "OTHER"))


@command("top")
def parse_top(text, offset, position, search, lookups):
    return _parse_top(text, offset, position, search, False)


@command("rare")
def parse_rare(text, offset, position, search, lookups):
    return _parse_top(text, offset, position, search, True)


# -- chart -----------------------------------------------------------------------------------


class Chart(Command):
    """chart: Search Reference "chart": `chart <aggregation>... [BY <row> [<column>]]`
    or `chart <aggregation>... OVER <row> [BY <column>]`.

    Without a split it is one row (`stats` without `by`); with a row split, one row per
    value of the row field (results without it are left out, as stats leaves them) in
    stats order; with a column split, one column per series of the column field (see
    series.py for `limit`, `useother`, `usenull`, `nullstr`, `otherstr` and
    `dedup_splitvals`). A `span=` applies to the field just before it, as the page
    says, binning it as `bin` does: a time field to the start of its bin, a number to
    its `lo-hi` range (rows in numeric order). Gaps between bins are not filled.
    """

    name = "chart"

    def __init__(self, position, aggregations: List[Aggregation], row: Optional[str],
                 column: Optional[str], row_span, column_span, series: SeriesOptions):
        super().__init__(position)
        self.aggregations = aggregations
        self.row = row
        self.column = column
        self.row_span = row_span
        self.column_span = column_span
        self.series = series

    def run(self, rows, context):
        if self.row is None:
            context.columns = [a.name for a in self.aggregations]
            return [summarize(self.aggregations, rows)]
        grouped: Dict[Hashable, Tuple[Value, object, List[dict]]] = {}
        for row in rows:
            for value, order in binned(row, self.row, self.row_span, context.tz):
                members = grouped.setdefault(to_text(value), (value, order, []))[2]
                if not (self.series.dedup and members and members[-1] is row):
                    members.append(row)
        ordered = sorted(grouped.values(), key=lambda g: g[1])
        if self.column is None:
            context.columns = [self.row, *(a.name for a in self.aggregations)]
            return [{self.row: value, **summarize(self.aggregations, members)}
                    for value, _, members in ordered]
        buckets: Dict[Hashable, Dict[str, List[dict]]] = {}
        for value, _, members in ordered:
            by_series = buckets.setdefault(value, {})
            for member in members:
                for name in self._series(member, context):
                    by_series.setdefault(name, []).append(member)
        table = tabulate(buckets, [value for value, _, _ in ordered], self.aggregations[0],
                         self.series)
        context.columns = [self.row, *table.columns]
        return [{self.row: value, **{k: v for k, v in table.cells[value].items()
                                     if v is not None}} for value, _, _ in ordered]

    def _series(self, row: dict, context) -> List[str]:
        if self.column_span is None:
            return series_of(row, self.column, self.series)
        names = [to_text(v) for v, _ in binned(row, self.column, self.column_span,
                                                 context.tz)]
        if not names:
            return [self.series.nullstr] if self.series.usenull else []
        return list(dict.fromkeys(names)) if self.series.dedup else names


def binned(row: dict, field: str, span, tz) -> List[Tuple[Value, object]]:
    """(value, sort key) for each value of `field`, put in its bin when `span` is given
    (values that are not numbers then have no bin)."""
    out = []
    for value in values_of(row.get(field)):
        if span is None:
            out.append((value, sort_key(value)))
            continue
        number = to_number(value)
        if number is None:
            continue
        count, unit = span
        if field == "_time" or unit != "s":
            start = times.bucket(number, count, unit, tz)
            out.append((start, (0, start, "")))
        else:
            label, low = number_bin(number, count)
            out.append((label, (0, low, "")))
    return out


CHART_REFUSED = ("agg", "cont", "format", "sep", "bins", "minspan", "start", "end",
                 "aligntime")


@command("chart")
def parse_chart(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    split_at = next((i for i, t in enumerate(tokens)
                     if not t.quoted and t.raw.lower() in ("by", "over")), len(tokens))
    allowed = (*SERIES_OPTION_NAMES, "dedup_splitval", *CHART_REFUSED)
    options, head = take_options(tokens[:split_at], allowed, "chart", search, anywhere=True)
    aggregations, used = parse_aggregations(head, search, "chart", position)
    if used != len(head):
        raise SplError(f"chart: unexpected '{head[used].raw}'", search=search,
                       position=head[used].position)
    fields, spans, tail_options = _chart_split(tokens[split_at:], allowed, search)
    options.update(tail_options)
    refuse_options(options, CHART_REFUSED, "chart", search)
    if "dedup_splitval" in options:  # the page's own example spells it so
        options.setdefault("dedup_splitvals", options.pop("dedup_splitval"))
    row = fields[0] if fields else None
    column = fields[1] if len(fields) > 1 else None
    if column is not None and len(aggregations) > 1:
        raise SplUnsupported("unsupported chart with several functions and a column split",
                             search=search, position=aggregations[1].position)
    for aggregation in aggregations:
        if row is not None and aggregation.field == row:
            raise SplError(f"chart: the row-split field '{row}' cannot also be the field "
                           f"of {aggregation.name}", search=search,
                           position=aggregation.position)
    return Chart(position, aggregations, row, column, spans[0] if fields else None,
                 spans[1] if len(fields) > 1 else None,
                 parse_series_options(options, "chart", search))


def _chart_split(tokens: List[Token], allowed, search):
    """`OVER row [BY column]` or `BY row [column]`, each field with the `span=` written
    after it, and the other options found among them: (fields, spans, options)."""
    if not tokens:
        return [], [], {}
    fields: List[str] = []
    spans: List[Optional[tuple]] = []
    options: Dict[str, Tuple[str, Token]] = {}
    keywords = []
    for token in tokens:
        word = token.raw.lower()
        option = split_option(token)
        if not token.quoted and word in ("by", "over"):
            keywords.append((word, len(fields), token))
        elif not token.quoted and word == "where":
            raise SplUnsupported("unsupported chart where clause", search=search,
                                 position=token.position)
        elif option is not None and option[0] == "span":
            if not fields or spans[-1] is not None:
                raise SplError("chart: span must follow the field it bins", search=search,
                               position=token.position)
            spans[-1] = parse_bin_span(option[1], "chart", search, token.position)
        elif option is not None:
            found, _ = take_options([token], allowed, "chart", search)
            options.update(found)
        else:
            fields.extend(field_names([token], "chart", search))
            spans.append(None)
    shape = [(word, at) for word, at, _ in keywords]
    valid = (shape == [("by", 0)] and len(fields) in (1, 2)) or (
        shape == [("over", 0)] and len(fields) == 1) or (
        shape == [("over", 0), ("by", 1)] and len(fields) == 2)
    if not valid:
        raise SplError("chart takes OVER <row> [BY <column>] or BY <row> [<column>]",
                       search=search, position=keywords[0][2].position)
    return fields, spans, options


__all__ = ["PARSERS", "Chart", "Top"]
