"""The analytics' behaviour table (shared/spec/analytics.md), row by row, on all platforms.

Each scenario is written as raw vendor logs (CloudTrail files, Cloud Audit Log lines,
Key Vault records, Vault audit lines), replayed through the packaged command over
protocol v2 and both analytics, exactly as `python3 build.py replay` does.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List

import pytest

from devkit import replay, scenarios
from devkit.scenarios import START

MINUTE = 60


@dataclass(frozen=True)
class Actor:
    """One principal on one platform, and the records its calls leave."""

    platform: str
    principal: str
    read: Callable[[float, str], List[dict]]
    listing: Callable[[float], List[dict]]
    denied: Callable[[float, str], List[dict]]


def aws_actor(identity: dict, principal: str) -> Actor:
    return Actor("AWS", principal,
                 lambda t, s: [scenarios.aws_get_secret(t, identity, f"prod/{s}")],
                 lambda t: [scenarios.aws_call(t, identity, "ListSecrets", {"maxResults": 100})],
                 lambda t, s: [scenarios.aws_get_secret(t, identity, f"prod/{s}",
                                                        error="AccessDenied")])


def gcp_actor(email: str) -> Actor:
    return Actor("GCP", email,
                 lambda t, s: [scenarios.gcp_access(t, email, "prod-7", s)],
                 lambda t: [scenarios.gcp_list(t, email, "prod-7")],
                 lambda t, s: [scenarios.gcp_access(t, email, "prod-7", s, status=7)])


def azure_actor(claims: Dict[str, str], principal: str) -> Actor:
    return Actor("Azure", principal,
                 lambda t, s: [scenarios.azure_call(t, claims, "SecretGet", "kv-prod", s)],
                 lambda t: [scenarios.azure_call(t, claims, "SecretList", "kv-prod")],
                 lambda t, s: [scenarios.azure_call(t, claims, "SecretGet", "kv-prod", s,
                                                    status=403)])


def vault_actor(name: str, policies=("default",)) -> Actor:
    return Actor("Vault", name,
                 lambda t, s: list(scenarios.vault_call(t, name, "read", f"secret/data/app/{s}",
                                                        policies)),
                 lambda t: list(scenarios.vault_call(t, name, "list", "secret/metadata/app/",
                                                     policies)),
                 lambda t, s: list(scenarios.vault_call(t, name, "read", f"secret/data/app/{s}",
                                                        policies, error="permission denied")))


ACCOUNT = scenarios.ACCOUNT
ACTORS = {
    # (platform, account type) -> actor
    ("AWS", "Standard-User"): aws_actor(scenarios.aws_user("dana"),
                                        f"arn:aws:iam::{ACCOUNT}:user/dana"),
    ("AWS", "Service-Account"): aws_actor(scenarios.aws_role("billing-app", "i-0a1b2c3d4e5f6071"),
                                          f"arn:aws:iam::{ACCOUNT}:role/billing-app"),
    ("AWS", "High-Privilege"): aws_actor(
        scenarios.aws_role("OrganizationAccountAccessRole", "ops-dana"),
        f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"),
    ("GCP", "Standard-User"): gcp_actor("dana@example.com"),
    ("GCP", "Service-Account"): gcp_actor("billing@prod-7.iam.gserviceaccount.com"),
    ("GCP", "High-Privilege"): gcp_actor("admin-dana@example.com"),
    ("Azure", "Standard-User"): azure_actor(
        scenarios.azure_person("Dana@Contoso.com", "0b9c1d2e-0000-4000-8000-00000000d4a4"),
        "dana@contoso.com"),
    ("Azure", "Service-Account"): azure_actor(
        scenarios.azure_app("5e6f7a8b-0000-4000-8000-0000000000a1", "9a8b7c6d-0000-4000-8000-1"),
        "5e6f7a8b-0000-4000-8000-0000000000a1"),
    ("Azure", "High-Privilege"): azure_actor(
        scenarios.azure_person("admin@contoso.com", "1c2d3e4f-0000-4000-8000-00000000ad01"),
        "admin@contoso.com"),
    ("Vault", "Standard-User"): vault_actor("oidc-dana"),
    ("Vault", "Service-Account"): vault_actor("kubernetes-billing-api"),
    ("Vault", "High-Privilege"): vault_actor("root", ("root",)),
}
PLATFORMS = ("AWS", "GCP", "Azure", "Vault")


def write_logs(folder: Path, platform: str, records: List[dict]) -> Path:
    """Write records the way the platform's log pipeline delivers them."""
    if platform == "AWS":
        path = folder / "cloudtrail.json"
        path.write_text(json.dumps({"Records": records}))
    elif platform == "Azure":
        path = folder / "keyvault.json"
        path.write_text(json.dumps({"records": records}))
    else:
        path = folder / f"{platform.lower()}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def run(tmp_path, packaged_app, platform, records, baseline_rows=()):
    baseline = tmp_path / "baseline.csv"
    header = (packaged_app / "lookups" / "cloud_secrets_baseline.csv").read_text().strip()
    with baseline.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header.split(","))
        for principal, busiest in baseline_rows:
            writer.writerow([principal, platform, 30, 600, 20, 30, busiest - 2, busiest, 0, 0])
    alerts, _ = replay.replay([write_logs(tmp_path, platform, records)], packaged_app, baseline)
    return alerts


def reads(actor: Actor, count: int, start: float, every: float, prefix: str = "secret") -> list:
    return [r for i in range(count) for r in actor.read(start + i * every, f"{prefix}-{i:02d}")]


def fired(alerts) -> set:
    return {(a.analytic, a.principal) for a in alerts}


SCENARIOS = [
    # (case, account type, records of the actor, baseline busiest hour or None,
    #  Unusual Volume alerts?, Enumeration alerts?)
    ("no baseline, 20 distinct secrets in 10 minutes", "Standard-User",
     lambda a: reads(a, 20, START, 25), None, True, True),
    ("service account, no baseline, 20 distinct in 10 minutes", "Service-Account",
     lambda a: reads(a, 20, START, 25), None, True, True),
    ("no baseline, 20 distinct spread over the hour", "Standard-User",
     lambda a: reads(a, 20, START, 3 * MINUTE), None, True, False),
    ("baseline shows it reads that much every hour", "Service-Account",
     lambda a: reads(a, 20, START, 3 * MINUTE), 22, False, False),
    ("baseline shows a little, reads far more", "Service-Account",
     lambda a: reads(a, 25, START, 2 * MINUTE), 3, True, False),
    ("high-privilege reads 30 spread over the hour", "High-Privilege",
     lambda a: reads(a, 30, START, 2 * MINUTE), None, False, False),
    ("high-privilege reads 30 in 10 minutes", "High-Privilege",
     lambda a: reads(a, 30, START, 15), None, False, True),
    ("lists, then reads 10 distinct in 10 minutes", "Standard-User",
     lambda a: a.listing(START) + reads(a, 10, START + 30, 50), None, False, True),
    ("12 distinct in 10 minutes without listing", "Standard-User",
     lambda a: reads(a, 12, START, 45), None, False, False),
    ("19 distinct in 10 minutes without listing", "Service-Account",
     lambda a: reads(a, 19, START, 30), None, False, False),
    ("lists, then reads 9 distinct", "Standard-User",
     lambda a: a.listing(START) + reads(a, 9, START + 30, 50), None, False, False),
    ("lists, then reads 10 distinct over an hour", "Standard-User",
     lambda a: a.listing(START) + reads(a, 10, START + 30, 6 * MINUTE), None, False, False),
    ("5 denied reads in 10 minutes", "Standard-User",
     lambda a: [r for i in range(5) for r in a.denied(START + i * 100, f"s{i}")], None, False,
     True),
    ("4 denied reads in 10 minutes", "Standard-User",
     lambda a: [r for i in range(4) for r in a.denied(START + i * 100, f"s{i}")], None, False,
     False),
    ("5 denied reads spread over an hour", "Standard-User",
     lambda a: [r for i in range(5) for r in a.denied(START + i * 12 * MINUTE, f"s{i}")], None,
     False, False),
    ("3 secrets in an hour", "Standard-User",
     lambda a: reads(a, 3, START, 20 * MINUTE), None, False, False),
    ("the same secret read 40 times in 10 minutes", "Standard-User",
     lambda a: [r for i in range(40) for r in a.read(START + i * 10, "only-one")], None, False,
     False),
]


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(("account_type", "build", "busiest", "volume", "enumeration"),
                         [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_behaviour_table(tmp_path, packaged_app, platform, account_type, build, busiest, volume,
                         enumeration):
    actor = ACTORS[(platform, account_type)]
    baseline = [(actor.principal, busiest)] if busiest is not None else []
    alerts = run(tmp_path, packaged_app, platform, build(actor), baseline)
    expected = ({("unusual_volume", actor.principal)} if volume else set()) | (
        {("enumeration", actor.principal)} if enumeration else set())
    assert fired(alerts) == expected
    assert all(a.account_type == account_type and a.platform == platform for a in alerts)


def test_batch_retrieval_counts_each_secret_once(tmp_path, packaged_app):
    identity = scenarios.aws_user("erin")
    names = [f"prod/batch-{i:02d}" for i in range(20)]
    records = scenarios.aws_batch_get(START, identity, names)  # 1 batch + 20 GetSecretValue
    alerts = run(tmp_path, packaged_app, "AWS", records)
    assert {(a.analytic, a.distinct_secrets, a.count) for a in alerts} == {
        ("unusual_volume", 20, 21), ("enumeration", 20, 21)}


def test_a_batch_of_twelve_stays_below_the_thresholds(tmp_path, packaged_app):
    names = [f"prod/batch-{i:02d}" for i in range(12)]
    records = scenarios.aws_batch_get(START, scenarios.aws_user("erin"), names)
    assert run(tmp_path, packaged_app, "AWS", records) == []


def test_vault_request_and_response_lines_count_once(tmp_path, packaged_app):
    actor = ACTORS[("Vault", "Service-Account")]
    records = reads(actor, 20, START, 20)  # 40 lines
    alerts = run(tmp_path, packaged_app, "Vault", records)
    assert {(a.analytic, a.count, a.distinct_secrets) for a in alerts} == {
        ("unusual_volume", 20, 20), ("enumeration", 20, 20)}
    denied = [r for i in range(3) for r in actor.denied(START + i * 60, f"s{i}")]  # 6 lines
    assert run(tmp_path, packaged_app, "Vault", denied) == []


def test_alert_rows_carry_what_an_analyst_acts_on(tmp_path, packaged_app):
    actor = ACTORS[("AWS", "Standard-User")]
    (alert,) = [a for a in run(tmp_path, packaged_app, "AWS", reads(actor, 20, START, 3 * 60))]
    assert alert.principal == actor.principal and alert.account_type_rule == "default"
    assert alert.vendor_product == ["AWS Secrets Manager"] and alert.src == ["203.0.113.10"]
    assert alert.sample_secrets == [f"prod/secret-{i:02d}" for i in range(10)]
    assert alert.secret_stores == [f"aws:{ACCOUNT}:eu-west-1"]
    assert alert.user_agent == ["aws-cli/2.17.0 Python/3.12.4"]
    assert alert.first_time == START and alert.last_time == START + 19 * 180
    assert "20 distinct secrets in one hour and has no baseline" in alert.reason


def test_csv_output_header_and_rows(tmp_path, packaged_app):
    actor = ACTORS[("GCP", "Service-Account")]
    logs = write_logs(tmp_path, "GCP", reads(actor, 20, START, 20))
    out = tmp_path / "out.csv"
    with out.open("w") as handle:
        assert replay.main([str(logs), "--format", "csv"], packaged_app, out=handle) == 0
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:7] == ["analytic", "principal", "platform", "account_type", "count",
                                 "distinct_secrets", "reason"]
    assert {(r["analytic"], r["principal"], r["distinct_secrets"]) for r in rows} == {
        ("unusual_volume", actor.principal, "20"), ("enumeration", actor.principal, "20")}


def test_json_output_and_gzip_input(tmp_path, packaged_app):
    import gzip

    actor = ACTORS[("Azure", "Standard-User")]
    plain = write_logs(tmp_path, "Azure", reads(actor, 20, START, 20))
    packed = tmp_path / "keyvault.json.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    out = tmp_path / "out.json"
    with out.open("w") as handle:
        assert replay.main([str(packed), "--format", "json"], packaged_app, out=handle) == 0
    alerts = json.loads(out.read_text())
    assert {a["analytic"] for a in alerts} == {"unusual_volume", "enumeration"}
    assert all(a["first_time"].endswith("Z") for a in alerts)


def test_bad_input_is_reported_and_the_rest_replayed(tmp_path, packaged_app, capsys):
    """A broken line is named file:line and skipped; a README is skipped by name; the
    summary on stderr always says what was read, even with no alert."""
    broken = tmp_path / "vault.jsonl"
    broken.write_text('{"type": "response", "time": "2026-03-01T10:00:00Z"}\nnot json\n')
    (tmp_path / "README.txt").write_text("exports of March\n")
    assert replay.main([str(tmp_path)], packaged_app) == 0
    err = capsys.readouterr().err
    assert f"replay:   broken record at {broken}:2: " in err
    assert f"replay:   skipped {tmp_path / 'README.txt'}: not a log file" in err
    assert "replay: read 1 records from 1 files, skipped 1 files, 1 broken records skipped" in err
    assert "replay: 1 events (1 Unknown); 1 left Unknown by cloudsecrets; 0 alerts" in err
    assert replay.main([str(tmp_path / "missing.json")], packaged_app) == 2
    assert f"replay: no such file or folder: {tmp_path / 'missing.json'}" in capsys.readouterr().err
