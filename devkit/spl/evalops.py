"""The values and operators of eval expressions, with Splunk's nulls (see evalexpr.py
for the rules they follow): the `Context` an expression reads besides the event, the
compiled form of an expression, string literals, and the operators the parser builds
expressions from."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from .errors import SplError
from .precision import combine
from .values import compare, to_number, to_text, values_of


@dataclass
class Context:
    """What an expression may read besides the event: the run's dispatch time and zone."""

    now: float = 0.0
    tz: Any = "UTC"
    search: Optional[str] = None
    extra: Dict[str, Any] = field(default_factory=dict)


Compiled = Callable[[dict, Context], Any]


class Literal:
    """A double-quoted string as written in the expression. Functions that treat a
    literal string differently from a field's value (tonumber, tostring) can tell."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self, event: dict, context: Context) -> str:
        return self.text


def truth(value: Any) -> Optional[bool]:
    """A condition's truth: booleans as they are, null as None; anything else is an
    error in Splunk (a field is not a condition), reported by the caller."""
    if value is None or isinstance(value, bool):
        return value
    raise SplError("the expression is not a condition (it gives a value, not true/false)")


def logical_and(left: Compiled, right: Compiled) -> Compiled:
    def run(e, c):
        a = truth(left(e, c))
        if a is False:
            return False
        b = truth(right(e, c))
        if b is False:
            return False
        return None if a is None or b is None else True
    return run


def logical_or(left: Compiled, right: Compiled) -> Compiled:
    def run(e, c):
        a = truth(left(e, c))
        if a is True:
            return True
        b = truth(right(e, c))
        if b is True:
            return True
        return None if a is None or b is None else False
    return run


def logical_xor(left: Compiled, right: Compiled) -> Compiled:
    def run(e, c):
        a, b = truth(left(e, c)), truth(right(e, c))
        return None if a is None or b is None else a != b
    return run


def logical_not(operand: Compiled) -> Compiled:
    def run(e, c):
        a = truth(operand(e, c))
        return None if a is None else not a
    return run


_TESTS = {
    "=": lambda r: r == 0, "==": lambda r: r == 0, "!=": lambda r: r != 0,
    "<": lambda r: r < 0, ">": lambda r: r > 0, "<=": lambda r: r <= 0, ">=": lambda r: r >= 0,
}


def comparison(op: str, left: Compiled, right: Compiled) -> Compiled:
    test = _TESTS[op]

    def run(e, c):
        a, b = left(e, c), right(e, c)
        if a is None or b is None:
            return None
        if type(a) is not list and type(b) is not list:  # one value each: no generator
            return not isinstance(a, bool) and not isinstance(b, bool) and test(compare(a, b))
        return any(test(compare(x, y)) for x in values_of(a) for y in values_of(b)
                   if not isinstance(x, bool) and not isinstance(y, bool))
    return run


def like_pattern(pattern: str) -> re.Pattern[str]:
    """SQL LIKE: `%` any run of characters, `_` one character (case-sensitive)."""
    parts = []
    for char in pattern:
        parts.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def like(left: Compiled, right: Compiled) -> Compiled:
    def run(e, c):
        a, b = left(e, c), right(e, c)
        if a is None or b is None:
            return None
        regex = like_pattern(to_text(b) if not isinstance(b, list) else to_text(b[0]))
        return any(regex.match(to_text(v)) for v in values_of(a))
    return run


def in_values(left: Compiled, options: List[Compiled]) -> Compiled:
    def run(e, c):
        a = left(e, c)
        if a is None:
            return None
        wanted = [o(e, c) for o in options]
        return any(compare(x, y) == 0 for x in values_of(a) for w in wanted
                   for y in values_of(w))
    return run


def single(value: Any) -> Any:
    """Operands of arithmetic must be single values (a multivalue field gives null)."""
    return None if isinstance(value, (list, bool)) else value


def arithmetic(op: str, left: Compiled, right: Compiled) -> Compiled:
    """`left op right`. A double-quoted string is a string even when it reads as a
    number ("eval": "The plus ( + ) operator accepts two numbers for addition, or two
    strings for concatenation"; "Mathematical functions", sum: `sum(1, 2, "3")` fails
    "because one of the arguments in the function is a string"): `"1" + "2"` is "12",
    and a quoted string in any other arithmetic gives null. A field's value that reads
    as a number is that number."""
    quoted = isinstance(left, Literal) or isinstance(right, Literal)

    def run(e, c):
        a, b = single(left(e, c)), single(right(e, c))
        if a is None or b is None:
            return None
        if op == ".":
            return to_text(a) + to_text(b)
        if quoted:
            both_text = all(isinstance(v, str) for v in (a, b))
            return to_text(a) + to_text(b) if op == "+" and both_text else None
        x, y = to_number(a), to_number(b)
        if x is None or y is None:
            if op == "+" and x is None and y is None:
                return to_text(a) + to_text(b)
            return None
        if op == "+":
            result = x + y
        elif op == "-":
            result = x - y
        elif op == "*":
            result = x * y
        elif y == 0:
            return None  # "Division by zero results in a null field"
        else:
            result = x / y if op == "/" else math.fmod(x, y)
        return combine(op, result, a, b)
    return run


__all__ = ["Compiled", "Context", "Literal", "arithmetic", "comparison", "in_values", "like",
           "like_pattern", "logical_and", "logical_not", "logical_or", "logical_xor",
           "single", "truth"]
