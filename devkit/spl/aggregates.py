"""Statistical functions shared by `stats`, `eventstats`, `streamstats` and `timechart`.

Follows the Search Reference's "Statistical and charting functions":
- `count` counts results; `count(X)` counts the values of X (each value of a multivalue
  field once);
- `dc(X)` / `distinct_count(X)` the number of distinct values (each value of a
  multivalue field counts); `values(X)` the distinct values in lexicographical order;
  `list(X)` every value in order (at most 100);
- `sum`, `avg`/`mean`, `range` use the values that are numbers; null when none;
- `max(X)`/`min(X)`: numerically when some values are numbers (strings then ignored),
  else lexicographically;
- `latest(X)`/`earliest(X)`: X of the result with the greatest/least `_time` among those
  that have X (all its values); on equal times the first result seen wins (our choice);
  `latest_time`/`earliest_time` that `_time`, printed with six decimals as the "Time
  functions" page prints them;
- `first(X)`/`last(X)`: X of the first/last result (in the order received) that has it;
- `mode(X)` the most frequent value (the first seen on a tie);
- `median(X)` the middle-most of the values that are numbers, in numeric order; with an
  even number of them, the higher of the two middle-most ("Aggregate functions", median:
  "approximated to the higher of the two values"); null when none.
- `perc<P>(X)` (also `p<P>`, `exactperc<P>`, `upperperc<P>`) the P-th percentile of the
  numbers, between the two nearest ranks: the page's `perc50` of 10..1 is 5.5 and
  `perc95` 9.55 (the ranks counted as P*(n-1)/100, in that order of operations, which
  gives the page's 3858.35 too). Splunk estimates above 1000 distinct values; this
  engine computes the same formula exactly there (docs/decisions.md);
- `stdev`/`var` the sample standard deviation and variance, `stdevp`/`varp` the
  population ones, from the sum of squares as the sumsq example shows them
  (`stdev(temp)` of 65 42 40 31 47 53 64 is 12.615183595289349; one value gives 0),
  `sumsq` the sum of the squares.
Results are floats for numbers, strings, or lists for multivalue results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence

from .errors import SplError, SplUnsupported
from .lexer import Token
from .precision import with_decimals
from .values import Value, added, normalize, to_number, to_text, values_of


@dataclass(frozen=True)
class Aggregation:
    function: str               # canonical name (dc, not distinct_count)
    field: Optional[str]        # None for a bare count
    name: str                   # the output field
    position: int
    parameter: Optional[float] = None  # the percentile of perc<P>
    allnum: bool = False  # the command's allnum=true: numbers only from all-number groups


def _numbers(events: Sequence[dict], field: str) -> List[float]:
    return [n for e in events for v in values_of(e.get(field))
            for n in [to_number(v)] if n is not None]


def _all_values(events: Sequence[dict], field: str) -> list:
    return [v for e in events for v in values_of(e.get(field))]


def _count(events, field):
    if field is None:
        return float(len(events))
    return float(len(_all_values(events, field)))


def _dc(events, field):
    return float(len({to_text(v) for v in _all_values(events, field)}))


def _sum(events, field):
    numbers = _numbers(events, field)
    return added(numbers) if numbers else None


def _avg(events, field):
    numbers = _numbers(events, field)
    return added(numbers) / len(numbers) if numbers else None


def _range(events, field):
    numbers = _numbers(events, field)
    return max(numbers) - min(numbers) if numbers else None


def _median(events, field):
    numbers = sorted(_numbers(events, field))
    if not numbers:
        return None
    # Odd: the middle one. Even: the page's default, the higher of the two middle ones,
    # which is the same index: len // 2.
    return numbers[len(numbers) // 2]


def _extreme(pick, events, field):
    values = _all_values(events, field)
    if not values:
        return None
    numbers = [n for v in values for n in [to_number(v)] if n is not None]
    if numbers:
        return float(pick(numbers))
    return pick(to_text(v) for v in values)


def _values(events, field):
    return normalize(sorted({to_text(v) for v in _all_values(events, field)}))


def _list(events, field):
    return normalize(_all_values(events, field)[:100])


def _mode(events, field):
    counts: Dict[str, int] = {}
    for value in _all_values(events, field):
        counts[to_text(value)] = counts.get(to_text(value), 0) + 1
    if not counts:
        return None
    best = max(counts.values())
    return next(v for v, n in counts.items() if n == best)


def _timed(latest: bool, want_time: bool, events, field):
    best, best_time = None, None
    for event in events:
        value = event.get(field)
        moment = to_number(event.get("_time"))
        if value is None or moment is None:
            continue
        if best_time is None or (moment > best_time if latest else moment < best_time):
            best, best_time = value, moment
    if want_time:  # "Time functions": earliest_time(_value) prints 1702920600.000000
        return None if best_time is None else with_decimals(best_time, 6)
    return normalize(values_of(best)) if best is not None else None


def _sumsq(events, field):
    numbers = _numbers(events, field)
    return added(n * n for n in numbers) if numbers else None


def _spread(sample: bool, root: bool, events, field):
    """The variance (or its root) from the count, mean and sum of squares."""
    numbers = _numbers(events, field)
    if not numbers:
        return None
    count = len(numbers)
    mean = added(numbers) / count
    squares = added(n * n for n in numbers) - count * mean * mean
    divisor = count - 1 if sample else count
    variance = max(squares / divisor, 0.0) if divisor else 0.0
    return variance ** 0.5 if root else variance


def percentile(events, field, rank: float):
    """The `rank`-th percentile of the numbers, between the two nearest ranks."""
    numbers = sorted(_numbers(events, field))
    if not numbers:
        return None
    scaled = rank * (len(numbers) - 1)
    low = int(scaled // 100)
    fraction = (scaled - low * 100) / 100
    high = min(low + 1, len(numbers) - 1)
    return numbers[low] + (numbers[high] - numbers[low]) * fraction


def _first(last: bool, events, field):
    ordered = reversed(events) if last else events
    for event in ordered:
        value = event.get(field)
        if value is not None:
            return value
    return None


# The variants are partial applications, not closures built at import, so that each call
# runs the module-level function (and `build.py mutate` can swap in its mutants).
FUNCTIONS: Dict[str, Callable[[Sequence[dict], Optional[str]], Value]] = {
    "count": _count, "dc": _dc, "sum": _sum, "avg": _avg, "median": _median,
    "range": _range, "max": partial(_extreme, max), "min": partial(_extreme, min),
    "values": _values, "list": _list, "mode": _mode, "latest": partial(_timed, True, False),
    "earliest": partial(_timed, False, False), "latest_time": partial(_timed, True, True),
    "earliest_time": partial(_timed, False, True), "first": partial(_first, False),
    "last": partial(_first, True), "sumsq": _sumsq,
    "stdev": partial(_spread, True, True), "stdevp": partial(_spread, False, True),
    "var": partial(_spread, True, False), "varp": partial(_spread, False, False),
}
_PERCENTILE = re.compile(r"(perc|p|exactperc|upperperc)(\d+(?:\.\d+)?)")
ALIASES = {"distinct_count": "dc", "mean": "avg", "c": "count"}

_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*(?:\.\d+)?)\((.*)\)\Z", re.DOTALL)


def parse_aggregations(tokens: List[Token], search: Optional[str], command: str,
                       position: int) -> tuple:
    """`count AS n dc(x) AS y max(z)` -> ([Aggregation...], index of the first token after
    them). Stops at `by`/`BY` or at the end; `position` is the command's, for errors."""
    aggregations: List[Aggregation] = []
    named: Dict[str, str] = {}  # each term's default name -> the name it is given
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.raw.lower() == "by":
            break
        match = _CALL.match(token.raw)
        if match:
            name, argument = match.group(1), match.group(2).strip()
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token.raw):
            name, argument = token.raw, ""
        else:
            raise SplError(f"{command}: expected a statistical function, found "
                           f"'{token.raw}'", search=search, position=token.position)
        function = ALIASES.get(name.lower(), name.lower())
        parameter = None
        rank = _PERCENTILE.fullmatch(function)
        if rank:
            function, parameter = "perc", float(rank.group(2))
            if parameter > 100:
                raise SplError(f"{command}: a percentile is from 0 to 100, not "
                               f"{rank.group(2)}", search=search, position=token.position)
        elif function not in FUNCTIONS:
            raise SplUnsupported(f"unsupported {command} function '{name}'", search=search,
                                 position=token.position)
        if "(" in argument:
            raise SplUnsupported(f"unsupported {command} function argument "
                                 f"'{argument}' (eval expressions)", search=search,
                                 position=token.position)
        if not argument and function != "count":
            raise SplError(f"{command}: function '{name}' needs a field", search=search,
                           position=token.position)
        field = _unquoted(argument) or None
        if field is not None and "*" in field:
            raise SplUnsupported(f"unsupported {command} wildcard field '{argument}'",
                                 search=search, position=token.position)
        # Aggregate functions, perc: `perc50('visitors total')` is the column
        # "perc50(visitors total)" (a double-quoted name keeps its quotes).
        shown = field if argument.startswith("'") else argument
        default_name = f"{name}({shown})" if argument else name
        i += 1
        output = default_name
        if i < len(tokens) and tokens[i].raw.lower() == "as":
            if i + 1 >= len(tokens):
                raise SplError(f"{command}: AS needs a name", search=search,
                               position=tokens[i].position)
            output = _unquoted(tokens[i + 1].text)  # `as 'visitors total'` too
            i += 2
        # "You can't rename one field with multiple names ... `stats first(host) AS
        # site, first(host) AS report` is not valid" (Search Reference, "rename").
        if named.setdefault(default_name, output) != output:
            raise SplError(f"{command}: '{default_name}' cannot be named twice "
                           f"('{named[default_name]}' and '{output}')", search=search,
                           position=token.position)
        aggregations.append(Aggregation(function, field, output, token.position, parameter))
    if not aggregations:
        raise SplError(f"{command} needs at least one statistical function", search=search,
                       position=position)
    return aggregations, i


def _unquoted(text: str) -> str:
    """A field name written in double or single quotes, without them."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


# The functions that compute on numbers, which allnum=true withholds from a group that
# has a value that is not a number ("stats": "If true, computes numerical statistics on
# each field if and only if all of the values of that field are numerical"; "eventstats",
# Using the allnum argument: "The allnum=true argument applies to empty values as well as
# alphabetic character values").
NUMERICAL = frozenset(("sum", "avg", "range", "sumsq", "stdev", "stdevp", "var", "varp",
                       "perc"))


def _all_numbers(events: Sequence[dict], field: str) -> bool:
    for event in events:
        values = values_of(event.get(field))
        if not values or any(to_number(v) is None for v in values):
            return False
    return True


def summarize(aggregations: Sequence[Aggregation], events: Sequence[dict]) -> Dict[str, Value]:
    """{name: value} of each aggregation over `events`, those with no value left out:
    one row of `stats`, `chart` or `timechart`."""
    out = {}
    for aggregation in aggregations:
        value = compute(aggregation, events)
        if value is not None:
            out[aggregation.name] = value
    return out


def compute(aggregation: Aggregation, events: Sequence[dict]) -> Value:
    if aggregation.allnum and aggregation.function in NUMERICAL and not _all_numbers(
            events, aggregation.field):
        return None
    if aggregation.parameter is not None:
        return percentile(events, aggregation.field, aggregation.parameter)
    return FUNCTIONS[aggregation.function](events, aggregation.field)
