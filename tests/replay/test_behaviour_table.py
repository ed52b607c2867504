"""The analytics' behaviour table (shared/spec/analytics.md), row by row, on all four platforms.

Each scenario is written as raw vendor logs (CloudTrail files, Cloud Audit Log lines, Key
Vault records, Vault audit lines) and replayed through the scheduler and the SPL engine:
the app's own saved searches, macros and lookups decide, the packaged `cloudsecrets`
command normalizes over protocol v2. Nothing here restates an analytic.
"""

from __future__ import annotations

import pytest
from replaying import RULES, baseline_csv, fired, number, replay_records

from devkit import scenarios
from devkit.scenarios import ACTORS, PLATFORMS, START, reads, steady_reads

MINUTE, HOUR = 60, 3600

SCENARIOS = [
    # (case, account type, records of the actor, baseline or None, Unusual Volume alerts?,
    #  Enumeration alerts?); a baseline is (median of the daily busiest hours[, learned
    #  days (30)[, busiest hour on record (twice the median)]]), as the baseline search
    #  writes it (docs/replay.md, the --baseline seed format).
    ("no baseline, 20 distinct secrets in 10 minutes", "Standard-User",
     lambda a: reads(a, 20, START, 25), None, True, True),
    ("service account, no baseline, 20 distinct in 10 minutes", "Service-Account",
     lambda a: reads(a, 20, START, 25), None, True, True),
    ("no baseline, 20 distinct spread over the hour", "Standard-User",
     lambda a: reads(a, 20, START, 3 * MINUTE), None, True, False),
    ("baseline shows it reads that much on a typical day", "Service-Account",
     lambda a: reads(a, 20, START, 3 * MINUTE), (22,), False, False),
    ("baseline shows a little, reads far more", "Service-Account",
     lambda a: reads(a, 25, START, 2 * MINUTE), (3,), True, False),
    ("a typical day of 22 learned on only 2 days is not yet a baseline", "Service-Account",
     lambda a: reads(a, 20, START, 3 * MINUTE), (22, 2), True, False),
    ("a typical day of 8, one busiest hour of 400 on record, reads 25", "Service-Account",
     lambda a: reads(a, 25, START, 2 * MINUTE), (8, 30, 400), True, False),
    ("only busy day forged or back-dated, reads 100 spread over the hour", "Standard-User",
     lambda a: steady_reads(a, 100, START, HOUR), (8, 11, 400), True, False),
    ("a baseline above the ceiling, reads 100 spread over the hour", "Service-Account",
     lambda a: steady_reads(a, 100, START, HOUR), (60,), True, False),
    ("a baseline above the ceiling, reads 99 spread over the hour", "Service-Account",
     lambda a: steady_reads(a, 99, START, HOUR), (60,), False, False),
    ("high-privilege reads 30 spread over the hour", "High-Privilege",
     lambda a: reads(a, 30, START, 2 * MINUTE), None, False, False),
    ("high-privilege reads 100 spread over the hour: the ceiling", "High-Privilege",
     lambda a: steady_reads(a, 100, START, HOUR), None, True, False),
    ("high-privilege reads 99 spread over the hour", "High-Privilege",
     lambda a: steady_reads(a, 99, START, HOUR), None, False, False),
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
@pytest.mark.parametrize(("account_type", "build", "baseline", "volume", "enumeration"),
                         [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_behaviour_table(tmp_path, logs_dir, packaged_app, platform, account_type, build,
                         baseline, volume, enumeration):
    actor = ACTORS[(platform, account_type)]
    seeds = {}
    if baseline is not None:
        seeds["cloud_secrets_baseline"] = baseline_csv(
            tmp_path / "baseline.csv", [(actor.principal, platform, *baseline)])
    outcome = replay_records(logs_dir, packaged_app, platform, build(actor), lookups=seeds)
    expected = ({("unusual_volume", actor.principal)} if volume else set()) | (
        {("enumeration", actor.principal)} if enumeration else set())
    assert outcome.failures == []
    assert fired(outcome) == expected
    assert all(a["account_type"] == account_type and a["platform"] == platform
               for a in outcome.alerts)
    assert all(outcome.runs[name] > 0 for name in RULES)


def test_batch_retrieval_counts_each_secret_once(logs_dir, packaged_app):
    identity = scenarios.aws_user("erin")
    names = [f"prod/batch-{i:02d}" for i in range(20)]
    records = scenarios.aws_batch_get(START, identity, names)  # 1 batch + 20 GetSecretValue
    outcome = replay_records(logs_dir, packaged_app, "AWS", records)
    assert {(a["analytic"], number(a["distinct_secrets"])) for a in outcome.alerts} == {
        ("unusual_volume", 20), ("enumeration", 20)}
    # Both rows describe the 21 entries AWS logs for the one call (the batch event and a
    # GetSecretValue per secret), not the batch event alone: 21 entries, 20 distinct.
    assert {(a["analytic"], number(a["count"])) for a in outcome.alerts} == {
        ("unusual_volume", 21), ("enumeration", 21)}


def test_a_batch_of_twelve_stays_below_the_thresholds(logs_dir, packaged_app):
    names = [f"prod/batch-{i:02d}" for i in range(12)]
    records = scenarios.aws_batch_get(START, scenarios.aws_user("erin"), names)
    assert replay_records(logs_dir, packaged_app, "AWS", records).alerts == []


def test_vault_request_and_response_lines_count_once(tmp_path, packaged_app):
    actor = ACTORS[("Vault", "Service-Account")]
    (tmp_path / "reads").mkdir()
    outcome = replay_records(tmp_path / "reads", packaged_app, "Vault",
                             reads(actor, 20, START, 20))  # 40 lines
    assert {(a["analytic"], number(a["count"]), number(a["distinct_secrets"]))
            for a in outcome.alerts} == {("unusual_volume", 20, 20), ("enumeration", 20, 20)}
    (tmp_path / "denied").mkdir()
    denied = [r for i in range(3) for r in actor.denied(START + i * 60, f"s{i}")]  # 6 lines
    assert replay_records(tmp_path / "denied", packaged_app, "Vault", denied).alerts == []


def test_alert_rows_carry_what_an_analyst_acts_on(logs_dir, packaged_app):
    actor = ACTORS[("AWS", "Standard-User")]
    outcome = replay_records(logs_dir, packaged_app, "AWS", reads(actor, 20, START, 3 * 60))
    (alert,) = outcome.alerts
    assert alert["search"] == RULES[0] and alert["analytic"] == "unusual_volume"
    assert alert["principal"] == actor.principal and alert["account_type_rule"] == "default"
    assert alert["vendor_product"] == "AWS Secrets Manager"
    assert alert["src"] == "203.0.113.10"
    assert alert["sample_secrets"] == [f"prod/secret-{i:02d}" for i in range(10)]
    assert alert["secret_stores"] == f"aws:{scenarios.ACCOUNT}:eu-west-1"
    assert alert["user_agent"] == "aws-cli/2.17.0 Python/3.12.4"
    assert alert["firstTime"].startswith("2026-06-02T09:00:00")
    assert alert["lastTime"].startswith("2026-06-02T09:57:00")
    assert "20 distinct secrets in one hour and has no baseline" in alert["reason"]
    assert START + HOUR < alert["run_time"] < START + 2 * HOUR  # the 10:xx run, over 09:xx
