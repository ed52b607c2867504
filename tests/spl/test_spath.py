"""`spath`: fields from JSON held in a field.

Oracles:
- Search Reference (9.0) "spath"
  (https://help.splunk.com/splunk-enterprise/spl-search-reference/9.0/search-commands/spath):
  `spath [input=<field>] [output=<field>] [path=<datapath> | <datapath>]`; input
  defaults to `_raw`; "If you do not specify an output argument, the value for the path
  argument becomes the field name for the extracted value"; "If you do not specify the
  path=, the first unlabeled argument is used as the location path"; a location path is
  steps separated by periods (`vendorProductSet.product.desc`), a step a field name and
  an optional index in curly brackets;
- SPL2 "spath command: Overview, syntax, and usage" and "Examples" (the same command):
  "If path is omitted ... The spath command runs in "auto-extract" mode ... finds and
  extracts all the fields in the input value, subject to any character read limits.
  The default limit is 5000 characters"; the examples `spath output=myfield
  path="server.name"` and `spath output=commit_author path="commits{}.author.name"`
  ("with a wildcard for JSON data": every element of the array); the 9.x page's Usage:
  "JSON uses zero-based indexing", and its Basic examples 3 and 4 give their arrays.
The pages give no input for these examples: the push event below is ours, shaped like
the GitHub push the page describes.
"""

from __future__ import annotations

import json

import pytest

from devkit.spl import SplError, SplUnsupported

PUSH = json.dumps({
    "server": {"name": "git.example.com", "port": 443},
    "commits": [
        {"id": "c1", "author": {"name": "Ada", "email": "ada@example.com"}, "added": []},
        {"id": "c2", "author": {"name": "Grace", "email": "grace@example.com"},
         "added": ["a.py", "b.py"]},
    ],
    "forced": False,
    "before": None,
    "size": 2.50,
    "meta": {},
}, separators=(", ", ": "))


def event(**fields):
    return {"_time": 0, "_raw": PUSH, **fields}


def extract(spl, query, **fields):
    rows = spl(f"search * | {query}", [event(**fields)])
    return {k: v for k, v in rows[0].items() if k not in ("_raw", "_time")}


def test_the_documented_output_and_path(spl):
    assert extract(spl, 'spath output=myfield path="server.name"') == {
        "myfield": "git.example.com"}


def test_the_documented_array_wildcard_gives_a_multivalue_field(spl):
    assert extract(spl, 'spath output=commit_author path="commits{}.author.name"') == {
        "commit_author": ["Ada", "Grace"]}


def test_without_output_the_path_names_the_field_and_path_may_be_unlabeled(spl):
    assert extract(spl, "spath server.port") == {"server.port": "443"}
    assert extract(spl, "spath path=commits{}.id") == {"commits{}.id": ["c1", "c2"]}


def test_an_object_or_array_is_written_as_its_json_text(spl):
    found = extract(spl, "spath output=authors path=commits{}.author")
    assert found["authors"] == ['{"name": "Ada", "email": "ada@example.com"}',
                                '{"name": "Grace", "email": "grace@example.com"}']
    assert json.loads(extract(spl, "spath output=c path=commits")["c"]) == json.loads(
        PUSH)["commits"]


def test_auto_extract_names_every_leaf_as_splunk_does(spl):
    fields = extract(spl, "spath")
    assert fields == {
        "server.name": "git.example.com", "server.port": "443",
        "commits{}.id": ["c1", "c2"], "commits{}.author.name": ["Ada", "Grace"],
        "commits{}.author.email": ["ada@example.com", "grace@example.com"],
        "commits{}.added{}": ["a.py", "b.py"], "forced": "false", "before": "null",
        "size": "2.5",
    }


def test_input_reads_another_field(spl):
    rows = spl("search * | spath input=detail path=user.id",
               [{"detail": '{"user": {"id": "u-1"}}'}])
    assert rows[0]["user.id"] == "u-1"
    rows = spl("search * | spath input=detail", [{"detail": '[{"a": 1}, {"a": 2}]'}])
    assert rows[0]["{}.a"] == ["1", "2"]


def test_a_missing_path_adds_nothing_and_text_that_is_not_json_neither(spl):
    assert extract(spl, "spath output=x path=server.nothing") == {}
    rows = spl("search * | spath", [{"_raw": "GET /index.html 200"}])
    assert rows == [{"_raw": "GET /index.html 200"}]


def test_auto_extract_reads_the_first_5000_characters(spl):
    padding = "x" * 5000
    raw = json.dumps({"early": "yes", "padding": padding, "late": "no"})
    rows = spl("search * | spath", [{"_raw": raw}])
    assert rows[0]["early"] == "yes" and "late" not in rows[0]
    assert "padding" not in rows[0]  # cut inside its value: never complete
    rows = spl("search * | spath path=late", [{"_raw": raw}])
    assert rows[0]["late"] == "no"  # a path is followed through the whole input


def test_json_cut_short_keeps_what_came_before_the_cut(spl):
    rows = spl("search * | spath input=j", [{"j": '{"a": "1", "b": {"c": 2, "d": '}])
    assert rows[0]["a"] == "1" and rows[0]["b.c"] == "2" and "b.d" not in rows[0]


def test_the_documented_array_positions_count_from_zero(spl):
    # "spath", Usage: "JSON uses zero-based indexing. In JSON, product.desc{3} refers to
    # the fourth element"; Basic examples 3 and 4, with their arrays, verbatim.
    rows = spl("search * | spath output=myfield path=vendorProductSet{1}",
               [{"_raw": '{ \n   "vendorProductSet" : [1,2]\n}'}])
    assert rows[0]["myfield"] == "2"
    nested = ('{\n   "vendorProductSet" : {\n      "product" : [\n         {"desc" : 1},\n'
              '         {"locDesc" : 2}\n      ]\n   }\n}')
    rows = spl("search * | spath output=myfield path=vendorProductSet.product{}.locDesc",
               [{"_raw": nested}])
    assert rows[0]["myfield"] == "2"
    assert extract(spl, "spath output=second path=commits{1}.author.name") == {
        "second": "Grace"}
    assert extract(spl, "spath output=none path=commits{2}.id") == {}


def test_xml_attributes_in_a_path_are_refused_by_name(spl):
    with pytest.raises(SplUnsupported, match="XML attribute"):
        spl("search * | spath output=dates path=purchases.book.title{@yearPublished}",
            [event()])


def test_xml_input_is_refused_by_name(spl):
    with pytest.raises(SplUnsupported, match="XML"):
        spl("search * | spath", [{"_raw": "<book><title>x</title></book>"}])


def test_output_without_a_path_is_an_error(spl):
    with pytest.raises(SplError, match="output needs a path"):
        spl("search * | spath output=x", [event()])
