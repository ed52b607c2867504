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
from .shaping import parse_sort_keys, sort_rows

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
    removed unless `keepempty=true`; `consecutive=true` only removes runs;
    `keepevents=true` keeps every result but removes the fields from the duplicates;
    `sortby` sorts the results first, as `sort` does, so that "the top-most event, of
    the duplicate events in the sorted list, is retained". A multivalue field must
    match in all its values."""

    name = "dedup"
    keeps_columns = True

    def __init__(self, position, count, fields, keepempty, consecutive, keepevents=False,
                 sortby=()):
        super().__init__(position)
        self.count = count
        self.fields = fields
        self.keepempty = keepempty
        self.consecutive = consecutive
        self.keepevents = keepevents
        self.sortby = list(sortby)

    def run(self, rows, context):
        if self.sortby:
            rows = sort_rows(rows, self.sortby)
        seen: Dict[tuple, int] = {}
        kept, previous = [], None
        for row in rows:
            values = [row.get(n) for n in self.fields]
            if any(v is None for v in values):
                if self.keepempty or self.keepevents:
                    kept.append(row)
                continue
            key = tuple(freeze(v) for v in values)
            if self.consecutive:
                duplicate = key == previous
                previous = key
            else:
                seen[key] = seen.get(key, 0) + 1
                duplicate = seen[key] > self.count
            if not duplicate:
                kept.append(row)
            elif self.keepevents:
                kept.append({k: v for k, v in row.items() if k not in self.fields})
        return kept


@command("dedup")
def parse_dedup(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    sortby_at = next((i for i, t in enumerate(tokens)
                      if t.raw.lower() == "sortby" and not t.quoted), None)
    sortby = []
    if sortby_at is not None:
        sortby = parse_sort_keys(tokens[sortby_at + 1:], "dedup", search)
        if not sortby:
            raise SplError("dedup: sortby needs a field", search=search,
                           position=tokens[sortby_at].position)
        tokens = tokens[:sortby_at]
    options, tokens = take_options(tokens, ("keepempty", "consecutive", "keepevents"),
                                   "dedup", search, anywhere=True)
    count = 1
    if tokens and re.fullmatch(r"\d+", tokens[0].raw):
        count = int(tokens[0].raw)
        if count == 0:
            raise SplError("dedup: the number to keep must be greater than 0",
                           search=search, position=tokens[0].position)
        tokens = tokens[1:]
    fields = field_names(tokens, "dedup", search)
    if not fields:
        raise SplError("dedup needs a field", search=search, position=position)
    return Dedup(position, count, fields, bool_option(options, "keepempty", False, search),
                 bool_option(options, "consecutive", False, search),
                 bool_option(options, "keepevents", False, search), sortby)


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
    # head [<N>] [limit=<int>]; tail takes only <N> (the pages' syntaxes).
    options, tokens = take_options(tokens, () if last else ("limit",), name, search)
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
