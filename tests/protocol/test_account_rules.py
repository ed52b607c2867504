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
from pathlib import Path

import pytest

from devkit import scenarios
from devkit.scenarios import aws_federated as federated
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


def stanza(name: str, **values: str) -> str:
    return f"[{name}]\n" + "".join(f"{key} = {value}\n" for key, value in values.items())


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


def test_names_an_administrator_assigns_still_decide(packaged_app):
    """The control: the seed's words still make an IAM user or a Vault user High-Privilege,
    and Vault root stays decided by its policy."""
    root_policy = splunk_event(json.dumps(scenarios.vault_call(
        scenarios.START, "token-anything", "read", "secret/data/app/db", ("root",))[1]))
    _result, decided = classify(packaged_app, [
        aws_read(scenarios.aws_user("admin")), vault_read("admin"), root_policy])
    assert decided == [("High-Privilege", f"{CONF}:seed_high_privilege_words"),
                       ("High-Privilege", f"{CONF}:seed_high_privilege_words"),
                       ("High-Privilege", f"{CONF}:vault_root_policy")]


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
    text = "".join(stanza(name, **values) for name, values, _ in BROKEN)
    text += stanza("dana_is_a_service", **GOOD)
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
        stanza("aws_organization_access_role", disabled="1")
        + stanza("aws_ec2_instance_sessions", account_type="Standard-User"))
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
        stanza("first", **{**GOOD, "principal_type": "role", "pattern": "*:role/web",
                           "account_type": "Standard-User"})
        + stanza("last", **{**GOOD, "principal_type": "role", "pattern": "*:role/batch",
                            "account_type": "High-Privilege", "order": ""}))
    records = [aws_read(scenarios.aws_role("web", "i-0abc")),
               aws_read(scenarios.aws_role("batch", "i-0abc")),
               aws_read(scenarios.aws_role("batch", "someone"))]
    _result, decided = classify(app_copy, records)
    assert decided == [("Standard-User", f"{CONF}:first"),
                       ("Service-Account", f"{CONF}:aws_ec2_instance_sessions"),
                       ("High-Privilege", f"{CONF}:last")]
