"""The evaluation functions of eval and where, by name: each follows its page of the
Search Reference's "Evaluation functions" (Comparison and Conditional, Conversion,
Date and Time, Informational, Mathematical, Multivalue, Statistical eval and Text
functions). `FUNCTIONS` maps a name to (least arguments, most or None, builder), the
builder making the function's compiled form from its compiled arguments.
`mvfilter`, which reads a field of the event rather than values, is built by the
parser (evalexpr.py)."""

from __future__ import annotations

import functools
import math
import random
import re
import urllib.parse
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Callable, Dict, List, Optional, Tuple

from devkit.jsontext import JsonReader

from . import timeformat, times
from .errors import SplError, SplUnsupported
from .evalops import Compiled, Literal, in_values, like_pattern, single, truth
from .jsonpath import follow, parse_path
from .precision import parse_number, settle, significant, with_decimals
from .values import Precise, added, normalize, to_number, to_text, values_of

# Each entry: (least arguments, most arguments or None, builder(arguments) -> Compiled).

FUNCTIONS: Dict[str, Tuple[int, Optional[int], Callable[[List[Compiled]], Compiled]]] = {}


def function(name: str, low: int, high: Optional[int]):
    def register(builder):
        FUNCTIONS[name] = (low, high, builder)
        return builder
    return register


def simple(name: str, low: int, high: Optional[int]):
    """A function of its argument values (nulls included)."""
    def register(implementation):
        def builder(arguments):
            def run(e, c):
                return implementation(*[a(e, c) for a in arguments])
            return run
        FUNCTIONS[name] = (low, high, builder)
        return implementation
    return register


def with_context(name: str, low: int, high: Optional[int]):
    def register(implementation):
        def builder(arguments):
            def run(e, c):
                return implementation(c, *[a(e, c) for a in arguments])
            return run
        FUNCTIONS[name] = (low, high, builder)
        return implementation
    return register


def _number_of(value: Any) -> Optional[float]:
    return to_number(single(value))


@function("if", 3, 3)
def _if(arguments):
    condition, then, otherwise = arguments

    def run(e, c):
        return then(e, c) if truth(condition(e, c)) is True else otherwise(e, c)
    return run


@function("case", 2, None)
def _case(arguments):
    if len(arguments) % 2:
        raise SplError("case() takes pairs of condition and value")
    pairs = list(zip(arguments[::2], arguments[1::2]))

    def run(e, c):
        for condition, value in pairs:
            if truth(condition(e, c)) is True:
                return value(e, c)
        return None
    return run


@function("validate", 2, None)
def _validate(arguments):
    if len(arguments) % 2:
        raise SplError("validate() takes pairs of condition and value")
    pairs = list(zip(arguments[::2], arguments[1::2]))

    def run(e, c):
        for condition, value in pairs:
            if truth(condition(e, c)) is not True:
                return value(e, c)
        return None
    return run


@function("coalesce", 1, None)
def _coalesce(arguments):
    def run(e, c):
        for argument in arguments:
            value = argument(e, c)
            if value is not None:
                return value
        return None
    return run


@simple("isnull", 1, 1)
def _isnull(value):
    return value is None


@simple("isnotnull", 1, 1)
def _isnotnull(value):
    return value is not None


@simple("null", 0, 0)
def _null():
    return None


@simple("true", 0, 0)
def _true():
    return True


@simple("false", 0, 0)
def _false():
    return False


def informational(name: str):
    """An Informational function of one value. A double-quoted string given directly is
    a string, whatever it reads as ("when a "NaN" value is present as a literal string
    in an evaluator expression, it is considered a string, not a number"); a field's
    value that reads as a number is a number."""
    def register(implementation):
        def builder(arguments):
            argument = arguments[0]
            if isinstance(argument, Literal):
                return lambda e, c: implementation(argument(e, c), True)
            return lambda e, c: implementation(argument(e, c), False)
        FUNCTIONS[name] = (1, 1, builder)
        return implementation
    return register


@informational("isnum")
def _isnum(value, quoted):
    return not quoted and _number_of(value) is not None


@informational("isint")
def _isint(value, quoted):
    number = None if quoted else _number_of(value)
    return number is not None and number == int(number)


@informational("isstr")
def _isstr(value, quoted):
    return isinstance(value, str) and (quoted or to_number(value) is None)


@informational("typeof")
def _typeof(value, quoted):
    if value is None:
        return "Invalid"
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, list):
        return "Multivalue"
    return "Number" if not quoted and to_number(value) is not None else "String"


def _round_half_up(number: float, digits: int) -> float:
    try:
        quantum = Decimal(1).scaleb(-digits)
        return float(Decimal(repr(number)).quantize(quantum, rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return number


@simple("round", 1, 2)
def _round(value, digits=0.0):
    """Mathematical functions, round: half away from zero (round(2.555, 2) is 2.56),
    the places kept when printed (makeresults: round(..., 4) prints 0.8050)."""
    number, places = _number_of(value), _number_of(digits)
    if number is None or places is None:
        return None
    if places < 0:
        raise SplError("round(): the number of decimal places cannot be negative")
    rounded = _round_half_up(number, int(places))
    return settle(with_decimals(rounded, int(places))) if int(places) > 0 else rounded


@simple("ceiling", 1, 1)
def _ceiling(value):
    number = _number_of(value)
    return None if number is None else float(math.ceil(number))


FUNCTIONS["ceil"] = FUNCTIONS["ceiling"]


@simple("floor", 1, 1)
def _floor(value):
    number = _number_of(value)
    return None if number is None else float(math.floor(number))


@simple("abs", 1, 1)
def _abs(value):
    number = _number_of(value)
    return None if number is None else abs(number)


@simple("pow", 2, 2)
def _pow(base, exponent):
    x, y = _number_of(base), _number_of(exponent)
    try:
        return None if x is None or y is None else float(x ** y)
    except (OverflowError, ZeroDivisionError):
        return None


@simple("exp", 1, 1)
def _exp(value):
    number = _number_of(value)
    try:
        return None if number is None else math.exp(number)
    except OverflowError:
        return None


@simple("ln", 1, 1)
def _ln(value):
    number = _number_of(value)
    return None if number is None or number <= 0 else math.log(number)


@simple("log", 1, 2)
def _log(value, base=10.0):
    """Mathematical functions, log: "If the second argument <base> is omitted, this
    function evaluates the logarithm of number with base 10"."""
    number, radix = _number_of(value), _number_of(base)
    if number is None or radix is None or number <= 0 or radix <= 0 or radix == 1:
        return None
    return math.log10(number) if radix == 10 else math.log(number, radix)


@simple("pi", 0, 0)
def _pi():
    """Mathematical functions, pi: "the constant pi to 11 digits of precision"."""
    return with_decimals(round(math.pi, 11), 11)


@simple("random", 0, 0)
def _random():
    """Statistical eval functions, random: "a pseudo-random integer ranging from zero
    to 2^31-1"."""
    return float(_RANDOM.randint(0, 2 ** 31 - 1))


_RANDOM = random.Random()


def _sum_of(arguments, name: str):
    """The numbers of sum() and avg(): "Each argument must be either a field (single or
    multivalue) or an expression that evaluates to a number ... The eval command
    ignores arguments that don't exist in an event or can't be converted to a number";
    a quoted string given directly is an error ("`sum(1, 2, "3")` returns an error")."""
    for argument in arguments:
        if isinstance(argument, Literal):
            raise SplError(f"{name}(): \"{argument.text}\" is a string, not a number")

    def numbers(e, c):
        return [n for a in arguments for v in values_of(a(e, c))
                for n in [to_number(v)] if n is not None]
    return numbers


@function("sum", 1, None)
def _sum_function(arguments):
    numbers = _sum_of(arguments, "sum")

    def run(e, c):
        found = numbers(e, c)
        return added(found) if found else None
    return run


@function("avg", 1, None)
def _avg_function(arguments):
    numbers = _sum_of(arguments, "avg")

    def run(e, c):
        found = numbers(e, c)
        return added(found) / len(found) if found else None
    return run


@simple("nullif", 2, 2)
def _nullif(first, second):
    """Comparison and Conditional functions, nullif: NULL when the two are equal, else
    the first."""
    return None if first is not None and to_text(first) == to_text(second) else first


@simple("sqrt", 1, 1)
def _sqrt(value):
    number = _number_of(value)
    return None if number is None or number < 0 else math.sqrt(number)


def _extreme(values, pick):
    """Eval's max/min: numbers compare as numbers; strings are greater than numbers."""
    candidates = [v for value in values for v in values_of(value)]
    if not candidates:
        return None
    numbers = [to_number(v) for v in candidates if to_number(v) is not None]
    strings = [to_text(v) for v in candidates if to_number(v) is None]
    if pick is max:
        return max(strings) if strings else max(numbers)
    return min(numbers) if numbers else min(strings)


@simple("max", 1, None)
def _max(*values):
    return _extreme(values, max)


@simple("min", 1, None)
def _min(*values):
    return _extreme(values, min)


@simple("len", 1, 1)
def _len(value):
    value = single(value)
    return None if value is None else float(len(to_text(value)))


FUNCTIONS["length"] = FUNCTIONS["len"]  # "you can use either len or length"


@simple("urldecode", 1, 1)
def _urldecode(value):
    """Text functions, urldecode: %XX escapes decoded (a `+` stays: the page shows only
    %XX escapes)."""
    value = single(value)
    return None if value is None else urllib.parse.unquote(to_text(value))


@simple("spath", 2, 2)
def _spath(value, path):
    """Text functions, spath(<value>, <path>): the values at `path` in the JSON of
    `value`, as the spath command finds them (see jsonpath.py); not on multivalue
    fields."""
    value, path = single(value), single(path)
    if value is None or path is None:
        return None
    text = to_text(value)
    if text.lstrip().startswith("<"):
        raise SplUnsupported("unsupported spath() of XML")
    root = JsonReader(text).read()
    return normalize(follow(root, _path_steps(to_text(path)), text)) if root else None


@functools.lru_cache(maxsize=256)
def _path_steps(path: str):
    try:
        return parse_path(path)
    except SplError as error:
        raise type(error)(f"spath(): {error.detail}") from None


@simple("lower", 1, 1)
def _lower(value):
    if isinstance(value, list):
        return [to_text(v).lower() for v in value]
    return None if value is None or isinstance(value, bool) else to_text(value).lower()


@simple("upper", 1, 1)
def _upper(value):
    if isinstance(value, list):
        return [to_text(v).upper() for v in value]
    return None if value is None or isinstance(value, bool) else to_text(value).upper()


def _trimmer(method):
    def implementation(value, characters=None):
        value = single(value)
        if value is None:
            return None
        # Text functions: "If not specified, spaces and tabs are removed".
        chars = " \t" if characters is None else to_text(characters)
        return getattr(to_text(value), method)(chars)
    return implementation


for _name, _method in (("trim", "strip"), ("ltrim", "lstrip"), ("rtrim", "rstrip")):
    simple(_name, 1, 2)(_trimmer(_method))


@simple("substr", 2, 3)
def _substr(value, start, length=None):
    """Text functions, substr: "The indexes follow SQLite semantics; they start at 1.
    Negative indexes can be used to indicate a start from the end of the string."
    SQLite's substr(X, Y, Z), including its cases for Y = 0 and a negative Z."""
    value, first = single(value), _number_of(start)
    if value is None or first is None:
        return None
    text = to_text(value)
    p1 = int(first)
    if length is None:
        p2, backwards = len(text), False
    else:
        count = _number_of(length)
        if count is None:
            return None
        p2, backwards = abs(int(count)), count < 0
    if p1 < 0:
        p1 += len(text)
        if p1 < 0:
            p2 = max(p2 + p1, 0)
            p1 = 0
    elif p1 > 0:
        p1 -= 1
    elif p2 > 0:
        p2 -= 1
    if backwards:
        p1 -= p2
        if p1 < 0:
            p2 += p1
            p1 = 0
    return text[p1:p1 + max(p2, 0)]


@simple("replace", 3, 3)
def _replace(value, regex, replacement):
    value = single(value)
    if value is None or regex is None or replacement is None:
        return None
    try:
        pattern = re.compile(to_text(regex))
    except re.error as error:
        raise SplError(f"replace(): invalid regex: {error}") from None
    template = re.sub(r"\\(\d)", r"\\g<\1>", to_text(replacement))
    return pattern.sub(template, to_text(value))


@simple("split", 2, 2)
def _split(value, separator):
    value = single(value)
    if value is None or separator is None:
        return None
    text, sep = to_text(value), to_text(separator)
    return normalize(list(text) if sep == "" else text.split(sep))


@simple("match", 2, 2)
def _match(value, regex):
    if value is None or regex is None:
        return None
    try:
        pattern = re.compile(to_text(regex))
    except re.error as error:
        raise SplError(f"match(): invalid regex: {error}") from None
    return any(pattern.search(to_text(v)) for v in values_of(value))


@simple("like", 2, 2)
def _like_function(value, pattern):
    if value is None or pattern is None:
        return None
    regex = like_pattern(to_text(single(pattern) or ""))
    return any(regex.match(to_text(v)) for v in values_of(value))


@function("in", 2, None)
def _in_function(arguments):
    return in_values(arguments[0], arguments[1:])


@simple("cidrmatch", 2, 2)
def _cidrmatch(cidr, address):
    import ipaddress
    if cidr is None or address is None:
        return None
    try:
        network = ipaddress.ip_network(to_text(cidr), strict=False)
        return any(ipaddress.ip_address(to_text(v)) in network for v in values_of(address))
    except ValueError:
        return False


def _tostring(value, option=None):
    """Conversion functions, tostring: a number (or a number's text) as text; a Boolean
    as True or False; "hex" (0xF, upper case after 0x) and "binary" (1001) of an
    integer from 0 to 2^53-1 (null for any other number), "commas" (rounded to two
    decimals) and "duration" (HH:MM:SS, D+HH:MM:SS past a day)."""
    if value is None:
        return None
    if isinstance(value, list):
        return [_tostring(v, option) for v in value]
    if isinstance(value, bool):
        return "True" if value else "False"
    if option is None:
        return to_text(value)
    number, mode = to_number(value), to_text(option).lower()
    if mode not in ("hex", "binary", "commas", "duration"):
        raise SplError(f"tostring(): unknown format {to_text(option)!r}")
    if number is None:
        return to_text(value)
    if mode in ("hex", "binary"):
        if number != int(number) or not 0 <= number < 2 ** 53:
            return None
        return f"0x{int(number):X}" if mode == "hex" else f"{int(number):b}"
    if mode == "commas":
        rounded = _round_half_up(number, 2)
        text = f"{rounded:,.2f}"
        return text[:-3] if text.endswith(".00") else text.rstrip("0")
    seconds = int(number)
    days, rest = divmod(seconds, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}+{clock}" if days else clock


@function("tostring", 1, 2)
def _tostring_builder(arguments):
    value = arguments[0]
    if isinstance(value, Literal) and len(arguments) == 2 and isinstance(
            arguments[1], Literal) and arguments[1].text.lower() in ("hex", "binary"):
        # "tostring("5", "binary") is not supported": a number, not a string.
        raise SplError(f"tostring(): {arguments[1].text} takes a number, not the string "
                       f"\"{value.text}\"")

    def run(e, c):
        return _tostring(*[a(e, c) for a in arguments])
    return run


def _tonumber(value, base=None):
    """Conversion functions, tonumber: a field's text as a number, null when it does not
    parse ("for example if the value contains a leading and trailing space"); `base`
    from 2 to 36 reads an integer in that base."""
    value = single(value)
    if value is None:
        return None
    text = to_text(value)
    if text != text.strip():
        return None
    if base is None:  # a decimal keeps its places, as a number written so does
        return value if isinstance(value, float) else parse_number(text)
    radix = _number_of(base)
    if radix is None or radix != int(radix) or not 2 <= radix <= 36:
        raise SplError(f"tonumber(): the base must be a whole number from 2 to 36, not "
                       f"{to_text(base)!r}")
    try:
        return float(int(text, int(radix)))
    except ValueError:
        return None


@function("tonumber", 1, 2)
def _tonumber_builder(arguments):
    value = arguments[0]
    if isinstance(value, Literal) and len(arguments) == 1 and to_number(value.text) is None:
        # "If the tonumber function can't parse a string to a number, the function
        # returns an error" (`eval result=tonumber("seven")` fails).
        raise SplError(f"tonumber(): \"{value.text}\" is not a number")

    def run(e, c):
        return _tonumber(*[a(e, c) for a in arguments])
    return run


@simple("mvcount", 1, 1)
def _mvcount(value):
    count = len(values_of(value))
    return float(count) if count else None


@simple("mvindex", 2, 3)
def _mvindex(value, start, end=None):
    values = values_of(value)
    first = _number_of(start)
    if not values or first is None:
        return None
    n = len(values)
    begin = int(first) + n if first < 0 else int(first)
    if end is None:
        return values[begin] if 0 <= begin < n else None
    last_number = _number_of(end)
    if last_number is None:
        return None
    last = int(last_number) + n if last_number < 0 else int(last_number)
    if begin >= n or begin < 0 or last < begin:
        return None
    return normalize(values[begin:min(last, n - 1) + 1])


@simple("mvappend", 1, None)
def _mvappend(*values):
    return normalize([v for value in values for v in values_of(value)])


@simple("mvjoin", 2, 2)
def _mvjoin(value, delimiter):
    values = values_of(value)
    if not values or delimiter is None:
        return None
    return to_text(delimiter).join(to_text(v) for v in values)


@simple("mvdedup", 1, 1)
def _mvdedup(value):
    return normalize(list(dict.fromkeys(values_of(value))))


@simple("mvsort", 1, 1)
def _mvsort(value):
    return normalize(sorted(to_text(v) for v in values_of(value)))


@simple("mvreverse", 1, 1)
def _mvreverse(value):
    return normalize(list(reversed(values_of(value))))


@simple("mvzip", 2, 3)
def _mvzip(left, right, delimiter=","):
    """Multivalue eval functions, mvzip: the first value of each with the first of the
    other, and so on (as Python's zip, to the shorter), joined by `delimiter` (a
    comma by default)."""
    lefts, rights = values_of(left), values_of(right)
    if not lefts or not rights or delimiter is None:
        return None
    glue = to_text(delimiter)
    return normalize([to_text(a) + glue + to_text(b) for a, b in zip(lefts, rights)])


@with_context("mvrange", 2, 3)
def _mvrange(context, start, end, step=1.0):
    """Multivalue eval functions, mvrange: numbers from `start` up to `end`, excluded,
    by `step` (1). "If the increment is a timespan such as 7d, the starting and ending
    numbers are treated as UNIX time": each value is the one before moved by the span
    in the search's zone, as relative_time moves it (the page's 7-day steps from
    1514834731 take one 7-day step of 601200 seconds, across the change to daylight
    saving time)."""
    first, last = _number_of(start), _number_of(end)
    increment = _number_of(step)
    span = None
    if increment is None and step is not None:
        span = to_text(step).strip()
        try:
            times.parse_span(span)  # a time span, else null
        except SplError:
            return None
    if first is None or last is None or (span is None and (not increment or increment < 0)):
        return None
    values, current = [], first
    while current < last:
        if len(values) >= MVRANGE_LIMIT:
            raise SplError(f"mvrange(): more than {MVRANGE_LIMIT} values")
        values.append(current)
        current = (times.resolve_time(f"+{span}", current, context.tz) if span
                   else current + increment)
    return normalize(values)


MVRANGE_LIMIT = 10000  # a guard of this engine, not a Splunk setting


@simple("mvfind", 2, 2)
def _mvfind(value, regex):
    pattern = re.compile(to_text(regex))
    for index, item in enumerate(values_of(value)):
        if pattern.search(to_text(item)):
            return float(index)
    return None


@with_context("now", 0, 0)
def _now(context):
    return float(context.now)


@with_context("time", 0, 0)
def _time(context):
    """Date and Time functions, time(): the clock "with microsecond resolution", printed
    with six decimals (this engine's clock is the run's dispatch time)."""
    return with_decimals(float(context.now), 6)


@with_context("relative_time", 2, 2)
def _relative_time(context, value, modifier):
    number = _number_of(value)
    if number is None or modifier is None:
        return None
    return times.resolve_time(to_text(modifier), number, context.tz)


@function("strftime", 2, 2)
def _strftime(arguments):
    """Date and Time functions, strftime (timeformat.py has the variables)."""
    value, fmt = arguments
    if isinstance(fmt, Literal):
        _checked("strftime", timeformat.check_strftime, fmt.text)

    def run(e, c):
        number, pattern = _number_of(value(e, c)), fmt(e, c)
        if number is None or pattern is None:
            return None
        return _checked("strftime", timeformat.strftime, number, to_text(pattern), c.tz)
    return run


@function("strptime", 2, 2)
def _strptime(arguments):
    """Date and Time functions, strptime (timeformat.py has the variables)."""
    value, fmt = arguments
    if isinstance(fmt, Literal):
        _checked("strptime", timeformat.check_strptime, fmt.text)

    def run(e, c):
        text, pattern = single(value(e, c)), fmt(e, c)
        if text is None or pattern is None:
            return None
        return _checked("strptime", timeformat.strptime, to_text(text), to_text(pattern), c.tz)
    return run


def _checked(name, function, *arguments):
    try:
        return function(*arguments)
    except SplError as error:
        raise type(error)(f"{name}(): {error.detail}") from None


@simple("exact", 1, 1)
def _exact(value):
    """Mathematical functions, exact: the number with no precision limit (`8.250 *
    exact(0.2)` is 1.650)."""
    number = _number_of(value)
    return value if number is None else float(number)


@simple("sigfig", 1, 1)
def _sigfig(value):
    """Mathematical functions, sigfig: the number rounded to its significant figures
    (`sigfig(1.00*1111)` is 1110)."""
    number = _number_of(value)
    if number is None:
        return None
    return significant(value if isinstance(value, Precise) else number)


__all__ = ["FUNCTIONS"]
