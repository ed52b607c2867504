"""The static ReDoS checks: which regex rules are refused at load, and why."""

from __future__ import annotations

import re

import pytest

from cloud_secrets import regex_safety

ACCEPTED = [
    "root|admin|superuser",
    "serviceaccount|svc|automation",
    r"^arn:aws:iam::\d+:role/",
    r"role/[^/]*admin",
    r"arn:aws:iam::\d{12}:role/(prod|stage)-[a-z]+$",
    r"(?:foo|bar)+",
    ".*admin.*",  # simplified to "admin"
    r"\.*$",  # a repeated literal dot, not a wildcard
    r"^[a-z0-9._%+-]+@example\.com$",
    r"\bsvc\b",
    r"(\d|x)+y",  # the parser folds these alternations into one character class
    r"(ab|a\w)*c",
]

REFUSED = [
    # (pattern, words of the reason)
    (r"(a+)+$", "repeated part contains another repetition"),
    (r"(\w+\s?)*$", "repeated part contains another repetition"),
    (r"(a|ab)*c", "branches that can match the same text"),
    (r"(a|a?)+$", "branches that can match the same text"),
    (r"\d+\d+x", "two repetitions can match the same characters"),
    (r"\w+x\w+y", "two repetitions can match the same characters"),
    (r"arn:.*:role/.*admin", "two repetitions can match the same characters"),
    (r"[a-z]+[a-z0-9]*@", "two repetitions can match the same characters"),
    (r"(a)\1", "backreferences"),
    (r"(?P<x>a)(?P=x)", "backreferences"),
]


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_accepted(pattern):
    regex_safety.check(regex_safety.simplify(pattern))


@pytest.mark.parametrize(("pattern", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_refused(pattern, reason):
    with pytest.raises(regex_safety.UnsafeRegex, match=re.escape(reason)):
        regex_safety.check(regex_safety.simplify(pattern))


@pytest.mark.parametrize(("pattern", "simplified"), [
    (".*admin.*", "admin"), (".*?admin", "admin"), (r"admin\.*", r"admin\.*"),
    (r"admin\\.*", "admin\\\\"), (".*+x", ".*+x"), ("x", "x")])
def test_simplify_drops_only_redundant_wildcards(pattern, simplified):
    assert regex_safety.simplify(pattern) == simplified


def test_invalid_patterns_raise_re_error():
    with pytest.raises(re.error):
        regex_safety.check("adm(in")
