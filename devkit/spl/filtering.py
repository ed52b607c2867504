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
    join_spaced_options,
    registrar,
    take_options,
)
from .errors import SplError, SplUnsupported
from .evalexpr import compile_expression, truth
from .lexer import split_option, tokenize
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


MAX_RESULTS = 1 << 62  # no limit


class Head(Command):
    """head / tail: Search Reference "head", "tail": the first / last n (10) results.

    head also takes an eval expression: "all initial results are returned until the
    first result where the expression evaluates to false", that result kept when
    `keeplast=true`; a result where it is null counts as false unless `null=true`, which
    keeps it and goes on; with a count as well, "the smaller of the two constraints
    applies"."""

    keeps_columns = True

    def __init__(self, position, count, last, expression=None, keeplast=False,
                 keepnull=False):
        super().__init__(position)
        self.count = count
        self.last = last
        self.expression = expression
        self.keeplast = keeplast
        self.keepnull = keepnull
        self.name = "tail" if last else "head"

    def run(self, rows, context):
        if self.last:
            return list(reversed(rows[-self.count:])) if self.count else []
        if self.expression is None:
            return rows[:self.count]
        kept = []
        try:
            for row in rows:
                if len(kept) >= self.count:
                    break
                verdict = truth(self.expression(row, context.eval_context))
                if verdict is True or (verdict is None and self.keepnull):
                    kept.append(row)
                    continue
                if self.keeplast:
                    kept.append(row)
                break
        except SplError as error:
            raise self.fail(type(error)(f"head: {error.detail}"), context) from None
        return kept


def _parse_head(text, offset, position, search, last):
    """head [<N> | <eval-expression>] [limit=<int>] [null=<bool>] [keeplast=<bool>];
    tail [<N>] (the pages' syntaxes). Options stand anywhere; the rest of the text is
    the count or the expression."""
    name = "tail" if last else "head"
    allowed = () if last else ("limit", "null", "keeplast")
    tokens = join_spaced_options(tokenize(text, offset, search), allowed)
    options: dict = {}
    blanked = list(text)
    rest = []
    for token in tokens:
        option = split_option(token)
        if option is not None and option[0] in allowed:
            options[option[0]] = (option[1], token)
            start = token.position - offset
            blanked[start:start + len(token.raw)] = " " * len(token.raw)
        else:
            rest.append(token)
    count = int_option(options, "limit", 10, search)
    expression = None
    if len(rest) == 1 and re.fullmatch(r"\d+", rest[0].raw):
        if "limit" in options:
            # "Using both the numeric limit and limit=<int> results in an error."
            raise SplError(f"{name}: give the count or limit=, not both", search=search,
                           position=options["limit"][1].position)
        count = int(rest[0].raw)
    elif rest and last:
        raise SplUnsupported(f"unsupported tail argument '{rest[0].raw}' (only a count)",
                             search=search, position=rest[0].position)
    elif rest:
        body = "".join(blanked)
        start = len(body) - len(body.lstrip())
        expression = compile_expression(body.strip(), offset + start, search)
        # "returns results until this expression evaluates to false": the default of
        # 10 is for a search with no limit at all (our reading).
        count = int_option(options, "limit", 0, search) or MAX_RESULTS
    return Head(position, count, last, expression,
                bool_option(options, "keeplast", False, search),
                bool_option(options, "null", False, search))


@command("head")
def parse_head(text, offset, position, search, lookups):
    return _parse_head(text, offset, position, search, False)


@command("tail")
def parse_tail(text, offset, position, search, lookups):
    return _parse_head(text, offset, position, search, True)


__all__ = ["PARSERS", "Dedup", "Head", "Search", "Where"]
