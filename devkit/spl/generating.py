"""Generating commands, which make results instead of reading events: `makeresults`
(`inputlookup` is with the lookup commands). Each follows its Search Reference page."""

from __future__ import annotations

import math
from typing import Dict

from .commands import Command, Parser, int_option, registrar, take_options
from .errors import SplUnsupported
from .lexer import tokenize

PARSERS: Dict[str, Parser] = {}
command = registrar(PARSERS)


class Makeresults(Command):
    """makeresults: Search Reference "makeresults": `count` (1) results holding `_time`
    (now)."""

    name = "makeresults"
    generating = True

    def __init__(self, position, count):
        super().__init__(position)
        self.count = count

    def run(self, rows, context):
        return [{"_time": float(math.floor(context.now))} for _ in range(self.count)]


@command("makeresults")
def parse_makeresults(text, offset, position, search, lookups):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("count",), "makeresults", search)
    if tokens:
        raise SplUnsupported(f"unsupported makeresults argument '{tokens[0].raw}'",
                             search=search, position=tokens[0].position)
    return Makeresults(position, int_option(options, "count", 1, search))



__all__ = ["PARSERS", "Makeresults"]
