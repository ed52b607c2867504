"""The cloudsecrets engine: recognise the platform, normalize, classify the account type.

Input shape: one event as a mapping of lowercased Splunk field names to a string or a
list of strings (see fields.py). The engine looks for each platform's marker fields at
the root, then under `data.` (Google Pub/Sub input), then under `body.` (Azure Event
Hub input), trying AWS, GCP, Azure and Vault in that order; the first platform
recognised wins, so an event carrying fields of two platforms gets one answer.

When no platform is recognised, or the fields name no principal (Splunk stops
extracting JSON fields after [kv] extraction_cutoff bytes of a large event), the engine
parses `_raw` as JSON itself and tries again on what it extracts.

`Engine.normalize` never raises: an event it cannot make sense of, or one that trips a
fault in a normalizer, comes back as platform Unknown (see `failures`), so that bad
data cannot stop a search. Only a broken shipped account rule stops one, at load time
(rules.load); a broken customer rule is skipped with a warning (`rule_warnings`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Tuple

from . import aws, azure, gcp, rules, vault
from .fields import (
    EventFields,
    FieldValue,
    fields_from_record,
    lowercase_keys,
    parse_json_object,
)
from .schema import UNKNOWN, Normalized, classified

PLATFORM_MODULES = (aws, gcp, azure, vault)
PREFIXES = ("", "data.", "body.")


def required_fields() -> Tuple[str, ...]:
    """Every field name the normalizers read, under each prefix, plus `_raw`.

    Announced to splunkd at getinfo: it then extracts and sends only these fields (and
    `_chunked_idx`), and lays the command's reply back over the full events.
    """
    names: List[str] = ["_raw"]
    for prefix in PREFIXES:
        for module in PLATFORM_MODULES:
            names.extend(prefix + name for name in module.fields.names)
    return tuple(dict.fromkeys(names))


class Engine:
    """Normalizes events with one validated rule set."""

    def __init__(self, rule_set: rules.RuleSet, rule_warnings: Sequence[str] = ()) -> None:
        self.rules = rule_set
        self.rule_warnings: Tuple[str, ...] = tuple(rule_warnings)
        self.failures = 0
        self.last_failure = ""

    @classmethod
    def load(cls, app_dir: Path) -> Engine:
        """Build an engine from the account rules of the app folder `app_dir`.

        Raises rules.RulesError for a broken shipped rule; skipped customer rules are
        listed in `rule_warnings`.
        """
        loaded = rules.load(app_dir)
        return cls(loaded.rule_set, loaded.warnings)

    @staticmethod
    def observe(event: EventFields) -> Optional[Normalized]:
        """Normalize with the first platform whose markers are present, or None."""
        for prefix in PREFIXES:
            view = event.at(prefix)  # the event itself for the root prefix ""
            for module in PLATFORM_MODULES:
                if module.recognizes(view):
                    return module.normalize(view)
        return None

    def _observe_raw(self, event: EventFields) -> Optional[Normalized]:
        parsed = parse_json_object(event.raw())
        if parsed is None:
            return None
        return self.observe(EventFields(fields_from_record(parsed)))

    def classify(self, result: Normalized) -> Normalized:
        """Add account_type and account_type_rule (left empty when there is no principal)."""
        if not result.principal:
            return result
        account_type, rule = self.rules.classify(
            result.platform, result.principal_type, result.principal, result.principal_role,
            result.principal_session, result.user_agent)
        return classified(result, account_type, rule)

    def normalize(self, fields: Mapping[str, FieldValue]) -> Normalized:
        """The full output schema for one event (lowercased keys); never raises."""
        try:
            event = EventFields(fields)
            result = self.observe(event)
            if (result is None or not result.principal) and "_raw" in fields:
                from_raw = self._observe_raw(event)
                if from_raw is not None and (result is None or from_raw.principal):
                    result = from_raw
            return UNKNOWN if result is None else self.classify(result)
        except Exception:  # a fault here must not lose the record or stop the search
            self.failures += 1
            self.last_failure = _describe_current_exception()
            return UNKNOWN

    def normalize_record(self, record: Mapping[str, object]) -> Normalized:
        """normalize() for a record as splunklib yields it (any key case, lists or str)."""
        return self.normalize(lowercase_keys(
            {k: v if isinstance(v, (str, list)) else str(v) for k, v in record.items()}))


def _describe_current_exception() -> str:
    """Type and code location of the exception being handled, never its message.

    Messages can quote event data (a KeyError carries the key, a ValueError the value),
    and event data may hold secrets; the type and place are enough to find a bug.
    """
    error_type, _, traceback = sys.exc_info()
    while traceback is not None and traceback.tb_next is not None:
        traceback = traceback.tb_next
    where = ""
    if traceback is not None:
        code = traceback.tb_frame.f_code
        where = f" at {Path(code.co_filename).name}:{traceback.tb_lineno} in {code.co_name}"
    return f"{error_type.__name__ if error_type else 'Exception'}{where}"

