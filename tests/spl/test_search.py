"""The `search` command (and the implicit search a query starts with).

Oracles:
- Search Reference, "search": https://help.splunk.com/splunk-enterprise/spl-search-reference/9.2/search-commands/search
  (AND implied between terms, field=value, !=, NOT, wildcards, field=* for "the field
  exists", quoted phrases);
- Search Manual, "Boolean expressions with logical operators":
  https://help.splunk.com/en/splunk-enterprise/search/search-manual/9.3/expressions-and-predicates
  ("The search command evaluates OR before AND operators"; NOT applies to the term
  immediately following it);
- Search Manual, "Event segmentation and searching":
  https://docs.splunk.com/Documentation/Splunk/9.3.2/Search/Eventsegmentationandsearching
  (its example event `91.205.189.15 - - [13/Aug/2022:18:22:16]`: major segments, and the
  minor segments 91, 205, 189, 15);
- Search Manual, "Time modifiers": events with `_time >= earliest` and `< latest`
  (latest=02:00:00 does not return events at exactly 02:00:00).
"""

from __future__ import annotations

import pytest

from devkit.spl import SplUnsupported

SEGMENTATION_EXAMPLE = '91.205.189.15 - - [13/Aug/2022:18:22:16] "GET /product.screen?' \
    'productId=WC-SH-A02&JSESSIONID=SD0SL6FF7ADFF4953 HTTP 1.1" 200 3878'


def ids(rows):
    return [r["id"] for r in rows]


@pytest.mark.parametrize("term, found", [
    ("91.205.189.15", True),      # the whole major segment
    ("205", True),                # a minor segment
    ("189.15", True),             # minor segments in sequence
    ("13/Aug/2022", True),
    ("aug", True),                # terms ignore case
    ("JSESSIONID", True),
    ("9", False),                 # part of a segment, not a segment
    ("1.205", False),
    ("product", True),            # product.screen: "." is a minor breaker
    ("prod*", True),              # a wildcard within a segment
    ("*screen", True),
    ("WC-SH*", True),
])
def test_terms_match_the_documented_segments(spl, term, found):
    rows = spl(f"search {term}", [{"id": "1", "_raw": SEGMENTATION_EXAMPLE, "_time": 1}])
    assert bool(rows) is found


def test_terms_match_the_words_of_cloud_secrets_sources(spl):
    raw = '{"eventSource":"secretsmanager.amazonaws.com","eventName":"GetSecretValue"}'
    event = {"id": "1", "_raw": raw, "_time": 1}
    assert spl("secretsmanager", [event])
    assert spl("SecretsManager", [event])
    assert spl("amazonaws.com", [event])
    assert not spl("manager", [event])
    assert not spl("secretsmanager.amazon", [event])


def test_url_encoded_major_breakers_split_segments(spl):
    event = {"id": "1", "_raw": "GET /a?q=alpha%20beta", "_time": 1}
    assert spl("beta", [event])
    assert not spl("20beta", [event])


def test_or_is_evaluated_before_and(spl):
    events = [{"id": "a", "_raw": "a", "_time": 1}, {"id": "c", "_raw": "c", "_time": 1},
              {"id": "ab", "_raw": "a b", "_time": 1}, {"id": "ac", "_raw": "a c", "_time": 1}]
    # a b OR c is a AND (b OR c): the lone "c" event does not match.
    assert ids(spl("search a b OR c", events)) == ["ab", "ac"]
    assert ids(spl("search (a b) OR c", events)) == ["c", "ab", "ac"]


def test_not_applies_to_the_next_term_only(spl):
    events = [{"id": "1", "_raw": "x y", "_time": 1}, {"id": "2", "_raw": "x", "_time": 1},
              {"id": "3", "_raw": "y", "_time": 1}]
    assert ids(spl("search NOT x y", events)) == ["3"]
    assert ids(spl("search NOT (x y)", events)) == ["2", "3"]


def test_lowercase_operators_are_terms(spl):
    events = [{"id": "1", "_raw": "cats and dogs", "_time": 1},
              {"id": "2", "_raw": "dogs", "_time": 1}]
    assert ids(spl("search cats and dogs", events)) == ["1"]


def test_field_values_ignore_case_and_field_names_do_not(spl):
    events = [{"id": "1", "action": "Success"}, {"id": "2", "Action": "success"}]
    assert ids(spl("action=success", events)) == ["1"]
    assert ids(spl("action=SUCC*", events)) == ["1"]


def test_wildcards_and_field_exists(spl):
    events = [{"id": "1", "sourcetype": "google:gcp:pubsub:audit:data_access"},
              {"id": "2", "sourcetype": "google:gcp:pubsub:message"},
              {"id": "3"}]
    assert ids(spl("sourcetype=google:gcp:pubsub:audit:*", events)) == ["1"]
    assert ids(spl("sourcetype=*", events)) == ["1", "2"]
    assert ids(spl("sourcetype=*pubsub*", events)) == ["1", "2"]


def test_not_equal_needs_the_field_and_not_does_not(spl):
    events = [{"id": "1", "account_type": "High-Privilege"},
              {"id": "2", "account_type": "Standard-User"}, {"id": "3"}]
    assert ids(spl('search account_type!="High-Privilege"', events)) == ["2"]
    assert ids(spl('search NOT account_type="High-Privilege"', events)) == ["2", "3"]


def test_multivalue_fields_match_when_any_value_does(spl):
    events = [{"id": "1", "secret": ["db/one", "db/two"]}, {"id": "2", "secret": "api/key"}]
    assert ids(spl("secret=db/two", events)) == ["1"]
    assert ids(spl("secret!=db/two", events)) == ["2"]


def test_numbers_compare_as_numbers(spl):
    events = [{"id": "1", "count": "5"}, {"id": "2", "count": "40"}, {"id": "3", "count": "x"}]
    assert ids(spl("count>10", events)) == ["2"]
    assert ids(spl("count<=5", events)) == ["1"]
    assert ids(spl("count=5.0", events)) == ["1"]


def test_in_lists_values(spl):
    events = [{"id": "1", "op": "read"}, {"id": "2", "op": "list"}, {"id": "3", "op": "write"}]
    assert ids(spl("op IN (read, list)", events)) == ["1", "2"]


def test_quoted_phrases(spl):
    events = [{"id": "1", "_raw": "access denied for bob"},
              {"id": "2", "_raw": "denied access"}]
    assert ids(spl('search "access denied"', events)) == ["1"]


def test_results_without_raw_match_terms_in_field_values(spl):
    events = [{"id": "1", "principal": "alice"}, {"id": "2", "principal": "bob"}]
    assert ids(spl("search alice", events)) == ["1"]


def test_time_range_is_earliest_inclusive_latest_exclusive(spl):
    events = [{"id": str(t), "_time": t} for t in (3599, 3600, 7199, 7200)]
    assert ids(spl("*", events, earliest=3600, latest=7200)) == ["3600", "7199"]


def test_time_modifiers_inside_the_search(spl):
    events = [{"id": "old", "_time": spl.now - 7200}, {"id": "new", "_time": spl.now - 60}]
    assert ids(spl("earliest=-1h", events)) == ["new"]
    assert ids(spl("latest=-1h", events)) == ["old"]


def test_index_and_sourcetype_are_ordinary_fields(spl):
    events = [{"id": "1", "index": "aws", "sourcetype": "aws:cloudtrail"},
              {"id": "2", "index": "main", "sourcetype": "aws:cloudtrail"}]
    assert ids(spl("index=aws sourcetype=aws:cloudtrail", events)) == ["1"]


def test_a_search_that_starts_with_terms_is_an_implicit_search(spl):
    events = [{"id": "1", "_raw": "hello"}, {"id": "2", "_raw": "bye"}]
    assert ids(spl("hello", events)) == ids(spl("search hello", events)) == ["1"]
    assert ids(spl("search *", events)) == ["1", "2"]


@pytest.mark.parametrize("query, named", [
    ("search TERM(10.0.0.1)", "TERM"),
    ("search eventtype=failed_login", "eventtype"),
])
def test_unsupported_search_syntax_is_refused_with_its_position(spl, query, named):
    with pytest.raises(SplUnsupported) as error:
        spl(query, [], name="my search")
    message = str(error.value)
    assert named in message and "my search" in message and "position 7" in message
