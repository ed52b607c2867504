"""The live-deployment table of shared/spec/analytics.md, as the scheduler would live it.

Late data, an empty day between days of reads, one person on two clouds, the window an
enumeration row describes, and IP-only threat objects: raw vendor records
(devkit.scenarios) replayed through the app's own saved searches by devkit.replay. The
oracle is the contract's table and the behaviour table, never the SPL.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone

import pytest
from replaying import (
    BASELINE,
    ENUMERATION,
    RULES,
    VOLUME,
    baseline_csv,
    fired,
    number,
    trust_one_learned_day,
)

from devkit import replay, scenarios
from devkit.scenarios import ACTORS, DAY, START, reads

MINUTE, HOUR = 60, 3600
DANA = ACTORS[("AWS", "Standard-User")]
DANA_IDENTITY = scenarios.aws_user("dana")  # the identity DANA's records carry
# One person, one e-mail address, two clouds: a GCP user and an Azure Key Vault UPN.
PERSON = "sam@example.com"
SAM_GCP = scenarios.gcp_actor(PERSON)
SAM_AZURE = scenarios.azure_actor(
    scenarios.azure_person(PERSON, "3d4e5f60-0000-4000-8000-00000000a5a5"), PERSON)


def replay_platforms(folder, app_dir, records_by_platform, searches=RULES, **options):
    for platform, records in records_by_platform.items():
        scenarios.write_logs(folder, platform, records)
    return replay.run_replay([folder], app_dir=app_dir, searches=list(searches), **options)


def enumeration(actor, start: float, reads_count: int, every: float = 20) -> list:
    """A listing, then `reads_count` distinct secrets read every `every` seconds."""
    return actor.listing(start) + reads(actor, reads_count, start + 10, every)


def utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


# -- late data: windows leave 10 minutes for ingestion -----------------------------------


# Both end at 09:43:30, 10 minutes after they start: indexed 8 minutes late, their last
# events arrive at 09:51:30, after the 09:50 run. A window that ended 5 minutes before its
# run (-25m@m to -5m@m) would see them only in part, in two runs; -30m@m to -10m@m sees
# them whole in the 10:00 run.
LATE_ENUMERATIONS = {
    "burst": (reads(DANA, 20, START + 34 * MINUTE, 30), 20, "burst of 20"),
    "listing then reads": (enumeration(DANA, START + 34 * MINUTE, 11, every=56), 11,
                           "listed a secret store and read 11"),
}


@pytest.mark.parametrize("name", sorted(LATE_ENUMERATIONS))
def test_an_enumeration_indexed_8_minutes_late_is_still_caught(logs_dir, packaged_app, name):
    records, distinct, reason = LATE_ENUMERATIONS[name]
    outcome = replay_platforms(logs_dir, packaged_app, {"AWS": records}, [ENUMERATION],
                               lag=480)
    assert outcome.failures == []
    (alert,) = outcome.alerts
    assert (alert["principal"], alert["platform"]) == (DANA.principal, "AWS")
    assert number(alert["distinct_secrets"]) == distinct
    assert alert["reason"].startswith(reason)
    assert utc(alert["run_time"]) == "2026-06-02T10:00:00"


def test_a_full_window_indexed_10_minutes_late_is_still_caught(logs_dir, packaged_app):
    # 20 distinct reads spread over a whole 10-minute window, 09:34:00 to 09:44:00.
    records = DANA.read(START + 34 * MINUTE, "first") + reads(DANA, 19, START + 44 * MINUTE
                                                              - 18 * 30, 30)
    outcome = replay_platforms(logs_dir, packaged_app, {"AWS": records}, [ENUMERATION],
                               lag=600)
    assert fired(outcome) == {("enumeration", DANA.principal)}


def test_volume_reads_indexed_25_minutes_late_are_still_counted(logs_dir, packaged_app):
    records = reads(DANA, 20, START + 40 * MINUTE, 57)  # 09:40 to 09:58
    outcome = replay_platforms(logs_dir, packaged_app, {"AWS": records}, [VOLUME],
                               lag=25 * MINUTE)
    assert fired(outcome) == {("unusual_volume", DANA.principal)}


# -- empty runs: learned state is never emptied ------------------------------------------


def test_a_day_without_reads_between_two_days_of_reads_keeps_the_baseline(
        logs_dir, app_copy):
    trust_one_learned_day(app_copy)  # the baseline counts from its first learned day
    day1 = reads(DANA, 30, START + HOUR, 30, prefix="d1")  # day 1, 10:00
    day3 = reads(DANA, 30, START + 2 * DAY + 5 * HOUR, 30, prefix="d3")  # day 3, 14:00
    outcome = replay_platforms(logs_dir, app_copy, {"AWS": day1 + day3},
                               [VOLUME, BASELINE])
    assert outcome.failures == []
    assert outcome.runs[BASELINE] >= 4  # 01:20 on days 1 to 4: day 2 learned nothing
    # Day 1: no baseline yet, so 30 distinct secrets alert. Day 3: the baseline learned
    # on day 1 is still there after the run over the empty day 2, so the same reading is
    # silent (the 24-hour suppression has long expired).
    volume = [(a["principal"], a["run_time"]) for a in outcome.alerts]
    assert [p for p, _ in volume] == [DANA.principal]
    assert volume[0][1] < START + DAY
    (learned,) = outcome.lookup("cloud_secrets_baseline")
    assert learned["principal"] == DANA.principal and learned["platform"] == "AWS"
    assert number(learned["learned_days"]) == 2 and number(learned["max_distinct_per_hour"]) == 30
    assert utc(number(learned["first_seen"])) == "2026-06-02T00:00:00"
    assert utc(number(learned["last_seen"])) == "2026-06-04T00:00:00"
    history = outcome.lookup("cloud_secrets_baseline_history")
    assert sorted(utc(number(row["day"])) for row in history) == [
        "2026-06-02T00:00:00", "2026-06-04T00:00:00"]


def test_a_run_that_finds_nothing_leaves_a_seeded_baseline_as_it_was(
        tmp_path, logs_dir, packaged_app):
    # The baseline search's first run (01:20) sees an empty day and nothing learned: it
    # must not empty the baseline the volume rule reads at 10:30.
    seed = baseline_csv(tmp_path / "baseline.csv", [(DANA.principal, "AWS", 30)])
    records = reads(DANA, 25, START + HOUR, 2 * MINUTE)
    seeded = replay_platforms(logs_dir, packaged_app, {"AWS": records}, [VOLUME, BASELINE],
                              lookups={"cloud_secrets_baseline": seed})
    assert seeded.failures == [] and seeded.alerts == []
    unseeded = replay_platforms(logs_dir, packaged_app, {"AWS": records}, [VOLUME, BASELINE])
    assert fired(unseeded) == {("unusual_volume", DANA.principal)}


def test_the_searches_write_only_the_kv_store(logs_dir, packaged_app):
    """After days of runs, the lookups folder holds exactly what the package shipped."""
    shipped = sorted(p.name for p in (packaged_app / "lookups").iterdir())
    outcome = replay_platforms(
        logs_dir, packaged_app, {"AWS": reads(DANA, 25, START + HOUR, 60)},
        [VOLUME, ENUMERATION, BASELINE])
    assert outcome.runs[BASELINE] >= 2 and outcome.lookup("cloud_secrets_baseline_history")
    assert sorted(p.name for p in outcome.workspace.lookups_dir.iterdir()) == shipped


# -- one principal, one platform ---------------------------------------------------------


def test_one_person_reading_on_gcp_and_azure_is_not_added_together(logs_dir, packaged_app):
    # 12 distinct secrets on each cloud within 8 minutes, after a listing on each: 24
    # together would cross both the burst (20) and the volume (20) thresholds.
    records = {"GCP": reads(SAM_GCP, 12, START + 30 * MINUTE, 40, prefix="g"),
               "Azure": reads(SAM_AZURE, 12, START + 30 * MINUTE + 5, 40, prefix="a")}
    outcome = replay_platforms(logs_dir, packaged_app, records)
    assert outcome.failures == [] and outcome.alerts == []


def test_one_persons_enumeration_on_one_cloud_names_only_that_cloud(logs_dir, packaged_app):
    records = {"GCP": enumeration(SAM_GCP, START + 30 * MINUTE, 11),
               "Azure": reads(SAM_AZURE, 4, START + 31 * MINUTE, 30, prefix="a")}
    outcome = replay_platforms(logs_dir, packaged_app, records, [ENUMERATION])
    (alert,) = outcome.alerts
    assert (alert["principal"], alert["platform"]) == (PERSON, "GCP")
    assert number(alert["distinct_secrets"]) == 11
    assert alert["vendor_product"] == "Google Cloud Secret Manager"


def test_the_same_principal_alerts_on_each_platform_it_enumerates(logs_dir, packaged_app):
    records = {"GCP": reads(SAM_GCP, 20, START + 30 * MINUTE, 10, prefix="g"),
               "Azure": reads(SAM_AZURE, 20, START + 32 * MINUTE, 10, prefix="a")}
    outcome = replay_platforms(logs_dir, packaged_app, records, [ENUMERATION])
    assert sorted((a["principal"], a["platform"]) for a in outcome.alerts) == [
        (PERSON, "Azure"), (PERSON, "GCP")]


# -- explanations: the row describes the window that fired -------------------------------


def test_an_enumeration_row_describes_the_window_that_fired(logs_dir, packaged_app):
    # Five quiet reads at 09:30-09:34, then a burst of 20 distinct at 09:45-09:46:35:
    # one run (10:00, over 09:30-09:50) sees both; only the burst's window fired.
    quiet = reads(DANA, 5, START + 30 * MINUTE, MINUTE, prefix="aaa-quiet")
    burst = reads(DANA, 20, START + 45 * MINUTE, 5, prefix="burst")
    outcome = replay_platforms(logs_dir, packaged_app, {"AWS": quiet + burst}, [ENUMERATION])
    (alert,) = outcome.alerts
    assert number(alert["count"]) == 20 and number(alert["distinct_secrets"]) == 20
    samples = alert["sample_secrets"]
    samples = samples if isinstance(samples, list) else [samples]
    assert len(samples) == 10 and all(s.startswith("prod/burst-") for s in samples)
    assert alert["firstTime"].startswith("2026-06-02T09:45:00")
    assert alert["lastTime"].startswith("2026-06-02T09:46:35")
    assert alert["reason"] == "burst of 20 distinct secrets read within the window"


# -- Enterprise Security: the ip_address threat object holds addresses only -------------


def test_src_ip_holds_the_callers_address_never_a_service_name(logs_dir, packaged_app):
    by_service = [scenarios.aws_get_secret(START + 30 * MINUTE + i * 10, DANA_IDENTITY,
                                           f"prod/svc-{i:02d}", ip="lambda.amazonaws.com",
                                           agent="lambda.amazonaws.com")
                  for i in range(10)]
    by_person = [scenarios.aws_get_secret(START + 32 * MINUTE + i * 10, DANA_IDENTITY,
                                          f"prod/own-{i:02d}", ip="203.0.113.77")
                 for i in range(10)]
    outcome = replay_platforms(logs_dir, packaged_app, {"AWS": by_service + by_person},
                               [ENUMERATION, VOLUME])
    assert {a["analytic"] for a in outcome.alerts} == {"enumeration", "unusual_volume"}
    for alert in outcome.alerts:
        src = alert["src"] if isinstance(alert["src"], list) else [alert["src"]]
        assert sorted(src) == ["203.0.113.77", "lambda.amazonaws.com"]
        assert alert["src_ip"] == "203.0.113.77"



def test_replay_csv_output_carries_src_ip(logs_dir, packaged_app, capsys):
    scenarios.write_logs(logs_dir, "AWS", reads(DANA, 20, START + 30 * MINUTE, 10))
    assert replay.main([str(logs_dir), "--app", str(packaged_app), "--format", "csv",
                        "--search", ENUMERATION]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert [row["src_ip"] for row in rows] == ["203.0.113.10"]
