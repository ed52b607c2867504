#!/usr/bin/env python3
"""Build, inspect, test, replay and benchmark the cloud_secrets_detection Splunk app.

Usage, from the repository root, on a fresh machine with Python 3.9 to 3.13:

    python3 build.py                 build the tarball, run AppInspect on it, replay samples/
    python3 build.py VERB --help     what VERB does and its options
    python3 build.py --help          the list of verbs

Only the standard library is imported at the top of this file, and it must import on
Python 3.7 and 3.8 (annotations are not evaluated) so that they get one clear line
saying they are too old instead of a traceback: every verb first makes sure
that .venv exists with the pinned tools of requirements/, then runs itself again inside
it, where the verbs may import those tools and the repository's devkit/.

A verb is a function taking its argument list (it parses them itself, with --help),
plus one entry in VERBS: (function, requirements file, one-line summary).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Dict, List, Optional, Tuple

OLDEST_PYTHON = (3, 9)
NEWEST_PYTHON = (3, 13)  # the newest the pins of requirements/ were checked on

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_STAMP = VENV / "build-py-stamp.json"
CACHE = ROOT / ".cache"
REQUIREMENTS = ROOT / "requirements"

# What ships, as (source in the repository, destination inside the app folder).
# Anything not listed here never reaches the tarball: build.py, tests/, devkit/,
# samples/, dot-files, the repository README. app/ holds what has no other home
# (metadata/, static/, manifest, LICENSE and the package README for admins).
SHIPPED = (
    ("app", ""),
    ("bin", "bin"),
    ("default", "default"),
    ("lookups", "lookups"),
)

# Never shipped even when found inside an allowlisted folder: Splunk-local state,
# Python caches, editor and VCS dot-files, and bin/lib (vendored at build time).
FORBIDDEN_NAMES = {"local", "local.meta", "__pycache__", "build.py", "tests"}
FORBIDDEN_SUFFIXES = (".pyc", ".pyo")

# Fixed timestamp for reproducible tarballs (2026-01-01T00:00:00Z) unless the caller
# sets SOURCE_DATE_EPOCH, the convention of reproducible-builds.org.
DEFAULT_EPOCH = 1767225600

# AppInspect results that fail the build; warnings and manual checks are reported only.
BLOCKING_RESULTS = ("failure", "error", "future_failure")


class BuildError(Exception):
    """A problem the user can fix, told in one line (main prints it, no traceback)."""


# --------------------------------------------------------------------------------------
# The Python running build.py, and the virtual environment


def unusable_python(version: Tuple[int, ...] = tuple(sys.version_info[:3])) -> Optional[str]:
    """One line saying why this Python cannot run the build, or None when it can."""
    if version[:2] < OLDEST_PYTHON:
        shown = ".".join(map(str, version))
        return (f"build.py: Python {shown} ({sys.executable}) is too old: the build needs "
                f"Python {OLDEST_PYTHON[0]}.{OLDEST_PYTHON[1]} to "
                f"{NEWEST_PYTHON[0]}.{NEWEST_PYTHON[1]}; run it as /path/to/python3.X build.py")
    return None


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


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


def _requirements_digest(path: Path) -> str:
    """Hash a requirements file together with the files it includes with -r."""
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
    try:
        return json.loads(VENV_STAMP.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_venv(requirements: Path) -> None:
    """Make .venv hold exactly the pins of `requirements`, under the Python running this."""
    digests = {p.name: _requirements_digest(p) for p in REQUIREMENTS.glob("*.txt")}
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
    return Path(sys.prefix).resolve() == VENV.resolve()


def rerun_in_venv(requirements: Path) -> None:
    """Make sure .venv holds `requirements`, then continue this command inside it."""
    if in_venv():
        return
    ensure_venv(requirements)
    python = str(venv_python())
    sys.stdout.flush()
    os.execv(python, [python, str(Path(__file__).resolve()), *sys.argv[1:]])


# --------------------------------------------------------------------------------------
# App metadata (default/app.conf is the one source of the id and the version)


def read_app_conf(app_conf: Path = ROOT / "default" / "app.conf") -> dict:
    """Parse app.conf with the Splunk conf parser (inside .venv only)."""
    from addonfactory_splunk_conf_parser_lib import TABConfigParser

    parser = TABConfigParser()
    parser.read(str(app_conf))
    return {section: dict(parser.items(section)) for section in parser.sections()}


def app_identity(app_conf: Path = ROOT / "default" / "app.conf") -> Tuple[str, str]:
    """Return (app id, version), failing when app.conf disagrees with itself."""
    conf = read_app_conf(app_conf)
    app_id = conf.get("package", {}).get("id", "")
    versions = {conf.get(s, {}).get("version", "") for s in ("launcher", "id")}
    if not app_id or conf.get("id", {}).get("name") != app_id:
        raise SystemExit("build.py: app.conf [package] id and [id] name must be set and equal")
    if len(versions) != 1 or "" in versions:
        raise SystemExit(f"build.py: app.conf [launcher] and [id] versions differ: {versions}")
    return app_id, versions.pop()


# --------------------------------------------------------------------------------------
# Vendoring splunk-sdk (pip install --target; cached per requirements/vendor.txt)


def vendored_packages() -> Path:
    """Install requirements/vendor.txt (splunk-sdk) into a cache folder once and return it.

    PEP 517 builds on every pip: the pip of a Python 3.9 venv (23.0) would otherwise
    install the sdist the legacy way, as splunk_sdk-*-py3.9.egg-info. splunk-sdk 3.x
    brings splunklib/ai (Python 3.10+ syntax, not needed), which never ships.
    """
    return _pip_target(REQUIREMENTS / "vendor.txt", ["--use-pep517"],
                       unwanted=("splunklib/ai",))


# --------------------------------------------------------------------------------------
# The configuration page: UCC generates it, splunktaucclib and solnlib run it


UCC_CONFIG = ROOT / "ucc" / "globalConfig.json"
# What the app takes from UCC's output: the page (appserver/), its view, and the REST
# endpoints. Where the repository has a file of the same path, the repository's wins:
# bin/ holds our own handlers under the names UCC generates. Not taken: UCC's app.conf,
# nav, metadata and app.manifest (ours are the source), its settings .conf and spec
# (the page stores nothing of its own: it writes macros and the rules lookup), its lib/
# (vendored below) and its generated handlers.
UCC_TAKEN = ("appserver", "default/restmap.conf", "default/web.conf",
             "default/data/ui/views/configuration.xml", "README/restmap.conf.spec")


def _pip_target(requirements: Path, flags: List[str], unwanted: Tuple[str, ...] = ()) -> Path:
    """pip install --target into a cache folder named after the requirements and flags;
    return it. Console scripts (bin/), caches and the `unwanted` paths are removed."""
    digest = hashlib.sha256((_requirements_digest(requirements) + " ".join(flags)).encode())
    target = CACHE / requirements.stem / digest.hexdigest()[:16]
    if (target / ".complete").exists():
        return target
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    installed = subprocess.run(
        [str(venv_python() if venv_python().exists() else sys.executable), "-m", "pip",
         "install", "-qq", "--disable-pip-version-check", "--no-deps", "--no-compile",
         "--target", str(staging), *flags, "-r", str(requirements)],
    )
    if installed.returncode:
        raise BuildError(f"build.py: pip could not vendor requirements/{requirements.name} "
                         f"(exit {installed.returncode}, its messages above)")
    for leftover in ("bin", *unwanted):  # console scripts never ship
        shutil.rmtree(staging / leftover, ignore_errors=True)
    for cache in staging.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    (target / ".complete").write_text("")
    return target


def setup_page_packages() -> Path:
    """splunktaucclib, solnlib and their dependencies, as pure-Python wheels for 3.9."""
    return _pip_target(REQUIREMENTS / "setup-page.txt", [
        "--python-version", "3.9", "--implementation", "py", "--abi", "none",
        "--platform", "any", "--only-binary=:all:"])


def check_page_version(version: str) -> None:
    """Fail when ucc/globalConfig.json's meta.version is not app.conf's version.

    ucc-gen is given app.conf's version (--ta-version) and writes it into the page it
    generates, so the shipped page always shows app.conf's; the repository's copy is
    checked so that whoever reads or edits globalConfig.json sees the real version too.
    """
    declared = json.loads(UCC_CONFIG.read_text(encoding="utf-8"))["meta"].get("version")
    if declared != version:
        raise SystemExit(f"build.py: ucc/globalConfig.json meta.version {declared} is not "
                         f"app.conf's version {version}: bump them together")


def ucc_generate(app_id: str, version: str) -> Path:
    """Run UCC's ucc-gen on ucc/globalConfig.json; return its app folder (cached)."""
    check_page_version(version)
    manifest = json.loads((ROOT / "app" / "app.manifest").read_text(encoding="utf-8"))
    manifest["info"]["id"].update(name=app_id, version=version)
    inputs = json.dumps(manifest, sort_keys=True) + UCC_CONFIG.read_text(encoding="utf-8")
    key = hashlib.sha256((inputs + _requirements_digest(REQUIREMENTS / "build.txt")).encode())
    work = CACHE / "ucc" / key.hexdigest()[:16]
    generated = work / "output" / app_id
    if (work / ".complete").exists():
        return generated
    shutil.rmtree(work, ignore_errors=True)
    source = work / "source"
    (source / "package").mkdir(parents=True)
    (source / "package" / "app.manifest").write_text(json.dumps(manifest, indent=2))
    # ucc-gen rewrites the globalConfig it is given (version, schema): give it a copy.
    shutil.copyfile(UCC_CONFIG, source / "globalConfig.json")
    completed = subprocess.run(
        [sys.executable, "-m", "splunk_add_on_ucc_framework", "build",
         "--source", str(source / "package"), "--config", str(source / "globalConfig.json"),
         "--ta-version", version, "--output", str(work / "output"), "--overwrite",
         "--python-binary-name", sys.executable],
        capture_output=True, text=True,
    )
    # ucc-gen logs an uncaught error and still exits 0: its output is the test.
    if completed.returncode or not (generated / "appserver").is_dir():
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit("build.py: ucc-gen did not generate the configuration page")
    (work / ".complete").write_text("")
    return generated


def _ucc_build_stamp(generated: Path) -> str:
    """The clock-based build number ucc-gen writes into app.conf and the page's HTML."""
    return read_app_conf(generated / "default" / "app.conf")["install"]["build"]


def merge_configuration_page(app_dir: Path, app_id: str, version: str) -> None:
    """Add the generated page and its REST endpoints, then the libraries its handlers use.

    ucc-gen stamps the time of the build as the app's build number in the files it
    generates; it is replaced by default/app.conf's [install] build, so that two builds
    of one commit are identical (and Splunk Web's cache of the page follows app.conf).
    """
    generated = ucc_generate(app_id, version)
    missing = sorted(p.name for p in (generated / "bin").glob("*.py")
                     if not (app_dir / "bin" / p.name).exists())
    if missing:
        raise SystemExit(f"build.py: bin/ has no handler for the generated {missing}")
    stamp = _ucc_build_stamp(generated)
    build_number = read_app_conf(app_dir / "default" / "app.conf")["install"]["build"]
    for taken in UCC_TAKEN:
        source = generated / taken
        if not source.exists():
            raise SystemExit(f"build.py: ucc-gen generated no {taken}")
        files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [
            source]
        for path in files:
            target = app_dir / path.relative_to(generated)
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            if stamp.encode() in data:
                data = data.replace(stamp.encode(), build_number.encode())
            target.write_bytes(data)
    _copy_tree(setup_page_packages(), app_dir / "lib")


# --------------------------------------------------------------------------------------
# Assembling the app folder and the tarball


def is_forbidden(relative: Path) -> bool:
    """True for paths that must never ship (checked on every path part)."""
    return any(
        part in FORBIDDEN_NAMES or part.startswith(".") or part.endswith(FORBIDDEN_SUFFIXES)
        for part in relative.parts
    )


def _copy_tree(source: Path, destination: Path) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if is_forbidden(relative) or (relative.parts[:1] == ("lib",) and source.name == "bin"):
            continue
        target = destination / relative
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def _stamp_manifest(app_dir: Path, app_id: str, version: str, conf: dict) -> None:
    """Fill app.manifest's id, version, title and description from app.conf."""
    manifest_path = app_dir / "app.manifest"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    info = manifest["info"]
    info["id"]["name"] = app_id
    info["id"]["version"] = version
    info["title"] = conf["ui"]["label"]
    info["description"] = conf["launcher"]["description"]
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def normalize_modes(app_dir: Path) -> None:
    """Directories 0755, files 0644: AppInspect rejects executable bits outside bin/."""
    app_dir.chmod(0o755)
    for path in app_dir.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def assemble(out_dir: Path) -> Path:
    """Copy the allowlist and the vendored packages into out_dir/<app id>/."""
    app_id, version = app_identity()
    app_dir = out_dir / app_id
    shutil.rmtree(app_dir, ignore_errors=True)
    app_dir.mkdir(parents=True)
    for source, destination in SHIPPED:
        source_path = ROOT / source
        if source_path.is_dir():
            _copy_tree(source_path, app_dir / destination)
        else:
            shutil.copyfile(source_path, app_dir / destination)
    _copy_tree(vendored_packages(), app_dir / "bin" / "lib")
    merge_configuration_page(app_dir, app_id, version)
    _stamp_manifest(app_dir, app_id, version, read_app_conf())
    normalize_modes(app_dir)
    return app_dir


def _tar_filter(epoch: int):
    def normalize(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mtime = epoch
        info.mode = 0o755 if info.isdir() else 0o644
        return info

    return normalize


def package(app_dir: Path, dist_dir: Path) -> Path:
    """Write a reproducible <id>-<version>.tgz whose root folder is the app id."""
    app_id, version = app_identity(app_dir / "default" / "app.conf")
    if app_dir.name != app_id:
        raise SystemExit(f"build.py: folder {app_dir.name} is not the app id {app_id}")
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", DEFAULT_EPOCH))
    dist_dir.mkdir(parents=True, exist_ok=True)
    tgz = dist_dir / f"{app_id}-{version}.tgz"
    paths = [app_dir, *sorted(app_dir.rglob("*"))]
    for path in paths:
        if is_forbidden(path.relative_to(app_dir.parent)):
            raise SystemExit(f"build.py: refusing to ship {path}")
    # gzip stores a timestamp and a file name of its own: fix both for reproducibility.
    with open(tgz, "wb") as raw, gzip.GzipFile(
        filename="", mode="wb", fileobj=raw, mtime=epoch
    ) as compressed, tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in paths:
            arcname = path.relative_to(app_dir.parent).as_posix()
            tar.add(path, arcname=arcname, recursive=False, filter=_tar_filter(epoch))
    return tgz


def build(out_root: Path = ROOT) -> Tuple[Path, Path]:
    """Assemble build/<id>/ and dist/<id>-<version>.tgz under out_root."""
    app_dir = assemble(out_root / "build")
    return app_dir, package(app_dir, out_root / "dist")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------
# AppInspect


def appinspect(tgz: Path, report: Path) -> dict:
    """Run AppInspect (precert, cloud tags) and return its JSON report."""
    command = [
        str(VENV / "bin" / "splunk-appinspect"), "inspect", str(tgz),
        "--mode", "precert", "--included-tags", "cloud",
        # Offline: the trusted-libraries download can only fail here, and slowly.
        "--skip-trusted-libraries-update",
        "--data-format", "json", "--output-file", str(report),
    ]
    completed = subprocess.run(command, capture_output=True, text=True)
    if not report.exists():
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"build.py: AppInspect wrote no report (exit {completed.returncode})")
    return json.loads(report.read_text(encoding="utf-8"))


def inspection_summary(report: dict) -> Tuple[dict, List[str]]:
    """Return the result counts and one line per blocking or warning check."""
    counts = dict(report.get("summary", {}))
    findings = []
    for result in report.get("reports", []):
        for group in result.get("groups", []):
            for check in group.get("checks", []):
                if check.get("result") in (*BLOCKING_RESULTS, "warning"):
                    messages = "; ".join(m.get("message", "") for m in check.get("messages", []))
                    findings.append(f"{check['result']}: {check['name']}: {messages[:300]}")
    return counts, findings


def run_inspect(tgz: Path) -> int:
    report_path = tgz.parent / (tgz.name.removesuffix(".tgz") + ".appinspect.json")
    counts, findings = inspection_summary(appinspect(tgz, report_path))
    shown = ", ".join(f"{counts.get(k, 0)} {k}" for k in (*BLOCKING_RESULTS, "warning"))
    print(f"AppInspect (precert, cloud tags): {shown}")
    for line in findings:
        print(f"  {line}")
    shown_path = report_path.relative_to(ROOT) if report_path.is_relative_to(ROOT) else report_path
    print(f"  full report: {shown_path}")
    return 1 if any(counts.get(k, 0) for k in BLOCKING_RESULTS) else 0


# --------------------------------------------------------------------------------------
# Verbs


HELP_FLAGS = ("-h", "--help")


def verb_parser(verb: str, summary: str) -> argparse.ArgumentParser:
    """The parser of a verb defined here: `build.py VERB --help` prints its help."""
    return argparse.ArgumentParser(prog=f"build.py {verb}", description=summary)


def verb_build(args: List[str]) -> int:
    verb_parser("build", VERBS["build"][2] + (
        ". The tarball goes to dist/, the app folder to build/; the exit status is 1 when "
        "AppInspect reports a failure, error or future failure, or the replay fails.")
    ).parse_args(args)
    app_dir, tgz = build()
    print(f"Built {tgz.relative_to(ROOT)} (sha256 {sha256(tgz)[:16]}...)")
    status = run_inspect(tgz)
    samples = sorted(p for p in (ROOT / "samples").glob("*") if p.is_file())
    if samples:
        from devkit import replay

        print(f"Replaying {len(samples)} sample files: the scheduled searches through the engine")
        status |= replay.main(["--summary", *map(str, samples)], app_dir=app_dir)
    return status


def verb_inspect(args: List[str]) -> int:
    parser = verb_parser("inspect", VERBS["inspect"][2] + (
        ". Prints the counts and every failure, error and warning; writes the full JSON "
        "report beside the tarball; exit status 1 on a failure, error or future failure."))
    parser.add_argument("tgz", nargs="?", type=Path, metavar="TGZ",
                        help="the tarball to inspect (default: build one now)")
    options = parser.parse_args(args)
    if options.tgz is not None:
        if not options.tgz.is_file():
            raise BuildError(f"build.py inspect: no such file: {options.tgz}")
        return run_inspect(options.tgz.resolve())
    _app_dir, tgz = build()
    return run_inspect(tgz)


def verb_test(args: List[str]) -> int:
    parser = verb_parser("test", VERBS["test"][2] + (
        ". `ruff check .` first; when it passes, pytest with PYTEST_ARGS (for example "
        "`build.py test tests/unit -x -q`; `build.py test -- --help` shows pytest's own help)."))
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, metavar="PYTEST_ARGS")
    options, unknown = parser.parse_known_args(args)
    pytest_args = [a for a in [*unknown, *options.pytest_args] if a != "--"]
    python = str(venv_python())
    lint = subprocess.run([python, "-m", "ruff", "check", "."], cwd=ROOT)
    if lint.returncode:
        return lint.returncode
    return subprocess.run([python, "-m", "pytest", *pytest_args], cwd=ROOT).returncode


def wants_help(args: List[str]) -> bool:
    return any(arg in HELP_FLAGS for arg in args)


def verb_replay(args: List[str]) -> int:
    from devkit import replay

    # The options are devkit.replay's own (its --help); the app is assembled only to run.
    return replay.main(args, app_dir=None if wants_help(args) else assemble(ROOT / "build"))


def verb_search(args: List[str]) -> int:
    from devkit import adhoc

    # The options are devkit.adhoc's own (its --help); the app is assembled only to run.
    return adhoc.main(args, app_dir=None if wants_help(args) else assemble(ROOT / "build"))


def verb_bench(args: List[str]) -> int:
    from devkit import bench

    return bench.main(args, app_dir=None if wants_help(args) else assemble(ROOT / "build"))


# Mutation testing (python3 build.py mutate): mutmut, pinned in requirements/mutate.txt.
# A MODULE is `aws` (bin/cloud_secrets/aws.py) or `spl.lookups` (devkit/spl/lookups.py, the
# SPL engine the analytics' tests run on); `spl.commands:Streamstats,parse_streamstats`
# mutates only the functions and classes of that module whose name contains one of the
# comma-separated texts after the colon (case matters).
MUTATE_DEFAULT = ("aws", "azure", "gcp", "vault", "rules")
# mutmut's exit codes of a caught mutant: a failing test (1, 3) or a hang past the time
# limit (36, SIGXCPU as 24, -24, 152, and 255), as mutmut's own score counts them.
MUTANT_CAUGHT = {1, 3, 36, 24, -24, 152, 255}
MUTATE_PACKAGES = {"": "bin/cloud_secrets", "spl.": "devkit/spl"}
# The fast unit tests run against each module's mutants (mutmut then runs, per mutant,
# only those of them that reach the mutated function): the module's own tests and the
# engine's. The hypothesis property tests reach every normalizer and take minutes per
# mutant, and test_logs.py inspects logging handlers that in-process runs replace.
MUTATE_TESTS = ("tests/unit/test_engine.py",)
MUTATE_EXTRA_TESTS = {"rules": ("tests/unit/test_regex_safety.py",)}
# The SPL engine's modules: the tests in tests/spl/ that exercise each one (a few seconds
# per run, so a module takes minutes); a module not listed gets all of tests/spl/.
MUTATE_SPL_TESTS = {
    "aggregates": ("test_stats.py", "test_streamstats.py"),
    "lookups": ("test_lookups.py",),
    "commands": ("test_stats.py", "test_streamstats.py", "test_result_commands.py",
                 "test_search.py", "test_lookups.py"),
    "evalexpr": ("test_eval.py",),
    "times": ("test_time.py",),
    "macros": ("test_macros.py",),
    "searchexpr": ("test_search.py",),
}


def _mutate_source(module: str) -> Path:
    """`spl.commands:Streamstats` -> ROOT/devkit/spl/commands.py, `aws` -> .../aws.py."""
    name = module.partition(":")[0]
    prefix = "spl." if name.startswith("spl.") else ""
    return ROOT / MUTATE_PACKAGES[prefix] / f"{name[len(prefix):]}.py"


def _mutate_target(module: str) -> Tuple[Path, str]:
    """`spl.commands:Streamstats` -> (devkit/spl/commands.py, "Streamstats"): the module's
    path in the workspace (its package at the root) and the name filter ("" for none)."""
    source = _mutate_source(module).relative_to(ROOT)
    return (source.relative_to("bin") if source.parts[0] == "bin" else source), \
        module.partition(":")[2]


def _mutate_tests(module: str) -> List[str]:
    name = module.partition(":")[0]
    if name.startswith("spl."):
        files = MUTATE_SPL_TESTS.get(name[4:])
        return [f"tests/spl/{f}" for f in files] if files else ["tests/spl"]
    tests = [f"tests/unit/test_{name}.py", *MUTATE_TESTS, *MUTATE_EXTRA_TESTS.get(name, ())]
    return [t for t in tests if (ROOT / t).exists()]


def _mutate_workspace(module: str) -> Path:
    """A scratch copy laid out as mutmut expects: the package at the root, tests beside it.

    The mutated package is mutmut's source path (copied into its mutants/ folder, first on
    sys.path); the rest is copied beside it. Nothing in the worktree is touched.
    """
    target, _only = _mutate_target(module)
    workspace = CACHE / "mutate" / module.replace(":", "-")
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "bin" / "cloud_secrets", workspace / "cloud_secrets", ignore=ignore)
    copied = ("devkit", "lookups", "tests", "default", "samples")
    for folder in copied:
        shutil.copytree(ROOT / folder, workspace / folder, ignore=ignore)
    shutil.copyfile(ROOT / "build.py", workspace / "build.py")
    package = target.parts[0]
    also_copy = [p for p in ("build.py", "cloud_secrets", *copied) if p not in (package, "tests")]
    (workspace / "setup.cfg").write_text(
        "[mutmut]\n"
        f"source_paths={package}\n"
        f"only_mutate={target.as_posix()}\n"
        "also_copy=" + "".join(f"\n    {p}" for p in also_copy) + "\n"
        "pytest_add_cli_args_test_selection="
        + "".join(f"\n    {t}" for t in _mutate_tests(module)) + "\n"
        "pytest_add_cli_args=\n    -p\n    no:cacheprovider\n",
        encoding="utf-8")
    return workspace


def _mutation_verdicts(workspace: Path, module: str) -> dict:
    """mutant name -> mutmut exit code (1 killed, 0 survived, others: no tests, timeout);
    with a name filter, only the mutants of the functions it selects."""
    target, only = _mutate_target(module)
    meta = workspace / "mutants" / f"{target.as_posix()}.meta"
    verdicts = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return {name: code for name, code in verdicts.items()
            if not only or any(o in name.split("__mutmut_")[0] for o in only.split(","))}


def verb_mutate(args: List[str]) -> int:
    parser = verb_parser("mutate", VERBS["mutate"][2] + (
        ". Each module's mutants run against the fast tests that cover it (minutes per "
        "module, not hours); prints the kill rate per module and lists the survivors. "
        "Not part of CI."))
    parser.add_argument(
        "modules", nargs="*", metavar="MODULE",
        help="NAME for bin/cloud_secrets/NAME.py, run against tests/unit/test_NAME.py and "
             "test_engine.py (default: " + " ".join(MUTATE_DEFAULT) + "); spl.NAME for the "
             "SPL engine's devkit/spl/NAME.py, run against its tests in tests/spl/ "
             "(e.g. spl.aggregates spl.lookups spl.commands); MODULE:TEXT[,TEXT...] mutates only "
             "the functions and classes whose name contains one of the TEXTs, case "
             "sensitive (e.g. spl.commands:Streamstats,parse_streamstats)")
    modules = parser.parse_args(args).modules or list(MUTATE_DEFAULT)
    unknown = [m for m in modules if not _mutate_source(m).exists()]
    if unknown:
        print(f"build.py mutate: no module {_mutate_source(unknown[0]).relative_to(ROOT)}")
        return 2
    rows = []
    for module in modules:
        workspace = _mutate_workspace(module)
        log = workspace / "mutmut.log"
        only = _mutate_target(module)[1]
        names = [f"*{o}*" for o in only.split(",")] if only else []
        print(f"mutating {module} (progress in {log.relative_to(ROOT)})", flush=True)
        with log.open("w") as out:
            run = subprocess.run([str(venv_python()), "-m", "mutmut", "run", *names],
                                 cwd=workspace, stdout=out, stderr=subprocess.STDOUT)
        if run.returncode:
            print(f"  mutmut failed ({run.returncode}); see {log}")
            return run.returncode
        verdicts = _mutation_verdicts(workspace, module)
        killed = sum(1 for code in verdicts.values() if code in MUTANT_CAUGHT)
        survivors = sorted(name for name, code in verdicts.items() if code not in MUTANT_CAUGHT)
        (workspace / "survivors.txt").write_text("".join(f"{n}\n" for n in survivors))
        rows.append((module, len(verdicts), killed))
        print(f"  {killed}/{len(verdicts)} killed; survivors listed in "
              f"{(workspace / 'survivors.txt').relative_to(ROOT)} "
              f"(show one: cd {workspace.relative_to(ROOT)} && mutmut show NAME)", flush=True)
    width = max(len(m) for m, _t, _k in rows) if rows else 6
    print(f"\n{'module':<{width}}  mutants  killed  kill rate")
    for module, total, killed in rows:
        print(f"{module:<{width}}  {total:>7} {killed:>7}  {killed / max(total, 1):>8.1%}")
    return 0


# verb: (function taking the verb's arguments, requirements file, one-line summary)
VERBS = {
    "build": (verb_build, "build.txt",
              "build the tarball, run AppInspect on it, replay samples/ (the default verb)"),
    "test": (verb_test, "test.txt",
             "ruff, then the pytest suite; further arguments go to pytest"),
    "inspect": (verb_inspect, "build.txt",
                "Splunk AppInspect (--mode precert --included-tags cloud) on a tarball"),
    "replay": (verb_replay, "build.txt",
               "raw vendor log files and folders through the packaged command and the analytics"),
    "bench": (verb_bench, "build.txt",
              "throughput, start-up and memory of the command against do-nothing commands"),
    "search": (verb_search, "build.txt",
               "one ad-hoc SPL search over raw vendor log files and folders"),
    "mutate": (verb_mutate, "mutate.txt",
               "mutation testing of bin/cloud_secrets and devkit/spl modules with fast tests"),
}


def usage() -> str:
    width = max(map(len, VERBS))
    lines = ["usage: python3 build.py [VERB] [ARGS...]   (VERB --help for its options)", "",
             "verbs:"]
    lines += [f"  {name.ljust(width)}  {summary}" for name, (_f, _r, summary) in VERBS.items()]
    return "\n".join(lines)


def main(argv: List[str]) -> int:
    problem = unusable_python()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    verb, args = (argv[0], argv[1:]) if argv else ("build", [])
    if verb in (*HELP_FLAGS, "help"):
        print(usage())
        return 0
    if verb not in VERBS:
        what = "option" if verb.startswith("-") else "verb"
        print(f"build.py: unknown {what} {verb!r}\n{usage()}", file=sys.stderr)
        return 2
    handler, requirements, _summary = VERBS[verb]
    try:
        rerun_in_venv(REQUIREMENTS / requirements)
        sys.path.insert(0, str(ROOT))
        return handler(args)
    except BuildError as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("build.py: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
