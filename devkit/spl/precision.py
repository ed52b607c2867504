"""The precision eval keeps with decimal numbers, and how it prints them.

Splunk's eval does not print every double in full: a number written with a decimal
point carries its precision, and arithmetic passes it on. The Search Reference states
the rules and shows them:
- "eval", Rounding: "Results are rounded to a precision appropriate to the precision of
  the input results": `8.250 * 0.2` is 2, `8.250 * 0.20` is 1.7, `8.250 * 0.200` is 1.65,
  and `8.250 * exact(0.2)` is 1.650;
- "Mathematical functions", sigfig: "For multiplication and division, the result should
  have the minimum number of significant figures of all of the operands. For addition
  and subtraction, the result should have the same number of decimal places as the
  least precise number"; `1.00*1111` is 1111 (no digit left of the point is dropped),
  and `sigfig(1.00*1111)` is 1110;
- "Statistical eval functions" and "Mathematical functions", sum: `eval a = 5.0` is 5.0;
- "makeresults": `round(random()/random(),4)` prints 0.8050 (round's places are kept);
- "Date and Time functions": strptime() and time() print six decimals
  (1534143600.000000).

So: a number written with a decimal point (`0.014`, or a field value "0.014") has as
many decimal places as it shows and its significant figures (2 here); a whole number
(`3`, "1111") is exact, as are numbers that functions compute (`random()/random()`
prints 17 digits) and `exact()`. A product or quotient keeps the fewest significant
figures of its operands that are not exact and prints as many decimals as those allow
(never dropping digits left of the point); a sum, difference or remainder keeps the
fewest decimal places. Within an expression the double is used in full (Splunk's
wiki, "Community:BadMath": with a=3 and c=0.5, `a * c` prints 2 but `exact(a * c)` is
1.5); the value eval stores in a field is the one it prints, as Splunk passes field
values on as text (so `eval x=8.250*0.2 | where x=2` keeps the result; our reading).
"""

from __future__ import annotations

import math
import re
from typing import Any, Optional, Tuple

from .values import Precise, to_number

# A decimal number with a fractional part, as written ("8.250", "-0.014", ".5").
_DECIMAL = re.compile(r"\s*[+-]?(\d*)\.(\d+)\s*\Z")

Measure = Optional[Tuple[int, int]]  # (decimals, significant figures); None is exact


def measure(value: Any) -> Measure:
    """The precision of a single value: a Precise's own, a decimal text's, else exact."""
    if isinstance(value, Precise):
        return value.decimals, value.sigfigs
    if isinstance(value, str):
        match = _DECIMAL.match(value)
        if match:
            digits = (match.group(1) + match.group(2)).lstrip("0")
            return len(match.group(2)), max(len(digits), 1)
    return None


def _magnitude(number: float) -> int:
    """The power of ten of the first significant digit (0 for 1.65, -3 for 0.00322)."""
    return math.floor(math.log10(abs(number))) if number else 0


def _rounded(number: float, decimals: int) -> float:
    return float(format(number, f".{decimals}f"))


def with_decimals(number: float, decimals: int) -> Precise:
    """`number` printed with `decimals` places (its significant figures follow)."""
    decimals = max(decimals, 0)
    shown = _rounded(number, decimals)
    return Precise(number, decimals, max(decimals + 1 + _magnitude(shown), 1))


def with_sigfigs(number: float, sigfigs: int) -> Precise:
    """`number` printed with the decimals its `sigfigs` allow, keeping every digit left
    of the point (`1.00*1111` is 1111)."""
    return Precise(number, max(sigfigs - 1 - _magnitude(number), 0), sigfigs)


def settle(value: Any) -> Any:
    """A value as eval stores it in a field: a Precise number becomes what it prints."""
    if isinstance(value, Precise):
        return Precise(_rounded(value, value.decimals), value.decimals, value.sigfigs)
    if isinstance(value, list):
        return [settle(v) for v in value]
    return value


def combine(op: str, result: float, left: Any, right: Any) -> float:
    """The result of `left op right` with the precision the operands give it."""
    if not math.isfinite(result):
        return result
    measures = [m for m in (measure(left), measure(right)) if m is not None]
    if not measures:
        return result
    if op in ("*", "/"):
        return with_sigfigs(result, min(sigfigs for _, sigfigs in measures))
    return with_decimals(result, min(decimals for decimals, _ in measures))


def parse_number(text: str) -> Optional[float]:
    """A number's text as eval reads it: a decimal keeps its places ("16.00")."""
    number = to_number(text)
    if number is None:
        return None
    precision = measure(text)
    return Precise(number, *precision) if precision else number


def significant(value: float) -> float:
    """sigfig(): a Precise rounded to its significant figures, digits left of the point
    included (sigfig(1.00*1111) is 1110); an exact number as it is."""
    if not isinstance(value, Precise) or not value:
        return value
    rounded = float(format(float(value), f".{value.sigfigs}g"))
    return settle(with_sigfigs(rounded, value.sigfigs))


__all__ = ["Measure", "combine", "measure", "parse_number", "settle", "significant",
           "with_decimals", "with_sigfigs"]
