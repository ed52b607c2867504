"""The fields of the Data sources and Thresholds tabs: one field is one macro.

Each field's name is the name of the macro it sets in macros.conf, so that what the
page saves is exactly what every saved search, the dashboards and the replay read.
Each field has a check: a function of the submitted text that returns the value to
save (surrounding blanks removed) or raises ValueError with a sentence for the admin.
Values arrive as the strings splunkd's admin framework passes (one per field).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Dict, Tuple

# A macro definition is one line of macros.conf: a line break would end the setting.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INTEGER = re.compile(r"^[0-9]+$")
_DECIMAL = re.compile(r"^[0-9]+(\.[0-9]+)?$")
# The span forms that both `streamstats time_window` and the replay accept.
_SPAN = re.compile(r"^([0-9]+)(s|sec|secs|second|seconds|m|min|mins|minute|minutes|"
                   r"h|hr|hrs|hour|hours)$")
_SPAN_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}
LEAVE_OUT = "index=nothing_here"
MAX_DEFINITION = 2000


@dataclass(frozen=True)
class Field:
    """One field of a tab: the macro it sets, its label, and its check."""

    macro: str
    label: str
    check: Callable[[str], str]


def _one_line(label: str, value: str) -> str:
    value = (value or "").strip()
    if _CONTROL.search(value):
        raise ValueError(f"{label}: write the value on one line, without tabs or line breaks.")
    if len(value) > MAX_DEFINITION:
        raise ValueError(f"{label}: at most {MAX_DEFINITION} characters.")
    return value


def source_expression(platform: str) -> Callable[[str], str]:
    """Check an index/sourcetype expression such as `index=aws sourcetype=aws:cloudtrail`.

    The macro is pasted into the middle of every search, so it must be search terms
    only: no pipe (it would end the search), no subsearch brackets, balanced quotes
    and parentheses. Quoted text is taken as it is (a pipe inside quotes is text).
    """
    label = f"{platform} sources"

    def check(value: str) -> str:
        value = _one_line(label, value)
        if not value:
            raise ValueError(
                f"{label} is empty. Enter the index and sourcetype that hold the {platform} "
                f"events, for example index=main sourcetype=..., or {LEAVE_OUT} to leave "
                f"{platform} out.")
        depth = 0
        quoted = False
        escaped = False
        for character in value:
            if escaped:
                escaped = False
            elif character == "\\":
                escaped = True
            elif character == '"':
                quoted = not quoted
            elif quoted:
                continue
            elif character == "|":
                raise ValueError(
                    f"{label}: remove the pipe (|). Only search terms such as index=... and "
                    f"sourcetype=... belong here; the app's searches add the commands.")
            elif character in "[]":
                raise ValueError(
                    f"{label}: remove the square brackets. A subsearch cannot be used here; "
                    f"list the indexes and sourcetypes instead.")
            elif character == "`":
                raise ValueError(
                    f"{label}: remove the backtick (`). Macros cannot be nested here.")
            elif character == "(":
                depth += 1
            elif character == ")":
                depth -= 1
                if depth < 0:
                    raise ValueError(f"{label}: a closing parenthesis has no opening one.")
        if quoted:
            raise ValueError(f'{label}: a double quote (") is not closed.')
        if depth:
            raise ValueError(f"{label}: an opening parenthesis is not closed.")
        return value

    return check


def integer(label: str, low: int, high: int) -> Callable[[str], str]:
    """Check a whole number from `low` to `high`."""

    def check(value: str) -> str:
        value = _one_line(label, value)
        if not _INTEGER.match(value) or not low <= int(value) <= high:
            raise ValueError(f"{label} must be a whole number from {low} to {high}.")
        return str(int(value))

    return check


def number(label: str, low: int, high: int) -> Callable[[str], str]:
    """Check a decimal number such as 2 or 1.5 from `low` to `high`."""

    def check(value: str) -> str:
        value = _one_line(label, value)
        if not _DECIMAL.match(value) or not low <= float(value) <= high:
            raise ValueError(f"{label} must be a number from {low} to {high}, such as 2 or 1.5.")
        return value

    return check


def time_span(label: str, low_seconds: int, high_seconds: int) -> Callable[[str], str]:
    """Check a Splunk time span such as 10m, 600s or 1h within the given bounds."""

    def check(value: str) -> str:
        value = _one_line(label, value)
        match = _SPAN.match(value)
        if not match:
            raise ValueError(
                f"{label} must be a time span: a whole number and a unit, such as 10m, "
                f"600s or 1h.")
        seconds = int(match.group(1)) * _SPAN_UNIT_SECONDS[match.group(2)[0]]
        if not low_seconds <= seconds <= high_seconds:
            raise ValueError(
                f"{label} must be from {low_seconds // 60} to {high_seconds // 60} minutes: the "
                f"enumeration search reads 20 minutes of events at each run, and the window "
                f"must fit in them twice.")
        return value

    return check


DATA_SOURCES: Tuple[Field, ...] = tuple(
    Field(f"cloud_secrets_{key}_sources", f"{platform} sources", source_expression(platform))
    for key, platform in (("aws", "AWS"), ("gcp", "GCP"), ("azure", "Azure"), ("vault", "Vault"))
)

THRESHOLDS: Tuple[Field, ...] = (
    Field("cloud_secrets_volume_min_distinct", "Minimum distinct secrets in an hour",
          integer("Minimum distinct secrets in an hour", 1, 100000)),
    Field("cloud_secrets_volume_baseline_multiplier", "Multiple of the busiest baseline hour",
          number("Multiple of the busiest baseline hour", 1, 100)),
    Field("cloud_secrets_enumeration_window", "Enumeration window",
          time_span("Enumeration window", 60, 600)),
    Field("cloud_secrets_enumeration_list_then_read_min", "Reads after a listing",
          integer("Reads after a listing", 1, 100000)),
    Field("cloud_secrets_enumeration_burst_min", "Reads in a burst",
          integer("Reads in a burst", 1, 100000)),
    Field("cloud_secrets_enumeration_denied_min", "Denied requests",
          integer("Denied requests", 1, 100000)),
    Field("cloud_secrets_baseline_days", "Baseline days", integer("Baseline days", 1, 90)),
    Field("cloud_secrets_first_read_days", "Days before a secret counts as new",
          integer("Days before a secret counts as new", 1, 90)),
    Field("cloud_secrets_first_read_min_days", "Days a principal learns",
          integer("Days a principal learns", 1, 30)),
    Field("cloud_secrets_cross_cloud_min_distinct", "Distinct secrets on each platform",
          integer("Distinct secrets on each platform", 1, 100000)),
    Field("cloud_secrets_cross_cloud_min_platforms", "Platforms read by one person",
          integer("Platforms read by one person", 2, 4)),
)


def at_most(smaller: Field, larger: Field, why: str) -> Callable[[Dict[str, str]], None]:
    """Check that one whole-number field is not above another, in the values a save leaves.

    `values` maps each macro of the tab to its definition after the save (what the admin
    sent, else what is in force). A definition that is not a whole number (set by hand
    outside the page) cannot be compared, so the relation is left to that field's own check.
    """

    def check(values: Dict[str, str]) -> None:
        low, high = values.get(smaller.macro, ""), values.get(larger.macro, "")
        if _INTEGER.match(low) and _INTEGER.match(high) and int(low) > int(high):
            raise ValueError(
                f"{smaller.label} ({low}) must not be more than {larger.label} ({high}): {why}")

    return check


def _threshold(macro: str) -> Field:
    return next(setting for setting in THRESHOLDS if setting.macro == macro)


# Checks across the fields of one tab, run on the values a save would leave in force.
RELATIONS: Dict[str, Tuple[Callable[[Dict[str, str]], None], ...]] = {
    "thresholds": (
        at_most(_threshold("cloud_secrets_first_read_min_days"),
                _threshold("cloud_secrets_first_read_days"),
                "the app forgets a read after that many days, so a longer learning time "
                "could keep a principal that reads now and then learning for ever."),
    ),
}

# The settings tabs of globalConfig.json, by tab name.
TABS: Dict[str, Tuple[Field, ...]] = {"data_sources": DATA_SOURCES, "thresholds": THRESHOLDS}
