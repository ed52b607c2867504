"""Every command the engine runs, by name: the parsers of each family module gathered
into one table (the engine looks commands up here, and nowhere else), and what to say
about a command that is not in it.

A name that is one of Splunk's own search commands (the Search Reference's command
list) is "unsupported": valid SPL this engine does not run. Any other name is a typo or
a custom command this app does not ship; Splunk answers it with "Unknown search
command", and the engine adds the closest command it runs, when one is close.
"""

from __future__ import annotations

import difflib
from typing import Dict

from . import (
    filtering,
    generating,
    lookup_commands,
    reporting,
    rest,
    rex,
    shaping,
    spath,
    statistics,
    streaming,
    timebins,
)
from .commands import Parser

FAMILIES = (filtering, streaming, rex, spath, statistics, reporting, timebins, shaping,
            lookup_commands, generating, rest)

PARSERS: Dict[str, Parser] = {}
for _family in FAMILIES:
    PARSERS.update(_family.PARSERS)

# The search commands of Splunk Enterprise's Search Reference ("Command quick
# reference"), whether or not this engine runs them.
SPLUNK_COMMANDS = frozenset((
    "abstract", "accum", "addcoltotals", "addinfo", "addtotals", "analyzefields",
    "anomalies", "anomalousvalue", "anomalydetection", "append", "appendcols",
    "appendpipe", "arules", "associate", "audit", "autoregress", "bin", "bucket",
    "bucketdir", "chart", "cluster", "cofilter", "collect", "concurrency", "contingency",
    "convert", "correlate", "ctable", "datamodel", "datamodelsimple", "dbinspect",
    "dedup", "delete", "delta", "diff", "discretize", "erex", "eval", "eventcount",
    "eventstats", "extract", "fieldformat", "fields", "fieldsummary", "filldown",
    "fillnull", "findtypes", "folderize", "foreach", "format", "from", "fromjson",
    "gauge", "gentimes", "geom", "geomfilter", "geostats", "head", "highlight",
    "history", "iconify", "inputcsv", "inputintelligence", "inputlookup", "iplocation",
    "join", "kmeans", "kv", "kvform", "loadjob", "localize", "localop", "lookup",
    "makecontinuous", "makemv", "makeresults", "map", "mcollect", "metadata",
    "metasearch", "meventcollect", "mpreview", "msearch", "mstats", "multikv",
    "multisearch", "mvcombine", "mvexpand", "nomv", "outlier", "outputcsv",
    "outputlookup", "outputtext", "overlap", "pivot", "predict", "rangemap", "rare",
    "redistribute", "regex", "reltime", "rename", "replace", "require", "rest", "return",
    "reverse", "rex", "rtorder", "savedsearch", "script", "scrub", "search", "searchtxn",
    "selfjoin", "sendalert", "sendemail", "set", "setfields", "sichart", "sirare",
    "sistats", "sitimechart", "sitop", "sort", "spath", "stats", "strcat", "streamstats",
    "table", "tags", "tail", "timechart", "timewrap", "tojson", "top", "transaction",
    "transpose", "trendline", "tscollect", "tstats", "typeahead", "typelearner", "typer",
    "union", "uniq", "untable", "walklex", "where", "x11", "xmlkv", "xmlunescape",
    "xpath", "xyseries",
))


def unknown_command(name: str) -> str:
    """The message for a command the engine does not run (named as written)."""
    word = name.lower()
    if word in SPLUNK_COMMANDS:
        return f"unsupported command '{name}'"
    close = difflib.get_close_matches(word, sorted(PARSERS), n=1, cutoff=0.75)
    if close:
        return f"unknown command '{name}' (did you mean '{close[0]}'?)"
    return f"unknown command '{name}'"


__all__ = ["PARSERS", "SPLUNK_COMMANDS", "unknown_command"]
