"""`stats`, `eventstats` and `timechart`, with the statistical functions the app uses.

Oracles (Search Reference, Splunk Enterprise 9.4):
- "stats": https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/search-commands/stats
  (one row per combination of by-field values; results that lack a by field are not
  counted; `count` with no results and no by clause is one row with 0);
- "Multivalue stats and chart functions":
  https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/statistical-and-charting-functions/multivalue-stats-and-chart-functions
  Its example `| makeresults count=1000 | streamstats count AS rowNumber | stats
  list(rowNumber) AS numbers` returns the numbers in event order (the first 100 only),
  and `values(rowNumber)` returns them in lexicographical order: 1, 10, 100, 1000, 101...;
- "Aggregate functions" (count(X) counts occurrences, dc(X) distinct values, max/min
  numeric when values are numbers, else lexicographic) and "Time functions" (latest(X)
  is the chronologically most recent value, earliest(X) the oldest);
- "eventstats": the group's statistics added to every result of the group;
- "timechart": one row per time bin, one column per by-field value.
"""

from __future__ import annotations

from devkit.spl import SplUnsupported


def test_values_is_lexicographic_and_list_keeps_order_documented_example(spl):
    rows = spl("| makeresults count=1000 | streamstats count AS rowNumber "
               "| stats values(rowNumber) AS v list(rowNumber) AS l", [])
    assert rows[0]["v"][:6] == ["1", "10", "100", "1000", "101", "102"]
    assert len(rows[0]["v"]) == 1000
    assert rows[0]["l"] == [float(n) for n in range(1, 101)]


def test_count_and_dc_count_each_value_of_a_multivalue_field(spl):
    events = [{"p": "a", "secret": ["s1", "s2"]}, {"p": "a", "secret": "s1"},
              {"p": "a"}]
    rows = spl("search * | stats count count(secret) AS values_seen dc(secret) by p", events)
    assert rows == [{"p": "a", "count": 3.0, "values_seen": 3.0, "dc(secret)": 2.0}]


def test_a_multivalue_by_field_counts_the_result_under_each_value(spl):
    events = [{"platform": ["AWS", "GCP"], "n": "1"}, {"platform": "AWS", "n": "2"}]
    rows = spl("search * | stats sum(n) AS total by platform", events)
    assert rows == [{"platform": "AWS", "total": 3.0}, {"platform": "GCP", "total": 1.0}]


def test_results_missing_a_by_field_are_left_out(spl):
    events = [{"principal": "a", "platform": "AWS"}, {"principal": "b"}, {"platform": "GCP"}]
    rows = spl("search * | stats count by principal platform", events)
    assert rows == [{"principal": "a", "platform": "AWS", "count": 1.0}]


def test_no_results_give_one_row_without_by_and_none_with_by(spl):
    assert spl("search nothing | stats count dc(x) AS d max(x) AS m", [{"_raw": "x"}]) == [
        {"count": 0.0, "d": 0.0}]
    assert spl("search nothing | stats count by x", [{"_raw": "x"}]) == []


def test_groups_come_out_sorted_by_their_values(spl):
    events = [{"p": p} for p in ("b", "10", "a", "9")]
    assert [r["p"] for r in spl("search * | stats count by p", events)] == ["9", "10", "a", "b"]


def test_latest_and_earliest_follow_time_not_order(spl):
    events = [{"p": "x", "_time": 300, "t": "late"}, {"p": "x", "_time": 100, "t": "early"},
              {"p": "x", "_time": 200, "t": "middle"}, {"p": "x", "_time": 400}]
    rows = spl("search * | stats latest(t) AS l earliest(t) AS e first(t) AS f last(t) AS z "
               "min(_time) AS lo max(_time) AS hi by p", events)
    assert rows[0] == {"p": "x", "l": "late", "e": "early", "f": "late", "z": "middle",
                       "lo": 100.0, "hi": 400.0}


def test_latest_and_earliest_keep_the_first_result_seen_on_equal_times(spl):
    events = [{"p": "x", "_time": 5, "t": "first"}, {"p": "x", "_time": 5, "t": "second"}]
    rows = spl("search * | stats latest(t) AS l earliest(t) AS e", events)
    assert rows == [{"l": "first", "e": "first"}]


def test_max_and_min_are_numeric_for_numbers_and_lexicographic_for_text(spl):
    numbers = [{"v": "9"}, {"v": "10"}, {"v": "100"}]
    rows = spl("search * | stats max(v) AS hi min(v) AS lo", numbers)
    assert rows == [{"hi": 100.0, "lo": 9.0}]
    text = [{"v": "beta"}, {"v": "alpha"}, {"v": "Gamma"}]
    assert spl("search * | stats max(v) AS hi min(v) AS lo", text) == [
        {"hi": "beta", "lo": "Gamma"}]


def test_sum_and_avg_use_the_numeric_values(spl):
    events = [{"v": "2"}, {"v": "4"}, {"v": "n/a"}, {}]
    assert spl("search * | stats sum(v) AS s avg(v) AS a", events) == [{"s": 6.0, "a": 3.0}]
    assert spl("search * | stats sum(w) AS s", events) == [{}]


def test_default_output_names(spl):
    rows = spl("search * | stats dc(secret) values(secret) count", [{"secret": "a"}])
    assert rows == [{"dc(secret)": 1.0, "values(secret)": "a", "count": 1.0}]
    assert rows.columns == ["dc(secret)", "values(secret)", "count"]


def test_eventstats_adds_the_group_statistics_to_each_result(spl):
    events = [{"id": "1", "p": "a", "n": "1"}, {"id": "2", "p": "a", "n": "3"},
              {"id": "3", "p": "b", "n": "5"}, {"id": "4"}]
    rows = spl("search * | eventstats sum(n) AS total by p", events)
    assert [r.get("total") for r in rows] == [4.0, 4.0, 5.0, None]


def test_timechart_count_by_field_fills_the_time_range(spl):
    events = [{"_time": 0, "platform": "AWS"}, {"_time": 10, "platform": "GCP"},
              {"_time": 3700, "platform": "AWS"}, {"_time": 3800}]
    rows = spl("search * | timechart span=1h count by platform", events,
               earliest=0, latest=3 * 3600)
    assert rows == [
        {"_time": 0.0, "AWS": 1.0, "GCP": 1.0, "NULL": 0.0},
        {"_time": 3600.0, "AWS": 1.0, "GCP": 0.0, "NULL": 1.0},
        {"_time": 7200.0, "AWS": 0.0, "GCP": 0.0, "NULL": 0.0},
    ]
    assert rows.columns == ["_time", "AWS", "GCP", "NULL"]


def test_timechart_chooses_a_span_for_at_most_100_bins(spl):
    events = [{"_time": 0}, {"_time": 86399}]
    rows = spl("search * | timechart count", events, earliest=0, latest=86400)
    assert len(rows) == 48  # 24 hours in 30-minute bins
    assert rows[0] == {"_time": 0.0, "count": 1.0} and rows[1]["_time"] == 1800.0


def test_timechart_puts_series_beyond_the_limit_in_other(spl):
    events = [{"_time": 0, "p": p} for p in ("a", "a", "b", "c")]
    rows = spl("search * | timechart span=1h limit=1 count by p", events,
               earliest=0, latest=3600)
    assert rows == [{"_time": 0.0, "a": 2.0, "OTHER": 2.0}]


def test_unsupported_functions_and_eval_arguments_are_refused(spl):
    for query, named in (("search * | stats estdc(x)", "estdc"),
                         ("search * | stats count(eval(x>1))", "eval")):
        try:
            spl(query, [])
        except SplUnsupported as error:
            assert named in str(error)
        else:
            raise AssertionError(f"{query} was not refused")


def test_more_functions(spl):
    events = [{"v": v, "_time": t, "w": w} for v, t, w in
              (("3", 10, "x"), ("1", 30, "y"), ("2", 20, "x"), ("9", 5, None))]
    for e in events:
        if e["w"] is None:
            del e["w"]
    rows = spl("search * | stats range(v) AS r mode(w) AS m "
               "latest_time(w) AS lt earliest_time(w) AS et mean(v) AS a c AS n "
               "distinct_count(w) AS d", events)
    assert rows == [{"r": 8.0, "m": "x", "lt": 30.0, "et": 10.0,
                     "a": 3.75, "n": 4.0, "d": 2.0}]


def test_stats_by_commas_and_as_names(spl):
    rows = spl("search * | stats count AS n, dc(a) AS d BY p, q",
               [{"p": "1", "q": "2", "a": "x"}])
    assert rows == [{"p": "1", "q": "2", "n": 1.0, "d": 1.0}]


def test_stats_syntax_errors(spl):
    import pytest

    from devkit.spl import SplError
    for query, position in (("search * | stats", 11), ("search * | stats sum", 17),
                            ("search * | stats count AS", 23),
                            ("search * | stats count junk=1", 23),
                            ("search * | stats by x", 11),
                            ("search * | stats count, junk*", 24)):
        with pytest.raises(SplError) as error:
            spl(query, [{"a": "1"}])
        assert error.value.position == position, query
        assert error.value.search == "ad hoc", query    # errors name the search


def test_eventstats_without_by_and_timechart_without_by(spl):
    rows = spl("search * | eventstats max(n) AS top", [{"n": "1"}, {"n": "5"}])
    assert [r["top"] for r in rows] == [5.0, 5.0]
    rows = spl("search * | timechart span=1m count dc(p) AS d sum(x) AS s",
               [{"_time": 0, "p": "a"}, {"_time": 70, "p": "b"}], earliest=0, latest=120)
    assert rows == [{"_time": 0.0, "count": 1.0, "d": 1.0}, {"_time": 60.0, "count": 1.0,
                                                            "d": 1.0}]


def test_avg_range_max_and_min_of_a_field_without_numbers(spl):
    # "Aggregate functions": avg/range are over numeric values (none here: no field);
    # max/min of text values are lexicographic.
    rows = spl("search * | stats avg(a) AS av range(a) AS r max(a) AS hi min(a) AS lo",
               [{"a": "beta"}, {"a": "alpha"}, {"a": "gamma"}])
    assert rows == [{"hi": "gamma", "lo": "alpha"}]


def test_mode_is_the_most_frequent_value_not_the_first(spl):
    # "Aggregate functions": mode(X) returns the most frequent value of the field X.
    rows = spl("search * | stats mode(a) AS m",
               [{"a": "x"}, {"a": "y"}, {"a": "y"}, {"a": "z"}])
    assert rows == [{"m": "y"}]


def test_first_and_last_follow_result_order_and_skip_missing_values(spl):
    # "Time functions": first(X) is the first seen value of X in result order (the most
    # recent for a search in reverse time order), last(X) the last seen; results
    # without X are not seen.
    rows = spl("search * | stats first(a) AS f last(a) AS l",
               [{"b": "0"}, {"a": "one"}, {"a": "two"}, {"a": "three"}, {"b": "4"}])
    assert rows == [{"f": "one", "l": "three"}]


def test_latest_and_earliest_skip_results_without_the_field_or_time(spl):
    # "Time functions": latest(X)/earliest(X) are X's chronologically most recent and
    # oldest values; latest_time/earliest_time their _time.
    events = [{"_time": 50, "a": "mid"}, {"_time": 90}, {"a": "untimed"},
              {"_time": 10, "a": "old"}, {"_time": 70, "a": "new"}, {"_time": 5}]
    rows = spl("search * | stats latest(a) AS l earliest(a) AS e latest_time(a) AS lt "
               "earliest_time(a) AS et", events)
    assert rows == [{"l": "new", "e": "old", "lt": 70.0, "et": 10.0}]


def test_unsupported_function_and_argument_errors_point_at_the_function(spl):
    import pytest

    from devkit.spl import SplUnsupported
    for query in ("search * | stats count estdc(a)", "search * | stats count sum(len(a))"):
        with pytest.raises(SplUnsupported) as error:
            spl(query, [{"a": "1"}])
        assert error.value.position == 23, query
        assert error.value.search == "ad hoc", query


def test_a_quoted_field_name_in_a_function(spl):
    # Search Reference "stats": field names with spaces or special characters are put in
    # double quotes, as in values("user name"); the default output name keeps the text.
    rows = spl('search * | stats values("user name") dc("user name") AS n',
               [{"user name": "b"}, {"user name": "a"}])
    assert rows == [{'values("user name")': ["a", "b"], "n": 2.0}]


# Search Reference (9.4) "stats", Optional arguments: `dedup_splitvals` "Specifies
# whether to remove duplicate values in multivalued BY clause fields" (default false);
# `partitions` only splits the work for a multithreaded reduce; `delim` changes results
# in ways the engine does not reproduce, so it is refused by name; wildcards in a
# function's field (`avg(*)`) likewise. allnum is in test_stats_functions.py.

def test_a_value_repeated_in_a_multivalue_by_field_counts_again_unless_dedup(spl):
    events = [{"tag": ["a", "a", "b"]}, {"tag": "a"}]
    assert spl("search * | stats count by tag", events) == [
        {"tag": "a", "count": 3.0}, {"tag": "b", "count": 1.0}]
    assert spl("search * | stats dedup_splitvals=true count by tag", events) == [
        {"tag": "a", "count": 2.0}, {"tag": "b", "count": 1.0}]


def test_partitions_changes_nothing(spl):
    events = [{"p": p} for p in "abca"]
    assert spl("search * | stats partitions=4 count by p", events) == spl(
        "search * | stats count by p", events)


def test_delim_and_wildcard_fields_are_refused_by_name(spl):
    import pytest

    for query, named in (("stats delim=\",\" values(x)", "delim"),
                         ("stats avg(*)", "wildcard")):
        with pytest.raises(SplUnsupported, match=named):
            spl(f"search * | {query}", [{"x": "1"}])
