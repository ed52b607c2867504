"""python3 build.py bench --replay: the offline replay and search at a user's scale.

Two generated inputs (devkit.synthetic, in a temporary folder, never kept):
- a busy trail: `--records` CloudTrail records over `--days` days, nine in ten of them
  calls to other services, the secret reads of `--apps` applications, three thieves;
- a sparse history: `--sparse-reads` secret reads over `--years` years.

On the busy trail, three commands run side by side, one after the other in each of
`--runs` rounds, each in a process of its own: a plain `json.load` of every file (the
floor: reading the same bytes and nothing else), `build.py replay` (every scheduled
search) and `build.py search` (the README's example search). For each: wall-clock time,
records per second, CPU time (the process and the cloudsecrets processes it ran, from
the kernel's accounting of the finished process: records per CPU second is the figure
for one core, steadier than wall time on a shared machine) and peak memory. The replay's
alerts must name every planted thief and nobody else.

On the sparse history, the replay runs once; its time, peak memory and runs executed
against runs skipped are reported. With `--check-ticks` the same replay also runs with
`--tick-by-tick` (minutes: every run of the ten years executes, about 1.8 million with the
app's eight searches) and
the two must print the same alerts.

Exit status 1 when a check fails (a thief missed, someone else alerted, the two ways
disagree) or one of the `TARGETS` is missed (10,000 records per CPU second within 1 GB on
the busy trail; the sparse history within 20 s and 400 MB).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from devkit import synthetic

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"records_per_second": 10_000, "busy_memory_mb": 1024, "sparse_seconds": 20.0,
           "sparse_memory_mb": 400}
SEARCH_SPL = ("`cloud_secrets_sources` | cloudsecrets "
              "| stats dc(secret) AS secrets by principal platform")
JSON_LOAD = ("import json, sys\n"
             "files = open(sys.argv[1]).read().split('\\n')\n"
             "records = sum(len(json.load(open(f))['Records']) for f in files if f)\n"
             "print(records)\n")


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


@dataclass
class Measure:
    """One command run to its end in a process of its own."""

    wall: float
    cpu: float
    peak_mb: float
    status: int
    out: str
    err: str


def measure(command: Sequence[str]) -> Measure:
    """Run `command`, with its CPU time and peak memory from the kernel (wait4: the
    process and the children it waited for)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=out, stderr=err, cwd=ROOT)
        _pid, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                       process.returncode, out.read(), err.read())


def build_py(verb: str, *args: object) -> List[str]:
    return [sys.executable, str(ROOT / "build.py"), verb, *map(str, args)]


@dataclass
class Contender:
    name: str
    command: List[str]
    measures: List[Measure] = field(default_factory=list)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(m, attribute) for m in self.measures)


def alerting_principals(measure: Measure) -> List[str]:
    """The principals of a replay's JSON alerts."""
    try:
        alerts = json.loads(measure.out or "[]")
    except ValueError:
        return []
    return sorted({str(a.get("principal")) for a in alerts})


def runs_summary(err: str) -> Tuple[int, int]:
    """(executed, skipped) from a replay's summary lines."""
    executed = skipped = 0
    for line in err.splitlines():
        if " runs of " in line and " executed, " in line:
            tail = line.rsplit(": ", 1)[-1]
            executed += int(tail.split(" executed")[0].replace(",", ""))
            skipped += int(tail.split(", ")[1].split(" skipped")[0].replace(",", ""))
    return executed, skipped


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def busy_benchmark(app_dir: Path, folder: Path, records: int, days: float, apps: int,
                   runs: int) -> bool:
    progress(f"writing {records:,} CloudTrail records over {days:g} days")
    trail = folder / "busy"
    thieves = synthetic.busy_trail(trail, records=records, days=days, apps=apps)
    files = sorted(trail.glob("*.json"))
    listing = folder / "files.txt"
    listing.write_text("\n".join(map(str, files)))
    contenders = [
        Contender("json.load of the files", [sys.executable, "-c", JSON_LOAD, str(listing)]),
        Contender("build.py replay", build_py("replay", "--app", app_dir, "--format", "json",
                                              trail)),
        Contender("build.py search", build_py("search", "--app", app_dir, "--format", "csv",
                                              SEARCH_SPL, trail)),
    ]
    for number in range(runs):
        for contender in contenders:
            progress(f"round {number + 1} of {runs}: {contender.name}")
            contender.measures.append(measure(contender.command))
    print(f"replay benchmark: {records:,} CloudTrail records over {days:g} days in "
          f"{len(files)} files ({sum(f.stat().st_size for f in files) / 2**20:.0f} MB): 9 in "
          f"10 for other services, secret reads by {apps} applications and 3 thieves; Python "
          f"{sys.version.split()[0]}, median of {runs} rounds, each command in a process "
          "of its own, in turn")
    print(f"  {'':26}{'wall s':>8}{'records/s':>11}{'CPU s':>8}{'rec/CPU s':>11}"
          f"{'peak RSS':>10}")
    ok = True
    for contender in contenders:
        wall, cpu = contender.median("wall"), contender.median("cpu")
        peak = max(m.peak_mb for m in contender.measures)
        print(f"  {contender.name:26}{wall:>8.1f}{records / wall:>11,.0f}{cpu:>8.1f}"
              f"{records / cpu:>11,.0f}{peak:>7.0f} MB")
        if any(m.status != 0 for m in contender.measures):
            print(f"  {contender.name} FAILED: {contender.measures[-1].err[-500:]}")
            ok = False
    replay, search = contenders[1], contenders[2]
    fired = alerting_principals(replay.measures[0])
    caught = fired == sorted(thieves)
    rate = min(records / replay.median("cpu"), records / search.median("cpu"))
    memory = max(m.peak_mb for c in contenders[1:] for m in c.measures)
    print(f"  the replay alerts on {len(fired)} principals: every planted thief and nobody "
          f"else: {verdict(caught)}" + ("" if caught else f" (alerted: {fired})"))
    print(f"  replay and search >= {TARGETS['records_per_second']:,} records per CPU "
          f"second: {verdict(rate >= TARGETS['records_per_second'])}; within "
          f"{TARGETS['busy_memory_mb']} MB: {verdict(memory <= TARGETS['busy_memory_mb'])}")
    return ok and caught and rate >= TARGETS["records_per_second"] and \
        memory <= TARGETS["busy_memory_mb"]


def sparse_benchmark(app_dir: Path, folder: Path, reads: int, years: float,
                     check_ticks: bool) -> bool:
    progress(f"writing {reads} secret reads over {years:g} years")
    history = folder / "sparse"
    synthetic.sparse_reads(history, reads=reads, years=years)
    progress("replaying them")
    skipping = measure(build_py("replay", "--app", app_dir, "--format", "json", "--summary",
                                history))
    executed, skipped = runs_summary(skipping.err)
    print(f"sparse replay: {reads} secret reads over {years:g} years: {skipping.wall:.1f} s "
          f"({skipping.cpu:.1f} s CPU), peak RSS {skipping.peak_mb:.0f} MB; "
          f"{executed + skipped:,} scheduled runs, {executed:,} executed, {skipped:,} "
          f"skipped; {len(json.loads(skipping.out or '[]'))} alerts")
    ok = skipping.status == 0
    fast = skipping.wall <= TARGETS["sparse_seconds"] and \
        skipping.peak_mb <= TARGETS["sparse_memory_mb"]
    print(f"  within {TARGETS['sparse_seconds']:g} s and {TARGETS['sparse_memory_mb']} MB: "
          f"{verdict(fast)}")
    if check_ticks:
        progress("replaying them tick by tick (every run executed: minutes)")
        ticking = measure(build_py("replay", "--app", app_dir, "--format", "json",
                                   "--tick-by-tick", history))
        same = ticking.status == 0 and json.loads(ticking.out or "[]") == json.loads(
            skipping.out or "[]")
        print(f"  tick by tick: {ticking.wall:.1f} s ({ticking.cpu:.1f} s CPU); the same "
              f"alerts: {verdict(same)}")
        ok = ok and same
    return ok and fast


def main(app_dir: Path, records: Optional[int], days: float, apps: int, reads: int,
         years: float, runs: int, check_ticks: bool) -> int:
    with tempfile.TemporaryDirectory(prefix="cloud_secrets_bench_") as work:
        busy = busy_benchmark(app_dir, Path(work), records or 200_000, days, apps, runs)
        sparse = sparse_benchmark(app_dir, Path(work), reads, years, check_ticks)
    return 0 if busy and sparse else 1

