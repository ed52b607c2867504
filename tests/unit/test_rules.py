"""Account rules: loading and validation, first-match semantics, the shipped defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloud_secrets import regex_safety, rules
from cloud_secrets.rules import COLUMNS, RulesError, RuleSet

ROOT = Path(__file__).resolve().parents[2]
HEADER = ",".join(COLUMNS)


def write_rules(folder: Path, local: str = HEADER, defaults: str = HEADER) -> Path:
    (folder / rules.LOCAL_RULES).write_text(local + "\n", encoding="utf-8")
    (folder / rules.DEFAULT_RULES).write_text(defaults + "\n", encoding="utf-8")
    return folder


BROKEN = [
    # (case, local file text, row in the message, words the message must contain)
    ("missing column", "platform,principal_type,match_field,match,pattern,description",
     "row 1", "missing column account_type"),
    ("two missing columns", "platform,principal_type,match_field,pattern,description", "row 1",
     "missing column match, account_type"),
    ("two duplicate columns", HEADER + ",pattern,match", "row 1",
     "duplicate column match, pattern"),
    ("duplicate header", HEADER + ",pattern", "row 1", "duplicate column pattern"),
    ("unknown account type", HEADER + "\n*,*,principal,wildcard,x*,Admin,d", "row 2",
     'unknown account_type "Admin" (expected High-Privilege, Service-Account, Standard-User)'),
    ("unknown platform", HEADER + "\n*,*,principal,wildcard,x,Standard-User,ok\n"
     "Oracle,*,principal,wildcard,x*,High-Privilege,d", "row 3",
     'unknown platform "Oracle" (expected AWS, GCP, Azure, Vault or *)'),
    ("unknown principal type", HEADER + "\nAWS,robot,principal,wildcard,x*,High-Privilege,d",
     "row 2", 'unknown principal_type "robot" (expected user, role, service_account, '
     'application, root, aws_service, aws_account, federated_user, token, unknown or *)'),
    ("unknown match field", HEADER + "\nAWS,*,arn,wildcard,x*,High-Privilege,d", "row 2",
     'unknown match_field "arn" (expected principal, principal_role, principal_session, '
     'user_agent)'),
    ("unknown match mode", HEADER + "\nAWS,*,principal,glob,x*,High-Privilege,d", "row 2",
     'unknown match "glob" (expected wildcard or regex)'),
    ("empty pattern", HEADER + "\nAWS,*,principal,wildcard,,High-Privilege,d", "row 2",
     ": empty pattern"),
    ("regex that does not compile", HEADER + "\nAWS,*,principal,regex,adm(in,High-Privilege,d",
     "row 2", "does not compile"),
    ("regex that backtracks", HEADER + "\nAWS,*,principal,regex,(a+)+$,High-Privilege,d",
     "row 2", "is refused"),
    ("ragged row", HEADER + "\nAWS,*,principal,wildcard,x*,High-Privilege", "row 2",
     "6 cells where the header has 7"),
]


@pytest.mark.parametrize(("text", "row", "words"), [b[1:] for b in BROKEN],
                         ids=[b[0] for b in BROKEN])
def test_a_broken_rules_file_names_file_row_and_problem(tmp_path, text, row, words):
    with pytest.raises(RulesError) as raised:
        rules.load(write_rules(tmp_path, local=text))
    message = str(raised.value)
    assert message.startswith(f"{rules.LOCAL_RULES}, {row}: ")
    assert words in message


def test_missing_defaults_stop_but_a_missing_local_file_is_empty(tmp_path):
    (tmp_path / rules.DEFAULT_RULES).write_text(HEADER + "\n")
    assert len(rules.load(tmp_path)) == 0
    (tmp_path / rules.DEFAULT_RULES).unlink()
    with pytest.raises(RulesError, match=f"{rules.DEFAULT_RULES}, row 1: file not found"):
        rules.load(tmp_path)


def test_not_utf8_and_bom(tmp_path):
    write_rules(tmp_path)
    (tmp_path / rules.LOCAL_RULES).write_bytes(b"\xef\xbb\xbf" + HEADER.encode() +
                                               b"\nAWS,*,principal,wildcard,x,Service-Account,d\n")
    assert len(rules.load(tmp_path)) == 1  # a spreadsheet's byte-order mark is fine
    (tmp_path / rules.LOCAL_RULES).write_bytes(HEADER.encode() + b"\n\xff\xfe\n")
    with pytest.raises(RulesError, match="not UTF-8"):
        rules.load(tmp_path)


def test_values_are_trimmed_and_case_insensitive_blank_rows_skipped(tmp_path):
    text = HEADER + "\n aws , ROLE , principal , , x* , service-account , d \n,,,,,,\n"
    loaded = rules.load(write_rules(tmp_path, local=text))
    (rule,) = loaded.rules
    assert (rule.platform, rule.principal_type, rule.match, rule.account_type, rule.source) == (
        "AWS", "role", "wildcard", "Service-Account", f"{rules.LOCAL_RULES}:2")


def test_local_rules_come_first_and_the_first_match_wins(tmp_path):
    local = HEADER + "\nAWS,role,principal,wildcard,*:role/build-*,Service-Account,local"
    defaults = (HEADER + "\n*,*,principal,regex,build,High-Privilege,later"
                "\nAWS,role,principal,wildcard,*,Standard-User,catch-all")
    loaded = rules.load(write_rules(tmp_path, local, defaults))
    assert loaded.classify("AWS", "role", "arn:aws:iam::1:role/build-x", "", "", "") == (
        "Service-Account", f"{rules.LOCAL_RULES}:2")
    assert loaded.classify("AWS", "role", "arn:aws:iam::1:role/rebuild", "", "", "") == (
        "High-Privilege", f"{rules.DEFAULT_RULES}:2")
    assert loaded.classify("AWS", "role", "arn:aws:iam::1:role/other", "", "", "") == (
        "Standard-User", f"{rules.DEFAULT_RULES}:3")
    assert loaded.classify("GCP", "user", "a@b.c", "", "", "") == ("Standard-User", "default")


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
    text = HEADER + f"\n*,*,principal,{match},{pattern},High-Privilege,d"
    loaded = rules.load(write_rules(tmp_path, local=text))
    expected = "High-Privilege" if matches else "Standard-User"
    assert loaded.classify("AWS", "user", value, "", "", "")[0] == expected


@pytest.mark.parametrize(("field", "values"), [
    ("principal", ("x", "", "", "")), ("principal_role", ("", "x", "", "")),
    ("principal_session", ("", "", "x", "")), ("user_agent", ("", "", "", "x"))])
def test_each_match_field(tmp_path, field, values):
    loaded = rules.load(write_rules(
        tmp_path, local=HEADER + f"\n*,*,{field},wildcard,x,Service-Account,d"))
    assert loaded.classify("Vault", "user", *values)[0] == "Service-Account"
    assert loaded.classify("Vault", "user", "y", "y", "y", "y")[0] == "Standard-User"


def test_platform_and_type_scope_a_rule(tmp_path):
    loaded = rules.load(write_rules(tmp_path, local=HEADER + "\nGCP,user,principal,wildcard,*,"
                                                        "High-Privilege,d"))
    assert loaded.classify("GCP", "user", "a", "", "", "")[0] == "High-Privilege"
    assert loaded.classify("GCP", "service_account", "a", "", "", "")[0] == "Standard-User"
    assert loaded.classify("AWS", "user", "a", "", "", "")[0] == "Standard-User"


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
]


@pytest.mark.parametrize(("platform", "kind", "principal", "role", "session", "agent",
                          "account_type"), SHIPPED,
                         ids=[f"{s[0]}-{s[2][-40:]}-{s[6]}" for s in SHIPPED])
def test_shipped_defaults(engine, platform, kind, principal, role, session, agent, account_type):
    assert engine.rules.classify(platform, kind, principal, role, session, agent)[0] == (
        account_type)


def test_shipped_defaults_put_high_privilege_first_and_describe_every_row(engine):
    shipped = [r for r in engine.rules.rules if r.source.startswith(rules.DEFAULT_RULES)]
    kinds = [r.account_type for r in shipped]
    assert kinds == sorted(kinds, key=["High-Privilege", "Service-Account",
                                       "Standard-User"].index)
    assert all(r.description for r in shipped)
    patterns = {(r.match, r.pattern) for r in shipped}
    assert {("regex", SEED_HIGH_PRIVILEGE), ("regex", SEED_SERVICE_ACCOUNT)} <= patterns


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
]


@pytest.mark.parametrize(("principal", "account_type"), SEED_WORDS,
                         ids=[w[0] for w in SEED_WORDS])
def test_seed_patterns_match_whole_words(engine, principal, account_type):
    assert engine.rules.classify("AWS", "user", principal, "", "", "")[0] == account_type


def test_the_local_file_is_the_customers_and_copies_the_defaults_header():
    # Not shipped, so that an upgrade cannot overwrite it (analytics.md, shipped files);
    # the README tells customers to start it with the shipped file's header.
    assert not (ROOT / "lookups" / rules.LOCAL_RULES).exists()
    assert (ROOT / "lookups" / rules.DEFAULT_RULES).read_text().splitlines()[0] == HEADER


@pytest.mark.parametrize("count", [rules.TRIGRAM_INDEX_MIN, rules.TRIGRAM_INDEX_MIN + 500])
def test_general_wildcards_keep_first_match_order_indexed_or_not(count):
    globs = [rules.Rule(f"g:{i}", "*", "*", "user_agent", "wildcard", f"*tool-{i}/*",
                        "Service-Account", "") for i in range(count)]
    short = rules.Rule("short", "*", "*", "user_agent", "wildcard", "*x*z*", "High-Privilege", "")
    loaded = RuleSet([*globs[:5], short, *globs[5:]])
    assert loaded.classify("AWS", "user", "p", "", "", "Tool-7/1.0 (x-tool-3/2)") == (
        "Service-Account", "g:3")
    assert loaded.classify("AWS", "user", "p", "", "", "xyz tool-9/") == ("High-Privilege",
                                                                         "short")
    assert loaded.classify("AWS", "user", "p", "", "", f"tool-{count - 1}/") == (
        "Service-Account", f"g:{count - 1}")
    assert loaded.classify("AWS", "user", "p", "", "", "tool-1") == ("Standard-User", "default")


def test_an_empty_file_names_the_header_it_expects(tmp_path):
    write_rules(tmp_path)
    (tmp_path / rules.LOCAL_RULES).write_text("", encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        rules.load(tmp_path)
    assert str(raised.value) == (f"{rules.LOCAL_RULES}, row 1: empty file (expected the header "
                                 f"{HEADER})")


def test_text_that_is_not_csv(tmp_path):
    text = HEADER + '\nAWS,*,principal,wildcard,"x"y,High-Privilege,d'
    with pytest.raises(RulesError) as raised:
        rules.load(write_rules(tmp_path, local=text))
    assert str(raised.value).startswith(f"{rules.LOCAL_RULES}: not valid CSV (")


def test_a_rules_path_that_cannot_be_read(tmp_path):
    write_rules(tmp_path)
    (tmp_path / rules.LOCAL_RULES).unlink()
    (tmp_path / rules.LOCAL_RULES).mkdir()
    with pytest.raises(RulesError) as raised:
        rules.load(tmp_path)
    assert str(raised.value).startswith(f"{rules.LOCAL_RULES}, row 1: cannot be read (")
    assert str(raised.value) != f"{rules.LOCAL_RULES}, row 1: cannot be read (None)"


def test_rows_after_a_blank_row_still_count(tmp_path):
    text = HEADER + "\n\n,,,,,,\nAWS,*,principal,wildcard,late*,High-Privilege,d"
    loaded = rules.load(write_rules(tmp_path, local=text))
    assert loaded.classify("AWS", "user", "late-comer", "", "", "") == (
        "High-Privilege", f"{rules.LOCAL_RULES}:4")


def test_regexes_search_only_the_first_characters_of_a_value(tmp_path):
    text = HEADER + "\nAWS,*,user_agent,regex,needle,High-Privilege,d"
    loaded = rules.load(write_rules(tmp_path, local=text))
    near = "x" * (rules.MAX_REGEX_INPUT - 6) + "needle"
    far = "x" * rules.MAX_REGEX_INPUT + "needle"
    assert loaded.classify("AWS", "user", "p", "", "", near)[0] == "High-Privilege"
    assert loaded.classify("AWS", "user", "p", "", "", far)[0] == "Standard-User"


def test_an_indexed_glob_whose_literal_ends_the_value_still_matches():
    """The trigram index must hold the value's last three characters too."""
    globs = [rules.Rule(f"g:{i}", "*", "*", "user_agent", "wildcard", f"*tool-{i}/*",
                        "Service-Account", "") for i in range(rules.TRIGRAM_INDEX_MIN + 1)]
    tail = rules.Rule("tail", "*", "*", "user_agent", "wildcard", "*a*zzz", "High-Privilege", "")
    loaded = RuleSet([*globs, tail])
    assert loaded.classify("AWS", "user", "p", "", "", "a-zzz") == ("High-Privilege", "tail")
