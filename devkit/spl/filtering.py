"""Commands that keep some results and drop the others, leaving each result as it is:
`search`, `where`, `dedup`, `head` and `tail` (each follows its Search Reference page)."""

from __future__ import annotations

import re
from typing import Dict

from .commands import (
    Command,
    Parser,
    bool_option,
    field_names,
    freeze,
    int_option,
    registrar,
    take_options,
)
from .errors import SplError, SplUnsupported
from .evalexpr import compile_expression, truth
from .lexer import tokenize
from .searchexpr import compile_search

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)


class Search(Command):
    """search: Search Reference "search" (see searchexpr for the matching rules)."""

    name = "search"
    keeps_columns = True

    def __init__(self, position: int, predicate) -> None:
        super().__init__(position)
        self.predicate = predicate

    def run(self, rows, context):
        try:
            return [r for r in rows if self.predicate(r, context.search_context)]
        except SplError as error:
            raise self.fail(error, context) from None


@command("search")
def parse_search(text, offset, position, search, lookups):
    return Search(position, compile_search(text, offset, search))


class Where(Command):
    """where: Search Reference "where": keeps results whose expression is true (a null
    result, such as a comparison with a missing field, drops the result)."""

    name = "where"
    keeps_columns = True

    def __init__(self, position: int, expression) -> None:
        super().__init__(position)
        self.expression = expression

    def run(self, rows, context):
        kept = []
        try:
            for row in rows:
                if truth(self.expression(row, context.eval_context)) is True:
                    kept.append(row)
        except SplError as error:
            raise self.fail(type(error)(f"where: {error.detail}"), context) from None
        return kept


@command("where")
def parse_where(text, offset, position, search, lookups):
    if not text.strip():
        raise SplError("where needs an expression", search=search, position=position)
    return Where(position, compile_expression(text, offset, search))


class Dedup(Command):
    """dedup: Search Reference "dedup": keeps the first `<n>` (1) results of each
    combination of the fields' values, in order; results missing one of the fields are
    removed unless `keepempty=true`; `consecutive=true` only removes runs."""

    name = "dedup"
    keeps_columns = True

    def __init__(self, position, count, fields, keepempty, consecutive):
        super().__init__(position)
        self.count = count
        self.fields = fields
        self.keepempty = keepempty
        self.consecutive = consecutive

    def run(self, rows, context):
        seen: Dict[tuple, int] = {}
        kept, previous = [], None
        for row in rows:
            values = [row.get(n) for n in self.fields]
            if any(v is None for v in values):
                if self.keepempty:
                    kept.append(row)
                continue
            key = tuple(freeze(v) for v in values)
            if self.consecutive:
                if key != previous:
                    kept.append(row)
                previous = key
                continue
            seen[key] = seen.get(key, 0) + 1
            if seen[key] <= self.count:
                kept.append(row)
        return kept


@command("dedup")
def parse_dedup(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("keepempty", "consecutive", "keepevents"),
                                   "dedup", search, anywhere=True)
    if "keepevents" in options:
        raise SplUnsupported("unsupported dedup option 'keepevents'", search=search,
                             position=options["keepevents"][1].position)
    count = 1
    if tokens and re.fullmatch(r"\d+", tokens[0].raw):
        count = int(tokens[0].raw)
        tokens = tokens[1:]
    for token in tokens:
        if token.raw.lower() == "sortby":
            raise SplUnsupported("unsupported dedup clause 'sortby'", search=search,
                                 position=token.position)
    fields = field_names(tokens, "dedup", search)
    if not fields:
        raise SplError("dedup needs a field", search=search, position=position)
    return Dedup(position, count, fields, bool_option(options, "keepempty", False, search),
                 bool_option(options, "consecutive", False, search))


class Head(Command):
    """head / tail: Search Reference "head", "tail": the first / last n (10) results."""

    keeps_columns = True

    def __init__(self, position, count, last):
        super().__init__(position)
        self.count = count
        self.last = last
        self.name = "tail" if last else "head"

    def run(self, rows, context):
        if self.last:
            return list(reversed(rows[-self.count:])) if self.count else []
        return rows[:self.count]


def _parse_head(text, offset, position, search, last):
    name = "tail" if last else "head"
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("limit",), name, search)
    count = int_option(options, "limit", 10, search)
    if tokens:
        if len(tokens) > 1 or not re.fullmatch(r"\d+", tokens[0].raw):
            raise SplUnsupported(f"unsupported {name} argument '{tokens[0].raw}' (only a "
                                 f"count)", search=search, position=tokens[0].position)
        count = int(tokens[0].raw)
    return Head(position, count, last)


@command("head")
def parse_head(text, offset, position, search, lookups):
    return _parse_head(text, offset, position, search, False)


@command("tail")
def parse_tail(text, offset, position, search, lookups):
    return _parse_head(text, offset, position, search, True)


__all__ = ["PARSERS", "Dedup", "Head", "Search", "Where"]
