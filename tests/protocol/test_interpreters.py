"""The packaged command under the Pythons that Splunk ships: 3.9 and 3.13.

Each interpreter is looked for on PATH and in pyenv's folder; a test skips where its
interpreter is absent. (vermin also checks, statically, that bin/ needs no more than 3.9.)
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys

import pytest
from test_execute import events

from cloud_secrets.schema import OUTPUT_FIELDS
from devkit.splunkd import run_command


def find_python(version: str):
    pyenv = os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python")
    candidates = [shutil.which(f"python{version}"), *sorted(glob.glob(pyenv)),
                  f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    probe = "import sys; print('%d.%d' % sys.version_info[:2])"
    for candidate in filter(None, candidates):
        try:
            found = subprocess.run([candidate, "-c", probe], capture_output=True, text=True,
                                   timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if found == version:
            return candidate
    return None


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_same_answers_on_splunks_pythons(command, version):
    python = find_python(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    batches = [events(), []]
    reference = run_command(command, batches, python=sys.executable)
    result = run_command(command, batches, python=python)
    assert result.returncode == 0 and result.errors == [], result.stderr
    assert [{k: r[k] for k in OUTPUT_FIELDS} for r in result.records] == [
        {k: r[k] for k in OUTPUT_FIELDS} for r in reference.records]
