"""Static checks that keep customer regex rules from backtracking: no value may cost more
than a few milliseconds.

A regex rule is searched for anywhere in a value, as SPL's match() does, by Python's
backtracking engine, on values an attacker may choose (session names, user agents), in
other people's searches, on every event. `check` refuses, when a rule is loaded or saved,
the shapes that make one value slow, each with a message that says why and what to write
instead (the message never quotes the pattern):

- backreferences and conditionals (`\\1`, `(?P=name)`, `(?(1)a|b)`);
- atomic groups and possessive repeats (`(?>...)`, `a++`), which Python 3.9 and 3.10,
  still shipped with Splunk, do not compile: a rule must mean the same on every version;
- a repeated part (a repeat whose maximum is above 1, bounded or not) that itself holds a
  repetition or an optional part, or can match empty text: `(a+)+`, `(a{1,8}b)*`,
  `(?:[a-z0-9]+[-_]?){1,8}`, `(ab?)+`, `(a?){25}`;
- a repeated alternation whose branches can start alike: `(a|ab)*`;
- a run of repetitions and optional parts that can consume the same characters with
  nothing mandatory and disjoint between them: `\\d+\\d+`, `\\w*\\d*x`, `\\w+x\\w+y`,
  `[a-z]+[a-z0-9]*$`, `a?a?a?aaa`;
- in a pattern not anchored with `^`, a repetition that can also consume everything
  before it and is followed by more pattern: the search starts again at every position
  of the value, so the repetition re-reads the value from each (`\\d+x`, `x\\w+y`,
  `.*=`). A repetition at the very end (`admin\\w*`) is fine: the first start that reaches
  it matches. Anchor with `^`, or put before it a character it cannot consume, as
  `role/[^/]*admin` does;
- repetitions inside a lookahead or lookbehind, run again at every position;
- under IGNORECASE (every rule is), a non-ASCII character that matches an ASCII letter
  (the Kelvin sign matches k, the long s matches s, the dotless and dotted i match i):
  it would make the character sets below wrong. The rules keep Unicode semantics rather
  than compiling with re.ASCII, because the seed analytic's words are split at anything
  that is not a letter or a digit, and a non-ASCII letter is a letter.

A leading `.*` (or `.*?`) and a trailing `.*` add nothing to a search for "anywhere in
the value" and are removed first, once each (`simplify`), so `.*admin.*` is accepted as
`admin`; a second `.*` is checked as the repetition it is. Values are also capped (see
rules.MAX_REGEX_INPUT). A wildcard rule never backtracks: prefer it where it will do.

Characters are tracked as sets of ASCII codes plus OTHER, which stands for every
character above ASCII; sets are over-approximated where a node could match more, and
the ASCII part of \\d, \\w, \\s and their negations is taken from Python's own `re`.

The parser is the standard library's own (`re._parser`, formerly `sre_parse`), whose
node names have been stable across Python 3.9 to 3.13; nodes are compared by name.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import FrozenSet, List, Optional

try:  # Python 3.11 and later
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.9 and 3.10
    import sre_parse  # type: ignore[no-redef]

OTHER = -1  # stands for every character above ASCII
ALL: FrozenSet[int] = frozenset(range(128)) | {OTHER}
ASCII_LETTERS = string.ascii_letters


def _category(regex: str) -> FrozenSet[int]:
    """The ASCII characters a category escape matches, plus OTHER (each holds some)."""
    compiled = re.compile(regex)
    return frozenset(code for code in range(128) if compiled.match(chr(code))) | {OTHER}


_CATEGORIES = {
    "CATEGORY_DIGIT": _category(r"\d"), "CATEGORY_NOT_DIGIT": _category(r"\D"),
    "CATEGORY_WORD": _category(r"\w"), "CATEGORY_NOT_WORD": _category(r"\W"),
    "CATEGORY_SPACE": _category(r"\s"), "CATEGORY_NOT_SPACE": _category(r"\S"),
}
_ZERO_WIDTH = ("AT", "ASSERT", "ASSERT_NOT")
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT")
_NO_BACKTRACKING = ("ATOMIC_GROUP", "POSSESSIVE_REPEAT")
_ANCHORS = ("AT_BEGINNING", "AT_BEGINNING_STRING")

NESTED = ("a repeated part holds another repetition or an optional part (as in (a+)+, "
          "(a{1,8}-)+ or (ab?)+), which can split the same text in very many ways; "
          "repeat one fixed piece, or use a wildcard rule")
EMPTY_REPEAT = ("a repeated part can match empty text (as in (a?)* or (a|)+); make every "
                "repetition consume at least one character")
ALTERNATION = ("a repeated alternation has branches that can start alike (as in (a|ab)*); "
               "make each branch start with a different character")
RUN = ("two repetitions or optional parts can consume the same characters one after the "
       "other (as in \\d+\\d+, \\w*\\d*x or .*x.*y); separate them with a character "
       "neither can consume, or use a class that stops at a delimiter, such as [^/]*")
SCAN = ("a repetition at the start of the regex, or one that can also consume the text "
        "before it, makes the search re-read the value from every position (as in \\d+x or "
        "x\\w+y); anchor the regex with ^, or put before the repetition a character it "
        "cannot consume, as in role/[^/]*admin")
LOOKAROUND = ("a repetition inside a lookahead or lookbehind runs again at every position "
              "of the value; write the lookaround with single characters")
CASE_FOLD = ("the regex holds a non-ASCII character that matches an ASCII letter when case "
             "is ignored (such as the Kelvin sign, which matches k); write the ASCII letter")
BACKREFERENCE = "backreferences and conditionals are not supported"
NOT_PORTABLE = ("atomic groups and possessive repeats do not compile on Python 3.9 and "
                "3.10, which Splunk still runs; rewrite without them")


class UnsafeRegex(ValueError):
    """The pattern can backtrack badly; the message says why and what to do."""


def simplify(pattern: str) -> str:
    """Drop one leading `.*`/`.*?` and one trailing unescaped `.*`: no-ops for a search."""
    if pattern.startswith(".*?"):
        pattern = pattern[3:]
    elif pattern.startswith(".*") and not pattern.startswith(".*+"):
        pattern = pattern[2:]
    if pattern.endswith(".*"):
        backslashes = len(pattern) - 2 - len(pattern[:-2].rstrip("\\"))
        if not backslashes % 2:  # "\.*" repeats a literal dot
            pattern = pattern[:-2]
    return pattern


def _name(op: object) -> str:
    return str(op)


def _folds_to_ascii(regex: str) -> bool:
    """Whether `regex` (one character or class) matches an ASCII letter ignoring case."""
    return re.search(regex, ASCII_LETTERS, re.IGNORECASE) is not None


@dataclass
class _Run:
    """Where a walk stands: what earlier repetitions may still consume (`pending`), and
    for an unanchored pattern the character sets of the mandatory pieces since its start
    (`prefix`; None once anchored)."""

    pending: FrozenSet[int]
    prefix: Optional[List[FrozenSet[int]]]

    def copy(self) -> _Run:
        return _Run(self.pending, None if self.prefix is None else list(self.prefix))

    def mandatory(self, chars: FrozenSet[int]) -> None:
        """A piece that must consume one of `chars` ends the run unless the run can too."""
        if not self.pending & chars:
            self.pending = frozenset()
        if self.prefix is not None:
            self.prefix.append(chars)


class _Checker:
    def __init__(self, ignore_case: bool) -> None:
        self.ignore_case = ignore_case

    # -- what a node can consume ------------------------------------------------------

    def literal(self, code: int) -> FrozenSet[int]:
        if code > 127:
            return frozenset({OTHER})
        char = chr(code)
        if self.ignore_case:
            return frozenset({ord(char.lower()), ord(char.upper())})
        return frozenset({code})

    def klass(self, items: list) -> FrozenSet[int]:
        """A character class; a negated one holds OTHER, whatever it names."""
        chars: set = set()
        negated = False
        for op, value in items:
            name = _name(op)
            if name == "NEGATE":
                negated = True
            elif name == "LITERAL":
                chars |= self.literal(value)
            elif name == "RANGE":
                low, high = value
                for code in range(low, min(high, 127) + 1):
                    chars |= self.literal(code)
                if high > 127:
                    chars.add(OTHER)
            elif name == "CATEGORY":
                chars |= _CATEGORIES.get(_name(value), ALL)
            else:
                return ALL
        if negated:
            return (ALL - frozenset(chars)) | {OTHER}
        return frozenset(chars)

    def chars(self, node: tuple) -> FrozenSet[int]:
        """Every character the node can consume (over-approximated)."""
        op, value = node
        name = _name(op)
        if name == "LITERAL":
            return self.literal(value)
        if name == "NOT_LITERAL":
            return (ALL - self.literal(value)) | {OTHER}
        if name == "IN":
            return self.klass(value)
        if name in _REPEATS:
            return self.sequence_chars(value[2])
        if name == "SUBPATTERN":
            return self.sequence_chars(value[-1])
        if name == "BRANCH":
            result: FrozenSet[int] = frozenset()
            for branch in value[1]:
                result |= self.sequence_chars(branch)
            return result
        if name in _ZERO_WIDTH:
            return frozenset()
        return ALL  # ANY, anything unexpected

    def sequence_chars(self, sequence) -> FrozenSet[int]:
        result: FrozenSet[int] = frozenset()
        for node in sequence:
            result |= self.chars(node)
        return result

    def first(self, sequence) -> Optional[FrozenSet[int]]:
        """Characters a sequence can start with; None when it can match empty text."""
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

    def walk(self, sequence, run: _Run, repeated: bool, lookaround: bool, at_end: bool) -> None:
        """Check `sequence`, updating `run` in place.

        `repeated`: inside a repeat whose maximum is above 1; `lookaround`: inside a
        lookahead or lookbehind; `at_end`: nothing of the pattern follows the sequence.
        """
        last = len(sequence) - 1
        for position, node in enumerate(sequence):
            op, value = node
            name = _name(op)
            node_at_end = at_end and position == last
            if name in ("GROUPREF", "GROUPREF_EXISTS"):
                raise UnsafeRegex(BACKREFERENCE)
            if name in _NO_BACKTRACKING:
                raise UnsafeRegex(NOT_PORTABLE)
            if name in _REPEATS:
                self.repeat(value, run, repeated, lookaround, node_at_end)
            elif name == "SUBPATTERN":
                self.walk(value[-1], run, repeated, lookaround, node_at_end)
            elif name == "BRANCH":
                self.branch(value[1], run, repeated, lookaround, node_at_end)
            elif name in ("ASSERT", "ASSERT_NOT"):
                self.walk(value[1], _Run(frozenset(), None), repeated, True, False)
            elif name in _ZERO_WIDTH:
                continue
            else:
                self.check_case_folding(node)
                run.mandatory(self.chars(node))

    def repeat(self, value, run: _Run, repeated: bool, lookaround: bool, at_end: bool) -> None:
        low, high, body = value
        if high == 0:
            return
        if low == high == 1:
            self.walk(body, run, repeated, lookaround, at_end)
            return
        variable, many = low < high, high > 1
        if repeated:
            raise UnsafeRegex(NESTED)
        if many and self.first(body) is None:
            raise UnsafeRegex(EMPTY_REPEAT)
        if many:
            self.check_alternatives(body)
        consumed = self.sequence_chars(body)
        if variable and many and lookaround:
            raise UnsafeRegex(LOOKAROUND)
        if variable and run.pending & consumed:
            raise UnsafeRegex(RUN)
        if (variable and many and not at_end and run.prefix is not None
                and all(piece & consumed for piece in run.prefix)):
            raise UnsafeRegex(SCAN)
        self.walk(body, run.copy(), repeated or many, lookaround, False)
        if variable:
            run.pending |= consumed
            if low > 0 and run.prefix is not None:
                run.prefix.append(consumed)
        elif low > 0:
            run.mandatory(consumed)

    def branch(self, branches, run: _Run, repeated: bool, lookaround: bool,
               at_end: bool) -> None:
        pending: FrozenSet[int] = frozenset()
        for alternative in branches:
            inner = run.copy()
            self.walk(alternative, inner, repeated, lookaround, at_end)
            pending |= inner.pending
        firsts = [self.first(alternative) for alternative in branches]
        run.pending = pending
        if run.prefix is not None and all(first is not None for first in firsts):
            run.prefix.append(frozenset().union(*map(self.sequence_chars, branches)))

    def check_alternatives(self, body) -> None:
        """Inside a repetition, alternatives must not be able to start alike."""
        for node in body:
            op, value = node
            name = _name(op)
            if name == "SUBPATTERN":
                self.check_alternatives(value[-1])
            elif name == "BRANCH":
                seen: FrozenSet[int] = frozenset()
                for alternative in value[1]:
                    first = self.first(alternative)
                    if first is None or seen & first:
                        raise UnsafeRegex(ALTERNATION)
                    seen |= first

    def check_case_folding(self, node: tuple) -> None:
        if not self.ignore_case:
            return
        op, value = node
        name = _name(op)
        if name in ("LITERAL", "NOT_LITERAL"):
            found = value > 127 and _folds_to_ascii(re.escape(chr(value)))
        elif name == "IN":
            found = any(self._item_folds(item) for item in value)
        else:
            found = False
        if found:
            raise UnsafeRegex(CASE_FOLD)

    @staticmethod
    def _item_folds(item) -> bool:
        op, value = item
        name = _name(op)
        if name == "LITERAL":
            return value > 127 and _folds_to_ascii(re.escape(chr(value)))
        if name == "RANGE":
            low, high = value
            return high > 127 and _folds_to_ascii(
                f"[{re.escape(chr(max(low, 128)))}-{re.escape(chr(high))}]")
        return False


def _anchored(parsed, flags: int) -> bool:
    """Whether the pattern can only match at the start of the value."""
    if not parsed.data:
        return False
    op, value = parsed.data[0]
    if _name(op) != "AT":
        return False
    anchor = _name(value)
    return anchor == "AT_BEGINNING_STRING" or (
        anchor == "AT_BEGINNING" and not flags & re.MULTILINE)


def check(pattern: str, flags: int = re.IGNORECASE) -> None:
    """Raise UnsafeRegex (or re.error) when `pattern` is unsafe (or invalid) to search."""
    parsed = sre_parse.parse(pattern, flags)
    effective = parsed.state.flags
    checker = _Checker(bool(effective & re.IGNORECASE))
    # First the shapes that are slow wherever the search starts, then (unanchored) the
    # search's own restart at every position: a fault of the first kind is the one to fix.
    checker.walk(parsed.data, _Run(frozenset(), None), repeated=False, lookaround=False,
                 at_end=True)
    if not _anchored(parsed, effective):
        checker.walk(parsed.data, _Run(frozenset(), []), repeated=False, lookaround=False,
                     at_end=True)
    re.compile(pattern, flags)  # what the parser accepts, the compiler may still refuse
