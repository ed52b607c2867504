"""devkit/indexer.py: each record gets the sourcetype and index the app's source macro names.

Oracle: shared/spec/replay.md, "The events" (first `sourcetype=` value without wildcards,
else the platform's default sourcetype; first `index=` value, else `main`), and the vendor
record shapes of devkit/scenarios.py (which follow the vendors' documentation).
"""

from __future__ import annotations

import json

from devkit import indexer, scenarios
from devkit.scenarios import START

DEFAULT_MACROS = {
    "cloud_secrets_aws_sources": "sourcetype=aws:cloudtrail",
    "cloud_secrets_gcp_sources":
        "(sourcetype=google:gcp:pubsub:message OR sourcetype=google:gcp:pubsub:audit:*)",
    "cloud_secrets_azure_sources": "(sourcetype=mscs:azure:eventhub OR "
                                   "sourcetype=azure:monitor:resource OR "
                                   "sourcetype=azure:monitor:activity)",
    "cloud_secrets_vault_sources": "sourcetype=hashicorp_vault_audit_log",
}


def test_each_vendor_shape_is_recognised():
    vault_request, _response = scenarios.vault_call(START, "app", "read", "secret/data/x")
    records = {
        "AWS": scenarios.aws_get_secret(START, scenarios.aws_user("dana"), "prod/db"),
        "GCP": scenarios.gcp_access(START, "dana@example.com", "prod-7", "db"),
        "Azure": scenarios.azure_call(START, scenarios.azure_app("o", "a"), "SecretGet", "kv",
                                      "db"),
        "Vault": vault_request,
    }
    assert {p: indexer.guess_platform(r) for p, r in records.items()} == {
        p: p for p in records}
    # Pub/Sub and Event Hub inputs wrap the record.
    assert indexer.guess_platform({"data": records["GCP"]}) == "GCP"
    assert indexer.guess_platform({"body": records["Azure"]}) == "Azure"
    assert indexer.guess_platform({"category": "Administrative", "resourceId": "/x",
                                   "operationName": {"value": "X"}}) == "Azure activity"
    assert indexer.guess_platform({"message": "hello"}) is None


def test_targets_follow_the_default_source_macros():
    targets = indexer.targets(DEFAULT_MACROS)
    assert {p: (t.sourcetype, t.index) for p, t in targets.items()} == {
        "AWS": ("aws:cloudtrail", "main"), "GCP": ("google:gcp:pubsub:message", "main"),
        "Azure": ("mscs:azure:eventhub", "main"),
        "Azure activity": ("mscs:azure:eventhub", "main"),
        "Vault": ("hashicorp_vault_audit_log", "main"),
        "Unrecognised": ("_json", "main")}


def test_targets_follow_a_users_macros_with_index_quotes_wildcards_and_nesting():
    macros = {
        "cloud_secrets_aws_sources": 'index="aws_prod" sourcetype="aws:cloudtrail:custom"',
        "cloud_secrets_gcp_sources": "index=gcp* OR index=gcp_audit sourcetype=google:*",
        "cloud_secrets_azure_sources": "`my_azure`",
        "my_azure": "(index=azure sourcetype=azure:monitor:*)",
    }  # no Vault macro at all
    targets = indexer.targets(macros)
    assert (targets["AWS"].sourcetype, targets["AWS"].index) == ("aws:cloudtrail:custom",
                                                                "aws_prod")
    assert (targets["GCP"].sourcetype, targets["GCP"].index) == ("google:gcp:pubsub:message",
                                                                "gcp_audit")
    assert (targets["Azure"].sourcetype, targets["Azure"].index) == ("mscs:azure:eventhub",
                                                                    "azure")
    assert targets["Azure activity"].sourcetype == "azure:monitor:activity"
    assert (targets["Vault"].sourcetype, targets["Vault"].index) == (
        "hashicorp_vault_audit_log", "main")


def test_index_files_adds_what_the_inputs_add(tmp_path):
    identity = scenarios.aws_user("dana")
    trail = tmp_path / "trail.json"
    trail.write_text(json.dumps({"Records": [
        scenarios.aws_get_secret(START + 60, identity, "b"),
        scenarios.aws_get_secret(START, identity, "a"),
        {"eventTime": "2026-06-02T09:00:30Z", "note": "not a CloudTrail shape"}]}))
    other = tmp_path / "notes.jsonl"
    other.write_text('{"time": "2026-06-02T09:00:10Z", "msg": "hello"}\n')
    logs = indexer.index_files([trail, other], DEFAULT_MACROS, lag=480, host="hf-01")
    assert [e["_time"] for e in logs.events] == [START, START + 10, START + 30, START + 60]
    assert all(e["_indextime"] == e["_time"] + 480 and e["host"] == "hf-01"
               for e in logs.events)
    assert [e["sourcetype"] for e in logs.events] == [
        "aws:cloudtrail", "_json", "aws:cloudtrail", "aws:cloudtrail"]
    assert logs.events[0]["source"] == str(trail) and logs.events[0]["index"] == "main"
    assert logs.events[0]["eventName"] == "GetSecretValue"  # KV_MODE=json fields
    assert dict(logs.per_file[str(trail)]) == {"AWS": 3}
    assert dict(logs.per_file[str(other)]) == {"Unrecognised": 1}


def test_files_that_are_not_logs_are_left_out_and_reported(tmp_path):
    """A README beside the logs is not indexed as a file of no records: the readers'
    report names it, and the trail beside it is indexed as usual."""
    trail = tmp_path / "trail.json"
    trail.write_text(json.dumps({"Records": [
        scenarios.aws_get_secret(START, scenarios.aws_user("dana"), "prod/db")]}))
    readme = tmp_path / "README.txt"
    readme.write_text("These are the exports of March.\n")
    logs = indexer.index_files([readme, trail], DEFAULT_MACROS)
    assert list(logs.per_file) == [str(trail)]
    assert [e["source"] for e in logs.events] == [str(trail)]
    assert any(entry.startswith(f"{readme}: not a log file") for entry in logs.report.skipped_files)


def test_the_shape_guess_agrees_with_the_corpus_expectations(shared):
    """Every record of the shared corpus whose platform is known (tests/data/
    corpus_expectations.csv, written from the vendors' documentation) gets that platform's
    sourcetype."""
    import csv
    from pathlib import Path

    from devkit import vendorlogs

    expectations = Path(__file__).resolve().parents[1] / "data" / "corpus_expectations.csv"
    with expectations.open(newline="") as handle:
        expected = {(row["file"], int(row["record"])): row["platform"]
                    for row in csv.DictReader(handle) if row["platform"] != "Unknown"}
    guessed = {}
    for name in {file for file, _record in expected}:
        records = vendorlogs.read_records(shared / "corpus" / name)
        for number, record in enumerate(records, start=1):
            guess = indexer.guess_platform(record)
            guessed[(name, number)] = "Azure" if guess == "Azure activity" else guess
    assert expected and {key: guessed.get(key) for key in expected} == expected


def test_records_no_search_can_use_are_counted_not_kept(tmp_path):
    """With a test (Engine.event_test in a replay), only the events it accepts are kept;
    every record read is still counted per file and bounds the span."""
    identity = scenarios.aws_user("dana")
    trail = tmp_path / "trail.json"
    trail.write_text(json.dumps({"Records": [
        scenarios.aws_get_secret(START, identity, "a"),
        scenarios.aws_call(START + 30, identity, "DescribeInstances", source="ec2.amazonaws.com"),
        scenarios.aws_get_secret(START + 60, identity, "b")]}))
    asked = []

    def secrets_only(event):
        asked.append(sorted(event))  # the event as a search sees it
        return "secretsmanager" in event["_raw"]

    logs = indexer.index_files([trail], DEFAULT_MACROS, lag=30, host="hf", keep=secrets_only)
    assert [e["eventName"] for e in logs.events] == ["GetSecretValue", "GetSecretValue"]
    assert logs.records == 3 and dict(logs.per_file[str(trail)]) == {"AWS": 3}
    assert logs.bounds == (START, START + 60, START + 90)
    assert all({"_raw", "_time", "_indextime", "sourcetype", "index", "source", "host",
                "eventName"} <= set(names) for names in asked)


def test_earliest_and_latest_keep_a_part_of_the_logs(tmp_path):
    identity = scenarios.aws_user("dana")
    trail = tmp_path / "trail.json"
    trail.write_text(json.dumps({"Records": [
        scenarios.aws_get_secret(START + 60 * n, identity, f"s{n}") for n in range(10)]}))
    logs = indexer.index_files([trail], DEFAULT_MACROS, earliest=START + 120,
                               latest=START + 300)
    assert [e["_time"] for e in logs.events] == [START + 120, START + 180, START + 240]
    assert (logs.records, logs.out_of_range) == (3, 7)


def test_a_record_without_a_time_is_reported_and_never_dated_1970(tmp_path):
    """Issue 18: two Azure Activity-log records in the REST shape (eventTimestamp) made a
    262-event replay 56 years long: they are now dated, and a record with no time at all
    is reported with its line and skipped."""
    activity = tmp_path / "activity.json"
    rest = {"eventTimestamp": "2026-06-02T09:00:05.1234567Z",
            "submissionTimestamp": "2026-06-02T09:01:00Z",
            "operationName": {"value": "Microsoft.KeyVault/vaults/write"},
            "category": {"value": "Administrative"}, "resourceId": "/subscriptions/x"}
    undated = {key: value for key, value in rest.items()
               if key not in ("eventTimestamp", "submissionTimestamp")}
    activity.write_text(json.dumps(rest) + "\n" + json.dumps(undated) + "\n")
    logs = indexer.index_files([activity], DEFAULT_MACROS)
    assert [e["_time"] for e in logs.events] == [START + 5.1234567]
    assert logs.bounds[0] == logs.bounds[1] == START + 5.1234567
    (entry,) = logs.report.undated_records
    assert entry.startswith(f"{activity}:2: ")
