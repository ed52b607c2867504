"""Fixtures of the unit tests (the pure core, imported from bin/)."""

from __future__ import annotations

import json

import pytest

from devkit.splunkd import extract_json


@pytest.fixture
def normalize(engine):
    """Normalize one JSON record as the engine sees it once splunkd extracted its fields.

    The fields come from the splunkd emulator's own JSON extraction (written from
    Splunk's documented KV_MODE=json naming), not from the command's flatten_json, so
    a naming mistake in the command cannot hide behind the same mistake in the test.
    """
    return lambda record: engine.normalize_record(extract_json(json.dumps(record)))


@pytest.fixture
def normalize_as(engine):
    """Normalize one JSON record in a shape that a Splunk add-on delivers.

    `shape` is "root" (fields extracted at the root), "data." (Google Pub/Sub input),
    "body." (Azure Event Hub input) or "_raw" (no search-time extraction: only `_raw`).
    """

    def run(record, shape):
        if shape == "_raw":
            return engine.normalize_record({"_raw": json.dumps(record)})
        raw = json.dumps(record if shape == "root" else {shape.rstrip("."): record})
        return engine.normalize_record({**extract_json(raw), "_raw": raw})

    return run
