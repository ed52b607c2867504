"""Fixtures of the replay tests (helpers are in replaying.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def logs_dir(tmp_path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    return folder
