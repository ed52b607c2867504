"""The account rules' adversaries against the detections themselves: the replay of the
app's own saved searches over raw vendor logs, the packaged command normalizing.

Oracles: adversaries.md ("How it is shown": a federated user named admin and a Vault
child token named admin reading 30 secrets in an hour alert like any other principal; a
lookups/ CSV saying everyone is High-Privilege changes no classification; a malformed or
unsafe customer rule is skipped while the detections still alert) and the behaviour
table of analytics.md (no baseline: 20 distinct secrets in an hour alert; High-Privilege
reading 30 in an hour does not).
"""

from __future__ import annotations

import pytest
from replaying import VOLUME, fired, replay_records

from devkit import scenarios
from devkit.scenarios import ACCOUNT, START, conf_stanza, reads

MINUTE = 60
CONF = "cloud_secrets_account_rules.conf"


def federated_actor(name: str) -> scenarios.Actor:
    """The holder of a credential who ran `aws sts get-federation-token --name <name>`."""
    identity = scenarios.aws_federated(name)
    return scenarios.Actor(
        "AWS", identity["arn"],
        lambda t, s: [scenarios.aws_get_secret(t, identity, f"prod/{s}")],
        lambda t: [scenarios.aws_call(t, identity, "ListSecrets", {"maxResults": 100})],
        lambda t, s: [scenarios.aws_get_secret(t, identity, f"prod/{s}",
                                               error="AccessDenied")])


def workload_identity_actor(subject: str) -> scenarios.Actor:
    """A GitHub Actions job federated into GCP: its subject is built from the repository
    and branch names, which whoever pushes to the repository chooses."""
    def read(at, secret):
        record = scenarios.gcp_access(at, "unused@example.com", "prod-7", secret)
        record["protoPayload"]["authenticationInfo"] = {"principalSubject": subject}
        return [record]

    return scenarios.Actor("GCP", subject, read, lambda t: [], lambda t, s: [])


SPREAD = 2 * MINUTE  # 30 reads over the hour: past the no-baseline floor, not a burst
CALLER_NAMED = [
    # (case, actor, its control under an ordinary name)
    ("federated user admin", federated_actor("admin"), federated_actor("dana")),
    ("federated user root", federated_actor("root"), federated_actor("dana")),
    ("vault child token admin", scenarios.vault_named_actor("token-admin"),
     scenarios.vault_named_actor("token-dana")),
]


def azure_guest_actor(address: str) -> scenarios.Actor:
    """An Azure AD B2B guest: the UPN carries the address the guest was invited with."""
    upn = address.replace("@", "_") + "#EXT#@contoso.onmicrosoft.com"
    return scenarios.person_actor("Azure", upn)


# Names the caller brings that no shipped rule and no customer rule may turn into an
# exemption; the machine logins among them stay Service-Account, like their controls.
OTHER_CALLER_NAMED = [
    ("vault jwt subject", scenarios.vault_named_actor("jwt-repo:acme/admin:ref:refs/heads/main"),
     scenarios.vault_named_actor("jwt-repo:acme/tools:ref:refs/heads/main"), "Service-Account"),
    ("vault kubernetes service account", scenarios.vault_named_actor("kubernetes-dev-admin"),
     scenarios.vault_named_actor("kubernetes-dev-batch"), "Service-Account"),
    ("vault github user", scenarios.vault_named_actor("github-root-dev"),
     scenarios.vault_named_actor("github-dana-dev"), "Standard-User"),
    ("azure b2b guest", azure_guest_actor("admin@attacker.example"),
     azure_guest_actor("dana@partner.example"), "Standard-User"),
]
CALLER_NAMED += [case[:3] for case in OTHER_CALLER_NAMED]
ACCOUNT_TYPES = {case[1].principal: case[3] for case in OTHER_CALLER_NAMED}


@pytest.mark.parametrize(("actor", "control"), [c[1:] for c in CALLER_NAMED],
                         ids=[c[0] for c in CALLER_NAMED])
def test_a_caller_chosen_admin_name_alerts_like_any_other_principal(
        tmp_path, packaged_app, actor, control):
    for who in (actor, control):
        logs = tmp_path / who.principal.replace("/", "_").replace(":", "_")
        logs.mkdir()
        outcome = replay_records(logs, packaged_app, who.platform,
                                 reads(who, 30, START, SPREAD), searches=[VOLUME])
        assert outcome.failures == []
        assert fired(outcome) == {("unusual_volume", who.principal)}, who.principal
        assert {a["account_type"] for a in outcome.alerts} == {
            ACCOUNT_TYPES.get(actor.principal, "Standard-User")}


def test_the_same_reads_under_an_administrator_assigned_admin_name_are_exempt(
        logs_dir, packaged_app):
    """The contrast: High-Privilege still comes from names an administrator assigns."""
    actor = scenarios.aws_actor(scenarios.aws_user("admin"),
                                f"arn:aws:iam::{ACCOUNT}:user/admin")
    outcome = replay_records(logs_dir, packaged_app, "AWS", reads(actor, 30, START, SPREAD),
                             searches=[VOLUME])
    assert outcome.failures == [] and fired(outcome) == set()


@pytest.mark.parametrize("subject", [
    "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/"
    "github/subject/repo:acme/admin:ref:refs/heads/root",
    "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/"
    "github/attribute.repository/acme/root"])
def test_a_workload_identity_subject_spelling_admin_and_root_is_not_exempt(
        logs_dir, packaged_app, subject):
    actor = workload_identity_actor(subject)
    outcome = replay_records(logs_dir, packaged_app, "GCP", reads(actor, 30, START, SPREAD),
                             searches=[VOLUME])
    assert outcome.failures == []
    assert fired(outcome) == {("unusual_volume", subject)}
    assert {a["account_type"] for a in outcome.alerts} == {"Service-Account"}


EVERYONE = ("platform,principal_type,match_field,match,pattern,account_type,description\n"
            "*,*,principal,wildcard,*,High-Privilege,everyone\n")


@pytest.mark.parametrize("content", [EVERYONE, "_time\n1780000000\n"],
                         ids=["everyone is High-Privilege", "only a _time column"])
def test_rules_lookups_a_user_writes_silence_nothing(logs_dir, app_copy, content):
    for name in ("cloud_secrets_account_rules.csv", "cloud_secrets_account_rules_local.csv"):
        (app_copy / "lookups" / name).write_text(content)
    actor = scenarios.ACTORS[("AWS", "Standard-User")]
    outcome = replay_records(logs_dir, app_copy, "AWS", reads(actor, 30, START, SPREAD),
                             searches=[VOLUME])
    assert outcome.failures == []
    assert fired(outcome) == {("unusual_volume", actor.principal)}
    assert {a["account_type"] for a in outcome.alerts} == {"Standard-User"}


def test_broken_and_exempting_customer_rules_are_skipped_and_the_detections_still_alert(
        logs_dir, app_copy):
    """An administrator's mistakes, each of which would exempt the reader if it applied:
    High-Privilege on the user agent the caller sends and on its session name, an
    unsafe regex, an unknown account type, and a file of plain words."""
    everyone = {"platform": "*", "principal_type": "*", "pattern": "*",
                "account_type": "High-Privilege", "order": "1"}
    (app_copy / "local" / CONF).write_text(
        conf_stanza("hp_by_user_agent", **everyone, match_field="user_agent")
        + conf_stanza("hp_by_session", **everyone, match_field="principal_session")
        + conf_stanza("hp_by_nested_regex",
                      **{**everyone, "pattern": "^(?:[a-z0-9:/]+[-_]?){1,8}$"},
                      match_field="principal", match="regex")
        + conf_stanza("unknown_type", **{**everyone, "account_type": "Exempt"},
                      match_field="principal"))
    actor = scenarios.ACTORS[("AWS", "Standard-User")]
    outcome = replay_records(logs_dir, app_copy, "AWS", reads(actor, 30, START, SPREAD),
                             searches=[VOLUME])
    assert outcome.failures == []
    assert fired(outcome) == {("unusual_volume", actor.principal)}
    assert {a["account_type"] for a in outcome.alerts} == {"Standard-User"}


def test_a_customer_rule_that_is_fine_applies_in_the_detections(logs_dir, app_copy):
    """The control of the test above: a valid local rule does reach the analytics."""
    actor = scenarios.ACTORS[("AWS", "Standard-User")]
    (app_copy / "local" / CONF).write_text(conf_stanza(
        "dana_is_break_glass", platform="AWS", principal_type="user", match_field="principal",
        pattern=actor.principal, account_type="High-Privilege", order="1"))
    outcome = replay_records(logs_dir, app_copy, "AWS", reads(actor, 30, START, SPREAD),
                             searches=[VOLUME])
    assert outcome.failures == [] and fired(outcome) == set()
