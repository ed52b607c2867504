"""How the command sees one event: Splunk field names mapped to values.

Input shapes handled:
- fields that Splunk extracted from JSON (KV_MODE = json, spath, indexed extractions):
  dotted names (`userIdentity.arn`), arrays as multivalue `name{}` fields
  (`requestParameters.names{}`) and arrays of objects as `name{}.key`;
- the same names under a `data.` prefix (Google Pub/Sub input) or a `body.` prefix
  (Azure Event Hub input);
- events whose only field is `_raw` holding the JSON record: `flatten_json` derives the
  names Splunk would extract, so both shapes reach the normalizers alike;
- multivalue cells of search command protocol v2 (`$a$;$b$`), see `decode_multivalue`.

Names are matched case-insensitively, because vendors changed key case over time
(CloudTrail once wrote `aRN` for `arn`): mappings are keyed by the lowercased name,
computed once when the mapping is built, so each lookup stays one dict access.
"""

from __future__ import annotations

import json
import re
from typing import Dict, List, Mapping, Optional, Union

FieldValue = Union[str, List[str]]

# Limits that keep hostile `_raw` values from costing more than they are worth.
MAX_RAW_JSON_CHARS = 4 * 1024 * 1024  # larger events are left as they are (platform Unknown)
MAX_JSON_START = 1024  # how far into _raw to look for "{" (syslog or HEC prefixes)
MAX_FLATTEN_DEPTH = 64
MAX_FLATTEN_FIELDS = 20000

_MULTIVALUE_ITEM = re.compile(r"\$((?:\$\$|[^$])*)\$(?:;|$)")


class FieldRegistry:
    """Collects the field names a normalizer reads, in the vendor's own case.

    Calling the registry returns the lowercase key to look the field up with, so one
    declaration serves both the lookup and the list of `required_fields` that the
    command announces to splunkd::

        fields = FieldRegistry()
        EVENT_NAME = fields("eventName")   # -> "eventname"
        fields.names                        # -> ["eventName"]
    """

    def __init__(self) -> None:
        self.names: List[str] = []

    def __call__(self, name: str) -> str:
        self.names.append(name)
        return name.lower()


class EventFields:
    """Read-only view of one event's fields at the root (see `at` for prefixed views).

    `values` maps lowercased Splunk field names to a string or, for multivalue fields,
    a list of strings. An empty string and an absent field read the same (Splunk does
    not distinguish them either). `get` runs a dozen times per event: keep it to one
    dict access and one type test.
    """

    __slots__ = ("_values",)
    prefix = ""

    def __init__(self, values: Mapping[str, FieldValue]) -> None:
        self._values = values

    def at(self, prefix: str) -> EventFields:
        """The same event seen under `prefix` (`data.`, `body.`)."""
        return _PrefixedFields(self._values, prefix) if prefix else self

    def get(self, key: str) -> str:
        """The field's value; the first value of a multivalue field; "" when absent."""
        value = self._values.get(key, "")
        if value.__class__ is str:
            return value  # type: ignore[return-value]
        return value[0] if value else ""

    def values(self, key: str) -> List[str]:
        """All non-empty values of the field, in order."""
        value = self._values.get(key)
        if not value:
            return []
        if value.__class__ is str:
            return [value]  # type: ignore[list-item]
        return [v for v in value if v]

    def raw(self) -> str:
        """The event's `_raw`, which never carries a prefix."""
        value = self._values.get("_raw", "")
        if value.__class__ is str:
            return value  # type: ignore[return-value]
        return value[0] if value else ""


class _PrefixedFields(EventFields):
    __slots__ = ("prefix",)

    def __init__(self, values: Mapping[str, FieldValue], prefix: str) -> None:
        super().__init__(values)
        self.prefix = prefix

    def get(self, key: str) -> str:
        return EventFields.get(self, self.prefix + key)

    def values(self, key: str) -> List[str]:
        return EventFields.values(self, self.prefix + key)


def decode_multivalue(cell: str) -> List[str]:
    """Decode a protocol v2 `__mv_` cell: `$a$;$b$$c$` -> ["a", "b$c"]."""
    return [item.replace("$$", "$") for item in _MULTIVALUE_ITEM.findall(cell)]


def encode_multivalue(values: List[str]) -> str:
    """Encode values as a protocol v2 `__mv_` cell (the inverse of decode_multivalue)."""
    return "$" + "$;$".join(v.replace("$", "$$") for v in values) + "$"


def lowercase_keys(fields: Mapping[str, FieldValue]) -> Dict[str, FieldValue]:
    """Key `fields` by lowercased name; on a case clash the first non-empty value wins."""
    lowered: Dict[str, FieldValue] = {}
    for name, value in fields.items():
        key = name.lower()
        if key not in lowered or (not lowered[key] and value):
            lowered[key] = value
    return lowered


def parse_json_object(text: str) -> Optional[dict]:
    """Parse the JSON object in `text` (a `_raw` value); None when there is none.

    Numbers keep the text they were written with, as Splunk's extraction does. A short
    prefix before the first "{" (syslog header, HEC wrapper) is skipped. Input that is
    too large, too deep, truncated or not an object yields None, never an exception.
    """
    if not text or len(text) > MAX_RAW_JSON_CHARS:
        return None
    start = text.find("{", 0, MAX_JSON_START)
    if start < 0:
        return None
    try:
        parsed = json.loads(
            text[start:] if start else text,
            parse_float=str,
            parse_int=str,
            parse_constant=str,
        )
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _scalar(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return value if isinstance(value, str) else str(value)


def flatten_json(record: Mapping) -> Dict[str, FieldValue]:
    """Name every leaf of a JSON object the way Splunk's JSON extraction does.

    `{"a": {"b": 1}, "c": [{"d": "x"}, {"d": "y"}], "e": []}` becomes
    `{"a.b": "1", "c{}.d": ["x", "y"]}`: nested keys join with ".", array elements
    append "{}", repeated names become multivalue, empty objects and arrays vanish,
    true/false/null become "true"/"false"/"null". Depth and field count are bounded.
    """
    flat: Dict[str, FieldValue] = {}
    count = 0
    # Explicit stack instead of recursion: hostile nesting cannot exhaust the C stack.
    stack: List[tuple] = [("", record, 0)]
    while stack:
        name, value, depth = stack.pop()
        if isinstance(value, dict):
            if depth < MAX_FLATTEN_DEPTH:
                prefix = name + "." if name else ""
                stack.extend((prefix + str(k), v, depth + 1) for k, v in reversed(value.items()))
            continue
        if isinstance(value, list):
            if depth < MAX_FLATTEN_DEPTH:
                stack.extend((name + "{}", v, depth + 1) for v in reversed(value))
            continue
        count += 1
        if count > MAX_FLATTEN_FIELDS:
            break
        text = _scalar(value)
        existing = flat.get(name)
        if existing is None:
            flat[name] = text
        elif type(existing) is list:
            existing.append(text)
        else:
            flat[name] = [existing, text]
    return flat


def fields_from_record(record: Mapping) -> Dict[str, FieldValue]:
    """A parsed JSON record as the engine reads an event: Splunk's names, lowercased."""
    return lowercase_keys(flatten_json(record))
