"""Execute chunks over protocol v2: every record back, in order, inputs unchanged."""

from __future__ import annotations

import importlib.util
import io
import json

import pytest

from cloud_secrets.schema import OUTPUT_FIELDS
from devkit import scp
from devkit.splunkd import merge_reply, run_command, select_fields, splunk_event

CLOUDTRAIL = {
    "eventTime": "2025-05-01T10:00:00Z", "eventSource": "ssm.amazonaws.com",
    "eventName": "GetParameters", "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
    "sourceIPAddress": "198.51.100.1", "userAgent": "Boto3/1.34",
    "userIdentity": {"type": "AssumedRole", "accountId": "111122223333",
                     "arn": "arn:aws:sts::111122223333:assumed-role/app/i-0abc",
                     "sessionContext": {"sessionIssuer": {
                         "arn": "arn:aws:iam::111122223333:role/app", "userName": "app"}}},
    "requestParameters": {"names": ["/prod/a", "/prod/b"], "withDecryption": True},
}
KEY_VAULT = {
    "time": "2025-05-01T10:00:01Z", "operationName": "SecretGet", "category": "AuditEvent",
    "resourceId": "/SUBSCRIPTIONS/S1/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/KV1",
    "resultType": "Success", "callerIpAddress": "192.0.2.5",
    "identity": {"claim": {"oid": "OID-1", "appid": "APP-1"}},
    "properties": {"id": "https://kv1.vault.azure.net/secrets/api/1", "httpStatusCode": 200},
}


def events():
    """A mixed batch: extracted fields, body./data. prefixes, _raw only, an add-on alias.

    Fields come from the splunkd emulator's JSON extraction, not the command's.
    """
    cloudtrail = splunk_event(json.dumps(CLOUDTRAIL), source="s3://trail/file.json.gz",
                              host="hf-1", sourcetype="aws:cloudtrail", user="ta-alias")
    event_hub = splunk_event(json.dumps({"body": KEY_VAULT}), sourcetype="mscs:azure:eventhub")
    raw_only = {"_raw": json.dumps(CLOUDTRAIL), "sourcetype": "aws:cloudtrail"}
    syslog = {"_raw": "Nov 29 10:00:00 host sshd[1]: Accepted publickey", "sourcetype": "syslog"}
    return [cloudtrail, event_hub, raw_only, syslog]


def check_records(originals, returned):
    """Every record back, in order, each input field as in the ORIGINAL event.

    `originals` are built afresh, not the objects handed to the harness, so that
    nothing the harness copies or overlays can make the comparison hold by itself.
    """
    assert len(returned) == len(originals)
    for before, after in zip(originals, returned):
        assert set(OUTPUT_FIELDS) <= set(after)
        for name, value in before.items():
            if name not in OUTPUT_FIELDS:
                assert after.get(name) == value, name
        # Nothing invented: a chunk's records share one header, so a field that another
        # record of the chunk has may come back, but only empty.
        invented = set(after) - set(before) - set(OUTPUT_FIELDS) - {"_chunked_idx"}
        assert all(after[name] in ("", None) for name in invented), invented


@pytest.mark.parametrize("selected", [True, False], ids=["selected fields", "all fields"])
def test_several_chunks_and_a_header_only_last_chunk(command, selected):
    batches = [events(), events()[::-1], []]
    result = run_command(command, batches, selected_fields=selected)
    assert result.returncode == 0 and result.errors == []
    check_records(events() + events()[::-1], result.records)
    assert [e.metadata.get("finished") for e in result.exchanges] == [False, False, True]
    first, event_hub, raw_only, syslog = result.records[:4]
    assert (first["platform"], first["principal"], first["account_type"]) == (
        "AWS", "arn:aws:iam::111122223333:role/app", "Service-Account")
    assert first["secret"] == ["/prod/a", "/prod/b"] and first["user"] == first["principal"]
    assert (event_hub["platform"], event_hub["principal"], event_hub["secret"]) == (
        "Azure", "oid-1", "api")
    assert (raw_only["platform"], raw_only["secret_operation"]) == ("AWS", "read")
    assert (syslog["platform"], syslog["secret_operation"], syslog["principal"]) == (
        "Unknown", "none", "")


def test_selected_fields_mode_sends_less_and_replies_with_outputs_only(command):
    result = run_command(command, [events()])
    for record in result.exchanges[0].records:
        assert set(record) == {"_chunked_idx", *OUTPUT_FIELDS}
    assert "host" not in select_fields(events(), result.getinfo["required_fields"])[0]


def test_all_fields_mode_echoes_every_input_field_itself(command):
    """Without selected fields the reply replaces the records: it must carry them whole."""
    result = run_command(command, [events()], selected_fields=False)
    check_records(events(), result.exchanges[0].records)


def test_a_reply_that_changes_an_input_field_is_caught():
    """The oracle can fail: a reply that alters or drops an input field breaks the check."""
    original = events()
    altered = [{**record, **{name: "" for name in OUTPUT_FIELDS}} for record in original]
    altered[0]["host"] = "someone-else"
    with pytest.raises(AssertionError):
        check_records(events(), merge_reply(original, altered, selected=False))
    dropped = [{k: v for k, v in record.items() if k != "sourcetype"} for record in altered]
    with pytest.raises(AssertionError):
        check_records(events(), merge_reply(original, dropped, selected=False))


def _load_script(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # dispatch() runs only under __main__
    return module


def _in_process(module, sent):
    stream = scp.encode_chunk(scp.getinfo(dispatch_dir="/tmp"))
    stream += scp.encode_chunk({"action": "execute", "finished": True}, scp.encode_records(sent))
    out = io.BytesIO()
    module.CloudSecretsCommand()._process_protocol_v2([], io.BytesIO(stream), out)
    out.seek(0)
    getinfo, _ = scp.read_chunk(out)
    _, body = scp.read_chunk(out)
    return getinfo, scp.decode_records(body)


def test_fast_path_matches_splunklibs_own_record_path(command, monkeypatch):
    module = _load_script(command, "cloudsecrets_under_test")
    batch = events() * 3
    getinfo, fast = _in_process(module, select_fields(batch, ["*"]))
    sent = select_fields(batch, getinfo["required_fields"])
    _, fast = _in_process(module, sent)
    monkeypatch.setattr(module.splunklib, "__version__", "0.0.0-not-pinned")
    _, stock = _in_process(module, sent)
    fast_merged, stock_merged = merge_reply(batch, fast, True), merge_reply(batch, stock, True)
    assert [{k: r[k] for k in OUTPUT_FIELDS} for r in fast_merged] == [
        {k: r[k] for k in OUTPUT_FIELDS} for r in stock_merged]
