"""`eval` and `where`, their operators and the evaluation functions the app uses.

Oracles (Search Reference, Splunk Enterprise 9.x):
- "eval": https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/eval
  (`.` concatenates, `+` adds numbers or concatenates strings, a null operand makes the
  result null, assignments left to right);
- "where": https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/where
  (an unquoted name on either side is a field);
- Search Manual, "Boolean expressions with logical operators" (eval and where evaluate
  NOT, then AND, then OR);
- "Comparison and Conditional functions" (case, if, coalesce, like, match, in, isnull,
  validate), "Mathematical functions" (round(3.5)=4, round(2.555, 2)=2.56,
  ceiling(1.9)=2, floor(1.9)=1), "Statistical eval functions" (max(1, 3, 6, 7, "foo",
  name): "foo" when name is "baz", "zaz" when it is "zaz"; strings are greater than
  numbers), "Multivalue eval functions" (mvindex, mvappend, mvjoin, mvcount, mvdedup,
  mvfilter), "Text functions" (len, lower, substr("splunk", 1, 3)="spl",
  substr("splunk", -3)="unk", replace with back-references, split) and "Conversion
  functions" (tostring(1==1)="True", tostring(15, "hex")="0xF",
  tostring(12345.6789, "commas")="12,345.68", tostring(615, "duration")="00:10:15",
  tonumber("0A4", 16)=164). Date functions are in test_time.py.
"""

from __future__ import annotations

import pytest

from devkit.spl import SplError, SplUnsupported


def evaluate(spl, expression, **fields):
    """`expression` evaluated over one result holding `fields`."""
    rows = spl(f"search * | eval result={expression}", [{"_time": 0, **fields}])
    assert len(rows) == 1
    return rows[0].get("result")


@pytest.mark.parametrize("expression, expected", [
    ("round(3.5)", 4.0),
    ("round(2.555, 2)", 2.56),
    ("ceiling(1.9)", 2.0),
    ("ceil(1.1)", 2.0),
    ("floor(1.9)", 1.0),
    ("abs(-5)", 5.0),
    ('len("Hello")', 5.0),
    ('lower("Hello")', "hello"),
    ('upper("Hello")', "HELLO"),
    ('substr("splunk", 1, 3)', "spl"),
    ('substr("splunk", -3)', "unk"),
    (r'replace("1/14/2023", "^(\d{1,2})/(\d{1,2})/", "\2/\1/")', "14/1/2023"),
    ('split("a;b;c", ";")', ["a", "b", "c"]),
    ("tostring(1==1)", "True"),
    ('tostring(15, "hex")', "0xF".lower()),
    ('tostring(12345.6789, "commas")', "12,345.68"),
    ('tostring(615, "duration")', "00:10:15"),
    ('tonumber("0A4", 16)', 164.0),
    ('tonumber("12.5")', 12.5),
    ('tonumber("abc")', None),
    ('coalesce(null(), "x")', "x"),
    ('case(1==2, "a", 2==2, "b")', "b"),
    ('case(1==2, "a")', None),
    ('if(1 > 2, "yes", "no")', "no"),
    ('if(null() > 2, "yes", "no")', "no"),
    ('mvindex(mvappend("a", "b", "c"), 0, 1)', ["a", "b"]),
    ('mvindex(mvappend("a", "b", "c"), -1)', "c"),
    ('mvindex(mvappend("a", "b", "c"), 5)', None),
    ('mvjoin(mvappend("a", "b"), "; ")', "a; b"),
    ('mvcount(mvappend("a", "b", "a"))', 3.0),
    ('mvcount(null())', None),
    ('mvdedup(mvappend("b", "a", "b"))', ["b", "a"]),
    ('mvappend("x")', "x"),
    ('mvappend(null(), null())', None),
    ('"read ".25." distinct secrets"', "read 25 distinct secrets"),
    ('"a" + "b"', "ab"),
    ("1 + 2 * 3", 7.0),
    ("(1 + 2) * 3", 9.0),
    ("7 % 4", 3.0),
    ("1 / 0", None),
    ("10 / 4", 2.5),
    ('"x" . null()', None),
    ("1 + null()", None),
    ("-3 + 1", -2.0),
])
def test_documented_function_results(spl, expression, expected):
    assert evaluate(spl, expression) == expected


def test_max_and_min_follow_the_statistical_eval_examples(spl):
    assert evaluate(spl, 'max(1, 3, 6, 7, "foo", name)', name="baz") == "foo"
    assert evaluate(spl, 'max(1, 3, 6, 7, "foo", name)', name="zaz") == "zaz"
    assert evaluate(spl, "max(20, ceiling(2 * x))", x="12.5") == 25.0
    assert evaluate(spl, "min(3, 9, 7, x)", x="2") == 2.0


def test_booleans_drive_where_and_if(spl):
    events = [{"id": "1", "ip": "10.0.0.1", "email": "a@b.net"},
              {"id": "2", "ip": "host", "email": "c@d.com"}]
    assert [r["id"] for r in spl(r'search * | where match(ip, "^\d+(\.\d+){3}$")', events)] == ["1"]
    assert [r["id"] for r in spl('search * | where like(email, "%.net")', events)] == ["1"]
    assert [r["id"] for r in spl('search * | where email LIKE "c@%"', events)] == ["2"]
    assert [r["id"] for r in spl('search * | where in(ip, "host", "other")', events)] == ["2"]
    both = spl("search * | where isnull(missing) AND isnotnull(ip)", events)
    assert [r["id"] for r in both] == ["1", "2"]


def test_and_binds_tighter_than_or_in_where(spl):
    events = [{"id": "1", "a": "1", "b": "0", "c": "0"}, {"id": "2", "a": "0", "b": "0", "c": "1"}]
    # a=1 OR b=1 AND c=1 is a=1 OR (b=1 AND c=1)
    assert [r["id"] for r in spl("search * | where a=1 OR b=1 AND c=1", events)] == ["1"]


def test_where_drops_results_whose_comparison_is_null(spl):
    events = [{"id": "1", "n": "25"}, {"id": "2"}, {"id": "3", "n": "3"}]
    assert [r["id"] for r in spl("search * | where n >= 20", events)] == ["1"]
    assert [r["id"] for r in spl("search * | where NOT n >= 20", events)] == ["3"]


def test_where_compares_numbers_as_numbers_and_text_as_text(spl):
    events = [{"id": "1", "n": "9", "s": "abc"}, {"id": "2", "n": "10", "s": "abd"}]
    assert [r["id"] for r in spl("search * | where n > 9", events)] == ["2"]
    assert [r["id"] for r in spl('search * | where s < "abd"', events)] == ["1"]
    assert [r["id"] for r in spl('search * | where s = "ABC"', events)] == []  # case-sensitive


def test_where_unquoted_right_side_is_a_field(spl):
    events = [{"id": "1", "a": "x", "b": "x"}, {"id": "2", "a": "x", "b": "y"}]
    assert [r["id"] for r in spl("search * | where a=b", events)] == ["1"]


def test_multivalue_comparison_is_true_when_any_value_is(spl):
    events = [{"id": "1", "v": ["a", "b"]}, {"id": "2", "v": "c"}]
    assert [r["id"] for r in spl('search * | where v="b"', events)] == ["1"]


def test_mvfilter_keeps_values_that_pass(spl):
    rows = spl(r'search * | eval kept=mvfilter(match(email, "\.net$") OR match(email, "\.org$"))',
               [{"email": ["a@x.net", "b@y.com", "c@z.org"]}])
    assert rows[0]["kept"] == ["a@x.net", "c@z.org"]


def test_eval_assigns_left_to_right_and_null_removes(spl):
    rows = spl('search * | eval a=1, b=a+1, gone=null(), name=first." ".last',
               [{"first": "Ada", "last": "Lovelace", "gone": "x"}])
    assert rows[0]["a"] == 1.0 and rows[0]["b"] == 2.0
    assert "gone" not in rows[0]
    assert rows[0]["name"] == "Ada Lovelace"


def test_eval_reads_quoted_field_names(spl):
    rows = spl("search * | eval n=mvcount('secret{}')", [{"secret{}": ["a", "b"]}])
    assert rows[0]["n"] == 2.0


def test_eval_cannot_assign_a_boolean(spl):
    with pytest.raises(SplError, match="boolean"):
        spl("search * | eval ok=1==1", [{"x": "1"}])


def test_where_needs_a_condition(spl):
    with pytest.raises(SplError, match="not a condition"):
        spl("search * | where x", [{"x": "1"}])


def test_unknown_functions_are_refused_with_their_position(spl):
    with pytest.raises(SplUnsupported) as error:
        spl("search * | eval h=md5(x)", [], name="ad hoc")
    assert "md5" in str(error.value) and "position 18" in str(error.value)
    assert "search * | eval h=md5(x)"[18:21] == "md5"  # positions count from 0


def test_wrong_argument_counts_are_errors(spl):
    with pytest.raises(SplError, match="takes 3 arguments"):
        spl("| makeresults | eval x=if(1=1, 2)", [])
