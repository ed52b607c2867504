"""The static ReDoS checks: which regex rules are refused at load, and why.

Oracle: the shapes the contract names (adversaries.md, "regex cost": nested repeats,
bounded or not; runs of adjacent repeats over overlapping character sets; non-ASCII
literals that case-fold to ASCII letters), the bounded-nesting hole of issue 16
(`^(?:[a-z0-9]+[-_]?){1,8}-svc$`, which stalled 1.0 for over a minute on a 64-character
session name). The timed test in test_regex_cost.py shows each accepted shape staying
fast on adversarial values.
"""

from __future__ import annotations

import re
import sys

import pytest

from cloud_secrets import regex_safety

# Shapes a customer plausibly writes that must stay accepted.
ACCEPTED = [
    "root|admin|superuser",
    "serviceaccount|svc|automation",
    r"^arn:aws:iam::\d+:role/",
    r"role/[^/]*admin",
    r"arn:aws:iam::\d{12}:role/(prod|stage)-[a-z]+$",
    r"(?:foo|bar)+",  # a repetition that ends the regex: the first start that reaches it wins
    ".*admin.*",  # simplified to "admin"
    r"^x\.*$",  # a repeated literal dot, not a wildcard
    r"^[a-z0-9._%+-]+@example\.com$",
    r"\bsvc\b",
    r"https?://",
    r"colou?r",
    r"-?\d+",
    r"admin\w*",
    r"@example\.(?:com|org)$",
    r"(?i)^svc-",
    r"(?<![^\W_])(?:root|admins?|administrators?|superusers?)(?![^\W_])",
    r"(?<![^\W_])(?:serviceaccounts?|svcs?|automations?)(?![^\W_])",
    "^ß-admin",  # a non-ASCII letter that folds to no ASCII letter
    r"^[^/]+/[^/]+$",
    r"^\w+\s+\w+$",  # word characters and spaces never overlap, above ASCII neither
    r"^\S+\s+\S+$",
    "^\u00e9+\\d+x",  # a non-ASCII letter is no digit
    r"^a+b+a+$",  # b+ must consume a b, which the a runs cannot: the runs are apart
]

REFUSED = [
    # (pattern, the words of the reason that must be given)
    # nested repeats, bounded or not
    (r"(a+)+$", "repeated part holds another repetition"),
    (r"(\w+\s?)*$", "repeated part holds another repetition"),
    (r"^(?:[a-z0-9]+[-_]?){1,8}-svc$", "repeated part holds another repetition"),
    (r"^(?:a{1,8}b){1,8}c", "repeated part holds another repetition"),
    (r"^(?:[a-z]{2}-)+prod$", "repeated part holds another repetition"),
    (r"^(ab?)+c", "repeated part holds another repetition"),
    (r"(a?){25}b", "can match empty text"),
    # repeated parts that match empty text, or alternatives that start alike
    (r"(a|a?)+$", "can match empty text"),
    (r"^(?:|a)+b", "can match empty text"),
    (r"(a|ab)*c", "branches that can start alike"),
    (r"^(?:x|[a-x]y)+$", "branches that can start alike"),
    # runs of repetitions over overlapping characters
    (r"\d+\d+x", "two repetitions or optional parts can consume the same characters"),
    (r"\w*\d*x", "two repetitions or optional parts can consume the same characters"),
    (r"^\w*\d*x", "two repetitions or optional parts can consume the same characters"),
    (r"[a-z]+[a-z0-9]*$", "two repetitions or optional parts can consume the same characters"),
    (r"\w+x\w+y", "two repetitions or optional parts can consume the same characters"),
    (r"arn:.*:role/.*admin", "two repetitions or optional parts can consume the same characters"),
    (r"[a-z]+[a-z0-9]*@", "two repetitions or optional parts can consume the same characters"),
    ("^" + "a?" * 20 + "a" * 20, "two repetitions or optional parts can consume the same"),
    (r"^(?:x\d+)\d+y", "two repetitions or optional parts can consume the same characters"),
    (r"^(?:\d+|x)\d+y", "two repetitions or optional parts can consume the same characters"),
    (r"^[a-z]+\w*$", "two repetitions or optional parts can consume the same characters"),
    ("^\u00e9+\\w+x", "two repetitions or optional parts can consume the same characters"),
    (r"^a+b*a+$", "two repetitions or optional parts can consume the same characters"),
    (r"^\w+\s*\w+$", "two repetitions or optional parts can consume the same characters"),
    # the search's restart at every position
    (".*.*=", "re-read the value from every position"),
    (r"\d+x", "re-read the value from every position"),
    (r"x\w+y", "re-read the value from every position"),
    (r"[a-z]+$", "re-read the value from every position"),
    (r"\.*$", "re-read the value from every position"),
    (r"(\d|x)+y", "re-read the value from every position"),
    (r"(?m)^\d+x", "re-read the value from every position"),  # ^ matches after each newline
    (r"(?=.*admin)", "inside a lookahead or lookbehind"),
    # case folding (rules always ignore case)
    ("\u212aelvin", "matches an ASCII letter when case is ignored"),  # KELVIN SIGN
    ("^\u017fvc", "matches an ASCII letter when case is ignored"),  # LONG S
    ("^[\u0100-\u0200]x", "matches an ASCII letter when case is ignored"),  # holds U+017F
    ("^adm\u0131n", "matches an ASCII letter when case is ignored"),  # DOTLESS I
    # too much work at each position, without any backtracking (MAX_WORK)
    (r"[ab]{500}x", "too much at each position"),
    (r"^\w{101}$", "too much at each position"),
    ("|".join(f"[ab]{{20}}{c}" for c in "cdefghij"), "too much at each position"),
    ("|".join(f"w{i}" for i in range(200)), "too much at each position"),
    ("a" * 401, "too much at each position"),
    (r"(?=[ab]{100}c)", "too much at each position"),
    ("(?:)" * 1024 + "x", "longer than 4096 characters"),
    # what Python cannot do everywhere, or cannot do safely
    (r"(a)\1", "backreferences"),
    (r"(?P<x>a)(?P=x)", "backreferences"),
    (r"(a)?(?(1)b|c)", "backreferences and conditionals"),
]
if sys.version_info >= (3, 11):
    REFUSED += [(r"^(?>a+)b", "need Python 3.11"),
                (r"^a++b", "need Python 3.11")]


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_accepted(pattern):
    regex_safety.check(regex_safety.simplify(pattern))


@pytest.mark.parametrize(("pattern", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused(pattern, reason):
    with pytest.raises(regex_safety.UnsafeRegex, match=re.escape(reason)) as raised:
        regex_safety.check(regex_safety.simplify(pattern))
    assert raised.value.args[0] in REASONS


REASONS = (regex_safety.NESTED, regex_safety.EMPTY_REPEAT, regex_safety.ALTERNATION,
           regex_safety.RUN, regex_safety.SCAN, regex_safety.LOOKAROUND, regex_safety.CASE_FOLD,
           regex_safety.BACKREFERENCE, regex_safety.NOT_PORTABLE, regex_safety.WORK,
           regex_safety.LONG)


@pytest.mark.parametrize("pattern", [
    r"(sentinel+)+$", r"sentinel\d+\d+x", r"(sentinel|sentinels)*c", "sentinel\u212a",
    r"(sentinel)\1", r"\w+sentinel"])
def test_no_reason_quotes_the_pattern(pattern):
    """The reasons are fixed texts: what the customer wrote never reaches a message."""
    with pytest.raises(regex_safety.UnsafeRegex) as raised:
        regex_safety.check(pattern)
    assert "sentinel" not in str(raised.value)


@pytest.mark.parametrize(("pattern", "work"), [
    ("abc", 3), (r"[ab]c", 5), (r"\w", 4), (".", 4), (r"^x$", 3), (r"\bx", 2),
    ("a{7}", 7), ("a{2,9}", 9), ("a*", 1), ("[ab]+", 4), ("a{0,1}", 1),
    ("ab|cde", 5), ("(?:ab|c){3}", 9), ("(?=ab)c", 3), ("(?<![ab])c", 5),
])
def test_work_counts_what_one_attempt_may_compare(pattern, work):
    """Plain characters and anchors 1, classes CLASS_WORK, a bounded repeat its maximum
    times its body, an unbounded one once, alternatives and lookarounds their sum."""
    assert regex_safety.CLASS_WORK == 4
    assert regex_safety.work(regex_safety.sre_parse.parse(pattern, re.IGNORECASE).data) == work


def test_a_regex_may_do_exactly_max_work():
    regex_safety.check("a" * regex_safety.MAX_WORK)
    regex_safety.check(r"[ab]{99}$")  # 99 x 4 + 1 = 397


def test_a_fixed_repeat_inside_a_repeat_is_nested():
    """The contract counts any repeat whose maximum is above 1 as repetition."""
    with pytest.raises(regex_safety.UnsafeRegex, match="repeated part holds"):
        regex_safety.check(r"^(?:[a-z]{2}-)+prod$")
    regex_safety.check(r"^(?:[a-z][a-z]-)+prod$")  # the same, spelled as fixed pieces


def test_case_folding_is_checked_only_when_case_is_ignored():
    regex_safety.check("\u212aelvin", flags=0)
    with pytest.raises(regex_safety.UnsafeRegex, match="ASCII letter"):
        regex_safety.check("(?i)\u212aelvin", flags=0)


def test_the_case_folding_pairs_are_pythons_own():
    """Every non-ASCII character that Python's re matches against an ASCII letter when
    ignoring case is refused, and the check names those and no others (a scan of the
    Basic Multilingual Plane)."""
    folding = [code for code in range(128, 0x10000) if not 0xD800 <= code <= 0xDFFF
               and re.search(re.escape(chr(code)), "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ", re.IGNORECASE)]
    assert {0x212A, 0x017F} <= set(folding)  # KELVIN SIGN, LONG S at least
    for code in folding:
        with pytest.raises(regex_safety.UnsafeRegex):
            regex_safety.check("^x" + re.escape(chr(code)))
    for code in (0xE9, 0xDF, 0x3A3, 0x212B):  # e acute, sharp s, sigma, angstrom sign
        regex_safety.check("^x" + re.escape(chr(code)))


@pytest.mark.parametrize(("pattern", "simplified"), [
    (".*admin.*", "admin"), (".*?admin", "admin"), (r"admin\.*", r"admin\.*"),
    (r"admin\\.*", "admin\\\\"), (".*+x", ".*+x"), ("x", "x"), (".*.*=", ".*="),
    ("a.*.*", "a.*"), (".*", ""), ("", "")])
def test_simplify_drops_one_redundant_wildcard_at_each_end(pattern, simplified):
    assert regex_safety.simplify(pattern) == simplified


def test_invalid_patterns_raise_re_error():
    with pytest.raises(re.error):
        regex_safety.check("adm(in")
    with pytest.raises(re.error):  # parsed, but refused by the compiler
        regex_safety.check(r"(?<=a|bc)x")  # look-behind requires fixed width
