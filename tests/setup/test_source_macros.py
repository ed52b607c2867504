"""The Data sources validator: every shape the page must refuse, and shapes it must keep.

Oracles: the contract (adversaries.md, "source macros": no time modifiers, no index=*
or index=_*, no backslash outside quotes, an index= term required, one under a NOT not
counting; setup.md: no pipe, subsearch bracket, unbalanced quotes or parentheses,
nothing at all, index=nothing_here to leave a platform out) and Splunk's documentation of
how the search command reads terms: Search Manual "Boolean expressions with logical
operators" (operators in capitals, NOT binds the next term, OR before AND) and Search
Reference "Time modifiers" (`=` or `!=` with a time modifier). The handler tests
(test_settings_handler.py) show a refused value writes nothing; here each shape is put
to the one validator the page uses, fields.DATA_SOURCES.
"""

from __future__ import annotations

import pytest
from cloud_secrets_setup import fields

AWS = next(f for f in fields.DATA_SOURCES if f.macro == "cloud_secrets_aws_sources")

REFUSED = [
    # time modifiers, any case, with or without spaces, = or !=
    ("index=aws earliest=-1y", "earliest"),
    ("index=aws EARLIEST=-1y", "EARLIEST"),
    ("index=aws Latest = now", "Latest"),
    ("index=aws latest!=-1y", "latest"),
    ("index=aws _index_earliest=-10y", "_index_earliest"),
    ("index=aws _INDEX_LATEST =+1d", "_INDEX_LATEST"),
    ("(index=aws earliest= -30d)", "earliest"),
    ("index=aws starttime=10/01/2020:00:00:00", "starttime"),
    ("index=aws daysago=365", "daysago"),
    # an index that names no index
    ("index=*", "index=*"),
    ("index = *", "index=*"),
    ('index="*" sourcetype=aws:cloudtrail', "index=*"),
    ("index=_*", "index=_*"),
    ("index=_in* sourcetype=x", "index=_*"),
    ("index IN (aws, *)", "index=*"),
    ('index IN ("_*")', "index=*"),
    ("index=aws OR index=*", "index=*"),
    ("index=", "needs the name of an index"),
    # a wildcard before the name reads nearly every index
    ("index=*e*", "index=*"),
    ("index=*a* OR index=*e* OR index=*i*", "index=*"),
    ('index="*_logs"', "index=*"),
    ("index IN (aws, *s)", "index=*"),
    ("index=* sourcetype=aws:cloudtrail", "index=*e*"),
    # a wildcard index after another term is found too (every comparison is checked)
    ("sourcetype=aws:cloudtrail index=*", "index=*"),
    ("sourcetype=aws:cloudtrail earliest=-1y index=aws", "earliest"),
    # time by field rather than by modifier, and another search's terms
    ("index=aws _time<1", "_time"),
    ("index=aws _indextime > 0", "_indextime"),
    ("index=aws savedsearch=everything", "terms of another search"),
    ("index=aws SAVEDSPLUNK=x", "terms of another search"),
    # spaces the page cannot tell apart from part of a term
    ("index=aws\u00a0sourcetype=x", "plain spaces only"),
    ("index=aws\u00a0OR\u00a0index=*", "U+00A0"),
    ("index=aws\u200b", "U+200B"),
    ("index=aws\u2028sourcetype=x", "U+2028"),
    ("index=aws\u2029sourcetype=x", "U+2029"),
    # a macro definition is one line of macros.conf, at most 2,000 characters
    ("index=" + "a" * 1995, "at most 2000 characters"),
    # a backslash outside quotes
    (r"index=aws sourcetype=aws\:cloudtrail", "backslash"),
    ("index=aws \\", "backslash"),
    # no index term restricting every event
    ("sourcetype=aws:cloudtrail", "add the index"),
    ("NOT index=aws sourcetype=aws:cloudtrail", "add the index"),
    ("sourcetype=x NOT (index=a OR index=b)", "add the index"),
    ("index!=aws", "add the index"),
    ("index in (aws)", "add the index"),  # IN is an operator in capitals only
    ("index=aws OR sourcetype=aws:cloudtrail", "every part"),
    ("(index=a sourcetype=x) OR sourcetype=y", "every part"),
    ("index=aws OR NOT index=gcp", "every part"),
    ("index IN (aws, gcp) OR sourcetype=x", "every part"),
    ("Index=aws", "lower case"),
    ("INDEX=aws", "lower case"),
    # not plain search terms (setup.md)
    ("index=aws | delete", "pipe"),
    ("index=aws [search index=x | return index]", "square brackets"),
    ("index=aws `cloud_secrets_sources`", "backtick"),
    ('index=aws sourcetype="aws', "not closed"),
    ("(index=a OR index=b", "not closed"),
    ("index=a)", "no opening one"),
    ("index=a ()", "empty"),
    ("index=a OR", '"OR" needs'),
    ("OR index=a", '"OR" needs'),
    ("index=a AND", '"AND" needs'),
    ("index=a NOT", '"NOT" needs'),
    ("=aws", "field name"),
    ("   ", "index=nothing_here"),
    ("index=aws\nsourcetype=x", "one line"),
]

ACCEPTED = [
    "index=aws sourcetype=aws:cloudtrail",
    "index=" + "a" * 1994,  # 2,000 characters: the longest definition the page saves
    "index = aws sourcetype = aws:cloudtrail",
    'index="aws" sourcetype="aws:cloudtrail"',
    "index=nothing_here",
    "index=aws*",
    "index IN (aws, aws_archive) sourcetype=aws:cloudtrail",
    'index IN ("aws","aws_archive")',
    # OR is read before AND: the index restricts both sourcetypes
    "index=aws sourcetype=aws:cloudtrail OR sourcetype=aws:cloudtrail:lake",
    "(index=a sourcetype=x) OR (index=b sourcetype=y)",
    "index=a OR index=b",
    "index=gcp (sourcetype=google:gcp:pubsub:message OR sourcetype=google:gcp:pubsub:audit:*)",
    "index=aws NOT sourcetype=aws:config",
    "index=aws NOT index=aws_test",
    # words and quoted text are not time modifiers or operators
    'index=aws "earliest=-1y"',
    "index=aws earliest",
    "index=aws or sourcetype=x",  # `or` in lower case is a word to find
    'index=aws source="C:\\\\logs\\\\trail.json"',  # backslashes inside quotes
    'index=aws source="a|b [c]"',
    "index=main sourcetype=aws:cloudtrail AND eventSource=secretsmanager.amazonaws.com",
]


@pytest.mark.parametrize(("value", "words"), REFUSED)
def test_a_shape_that_weakens_or_breaks_the_macro_is_refused(value, words):
    with pytest.raises(ValueError) as refused:
        AWS.check(value)
    message = str(refused.value)
    assert message.startswith("AWS sources"), message
    assert words in message, message


@pytest.mark.parametrize("value", ACCEPTED)
def test_plain_index_and_sourcetype_terms_are_kept(value):
    assert AWS.check(f"  {value} ") == value


def test_every_platform_uses_the_same_checks():
    for setting in fields.DATA_SOURCES:
        platform = setting.label.split()[0]
        with pytest.raises(ValueError, match=f"^{platform} sources: .*index=nothing_here"):
            setting.check("sourcetype=x")
        assert setting.check("index=nothing_here") == "index=nothing_here"


def test_the_shipped_help_texts_say_an_index_is_required():
    import json

    from devkit import packaging

    config = json.loads(packaging.UCC_CONFIG.read_text())
    tab = next(t for t in config["pages"]["configuration"]["tabs"] if t["name"] == "data_sources")
    for entity in tab["entity"]:
        assert "index=... is required" in entity["help"]
        assert "index=nothing_here" in entity["help"]
