#!/usr/bin/env python3
"""Build, inspect, test, replay and benchmark the cloud_secrets_detection Splunk app.

Usage, from the repository root, on a fresh machine with Python 3.9 to 3.13:

    python3 build.py                 build the tarball, run AppInspect on it, replay samples/
    python3 build.py VERB --help     what VERB does and its options
    python3 build.py --help          the list of verbs

This file is the command line only; the work is done by devkit/ modules:
devkit.bootstrap (the Python and .venv: standard library only, imported first),
devkit.packaging (the app folder and the tarball), devkit.appinspect, devkit.replay and
devkit.adhoc (`replay`, `search`), devkit.bench and devkit.mutation. Only the standard
library and devkit.bootstrap are imported at the top, so that `--help` works and a
Python older than 3.9 gets one clear line; every verb first makes sure that .venv holds
the pins of its requirements file, then runs itself again inside it, where it imports
the rest of devkit/ and the pinned tools.

A verb is a function taking its argument list (it parses them itself, with --help),
plus one entry in VERBS: (function, requirements file, one-line summary).
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator, List

from devkit import bootstrap
from devkit.bootstrap import REQUIREMENTS, ROOT, BuildError

HELP_FLAGS = ("-h", "--help")


def verb_parser(verb: str, summary: str) -> argparse.ArgumentParser:
    """The parser of a verb defined here: `build.py VERB --help` prints its help."""
    return argparse.ArgumentParser(prog=f"build.py {verb}", description=summary)


def wants_help(args: List[str]) -> bool:
    return any(arg in HELP_FLAGS for arg in args)


def verb_build(args: List[str]) -> int:
    from devkit import appinspect, packaging, replay

    verb_parser("build", VERBS["build"][2] + (
        ". The tarball goes to dist/, the app folder to build/; the exit status is 1 when "
        "AppInspect reports a failure, error or future failure, or the replay fails.")
    ).parse_args(args)
    app_dir, tgz = packaging.build()
    print(f"Built {tgz.relative_to(ROOT)} (sha256 {packaging.sha256(tgz)[:16]}...)")
    status = appinspect.run_inspect(tgz)
    samples = sorted(p for p in (ROOT / "samples").glob("*") if p.is_file())
    if samples:
        print(f"Replaying {len(samples)} sample files: the scheduled searches through the engine")
        status |= replay.main(["--summary", *map(str, samples)], app_dir=app_dir)
    return status


def verb_inspect(args: List[str]) -> int:
    from devkit import appinspect, packaging

    parser = verb_parser("inspect", VERBS["inspect"][2] + (
        ". Prints the counts and every failure, error and warning; writes the full JSON "
        "report beside the tarball; exit status 1 on a failure, error or future failure."))
    parser.add_argument("tgz", nargs="?", type=Path, metavar="TGZ",
                        help="the tarball to inspect (default: build one now)")
    options = parser.parse_args(args)
    if options.tgz is not None:
        if not options.tgz.is_file():
            raise BuildError(f"build.py inspect: no such file: {options.tgz}")
        return appinspect.run_inspect(options.tgz.resolve())
    _app_dir, tgz = packaging.build()
    return appinspect.run_inspect(tgz)


def verb_test(args: List[str]) -> int:
    parser = verb_parser("test", VERBS["test"][2] + (
        ". `ruff check .` first; when it passes, pytest with PYTEST_ARGS (for example "
        "`build.py test tests/unit -x -q`; `build.py test -- --help` shows pytest's own help)."))
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, metavar="PYTEST_ARGS")
    options, unknown = parser.parse_known_args(args)
    pytest_args = [a for a in [*unknown, *options.pytest_args] if a != "--"]
    python = str(bootstrap.venv_python())
    lint = subprocess.run([python, "-m", "ruff", "check", "."], cwd=ROOT)
    if lint.returncode:
        return lint.returncode
    return subprocess.run([python, "-m", "pytest", *pytest_args], cwd=ROOT).returncode


@contextlib.contextmanager
def private_build() -> Iterator[Callable[[], Path]]:
    """A builder of the app into a temporary folder of this command's own, removed at the
    end: `replay` and `search` never touch build/ (where a user may tune the app) and two
    of them running at once in one checkout never share a folder. The app is assembled
    only if the command asks for it (not with --app or --help)."""
    from devkit import packaging

    work = Path(tempfile.mkdtemp(prefix="cloud_secrets_build_"))
    try:
        yield lambda: packaging.assemble(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def verb_replay(args: List[str]) -> int:
    from devkit import replay

    # The options are devkit.replay's own (its --help); --app DIR is only ever read.
    with private_build() as build_app:
        return replay.main(args, build_app=build_app)


def verb_search(args: List[str]) -> int:
    from devkit import adhoc

    # The options are devkit.adhoc's own (its --help); --app DIR is only ever read.
    with private_build() as build_app:
        return adhoc.main(args, build_app=build_app)


def verb_bench(args: List[str]) -> int:
    from devkit import bench

    with private_build() as build_app:
        return bench.main(args, app_dir=None if wants_help(args) else build_app())


def verb_mutate(args: List[str]) -> int:
    from devkit import mutation

    parser = verb_parser("mutate", VERBS["mutate"][2] + (
        ". Each module's mutants run against the fast tests that cover it (minutes per "
        "module, not hours); prints the kill rate per module and lists the survivors. "
        "Not part of CI."))
    parser.add_argument(
        "modules", nargs="*", metavar="MODULE",
        help="NAME for bin/cloud_secrets/NAME.py, run against tests/unit/test_NAME.py and "
             "test_engine.py (default: " + " ".join(mutation.DEFAULT_MODULES) + "); spl.NAME "
             "for the SPL engine's devkit/spl/NAME.py, run against its tests in tests/spl/ "
             "(e.g. spl.aggregates spl.lookups spl.commands); devkit.jsontext for "
             "devkit/jsontext.py; MODULE:TEXT[,TEXT...] mutates only "
             "the functions and classes whose name contains one of the TEXTs, case "
             "sensitive (e.g. spl.statistics:Streamstats,parse_streamstats)")
    return mutation.run(parser.parse_args(args).modules or list(mutation.DEFAULT_MODULES))


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
    problem = bootstrap.unusable_python()
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
        bootstrap.rerun_in_venv(REQUIREMENTS / requirements, Path(__file__).resolve(), argv)
        return handler(args)
    except BuildError as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("build.py: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
