"""Account types from ordered rules held in lookups: the first matching rule wins.

The rules are read from two CSV files, in this order:
1. lookups/cloud_secrets_account_rules_local.csv, the customer's (shipped with a header
   only; a missing file counts as empty),
2. lookups/cloud_secrets_account_rules.csv, the shipped defaults (required).
A principal that no rule matches is Standard-User, with rule `default`.

Columns, all required in the header (extra columns are ignored):
- platform: AWS, GCP, Azure, Vault or * (any);
- principal_type: one of schema.PRINCIPAL_TYPES or *;
- match_field: principal, principal_role, principal_session or user_agent;
- match: wildcard (also when empty) or regex;
- pattern: not empty;
- account_type: High-Privilege, Service-Account or Standard-User;
- description: free text (shown to nobody at search time; it documents the row).
Values are trimmed; platform, principal_type, match_field, match and account_type are
case-insensitive. Blank rows are skipped. Row numbers count the header as row 1, as a
spreadsheet shows the file; `account_type_rule` names a rule `<file>:<row>`.

Matching is case-insensitive. A wildcard pattern matches the whole value, `*` standing
for any run of characters (see wildcard.py). A regex matches anywhere in the value, as
SPL's match() does, within its first MAX_REGEX_INPUT characters, and must pass
regex_safety.check. A file that cannot be used raises RulesError naming the file, the
row and the problem; nothing is ever skipped silently.

Classification cost barely grows with the number of wildcard rules: exact patterns,
`prefix*` and `*suffix` patterns are looked up in dictionaries, other wildcards are
indexed by a trigram of their longest literal piece, and only regexes (and wildcards
too short to index) are tried one by one, in rule order, stopping once no earlier
rule is left. Results are cached per distinct input in a bounded LRU cache.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

from . import regex_safety, wildcard
from .schema import ACCOUNT_TYPES, DEFAULT_ACCOUNT_TYPE, DEFAULT_RULE, PLATFORMS, PRINCIPAL_TYPES

LOCAL_RULES = "cloud_secrets_account_rules_local.csv"
DEFAULT_RULES = "cloud_secrets_account_rules.csv"
COLUMNS = ("platform", "principal_type", "match_field", "match", "pattern", "account_type",
           "description")
MATCH_FIELDS = ("principal", "principal_role", "principal_session", "user_agent")
MATCH_MODES = ("wildcard", "regex")
MAX_REGEX_INPUT = 1024
CACHE_SIZE = 8192
TRIGRAM_INDEX_MIN = 16  # below this many general wildcards, trying each is cheaper

_PLATFORM_NAMES = {p.lower(): p for p in PLATFORMS if p != "Unknown"}
_ACCOUNT_TYPE_NAMES = {a.lower(): a for a in ACCOUNT_TYPES}
_NO_RULE = 1 << 62  # sorts after every real rule index


class RulesError(Exception):
    """A rules file that cannot be used; the message names the file, the row and why."""


@dataclass(frozen=True)
class Rule:
    """One validated row. `source` is `<file>:<row>`, the value of account_type_rule."""

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


def _problem(file_name: str, row: int, message: str) -> RulesError:
    return RulesError(f"{file_name}, row {row}: {message}")


def _choice(value: str, names: Dict[str, str], what: str, allowed: str) -> str:
    canonical = names.get(value.lower())
    if canonical is None:
        raise ValueError(f'unknown {what} "{value}" (expected {allowed})')
    return canonical


def _validate_row(cells: Dict[str, str]) -> Dict[str, str]:
    """Return the row's canonical values; raise ValueError naming the problem."""
    platform = cells["platform"]
    platform = "*" if platform == "*" else _choice(
        platform, _PLATFORM_NAMES, "platform", "AWS, GCP, Azure, Vault or *")
    principal_type = cells["principal_type"]
    if principal_type != "*":
        principal_type = _choice(principal_type, {t: t for t in PRINCIPAL_TYPES},
                                 "principal_type", ", ".join(PRINCIPAL_TYPES) + " or *")
    match_field = _choice(cells["match_field"], {f: f for f in MATCH_FIELDS}, "match_field",
                          ", ".join(MATCH_FIELDS))
    match = _choice(cells["match"] or "wildcard", {m: m for m in MATCH_MODES}, "match",
                    "wildcard or regex")
    account_type = _choice(cells["account_type"], _ACCOUNT_TYPE_NAMES, "account_type",
                           ", ".join(ACCOUNT_TYPES))
    pattern = cells["pattern"]
    if not pattern:
        raise ValueError("empty pattern")
    if match == "regex":
        try:
            regex_safety.check(regex_safety.simplify(pattern))
        except re.error as error:
            raise ValueError(f'regex "{pattern}" does not compile: {error}') from None
        except regex_safety.UnsafeRegex as error:
            raise ValueError(f'regex "{pattern}" is refused: {error}') from None
        except RecursionError:
            raise ValueError(f'regex "{pattern}" is too deeply nested') from None
    return {"platform": platform, "principal_type": principal_type, "match_field": match_field,
            "match": match, "pattern": pattern, "account_type": account_type,
            "description": cells["description"]}


def validate_row(cells: Dict[str, str]) -> Dict[str, str]:
    """Check one rule given as {column: value} for every column of COLUMNS.

    Values are trimmed as load_file trims them. Returns the canonical values the
    command would use; raises ValueError with the problem in words. This is the
    check load_file applies to every row, offered to the configuration page so that
    a rule the command would refuse cannot be saved.
    """
    return _validate_row({column: (cells.get(column) or "").strip() for column in COLUMNS})


def load_file(path: Path, required: bool) -> List[Rule]:
    """Read and validate one rules file; raise RulesError on the first problem."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets often add a BOM
    except FileNotFoundError:
        if required:
            raise RulesError(f"{name}, row 1: file not found at {path}") from None
        return []
    except UnicodeDecodeError as error:
        raise RulesError(f"{name}, row 1: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise RulesError(f"{name}, row 1: cannot be read ({error.strerror})") from None

    try:
        rows = list(csv.reader(text.splitlines(), strict=True))
    except csv.Error as error:
        raise RulesError(f"{name}: not valid CSV ({error})") from None
    if not rows:
        raise RulesError(f"{name}, row 1: empty file (expected the header {','.join(COLUMNS)})")
    header = [column.strip().lower() for column in rows[0]]
    duplicates = sorted({c for c in header if header.count(c) > 1 and c})
    if duplicates:
        raise _problem(name, 1, f"duplicate column {', '.join(duplicates)}")
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise _problem(name, 1, f"missing column {', '.join(missing)}")
    positions = {column: header.index(column) for column in COLUMNS}

    rules = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise _problem(name, number, f"{len(row)} cells where the header has {len(header)}")
        cells = {column: row[i].strip() for column, i in positions.items()}
        try:
            values = _validate_row(cells)
        except ValueError as error:
            raise _problem(name, number, str(error)) from None
        rules.append(Rule(source=f"{name}:{number}", **values))
    return rules


def load(lookups_dir: Path) -> RuleSet:
    """Load the customer's rules, then the shipped defaults, into one ordered RuleSet."""
    return RuleSet(load_file(lookups_dir / LOCAL_RULES, required=False)
                   + load_file(lookups_dir / DEFAULT_RULES, required=True))


class _FieldIndex:
    """The rules of one (platform, principal_type) bucket that look at one field.

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
    """Ordered, validated rules with a bounded cache of decisions."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules: Tuple[Rule, ...] = tuple(rules)
        self._buckets: Dict[Tuple[str, str], Dict[str, _FieldIndex]] = {}
        self.classify = functools.lru_cache(maxsize=CACHE_SIZE)(self._classify)

    def __len__(self) -> int:
        return len(self.rules)

    def _bucket(self, platform: str, principal_type: str) -> Dict[str, _FieldIndex]:
        key = (platform, principal_type)
        bucket = self._buckets.get(key)
        if bucket is None:  # at most |platforms| x |principal types| buckets, built lazily
            bucket = {}
            for index, rule in enumerate(self.rules):
                if rule.applies_to(platform, principal_type):
                    bucket.setdefault(rule.match_field, _FieldIndex()).add(index, rule)
            for field_index in bucket.values():
                field_index.seal()
            self._buckets[key] = bucket
        return bucket

    def _classify(self, platform: str, principal_type: str, principal: str, role: str,
                  session: str, user_agent: str) -> Tuple[str, str]:
        """Return (account_type, account_type_rule) for one principal."""
        bucket = self._bucket(platform, principal_type)
        best = _NO_RULE
        for field, value in (("principal", principal), ("principal_role", role),
                             ("principal_session", session), ("user_agent", user_agent)):
            index = bucket.get(field)
            if index is not None:
                best = index.first_match(value, best)
        if best == _NO_RULE:
            return DEFAULT_ACCOUNT_TYPE, DEFAULT_RULE
        rule = self.rules[best]
        return rule.account_type, rule.source
