"""The Python that runs build.py, and the virtual environment its verbs run in.

build.py imports this module before `.venv` exists, on whatever `python3` the user has:
it imports the standard library only (never devkit's other modules, which need the
pinned tools), and it must import on Python 3.7 and 3.8 too (annotations are not
evaluated), so that they get one clear line saying they are too old instead of a
traceback. Every verb first makes sure that `.venv` holds the pins of its requirements
file (`ensure_venv`), then runs build.py again inside it (`rerun_in_venv`), where the
verbs import those tools and the rest of devkit/.

`.venv/build-py-stamp.json` records the Python that made `.venv` and the digest of the
pins installed in it: a `.venv` made by another Python, from other pins, or left by a
failed install is deleted and made anew, never reused (`venv_plan`).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

OLDEST_PYTHON = (3, 9)
NEWEST_PYTHON = (3, 13)  # the newest the pins of requirements/ were checked on

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
VENV_STAMP = VENV / "build-py-stamp.json"
CACHE = ROOT / ".cache"
REQUIREMENTS = ROOT / "requirements"


class BuildError(Exception):
    """A problem the user can fix, told in one line (build.py prints it, no traceback)."""


def unusable_python(version: Tuple[int, ...] = tuple(sys.version_info[:3])) -> Optional[str]:
    """One line saying why this Python cannot run the build, or None when it can."""
    if version[:2] < OLDEST_PYTHON:
        shown = ".".join(map(str, version))
        return (f"build.py: Python {shown} ({sys.executable}) is too old: the build needs "
                f"Python {OLDEST_PYTHON[0]}.{OLDEST_PYTHON[1]} to "
                f"{NEWEST_PYTHON[0]}.{NEWEST_PYTHON[1]}; run it as /path/to/python3.X build.py")
    return None


def venv_python() -> Path:
    """The Python of `.venv` (it may not exist yet)."""
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def venv_tool(name: str) -> Path:
    """A console script that a package of `.venv` installed (`splunk-appinspect`)."""
    return venv_python().parent / name


def python_identity() -> str:
    """What a .venv is tied to: the version and the real path of the Python that made it."""
    return f"{platform.python_version()} {os.path.realpath(sys.executable)}"


def requirement_files(path: Path) -> List[Path]:
    """A requirements file and the files it includes with -r, includes first."""
    found: List[Path] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-r "):
            found.extend(requirement_files(path.parent / line[3:].strip()))
    return [*found, path]


def requirements_digest(path: Path) -> str:
    """The sha256 of a requirements file together with the files it includes with -r."""
    digest = hashlib.sha256()
    for current in requirement_files(path):
        digest.update(current.read_bytes())
    return digest.hexdigest()


def venv_plan(stamp: Optional[dict], python: str, wanted: str, digests: Dict[str, str],
              has_python: bool = True) -> str:
    """Decide what to do with .venv before running a verb that needs `wanted` installed.

    `stamp` is what the last successful install recorded: {"python": identity,
    "requirements": {file name: digest}}, or None when there is none (a new or a failed
    .venv, or one made by an older build.py). `digests` holds the current digest of
    every requirements file. Returns:
    - "rebuild": delete .venv and make it anew, because it has no stamp, no working
      Python, was made by another Python, or holds other pins of `wanted` (installing
      over old pins would leave packages that the new pins no longer name);
    - "install": same Python, `wanted` never installed here (test.txt after build.txt);
    - "reuse": `wanted` is installed with exactly the current pins.
    """
    if not has_python or not isinstance(stamp, dict) or stamp.get("python") != python:
        return "rebuild"
    installed = stamp.get("requirements")
    if not isinstance(installed, dict):
        return "rebuild"
    if wanted not in installed:
        return "install"
    return "reuse" if installed[wanted] == digests[wanted] else "rebuild"


def read_stamp() -> Optional[dict]:
    """What the last successful install recorded in .venv, or None."""
    try:
        return json.loads(VENV_STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_venv(requirements: Path) -> None:
    """Make .venv hold exactly the pins of `requirements`, under the Python running this."""
    digests = {p.name: requirements_digest(p) for p in REQUIREMENTS.glob("*.txt")}
    stamp = read_stamp()
    plan = venv_plan(stamp, python_identity(), requirements.name, digests,
                     has_python=venv_python().exists())
    if plan == "reuse":
        return
    if plan == "rebuild":
        why = "creating" if not VENV.exists() else "rebuilding (other Python or other pins)"
        print(f"build.py: {why} .venv for Python {platform.python_version()}", flush=True)
        create_venv()
        stamp = {"python": python_identity(), "requirements": {}}
    print(f"build.py: installing requirements/{requirements.name} into .venv", flush=True)
    VENV_STAMP.unlink(missing_ok=True)  # a failed install leaves no stamp: rebuilt next time
    installed = subprocess.run(
        # -qq: this workplace's pip configuration warns about absent mirror folders.
        [str(venv_python()), "-m", "pip", "install", "-qq", "--disable-pip-version-check",
         "--use-pep517", "-r", str(requirements)],
    )
    if installed.returncode:
        newer = sys.version_info[:2] > NEWEST_PYTHON
        raise BuildError(
            f"build.py: pip could not install requirements/{requirements.name} under Python "
            f"{platform.python_version()} (exit {installed.returncode}, its messages above)"
            + (f"; the pins are checked on Python 3.9 to {NEWEST_PYTHON[0]}."
               f"{NEWEST_PYTHON[1]}: run build.py with one of those" if newer else
               "; .venv will be rebuilt on the next run"))
    for included in requirement_files(requirements):
        stamp["requirements"][included.name] = digests[included.name]
    VENV_STAMP.write_text(json.dumps(stamp, indent=1), encoding="utf-8")


def create_venv() -> None:
    """A new, empty .venv with pip (an old one is deleted first)."""
    import venv  # here, not at the top: some Pythons (Debian's) ship without it

    shutil.rmtree(VENV, ignore_errors=True)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    except (subprocess.CalledProcessError, OSError) as error:
        shutil.rmtree(VENV, ignore_errors=True)
        raise BuildError(
            f"build.py: Python {platform.python_version()} ({sys.executable}) cannot create "
            f"a virtual environment with pip ({type(error).__name__}); on Debian or Ubuntu "
            "install python3-venv, or run build.py with another Python") from None


def in_venv() -> bool:
    """True when the Python running this is .venv's."""
    return Path(sys.prefix).resolve() == VENV.resolve()


def rerun_in_venv(requirements: Path, script: Path, argv: Sequence[str]) -> None:
    """Make sure .venv holds `requirements`, then run `script argv...` again inside it
    (this process is replaced; inside .venv already, return and go on)."""
    if in_venv():
        return
    ensure_venv(requirements)
    python = str(venv_python())
    sys.stdout.flush()
    os.execv(python, [python, str(script), *argv])
