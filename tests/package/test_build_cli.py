"""build.py's command line and its decision to reuse or rebuild .venv.

The command line is run as a user runs it (a subprocess, from the .venv's Python, so no
verb re-executes itself); the venv decision is a pure function of devkit.bootstrap,
tested on its inputs. Oracle for the verbs: the table of commands in
docs/development.md, which names these seven.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from devkit import bootstrap

ROOT = Path(__file__).resolve().parents[2]
BUILD_PY = str(ROOT / "build.py")
VERBS = ("build", "test", "inspect", "replay", "bench", "search", "mutate")


def run(*args: str, python: str = sys.executable, flags=()) -> subprocess.CompletedProcess:
    return subprocess.run([python, *flags, BUILD_PY, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_an_unknown_verb_is_named_with_the_verb_list():
    result = run("frobnicate")
    assert result.returncode == 2
    assert result.stderr.startswith("build.py: unknown verb 'frobnicate'\n")
    for verb in VERBS:
        assert f"\n  {verb} " in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_every_verb():
    result = run("--help")
    assert result.returncode == 0
    assert all(f"  {verb} " in result.stdout for verb in VERBS)
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ")]
    assert sorted(listed) == sorted(VERBS)


def test_help_needs_nothing_but_the_standard_library():
    """`python3 build.py --help` on a machine with only the interpreter: build.py and
    what it imports at the top (devkit.bootstrap) must not need a site package. -S -E
    leaves out site-packages and the environment's PYTHON* variables."""
    result = run("--help", flags=("-S", "-E"))
    assert result.returncode == 0, result.stderr
    assert "verbs:" in result.stdout and "Traceback" not in result.stderr


@pytest.mark.parametrize("verb", sorted(VERBS))
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
    problem = bootstrap.unusable_python(version)
    assert problem is not None and "\n" not in problem
    assert problem.startswith(f"build.py: Python {'.'.join(map(str, version))} ")
    assert "3.9 to 3.13" in problem


@pytest.mark.parametrize("version", [(3, 9, 0), (3, 11, 2), (3, 13, 0)])
def test_supported_pythons_are_accepted(version):
    assert bootstrap.unusable_python(version) is None


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
    assert bootstrap.venv_plan(stamp, PY311, wanted, DIGESTS, has_python) == plan


def test_requirement_digests_cover_included_files():
    """test.txt includes build.txt: a change to build.txt changes test.txt's digest."""
    files = bootstrap.requirement_files(bootstrap.REQUIREMENTS / "test.txt")
    assert [f.name for f in files] == ["build.txt", "test.txt"]


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_help_runs_on_the_oldest_and_newest_python_with_nothing_installed(python_of, version):
    python = python_of(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    result = run("--help", python=python, flags=("-S", "-E"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python3 build.py [VERB]")


def test_a_python_too_old_to_build_says_so_in_one_line(python_of):
    """Python 3.8 must still import build.py far enough to say it is too old."""
    python = python_of("3.8")
    if python is None:
        pytest.skip("no Python 3.8 on this machine")
    result = run("--help", python=python, flags=("-S", "-E"))
    assert result.returncode == 2
    assert result.stderr.startswith("build.py: Python 3.8") and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
