"""Commands that order, select and reshape results, and how a pipeline is assembled.

Oracles (Search Reference, Splunk Enterprise 9.x), each command's own page:
- "sort": `sort 0 field` sorts all results (the default count is 10000), `-` descending,
  `num()`/`str()` collations, numbers before strings under the automatic collation;
- "dedup": keeps the first result of each combination (`dedup 3 f` the first three);
  results missing a field are removed unless `keepempty=true`; `consecutive=true` only
  removes consecutive duplicates;
- "table": only the listed fields, in order, wildcards allowed;
- "fields": `fields - f` removes; `fields f` keeps f and the internal fields;
- "head"/"tail": the first/last 10 by default; "rename": `a AS b`; "fillnull":
  value 0 by default; "mvexpand": one result per value; "rex": named groups of a
  regex become fields; "makeresults": `count` results with `_time`;
- "search" and "Search command primer": a search that starts with `|` starts with a
  generating command; other commands need input.
"""

from __future__ import annotations

import pytest

from devkit.spl import SplError, SplUnsupported


def col(rows, name):
    return [r.get(name) for r in rows]


def test_sort_numbers_before_strings_and_descending(spl):
    events = [{"v": v} for v in ("b", "10", "a", "9", "B")]
    assert col(spl("search * | sort 0 v", events), "v") == ["9", "10", "B", "a", "b"]
    assert col(spl("search * | sort 0 - v", events), "v") == ["b", "a", "B", "10", "9"]
    assert col(spl("search * | sort 0 str(v)", events), "v") == ["10", "9", "B", "a", "b"]


def test_sort_by_several_keys_is_stable_and_limited(spl):
    events = [{"id": str(i), "g": g, "n": n}
              for i, (g, n) in enumerate([("x", "2"), ("y", "1"), ("x", "1"), ("y", "1")])]
    assert col(spl("search * | sort g -n", events), "id") == ["0", "2", "1", "3"]
    assert col(spl("search * | sort 2 n", events), "id") == ["1", "2"]
    many = [{"n": str(i)} for i in range(10005)]
    assert len(spl("search * | sort n", many)) == 10000
    assert len(spl("search * | sort 0 n", many)) == 10005


def test_sort_puts_missing_values_last(spl):
    events = [{"id": "1"}, {"id": "2", "n": "5"}, {"id": "3", "n": "1"}]
    assert col(spl("search * | sort 0 n", events), "id") == ["3", "2", "1"]
    assert col(spl("search * | sort 0 -n", events), "id") == ["2", "3", "1"]


def test_dedup_keeps_the_first_per_combination(spl):
    events = [{"id": str(i), "p": p, "d": d}
              for i, (p, d) in enumerate([("a", "1"), ("a", "1"), ("a", "2"), ("b", "1")])]
    events.append({"id": "9", "p": "a"})
    assert col(spl("search * | dedup p d", events), "id") == ["0", "2", "3"]
    assert col(spl("search * | dedup 2 p", events), "id") == ["0", "1", "3"]
    assert col(spl("search * | dedup p d keepempty=true", events), "id") == [
        "0", "2", "3", "9"]


def test_dedup_consecutive(spl):
    events = [{"id": str(i), "v": v} for i, v in enumerate("aaba")]
    assert col(spl("search * | dedup v consecutive=true", events), "id") == ["0", "2", "3"]


def test_table_and_fields(spl):
    events = [{"_time": 1, "b": "2", "a": "1", "ab": "3", "c": "4"}]
    rows = spl("search * | table a* c", events)
    assert rows == [{"a": "1", "ab": "3", "c": "4"}] and rows.columns == ["a", "ab", "c"]
    kept = spl("search * | fields b", events)
    assert kept == [{"b": "2", "_time": 1.0}]
    removed = spl("search * | fields - a* _*", events)
    assert removed == [{"b": "2", "c": "4"}]


def test_table_columns_survive_filters_but_not_new_fields(spl):
    rows = spl("search * | table b a | search a=1", [{"a": "1", "b": "2"}])
    assert rows.columns == ["b", "a"]
    rows = spl("search * | table b | eval z=1", [{"a": "1", "b": "2"}])
    assert rows.columns == ["b", "z"]


def test_head_tail_rename_fillnull_mvexpand(spl):
    events = [{"n": str(i)} for i in range(15)]
    assert col(spl("search * | head", events), "n") == [str(i) for i in range(10)]
    assert col(spl("search * | head 2", events), "n") == ["0", "1"]
    assert col(spl("search * | tail 2", events), "n") == ["14", "13"]
    assert spl("search * | rename n AS m", [{"n": "1"}]) == [{"m": "1"}]
    assert spl("search * | fillnull x", [{"n": "1"}]) == [{"n": "1", "x": "0"}]
    assert spl('search * | fillnull value="none" x', [{"n": "1"}]) == [{"n": "1", "x": "none"}]
    assert spl("search * | mvexpand v", [{"v": ["a", "b"], "k": "1"}]) == [
        {"v": "a", "k": "1"}, {"v": "b", "k": "1"}]


def test_rex_extracts_named_groups(spl):
    rows = spl(r'search * | rex field=arn "role/(?<role>[^/]+)/(?<session>.+)"',
               [{"arn": "arn:aws:sts::1:assumed-role/admin/alice"}])
    assert rows[0]["role"] == "admin" and rows[0]["session"] == "alice"


def test_makeresults_and_addinfo(spl):
    rows = spl("| makeresults count=2 | addinfo", [{"ignored": "1"}], earliest=10, latest=20)
    assert len(rows) == 2 and rows[0]["_time"] == spl.now
    assert rows[0]["info_min_time"] == 10 and rows[0]["info_max_time"] == 20


def test_unsupported_commands_are_refused_before_anything_runs(spl):
    spl.engine.write_lookup("out.csv", [{"a": "1"}])
    with pytest.raises(SplUnsupported) as error:
        spl("search * | outputlookup out.csv | transaction user", [{"a": "2"}],
            name="Cloud Secrets - X")
    assert str(error.value) == (
        "search \"Cloud Secrets - X\": unsupported command 'transaction' at position 34")
    assert spl.engine.read_lookup("out.csv") == [{"a": "1"}]  # nothing ran


def test_subsearches_are_refused(spl):
    with pytest.raises(SplUnsupported, match="subsearch"):
        spl("search * | append [| inputlookup x]", [])


def test_a_leading_pipe_needs_a_generating_command(spl):
    with pytest.raises(SplError, match="generating"):
        spl("| stats count", [])
    with pytest.raises(SplError, match="first command"):
        spl("search * | makeresults", [])
    assert spl("| search a=1", [{"a": "1"}]) == [{"a": "1"}]


def test_the_engine_never_changes_the_callers_events(spl):
    events = [{"a": "1", "_time": "5"}]
    spl("search * | eval a=2 | rename a AS b", events)
    assert events == [{"a": "1", "_time": "5"}]


# Search Reference "dedup" (9.x): keepevents "keep all events, but will remove the
# selected fields from events after the first event containing a particular
# combination of values"; sortby "determines which of the duplicate events to keep.
# When the list of events is sorted, the top-most event, of the duplicate events in
# the sorted list, is retained" (`dedup source sortby +_time`, `sortby -_size`); N
# "must be greater than 0". Search Reference "tail": `tail [<N>]`, no limit option.

def test_dedup_keepevents_keeps_duplicates_without_the_fields(spl):
    events = [{"id": "1", "source": "a", "x": "1"}, {"id": "2", "source": "a", "x": "2"},
              {"id": "3", "source": "b"}]
    assert spl("search * | dedup source keepevents=true", events) == [
        {"id": "1", "source": "a", "x": "1"}, {"id": "2", "x": "2"},
        {"id": "3", "source": "b"}]


def test_dedup_sortby_decides_which_duplicate_is_kept(spl):
    events = [{"source": s, "_time": t, "_size": z} for s, t, z in
              [("a", 30, "5"), ("b", 20, "9"), ("a", 10, "7"), ("b", 40, "1")]]
    rows = spl("search * | dedup source sortby +_time", events)
    assert [(r["source"], r["_time"]) for r in rows] == [("a", 10), ("b", 20)]
    rows = spl("search * | dedup source sortby -_size", events)
    assert [(r["source"], r["_size"]) for r in rows] == [("b", "9"), ("a", "7")]


def test_dedup_zero_and_tail_limit_are_errors(spl):
    with pytest.raises(SplError, match="greater than 0"):
        spl("search * | dedup 0 source", [{"source": "a"}])
    with pytest.raises(SplUnsupported, match="limit"):
        spl("search * | tail limit=2", [{"source": "a"}])


# Search Reference "makeresults" (9.4): `[<format>=<format_type>] [data=<string>]`
# generate results from inline CSV or JSON data (its examples: `format=csv
# data="name, age\nJohn,35\nSarah,39"` and `format=json data="[{\"name\":\"John\",
# \"age\":35}, {\"name\":\"Sarah\", \"age\":39}]"`); `annotate`, `splunk_server` and
# `splunk_server_group` concern the servers and are refused by name.

def test_makeresults_from_inline_csv_and_json(spl):
    rows = spl('| makeresults format=csv data="name, age\nJohn,35\nSarah,39"')
    assert [{k: v for k, v in r.items() if k != "_time"} for r in rows] == [
        {"name": "John", "age": "35"}, {"name": "Sarah", "age": "39"}]
    assert rows[0]["_time"] == spl.now
    rows = spl('| makeresults format=json data="[{\\"name\\":\\"John\\", \\"age\\":35}, '
               '{\\"name\\":\\"Sarah\\", \\"age\\":39}]"')
    assert [(r["name"], r["age"]) for r in rows] == [("John", "35"), ("Sarah", "39")]


def test_makeresults_data_needs_a_format_and_server_options_are_refused(spl):
    with pytest.raises(SplError, match="format"):
        spl('| makeresults data="a,b\n1,2"')
    with pytest.raises(SplUnsupported, match="annotate"):
        spl("| makeresults count=5 annotate=true")
