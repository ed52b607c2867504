"""Commands that put time into bins: `bin` (alias `bucket`) and `timechart`, and the
span a timechart chooses when none is given. Each follows its Search Reference page.

Spans are `<n><unit>` with the units of times.py; `q` and `y` bin as 3 and 12 months
(quarters and years start in January, as month bins count from January 1970). Week
spans and subsecond spans are refused: the pages do not say where a week bin starts.
"""

from __future__ import annotations

import math
import re
from typing import Dict, List, Optional, Tuple

from . import times
from .aggregates import Aggregation, parse_aggregations, summarize
from .commands import (
    Command,
    Parser,
    bool_option,
    field_names,
    int_option,
    refuse_options,
    registrar,
    split_by,
    take_options,
)
from .errors import SplError, SplUnsupported
from .lexer import split_option, tokenize
from .series import (
    SERIES_OPTION_NAMES,
    SeriesOptions,
    parse_series_options,
    series_of,
    tabulate,
)
from .values import format_number, to_number, values_of

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)

Span = Tuple[int, str]  # (count, unit) with unit s, m, h, d or mon


def parse_bin_span(text: str, command_name: str, search: Optional[str], position: int,
                   snaps: bool = False) -> Span:
    """A bin span (`30m`, `1h`, `1d`, `1mon`, `1q`...) as (count, unit); with `snaps`,
    also timechart's week span snapped to a weekday, `w@w1` (unit "w1": weeks that
    start on Monday; `@w` and `@w0` on Sunday), the only week span the timechart page
    allows ("You can only use week spans with the snap-to span argument")."""
    week = re.fullmatch(r"\s*1?w@w([0-7]?)\s*", text, re.IGNORECASE) if snaps else None
    if week:
        return 1, f"w{int(week.group(1) or 0) % 7}"
    if "@" in text or re.fullmatch(r"\s*[\d.]*log[\d.]*\s*", text, re.IGNORECASE) or \
            re.fullmatch(r"\s*\d+\s*(us|ms|cs|ds|w|wk|wks|week|weeks)\s*", text,
                         re.IGNORECASE):
        raise SplUnsupported(f"unsupported {command_name} span {text!r} (log, snap-to, "
                             f"week and subsecond spans)", search=search, position=position)
    try:
        count, unit = times.parse_span(text)
    except SplError as error:
        raise SplError(f"{command_name}: {error.detail}", search=search,
                       position=position) from None
    if unit in ("q", "y"):
        return count * (3 if unit == "q" else 12), "mon"
    return count, unit


def bin_start(epoch: float, span: Span, tz) -> float:
    """The start of the bin of `span` that holds `epoch`."""
    count, unit = span
    if unit.startswith("w"):
        return times.snap(epoch, "w", tz, int(unit[1:]))
    return times.bucket(epoch, count, unit, tz)


def next_bin(moment: float, span: Span, tz) -> float:
    """The start of the bin after the one starting at `moment`."""
    count, unit = span
    if unit in times.SECONDS:
        return moment + count * times.SECONDS[unit]
    # Calendar bins: step past the bin's end (a day may be 23 or 25 hours), then snap.
    if unit.startswith("w"):
        return bin_start(moment + 7 * 86400 + 7200, span, tz)
    step = 86400 * count + 7200 if unit == "d" else 32 * 86400 * count
    return times.bucket(moment + step, count, unit, tz)


# The span thresholds of the timechart page's "Spans used when minspan is specified"
# (the default spans of its table for the time range picker follow from them and
# bins=100): the last, 30 days, is a calendar month bin ("Previous year: 1 month").
SPAN_THRESHOLDS = ((1, (1, "s")), (5, (5, "s")), (10, (10, "s")), (30, (30, "s")),
                   (60, (1, "m")), (300, (5, "m")), (600, (10, "m")), (1800, (30, "m")),
                   (3600, (1, "h")), (86400, (1, "d")), (2592000, (1, "mon")))


def automatic_span(length: float, bins: int = 100, minspan: float = 0.0) -> Span:
    """The smallest threshold span of at least `minspan` that cuts `length` seconds into
    at most `bins` bins; the largest (a month) when none does."""
    for seconds, span in SPAN_THRESHOLDS:
        if seconds >= minspan and length / seconds <= bins:
            return span
    return SPAN_THRESHOLDS[-1][1]


class Timechart(Command):
    """timechart: Search Reference "timechart": one row per time bin (`_time`), one
    column per aggregation or, with `BY <field>`, per series of that field (see
    series.py: `limit` ranks series by the sum of their cells, `useother`, `usenull`,
    `nullstr`, `otherstr`, `dedup_splitvals`).

    The bins cover the search's time range (`fixedrange=true`, the default; without a
    range, or with `fixedrange=false`, the span of the results). Without `span`, the
    span is the smallest of 1s 5s 10s 30s 1m 5m 10m 30m 1h 1d 1mon that is at least
    `minspan` and gives at most `bins` (100) bins. `cont=false` leaves out bins with
    no results; `partial=false` leaves out a first or last bin that reaches outside the
    search's time range. Empty `count` and `dc` cells are 0.
    """

    name = "timechart"

    def __init__(self, position, aggregations: List[Aggregation], by: Optional[str],
                 span: Optional[Span], bins: int, minspan: float, series: SeriesOptions,
                 cont: bool, partial: bool, fixedrange: bool):
        super().__init__(position)
        self.aggregations = aggregations
        self.by = by
        self.span = span
        self.bins = bins
        self.minspan = minspan
        self.series = series
        self.cont = cont
        self.partial = partial
        self.fixedrange = fixedrange

    def run(self, rows, context):
        timed = [(t, r) for r in rows for t in [to_number(r.get("_time"))] if t is not None]
        binned = self._bins(timed, context)
        if not self.cont:
            binned = {moment: members for moment, members in binned.items() if members}
        moments = sorted(binned)
        if not self.by:
            context.columns = ["_time", *(a.name for a in self.aggregations)]
            return [{"_time": moment, **summarize(self.aggregations, binned[moment])}
                    for moment in moments]
        buckets = {moment: {} for moment in moments}
        for moment in moments:
            for row in binned[moment]:
                for name in series_of(row, self.by, self.series):
                    buckets[moment].setdefault(name, []).append(row)
        table = tabulate(buckets, moments, self.aggregations[0], self.series)
        # "Splunk software prepends the field name with VALUE" when a series would
        # start with an underscore (an internal field's name): _audit is VALUE_audit.
        names = {c: f"VALUE{c}" if c.startswith("_") else c for c in table.columns}
        context.columns = ["_time", *names.values()]
        return [{"_time": moment, **{names[k]: v for k, v in table.cells[moment].items()
                                     if v is not None}} for moment in moments]

    def _range(self, timed, context) -> Tuple[Optional[float], Optional[float]]:
        first = min((t for t, _ in timed), default=None)
        last = max((t for t, _ in timed), default=None)
        if not self.fixedrange:
            return first, last
        start = context.earliest if context.earliest is not None else first
        end = context.latest if context.latest is not None else last
        return start, end

    def _bins(self, timed, context) -> Dict[float, List[dict]]:
        """Every bin of the range, with its results (none without a range)."""
        start, end = self._range(timed, context)
        if start is None or end is None:
            return {}
        span = self.span or automatic_span(end - start, self.bins, self.minspan)
        binned: Dict[float, List[dict]] = {}
        moment = bin_start(start, span, context.tz)
        while True:
            binned[moment] = []
            following = next_bin(moment, span, context.tz)
            if following >= end:
                break
            moment = following
        for t, row in timed:
            binned.setdefault(bin_start(t, span, context.tz), []).append(row)
        if not self.partial:
            ordered = sorted(binned)
            if context.earliest is not None and ordered and ordered[0] < context.earliest:
                del binned[ordered[0]]
            if context.latest is not None and ordered and next_bin(
                    ordered[-1], span, context.tz) > context.latest:
                binned.pop(ordered[-1], None)
        return binned


TIMECHART_OPTIONS = ("span", "bins", "minspan", "cont", "partial", "fixedrange",
                     *SERIES_OPTION_NAMES)
TIMECHART_REFUSED = ("agg", "format", "sep", "aligntime", "start", "end")


@command("timechart")
def parse_timechart(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    for token in split_by(tokens)[1]:
        option = split_option(token)
        if option is not None and option[0] in ("span", "bins", "minspan"):
            # "If you specify these arguments after the split-by field, Splunk software
            # assumes that you want to control the bins on the split-by field."
            raise SplUnsupported(f"unsupported timechart {option[0]} after the split-by "
                                 f"field (it would bin that field, not _time)",
                                 search=search, position=token.position)
    options, tokens = take_options(tokens, (*TIMECHART_OPTIONS, *TIMECHART_REFUSED),
                                   "timechart", search, anywhere=True)
    refuse_options(options, TIMECHART_REFUSED, "timechart", search)
    functions, by_tokens = split_by(tokens)
    aggregations, used = parse_aggregations(functions, search, "timechart", position)
    if used != len(functions):
        raise SplError(f"timechart: unexpected '{functions[used].raw}'", search=search,
                       position=functions[used].position)
    where = next((t for t in by_tokens if t.raw.lower() == "where" and not t.quoted), None)
    if where is not None:
        raise SplUnsupported("unsupported timechart where clause", search=search,
                             position=where.position)
    by = field_names(by_tokens, "timechart", search)
    if len(by) > 1:
        raise SplError("timechart takes one split-by field", search=search,
                       position=by_tokens[1].position)
    if by and len(aggregations) > 1:
        raise SplUnsupported("unsupported timechart with several functions and a by field",
                             search=search, position=aggregations[1].position)
    span = None
    if "span" in options:
        value, token = options["span"]
        span = parse_bin_span(value, "timechart", search, token.position, snaps=True)
    minspan = 0.0
    if "minspan" in options:
        value, token = options["minspan"]
        count, unit = parse_bin_span(value, "timechart", search, token.position)
        minspan = float(count * {**times.SECONDS, "d": 86400, "mon": 2592000}[unit])
    bins = int_option(options, "bins", 100, search)
    if bins < 1:
        raise SplError("timechart: bins must be at least 1", search=search,
                       position=options["bins"][1].position)
    return Timechart(position, aggregations, by[0] if by else None, span, bins, minspan,
                     parse_series_options(options, "timechart", search),
                     bool_option(options, "cont", True, search),
                     bool_option(options, "partial", True, search),
                     bool_option(options, "fixedrange", True, search))


def number_bin(number: float, width: float) -> Tuple[str, float]:
    """The bin of a number that is not a time: its label `lo-hi`, as Splunk shows it
    (`0-1`, `-1-0`), and its lower end."""
    low = math.floor(number / width) * width
    return f"{format_number(low)}-{format_number(low + width)}", low


class Bin(Command):
    """bin / bucket: Search Reference "bin": "If discretizing based on the _time field or
    used with a timescale, this is treated as a time range. If not, this is an absolute
    bin length": a time is snapped to the start of its `span` bin in the search's zone
    (see times.bucket), a number gets the range `lo-hi` of its bin, as Splunk shows it
    (`chart ... BY mag span=1` gives -1-0, 0-1, ...). `aligntime` counts second, minute
    and hour bins from `earliest`, `latest` (the search's range) or a time modifier
    resolved at the search's time (`aligntime=@d+3h`: 3am local), and is "Ignored if
    span is in days, months, or years"."""

    name = "bin"

    def __init__(self, position, field_name, span, alias, timed=False, aligntime=None):
        super().__init__(position)
        self.field = field_name
        self.span = span
        self.alias = alias or field_name
        self.timed = timed or field_name == "_time"
        self.aligntime = aligntime

    def run(self, rows, context):
        count, unit = self.span
        align = self._alignment(context)
        for row in rows:
            number = to_number(values_of(row.get(self.field))[0]) if row.get(
                self.field) is not None else None
            if number is None:
                continue
            if self.timed or unit != "s":
                row[self.alias] = times.bucket(number, count, unit, context.tz, align)
            else:
                row[self.alias] = number_bin(number, count)[0]
        return rows

    def _alignment(self, context) -> float:
        if self.aligntime is None:
            return 0.0
        if self.aligntime in ("earliest", "latest"):
            bound = context.earliest if self.aligntime == "earliest" else context.latest
            return 0.0 if bound is None else bound
        return times.resolve_time(self.aligntime, context.now, context.tz)


@command("bin", "bucket")
def parse_bin(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("span", "bins", "minspan", "start", "end",
                                            "aligntime"), "bin", search, anywhere=True)
    refuse_options(options, ("bins", "minspan", "start", "end"), "bin", search)
    if "span" not in options:
        raise SplUnsupported("unsupported bin without span=", search=search,
                             position=position)
    value, token = options["span"]
    span = parse_bin_span(value, "bin", search, token.position)
    aligntime = None
    if "aligntime" in options:
        aligntime, where = options["aligntime"]
        if aligntime not in ("earliest", "latest"):
            try:
                times.resolve_time(aligntime, 0.0, "UTC")
            except SplError as error:
                raise SplError(f"bin: aligntime: {error.detail}", search=search,
                               position=where.position) from None
    alias = None
    if len(tokens) == 3 and tokens[1].raw.lower() == "as":
        alias = tokens[2].text
        tokens = tokens[:1]
    if len(tokens) != 1:
        raise SplError("bin needs one field (optionally AS a new name)", search=search,
                       position=position)
    return Bin(position, tokens[0].text, span, alias,
               timed=re.search(r"[A-Za-z]", value) is not None, aligntime=aligntime)


__all__ = ["PARSERS", "SPAN_THRESHOLDS", "Bin", "Timechart", "automatic_span",
           "next_bin", "parse_bin_span"]
