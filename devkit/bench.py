"""python3 build.py bench [--soak]: measure the packaged cloudsecrets command.

Drives, over protocol v2 and side by side, the packaged command and splunklib's own
do-nothing streaming command (same vendored splunklib), modelling splunkd exactly: the
do-nothing command announces no required_fields, so it gets and returns whole events;
cloudsecrets announces its required_fields, so it gets those plus `_chunked_idx` and
returns `_chunked_idx` and its output fields. Chunks are encoded before the clock
starts; the clock runs from writing each chunk to reading its whole reply.

Reports records per second for both and their ratio, start-up time (spawn to getinfo
reply) for both, the cost of 5,000 extra customer rules, and peak memory across ten
chunks of unique principals. `--soak` sends one million records, 10% of them hostile,
through one process and reports records in and out, time and peak memory. The exit
status is 1 when a target of issue 3 (or a soak check) is missed.
"""

from __future__ import annotations

import argparse
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

from . import scp, synthetic
from .splunkd import CommandProcess, select_fields

TARGETS = {"throughput": 2.0, "startup": 1.5, "rules_cost": 0.20}

PASSTHROUGH = '''import os, sys
sys.path.insert(0, {lib!r})
from splunklib.searchcommands import Configuration, StreamingCommand, dispatch


@Configuration()
class PassThrough(StreamingCommand):
    """splunklib's do-nothing streaming command."""

    def stream(self, records):
        for record in records:
            yield record


dispatch(PassThrough, sys.argv, sys.stdin, sys.stdout, __name__)
'''


def rss_kb(pid: int, key: str) -> Optional[int]:
    """VmHWM (peak) or VmRSS (current) of a live process, in kB (Linux /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class Run:
    """One command process: getinfo, then chunks, timing each exchange."""

    def __init__(self, script: Path) -> None:
        self.process = CommandProcess(script, timeout=3600)
        started = time.perf_counter()
        self.process.send(scp.encode_chunk(scp.getinfo(
            dispatch_dir=self.process.dispatch_dir.name)))
        reply = self.process.receive()
        self.startup = time.perf_counter() - started
        self.getinfo = reply[0] if reply else {}
        self.elapsed = 0.0
        self.records_out = 0
        self.rss_after_chunk: List[Optional[int]] = []

    @property
    def required(self) -> Optional[List[str]]:
        return self.getinfo.get("required_fields")

    def exchange(self, chunk: bytes, expected: int) -> bytes:
        started = time.perf_counter()
        if not self.process.send(chunk):
            raise RuntimeError("the command closed its input")
        reply = self.process.receive()
        self.elapsed += time.perf_counter() - started
        if reply is None:
            raise RuntimeError("the command stopped answering")
        records = len(scp.decode_records(reply[1]))  # checked off the clock
        if records != expected:
            raise RuntimeError(f"{expected} records sent, {records} returned")
        self.records_out += records
        self.rss_after_chunk.append(rss_kb(self.process.process.pid, "VmRSS"))
        return reply[1]

    def close(self) -> Tuple[Optional[int], int]:
        peak = rss_kb(self.process.process.pid, "VmHWM")
        returncode, _stderr = self.process.finish()
        return peak, returncode


def encode(events, required, finished: bool) -> bytes:
    body = scp.encode_records(select_fields(events, required))
    return scp.encode_chunk({"action": "execute", "finished": finished}, body)


def throughput(script: Path, chunks: List[list], runs: int) -> Tuple[float, Optional[int]]:
    """Median records/s and peak RSS (kB) over `runs` runs (start-up: startup_time)."""
    rates, peaks = [], []
    probe = Run(script)
    required = probe.required
    probe.close()
    encoded = [encode(events, required, i == len(chunks) - 1) for i, events in enumerate(chunks)]
    total = sum(len(events) for events in chunks)
    for _ in range(runs):
        run = Run(script)
        for chunk, events in zip(encoded, chunks):
            run.exchange(chunk, len(events))
        peak, _ = run.close()
        rates.append(total / run.elapsed)
        peaks.append(peak or 0)
    return statistics.median(rates), max(peaks) or None


def startup_time(script: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        run = Run(script)
        times.append(run.startup)
        run.close()
    return statistics.median(times)


def extra_rules_csv(count: int, seed: int = 7) -> str:
    """`count` customer rules shaped like real ones, none matching the benchmark events."""
    rng = random.Random(seed)
    lines = ["platform,principal_type,match_field,match,pattern,account_type,description"]
    for i in range(count):
        kind = rng.random()
        account = f"{900000000000 + i:012d}"
        if kind < 0.45:
            rule = (f"AWS,role,principal,wildcard,arn:aws:iam::{account}:role/team-{i},"
                    "Service-Account")
        elif kind < 0.75:
            rule = f"AWS,*,principal,wildcard,arn:aws:iam::{account}:*,Service-Account"
        elif kind < 0.90:
            rule = f"*,user,principal,wildcard,*@division-{i}.example.com,Standard-User"
        elif kind < 0.97:
            rule = f"*,*,user_agent,wildcard,*internal-tool-{i}/*,Service-Account"
        else:
            rule = f"AWS,*,principal_session,regex,^batch-{i}-[0-9]+$,Service-Account"
        lines.append(f"{rule},generated rule {i}")
    return "\n".join(lines) + "\n"


def uncached_classification_us(app_dir: Path, extra: int) -> float:
    """Microseconds per classification with the cache defeated (all-new principals)."""
    sys.path.insert(0, str(app_dir / "bin"))
    from cloud_secrets import rules

    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(app_dir / "lookups" / rules.DEFAULT_RULES, folder)
        (Path(folder) / rules.LOCAL_RULES).write_text(extra_rules_csv(extra) if extra else
                                                      "platform,principal_type,match_field,"
                                                      "match,pattern,account_type,description\n")
        rule_set = rules.load(Path(folder))
    values = [(f"arn:aws:iam::123456789012:role/app/service-{i}", f"session-{i}",
               synthetic.AGENTS[i % len(synthetic.AGENTS)]) for i in range(20000)]
    started = time.perf_counter()
    for principal, session, agent in values:
        rule_set._classify("AWS", "role", principal, principal, session, agent)
    return (time.perf_counter() - started) / len(values) * 1e6


def passthrough_script(app_dir: Path, folder: Path) -> Path:
    script = folder / "passthrough.py"
    script.write_text(PASSTHROUGH.format(lib=str(app_dir / "bin" / "lib")))
    return script


def app_with_extra_rules(app_dir: Path, folder: Path, count: int) -> Path:
    copy = folder / app_dir.name
    shutil.copytree(app_dir, copy)
    (copy / "lookups" / "cloud_secrets_account_rules_local.csv").write_text(
        extra_rules_csv(count))
    return copy / "bin" / "cloudsecrets.py"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def benchmark(app_dir: Path, chunk_size: int, chunk_count: int, runs: int) -> int:
    command = app_dir / "bin" / "cloudsecrets.py"
    chunks = [synthetic.cloudtrail_events(chunk_size, seed=i) for i in range(chunk_count)]
    fields = len([k for k in chunks[0][0] if not k.startswith("_")])
    print(f"cloudsecrets benchmark: Python {platform.python_version()}, "
          f"{chunk_count} chunks x {chunk_size:,} CloudTrail-like events "
          f"({fields} extracted fields + _raw), median of {runs} runs")
    with tempfile.TemporaryDirectory() as folder:
        baseline = passthrough_script(app_dir, Path(folder))
        base_rate, base_peak = throughput(baseline, chunks, runs)
        rate, peak = throughput(command, chunks, runs)
        base_start, start = startup_time(baseline, 7), startup_time(command, 7)
        ruled = app_with_extra_rules(app_dir, Path(folder), 5000)
        ruled_rate, _ = throughput(ruled, chunks, runs)
        ruled_start = startup_time(ruled, 7)

    ratio, start_ratio = rate / base_rate, start / base_start
    rules_cost = 1 - ruled_rate / rate
    print(f"  {'':34}{'records/s':>12}{'start-up':>11}{'peak RSS':>11}")
    print(f"  {'splunklib do-nothing command':34}{base_rate:>12,.0f}{base_start:>10.3f}s"
          f"{(base_peak or 0) / 1024:>8.0f} MB")
    print(f"  {'cloudsecrets':34}{rate:>12,.0f}{start:>10.3f}s{(peak or 0) / 1024:>8.0f} MB")
    print(f"  {'cloudsecrets, 5,000 extra rules':34}{ruled_rate:>12,.0f}{ruled_start:>10.3f}s")
    print(f"  throughput ratio {ratio:.2f}x (target >= {TARGETS['throughput']}x: "
          f"{verdict(ratio >= TARGETS['throughput'])})")
    print(f"  start-up ratio {start_ratio:.2f}x (target <= {TARGETS['startup']}x: "
          f"{verdict(start_ratio <= TARGETS['startup'])})")
    print(f"  5,000 extra rules cost {rules_cost:.1%} of throughput (target <= "
          f"{TARGETS['rules_cost']:.0%}: {verdict(rules_cost <= TARGETS['rules_cost'])})")
    print(f"  classification with the cache defeated: "
          f"{uncached_classification_us(app_dir, 0):.1f} us (shipped rules), "
          f"{uncached_classification_us(app_dir, 5000):.1f} us (+5,000 rules)")

    unique = Run(command)
    for number in range(10):
        events = synthetic.cloudtrail_events(chunk_size, seed=100 + number,
                                             unique_from=number * chunk_size)
        unique.exchange(encode(events, unique.required, number == 9), chunk_size)
    unique_peak, _ = unique.close()
    rss = [(r or 0) / 1024 for r in unique.rss_after_chunk]
    print(f"  unique principals, 10 x {chunk_size:,} records: peak RSS "
          f"{(unique_peak or 0) / 1024:.0f} MB; RSS after chunks 1, 5, 10: "
          f"{rss[0]:.0f}, {rss[4]:.0f}, {rss[9]:.0f} MB")
    missed = (ratio < TARGETS["throughput"] or start_ratio > TARGETS["startup"]
              or rules_cost > TARGETS["rules_cost"])
    return 1 if missed else 0


def soak(app_dir: Path, total: int, chunk_size: int, garbage: float) -> int:
    command = app_dir / "bin" / "cloudsecrets.py"
    rng = random.Random(5)
    run = Run(command)
    sent = 0
    chunks = (total + chunk_size - 1) // chunk_size
    print(f"cloudsecrets soak: {total:,} records in {chunks} chunks through one process, "
          f"{garbage:.0%} hostile")
    for number in range(chunks):
        size = min(chunk_size, total - sent)
        events = synthetic.cloudtrail_events(size, seed=1000 + number, principals=5000)
        for position in range(size):
            if rng.random() < garbage:
                events[position] = synthetic.hostile_event(rng, sent + position)
        run.exchange(encode(events, run.required, number == chunks - 1), size)
        sent += size
    peak, returncode = run.close()
    rss = [(r or 0) / 1024 for r in run.rss_after_chunk]
    print(f"  records in {sent:,}, out {run.records_out:,}, lost {sent - run.records_out:,}; "
          f"{run.elapsed:.1f} s in the command ({sent / run.elapsed:,.0f} records/s); "
          f"peak RSS {(peak or 0) / 1024:.0f} MB; exit status {returncode}")
    print(f"  RSS after the first, middle and last chunk: {rss[0]:.0f}, "
          f"{rss[len(rss) // 2]:.0f}, {rss[-1]:.0f} MB")
    return 0 if run.records_out == sent and returncode == 0 else 1


def main(argv: List[str], app_dir: Path) -> int:
    parser = argparse.ArgumentParser(prog="build.py bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--soak", action="store_true", help="one million records, 10%% garbage")
    parser.add_argument("--chunk-size", type=int, default=25000)
    parser.add_argument("--chunks", type=int, default=4, help="chunks per throughput run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--records", type=int, default=1_000_000, help="soak records")
    args = parser.parse_args(argv)
    if args.soak:
        return soak(app_dir, args.records, args.chunk_size, 0.10)
    return benchmark(app_dir, args.chunk_size, args.chunks, args.runs)
