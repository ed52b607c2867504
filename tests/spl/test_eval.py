"""`eval` and `where`, their operators and the evaluation functions the app uses.

Oracles (Search Reference, Splunk Enterprise 9.x):
- "eval": https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/eval
  (`.` concatenates, `+` adds numbers or concatenates strings, a null operand makes the
  result null, assignments left to right); a double-quoted string is a string even when
  it reads as a number ("Mathematical functions", sum: `sum(1, 2, "3")` "returns an
  error because one of the arguments in the function is a string"; "Informational
  functions", isnum: a literal string "is considered a string, not a number"), so
  `"1" + "2"` concatenates and `isint("3")` is false;
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
  tostring(9, "binary")="1001", tonumber("0A4", 16)=164, tonumber("0101", 2)=5;
  "tonumber("seven") fails"; a field value with a leading or trailing space gives
  null), "Informational functions" (typeof: "This example returns
  NumberStringBoolInvalid"). Date functions are in test_time.py.
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
    ('tostring(15, "hex")', "0xF"),
    ('tostring(9, "binary")', "1001"),
    ('tonumber("0101", 2)', 5.0),
    ('tostring(12345.6789, "commas")', "12,345.68"),
    ('tostring(615, "duration")', "00:10:15"),
    ('tonumber("0A4", 16)', 164.0),
    ('tonumber("12.5")', 12.5),
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


@pytest.mark.parametrize("expression, expected", [
    ('isint("3")', "no"), ('isint(3)', "yes"), ('isint(3.5)', "no"), ('isnum("x")', "no"),
    ('isstr("x")', "yes"),
    ('isstr("3")', "yes"), ('cidrmatch("10.0.0.0/8", "10.1.2.3")', "yes"),
    ('cidrmatch("10.0.0.0/8", "192.168.0.1")', "no"), ("1=1 XOR 1=2", "yes"),
    ("1=1 XOR 2=2", "no"), ("NOT 1=2", "yes"), ('"abc" != "abc"', "no"),
    ('"b" <= "a"', "no"), ("2 > 10", "no"),
])
def test_conditions(spl, expression, expected):
    assert evaluate(spl, f'if({expression}, "yes", "no")') == expected


@pytest.mark.parametrize("expression, expected", [
    ('typeof(12)', "Number"), ('typeof("x")', "String"), ("typeof(null())", "Invalid"),
    ('typeof(1==1)', "Bool"), ('typeof(mvappend("a", "b"))', "Multivalue"),
    ('trim("  a  ")', "a"), ('ltrim("xxa", "x")', "a"), ('rtrim("a  ")', "a"),
    ('mvsort(mvappend("b", "a", "C"))', ["C", "a", "b"]),
    ('mvfind(mvappend("ab", "cd"), "^c")', 1.0), ('validate(1==1, "ok", 1==2, "bad")', "bad"),
    ('pow(2, 10)', 1024.0), ('sqrt(16)', 4.0), ("sqrt(-1)", None),
    ("exact(0.1 + 0.2) > 0.3", None), ("time()", 1714313100.0),
    ('tostring(mvappend(1, 2))', ["1", "2"]), ('lower(mvappend("A", "B"))', ["a", "b"]),
    ('tostring(86400 + 61, "duration")', "1+00:01:01"), ('tostring(1234, "commas")', "1,234"),
    ('replace("aaa", "a", "b")', "bbb"), ('split("abc", "")', ["a", "b", "c"]),
    ('mvindex("single", 0)', "single"), ('mvjoin(null(), ",")', None),
    ('coalesce(null(), null())', None), ("round(-2.5)", -3.0), ('round(x, 1)', None),
    ('"1" + "2"', "12"), ('"a" + 1', None), ('"a" - "b"', None), ("5 % 0", None),
    ("1e3 / 4", 250.0),
])
def test_more_function_results(spl, expression, expected):
    if expected is None and expression.startswith("exact"):
        assert evaluate(spl, f'if({expression}, "yes", "no")') == "yes"
        return
    assert evaluate(spl, expression) == expected


def test_string_escapes_and_unbalanced_syntax(spl):
    assert evaluate(spl, r'"say \"hi\""') == 'say "hi"'
    with pytest.raises(SplError, match="expected"):
        spl("search * | eval x=(1 + 2", [{"a": "1"}])
    with pytest.raises(SplError, match="unexpected"):
        spl("search * | eval x=1 2", [{"a": "1"}])
    with pytest.raises(SplError, match="field=expression"):
        spl("search * | eval 3", [{"a": "1"}])


def test_the_documented_conversion_examples_verbatim(spl):
    # Conversion functions, tostring: "The following example returns "True 0xF
    # 12,345.68"" and "returns foo=615 and foo2=00:10:15".
    rows = spl('| makeresults | eval n=tostring(1==1) + " " + tostring(15, "hex") + " " + '
               'tostring(12345.6789, "commas")')
    assert rows[0]["n"] == "True 0xF 12,345.68"
    rows = spl('| makeresults | eval foo=615 | eval foo2 = tostring(foo, "duration")')
    assert rows[0]["foo"] == 615 and rows[0]["foo2"] == "00:10:15"


def test_tonumber_of_a_string_that_is_no_number_fails_and_of_a_padded_field_is_null(spl):
    with pytest.raises(SplError, match="seven"):
        spl('| makeresults\n| eval result=tonumber("seven")')
    assert evaluate(spl, "tonumber(celsius)", celsius=" 21 ") is None
    assert evaluate(spl, "tonumber(trim(celsius))", celsius=" 21 ") == 21.0
    assert evaluate(spl, "tonumber(word)", word="seven") is None


def test_tostring_binary_and_hex_take_integers_only(spl):
    with pytest.raises(SplError, match="binary"):
        spl('| makeresults | eval n=tostring("5", "binary")')
    assert evaluate(spl, 'tostring(2.5, "hex")') is None
    assert evaluate(spl, 'tostring(-1, "binary")') is None


def test_the_documented_typeof_example_verbatim(spl):
    # Informational functions, typeof: "This example returns NumberStringBoolInvalid".
    rows = spl('| makeresults | eval n=typeof(12) + typeof("string") + typeof(1==2) + '
               'typeof(badfield)')
    assert rows[0]["n"] == "NumberStringBoolInvalid"
    rows = spl("| makeresults | eval t=typeof(_time)")
    assert rows[0]["t"] == "Number"


# The evaluation function pages' own examples, verbatim (Search Reference 9.x/10.x):
# "Text functions" and "Multivalue eval functions".

@pytest.mark.parametrize("expression, expected", [
    ('ltrim("   ZZZZabcZZ ", " Z")', "abcZZ "),
    ('rtrim("   ZZZZabcZZ ", " Z")', "   ZZZZabc"),
    ('trim("   ZZZZabcZZ ", " Z")', "abc"),
    ('substr("string", 1, 3) + substr("string", -3)', "string"),
    ('urldecode("http%3A%2F%2Fwww.splunk.com%2Fdownload%3Fr%3Dheader")',
     "http://www.splunk.com/download?r=header"),
    ('mvrange(1,11,2)', [1.0, 3.0, 5.0, 7.0, 9.0]),
    ('mvreverse(split("1,2,3", ","))', ["3", "2", "1"]),
    ('mvreverse(mvappend("1", "2", "3"))', ["3", "2", "1"]),
    ('split("abcd","")', ["a", "b", "c", "d"]),
    ('split("1a2b3c4def567890","def")', ["1a2b3c4", "567890"]),
    ('split("name::value","::")', ["name", "value"]),
])
def test_documented_text_and_multivalue_examples(spl, expression, expected):
    assert evaluate(spl, expression) == expected


def test_the_documented_len_and_length_example(spl):
    names = ["buttercup", "rarity", "tenderhoof", "dash", "mistmane"]
    rows = spl("search * | eval length=len(names)", [{"names": n} for n in names])
    assert [r["length"] for r in rows] == [9, 6, 10, 4, 8]
    assert evaluate(spl, "length(x)", x="dash") == 4


def test_trim_removes_spaces_and_tabs_by_default_not_line_breaks(spl):
    assert evaluate(spl, "trim(x)", x=" \t a \t") == "a"
    assert evaluate(spl, "trim(x)", x="\na\n") == "\na\n"


def test_substr_follows_sqlite_at_zero_and_with_a_negative_length(spl):
    # "The indexes follow SQLite semantics": substr(X, 0, 3) is the first two
    # characters, a negative length counts back from the start.
    assert evaluate(spl, 'substr("string", 0, 3)') == "st"
    assert evaluate(spl, 'substr("string", 4, -2)') == "tr"
    assert evaluate(spl, 'substr("string", -10, 6)') == "st"  # 6 from 4 before the start


NAMES = ["alex", "celestino", "claudia", "david", "ikraam", "nyah", "rutherford", "wei"]
PONIES = ["buttercup", "dash", "flutter", "honey", "ivory", "minty", "pinky", "rarity"]


@pytest.mark.parametrize("expression, field, expected", [
    ("mvindex(names,2)", "names", "claudia"),
    ("mvindex(names,0,3)", "names", ["alex", "celestino", "claudia", "david"]),
    ("mvindex(ponies,-1)", "ponies", "rarity"),
    ("mvindex(ponies,-3)", "ponies", "minty"),
    ("mvindex(ponies, -3, -1)", "ponies", ["minty", "pinky", "rarity"]),
])
def test_the_documented_mvindex_examples(spl, expression, field, expected):
    values = NAMES if field == "names" else PONIES
    assert evaluate(spl, expression, **{field: values}) == expected


def test_mvzip_joins_pairs_with_a_comma_by_default(spl):
    assert evaluate(spl, "mvzip(hosts,ports)", hosts=["a", "b"], ports=["80", "443"]) == [
        "a,80", "b,443"]
    assert evaluate(spl, 'mvzip(mvzip(field1,field2,"|"),field3,"|")', field1=["1", "2"],
                    field2=["x", "y"], field3=["p", "q"]) == ["1|x|p", "2|y|q"]


def test_the_spath_function_reads_a_path_as_the_command_does(spl):
    raw = '{"vendorProductSet": {"product": {"desc": {"locDesc": ["Precios", "Prix"]}}}}'
    assert evaluate(spl, 'spath(_raw, "vendorProductSet.product.desc.locDesc{}")',
                    _raw=raw) == ["Precios", "Prix"]
    assert evaluate(spl, 'spath(_raw, "vendorProductSet.product.desc")', _raw=raw) == (
        '{"locDesc": ["Precios", "Prix"]}')
    with pytest.raises(SplUnsupported, match="XML"):
        evaluate(spl, 'spath(x, "a")', x="<a>1</a>")


# "Comparison and Conditional functions", cidrmatch and in: the pages' searches with
# their data and results, verbatim.

def test_the_documented_cidrmatch_examples(spl):
    rows = spl('| makeresults \n| eval subnet="192.0.2.0/24", ip="192.0.3.0"\n'
               '| eval result=if(cidrmatch(subnet, ip), "true", "false")')
    assert rows[0]["result"] == "false"
    rows = spl('| makeresults \n| eval ip="192.0.2.56" \n| where cidrmatch("192.0.2.0/24", ip)')
    assert [r["ip"] for r in rows] == ["192.0.2.56"]
    rows = spl('| makeresults \n| eval ip="192.0.2.56" \n| search ip="192.0.2.0/24"')
    assert [r["ip"] for r in rows] == ["192.0.2.56"]
    rows = spl('| makeresults \n| eval subnet="2001:0db8:ffff:ffff:ffff:ffff:ffff:ff00/120", '
               'ip="2001:0db8:ffff:ffff:ffff:ffff:ffff:ff99"\n'
               '| eval result = if(cidrmatch(subnet, ip), "true", "false")')
    assert rows[0]["result"] == "true"
    rows = spl('| makeresults \n| eval ip="2001:0db8:ffff:ffff:ffff:ffff:ffff:ff99"\n'
               '| where cidrmatch("2001:0db8:ffff:ffff:ffff:ffff:ffff:ff00/120", ip)')
    assert len(rows) == 1


def test_in_written_as_an_operator_in_lower_case(spl):
    events = [{"status": s, "ipaddress": "10.0.0.1", "clientip": c}
              for s, c in (("404", "203.0.113.255"), ("200", "10.0.0.2"))]
    rows = spl('search * | where status in("400", "401", "403", "404")', events)
    assert [r["status"] for r in rows] == ["404"]
    rows = spl('search * | where "203.0.113.255" in(ipaddress, clientip)', events)
    assert [r["status"] for r in rows] == ["404"]
    rows = spl('search * | eval error=if(in(status, "404","500","503"),"true","false") '
               '| stats count by error', events)
    assert rows == [{"error": "false", "count": 1}, {"error": "true", "count": 1}]
