"""python3 build.py bench [--soak | --replay]: measure the packaged cloudsecrets command.

(`--replay` measures the offline replay and search instead: see devkit/replaybench.py.)

Drives these commands over protocol v2, side by side, modelling splunkd exactly (same
vendored splunklib for all), plus cloudsecrets with 5,000 extra customer rules:
- splunklib's do-nothing streaming command as splunkd runs it: it announces no
  `required_fields`, so it receives and echoes whole events (all 40-odd fields);
- the same do-nothing command announcing cloudsecrets' own `required_fields`: it
  receives those fields plus `_chunked_idx` and echoes them, the equal-contract baseline
  (what the protocol costs for the same traffic in);
- cloudsecrets, which receives its required fields plus `_chunked_idx` and returns
  `_chunked_idx` and its output fields.
All are measured in the same runs, chunk after chunk in turn, so that the load of a
shared machine falls on each alike. Chunks are encoded before the clock starts; the
clock runs from writing each chunk to reading its whole reply, and the command
process's own CPU time over the same exchanges is read from /proc (records per CPU
second: the steadier figure when other work competes for the cores). Off the clock,
every reply is laid over the events it answers, as splunkd does (by `_chunked_idx`), and
the records splunkd would then hold are checked: the do-nothing commands leave every
event as it was; cloudsecrets keeps every other field and adds all its output fields,
with a platform and a principal on each event.

Reports records per second for each and both ratios, start-up time (spawn to getinfo
reply), the cost of 5,000 extra customer rules, and peak memory across ten chunks of
unique principals; progress goes to stderr. `--soak` sends one million records, 10% of
them hostile, through one process and reports records in and out, time and peak
memory. The exit status is 1 when a reply is wrong or one of the `TARGETS` (at least 2x
splunklib's do-nothing command as splunkd runs it, a start-up at most 1.5x its, 5,000
extra rules costing at most 20%) is missed.
"""

from __future__ import annotations

import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from . import scp, synthetic
from .cli import OptionParser, UsageError
from .splunkd import CommandProcess, merge_reply, select_fields

TARGETS = {"throughput": 2.0, "startup": 1.5, "rules_cost": 0.20}

PASSTHROUGH = '''import os, sys
sys.path.insert(0, {lib!r})
from splunklib.searchcommands import Configuration, StreamingCommand, dispatch


@Configuration()
class PassThrough(StreamingCommand):
    """splunklib's do-nothing streaming command."""

    def prepare(self):
        required = {required!r}  # None: announce nothing, like splunklib's example
        if required is not None:
            self.configuration.required_fields = required

    def stream(self, records):
        for record in records:
            yield record


dispatch(PassThrough, sys.argv, sys.stdin, sys.stdout, __name__)
'''


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


class WrongReply(RuntimeError):
    """A reply that would leave splunkd holding other records than it should."""


def rss_kb(pid: int, key: str) -> Optional[int]:
    """VmHWM (peak) or VmRSS (current) of a live process, in kB (Linux /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a live process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
        self.cpu = 0.0  # the command process's own CPU seconds during exchanges
        self.records_out = 0
        self.rss_after_chunk: List[Optional[int]] = []

    @property
    def required(self) -> Optional[List[str]]:
        return self.getinfo.get("required_fields")

    def exchange(self, chunk: bytes, events: List[dict],
                 check: Optional[Callable[[List[dict], List[dict]], None]] = None) -> None:
        """Send one encoded chunk of `events`, time the reply, then (off the clock) lay
        the reply over the events as splunkd does and give the result to `check`."""
        cpu_before = cpu_seconds(self.process.process.pid)
        started = time.perf_counter()
        if not self.process.send(chunk):
            raise RuntimeError("the command closed its input")
        reply = self.process.receive()
        self.elapsed += time.perf_counter() - started
        self.cpu += cpu_seconds(self.process.process.pid) - cpu_before
        if reply is None:
            raise RuntimeError("the command stopped answering")
        records = scp.decode_records(reply[1])
        if len(records) != len(events):
            raise WrongReply(f"{len(events)} records sent, {len(records)} returned")
        self.records_out += len(records)
        self.rss_after_chunk.append(rss_kb(self.process.process.pid, "VmRSS"))
        if check is not None:
            selected = bool(self.required) and "*" not in self.required
            check(events, merge_reply(events, records, selected))

    def close(self) -> Tuple[Optional[int], int]:
        peak = rss_kb(self.process.process.pid, "VmHWM")
        returncode, _stderr = self.process.finish()
        return peak, returncode


def encode(events, required, finished: bool) -> bytes:
    body = scp.encode_records(select_fields(events, required))
    return scp.encode_chunk({"action": "execute", "finished": finished}, body)


def present(record: dict) -> dict:
    """The fields splunkd keeps: a chunk's columns are the union of its records' fields,
    so a field an event lacks comes back empty, and an empty field is no field."""
    return {k: v for k, v in record.items() if v not in ("", None, [])}


def unchanged(events: List[dict], merged: List[dict]) -> None:
    """A do-nothing command: splunkd holds exactly the events it had."""
    for index, (event, record) in enumerate(zip(events, merged)):
        if present(record) != present(event):
            raise WrongReply(f"event {index} changed by a do-nothing command")


def normalized(events: List[dict], merged: List[dict]) -> None:
    """cloudsecrets: every event keeps its other fields and gains all output fields."""
    from cloud_secrets.schema import OUTPUT_FIELDS

    outputs = set(OUTPUT_FIELDS)
    for index, (event, record) in enumerate(zip(events, merged)):
        kept = {k: v for k, v in present(event).items() if k not in outputs}
        if {k: record.get(k) for k in kept} != kept:
            raise WrongReply(f"event {index}: an input field changed or went missing")
        missing = outputs - record.keys()
        if missing:
            raise WrongReply(f"event {index}: no {sorted(missing)[0]} in the merged event")
        if record["platform"] != "AWS" or not record["principal"]:
            raise WrongReply(f"event {index}: platform {record['platform']!r}, "
                             f"principal {record['principal']!r} for a CloudTrail event")


@dataclass
class Contender:
    """One command of the comparison and how its replies are checked."""

    name: str
    script: Path
    check: Callable[[List[dict], List[dict]], None]
    rates: List[float] = field(default_factory=list)  # records per wall-clock second
    cpu_rates: List[float] = field(default_factory=list)  # records per CPU second
    peaks: List[int] = field(default_factory=list)
    startups: List[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.median(self.rates)

    @property
    def cpu_rate(self) -> float:
        return statistics.median(self.cpu_rates)

    @property
    def startup(self) -> float:
        return statistics.median(self.startups)


def compare(contenders: List[Contender], chunks: List[list], runs: int) -> None:
    """Measure every contender in the same run, chunk after chunk in turn (the order
    rotating), so that a load that comes and goes on the machine falls on all of them
    alike. Each run starts fresh processes; the first run's replies are checked."""
    encoded = {}
    for contender in contenders:
        probe = Run(contender.script)
        required = probe.required
        probe.close()
        encoded[contender.name] = [encode(events, required, i == len(chunks) - 1)
                                   for i, events in enumerate(chunks)]
    total = sum(len(events) for events in chunks)
    for number in range(runs):
        progress(f"run {number + 1} of {runs}: {total:,} records through each of "
                 f"{len(contenders)} commands, in turn")
        started = [(contender, Run(contender.script)) for contender in contenders]
        for index, events in enumerate(chunks):
            turn = started[index % len(started):] + started[:index % len(started)]
            for contender, run in turn:
                check = contender.check if number == 0 else None
                run.exchange(encoded[contender.name][index], events, check)
        for contender, run in started:
            peak, _ = run.close()
            contender.rates.append(total / run.elapsed)
            contender.cpu_rates.append(total / run.cpu if run.cpu else 0.0)
            contender.peaks.append(peak or 0)


def measure_startups(contenders: List[Contender], runs: int) -> None:
    for _ in range(runs):
        for contender in contenders:
            run = Run(contender.script)
            contender.startups.append(run.startup)
            run.close()


def extra_rules_conf(count: int, seed: int = 7) -> str:
    """`count` customer rules shaped like real ones, none matching the benchmark events,
    as local/cloud_secrets_account_rules.conf stanzas ordered before the shipped rules
    (the costlier place: every value tries them first)."""
    rng = random.Random(seed)
    stanzas = []
    for i in range(count):
        kind = rng.random()
        account = f"{900000000000 + i:012d}"
        if kind < 0.45:
            rule = ("AWS", "role", "principal", "wildcard",
                    f"arn:aws:iam::{account}:role/team-{i}", "Service-Account")
        elif kind < 0.75:
            rule = ("AWS", "*", "principal", "wildcard", f"arn:aws:iam::{account}:*",
                    "Service-Account")
        elif kind < 0.90:
            rule = ("*", "user", "principal", "wildcard", f"*@division-{i}.example.com",
                    "Standard-User")
        elif kind < 0.97:
            rule = ("*", "*", "user_agent", "wildcard", f"*internal-tool-{i}/*",
                    "Service-Account")
        else:
            rule = ("AWS", "*", "principal_session", "regex", f"^batch-{i}-[0-9]+$",
                    "Service-Account")
        keys = ("platform", "principal_type", "match_field", "match", "pattern",
                "account_type")
        stanzas.append(f"[generated_{i}]\n" + "".join(
            f"{key} = {value}\n" for key, value in zip(keys, rule))
            + f"description = generated rule {i}\norder = {i - count}\n")
    return "\n".join(stanzas)


def app_rules_folder(app_dir: Path, folder: Path, extra: int) -> Path:
    """An app folder holding the shipped rules and `extra` customer rules in local/."""
    from cloud_secrets import rules

    for layer in ("default", "local"):
        (folder / layer).mkdir(parents=True, exist_ok=True)
    shutil.copy(app_dir / "default" / rules.CONF_FILE, folder / "default")
    (folder / "local" / rules.CONF_FILE).write_text(extra_rules_conf(extra))
    return folder


def uncached_classification_us(app_dir: Path, extra: int) -> float:
    """Microseconds per classification with the cache defeated (all-new principals)."""
    sys.path.insert(0, str(app_dir / "bin"))
    from cloud_secrets import rules

    with tempfile.TemporaryDirectory() as folder:
        loaded = rules.load(app_rules_folder(app_dir, Path(folder), extra))
    assert not loaded.warnings, loaded.warnings[:1]
    rule_set = loaded.rule_set
    values = [(f"arn:aws:iam::123456789012:role/app/service-{i}", f"session-{i}",
               synthetic.AGENTS[i % len(synthetic.AGENTS)]) for i in range(20000)]
    started = time.perf_counter()
    for principal, session, agent in values:
        rule_set._classify("AWS", "role", principal, principal, session, agent)
    return (time.perf_counter() - started) / len(values) * 1e6


def passthrough_script(app_dir: Path, folder: Path,
                       required: Optional[List[str]] = None) -> Path:
    """splunklib's do-nothing command; with `required`, announcing those fields."""
    script = folder / ("passthrough.py" if required is None else "passthrough_required.py")
    script.write_text(PASSTHROUGH.format(lib=str(app_dir / "bin" / "lib"), required=required))
    return script


def app_with_extra_rules(app_dir: Path, folder: Path, count: int) -> Path:
    copy = folder / app_dir.name
    shutil.copytree(app_dir, copy)
    (copy / "local").mkdir(exist_ok=True)
    (copy / "local" / "cloud_secrets_account_rules.conf").write_text(extra_rules_conf(count))
    return copy / "bin" / "cloudsecrets.py"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def benchmark(app_dir: Path, chunk_size: int, chunk_count: int, runs: int) -> int:
    command = app_dir / "bin" / "cloudsecrets.py"
    progress("generating events")
    chunks = [synthetic.cloudtrail_events(chunk_size, seed=i) for i in range(chunk_count)]
    fields = len([k for k in chunks[0][0] if not k.startswith("_")])
    probe = Run(command)
    required = [f for f in probe.required or [] if f != "_chunked_idx"]
    probe.close()
    sent = len(select_fields(chunks[0][:1], required)[0]) - 1
    print(f"cloudsecrets benchmark: Python {platform.python_version()}, "
          f"{chunk_count} chunks x {chunk_size:,} CloudTrail-like events "
          f"({fields} extracted fields + _raw), median of {runs} runs, all commands in "
          f"turn in each run; cloudsecrets announces {len(required)} required_fields, of "
          f"which these events hold {sent}", flush=True)
    try:
        with tempfile.TemporaryDirectory() as folder:
            contenders = [
                Contender("splunklib do-nothing, all fields",
                          passthrough_script(app_dir, Path(folder)), unchanged),
                Contender("do-nothing, same required_fields",
                          passthrough_script(app_dir, Path(folder), required), unchanged),
                Contender("cloudsecrets", command, normalized),
                Contender("cloudsecrets, 5,000 extra rules",
                          app_with_extra_rules(app_dir, Path(folder), 5000), normalized),
            ]
            compare(contenders, chunks, runs)
            progress("start-up times")
            measure_startups(contenders, 7)
    except WrongReply as error:
        print(f"  WRONG REPLY: {error}")
        return 1
    base, equal, ours, ruled = contenders

    print(f"  {'':34}{'records/s':>11}{'ratio':>7}{'rec/CPU s':>11}{'ratio':>7}"
          f"{'start-up':>10}{'peak RSS':>10}")
    for contender in contenders:
        ratio = ours.rate / contender.rate
        cpu_ratio = ours.cpu_rate / contender.cpu_rate if contender.cpu_rate else 0.0
        shown = (f"{ratio:>6.2f}x", f"{cpu_ratio:>6.2f}x") if contender in (base, equal) \
            else (" " * 7, " " * 7)
        peak = f"{max(contender.peaks) / 1024:>7.0f} MB" if contender is not ruled else ""
        print(f"  {contender.name:34}{contender.rate:>11,.0f}{shown[0]}"
              f"{contender.cpu_rate:>11,.0f}{shown[1]}{contender.startup:>9.3f}s{peak}")
    ratio, equal_ratio = ours.rate / base.rate, ours.rate / equal.rate
    start_ratio = ours.startup / base.startup
    rules_cost = 1 - ruled.rate / ours.rate
    print(f"  throughput: {ratio:.2f}x splunklib's do-nothing command as splunkd runs it "
          f"(target >= {TARGETS['throughput']}x: {verdict(ratio >= TARGETS['throughput'])}); "
          f"{equal_ratio:.2f}x a do-nothing command with the same required_fields")
    print(f"  start-up ratio {start_ratio:.2f}x (target <= {TARGETS['startup']}x: "
          f"{verdict(start_ratio <= TARGETS['startup'])})")
    print(f"  5,000 extra rules cost {rules_cost:.1%} of throughput (target <= "
          f"{TARGETS['rules_cost']:.0%}: {verdict(rules_cost <= TARGETS['rules_cost'])})")
    print(f"  replies checked after the merge: {len(chunks) * chunk_size:,} events per "
          "command, as splunkd would hold them: ok")
    progress("classification with the cache defeated")
    print(f"  classification with the cache defeated: "
          f"{uncached_classification_us(app_dir, 0):.1f} us (shipped rules), "
          f"{uncached_classification_us(app_dir, 5000):.1f} us (+5,000 rules)")

    progress("ten chunks of unique principals")
    unique = Run(command)
    for number in range(10):
        events = synthetic.cloudtrail_events(chunk_size, seed=100 + number,
                                             unique_from=number * chunk_size)
        unique.exchange(encode(events, unique.required, number == 9), events)
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
        run.exchange(encode(events, run.required, number == chunks - 1), events)
        sent += size
        if (number + 1) % 10 == 0:
            progress(f"soak: {sent:,} of {total:,} records sent")
    peak, returncode = run.close()
    rss = [(r or 0) / 1024 for r in run.rss_after_chunk]
    print(f"  records in {sent:,}, out {run.records_out:,}, lost {sent - run.records_out:,}; "
          f"{run.elapsed:.1f} s in the command ({sent / run.elapsed:,.0f} records/s); "
          f"peak RSS {(peak or 0) / 1024:.0f} MB; exit status {returncode}")
    print(f"  RSS after the first, middle and last chunk: {rss[0]:.0f}, "
          f"{rss[len(rss) // 2]:.0f}, {rss[-1]:.0f} MB")
    return 0 if run.records_out == sent and returncode == 0 else 1


def main(argv: List[str], app_dir: Optional[Path]) -> int:
    """The bench verb; `app_dir` is the assembled app (None only for --help)."""
    parser = OptionParser(prog="build.py bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--soak", action="store_true",
                        help="instead: --records records (a million), 10%% hostile, "
                             "through one process")
    parser.add_argument("--replay", action="store_true",
                        help="instead: the offline replay and search on generated "
                             "CloudTrail (--records over --days; --sparse-reads over "
                             "--years), beside json.load (devkit/replaybench.py)")
    parser.add_argument("--chunk-size", type=int, default=25000)
    parser.add_argument("--chunks", type=int, default=4, help="chunks per throughput run")
    parser.add_argument("--runs", type=int, default=None,
                        help="rounds (default 3, with --replay 1)")
    parser.add_argument("--records", type=int, default=None,
                        help="soak records (a million) or --replay records (200,000)")
    parser.add_argument("--days", type=float, default=7.0, help="--replay: span of records")
    parser.add_argument("--apps", type=int, default=40,
                        help="--replay: applications that read secrets")
    parser.add_argument("--sparse-reads", type=int, default=200,
                        help="--replay: secret reads of the sparse history")
    parser.add_argument("--years", type=float, default=10.0,
                        help="--replay: span of the sparse history")
    parser.add_argument("--check-ticks", action="store_true",
                        help="--replay: also replay the sparse history tick by tick and "
                             "compare the alerts (minutes)")
    try:
        args = parser.parse_args(argv)
    except UsageError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    if args.replay:
        from devkit import replaybench

        return replaybench.main(app_dir, args.records, args.days, args.apps,
                                args.sparse_reads, args.years, args.runs or 1,
                                args.check_ticks)
    if args.soak:
        return soak(app_dir, args.records or 1_000_000, args.chunk_size, 0.10)
    return benchmark(app_dir, args.chunk_size, args.chunks, args.runs or 3)
