"""The split-by series of `chart` and `timechart`: which column each result counts in,
which columns are kept, and the value of each cell.

Follows the Search Reference pages "chart" and "timechart":
- a result counts in the series of each value of the split-by field (a multivalue
  field in each of its values; `dedup_splitvals=true` counts a repeated value once);
  a result without the field counts in the `nullstr` (NULL) series when `usenull=true`
  (the default), else in none;
- `limit=N` (`top N`, the default 10) keeps the N series with the highest score,
  `limit=bottom N` the N lowest, `limit=0` all of them; the score of a series is the
  sum of its cells (the page: "the sum of the values in the aggregation for that
  split-by value"); ties are broken lexicographically on the series value ("BAR"
  before "bar" before "foo");
- the series left out are gathered in the `otherstr` (OTHER) series when
  `useother=true` (the default), else dropped.
Where the pages are silent (each in docs/decisions.md): the NULL series is not
ranked against the limit; the OTHER cell is the aggregation over the results of every
series left out (for `count`, the sum of their counts); the kept series are shown in
lexicographic order, then NULL, then OTHER; an empty `count` or `dc` cell is 0 and any
other empty cell is left empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Hashable, List, Optional, Sequence, Tuple

from .aggregates import Aggregation, compute
from .commands import Options, bool_option, text_option
from .errors import SplError
from .values import Value, to_number, to_text, values_of


@dataclass(frozen=True)
class SeriesOptions:
    limit: int = 10
    bottom: bool = False
    useother: bool = True
    usenull: bool = True
    nullstr: str = "NULL"
    otherstr: str = "OTHER"
    dedup: bool = False  # dedup_splitvals


SERIES_OPTION_NAMES = ("limit", "useother", "usenull", "nullstr", "otherstr",
                       "dedup_splitvals")


def parse_series_options(options: Options, command: str,
                         search: Optional[str]) -> SeriesOptions:
    """`limit=[top|bottom]<N>`, `useother`, `usenull`, `nullstr`, `otherstr` and
    `dedup_splitvals`, with the pages' defaults."""
    limit, bottom = 10, False
    if "limit" in options:
        value, token = options["limit"]
        match = re.fullmatch(r"\s*(top|bottom)?\s*(\d+)\s*", value, re.IGNORECASE)
        if not match:
            raise SplError(f"{command}: limit needs a number, top<N> or bottom<N>, not "
                           f"{value!r}", search=search, position=token.position)
        bottom = (match.group(1) or "").lower() == "bottom"
        limit = int(match.group(2))
    return SeriesOptions(limit, bottom, bool_option(options, "useother", True, search),
                         bool_option(options, "usenull", True, search),
                         text_option(options, "nullstr", "NULL"),
                         text_option(options, "otherstr", "OTHER"),
                         bool_option(options, "dedup_splitvals", False, search))


def series_of(row: dict, field: str, options: SeriesOptions) -> List[str]:
    """The series a result counts in (none when it lacks the field and usenull=false)."""
    values = [to_text(v) for v in values_of(row.get(field))]
    if not values:
        return [options.nullstr] if options.usenull else []
    return list(dict.fromkeys(values)) if options.dedup else values


def cell(aggregation: Aggregation, members: Sequence[dict]) -> Value:
    """One cell: the aggregation over its results (an empty count or dc is 0)."""
    if not members and aggregation.function not in ("count", "dc"):
        return None
    return compute(aggregation, members)


@dataclass
class Table:
    """Cells by row key: the kept series' columns in order and each row's values."""

    columns: List[str]
    cells: Dict[Hashable, Dict[str, Value]]


def tabulate(buckets: Dict[Hashable, Dict[str, List[dict]]], rows: Sequence[Hashable],
             aggregation: Aggregation, options: SeriesOptions) -> Table:
    """The table of `aggregation` over `buckets` (row key -> series -> results), with
    the series kept by the limit, then NULL and OTHER as the options say."""
    every = {s for by_series in buckets.values() for s in by_series}
    values: Dict[Tuple[Hashable, str], Value] = {
        (row, s): cell(aggregation, buckets.get(row, {}).get(s, []))
        for row in rows for s in every}
    ranked = [s for s in every if not (options.usenull and s == options.nullstr)]
    scores = {s: sum(n for row in rows for n in [to_number(values[(row, s)])]
                     if n is not None) for s in ranked}
    if options.bottom:
        ranked.sort(key=lambda s: (scores[s], s))
    else:
        ranked.sort(key=lambda s: (-scores[s], s))
    kept = ranked[:options.limit] if options.limit else ranked
    others = [s for s in ranked if s not in kept]
    columns = sorted(kept)
    if options.usenull and options.nullstr in every:
        columns.append(options.nullstr)
    cells: Dict[Hashable, Dict[str, Value]] = {}
    for row in rows:
        cells[row] = {s: values[(row, s)] for s in columns}
        if others and options.useother:
            pooled = [m for s in others for m in buckets.get(row, {}).get(s, [])]
            cells[row][options.otherstr] = cell(aggregation, pooled)
    if others and options.useother:
        columns.append(options.otherstr)
    return Table(columns, cells)

