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
import json
import shutil
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List

import pytest

from devkit import scenarios
from devkit.replay import run_replay
from devkit.scenarios import DAY, START

FIRST_READ = "Cloud Secrets - First Secret Read by Principal - Anomaly"
CROSS_CLOUD = "Cloud Secrets - Cross-Cloud Secret Harvesting - Rule"
KNOWN = "cloud_secrets_first_read_known"
IDENTITIES = "cloud_secrets_identities"
MINUTE, HOUR = 60, 3600
D = START - 9 * HOUR  # midnight starting the story day
PLATFORMS = ("AWS", "GCP", "Azure", "Vault")


@dataclass(frozen=True)
class Principal:
    """One principal on one platform: its name as cloudsecrets writes it, and its calls."""

    platform: str
    principal: str
    read: Callable[[float, str], List[dict]]
    denied: Callable[[float, str], List[dict]]

    def reads(self, at: float, secrets: Iterable[str], every: float = 30) -> List[dict]:
        return [r for i, name in enumerate(secrets) for r in self.read(at + i * every, name)]


def aws(identity: dict, principal: str) -> Principal:
    return Principal("AWS", principal,
                     lambda t, s: [scenarios.aws_get_secret(t, identity, s)],
                     lambda t, s: [scenarios.aws_get_secret(t, identity, s,
                                                            error="AccessDenied")])


def gcp(email: str, principal: str) -> Principal:
    return Principal("GCP", principal,
                     lambda t, s: [scenarios.gcp_access(t, email, "prod-7", s)],
                     lambda t, s: [scenarios.gcp_access(t, email, "prod-7", s, status=7)])


def azure(claims: Dict[str, str], principal: str) -> Principal:
    return Principal("Azure", principal,
                     lambda t, s: [scenarios.azure_call(t, claims, "SecretGet", "kv-prod", s)],
                     lambda t, s: [scenarios.azure_call(t, claims, "SecretGet", "kv-prod", s,
                                                        status=403)])


def vault(display_name: str, policies=("default",)) -> Principal:
    return Principal("Vault", display_name,
                     lambda t, s: list(scenarios.vault_call(t, display_name, "read",
                                                            f"secret/data/{s}", policies)),
                     lambda t, s: list(scenarios.vault_call(t, display_name, "read",
                                                            f"secret/data/{s}", policies,
                                                            error="permission denied")))


def name_uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def machine(platform: str, name: str) -> Principal:
    """A service principal named `name` on `platform` (role, service account, app, k8s)."""
    if platform == "AWS":
        return aws(scenarios.aws_role(name, "i-0a1b2c3d4e5f60718"),
                   f"arn:aws:iam::{scenarios.ACCOUNT}:role/{name}")
    if platform == "GCP":
        return gcp(f"{name}@prod-7.iam.gserviceaccount.com",
                   f"{name}@prod-7.iam.gserviceaccount.com")
    if platform == "Azure":
        object_id, app_id = name_uuid("oid", name), name_uuid("app", name)
        return azure(scenarios.azure_app(object_id, app_id), object_id)
    return vault(f"kubernetes-{name}")


def write_logs(folder: Path, records_by_platform: Dict[str, List[dict]]) -> List[Path]:
    """Write each platform's records the way its log pipeline delivers them."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for platform, records in records_by_platform.items():
        if platform == "AWS":
            path = folder / "cloudtrail.json"
            path.write_text(json.dumps({"Records": records}))
        elif platform == "Azure":
            path = folder / "keyvault.json"
            path.write_text(json.dumps({"records": records}))
        else:
            path = folder / f"{platform.lower()}.jsonl"
            path.write_text("".join(json.dumps(r) + "\n" for r in records))
        paths.append(path)
    return paths


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

def daily(principal: Principal, first_day: int, secret: str = "daily-config",
          at: float = 8 * HOUR) -> List[dict]:
    """One read of `secret` every day from D-first_day to D-1, at `at` past midnight."""
    return [r for day in range(first_day, 0, -1)
            for r in principal.read(D - day * DAY + at, secret)]


HARVEST = [f"harvest-{i:02d}" for i in range(25)]


def first_read_story(platform: str) -> List[dict]:
    p = {name: machine(platform, name) for name in
         ("veteran", "newcomer", "returner", "harvester", "edge-in", "edge-out")}
    return [
        # 10 days of history, then a never-read secret, read again an hour later.
        *daily(p["veteran"], 10), *p["veteran"].read(D + 10 * HOUR + 5 * MINUTE, "new-secret"),
        *p["veteran"].read(D + 11 * HOUR + 5 * MINUTE, "new-secret"),
        # 3 days of history, then 5 new secrets.
        *daily(p["newcomer"], 3, at=9 * HOUR),
        *p["newcomer"].reads(D + 10 * HOUR + 10 * MINUTE, [f"fresh-{i}" for i in range(5)]),
        # Read a secret 10 days ago (and another every day since), then reads it again.
        *p["returner"].read(D - 10 * DAY + 9 * HOUR, "quarterly-report"),
        *daily(p["returner"], 10),
        *p["returner"].read(D + 10 * HOUR + 15 * MINUTE, "quarterly-report"),
        # History, then 25 new secrets in one hour.
        *daily(p["harvester"], 10),
        *p["harvester"].reads(D + 10 * HOUR + 20 * MINUTE, HARVEST, every=60),
        # First reads 7 calendar days before the run (late in the evening), and 6 (just
        # after midnight): only the first has its seven days of history.
        *daily(p["edge-in"], 7, at=23 * HOUR + 30 * MINUTE),
        *p["edge-in"].read(D + 10 * HOUR + 30 * MINUTE, "edge-secret"),
        *daily(p["edge-out"], 6, at=10 * MINUTE),
        *p["edge-out"].read(D + 10 * HOUR + 30 * MINUTE, "edge-secret"),
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
    veteran = machine(platform, "veteran").principal
    (alert,) = alerts_for(outcome, "principal", veteran)  # once, not again an hour later
    assert alert["search"] == FIRST_READ and alert["platform"] == platform
    assert values(alert["new_secrets"]) == ["new-secret"]
    assert int(alert["distinct_secrets"]) == 1
    assert alert["run_time"] == D + 11 * HOUR + 25 * MINUTE  # the run after that hour


@pytest.mark.parametrize("platform", PLATFORMS)
def test_reading_the_secret_again_an_hour_later_is_silent_as_the_pair_is_known(first_read,
                                                                              platform):
    outcome, _ = first_read
    veteran = machine(platform, "veteran").principal
    assert len(alerts_for(outcome, "principal", veteran)) == 1
    first_seen, last_seen = known_pairs(outcome)[(veteran, platform, "new-secret")]
    assert (first_seen, last_seen) == (D + 10 * HOUR + 5 * MINUTE, D + 11 * HOUR + 5 * MINUTE)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_principal_still_learning_is_silent_but_its_reads_are_learned(first_read, platform):
    outcome, _ = first_read
    newcomer = machine(platform, "newcomer").principal
    assert alerts_for(outcome, "principal", newcomer) == []
    known = known_pairs(outcome)
    assert {s for (p, pl, s) in known if (p, pl) == (newcomer, platform)} == {
        "daily-config", *(f"fresh-{i}" for i in range(5))}
    assert known[(newcomer, platform, "daily-config")][0] == D - 3 * DAY + 9 * HOUR


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_secret_last_read_ten_days_ago_is_silent(first_read, platform):
    outcome, _ = first_read
    returner = machine(platform, "returner").principal
    assert alerts_for(outcome, "principal", returner) == []
    assert known_pairs(outcome)[(returner, platform, "quarterly-report")] == (
        D - 10 * DAY + 9 * HOUR, D + 10 * HOUR + 15 * MINUTE)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_twenty_five_new_secrets_in_one_hour_make_one_row(first_read, platform):
    outcome, _ = first_read
    harvester = machine(platform, "harvester").principal
    (alert,) = alerts_for(outcome, "principal", harvester)
    assert int(alert["distinct_secrets"]) == 25
    assert sorted(values(alert["new_secrets"])) == HARVEST
    assert len(values(alert["sample_secrets"])) == 10


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_learning_period_counts_calendar_days(first_read, platform):
    """Seven calendar days (@d), not 7 x 24 hours: 6 days 11 hours may be enough."""
    outcome, _ = first_read
    (alert,) = alerts_for(outcome, "principal", machine(platform, "edge-in").principal)
    assert values(alert["new_secrets"]) == ["edge-secret"]
    assert alerts_for(outcome, "principal", machine(platform, "edge-out").principal) == []


def test_only_the_expected_principals_raise_risk_events(first_read):
    outcome, _ = first_read
    assert sorted((a["platform"], a["principal"]) for a in outcome.alerts) == sorted(
        (p, machine(p, name).principal) for p in PLATFORMS
        for name in ("veteran", "harvester", "edge-in"))


def test_an_empty_hour_leaves_the_collection_unchanged(first_read, tmp_path, packaged_app):
    """A day with only a denied read and nothing else: no run writes the collection."""
    outcome, state = first_read
    before = outcome.lookup(KNOWN)
    assert before
    copy = tmp_path / "state"
    shutil.copytree(state, copy)
    quiet = {p: machine(p, "veteran").denied(D + DAY + 10 * HOUR, "forbidden") for p in PLATFORMS}
    after = run_replay(write_logs(tmp_path / "logs", quiet), app_dir=packaged_app,
                       searches=[FIRST_READ], state_dir=copy)
    assert after.alerts == [] and not after.failures and after.runs
    assert after.lookup(KNOWN) == before


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, packaged_app):
    """A collection seeded as the README says (a 30-day run), then one morning of reads."""
    folder = tmp_path_factory.mktemp("seeded")
    veteran = machine("AWS", "veteran2")
    person_aws = aws(scenarios.aws_sso("ReadOnlyAccess", "Kim@example.com"), "kim@example.com")
    person_gcp = gcp("Kim@example.com", "kim@example.com")
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
        "GCP": person_gcp.reads(D + 10 * HOUR + 10 * MINUTE, ["a", "b", "c"]),
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

def person(platform: str, name: str) -> Principal:
    """A person signed in with the e-mail `name` (as typed: the command lowercases it)."""
    if platform == "AWS":
        return aws(scenarios.aws_sso("ReadOnlyAccess", name), name.lower())
    if platform == "GCP":
        return gcp(name, name.lower())
    if platform == "Azure":
        return azure(scenarios.azure_person(name, name_uuid("oid", name)), name.lower())
    return vault(name)


def secrets(prefix: str, count: int) -> List[str]:
    return [f"{prefix}-{i:02d}" for i in range(count)]


TEN = D + 10 * HOUR


def cross_cloud_story() -> Dict[str, List[dict]]:
    calls = [
        # alice@example.com: 6 in GCP and 5 in Azure within the hour, again the next hour.
        person("GCP", "alice@example.com").reads(TEN + 5 * MINUTE, secrets("gcp", 6)),
        person("Azure", "alice@example.com").reads(TEN + 20 * MINUTE, secrets("kv", 5)),
        person("GCP", "alice@example.com").reads(TEN + HOUR + 5 * MINUTE, secrets("gcp2", 6)),
        person("Azure", "alice@example.com").reads(TEN + HOUR + 9 * MINUTE, secrets("kv2", 6)),
        # bob@example.com: 6 in GCP, 2 in Azure.
        person("GCP", "bob@example.com").reads(TEN + 5 * MINUTE, secrets("gcp", 6)),
        person("Azure", "bob@example.com").reads(TEN + 20 * MINUTE, secrets("kv", 2)),
        # An AWS SSO session carol@example.com and a GCP user Carol@Example.com, 5 each.
        person("AWS", "carol@example.com").reads(TEN + 5 * MINUTE, secrets("prod", 5)),
        person("GCP", "Carol@Example.com").reads(TEN + 30 * MINUTE, secrets("gcp", 5)),
        # A Vault AppRole and an AWS role, both named deploy, 10 each; a GCP service
        # account (e-mail-shaped, but a machine) with the AWS role's name too.
        vault("approle").reads(TEN, secrets("deploy", 10)),
        machine("AWS", "deploy").reads(TEN, secrets("deploy", 10)),
        machine("GCP", "deploy").reads(TEN, secrets("deploy", 10)),
        # Vault dave and Azure dave@example.com, mapped to one identity, 5 each.
        vault("dave").reads(TEN + 5 * MINUTE, secrets("app", 5)),
        person("Azure", "dave@example.com").reads(TEN + 10 * MINUTE, secrets("kv", 5)),
        # erin@example.com: 5 in GCP at 10:50, 5 in Azure at 11:02: two clock hours.
        person("GCP", "erin@example.com").reads(TEN + 50 * MINUTE, secrets("gcp", 5), every=60),
        person("Azure", "erin@example.com").reads(TEN + 62 * MINUTE, secrets("kv", 5)),
    ]
    by_platform = defaultdict(list)
    for records in calls:
        for record in records:
            by_platform[platform_of(record)].append(record)
    return by_platform


def platform_of(record: dict) -> str:
    if "eventSource" in record:
        return "AWS"
    if "protoPayload" in record:
        return "GCP"
    if "operationName" in record:
        return "Azure"
    return "Vault"


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
    (alert,) = alerts_for(cross_cloud, "identity", "alice@example.com")
    assert alert["search"] == CROSS_CLOUD
    assert values(alert["platforms"]) == ["Azure", "GCP"]
    assert (int(alert["gcp_distinct_secrets"]), int(alert["azure_distinct_secrets"])) == (6, 5)
    assert sorted(values(alert["distinct_secrets_per_platform"])) == ["Azure: 5", "GCP: 6"]
    assert alert["run_time"] == TEN + HOUR + 20 * MINUTE
    assert "Azure: 5, GCP: 6" in alert["reason"]


def test_six_in_gcp_and_two_in_azure_is_silent(cross_cloud):
    assert alerts_for(cross_cloud, "identity", "bob@example.com") == []


def test_an_aws_sso_session_and_a_gcp_user_with_the_same_email_are_one_identity(cross_cloud):
    (alert,) = alerts_for(cross_cloud, "identity", "carol@example.com")
    assert values(alert["platforms"]) == ["AWS", "GCP"]
    assert values(alert["principal"]) == ["carol@example.com"]


def test_machine_principals_are_never_joined_by_name(cross_cloud):
    names = {"approle", machine("AWS", "deploy").principal, machine("GCP", "deploy").principal}
    assert not [a for a in cross_cloud.alerts if names & set(values(a.get("principal")))]


def test_an_identities_row_joins_principals_of_different_names(cross_cloud):
    (alert,) = alerts_for(cross_cloud, "identity", "dave@example.com")
    assert values(alert["platforms"]) == ["Azure", "Vault"]
    assert sorted(values(alert["principal"])) == ["dave", "dave@example.com"]


def test_reads_in_two_clock_hours_are_two_windows(cross_cloud):
    assert alerts_for(cross_cloud, "identity", "erin@example.com") == []


def test_only_the_expected_identities_alert(cross_cloud):
    assert sorted(a["identity"] for a in cross_cloud.alerts) == [
        "alice@example.com", "carol@example.com", "dave@example.com"]
