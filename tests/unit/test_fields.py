"""How events are read: JSON flattening as Splunk names fields, multivalue cells, _raw."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloud_secrets.fields import (
    MAX_FLATTEN_DEPTH,
    EventFields,
    decode_multivalue,
    encode_multivalue,
    flatten_json,
    lowercase_keys,
    parse_json_object,
)
from devkit.splunkd import extract_json

FLATTEN = [
    ("nested keys join with dots", {"a": {"b": {"c": "x"}}}, {"a.b.c": "x"}),
    ("arrays become multivalue {} fields", {"names": ["/a", "/b"]}, {"names{}": ["/a", "/b"]}),
    ("one-element array is single-valued", {"names": ["/a"]}, {"names{}": "/a"}),
    ("arrays of objects", {"f": [{"k": "x", "v": ["1", "2"]}, {"k": "y"}]},
     {"f{}.k": ["x", "y"], "f{}.v{}": ["1", "2"]}),
    ("scalars as Splunk shows them", {"t": True, "f": False, "n": None, "i": 7, "x": 1.50},
     {"t": "true", "f": "false", "n": "null", "i": "7", "x": "1.5"}),
    ("empty objects and arrays vanish", {"e": {}, "l": [], "k": "v"}, {"k": "v"}),
    ("uri keys are kept whole", {"claim": {"http://schemas/upn": "u"}},
     {"claim.http://schemas/upn": "u"}),
]


@pytest.mark.parametrize(("record", "expected"), [f[1:] for f in FLATTEN],
                         ids=[f[0] for f in FLATTEN])
def test_flatten_json(record, expected):
    assert flatten_json(record) == expected


def test_flatten_keeps_number_text_from_raw():
    assert flatten_json(parse_json_object('{"n": 1.10, "big": 12345678901234567890}')) == {
        "n": "1.10", "big": "12345678901234567890"}


def test_flatten_bounds_depth_without_recursion():
    deep: dict = {"leaf": "x"}
    for _ in range(10_000):
        deep = {"d": deep}
    assert flatten_json(deep) == {}  # deeper than MAX_FLATTEN_DEPTH: ignored, no RecursionError
    shallow = {"d": {"leaf": "x"}}
    assert flatten_json(shallow) == {"d.leaf": "x"}
    assert MAX_FLATTEN_DEPTH < 10_000


@pytest.mark.parametrize(("values", "cell"), [
    (["a", "b"], "$a$;$b$"), (["a$b", "c"], "$a$$b$;$c$"), (["", "x"], "$$;$x$"),
    (["line\none", "two"], "$line\none$;$two$")])
def test_multivalue_cells_round_trip(values, cell):
    assert encode_multivalue(values) == cell
    assert decode_multivalue(cell) == values


PARSE = [
    ("object", '{"a": 1}', {"a": "1"}),
    ("syslog prefix", 'Nov 29 10:00:00 host vault: {"type": "response"}', {"type": "response"}),
    ("truncated", '{"a": {"b": ', None),
    ("array", "[1, 2]", None),
    ("not json", "GET / HTTP/1.1 200", None),
    ("empty", "", None),
    ("deeply nested", "[" * 100_000 + "]" * 100_000, None),
    ("brace too far in", "x" * 5000 + '{"a": 1}', None),
]


@pytest.mark.parametrize(("text", "expected"), [p[1:] for p in PARSE], ids=[p[0] for p in PARSE])
def test_parse_json_object(text, expected):
    assert parse_json_object(text) == expected


def test_parse_json_object_refuses_oversized_raw():
    huge = json.dumps({"a": "x" * (5 * 1024 * 1024)})
    assert parse_json_object(huge) is None


def test_lowercase_keys_prefers_a_non_empty_value_on_case_clash():
    assert lowercase_keys({"userIdentity.arn": "", "userIdentity.aRN": "arn:x"}) == {
        "useridentity.arn": "arn:x"}
    assert lowercase_keys({"A": "1", "a": "2"}) == {"a": "1"}


def test_event_fields_prefix_and_multivalue_reads():
    event = EventFields({"data.protopayload.methodname": ["m1", "m2"], "_raw": "{}", "x": ""})
    assert event.at("data.").get("protopayload.methodname") == "m1"
    assert event.at("data.").values("protopayload.methodname") == ["m1", "m2"]
    assert (event.get("x"), event.values("x"), event.get("missing")) == ("", [], "")
    assert event.at("body.").raw() == "{}"


def _corpus_raws():
    from devkit.vendorlogs import read_records

    corpus = Path(__file__).resolve().parents[3] / "shared" / "corpus"
    if not corpus.is_dir():
        return []
    return [json.dumps(r) for p in sorted(corpus.iterdir()) if p.suffix in (".json", ".jsonl")
            for r in read_records(p)]


@pytest.mark.parametrize("raw", [
    '{"a": {"b": [1, 2.50, {"c": null}]}, "d": [[true], []], "e": {}, "u": "\\u00e9"}',
    '{"names": ["/a"], "uri": {"http://x/y": "v"}, "n": -1.5e3}',
    *_corpus_raws()])
def test_flatten_json_agrees_with_splunkds_extraction(raw):
    """Two independent implementations of Splunk's JSON naming must agree."""
    assert flatten_json(parse_json_object(raw)) == extract_json(raw)
