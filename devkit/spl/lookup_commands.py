"""The lookup commands: `lookup` (enrich each result from a table), `inputlookup` (read
a table) and `outputlookup` (write one), over the CSV files and KV store collections of
lookups.py. Each follows its Search Reference page."""

from __future__ import annotations

import re
from itertools import product
from typing import Dict, List, Tuple

from .commands import (
    Command,
    Parser,
    bool_option,
    int_option,
    registrar,
    take_options,
)
from .errors import SplError, SplUnsupported
from .lexer import Token, tokenize
from .lookups import Definition, Lookups, MatchIndex, new_key
from .searchexpr import compile_search
from .values import normalize, to_text, values_of

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)


class Lookup(Command):
    """lookup: Search Reference "lookup" with transforms.conf.spec: matches every input
    field (case-sensitively unless `case_sensitive_match = false`; a multivalue event
    field matches on any value); up to `max_matches` (100) rows in table order give
    their values (several make a multivalue field). `OUTPUT` overwrites the output
    fields of a result that matches; a result that matches nothing keeps its fields
    ("nothing is output to your event", Knowledge Manager Manual), unless `min_matches`
    and `default_match` supply a value. `OUTPUTNEW` writes only fields the result does
    not have. Without an output clause every table field but the input fields is
    output. A missing table file stops the search with an error naming the lookup."""

    name = "lookup"

    def __init__(self, position, table, inputs, outputs, outputnew):
        super().__init__(position)
        self.table = table
        self.inputs = inputs
        self.outputs = outputs
        self.outputnew = outputnew

    def run(self, rows, context):
        lookups = context.lookups
        try:
            definition = lookups.definition(self.table)
            table, columns = lookups.read(definition)
        except SplError as error:
            raise self.fail(type(error)(f"lookup: {error.detail}"), context) from None
        lookup_fields = [f for f, _ in self.inputs]
        outputs = self.outputs or [(c, c) for c in columns
                                   if c not in lookup_fields and c != "_key"]
        index = MatchIndex(table, lookup_fields, definition)
        for row in rows:
            if self.outputnew and all(row.get(dest) is not None for _, dest in outputs):
                continue
            event_values = [values_of(row.get(event_field)) for _, event_field in self.inputs]
            found: List[int] = []
            if all(event_values):
                for combination in product(*event_values):
                    for match in index.matches(tuple(to_text(v) for v in combination)):
                        if match not in found:
                            found.append(match)
            found = sorted(found)[:definition.max_matches]  # in table order
            for source, dest in outputs:
                if self.outputnew and row.get(dest) is not None:
                    continue
                values = [v for i in found for v in values_of(table[i].get(source))]
                if len(found) < definition.min_matches and definition.default_match:
                    values += [definition.default_match] * (definition.min_matches - len(found))
                if values:
                    row[dest] = normalize(values)
                elif found:
                    row.pop(dest, None)  # the matching rows hold no value for it
        return rows


def _field_pairs(tokens: List[Token], search) -> List[Tuple[str, str]]:
    pairs, i = [], 0
    while i < len(tokens):
        name = tokens[i].text
        if i + 2 < len(tokens) and tokens[i + 1].raw.lower() == "as":
            pairs.append((name, tokens[i + 2].text))
            i += 3
        elif i + 1 < len(tokens) and tokens[i + 1].raw.lower() == "as":
            raise SplError("AS needs a field name", search=search,
                           position=tokens[i + 1].position)
        else:
            pairs.append((name, name))
            i += 1
    return pairs


def _check_definition(lookups: Lookups, name: str, search, position) -> None:
    """Refuse, at parse time, lookup types the engine does not implement."""
    try:
        lookups.definition(name)
    except SplUnsupported as error:
        raise error.located(search, position) from None
    except SplError:
        pass  # a missing definition is a run-time error, as in Splunk


@command("lookup")
def parse_lookup(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    _options, tokens = take_options(tokens, ("local", "update"), "lookup", search)
    if not tokens:
        raise SplError("lookup needs a lookup name", search=search, position=position)
    table = tokens[0].text
    rest = tokens[1:]
    clause_at = next((i for i, t in enumerate(rest) if t.raw in ("OUTPUT", "OUTPUTNEW")),
                     None)
    inputs_tokens = rest if clause_at is None else rest[:clause_at]
    inputs = _field_pairs(inputs_tokens, search)
    if not inputs:
        raise SplError("lookup needs at least one input field", search=search,
                       position=tokens[0].position)
    outputs = None
    outputnew = False
    if clause_at is not None:
        outputnew = rest[clause_at].raw == "OUTPUTNEW"
        outputs = _field_pairs(rest[clause_at + 1:], search)
        if not outputs:
            raise SplError("OUTPUT needs at least one field", search=search,
                           position=rest[clause_at].position)
    _check_definition(lookups, table, search, tokens[0].position)
    return Lookup(position, table, inputs, outputs, outputnew)


class Inputlookup(Command):
    """inputlookup: Search Reference "inputlookup": the table's rows (from `start`, at
    most `max`), filtered by `WHERE <search>`; `append=true` adds them after the results
    instead of replacing them. A missing CSV file gives no rows and a warning, unless
    `strict=true`, which makes it an error. KV store rows carry their `_key`."""

    name = "inputlookup"

    def __init__(self, position, table, append, strict, start, maximum, where):
        super().__init__(position)
        self.table = table
        self.append = append
        self.strict = strict
        self.start = start
        self.maximum = maximum
        self.where = where
        self.generating = not append

    def run(self, rows, context):
        lookups = context.lookups
        try:
            definition = lookups.definition(self.table)
            if not lookups.exists(definition) and not self.strict:
                context.messages.append(f"inputlookup: the lookup table '{self.table}' "
                                        f"does not exist")
                table = []
            else:
                table, _ = lookups.read(definition)
        except SplError as error:
            raise self.fail(type(error)(f"inputlookup: {error.detail}"), context) from None
        found = [dict(r) for r in table[self.start:]]
        if self.where is not None:
            found = [r for r in found if self.where(r, context.search_context)]
        if self.maximum:
            found = found[:self.maximum]
        return [*rows, *found] if self.append else found


@command("inputlookup")
def parse_inputlookup(text, offset, position, search, lookups):
    where_at = re.search(r"\sWHERE\s|\swhere\s", text)
    head = text[:where_at.start()] if where_at else text
    where_text = text[where_at.end():] if where_at else ""
    tokens = tokenize(head, offset, search)
    options, tokens = take_options(tokens, ("append", "strict", "start", "max"),
                                   "inputlookup", search, anywhere=True)
    if len(tokens) != 1:
        raise SplError("inputlookup needs one lookup name", search=search, position=position)
    where = None
    if where_text.strip():
        where = compile_search(where_text, offset + where_at.end(), search)
    _check_definition(lookups, tokens[0].text, search, tokens[0].position)
    return Inputlookup(position, tokens[0].text, bool_option(options, "append", False, search),
                       bool_option(options, "strict", False, search),
                       int_option(options, "start", 0, search),
                       int_option(options, "max", 0, search), where)


class Outputlookup(Command):
    """outputlookup: Search Reference "outputlookup": writes the results to the table and
    passes them on. With no results and `override_if_empty=true` (the default) a CSV file
    is DELETED (or, with `create_empty=true`, left as a zero-length file) and a KV store
    collection emptied; with `override_if_empty=false` the table is left as it was.
    `append=true` adds rows (to a CSV's existing columns only); `key_field` (KV store)
    names the field holding each row's `_key`, updating that record; rows with a `_key`
    update theirs, others get a new key. A KV store lookup with a `fields_list` stores
    those fields only. `max` writes at most that many rows."""

    name = "outputlookup"
    keeps_columns = True

    def __init__(self, position, table, append, create_empty, override_if_empty, maximum,
                 key_field):
        super().__init__(position)
        self.table = table
        self.append = append
        self.create_empty = create_empty
        self.override_if_empty = override_if_empty
        self.maximum = maximum
        self.key_field = key_field

    def run(self, rows, context):
        lookups = context.lookups
        written = rows[:self.maximum] if self.maximum else rows
        try:
            definition = lookups.definition(self.table)
            if not written:
                if self.override_if_empty and not self.append:
                    if self.create_empty and definition.kind == "csv":
                        lookups.write_empty_csv(definition)
                    else:
                        lookups.delete(definition)
                return rows
            if definition.kind == "csv":
                if self.key_field:
                    raise SplError("key_field applies to KV store lookups only")
                lookups.write_csv(definition, written, append=self.append)
            else:
                self._write_collection(lookups, definition, written)
        except SplError as error:
            raise self.fail(type(error)(f"outputlookup: {error.detail}"), context) from None
        return rows

    def _write_collection(self, lookups, definition: Definition, rows: List[dict]) -> None:
        existing = lookups.load_collection(definition) if self.append else []
        by_key = {to_text(r["_key"]): i for i, r in enumerate(existing) if r.get("_key")}
        wanted = set(definition.fields_list or ())
        for row in rows:
            # A collection keeps the lookup's fields_list (all fields when it has none).
            record = {k: v for k, v in row.items()
                      if (k in wanted if wanted else not k.startswith("_") or k == "_time")}
            key_value = row.get(self.key_field) if self.key_field else row.get("_key")
            key = to_text(values_of(key_value)[0]) if key_value is not None else new_key()
            record["_key"] = key
            if key in by_key:
                existing[by_key[key]] = record
            else:
                by_key[key] = len(existing)
                existing.append(record)
        lookups.write_collection(definition, existing)


@command("outputlookup")
def parse_outputlookup(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(
        tokens, ("append", "create_empty", "override_if_empty", "max", "key_field",
                 "createinapp", "allow_updates", "create_context", "output_format"),
        "outputlookup", search, anywhere=True)
    for name in ("create_context", "output_format", "allow_updates"):
        if name in options:
            raise SplUnsupported(f"unsupported outputlookup option '{name}'", search=search,
                                 position=options[name][1].position)
    if len(tokens) != 1:
        raise SplError("outputlookup needs one lookup name", search=search,
                       position=position)
    _check_definition(lookups, tokens[0].text, search, tokens[0].position)
    key_field = options["key_field"][0] if "key_field" in options else None
    return Outputlookup(position, tokens[0].text,
                        bool_option(options, "append", False, search),
                        bool_option(options, "create_empty", False, search),
                        bool_option(options, "override_if_empty", True, search),
                        int_option(options, "max", 0, search), key_field)



__all__ = ["PARSERS", "Inputlookup", "Lookup", "Outputlookup"]
