"""The search terms of a source macro, read the way Splunk's search command reads them.

Input: one macro definition of the Data sources tab, such as
`index=aws (sourcetype=aws:cloudtrail OR sourcetype=aws:cloudtrail:lake)`: search terms
only, pasted by the app into the middle of its searches. `read()` returns every field
comparison it holds (`index=aws`, `earliest = -1y`, `index IN (a, "b")`), each marked when
it sits under a NOT, and whether every event the expression can match must pass an
`index=` (or `index IN`) term; it raises ValueError, in words for an admin, on anything
that is not plain search terms: a pipe, a subsearch bracket, a backtick, a backslash
outside double quotes, an unclosed double quote, unbalanced parentheses, or an AND, OR or
NOT without its term.

How the expression is read (Search Manual, "Boolean expressions with logical operators"):
AND is implied between terms; AND, OR and NOT are operators only in capitals (`or` is a
word to find); NOT applies to the one term or parenthesised group that follows it; the
search command evaluates parentheses first, then NOT, then OR, then AND, so
`index=a sourcetype=x OR sourcetype=y` is `index=a AND (sourcetype=x OR sourcetype=y)`.
A double-quoted string is one value or phrase, in which a backslash escapes the next
character. Comparisons are `<field><operator><value>` with any spaces around the
operator (`=`, `!=`, `<`, `<=`, `>`, `>=`) and `<field> IN (<values>)`, IN in capitals.

"Restricted" is decided on that tree: a comparison `index=<value>` or `index IN (...)`
restricts; AND restricts when any of its parts does; OR only when all its parts do;
nothing under a NOT restricts (`NOT index=a` reads every other index).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

OPERATORS = ("!=", "<=", ">=", "=", "<", ">")
_DELIMITERS = frozenset(' \t()"=<>|[]`\\')
_SPACE = frozenset(" \t")


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "quoted", "operator", "(" or ")"
    text: str


@dataclass(frozen=True)
class Comparison:
    """One `field op value` or `field IN (values)` term; values without their quotes."""

    field: str
    operator: str
    values: Tuple[str, ...]
    negated: bool


@dataclass(frozen=True)
class Terms:
    comparisons: Tuple[Comparison, ...]
    restricted: bool  # every event it can match passes a (non-negated) index term


def tokenize(expression: str) -> List[Token]:
    """Split a search expression into words, quoted strings, operators and parentheses."""
    tokens: List[Token] = []
    position = 0
    end = len(expression)
    while position < end:
        character = expression[position]
        if character in _SPACE:
            position += 1
        elif character in "()":
            tokens.append(Token(character, character))
            position += 1
        elif character == '"':
            position = _quoted(expression, position, tokens)
        elif character == "|":
            raise ValueError("remove the pipe (|). Only search terms such as index=... and "
                             "sourcetype=... belong here; the app's searches add the commands.")
        elif character in "[]":
            raise ValueError("remove the square brackets. A subsearch cannot be used here; "
                             "list the indexes and sourcetypes instead.")
        elif character == "`":
            raise ValueError("remove the backtick (`). Macros cannot be nested here.")
        elif character == "\\":
            raise ValueError(
                "remove the backslash (\\), or put the value that needs it in double quotes. "
                "Outside quotes a backslash changes how Splunk reads the next character, so "
                "the page cannot tell what the search would do.")
        elif character in "=<>" or expression.startswith("!=", position):
            operator = next(o for o in OPERATORS if expression.startswith(o, position))
            tokens.append(Token("operator", operator))
            position += len(operator)
        else:
            start = position
            while position < end and expression[position] not in _DELIMITERS and not (
                    expression.startswith("!=", position)):
                position += 1
            tokens.append(Token("word", expression[start:position]))
    return tokens


def _quoted(expression: str, position: int, tokens: List[Token]) -> int:
    """Read the double-quoted string at `position`; return the position after it."""
    text = []
    position += 1
    while position < len(expression):
        character = expression[position]
        if character == "\\" and position + 1 < len(expression):
            text.append(expression[position + 1])
            position += 2
        elif character == '"':
            tokens.append(Token("quoted", "".join(text)))
            return position + 1
        else:
            text.append(character)
            position += 1
    raise ValueError('a double quote (") is not closed.')


class _Parser:
    """Recursive descent over the tokens, in the search command's order of evaluation."""

    def __init__(self, tokens: List[Token]) -> None:
        self.tokens = tokens
        self.position = 0
        self.comparisons: List[Comparison] = []

    def peek(self, offset: int = 0) -> Optional[Token]:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    @staticmethod
    def is_operator_word(token: Optional[Token], word: str) -> bool:
        return token is not None and token.kind == "word" and token.text == word

    def conjunction(self, negated: bool, inside: bool) -> bool:
        """Terms joined by AND (written or implied), up to `)` or the end."""
        restricted = False
        parts = 0
        while True:
            token = self.peek()
            if token is None or token.kind == ")":
                break
            if self.is_operator_word(token, "AND"):
                if not parts:
                    raise ValueError('"AND" needs a search term on each side.')
                self.take()
                if self.peek() is None or self.peek().kind == ")":
                    raise ValueError('"AND" needs a search term on each side.')
                continue
            restricted = self.disjunction(negated) or restricted
            parts += 1
        if token is None and inside:
            raise ValueError("an opening parenthesis is not closed.")
        if token is not None and not inside:
            raise ValueError("a closing parenthesis has no opening one.")
        if not parts:
            raise ValueError("the parentheses are empty." if inside else "it holds no search term.")
        return restricted

    def disjunction(self, negated: bool) -> bool:
        restricted = self.negation(negated)
        while self.is_operator_word(self.peek(), "OR"):
            self.take()
            following = self.peek()
            if following is None or following.kind == ")" or self.is_operator_word(
                    following, "OR") or self.is_operator_word(following, "AND"):
                raise ValueError('"OR" needs a search term on each side.')
            restricted = self.negation(negated) and restricted
        return restricted

    def negation(self, negated: bool) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text in ("OR", "AND"):
            raise ValueError(f'"{token.text}" needs a search term on each side.')
        if self.is_operator_word(token, "NOT"):
            self.take()
            following = self.peek()
            if following is None or following.kind == ")" or (
                    following.kind == "word" and following.text in ("OR", "AND")):
                raise ValueError('"NOT" needs the search term it excludes after it.')
            self.negation(True)
            return False  # nothing under a NOT restricts the indexes searched
        return self.primary(negated)

    def primary(self, negated: bool) -> bool:
        token = self.take()
        if token.kind == "(":
            restricted = self.conjunction(negated, inside=True)
            self.take()  # the ")" that conjunction stopped at
            return restricted
        if token.kind == "operator":
            raise ValueError(f'"{token.text}" needs a field name before it, such as index=.')
        if token.kind == "word" and self.is_operator_word(self.peek(), "IN") and (
                self.peek(1) is not None and self.peek(1).kind == "("):
            self.take()
            self.take()
            values = self.value_list()
            return self.compare(token.text, "IN", values, negated)
        if token.kind == "word" and self.peek() is not None and self.peek().kind == "operator":
            operator = self.take().text
            following = self.peek()
            value = ""
            if following is not None and following.kind in ("word", "quoted"):
                value = self.take().text
            return self.compare(token.text, operator, (value,), negated)
        return False  # a word or phrase to find restricts no index

    def value_list(self) -> Tuple[str, ...]:
        values = []
        while True:
            token = self.peek()
            if token is None:
                raise ValueError("an opening parenthesis is not closed.")
            self.take()
            if token.kind == ")":
                return tuple(values)
            if token.kind == "quoted":
                values.append(token.text)
            elif token.kind == "word":
                values.extend(v for v in token.text.split(",") if v)
            else:
                raise ValueError(f'"{token.text}" cannot be used in a list of values after IN.')

    def compare(self, field: str, operator: str, values: Tuple[str, ...], negated: bool) -> bool:
        self.comparisons.append(Comparison(field, operator, values, negated))
        return field == "index" and operator in ("=", "IN") and not negated


def read(expression: str) -> Terms:
    """The comparisons of a search expression and whether an index term restricts it all."""
    parser = _Parser(tokenize(expression))
    restricted = parser.conjunction(negated=False, inside=False)
    return Terms(tuple(parser.comparisons), restricted)
