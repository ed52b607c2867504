"""The app folder and its tarball: what ships, vendored libraries, the configuration page.

`assemble(out_dir)` makes `out_dir/<app id>/`, the app exactly as it ships:
1. the allowlist (`SHIPPED`: app/, bin/, default/, lookups/) copied without anything
   that must never ship (`is_forbidden`: local/, local.meta, caches, dot-files);
2. splunk-sdk (requirements/vendor.txt) into `bin/lib/`, installed with
   `pip install --target` into a cache folder once per set of pins (`vendored_packages`);
3. the configuration page: UCC's `ucc-gen` run on ucc/globalConfig.json (cached per
   input), of whose output only `UCC_TAKEN` is merged (the page, its view and the REST
   endpoints; where bin/ has a file of the same name, ours wins), and the handlers'
   libraries (requirements/setup-page.txt, pure-Python wheels for 3.9) into `lib/`;
4. app.manifest stamped with app.conf's id, version, title and description, and modes
   0755 for folders and 0644 for files (AppInspect rejects executable bits outside bin/).

`package(app_dir, dist_dir)` writes a reproducible `<id>-<version>.tgz` (fixed owner,
modes and times: `SOURCE_DATE_EPOCH`, else 2026-01-01), whose root folder is the app id.
`build()` does both, into build/ and dist/.

default/app.conf is the one source of the id and the version (`app_identity`); the
repository's ucc/globalConfig.json and app/app.manifest must carry the same version
(`check_declared_versions`).
Runs inside .venv (the Splunk conf parser, ucc-gen and pip come from the pins).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Callable, List, Tuple

from devkit.bootstrap import CACHE, REQUIREMENTS, ROOT, BuildError, requirements_digest, venv_python

# What ships, as (source in the repository, destination inside the app folder).
# Anything not listed here never reaches the tarball: build.py, tests/, devkit/,
# samples/, docs/, dot-files, the repository README. app/ holds what has no other home
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

UCC_CONFIG = ROOT / "ucc" / "globalConfig.json"
# What the app takes from UCC's output: the page (appserver/), its view, and the REST
# endpoints. Where the repository has a file of the same path, the repository's wins:
# bin/ holds our own handlers under the names UCC generates. Not taken: UCC's app.conf,
# nav, metadata and app.manifest (ours are the source), its settings .conf and spec
# (the page stores nothing of its own: it writes macros and the rules conf file), its
# lib/ (vendored below) and its generated handlers.
UCC_TAKEN = ("appserver", "default/restmap.conf", "default/web.conf",
             "default/data/ui/views/configuration.xml", "README/restmap.conf.spec")


# --------------------------------------------------------------------------------------
# App metadata (default/app.conf is the one source of the id and the version)


def read_app_conf(app_conf: Path = ROOT / "default" / "app.conf") -> dict:
    """app.conf as {stanza: {key: value}}, read with the Splunk conf parser."""
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
# Vendored libraries (pip install --target into .cache/, once per set of pins)


def vendored_packages() -> Path:
    """Install requirements/vendor.txt (splunk-sdk) into a cache folder once and return it.

    PEP 517 builds on every pip: the pip of a Python 3.9 venv (23.0) would otherwise
    install the sdist the legacy way, as splunk_sdk-*-py3.9.egg-info. splunk-sdk 3.x
    brings splunklib/ai (Python 3.10+ syntax, not needed), which never ships.
    """
    return pip_target(REQUIREMENTS / "vendor.txt", ["--use-pep517"],
                      unwanted=("splunklib/ai",))


def setup_page_packages() -> Path:
    """splunktaucclib, solnlib and their dependencies, as pure-Python wheels for 3.9."""
    return pip_target(REQUIREMENTS / "setup-page.txt", [
        "--python-version", "3.9", "--implementation", "py", "--abi", "none",
        "--platform", "any", "--only-binary=:all:"])


def pip_target(requirements: Path, flags: List[str], unwanted: Tuple[str, ...] = ()) -> Path:
    """pip install --target into a cache folder named after the requirements and flags;
    return it. Console scripts (bin/), caches and the `unwanted` paths are removed."""
    digest = hashlib.sha256((requirements_digest(requirements) + " ".join(flags)).encode())
    target = CACHE / requirements.stem / digest.hexdigest()[:16]
    if (target / ".complete").exists():
        return target
    staging = target.with_name(f"{target.name}.{os.getpid()}.tmp")  # one per process
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
    (staging / ".complete").write_text("")
    publish(staging, target)
    return target


def publish(staging: Path, target: Path) -> None:
    """Move a finished cache folder into place in one rename. Two commands of one
    checkout may build the same one at once: the first to finish wins, the other's copy
    goes; a folder left incomplete by an interrupted build is replaced."""
    try:
        staging.rename(target)
        return
    except OSError:
        if (target / ".complete").exists():
            shutil.rmtree(staging, ignore_errors=True)
            return
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


# --------------------------------------------------------------------------------------
# The configuration page: UCC generates it, splunktaucclib and solnlib run it


def check_declared_versions(version: str) -> None:
    """Fail when ucc/globalConfig.json's meta.version or app/app.manifest's version is not
    app.conf's version.

    The build writes app.conf's version into the shipped manifest and gives it to ucc-gen
    (--ta-version), which writes it into the page it generates, so what ships always
    carries app.conf's; the repository's copies are checked so that whoever reads or
    edits them sees the real version too.
    """
    manifest = json.loads((ROOT / "app" / "app.manifest").read_text(encoding="utf-8"))
    declared = {
        "ucc/globalConfig.json meta.version":
            json.loads(UCC_CONFIG.read_text(encoding="utf-8"))["meta"].get("version"),
        "app/app.manifest info.id.version": manifest["info"]["id"].get("version"),
    }
    for where, value in declared.items():
        if value != version:
            raise SystemExit(f"build.py: {where} {value} is not app.conf's version "
                             f"{version}: bump them together")


def ucc_generate(app_id: str, version: str) -> Path:
    """Run UCC's ucc-gen on ucc/globalConfig.json; return its app folder (cached)."""
    check_declared_versions(version)
    manifest = json.loads((ROOT / "app" / "app.manifest").read_text(encoding="utf-8"))
    manifest["info"]["id"].update(name=app_id, version=version)
    inputs = json.dumps(manifest, sort_keys=True) + UCC_CONFIG.read_text(encoding="utf-8")
    key = hashlib.sha256((inputs + requirements_digest(REQUIREMENTS / "build.txt")).encode())
    work = CACHE / "ucc" / key.hexdigest()[:16]
    generated = work / "output" / app_id
    if (work / ".complete").exists():
        return generated
    staging = work.with_name(f"{work.name}.{os.getpid()}.tmp")  # one per process
    shutil.rmtree(staging, ignore_errors=True)
    source = staging / "source"
    (source / "package").mkdir(parents=True)
    (source / "package" / "app.manifest").write_text(json.dumps(manifest, indent=2))
    # ucc-gen rewrites the globalConfig it is given (version, schema): give it a copy.
    shutil.copyfile(UCC_CONFIG, source / "globalConfig.json")
    completed = subprocess.run(
        [sys.executable, "-m", "splunk_add_on_ucc_framework", "build",
         "--source", str(source / "package"), "--config", str(source / "globalConfig.json"),
         "--ta-version", version, "--output", str(staging / "output"), "--overwrite",
         "--python-binary-name", sys.executable],
        capture_output=True, text=True,
    )
    # ucc-gen logs an uncaught error and still exits 0: its output is the test.
    if completed.returncode or not (staging / "output" / app_id / "appserver").is_dir():
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit("build.py: ucc-gen did not generate the configuration page")
    (staging / ".complete").write_text("")
    publish(staging, work)
    return generated


def ucc_build_stamp(generated: Path) -> str:
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
    stamp = ucc_build_stamp(generated)
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
    copy_tree(setup_page_packages(), app_dir / "lib")


# --------------------------------------------------------------------------------------
# Assembling the app folder and the tarball


def is_forbidden(relative: Path) -> bool:
    """True for paths that must never ship (checked on every path part)."""
    return any(
        part in FORBIDDEN_NAMES or part.startswith(".") or part.endswith(FORBIDDEN_SUFFIXES)
        for part in relative.parts
    )


def copy_tree(source: Path, destination: Path) -> None:
    """Copy what may ship of `source` into `destination` (bin/lib of the repository is
    left out: it is vendored at build time)."""
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


def stamp_manifest(app_dir: Path, app_id: str, version: str, conf: dict) -> None:
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
            copy_tree(source_path, app_dir / destination)
        else:
            shutil.copyfile(source_path, app_dir / destination)
    copy_tree(vendored_packages(), app_dir / "bin" / "lib")
    merge_configuration_page(app_dir, app_id, version)
    stamp_manifest(app_dir, app_id, version, read_app_conf())
    normalize_modes(app_dir)
    return app_dir


def tar_filter(epoch: int) -> Callable[[tarfile.TarInfo], tarfile.TarInfo]:
    """A tarfile filter giving every member one owner, mode and time (reproducible)."""

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
            tar.add(path, arcname=arcname, recursive=False, filter=tar_filter(epoch))
    return tgz


def build(out_root: Path = ROOT) -> Tuple[Path, Path]:
    """Assemble build/<id>/ and dist/<id>-<version>.tgz under out_root."""
    app_dir = assemble(out_root / "build")
    return app_dir, package(app_dir, out_root / "dist")


def sha256(path: Path) -> str:
    """The hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
