#!/usr/bin/env python3
"""Build, inspect, test, replay and benchmark the cloud_secrets_detection Splunk app.

Usage, from the repository root, on a fresh machine:

    python3 build.py                 build the tarball, run AppInspect on it, replay samples/
    python3 build.py test [ARGS]     ruff, then the whole pytest suite (ARGS go to pytest)
    python3 build.py inspect [TGZ]   AppInspect with the cloud tags (default: the last build)
    python3 build.py replay [--app DIR] [--baseline FILE] [--lookup NAME=FILE]... [--state DIR]
                            [--lag SPAN] [--tz ZONE] [--search NAME]...
                            [--format table|csv|json] [--summary] PATH...
                                     the app's scheduled searches over vendor logs, offline
    python3 build.py search [--app DIR] [--lag SPAN] [--tz ZONE] [--earliest T] [--latest T]
                            [--format table|csv|json] 'SPL' PATH...
                                     one ad-hoc SPL search over vendor logs
    python3 build.py bench [--soak]  throughput, start-up, rule cost and memory of the command

Only the standard library is imported at the top of this file: every verb first makes
sure that .venv exists with the pinned tools of requirements/, then runs itself again
inside it, where the verbs may import those tools and the repository's devkit/.
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
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
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


# --------------------------------------------------------------------------------------
# The virtual environment


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _requirements_digest(path: Path) -> str:
    """Hash a requirements file together with the files it includes with -r."""
    digest = hashlib.sha256()
    pending = [path]
    while pending:
        current = pending.pop()
        text = current.read_text(encoding="utf-8")
        digest.update(text.encode("utf-8"))
        for line in text.splitlines():
            if line.startswith("-r "):
                pending.append(current.parent / line[3:].strip())
    return digest.hexdigest()


def ensure_venv(requirements: Path) -> None:
    """Create .venv when missing and install `requirements` when they changed."""
    if not venv_python().exists():
        print(f"build.py: creating {VENV.relative_to(ROOT)}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    stamp = VENV / f".installed-{requirements.stem}"
    digest = _requirements_digest(requirements)
    if stamp.exists() and stamp.read_text() == digest:
        return
    print(f"build.py: installing {requirements.relative_to(ROOT)} into .venv", flush=True)
    subprocess.run(
        # -qq: this workplace's pip configuration warns about absent mirror folders.
        [str(venv_python()), "-m", "pip", "install", "-qq", "--disable-pip-version-check",
         "-r", str(requirements)],
        check=True,
    )
    stamp.write_text(digest)


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def rerun_in_venv(requirements: Path) -> None:
    """Make sure .venv holds `requirements`, then continue this command inside it."""
    if in_venv():
        return
    ensure_venv(requirements)
    python = str(venv_python())
    os.execv(python, [python, str(Path(__file__).resolve()), *sys.argv[1:]])


# --------------------------------------------------------------------------------------
# App metadata (default/app.conf is the one source of the id and the version)


def read_app_conf(app_conf: Path = ROOT / "default" / "app.conf") -> dict:
    """Parse app.conf with the Splunk conf parser (inside .venv only)."""
    from addonfactory_splunk_conf_parser_lib import TABConfigParser

    parser = TABConfigParser()
    parser.read(str(app_conf))
    return {section: dict(parser.items(section)) for section in parser.sections()}


def app_identity(app_conf: Path = ROOT / "default" / "app.conf") -> tuple[str, str]:
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
    """Install requirements/vendor.txt into a cache folder once and return it."""
    requirements = REQUIREMENTS / "vendor.txt"
    target = CACHE / "vendor" / _requirements_digest(requirements)[:16]
    if (target / ".complete").exists():
        return target
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    subprocess.run(
        [str(venv_python() if venv_python().exists() else sys.executable), "-m", "pip",
         "install", "-qq", "--disable-pip-version-check", "--no-deps", "--no-compile",
         "--target", str(staging), "-r", str(requirements)],
        check=True,
    )
    # splunk-sdk 3.x brings splunklib/ai (Python 3.10+ syntax, not needed); console
    # scripts land in bin/. Neither may ship.
    for leftover in ("splunklib/ai", "bin"):
        shutil.rmtree(staging / leftover, ignore_errors=True)
    for cache in staging.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    (target / ".complete").write_text("")
    return target


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


def _pip_target(requirements: Path, flags: list[str]) -> Path:
    """pip install --target into a cache folder named after the requirements; return it."""
    digest = hashlib.sha256((_requirements_digest(requirements) + " ".join(flags)).encode())
    target = CACHE / requirements.stem / digest.hexdigest()[:16]
    if (target / ".complete").exists():
        return target
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    subprocess.run(
        [str(venv_python() if venv_python().exists() else sys.executable), "-m", "pip",
         "install", "-qq", "--disable-pip-version-check", "--no-deps", "--no-compile",
         "--target", str(staging), *flags, "-r", str(requirements)],
        check=True,
    )
    shutil.rmtree(staging / "bin", ignore_errors=True)  # console scripts never ship
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


def ucc_generate(app_id: str, version: str) -> Path:
    """Run UCC's ucc-gen on ucc/globalConfig.json; return its app folder (cached)."""
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


def build(out_root: Path = ROOT) -> tuple[Path, Path]:
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


def inspection_summary(report: dict) -> tuple[dict, list[str]]:
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


def verb_build(_args: list[str]) -> int:
    app_dir, tgz = build()
    print(f"Built {tgz.relative_to(ROOT)} (sha256 {sha256(tgz)[:16]}...)")
    status = run_inspect(tgz)
    samples = sorted(p for p in (ROOT / "samples").glob("*") if p.is_file())
    if samples:
        from devkit import replay

        print(f"Replaying {len(samples)} sample files: the scheduled searches through the engine")
        status |= replay.main(["--summary", *map(str, samples)], app_dir=app_dir)
    return status


def verb_inspect(args: list[str]) -> int:
    if args:
        return run_inspect(Path(args[0]).resolve())
    _app_dir, tgz = build()
    return run_inspect(tgz)


def verb_test(args: list[str]) -> int:
    python = str(venv_python())
    lint = subprocess.run([python, "-m", "ruff", "check", "."], cwd=ROOT)
    if lint.returncode:
        return lint.returncode
    return subprocess.run([python, "-m", "pytest", *args], cwd=ROOT).returncode


def verb_replay(args: list[str]) -> int:
    from devkit import replay

    return replay.main(args, app_dir=assemble(ROOT / "build"))


def verb_search(args: list[str]) -> int:
    from devkit import adhoc

    return adhoc.main(args, app_dir=assemble(ROOT / "build"))


def verb_bench(args: list[str]) -> int:
    from devkit import bench

    return bench.main(args, app_dir=assemble(ROOT / "build"))


# Mutation testing (python3 build.py mutate): mutmut, pinned in requirements/mutate.txt.
MUTATE_DEFAULT = ("aws", "azure", "gcp", "vault", "rules")
# The fast unit tests run against each module's mutants (mutmut then runs, per mutant,
# only those of them that reach the mutated function): the module's own tests and the
# engine's. The hypothesis property tests reach every normalizer and take minutes per
# mutant, and test_logs.py inspects logging handlers that in-process runs replace.
MUTATE_TESTS = ("test_engine.py",)
MUTATE_EXTRA_TESTS = {"rules": ("test_regex_safety.py",)}


def _mutate_workspace(module: str) -> Path:
    """A scratch copy laid out as mutmut expects: the package at the root, tests beside it.

    Nothing in the worktree is touched; mutmut writes its mutants/ under this folder.
    """
    workspace = CACHE / "mutate" / module
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "bin" / "cloud_secrets", workspace / "cloud_secrets", ignore=ignore)
    for folder in ("devkit", "lookups"):
        shutil.copytree(ROOT / folder, workspace / folder, ignore=ignore)
    shutil.copytree(ROOT / "tests", workspace / "tests", ignore=ignore)
    shutil.copyfile(ROOT / "build.py", workspace / "build.py")
    tests = [f"test_{module}.py", *MUTATE_TESTS, *MUTATE_EXTRA_TESTS.get(module, ())]
    selection = "".join(f"\n    tests/unit/{name}" for name in tests
                        if (ROOT / "tests" / "unit" / name).exists())
    (workspace / "setup.cfg").write_text(
        "[mutmut]\n"
        "source_paths=cloud_secrets\n"
        f"only_mutate=cloud_secrets/{module}.py\n"
        "also_copy=\n    build.py\n    devkit\n    lookups\n"
        f"pytest_add_cli_args_test_selection={selection}\n"
        "pytest_add_cli_args=\n    -p\n    no:cacheprovider\n",
        encoding="utf-8")
    return workspace


def _mutation_verdicts(workspace: Path, module: str) -> dict:
    """mutant name -> mutmut exit code (1 killed, 0 survived, others: no tests, timeout)."""
    meta = workspace / "mutants" / "cloud_secrets" / f"{module}.py.meta"
    return json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]


def verb_mutate(args: list[str]) -> int:
    ensure_venv(REQUIREMENTS / "mutate.txt")
    modules = args or list(MUTATE_DEFAULT)
    unknown = [m for m in modules if not (ROOT / "bin" / "cloud_secrets" / f"{m}.py").exists()]
    if unknown:
        print(f"build.py mutate: no module bin/cloud_secrets/{unknown[0]}.py")
        return 2
    rows = []
    for module in modules:
        workspace = _mutate_workspace(module)
        log = workspace / "mutmut.log"
        print(f"mutating {module}.py (progress in {log.relative_to(ROOT)})", flush=True)
        with log.open("w") as out:
            run = subprocess.run([str(venv_python()), "-m", "mutmut", "run"], cwd=workspace,
                                 stdout=out, stderr=subprocess.STDOUT)
        if run.returncode:
            print(f"  mutmut failed ({run.returncode}); see {log}")
            return run.returncode
        verdicts = _mutation_verdicts(workspace, module)
        killed = sum(1 for code in verdicts.values() if code == 1)
        survivors = sorted(name for name, code in verdicts.items() if code != 1)
        (workspace / "survivors.txt").write_text("".join(f"{n}\n" for n in survivors))
        rows.append((module, len(verdicts), killed))
        print(f"  {killed}/{len(verdicts)} killed; survivors listed in "
              f"{(workspace / 'survivors.txt').relative_to(ROOT)} "
              f"(show one: cd {workspace.relative_to(ROOT)} && mutmut show NAME)", flush=True)
    print("\nmodule      mutants  killed  kill rate")
    for module, total, killed in rows:
        print(f"{module:<11} {total:>7} {killed:>7}  {killed / max(total, 1):>8.1%}")
    return 0


VERBS = {
    "build": (verb_build, "build the tarball, run AppInspect, replay samples/ (the default)"),
    "test": (verb_test, "ruff, then the whole pytest suite; further arguments go to pytest"),
    "inspect": (verb_inspect, "AppInspect with the cloud tags on TGZ (default: a fresh build)"),
    "replay": (verb_replay, "the app's scheduled searches over raw vendor logs (--help)"),
    "search": (verb_search, "one ad-hoc SPL search over raw vendor logs (--help)"),
    "bench": (verb_bench, "benchmark the packaged command (--help)"),
    "mutate": (verb_mutate, "mutation testing of bin/cloud_secrets modules (default: "
                            "aws azure gcp vault rules)"),
}


def main(argv: list[str]) -> int:
    verb, args = (argv[0], argv[1:]) if argv else ("build", [])
    if verb not in VERBS:
        print(__doc__)
        return 0 if verb in ("-h", "--help", "help") else 2
    rerun_in_venv(REQUIREMENTS / ("test.txt" if verb == "test" else "build.txt"))
    sys.path.insert(0, str(ROOT))
    handler, _help = VERBS[verb]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
