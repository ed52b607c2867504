"""samples/: the replay finds each story's attack, and nothing in the normal activity."""

from __future__ import annotations

from pathlib import Path

from devkit import replay, samples

ROOT = Path(__file__).resolve().parents[2]


def test_samples_are_what_the_generator_writes(tmp_path):
    for fresh in samples.write(tmp_path):
        assert fresh.read_bytes() == (ROOT / "samples" / fresh.name).read_bytes(), fresh.name


def test_replaying_the_samples_finds_each_attack_and_nothing_else(packaged_app):
    files = sorted((ROOT / "samples").iterdir())
    alerts, records = replay.replay(files, packaged_app)
    assert {(a.analytic, a.principal) for a in alerts} == samples.EXPECTED_ALERTS
    platforms = {r["platform"] for r in records}
    assert platforms == {"AWS", "GCP", "Azure", "Vault"}
