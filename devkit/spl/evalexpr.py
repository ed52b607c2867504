"""Eval expressions (the `eval` and `where` commands, eval macros), with Splunk's nulls.

Follows the Search Reference pages "eval", "where" and "Evaluation functions", and the
Search Manual's "Boolean expressions" (for eval and where: NOT, then AND, then OR, then
XOR; comparison above those, then `+ - .`, then `* / %`).

Typing as Splunk does it: a field's string that looks like a number is that number in
arithmetic and comparisons (`"20" >= 3` compares numbers; `"abc" < "abd"` compares text,
case-sensitively). `+` adds numbers and concatenates two strings; `.` concatenates the
text of its operands (numbers printed as Splunk prints them). Any null operand of an
arithmetic operator, `.` or a comparison makes the result null; `AND`/`OR` are
three-valued (`false AND null` is false, `true OR null` is true); a null condition
counts as false in `if`, `case` and `where`. A comparison with a multivalue field is
true when any value satisfies it. Double quotes make strings, single quotes field names
(`'name{}'`); a bare word is a field name.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import times
from .errors import SplError, SplUnsupported
from .values import (
    compare,
    format_number,
    normalize,
    to_number,
    to_text,
    values_of,
)


@dataclass
class Context:
    """What an expression may read besides the event: the run's dispatch time and zone."""

    now: float = 0.0
    tz: Any = "UTC"
    search: Optional[str] = None
    extra: Dict[str, Any] = field(default_factory=dict)


Compiled = Callable[[dict, Context], Any]

# -- tokens ----------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.\d+|\.\d+|\d+)(?:[eE][+-]?\d+)?(?![A-Za-z_]))
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<field>'(?:[^'\\]|\\.)*')
  | (?P<op>==|!=|<=|>=|[-+*/%().,=<>!])
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)
_KEYWORDS = {"AND", "OR", "NOT", "XOR", "LIKE", "IN"}


@dataclass
class Tok:
    kind: str
    text: str
    position: int


def _lex(text: str, offset: int, search: Optional[str]) -> List[Tok]:
    tokens, i = [], 0
    while i < len(text):
        if text[i] == "." and tokens and (tokens[-1].kind in ("number", "string", "field",
                                                            "word")
                                          or tokens[-1].text == ")"):
            tokens.append(Tok("op", ".", offset + i))  # concatenation, not a number
            i += 1
            continue
        match = _TOKEN.match(text, i)
        if not match:
            raise SplError(f"eval syntax error near {text[i:i + 20]!r}", search=search,
                           position=offset + i)
        kind = match.lastgroup
        value = match.group(0)
        if kind == "word" and value in _KEYWORDS:  # operators must be capitalized
            kind = "op"
        if kind != "space":
            tokens.append(Tok(kind, value, offset + i))
        i = match.end()
    tokens.append(Tok("end", "", offset + len(text)))
    return tokens


def _unescape(body: str) -> str:
    """A quoted literal's text: `\\"` and `\\\\` are escapes; any other backslash stays,
    so regexes such as "^\\d+$" reach match() and replace() as written."""
    return re.sub(r'\\(["\'\\])', lambda m: m.group(1), body)


# -- the parser builds closures directly -------------------------------------------------


class Parser:
    def __init__(self, text: str, offset: int = 0, search: Optional[str] = None) -> None:
        self.tokens = _lex(text, offset, search)
        self.i = 0
        self.search = search

    def peek(self) -> Tok:
        return self.tokens[self.i]

    def take(self) -> Tok:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def accept(self, *ops: str) -> Optional[Tok]:
        token = self.peek()
        if token.kind == "op" and token.text in ops:
            self.i += 1
            return token
        return None

    def expect(self, op: str) -> Tok:
        token = self.accept(op)
        if token is None:
            found = self.peek()
            raise SplError(f"eval syntax error: expected '{op}', found "
                           f"'{found.text or 'end'}'", search=self.search,
                           position=found.position)
        return token

    def parse(self) -> Compiled:
        node = self.expression()
        if self.peek().kind != "end":
            token = self.peek()
            raise SplError(f"eval syntax error: unexpected '{token.text}'",
                           search=self.search, position=token.position)
        return node

    def expression(self) -> Compiled:
        return self.xor()

    def xor(self) -> Compiled:
        left = self.or_()
        while self.accept("XOR"):
            right = self.or_()
            left = _xor(left, right)
        return left

    def or_(self) -> Compiled:
        left = self.and_()
        while self.accept("OR"):
            right = self.and_()
            left = _or(left, right)
        return left

    def and_(self) -> Compiled:
        left = self.not_()
        while self.accept("AND"):
            right = self.not_()
            left = _and(left, right)
        return left

    def not_(self) -> Compiled:
        if self.accept("NOT", "!"):
            operand = self.not_()
            return _not(operand)
        return self.comparison()

    def comparison(self) -> Compiled:
        left = self.additive()
        token = self.accept("=", "==", "!=", "<", ">", "<=", ">=", "LIKE", "IN")
        if token is None:
            return left
        if token.text == "IN":
            self.expect("(")
            options = self.arguments()
            return _in(left, options)
        right = self.additive()
        if token.text == "LIKE":
            return _like(left, right)
        return _comparison(token.text, left, right)

    def additive(self) -> Compiled:
        left = self.multiplicative()
        while True:
            token = self.accept("+", "-", ".")
            if token is None:
                return left
            right = self.multiplicative()
            left = _arithmetic(token.text, left, right)

    def multiplicative(self) -> Compiled:
        left = self.unary()
        while True:
            token = self.accept("*", "/", "%")
            if token is None:
                return left
            right = self.unary()
            left = _arithmetic(token.text, left, right)

    def unary(self) -> Compiled:
        if self.accept("-"):
            operand = self.unary()
            return _arithmetic("-", lambda e, c: 0.0, operand)
        if self.accept("+"):
            return self.unary()
        return self.primary()

    def arguments(self) -> List[Compiled]:
        """Comma-separated expressions up to the closing parenthesis (already opened)."""
        arguments: List[Compiled] = []
        if self.accept(")"):
            return arguments
        while True:
            arguments.append(self.expression())
            if self.accept(")"):
                return arguments
            self.expect(",")

    def primary(self) -> Compiled:
        token = self.take()
        if token.kind == "number":
            number = float(token.text)
            return lambda e, c: number
        if token.kind == "string":
            text = _unescape(token.text[1:-1])
            return lambda e, c: text
        if token.kind == "field":
            return self._field(_unescape(token.text[1:-1]))
        if token.kind == "op" and token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind == "word":
            if self.accept("("):
                start = self.i
                arguments = self.arguments()
                return self._function(token, arguments, start)
            return self._field(token.text)
        raise SplError(f"eval syntax error: unexpected '{token.text or 'end'}'",
                       search=self.search, position=token.position)

    def _field(self, name: str) -> Compiled:
        return lambda e, c: e.get(name)

    def _function(self, token: Tok, arguments: List[Compiled], start: int) -> Compiled:
        name = token.text.lower()
        if name == "mvfilter":
            return self._mvfilter(token, arguments, start)
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise SplUnsupported(f"unsupported eval function '{token.text}'",
                                 search=self.search, position=token.position)
        low, high, implementation = spec
        if len(arguments) < low or (high is not None and len(arguments) > high):
            wanted = str(low) if low == high else f"{low} to {high if high else 'any'}"
            raise SplError(f"eval function '{token.text}' takes {wanted} arguments, "
                           f"not {len(arguments)}", search=self.search,
                           position=token.position)
        return implementation(arguments)

    def _mvfilter(self, token: Tok, arguments: List[Compiled], start: int) -> Compiled:
        names = sorted(set(self._fields_between(start, self.i)))
        if len(arguments) != 1 or len(names) != 1:
            raise SplError("mvfilter takes one expression over exactly one field",
                           search=self.search, position=token.position)
        field_name, predicate = names[0], arguments[0]

        def run(event, context):
            kept = [v for v in values_of(event.get(field_name))
                    if predicate({**event, field_name: v}, context) is True]
            return normalize(kept)
        return run

    def _fields_between(self, start: int, end: int) -> List[str]:
        """Field names read by the tokens start..end (function names excluded)."""
        names = []
        for index in range(start, end):
            tok, following = self.tokens[index], self.tokens[index + 1]
            if tok.kind == "word" and not (following.kind == "op" and following.text == "("):
                names.append(tok.text)
            elif tok.kind == "field":
                names.append(_unescape(tok.text[1:-1]))
        return names


def compile_expression(text: str, offset: int = 0, search: Optional[str] = None
                       ) -> Compiled:
    """An eval expression as a function of (event, context)."""
    return Parser(text, offset, search).parse()


def evaluate_constant(text: str, context: Optional[Context] = None) -> Any:
    """The value of an expression that reads no event (eval macros, validations)."""
    return compile_expression(text)({}, context or Context())


# -- operators -------------------------------------------------------------------------


def truth(value: Any) -> Optional[bool]:
    """A condition's truth: booleans as they are, null as None; anything else is an
    error in Splunk (a field is not a condition), reported by the caller."""
    if value is None or isinstance(value, bool):
        return value
    raise SplError("the expression is not a condition (it gives a value, not true/false)")


def _and(left: Compiled, right: Compiled) -> Compiled:
    def run(e, c):
        a = truth(left(e, c))
        if a is False:
            return False
        b = truth(right(e, c))
        if b is False:
            return False
        return None if a is None or b is None else True
    return run


def _or(left: Compiled, right: Compiled) -> Compiled:
    def run(e, c):
        a = truth(left(e, c))
        if a is True:
            return True
        b = truth(right(e, c))
        if b is True:
            return True
        return None if a is None or b is None else False
    return run


def _xor(left: Compiled, right: Compiled) -> Compiled:
    def run(e, c):
        a, b = truth(left(e, c)), truth(right(e, c))
        return None if a is None or b is None else a != b
    return run


def _not(operand: Compiled) -> Compiled:
    def run(e, c):
        a = truth(operand(e, c))
        return None if a is None else not a
    return run


_TESTS = {
    "=": lambda r: r == 0, "==": lambda r: r == 0, "!=": lambda r: r != 0,
    "<": lambda r: r < 0, ">": lambda r: r > 0, "<=": lambda r: r <= 0, ">=": lambda r: r >= 0,
}


def _comparison(op: str, left: Compiled, right: Compiled) -> Compiled:
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


def _like(left: Compiled, right: Compiled) -> Compiled:
    def run(e, c):
        a, b = left(e, c), right(e, c)
        if a is None or b is None:
            return None
        regex = like_pattern(to_text(b) if not isinstance(b, list) else to_text(b[0]))
        return any(regex.match(to_text(v)) for v in values_of(a))
    return run


def _in(left: Compiled, options: List[Compiled]) -> Compiled:
    def run(e, c):
        a = left(e, c)
        if a is None:
            return None
        wanted = [o(e, c) for o in options]
        return any(compare(x, y) == 0 for x in values_of(a) for w in wanted
                   for y in values_of(w))
    return run


def _single(value: Any) -> Any:
    """Operands of arithmetic must be single values (a multivalue field gives null)."""
    return None if isinstance(value, (list, bool)) else value


def _arithmetic(op: str, left: Compiled, right: Compiled) -> Compiled:
    def run(e, c):
        a, b = _single(left(e, c)), _single(right(e, c))
        if a is None or b is None:
            return None
        if op == ".":
            return to_text(a) + to_text(b)
        x, y = to_number(a), to_number(b)
        if x is None or y is None:
            if op == "+" and x is None and y is None:
                return to_text(a) + to_text(b)
            return None
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if y == 0:
            return None
        if op == "/":
            return x / y
        return math.fmod(x, y)
    return run


# -- functions -------------------------------------------------------------------------
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
    return to_number(_single(value))


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


@simple("isnum", 1, 1)
def _isnum(value):
    return _number_of(value) is not None


@simple("isint", 1, 1)
def _isint(value):
    number = _number_of(value)
    return number is not None and number == int(number)


@simple("isstr", 1, 1)
def _isstr(value):
    return isinstance(value, str) and to_number(value) is None


@simple("typeof", 1, 1)
def _typeof(value):
    if value is None:
        return "Invalid"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, list):
        return "Multivalue"
    return "Number" if to_number(value) is not None else "String"


def _round_half_up(number: float, digits: int) -> float:
    try:
        quantum = Decimal(1).scaleb(-digits)
        return float(Decimal(repr(number)).quantize(quantum, rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return number


@simple("round", 1, 2)
def _round(value, digits=0.0):
    number, places = _number_of(value), _number_of(digits)
    if number is None or places is None:
        return None
    return _round_half_up(number, int(places))


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
    value = _single(value)
    return None if value is None else float(len(to_text(value)))


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
        value = _single(value)
        if value is None:
            return None
        chars = None if characters is None else to_text(characters)
        return getattr(to_text(value), method)(chars)
    return implementation


for _name, _method in (("trim", "strip"), ("ltrim", "lstrip"), ("rtrim", "rstrip")):
    simple(_name, 1, 2)(_trimmer(_method))


@simple("substr", 2, 3)
def _substr(value, start, length=None):
    value, first = _single(value), _number_of(start)
    if value is None or first is None:
        return None
    text = to_text(value)
    begin = int(first) - 1 if first > 0 else len(text) + int(first)
    begin = max(begin, 0)
    if length is None:
        return text[begin:]
    count = _number_of(length)
    return None if count is None else text[begin:begin + int(count)]


@simple("replace", 3, 3)
def _replace(value, regex, replacement):
    value = _single(value)
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
    value = _single(value)
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
    regex = like_pattern(to_text(_single(pattern) or ""))
    return any(regex.match(to_text(v)) for v in values_of(value))


@function("in", 2, None)
def _in_function(arguments):
    return _in(arguments[0], arguments[1:])


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


@simple("tostring", 1, 2)
def _tostring(value, option=None):
    if value is None:
        return None
    if isinstance(value, list):
        return [_tostring(v, option) for v in value]
    if isinstance(value, bool):
        return "True" if value else "False"
    if option is None:
        return to_text(value)
    number, mode = to_number(value), to_text(option).lower()
    if number is None:
        return to_text(value)
    if mode == "hex":
        return hex(int(number))
    if mode == "commas":
        rounded = _round_half_up(number, 2)
        text = f"{rounded:,.2f}"
        return text[:-3] if text.endswith(".00") else text.rstrip("0")
    if mode == "duration":
        seconds = int(number)
        days, rest = divmod(seconds, 86400)
        clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
        return f"{days}+{clock}" if days else clock
    raise SplError(f"tostring(): unknown format {to_text(option)!r}")


@simple("tonumber", 1, 2)
def _tonumber(value, base=None):
    value = _single(value)
    if value is None:
        return None
    if base is None:
        return to_number(value)
    radix = _number_of(base)
    try:
        return float(int(to_text(value).strip(), int(radix or 10)))
    except ValueError:
        return None


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
    return float(context.now)


@with_context("relative_time", 2, 2)
def _relative_time(context, value, modifier):
    number = _number_of(value)
    if number is None or modifier is None:
        return None
    return times.resolve_time(to_text(modifier), number, context.tz)


@with_context("strftime", 2, 2)
def _strftime(context, value, fmt):
    number = _number_of(value)
    if number is None or fmt is None:
        return None
    return times.strftime(number, to_text(fmt), context.tz)


@with_context("strptime", 2, 2)
def _strptime(context, value, fmt):
    value = _single(value)
    if value is None or fmt is None:
        return None
    return times.strptime(to_text(value), to_text(fmt), context.tz)


@simple("exact", 1, 1)
def _exact(value):
    return value


__all__ = ["FUNCTIONS", "Context", "compile_expression", "evaluate_constant",
           "format_number", "truth"]
