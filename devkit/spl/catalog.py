"""Every command the engine runs, by name: the parsers of each family module gathered
into one table (the engine looks commands up here, and nowhere else)."""

from __future__ import annotations

from typing import Dict

from . import (
    filtering,
    generating,
    lookup_commands,
    shaping,
    statistics,
    streaming,
    timebins,
)
from .commands import Parser

FAMILIES = (filtering, streaming, statistics, timebins, shaping, lookup_commands,
            generating)

PARSERS: Dict[str, Parser] = {}
for _family in FAMILIES:
    PARSERS.update(_family.PARSERS)

__all__ = ["PARSERS"]
