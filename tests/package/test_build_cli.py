"""build.py's command line and its decision to reuse or rebuild .venv.

The command line is run as a user runs it (a subprocess, from the .venv's Python, so no
verb re-executes itself); the venv decision is a pure function, tested on its inputs.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import build

BUILD_PY = str(build.ROOT / "build.py")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, BUILD_PY, *args], capture_output=True, text=True,
                          cwd=build.ROOT, timeout=120)


def test_an_unknown_verb_is_named_with_the_verb_list():
    result = run("frobnicate")
    assert result.returncode == 2
    assert result.stderr.startswith("build.py: unknown verb 'frobnicate'\n")
    for verb in build.VERBS:
        assert f"\n  {verb} " in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_every_verb():
    result = run("--help")
    assert result.returncode == 0
    assert all(f"  {verb} " in result.stdout for verb in build.VERBS)


@pytest.mark.parametrize("verb", sorted(build.VERBS))
def test_every_verb_has_help_that_runs_nothing(verb):
    result = run(verb, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: build.py {verb}")
    assert "Traceback" not in result.stderr
    # --help is an option, never a file name or a pytest argument.
    assert "no such file" not in result.stdout + result.stderr


def test_inspect_names_a_missing_tarball_in_one_line(tmp_path):
    result = run("inspect", str(tmp_path / "missing.tgz"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"build.py inspect: no such file: {tmp_path / 'missing.tgz'}"


@pytest.mark.parametrize("version", [(3, 8, 18), (3, 6, 15), (2, 7, 18)])
def test_a_python_too_old_gets_one_line(version):
    problem = build.unusable_python(version)
    assert problem is not None and "\n" not in problem
    assert problem.startswith(f"build.py: Python {'.'.join(map(str, version))} ")
    assert "3.9 to 3.13" in problem


@pytest.mark.parametrize("version", [(3, 9, 0), (3, 11, 2), (3, 13, 0)])
def test_supported_pythons_are_accepted(version):
    assert build.unusable_python(version) is None


PY311 = "3.11.7 /usr/bin/python3.11"
DIGESTS = {"build.txt": "b1", "test.txt": "t1"}


@pytest.mark.parametrize(("stamp", "wanted", "has_python", "plan"), [
    (None, "build.txt", False, "rebuild"),  # no .venv yet
    (None, "build.txt", True, "rebuild"),  # a .venv from a failed run or an older build.py
    ({"python": "3.9.18 /usr/bin/python3.9", "requirements": {"build.txt": "b1"}},
     "build.txt", True, "rebuild"),  # made by another Python
    ({"python": PY311, "requirements": {"build.txt": "b0"}},
     "build.txt", True, "rebuild"),  # made from other pins
    ({"python": PY311, "requirements": {"build.txt": "b1"}},
     "build.txt", False, "rebuild"),  # its Python is gone
    ({"python": PY311, "requirements": {"build.txt": "b1"}}, "build.txt", True, "reuse"),
    ({"python": PY311, "requirements": {"build.txt": "b1"}}, "test.txt", True, "install"),
    ({"python": PY311, "requirements": {"build.txt": "b1", "test.txt": "t1"}},
     "build.txt", True, "reuse"),  # test.txt includes build.txt
    ({"python": PY311, "requirements": {"build.txt": "b1", "test.txt": "t0"}},
     "test.txt", True, "rebuild"),
    ({"python": PY311}, "build.txt", True, "rebuild"),  # a damaged stamp
])
def test_venv_plan(stamp, wanted, has_python, plan):
    assert build.venv_plan(stamp, PY311, wanted, DIGESTS, has_python) == plan


def test_requirement_digests_cover_included_files():
    """test.txt includes build.txt: a change to build.txt changes test.txt's digest."""
    files = build.requirement_files(build.REQUIREMENTS / "test.txt")
    assert [f.name for f in files] == ["build.txt", "test.txt"]
