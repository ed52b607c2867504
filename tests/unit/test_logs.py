"""The command's log goes to Splunk's log folder, found from the script's own path."""

from __future__ import annotations

import logging

import pytest

from cloud_secrets import logs


@pytest.mark.parametrize("app_path", [
    "etc/apps/cloud_secrets_detection/bin",  # search head
    "var/run/searchpeers/sh1-1764450000/apps/cloud_secrets_detection/bin",  # indexer bundle
])
def test_splunk_log_folder_is_found_above_the_app(tmp_path, app_path):
    log_dir = tmp_path / "var" / "log" / "splunk"
    log_dir.mkdir(parents=True)
    bin_dir = tmp_path / app_path
    bin_dir.mkdir(parents=True)
    assert logs.splunk_log_dir(bin_dir / "cloudsecrets.py") == log_dir


def test_no_splunk_folder_means_stderr(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "LOGGER_NAME", "cloud_secrets.test_stderr")
    logger = logs.configure(tmp_path / "bin")
    assert logs.splunk_log_dir(tmp_path / "bin") is None
    assert [type(h) for h in logger.handlers] == [logging.StreamHandler]
    assert logger.propagate is False


def test_log_file_in_the_splunk_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(logs, "LOGGER_NAME", "cloud_secrets.test_file")
    (tmp_path / "var" / "log" / "splunk").mkdir(parents=True)
    bin_dir = tmp_path / "etc" / "apps" / "app" / "bin"
    bin_dir.mkdir(parents=True)
    logger = logs.configure(bin_dir, logging.DEBUG)
    logger.debug("counts only")
    for handler in logger.handlers:
        handler.close()
    assert "counts only" in (tmp_path / "var/log/splunk" / logs.LOG_FILE).read_text()
