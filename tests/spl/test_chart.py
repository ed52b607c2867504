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
