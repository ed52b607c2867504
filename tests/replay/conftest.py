"""Fixtures of the replay tests (helpers are in replaying.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def logs_dir(tmp_path) -> Path:
    folder = tmp_path / "logs"
    folder.mkdir()
    return folder


@pytest.fixture
def app_copy(tmp_path, packaged_app) -> Path:
    """A copy of the built app that a test may give a local/ folder, as a user would."""
    copy = tmp_path / packaged_app.name
    shutil.copytree(packaged_app, copy)
    (copy / "local").mkdir(exist_ok=True)
    return copy
