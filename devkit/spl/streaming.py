"""Commands that change each result on its own, in order: `eval`, `rename`, `fillnull`,
`makemv`, `mvexpand`, `addinfo` and the app's own `cloudsecrets` (each follows its Search
Reference page; cloudsecrets runs the packaged command, see external.py; `rex` is in
rex.py)."""

from __future__ import annotations

import math
import re
from typing import Dict

from .commands import (
    Command,
    Parser,
    bool_option,
    expand_patterns,
    field_names,
    int_option,
    registrar,
    split_top_level,
    take_options,
)
from .errors import SplError, SplUnsupported
from .evalexpr import compile_expression
from .lexer import tokenize
from .precision import settle
from .values import format_number, normalize, to_text, values_of

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)


class Eval(Command):
    """eval: Search Reference "eval": assignments left to right, each seeing the ones
    before; a null result removes the field; a true/false result is an error, as in
    Splunk ("fields cannot be assigned a boolean result").

    A name holding `{field}` is made from that field's value ("Dynamic field name
    creation": with aName=counter, `eval {aName}=aValue` sets counter), replaced again
    while braces remain; a replacement that never ends is an error, as the page says
    (`eval p="{p}", v_{p} = p`). Where the pages are silent (docs/decisions.md): a
    multivalue field gives its first value, and a `{field}` naming no field leaves the
    assignment out."""

    name = "eval"

    def __init__(self, position: int, assignments) -> None:
        super().__init__(position)
        self.assignments = assignments

    def run(self, rows, context):
        for row in rows:
            for template, expression, position in self.assignments:
                try:
                    value = expression(row, context.eval_context)
                except SplError as error:
                    raise type(error)(f"eval: {error.detail}").located(
                        context.search, position) from None
                try:
                    name = dynamic_name(template, row) if "{" in template else template
                except SplError as error:
                    raise error.located(context.search, position) from None
                if name is None:
                    continue
                if isinstance(value, bool):
                    raise SplError(f"eval: field '{name}' cannot be assigned a boolean "
                                   f"result", search=context.search, position=position)
                if value is None:
                    row.pop(name, None)
                else:  # a number as it prints (precision.py)
                    row[name] = settle(list(value) if isinstance(value, list) else value)
        return rows


_BRACED = re.compile(r"\{([^{}]+)\}")
_MAX_REPLACEMENTS = 100  # a guard of this engine: more means the name names itself


def dynamic_name(template: str, row: dict):
    """`template` with each `{field}` replaced by that field's value (None when a named
    field is absent)."""
    name = template
    for _ in range(_MAX_REPLACEMENTS):
        match = _BRACED.search(name)
        if match is None:
            return name
        values = values_of(row.get(match.group(1)))
        if not values:
            return None
        name = name[:match.start()] + to_text(values[0]) + name[match.end():]
    raise SplError(f"eval: the field name '{template}' is replaced recursively without end")


@command("eval")
def parse_eval(text, offset, position, search, lookups):
    assignments = []
    for piece, start in split_top_level(text):
        match = re.match(r"\s*(\"[^\"]*\"|'[^']*'|[^\s=!<>]+)\s*=(?!=)", piece)
        if not match or not piece[match.end():].strip():
            raise SplError("eval needs assignments of the form field=expression",
                           search=search, position=offset + start)
        name = match.group(1).strip("\"'")
        expression = compile_expression(piece[match.end():], offset + start + match.end(),
                                        search)
        assignments.append((name, expression, offset + start))
    return Eval(position, assignments)


class Rename(Command):
    """rename: Search Reference "rename": `a AS b` (wildcards rename alike, `EU* AS
    EMEA*`), each pair in turn. A renamed field keeps its place among the columns.
    "Renaming a field that does not exist": if the new name exists, its data is removed;
    a field already named so is replaced. "You can't rename one field with multiple
    names" and "Both the original and renamed fields must include the same number of
    wildcards": both are errors when the search is parsed."""

    name = "rename"
    keeps_columns = True

    def __init__(self, position, pairs):
        super().__init__(position)
        self.pairs = [(old, new, _wildcard_regex(old)) for old, new in pairs]

    def run(self, rows, context):
        out = [self._renamed(row) for row in rows]
        if context.columns:
            names = self._renamed(dict.fromkeys(context.columns, True))
            context.columns = list(names)
        return out

    def _renamed(self, row: dict) -> dict:
        for old, new, regex in self.pairs:
            if regex is None and old not in row:
                row = {k: v for k, v in row.items() if k != new}
                continue
            targets = {name: _target(name, old, new, regex) for name in row}
            targets = {name: t for name, t in targets.items() if t is not None}
            if not targets:
                continue
            renamed = {}
            for name, value in row.items():
                if name in targets:
                    renamed[targets[name]] = value
                elif name not in targets.values():
                    renamed[name] = value
            row = renamed
        return row


def _wildcard_regex(pattern: str):
    if "*" not in pattern:
        return None
    return re.compile("(.*)".join(re.escape(p) for p in pattern.split("*")) + r"\Z",
                      re.DOTALL)


def _target(name: str, old: str, new: str, regex):
    """The new name of field `name` under `old AS new`, or None when it does not match."""
    if regex is None:
        return new if name == old else None
    match = regex.match(name)
    if match is None:
        return None
    parts = new.split("*")
    return parts[0] + "".join(g + p for g, p in zip(match.groups(), parts[1:]))


@command("rename")
def parse_rename(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    pairs = []
    for i in range(0, len(tokens), 3):
        group = tokens[i:i + 3]
        if len(group) != 3 or group[1].raw.lower() != "as":
            raise SplError("rename needs pairs of the form field AS newname", search=search,
                           position=group[0].position)
        old, new = group[0].text, group[2].text
        if old.count("*") != new.count("*"):
            raise SplError(f"rename: wildcard mismatch: '{old}' and '{new}' must have as "
                           f"many '*'", search=search, position=group[2].position)
        if any(old == earlier for earlier, _ in pairs):
            raise SplError(f"rename: '{old}' cannot be renamed twice", search=search,
                           position=group[0].position)
        pairs.append((old, new))
    if not pairs:
        raise SplError("rename needs a field", search=search, position=position)
    return Rename(position, pairs)


class Fillnull(Command):
    """fillnull: Search Reference "fillnull": `value` (0) into the listed fields, or into
    every field some result has."""

    name = "fillnull"

    def __init__(self, position, value, fields):
        super().__init__(position)
        self.value = value
        self.fields = fields

    def run(self, rows, context):
        names = self.fields or expand_patterns(["*"], rows)
        for row in rows:
            for name in names:
                if row.get(name) is None:
                    row[name] = self.value
        return rows


@command("fillnull")
def parse_fillnull(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("value",), "fillnull", search)
    value = options["value"][0] if "value" in options else "0"
    return Fillnull(position, value, field_names(tokens, "fillnull", search))


class Mvexpand(Command):
    """mvexpand: Search Reference "mvexpand": one result per value of the field."""

    name = "mvexpand"

    def __init__(self, position, field_name, limit):
        super().__init__(position)
        self.field = field_name
        self.limit = limit

    def run(self, rows, context):
        out = []
        for row in rows:
            values = values_of(row.get(self.field))
            if not values:
                out.append(row)
                continue
            for value in values[:self.limit] if self.limit else values:
                out.append({**row, self.field: value})
        return out


@command("mvexpand")
def parse_mvexpand(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("limit",), "mvexpand", search, anywhere=True)
    fields = field_names(tokens, "mvexpand", search)
    if len(fields) != 1:
        raise SplError("mvexpand needs one field", search=search, position=position)
    _refuse_internal(fields[0], "mvexpand", tokens[0], search)
    return Mvexpand(position, fields[0], int_option(options, "limit", 0, search))


class Addinfo(Command):
    """addinfo: Search Reference "addinfo": the run's time range and dispatch time."""

    name = "addinfo"

    def run(self, rows, context):
        for row in rows:
            row["info_min_time"] = context.earliest if context.earliest is not None else 0.0
            row["info_max_time"] = context.latest if context.latest is not None else "+Infinity"
            row["info_search_time"] = context.now
            row["info_sid"] = f"engine_{format_number(math.floor(context.now))}"
        return rows


@command("addinfo")
def parse_addinfo(text, offset, position, search, lookups):
    if text.strip():
        raise SplUnsupported("unsupported addinfo arguments", search=search, position=offset)
    return Addinfo(position)


class Cloudsecrets(Command):
    """cloudsecrets: the app's packaged streaming command over protocol v2 (see
    external.py)."""

    name = "cloudsecrets"

    def __init__(self, position, args):
        super().__init__(position)
        self.args = args

    def run(self, rows, context):
        try:
            return context.command_runner.run(rows, self.args)
        except SplError as error:
            raise self.fail(error, context) from None


@command("cloudsecrets")
def parse_cloudsecrets(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search, commas=False)
    return Cloudsecrets(position, [t.raw for t in tokens])



class Makemv(Command):
    """makemv: Search Reference "makemv": splits a field's text into a multivalue field,
    at every occurrence of `delim` (a single space by default) or, with `tokenizer`,
    taking the first capturing group of each match of that regex; empty values are
    dropped unless `allowempty=true`. A field that is already multivalue has each of
    its values split, in order. `setsv=true` is refused."""

    name = "makemv"

    def __init__(self, position, field_name, delim, tokenizer, allowempty):
        super().__init__(position)
        self.field = field_name
        self.delim = delim
        self.tokenizer = tokenizer
        self.allowempty = allowempty

    def run(self, rows, context):
        for row in rows:
            values = values_of(row.get(self.field))
            if not values:
                continue
            parts = [part for value in values for part in self._split(to_text(value))]
            if not self.allowempty:
                parts = [part for part in parts if part != ""]
            row[self.field] = normalize(parts)
            if row[self.field] is None:
                del row[self.field]
        return rows

    def _split(self, text: str) -> list:
        if self.tokenizer is None:
            return text.split(self.delim)
        return [match.group(1) if self.tokenizer.groups else match.group(0)
                for match in self.tokenizer.finditer(text)]


@command("makemv")
def parse_makemv(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search, commas=False)
    options, tokens = take_options(tokens, ("delim", "tokenizer", "allowempty", "setsv"),
                                   "makemv", search, anywhere=True)
    if bool_option(options, "setsv", False, search):
        raise SplUnsupported("unsupported makemv option 'setsv'", search=search,
                             position=options["setsv"][1].position)
    if "delim" in options and "tokenizer" in options:
        raise SplError("makemv takes delim or tokenizer, not both", search=search,
                       position=options["tokenizer"][1].position)
    fields = field_names(tokens, "makemv", search)
    if len(fields) != 1:
        raise SplError("makemv needs one field", search=search, position=position)
    _refuse_internal(fields[0], "makemv", tokens[0], search)
    tokenizer = None
    if "tokenizer" in options:
        value, token = options["tokenizer"]
        try:
            tokenizer = re.compile(value)
        except re.error as error:
            raise SplError(f"makemv: invalid tokenizer regex: {error}", search=search,
                           position=token.position) from None
    delim = options["delim"][0] if "delim" in options else " "
    if not delim:
        raise SplError("makemv: delim cannot be empty", search=search,
                       position=options["delim"][1].position)
    return Makemv(position, fields[0], delim, tokenizer,
                  bool_option(options, "allowempty", False, search))


def _refuse_internal(field_name: str, command_name: str, token, search) -> None:
    """"The mvexpand command can't be applied to internal fields"; "The makemv command
    does not apply to internal fields" (their Search Reference pages)."""
    if field_name.startswith("_"):
        raise SplError(f"{command_name} does not apply to internal fields ('{field_name}')",
                       search=search, position=token.position)


__all__ = ["PARSERS", "Addinfo", "Cloudsecrets", "Eval", "Fillnull", "Makemv", "Mvexpand",
           "Rename", "dynamic_name"]
