"""The Account rules tab's decisions: what a save may write, decided before anything is.

The rules are the stanzas of cloud_secrets_account_rules.conf (rules.CONF_NAME): the
shipped ones in the app's default/, the customer's in local/, layered key by key as
Splunk layers conf files. The page reads and writes them only through splunkd's
configs/conf-cloud_secrets_account_rules endpoint (handlers.AccountRulesHandler), so
splunkd checks the caller's permissions, records the change and replicates it in a
search head cluster; this module holds no I/O. Its input shapes:
- `in_force`: one stanza as splunkd lists it in the app's namespace (default/ overlaid by
  local/), as {key: text}, or None for a rule that does not exist yet;
- `submitted`: the form's values, {key: text}, any subset of rules.RULE_KEYS.
`changes()` overlays `submitted` on `in_force`, checks the stanza that would then be in
force with the command's own validator (rules.validate_rule), and returns only the keys
whose canonical value differs, which is what the page writes to local/ (so disabling a
shipped rule writes `disabled` alone, and the rule keeps following the app's default/
for every other key after an upgrade). A refused save raises RuleProblem with the
validator's reason; nothing has been written then.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, Mapping, Optional

from cloud_secrets import conf_file, rules

RULE_KEYS = rules.RULE_KEYS
# Splunk Web's table, its edit and delete calls and the conf file all name a rule by its
# stanza: a new rule's name must be a plain word (no brackets, slashes or spaces).
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
_NAME = re.compile(NAME_PATTERN)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RuleProblem(ValueError):
    """A request the page must refuse; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def check_name(name: Optional[str], taken: Iterable[str] = ()) -> str:
    """A new rule's stanza name, or RuleProblem saying which names are accepted.

    `taken`: the names of the rules in force. A name that is one of them in another case
    is refused (409) as the same name: stanza names are case-sensitive, so it would be a
    second rule, not the one the admin meant, and the command warns of it on every
    search. `default` (any case) is refused: Splunk reads a [default] stanza as settings
    for every other stanza, never as a rule.
    """
    name = (name or "").strip()
    if not _NAME.match(name):
        raise RuleProblem(
            "Name: use 1 to 100 letters, digits, dots, dashes or underscores, starting "
            "with a letter or a digit.")
    if name.lower() == conf_file.DEFAULT_STANZA:
        raise RuleProblem('Name: "default" is reserved: Splunk reads a [default] stanza as '
                          'settings for every rule, not as a rule. Choose another name.')
    for existing in taken:
        if existing.lower() == name.lower():
            raise RuleProblem(f'A rule named "{existing}" already exists: edit it, or choose '
                              f"another name.", status=409)
    return name


def submitted_values(payload: Optional[Mapping[str, str]]) -> Dict[str, str]:
    """The rule keys of a request, trimmed; other arguments are ignored."""
    return {key: (value or "").strip() for key, value in (payload or {}).items()
            if key in RULE_KEYS}


def _canonical(stanza: Mapping[str, str]) -> Dict[str, str]:
    try:
        return dict(rules.validate_rule(stanza))
    except ValueError as error:
        raise RuleProblem(f"The cloudsecrets command would refuse this rule: {error}.") from None


def changes(in_force: Optional[Mapping[str, str]], submitted: Mapping[str, str]) -> Dict[str, str]:
    """The keys to write so that the rule in force becomes `in_force` overlaid by `submitted`.

    Raises RuleProblem when a value is not one line (a conf value cannot hold a line
    break) or when the validator refuses the stanza that would be in force.
    """
    for key, value in submitted.items():
        if _CONTROL.search(value):
            raise RuleProblem(f"{key}: write the value on one line, without tabs or line breaks.")
    before = {key: value for key, value in (in_force or {}).items() if key in RULE_KEYS}
    after = _canonical({**before, **submitted})
    if in_force is None:
        return {key: after.get(key, value) for key, value in submitted.items()}
    try:
        old = _canonical(before)
    except RuleProblem:  # a broken rule (edited by hand): every submitted key is news
        old = {}
    return {key: after.get(key, value) for key, value in submitted.items()
            if after.get(key, value) != old.get(key, before.get(key))}
