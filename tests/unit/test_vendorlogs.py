"""The log readers on what users have: every input is written here, in tmp_path.

The oracle is the records the test wrote (and Python's json module for whole documents):
each case checks that exactly those records come back, in order, and that every problem
is reported with the file (and line) it concerns.
"""

from __future__ import annotations

import gzip
import json

import pytest

from devkit import vendorlogs

ACCOUNT = "111122223333"


def cloudtrail(number: int, minute: int = 0) -> dict:
    return {
        "eventVersion": "1.09", "eventSource": "secretsmanager.amazonaws.com",
        "eventName": "GetSecretValue", "awsRegion": "eu-west-1",
        "eventTime": f"2026-03-01T10:{minute:02d}:{number % 60:02d}Z",
        "eventID": f"event-{number}", "recipientAccountId": ACCOUNT,
        "userIdentity": {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/u{number}"},
        "requestParameters": {"secretId": f"prod/db-{number}"},
    }


def vault(number: int) -> dict:
    return {"time": f"2026-03-01T09:00:{number % 60:02d}.000000Z", "type": "response",
            "auth": {"display_name": f"user-{number}"}, "request": {"id": f"req-{number}",
                                                                    "path": "secret/data/x"}}


def ids(records) -> list:
    return [r.get("eventID") or r.get("request", {}).get("id") for r in records]


def read(*paths, progress=None):
    report = vendorlogs.ReadReport()
    events = vendorlogs.read_events(list(paths), report=report, progress=progress)
    return events, report


def raw_records(events) -> list:
    return [json.loads(event["_raw"]) for event in events]


def test_s3_synced_cloudtrail_tree_is_read_recursively_and_digests_are_skipped(tmp_path):
    trail = tmp_path / "AWSLogs" / ACCOUNT / "CloudTrail" / "eu-west-1" / "2026" / "03"
    day1, day2 = trail / "01", trail / "02"
    for day in (day1, day2):
        day.mkdir(parents=True)
    name = f"{ACCOUNT}_CloudTrail_eu-west-1_20260301T1005Z_a1b2c3.json.gz"
    first = [cloudtrail(n, minute=5) for n in range(3)]
    second = [cloudtrail(n, minute=1) for n in range(3, 5)]
    (day1 / name).write_bytes(gzip.compress(json.dumps({"Records": first}).encode()))
    (day2 / name.replace("0301", "0302")).write_bytes(
        gzip.compress(json.dumps({"Records": second}).encode()))
    digest_dir = tmp_path / "AWSLogs" / ACCOUNT / "CloudTrail-Digest" / "eu-west-1" / "2026"
    digest_dir.mkdir(parents=True)
    digest = digest_dir / f"{ACCOUNT}_CloudTrail-Digest_eu-west-1_trail_eu-west-1_20260301.json.gz"
    digest.write_bytes(gzip.compress(json.dumps({"awsAccountId": ACCOUNT,
                                                 "logFiles": []}).encode()))

    events, report = read(tmp_path / "AWSLogs")

    # Sorted by _time: day 2's 10:01 events come before day 1's 10:05 events.
    assert ids(raw_records(events)) == ids(second + first)
    assert report.files == 2 and report.records == 5
    assert report.skipped == 1
    assert str(digest) in report.skipped_files[0]
    assert "digest" in report.skipped_files[0]
    assert any(str(digest) in line for line in report.lines())


def test_a_digest_named_outside_a_digest_folder_is_skipped_too(tmp_path):
    digest = tmp_path / f"{ACCOUNT}_CloudTrail-Digest_eu-west-1_x_20260301T000000Z.json"
    digest.write_text(json.dumps({"digestStartTime": "2026-03-01T00:00:00Z"}))
    events, report = read(digest)
    assert events == [] and report.skipped == 1 and report.files == 0


@pytest.mark.parametrize("key", ["Records", "records"])
def test_wrapper_documents_one_per_line(tmp_path, key):
    batches = [[cloudtrail(1), cloudtrail(2)], [cloudtrail(n) for n in range(10, 13)]]
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps({key: batch}) + "\n" for batch in batches))
    events, report = read(path)
    expected = batches[0] + batches[1]
    assert sorted(ids(raw_records(events))) == sorted(ids(expected))
    assert report.records == 5 and report.problems == 0


def test_broken_record_at_line_1133_is_reported_there_and_the_rest_is_read(tmp_path):
    lines = [json.dumps(vault(n)) for n in range(1500)]
    lines[1132] = lines[1132][:40] + '"oops" ' + lines[1132][40:]  # line 1,133
    broken = tmp_path / "vault_audit.log"
    broken.write_text("\n".join(lines) + "\n")
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"Records": [cloudtrail(7)]}))

    events, report = read(broken, other)

    assert report.broken == 1
    assert report.broken_records[0].startswith(f"{broken}:1133: ")
    assert len(events) == 1500  # 1,499 from the broken file, 1 from the other
    read_ids = set(ids(raw_records(events)))
    assert "req-1132" not in read_ids and {"req-1131", "req-1133", "event-7"} <= read_ids
    assert any(f"{broken}:1133" in line for line in report.lines())


def test_broken_record_inside_a_one_line_cloudtrail_file_gives_line_and_offset(tmp_path):
    records = [json.dumps(cloudtrail(n)) for n in range(5)]
    records[2] = records[2].replace('"eventName"', '"eventName" "x"', 1)
    text = '{"Records":[' + ",".join(records) + "]}"
    path = tmp_path / "trail.json"
    path.write_text(text)

    events, report = read(path)

    assert ids(raw_records(events)) == ["event-0", "event-1", "event-3", "event-4"]
    offset = text.index(records[2])
    assert report.broken_records == [
        f"{path}:1 (offset {offset:,}): entry 3 of Records: not JSON "
        "(Expecting ':' delimiter)"]


def test_broken_record_in_a_pretty_printed_document_is_skipped_by_its_brackets(tmp_path):
    records = [cloudtrail(n) for n in range(4)]
    text = json.dumps({"Records": records}, indent=2)
    broken = text.replace('"event-1",', '"event-1"', 1)  # a missing comma inside entry 2
    path = tmp_path / "pretty.json"
    path.write_text(broken)

    events, report = read(path)

    assert ids(raw_records(events)) == ["event-0", "event-2", "event-3"]
    entry_line = broken[:broken.index('"event-1"')].count("\n") + 1
    assert report.broken == 1
    # The entry starts some lines above its eventID; the line named is within it.
    line = int(report.broken_records[0].split(":")[1].split(" ")[0])
    assert entry_line - len(json.dumps(records[1], indent=2).splitlines()) < line <= entry_line


def test_truncated_gzip_is_reported_and_what_was_read_is_kept(tmp_path):
    records = [cloudtrail(n) for n in range(2000)]
    data = gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(data[: len(data) // 2])

    events, report = read(path)

    assert 0 < len(events) < 2000
    # What was kept is exactly the records before the cut, in file order.
    assert sorted(ids(raw_records(events))) == sorted(ids(records[: len(events)]))
    assert len(report.damaged_files) == 1
    assert report.damaged_files[0].startswith(f"{path}: gzip data ends early")
    assert report.broken <= 1  # the record the cut went through
    assert any(str(path) in line and "truncated" in line for line in report.lines())


def test_gzip_is_recognised_by_its_bytes_whatever_the_name(tmp_path):
    path = tmp_path / "no_extension"
    path.write_bytes(gzip.compress(json.dumps(vault(1)).encode()))
    events, report = read(path)
    assert ids(raw_records(events)) == ["req-1"] and report.problems == 0


def test_latin1_file_has_its_invalid_bytes_replaced_counted_and_reported(tmp_path):
    records = [{**vault(n), "auth": {"display_name": "José Müller"}} for n in range(3)]
    path = tmp_path / "latin1.log"
    path.write_bytes("".join(json.dumps(r, ensure_ascii=False) + "\n"
                             for r in records).encode("latin-1"))

    events, report = read(path)

    assert len(events) == 3
    assert raw_records(events)[0]["auth"]["display_name"] == "Jos\ufffd M\ufffdller"
    assert report.invalid_bytes_by_file == {str(path): 6}  # é and ü, three times
    assert any(str(path) in line and "6 bytes" in line for line in report.lines())


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_byte_order_marks_are_honoured(tmp_path, encoding):
    path = tmp_path / f"{encoding}.json"
    path.write_bytes(json.dumps({"Records": [cloudtrail(1)]}).encode(encoding))
    events, report = read(path)
    assert ids(raw_records(events)) == ["event-1"] and report.problems == 0


def test_folder_with_a_readme_skips_it_by_name_and_reads_the_logs(tmp_path):
    (tmp_path / "README.txt").write_text("These are the exports of March.\n")
    (tmp_path / "vault.log").write_text(json.dumps(vault(1)) + "\n")
    (tmp_path / "empty.json").write_text("")

    events, report = read(tmp_path)

    assert ids(raw_records(events)) == ["req-1"]
    assert report.skipped == 2
    readme = next(e for e in report.skipped_files if "README.txt" in e)
    assert readme.startswith(f"{tmp_path / 'README.txt'}: not a log file")


def test_non_object_entries_are_counted_and_reported(tmp_path):
    path = tmp_path / "mixed.json"
    text = json.dumps({"Records": [cloudtrail(1), 42, "text", None, cloudtrail(2)]})
    path.write_text(text)

    events, report = read(path)

    assert ids(raw_records(events)) == ["event-1", "event-2"]
    assert report.non_object_entries == 3
    assert report.non_objects[0] == (
        f"{path}:1 (offset {text.index(', 42') + 2:,}): entry 2 of Records is a number")
    assert any("entry 4 of Records is null" in line for line in report.lines())


def test_json_array_and_single_object_files(tmp_path):
    array = tmp_path / "array.json"
    array.write_text(json.dumps([cloudtrail(1), cloudtrail(2)], indent=1))
    single = tmp_path / "single.json"
    single.write_text(json.dumps(cloudtrail(3), indent=4))
    events, report = read(array, single)
    assert sorted(ids(raw_records(events))) == ["event-1", "event-2", "event-3"]
    assert report.problems == 0


@pytest.mark.parametrize("block", [1, 3, 7, 64])
def test_records_cut_by_the_read_window_are_read_whole(tmp_path, monkeypatch, block):
    """Block boundaries fall inside strings, numbers, literals and keys: nothing changes."""
    monkeypatch.setattr(vendorlogs, "BLOCK", block)
    records = [{**cloudtrail(n), "flag": n % 2 == 0, "none": None, "ratio": -1.5e-3 * n,
                "names": ["a\\\"b", "ünï"]} for n in range(30)]
    text = json.dumps({"Records": records})
    path = tmp_path / "trail.json"
    path.write_text(text)
    events, report = read(path)
    assert raw_records(events) == json.loads(text)["Records"]
    assert report.problems == 0


def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path):
    with pytest.raises(vendorlogs.LogPathError, match="no-such-folder"):
        read(tmp_path / "no-such-folder")


def test_progress_is_printed_when_reading_takes_long(tmp_path, monkeypatch, capsys):
    import sys

    monkeypatch.setattr(vendorlogs, "PROGRESS_AFTER", 0.0)
    path = tmp_path / "vault.log"
    path.write_text(json.dumps(vault(1)) + "\n")
    read(path, progress=sys.stderr)
    err = capsys.readouterr().err
    assert err.startswith("reading: ") and "of 1 files" in err and str(path) in err


def test_report_lines_cap_long_lists(tmp_path):
    path = tmp_path / "broken.log"
    path.write_text("".join('{"broken": }\n' for _ in range(50)))
    _events, report = read(path)
    assert report.broken == 50
    lines = report.lines()
    assert lines[0] == "read 0 records from 1 files, 50 broken records skipped"
    assert lines[-1] == "  ... and 30 more broken records"


def test_to_event_keeps_its_names():
    event = vendorlogs.to_event(cloudtrail(1), "s3://bucket/key.json.gz")
    assert event["eventName"] == "GetSecretValue"
    assert event["userIdentity.arn"] == f"arn:aws:iam::{ACCOUNT}:user/u1"
    assert event["_time"] == "1772359201.000"
    assert event["source"] == "s3://bucket/key.json.gz"


def test_reading_holds_a_window_not_the_file(tmp_path):
    """A one-line CloudTrail file of 8 MB is read with a few MB at most (the old reader
    held the whole text and the whole parsed document: several times the file)."""
    import tracemalloc

    record = json.dumps(cloudtrail(1))
    count = 8 * 2**20 // len(record)
    path = tmp_path / "big.json"
    path.write_text('{"Records":[' + ",".join([record] * count) + "]}")
    tracemalloc.start()
    try:
        read = sum(1 for _ in vendorlogs.read_records(path))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert read == count
    assert peak < 6 * vendorlogs.BLOCK  # the window and a block being decoded (3 MB seen)


# -- The time of an event: every field the vendors use (issue 18) ----------------------


@pytest.mark.parametrize(("record", "expected"), [
    ({"eventTime": "2026-03-01T10:00:00Z"}, "2026-03-01T10:00:00"),  # CloudTrail
    ({"timestamp": "2026-03-01T10:00:00.123456789Z",  # Cloud Audit Logs: the event time,
      "receiveTimestamp": "2026-03-01T10:00:02Z"}, "2026-03-01T10:00:00"),  # not receipt
    ({"receiveTimestamp": "2026-03-01T10:00:02Z"}, "2026-03-01T10:00:02"),
    ({"time": "2026-03-01T10:00:00.0000000Z"}, "2026-03-01T10:00:00"),  # Azure, Vault
    # Azure Activity log records from the REST API (learn.microsoft.com, "Activity Logs -
    # List": eventTimestamp, and submissionTimestamp when the record was stored).
    ({"eventTimestamp": "2026-03-01T10:00:00.1234567Z",
      "submissionTimestamp": "2026-03-01T10:03:00Z"}, "2026-03-01T10:00:00"),
    ({"submissionTimestamp": "2026-03-01T10:03:00Z"}, "2026-03-01T10:03:00"),
    ({"data": {"timestamp": "2026-03-01T10:00:00Z"}}, "2026-03-01T10:00:00"),  # Pub/Sub
    ({"body": {"time": "2026-03-01T11:00:00+01:00"}}, "2026-03-01T10:00:00"),  # Event Hub
    ({"time": "yesterday", "eventTimestamp": "2026-03-01T10:00:00Z"}, "2026-03-01T10:00:00"),
])
def test_the_event_time_comes_from_the_vendors_own_field(record, expected):
    from datetime import datetime, timezone

    moment = vendorlogs.record_time(record)
    assert datetime.fromtimestamp(int(moment), timezone.utc).isoformat() == expected + "+00:00"


@pytest.mark.parametrize("record", [
    {"message": "no time at all"}, {"time": "2026-13-01T10:00:00Z"}, {"eventTime": 1772359200},
    {"timestamp": ""}, {"data": "2026-03-01T10:00:00Z"}])
def test_a_record_without_a_readable_time_has_none(record):
    assert vendorlogs.record_time(record) is None


def test_undated_records_are_reported_with_their_line_and_skipped(tmp_path):
    lines = tmp_path / "vault.log"
    lines.write_text(json.dumps(vault(1)) + "\n" + json.dumps({"type": "response"}) + "\n"
                     + json.dumps(vault(2)) + "\n")
    trail = tmp_path / "trail.json"  # one line: the offset tells the records apart
    trail.write_text(json.dumps({"Records": [cloudtrail(1), {"eventName": "x"}]}))
    events, report = read(lines, trail)
    assert sorted(ids(raw_records(events))) == ["event-1", "req-1", "req-2"]
    assert len(report.undated_records) == 2
    assert report.undated_records[0].startswith(f"{lines}:2: ")
    offset = len('{"Records": [') + len(json.dumps(cloudtrail(1))) + len(", ")
    assert report.undated_records[1].startswith(f"{trail}:1 (offset {offset:,}): ")
    assert any("without a time" in line for line in report.lines())


SHAPES = {
    "wrapper.json": json.dumps({"Records": [cloudtrail(1), cloudtrail(2)]}),
    "both-wrappers.json": json.dumps({"Records": [cloudtrail(1)], "records": [cloudtrail(2)]}),
    "wrapper-later.json": json.dumps({"version": 2, "Records": [cloudtrail(3)]}),
    "array.json": json.dumps([cloudtrail(4), {"Records": [cloudtrail(5)]}], indent=2),
    "object.json": json.dumps(cloudtrail(6), indent=2),
    "lines.jsonl": "\n".join(json.dumps(vault(n)) for n in range(3)) + "\n\n",
    "wrapped-lines.json": "\n".join(json.dumps({"records": [vault(n)]}) for n in range(2)),
    "broken.jsonl": json.dumps(vault(1)) + "\n{not json\n" + json.dumps(vault(2)) + "\n",
    "not-object.json": json.dumps({"Records": [cloudtrail(7), 42]}),
}


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_a_small_file_read_in_one_go_gives_what_the_careful_reader_gives(tmp_path, name,
                                                                        monkeypatch):
    path = tmp_path / name
    path.write_text(SHAPES[name])
    fast_report = vendorlogs.ReadReport()
    fast = list(vendorlogs.read_located(path, fast_report))
    monkeypatch.setattr(vendorlogs, "WHOLE_FILE_LIMIT", 0)  # every file read carefully
    careful_report = vendorlogs.ReadReport()
    careful = list(vendorlogs.read_located(path, careful_report))
    assert [record for record, _line, _offset in fast] == [r for r, _l, _o in careful]
    assert fast_report == careful_report
    for (_record, line, offset), (_r, careful_line, careful_offset) in zip(fast, careful):
        assert line in (0, careful_line) and (line == 0 or offset == careful_offset)
