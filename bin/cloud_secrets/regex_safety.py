"""Static checks that keep customer regex rules from backtracking: no value may cost more
than a few milliseconds.

A regex rule is searched for anywhere in a value, as SPL's match() does, by Python's
backtracking engine, on values an attacker may choose (session names, user agents), in
other people's searches, on every event. `check` refuses, when a rule is loaded or saved,
the shapes that make one value slow, each with a message that says why and what to write
instead (the message never quotes the pattern):

- backreferences and conditionals (`\\1`, `(?P=name)`, `(?(1)a|b)`);
- atomic groups and possessive repeats (`(?>...)`, `a++`), which need Python 3.11 while
  Splunk still runs the command on 3.9: a rule must mean the same on every version;
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
- a pattern longer than MAX_LENGTH characters (parsing alone costs each search that
  loads it: a megabyte of empty groups takes seconds), before anything else;
- more work per position than MAX_WORK (`work`): a repeat with a large count or a long
  list of alternatives makes every position of the value cost as much, even without
  any backtracking: `[ab]{500}x` searches 500 characters from each of 1,024 positions
  (2 ms), and twenty such alternatives take twenty times that. One attempt's work is
  counted as the characters it may compare, a character class or category counting
  CLASS_WORK (it costs several times a plain character), a repeat its maximum times
  its body (an unbounded one once: the checks above keep it linear), an alternation
  the sum of its alternatives;
- under IGNORECASE (every rule is), a non-ASCII character that matches an ASCII letter
  (the Kelvin sign matches k, the long s matches s, the dotless and dotted i match i):
  it would make the character sets below wrong. The rules keep Unicode semantics rather
  than compiling with re.ASCII, because the seed analytic's words are split at anything
  that is not a letter or a digit, and a non-ASCII letter is a letter.

A leading `.*` (or `.*?`) and a trailing `.*` add nothing to a search for "anywhere in
the value" and are removed first, once each (`simplify`), so `.*admin.*` is accepted as
`admin`; a second `.*` is checked as the repetition it is. Values are also capped (see
rules.MAX_REGEX_INPUT). A wildcard rule never backtracks: prefer it where it will do.

Characters are tracked as sets of ASCII codes plus four codes for the characters above
ASCII (OTHER_DIGIT, OTHER_LETTER for other word characters, OTHER_SPACE, OTHER_ELSE), so
that \\w+\\s+ is not taken for two runs over the same characters; sets are
over-approximated where a node could match more, and which ASCII characters and which
of the four kinds \\d, \\w, \\s and their negations hold is asked of Python's own `re`.

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

# Characters above ASCII, by kind: \\d digits, other \\w characters, \\s spaces, the rest.
OTHER_DIGIT, OTHER_LETTER, OTHER_SPACE, OTHER_ELSE = -1, -2, -3, -4
OTHERS: FrozenSet[int] = frozenset({OTHER_DIGIT, OTHER_LETTER, OTHER_SPACE, OTHER_ELSE})
ALL: FrozenSet[int] = frozenset(range(128)) | OTHERS
ASCII_LETTERS = string.ascii_letters


_CATEGORIES = {
    "CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W", "CATEGORY_SPACE": r"\s", "CATEGORY_NOT_SPACE": r"\S",
}


# A character of each kind above ASCII, to ask `re` which kinds a category holds.
_SAMPLES = {OTHER_DIGIT: "\u0663", OTHER_LETTER: "\u00e9", OTHER_SPACE: "\u00a0",
            OTHER_ELSE: "\u00a7"}


def _kind(char: str) -> int:
    """The kind of one character above ASCII."""
    if re.match(r"\d", char):
        return OTHER_DIGIT
    if re.match(r"\w", char):
        return OTHER_LETTER
    return OTHER_SPACE if re.match(r"\s", char) else OTHER_ELSE


def _category(name: str) -> FrozenSet[int]:
    """The ASCII characters and the kinds above ASCII that a category escape (\\d, \\W,
    ...) matches; ALL for a category not listed. Asked of Python's own `re` each time:
    rules are checked once, when they are loaded or saved."""
    escape = _CATEGORIES.get(name)
    if escape is None:
        return ALL
    compiled = re.compile(escape)
    return frozenset([code for code in range(128) if compiled.match(chr(code))]
                     + [kind for kind, sample in _SAMPLES.items() if compiled.match(sample)])
# One attempt's work (`work`): characters a plain character (or its negation) compares
# count 1, a class, category or any character CLASS_WORK, as they cost about that many
# times more in Python's engine under IGNORECASE (measured: [\w-]{99}$ and a literal
# of 400 characters each cost about 1 ms on a 1,024-character value). MAX_WORK is
# about a millisecond of that per value: 100 classes, or 400 plain characters.
CLASS_WORK = 4
MAX_WORK = 400
# Ten times what MAX_WORK lets a pattern match, for the syntax around it.
MAX_LENGTH = 4096
_PLAIN = ("LITERAL", "NOT_LITERAL", "AT")
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
WORK = ("the regex does too much at each position of the value: a count such as {500}, "
        "many alternatives or a long run of character classes adds up; shorten it, split it "
        "into several rules, or use wildcard rules")
LONG = f"the regex is longer than {MAX_LENGTH} characters; split it into several rules"
BACKREFERENCE = "backreferences and conditionals are not supported"
NOT_PORTABLE = ("atomic groups and possessive repeats need Python 3.11, and Splunk still "
                "runs the command on Python 3.9; rewrite without them")


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
            return frozenset({_kind(chr(code))})
        char = chr(code)
        if self.ignore_case:
            return frozenset({ord(char.lower()), ord(char.upper())})
        return frozenset({code})

    def klass(self, items: list) -> FrozenSet[int]:
        """A character class; a negated one holds every kind above ASCII, whatever it
        names (a kind stands for many characters: naming some leaves the others)."""
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
                    chars |= OTHERS
            elif name == "CATEGORY":
                chars |= _category(_name(value))
            else:
                return ALL
        if negated:
            return (ALL - frozenset(chars)) | OTHERS
        return frozenset(chars)

    def chars(self, node: tuple) -> FrozenSet[int]:
        """Every character the node can consume (over-approximated)."""
        op, value = node
        name = _name(op)
        if name == "LITERAL":
            return self.literal(value)
        if name == "NOT_LITERAL":
            return (ALL - self.literal(value)) | OTHERS
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
            if low > 0:  # its first character, which no earlier run can consume, ends them
                run.pending = frozenset()
                if run.prefix is not None:
                    run.prefix.append(consumed)
            run.pending |= consumed
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


def work(sequence) -> int:
    """The characters one attempt at one position may compare (see MAX_WORK)."""
    total = 0
    for op, value in sequence:
        name = _name(op)
        if name in _PLAIN:
            total += 1
        elif name in _REPEATS:
            _low, high, body = value
            total += (1 if high == sre_parse.MAXREPEAT else high) * work(body)
        elif name == "SUBPATTERN":
            total += work(value[-1])
        elif name == "BRANCH":
            total += sum(work(branch) for branch in value[1])
        elif name in ("ASSERT", "ASSERT_NOT"):
            total += work(value[1])
        else:  # IN, ANY, CATEGORY, anything unexpected
            total += CLASS_WORK
    return total


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
    if len(pattern) > MAX_LENGTH:
        raise UnsafeRegex(LONG)
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
    if work(parsed.data) > MAX_WORK:
        raise UnsafeRegex(WORK)
    re.compile(pattern, flags)  # what the parser accepts, the compiler may still refuse
