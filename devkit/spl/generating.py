"""Generating commands, which make results instead of reading events: `makeresults`
(`inputlookup` is with the lookup commands). Each follows its Search Reference page."""

from __future__ import annotations

import csv
import io
import math
from typing import Dict, List, Optional

from devkit.jsontext import JsonReader, leaves

from .commands import Command, Parser, int_option, refuse_options, registrar, take_options
from .errors import SplError, SplUnsupported
from .lexer import tokenize
from .values import normalize

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)


class Makeresults(Command):
    """makeresults: Search Reference "makeresults": `count` (1) results holding only
    `_time` (now); with `format=csv` or `format=json` and `data`, one result per row of
    the inline data (CSV: a header row of field names, then one row per result; JSON:
    an array of objects, named as Splunk names JSON fields, with the object's text as
    `_raw`), each with `_time` too; the count is then not used. An empty CSV cell is no
    field."""

    name = "makeresults"
    generating = True

    def __init__(self, position, count, data: Optional[List[dict]] = None):
        super().__init__(position)
        self.count = count
        self.data = data

    def run(self, rows, context):
        moment = float(math.floor(context.now))
        if self.data is not None:
            return [{"_time": moment, **row} for row in self.data]
        return [{"_time": moment} for _ in range(self.count)]


def inline_data(text: str, kind: str) -> List[dict]:
    """The rows of makeresults' `data` in `format` kind (raises SplError)."""
    if kind == "csv":
        lines = list(csv.reader(io.StringIO(text.strip("\n"))))
        if not lines:
            return []
        header = [name.strip() for name in lines[0]]
        return [{name: value for name, value in zip(header, line) if value != ""}
                for line in lines[1:] if line]
    reader = JsonReader(text)
    root = reader.read()
    if root is None or root.kind != "array" or root.end < 0 or text[root.end:].strip():
        raise SplError("makeresults: format=json needs data holding one JSON array")
    out = []
    for item in root.items:
        fields: Dict[str, list] = {}
        for name, value in leaves(item):
            fields.setdefault(name, []).append(value)
        # makeresults, Extended example 6: each result's _raw is its object's JSON.
        out.append({"_raw": text[item.start:item.end],
                    **{name: normalize(values) for name, values in fields.items()}})
    return out


@command("makeresults")
def parse_makeresults(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(
        tokens, ("count", "format", "data", "annotate", "splunk_server",
                 "splunk_server_group"), "makeresults", search, anywhere=True)
    refuse_options(options, ("annotate", "splunk_server", "splunk_server_group"),
                   "makeresults", search)
    if tokens:
        raise SplUnsupported(f"unsupported makeresults argument '{tokens[0].raw}'",
                             search=search, position=tokens[0].position)
    data = None
    if "data" in options or "format" in options:
        kind = options["format"][0].lower() if "format" in options else ""
        if kind not in ("csv", "json") or "data" not in options:
            where = options.get("format", options.get("data"))[1]
            raise SplError("makeresults: data needs format=csv or format=json, and format "
                           "needs data", search=search, position=where.position)
        value, token = options["data"]
        try:
            data = inline_data(value, kind)
        except SplError as error:
            raise error.located(search, token.position) from None
    return Makeresults(position, int_option(options, "count", 1, search), data)


__all__ = ["PARSERS", "Makeresults", "inline_data"]
