"""Wildcard patterns of the account rules, matched in linear time without regexes.

A pattern matches the whole value; `*` stands for any run of characters, including
none, and no other character is special. Callers lowercase both sides for case-
insensitive matching. Matching never backtracks: the literal pieces between stars are
found left to right with str.find, which is exact for patterns whose only operator is
`*`, so a hostile value cannot make a rule slow.
"""

from __future__ import annotations

from typing import Callable, List


def split(pattern: str) -> List[str]:
    """`arn:*:role/*admin*` -> ["arn:", ":role/", "admin", ""]."""
    return pattern.split("*")


def matcher(pattern: str) -> Callable[[str], bool]:
    """Return a predicate telling whether a value matches `pattern` (same case assumed)."""
    parts = split(pattern)
    if len(parts) == 1:
        return pattern.__eq__
    head, tail = parts[0], parts[-1]
    middle = [part for part in parts[1:-1] if part]
    fixed = len(head) + len(tail)

    def matches(value: str) -> bool:
        if len(value) < fixed or not value.startswith(head) or not value.endswith(tail):
            return False
        position, end = len(head), len(value) - len(tail)
        for part in middle:
            found = value.find(part, position, end)
            if found < 0:
                return False
            position = found + len(part)
        return True

    return matches
