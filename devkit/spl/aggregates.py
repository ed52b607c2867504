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
  `latest_time`/`earliest_time` that `_time`;
- `first(X)`/`last(X)`: X of the first/last result (in the order received) that has it;
- `mode(X)` the most frequent value (the first seen on a tie);
- `median(X)` the middle-most of the values that are numbers, in numeric order; with an
  even number of them, the average of the two middle-most ("Aggregate functions",
  median); null when none.
Results are floats for numbers, strings, or lists for multivalue results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence

from .errors import SplError, SplUnsupported
from .lexer import Token
from .values import Value, normalize, to_number, to_text, values_of


@dataclass(frozen=True)
class Aggregation:
    function: str               # canonical name (dc, not distinct_count)
    field: Optional[str]        # None for a bare count
    name: str                   # the output field
    position: int


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
    return float(sum(numbers)) if numbers else None


def _avg(events, field):
    numbers = _numbers(events, field)
    return sum(numbers) / len(numbers) if numbers else None


def _range(events, field):
    numbers = _numbers(events, field)
    return max(numbers) - min(numbers) if numbers else None


def _median(events, field):
    numbers = sorted(_numbers(events, field))
    if not numbers:
        return None
    middle = len(numbers) // 2
    if len(numbers) % 2:
        return numbers[middle]
    return (numbers[middle - 1] + numbers[middle]) / 2


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
    if want_time:
        return best_time
    return normalize(values_of(best)) if best is not None else None


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
    "last": partial(_first, True),
}
ALIASES = {"distinct_count": "dc", "mean": "avg", "c": "count"}

_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\((.*)\)\Z", re.DOTALL)


def parse_aggregations(tokens: List[Token], search: Optional[str], command: str,
                       position: int) -> tuple:
    """`count AS n dc(x) AS y max(z)` -> ([Aggregation...], index of the first token after
    them). Stops at `by`/`BY` or at the end; `position` is the command's, for errors."""
    aggregations: List[Aggregation] = []
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
        if function not in FUNCTIONS:
            raise SplUnsupported(f"unsupported {command} function '{name}'", search=search,
                                 position=token.position)
        if "(" in argument:
            raise SplUnsupported(f"unsupported {command} function argument "
                                 f"'{argument}' (eval expressions)", search=search,
                                 position=token.position)
        if not argument and function != "count":
            raise SplError(f"{command}: function '{name}' needs a field", search=search,
                           position=token.position)
        field = argument.strip('"') or None
        default_name = f"{name}({argument})" if argument else name
        i += 1
        output = default_name
        if i < len(tokens) and tokens[i].raw.lower() == "as":
            if i + 1 >= len(tokens):
                raise SplError(f"{command}: AS needs a name", search=search,
                               position=tokens[i].position)
            output = tokens[i + 1].text
            i += 2
        aggregations.append(Aggregation(function, field, output, token.position))
    if not aggregations:
        raise SplError(f"{command} needs at least one statistical function", search=search,
                       position=position)
    return aggregations, i


def compute(aggregation: Aggregation, events: Sequence[dict]) -> Value:
    return FUNCTIONS[aggregation.function](events, aggregation.field)
