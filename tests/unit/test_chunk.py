"""ChunkProcessor: one execute body in, one reply body out, in both splunkd modes."""

from __future__ import annotations

import csv
import io

import pytest

from cloud_secrets.chunk import ChunkProcessor
from cloud_secrets.schema import OUTPUT_FIELDS
from devkit import scp

AWS_ROW = {
    "eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue",
    "userIdentity.type": "IAMUser", "userIdentity.arn": "arn:aws:iam::1:user/a",
}


def body(records, mv=None, order=None):
    """A body as splunkd writes it: values, then __mv_ columns, \\n line ends."""
    fields = order or list(dict.fromkeys(k for r in records for k in r))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields + ["__mv_" + f for f in fields])
    for i, record in enumerate(records):
        cells = (mv or {}).get(i, {})
        writer.writerow([record.get(f, "") for f in fields] + [cells.get(f, "") for f in fields])
    return out.getvalue()


def rows(text):
    reader = iter(scp.csv_rows(text))
    header = next(reader)
    return [dict(zip(header, row)) for row in reader]


@pytest.fixture
def processor(engine):
    return ChunkProcessor(engine)


def test_selected_fields_mode_answers_with_index_and_outputs_only(processor):
    records = [{**AWS_ROW, "_chunked_idx": "0"}, {"_raw": "x", "_chunked_idx": "1"}]
    text, count = processor.process(body(records))
    reply = rows(text)
    assert count == 2
    assert list(reply[0]) == ["_chunked_idx", *OUTPUT_FIELDS, "__mv__chunked_idx",
                              *("__mv_" + f for f in OUTPUT_FIELDS)]
    assert [r["_chunked_idx"] for r in reply] == ["0", "1"]
    assert [r["platform"] for r in reply] == ["AWS", "Unknown"]
    assert processor.platforms == {"AWS": 1, "Unknown": 1}


def test_all_fields_mode_repeats_input_cells_and_replaces_output_names(processor):
    records = [{**AWS_ROW, "user": "alias-from-an-add-on", "host": "h1"}]
    text, _ = processor.process(body(records))
    (reply,) = rows(text)
    assert reply["host"] == "h1" and reply["eventName"] == "GetSecretValue"
    assert reply["user"] == "arn:aws:iam::1:user/a"
    assert list(reply).count("user") == 1


def test_multivalue_input_and_output(processor):
    record = {"eventSource": "ssm.amazonaws.com", "eventName": "GetParameters",
              "userIdentity.type": "IAMUser", "userIdentity.arn": "arn:aws:iam::1:user/a",
              "requestParameters.names{}": "/a\n/b", "requestParameters.withDecryption": "true",
              "_chunked_idx": "0"}
    text, _ = processor.process(body([record], mv={0: {"requestParameters.names{}": "$/a$;$/b$"}}))
    (reply,) = rows(text)
    assert (reply["secret_operation"], reply["secret"], reply["__mv_secret"]) == (
        "read", "/a\n/b", "$/a$;$/b$")
    assert reply["object"] == reply["secret"] and reply["__mv_object"] == reply["__mv_secret"]


@pytest.mark.parametrize("text", ["", "a,b,__mv_a,__mv_b\n"], ids=["no body", "header only"])
def test_no_records_no_reply(processor, text):
    assert processor.process(text) == ("", 0)


def test_ragged_rows_and_blank_lines_keep_one_reply_row_per_record(processor):
    text = "_chunked_idx,a,b\n0,1,2\n\n1,3\n2,5,6,extra\n"
    reply_text, count = processor.process(text)
    assert count == 3
    assert [r["_chunked_idx"] for r in rows(reply_text)] == ["0", "1", "2"]


def test_nul_characters_pass_through_unchanged(processor):
    text = 'a,b\n"x\x00y",z\n'
    reply_text, count = processor.process(text)
    assert count == 1 and rows(reply_text)[0]["a"] == "x\x00y"


def test_header_order_does_not_matter(processor):
    record = {**AWS_ROW, "_chunked_idx": "0"}
    order = ["_chunked_idx", *reversed(list(AWS_ROW))]
    text, _ = processor.process(body([record], order=order))
    assert rows(text)[0]["principal"] == "arn:aws:iam::1:user/a"


def test_lone_carriage_returns_pass_through_quoted(processor):
    text = "a,b\nx\ry,z\n"  # a writer that left a lone CR unquoted
    reply_text, count = processor.process(text)
    assert count == 1 and rows(reply_text)[0]["a"] == "x\ry"
    assert '"x\ry"' in reply_text


def test_a_key_spelled_two_ways_in_one_chunk_keeps_each_records_value(processor):
    """One chunk, two spellings (CloudTrail wrote aRN for arn): each column is filled
    for one record only, and neither record loses its value to the other's empty cell."""
    records = [{**AWS_ROW, "_chunked_idx": "0"},
               {**{k: v for k, v in AWS_ROW.items() if k != "userIdentity.arn"},
                "userIdentity.aRN": "arn:aws:iam::1:user/b", "_chunked_idx": "1"}]
    text, _ = processor.process(body(records))
    assert [r["principal"] for r in rows(text)] == ["arn:aws:iam::1:user/a",
                                                    "arn:aws:iam::1:user/b"]
