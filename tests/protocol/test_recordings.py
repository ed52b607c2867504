"""Real splunkd protocol v2 streams (from splunk-sdk-python's test data) replayed as recorded.

The recordings were made for other commands (countmatches, harvest), without
`_chunked_idx`: the command must return every record with every input field unchanged,
byte for byte, plus the output fields.
"""

from __future__ import annotations

import gzip

import pytest

from cloud_secrets.schema import OUTPUT_FIELDS
from devkit.splunkd import replay_recording

RECORDINGS = [
    ("splunk-6.3-countmatches.input.gz", 1, 500),
    ("splunk-8.0.3-multibyte.input.gz", 9, 40682),  # plus getinfo: the 10 chunks of the README
]


@pytest.mark.shared
@pytest.mark.parametrize(("name", "chunks", "records"), RECORDINGS, ids=[r[0] for r in RECORDINGS])
def test_recording_replays_with_every_record_and_field_intact(shared, command, name, chunks,
                                                              records):
    recording = gzip.decompress((shared / "recordings" / name).read_bytes())
    result, sent = replay_recording(command, recording)
    assert result.returncode == 0 and result.errors == [] and not result.timed_out
    assert result.getinfo["type"] == "streaming"
    assert len(sent) == chunks == len(result.exchanges)
    flat_sent = [record for batch in sent for record in batch]
    assert len(flat_sent) == len(result.records) == records
    for before, after in zip(flat_sent, result.records):
        assert {k: after[k] for k in before} == before
        assert after["platform"] == "Unknown" and set(OUTPUT_FIELDS) <= set(after)
    assert result.exchanges[-1].metadata.get("finished") is True
