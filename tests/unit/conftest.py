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
