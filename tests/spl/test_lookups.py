"""`lookup`, `inputlookup` and `outputlookup` over CSV files and KV store collections.

Oracles:
- Search Reference "lookup": https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/search-commands/lookup
  (`<lookup-field> AS <event-field>`, OUTPUT overwrites, OUTPUTNEW only fills fields the
  event lacks, no output clause outputs every other field of the table);
- Knowledge Manager Manual "Add field matching rules to your lookup configuration"
  (max_matches default 100, first rows in file order; min_matches default 0, "nothing is
  output to your event if no match is found"; default_match) and transforms.conf.spec
  (case_sensitive_match, default true; external_type = kvstore, collection, fields_list);
- Search Reference "inputlookup": https://help.splunk.com/splunk-enterprise/spl-search-reference/9.2/search-commands/inputlookup
  (append=true adds the rows to the current results; a missing lookup gives a warning,
  not an error, unless strict=true; start, max, WHERE);
- Search Reference "outputlookup": https://help.splunk.com/splunk-enterprise/spl-search-reference/9.0/search-commands/outputlookup
  (override_if_empty, default true: with no results the lookup file is deleted, or the
  KV store collection emptied; false leaves them; create_empty=true writes a zero-length
  file; append=true adds rows, only the columns of the existing header; key_field for KV
  store collections updates the record with that key).
"""

from __future__ import annotations

import json

import pytest

from devkit.spl import SplError

TRANSFORMS = """
[baseline]
filename = baseline.csv

[owners]
filename = owners.csv
case_sensitive_match = false

[first_only]
filename = owners.csv
max_matches = 1

[with_default]
filename = owners.csv
min_matches = 2
default_match = nobody

[identities]
external_type = kvstore
collection = cloud_secrets_identities
fields_list = _key, principal, platform, identity, seen

[missing_file]
filename = not_there.csv
"""
COLLECTIONS = """
[cloud_secrets_identities]
enforceTypes = true
field.principal = string
field.platform = string
field.identity = string
field.seen = number
"""
BASELINE = "principal,platform,max_distinct_per_hour\nalice,AWS,12\nbob,GCP,3\n"
OWNERS = "host,owner\nweb1,ann\nWEB2,ben\nweb1,cat\n"


@pytest.fixture
def spl(make_spl):
    return make_spl(default={"transforms": TRANSFORMS, "collections": COLLECTIONS},
                    lookups={"baseline.csv": BASELINE, "owners.csv": OWNERS})


def test_lookup_output_as(spl):
    events = [{"principal": "alice", "platform": "AWS"}, {"principal": "alice", "platform": "GCP"}]
    rows = spl("search * | lookup baseline principal platform "
               "OUTPUT max_distinct_per_hour AS baseline_max", events)
    assert [r.get("baseline_max") for r in rows] == ["12", None]


def test_lookup_field_as_event_field(spl):
    rows = spl("search * | lookup baseline principal AS user OUTPUT platform",
               [{"user": "bob"}])
    assert rows[0]["platform"] == "GCP"


def test_matching_is_case_sensitive_by_default(spl):
    rows = spl("search * | lookup baseline principal OUTPUT platform", [{"principal": "Alice"}])
    assert "platform" not in rows[0]


def test_case_sensitive_match_false_ignores_case_and_several_rows_make_a_multivalue(spl):
    rows = spl("search * | lookup owners host OUTPUT owner", [{"host": "WEB1"}, {"host": "web2"}])
    assert [r["owner"] for r in rows] == [["ann", "cat"], "ben"]


def test_max_matches_keeps_the_first_rows_in_file_order(spl):
    rows = spl("search * | lookup first_only host OUTPUT owner", [{"host": "web1"}])
    assert rows[0]["owner"] == "ann"


def test_min_matches_with_default_match(spl):
    rows = spl("search * | lookup with_default host OUTPUT owner",
               [{"host": "db9"}, {"host": "WEB2"}, {"host": "web1"}])
    # default_match fills up to min_matches (2) values.
    assert [r["owner"] for r in rows] == [["nobody", "nobody"], ["ben", "nobody"],
                                          ["ann", "cat"]]


def test_no_match_leaves_the_result_alone_and_outputnew_only_fills(spl):
    events = [{"host": "db9", "owner": "kept"}, {"host": "web1", "owner": "kept"},
              {"host": "WEB2"}]
    output = spl("search * | lookup owners host OUTPUT owner", events)
    assert [r.get("owner") for r in output] == ["kept", ["ann", "cat"], "ben"]
    outputnew = spl("search * | lookup owners host OUTPUTNEW owner", events)
    assert [r.get("owner") for r in outputnew] == ["kept", "kept", "ben"]


def test_without_output_clause_every_other_field_is_output(spl):
    rows = spl("search * | lookup baseline principal", [{"principal": "bob"}])
    assert rows[0]["platform"] == "GCP" and rows[0]["max_distinct_per_hour"] == "3"


def test_a_multivalue_input_matches_on_each_value(spl):
    rows = spl("search * | lookup baseline principal OUTPUT platform",
               [{"principal": ["bob", "alice"]}])
    assert rows[0]["platform"] == ["AWS", "GCP"]


def test_a_missing_lookup_file_stops_the_search_naming_the_lookup(spl):
    with pytest.raises(SplError) as error:
        spl("search * | lookup missing_file x OUTPUT y", [{"x": "1"}], name="Rule")
    assert "missing_file" in str(error.value) and "Rule" in str(error.value)
    with pytest.raises(SplError, match="nonexistent"):
        spl("search * | lookup nonexistent x", [{"x": "1"}])


def test_inputlookup_returns_rows_and_append_adds_them(spl):
    rows = spl("| inputlookup baseline", [{"principal": "ignored"}])
    assert rows == [{"principal": "alice", "platform": "AWS", "max_distinct_per_hour": "12"},
                    {"principal": "bob", "platform": "GCP", "max_distinct_per_hour": "3"}]
    appended = spl("search * | inputlookup append=true baseline", [{"principal": "carol"}])
    assert [r["principal"] for r in appended] == ["carol", "alice", "bob"]


def test_inputlookup_options_and_where(spl):
    assert [r["host"] for r in spl("| inputlookup owners.csv start=1 max=1", [])] == ["WEB2"]
    # WHERE is a search expression: values match ignoring case.
    assert [r["owner"] for r in spl("| inputlookup owners where host=web1", [])] == [
        "ann", "cat"]


def test_inputlookup_of_a_missing_file_warns_unless_strict(spl):
    rows = spl("| inputlookup missing_file", [])
    assert rows == [] and "does not exist" in rows.messages[0]
    with pytest.raises(SplError, match=r"not_there\.csv"):
        spl("| inputlookup strict=true missing_file", [])


def test_outputlookup_writes_and_passes_results_on(spl):
    rows = spl("search * | outputlookup baseline",
               [{"principal": "dan", "platform": "Azure", "_time": 5}])
    assert rows == [{"principal": "dan", "platform": "Azure", "_time": 5.0}]
    text = (spl.lookups_dir / "baseline.csv").read_text()
    assert text == "principal,platform,_time\ndan,Azure,5\n"


def test_outputlookup_with_no_results_deletes_the_csv_by_default(spl):
    spl("search nothing | outputlookup baseline", [])
    assert not (spl.lookups_dir / "baseline.csv").exists()
    with pytest.raises(SplError, match="baseline"):
        spl("search * | lookup baseline principal", [{"principal": "alice"}])


def test_override_if_empty_false_keeps_the_file(spl):
    spl("search nothing | outputlookup override_if_empty=false baseline", [])
    assert (spl.lookups_dir / "baseline.csv").read_text() == BASELINE


def test_create_empty_leaves_a_zero_length_file(spl):
    spl("search nothing | outputlookup create_empty=true baseline", [])
    assert (spl.lookups_dir / "baseline.csv").read_text() == ""
    assert spl("| inputlookup baseline", []) == []


def test_append_adds_rows_in_the_existing_columns(spl):
    spl("search * | outputlookup append=true baseline",
        [{"principal": "eve", "extra": "dropped", "platform": "Vault"}])
    assert (spl.lookups_dir / "baseline.csv").read_text() == BASELINE + "eve,Vault,\n"


def test_multivalue_fields_round_trip_through_a_csv(spl):
    spl("search * | outputlookup owners", [{"host": "h", "owner": ["a", "b"]}])
    assert spl("| inputlookup owners", [])[0]["owner"] == ["a", "b"]


def kv_file(spl):
    return spl.app_dir.parent / "app1" / "kvstore" / "cloud_secrets_identities.json"


def test_kvstore_collection_written_read_and_looked_up(spl):
    spl("search * | outputlookup identities",
        [{"principal": "alice", "platform": "Vault", "identity": "alice@example.com"},
         {"principal": "Alice@Example.com", "platform": "GCP", "identity": "alice@example.com"}])
    records = json.loads(kv_file(spl).read_text())
    assert [r["principal"] for r in records] == ["alice", "Alice@Example.com"]
    assert all(len(r["_key"]) == 24 for r in records)
    rows = spl("| inputlookup identities", [])
    assert [sorted(r) for r in rows] == [["_key", "identity", "platform", "principal"]] * 2
    found = spl("search * | lookup identities principal platform OUTPUT identity",
                [{"principal": "alice", "platform": "Vault"},
                 {"principal": "x", "platform": "AWS"}])
    assert [r.get("identity") for r in found] == ["alice@example.com", None]


def test_kvstore_key_field_updates_the_record_with_that_key(spl):
    spl("search * | outputlookup identities", [{"_key": "k1", "principal": "a", "identity": "1"}])
    spl("search * | outputlookup append=true key_field=id identities",
        [{"id": "k1", "principal": "a", "identity": "2"}, {"id": "k2", "principal": "b"}])
    records = {r["_key"]: r for r in json.loads(kv_file(spl).read_text())}
    assert records["k1"]["identity"] == "2" and records["k2"]["principal"] == "b"


def test_kvstore_enforced_types_and_fields_list(spl):
    spl("search * | outputlookup identities", [{"principal": "a", "seen": "3", "junk": "x"}])
    record = json.loads(kv_file(spl).read_text())[0]
    assert record["seen"] == 3.0 and "junk" not in record


def test_kvstore_with_no_results_is_emptied_unless_override_if_empty_false(spl):
    spl("search * | outputlookup identities", [{"principal": "a"}])
    spl("search nothing | outputlookup override_if_empty=false identities", [])
    assert len(json.loads(kv_file(spl).read_text())) == 1
    spl("search nothing | outputlookup identities", [])
    assert json.loads(kv_file(spl).read_text()) == []


def test_seeding_and_reading_lookups_through_the_engine(spl):
    spl.engine.write_lookup("identities", [{"principal": "p", "identity": "i"}])
    assert [r["identity"] for r in spl.engine.read_lookup("identities")] == ["i"]
    spl.engine.write_lookup("baseline", [{"principal": "p", "platform": "AWS"}])
    assert spl.engine.read_lookup("baseline") == [{"principal": "p", "platform": "AWS"}]


def test_wildcard_match_type_and_unsupported_lookup_types(make_spl):
    from devkit.spl import SplUnsupported

    spl = make_spl(default={"transforms": "[w]\nfilename = w.csv\nmatch_type = WILDCARD(host)\n"
                                          "\n[ext]\nexternal_cmd = dnslookup.py host ip\n"
                                          "\n[timed]\nfilename = t.csv\ntime_field = t\n"},
                   lookups={"w.csv": "host,kind\nweb*,web\ndb1,database\n"})
    rows = spl("search * | lookup w host OUTPUT kind", [{"host": "web7"}, {"host": "db1"},
                                                        {"host": "db2"}])
    assert [r.get("kind") for r in rows] == ["web", "database", None]
    for query in ("search * | lookup ext host", "| inputlookup timed"):
        with pytest.raises(SplUnsupported):
            spl(query, [])


def test_outputlookup_max_and_key_field_on_csv(spl):
    spl("search * | outputlookup max=1 baseline", [{"principal": "a"}, {"principal": "b"}])
    assert spl.engine.read_lookup("baseline") == [{"principal": "a"}]
    with pytest.raises(SplError, match="KV store"):
        spl("search * | outputlookup key_field=principal baseline", [{"principal": "a"}])


def test_inputlookup_where_on_a_kvstore_collection(spl):
    spl.engine.write_lookup("identities", [{"principal": "a", "identity": "x"},
                                           {"principal": "b", "identity": "y"}])
    rows = spl("| inputlookup identities where identity=y", [])
    assert [r["principal"] for r in rows] == ["b"]


MANY = "k,v\n" + "".join(f"key,{i}\n" for i in range(101))


def test_at_most_100_matches_by_default_for_files_and_definitions(make_spl):
    spl = make_spl(default={"transforms": "[many]\nfilename = many.csv\n"},
                   lookups={"many.csv": MANY})
    for table in ("many", "many.csv"):
        rows = spl(f"search * | lookup {table} k OUTPUT v", [{"k": "key"}, {"k": "KEY"}])
        assert rows[0]["v"] == [str(i) for i in range(100)]
        assert "v" not in rows[1]  # file names match case-sensitively too


def test_unsafe_file_and_collection_names_are_refused(make_spl):
    spl = make_spl(default={"transforms": "[up]\nfilename = ../secrets.csv\n\n"
                                          "[kv]\nexternal_type = kvstore\ncollection = ../x\n"})
    for query in ("search * | lookup up a", "search * | lookup kv a"):
        with pytest.raises(SplError, match=r"unsafe|bad collection"):
            spl(query, [{"a": "1"}])


def test_a_collection_must_be_defined_when_collections_conf_exists(make_spl):
    spl = make_spl(default={"collections": COLLECTIONS, "transforms":
                            "[stray]\nexternal_type = kvstore\ncollection = nope\n"})
    with pytest.raises(SplError, match="nope"):
        spl("search * | lookup stray a", [{"a": "1"}])


def test_an_unwritten_collection_is_empty(spl):
    rows = spl("search * | lookup identities principal platform OUTPUT identity",
               [{"principal": "a", "platform": "AWS"}])
    assert rows == [{"principal": "a", "platform": "AWS"}]
    assert spl("| inputlookup identities", []) == []
    spl("search * | outputlookup append=true identities", [{"principal": "a"}])
    assert [r["principal"] for r in spl("| inputlookup identities", [])] == ["a"]


def test_kvstore_lookup_without_output_clause(spl):
    spl.engine.write_lookup("identities", [{"principal": "a", "platform": "AWS",
                                            "identity": "x", "seen": "2"}])
    rows = spl("search * | lookup identities principal", [{"principal": "a"}])
    assert rows == [{"principal": "a", "platform": "AWS", "identity": "x", "seen": 2.0}]


def test_tables_are_read_again_when_their_file_changes(spl):
    assert spl("search * | lookup baseline principal OUTPUT platform",
               [{"principal": "alice"}])[0]["platform"] == "AWS"
    (spl.lookups_dir / "baseline.csv").write_text("principal,platform\nalice,Azure-Gov\n")
    assert spl("search * | lookup baseline principal OUTPUT platform",
               [{"principal": "alice"}])[0]["platform"] == "Azure-Gov"


def test_a_row_longer_than_the_header_is_an_error_naming_the_row(spl):
    (spl.lookups_dir / "baseline.csv").write_text("principal,platform\na,AWS\nb,GCP,extra\n")
    with pytest.raises(SplError, match="row 3"):
        spl("| inputlookup baseline", [])


def test_collection_records_with_empty_values_and_booleans(spl):
    kv_file(spl).parent.mkdir(parents=True, exist_ok=True)
    kv_file(spl).write_text(json.dumps([{"_key": "1", "principal": "", "platform": [],
                                         "identity": True, "seen": 4}]))
    assert spl("| inputlookup identities", []) == [
        {"_key": "1", "identity": "true", "seen": 4.0}]


def test_types_apply_only_with_enforce_types(make_spl):
    transforms = "[t]\nexternal_type = kvstore\ncollection = c\n"
    typed = make_spl(default={"transforms": transforms, "collections":
                              "[c]\nenforceTypes = true\nfield.n = number\nfield.s = string\n"
                              "field.b = bool\n"})
    typed("search * | outputlookup t", [{"n": "3", "s": 4.0, "b": "yes"}])
    record = json.loads((typed.app_dir / "kvstore" / "c.json").read_text())[0]
    assert (record["n"], record["s"], record["b"]) == (3.0, "4", True)
    loose = make_spl(default={"transforms": transforms,
                              "collections": "[c]\nfield.n = number\n"})
    loose("search * | outputlookup t", [{"n": "3"}])
    assert json.loads((loose.app_dir / "kvstore" / "c.json").read_text())[0]["n"] == "3"


def test_a_star_is_literal_unless_the_field_is_a_wildcard_match(make_spl):
    spl = make_spl(default={"transforms": "[plain]\nfilename = w.csv\n\n[wild]\n"
                                          "filename = w.csv\nmatch_type = WILDCARD(host)\n"},
                   lookups={"w.csv": "host,env,kind\nweb*,prod,web\ndb1,prod,database\n"})
    events = [{"host": "web7", "env": "prod"}, {"host": "web*", "env": "prod"},
              {"host": "web7", "env": "dev"}]
    plain = spl("search * | lookup plain host env OUTPUT kind", events)
    assert [r.get("kind") for r in plain] == [None, "web", None]
    wild = spl("search * | lookup wild host env OUTPUT kind", events)
    assert [r.get("kind") for r in wild] == ["web", "web", None]


def test_outputlookup_keeps_the_table_columns_and_internal_time(make_spl):
    spl = make_spl(default={"transforms": "[t]\nexternal_type = kvstore\ncollection = c\n"})
    rows = spl("search * | table b a _time _raw | outputlookup t",
               [{"a": "1", "b": "2", "_time": 7, "_raw": "x"}])
    assert rows.columns == ["b", "a", "_time", "_raw"]
    record = json.loads((spl.app_dir / "kvstore" / "c.json").read_text())[0]
    assert {k: v for k, v in record.items() if k != "_key"} == {"b": "2", "a": "1",
                                                                "_time": 7.0}


def test_definition_errors_name_the_lookup(make_spl):
    # transforms.conf.spec: a KV store lookup needs `collection`, a file lookup `filename`;
    # external (scripted) lookups default to external_type = python; the Search Reference
    # "lookup" names a lookup by its transforms stanza or its .csv file name.
    from devkit.spl import SplUnsupported

    spl = make_spl(default={"transforms": "[nocoll]\nexternal_type = kvstore\n\n"
                                          "[nofile]\ncase_sensitive_match = true\n\n"
                                          "[geo]\nexternal_type = geo\n\n"
                                          "[script]\nexternal_cmd = x.py a b\n"})
    for query, error, words in (
            ("search * | lookup nocoll a", SplError, ("'nocoll'", "collection")),
            ("search * | lookup nofile a", SplError, ("'nofile'", "filename")),
            ("search * | lookup geo a", SplUnsupported, ("'geo'", "external_type = geo")),
            ("search * | lookup script a", SplUnsupported,
             ("'script'", "external_type = python")),
            ("search * | lookup hosts.csv.gz a", SplUnsupported, ("'hosts.csv.gz'",)),
            ("search * | lookup hosts a", SplError, ("'hosts'", "not defined"))):
        with pytest.raises(error) as raised:
            spl(query, [{"a": "1"}])
        assert all(word in str(raised.value) for word in words), (query, raised.value)


def test_a_csv_file_name_is_a_lookup_of_its_own(make_spl):
    # Search Reference "lookup"/"inputlookup": a .csv file in the lookups folder can be
    # named directly; its matching is case sensitive and outputs every other column.
    spl = make_spl(lookups={"hosts.csv": "host,owner\nweb1,ann\n"})
    rows = spl("search * | lookup hosts.csv host", [{"host": "web1"}, {"host": "WEB1"}])
    assert [r.get("owner") for r in rows] == ["ann", None]
    assert spl("| inputlookup hosts.csv", []) == [{"host": "web1", "owner": "ann"}]


@pytest.mark.parametrize("setting, sensitive", [
    ("1", True), ("true", True), ("TRUE", True), ("t", True), ("yes", True), ("y", True),
    ("0", False), ("false", False), ("f", False), ("no", False)])
def test_case_sensitive_match_boolean_spellings(make_spl, setting, sensitive):
    # transforms.conf.spec: case_sensitive_match = <boolean>; Splunk's booleans accept
    # 1/0, true/false, t/f, yes/no, y/n in any case.
    spl = make_spl(default={"transforms": f"[o]\nfilename = o.csv\n"
                                          f"case_sensitive_match = {setting}\n"},
                   lookups={"o.csv": "host,owner\nweb1,ann\n"})
    rows = spl("search * | lookup o host OUTPUT owner", [{"host": "WEB1"}])
    assert rows[0].get("owner") == (None if sensitive else "ann")


def test_enforce_types_boolean_spellings_and_typed_values(make_spl):
    # collections.conf.spec: enforceTypes = <boolean> (default false); field.<name> =
    # number|bool|string|time; a value that is not a number stays text; multivalue
    # fields are typed value by value.
    transforms = "[t]\nexternal_type = kvstore\ncollection = c\n"
    for spelling in ("t", "yes", "y", "1"):
        spl = make_spl(default={"transforms": transforms, "collections":
                                f"[c]\nenforceTypes = {spelling}\nfield.n = number\n"
                                "field.b = bool\nfield.s = string\nfield.w = time\n"})
        spl("search * | eval m=split(\"1,x\", \",\") | outputlookup t",
            [{"n": "n/a", "b": "TRUE", "s": 7.0, "w": 9.5, "x": 2.0}])
        record = json.loads((spl.app_dir / "kvstore" / "c.json").read_text())[0]
        assert (record["n"], record["b"], record["s"], record["w"], record["x"]) == (
            "n/a", True, "7", 9.5, 2.0), spelling
    for flag in ("1", "true", "t", "yes"):
        spl = make_spl(default={"transforms": transforms, "collections":
                                "[c]\nenforceTypes = true\nfield.b = bool\nfield.n = number\n"})
        spl("search * | eval n=split(\"1,2\", \",\") | outputlookup t", [{"b": flag}])
        record = json.loads((spl.app_dir / "kvstore" / "c.json").read_text())[0]
        assert (record["b"], record["n"]) == (True, [1.0, 2.0]), flag


def test_collection_lists_booleans_and_columns(make_spl):
    # KV store records are JSON: arrays are multivalue fields, false is "false".
    spl = make_spl(default={"transforms": "[t]\nexternal_type = kvstore\ncollection = c\n"})
    path = spl.app_dir / "kvstore" / "c.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([{"b": False, "l": [1, "x"], "_key": "k1"}]))
    rows = spl("| inputlookup t", [])
    assert rows == [{"_key": "k1", "b": "false", "l": [1.0, "x"]}]
    assert isinstance(rows[0]["l"][0], float)     # a JSON number is a number, as in eval
    assert spl("| inputlookup t", []) == rows     # read again, from the cache


def test_unreadable_collection_files_name_the_file(make_spl):
    spl = make_spl(default={"transforms": "[t]\nexternal_type = kvstore\ncollection = c\n"})
    path = spl.app_dir / "kvstore" / "c.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    for text, words in (("{not json", "cannot be read"), ('{"a": 1}', "JSON list")):
        path.write_text(text)
        with pytest.raises(SplError) as raised:
            spl("| inputlookup t", [])
        assert "c.json" in str(raised.value) and words in str(raised.value)


def test_fields_list_keeps_key_and_orders_columns(make_spl):
    # transforms.conf.spec fields_list: the fields of the collection the lookup shows;
    # _key is always a field of a KV store lookup.
    spl = make_spl(default={"transforms": "[t]\nexternal_type = kvstore\ncollection = c\n"
                                          "fields_list = b, a\n"})
    path = spl.app_dir / "kvstore" / "c.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([{"_key": "k", "a": "1", "b": "2", "c": "3"}]))
    rows = spl("| inputlookup t", [])
    assert rows == [{"_key": "k", "a": "1", "b": "2"}]
    assert rows.columns[0] == "_key" and sorted(rows.columns) == ["_key", "a", "b"]


def test_csv_with_bom_blank_lines_empty_cells_and_bad_bytes(make_spl):
    # A CSV lookup file: a UTF-8 byte order mark is not part of the first column's
    # name, blank lines are skipped, an empty cell is a missing value, and bytes that are
    # not UTF-8 do not stop the search.
    spl = make_spl()
    (spl.lookups_dir / "h.csv").write_bytes(
        b"\xef\xbb\xbfhost,owner,team\nweb1,,blue\n\n\nweb2,b\xffn,red\n")
    rows = spl("| inputlookup h.csv", [])
    assert rows == [{"host": "web1", "team": "blue"},
                    {"host": "web2", "owner": "b\ufffdn", "team": "red"}]


def test_unsafe_file_names_are_refused(make_spl):
    spl = make_spl(default={"transforms": "[a]\nfilename = x/y.csv\n\n[b]\nfilename = x\\y.csv\n"
                                          "\n[c]\nfilename = .hidden.csv\n"})
    for name in "abc":
        with pytest.raises(SplError) as raised:
            spl(f"| inputlookup {name}", [])
        assert "unsafe file name" in str(raised.value), name


def test_only_wildcard_fields_match_patterns_and_rows_missing_a_field_are_skipped(make_spl):
    # transforms.conf.spec match_type = WILDCARD(<field>): only the fields named match
    # as patterns; a star in another field is a literal character. A table row without
    # one of the match fields cannot match, and the rows after it still can.
    spl = make_spl(default={"transforms": "[w]\nfilename = w.csv\nmatch_type = WILDCARD(host)\n"
                                          "\n[p]\nfilename = p.csv\n"},
                   lookups={"w.csv": "host,env,kind\nweb*,pr*,literal\nweb*,prod,web\n",
                            "p.csv": "host,kind\n,none\ndb1,database\n"})
    rows = spl("search * | lookup w host env OUTPUT kind", [{"host": "web7", "env": "prod"}])
    assert rows[0]["kind"] == "web"
    rows = spl("search * | lookup p host OUTPUT kind", [{"host": "db1"}])
    assert rows[0]["kind"] == "database"


def test_lookup_errors_name_the_lookup_and_the_setting(make_spl):
    from devkit.spl import SplUnsupported

    spl = make_spl(default={"transforms": "[m]\nfilename = m.csv\nmatch_type = CIDR(ip)\n\n"
                                          "[kv]\nexternal_type = kvstore\ncollection = a/b\n"})
    with pytest.raises(SplUnsupported) as raised:
        spl("search * | lookup m ip", [{"ip": "10.0.0.1"}])
    assert "'CIDR(ip)'" in str(raised.value) and "'m'" in str(raised.value)
    with pytest.raises(SplError) as raised:
        spl("search * | lookup missing.csv ip", [{"ip": "10.0.0.1"}])
    assert "of lookup 'missing.csv'" in str(raised.value)
    with pytest.raises(SplError) as raised:
        spl("search * | lookup kv ip", [{"ip": "10.0.0.1"}])
    assert "'kv'" in str(raised.value)


def test_outputlookup_csv_leaves_internal_fields_out_but_keeps_time(spl):
    # Search Reference "outputlookup": internal fields (starting with _) are not written,
    # except _time.
    spl("search * | outputlookup baseline", [{"principal": "a", "_raw": "x", "_time": 5}])
    written = (spl.lookups_dir / "baseline.csv").read_bytes()
    assert written == b"principal,_time\na,5\n"    # one line per row, Unix line ends


def test_a_multivalue_cell_splits_on_line_breaks_only(make_spl):
    spl = make_spl(lookups={"m.csv": 'k,v\n1,"a b\nc d"\n'})
    assert spl("| inputlookup m.csv", []) == [{"k": "1", "v": ["a b", "c d"]}]


def test_writing_a_collection_drops_only_the_missing_values(spl):
    # A KV store record has no field for a value the result lacks; the result's other
    # fields are still stored.
    spl.engine.write_lookup("identities", [{"principal": None, "platform": "AWS",
                                            "identity": "i"}])
    record = json.loads(kv_file(spl).read_text())[0]
    assert {k: v for k, v in record.items() if k != "_key"} == {"platform": "AWS",
                                                                "identity": "i"}


def test_collection_names_may_mix_case_without_collections_conf(make_spl):
    # collections.conf.spec names collections freely ([<collection-name>]); without a
    # collections.conf only path-safe names are checked, in either case.
    spl = make_spl(default={"transforms": "[t]\nexternal_type = kvstore\ncollection = Ids_2\n"})
    spl("search * | outputlookup t", [{"a": "1"}])
    assert (spl.app_dir / "kvstore" / "Ids_2.json").is_file()


def test_several_input_fields_each_with_or_without_as(spl):
    # Search Reference "lookup": lookup <lookup-table-name> ( <lookup-field> [AS
    # <event-field>] )... [OUTPUT | OUTPUTNEW ( <lookup-destfield> [AS <event-destfield>] )...]
    events = [{"user": "bob", "cloud": "GCP", "platform": "GCP"}]
    rows = spl("search * | lookup baseline principal AS user platform "
               "OUTPUT max_distinct_per_hour as m", events)
    assert rows[0]["m"] == "3"
    rows = spl("search * | lookup baseline principal as user platform AS cloud "
               "OUTPUT max_distinct_per_hour", [{"user": "bob", "cloud": "GCP"}])
    assert rows[0]["max_distinct_per_hour"] == "3"


def test_as_without_a_field_name_is_an_error_at_the_as(spl):
    for query in ("search * | lookup baseline principal AS",
                  "search * | lookup baseline principal OUTPUT platform AS"):
        with pytest.raises(SplError) as raised:
            spl(query, [{"principal": "bob"}])
        assert raised.value.detail == "AS needs a field name"
        assert raised.value.position == len(query) - 2
        assert raised.value.search == "ad hoc"


def test_outputnew_fills_only_the_missing_fields_of_several(spl):
    # Search Reference "lookup": OUTPUTNEW writes an output field only where the event
    # does not have it, field by field.
    rows = spl("search * | lookup baseline principal OUTPUTNEW platform max_distinct_per_hour",
               [{"principal": "bob", "platform": "mine"}])
    assert (rows[0]["platform"], rows[0]["max_distinct_per_hour"]) == ("mine", "3")


def test_output_overwrites_with_an_empty_lookup_value(make_spl):
    # Search Reference "lookup": OUTPUT overwrites the event's field with the lookup's
    # value, even when the matching row has no value for it.
    spl = make_spl(lookups={"o.csv": "host,owner,team\nweb9,,blue\n"})
    rows = spl("search * | lookup o.csv host OUTPUT owner team",
               [{"host": "web9", "owner": "zed"}])
    assert "owner" not in rows[0] and rows[0]["team"] == "blue"


def test_outputlookup_append_to_a_collection_updates_by_key_and_adds(spl):
    # Search Reference "outputlookup": append=true adds the results to a KV store
    # collection; a result whose _key is already in the collection updates that record.
    spl("search * | outputlookup identities", [{"principal": "a", "identity": "1"}])
    key = json.loads(kv_file(spl).read_text())[0]["_key"]
    spl("search * | outputlookup append=true identities",
        [{"_key": key, "principal": "a", "identity": "2"}, {"principal": "b"}])
    records = json.loads(kv_file(spl).read_text())
    assert [(r["principal"], r.get("identity")) for r in records] == [("a", "2"), ("b", None)]
    assert records[0]["_key"] == key and records[1]["_key"] != key


def test_a_wildcard_spans_line_breaks(make_spl):
    # transforms.conf.spec match_type = WILDCARD(<field>): "*" in the table's value
    # matches any run of characters, so a multi-line value (a user agent, a command
    # line) matches too.
    spl = make_spl(default={"transforms": "[w]\nfilename = w.csv\nmatch_type = WILDCARD(cmd)\n"},
                   lookups={"w.csv": "cmd,kind\naws *,cli\n"})
    rows = spl("search * | lookup w cmd OUTPUT kind", [{"cmd": "aws secretsmanager\n--id x"}])
    assert rows[0]["kind"] == "cli"
