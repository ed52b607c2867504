"""The account rules, played by their adversaries through the packaged command.

Each test copies the built app, adds what the adversary controls (a `local/` rules file
an administrator got wrong, CSV files a user wrote with `outputlookup`, a name the
caller chose) and drives the copy's bin/cloudsecrets.py over protocol v2 as splunkd does.

Oracles: adversaries.md ("rules out of outputlookup's reach", "fail safe", "no exemption
from a name the caller chooses", "regex cost"), cloudsecrets-command.md ("Account
type"), and Splunk's conf layering (Admin Manual, "Configuration file precedence").
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from devkit import scenarios
from devkit.scenarios import aws_federated as federated
from devkit.scenarios import conf_stanza
from devkit.splunkd import run_command, splunk_event

CONF = "cloud_secrets_account_rules.conf"
ACCOUNT = scenarios.ACCOUNT
SESSION_64 = "a" * 64  # the session name that stalled 1.0 for over a minute


def workload_identity(subject: str) -> dict:
    """A Secret Manager read by a workload identity federation subject (no e-mail)."""
    record = scenarios.gcp_access(scenarios.START, "x@example.com", "prod-7", "db")
    record["protoPayload"]["authenticationInfo"] = {"principalSubject": subject}
    return record


def aws_read(identity: dict, secret: str = "prod/db", **options) -> dict:
    return splunk_event(json.dumps(scenarios.aws_get_secret(scenarios.START, identity, secret,
                                                            **options)))


def vault_read(display_name: str) -> dict:
    _request, response = scenarios.vault_call(scenarios.START, display_name, "read",
                                              "secret/data/app/db")
    return splunk_event(json.dumps(response))


def classify(app: Path, records):
    """Run the packaged command of `app` on `records`: (result, [(account_type, rule)])."""
    result = run_command(app / "bin" / "cloudsecrets.py", [records], timeout=60)
    assert not result.timed_out and result.returncode == 0, result.errors or result.stderr
    return result, [(r.get("account_type", ""), r.get("account_type_rule", ""))
                    for r in result.records]


def warnings(result):
    return [text for level, text in result.messages if level == "WARN"]


# -- no exemption from a name the caller chooses ----------------------------------------

@pytest.mark.parametrize(("record", "principal"), [
    (lambda: aws_read(federated("admin")), f"arn:aws:sts::{ACCOUNT}:federated-user/admin"),
    (lambda: aws_read(federated("root")), f"arn:aws:sts::{ACCOUNT}:federated-user/root"),
    (lambda: vault_read("token-admin"), "token-admin"),
    (lambda: vault_read("token-root"), "token-root"),
], ids=["federated admin", "federated root", "vault token-admin", "vault token-root"])
def test_a_name_the_caller_picks_is_never_high_privilege(packaged_app, record, principal):
    result, decided = classify(packaged_app, [record()])
    assert result.records[0]["principal"] == principal
    assert decided == [("Standard-User", "default")]


@pytest.mark.parametrize("subject", [
    "principal://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/"
    "github/subject/repo:acme/admin:ref:refs/heads/root",
    "principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/"
    "github/attribute.repository/acme/admin"])
def test_a_workload_identity_subject_spelling_admin_or_root_is_not_high_privilege(
        packaged_app, subject):
    result, decided = classify(packaged_app, [splunk_event(json.dumps(
        workload_identity(subject)))])
    assert result.records[0]["principal"] == subject
    assert decided == [("Service-Account", f"{CONF}:gcp_service_accounts")]


def azure_read(upn: str) -> dict:
    claims = scenarios.azure_person(upn, "5d0c7a1e-0000-4000-8000-00000000e7e7")
    return splunk_event(json.dumps(scenarios.azure_call(scenarios.START, claims, "SecretGet",
                                                        "kv-prod", "db")))


@pytest.mark.parametrize(("record", "principal", "decided"), [
    # Vault JWT logins are named after a claim of the caller's own token: a CI job's
    # repository and branch, which whoever may push to the repository chooses
    (lambda: vault_read("jwt-repo:acme/admin:ref:refs/heads/root"),
     "jwt-repo:acme/admin:ref:refs/heads/root", ("Service-Account", "vault_machine_auth")),
    # Vault Kubernetes logins: kubernetes-<namespace>-<service account>, both created by
    # whoever may create service accounts in the namespace the role allows
    (lambda: vault_read("kubernetes-dev-admin"), "kubernetes-dev-admin",
     ("Service-Account", "vault_machine_auth")),
    # Vault GitHub logins: the GitHub user name, registered by its holder
    (lambda: vault_read("github-root-dev"), "github-root-dev", ("Standard-User", "")),
    # An Azure AD B2B guest invited as admin@attacker.example
    (lambda: azure_read("admin_attacker.example#EXT#@contoso.onmicrosoft.com"),
     "admin_attacker.example#ext#@contoso.onmicrosoft.com", ("Standard-User", "")),
], ids=["vault jwt subject", "vault kubernetes service account", "vault github user",
        "azure b2b guest"])
def test_other_names_the_caller_brings_are_never_high_privilege(packaged_app, record,
                                                               principal, decided):
    result, found = classify(packaged_app, [record()])
    assert result.records[0]["principal"] == principal
    account_type, stanza_name = decided
    assert found == [(account_type, f"{CONF}:{stanza_name}" if stanza_name else "default")]


def test_names_an_administrator_assigns_still_decide(packaged_app):
    """The control: the seed's words still make an IAM user or a Vault user High-Privilege,
    and Vault root stays decided by its policy."""
    root_policy = splunk_event(json.dumps(scenarios.vault_call(
        scenarios.START, "token-anything", "read", "secret/data/app/db", ("root",))[1]))
    _result, decided = classify(packaged_app, [
        aws_read(scenarios.aws_user("admin")), vault_read("admin"), root_policy,
        vault_read("userpass-admin"), azure_read("admin@contoso.com")])
    assert decided == [("High-Privilege", f"{CONF}:seed_high_privilege_words"),
                       ("High-Privilege", f"{CONF}:seed_high_privilege_words"),
                       ("High-Privilege", f"{CONF}:vault_root_policy"),
                       ("High-Privilege", f"{CONF}:seed_high_privilege_words"),
                       ("High-Privilege", f"{CONF}:seed_high_privilege_words")]


# -- rules out of outputlookup's reach --------------------------------------------------

EVERYONE_HIGH_PRIVILEGE = ("platform,principal_type,match_field,match,pattern,account_type,"
                           "description\n*,*,principal,wildcard,*,High-Privilege,everyone\n")


@pytest.mark.parametrize("content", [EVERYONE_HIGH_PRIVILEGE, "_time\n1780000000\n"],
                         ids=["everyone is High-Privilege", "only a _time column"])
def test_lookup_files_a_user_writes_change_nothing_and_stop_nothing(app_copy, content):
    (app_copy / "lookups" / "cloud_secrets_account_rules.csv").write_text(content)
    (app_copy / "lookups" / "cloud_secrets_account_rules_local.csv").write_text(content)
    records = [aws_read(scenarios.aws_user("dana")),
               aws_read(scenarios.aws_role("web", "i-0abc"))]
    result, decided = classify(app_copy, records)
    assert decided == [("Standard-User", "default"),
                       ("Service-Account", f"{CONF}:aws_ec2_instance_sessions")]
    assert result.messages == []


# -- fail safe --------------------------------------------------------------------------

GOOD = {"platform": "AWS", "principal_type": "user", "match_field": "principal",
        "match": "wildcard", "pattern": "*:user/dana", "account_type": "Service-Account",
        "order": "50"}
BROKEN = [
    # (stanza name, values, words of its warning)
    ("unknown_type", {**GOOD, "account_type": "Admin"}, "account_type is not a known value"),
    ("unknown_platform", {**GOOD, "platform": "OCI"}, "platform is not a known value"),
    ("not_a_number", {**GOOD, "order": "first"}, "order is not a whole number"),
    ("no_compile", {**GOOD, "match": "regex", "pattern": "dana(svc"},
     "pattern is not a regex that compiles"),
    ("bounded_nesting", {**GOOD, "match_field": "principal_session", "match": "regex",
                         "pattern": "^(?:[a-z0-9]+[-_]?){1,8}-svc$"},
     "pattern is refused: a repeated part holds another repetition"),
    ("adjacent_runs", {**GOOD, "match": "regex", "pattern": r"^dana\w*\d*z"},
     "pattern is refused: two repetitions"),
    # Linear, but every position of a 1,024-character value pays for 24 alternatives of
    # 500 characters each: 44 ms a value on main, 20 times the bound.
    ("counted_alternatives", {**GOOD, "match_field": "user_agent", "match": "regex",
                              "pattern": "|".join(f"[ab]{{500}}{c}"
                                                  for c in "cdefghijklmnopqrstuvwxyz")},
     "pattern is refused: the regex does too much at each position"),
    # 2,000 names in one alternation: 3.7 ms a value on main; 12,000 characters.
    ("two_thousand_names", {**GOOD, "match": "regex",
                            "pattern": "|".join(f"w{i}" for i in range(2000))},
     "pattern is refused: the regex is longer than 4096 characters"),
    ("three_hundred_names", {**GOOD, "match": "regex",
                             "pattern": "|".join(f"w{i}" for i in range(300))},
     "pattern is refused: the regex does too much at each position"),
    # A megabyte of empty groups matches like "x" but costs each search seconds to parse.
    ("empty_groups", {**GOOD, "match": "regex", "pattern": "(?:)" * 250000 + "dana"},
     "pattern is refused: the regex is longer than 4096 characters"),
    ("kelvin", {**GOOD, "match": "regex", "pattern": "dana\u212a"},
     "pattern is refused: the regex holds a non-ASCII character"),
    ("hp_user_agent", {**GOOD, "match_field": "user_agent", "pattern": "aws-cli*",
                       "account_type": "High-Privilege"},
     "High-Privilege may only come from match_field principal or principal_role"),
    ("hp_session", {**GOOD, "principal_type": "*", "match_field": "principal_session",
                    "pattern": "*", "account_type": "High-Privilege"},
     "High-Privilege may only come from match_field principal or principal_role"),
]


def test_broken_customer_rules_are_skipped_with_one_warning_each_and_the_rest_apply(
        app_copy):
    text = "".join(conf_stanza(name, **values) for name, values, _ in BROKEN)
    text += conf_stanza("dana_is_a_service", **GOOD)
    (app_copy / "local" / CONF).write_text(text)
    records = [aws_read(scenarios.aws_user("dana")),
               aws_read(scenarios.aws_role("web", SESSION_64)),
               aws_read(scenarios.aws_user("alice"))]
    result, decided = classify(app_copy, records)
    assert decided == [("Service-Account", f"{CONF}:dana_is_a_service"),
                       ("Standard-User", "default"), ("Standard-User", "default")]
    found = warnings(result)
    assert len(found) == len(BROKEN) and result.errors == []
    for name, values, words in BROKEN:
        (warning,) = [w for w in found if f"[{name}]" in w]
        assert warning.startswith(f"cloudsecrets: {CONF} [{name}]: ") and words in warning
        assert values["pattern"] not in warning


def test_a_local_file_that_is_not_a_conf_file_is_one_warning_and_the_shipped_rules_apply(
        app_copy):
    (app_copy / "local" / CONF).write_bytes(b"\xff\xfe[broken]\n")
    result, decided = classify(app_copy, [aws_read(scenarios.aws_role("web", "i-0abc"))])
    assert decided == [("Service-Account", f"{CONF}:aws_ec2_instance_sessions")]
    (warning,) = warnings(result)
    assert "local/cloud_secrets_account_rules.conf is not UTF-8 text" in warning


def test_a_broken_shipped_rule_stops_the_search_at_getinfo_naming_the_stanza(app_copy):
    path = app_copy / "default" / CONF
    path.write_text(path.read_text().replace("account_type = Service-Account\ndescription = "
                                             "AWS service-linked roles",
                                             "account_type = Service\ndescription = x", 1))
    result = run_command(app_copy / "bin" / "cloudsecrets.py", [[aws_read(
        scenarios.aws_user("dana"))]], timeout=60)
    assert result.errors == [
        f"cloudsecrets: {CONF} [aws_service_linked_roles], a shipped rule: account_type is "
        f"not a known value (expected High-Privilege, Service-Account, Standard-User); "
        f"reinstall the app"]
    assert result.exchanges == [] and result.returncode == 1 and not result.timed_out


def test_missing_shipped_rules_stop_the_search(app_copy):
    (app_copy / "default" / CONF).unlink()
    result = run_command(app_copy / "bin" / "cloudsecrets.py", [[{"a": "b"}]], timeout=60)
    assert result.errors == [f"cloudsecrets: default/{CONF} is missing: reinstall the app"]
    assert result.returncode == 1


def test_local_disables_one_shipped_rule_and_edits_one_key_of_another(app_copy):
    (app_copy / "local" / CONF).write_text(
        conf_stanza("aws_organization_access_role", disabled="1")
        + conf_stanza("aws_ec2_instance_sessions", account_type="Standard-User"))
    records = [aws_read(scenarios.aws_role("OrganizationAccountAccessRole", "ops")),
               aws_read(scenarios.aws_role("web", "i-0abc")),
               aws_read(scenarios.aws_role("web", "botocore-session-1"))]
    result, decided = classify(app_copy, records)
    assert decided == [("Standard-User", "default"),
                       ("Standard-User", f"{CONF}:aws_ec2_instance_sessions"),
                       ("Service-Account", f"{CONF}:aws_python_sdk_sessions")]
    assert result.messages == []


def test_customer_rules_are_tried_by_order_among_the_shipped_ones(app_copy):
    """order 50 comes before every shipped rule (100 and up); no order comes last."""
    (app_copy / "local" / CONF).write_text(
        conf_stanza("first", **{**GOOD, "principal_type": "role", "pattern": "*:role/web",
                                "account_type": "Standard-User"})
        + conf_stanza("last", **{**GOOD, "principal_type": "role", "pattern": "*:role/batch",
                                 "account_type": "High-Privilege", "order": ""}))
    records = [aws_read(scenarios.aws_role("web", "i-0abc")),
               aws_read(scenarios.aws_role("batch", "i-0abc")),
               aws_read(scenarios.aws_role("batch", "someone"))]
    _result, decided = classify(app_copy, records)
    assert decided == [("Standard-User", f"{CONF}:first"),
                       ("Service-Account", f"{CONF}:aws_ec2_instance_sessions"),
                       ("High-Privilege", f"{CONF}:last")]


# -- a local/ rules file that is not a file a search can read -----------------------------
#
# An administrator (or a deployment tool) leaves in local/ a FIFO, a link to a device or a
# file of many megabytes (a log pasted in, a generated list). Every search reads the rules
# at start: the command must answer at once with one warning and keep the shipped rules
# (adversaries.md, "fail safe"; common rule: "a broken stream never hangs").

LIMIT_WORDS = "larger than 4 MB"


def memory_capped_python(folder: Path) -> str:
    """An interpreter wrapper limited to 1 GB of address space: were the command to read
    /dev/zero for ever again, it would fail within a second instead of filling the
    machine's memory."""
    wrapper = folder / "python-1gb"
    wrapper.write_text(f'#!/bin/sh\nulimit -v 1048576\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def assert_shipped_rules_and_one_warning(result, words):
    assert not result.timed_out and result.returncode == 0, result.errors or result.stderr
    decided = [(r.get("account_type", ""), r.get("account_type_rule", ""))
               for r in result.records]
    assert decided == [("Service-Account", f"{CONF}:aws_ec2_instance_sessions"),
                       ("Standard-User", "default")]
    (warning,) = warnings(result)
    assert warning.startswith(f"cloudsecrets: local/{CONF} cannot be read ({words})")
    assert warning.endswith("none of its rules apply, the app's own rules still do")


def two_reads():
    return [aws_read(scenarios.aws_role("web", "i-0abc")), aws_read(scenarios.aws_user("dana"))]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFO files on this platform")
def test_a_fifo_in_place_of_the_local_rules_is_one_warning_not_a_hung_search(app_copy):
    os.mkfifo(app_copy / "local" / CONF)  # nothing will ever write to it
    result = run_command(app_copy / "bin" / "cloudsecrets.py", [two_reads()], timeout=30)
    assert_shipped_rules_and_one_warning(result, "not a regular file")


@pytest.mark.skipif(not Path("/dev/zero").exists() or sys.platform == "win32",
                    reason="no /dev/zero")
def test_a_link_to_dev_zero_is_one_warning_not_a_search_that_reads_for_ever(app_copy,
                                                                           tmp_path):
    (app_copy / "local" / CONF).symlink_to("/dev/zero")
    result = run_command(app_copy / "bin" / "cloudsecrets.py", [two_reads()], timeout=30,
                         python=memory_capped_python(tmp_path))
    assert_shipped_rules_and_one_warning(result, "not a regular file")


def test_a_50_mb_local_file_is_one_warning_and_the_search_starts_at_once(app_copy):
    """310,000 valid rules: read in full they cost every search some 13 s and 700 MB on
    each search head and indexer, before a single event. The shipped rules apply, and
    the warning says why the customer's do not."""
    rule = ("platform = AWS\nprincipal_type = user\nmatch_field = principal\n"
            "pattern = *:user/u{0}x*y\naccount_type = Service-Account\norder = {0}\n")
    with (app_copy / "local" / CONF).open("w") as handle:
        number = 0
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(f"[generated_{number}]\n" + rule.format(number))
            number += 1
    result = run_command(app_copy / "bin" / "cloudsecrets.py", [two_reads()], timeout=30)
    assert_shipped_rules_and_one_warning(result, LIMIT_WORDS)


# -- a change that Splunk would silently ignore --------------------------------------------

def test_a_key_or_stanza_name_in_the_wrong_case_is_named_in_a_warning(app_copy):
    """Keys and stanza names are case-sensitive in Splunk's conf files (Admin Manual,
    "Configuration file structure"), and unknown keys are ignored: the administrator who
    writes `Disabled = true`, or names `[Aws_Root_User]`, believes a shipped
    High-Privilege rule is off while it still exempts. The rules stay as Splunk reads
    them; the search says what was ignored."""
    (app_copy / "local" / CONF).write_text(
        conf_stanza("seed_high_privilege_words", Disabled="true")
        + conf_stanza("Aws_Root_User", disabled="true")
        + conf_stanza("dana_is_a_service", **GOOD, Pattern="*:user/dana"))
    root = {"type": "Root", "principalId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root",
            "accountId": ACCOUNT}
    result, decided = classify(app_copy, [aws_read(scenarios.aws_user("admin")),
                                          aws_read(root), aws_read(scenarios.aws_user("dana"))])
    assert decided == [("High-Privilege", f"{CONF}:seed_high_privilege_words"),
                       ("High-Privilege", f"{CONF}:aws_root_user"),
                       ("Service-Account", f"{CONF}:dana_is_a_service")]
    assert sorted(warnings(result)) == sorted([
        f"cloudsecrets: {CONF} [seed_high_privilege_words]: Disabled is not a rule key (keys "
        f"are case-sensitive); it is ignored (keys: platform, principal_type, match_field, "
        f"match, pattern, account_type, description, order, disabled)",
        f"cloudsecrets: {CONF} [Aws_Root_User] is not the app's rule [aws_root_user]: stanza "
        f"names are case-sensitive, so that rule stays as it is",
        f"cloudsecrets: {CONF} [dana_is_a_service]: Pattern is not a rule key (keys are "
        f"case-sensitive); it is ignored (keys: platform, principal_type, match_field, "
        f"match, pattern, account_type, description, order, disabled)"])
