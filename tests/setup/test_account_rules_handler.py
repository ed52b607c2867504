"""The Account rules tab: the local rules lookup, checked by the command's own validator.

Oracle: the contract's rule semantics (cloudsecrets-command.md, README "Account types"),
checked through the command itself: a saved file must load in the packaged command's
rules loader, and a rule the command refuses must be refused by the page.
"""

from __future__ import annotations

import csv
import sys

import pytest

SCRIPT = "cloud_secrets_detection_rh_account_rules.py"
RULE = {"platform": "AWS", "principal_type": "role", "match_field": "principal",
        "match": "wildcard", "pattern": "*:role/BreakGlass*", "account_type": "High-Privilege",
        "description": "break-glass roles"}


def local_rules(app) -> list:
    path = app / "lookups" / "cloud_secrets_account_rules_local.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_with_the_command(app):
    """The packaged command's own loader, as cloudsecrets runs it at search start."""
    sys.path.insert(0, str(app / "bin"))
    try:
        for name in [m for m in sys.modules if m == "cloud_secrets" or m.startswith(
                "cloud_secrets.")]:
            del sys.modules[name]
        from cloud_secrets import rules

        return rules.load(app / "lookups")
    finally:
        sys.path.remove(str(app / "bin"))


def test_an_empty_rules_file_lists_nothing(run_handler):
    assert run_handler(SCRIPT, "list")["entries"] == {}


def test_a_missing_rules_file_counts_as_empty(run_handler, installed_app):
    (installed_app / "lookups" / "cloud_secrets_account_rules_local.csv").unlink(missing_ok=True)
    assert run_handler(SCRIPT, "list")["entries"] == {}
    answer = run_handler(SCRIPT, "create", "break_glass", RULE)
    assert "error" not in answer, answer
    assert [r["name"] for r in local_rules(installed_app)] == ["break_glass"]


def test_created_rules_take_their_positions_and_the_command_uses_them(run_handler,
                                                                      installed_app):
    assert "error" not in run_handler(SCRIPT, "create", "break_glass", RULE)
    second = {**RULE, "pattern": "svc-*", "principal_type": "user",
              "account_type": "Service-Account", "position": "1"}
    assert "error" not in run_handler(SCRIPT, "create", "svc_users", second)
    listed = run_handler(SCRIPT, "list")["entries"]
    assert {name: entry["position"] for name, entry in listed.items()} == {
        "svc_users": "1", "break_glass": "2"}
    assert [r["name"] for r in local_rules(installed_app)] == ["svc_users", "break_glass"]
    ruleset = load_with_the_command(installed_app)
    first = ruleset.rules[0]
    assert (first.source, first.pattern, first.account_type) == (
        "cloud_secrets_account_rules_local.csv:2", "svc-*", "Service-Account")
    assert ruleset.classify("AWS", "role", "arn:aws:iam::1:role/BreakGlassAdmin", "", "", "") == (
        "High-Privilege", "cloud_secrets_account_rules_local.csv:3")


def test_edit_changes_and_moves_a_rule(run_handler, installed_app):
    run_handler(SCRIPT, "create", "a", RULE)
    run_handler(SCRIPT, "create", "b", {**RULE, "pattern": "*:role/Other*"})
    answer = run_handler(SCRIPT, "edit", "b", {"account_type": "Service-Account",
                                               "position": "1"})
    assert answer["entries"]["b"]["account_type"] == "Service-Account"
    rows = local_rules(installed_app)
    assert [(r["name"], r["account_type"]) for r in rows] == [
        ("b", "Service-Account"), ("a", "High-Privilege")]


def test_remove_deletes_only_that_rule(run_handler, installed_app):
    run_handler(SCRIPT, "create", "a", RULE)
    run_handler(SCRIPT, "create", "b", {**RULE, "pattern": "*:role/Other*"})
    assert "error" not in run_handler(SCRIPT, "remove", "a")
    assert [r["name"] for r in local_rules(installed_app)] == ["b"]


@pytest.mark.parametrize(("change", "words"), [
    ({"match": "regex", "pattern": "(a+)+$"}, "refused"),
    ({"match": "regex", "pattern": "(unclosed"}, "does not compile"),
    ({"match": "regex", "pattern": r"(\w+)\1"}, "refused"),
    ({"platform": "Oracle"}, 'unknown platform "Oracle"'),
    ({"account_type": "Admin"}, 'unknown account_type "Admin"'),
    ({"match_field": "src"}, 'unknown match_field "src"'),
    ({"pattern": "  "}, "empty pattern"),
    ({"position": "0"}, "Position"),
    ({"position": "first"}, "Position"),
])
def test_a_rule_the_command_would_refuse_is_not_saved(run_handler, splunkd, installed_app,
                                                      change, words):
    # The package ships no local rules file: one saved rule creates it, and the refused
    # rule must leave it as it was.
    assert "error" not in run_handler(SCRIPT, "create", "good_rule", RULE)
    path = installed_app / "lookups" / "cloud_secrets_account_rules_local.csv"
    before = path.read_bytes()
    answer = run_handler(SCRIPT, "create", "bad_rule", {**RULE, **change})
    assert words in answer.get("error", ""), answer
    assert "Traceback" not in answer["error"]
    assert path.read_bytes() == before


@pytest.mark.parametrize("name", ["bad name", "_hidden", "x" * 101, "a/b"])
def test_names_are_checked(run_handler, name):
    assert "Name:" in run_handler(SCRIPT, "create", name, RULE).get("error", "")


def test_a_name_is_unique(run_handler):
    run_handler(SCRIPT, "create", "a", RULE)
    assert "already exists" in run_handler(SCRIPT, "create", "a", RULE)["error"]


def test_rules_written_by_hand_are_listed_with_row_names(run_handler, installed_app):
    path = installed_app / "lookups" / "cloud_secrets_account_rules_local.csv"
    path.write_text("platform,principal_type,match_field,match,pattern,account_type,"
                    "description\n*,*,principal,,ops-*,Standard-User,ops people\n")
    listed = run_handler(SCRIPT, "list")["entries"]
    assert list(listed) == ["row_2"]
    assert (listed["row_2"]["pattern"], listed["row_2"]["position"]) == ("ops-*", "1")
    run_handler(SCRIPT, "create", "added", RULE)
    assert [r["name"] for r in local_rules(installed_app)] == ["row_2", "added"]


def test_a_broken_file_is_named_with_its_row(run_handler, installed_app):
    path = installed_app / "lookups" / "cloud_secrets_account_rules_local.csv"
    path.write_text("platform,principal_type,match_field,match,pattern,account_type,"
                    "description\nMars,*,principal,,x,Standard-User,\n")
    answer = run_handler(SCRIPT, "list")
    assert "cloud_secrets_account_rules_local.csv, row 2" in answer["error"]
    assert "Traceback" not in answer["error"]


def test_no_pattern_reaches_the_log(run_handler, installed_app):
    run_handler(SCRIPT, "create", "a", {**RULE, "pattern": "*very-distinctive-pattern*"})
    log = installed_app.parents[2] / "var" / "log" / "splunk" / "cloud_secrets_detection.log"
    assert "account rule added" in log.read_text()
    assert "very-distinctive" not in log.read_text()


def test_the_page_calls_no_splunkd_endpoint_for_rules(run_handler, splunkd):
    run_handler(SCRIPT, "create", "a", RULE)
    assert splunkd.requests == []
