"""`rest`, for the two endpoints the Data Check reads: configs/conf-<file> and
data/lookup-table-files of the app itself.

Oracles:
- Search Reference "rest" (https://help.splunk.com/splunk-enterprise/spl-search-reference/9.2/search-commands/rest):
  a generating command (`| rest <rest-uri>`), one result per entity, `count` (0 lists
  all), `splunk_server`, `timeout`, other arguments passed to the endpoint as GET
  arguments;
- REST API reference, "Configuration endpoint descriptions" (configs/conf-{file}: one
  entry per stanza, titled by the stanza, with its keys, as the app's layers merge them)
  and "Knowledge endpoint descriptions" (data/lookup-table-files: one entry per lookup
  table file, titled by its file name).
The engine has no splunkd: any other endpoint, app or server is refused at parse time.
"""

from __future__ import annotations

import pytest

from devkit.spl import SplError, SplUnsupported

APP = {"app": "[package]\nid = demo_app\n",
       "macros": "[default]\niseval = 0\n\n[a_sources]\ndefinition = sourcetype=a\n\n"
                 "[b_sources]\ndefinition = index=b\n"}
LOCAL = {"macros": "[a_sources]\ndefinition = index=a sourcetype=a\n"}
URI = "/servicesNS/-/demo_app/configs/conf-macros"


def test_conf_stanzas_in_force_one_result_each(make_spl):
    spl = make_spl(APP, LOCAL)
    rows = spl(f"| rest splunk_server=local count=0 {URI} | table title definition iseval "
               f"splunk_server eai:acl.app")
    assert rows == [
        {"title": "a_sources", "definition": "index=a sourcetype=a", "iseval": "0",
         "splunk_server": "local", "eai:acl.app": "demo_app"},
        {"title": "b_sources", "definition": "index=b", "iseval": "0",
         "splunk_server": "local", "eai:acl.app": "demo_app"}]


def test_count_limits_and_later_commands_filter(make_spl):
    spl = make_spl(APP, LOCAL)
    assert len(spl(f"| rest count=1 {URI}")) == 1
    assert [r["title"] for r in spl(f"| rest timeout=30 {URI} | search title=b_*")] == [
        "b_sources"]
    assert [r["title"] for r in spl("| rest /services/configs/conf-macros")] == [
        "a_sources", "b_sources"]


def test_lookup_table_files_are_listed_by_name(make_spl):
    spl = make_spl(APP, lookups={"rules_local.csv": "a\n1\n", "platforms.csv": "p\n"})
    rows = spl("| rest splunk_server=local /servicesNS/nobody/demo_app/data/lookup-table-files"
               " | table title")
    assert [r["title"] for r in rows] == ["platforms.csv", "rules_local.csv"]


def test_a_conf_file_the_app_does_not_have_lists_nothing(make_spl):
    assert make_spl(APP)(f"| rest {URI.replace('macros', 'nothing')}") == []


@pytest.mark.parametrize("spl", [
    "| rest /services/server/info",
    "| rest /servicesNS/-/search/configs/conf-macros",
    f"| rest splunk_server=idx1 {URI}",
    f"| rest {URI} search=title=a*",
])
def test_what_the_engine_cannot_answer_is_refused(make_spl, spl):
    with pytest.raises(SplUnsupported):
        make_spl(APP).engine.parse(spl)


def test_rest_must_come_first(make_spl):
    with pytest.raises(SplError, match="first command"):
        make_spl(APP).engine.parse(f"| makeresults | rest {URI}")
