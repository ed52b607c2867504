"""The behaviour tables of the two detections beyond the seed, row by row, on four platforms.

Oracle: shared/spec/analytics.md, section "Beyond the seed". Each scenario is written as raw
vendor logs (CloudTrail files, Cloud Audit Log lines, Key Vault records, Vault audit lines)
and replayed through the built app: the scheduler simulation runs the saved searches' own
SPL hourly, with the packaged cloudsecrets command and the KV store collections carried
from run to run, exactly as `python3 build.py replay` does.

Story day D is Tuesday 2026-06-02 (UTC); the first-read replay starts ten days earlier so
that principals build their history run by run, as they would on a search head.
"""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List

import pytest

from devkit import scenarios
from devkit.replay import run_replay
from devkit.scenarios import DAY, START, Actor, machine_actor, person_actor, vault_named_actor

FIRST_READ = "Cloud Secrets - First Secret Read by Principal - Anomaly"
CROSS_CLOUD = "Cloud Secrets - Cross-Cloud Secret Harvesting - Rule"
KNOWN = "cloud_secrets_first_read_known"
IDENTITIES = "cloud_secrets_identities"
MINUTE, HOUR = 60, 3600
D = START - 9 * HOUR  # midnight starting the story day
PLATFORMS = ("AWS", "GCP", "Azure", "Vault")


def write_logs(folder: Path, records_by_platform: Dict[str, List[dict]]) -> List[Path]:
    """One file per platform, as each platform's log pipeline delivers it."""
    folder.mkdir(parents=True, exist_ok=True)
    return [scenarios.write_logs(folder, platform, records)
            for platform, records in records_by_platform.items()]


def read_all(actor: Actor, at: float, secrets: Iterable[str], every: float = 30) -> List[dict]:
    """The actor reads each secret in turn, `every` seconds apart, from `at`."""
    return [r for i, name in enumerate(secrets) for r in actor.read(at + i * every, name)]


def write_csv(path: Path, header: List[str], rows: Iterable[Iterable[object]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def values(field) -> List[str]:
    """A result field as a list of strings, whether it came back single or multivalue."""
    if field is None or field == "":
        return []
    return [str(v) for v in field] if isinstance(field, (list, tuple)) else [str(field)]


def alerts_for(outcome, key: str, value: str) -> List[dict]:
    return [a for a in outcome.alerts if value in values(a.get(key))]


def known_pairs(outcome) -> Dict[tuple, tuple]:
    """The first-read collection as {(principal, platform, secret): (first_seen, last_seen)},
    times to the second (Vault's response line, which counts, comes 4 ms after the call)."""
    return {(r["principal"], r["platform"], r["secret"]):
            (int(float(r["first_seen"])), int(float(r["last_seen"])))
            for r in outcome.lookup(KNOWN)}


# -- First Secret Read by Principal --------------------------------------------------------

def daily(principal: Actor, first_day: int, secret: str = "daily-config",
          at: float = 8 * HOUR) -> List[dict]:
    """One read of `secret` every day from D-first_day to D-1, at `at` past midnight."""
    return [r for day in range(first_day, 0, -1)
            for r in principal.read(D - day * DAY + at, secret)]


HARVEST = [f"harvest-{i:02d}" for i in range(25)]


def first_read_story(platform: str) -> List[dict]:
    p = {name: machine_actor(platform, name) for name in
         ("veteran", "newcomer", "returner", "harvester", "edge-in", "edge-out", "curious")}
    return [
        # 10 days of history, then a never-read secret, read again an hour later.
        *daily(p["veteran"], 10), *p["veteran"].read(D + 10 * HOUR + 5 * MINUTE, "new-secret"),
        *p["veteran"].read(D + 11 * HOUR + 5 * MINUTE, "new-secret"),
        # 3 days of history, then 5 new secrets.
        *daily(p["newcomer"], 3, at=9 * HOUR),
        *read_all(p["newcomer"], D + 10 * HOUR + 10 * MINUTE, [f"fresh-{i}" for i in range(5)]),
        # Read a secret 10 days ago (and another every day since), then reads it again.
        *p["returner"].read(D - 10 * DAY + 9 * HOUR, "quarterly-report"),
        *daily(p["returner"], 10),
        *p["returner"].read(D + 10 * HOUR + 15 * MINUTE, "quarterly-report"),
        # History, then 25 new secrets in one hour.
        *daily(p["harvester"], 10),
        *read_all(p["harvester"], D + 10 * HOUR + 20 * MINUTE, HARVEST, every=60),
        # First reads 7 calendar days before the run (late in the evening), and 6 (just
        # after midnight): only the first has its seven days of history.
        *daily(p["edge-in"], 7, at=23 * HOUR + 30 * MINUTE),
        *p["edge-in"].read(D + 10 * HOUR + 30 * MINUTE, "edge-secret"),
        *daily(p["edge-out"], 6, at=10 * MINUTE),
        *p["edge-out"].read(D + 10 * HOUR + 30 * MINUTE, "edge-secret"),
        # History, then a new secret at 10:05 and another at 12:05.
        *daily(p["curious"], 10),
        *p["curious"].read(D + 10 * HOUR + 5 * MINUTE, "first-find"),
        *p["curious"].read(D + 12 * HOUR + 5 * MINUTE, "second-find"),
    ]


@pytest.fixture(scope="module")
def first_read(tmp_path_factory, packaged_app):
    """Ten days and a morning of all four platforms, replayed hour by hour."""
    folder = tmp_path_factory.mktemp("first_read")
    logs = write_logs(folder / "logs", {p: first_read_story(p) for p in PLATFORMS})
    state = folder / "state"
    outcome = run_replay(logs, app_dir=packaged_app, searches=[FIRST_READ], state_dir=state)
    assert not outcome.failures, outcome.failures
    return outcome, state


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_principal_with_history_reading_a_new_secret_raises_one_risk_event(first_read,
                                                                           platform):
    outcome, _ = first_read
    veteran = machine_actor(platform, "veteran").principal
    (alert,) = alerts_for(outcome, "principal", veteran)  # once, not again an hour later
    assert alert["search"] == FIRST_READ and alert["platform"] == platform
    assert values(alert["new_secrets"]) == ["new-secret"]
    assert int(alert["distinct_secrets"]) == 1
    assert alert["run_time"] == D + 11 * HOUR + 25 * MINUTE  # the run after that hour


@pytest.mark.parametrize("platform", PLATFORMS)
def test_reading_the_secret_again_an_hour_later_is_silent_as_the_pair_is_known(first_read,
                                                                              platform):
    outcome, _ = first_read
    veteran = machine_actor(platform, "veteran").principal
    assert len(alerts_for(outcome, "principal", veteran)) == 1
    first_seen, last_seen = known_pairs(outcome)[(veteran, platform, "new-secret")]
    assert (first_seen, last_seen) == (D + 10 * HOUR + 5 * MINUTE, D + 11 * HOUR + 5 * MINUTE)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_principal_still_learning_is_silent_but_its_reads_are_learned(first_read, platform):
    outcome, _ = first_read
    newcomer = machine_actor(platform, "newcomer").principal
    assert alerts_for(outcome, "principal", newcomer) == []
    known = known_pairs(outcome)
    assert {s for (p, pl, s) in known if (p, pl) == (newcomer, platform)} == {
        "daily-config", *(f"fresh-{i}" for i in range(5))}
    assert known[(newcomer, platform, "daily-config")][0] == D - 3 * DAY + 9 * HOUR


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_secret_last_read_ten_days_ago_is_silent(first_read, platform):
    outcome, _ = first_read
    returner = machine_actor(platform, "returner").principal
    assert alerts_for(outcome, "principal", returner) == []
    assert known_pairs(outcome)[(returner, platform, "quarterly-report")] == (
        D - 10 * DAY + 9 * HOUR, D + 10 * HOUR + 15 * MINUTE)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_twenty_five_new_secrets_in_one_hour_make_one_row(first_read, platform):
    outcome, _ = first_read
    harvester = machine_actor(platform, "harvester").principal
    (alert,) = alerts_for(outcome, "principal", harvester)
    assert int(alert["distinct_secrets"]) == 25
    assert sorted(values(alert["new_secrets"])) == HARVEST
    assert len(values(alert["sample_secrets"])) == 10


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_learning_period_counts_calendar_days(first_read, platform):
    """Seven calendar days (@d), not 7 x 24 hours: 6 days 11 hours may be enough."""
    outcome, _ = first_read
    (alert,) = alerts_for(outcome, "principal", machine_actor(platform, "edge-in").principal)
    assert values(alert["new_secrets"]) == ["edge-secret"]
    assert alerts_for(outcome, "principal", machine_actor(platform, "edge-out").principal) == []


def test_only_the_expected_principals_raise_risk_events(first_read):
    outcome, _ = first_read
    assert sorted((a["platform"], a["principal"]) for a in outcome.alerts) == sorted(
        (p, machine_actor(p, name).principal) for p in PLATFORMS
        for name in ("veteran", "harvester", "edge-in", "curious", "curious"))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_next_new_secret_of_the_same_principal_is_reported_too(first_read, platform):
    """Nothing throttles the anomaly: the collection alone keeps pairs from repeating."""
    outcome, _ = first_read
    curious = machine_actor(platform, "curious").principal
    assert [(a["run_time"], values(a["new_secrets"]))
            for a in alerts_for(outcome, "principal", curious)] == [
        (D + 11 * HOUR + 25 * MINUTE, ["first-find"]),
        (D + 13 * HOUR + 25 * MINUTE, ["second-find"])]


def test_calendar_days_are_those_of_the_search_heads_time_zone(tmp_path, packaged_app):
    """In New York (UTC-4 in June) a first read at 23:30 on May 26 is on May 27 in UTC:
    seven calendar days before a run on June 2 in New York, six in UTC."""
    etl = machine_actor("GCP", "nightly")
    first = D - 7 * DAY + 27 * HOUR + 30 * MINUTE  # 2026-05-27T03:30Z
    logs = write_logs(tmp_path / "logs", {"GCP": [
        *etl.read(first, "daily-config"),
        *etl.read(D + 14 * HOUR + 30 * MINUTE, "new-secret")]})  # 10:30 in New York
    for tz, expected in (("America/New_York", [["new-secret"]]), ("UTC", [])):
        outcome = run_replay(logs, app_dir=packaged_app, searches=[FIRST_READ], tz=tz)
        assert [values(a["new_secrets"]) for a in outcome.alerts] == expected, tz


def test_an_empty_hour_leaves_the_collection_unchanged(first_read, tmp_path, packaged_app):
    """A day with only a denied read and nothing else: no run writes the collection."""
    outcome, state = first_read
    before = outcome.lookup(KNOWN)
    assert before
    copy = tmp_path / "state"
    shutil.copytree(state, copy)
    quiet = {p: machine_actor(p, "veteran").denied(D + DAY + 10 * HOUR, "forbidden")
             for p in PLATFORMS}
    after = run_replay(write_logs(tmp_path / "logs", quiet), app_dir=packaged_app,
                       searches=[FIRST_READ], state_dir=copy)
    assert after.alerts == [] and not after.failures and after.runs
    assert after.lookup(KNOWN) == before


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, packaged_app):
    """A collection seeded as docs/analytics.md says (a 30-day run), then one morning of reads."""
    folder = tmp_path_factory.mktemp("seeded")
    veteran = machine_actor("AWS", "veteran2")
    person_aws = person_actor("AWS", "Kim@example.com")
    person_gcp = person_actor("GCP", "Kim@example.com")
    seed = write_csv(folder / "known.csv", ["principal", "platform", "secret", "first_seen",
                                           "last_seen"], [
        (veteran.principal, "AWS", "ancient-secret", D - 40 * DAY, D - 31 * DAY),
        (veteran.principal, "AWS", "stale-secret", D - 40 * DAY, D - 35 * DAY),
        (veteran.principal, "AWS", "daily-config", D - 40 * DAY, D - DAY),
        (person_aws.principal, "AWS", "daily-config", D - 20 * DAY, D - DAY),
    ])
    logs = write_logs(folder / "logs", {
        "AWS": veteran.read(D + 10 * HOUR, "ancient-secret")
        + person_aws.read(D + 10 * HOUR + 5 * MINUTE, "team-secret"),
        "GCP": read_all(person_gcp, D + 10 * HOUR + 10 * MINUTE, ["a", "b", "c"]),
    })
    outcome = run_replay(logs, app_dir=packaged_app, searches=[FIRST_READ],
                         lookups={KNOWN: seed}, state_dir=folder / "state")
    assert not outcome.failures, outcome.failures
    return outcome, veteran.principal


def test_a_secret_not_read_for_thirty_days_is_new_again_and_old_pairs_are_pruned(seeded):
    outcome, veteran = seeded
    (alert,) = alerts_for(outcome, "principal", veteran)
    assert values(alert["new_secrets"]) == ["ancient-secret"]
    known = known_pairs(outcome)
    assert known[(veteran, "AWS", "ancient-secret")] == (D + 10 * HOUR, D + 10 * HOUR)
    assert (veteran, "AWS", "stale-secret") not in known
    assert known[(veteran, "AWS", "daily-config")] == (D - 40 * DAY, D - DAY)


def test_history_is_per_principal_and_platform(seeded):
    """Kim has read secrets in AWS for 20 days, and reads GCP secrets for the first time."""
    outcome, _ = seeded
    assert [(a["platform"], values(a["new_secrets"]))
            for a in alerts_for(outcome, "principal", "kim@example.com")] == [
        ("AWS", ["team-secret"])]


# -- Cross-Cloud Secret Harvesting ---------------------------------------------------------

def secrets(prefix: str, count: int) -> List[str]:
    return [f"{prefix}-{i:02d}" for i in range(count)]


TEN = D + 10 * HOUR


ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"
DAVE, ERIN = "dave@example.com", "erin@example.com"
CROSS_CLOUD_READS = [
    # (actor, minutes after 10:00, secrets read 30 s apart)
    # alice: 6 in GCP and 5 in Azure within the hour, and as many again the next hour.
    (person_actor("GCP", ALICE), 5, secrets("gcp", 6)),
    (person_actor("Azure", ALICE), 20, secrets("kv", 5)),
    (person_actor("GCP", ALICE), 65, secrets("gcp2", 6)),
    (person_actor("Azure", ALICE), 69, secrets("kv2", 6)),
    # bob: 6 in GCP, 2 in Azure.
    (person_actor("GCP", BOB), 5, secrets("gcp", 6)),
    (person_actor("Azure", BOB), 20, secrets("kv", 2)),
    # An AWS IAM Identity Center session carol@example.com, a GCP user Carol@Example.com.
    (person_actor("AWS", CAROL), 5, secrets("prod", 5)),
    (person_actor("GCP", "Carol@Example.com"), 30, secrets("gcp", 5)),
    # A Vault AppRole and an AWS role named deploy, and a GCP service account of that
    # name (e-mail-shaped, but a machine), 10 each.
    (vault_named_actor("approle"), 0, secrets("deploy", 10)),
    (machine_actor("AWS", "deploy"), 0, secrets("deploy", 10)),
    (machine_actor("GCP", "deploy"), 0, secrets("deploy", 10)),
    # Vault dave and Azure dave@example.com, mapped to one identity, 5 each.
    (vault_named_actor("dave"), 5, secrets("app", 5)),
    (person_actor("Azure", DAVE), 10, secrets("kv", 5)),
    # erin: 5 in GCP from 10:50, 5 in Azure from 11:02: two clock hours.
    (person_actor("GCP", ERIN), 50, secrets("gcp", 5)),
    (person_actor("Azure", ERIN), 62, secrets("kv", 5)),
]


def cross_cloud_story() -> Dict[str, List[dict]]:
    by_platform = defaultdict(list)
    for actor, minutes, names in CROSS_CLOUD_READS:
        by_platform[actor.platform] += read_all(actor, TEN + minutes * MINUTE, names)
    return by_platform


@pytest.fixture(scope="module")
def cross_cloud(tmp_path_factory, packaged_app):
    folder = tmp_path_factory.mktemp("cross_cloud")
    identities = write_csv(folder / "identities.csv", ["principal", "platform", "identity"], [
        ("dave", "Vault", "dave@example.com"), ("dave@example.com", "Azure", "dave@example.com")])
    outcome = run_replay(write_logs(folder / "logs", cross_cloud_story()), app_dir=packaged_app,
                         searches=[CROSS_CLOUD], lookups={IDENTITIES: identities})
    assert not outcome.failures, outcome.failures
    return outcome


def test_one_person_reading_in_gcp_and_azure_within_the_hour_alerts_once(cross_cloud):
    (alert,) = alerts_for(cross_cloud, "identity", ALICE)
    assert alert["search"] == CROSS_CLOUD
    assert values(alert["platforms"]) == values(alert["platform"]) == ["Azure", "GCP"]
    assert (int(alert["gcp_distinct_secrets"]), int(alert["azure_distinct_secrets"])) == (6, 5)
    assert sorted(values(alert["distinct_secrets_per_platform"])) == ["Azure: 5", "GCP: 6"]
    assert alert["run_time"] == TEN + HOUR + 20 * MINUTE
    assert "Azure: 5, GCP: 6" in alert["reason"]


def test_six_in_gcp_and_two_in_azure_is_silent(cross_cloud):
    assert alerts_for(cross_cloud, "identity", BOB) == []


def test_an_aws_sso_session_and_a_gcp_user_with_the_same_email_are_one_identity(cross_cloud):
    (alert,) = alerts_for(cross_cloud, "identity", CAROL)
    assert values(alert["platforms"]) == ["AWS", "GCP"]
    assert values(alert["principal"]) == ["carol@example.com"]


def test_machine_principals_are_never_joined_by_name(cross_cloud):
    names = {"approle", *(machine_actor(p, "deploy").principal for p in ("AWS", "GCP"))}
    assert not [a for a in cross_cloud.alerts if names & set(values(a.get("principal")))]


def test_an_identities_row_joins_principals_of_different_names(cross_cloud):
    (alert,) = alerts_for(cross_cloud, "identity", DAVE)
    assert values(alert["platforms"]) == ["Azure", "Vault"]
    assert sorted(values(alert["principal"])) == ["dave", "dave@example.com"]


def test_reads_in_two_clock_hours_are_two_windows(cross_cloud):
    assert alerts_for(cross_cloud, "identity", ERIN) == []


def test_only_the_expected_identities_alert(cross_cloud):
    assert sorted(a["identity"] for a in cross_cloud.alerts) == [
        "alice@example.com", "carol@example.com", "dave@example.com"]
