"""Account types from ordered rules held in cloud_secrets_account_rules.conf.

Where the rules live: one stanza per rule in the app's
`default/cloud_secrets_account_rules.conf` (shipped) and `local/...` (the customer's,
written by the configuration page through splunkd or by hand), layered as Splunk layers
conf files (see conf_file.py): local/ overrides default/ stanza by stanza and key by
key, so a customer disables or edits a shipped rule by naming its stanza in local/. No
rule is ever read from `lookups/`, which any user can overwrite with `outputlookup`.

A stanza's keys (RULE_KEYS; other keys are ignored, as Splunk ignores settings it does
not know), checked by `validate_rule`, the one validator the command and the
configuration page share:
- platform: AWS, GCP, Azure, Vault or * (any); principal_type: one of
  schema.PRINCIPAL_TYPES or *; both case-insensitive and required;
- match_field: principal, principal_role, principal_session or user_agent (required);
- match: wildcard (also when empty or missing) or regex;
- pattern: not empty; a regex must compile and pass regex_safety.check;
- account_type: High-Privilege, Service-Account or Standard-User (case-insensitive);
  High-Privilege only with match_field principal or principal_role, never from a value
  the caller names (a session name, a user agent);
- description: free text; order: a whole number, or empty; disabled: a Splunk boolean
  (1/0, true/false, t/f, yes/no, y/n, on/off, any case), empty meaning false.

Order of trial: by `order` (smaller first; rules without one come after every rule that
has one), then by stanza name (as text, case-sensitive). The first match wins; no match
gives Standard-User with rule `default`. `account_type_rule` names the rule that decided
as `cloud_secrets_account_rules.conf:<stanza>`.

No exemption from a name the caller chooses: for principals whose name their holder
picks (`names_chosen_by_caller`: AWS federated users, Vault tokens and JWT, Kubernetes
and GitHub logins, GCP workload identity subjects, Azure B2B guests) a High-Privilege
rule is passed over and the next rule tried.

Fail safe (`load`): a customer stanza that cannot be used is skipped with one warning
naming the stanza and the problem; a local/ file that cannot be read at all (not UTF-8,
not conf syntax, not a regular file, such as a FIFO or a link to /dev/zero, or larger
than MAX_FILE_BYTES) is one warning, and the shipped rules still apply. Only a broken
shipped rule (default/ as shipped, not edited in local/) raises RulesError. No message
quotes a pattern or any other value: the stanza, the key and the problem only.

Matching is case-insensitive. A wildcard pattern matches the whole value, `*` standing
for any run of characters (see wildcard.py). A regex matches anywhere in the value, as
SPL's match() does, within its first MAX_REGEX_INPUT characters.

Classification cost barely grows with the number of wildcard rules: exact patterns,
`prefix*` and `*suffix` patterns are looked up in dictionaries, other wildcards are
indexed by a trigram of their longest literal piece, and only regexes (and wildcards
too short to index) are tried one by one, in rule order, stopping once no earlier
rule is left. Results are cached per distinct input in a bounded LRU cache.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from . import conf_file, regex_safety, wildcard
from .schema import ACCOUNT_TYPES, DEFAULT_ACCOUNT_TYPE, DEFAULT_RULE, PLATFORMS, PRINCIPAL_TYPES

CONF_NAME = "cloud_secrets_account_rules"
CONF_FILE = f"{CONF_NAME}.conf"
RULE_KEYS = ("platform", "principal_type", "match_field", "match", "pattern",
             "account_type", "description", "order", "disabled")
MATCH_FIELDS = ("principal", "principal_role", "principal_session", "user_agent")
MATCH_MODES = ("wildcard", "regex")
HIGH_PRIVILEGE = "High-Privilege"
# Only values an administrator assigns may grant High-Privilege: the caller picks its
# session name (sts:AssumeRole --role-session-name) and its user agent.
HIGH_PRIVILEGE_FIELDS = ("principal", "principal_role")
TRUE_WORDS = ("1", "true", "t", "yes", "y", "on")
FALSE_WORDS = ("", "0", "false", "f", "no", "n", "off")
MAX_REGEX_INPUT = 1024
# Every search reads the rules at start, on the search head and on each indexer: 4 MB is
# some 25,000 rules (a second to load), far beyond any real file, and a bound on what a
# mistaken file (a log pasted in, a generated list) costs each search.
MAX_FILE_BYTES = 4 * 1024 * 1024
CACHE_SIZE = 8192
TRIGRAM_INDEX_MIN = 16  # below this many general wildcards, trying each is cheaper

_PLATFORM_NAMES = {p.lower(): p for p in PLATFORMS if p != "Unknown"}
_PRINCIPAL_TYPE_NAMES = {t: t for t in PRINCIPAL_TYPES}
_ACCOUNT_TYPE_NAMES = {a.lower(): a for a in ACCOUNT_TYPES}
_ORDER = re.compile(r"[+-]?[0-9]{1,18}")
_NO_RULE = 1 << 62  # sorts after every real rule index
# Workload identity federation subjects: built from an external identity provider's
# claims (a repository, a branch), which whoever controls that provider chooses.
_WORKLOAD_IDENTITY_PREFIXES = ("principal://", "principalset://")
# Vault display names (lowercased) that its auth methods build from what the caller
# brings: JWT logins are named after a claim of the caller's token (`user_claim`, for a
# CI job the repository and branch: `jwt-repo:acme/admin:ref:refs/heads/main`),
# Kubernetes logins after the namespace and service account the caller runs as
# (`kubernetes-<namespace>-<service account>`, created by whoever may create service
# accounts there), GitHub logins after the GitHub user name its holder registered. The
# prefixes are the default mount paths, as vault.MACHINE_AUTH_PREFIXES reads them.
_VAULT_CALLER_NAMED_PREFIXES = ("jwt-", "kubernetes-", "github-")
# Azure AD B2B guests: the UPN is built from the guest's own e-mail address
# (`admin_attacker.example#EXT#@contoso.onmicrosoft.com`), which the guest chose.
_AZURE_GUEST_MARK = "#ext#"


class RulesError(Exception):
    """A shipped rule that cannot be used; the message names the stanza and the problem."""


@dataclass(frozen=True)
class Rule:
    """One validated rule. `source` is the value of account_type_rule."""

    source: str
    platform: str
    principal_type: str
    match_field: str
    match: str
    pattern: str
    account_type: str
    description: str

    def applies_to(self, platform: str, principal_type: str) -> bool:
        return self.platform in ("*", platform) and self.principal_type in ("*", principal_type)


@dataclass
class LoadedRules:
    """What `load` found: the rules in force and one warning per skipped customer stanza."""

    rule_set: RuleSet
    warnings: List[str] = field(default_factory=list)


def names_chosen_by_caller(platform: str, principal_type: str, principal: str) -> bool:
    """Whether the principal's name is one its holder picks, so no name may exempt it.

    AWS federated users (`sts:GetFederationToken --name`, SAML and web identity names);
    Vault tokens (`vault token create -display-name`) and the Vault logins named after
    what the caller brings (JWT claims, Kubernetes service accounts, GitHub user names:
    _VAULT_CALLER_NAMED_PREFIXES); GCP workload identity subjects; Azure B2B guests,
    whose UPN carries their own e-mail address. A root token stays decided by its
    policies (principal type root), whatever its display name.
    """
    if platform == "AWS":
        return principal_type == "federated_user"
    if platform == "Vault":
        return principal_type == "token" or (
            principal_type != "root" and principal.lower().startswith(
                _VAULT_CALLER_NAMED_PREFIXES))
    if platform == "Azure":
        return principal_type == "user" and _AZURE_GUEST_MARK in principal.lower()
    return platform == "GCP" and principal.lower().startswith(_WORKLOAD_IDENTITY_PREFIXES)


# -- validation -----------------------------------------------------------------------

def _choice(values: Mapping[str, str], key: str, names: Dict[str, str], allowed: str,
            default: Optional[str] = None) -> str:
    value = values[key]
    if not value and default is not None:
        return default
    canonical = names.get(value.lower())
    if canonical is None:
        problem = "missing" if not value else "not a known value"
        raise ValueError(f"{key} is {problem} (expected {allowed})")
    return canonical


def _scope(values: Mapping[str, str], key: str, names: Dict[str, str], allowed: str) -> str:
    return "*" if values[key] == "*" else _choice(values, key, names, allowed + " or *")


def _check_regex(pattern: str) -> None:
    try:
        regex_safety.check(regex_safety.simplify(pattern))
    except regex_safety.UnsafeRegex as error:
        raise ValueError(f"pattern is refused: {error}") from None
    except re.error as error:  # its message can quote the pattern: give the position only
        where = f" (near character {error.pos + 1})" if error.pos is not None else ""
        raise ValueError(f"pattern is not a regex that compiles{where}") from None
    except RecursionError:
        raise ValueError("pattern is a regex nested too deeply") from None


def parse_order(value: str) -> Optional[int]:
    """A validated `order` as a number, or None when empty."""
    return int(value) if value else None


def is_disabled(value: str) -> bool:
    """A Splunk boolean (see TRUE_WORDS and FALSE_WORDS); raises ValueError otherwise."""
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError("disabled is not a boolean (expected true or false)")


def validate_rule(values: Mapping[str, str]) -> Dict[str, str]:
    """Check one stanza, given as {key: text} (missing keys absent or empty).

    Values are trimmed; keys other than RULE_KEYS are ignored. Returns the canonical
    value of every key of RULE_KEYS (platform, principal_type, account_type and match
    in their documented spelling, `order` as a plain whole number or empty, `disabled`
    as true or false). Raises ValueError whose message names the key and says the
    problem in words; it never quotes the pattern or any other value. The command
    applies it to every stanza it loads, and the configuration page to every save.
    """
    cleaned = {key: str(values.get(key) or "").strip() for key in RULE_KEYS}
    platform = _scope(cleaned, "platform", _PLATFORM_NAMES, "AWS, GCP, Azure, Vault")
    principal_type = _scope(cleaned, "principal_type", _PRINCIPAL_TYPE_NAMES,
                            ", ".join(PRINCIPAL_TYPES))
    match_field = _choice(cleaned, "match_field", {f: f for f in MATCH_FIELDS},
                          ", ".join(MATCH_FIELDS))
    match = _choice(cleaned, "match", {m: m for m in MATCH_MODES}, "wildcard or regex",
                    default="wildcard")
    account_type = _choice(cleaned, "account_type", _ACCOUNT_TYPE_NAMES,
                           ", ".join(ACCOUNT_TYPES))
    if account_type == HIGH_PRIVILEGE and match_field not in HIGH_PRIVILEGE_FIELDS:
        raise ValueError(
            f"account_type High-Privilege may only come from match_field principal or "
            f"principal_role, never {match_field}: the caller chooses its own session "
            f"names and user agents")
    pattern = cleaned["pattern"]
    if not pattern:
        raise ValueError("pattern is empty")
    if match == "regex":
        _check_regex(pattern)
    order = cleaned["order"]
    if order and not _ORDER.fullmatch(order):
        raise ValueError("order is not a whole number (such as 100, or -5)")
    disabled = is_disabled(cleaned["disabled"])
    return {"platform": platform, "principal_type": principal_type,
            "match_field": match_field, "match": match, "pattern": pattern,
            "account_type": account_type, "description": cleaned["description"],
            "order": str(int(order)) if order else "",
            "disabled": "true" if disabled else "false"}


# -- loading --------------------------------------------------------------------------

def _printable(name: str) -> str:
    """A stanza name fit for a one-line message: control characters shown as ?."""
    shown = "".join(c if c.isprintable() else "?" for c in name)
    return shown if len(shown) <= 100 else shown[:97] + "..."


def _read_layer(path: Path) -> conf_file.Stanzas:
    """One layer's stanzas ({} when the file is absent); raises ValueError in words."""
    try:
        stanzas = conf_file.read(path, MAX_FILE_BYTES)
    except UnicodeDecodeError:
        raise ValueError("is not UTF-8 text") from None
    except conf_file.ConfSyntaxError as error:
        raise ValueError(f"is not conf syntax at {error}") from None
    except OSError as error:
        raise ValueError(f"cannot be read ({error.strerror or type(error).__name__})") from None
    return stanzas if stanzas is not None else {}


def _misspelt(shipped: conf_file.Stanzas, local: conf_file.Stanzas) -> List[str]:
    """One warning per local/ key that is not a rule key, and per local/ stanza whose
    name is a shipped rule's in another case.

    Splunk's keys and stanza names are case-sensitive and it ignores keys it does not
    know, so `Disabled = true` or `[Seed_High_Privilege_Words]` leaves the shipped rule
    in force while the administrator believes it changed. The rule itself is not
    skipped for it: the warning says what was ignored.
    """
    found: List[str] = []
    shipped_names = {name.lower(): name for name in shipped}
    for name, keys in local.items():
        where = f"{CONF_FILE} [{_printable(name)}]"
        twin = shipped_names.get(name.lower())
        if twin is not None and twin != name:
            found.append(f"{where} is not the app's rule [{_printable(twin)}]: stanza names "
                         f"are case-sensitive, so that rule stays as it is")
        for key in keys:
            if key not in RULE_KEYS:
                hint = " (keys are case-sensitive)" if key.lower() in RULE_KEYS else ""
                found.append(f"{where}: {_printable(key)} is not a rule key{hint}; it is "
                             f"ignored (keys: {', '.join(RULE_KEYS)})")
    return found


def load(app_dir: Path) -> LoadedRules:
    """The rules in force in the app folder `app_dir`: default/ overlaid by local/.

    Returns LoadedRules: the RuleSet, in trial order, and one warning per customer
    stanza skipped (or one for a local/ file that cannot be read), per local/ key that
    is not a rule key, and per local/ stanza named like a shipped rule in another case
    (`_misspelt`). Raises RulesError
    naming the stanza when a shipped rule cannot be used, or the file when default/
    cannot be read.
    """
    warnings: List[str] = []
    shipped_path = app_dir / "default" / CONF_FILE
    if not shipped_path.is_file():
        raise RulesError(f"default/{CONF_FILE} is missing: reinstall the app")
    try:
        shipped = _read_layer(shipped_path)
    except ValueError as error:
        raise RulesError(f"default/{CONF_FILE} {error}: reinstall the app") from None
    try:
        local = _read_layer(app_dir / "local" / CONF_FILE)
    except ValueError as error:
        warnings.append(f"local/{CONF_FILE} {error}; none of its rules apply, the app's "
                        f"own rules still do")
        local = {}

    warnings.extend(_misspelt(shipped, local))
    as_shipped = conf_file.with_defaults(shipped)
    in_force = conf_file.with_defaults(conf_file.overlay(shipped, local))
    ranked: List[Tuple[Tuple[int, int, str], Rule]] = []
    for name, values in in_force.items():
        customers = name in local or as_shipped.get(name) != values
        try:
            if is_disabled(values.get("disabled", "")):
                continue
            canonical = validate_rule(values)
        except ValueError as error:
            where = f"{CONF_FILE} [{_printable(name)}]"
            if not customers:
                raise RulesError(f"{where}, a shipped rule: {error}; reinstall the app") \
                    from None
            warnings.append(f"{where}: {error}; this rule is skipped")
            continue
        order = parse_order(canonical.pop("order"))
        del canonical["disabled"]
        rank = (0, order, name) if order is not None else (1, 0, name)
        ranked.append((rank, Rule(source=f"{CONF_FILE}:{name}", **canonical)))
    ranked.sort(key=lambda entry: entry[0])
    return LoadedRules(RuleSet([rule for _, rule in ranked]), warnings)


# -- classification -------------------------------------------------------------------

class _FieldIndex:
    """The rules of one bucket that look at one field.

    Wildcards without inner stars are dictionary lookups (`exact`, `prefix*`,
    `*suffix`). Other wildcards need a scan; when a field has many of them
    (more than TRIGRAM_INDEX_MIN), each is filed under the first three characters of
    its longest literal piece, and a value only tries the rules whose trigram it
    contains. Regexes, and wildcards with no literal piece of three characters, are
    tried one by one in rule order.
    """

    __slots__ = ("exact", "globs", "others", "prefixes", "suffixes", "trigrams")

    def __init__(self) -> None:
        self.exact: Dict[str, int] = {}
        self.prefixes: Dict[int, Dict[str, int]] = {}
        self.suffixes: Dict[int, Dict[str, int]] = {}
        # (rule index, predicate of (value, lowercased value)), in rule order.
        self.others: List[Tuple[int, Callable[[str, str], object]]] = []
        self.globs: List[Tuple[int, str]] = []  # general wildcards, filed by seal()
        self.trigrams: Dict[str, List[Tuple[int, Callable[[str], bool]]]] = {}

    def add(self, index: int, rule: Rule) -> None:
        if rule.match == "regex":
            search = re.compile(regex_safety.simplify(rule.pattern), re.IGNORECASE).search
            self.others.append((index, lambda value, _, s=search: s(value, 0, MAX_REGEX_INPUT)))
            return
        pattern = rule.pattern.lower()
        stars = pattern.count("*")
        if stars == 0:
            self.exact.setdefault(pattern, index)
        elif stars == 1 and pattern.endswith("*"):
            self.prefixes.setdefault(len(pattern) - 1, {}).setdefault(pattern[:-1], index)
        elif stars == 1 and pattern.startswith("*"):
            self.suffixes.setdefault(len(pattern) - 1, {}).setdefault(pattern[1:], index)
        else:
            self.globs.append((index, pattern))

    def seal(self) -> _FieldIndex:
        """File the general wildcards once every rule is added."""
        indexed = len(self.globs) > TRIGRAM_INDEX_MIN
        for index, pattern in self.globs:
            matches = wildcard.matcher(pattern)
            longest = max(wildcard.split(pattern), key=len)
            if indexed and len(longest) >= 3:
                self.trigrams.setdefault(longest[:3], []).append((index, matches))
            else:
                self.others.append((index, lambda _, lowered, m=matches: m(lowered)))
        self.others.sort(key=lambda entry: entry[0])
        self.globs = []
        return self

    def first_match(self, value: str, best: int) -> int:
        """The lowest rule index matching `value` if lower than `best`, else `best`."""
        lowered = value.lower()
        found = self.exact.get(lowered)
        if found is not None and found < best:
            best = found
        length = len(lowered)
        for size, table in self.prefixes.items():
            if size <= length:
                found = table.get(lowered[:size])
                if found is not None and found < best:
                    best = found
        for size, table in self.suffixes.items():
            if size <= length:
                found = table.get(lowered[length - size:])
                if found is not None and found < best:
                    best = found
        if self.trigrams:
            trigrams = self.trigrams
            for gram in {lowered[i:i + 3] for i in range(length - 2)}:
                for index, matches in trigrams.get(gram, ()):
                    if index < best and matches(lowered):
                        best = index
        for index, matches in self.others:
            if index >= best:
                break
            if matches(value, lowered):
                return index
        return best


class RuleSet:
    """Rules in trial order, with a bounded cache of decisions.

    Buckets are keyed by (platform, principal_type, name chosen by the caller); the
    buckets of caller-named principals hold no High-Privilege rule, which is how a
    High-Privilege match is passed over for them and the next rule tried.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules: Tuple[Rule, ...] = tuple(rules)
        self._buckets: Dict[Tuple[str, str, bool], Dict[str, _FieldIndex]] = {}
        self.classify = functools.lru_cache(maxsize=CACHE_SIZE)(self._classify)

    def __len__(self) -> int:
        return len(self.rules)

    def _bucket(self, platform: str, principal_type: str,
                caller_named: bool) -> Dict[str, _FieldIndex]:
        key = (platform, principal_type, caller_named)
        bucket = self._buckets.get(key)
        if bucket is None:  # at most 2 x |platforms| x |principal types|, built lazily
            bucket = {}
            for index, rule in enumerate(self.rules):
                if caller_named and rule.account_type == HIGH_PRIVILEGE:
                    continue
                if rule.applies_to(platform, principal_type):
                    bucket.setdefault(rule.match_field, _FieldIndex()).add(index, rule)
            for field_index in bucket.values():
                field_index.seal()
            self._buckets[key] = bucket
        return bucket

    def _classify(self, platform: str, principal_type: str, principal: str, role: str,
                  session: str, user_agent: str) -> Tuple[str, str]:
        """Return (account_type, account_type_rule) for one principal."""
        bucket = self._bucket(platform, principal_type,
                              names_chosen_by_caller(platform, principal_type, principal))
        best = _NO_RULE
        for field_name, value in (("principal", principal), ("principal_role", role),
                                  ("principal_session", session), ("user_agent", user_agent)):
            index = bucket.get(field_name)
            if index is not None:
                best = index.first_match(value, best)
        if best == _NO_RULE:
            return DEFAULT_ACCOUNT_TYPE, DEFAULT_RULE
        rule = self.rules[best]
        return rule.account_type, rule.source
