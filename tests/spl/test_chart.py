"""`chart`: an aggregation over one field, split by another.

Oracles: Search Reference (9.4) "chart"
(https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/chart):
`chart <stats-agg-term>... [BY <row-split> <column-split>] | [OVER <row-split>] [BY
<column-split>]`; with a column split, `limit` (default top10) keeps the series with the
highest sum ("When you set limit=N the top or bottom N values are retained, based on
the sum of each series", `limit=0` keeps all), `useother` (default true) puts the rest
in `otherstr` (OTHER), `usenull` (default true) makes a `nullstr` (NULL) series of the
results without the column field; the Search Manual's "Create charts that are not
(necessarily) time-based": `chart sum(bytes) over clientip by host` gives one row per
clientip and one column per host. Rows come in the order stats gives them. The pages'
examples run on the tutorial data, whose events they do not list: the inputs below are
ours, the expected tables follow from the definitions.
"""

from __future__ import annotations

import pytest

from devkit.spl import SplError, SplUnsupported

REQUESTS = [{"clientip": c, "host": h, "bytes": str(b)} for c, h, b in [
    ("10.0.0.1", "www1", 100), ("10.0.0.1", "www2", 50), ("10.0.0.2", "www1", 10),
    ("10.0.0.2", "www3", 5), ("10.0.0.1", "www1", 1), ("10.0.0.3", "www2", 7),
]]


def test_over_by_gives_a_row_per_row_value_and_a_column_per_series(spl):
    rows = spl("search * | chart sum(bytes) over clientip by host", REQUESTS)
    assert rows.columns == ["clientip", "www1", "www2", "www3"]
    assert rows == [
        {"clientip": "10.0.0.1", "www1": 101, "www2": 50},
        {"clientip": "10.0.0.2", "www1": 10, "www3": 5},
        {"clientip": "10.0.0.3", "www2": 7},
    ]


def test_by_two_fields_is_over_by_and_empty_counts_are_zero(spl):
    rows = spl("search * | chart count by clientip host", REQUESTS)
    assert rows == spl("search * | chart count over clientip by host", REQUESTS)
    assert rows[2] == {"clientip": "10.0.0.3", "www1": 0, "www2": 1, "www3": 0}


def test_one_split_is_a_table_like_stats(spl):
    rows = spl("search * | chart count max(bytes) AS most by host", REQUESTS)
    assert rows.columns == ["host", "count", "most"]
    assert rows == [{"host": "www1", "count": 3, "most": 100},
                    {"host": "www2", "count": 2, "most": 50},
                    {"host": "www3", "count": 1, "most": 5}]
    assert spl("search * | chart count", REQUESTS) == [{"count": 6}]


def test_limit_keeps_the_series_with_the_highest_sum_and_other_takes_the_rest(spl):
    rows = spl("search * | chart limit=1 sum(bytes) over clientip by host", REQUESTS)
    assert rows.columns == ["clientip", "www1", "OTHER"]
    assert [r.get("OTHER") for r in rows] == [50, 5, 7]
    rows = spl("search * | chart limit=bottom1 useother=f sum(bytes) over clientip by host",
               REQUESTS)
    assert rows.columns == ["clientip", "www3"]
    assert len(spl("search * | chart limit=0 count by clientip host", REQUESTS).columns) == 4


def test_series_ties_are_broken_lexicographically(spl):
    events = [{"r": "1", "s": s} for s in ("foo", "bar", "BAR")]
    rows = spl("search * | chart limit=2 useother=f count over r by s", events)
    assert rows.columns == ["r", "BAR", "bar"]


def test_results_without_the_column_field_make_the_null_series(spl):
    events = [*REQUESTS, {"clientip": "10.0.0.1", "bytes": "3"}]
    rows = spl("search * | chart count over clientip by host", events)
    assert rows.columns[-1] == "NULL" and rows[0]["NULL"] == 1
    rows = spl('search * | chart usenull=f count over clientip by host', events)
    assert "NULL" not in rows.columns
    rows = spl('search * | chart nullstr="none" count over clientip by host', events)
    assert rows[0]["none"] == 1


def test_span_bins_the_row_field(spl):
    events = [{"size": s} for s in ("3", "12", "17", "25")]
    rows = spl("search * | chart count over size span=10", events)
    assert rows == [{"size": "0-10", "count": 1}, {"size": "10-20", "count": 2},
                    {"size": "20-30", "count": 1}]
    timed = [{"_time": t} for t in (0, 59, 3600)]
    assert spl("search * | chart count over _time span=1h", timed) == [
        {"_time": 0, "count": 2}, {"_time": 3600, "count": 1}]


@pytest.mark.parametrize("query, named", [
    ("chart agg=sum count by a b", "agg"),
    ("chart cont=false count by a", "cont"),
    ("chart count(eval(a>1)) by a", "eval"),
    ("chart count sum(x) over a by b", "several functions"),
])
def test_what_the_engine_does_not_run_is_refused_by_name(spl, query, named):
    with pytest.raises(SplUnsupported, match=named.replace("(", r"\(")):
        spl(f"search * | {query}", REQUESTS)


def test_malformed_splits_are_errors(spl):
    for query in ("chart count over", "chart count by a b c", "chart count over a by"):
        with pytest.raises(SplError):
            spl(f"search * | {query}", REQUESTS)


def test_the_documented_products_by_quarter_example(spl):
    # "chart", Extended example 1: the page's events and its results table, verbatim.
    sales = [("ProductA", "QTR1", 1200), ("ProductB", "QTR1", 1400), ("ProductC", "QTR1", 1650),
             ("ProductA", "QTR2", 1425), ("ProductB", "QTR2", 1175), ("ProductC", "QTR2", 1550),
             ("ProductA", "QTR3", 1300), ("ProductB", "QTR3", 1250), ("ProductC", "QTR3", 1375),
             ("ProductA", "QTR4", 1550), ("ProductB", "QTR4", 1700), ("ProductC", "QTR4", 1625)]
    events = [{"source": "addtotalsData.csv", "products": p, "quarter": q, "sales": str(s)}
              for p, q, s in sales]
    rows = spl('source="addtotalsData.csv" | chart sum(sales) BY products quarter', events)
    assert rows.columns == ["products", "QTR1", "QTR2", "QTR3", "QTR4"]
    assert rows == [
        {"products": "ProductA", "QTR1": 1200, "QTR2": 1425, "QTR3": 1300, "QTR4": 1550},
        {"products": "ProductB", "QTR1": 1400, "QTR2": 1175, "QTR3": 1250, "QTR4": 1700},
        {"products": "ProductC", "QTR1": 1650, "QTR2": 1550, "QTR3": 1375, "QTR4": 1625},
    ]


def test_a_span_applies_to_the_field_just_before_it(spl):
    # "chart", Basic example 6: `chart count BY date_mday span=3 date_hour span=12`.
    events = [{"date_mday": d, "date_hour": h} for d, h in
              [("1", "3"), ("2", "13"), ("4", "1"), ("5", "23"), ("5", "2")]]
    rows = spl("search * | chart count BY date_mday span=3 date_hour span=12", events)
    assert rows.columns == ["date_mday", "0-12", "12-24"]
    assert rows == [{"date_mday": "0-3", "0-12": 1, "12-24": 1},
                    {"date_mday": "3-6", "0-12": 2, "12-24": 1}]


def test_magnitude_ranges_as_the_stats_page_shows_them(spl):
    # "stats", Extended example 3: `chart count AS "Number of Earthquakes" BY mag span=1`
    # gives rows -1-0, 0-1, 1-2 ... (the page's events are not listed; ours below).
    events = [{"mag": m} for m in ("-0.4", "0.2", "0.9", "1.5", "4.0")]
    rows = spl('search * | chart count AS "Number of Earthquakes" BY mag span=1', events)
    assert [(r["mag"], r["Number of Earthquakes"]) for r in rows] == [
        ("-1-0", 1), ("0-1", 2), ("1-2", 1), ("4-5", 1)]


def test_the_row_field_cannot_be_a_function_field(spl):
    # "chart", Usage: "you cannot specify the same field in a function and as the
    # row-split field" (`chart sum(A) by A span=log2` cannot run).
    with pytest.raises(SplError, match="row-split"):
        spl("search * | chart sum(A) by A", [{"A": "1"}])


def test_a_where_clause_is_refused_by_name(spl):
    with pytest.raises(SplUnsupported, match="where"):
        spl("search * | chart count over clientip by host where count in top5", REQUESTS)


def test_the_documented_dedup_splitval_spelling_is_accepted(spl):
    # "chart", Basic example 8 writes `dedup_splitval=true`.
    events = [{"mvfield": ["a", "a"], "field": "4"}, {"mvfield": "a", "field": "2"}]
    assert spl("search * | chart avg(field) BY mvfield dedup_splitval=true", events) == [
        {"mvfield": "a", "avg(field)": 3.0}]
