"""Shared fixtures: repository paths, the packaged app (built once per session), ../shared.

Three layers use them: tests/unit (the pure core, imported from bin/), tests/protocol
(the packaged command driven over protocol v2 as splunkd drives it) and tests/package
(the build, the tarball, the conf files and AppInspect).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bin"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from devkit import packaging  # noqa: E402

SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The shared contracts, corpus and recordings; the test skips where they are absent."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared is not beside this checkout")
    return SHARED


@pytest.fixture(scope="session")
def packaged_app(tmp_path_factory) -> Path:
    """The app folder exactly as build.py assembles it (vendored splunklib included)."""
    return packaging.assemble(tmp_path_factory.mktemp("build"))


@pytest.fixture
def app_copy(tmp_path, packaged_app) -> Path:
    """A copy of the built app with an empty local/ folder, where a test writes what a
    user (or an adversary) would, as in a Splunk instance's etc/apps/<app>/local/."""
    copy = tmp_path / packaged_app.name
    shutil.copytree(packaged_app, copy)
    (copy / "local").mkdir(exist_ok=True)
    return copy


@pytest.fixture(scope="session")
def command(packaged_app: Path) -> Path:
    """The packaged cloudsecrets.py, to be driven over protocol v2."""
    return packaged_app / "bin" / "cloudsecrets.py"


@pytest.fixture(scope="session")
def engine():
    from cloud_secrets.engine import Engine

    return Engine.load(ROOT)


@pytest.fixture(scope="session")
def python_of():
    """Find an interpreter of a Python version on PATH or in pyenv's folder (or None)."""

    def find(version: str):
        candidates = [shutil.which(f"python{version}"), *sorted(glob.glob(
            os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python")))]
        probe = "import sys; print('%d.%d' % sys.version_info[:2])"
        for candidate in filter(None, candidates):
            found = subprocess.run([candidate, "-c", probe], capture_output=True, text=True)
            if found.stdout.strip() == version:
                return candidate
        return None

    return find
