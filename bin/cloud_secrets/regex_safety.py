"""Static checks that keep customer regex rules from backtracking catastrophically.

A regex rule is searched for anywhere in a value, as SPL's match() does, and a
backtracking engine can take exponential (or high polynomial) time on patterns whose
pieces can match the same text in many ways. The command runs inside other people's
searches on every event, on values an attacker may choose (user agents), so `check`
refuses, at load time, the pattern shapes that cause it:

- backreferences (`\\1`, `(?P=name)`);
- a repeated part that itself contains a repetition, such as `(a+)+` or `(\\w+\\s?)*`;
- a repeated alternation whose branches can start with the same character, such as
  `(a|ab)*` or `(\\d|x)+`;
- two repetitions that can consume the same characters with nothing mandatory and
  disjoint between them, such as `\\d+\\d+`, `\\w+x\\w+y` or `.*:role/.*admin`.

A leading `.*` and a trailing `.*` add nothing to a search for "anywhere in the value"
and are removed first (`simplify`), so `.*admin.*` is accepted as `admin`. Rewrite a
refused pattern with a class that stops at a delimiter (`[^/]*`) or use a wildcard rule,
which never backtracks. Values are also capped (see rules.MAX_REGEX_INPUT).

The parser is the standard library's own (`re._parser`, formerly `sre_parse`), whose
node names have been stable across Python 3.9 to 3.13; nodes are compared by name.
"""

from __future__ import annotations

import re
from typing import FrozenSet, Optional

try:  # Python 3.11 and later
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.9 and 3.10
    import sre_parse  # type: ignore[no-redef]

MAXREPEAT = sre_parse.MAXREPEAT
UNBOUNDED = 32  # bounded repeats this large backtrack like unbounded ones
OTHER = -1  # stands for every character above ASCII
ALL: FrozenSet[int] = frozenset(range(128)) | {OTHER}
_CATEGORIES = {
    "CATEGORY_DIGIT": frozenset(range(48, 58)) | {OTHER},
    "CATEGORY_WORD": frozenset(
        [*range(48, 58), *range(65, 91), *range(97, 123), 95]) | {OTHER},
    "CATEGORY_SPACE": frozenset([9, 10, 11, 12, 13, 32]) | {OTHER},
}
_ZERO_WIDTH = ("AT", "ASSERT", "ASSERT_NOT")
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


class UnsafeRegex(ValueError):
    """The pattern can backtrack catastrophically; the message says why and what to do."""


def simplify(pattern: str) -> str:
    """Drop a leading `.*`/`.*?` and a trailing unescaped `.*`: no-ops for a search."""
    while pattern.startswith(".*") and not pattern.startswith(".*+"):
        pattern = pattern[3:] if pattern.startswith(".*?") else pattern[2:]
    while pattern.endswith(".*"):
        backslashes = len(pattern) - 2 - len(pattern[:-2].rstrip("\\"))
        if backslashes % 2:  # "\.*" repeats a literal dot
            break
        pattern = pattern[:-2]
    return pattern


def _name(op: object) -> str:
    return str(op)


def _literal(code: int, ignore_case: bool) -> FrozenSet[int]:
    if code > 127:
        return frozenset({OTHER})
    char = chr(code)
    if ignore_case:
        return frozenset({ord(char.lower()), ord(char.upper())})
    return frozenset({code})


def _class(items: list, ignore_case: bool) -> FrozenSet[int]:
    chars: set = set()
    for op, value in items:
        name = _name(op)
        if name == "NEGATE":
            return ALL
        if name == "LITERAL":
            chars |= _literal(value, ignore_case)
        elif name == "RANGE":
            low, high = value
            for code in range(low, min(high, 127) + 1):
                chars |= _literal(code, ignore_case)
            if high > 127:
                chars.add(OTHER)
        elif name == "CATEGORY":
            chars |= _CATEGORIES.get(_name(value), ALL)
        else:
            return ALL
    return frozenset(chars)


class _Checker:
    def __init__(self, ignore_case: bool) -> None:
        self.ignore_case = ignore_case

    # -- what a node can consume ------------------------------------------------------

    def chars(self, node: tuple) -> FrozenSet[int]:
        """Every character the node can consume (over-approximated)."""
        op, value = node
        name = _name(op)
        if name == "LITERAL":
            return _literal(value, self.ignore_case)
        if name == "IN":
            return _class(value, self.ignore_case)
        if name in _REPEATS:
            return self.sequence_chars(value[2])
        if name == "SUBPATTERN":
            return self.sequence_chars(value[-1])
        if name == "ATOMIC_GROUP":
            return self.sequence_chars(value)
        if name == "BRANCH":
            result: FrozenSet[int] = frozenset()
            for branch in value[1]:
                result |= self.sequence_chars(branch)
            return result
        if name in _ZERO_WIDTH:
            return frozenset()
        return ALL  # ANY, NOT_LITERAL, anything unexpected

    def sequence_chars(self, sequence) -> FrozenSet[int]:
        result: FrozenSet[int] = frozenset()
        for node in sequence:
            result |= self.chars(node)
        return result

    def first(self, sequence) -> Optional[FrozenSet[int]]:
        """Characters a sequence can start with; None when it can match the empty string."""
        result: FrozenSet[int] = frozenset()
        for node in sequence:
            op, value = node
            name = _name(op)
            if name in _ZERO_WIDTH:
                continue
            if name in _REPEATS:
                inner = self.first(value[2])
                result |= inner if inner is not None else self.sequence_chars(value[2])
                if value[0] == 0 or inner is None:
                    continue
                return result
            if name == "SUBPATTERN":
                inner = self.first(value[-1])
                if inner is None:
                    result |= self.sequence_chars(value[-1])
                    continue
                return result | inner
            if name == "BRANCH":
                branches = [self.first(b) for b in value[1]]
                for branch, first in zip(value[1], branches):
                    result |= first if first is not None else self.sequence_chars(branch)
                if any(first is None for first in branches):
                    continue
                return result
            return result | self.chars(node)
        return None

    # -- the checks -------------------------------------------------------------------

    def check(self, sequence, inside_repeat: bool = False) -> None:
        pending: FrozenSet[int] = frozenset()  # chars of repeats not yet separated
        for node in sequence:
            op, value = node
            name = _name(op)
            if name in ("GROUPREF", "GROUPREF_EXISTS"):
                raise UnsafeRegex("backreferences are not supported")
            if name in _REPEATS:
                low, high, body = value
                unbounded = high == MAXREPEAT or high >= UNBOUNDED
                if unbounded and inside_repeat:
                    raise UnsafeRegex(
                        "a repeated part contains another repetition, as in (a+)+")
                if unbounded:
                    self._check_alternatives(body)
                    consumed = self.sequence_chars(body)
                    if pending & consumed:
                        raise UnsafeRegex(
                            "two repetitions can match the same characters one after the "
                            "other (as in \\d+\\d+ or .*x.*y); separate them with a class "
                            "that stops at a delimiter, such as [^/]*")
                    pending |= consumed
                self.check(body, inside_repeat or unbounded)
                if not unbounded and low > 0:
                    pending = self._separated(pending, self.sequence_chars(body))
                continue
            if name == "SUBPATTERN":
                self.check(value[-1], inside_repeat)
                pending = self._after_group(pending, value[-1])
                continue
            if name == "ATOMIC_GROUP":
                self.check(value, inside_repeat)
                continue
            if name == "BRANCH":
                for branch in value[1]:
                    self.check(branch, inside_repeat)
                pending = self._after_group(pending, [node])
                continue
            if name in ("ASSERT", "ASSERT_NOT"):
                self.check(value[1], inside_repeat)
                continue
            if name in _ZERO_WIDTH:
                continue
            pending = self._separated(pending, self.chars(node))

    def _separated(self, pending: FrozenSet[int], mandatory: FrozenSet[int]) -> FrozenSet[int]:
        """A mandatory piece ends the run of repeats only if they cannot consume it."""
        return frozenset() if not (pending & mandatory) else pending

    def _after_group(self, pending: FrozenSet[int], sequence) -> FrozenSet[int]:
        first = self.first(sequence)
        if first is None:
            return pending | self.sequence_chars(sequence)
        return self._separated(pending, first)

    def _check_alternatives(self, body) -> None:
        """Inside a repetition, alternatives must not be able to start alike."""
        for node in body:
            op, value = node
            name = _name(op)
            if name == "SUBPATTERN":
                self._check_alternatives(value[-1])
            elif name == "BRANCH":
                seen: FrozenSet[int] = frozenset()
                for branch in value[1]:
                    first = self.first(branch)
                    if first is None or seen & first:
                        raise UnsafeRegex(
                            "a repeated alternation has branches that can match the same "
                            "text, as in (a|ab)*; make each branch start differently")
                    seen |= first


def check(pattern: str, flags: int = re.IGNORECASE) -> None:
    """Raise UnsafeRegex (or re.error) when `pattern` is unsafe (or invalid) to search."""
    parsed = sre_parse.parse(pattern, flags)
    ignore_case = bool(parsed.state.flags & re.IGNORECASE)
    _Checker(ignore_case).check(parsed.data)
