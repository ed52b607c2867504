"""Commands that shape the table: `table` and `fields` (which fields, in which order)
and `sort` (which order of results). Each follows its Search Reference page."""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Dict, List, Optional, Tuple

from .commands import (
    Command,
    Parser,
    expand_patterns,
    field_names,
    int_option,
    registrar,
    take_options,
    wildcard_match,
)
from .errors import SplError
from .lexer import Token, tokenize, unquote
from .values import to_number, to_text, values_of

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)


class Table(Command):
    """table: Search Reference "table": only the listed fields (wildcards allowed), in that
    order; internal fields only when listed."""

    name = "table"

    def __init__(self, position, patterns):
        super().__init__(position)
        self.patterns = patterns

    def run(self, rows, context):
        columns = expand_patterns(self.patterns, rows)
        context.columns = columns
        return [{c: row[c] for c in columns if c in row} for row in rows]


@command("table")
def parse_table(text, offset, position, search, lookups):
    fields = field_names(tokenize(text, offset, search), "table", search)
    if not fields:
        raise SplError("table needs a field", search=search, position=position)
    return Table(position, fields)


class Fields(Command):
    """fields: Search Reference "fields": `fields a b` keeps those (and the internal
    fields such as `_time`, which only `fields - _*` removes); `fields - a b` removes."""

    name = "fields"

    def __init__(self, position, remove, patterns):
        super().__init__(position)
        self.remove = remove
        self.patterns = patterns

    def run(self, rows, context):
        def listed(name):
            return any(wildcard_match(p, name) for p in self.patterns)

        if self.remove:
            out = [{k: v for k, v in row.items() if not listed(k)} for row in rows]
            if context.columns:
                context.columns = [c for c in context.columns if not listed(c)]
            return out
        columns = expand_patterns(self.patterns, rows)
        context.columns = columns
        out = []
        for row in rows:
            kept = {c: row[c] for c in columns if c in row}
            kept.update({k: v for k, v in row.items() if k.startswith("_") and k not in kept})
            out.append(kept)
        return out


@command("fields")
def parse_fields(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    remove = False
    if tokens and tokens[0].raw in ("-", "+"):
        remove = tokens[0].raw == "-"
        tokens = tokens[1:]
    elif tokens and tokens[0].raw.startswith("-") and len(tokens[0].raw) > 1:
        remove = True
        first = tokens[0]
        tokens = [Token(first.text[1:], first.position + 1, first.raw[1:]), *tokens[1:]]
    fields = field_names(tokens, "fields", search)
    if not fields:
        raise SplError("fields needs a field", search=search, position=position)
    return Fields(position, remove, fields)


SortKey = Tuple[str, bool, str]  # (field, descending, collation: auto, num or str)


class Sort(Command):
    """sort: Search Reference "sort": stable; `-` descending; `num()`, `str()`, `ip()`,
    `auto()` collations (auto: "If the field contains numeric values, the collating
    sequence is numeric. If the field contains on IP address values, the collating
    sequence is for IP addresses. Otherwise, the collating sequence is in
    lexicographical order"); keeps the first `<count>` results (default 10000, 0 =
    all). "Results missing a given field are treated as having the smallest or largest
    possible value of that field if the order is descending or ascending": they come
    last either way."""

    name = "sort"
    keeps_columns = True

    def __init__(self, position, limit, keys):
        super().__init__(position)
        self.limit = limit
        self.keys = keys

    def run(self, rows, context):
        ordered = sort_rows(rows, self.keys)
        return ordered[:self.limit] if self.limit else ordered


def _address(value) -> Optional[int]:
    """An IP address as a number that sorts addresses in order (IPv4 before IPv6)."""
    try:
        address = ipaddress.ip_address(to_text(value).strip())
    except ValueError:
        return None
    return int(address) + (0 if address.version == 4 else 1 << 32)


def _value_key(row: dict, name: str, mode: str):
    """The key of a result's first value of `name` under a collation: numbers, then IP
    addresses (in address order), then text."""
    values = values_of(row.get(name))
    if not values:
        return None
    value = values[0]
    number = to_number(value) if mode in ("auto", "num") else None
    if number is not None:
        return (0, number, "")
    address = _address(value) if mode in ("auto", "ip") else None
    if address is not None:
        return (1, address, "")
    return (2, 0, to_text(value))


def sort_rows(rows: List[dict], keys: List[SortKey]) -> List[dict]:
    """`rows` in the order of `keys` (stable; missing values last either way)."""
    def compare(a, b):
        for name, descending, mode in keys:
            x, y = _value_key(a, name, mode), _value_key(b, name, mode)
            if x == y:
                continue
            if x is None:
                return 1
            if y is None:
                return -1
            result = -1 if x < y else 1
            return -result if descending else result
        return 0

    return sorted(rows, key=functools.cmp_to_key(compare))


def parse_sort_keys(tokens: List[Token], command_name: str, search) -> List[SortKey]:
    """`-a num(b) str(c)` [`desc`] -> sort keys; `d`/`desc` last reverses them all."""
    reverse_all = False
    if tokens and tokens[-1].raw.lower() in ("d", "desc"):
        reverse_all = True
        tokens = tokens[:-1]
    keys, sign = [], False
    for token in tokens:
        raw = token.raw
        if raw in ("-", "+"):
            sign = raw == "-"
            continue
        descending = sign
        if raw[0] in "+-":
            descending = raw[0] == "-"
            raw = raw[1:]
        sign = False
        mode = "auto"
        match = re.fullmatch(r"(auto|str|num|ip)\((.+)\)", raw)
        if match:
            mode, raw = match.group(1), match.group(2)
        if not raw or "(" in raw:
            raise SplError(f"{command_name}: unexpected '{token.raw}'", search=search,
                           position=token.position)
        keys.append((unquote(raw), descending != reverse_all, mode))
    return keys


@command("sort")
def parse_sort(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("limit",), "sort", search)
    limit = int_option(options, "limit", 10000, search)
    if tokens and re.fullmatch(r"\d+", tokens[0].raw):
        limit = int(tokens[0].raw)
        tokens = tokens[1:]
    keys = parse_sort_keys(tokens, "sort", search)
    if not keys:
        raise SplError("sort needs a field", search=search, position=position)
    return Sort(position, limit, keys)


__all__ = ["PARSERS", "Fields", "Sort", "SortKey", "Table", "parse_sort_keys", "sort_rows"]
