"""Errors are placed in the text a person wrote, never in the macro-expanded search.

A detection engineer tunes the app by editing a saved search or a macro; an error that
gives a position in the expanded search (which nobody wrote) sends them hunting. Every
error therefore names the macro whose definition holds the problem, and the position
in that definition, or the position in the search itself when the problem is there.

Oracle: the texts themselves. Each expected position is found with `str.index` in the
definition or search the test wrote (positions count from 0, as `engine.expand` and the
engine's other errors count them), never taken from the engine's answer. The macro
rules (arguments, nesting, `iseval`) are the Knowledge Manager Manual's "Define search
macros" and "Use search macros".
"""

from __future__ import annotations

import pytest

from devkit.spl import SplError, SplUnsupported

FILTER = "search * | eval digest=md5(secret)"
GUARD = 'search NOT principal="ci" | where TERM(x)'
MACROS = f"""
[sources]
definition = sourcetype=aws:cloudtrail `secret_words`

[secret_words]
definition = (secretsmanager OR ssm)

[hashing_filter]
definition = {FILTER}

[inner_guard]
definition = {GUARD}

[outer]
definition = eval a=1 | `inner_guard`

[over(2)]
args = field, limit
definition = where $field$ >= $limit$

[calls_missing]
definition = eval a=1 | `nowhere`

[window]
definition = streamstats time_window=10m count by principal

[pick(1)]
args = n
iseval = 1
definition = if($n$ > 5, "stats count", "evel x=1")
"""


@pytest.fixture
def spl(make_spl):
    return make_spl(default={"macros": MACROS})


def error_of(spl, query, events=(), name="Cloud Secrets - Rule"):
    with pytest.raises(SplError) as raised:
        spl(query, list(events), name=name)
    return raised.value


def test_a_function_refused_inside_a_macro_is_placed_in_its_definition(spl):
    error = error_of(spl, "`sources` | `hashing_filter`")
    assert isinstance(error, SplUnsupported)
    assert error.macro == "hashing_filter"
    assert error.position == FILTER.index("md5")
    assert str(error) == (f"search \"Cloud Secrets - Rule\": unsupported eval function 'md5' "
                          f"at position {FILTER.index('md5')} of macro 'hashing_filter'")


def test_an_error_after_a_macro_is_placed_in_the_search_as_written(spl):
    query = "`sources` | stats count | evel x=1"
    error = error_of(spl, query)
    assert error.macro is None
    assert error.position == query.index("evel")
    assert "at position" in str(error) and "of macro" not in str(error)


def test_nested_macros_name_the_innermost_definition(spl):
    error = error_of(spl, "search * | `outer`")
    assert error.macro == "inner_guard"
    assert error.position == GUARD.index("TERM")


def test_a_macro_argument_belongs_to_the_text_that_wrote_the_call(spl):
    query = "search * | `over(n, sha256(n))`"
    error = error_of(spl, query)
    assert error.macro is None
    assert error.position == query.index("sha256")


def test_an_undefined_macro_called_by_a_macro_is_placed_at_the_call(spl):
    error = error_of(spl, "search * | `calls_missing`")
    assert "nowhere" in error.detail
    assert error.macro == "calls_missing"
    assert error.position == "eval a=1 | `nowhere`".index("`")


def test_an_error_at_run_time_is_placed_in_the_macro_too(spl):
    events = [{"_time": t, "principal": "p"} for t in (10, 0, 20)]  # not in time order
    error = error_of(spl, "search * | `window`", events)
    assert "sorted by _time" in error.detail
    assert error.macro == "window" and error.position == 0


def test_an_eval_macro_value_is_placed_at_its_call(spl):
    query = "search * | `pick(1)`"
    error = error_of(spl, query)
    assert "did you mean 'eval'" in error.detail
    assert error.macro is None
    assert error.position == query.index("`")


def test_an_error_in_the_search_itself_keeps_its_position(spl):
    query = "search * | eval x=md5(y)"
    error = error_of(spl, query, name="ad hoc")
    assert error.macro is None and error.position == query.index("md5")


@pytest.mark.parametrize("typed, meant", [
    ("stast", "stats"), ("evel", "eval"), ("serach", "search"), ("timechar", "timechart"),
    ("eventstat", "eventstats"), ("looku", "lookup"),
])
def test_a_misspelt_command_gets_the_closest_command(spl, typed, meant):
    query = f"search * | {typed} count"
    error = error_of(spl, query)
    assert isinstance(error, SplUnsupported)
    assert error.detail == f"unknown command '{typed}' (did you mean '{meant}'?)"
    assert error.position == query.index(typed)


@pytest.mark.parametrize("name", ["transaction", "tstats", "join"])
def test_a_splunk_command_the_engine_does_not_run_is_named_unsupported(spl, name):
    # tstats is close to stats, but it is a command of its own: no "did you mean".
    error = error_of(spl, f"search * | {name} x")
    assert isinstance(error, SplUnsupported)
    assert error.detail == f"unsupported command '{name}'"


def test_a_name_close_to_nothing_is_unknown_without_a_suggestion(spl):
    error = error_of(spl, "search * | frobnicate x")
    assert error.detail == "unknown command 'frobnicate'"


def test_the_replay_names_the_users_macro_and_the_position_in_it(tmp_path, packaged_app,
                                                                 capsys):
    # End to end, as a user tunes the app: a filter macro in local/macros.conf of an
    # unpacked copy of the built app, with a function the engine does not run.
    import shutil

    from devkit import replay

    app = tmp_path / packaged_app.name
    shutil.copytree(packaged_app, app)
    (app / "local").mkdir(exist_ok=True)
    definition = 'search NOT principal="ci" | eval h=sha1(principal)'
    (app / "local" / "macros.conf").write_text(
        f"[cloud_secrets_unusual_volume_of_secret_reads_filter]\ndefinition = {definition}\n",
        encoding="utf-8")
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "empty.jsonl").write_text("", encoding="utf-8")
    assert replay.main([str(logs), "--app", str(app)]) == 2
    err = capsys.readouterr().err
    assert (f"at position {definition.index('sha1')} of macro "
            f"'cloud_secrets_unusual_volume_of_secret_reads_filter'") in err
    assert "Traceback" not in err
