"""`top` and `rare`: the most and least common values of fields.

Oracles: Search Reference (9.4) "top"
(https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/top)
and "rare" (same options): `top [<N>] [<top-options>...] <field-list> [<by-clause>]`;
N and `limit` default to 10 and 0 returns every value ("Specifying top limit=<int> is
the same as specifying top N"); `countfield` (default `count`) and `percentfield`
(default `percent`) name the fields added; `showcount`/`showperc` (default true) leave
them out; `useother` (default false) adds a row for every value left out by the limit,
whose value is `otherstr` (default `OTHER`); the field list is comma-delimited; with a
by clause the results are grouped by those fields. The page's example "Return the top
product purchased for each category. Do not show the percent field. Rename the count
field to total", `top 1 productName by categoryId showperc=f countfield=total`, has its
options after the by clause; its output holds categoryId, productName and total.
The pages give no input table, so the inputs below are ours; counts and percents follow
from the definitions (percent: the share of the results that have the fields).
"""

from __future__ import annotations

import pytest

from devkit.spl import SplError, SplUnsupported

PURCHASES = [{"categoryId": c, "productName": p} for c, p in [
    ("STRATEGY", "DB-SG-G01"), ("STRATEGY", "DB-SG-G01"), ("STRATEGY", "FS-SG-G03"),
    ("ARCADE", "BS-AG-G09"), ("ARCADE", "MB-AG-G07"), ("ARCADE", "BS-AG-G09"),
    ("ARCADE", "BS-AG-G09"), ("SHOOTER", "WC-SH-G04"),
]]


def test_top_counts_and_percents_the_most_common_values(spl):
    rows = spl("search * | top productName", PURCHASES)
    assert rows.columns == ["productName", "count", "percent"]
    assert rows == [
        {"productName": "BS-AG-G09", "count": 3, "percent": "37.500000"},
        {"productName": "DB-SG-G01", "count": 2, "percent": "25.000000"},
        {"productName": "WC-SH-G04", "count": 1, "percent": "12.500000"},
        {"productName": "MB-AG-G07", "count": 1, "percent": "12.500000"},
        {"productName": "FS-SG-G03", "count": 1, "percent": "12.500000"},
    ]


def test_the_documented_top_1_by_category_without_percent(spl):
    rows = spl("search * | top 1 productName by categoryId showperc=f countfield=total",
               PURCHASES)
    assert rows.columns == ["categoryId", "productName", "total"]
    assert rows == [
        {"categoryId": "ARCADE", "productName": "BS-AG-G09", "total": 3},
        {"categoryId": "SHOOTER", "productName": "WC-SH-G04", "total": 1},
        {"categoryId": "STRATEGY", "productName": "DB-SG-G01", "total": 2},
    ]


def test_limit_is_the_same_as_n_and_zero_returns_everything(spl):
    assert spl("search * | top limit=2 productName", PURCHASES) == spl(
        "search * | top 2 productName", PURCHASES)
    assert len(spl("search * | top 2 productName", PURCHASES)) == 2
    many = [{"v": str(i)} for i in range(15)]
    assert len(spl("search * | top v", many)) == 10
    assert len(spl("search * | top limit=0 v", many)) == 15


def test_useother_adds_a_row_for_the_values_left_out(spl):
    rows = spl("search * | top 2 useother=true otherstr=\"the rest\" productName", PURCHASES)
    assert rows[-1] == {"productName": "the rest", "count": 3, "percent": "37.500000"}
    assert len(rows) == 3
    assert len(spl("search * | top 10 useother=true productName", PURCHASES)) == 5


def test_showcount_false_and_renamed_percent(spl):
    rows = spl("search * | top 1 showcount=false percentfield=share productName", PURCHASES)
    assert rows == [{"productName": "BS-AG-G09", "share": "37.500000"}]


def test_several_fields_count_their_combinations(spl):
    rows = spl("search * | top limit=1 categoryId, productName", PURCHASES)
    assert rows == [{"categoryId": "ARCADE", "productName": "BS-AG-G09", "count": 3,
                     "percent": "37.500000"}]


def test_results_without_the_field_are_not_counted(spl):
    events = [{"user": "a"}, {"user": "a"}, {"user": "b"}, {"other": "x"}]
    rows = spl("search * | top user", events)
    assert rows == [{"user": "a", "count": 2, "percent": "66.666667"},
                    {"user": "b", "count": 1, "percent": "33.333333"}]


def test_a_multivalue_field_counts_each_value(spl):
    rows = spl("search * | top tag", [{"tag": ["x", "y"]}, {"tag": "x"}])
    assert [(r["tag"], r["count"]) for r in rows] == [("x", 2), ("y", 1)]


def test_rare_lists_the_least_common_values_first(spl):
    rows = spl("search * | rare productName", PURCHASES)
    assert [(r["productName"], r["count"]) for r in rows] == [
        ("FS-SG-G03", 1), ("MB-AG-G07", 1), ("WC-SH-G04", 1), ("DB-SG-G01", 2),
        ("BS-AG-G09", 3)]
    rows = spl("search * | rare limit=1 productName by categoryId", PURCHASES)
    assert [(r["categoryId"], r["productName"]) for r in rows] == [
        ("ARCADE", "MB-AG-G07"), ("SHOOTER", "WC-SH-G04"), ("STRATEGY", "FS-SG-G03")]


def test_top_needs_a_field_and_refuses_unknown_options(spl):
    with pytest.raises(SplError, match="needs a field"):
        spl("search * | top 3", PURCHASES)
    with pytest.raises(SplUnsupported, match="usenull"):
        spl("search * | top usenull=f productName", PURCHASES)


def test_the_documented_lexicographic_order_example(spl):
    # "top", Usage, "Lexicographic order of results": verbatim search and table.
    rows = spl('| makeresults\n| eval location="Orlando Dallas Atlanta"\n| makemv location\n'
               '| mvexpand location\n| eval user="Alex Kai Morgan"\n| makemv user\n'
               '| mvexpand user\n| top limit=1 location by user')
    assert rows.columns == ["user", "location", "count", "percent"]
    assert rows == [
        {"user": "Alex", "location": "Orlando", "count": 1, "percent": "33.333333"},
        {"user": "Kai", "location": "Orlando", "count": 1, "percent": "33.333333"},
        {"user": "Morgan", "location": "Orlando", "count": 1, "percent": "33.333333"},
    ]
