"""The analytics against those they watch (shared/spec/adversaries.md), played end to end.

Each attack is raw vendor logs (devkit.scenarios) replayed through the built app by
devkit.replay.run_replay: the scheduler runs the saved searches' own SPL, the packaged
command normalizes over protocol v2, and the KV store collections carry from run to run.
Expected values come from the contract's requirements and the analytics.md behaviour
table, never from the SPL:
- a ceiling nothing can raise: any principal, High-Privilege included, reading at least
  100 distinct secrets in an hour alerts, and the reason says the ceiling was crossed;
- the baseline learns only what the rules saw: events indexed more than 30 minutes after
  the end of their hour are never learned, and are counted in cloud_secrets_baseline_late;
- one forged day cannot buy a month: the threshold follows the median of the daily
  busiest hours;
- drilldowns: no event value changes the meaning of a drilldown search.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List

import pytest
from replaying import (
    BASELINE,
    ENUMERATION,
    LATE_EVENTS,
    VOLUME,
    baseline_csv,
    number,
    replay_records,
    trust_one_learned_day,
)

from devkit import replay, scenarios
from devkit.scenarios import ACTORS, DAY, PLATFORMS, START, daily_reads, reads, steady_reads
from devkit.spl import AppConf
from devkit.spl.lexer import split_option, split_pipeline, tokenize

MINUTE, HOUR = 60, 3600
CROSS_CLOUD = "Cloud Secrets - Cross-Cloud Secret Harvesting - Rule"
BASELINE_SEARCHES = [VOLUME, BASELINE, LATE_EVENTS]


def volume_alerts(outcome, principal: str) -> List[dict]:
    return [a for a in outcome.alerts
            if a["analytic"] == "unusual_volume" and a["principal"] == principal]


def rows_of(outcome, lookup: str, principal: str) -> List[dict]:
    return [row for row in outcome.lookup(lookup) if row["principal"] == principal]


# -- A ceiling nothing can raise -----------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_high_privilege_principal_reading_150_secrets_in_an_hour_alerts(
        logs_dir, packaged_app, platform):
    admin = ACTORS[(platform, "High-Privilege")]
    outcome = replay_records(logs_dir, packaged_app, platform,
                             steady_reads(admin, 150, START, HOUR), searches=[VOLUME])
    (alert,) = volume_alerts(outcome, admin.principal)
    assert alert["account_type"] == "High-Privilege"
    assert number(alert["distinct_secrets"]) == 150
    assert "ceiling of 100" in alert["reason"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_high_privilege_principal_reading_30_secrets_stays_silent(
        logs_dir, packaged_app, platform):
    admin = ACTORS[(platform, "High-Privilege")]
    outcome = replay_records(logs_dir, packaged_app, platform,
                             steady_reads(admin, 30, START, HOUR), searches=[VOLUME])
    assert outcome.failures == [] and outcome.alerts == []


def test_a_baseline_that_allows_more_than_the_ceiling_is_capped_by_it(
        tmp_path, logs_dir, packaged_app):
    """A service whose typical busiest hour is 80 (threshold 160) alerts at 100."""
    service = ACTORS[("GCP", "Service-Account")]
    seed = baseline_csv(tmp_path / "baseline.csv", [(service.principal, "GCP", 80)])
    outcome = replay_records(logs_dir, packaged_app, "GCP",
                             steady_reads(service, 100, START, HOUR), searches=[VOLUME],
                             lookups={"cloud_secrets_baseline": seed})
    (alert,) = volume_alerts(outcome, service.principal)
    assert "ceiling of 100" in alert["reason"] and number(alert["threshold"]) == 100


# -- The baseline learns only what the rules saw --------------------------------------------
#
# --lag is one indexing delay for all the events of a replay. The back-dated day and the
# later theft arrive with different delays, so each is replayed with its own, one after the
# other, over one state folder (the search head's KV store carried between the two).

VICTIM = ACTORS[("AWS", "Service-Account")]
FORGED_DAY = START - DAY  # Monday 09:00: 400 reads stamped in that hour...
TEN_HOURS = 10 * HOUR     # ...and indexed 10 hours later, long after the volume rule's run


def back_dated_then_theft(tmp_path, app_dir, theft: int):
    state = tmp_path / "state"
    forged = tmp_path / "forged"
    forged.mkdir()
    first = replay_records(forged, app_dir, "AWS",
                           steady_reads(VICTIM, 400, FORGED_DAY, HOUR, prefix="forged"),
                           searches=BASELINE_SEARCHES, lag=TEN_HOURS, state_dir=state)
    assert first.failures == []
    # The back-dated reads never reached a detection window: no alert on Monday.
    assert volume_alerts(first, VICTIM.principal) == []
    after_monday = {name: rows_of(first, name, VICTIM.principal) for name in (
        "cloud_secrets_baseline", "cloud_secrets_baseline_history", "cloud_secrets_baseline_late")}
    stolen = tmp_path / "theft"
    stolen.mkdir()
    second = replay_records(stolen, app_dir, "AWS",
                            steady_reads(VICTIM, theft, START + 5 * HOUR, HOUR,
                                         prefix="stolen"),
                            searches=BASELINE_SEARCHES, state_dir=state)
    assert second.failures == []
    return after_monday, second


def test_a_back_dated_day_then_a_100_secret_theft_alerts(tmp_path, packaged_app):
    _, theft = back_dated_then_theft(tmp_path, packaged_app, 100)
    (alert,) = volume_alerts(theft, VICTIM.principal)
    assert number(alert["distinct_secrets"]) == 100 and "ceiling" in alert["reason"]


def test_the_back_dated_day_is_never_learned_but_counted_late(tmp_path, app_copy):
    # With a baseline trusted from its first learned day, a learned 400-secret day would
    # set the threshold at the ceiling (100) and hide a 30-secret theft: it alerts only
    # because the late day was never learned.
    trust_one_learned_day(app_copy)
    after_monday, theft = back_dated_then_theft(tmp_path, app_copy, 30)
    (alert,) = volume_alerts(theft, VICTIM.principal)
    assert number(alert["distinct_secrets"]) == 30 and "has no baseline" in alert["reason"]
    # Learned: only the theft day itself (the replay runs the baseline after it), never
    # Monday; nothing was learned on Monday's own run.
    assert after_monday["cloud_secrets_baseline"] == []
    assert after_monday["cloud_secrets_baseline_history"] == []
    history = rows_of(theft, "cloud_secrets_baseline_history", VICTIM.principal)
    assert [number(row["day"]) for row in history] == [START - 9 * HOUR]
    (learned,) = rows_of(theft, "cloud_secrets_baseline", VICTIM.principal)
    assert number(learned["learned_days"]) == 1 and number(learned["max_distinct_per_hour"]) == 30
    (late,) = after_monday["cloud_secrets_baseline_late"]
    assert late["platform"] == "AWS" and number(late["day"]) == FORGED_DAY - 9 * HOUR
    assert number(late["late_events"]) == 400
    # The second replay's runs keep the count (override_if_empty = false, 30 days).
    (kept,) = rows_of(theft, "cloud_secrets_baseline_late", VICTIM.principal)
    assert (number(kept["day"]), number(kept["late_events"])) == (number(late["day"]), 400)


def test_events_indexed_within_the_lag_budget_are_learned(tmp_path, app_copy):
    """The same day indexed 25 minutes late (within the 30 the volume rule waits) is
    learned, so the 30-secret theft is then silent: the budget is the rule's, not zero."""
    trust_one_learned_day(app_copy)
    state = tmp_path / "state"
    (tmp_path / "day").mkdir()
    first = replay_records(tmp_path / "day", app_copy, "AWS",
                           steady_reads(VICTIM, 40, FORGED_DAY, 50 * MINUTE),
                           searches=BASELINE_SEARCHES, lag=25 * MINUTE, state_dir=state)
    (learned,) = rows_of(first, "cloud_secrets_baseline", VICTIM.principal)
    assert number(learned["median_daily_max_distinct"]) == 40
    assert rows_of(first, "cloud_secrets_baseline_late", VICTIM.principal) == []
    (tmp_path / "theft").mkdir()
    theft = replay_records(tmp_path / "theft", app_copy, "AWS",
                           steady_reads(VICTIM, 30, START + 5 * HOUR, HOUR, prefix="t"),
                           searches=[VOLUME], state_dir=state)
    assert volume_alerts(theft, VICTIM.principal) == []


def test_forged_days_stamped_in_the_future_are_never_learned(tmp_path, packaged_app):
    """Whoever holds a HEC token for a day can send, in one go, weeks of reads stamped in
    the future: each day just under the no-baseline floor (19 distinct secrets), so that
    no day alerts when its hour comes. Learned, five such days set the median at 19 and
    the threshold at 38, and a 30-secret theft on the sixth day is silent. Indexed
    before their hour began, they are not learned, only counted with the late events."""
    state = tmp_path / "state"
    (tmp_path / "forged").mkdir()
    days = [r for day in range(5) for r in steady_reads(VICTIM, 19, START + day * DAY,
                                                        50 * MINUTE, prefix=f"f{day}-")]
    forged = replay_records(tmp_path / "forged", packaged_app, "AWS", days,
                            searches=BASELINE_SEARCHES, lag=-6 * DAY, state_dir=state)
    assert forged.failures == [] and volume_alerts(forged, VICTIM.principal) == []
    assert rows_of(forged, "cloud_secrets_baseline", VICTIM.principal) == []
    late = rows_of(forged, "cloud_secrets_baseline_late", VICTIM.principal)
    assert sorted(number(row["late_events"]) for row in late) == [19] * 5
    (tmp_path / "theft").mkdir()
    theft = replay_records(tmp_path / "theft", packaged_app, "AWS",
                           steady_reads(VICTIM, 30, START + 6 * DAY, HOUR, prefix="t"),
                           searches=[VOLUME], state_dir=state)
    (alert,) = volume_alerts(theft, VICTIM.principal)
    assert number(alert["distinct_secrets"]) == 30 and "has no baseline" in alert["reason"]


# -- One forged day cannot buy a month -----------------------------------------------------

FORGER = ACTORS[("Azure", "Service-Account")]


@pytest.mark.parametrize("theft", [100, 40])
def test_one_forged_day_among_ten_ordinary_days_does_not_hide_a_theft(
        logs_dir, packaged_app, theft):
    # Ten ordinary days (8 distinct secrets at 09:00 each day), one of them replaced by a
    # forged one indexed on time (400 distinct secrets in its 09:00 hour), then the theft
    # on the twelfth day, days after the forged day's own alert has expired.
    first = START - 11 * DAY
    ordinary = daily_reads(FORGER, first, days=11, per_day=8, skip=(4,))
    forged = steady_reads(FORGER, 400, first + 4 * DAY, HOUR, prefix="forged")
    stolen = steady_reads(FORGER, theft, START + 5 * HOUR, HOUR, prefix="stolen")
    outcome = replay_records(logs_dir, packaged_app, "Azure", ordinary + forged + stolen,
                             searches=[VOLUME, BASELINE])
    assert outcome.failures == []
    (alert,) = [a for a in volume_alerts(outcome, FORGER.principal) if a["run_time"] > START]
    assert number(alert["distinct_secrets"]) == theft
    # The baseline the rule compared with: eleven learned days, the forged one included;
    # its busiest hour is recorded and shown, but the typical day is the median's.
    assert number(alert["baseline_learned_days"]) == 11
    assert number(alert["baseline_max_distinct_per_hour"]) == 400
    assert number(alert["baseline_median_daily_max_distinct"]) == 8
    assert number(alert["threshold"]) == 20  # max(20, 2 x 8), under the ceiling


# -- Drilldowns substitute only escaped literals ---------------------------------------------
#
# How Enterprise Security fills a drilldown (what these tests rely on; docs/analytics.md,
# "Drilldowns"):
# each $field$ of the search text is replaced by the notable's value of that field, as text,
# with no escaping; in drilldown_searches, in the search of each entry of the JSON list.

TOKEN = re.compile(r"\$([A-Za-z_][A-Za-z0-9_.]*)\$")
HOSTILE = ['a" | delete', 'x\\" | outputlookup cloud_secrets_baseline', 'tok\\',
           'C:\\Temp\\', 'line\n| delete', 'q"uote" OR principal=*', '$info_min_time$ | head',
           # a subsearch and a token: neither runs nor expands inside the escaped literal
           'b" [| makeresults] "', '$drilldown_principal$']


def as_es_fills(template: str, row: Dict[str, object]) -> str:
    def value(match):
        field = row.get(match.group(1))
        return "" if field is None else str(field)
    return TOKEN.sub(value, template)


def drilldown_templates(app_dir: Path, stanza: str) -> List[str]:
    settings = AppConf.load(app_dir).conf("savedsearches")[stanza]
    entries = json.loads(settings["action.notable.param.drilldown_searches"])
    return [settings["action.notable.param.drilldown_search"], *(e["search"] for e in entries)]


def commands_of(spl: str) -> List[str]:
    """The pipeline's command words, as Splunk's parser splits them (quotes respected)."""
    return [text.split(None, 1)[0].lower() if text else "" for text, _ in split_pipeline(spl)]


def placeholder_row(row: Dict[str, object]) -> Dict[str, object]:
    """The same row with every drilldown literal replaced by a harmless one."""
    return {k: ('"benign"' if k.startswith("drilldown_") else v) for k, v in row.items()}


@pytest.fixture(scope="module")
def hostile_alerts(tmp_path_factory, packaged_app):
    """Vault tokens whose display names hold quotes, pipes, backslashes and line breaks
    (`vault token create -display-name` takes any string) read 20 secrets in 7 minutes."""
    folder = tmp_path_factory.mktemp("hostile")
    records = [r for i, name in enumerate(HOSTILE)
               for r in reads(scenarios.vault_named_actor(name), 20, START, 20,
                              prefix=f"h{i}")]
    records += reads(ACTORS[("Vault", "Standard-User")], 20, START, 20, prefix="bystander")
    scenarios.write_logs(folder, "Vault", records)
    outcome = replay.run_replay([folder], app_dir=packaged_app, searches=[VOLUME, ENUMERATION])
    assert outcome.failures == []
    return outcome


def hostile_principals(outcome) -> List[str]:
    return sorted({a["principal"] for a in outcome.alerts
                   if a["principal"] != ACTORS[("Vault", "Standard-User")].principal})


def test_every_hostile_principal_alerts_on_both_rules(hostile_alerts):
    assert len(hostile_principals(hostile_alerts)) == len(HOSTILE)
    assert {a["analytic"] for a in hostile_alerts.alerts} == {"unusual_volume", "enumeration"}


@pytest.mark.parametrize("stanza", [VOLUME, ENUMERATION])
def test_a_hostile_principal_cannot_add_a_command_to_a_notable_drilldown(
        hostile_alerts, packaged_app, stanza):
    engine = hostile_alerts.workspace.engine
    checked = 0
    for alert in (a for a in hostile_alerts.alerts if a["search"] == stanza):
        for template in drilldown_templates(packaged_app, stanza):
            filled = as_es_fills(template, alert)
            assert commands_of(filled) == commands_of(as_es_fills(
                template, placeholder_row(alert))), (alert["principal"], filled)
            if filled.startswith("`cloud_secrets_sources`"):
                # The secret activity drilldown finds exactly this principal's events.
                rows = engine.run(filled, hostile_alerts.logs.events, now=START + DAY)
                assert rows and {r["principal"] for r in rows} == {alert["principal"]}
            else:
                # The risk drilldown's search term is the principal, whole.
                (search,) = [text for text, _ in split_pipeline(filled)
                             if text.startswith("search ")]
                terms = dict(filter(None, map(split_option, tokenize(search[7:], 0))))
                assert terms["normalized_risk_object"] == alert["principal"]
            checked += 1
    # Three drilldowns (the legacy one and the two of the JSON list) for each principal,
    # the bystander included: every alert was checked.
    assert checked == 3 * (len(HOSTILE) + 1)


def test_substituted_into_the_raw_json_a_hostile_value_breaks_it_rather_than_the_search(
        hostile_alerts, packaged_app):
    """Were the tokens replaced in the JSON text before it is read, the escaped literal's
    own quotes would end the JSON string: the list fails to parse (no drilldown), it never
    parses into a search with other commands."""
    settings = AppConf.load(packaged_app).conf("savedsearches")[VOLUME]
    raw = settings["action.notable.param.drilldown_searches"]
    for alert in (a for a in hostile_alerts.alerts if a["search"] == VOLUME):
        with pytest.raises(json.JSONDecodeError):
            json.loads(as_es_fills(raw, alert))


def test_a_hostile_principal_cannot_add_a_command_to_the_cross_cloud_drilldowns(
        tmp_path, packaged_app):
    # An identities row maps a hostile Vault display name to a person, who also reads in
    # GCP within the hour: the cross-cloud row lists both principals.
    hostile = 'a" | delete'
    vault = scenarios.vault_named_actor(hostile)
    gcp = scenarios.person_actor("GCP", "mallory@example.com")
    for platform, records in (("Vault", reads(vault, 5, START, 60, prefix="v")),
                              ("GCP", reads(gcp, 5, START, 60, prefix="g"))):
        scenarios.write_logs(tmp_path, platform, records)
    identities = tmp_path / "identities.csv"
    identities.write_text('principal,platform,identity\n"a"" | delete",Vault,'
                          'mallory@example.com\n')
    outcome = replay.run_replay([tmp_path], app_dir=packaged_app, searches=[CROSS_CLOUD],
                                lookups={"cloud_secrets_identities": identities})
    (alert,) = outcome.alerts
    assert sorted(alert["principal"]) == sorted([hostile, gcp.principal])
    engine = outcome.workspace.engine
    for template in drilldown_templates(packaged_app, CROSS_CLOUD):
        filled = as_es_fills(template, alert)
        assert commands_of(filled) == commands_of(as_es_fills(template,
                                                             placeholder_row(alert)))
        if filled.startswith("`cloud_secrets_sources`"):
            rows = engine.run(filled, outcome.logs.events, now=START + DAY)
            assert {r["principal"] for r in rows} == {hostile, gcp.principal}
