"""`timechart`: its default span, its bins and its series.

Oracles:
- Search Reference (9.4) "timechart"
  (https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/timechart):
  `limit` ("If set to limit=0, no series filtering occurs"; `limit=N` or `top N` keeps
  the N highest scoring series, `bottom N` the lowest; with a single aggregation "the
  score is based on the sum of the values in the aggregation for that split-by value";
  ties are broken lexicographically), `useother` and `usenull` (default true),
  `nullstr`/`otherstr` (NULL/OTHER), `cont` ("If set to true, the Search application
  fills in the time gaps", default true), `partial` (whether partial time bins, only
  the first and last, are kept; default true), `fixedrange` (default true: the search's
  earliest and latest; false constricts the chart to the time range with data);
- SPL2 "timechart command: Usage" (the same command): "If you do not specify either
  bins or span, the timechart command uses the default bins=100"; "If you specify
  both, only span is used"; its table of default spans: Last 15 minutes 10 seconds,
  Last 60 minutes 1 minute, Last 4 hours 5 minutes, Last 24 hours 30 minutes, Last 7
  days 1 day, Last 30 days 1 day, Previous year 1 month; with minspan the span is one
  of the thresholds 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 86400 seconds or 30 days,
  and "if you specify minspan=15m ... the minimum span that can be used is 1800
  seconds, or 30 minutes".
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from devkit.spl import SplError, SplUnsupported, resolve_time

NOW = datetime(2024, 4, 28, 14, 5, tzinfo=timezone.utc).timestamp()


def spacing(rows):
    times = [r["_time"] for r in rows]
    return {b - a for a, b in zip(times, times[1:])}


@pytest.mark.parametrize("earliest, span_seconds", [
    ("-15m", 10), ("-60m", 60), ("-4h", 300), ("-24h", 1800), ("-7d", 86400),
    ("-30d", 86400),
])
def test_the_documented_default_spans(spl, earliest, span_seconds):
    start = resolve_time(earliest, NOW)
    rows = spl("search * | timechart count", [{"_time": start}], earliest=start, latest=NOW)
    assert spacing(rows) == {span_seconds}


def test_the_previous_year_is_charted_by_month(spl):
    start, end = resolve_time("-1y@y", NOW), resolve_time("@y", NOW)
    rows = spl("search * | timechart count", [{"_time": start}], earliest=start, latest=end)
    assert [datetime.fromtimestamp(r["_time"], timezone.utc).strftime("%Y-%m-%d")
            for r in rows] == [f"2023-{m:02d}-01" for m in range(1, 13)]


def test_minspan_picks_the_next_threshold(spl):
    start = resolve_time("-15m", NOW)
    rows = spl("search * | timechart minspan=15m count", [{"_time": start}],
               earliest=start, latest=NOW)
    assert spacing(rows) <= {1800}


def test_bins_caps_the_bins_and_span_wins_over_bins(spl):
    start, end = resolve_time("-1h@h", NOW), resolve_time("@h", NOW)  # 13:00 to 14:00
    rows = spl("search * | timechart bins=10 count", [], earliest=start, latest=end)
    assert spacing(rows) == {600} and len(rows) == 6
    rows = spl("search * | timechart bins=10 span=1m count", [], earliest=start, latest=end)
    assert spacing(rows) == {60}


EVENTS = [{"_time": t, "host": h, "kb": str(kb)} for t, h, kb in [
    (0, "a", 1), (10, "b", 50), (20, "c", 30), (3600, "a", 1), (3610, "c", 30),
    (3620, "a", 1), (3630, "d", 2)]]


def test_limit_ranks_series_by_the_sum_of_their_values(spl):
    # count ranks a (3) first; sum(kb) ranks c (60), then b (50).
    rows = spl("search * | timechart span=1h limit=1 count by host", EVENTS,
               earliest=0, latest=7200)
    assert rows.columns == ["_time", "a", "OTHER"]
    assert rows == [{"_time": 0, "a": 1, "OTHER": 2}, {"_time": 3600, "a": 2, "OTHER": 2}]
    rows = spl("search * | timechart span=1h sum(kb) by host limit=2", EVENTS,
               earliest=0, latest=7200)
    assert rows.columns == ["_time", "b", "c", "OTHER"]
    assert rows[1] == {"_time": 3600, "c": 30, "OTHER": 4}


def test_limit_bottom_and_useother_false(spl):
    rows = spl("search * | timechart span=1h limit=bottom2 useother=f count by host",
               EVENTS, earliest=0, latest=7200)
    assert rows.columns == ["_time", "b", "d"]
    rows = spl("search * | timechart span=1h limit=0 count by host", EVENTS,
               earliest=0, latest=7200)
    assert rows.columns == ["_time", "a", "b", "c", "d"]


def test_ties_are_broken_lexicographically(spl):
    events = [{"_time": 0, "s": s} for s in ("foo", "bar", "BAR")]
    rows = spl("search * | timechart span=1h limit=2 count by s", events,
               earliest=0, latest=3600)
    assert rows.columns == ["_time", "BAR", "bar", "OTHER"]


def test_a_multivalue_split_field_counts_in_each_series(spl):
    events = [{"_time": 0, "tag": ["x", "y"]}, {"_time": 1, "tag": "x"}]
    rows = spl("search * | timechart span=1h count by tag", events, earliest=0, latest=3600)
    assert rows == [{"_time": 0, "x": 2, "y": 1}]


def test_null_series_can_be_renamed_or_left_out(spl):
    events = [{"_time": 0, "host": "a"}, {"_time": 1}]
    rows = spl('search * | timechart span=1h nullstr="(none)" count by host', events,
               earliest=0, latest=3600)
    assert rows == [{"_time": 0, "a": 1, "(none)": 1}]
    rows = spl("search * | timechart span=1h usenull=f count by host", events,
               earliest=0, latest=3600)
    assert rows.columns == ["_time", "a"]


def test_cont_false_leaves_out_empty_bins(spl):
    rows = spl("search * | timechart span=1h cont=false count", EVENTS, earliest=0,
               latest=4 * 3600)
    assert [r["_time"] for r in rows] == [0, 3600]
    rows = spl("search * | timechart span=1h count", EVENTS, earliest=0, latest=4 * 3600)
    assert [r["count"] for r in rows] == [3, 4, 0, 0]


def test_partial_false_drops_bins_that_reach_outside_the_range(spl):
    rows = spl("search * | timechart span=1h partial=false count", EVENTS, earliest=1800,
               latest=3 * 3600 + 1800)
    assert [r["_time"] for r in rows] == [3600, 7200]
    rows = spl("search * | timechart span=1h count", EVENTS, earliest=1800,
               latest=3 * 3600 + 1800)
    assert [r["_time"] for r in rows] == [0, 3600, 7200, 10800]


def test_fixedrange_false_charts_only_where_there_are_results(spl):
    rows = spl("search * | timechart span=1h fixedrange=false count", EVENTS, earliest=0,
               latest=10 * 3600)
    assert [r["_time"] for r in rows] == [0, 3600]


@pytest.mark.parametrize("query, named", [
    ("timechart agg=max count by host", "agg"),
    ("timechart span=1h count by host where count > 2", "where"),
    ("timechart span=1w count", "span"),
    ("timechart aligntime=@d+5h span=12h count", "aligntime"),
    ("timechart span=1m eval(avg(kb) * 2) by host", "eval"),
])
def test_what_the_engine_does_not_run_is_refused_by_name(spl, query, named):
    with pytest.raises(SplUnsupported, match=named):
        spl(f"search * | {query}", EVENTS)


def test_a_bad_limit_is_an_error(spl):
    with pytest.raises(SplError, match="limit"):
        spl("search * | timechart limit=many count by host", EVENTS)


# The 10.0 page adds: "If you specify these arguments [bins, span] after the split-by
# field, Splunk software assumes that you want to control the bins on the split-by
# field, not on the time axis"; series whose value starts with an underscore are
# prefixed with VALUE (`timechart span=1m sum(linecount) by index` gives VALUE_audit
# and VALUE_internal); "You can only use week spans with the snap-to span argument"
# (`timechart span=w@w1 count BY mag`: weeks that begin on Monday).

def test_a_series_starting_with_an_underscore_is_prefixed_with_value(spl):
    events = [{"_time": 0, "index": "_audit", "linecount": "1"},
              {"_time": 1, "index": "_internal", "linecount": "586"}]
    rows = spl('index="_internal" OR index="_audit" | timechart span=1m sum(linecount) by '
               'index', events, earliest=0, latest=60)
    assert rows.columns == ["_time", "VALUE_audit", "VALUE_internal"]
    assert rows == [{"_time": 0, "VALUE_audit": 1, "VALUE_internal": 586}]


def test_a_span_after_the_split_by_field_is_refused(spl):
    with pytest.raises(SplUnsupported, match="after the split-by field"):
        spl("search * | timechart count by host span=1h", EVENTS)


def test_week_bins_snapped_to_monday(spl):
    monday = resolve_time("@w1", NOW)  # 2024-04-22, a Monday
    events = [{"_time": monday - 1, "mag": "3.5"}, {"_time": monday + 3600, "mag": "3.5"},
              {"_time": monday + 8 * 86400, "mag": "3.6"}]
    rows = spl("search * | timechart span=w@w1 count BY mag", events,
               earliest=monday - 86400, latest=monday + 14 * 86400)
    assert [r["_time"] for r in rows] == [monday - 7 * 86400, monday, monday + 7 * 86400]
    assert [(r["3.5"], r["3.6"]) for r in rows] == [(1, 0), (1, 0), (0, 1)]
