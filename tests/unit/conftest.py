"""Fixtures of the unit tests (the pure core, imported from bin/)."""

from __future__ import annotations

import pytest

from cloud_secrets.fields import fields_from_record


@pytest.fixture
def normalize(engine):
    """Normalize one parsed JSON record as the engine sees it when Splunk extracted it."""
    return lambda record: engine.normalize(fields_from_record(record))
