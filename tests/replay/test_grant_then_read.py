"""Secret Access Granted Then Read, through the replay of the packaged app.

Oracle: shared/spec/analytics.md, the behaviour table of "Cloud Secrets - Secret Access
Granted Then Read - Rule" (and adversaries.md for the attacks), plus the decisions the
README states where the contract is silent (reads before the grant, failed grants and
reads, DeleteResourcePolicy, Parameter Store reads after a Secrets Manager policy). Each
story is raw vendor logs written by devkit.scenarios (CloudTrail records, Cloud Audit Log
entries, Azure Activity log and Key Vault AuditEvent records, Vault audit lines), replayed
by devkit.replay.run_replay over the app as build.py assembles it: the scheduler runs the
rule and Cloud Secrets - Secret Access Grants - Track every 10 minutes, the KV store
collection carries from run to run, and alerts are counted after throttling. Expected
values are the table's, and the times and names the story wrote; never the SPL's output.

Every story ends with a bystander's read three hours after its start (unless it says
otherwise), so that the simulated scheduler keeps running past the story's own events:
every run that can see a grant or a read does, and throttling is what keeps one alert.
"""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import pytest

from devkit import replay
from devkit import scenarios as s
from devkit.scenarios import START
from devkit.spl import AppConf
from devkit.spl.lexer import split_pipeline

RULE = "Cloud Secrets - Secret Access Granted Then Read - Rule"
TRACK = "Cloud Secrets - Secret Access Grants - Track"
GRANTS = "cloud_secrets_recent_grants"
MINUTE, HOUR = 60, 3600
T = START  # 09:00:00Z, the grant
OTHER_ACCOUNT = "444455556666"

MALLORY_CLAIMS = s.azure_person("Mallory@Contoso.com", "0c0c0c0c-0000-4000-8000-00000000a11c")
MALLORY_AZURE = "mallory@contoso.com"
MALLORY_AWS = s.aws_user("mallory")
MALLORY_ARN = f"arn:aws:iam::{s.ACCOUNT}:user/mallory"
MALLORY_GCP = "mallory@example.com"
MALLORY_VAULT = "oidc-mallory"
READER_ROLE = s.aws_role("partner-reader", "sync-42", account=OTHER_ACCOUNT)
READER_ROLE_ARN = f"arn:aws:iam::{OTHER_ACCOUNT}:role/partner-reader"


def iso(epoch: float) -> str:
    """A time as the rules print firstTime and lastTime (ISO 8601, UTC offset)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(epoch))


def values(field) -> List[str]:
    if field is None or field == "":
        return []
    return [str(v) for v in field] if isinstance(field, (list, tuple)) else [str(field)]


def bystander() -> Dict[str, List[dict]]:
    """A read with no grant, three hours on: silent itself, and it keeps the scheduler
    running until every run that covers the story has run."""
    return {"GCP": [s.gcp_access(T + 3 * HOUR, "bystander@example.com", "prod-7", "config")]}


def story(folder: Path, app: Path, records: Dict[str, List[dict]],
          state: Optional[Path] = None, searches: Iterable[str] = (TRACK, RULE),
          end: bool = True) -> replay.ReplayOutcome:
    """Write the records as each platform delivers them, in `folder`/logs, and replay
    them (with the collection kept in `state` when given)."""
    folder = folder / "logs"
    folder.mkdir(parents=True)
    merged: Dict[str, List[dict]] = {}
    for part in (records, bystander() if end else {}):
        for platform, found in part.items():
            merged.setdefault(platform, []).extend(found)
    for platform, found in merged.items():
        s.write_logs(folder, platform, found)
    outcome = replay.run_replay([folder], app_dir=app, searches=list(searches),
                                state_dir=state)
    assert outcome.failures == [], outcome.failures
    return outcome


def alerts(outcome, principal: Optional[str] = None) -> List[dict]:
    return [a for a in outcome.alerts if a["search"] == RULE
            and (principal is None or a["principal"] == principal)]


def azure_reads(at: float, vault: str, names: Iterable[str], claims=MALLORY_CLAIMS,
                every: float = 30, **options) -> List[dict]:
    return [s.azure_call(at + i * every, claims, "SecretGet", vault, name, **options)
            for i, name in enumerate(names)]


THREE = ("payroll-db", "payroll-api", "signing-key")


# -- The behaviour table -----------------------------------------------------------------

AZURE_GRANTS = {
    # How a principal with control-plane rights gives itself access to kv-payroll: (the
    # records, seconds after T of the last of them). The Activity log writes a Start and
    # a Success record, two seconds apart; the last grant before the reads is the one shown.
    "an access-policy write (Activity log)":
        (lambda at: s.azure_access_policy_write(at, MALLORY_CLAIMS, "kv-payroll"), 2),
    "a VaultPatch adding an access policy (AuditEvent)":
        (lambda at: [s.azure_vault_patch(at, MALLORY_CLAIMS, "kv-payroll",
                                         "0c0c0c0c-0000-4000-8000-00000000a11c")], 0),
    "a role assignment scoped to the vault (Activity log)":
        (lambda at: s.azure_role_assignment(at, MALLORY_CLAIMS, "kv-payroll"), 2),
}


@pytest.fixture(scope="module")
def self_grant(tmp_path_factory, packaged_app):
    """Each Azure grant, then 3 secrets read from that vault 20 minutes later."""
    outcomes = {}
    for case, (grant, _) in AZURE_GRANTS.items():
        folder = tmp_path_factory.mktemp("self_grant")
        outcomes[case] = story(folder, packaged_app, {"Azure": [
            *grant(T), *azure_reads(T + 20 * MINUTE, "kv-payroll", THREE)]})
    return outcomes


@pytest.mark.parametrize("case", AZURE_GRANTS)
def test_an_azure_self_grant_then_three_reads_20_minutes_later_alerts_once(self_grant, case):
    outcome = self_grant[case]
    (alert,) = alerts(outcome)  # once, after throttling ...
    assert outcome.fired >= 2  # ... although two runs saw the reads
    assert alert["principal"] == MALLORY_AZURE and alert["platform"] == "Azure"
    assert alert["secret_store"] == "azure:kv-payroll"
    # The grant: who, when, operation.
    grant, last = AZURE_GRANTS[case]
    assert values(alert["grant_principal"]) == [MALLORY_AZURE]
    assert alert["grant_time"] == iso(T + last)
    operation = grant(T)[-1]["operationName"]
    assert [o.lower() for o in values(alert["grant_operation"])] == [operation.lower()]
    # The reads: count, distinct secrets, sample names, first and last.
    assert (int(alert["count"]), int(alert["distinct_secrets"])) == (3, 3)
    assert sorted(values(alert["sample_secrets"])) == sorted(THREE)
    assert (alert["firstTime"], alert["lastTime"]) == (iso(T + 20 * MINUTE),
                                                       iso(T + 21 * MINUTE))
    assert alert["other_account"] == "false"
    assert "azure:kv-payroll" in alert["reason"] and "3 distinct secret" in alert["reason"]


def test_the_same_grant_then_reads_from_a_different_vault_is_silent(tmp_path, packaged_app):
    outcome = story(tmp_path, packaged_app, {"Azure": [
        *s.azure_access_policy_write(T, MALLORY_CLAIMS, "kv-payroll"),
        *azure_reads(T + 20 * MINUTE, "kv-marketing", THREE)]})
    assert alerts(outcome) == [] and outcome.fired == 0


def test_the_same_grant_then_reads_three_hours_later_is_silent(tmp_path, packaged_app):
    outcome = story(tmp_path, packaged_app, {"Azure": [
        *s.azure_access_policy_write(T, MALLORY_CLAIMS, "kv-payroll"),
        *azure_reads(T + 3 * HOUR, "kv-payroll", THREE)]})
    assert alerts(outcome) == [] and outcome.fired == 0


@pytest.mark.parametrize("delete", [False, True], ids=["PutResourcePolicy",
                                                       "DeleteResourcePolicy"])
def test_a_resource_policy_then_a_cross_account_read_within_the_hour_alerts(
        tmp_path, packaged_app, delete):
    """DeleteResourcePolicy counts as a grant too (README: it can remove a Deny)."""
    outcome = story(tmp_path, packaged_app, {"AWS": [
        s.aws_resource_policy(T, MALLORY_AWS, "prod/payments/db", READER_ROLE_ARN,
                              delete=delete),
        s.aws_get_secret(T + 40 * MINUTE, READER_ROLE, "prod/payments/db",
                         ip="198.51.100.99")]})
    (alert,) = alerts(outcome)
    assert alert["principal"] == READER_ROLE_ARN
    assert alert["secret_store"] == f"aws:{s.ACCOUNT}:{s.REGION}"
    assert values(alert["grant_principal"]) == [MALLORY_ARN]
    assert values(alert["grant_operation"]) == [
        "DeleteResourcePolicy" if delete else "PutResourcePolicy"]
    assert alert["grant_time"] == iso(T) and alert["other_account"] == "true"
    assert values(alert["sample_secrets"]) == ["prod/payments/db"]
    assert values(alert["src_ip"]) == ["198.51.100.99"]
    assert "another AWS account" in alert["reason"] and MALLORY_ARN in alert["reason"]


def test_a_resource_policy_then_a_read_by_the_same_principal_alerts(tmp_path, packaged_app):
    outcome = story(tmp_path, packaged_app, {"AWS": [
        s.aws_resource_policy(T, MALLORY_AWS, "prod/payments/db", MALLORY_ARN),
        s.aws_get_secret(T + 5 * MINUTE, MALLORY_AWS, "prod/payments/db")]})
    (alert,) = alerts(outcome, MALLORY_ARN)
    assert values(alert["grant_principal"]) == [MALLORY_ARN]
    assert alert["other_account"] == "false"


def test_a_resource_policy_then_a_same_account_read_by_someone_else_is_silent(
        tmp_path, packaged_app):
    """Only the author of the change, or a principal of another account, counts."""
    colleague = s.aws_role("billing-service", "i-0a1b2c3d4e5f60718")
    outcome = story(tmp_path, packaged_app, {"AWS": [
        s.aws_resource_policy(T, MALLORY_AWS, "prod/payments/db", READER_ROLE_ARN),
        s.aws_get_secret(T + 5 * MINUTE, colleague, "prod/payments/db")]})
    assert alerts(outcome) == []


def test_parameter_store_reads_after_a_secrets_manager_policy_are_silent(tmp_path,
                                                                          packaged_app):
    """Same account and region, another product: a resource policy opens Secrets Manager."""
    outcome = story(tmp_path, packaged_app, {"AWS": [
        s.aws_resource_policy(T, MALLORY_AWS, "prod/payments/db", MALLORY_ARN),
        s.aws_call(T + 5 * MINUTE, MALLORY_AWS, "GetParameter",
                   {"name": "/prod/payments/db-url", "withDecryption": True},
                   source="ssm.amazonaws.com")]})
    assert alerts(outcome) == []


def vault_reads(at: float, name: str = MALLORY_VAULT) -> List[dict]:
    """Five secrets on two mounts: three KV v2 secrets, two database credentials."""
    paths = ["secret/data/payroll/db", "secret/data/payroll/api", "secret/data/ci/signing",
             "database/creds/payroll-ro", "database/creds/ledger-rw"]
    return [line for i, path in enumerate(paths)
            for line in s.vault_call(at + i * 20, name, "read", path,
                                     mount_type="database" if path.startswith("database")
                                     else "kv")]


def test_a_vault_policy_write_then_five_reads_on_any_mount_alerts(tmp_path, packaged_app):
    outcome = story(tmp_path, packaged_app, {"Vault": [
        *s.vault_policy_write(T, MALLORY_VAULT, "payroll-admin"),
        *vault_reads(T + 15 * MINUTE)]})
    (alert,) = alerts(outcome)  # one row: the store whose access changed is the Vault
    assert alert["principal"] == MALLORY_VAULT and alert["secret_store"] == "vault:sys"
    assert sorted(values(alert["secret_stores"])) == ["vault:database", "vault:secret"]
    assert int(alert["distinct_secrets"]) == 5
    assert int(alert["count"]) == 5  # Vault's request and response lines: one read each
    assert values(alert["grant_principal"]) == [MALLORY_VAULT]


PLATFORM_READS = {
    "AWS": lambda at: [s.aws_get_secret(at + i * 30, MALLORY_AWS, f"prod/{n}")
                       for i, n in enumerate(THREE)],
    "GCP": lambda at: [s.gcp_access(at + i * 30, MALLORY_GCP, "prod-7", n)
                       for i, n in enumerate(THREE)],
    "Azure": lambda at: azure_reads(at, "kv-payroll", THREE),
    "Vault": lambda at: vault_reads(at),
}


@pytest.mark.parametrize("platform", PLATFORM_READS)
def test_a_read_with_no_grant_before_it_is_silent(tmp_path, packaged_app, platform):
    outcome = story(tmp_path, packaged_app, {platform: PLATFORM_READS[platform](T)})
    assert alerts(outcome) == [] and outcome.fired == 0


def test_a_grant_at_55_and_a_read_at_05_alert_once(tmp_path, packaged_app):
    outcome = story(tmp_path, packaged_app, {"Azure": [
        *s.azure_access_policy_write(T + 55 * MINUTE, MALLORY_CLAIMS, "kv-payroll"),
        *azure_reads(T + 65 * MINUTE, "kv-payroll", THREE[:1])]})
    (alert,) = alerts(outcome)  # once: the run of 10:20 sees both, that of 10:30 the read
    assert outcome.fired == 2  # and the grant it remembers; throttling keeps one alert
    assert alert["principal"] == MALLORY_AZURE and int(alert["distinct_secrets"]) == 1


def test_a_gcp_set_iam_policy_on_a_secret_then_reads_alert(tmp_path, packaged_app):
    outcome = story(tmp_path, packaged_app, {"GCP": [
        s.gcp_set_iam_policy(T, MALLORY_GCP, "prod-7", "payroll-db", f"user:{MALLORY_GCP}"),
        *PLATFORM_READS["GCP"](T + 30 * MINUTE)]})
    (alert,) = alerts(outcome)
    assert alert["principal"] == MALLORY_GCP and alert["secret_store"] == "gcp:prod-7"
    assert [o.rsplit(".", 1)[-1] for o in values(alert["grant_operation"])] == ["SetIamPolicy"]
    assert int(alert["distinct_secrets"]) == 3


# -- Decisions where the contract is silent (README, the rule's section) -------------------


def test_reads_before_the_grant_do_not_count(tmp_path, packaged_app):
    outcome = story(tmp_path, packaged_app, {"Azure": [
        *azure_reads(T - 10 * MINUTE, "kv-payroll", ("early-1", "early-2")),
        *s.azure_access_policy_write(T, MALLORY_CLAIMS, "kv-payroll"),
        *azure_reads(T + 10 * MINUTE, "kv-payroll", ("late-1",))]})
    (alert,) = alerts(outcome)
    assert values(alert["sample_secrets"]) == ["late-1"]
    only_before = story(tmp_path / "before", packaged_app, {"Azure": [
        *azure_reads(T - 10 * MINUTE, "kv-payroll", THREE),
        *s.azure_access_policy_write(T, MALLORY_CLAIMS, "kv-payroll")]})
    assert alerts(only_before) == []


def test_a_failed_grant_is_no_grant(tmp_path, packaged_app):
    outcome = story(tmp_path, packaged_app, {"AWS": [
        s.aws_resource_policy(T, MALLORY_AWS, "prod/payments/db", READER_ROLE_ARN,
                              error="AccessDeniedException"),
        s.aws_get_secret(T + 5 * MINUTE, READER_ROLE, "prod/payments/db")]})
    assert alerts(outcome) == []


def test_failed_reads_do_not_count(tmp_path, packaged_app):
    outcome = story(tmp_path, packaged_app, {"Azure": [
        *s.azure_access_policy_write(T, MALLORY_CLAIMS, "kv-payroll"),
        *azure_reads(T + 10 * MINUTE, "kv-payroll", THREE, status=403)]})
    assert alerts(outcome) == []


def test_one_row_per_store_and_reading_principal(tmp_path, packaged_app):
    """Two cross-account readers after one policy are two rows; one reader's secrets are
    counted once however often it reads them."""
    second = s.aws_role("audit-reader", "audit-1", account=OTHER_ACCOUNT)
    outcome = story(tmp_path, packaged_app, {"AWS": [
        s.aws_resource_policy(T, MALLORY_AWS, "prod/payments/db", READER_ROLE_ARN),
        *[s.aws_get_secret(T + (5 + i) * MINUTE, READER_ROLE, "prod/payments/db")
          for i in range(4)],
        s.aws_get_secret(T + 6 * MINUTE, second, "prod/payments/db")]})
    rows = {a["principal"]: a for a in alerts(outcome)}
    assert set(rows) == {READER_ROLE_ARN, f"arn:aws:iam::{OTHER_ACCOUNT}:role/audit-reader"}
    assert (int(rows[READER_ROLE_ARN]["count"]),
            int(rows[READER_ROLE_ARN]["distinct_secrets"])) == (4, 1)


# -- State: the grants of the last window, in the KV store ---------------------------------


def test_a_grant_and_reads_in_two_replays_meet_through_the_collection(tmp_path, packaged_app):
    """No run of the second replay sees the grant: only the collection carries it."""
    state = tmp_path / "state"
    first = story(tmp_path / "grant", packaged_app, {"Azure": s.azure_access_policy_write(
        T, MALLORY_CLAIMS, "kv-payroll")}, state=state, end=False)
    assert alerts(first) == []
    remembered = first.lookup(GRANTS)
    assert {(r["principal"], r["secret_store"], r["platform"]) for r in remembered} == {
        (MALLORY_AZURE, "azure:kv-payroll", "Azure")}
    assert sorted(int(float(r["grant_time"])) for r in remembered) == [T, T + 2]
    second = story(tmp_path / "reads", packaged_app,
                   {"Azure": azure_reads(T + 50 * MINUTE, "kv-payroll", THREE)}, state=state)
    (alert,) = alerts(second)
    assert alert["grant_time"] == iso(T + 2) and int(alert["distinct_secrets"]) == 3


def test_grants_of_other_stores_written_meanwhile_do_not_push_a_grant_out(tmp_path,
                                                                          packaged_app):
    """Each run rewrites the collection with the grants it keeps: a later grant elsewhere
    must not drop one whose window is still open. Mallory's reads come 80 minutes after
    her grant, in runs that see neither her grant nor the one made 40 minutes after it."""
    outcome = story(tmp_path, packaged_app, {
        "Azure": [*s.azure_access_policy_write(T, MALLORY_CLAIMS, "kv-payroll"),
                  *azure_reads(T + 80 * MINUTE, "kv-payroll", THREE)],
        "Vault": s.vault_policy_write(T + 40 * MINUTE, "oidc-ops", "rotation")})
    (alert,) = alerts(outcome)
    assert alert["principal"] == MALLORY_AZURE and alert["grant_time"] == iso(T + 2)


def grant_rows(outcome) -> set:
    return {(r["principal"], r["secret_store"], int(float(r["grant_time"])))
            for r in outcome.lookup(GRANTS)}


def test_runs_with_nothing_to_keep_leave_the_collection_and_old_grants_are_dropped(
        tmp_path, packaged_app):
    state = tmp_path / "state"
    first = story(tmp_path / "grant", packaged_app, {"Azure": s.azure_access_policy_write(
        T, MALLORY_CLAIMS, "kv-payroll")}, state=state, end=False)
    remembered = grant_rows(first)
    assert remembered == {(MALLORY_AZURE, "azure:kv-payroll", T),
                          (MALLORY_AZURE, "azure:kv-payroll", T + 2)}
    # Five hours on, runs with no grant to keep (those of 09:00 are past the window):
    # they write nothing, and the collection is not emptied.
    quiet = story(tmp_path / "quiet", packaged_app,
                  {"GCP": [s.gcp_access(T + 5 * HOUR, "bystander@example.com", "prod-7", "c")]},
                  state=state, searches=[TRACK], end=False)
    assert quiet.runs[TRACK] > 0 and grant_rows(quiet) == remembered
    # Six hours on, a new grant: the run keeps it and drops the two of 09:00.
    later = T + 6 * HOUR
    fresh = story(tmp_path / "later", packaged_app, {"Vault": s.vault_policy_write(
        later, MALLORY_VAULT, "ops")}, state=state, searches=[TRACK], end=False)
    assert grant_rows(fresh) == {(MALLORY_VAULT, "vault:sys", later)}


# -- Thresholds are macros: a local edit tunes the rule ------------------------------------


def test_a_shorter_window_in_local_macros_conf_makes_reads_40_minutes_later_silent(
        tmp_path, app_copy):
    records = {"Azure": [*s.azure_access_policy_write(T, MALLORY_CLAIMS, "kv-payroll"),
                         *azure_reads(T + 40 * MINUTE, "kv-payroll", THREE)]}
    assert len(alerts(story(tmp_path / "default", app_copy, records))) == 1
    (app_copy / "local" / "macros.conf").write_text(
        "[cloud_secrets_grant_read_window]\ndefinition = 30\n")
    assert alerts(story(tmp_path / "thirty", app_copy, records)) == []


def test_a_higher_minimum_in_local_macros_conf_lets_a_single_read_pass(tmp_path, app_copy):
    records = {"Azure": [*s.azure_access_policy_write(T, MALLORY_CLAIMS, "kv-payroll"),
                         *azure_reads(T + 10 * MINUTE, "kv-payroll", THREE[:1])]}
    (app_copy / "local" / "macros.conf").write_text(
        "[cloud_secrets_grant_read_min_distinct]\ndefinition = 2\n")
    assert alerts(story(tmp_path, app_copy, records)) == []


# -- The attacker (adversaries.md): what they control, and what it buys them ----------------


WINDOW_CASES = {
    # The grant (its last record at T), and one read `minutes` after it, by ...
    "the author of an access-policy write": ("Azure", lambda minutes: [
        *s.azure_access_policy_write(T - 2, MALLORY_CLAIMS, "kv-payroll"),
        *azure_reads(T + minutes * MINUTE, "kv-payroll", THREE[:1])]),
    "a role of another account, after a resource policy": ("AWS", lambda minutes: [
        s.aws_resource_policy(T, MALLORY_AWS, "prod/payments/db", READER_ROLE_ARN),
        s.aws_get_secret(T + minutes * MINUTE, READER_ROLE, "prod/payments/db")]),
}


@pytest.mark.parametrize("case", WINDOW_CASES)
@pytest.mark.parametrize(("minutes", "alerts_expected"), [(119, 1), (121, 0)])
def test_reading_just_inside_or_just_after_the_window(tmp_path, packaged_app, case, minutes,
                                                      alerts_expected):
    """The attacker chooses when to read: the window (120 minutes) is the bound, to the
    minute; a patient attacker who waits longer is left to the other detections (README)."""
    platform, records = WINDOW_CASES[case]
    outcome = story(tmp_path, packaged_app, {platform: records(minutes)})
    assert len(alerts(outcome)) == alerts_expected


def test_a_grant_on_one_vault_and_reads_from_a_second_store_stay_silent(tmp_path,
                                                                        packaged_app):
    """The grant opens kv-payroll; reading kv-marketing (open to the attacker already) is
    not what the grant gave, so this rule is silent; reading kv-payroll alerts."""
    outcome = story(tmp_path, packaged_app, {"Azure": [
        *s.azure_access_policy_write(T, MALLORY_CLAIMS, "kv-payroll"),
        *azure_reads(T + 10 * MINUTE, "kv-marketing", THREE),
        *azure_reads(T + 20 * MINUTE, "kv-payroll", ("payroll-db",))]})
    (alert,) = alerts(outcome)
    assert values(alert["secret_stores"]) == ["azure:kv-payroll"]
    assert values(alert["sample_secrets"]) == ["payroll-db"]


def test_an_attacker_opening_a_secret_to_their_own_account_and_reading_from_it(
        tmp_path, packaged_app):
    """With an administrator's key in the victim account, the attacker opens a secret to a
    role of an account they own and reads it from there: the reader is not the author,
    and alerts because it reads from another account."""
    attacker_role = s.aws_role("exfil", "x", account="999988887777")
    outcome = story(tmp_path, packaged_app, {"AWS": [
        s.aws_resource_policy(T, MALLORY_AWS, "prod/payments/db",
                              "arn:aws:iam::999988887777:role/exfil", ip="185.220.101.9"),
        s.aws_get_secret(T + 3 * MINUTE, attacker_role, "prod/payments/db",
                         ip="185.220.101.9")]})
    (alert,) = alerts(outcome)
    assert alert["principal"] == "arn:aws:iam::999988887777:role/exfil"
    assert values(alert["grant_principal"]) == [MALLORY_ARN]


HOSTILE = 'mallory" | delete'


def as_es_fills(template: str, row: Dict[str, object]) -> str:
    """Each $field$ replaced by the notable's value as text, without escaping, as
    Enterprise Security fills a drilldown (README, Drilldowns)."""
    return re.sub(r"\$([A-Za-z_][A-Za-z0-9_.]*)\$",
                  lambda m: "" if row.get(m.group(1)) is None else str(row[m.group(1)]),
                  template)


def commands_of(spl: str) -> List[str]:
    return [text.split(None, 1)[0].lower() if text else "" for text, _ in split_pipeline(spl)]


def test_a_principal_holding_a_quote_and_a_pipe_cannot_add_a_command_to_a_drilldown(
        tmp_path, packaged_app):
    """A Vault token's display name is the caller's choice (`vault token create
    -display-name`): one that writes a policy and reads alerts, and each drilldown, filled
    with its values, runs the rule's own commands and finds exactly its grant and reads."""
    outcome = story(tmp_path, packaged_app, {"Vault": [
        *s.vault_policy_write(T, HOSTILE, "payroll-admin"),
        *vault_reads(T + 15 * MINUTE, HOSTILE),
        *vault_reads(T + 16 * MINUTE, "oidc-bystander")]})
    (alert,) = alerts(outcome)
    assert alert["principal"] == HOSTILE
    settings = AppConf.load(packaged_app).conf("savedsearches")[RULE]
    templates = [settings["action.notable.param.drilldown_search"],
                 *(e["search"] for e in json.loads(
                     settings["action.notable.param.drilldown_searches"]))]
    harmless = {k: ('"benign"' if k.startswith("drilldown_") else v) for k, v in alert.items()}
    engine = outcome.workspace.engine
    for template in templates:
        filled = as_es_fills(template, alert)
        assert commands_of(filled) == commands_of(as_es_fills(template, harmless)), filled
        if filled.startswith("`cloud_secrets_sources`"):
            rows = engine.run(filled, outcome.logs.events, now=T + 6 * HOUR)
            assert {r["principal"] for r in rows} == {HOSTILE}
            assert {r["secret_operation"] for r in rows} == {"permission", "read"}


def test_the_drilldown_spans_the_grant_and_the_reads(tmp_path, packaged_app):
    """The notable's own time range is the run's 20 minutes; the activity drilldown names
    its range itself, from the grant to the last read, so the grant two hours back shows."""
    outcome = story(tmp_path, packaged_app, {"Azure": [
        *s.azure_access_policy_write(T, MALLORY_CLAIMS, "kv-payroll"),
        *azure_reads(T + 100 * MINUTE, "kv-payroll", THREE)]})
    (alert,) = alerts(outcome)
    settings = AppConf.load(packaged_app).conf("savedsearches")[RULE]
    filled = as_es_fills(settings["action.notable.param.drilldown_search"], alert)
    rows = outcome.workspace.engine.run(filled, outcome.logs.events, now=T + 6 * HOUR)
    assert sorted(float(r["_time"]) for r in rows) == [
        T + 2, *(T + 100 * MINUTE + i * 30 for i in range(3))]


def test_the_overview_panel_lists_the_change_and_its_author(tmp_path, packaged_app):
    """The dashboard's panel (its base search and post-process, as Simple XML joins them)
    over a story: the change to who may read kv-payroll, with its author and store."""
    outcome = story(tmp_path, packaged_app, {"Azure": [
        *s.azure_access_policy_write(T, MALLORY_CLAIMS, "kv-payroll"),
        *azure_reads(T + 20 * MINUTE, "kv-payroll", THREE)]})
    view = ElementTree.parse(packaged_app / "default/data/ui/views/cloud_secrets_overview.xml")
    bases = {b.get("id"): b.findtext("query") for b in view.iter("search") if b.get("id")}
    (search,) = [q for q in view.iter("search")
                 if "secret_operation=permission" in (q.findtext("query") or "")]
    spl = f"{bases[search.get('base')]} | {search.findtext('query')}"
    (row,) = outcome.workspace.engine.run(spl, outcome.logs.events, now=T + 6 * HOUR)
    assert (row["principal"], row["platform"]) == (MALLORY_AZURE, "Azure")
    assert values(row["secret_stores"]) == ["azure:kv-payroll"]
    assert int(float(row["changes"])) == 2  # the Activity log's Start and Success records
