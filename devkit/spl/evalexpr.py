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

import re
from dataclasses import dataclass
from typing import Any, List, Optional

from .errors import SplError, SplUnsupported
from .evalfunctions import FUNCTIONS
from .evalops import (
    Compiled,
    Context,
    Literal,
    arithmetic,
    comparison,
    in_values,
    like,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    truth,
)
from .precision import parse_number
from .values import normalize, values_of

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
            left = logical_xor(left, right)
        return left

    def or_(self) -> Compiled:
        left = self.and_()
        while self.accept("OR"):
            right = self.and_()
            left = logical_or(left, right)
        return left

    def and_(self) -> Compiled:
        left = self.not_()
        while self.accept("AND"):
            right = self.not_()
            left = logical_and(left, right)
        return left

    def not_(self) -> Compiled:
        if self.accept("NOT", "!"):
            operand = self.not_()
            return logical_not(operand)
        return self.comparison()

    def comparison(self) -> Compiled:
        left = self.additive()
        token = self.accept("=", "==", "!=", "<", ">", "<=", ">=", "LIKE", "IN")
        if token is None and self._lowercase_in():
            # "...| where field in("value1","value2", ...)" (Comparison and
            # Conditional functions, in): the function written as an operator.
            token = self.take()
            token.text = "IN"
        if token is None:
            return left
        if token.text == "IN":
            self.expect("(")
            options = self.arguments()
            return in_values(left, options)
        right = self.additive()
        if token.text == "LIKE":
            return like(left, right)
        return comparison(token.text, left, right)

    def _lowercase_in(self) -> bool:
        token, following = self.peek(), self.tokens[min(self.i + 1, len(self.tokens) - 1)]
        return (token.kind == "word" and token.text.lower() == "in"
                and following.kind == "op" and following.text == "(")

    def additive(self) -> Compiled:
        left = self.multiplicative()
        while True:
            token = self.accept("+", "-", ".")
            if token is None:
                return left
            right = self.multiplicative()
            left = arithmetic(token.text, left, right)

    def multiplicative(self) -> Compiled:
        left = self.unary()
        while True:
            token = self.accept("*", "/", "%")
            if token is None:
                return left
            right = self.unary()
            left = arithmetic(token.text, left, right)

    def unary(self) -> Compiled:
        if self.accept("-"):
            operand = self.unary()
            return arithmetic("-", lambda e, c: 0.0, operand)
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
            number = parse_number(token.text)  # 5.0 keeps its decimal place
            return lambda e, c: number
        if token.kind == "string":
            return Literal(_unescape(token.text[1:-1]))
        if token.kind == "field":
            return self._field(_unescape(token.text[1:-1]))
        if token.kind == "op" and token.text == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind == "word":
            if self.accept("("):
                start = self.i
                if token.text.lower() == "mvmap":
                    return self._mvmap(token, start)
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

    def _mvmap(self, token: Tok, start: int) -> Compiled:
        """Multivalue eval functions, mvmap(<mv>, <expression>): the expression over each
        value, the field that <mv> reads standing for the value (`mvmap(results,
        results*10)`, `mvmap(mvindex(results, 1,2), results*threshold)`)."""
        source = self.expression()
        names = sorted(set(self._fields_between(start, self.i)))
        self.expect(",")
        body = self.expression()
        self.expect(")")
        if len(names) != 1:
            raise SplError("mvmap: its first argument must read exactly one field",
                           search=self.search, position=token.position)
        field_name = names[0]

        def run(event, context):
            mapped = []
            for value in values_of(source(event, context)):
                mapped.extend(values_of(body({**event, field_name: value}, context)))
            return normalize(mapped)
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


__all__ = ["FUNCTIONS", "Context", "Literal", "compile_expression", "evaluate_constant",
           "truth"]
