"""An app unpacked inside the checkout to tune it must not make `build.py test` fail.

The tuning loop (README, docs/replay.md) unpacks the built app (with its vendored
splunklib in bin/lib/ and the configuration page's libraries in lib/) into a folder of the
user's; if that folder is inside the checkout, `ruff check .` would lint third-party
code. Oracle: ruff itself, run with this repository's pyproject.toml over a copy of such
a layout, must skip the unpacked libraries and still lint our own code.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_LINT_CLEAN = "import os, sys\nx = 1 ;\n"  # E401, E703, F401: anything ruff refuses


def ruff(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."],
                          cwd=folder, capture_output=True, text=True)


def test_an_app_unpacked_in_the_checkout_is_not_linted_but_our_code_still_is(tmp_path):
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "devkit").mkdir()
    (tmp_path / "devkit" / "ours.py").write_text('"""Ours."""\n')
    for unpacked in ("cloud_secrets_detection", "tuning/cloud_secrets_detection",
                     "tuning/my_app"):
        for library in ("bin/lib/splunklib", "lib/solnlib"):
            folder = tmp_path / unpacked / library
            folder.mkdir(parents=True)
            (folder / "vendored.py").write_text(NOT_LINT_CLEAN)
    result = ruff(tmp_path)
    assert result.returncode == 0, result.stdout
    (tmp_path / "devkit" / "ours.py").write_text(NOT_LINT_CLEAN)
    assert ruff(tmp_path).returncode == 1
