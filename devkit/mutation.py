"""Mutation testing of the core and the SPL engine: `python3 build.py mutate`.

mutmut (pinned in requirements/mutate.txt) mutates one module at a time and runs, per
mutant, the fast tests that reach the mutated function. A MODULE is named
- `aws` for bin/cloud_secrets/aws.py, run against tests/unit/test_aws.py, the engine's
  tests and the `EXTRA_TESTS` of that module;
- `spl.lookups` for devkit/spl/lookups.py (the SPL engine the analytics' tests run on),
  run against the tests of tests/spl/ that exercise it (`SPL_TESTS`; all of tests/spl/
  for a module not listed);
- `devkit.jsontext` for devkit/jsontext.py (the JSON reader of the tests and the SPL
  engine), run against `DEVKIT_TESTS`;
- `setup.fields` for bin/cloud_secrets_setup/fields.py (the configuration page's checks
  of the macros it saves), run against `SETUP_TESTS`: the tests that call the page's
  validators in-process (the handler tests run the built app in a subprocess, which
  the mutants never reach);
- `spl.statistics:Streamstats,parse_streamstats` to mutate only the functions and
  classes of that module whose name contains one of the comma-separated texts after the
  colon (case matters).

Each module runs in a scratch copy under .cache/mutate/<MODULE>/ laid out as mutmut
expects (the package at the root, the tests beside it); nothing in the checkout is
touched. A mutant counts as caught when a test fails or the tests hang past mutmut's
time limit, as mutmut's own score counts them. mutmut does not mutate decorated
functions, so the SPL engine's command parsers (`@command`) are not measured.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Tuple

from devkit.bootstrap import CACHE, ROOT, venv_python

DEFAULT_MODULES = ("aws", "azure", "gcp", "vault", "rules", "regex_safety", "conf_file")
# mutmut's exit codes of a caught mutant: a failing test (1, 3) or a hang past the time
# limit (36, SIGXCPU as 24, -24, 152, and 255), as mutmut's own score counts them.
CAUGHT = {1, 3, 36, 24, -24, 152, 255}
PACKAGES = {"": "bin/cloud_secrets", "spl.": "devkit/spl", "devkit.": "devkit",
            "setup.": "bin/cloud_secrets_setup"}
# The fast unit tests run against each module's mutants (mutmut then runs, per mutant,
# only those of them that reach the mutated function): the module's own tests and the
# engine's. The hypothesis property tests reach every normalizer and take minutes per
# mutant, and test_logs.py inspects logging handlers that in-process runs replace.
CORE_TESTS = ("tests/unit/test_engine.py",)
EXTRA_TESTS = {"rules": ("tests/unit/test_regex_safety.py",),
               "regex_safety": ("tests/unit/test_rules.py",),
               "conf_file": ("tests/unit/test_rules.py",)}
# The SPL engine's modules: the tests in tests/spl/ that exercise each one (a few seconds
# per run, so a module takes minutes); a module not listed gets all of tests/spl/.
SPL_TESTS = {
    "aggregates": ("test_stats.py", "test_streamstats.py"),
    "lookups": ("test_lookups.py",),
    "commands": ("test_stats.py", "test_streamstats.py", "test_result_commands.py",
                 "test_search.py", "test_lookups.py"),
    "filtering": ("test_search.py", "test_result_commands.py"),
    "streaming": ("test_eval.py", "test_result_commands.py", "test_top_rare.py"),
    "statistics": ("test_stats.py", "test_streamstats.py"),
    "reporting": ("test_top_rare.py", "test_chart.py"),
    "series": ("test_chart.py", "test_timechart.py"),
    "timebins": ("test_time.py", "test_stats.py", "test_timechart.py"),
    "shaping": ("test_result_commands.py",),
    "spath": ("test_spath.py",),
    "jsonpath": ("test_spath.py", "test_eval.py"),
    "lookup_commands": ("test_lookups.py",),
    "generating": ("test_result_commands.py",),
    "catalog": ("test_error_positions.py",),
    "evalexpr": ("test_eval.py",),
    "evalops": ("test_eval.py",),
    "evalfunctions": ("test_eval.py",),
    "times": ("test_time.py",),
    "macros": ("test_macros.py", "test_error_positions.py"),
    "searchexpr": ("test_search.py",),
}
# devkit's own modules that tests pin down: the tests that exercise each one.
DEVKIT_TESTS = {
    "jsontext": ("tests/spl/test_spath.py", "tests/spl/test_eval.py",
                 "tests/unit/test_fields.py", "tests/unit/test_jsontext.py"),
}
# The configuration page's modules: the tests that call them in-process.
SETUP_TESTS = {
    "fields": ("tests/setup/test_source_macros.py", "tests/setup/test_threshold_checks.py"),
}
# Copied beside the mutated package into the scratch copy: what the tests import or read.
COPIED = ("devkit", "lookups", "tests", "default", "samples", "ucc")


def source_of(module: str) -> Path:
    """`spl.statistics:Streamstats` -> ROOT/devkit/spl/statistics.py, `aws` -> .../aws.py."""
    name = module.partition(":")[0]
    prefix = next((p for p in ("spl.", "devkit.", "setup.") if name.startswith(p)), "")
    return ROOT / PACKAGES[prefix] / f"{name[len(prefix):]}.py"


def target_of(module: str) -> Tuple[Path, str]:
    """`spl.statistics:Streamstats` -> (devkit/spl/statistics.py, "Streamstats"): the module's
    path in the scratch copy (its package at the root) and the name filter ("" for none)."""
    source = source_of(module).relative_to(ROOT)
    return (source.relative_to("bin") if source.parts[0] == "bin" else source), \
        module.partition(":")[2]


def tests_of(module: str) -> List[str]:
    """The test files run against the mutants of `module` (those that exist)."""
    name = module.partition(":")[0]
    if name.startswith("devkit."):
        return list(DEVKIT_TESTS.get(name[len("devkit."):], ("tests/spl",)))
    if name.startswith("setup."):
        return list(SETUP_TESTS.get(name[len("setup."):], ("tests/setup",)))
    if name.startswith("spl."):
        files = SPL_TESTS.get(name[4:])
        return [f"tests/spl/{f}" for f in files] if files else ["tests/spl"]
    tests = [f"tests/unit/test_{name}.py", *CORE_TESTS, *EXTRA_TESTS.get(name, ())]
    return [t for t in tests if (ROOT / t).exists()]


def make_workspace(module: str) -> Path:
    """A scratch copy laid out as mutmut expects: the package at the root, tests beside it.

    The mutated package is mutmut's source path (copied into its mutants/ folder, first on
    sys.path); the rest is copied beside it. Nothing in the checkout is touched.
    """
    target, _only = target_of(module)
    workspace = CACHE / "mutate" / module.replace(":", "-")
    shutil.rmtree(workspace, ignore_errors=True)
    workspace.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package_dir in ("cloud_secrets", "cloud_secrets_setup"):
        shutil.copytree(ROOT / "bin" / package_dir, workspace / package_dir, ignore=ignore)
    for folder in COPIED:
        shutil.copytree(ROOT / folder, workspace / folder, ignore=ignore)
    package = target.parts[0]
    also_copy = [p for p in ("cloud_secrets", "cloud_secrets_setup", *COPIED)
                 if p not in (package, "tests")]
    (workspace / "setup.cfg").write_text(
        "[mutmut]\n"
        f"source_paths={package}\n"
        f"only_mutate={target.as_posix()}\n"
        "also_copy=" + "".join(f"\n    {p}" for p in also_copy) + "\n"
        "pytest_add_cli_args_test_selection="
        + "".join(f"\n    {t}" for t in tests_of(module)) + "\n"
        "pytest_add_cli_args=\n    -p\n    no:cacheprovider\n",
        encoding="utf-8")
    return workspace


def verdicts_of(workspace: Path, module: str) -> Dict[str, int]:
    """mutant name -> mutmut exit code (1 killed, 0 survived, others: no tests, timeout);
    with a name filter, only the mutants of the functions it selects."""
    target, only = target_of(module)
    meta = workspace / "mutants" / f"{target.as_posix()}.meta"
    verdicts = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return {name: code for name, code in verdicts.items()
            if not only or any(o in name.split("__mutmut_")[0] for o in only.split(","))}


def run(modules: List[str]) -> int:
    """Mutate each module in turn, print its kill rate and where its survivors are listed,
    then a table of all; 2 for a module that does not exist, mutmut's status if it fails."""
    unknown = [m for m in modules if not source_of(m).exists()]
    if unknown:
        print(f"build.py mutate: no module {source_of(unknown[0]).relative_to(ROOT)}")
        return 2
    rows = []
    for module in modules:
        workspace = make_workspace(module)
        log = workspace / "mutmut.log"
        only = target_of(module)[1]
        names = [f"*{o}*" for o in only.split(",")] if only else []
        print(f"mutating {module} (progress in {log.relative_to(ROOT)})", flush=True)
        with log.open("w") as out:
            mutmut = subprocess.run([str(venv_python()), "-m", "mutmut", "run", *names],
                                    cwd=workspace, stdout=out, stderr=subprocess.STDOUT)
        if mutmut.returncode:
            print(f"  mutmut failed ({mutmut.returncode}); see {log}")
            return mutmut.returncode
        verdicts = verdicts_of(workspace, module)
        killed = sum(1 for code in verdicts.values() if code in CAUGHT)
        survivors = sorted(name for name, code in verdicts.items() if code not in CAUGHT)
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
