"""The Account rules tab: the stanzas of cloud_secrets_account_rules.conf, through splunkd.

Oracles: the contract's rule format and safety requirements (cloudsecrets-command.md,
"Account type"; adversaries.md, "rule format", "no exemption from a name the caller
chooses", "rules out of outputlookup's reach"), the app's shipped
default/cloud_secrets_account_rules.conf, and splunkd's configs/conf-{file} endpoint as
the REST API reference documents it (tests/setup/splunkd_emulator.py): listing merges
default/ and local/, saves land in local/, a stanza of default/ cannot be deleted.
"""

from __future__ import annotations

import pytest
from splunkd_emulator import read_conf

SCRIPT = "cloud_secrets_detection_rh_account_rules.py"
CONF = "cloud_secrets_account_rules"
RULE = {"platform": "AWS", "principal_type": "role", "match_field": "principal",
        "match": "wildcard", "pattern": "*:role/BreakGlass*", "account_type": "High-Privilege",
        "description": "break-glass roles", "order": "10", "disabled": "false"}


def local(app) -> dict:
    return read_conf(app / "local" / f"{CONF}.conf")


def shipped(app) -> dict:
    return read_conf(app / "default" / f"{CONF}.conf")


def writes(splunkd) -> list:
    return [r for r in splunkd.requests if r[0] in ("POST", "DELETE")]


def a_shipped_rule(app, account_type: str) -> str:
    return next(name for name, keys in shipped(app).items()
                if keys.get("account_type") == account_type and keys.get("match_field") in (
                    "principal", "principal_role"))


def test_listing_shows_the_shipped_rules_with_their_keys(run_handler, installed_app):
    listed = run_handler(SCRIPT, "list")["entries"]
    default = shipped(installed_app)
    assert default, "the app ships its rules in default/"
    assert set(default) <= set(listed)
    for name, keys in default.items():
        for key, value in keys.items():
            if key != "disabled":
                assert listed[name][key] == value, (name, key)


def test_listing_shows_a_rule_edited_by_hand_as_it_is_in_force(run_handler, installed_app):
    name = a_shipped_rule(installed_app, "High-Privilege")
    (installed_app / "local").mkdir()
    (installed_app / "local" / f"{CONF}.conf").write_text(
        f"[{name}]\ndisabled = 1\n\n[ops_people]\nplatform = *\nprincipal_type = *\n"
        f"match_field = principal\nmatch = wildcard\npattern = ops-*\n"
        f"account_type = Standard-User\norder = 5\n")
    listed = run_handler(SCRIPT, "list")["entries"]
    assert listed[name]["disabled"] == "true"  # `disabled = 1` in the file
    assert listed[name]["pattern"] == shipped(installed_app)[name]["pattern"]
    assert listed["ops_people"]["pattern"] == "ops-*"
    assert run_handler(SCRIPT, "list", "ops_people")["entries"]["ops_people"]["order"] == "5"


def test_a_new_rule_is_a_local_stanza(run_handler, splunkd, installed_app):
    answer = run_handler(SCRIPT, "create", "break_glass", RULE)
    assert "error" not in answer, answer
    assert local(installed_app)["break_glass"]["pattern"] == "*:role/BreakGlass*"
    assert local(installed_app)["break_glass"]["account_type"] == "High-Privilege"
    assert answer["entries"]["break_glass"]["order"] == "10"
    # Written through splunkd's conf endpoint, and nothing under lookups/.
    assert [(m, p.rsplit("/", 1)[1]) for m, p, _ in writes(splunkd)] == [
        ("POST", f"conf-{CONF}")]
    assert not list((installed_app / "lookups").glob("*local*"))


def test_disabling_a_shipped_rule_writes_only_disabled(run_handler, splunkd, installed_app):
    name = a_shipped_rule(installed_app, "High-Privilege")
    in_force = run_handler(SCRIPT, "list", name)["entries"][name]
    # The page sends every field of the form, changed or not.
    assert in_force["disabled"] == "false"
    answer = run_handler(SCRIPT, "edit", name, {**in_force, "disabled": "true"})
    assert "error" not in answer, answer
    assert local(installed_app) == {name: {"disabled": "true"}}
    assert answer["entries"][name]["disabled"] == "true"
    assert shipped(installed_app)[name] == read_conf(
        installed_app / "default" / f"{CONF}.conf")[name]  # default/ untouched


def test_an_unchanged_save_writes_nothing(run_handler, splunkd, installed_app):
    name = a_shipped_rule(installed_app, "Service-Account")
    in_force = run_handler(SCRIPT, "list", name)["entries"][name]
    assert "error" not in run_handler(SCRIPT, "edit", name, in_force)
    assert writes(splunkd) == []


@pytest.mark.parametrize(("change", "words"), [
    ({"match": "regex", "pattern": "(zqx+)+$"}, "refused"),
    ({"match": "regex", "pattern": "^(?:[a-z0-9]+[-_]?){1,8}-zqx$"}, "refused"),
    ({"match": "regex", "pattern": "(zqx"}, "compile"),
    ({"match_field": "user_agent"}, "High-Privilege"),
    ({"match_field": "principal_session"}, "High-Privilege"),
    ({"account_type": "Admin"}, "account_type"),
    ({"order": "first"}, "order"),
    ({"order": "-1.5"}, "order"),
    ({"platform": "Oracle"}, "platform"),
    ({"pattern": "  "}, "pattern"),
    ({"description": "two\nlines"}, "one line"),
])
def test_a_rule_the_command_would_refuse_writes_nothing(run_handler, splunkd, installed_app,
                                                        change, words):
    answer = run_handler(SCRIPT, "create", "bad_rule", {**RULE, **change})
    assert words in answer.get("error", ""), answer
    assert "Traceback" not in answer["error"]
    # The validator's reason is given, never the pattern itself.
    assert "zqx" not in answer["error"] and "BreakGlass" not in answer["error"]
    assert writes(splunkd) == []
    assert not (installed_app / "local" / f"{CONF}.conf").exists()


@pytest.mark.parametrize("field", ["user_agent", "principal_session"])
def test_an_edit_is_checked_as_the_rule_would_be_in_force(run_handler, splunkd, installed_app,
                                                          field):
    """Only match_field is sent: the shipped High-Privilege account_type it would keep
    makes it a High-Privilege rule on a value the caller chooses."""
    name = a_shipped_rule(installed_app, "High-Privilege")
    answer = run_handler(SCRIPT, "edit", name, {"match_field": field})
    assert "High-Privilege" in answer.get("error", ""), answer
    assert writes(splunkd) == []
    assert not (installed_app / "local" / f"{CONF}.conf").exists()


def test_a_local_rule_can_be_deleted(run_handler, splunkd, installed_app):
    run_handler(SCRIPT, "create", "a", RULE)
    run_handler(SCRIPT, "create", "b", {**RULE, "pattern": "*:role/Other*"})
    assert "error" not in run_handler(SCRIPT, "remove", "a")
    assert set(local(installed_app)) == {"b"}
    assert "a" not in run_handler(SCRIPT, "list")["entries"]


def test_a_shipped_rule_cannot_be_deleted_and_the_answer_says_disable(run_handler, splunkd,
                                                                      installed_app):
    name = a_shipped_rule(installed_app, "High-Privilege")
    answer = run_handler(SCRIPT, "remove", name)
    assert "ships with the app" in answer.get("error", "") and "Disabled" in answer["error"]
    assert writes(splunkd) == []
    assert name in run_handler(SCRIPT, "list")["entries"]


def test_splunkd_itself_refuses_to_delete_a_shipped_stanza(splunkd, installed_app):
    """The emulator's own behaviour, which the handler test above relies on not reaching."""
    name = next(iter(shipped(installed_app)))
    status, _ = splunkd.handle("DELETE", f"/servicesNS/nobody/cloud_secrets_detection/"
                                         f"configs/conf-{CONF}/{name}", {})
    assert status == 400 and name in shipped(installed_app)


@pytest.mark.parametrize("name", ["bad name", "_hidden", "x" * 101, "a/b", "a]b"])
def test_names_are_checked(run_handler, splunkd, name):
    assert "Name:" in run_handler(SCRIPT, "create", name, RULE).get("error", "")
    assert writes(splunkd) == []


def test_a_name_is_unique_shipped_names_included(run_handler, splunkd, installed_app):
    run_handler(SCRIPT, "create", "a", RULE)
    assert "already exists" in run_handler(SCRIPT, "create", "a", RULE)["error"]
    taken = a_shipped_rule(installed_app, "Service-Account")
    assert "already exists" in run_handler(SCRIPT, "create", taken, RULE)["error"]
    assert len(writes(splunkd)) == 1


def test_a_name_in_another_case_is_the_same_name(run_handler, splunkd, installed_app):
    """Stanza names are case-sensitive: [Aws_Root_User] would be a second rule beside
    the shipped [aws_root_user], which the admin meant to change."""
    run_handler(SCRIPT, "create", "team_rule", RULE)
    assert 'named "team_rule" already exists' in run_handler(
        SCRIPT, "create", "Team_Rule", RULE)["error"]
    taken = a_shipped_rule(installed_app, "High-Privilege")
    assert f'named "{taken}" already exists' in run_handler(
        SCRIPT, "create", taken.upper(), RULE)["error"]
    assert len(writes(splunkd)) == 1


@pytest.mark.parametrize("name", ["default", "Default"])
def test_default_is_not_a_rule_name(run_handler, splunkd, name):
    """Splunk reads [default] as settings for every stanza (every .conf.spec, GLOBAL
    SETTINGS): a rule saved under that name would never apply, and its keys would fill
    in every customer rule that leaves them out."""
    assert '"default" is reserved' in run_handler(SCRIPT, "create", name, RULE).get("error", "")
    assert writes(splunkd) == []


def test_an_unknown_rule_is_answered_404(run_handler):
    for action in ("list", "edit", "remove"):
        answer = run_handler(SCRIPT, action, "no_such_rule", {"order": "3"} if action == "edit"
                             else None)
        assert 'There is no rule named "no_such_rule"' in answer.get("error", ""), answer


def test_no_pattern_reaches_the_log(run_handler, installed_app):
    run_handler(SCRIPT, "create", "a", {**RULE, "pattern": "*very-distinctive-pattern*"})
    run_handler(SCRIPT, "edit", "a", {"pattern": "*another-distinctive-one*"})
    log = installed_app.parents[2] / "var" / "log" / "splunk" / "cloud_secrets_detection.log"
    text = log.read_text()
    assert "account rule a added" in text and "account rule a saved" in text
    assert "distinctive" not in text and "BreakGlass" not in text


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_the_handler_runs_on_splunks_pythons(run_handler, installed_app, version, python_of):
    python = python_of(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    answer = run_handler(SCRIPT, "create", "break_glass", RULE, python=python)
    assert answer["entries"]["break_glass"]["pattern"] == RULE["pattern"], answer
    refused = run_handler(SCRIPT, "create", "bad", {**RULE, "match_field": "user_agent"},
                          python=python)
    assert "High-Privilege" in refused.get("error", ""), refused
    assert set(local(installed_app)) == {"break_glass"}
