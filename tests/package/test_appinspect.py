"""Splunk AppInspect (precert, cloud tags) on the tarball: no failure, error or future failure."""

from __future__ import annotations

import pytest

from devkit import appinspect


@pytest.mark.slow
def test_appinspect_cloud_tags(tarball, tmp_path):
    report = appinspect.appinspect(tarball, tmp_path / "report.json")
    counts, findings = appinspect.inspection_summary(report)
    blocking = {k: counts.get(k, 0) for k in appinspect.BLOCKING_RESULTS}
    assert blocking == {"failure": 0, "error": 0, "future_failure": 0}, findings
    assert sum(counts.values()) > 200  # the cloud tag's checks really ran (246 in 4.3.1)
