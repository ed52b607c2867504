"""`streamstats`, including the sliding `time_window` of the enumeration rule.

Oracles:
- Search Reference "streamstats":
  https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/streamstats
  (statistics of the results seen so far, the current one included unless
  `current=false`; `window=<n>` keeps the last n results; a `by` clause keeps one set of
  statistics per group; `time_window` needs results sorted by time);
- SPL2 Search Reference "streamstats command: Overview, syntax, and usage" and
  "Examples" (the same command): host/action/bytes with `window=3 avg(bytes)` gives
  100, 150, 233.33, 216.66, 200, 100; `count BY host` restarts per host.
The docs do not say whether a result exactly `time_window` older than the current one
is in the window: this engine includes it (docs/decisions.md, "The SPL engine"); the tests below
pin that choice and the multivalue `by` choice.
"""

from __future__ import annotations

import math

import pytest

from devkit.spl import SplError

HOSTS = [("x", "LOGON", 100), ("y", "APP_START", 200), ("x", "FILE_DOWNLOAD", 400),
         ("x", "REBOOT", 50), ("y", "LOGON", 150), ("x", "LOGON", 100)]


def host_events():
    return [{"host": h, "action": a, "bytes": str(b), "_time": 100 - i}
            for i, (h, a, b) in enumerate(HOSTS)]


def test_window_average_documented_example(spl):
    # The page's table shows averages cut to two decimals: 233.33 (700/3) and 216.66
    # (650/3). The engine keeps the whole value; cut the same way, it is the table.
    rows = spl("search * | streamstats window=3 avg(bytes)", host_events())
    assert [math.floor(r["avg(bytes)"] * 100) / 100 for r in rows] == [
        100, 150, 233.33, 216.66, 200, 100]


def test_running_count_by_host_documented_example(spl):
    rows = spl("search * | streamstats count BY host", host_events())
    assert [(r["host"], r["count"]) for r in rows] == [
        ("x", 1), ("y", 1), ("x", 2), ("x", 3), ("y", 2), ("x", 4)]


def test_current_false_leaves_the_result_itself_out(spl):
    rows = spl("search * | streamstats current=false sum(bytes) AS before", host_events())
    assert [r.get("before") for r in rows] == [None, 100, 300, 700, 750, 900]


def reads(*spec):
    """(seconds, principal, secret) -> events in time order."""
    return [{"_time": t, "principal": p, "platform": "AWS", "secret": s}
            for t, p, s in spec]


def test_time_window_includes_a_result_exactly_the_window_earlier(spl):
    events = reads((0, "a", "s1"), (600, "a", "s2"), (601, "a", "s3"))
    rows = spl("search * | sort 0 _time | streamstats time_window=10m dc(secret) AS d "
               "by principal", events)
    # At 600 s the read at 0 s is exactly 10 minutes earlier: inside. At 601 s it is not.
    assert [r["d"] for r in rows] == [1, 2, 2]


def test_time_window_is_kept_per_group(spl):
    events = reads((0, "a", "s1"), (10, "b", "s1"), (20, "a", "s2"), (30, "b", "s1"))
    rows = spl("search * | streamstats time_window=10m dc(secret) AS d count by principal",
               events)
    assert [(r["principal"], r["d"], r["count"]) for r in rows] == [
        ("a", 1, 1), ("b", 1, 1), ("a", 2, 2), ("b", 1, 2)]


def test_time_window_by_two_fields_separates_platforms(spl):
    events = [{"_time": t, "principal": "a", "platform": pf, "secret": s}
              for t, pf, s in ((0, "AWS", "x"), (1, "GCP", "y"), (2, "AWS", "z"))]
    rows = spl("search * | streamstats time_window=10m dc(secret) AS d by principal platform",
               events)
    assert [r["d"] for r in rows] == [1, 1, 2]


def test_time_window_works_on_descending_results(spl):
    events = list(reversed(reads((0, "a", "s1"), (300, "a", "s2"), (900, "a", "s3"))))
    rows = spl("search * | streamstats time_window=10m dc(secret) AS d", events)
    assert [r["d"] for r in rows] == [1, 2, 2]


def test_time_window_needs_results_in_time_order(spl):
    events = reads((10, "a", "s1"), (0, "a", "s2"), (20, "a", "s3"))
    with pytest.raises(SplError, match="sorted by _time"):
        spl("search * | streamstats time_window=10m count", events)


def test_null_values_do_not_count_and_missing_by_fields_pass_through(spl):
    events = [{"_time": 0, "principal": "a", "read_secret": "s1"},
              {"_time": 1, "principal": "a"},
              {"_time": 2, "read_secret": "s9"},
              {"_time": 3, "principal": "a", "read_secret": ["s1", "s2"]}]
    rows = spl("search * | streamstats time_window=10m dc(read_secret) AS d by principal",
               events)
    assert [r.get("d") for r in rows] == [1, 1, None, 2]


def test_a_multivalue_by_field_is_one_group_of_all_its_values(spl):
    events = [{"_time": 0, "p": ["a", "b"]}, {"_time": 1, "p": "a"},
              {"_time": 2, "p": ["a", "b"]}]
    rows = spl("search * | streamstats count by p", events)
    assert [r["count"] for r in rows] == [1, 1, 2]


def test_sum_in_the_window_of_the_enumeration_rule(spl):
    events = [{"_time": t, "principal": "a", "listed": str(v)}
              for t, v in ((0, 1), (100, 0), (700, 0))]
    rows = spl("search * | streamstats time_window=10m sum(listed) AS window_lists "
               "by principal", events)
    assert [r["window_lists"] for r in rows] == [1, 1, 0]


def test_equal_times_count_as_ordered_both_ways(spl):
    ascending = reads((0, "a", "s1"), (0, "a", "s2"), (5, "a", "s3"))
    rows = spl("search * | streamstats time_window=10m dc(secret) AS d", ascending)
    assert [r["d"] for r in rows] == [1, 2, 3]
    descending = reads((10, "a", "s1"), (10, "a", "s2"), (0, "a", "s3"))
    rows = spl("search * | streamstats time_window=10m dc(secret) AS d", descending)
    assert [r["d"] for r in rows] == [1, 2, 3]


@pytest.mark.parametrize("seconds", [(20, 10, 15, 5), (0, 10, 5, 15)])
def test_any_step_out_of_order_is_refused(spl, seconds):
    events = reads(*((t, "a", "s") for t in seconds))
    with pytest.raises(SplError, match="sorted by _time"):
        spl("search * | streamstats time_window=10m count", events)


def test_window_with_current_false_holds_the_previous_n(spl):
    rows = spl("search * | streamstats window=2 current=false sum(bytes) AS before",
               host_events())
    assert [r.get("before") for r in rows] == [None, 100, 300, 600, 450, 200]


@pytest.mark.parametrize("events, reason", [
    ([{"_time": 10}, {"user": "no time"}], "time_window needs _time on every result"),
    ([{"_time": 10}, {"_time": 0}, {"_time": 20}], "time_window needs results sorted by _time")])
def test_time_window_errors_name_the_command_and_its_position(spl, events, reason):
    # Search Reference "streamstats": time_window needs results sorted by _time (it is a
    # window of time, so every result needs one); errors say so as Splunk's do, naming
    # the command and where it is in the search.
    with pytest.raises(SplError) as raised:
        spl("search * | streamstats time_window=10m count", events)
    assert raised.value.detail == f"streamstats: {reason}"
    assert raised.value.position == 11
    assert raised.value.search is not None


# -- the options of the 9.x page: global, reset_on_change, reset_before, reset_after ------
# Search Reference "streamstats" (9.4), Optional arguments:
# - global: "Defines whether to use a single window, global=true, or to use separate
#   windows based on the by clause. If global=false and window is set to a non-zero
#   value, a separate window is used for each group of values of the group by fields."
#   Default: true;
# - reset_on_change: "all of the accumulated statistics are reset when the group by
#   fields change ... as if this is the first event that the streamstats command sees.
#   Only events that have all of the group by fields can trigger a reset. Events that
#   have only some of the group by fields are ignored." Default: false;
# - reset_before / reset_after="(" <eval-expression> ")": reset all of the accumulated
#   statistics before / after streamstats generates the statistics for the event when
#   the expression returns true;
# - Usage: without window or time_window, the default window of 10,000 events set by
#   max_stream_window in limits.conf applies.
# SPL2 "streamstats command: Examples" 1: `streamstats count()` over hosts x, y, x, x, y
# gives 1, 2, 3, 4, 5.

def hosts(*names):
    return [{"host": h, "bytes": str(b), "_time": 100 - i}
            for i, (h, b) in enumerate(names)]


def test_running_count_documented_example(spl):
    rows = spl("search * | streamstats count", hosts(*[(h, 1) for h in "xyxxy"]))
    assert [r["count"] for r in rows] == [1, 2, 3, 4, 5]


def test_a_window_is_global_by_default(spl):
    # window=2 over x y x x: the window of the third result (x) holds the y before it
    # and itself, so x's sum there is its own bytes only.
    events = hosts(("x", 1), ("y", 10), ("x", 100), ("x", 1000))
    rows = spl("search * | streamstats window=2 sum(bytes) AS s by host", events)
    assert [r["s"] for r in rows] == [1, 10, 100, 1100]


def test_global_false_keeps_a_window_per_group(spl):
    events = hosts(("x", 1), ("y", 10), ("x", 100), ("x", 1000))
    rows = spl("search * | streamstats window=2 global=false sum(bytes) AS s by host",
               events)
    assert [r["s"] for r in rows] == [1, 10, 101, 1100]


def test_reset_on_change_restarts_every_statistic_when_the_group_changes(spl):
    events = hosts(*[(h, 1) for h in "xyxxyx"])
    rows = spl("search * | streamstats reset_on_change=true count by host", events)
    assert [r["count"] for r in rows] == [1, 1, 1, 2, 1, 1]
    rows = spl("search * | streamstats count by host", events)  # without: per host
    assert [r["count"] for r in rows] == [1, 1, 2, 3, 2, 4]


def test_results_missing_a_by_field_never_trigger_a_reset(spl):
    events = [{"host": "x"}, {"other": "1"}, {"host": "x"}, {"host": "y"}, {"host": "x"}]
    rows = spl("search * | streamstats reset_on_change=true count by host", events)
    assert [r.get("count") for r in rows] == [1, None, 2, 1, 1]


def test_reset_before_starts_afresh_at_the_matching_result(spl):
    events = [{"action": a} for a in ("LOGON", "READ", "REBOOT", "LOGON", "READ")]
    rows = spl('search * | streamstats reset_before="(action==\\"REBOOT\\")" count', events)
    assert [r["count"] for r in rows] == [1, 2, 1, 2, 3]


def test_reset_after_counts_the_matching_result_then_starts_afresh(spl):
    events = [{"action": a} for a in ("LOGON", "READ", "REBOOT", "LOGON", "READ")]
    rows = spl('search * | streamstats reset_after="(action==\\"REBOOT\\")" count', events)
    assert [r["count"] for r in rows] == [1, 2, 3, 1, 2]


def test_reset_after_sees_the_statistics_of_its_result(spl):
    rows = spl('search * | streamstats reset_after="(count>=2)" count',
               [{"n": str(i)} for i in range(5)])
    assert [r["count"] for r in rows] == [1, 2, 1, 2, 1]


def test_without_a_window_the_max_stream_window_applies(spl):
    rows = spl("search * | streamstats count", [{"n": "1"}] * 10002)
    assert [r["count"] for r in rows[9998:]] == [9999, 10000, 10000, 10000]


def test_allnum_withholds_sums_after_a_value_that_is_not_a_number(spl):
    # "allnum: If true, computes numerical statistics on each field only if all of the
    # values in that field are numerical."
    events = [{"bytes": "1"}, {"bytes": "x"}, {"bytes": "2"}]
    rows = spl("search * | streamstats allnum=true sum(bytes) AS total", events)
    assert [r.get("total") for r in rows] == [1.0, None, None]
    assert spl("search * | streamstats allnum=false count", host_events())[0]["count"] == 1


def test_a_reset_expression_error_names_streamstats(spl):
    with pytest.raises(SplError) as raised:
        spl('search * | streamstats reset_after="(nosuch(x))" count', host_events())
    assert "nosuch" in str(raised.value)
    query = 'search * | streamstats reset_after="(nosuch(x))" count'
    assert raised.value.position == query.index("nosuch")


# The 9.4 page's own examples with their data and results, verbatim.

def test_the_documented_reset_on_change_shift_example(spl):
    shifts = ["DAY", "DAY", "NIGHT", "NIGHT", "NIGHT", "NIGHT", "DAY", "NIGHT"]
    rows = spl("...| streamstats count BY shift reset_on_change=true".replace("...", "search *"),
               [{"shift": s} for s in shifts])
    assert [(r["shift"], r["count"]) for r in rows] == [
        ("DAY", 1), ("DAY", 2), ("NIGHT", 1), ("NIGHT", 2), ("NIGHT", 3), ("NIGHT", 4),
        ("DAY", 1), ("NIGHT", 1)]


def test_the_documented_escaped_reset_after_example(spl):
    rows = spl('| makeresults count=3 | streamstats count | eval test=if(count==2,"yes","no")')
    assert [(r["count"], r["test"]) for r in rows] == [(1, "no"), (2, "yes"), (3, "no")]
    rows = spl('| makeresults count=3 | streamstats count | eval test=if(count==2,"yes","no") '
               '| streamstats count as testCount reset_after="("match(test,\\"yes\\")")"')
    assert [r["testCount"] for r in rows] == [1, 2, 1]


def test_the_documented_test_events_example(spl):
    rows = spl("| makeresults count=5\n| streamstats count \n| eval _time=_time-(count*3600)\n"
               "| eval age = case(count=1, 25, count=2, 39, count=3, 31, count=4, 27, "
               "count=5, null())\n| eval city = case(count=1 OR count=3, \"San Francisco\", "
               "count=2 OR count=4, \"Seattle\",count=5, \"Los Angeles\")")
    assert [(r["_time"], r.get("age"), r["city"], r["count"]) for r in rows] == [
        (spl.now - 3600, 25, "San Francisco", 1), (spl.now - 7200, 39, "Seattle", 2),
        (spl.now - 10800, 31, "San Francisco", 3), (spl.now - 14400, 27, "Seattle", 4),
        (spl.now - 18000, None, "Los Angeles", 5)]


def test_options_after_the_functions_as_the_page_writes_them(spl):
    # Basic examples 1 and 2: `streamstats avg(foo) window=5` and
    # `streamstats avg(foo) by bar window=5 global=f`.
    events = [{"foo": str(n), "bar": "b" if n % 2 else "a"} for n in range(1, 9)]
    rows = spl("search * | streamstats avg(foo) window=5", events)
    assert rows[-1]["avg(foo)"] == 6  # (4+5+6+7+8)/5
    rows = spl("search * | streamstats avg(foo) by bar window=5 global=f", events)
    assert rows[-1]["avg(foo)"] == 5  # a: (2+4+6+8)/4
