"""Field values as the engine holds them, with Splunk's typing rules.

A field is absent (null), a single value (`str`, or `float` for a number an eval or stats
function computed) or a multivalue field (a `list` of two or more of those). Event fields
arrive as strings; Splunk treats a string that looks like a number as that number in
arithmetic, comparisons and numeric sorts, which `to_number` decides.

A number eval computed from decimal numbers keeps their precision (see precision.py): it
is a `Precise`, a float that prints with a fixed number of decimal places (`5.0`,
`0.8050`). Any other number prints as Splunk prints a double: integers without a
fraction, else the shortest text that reads back as the same double (up to 17
significant digits: `3.9900000000000055`, as the "sigfig" example of the Search
Reference's Mathematical functions shows `stats avg`).
"""

from __future__ import annotations

import math
import operator
import re
from functools import reduce
from typing import Any, Iterable, List, Optional, Union

Single = Union[str, float]
Value = Union[str, float, List[Single], None]

# Splunk's numeric strings: decimal, optional sign, fraction and exponent ("1e3", "-.5").
_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*\Z")


def values_of(value: Value) -> List[Single]:
    """Every value of a field: [] for null, the list for a multivalue field."""
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if v is not None]
    return [value]


def normalize(values: List[Single]) -> Value:
    """A list of values as a field: null when empty, single when one."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return list(values)


def to_number(value: Any) -> Optional[float]:
    """The number a single value stands for, or None (bools and text are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


class Precise(float):
    """A number with the precision eval tracks: printed with `decimals` places, and
    `sigfigs` significant figures for the multiplications and divisions it takes part
    in (precision.py holds the rules)."""

    def __new__(cls, value: float, decimals: int, sigfigs: int) -> Precise:
        number = super().__new__(cls, value)
        number.decimals = decimals
        number.sigfigs = sigfigs
        return number

    def __repr__(self) -> str:
        return f"Precise({format_number(self)})"


def added(numbers: Iterable[float]) -> float:
    """The numbers added one after the other, as doubles, the way Splunk adds them.

    Not `sum()`: from Python 3.12 it compensates for rounding (Neumaier), which Splunk
    does not, and the Search Reference prints Splunk's rounding: avg of 100 values of 3.99
    is 3.9900000000000055 ("Aggregate functions", avg). A plain left-to-right addition
    gives that on every Python the devkit runs on."""
    return reduce(operator.add, numbers, 0.0)


def format_number(number: float) -> str:
    """A number as Splunk prints it: a `Precise` with its decimal places; integers
    without a fraction; else the shortest text of the double (Python's repr)."""
    if isinstance(number, Precise) and math.isfinite(number):
        return format(float(number), f".{number.decimals}f")
    if math.isfinite(number) and number == int(number) and abs(number) < 1e16:
        return str(int(number))
    if math.isnan(number):
        return "nan"
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    return repr(float(number))


def to_text(value: Single) -> str:
    """One value as text (numbers formatted as Splunk prints them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return format_number(value if isinstance(value, float) else float(value))
    return value


def format_value(value: Value, separator: str = "\n") -> str:
    """A field as one string: multivalue fields joined with `separator`, null as ""."""
    return separator.join(to_text(v) for v in values_of(value))


def sort_key(value: Single):
    """Splunk's automatic collation: numbers (numerically) before strings (lexically)."""
    number = to_number(value)
    if number is not None:
        return (0, number, "")
    return (1, 0.0, to_text(value))


def compare(left: Single, right: Single) -> int:
    """-1, 0 or 1: numerically when both are numbers, else as strings (case-sensitive)."""
    a, b = to_number(left), to_number(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    x, y = to_text(left), to_text(right)
    return (x > y) - (x < y)
