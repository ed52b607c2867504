"""The `search` command's expression: terms, field comparisons and Boolean logic.

Follows the Search Reference page "search" and the Search Manual's "Boolean expressions
with logical operators" and "Event segmentation and searching":
- `AND` is implied between terms; the search command evaluates NOT first, then OR, then
  AND (so `a b OR c` is `a AND (b OR c)`); the operators must be capitalized;
- `field=value`, `field!=value`, `<`, `<=`, `>`, `>=`, `field IN (a, b)`: field names are
  case-sensitive, values are not; `*` in a value is a wildcard; `field=*` means the field
  exists; a value and a field value that are both numbers compare as numbers (`<`, `>`
  against a number only match numeric values; against text, compare text). A
  multivalue field matches when any value does; `field!=value` matches when the field
  exists and no value equals `value` (our choice; the docs say only that `!=` needs the
  field to exist, unlike `NOT field=value`);
- a bare term or quoted phrase matches the segments of `_raw`: it must occur (ignoring
  case) between breakers, so `secretsmanager` matches `"secretsmanager.amazonaws.com"`
  and `amazonaws.com` does too, but `manager` does not. The breakers are Splunk's
  default segmenters.conf lists (major: whitespace `[ ] < > ( ) { } | ! ; , ' " * & ? +`
  and `--`, `%21`, `%26`, `%2526`, `%3B`, `%7C`, `%20`, `%2B`, `%3D`, `%2520`, `%5D`,
  `%5B`, `%3A`, `%0A`, `%2C`, `%28`, `%29`; minor: `/ : = @ . - $ # % \\ _`). A `*` in a
  term matches any run of characters within one major segment. A result without `_raw`
  (after `stats`, say) matches a term when one of its fields' values does;
- `field=<CIDR>` (`ip=192.0.2.0/24`) matches the IP addresses in that network, as the
  cidrmatch page shows the search command doing;
- `earliest=` / `latest=` are time modifiers on `_time` (relative to the run's now).
Refused: `TERM()`, `CASE()`, wildcards in field names, `eventtype=`, `tag=`,
`savedsearch=`, index-time modifiers, `XOR`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Callable, List, Optional

from . import times
from .errors import SplError, SplUnsupported
from .lexer import unquote
from .values import compare, to_number, to_text, values_of

Predicate = Callable[[dict, "SearchContext"], bool]

MAJOR_CHARS = " \t\r\n\v\f[]<>(){}|!;,'\"*&?+"
MAJOR_SEQUENCES = ("--", "%21", "%26", "%2526", "%3B", "%7C", "%20", "%2B", "%3D",
                   "%2520", "%5D", "%5B", "%3A", "%0A", "%2C", "%28", "%29")
MINOR_CHARS = "/:=@.-$#%\\_"
_BREAK_CLASS = "[" + re.escape(MAJOR_CHARS + MINOR_CHARS) + "]"
_BEFORE = "(?:^|(?<=" + _BREAK_CLASS + "))"
_AFTER = "(?=$|" + _BREAK_CLASS + ")"
# Multi-character major breakers become a space first, so that no segment starts or
# ends inside one (`q=a%20b` has the segment `b`, not `20b`).
_SEQUENCES = re.compile("|".join(re.escape(s) for s in sorted(MAJOR_SEQUENCES, key=len,
                                                                    reverse=True)),
                        re.IGNORECASE)
_WITHIN_SEGMENT = "[^" + re.escape(MAJOR_CHARS) + "]*"

REFUSED_FIELDS = {"eventtype", "tag", "savedsearch", "_index_earliest", "_index_latest",
                  "searchtimespanhours", "searchtimespanminutes", "starttime", "endtime"}


@dataclass
class SearchContext:
    now: float = 0.0
    tz: object = "UTC"


def term_regex(term: str) -> re.Pattern[str]:
    """A regex finding `term` between breakers (ignoring case)."""
    body = _WITHIN_SEGMENT.join(re.escape(part) for part in term.split("*"))
    return re.compile(_BEFORE + body + _AFTER, re.IGNORECASE | re.DOTALL)


def value_regex(value: str) -> re.Pattern[str]:
    """A whole-value match with `*` wildcards, ignoring case."""
    body = ".*".join(re.escape(part) for part in value.split("*"))
    return re.compile(body + r"\Z", re.IGNORECASE | re.DOTALL)


def _term(term: str) -> Predicate:
    if term.strip("*") == "":
        return lambda e, c: True
    regex = term_regex(term)
    # A match is a copy of the term in the text, ignoring case, that the major-breaker
    # sequences (replaced by a space) cannot create. So an ASCII text that does not hold
    # the term is no match, which one scan decides for most events (non-ASCII text is
    # left to the regex: Unicode case folding pairs `K` with the Kelvin sign).
    needle = term.lower() if term.isascii() and " " not in term and "*" not in term \
        else None

    def found(value) -> bool:
        text = to_text(value)
        if needle is not None:
            lowered = _ascii_lowered(text)
            if lowered is not None and needle not in lowered:
                return False
        return regex.search(_SEQUENCES.sub(" ", text)) is not None

    def run(event, context):
        raw = event.get("_raw")
        if type(raw) is str:  # one raw text, the common case: no generator
            return found(raw)
        if raw is not None:
            return any(found(v) for v in values_of(raw))
        return any(found(v) for name, value in event.items()
                   if not name.startswith("_") for v in values_of(value))
    return run


_LOWERED: List[Optional[str]] = [None, None]  # the last text looked at, and its lower()


def _ascii_lowered(text: str) -> Optional[str]:
    """`text.lower()` when it is ASCII, else None (the regex decides: Unicode case folding
    pairs the Kelvin sign with `k`).

    The terms of one search expression test the same `_raw` one after the other, so
    the last answer is kept (by identity: the same string object)."""
    if _LOWERED[0] is not text:
        _LOWERED[0], _LOWERED[1] = text, (text.lower() if text.isascii() else None)
    return _LOWERED[1]


def _network(value: str):
    """The network a CIDR value stands for (`10.0.0.0/8`, `2001:db8::/32`), or None."""
    if "/" not in value or "*" in value:
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def _in_network(network, candidate) -> bool:
    try:
        return ipaddress.ip_address(to_text(candidate).strip()) in network
    except ValueError:
        return False


def _equals(field: str, value: str) -> Predicate:
    if value == "*":
        return lambda e, c: e.get(field) is not None
    network = _network(value)
    if network is not None:
        # A CIDR value matches the addresses in it ("| search ip="192.0.2.0/24"" keeps
        # ip=192.0.2.56: Comparison and Conditional functions, cidrmatch).
        return lambda e, c: any(_in_network(network, v) for v in values_of(e.get(field)))
    regex = value_regex(value)
    number = to_number(value) if "*" not in value else None
    # Text against plain ASCII text: equal ignoring case is what the regex decides.
    plain = value.lower() if number is None and "*" not in value and value.isascii() \
        else None

    def matches(candidate) -> bool:
        if plain is not None and type(candidate) is str and candidate.isascii():
            return candidate.lower() == plain
        if number is not None:
            other = to_number(candidate)
            if other is not None:
                return other == number
        return regex.match(to_text(candidate)) is not None

    def run(event, context):
        found = event.get(field)
        if type(found) is str:  # one value, the common case
            if plain is not None and found.isascii():
                return found.lower() == plain
            return matches(found)
        return any(matches(v) for v in values_of(found))
    return run


def _relation(field: str, op: str, value: str) -> Predicate:
    tests = {"<": lambda r: r < 0, "<=": lambda r: r <= 0, ">": lambda r: r > 0,
             ">=": lambda r: r >= 0}
    test = tests[op]
    numeric = to_number(value) is not None

    def run(event, context):
        # Against a number, only numeric values compare (text is neither above nor below).
        return any(test(compare(v, value)) for v in values_of(event.get(field))
                   if not numeric or to_number(v) is not None)
    return run


def _time_bound(name: str, modifier: str) -> Predicate:
    def run(event, context):
        bound = times.resolve_time(modifier, context.now, context.tz)
        moment = to_number(event.get("_time"))
        if moment is None:
            return False
        return moment >= bound if name == "earliest" else moment < bound
    return run


_COMPARISON = re.compile(r'([^\s=!<>()"]+?)(!=|<=|>=|=|<|>)(.*)\Z', re.DOTALL)


@dataclass
class _Tok:
    text: str
    position: int


class SearchParser:
    def __init__(self, text: str, offset: int, search: Optional[str]) -> None:
        self.search = search
        self.tokens = self._lex(text, offset)
        self.i = 0

    def _lex(self, text: str, offset: int) -> List[_Tok]:
        tokens, i, n = [], 0, len(text)
        while i < n:
            if text[i].isspace():
                i += 1
                continue
            if text[i] in "()":
                tokens.append(_Tok(text[i], offset + i))
                i += 1
                continue
            start = i
            while i < n and not text[i].isspace() and text[i] not in "()":
                if text[i] == '"':
                    j = i + 1
                    while j < n and text[j] != '"':
                        j += 2 if text[j] == "\\" else 1
                    if j >= n:
                        raise SplError("unbalanced quotes", search=self.search,
                                       position=offset + i)
                    i = j + 1
                else:
                    i += 1
            tokens.append(_Tok(text[start:i], offset + start))
        return tokens

    def error(self, message: str, position: int, unsupported: bool = False) -> SplError:
        kind = SplUnsupported if unsupported else SplError
        return kind(message, search=self.search, position=position)

    def peek(self) -> Optional[_Tok]:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self) -> Predicate:
        if not self.tokens:
            return lambda e, c: True
        predicate = self.conjunction()
        if self.peek() is not None:
            token = self.peek()
            raise self.error(f"unexpected '{token.text}' in search", token.position)
        return predicate

    def conjunction(self) -> Predicate:
        parts = [self.disjunction()]
        while True:
            token = self.peek()
            if token is None or token.text == ")":
                break
            if token.text == "AND":
                self.i += 1
                token = self.peek()
                if token is None or token.text == ")":
                    raise self.error("AND needs a term after it", self.tokens[self.i - 1]
                                     .position)
            parts.append(self.disjunction())
        if len(parts) == 1:
            return parts[0]
        return _all_of(parts)

    def disjunction(self) -> Predicate:
        parts = [self.negation()]
        while self.peek() is not None and self.peek().text == "OR":
            self.i += 1
            if self.peek() is None:
                raise self.error("OR needs a term after it", self.tokens[self.i - 1]
                                 .position)
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        return _any_of(parts)

    def negation(self) -> Predicate:
        token = self.peek()
        if token is not None and token.text == "NOT":
            self.i += 1
            if self.peek() is None:
                raise self.error("NOT needs a term after it", token.position)
            operand = self.negation()
            return lambda e, c: not operand(e, c)
        return self.primary()

    def primary(self) -> Predicate:
        token = self.peek()
        self.i += 1
        if token.text == "(":
            inner = self.conjunction()
            closing = self.peek()
            if closing is None or closing.text != ")":
                raise self.error("unbalanced parenthesis", token.position)
            self.i += 1
            return inner
        if token.text == ")":
            raise self.error("unbalanced parenthesis", token.position)
        if token.text in ("XOR",):
            raise self.error("XOR is not supported by the search command", token.position,
                             unsupported=True)
        following = self.peek()
        if (token.text.upper() in ("TERM", "CASE") and following is not None
                and following.text == "(" and following.position == token.position + 4):
            raise self.error(f"unsupported search directive '{token.text}()'",
                             token.position, unsupported=True)
        if following is not None and following.text == "IN":
            return self._in(token)
        return self.atom(token)

    def _in(self, field_token: _Tok) -> Predicate:
        self.i += 1
        opening = self.peek()
        if opening is None or opening.text != "(":
            raise self.error("IN needs a parenthesized list", field_token.position)
        self.i += 1
        values: List[str] = []
        while True:
            token = self.peek()
            if token is None:
                raise self.error("unbalanced parenthesis", opening.position)
            self.i += 1
            if token.text == ")":
                break
            values.extend(unquote(v.strip()) for v in _split_commas(token.text)
                          if v.strip())
        checks = [_equals(field_token.text, v) for v in values]
        return lambda e, c: any(check(e, c) for check in checks)

    def atom(self, token: _Tok) -> Predicate:
        text = token.text
        if text.startswith('"'):
            return _term(unquote(text))
        match = _COMPARISON.match(text)
        if not match:
            return _term(text)
        field, op, value = match.group(1), match.group(2), match.group(3)
        if field in REFUSED_FIELDS or field.lower() in ("eventtype", "tag"):
            raise self.error(f"unsupported search modifier '{field}'", token.position,
                             unsupported=True)
        if "*" in field:
            raise self.error(f"unsupported wildcard in field name '{field}'",
                             token.position, unsupported=True)
        value = unquote(value)
        if field in ("earliest", "latest") and op == "=":
            try:
                times.resolve_time(value, 0.0, "UTC")
            except SplError as error:
                raise self.error(error.detail, token.position) from None
            return _time_bound(field, value)
        if op == "=":
            return _equals(field, value)
        if op == "!=":
            equal = _equals(field, value)
            return lambda e, c: e.get(field) is not None and not equal(e, c)
        return _relation(field, op, value)


# AND and OR as plain loops: each event of a busy trail goes through them (a generator per
# call would cost about as much as the comparisons themselves).
def _all_of(parts: List[Predicate]) -> Predicate:
    def run(event, context):
        for part in parts:  # noqa: SIM110 - a loop, not a generator (see above)
            if not part(event, context):
                return False
        return True
    return run


def _any_of(parts: List[Predicate]) -> Predicate:
    def run(event, context):
        for part in parts:  # noqa: SIM110 - a loop, not a generator (see above)
            if part(event, context):
                return True
        return False
    return run


def _split_commas(text: str) -> List[str]:
    parts, current, quote = [], [], False
    for char in text:
        if char == '"':
            quote = not quote
        if char == "," and not quote:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def compile_search(text: str, offset: int = 0, search: Optional[str] = None) -> Predicate:
    """A search expression as a function of (event, SearchContext) -> bool."""
    return SearchParser(text, offset, search).parse()
