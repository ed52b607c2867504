"""Account rules: the validator, the layered conf loader, first-match semantics, the
exemption a caller-chosen name may not buy, and the shipped defaults.

Oracles: the contract (cloudsecrets-command.md "Account type", adversaries.md "rule
format", "fail safe", "no exemption from a name the caller chooses") and Splunk's conf
layering (Admin Manual, "Configuration file precedence": local/ over default/ of the
same app, setting by setting; "[default]" and settings before the first stanza: the
GLOBAL SETTINGS section of every .conf.spec file).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cloud_secrets import regex_safety, rules
from cloud_secrets.rules import RULE_KEYS, RulesError, RuleSet
from devkit.scenarios import conf_stanza

ROOT = Path(__file__).resolve().parents[2]
CONF = "cloud_secrets_account_rules.conf"
SOURCE = CONF + ":"

GOOD = {"platform": "AWS", "principal_type": "role", "match_field": "principal",
        "match": "wildcard", "pattern": "*:role/build-*", "account_type": "Service-Account",
        "description": "build roles", "order": "10", "disabled": "false"}


def app(folder: Path, default: str = "", local=None) -> Path:
    """An app folder with default/ (and, unless None, local/) account rules."""
    (folder / "default").mkdir(parents=True, exist_ok=True)
    (folder / "default" / CONF).write_text(default, encoding="utf-8")
    if local is not None:
        (folder / "local").mkdir(exist_ok=True)
        (folder / "local" / CONF).write_text(local, encoding="utf-8")
    return folder


def shipped_app(folder: Path, local=None) -> Path:
    """An app folder with the repository's shipped rules."""
    return app(folder, (ROOT / "default" / CONF).read_text(encoding="utf-8"), local)


# -- the validator ----------------------------------------------------------------------

def test_the_interface_names_are_those_the_page_codes_against():
    assert rules.CONF_NAME == "cloud_secrets_account_rules"
    assert RULE_KEYS == ("platform", "principal_type", "match_field", "match", "pattern",
                         "account_type", "description", "order", "disabled")


def test_validate_rule_gives_canonical_values():
    values = {"platform": " aws ", "principal_type": "ROLE", "match_field": "principal",
              "match": "", "pattern": " x* ", "account_type": "service-account",
              "description": " d ", "order": "+007", "disabled": "No",
              "eai:acl": "ignored", "name": "ignored"}
    assert rules.validate_rule(values) == {
        "platform": "AWS", "principal_type": "role", "match_field": "principal",
        "match": "wildcard", "pattern": "x*", "account_type": "Service-Account",
        "description": "d", "order": "7", "disabled": "false"}


def test_missing_optional_keys_take_their_defaults():
    values = {key: GOOD[key] for key in ("platform", "principal_type", "match_field",
                                         "pattern", "account_type")}
    canonical = rules.validate_rule(values)
    assert (canonical["match"], canonical["order"], canonical["disabled"],
            canonical["description"]) == ("wildcard", "", "false", "")


@pytest.mark.parametrize(("word", "disabled"), [
    ("1", "true"), ("TRUE", "true"), ("t", "true"), ("Yes", "true"), ("y", "true"),
    ("on", "true"), ("0", "false"), ("False", "false"), ("f", "false"), ("no", "false"),
    ("N", "false"), ("off", "false"), ("", "false")])
def test_disabled_takes_splunk_booleans(word, disabled):
    assert rules.validate_rule({**GOOD, "disabled": word})["disabled"] == disabled


@pytest.mark.parametrize(("order", "canonical"), [
    ("100", "100"), ("-5", "-5"), ("0", "0"), (" 42 ", "42"), ("", "")])
def test_order_is_a_whole_number_or_empty(order, canonical):
    assert rules.validate_rule({**GOOD, "order": order})["order"] == canonical


REFUSED = [
    # (change, words the message must contain)
    ({"platform": "Oracle"}, "platform is not a known value (expected AWS, GCP, Azure, "
                             "Vault or *)"),
    ({"platform": ""}, "platform is missing"),
    ({"principal_type": "robot"}, "principal_type is not a known value (expected user, role, "
                                  "service_account, application, root, aws_service, "
                                  "aws_account, federated_user, token, unknown or *)"),
    ({"match_field": "arn"}, "match_field is not a known value (expected principal, "
                             "principal_role, principal_session, user_agent)"),
    ({"match": "glob"}, "match is not a known value (expected wildcard or regex)"),
    ({"account_type": "Admin"}, "account_type is not a known value (expected "
                                "High-Privilege, Service-Account, Standard-User)"),
    ({"account_type": ""}, "account_type is missing"),
    ({"pattern": "  "}, "pattern is empty"),
    ({"match": "regex", "pattern": "adm(in"}, "pattern is not a regex that compiles "
                                             "(near character 4)"),  # the ( left open
    ({"match": "regex", "pattern": "(a+)+$"}, "pattern is refused: a repeated part holds"),
    ({"match": "regex", "pattern": "(" * 2000 + ")" * 2000},
     "pattern is a regex nested too deeply"),
    ({"match": "regex", "pattern": "(?<=a|bc)x"}, "pattern is not a regex that compiles"),
    ({"order": "first"}, "order is not a whole number"),
    ({"order": "1.5"}, "order is not a whole number"),
    ({"order": "\u0661\u0662"}, "order is not a whole number"),  # Arabic-Indic digits
    ({"disabled": "maybe"}, "disabled is not a boolean"),
    ({"account_type": "High-Privilege", "match_field": "user_agent"},
     "High-Privilege may only come from match_field principal or principal_role"),
    ({"account_type": "high-privilege", "match_field": "principal_session"},
     "High-Privilege may only come from match_field principal or principal_role"),
]


@pytest.mark.parametrize(("change", "words"), REFUSED, ids=[str(r[0])[:60] for r in REFUSED])
def test_validate_rule_refuses_in_words_without_quoting_values(change, words):
    with pytest.raises(ValueError) as raised:
        rules.validate_rule({**GOOD, **change})
    message = str(raised.value)
    assert words in message
    for key in ("platform", "principal_type", "pattern", "order", "disabled"):
        value = change.get(key, "").strip()
        assert len(value) < 3 or value not in message  # no value is ever quoted


@pytest.mark.parametrize(("change", "message"), [
    ({"disabled": "maybe"}, "disabled is not a boolean (expected true or false)"),
    ({"order": "x"}, "order is not a whole number (such as 100, or -5)"),
    ({"pattern": ""}, "pattern is empty"),
    ({"match": "regex", "pattern": "(?<=a|bc)x"},  # the compiler, not the parser, refuses
     "pattern is not a regex that compiles"),
    ({"match": "regex", "pattern": "a)"}, "pattern is not a regex that compiles "
                                          "(near character 2)"),
    ({"match": "regex", "pattern": "(" * 2000 + ")" * 2000},
     "pattern is a regex nested too deeply"),
])
def test_whole_messages(change, message):
    with pytest.raises(ValueError) as raised:
        rules.validate_rule({**GOOD, **change})
    assert str(raised.value) == message


@pytest.mark.parametrize("field", ["principal", "principal_role"])
def test_high_privilege_may_come_from_the_names_an_administrator_assigns(field):
    assert rules.validate_rule({**GOOD, "account_type": "High-Privilege",
                                "match_field": field})["account_type"] == "High-Privilege"


@pytest.mark.parametrize("field", ["principal_session", "user_agent"])
def test_other_account_types_may_come_from_any_field(field):
    assert rules.validate_rule({**GOOD, "match_field": field})["match_field"] == field


# -- loading: layers, order, fail safe --------------------------------------------------

def test_rules_are_tried_by_order_then_by_stanza_name(tmp_path):
    default = (conf_stanza("zeta", **{**GOOD, "pattern": "x", "order": "100"})
               + conf_stanza("alpha", **{**GOOD, "pattern": "x", "order": "100",
                                         "account_type": "Standard-User"})
               + conf_stanza("first", **{**GOOD, "pattern": "x", "order": "-1",
                                         "account_type": "High-Privilege"}))
    loaded = rules.load(app(tmp_path, default))
    assert [r.source for r in loaded.rule_set.rules] == [
        SOURCE + "first", SOURCE + "alpha", SOURCE + "zeta"]
    assert loaded.rule_set.classify("AWS", "role", "x", "", "", "") == (
        "High-Privilege", SOURCE + "first")
    assert loaded.warnings == []


def test_a_rule_without_order_comes_after_every_rule_with_one(tmp_path):
    default = (conf_stanza("a_unordered", **{**GOOD, "pattern": "x", "order": ""})
               + conf_stanza("z_late", **{**GOOD, "pattern": "x", "order": "999999",
                                          "account_type": "Standard-User"}))
    loaded = rules.load(app(tmp_path, default))
    assert [r.source for r in loaded.rule_set.rules] == [SOURCE + "z_late",
                                                         SOURCE + "a_unordered"]


def test_local_overrides_default_stanza_by_stanza_and_key_by_key(tmp_path):
    default = (conf_stanza("build_roles", **GOOD)
               + conf_stanza("ci_roles", **{**GOOD, "pattern": "*:role/ci-*", "order": "20"}))
    local = (conf_stanza("build_roles", account_type="Standard-User")  # one key edited
             + conf_stanza("ci_roles", disabled="1")  # disabled by name
             + conf_stanza("mine", **{**GOOD, "pattern": "*:role/mine", "order": "5",
                                      "account_type": "High-Privilege"}))
    loaded = rules.load(app(tmp_path, default, local))
    classify = loaded.rule_set.classify
    assert classify("AWS", "role", "arn:aws:iam::1:role/build-x", "", "", "") == (
        "Standard-User", SOURCE + "build_roles")
    assert classify("AWS", "role", "arn:aws:iam::1:role/ci-x", "", "", "") == (
        "Standard-User", "default")
    assert classify("AWS", "role", "arn:aws:iam::1:role/mine", "", "", "") == (
        "High-Privilege", SOURCE + "mine")
    assert loaded.warnings == []


def test_a_default_stanza_and_keys_before_the_first_stanza_apply_to_every_stanza(tmp_path):
    """GLOBAL SETTINGS: settings before any stanza or in [default] apply to every stanza
    that does not set them; a stanza's own setting wins."""
    local = ("platform = AWS\nprincipal_type = role\n[default]\nmatch_field = principal\n"
             "account_type = Service-Account\n"
             + conf_stanza("a", pattern="*:role/a") + conf_stanza("b", pattern="*:role/b",
                                                                  account_type="Standard-User"))
    loaded = rules.load(app(tmp_path, "", local))
    assert loaded.rule_set.classify("AWS", "role", "arn:aws:iam::1:role/a", "", "", "") == (
        "Service-Account", SOURCE + "a")
    assert loaded.rule_set.classify("AWS", "role", "arn:aws:iam::1:role/b", "", "", "") == (
        "Standard-User", SOURCE + "b")


def test_a_broken_customer_stanza_is_skipped_with_one_warning_naming_it(tmp_path):
    local = (conf_stanza("bad_type", **{**GOOD, "account_type": "Admin"})
             + conf_stanza("bad_regex", **{**GOOD, "match": "regex", "pattern": "(x+)+y"})
             + conf_stanza("hp_agent", **{**GOOD, "match_field": "user_agent",
                                          "account_type": "High-Privilege", "pattern": "curl*"})
             + conf_stanza("good", **GOOD))
    loaded = rules.load(app(tmp_path, conf_stanza("shipped", **{**GOOD, "pattern": "s"}), local))
    assert [r.source for r in loaded.rule_set.rules] == [SOURCE + "good", SOURCE + "shipped"]
    assert len(loaded.warnings) == 3
    for name, words in (("bad_type", "account_type is not a known value"),
                        ("bad_regex", "pattern is refused"),
                        ("hp_agent", "High-Privilege may only come from")):
        (warning,) = [w for w in loaded.warnings if f"[{name}]" in w]
        assert warning.startswith(f"{CONF} [{name}]: ") and words in warning
        assert warning.endswith("; this rule is skipped")
    assert not any("(x+)+y" in w or "curl" in w for w in loaded.warnings)


def test_a_disabled_customer_stanza_is_skipped_without_a_warning_even_if_broken(tmp_path):
    local = conf_stanza("old", **{**GOOD, "account_type": "Admin", "disabled": "true"})
    loaded = rules.load(app(tmp_path, "", local))
    assert (len(loaded.rule_set), loaded.warnings) == (0, [])


@pytest.mark.parametrize(("data", "words"), [
    (b"[x]\nplatform = \xff\n", "local/cloud_secrets_account_rules.conf is not UTF-8 text"),
    (b"platform,principal_type\nAWS,*\n", "local/cloud_secrets_account_rules.conf is not "
                                          "conf syntax at line 1"),
    (b"[x\n", "is not conf syntax at line 1: a stanza header without its closing ]"),
])
def test_a_local_file_that_cannot_be_read_is_one_warning_and_the_shipped_rules_apply(
        tmp_path, data, words):
    folder = shipped_app(tmp_path, local="")
    (folder / "local" / CONF).write_bytes(data)
    loaded = rules.load(folder)
    (warning,) = loaded.warnings
    assert words in warning and "the app's own rules still do" in warning
    assert len(loaded.rule_set) == 15


def test_a_local_path_that_is_not_a_file_is_one_warning(tmp_path):
    folder = shipped_app(tmp_path)
    (folder / "local" / CONF).mkdir(parents=True)
    (warning,) = rules.load(folder).warnings
    assert warning.startswith(f"local/{CONF} cannot be read (")


def test_a_broken_shipped_rule_stops_naming_the_stanza(tmp_path):
    default = conf_stanza("fine", **GOOD) + conf_stanza("broken", **{**GOOD, "platform": "Mars"})
    with pytest.raises(RulesError) as raised:
        rules.load(app(tmp_path, default))
    assert str(raised.value) == (
        f"{CONF} [broken], a shipped rule: platform is not a known value (expected AWS, "
        f"GCP, Azure, Vault or *); reinstall the app")


def test_a_shipped_stanza_edited_in_local_counts_as_the_customers(tmp_path):
    local = conf_stanza("aws_root_user", match="regex", pattern="(a|ab)*c")
    loaded = rules.load(shipped_app(tmp_path, local))
    (warning,) = loaded.warnings
    assert warning.startswith(f"{CONF} [aws_root_user]: pattern is refused")
    assert len(loaded.rule_set) == 14
    # the root user is no longer High-Privilege by its own rule, only by the seed word
    assert loaded.rule_set.classify("AWS", "root", "arn:aws:iam::1:root", "", "", "") == (
        "High-Privilege", SOURCE + "seed_high_privilege_words")
    assert loaded.rule_set.classify("AWS", "root", "arn:aws:iam::1:x", "", "", "") == (
        "Standard-User", "default")


def test_a_customer_default_stanza_that_breaks_a_shipped_rule_counts_as_the_customers(tmp_path):
    default = conf_stanza("no_order", **{k: v for k, v in GOOD.items() if k != "order"})
    loaded = rules.load(app(tmp_path, default, "[default]\norder = soon\n"))
    (warning,) = loaded.warnings
    assert warning.startswith(f"{CONF} [no_order]: order is not a whole number")


@pytest.mark.parametrize(("setup", "words"), [
    ("missing", f"default/{CONF} is missing: reinstall the app"),
    ("binary", f"default/{CONF} is not UTF-8 text: reinstall the app"),
])
def test_unreadable_shipped_rules_stop(tmp_path, setup, words):
    folder = app(tmp_path)
    if setup == "missing":
        (folder / "default" / CONF).unlink()
    else:
        (folder / "default" / CONF).write_bytes(b"\xff\xfe")
    with pytest.raises(RulesError, match=words):
        rules.load(folder)


@pytest.mark.parametrize(("name", "shown"), [
    ("bad\x07name", "bad?name"),
    ("n" * 100, "n" * 100),  # up to 100 characters, in full
    ("m" * 101, "m" * 97 + "..."),  # longer: 97 and an ellipsis, 100 in all
])
def test_stanza_names_are_shown_printable_and_short(tmp_path, name, shown):
    local = conf_stanza(name, **{**GOOD, "platform": "x"})
    (warning,) = rules.load(app(tmp_path, "", local)).warnings
    assert warning.startswith(f"{CONF} [{shown}]: platform is not a known value")


def test_a_layer_that_cannot_be_read_for_a_reason_without_words_names_the_error(
        tmp_path, monkeypatch):
    from cloud_secrets import conf_file

    def unreadable(path, limit):
        if path.parent.name == "local":
            raise PermissionError()  # an OSError without strerror
        return {}

    monkeypatch.setattr(conf_file, "read", unreadable)
    (warning,) = rules.load(app(tmp_path)).warnings
    assert warning.startswith(f"local/{CONF} cannot be read (PermissionError);")


def test_no_rule_is_read_from_lookups(tmp_path):
    folder = shipped_app(tmp_path)
    (folder / "lookups").mkdir()
    everyone = "platform,principal_type,match_field,match,pattern,account_type\n" \
               "*,*,principal,wildcard,*,High-Privilege\n"
    for name in ("cloud_secrets_account_rules.csv", "cloud_secrets_account_rules_local.csv"):
        (folder / "lookups" / name).write_text(everyone)
    loaded = rules.load(folder)
    assert loaded.rule_set.classify("AWS", "user", "arn:aws:iam::1:user/alice", "", "", "") == (
        "Standard-User", "default")


# -- matching ---------------------------------------------------------------------------

def one_rule(folder: Path, **values: str) -> RuleSet:
    loaded = rules.load(app(folder, conf_stanza("r", **{**GOOD, "platform": "*",
                                                        "principal_type": "*", **values})))
    assert loaded.warnings == []
    return loaded.rule_set


MATCHING = [
    # (match, pattern, value, matches)
    ("wildcard", "arn:aws:iam::*:role/admin", "ARN:AWS:IAM::1:ROLE/ADMIN", True),
    ("wildcard", "arn:aws:iam::*:role/admin", "arn:aws:iam::1:role/admin2", False),
    ("wildcard", "*admin*", "my-Admin-role", True),
    ("wildcard", "i-*", "i-0abc", True),
    ("wildcard", "i-*", "xi-0abc", False),
    ("wildcard", "*@example.com", "bob@EXAMPLE.com", True),
    ("wildcard", "a*b*c", "aXbYc", True),
    ("wildcard", "a*b*c", "aXcYb", False),
    ("wildcard", "a.b", "aXb", False),  # only * is special
    ("wildcard", "*", "", True),
    ("wildcard", "a#b", "a#b", True),  # a # inside a value is not a comment
    ("regex", "admin", "my-ADMIN-role", True),
    ("regex", "^admin", "my-admin", False),
    ("regex", "svc|automation", "team-automation", True),
    ("regex", ".*admin.*", "x-admin-y", True),
    ("regex", r"role/[^/]*prod$", "arn:aws:iam::1:role/app-prod", True),
]


@pytest.mark.parametrize(("match", "pattern", "value", "matches"), MATCHING,
                         ids=[f"{m[0]}:{m[1]}:{m[2] or 'empty'}" for m in MATCHING])
def test_wildcards_match_whole_values_and_regexes_anywhere(tmp_path, match, pattern, value,
                                                           matches):
    rule_set = one_rule(tmp_path, match=match, pattern=pattern, account_type="Service-Account")
    expected = "Service-Account" if matches else "Standard-User"
    assert rule_set.classify("AWS", "user", value, "", "", "")[0] == expected


@pytest.mark.parametrize(("field", "values"), [
    ("principal", ("x", "", "", "")), ("principal_role", ("", "x", "", "")),
    ("principal_session", ("", "", "x", "")), ("user_agent", ("", "", "", "x"))])
def test_each_match_field(tmp_path, field, values):
    rule_set = one_rule(tmp_path, match_field=field, pattern="x")
    assert rule_set.classify("Vault", "user", *values)[0] == "Service-Account"
    assert rule_set.classify("Vault", "user", "y", "y", "y", "y")[0] == "Standard-User"


def test_platform_and_type_scope_a_rule(tmp_path):
    rule_set = one_rule(tmp_path, platform="GCP", principal_type="user", pattern="*",
                        account_type="High-Privilege")
    assert rule_set.classify("GCP", "user", "a", "", "", "")[0] == "High-Privilege"
    assert rule_set.classify("GCP", "service_account", "a", "", "", "")[0] == "Standard-User"
    assert rule_set.classify("AWS", "user", "a", "", "", "")[0] == "Standard-User"


def test_regexes_search_only_the_first_characters_of_a_value(tmp_path):
    rule_set = one_rule(tmp_path, match_field="user_agent", match="regex", pattern="needle")
    near = "x" * (rules.MAX_REGEX_INPUT - 6) + "needle"
    far = "x" * rules.MAX_REGEX_INPUT + "needle"
    assert rule_set.classify("AWS", "user", "p", "", "", near)[0] == "Service-Account"
    assert rule_set.classify("AWS", "user", "p", "", "", far)[0] == "Standard-User"


# -- no exemption from a name the caller chooses ----------------------------------------

CALLER_NAMED = [
    # (platform, principal type, principal): the holder of the credential picks the name
    ("AWS", "federated_user", "arn:aws:sts::111122223333:federated-user/admin"),
    ("Vault", "token", "token-admin"),
    ("GCP", "service_account", "principal://iam.googleapis.com/projects/1/locations/global/"
                               "workloadIdentityPools/gh/subject/repo:acme/admin:ref:root"),
    ("GCP", "service_account", "principalSet://iam.googleapis.com/projects/1/locations/global/"
                               "workloadIdentityPools/gh/attribute.repository/acme/root"),
]


@pytest.mark.parametrize(("platform", "kind", "principal"), CALLER_NAMED,
                         ids=[c[1] + ":" + c[2][-20:] for c in CALLER_NAMED])
def test_a_high_privilege_match_is_passed_over_for_caller_named_principals(
        tmp_path, platform, kind, principal):
    default = (conf_stanza("everyone_admin", **{**GOOD, "platform": "*", "principal_type": "*",
                                                "pattern": "*", "account_type": "High-Privilege",
                                                "order": "1"})
               + conf_stanza("then_service", **{**GOOD, "platform": "*", "principal_type": "*",
                                                "pattern": "*admin*", "order": "2"}))
    rule_set = rules.load(app(tmp_path, default)).rule_set
    expected = ("Service-Account", SOURCE + "then_service") if "admin" in principal else (
        "Standard-User", "default")
    assert rule_set.classify(platform, kind, principal, "", "", "") == expected
    # the same names under an administrator-assigned principal type stay High-Privilege
    assert rule_set.classify(platform, "user", "admin", "", "", "")[0] == "High-Privilege"


def test_which_principals_are_caller_named():
    assert rules.names_chosen_by_caller("AWS", "federated_user", "x")
    assert rules.names_chosen_by_caller("Vault", "token", "token-x")
    assert rules.names_chosen_by_caller("GCP", "service_account", "PRINCIPAL://x")
    assert rules.names_chosen_by_caller("GCP", "service_account", "principalset://x")
    assert not rules.names_chosen_by_caller("GCP", "service_account",
                                            "ci@p.iam.gserviceaccount.com")
    assert not rules.names_chosen_by_caller("Vault", "root", "root")
    assert not rules.names_chosen_by_caller("AWS", "role", "arn:aws:iam::1:role/admin")
    assert not rules.names_chosen_by_caller("Azure", "token", "principal://x")
    # Vault logins named after what the caller brings; not those an administrator names
    for name in ("jwt-repo:acme/admin:ref:refs/heads/main", "kubernetes-dev-admin",
                 "github-root-dev"):
        assert rules.names_chosen_by_caller("Vault", "service_account", name), name
        assert not rules.names_chosen_by_caller("Vault", "root", name), name
    for name in ("approle:admin", "jwt:admin", "kubernetes:admin", "userpass-admin",
                 "ldap-admin", "oidc-admin", "admin"):
        assert not rules.names_chosen_by_caller("Vault", "user", name), name
    # Azure B2B guests carry their own address in the UPN; members do not
    assert rules.names_chosen_by_caller("Azure", "user",
                                        "admin_attacker.example#ext#@contoso.onmicrosoft.com")
    assert not rules.names_chosen_by_caller("Azure", "user", "admin@contoso.com")
    assert not rules.names_chosen_by_caller("Azure", "application", "x#ext#")


# -- the index keeps first-match order --------------------------------------------------

def test_thousands_of_rules_keep_first_match_order():
    many = [rules.Rule(f"f:{i}", "AWS", "role", "principal", "wildcard",
                       f"arn:aws:iam::{i:012d}:role/*", "Service-Account", "") for i in range(5000)]
    suffixes = [rules.Rule(f"s:{i}", "*", "*", "principal", "wildcard", f"*-{i}",
                           "High-Privilege", "") for i in range(100)]
    loaded = RuleSet(suffixes[:50] + many + suffixes[50:])
    assert loaded.classify("AWS", "role", "arn:aws:iam::000000004321:role/x-7", "", "", "") == (
        "High-Privilege", "s:7")  # an earlier suffix rule beats a later prefix rule
    assert loaded.classify("AWS", "role", "arn:aws:iam::000000004321:role/x-77", "", "", "") == (
        "Service-Account", "f:4321")  # ... but not a later one
    assert loaded.classify("AWS", "role", "arn:aws:iam::999999999999:role/x", "", "", "") == (
        "Standard-User", "default")


def test_the_decision_cache_is_bounded():
    loaded = RuleSet([])
    for i in range(rules.CACHE_SIZE * 2):
        loaded.classify("AWS", "user", f"p{i}", "", "", "")
    assert loaded.classify.cache_info().currsize == rules.CACHE_SIZE


@pytest.mark.parametrize("count", [rules.TRIGRAM_INDEX_MIN, rules.TRIGRAM_INDEX_MIN + 500])
def test_general_wildcards_keep_first_match_order_indexed_or_not(count):
    globs = [rules.Rule(f"g:{i}", "*", "*", "user_agent", "wildcard", f"*tool-{i}/*",
                        "Service-Account", "") for i in range(count)]
    short = rules.Rule("short", "*", "*", "user_agent", "wildcard", "*x*z*", "Standard-User",
                       "")
    loaded = RuleSet([*globs[:5], short, *globs[5:]])
    assert loaded.classify("AWS", "user", "p", "", "", "Tool-7/1.0 (x-tool-3/2)") == (
        "Service-Account", "g:3")
    assert loaded.classify("AWS", "user", "p", "", "", "xyz tool-9/") == ("Standard-User",
                                                                         "short")
    assert loaded.classify("AWS", "user", "p", "", "", f"tool-{count - 1}/") == (
        "Service-Account", f"g:{count - 1}")
    assert loaded.classify("AWS", "user", "p", "", "", "tool-1") == ("Standard-User", "default")


def test_an_indexed_glob_whose_literal_ends_the_value_still_matches():
    """The trigram index must hold the value's last three characters too."""
    globs = [rules.Rule(f"g:{i}", "*", "*", "principal", "wildcard", f"*tool-{i}/*",
                        "Service-Account", "") for i in range(rules.TRIGRAM_INDEX_MIN + 1)]
    tail = rules.Rule("tail", "*", "*", "principal", "wildcard", "*a*zzz", "High-Privilege", "")
    loaded = RuleSet([*globs, tail])
    assert loaded.classify("AWS", "user", "a-zzz", "", "", "") == ("High-Privilege", "tail")


# -- the shipped defaults ---------------------------------------------------------------

SHIPPED = [
    # (platform, type, principal, role, session, user agent, account type)
    ("AWS", "root", "arn:aws:iam::1:root", "", "", "", "High-Privilege"),
    ("AWS", "role", "arn:aws:iam::1:role/OrganizationAccountAccessRole", "", "s", "",
     "High-Privilege"),
    ("AWS", "user", "alice@example.com",
     "arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_1",
     "alice@example.com", "", "High-Privilege"),
    ("AWS", "user", "alice@example.com",
     "arn:aws:iam::1:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ReadOnly_1",
     "alice@example.com", "", "Standard-User"),
    ("AWS", "role", "arn:aws:iam::1:role/PlatformAdministrator", "", "s", "", "High-Privilege"),
    ("AWS", "user", "arn:aws:iam::1:user/superuser-jane", "", "", "", "High-Privilege"),
    ("GCP", "user", "db-admin@example.com", "", "", "", "High-Privilege"),
    ("Vault", "root", "root", "", "", "", "High-Privilege"),
    ("AWS", "aws_service", "lambda.amazonaws.com", "", "", "", "Service-Account"),
    ("AWS", "role", "arn:aws:iam::1:role/web", "arn:aws:iam::1:role/web", "i-0abc123", "",
     "Service-Account"),
    ("AWS", "role", "arn:aws:iam::1:role/web", "arn:aws:iam::1:role/web",
     "botocore-session-1700000000", "", "Service-Account"),
    ("AWS", "role", "arn:aws:iam::1:role/web", "arn:aws:iam::1:role/web",
     "aws-go-sdk-1700000000", "", "Service-Account"),
    ("AWS", "role", "arn:aws:iam::1:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
     "", "", "", "Service-Account"),
    ("GCP", "service_account", "ci@p.iam.gserviceaccount.com", "", "", "", "Service-Account"),
    ("GCP", "service_account", "principal://iam.googleapis.com/projects/1/x", "", "", "",
     "Service-Account"),
    ("Azure", "application", "9f0a1b2c", "", "app", "", "Service-Account"),
    ("Vault", "service_account", "kubernetes-payments-api", "", "e", "", "Service-Account"),
    ("AWS", "user", "arn:aws:iam::1:user/svc-reporting", "", "", "", "Service-Account"),
    ("Azure", "user", "automation-runner@contoso.com", "", "", "", "Service-Account"),
    ("AWS", "user", "arn:aws:iam::1:user/alice", "", "", "", "Standard-User"),
    ("Azure", "user", "bob@contoso.com", "", "", "", "Standard-User"),
    ("Vault", "token", "token-375f9cb3", "", "", "", "Standard-User"),
    ("AWS", "role", "arn:aws:iam::1:role/web", "arn:aws:iam::1:role/web", "bob", "",
     "Standard-User"),
    # names the caller picks never make High-Privilege (adversaries.md)
    ("AWS", "federated_user", "arn:aws:sts::1:federated-user/admin", "", "", "",
     "Standard-User"),
    ("AWS", "federated_user", "arn:aws:sts::1:federated-user/root", "", "", "",
     "Standard-User"),
    ("Vault", "token", "token-admin", "", "", "", "Standard-User"),
    ("AWS", "federated_user", "arn:aws:sts::1:federated-user/svc-admin", "", "", "",
     "Service-Account"),
    ("GCP", "service_account", "principal://iam.googleapis.com/projects/1/locations/global/"
     "workloadIdentityPools/gh/subject/repo:acme/admin:ref:refs/heads/root", "", "", "",
     "Service-Account"),
]


@pytest.mark.parametrize(("platform", "kind", "principal", "role", "session", "agent",
                          "account_type"), SHIPPED,
                         ids=[f"{s[0]}-{s[2][-40:]}-{s[6]}" for s in SHIPPED])
def test_shipped_defaults(engine, platform, kind, principal, role, session, agent, account_type):
    assert engine.rules.classify(platform, kind, principal, role, session, agent)[0] == (
        account_type)


def test_the_shipped_file_passes_the_validator_and_puts_high_privilege_first():
    from cloud_secrets import conf_file

    shipped = conf_file.parse((ROOT / "default" / CONF).read_text(encoding="utf-8"))
    assert len(shipped) == 15 and "default" not in shipped
    canonical = {name: rules.validate_rule(values) for name, values in shipped.items()}
    for name, values in shipped.items():
        assert set(values) == set(RULE_KEYS), name  # every key spelled out: see docs/command.md
        assert values["description"] and values["disabled"] == "false", name
    ordered = sorted(canonical, key=lambda name: int(canonical[name]["order"]))
    kinds = [canonical[name]["account_type"] for name in ordered]
    assert kinds == sorted(kinds, key=["High-Privilege", "Service-Account",
                                       "Standard-User"].index)
    patterns = {(r["match"], r["pattern"]) for r in canonical.values()}
    assert {("regex", SEED_HIGH_PRIVILEGE), ("regex", SEED_SERVICE_ACCOUNT)} <= patterns


def test_the_shipped_rules_load_as_the_engine_sees_them(engine):
    assert len(engine.rules) == 15 and engine.rule_warnings == ()
    assert all(r.source.startswith(SOURCE) for r in engine.rules.rules)


def test_lookups_hold_no_rules_file():
    assert not list((ROOT / "lookups").glob("cloud_secrets_account_rules*"))


# The seed analytic's patterns, as whole words: a word is a run of letters and digits.
SEED_HIGH_PRIVILEGE = r"(?<![^\W_])(?:root|admins?|administrators?|superusers?)(?![^\W_])"
SEED_SERVICE_ACCOUNT = r"(?<![^\W_])(?:serviceaccounts?|svcs?|automations?)(?![^\W_])"


@pytest.mark.parametrize("pattern", [SEED_HIGH_PRIVILEGE, SEED_SERVICE_ACCOUNT])
def test_seed_patterns_pass_the_redos_checks(pattern):
    regex_safety.check(regex_safety.simplify(pattern))


SEED_WORDS = [
    # (principal, account type): the contract's examples first
    ("badminton-stats", "Standard-User"), ("groot-exporter", "Standard-User"),
    ("padmini.k", "Standard-User"), ("rootkit-scanner", "Standard-User"),
    ("superusers-db", "High-Privilege"), ("admins", "High-Privilege"),
    ("administrator", "High-Privilege"), ("ops_admin", "High-Privilege"),
    ("Admin.Ops@example.com", "High-Privilege"), ("root", "High-Privilege"),
    ("db-superuser", "High-Privilege"), ("it-administrators", "High-Privilege"),
    ("svc-deploy", "Service-Account"), ("build_svcs", "Service-Account"),
    ("nightly.automation", "Service-Account"), ("k8s-serviceaccount", "Service-Account"),
    ("svcaccount", "Standard-User"), ("automationist", "Standard-User"),
    ("jsvc", "Standard-User"), ("mysvc2", "Standard-User"),
    ("root\u00e9", "Standard-User"),  # a non-ASCII letter continues the word
]


@pytest.mark.parametrize(("principal", "account_type"), SEED_WORDS,
                         ids=[w[0] for w in SEED_WORDS])
def test_seed_patterns_match_whole_words(engine, principal, account_type):
    assert engine.rules.classify("AWS", "user", principal, "", "", "")[0] == account_type


def test_the_repository_app_folder_is_what_load_reads(tmp_path):
    """The command reads its own app folder: default/ as shipped, local/ when present."""
    copy = tmp_path / "app"
    shutil.copytree(ROOT / "default", copy / "default")
    assert len(rules.load(copy).rule_set) == 15


def test_misspelt_local_keys_and_stanzas_are_named_and_left_as_splunk_reads_them(tmp_path):
    # Splunk's keys and stanza names are case-sensitive and it ignores keys it does not
    # know (Admin Manual, "About configuration files"): `Disabled = true` leaves the rule
    # enabled and `[Aws_Root_User]` is a rule of its own. The command keeps Splunk's
    # reading and says what it ignored, naming the key or stanza (docs/command.md).
    local = ("[seed_high_privilege_words]\nDisabled = true\ncolour = blue\n"
             + conf_stanza("Aws_Root_User", **{**GOOD, "pattern": "*:root"}))
    loaded = rules.load(shipped_app(tmp_path, local))
    sources = {r.source for r in loaded.rule_set.rules}
    assert SOURCE + "seed_high_privilege_words" in sources  # still in force
    assert {SOURCE + "aws_root_user", SOURCE + "Aws_Root_User"} <= sources
    keys = ", ".join(rules.RULE_KEYS)
    assert sorted(loaded.warnings) == sorted([
        f"{CONF} [seed_high_privilege_words]: Disabled is not a rule key (keys are "
        f"case-sensitive); it is ignored (keys: {keys})",
        f"{CONF} [seed_high_privilege_words]: colour is not a rule key; it is ignored "
        f"(keys: {keys})",
        f"{CONF} [Aws_Root_User] is not the app's rule [aws_root_user]: stanza names are "
        f"case-sensitive, so that rule stays as it is",
    ])


def test_a_local_stanza_of_a_shipped_rule_in_its_own_case_is_no_misspelling(tmp_path):
    loaded = rules.load(shipped_app(tmp_path, "[aws_root_user]\ndisabled = true\n"))
    assert loaded.warnings == []
    assert SOURCE + "aws_root_user" not in {r.source for r in loaded.rule_set.rules}
