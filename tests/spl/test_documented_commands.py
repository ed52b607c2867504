"""Documented examples of eval, makemv, rex, sort, head, rename and makeresults, run as
the pages write them, each asserting the result the page prints (or that follows from
its description where it prints none, said so at the test).

Oracles (Search Reference, Splunk Enterprise 9.x), by page:
- "eval", Dynamic field name creation: `| makeresults | eval field1="counter",
  {field1}="1234"` gives counter 1234 and field1 counter; `| eval p="{p}", v_{p} = p`
  "doesn't produce results because ... {p} replaces the value of p in the fieldname ...
  in a recursive loop"; Field names: `| eval "first  " = 123 | eval second='first  '`
  "produces valid results";
- "Multivalue eval functions", mvreverse: `| makeresults | eval myfield =
  "one,two,three" | makemv tokenizer = "([^,]+),?" myfield | eval new_myfield =
  mvreverse(myfield)` (options written with spaces around `=`);
- "rex": Example 2 (max_match=0 over a$1,b$2: field a b, value 1 2), Example 3
  (savedsearch_id=bob;search;my_saved_search gives user bob, app search,
  SavedSearchName my_saved_search), Example 5 (mode=sed capture replace, its table),
  Example 6 (offset_field: firstfive=0-4, middle=5-7), Example 4 (the sed expression
  `s/(\\d{4}-){3}/XXXX-XXXX-XXXX-/g` "replace[s] them with an anonymized string");
- "sort": "If the field contains on IP address values, the collating sequence is for IP
  addresses", and `sort ip(ipaddress), -str(url)`;
- "head": the Extended example's two tables (keeplast with null=true and null=false),
  `head limit=10 (1==1)` "returns up to the first 10 results", `head limit=10 (0==1)`
  "returns no results", and "Using both the numeric limit and limit=<int> results in an
  error";
- "rename": `rename EU* AS EMEA*` renames EU_UK, EU_DE, EU_PL to EMEA_UK, EMEA_DE,
  EMEA_PL; "You can't rename one field with multiple names" (`rename A as B, A as C`);
  the wildcard counts must match (`rename price-a*price-b AS price-a\\price-b` fails);
  "Renaming a field that does not exist ... If fieldB does exist, ... the data in fieldB
  is removed";
- "makeresults", Extended example 6: format=json gives _raw {"name":"Larson","age":32},
  age 32, name Larson (and Nyeti 44, Vero 22); Extended example 7: format=csv with
  `fields name, age` gives Sujata 61, Linus 29, Karina 33;
- "streamstats", time_window: months, quarters and years are valid span lengths; the
  engine refuses them by name.
"""

from __future__ import annotations

import pytest

from devkit.spl import SplError, SplUnsupported, format_value


def test_eval_dynamic_field_name(spl):
    rows = spl('| makeresults \n| eval field1="counter", {field1}="1234"', [])
    assert (rows[0]["counter"], rows[0]["field1"]) == ("1234", "counter")


def test_eval_recursive_dynamic_field_name_is_an_error(spl):
    with pytest.raises(SplError, match="recursively"):
        spl('| makeresults\n| eval p="{p}", v_{p} = p', [])


def test_eval_field_name_with_trailing_spaces(spl):
    rows = spl("| makeresults \n| eval \"first  \" = 123 | eval second='first  '", [])
    assert format_value(rows[0]["second"]) == "123"


def test_makemv_tokenizer_written_with_spaces(spl):
    rows = spl('| makeresults\n| eval myfield = "one,two,three"\n'
               '| makemv tokenizer = "([^,]+),?" myfield\n'
               '| eval new_myfield = mvreverse(myfield)', [])
    assert rows[0]["new_myfield"] == ["three", "two", "one"]


def test_rex_max_match_zero(spl):
    rows = spl('| makeresults | eval test="a$1,b$2" '
               '| rex field=test max_match=0 "((?<field>[^$]*)\\$(?<value>[^,]*),?)"', [])
    assert (rows[0]["field"], rows[0]["value"]) == (["a", "b"], ["1", "2"])


def test_rex_scheduler_example(spl):
    rows = spl('| makeresults | eval savedsearch_id="bob;search;my_saved_search" '
               '| rex field=savedsearch_id "(?<user>\\w+);(?<app>\\w+);'
               '(?<SavedSearchName>\\w+)"', [])
    assert (rows[0]["user"], rows[0]["app"], rows[0]["SavedSearchName"]) == (
        "bob", "search", "my_saved_search")


def test_rex_sed_capture_replace(spl):
    rows = spl('|makeresults\n|eval orig_search="src_ip=TERM( \\"10.8.2.33\\" ) OR '
               'src_ip=TERM( \\"172.17.154.197\\" )", search=orig_search\n'
               '|rex mode=sed field=search "s/\\s\\"(\\d+\\.\\d+\\.\\d+\\.\\d+)\\"\\s/\\1/g"',
               [])
    assert rows[0]["orig_search"] == (
        'src_ip=TERM( "10.8.2.33" ) OR src_ip=TERM( "172.17.154.197" )')
    assert rows[0]["search"] == "src_ip=TERM(10.8.2.33) OR src_ip=TERM(172.17.154.197)"


def test_rex_sed_anonymizes_a_card_number(spl):
    # No result on the page; the expression replaces the three groups of four digits.
    rows = spl('| makeresults | eval ccnumber="1234-5678-9012-3456" '
               '| rex field=ccnumber mode=sed "s/(\\d{4}-){3}/XXXX-XXXX-XXXX-/g"', [])
    assert rows[0]["ccnumber"] == "XXXX-XXXX-XXXX-3456"


@pytest.mark.parametrize("regex, group, value, offset", [
    ("(?<firstfive>abcde)", "firstfive", "abcde", "firstfive=0-4"),
    ("(?<middle>fgh)", "middle", "fgh", "middle=5-7"),
])
def test_rex_offset_field(spl, regex, group, value, offset):
    rows = spl('| makeresults\n| eval list="abcdefghijklmnopqrstuvwxyz"\n'
               f'| rex offset_field=off field=list "{regex}"', [])
    assert (rows[0][group], rows[0]["off"]) == (value, offset)


ADDRESSES = [{"ipaddress": a, "url": u} for a, u in (
    ("10.0.0.2", "/a"), ("9.0.0.1", "/b"), ("192.168.1.1", "/c"), ("10.0.0.10", "/d"),
    ("9.0.0.1", "/e"))]


def test_sort_collates_ip_addresses_automatically(spl):
    rows = spl("search * | sort ipaddress", ADDRESSES)
    assert [r["ipaddress"] for r in rows] == [
        "9.0.0.1", "9.0.0.1", "10.0.0.2", "10.0.0.10", "192.168.1.1"]


def test_sort_ip_then_descending_string(spl):
    rows = spl("search * | sort ip(ipaddress), -str(url)", ADDRESSES)
    assert [(r["ipaddress"], r["url"]) for r in rows] == [
        ("9.0.0.1", "/e"), ("9.0.0.1", "/b"), ("10.0.0.2", "/a"), ("10.0.0.10", "/d"),
        ("192.168.1.1", "/c")]


HEAD_EVENTS = ("| makeresults count=7\n| streamstats count \n"
               "| eval count=if(count=3,null(), count) \n")


@pytest.mark.parametrize("null, expected", [
    ("true", ["1", "2", "", "4", "5"]),
    ("false", ["1", "2", ""]),
])
def test_head_keeplast_and_null(spl, null, expected):
    rows = spl(HEAD_EVENTS + f"| head count<5 keeplast=true null={null}", [])
    assert [format_value(r.get("count")) for r in rows] == expected


def test_head_limit_with_an_expression(spl):
    assert len(spl("| makeresults count=12 |head limit=10 (1==1)", [])) == 10
    assert spl("| makeresults count=12 |head limit=10 (0==1)", []) == []


def test_head_count_and_limit_together_is_an_error(spl):
    with pytest.raises(SplError, match="not both"):
        spl("| makeresults count=12 | head 3 limit=2", [])


def test_rename_with_wildcards(spl):
    rows = spl("| makeresults | eval EU_UK=1, EU_DE=2, EU_PL=3 | rename EU* AS EMEA*", [])
    assert {name for name in rows[0] if name != "_time"} == {"EMEA_UK", "EMEA_DE",
                                                             "EMEA_PL"}


@pytest.mark.parametrize("search, message", [
    ("| makeresults | rename A as B, A as C", "renamed twice"),
    ("| makeresults | rename price-a*price-b AS price-a\\price-b", "wildcard mismatch"),
])
def test_invalid_renames_are_errors(spl, search, message):
    with pytest.raises(SplError, match=message):
        spl(search, [])


def test_renaming_a_missing_field_removes_the_target(spl):
    rows = spl('| makeresults | eval fieldB="kept?" | rename fieldA AS fieldB', [])
    assert "fieldB" not in rows[0]


def test_rename_keeps_the_column_in_its_place(spl):
    # "rename ... useful for giving fields more meaningful names": the table keeps its
    # order, the renamed column where the old one was.
    rows = spl('| makeresults | eval a=1, b=2 | table a b | rename a AS "Alpha"', [])
    assert rows.columns == ["Alpha", "b"]


def test_makeresults_json_gives_raw_and_fields(spl):
    rows = spl('| makeresults format=json data="[{\\"name\\":\\"Larson\\",\\"age\\":32}, '
               '{\\"name\\":\\"Nyeti\\",\\"age\\":44}, {\\"name\\":\\"Vero\\",\\"age\\":22}]"', [])
    assert [(r["_raw"], r["age"], r["name"]) for r in rows] == [
        ('{"name":"Larson","age":32}', "32", "Larson"),
        ('{"name":"Nyeti","age":44}', "44", "Nyeti"),
        ('{"name":"Vero","age":22}', "22", "Vero")]


def test_makeresults_csv_with_fields(spl):
    rows = spl('| makeresults format=csv data="name, age\nSujata,61\nLinus,29\nKarina,33" '
               '| fields name, age', [])
    assert [(r["name"], r["age"]) for r in rows] == [("Sujata", "61"), ("Linus", "29"),
                                                     ("Karina", "33")]


@pytest.mark.parametrize("span", ["1mon", "1q", "1y"])
def test_streamstats_calendar_time_window_is_refused(spl, span):
    with pytest.raises(SplUnsupported, match=f"time_window={span}"):
        spl(f"| makeresults | streamstats count time_window={span}", [])


@pytest.mark.parametrize("expression, expected", [
    ('if(isnum("NaN"), "true", "false")', "false"),
    ('if(isnum("anystring"), "true", "false")', "false"),
    ('if(isstr("anystring"), "true", "false")', "true"),
    ('if(isint("3"), "int", "not int")', "not int"),
    ('if(isint(field), "int", "not int")', "int"),
    ('if(isnum(field), "yes", "no")', "yes"),
    ('typeof("12")', "String"),
    ('typeof(field)', "Number"),
])
def test_a_quoted_string_is_a_string_and_a_field_reads_as_a_number(spl, expression,
                                                                   expected):
    # "Informational functions", isnum and isstr: a literal string "is considered a
    # string, not a number"; "When an argument is a field, the eval command retrieves
    # the value and attempts to treat it as a number, even if it is a string"
    # ("Statistical eval functions", avg, example 4).
    rows = spl(f'| makeresults | eval field="3" | eval result={expression}', [])
    assert rows[0]["result"] == expected


def test_bin_aligntime_to_three_in_the_morning(make_spl):
    # "bin", Example 4: "Align the time bins to 3am (local time). Set the span to 12h.
    # The bins will represent 3am - 3pm, then 3pm - 3am (the next day)": `bin _time
    # span=12h aligntime=@d+3h`. Run at 10:05 in New York; results 3, 6, 9 and 12 hours
    # earlier fall in the bins of 03:00 today and 15:00 yesterday.
    spl = make_spl(tz="America/New_York")
    rows = spl('| makeresults count=4 | streamstats count | eval _time=_time - count*3*3600 '
               '| bin _time span=12h aligntime=@d+3h | eval t=strftime(_time, "%F %T")', [])
    assert [r["t"] for r in rows] == ["2024-04-28 03:00:00", "2024-04-28 03:00:00",
                                      "2024-04-27 15:00:00", "2024-04-27 15:00:00"]


def test_bin_of_a_field_without_a_timescale_is_a_range(spl):
    # "bin", span-length: "If discretizing based on the _time field or used with a
    # timescale, this is treated as a time range. If not, this is an absolute bin
    # length."
    rows = spl("| makeresults | eval resptime=37, starttime=1714313137 "
               "| bin resptime span=10 | bin starttime span=10s", [])
    assert (rows[0]["resptime"], rows[0]["starttime"]) == ("30-40", 1714313130.0)


MVEXPAND_EVENTS = [
    {"_time": 1522541483, "_raw": "2018-04-01 00:11:23 a=22 b=21 a=23 b=32 a=51 b=24"},
    {"_time": 1522541482, "_raw": "2018-04-01 00:11:22 a=1 b=2 a=2 b=3 a=5 b=2"}]
MVEXPAND_REX = ('search * | rex field=_raw "a=(?<a>\\d+)" max_match=5 \n'
                '| rex field=_raw "b=(?<b>\\d+)" max_match=5 \n| eval fields = mvzip(a,b) ')


def test_mvexpand_example_zips_two_multivalue_fields(spl):
    # "mvexpand", Example 3: the fields column reads 22,2123,3251,24 and 1,22,35,2 (the
    # values shown run together).
    rows = spl(MVEXPAND_REX + "| table _time fields", MVEXPAND_EVENTS)
    assert ["".join(r["fields"]) for r in rows] == ["22,2123,3251,24", "1,22,35,2"]


def test_mvexpand_example_expands_them(spl):
    # The page's last table leaves out the first pair (22, 21) of the first event,
    # which its own fields column holds; the other five rows are the page's.
    rows = spl(MVEXPAND_REX + '| mvexpand fields \n'
               '| rex field=fields "(?<alpha>\\d+),(?<beta>\\d+)" \n| table _time alpha beta',
               MVEXPAND_EVENTS)
    assert [(r["alpha"], r["beta"]) for r in rows][1:] == [
        ("23", "32"), ("51", "24"), ("1", "2"), ("2", "3"), ("5", "2")]


@pytest.mark.parametrize("search", ["| makeresults | mvexpand _time",
                                    "| makeresults | makemv delim=\",\" _raw"])
def test_multivalue_commands_refuse_internal_fields(spl, search):
    # "The mvexpand command can't be applied to internal fields"; "The makemv command
    # does not apply to internal fields."
    with pytest.raises(SplError, match="internal fields"):
        spl(search, [])
