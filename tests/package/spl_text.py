"""The app's SPL as text, for static checks of its conf files (not an SPL engine).

Input: SPL strings as savedsearches.conf, macros.conf and the dashboards hold them, with
quotes, backtick macros, brackets and pipes. The replay engine in devkit/ executes SPL;
these helpers only split it, so that a test can ask which commands a search runs, with
which options and fields.
"""

from __future__ import annotations

import re
from typing import Dict, List, Set

TRANSFORMING = {"stats", "timechart", "chart", "tstats", "top", "rare"}


def joined(value: str) -> str:
    """A conf value as Splunk reads it: "\\" line continuations joined into one line."""
    return re.sub(r"\\\n\s*", " ", value)


def segments(spl: str) -> List[str]:
    """The pipeline's segments, splitting on | outside quotes, brackets and backticks."""
    parts, current, quote, depth = [], "", None, 0
    for char in spl:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"`":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    parts.append(current.strip())
    return [part for part in parts if part]


def command(segment: str) -> str:
    """The segment's command: its first word (a macro keeps its backticks)."""
    return segment.split()[0]


def options(segment: str) -> Dict[str, str]:
    """The segment's `name=value` arguments outside quotes (options such as append=true)."""
    return dict(re.findall(r"(?<![\w.\"])(\w+)=(\w+)(?=\s)", segment + " "))


def macros_used(spl: str) -> Set[str]:
    return set(re.findall(r"`([A-Za-z0-9_]+)(?:\([^`]*\))?`", spl))


def aliases(segment: str) -> Set[str]:
    """Fields a stats-like segment creates: `fn(x) AS y` names y, a bare `count` names count."""
    head = re.split(r"\sby\s", segment)[0].split(None, 1)
    body = re.sub(r"\w+=\S+", "", head[1]) if len(head) > 1 else ""
    return {alias or term
            for term, alias in re.findall(r"(\w+(?:\([^)]*\))?)(?:\s+AS\s+(\w+))?", body)}


def by_fields(segment: str) -> List[str]:
    """The fields after `by` in a stats-like segment."""
    parts = re.split(r"\sby\s", segment)
    return parts[1].replace(",", " ").split() if len(parts) > 1 else []


def function_arguments(segment: str) -> Set[str]:
    """The fields that a stats-like segment's functions read: dc(secret) reads secret."""
    return set(re.findall(r"\b\w+\((\w+)\)", segment))


def search_fields(segment: str) -> Set[str]:
    """The field names a `search` or `where` segment compares."""
    return set(re.findall(r"(\w+)\s*(?:!=|=|>=|<=|>|<)", segment))
