"""Configuration layering and search macros.

Oracles:
- Admin Manual "Configuration file precedence" / "Attribute precedence within an app":
  local/ settings override default/ settings attribute by attribute, stanzas merge;
  a [default] stanza supplies attributes to every stanza that does not set them;
- Knowledge Manager Manual "Define search macros" and "Use search macros"
  (https://help.splunk.com/splunk-enterprise/manage-knowledge-objects/knowledge-management-manual/9.4/use-search-macros):
  a macro is called between backticks; a macro with arguments is defined in a stanza
  named `name(<number of arguments>)`, its `args` list the argument names and `$name$`
  in the definition is replaced by the value; `iseval = 1` makes the definition an eval
  expression whose result is the macro's expansion; `validation` is an eval expression
  that must hold, else `errormsg` is shown; macros can contain other macros;
- macros.conf.spec (definition, args, iseval, validation, errormsg).
"""

from __future__ import annotations

import pytest

from devkit.spl import AppConf, SplError

MACROS = r"""
[default]
description = shipped

[sources]
definition = sourcetype=aws:cloudtrail `secret_words`

[secret_words]
definition = (secretsmanager OR ssm)

[threshold]
definition = 20

[over(2)]
args = field, limit
definition = where $field$ >= $limit$

[pick(1)]
args = n
iseval = 1
definition = if($n$ > 5, "search big=1", "search big=0")

[positive(1)]
args = n
validation = $n$ > 0
errormsg = n must be positive
definition = search n=$n$

[loop]
definition = `loop_back`

[loop_back]
definition = `loop`

[multiline]
definition = search a=1 \
| eval b=2
"""


@pytest.fixture
def spl(make_spl):
    return make_spl(default={"macros": MACROS},
                    local={"macros": "[threshold]\ndefinition = 30\n\n[extra]\ndefinition = x\n"})


def test_nested_macros_expand(spl):
    assert spl.engine.expand("`sources` | stats count") == (
        "sourcetype=aws:cloudtrail (secretsmanager OR ssm) | stats count")


def test_local_overrides_default_key_by_key(spl):
    macros = AppConf.load(spl.app_dir).macros
    assert macros["threshold"] == {"description": "shipped", "definition": "30"}
    assert macros["extra"]["definition"] == "x"
    assert macros["sources"]["description"] == "shipped"  # from [default]
    assert spl.engine.expand("`threshold`") == "30"


def test_arguments_replace_dollar_names(spl):
    assert spl.engine.expand("search * | `over(distinct_secrets, 20)`") == (
        "search * | where distinct_secrets >= 20")
    rows = spl("search * | `over(n, 5)`", [{"n": "7"}, {"n": "3"}])
    assert [r["n"] for r in rows] == ["7"]


def test_iseval_macros_expand_to_their_value(spl):
    assert spl.engine.expand("`pick(9)`") == "search big=1"
    assert spl.engine.expand("`pick(1)`") == "search big=0"


def test_validation_failure_shows_errormsg(spl):
    assert spl.engine.expand("`positive(3)`") == "search n=3"
    with pytest.raises(SplError, match="n must be positive"):
        spl.engine.expand("`positive(-1)`")


def test_undefined_macros_and_wrong_argument_counts_are_errors(spl):
    with pytest.raises(SplError) as error:
        spl("search * | `nope`", [], name="Rule")
    assert "nope" in str(error.value) and "Rule" in str(error.value)
    assert "position 11" in str(error.value)
    with pytest.raises(SplError, match=r"over\(1\)"):
        spl.engine.expand("`over(x)`")


def test_a_macro_that_expands_into_itself_is_an_error(spl):
    with pytest.raises(SplError, match="expands into itself"):
        spl.engine.expand("`loop`")


def test_continued_lines_keep_their_line_breaks(spl):
    assert spl.engine.expand("`multiline`") == "search a=1 \n| eval b=2"
    rows = spl("`multiline`", [{"a": "1"}, {"a": "2"}])
    assert rows == [{"a": "1", "b": 2.0}]


def test_saved_searches_and_the_default_stanza(make_spl):
    spl = make_spl(default={"savedsearches": "[default]\ndispatch.earliest_time = -1h\n\n"
                                             "[S]\nsearch = search *\n"})
    assert AppConf.load(spl.app_dir).saved_searches == {
        "S": {"dispatch.earliest_time": "-1h", "search": "search *"}}


def test_macros_inside_quoted_values_are_not_expanded(spl):
    # Knowledge Manager Manual, "Use search macros in searches": "Macros inside of quoted
    # values are not expanded. In the following example, the search macro bar is not
    # expanded." -- "foo`bar`baz". (bar is not even defined here: no expansion, no error.)
    assert spl.engine.expand('search x="foo`bar`baz"') == 'search x="foo`bar`baz"'
    # An escaped quote does not end the quoted value; after it, calls expand again.
    assert spl.engine.expand(r'eval a="say \"`bar`\"" | where b>`threshold`') == (
        r'eval a="say \"`bar`\"" | where b>30')
    rows = spl.engine.run('| makeresults | eval v="`threshold`" | table v', [])
    assert rows == [{"v": "`threshold`"}]
