"""samples/: the replay finds each story's attack, and nothing in the normal activity."""

from __future__ import annotations

from pathlib import Path

from devkit import replay, samples

ROOT = Path(__file__).resolve().parents[2]


def test_samples_are_what_the_generator_writes(tmp_path):
    for fresh in samples.write(tmp_path):
        assert fresh.read_bytes() == (ROOT / "samples" / fresh.name).read_bytes(), fresh.name


def test_replaying_the_samples_finds_each_attack_and_nothing_else(packaged_app):
    outcome = replay.run_replay([ROOT / "samples"], app_dir=packaged_app)
    assert outcome.failures == []
    assert {(a["analytic"], a["principal"]) for a in outcome.alerts} == samples.EXPECTED_ALERTS
    platforms = {p for counts in outcome.logs.per_file.values() for p in counts}
    assert platforms == {"AWS", "GCP", "Azure", "Vault"}
    assert sum(outcome.unknown.values()) == 0
