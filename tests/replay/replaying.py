"""Helpers of the replay tests: the app's saved searches run through the SPL engine.

Every test here writes raw vendor logs (devkit.scenarios), replays them with
devkit.replay.run_replay over the app exactly as build.py assembles it (or a copy of it
with a `local/` overlay), and asserts on the alerts: the oracle is the behaviour table of
shared/spec/analytics.md and the must-hold cases of shared/spec/replay.md, never the SPL.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable, List, Optional, Tuple

from devkit import replay, scenarios

VOLUME = "Cloud Secrets - Unusual Volume of Secret Reads - Rule"
ENUMERATION = "Cloud Secrets - Secret Store Enumeration - Rule"
BASELINE = "Cloud Secrets - Baseline - Build"
LATE_EVENTS = "Cloud Secrets - Baseline - Late Events"
RULES = (VOLUME, ENUMERATION)
# The per-principal baseline's columns, as the "--baseline FILE" seed format of docs/replay.md lists
# them (the baseline search writes the same).
BASELINE_COLUMNS = ("principal", "platform", "learned_days", "active_hours",
                    "avg_reads_per_hour", "max_reads_per_hour", "avg_distinct_per_hour",
                    "max_distinct_per_hour", "median_daily_max_distinct", "first_seen",
                    "last_seen")


def baseline_csv(path: Path, rows: Iterable[Tuple]) -> Path:
    """A baseline seed, one row per (principal, platform, typical[, learned days[, busiest]]):
    `typical` is the median of the daily busiest hours (distinct secrets), `busiest` the
    busiest hour on record (twice the typical one unless given); 30 learned days unless
    given."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(BASELINE_COLUMNS)
        for principal, platform, typical, *more in rows:
            days = more[0] if more else 30
            busiest = more[1] if len(more) > 1 else 2 * typical
            writer.writerow([principal, platform, days, 20 * days, 20, busiest,
                             typical - 2, busiest, typical, 1777593600, 1780272000])
    return path


def replay_records(folder: Path, app_dir: Path, platform: str, records: List[dict],
                   searches: Optional[Iterable[str]] = RULES, **options
                   ) -> replay.ReplayOutcome:
    """Write the records as the platform delivers them and replay them, both ways: the
    replay that skips the runs it proves change nothing must give exactly the alerts
    and the final state of a replay that executes every run."""
    scenarios.write_logs(folder, platform, records)
    outcome = replay.run_replay([folder], app_dir=app_dir,
                                searches=list(searches) if searches else None,
                                check_tick_by_tick=True, **options)
    assert_same_as_tick_by_tick(outcome)
    return outcome


def final_state(outcome: replay.ReplayOutcome) -> dict:
    """Every lookup and KV store collection of transforms.conf, row by row (KV store
    `_key`s left out: they are random)."""
    names = [n for n in outcome.workspace.app.conf("transforms") if n != "default"]
    return {name: [{k: v for k, v in row.items() if k != "_key"}
                   for row in outcome.lookup(name)] for name in names}


def assert_same_as_tick_by_tick(outcome: replay.ReplayOutcome) -> None:
    every = outcome.tick_by_tick
    assert every is not None and sum(every.skipped.values()) == 0
    assert outcome.alerts == every.alerts
    assert (outcome.fired, outcome.failures, outcome.runs) == (
        every.fired, every.failures, every.runs)
    assert final_state(outcome) == final_state(every)


def fired(outcome: replay.ReplayOutcome) -> set:
    """{(analytic, principal)} of the alerts after throttling."""
    return {(a["analytic"], a["principal"]) for a in outcome.alerts}


def number(value: object) -> float:
    return float(str(value))


def write_local(app_dir: Path, conf: str, text: str) -> None:
    """Append a stanza to the app copy's local/<conf>.conf, as an admin would."""
    with (app_dir / "local" / f"{conf}.conf").open("a") as handle:
        handle.write(text)


def trust_one_learned_day(app_dir: Path) -> None:
    """local/macros.conf: a baseline sets the threshold from its first learned day (the
    shipped cloud_secrets_baseline_min_days is 3), for scenarios about how the baseline
    is kept rather than how much of it a threshold needs."""
    write_local(app_dir, "macros", "[cloud_secrets_baseline_min_days]\ndefinition = 1\n")

