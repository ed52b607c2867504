"""Our code under bin/ must run on Python 3.9, the oldest Python of supported Splunk releases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_vermin_finds_nothing_newer_than_python_3_9():
    ours = [str(path) for path in sorted((ROOT / "bin").glob("*.py"))] + [
        str(ROOT / "bin" / "cloud_secrets"), str(ROOT / "bin" / "cloud_secrets_setup")]
    vermin = str(Path(sys.executable).with_name("vermin"))
    completed = subprocess.run(
        [vermin, "--no-tips", "--violations", "--eval-annotations", "--target=3.9-", *ours],
        capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
