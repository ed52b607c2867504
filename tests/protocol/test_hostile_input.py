"""Bad input over protocol v2: nothing lost, nothing changed, nothing hangs.

Every hostile record must come back with its input fields unchanged (in selected-fields
mode splunkd keeps them; in all-fields mode the command repeats them byte for byte),
the search must go on, and a broken stream must end the process within seconds.
"""

from __future__ import annotations

import json
import random
import time

import pytest

from cloud_secrets.schema import OUTPUT_FIELDS
from devkit import scp, synthetic
from devkit.splunkd import CommandProcess, run_command

CLOUDTRAIL = {"eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue",
              "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/a"}}
MEGABYTE = 1024 * 1024

HOSTILE = [
    ("truncated json in _raw", {"_raw": json.dumps(CLOUDTRAIL)[:-17]}),
    ("deeply nested arrays in _raw", {"_raw": "[" * 100_000 + "]" * 100_000}),
    ("deeply nested objects in _raw", {"_raw": '{"a":' * 20_000 + "1" + "}" * 20_000}),
    ("megabyte _raw", {"_raw": json.dumps({**CLOUDTRAIL, "pad": "x" * MEGABYTE})}),
    ("megabyte extracted field", {"eventSource": "secretsmanager.amazonaws.com",
                                  "userIdentity.type": "IAMUser",
                                  "userIdentity.arn": "arn:" + "y" * MEGABYTE}),
    ("invalid utf-8 bytes", {"_raw": "\udcff\udcfe broken \udcc3(", "host": "h\udce9",
                             "eventSource": "secretsmanager.amazonaws.com",
                             "eventName": "GetSecret\udcffValue"}),
    ("nul characters", {"_raw": "a\x00b", "eventName": "Get\x00Secret",
                        "eventSource": "secretsmanager.amazonaws.com"}),
    ("number where text was expected", {"_raw": json.dumps(
        {"eventSource": 5, "eventName": 7.5, "userIdentity": "IAMUser", "errorCode": True})}),
    ("multivalue eventName", {"eventSource": "secretsmanager.amazonaws.com",
                              "eventName": ["GetSecretValue", "DeleteSecret"],
                              "userIdentity.type": "IAMUser",
                              "userIdentity.arn": ["arn:aws:iam::1:user/a", "arn:x"]}),
    ("fields of two platforms", {"eventSource": "secretsmanager.amazonaws.com",
                                 "userIdentity.type": "Root", "userIdentity.accountId": "1",
                                 "protoPayload.methodName": "AccessSecretVersion",
                                 "operationName": "SecretGet", "category": "AuditEvent",
                                 "request.path": "secret/data/x", "type": "response"}),
    ("csv metacharacters", {"eventSource": "ssm.amazonaws.com", "eventName": "GetParameters",
                            "userIdentity.type": "IAMUser", "userIdentity.arn": 'a,"b"\r\nc',
                            "requestParameters.names{}": ['$x$', '"y",\n', '$$;$'],
                            "requestParameters.withDecryption": "true"}),
    ("empty record", {}),
]


@pytest.mark.parametrize("selected", [True, False], ids=["selected fields", "all fields"])
@pytest.mark.parametrize("record", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_record_comes_back_unchanged(command, record, selected):
    neighbours = [{"_raw": json.dumps(CLOUDTRAIL), "n": "before"}, record,
                  {"_raw": json.dumps(CLOUDTRAIL), "n": "after"}]
    result = run_command(command, [neighbours, []], selected_fields=selected, timeout=120)
    assert result.returncode == 0 and result.errors == [], result.stderr[-2000:]
    assert len(result.records) == 3
    for sent, returned in zip(neighbours, result.records):
        assert {k: returned[k] for k in sent if k not in OUTPUT_FIELDS} == {
            k: v for k, v in sent.items() if k not in OUTPUT_FIELDS}
        assert set(OUTPUT_FIELDS) <= set(returned)
    assert [r["platform"] for r in (result.records[0], result.records[2])] == ["AWS", "AWS"]


def test_ten_thousand_record_chunks_with_every_seventh_broken(command):
    rng = random.Random(7)
    batches = []
    for number in range(3):
        events = synthetic.cloudtrail_events(10_000, seed=number)
        for position in range(0, 10_000, 7):
            events[position] = synthetic.hostile_event(rng, number * 10_000 + position)
        batches.append(events)
    result = run_command(command, batches, timeout=600)
    assert result.returncode == 0 and result.errors == [], result.stderr[-2000:]
    sent = [record for batch in batches for record in batch]
    assert len(result.records) == len(sent) == 30_000
    for before, after in zip(sent, result.records):
        assert {k: after[k] for k in before if k not in OUTPUT_FIELDS} == {
            k: v for k, v in before.items() if k not in OUTPUT_FIELDS}
    healthy = [r for i, r in enumerate(result.records) if i % 10_000 % 7]
    assert {r["platform"] for r in healthy} == {"AWS"}


def test_ragged_rows_still_get_one_reply_each(command):
    process = CommandProcess(command, timeout=60)
    process.send(scp.encode_chunk(scp.getinfo(dispatch_dir=process.dispatch_dir.name)))
    assert process.receive()[0]["type"] == "streaming"
    body = ("eventSource,eventName,host,__mv_eventSource\n"
            "secretsmanager.amazonaws.com,GetSecretValue,h1,\n"
            "secretsmanager.amazonaws.com\n"
            "ssm.amazonaws.com,GetParameter,h3,,surplus,cells\n")
    process.send(scp.encode_chunk({"action": "execute", "finished": True}, body))
    metadata, reply = process.receive()
    returncode, _ = process.finish()
    records = scp.decode_records(reply)
    assert [r.get("host", "") for r in records] == ["h1", "", "h3"]
    assert [r["platform"] for r in records] == ["AWS", "AWS", "AWS"]
    assert metadata.get("finished") is True and returncode == 0


def _getinfo_then(command, data: bytes):
    """Send getinfo, then raw bytes and end the input, as a dying splunkd would.

    Returns (seconds until the process ended, its last reply, its return code, whether
    the watchdog had to kill it).
    """
    process = CommandProcess(command, timeout=60)
    process.send(scp.encode_chunk(scp.getinfo(dispatch_dir=process.dispatch_dir.name)))
    process.receive()
    process.send(data)
    started = time.monotonic()
    process.process.stdin.close()
    reply = process.receive()
    returncode, _stderr = process.finish(wait=20)
    return time.monotonic() - started, reply, returncode, process.timed_out


BROKEN_STREAMS = [
    ("cut inside a chunk body",
     scp.encode_chunk({"action": "execute", "finished": False},
                      scp.encode_records([{"eventName": "x" * 5000}] * 20))[:-3000]),
    ("cut inside the metadata", b'chunked 1.0,40,10\n{"action":"exec'),
    ("garbage chunk header", b"GET / HTTP/1.1\r\nHost: splunkd\r\n\r\n"),
    ("header with absurd lengths", b"chunked 1.0,99999999999999,99999999999999\n{}"),
    ("metadata that is not json", b"chunked 1.0,9,0\nnot-json!"),
]


@pytest.mark.parametrize("data", [b[1] for b in BROKEN_STREAMS], ids=[b[0] for b in BROKEN_STREAMS])
def test_a_broken_stream_ends_the_process_within_seconds(command, data):
    seconds, reply, returncode, killed = _getinfo_then(command, data)
    assert not killed and seconds < 10 and returncode == 1
    metadata, body = reply  # a clear answer for a splunkd that still listens
    assert metadata["finished"] is True and body == b""
    assert [level for level, _ in metadata["inspector"]["messages"]] == ["ERROR"]


def test_a_garbage_header_after_good_chunks_ends_the_process(command):
    good = scp.encode_chunk({"action": "execute", "finished": False},
                            scp.encode_records([{"_raw": json.dumps(CLOUDTRAIL)}]))
    process = CommandProcess(command, timeout=60)
    process.send(scp.encode_chunk(scp.getinfo(dispatch_dir=process.dispatch_dir.name)))
    process.receive()
    process.send(good)
    metadata, body = process.receive()
    assert scp.decode_records(body)[0]["platform"] == "AWS" and not metadata.get("finished")
    process.send(b"\x00\x01\x02 not a chunk header\n")
    error = process.receive()
    returncode, _ = process.finish(wait=20)
    assert returncode == 1 and not process.timed_out
    messages = error[0]["inspector"]["messages"] if error else []
    assert any("Failed to parse transport header" in text for _, text in messages)
