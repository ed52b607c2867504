"""The fields of the Data sources and Thresholds tabs: one field is one macro.

Each field's name is the name of the macro it sets in macros.conf, so that what the
page saves is exactly what every saved search, the dashboards and the replay read.
Each field has a check: a function of the submitted text that returns the value to
save (surrounding blanks removed) or raises ValueError with a sentence for the admin.
The checks are module-level functions bound to their field with functools.partial, not
closures built at import, so that each save runs the module's own code (and `build.py
mutate setup.fields` can measure the tests against it).
Values arrive as the strings splunkd's admin framework passes (one per field).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import partial
from typing import Callable, Dict, Tuple

from . import search_terms

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


def _plain_spaces(label: str, value: str) -> None:
    """Refuse spaces other than the plain one and invisible characters (a no-break space,
    a zero-width space, a line separator): the page splits terms at plain spaces and
    tabs only, and could not tell whether Splunk reads `index=*<U+00A0>` as one term."""
    for character in value:
        if character != " " and unicodedata.category(character) in ("Zs", "Zl", "Zp", "Cf"):
            raise ValueError(
                f"{label}: write plain spaces only; the value holds a special space or an "
                f"invisible character (U+{ord(character):04X}).")


# Time modifiers of the search command (Search Reference "search", time-opts, and "Time
# modifiers"), legacy ones included: any of them in a source macro would replace the time
# range of every search that pastes it (`latest=-1y` makes the detections blind).
TIME_MODIFIERS = frozenset((
    "earliest", "latest", "_index_earliest", "_index_latest", "starttime", "endtime",
    "starttimeu", "endtimeu", "timeformat", "daysago", "hoursago", "minutesago", "monthsago",
    "startdaysago", "enddaysago", "starthoursago", "endhoursago", "startminutesago",
    "endminutesago", "startmonthsago", "endmonthsago", "searchtimespandays",
    "searchtimespanhours", "searchtimespanminutes", "searchtimespanmonths"))


# Other field comparisons that would change what the source macro reads without the
# page seeing it: _time and _indextime filter time as the modifiers do (`_time<1` makes
# the detections blind), and savedsearch= / savedsplunk= paste in the terms of another
# search (Search Reference "search", <savedsplunk-specifier>).
TIME_FIELDS = frozenset(("_time", "_indextime"))
OTHER_SEARCHES = frozenset(("savedsearch", "savedsplunk"))


def _every_index(value: str) -> bool:
    """True for index values that name no index: a leading wildcard (`*`, `*e*`, `*_x`:
    nearly every index has some letter), or `_` and a wildcard (internal indexes). A
    wildcard after a name's first characters (`aws*`) still names the indexes it reads."""
    return bool(value) and (value.startswith("*") or (value.startswith("_") and "*" in value))


def source_expression(platform: str) -> Callable[[str], str]:
    """The check of one platform's source macro (see check_source_expression)."""
    return partial(check_source_expression, platform)


def check_source_expression(platform: str, value: str) -> str:
    """Check an index/sourcetype expression such as `index=aws sourcetype=aws:cloudtrail`.

    The macro is pasted into the middle of every search, so it must be search terms only
    (search_terms.read refuses pipes, subsearch brackets, backticks, backslashes outside
    quotes, unbalanced quotes and parentheses). It must also keep the detections' data
    their own: no time modifier (it would replace each search's time range), no index=*
    or index=_* (in index IN (...) too), and an index= term that every event found must
    pass (one under a NOT, or on only one side of an OR, leaves every index searched by
    default open to anyone who can send events there). `index` must be written in lower
    case, as Splunk's default field is named. Comparisons of _time or _indextime and
    savedsearch= terms are refused too, and any space but the plain one.
    """
    label = f"{platform} sources"
    value = _one_line(label, value)
    _plain_spaces(label, value)
    if not value:
        raise ValueError(
            f"{label} is empty. Enter the index and sourcetype that hold the {platform} "
            f"events, for example index=main sourcetype=..., or {LEAVE_OUT} to leave "
            f"{platform} out.")
    try:
        terms = search_terms.read(value)
    except ValueError as error:
        raise ValueError(f"{label}: {error}") from None
    for comparison in terms.comparisons:
        name = comparison.field.lower()
        if name in TIME_MODIFIERS or name in TIME_FIELDS:
            raise ValueError(
                f"{label}: remove {comparison.field}{comparison.operator}... The saved "
                f"searches set their own time ranges; a time modifier here would replace "
                f"them in every search that uses this macro.")
        if name in OTHER_SEARCHES:
            raise ValueError(
                f"{label}: remove {comparison.field}{comparison.operator}... It adds the "
                f"terms of another search, which this page cannot check; write the "
                f"index and sourcetype terms here.")
        if name != "index":
            continue
        if comparison.field != "index":
            raise ValueError(f"{label}: write index in lower case (index=...).")
        if not all(comparison.values):
            raise ValueError(f"{label}: index= needs the name of an index.")
        if any(_every_index(v) for v in comparison.values):
            raise ValueError(
                f"{label}: name the index that holds the {platform} logs instead of a "
                f"wildcard such as index=*, index=*e* or index=_*. A wildcard before "
                f"the name reads nearly every index (or every internal one), and anyone "
                f"who can send events to any of them could feed the detections.")
    if not terms.restricted:
        named = any(c.field == "index" and c.operator in ("=", "IN") and not c.negated
                    for c in terms.comparisons)
        if named:
            raise ValueError(
                f"{label}: every part of the expression must name its index. A part "
                f"joined by OR without index=, or an index= after NOT, reads every index "
                f"your roles search by default; write, for example, (index=a "
                f"sourcetype=x) OR (index=b sourcetype=y).")
        raise ValueError(
            f"{label}: add the index that holds the {platform} logs, for example "
            f"index=main. Without index=, the searches read every index your roles "
            f"search by default, and anyone who can send events to one of them could "
            f"feed the detections. Enter {LEAVE_OUT} to leave {platform} out.")
    return value


def integer(label: str, low: int, high: int) -> Callable[[str], str]:
    """The check of a whole number from `low` to `high` (see check_integer)."""
    return partial(check_integer, label, low, high)


def check_integer(label: str, low: int, high: int, value: str) -> str:
    """A whole number from `low` to `high`, as saved (no sign, no leading zeros)."""
    value = _one_line(label, value)
    if not _INTEGER.match(value) or not low <= int(value) <= high:
        raise ValueError(f"{label} must be a whole number from {low} to {high}.")
    return str(int(value))


def number(label: str, low: int, high: int) -> Callable[[str], str]:
    """The check of a decimal number from `low` to `high` (see check_number)."""
    return partial(check_number, label, low, high)


def check_number(label: str, low: int, high: int, value: str) -> str:
    """A decimal number such as 2 or 1.5 from `low` to `high`."""
    value = _one_line(label, value)
    if not _DECIMAL.match(value) or not low <= float(value) <= high:
        raise ValueError(f"{label} must be a number from {low} to {high}, such as 2 or 1.5.")
    return value


def time_span(label: str, low_seconds: int, high_seconds: int) -> Callable[[str], str]:
    """The check of a Splunk time span within bounds (see check_time_span)."""
    return partial(check_time_span, label, low_seconds, high_seconds)


def check_time_span(label: str, low_seconds: int, high_seconds: int, value: str) -> str:
    """A Splunk time span such as 10m, 600s or 1h, from `low_seconds` to `high_seconds`."""
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


DATA_SOURCES: Tuple[Field, ...] = tuple(
    Field(f"cloud_secrets_{key}_sources", f"{platform} sources", source_expression(platform))
    for key, platform in (("aws", "AWS"), ("gcp", "GCP"), ("azure", "Azure"), ("vault", "Vault"))
)

THRESHOLDS: Tuple[Field, ...] = (
    Field("cloud_secrets_volume_min_distinct", "Minimum distinct secrets in an hour",
          integer("Minimum distinct secrets in an hour", 1, 100000)),
    Field("cloud_secrets_volume_baseline_multiplier", "Multiple of the busiest baseline hour",
          number("Multiple of the busiest baseline hour", 1, 100)),
    Field("cloud_secrets_volume_ceiling", "Distinct secrets in an hour that always alert",
          integer("Distinct secrets in an hour that always alert", 1, 100000)),
    Field("cloud_secrets_enumeration_window", "Enumeration window",
          time_span("Enumeration window", 60, 600)),
    Field("cloud_secrets_enumeration_list_then_read_min", "Reads after a listing",
          integer("Reads after a listing", 1, 100000)),
    Field("cloud_secrets_enumeration_burst_min", "Reads in a burst",
          integer("Reads in a burst", 1, 100000)),
    Field("cloud_secrets_enumeration_denied_min", "Denied requests",
          integer("Denied requests", 1, 100000)),
    Field("cloud_secrets_baseline_days", "Baseline days", integer("Baseline days", 1, 90)),
    Field("cloud_secrets_baseline_min_days", "Learned days before a baseline counts",
          integer("Learned days before a baseline counts", 1, 30)),
    Field("cloud_secrets_baseline_max_lag", "Indexing delay the baseline accepts (minutes)",
          integer("Indexing delay the baseline accepts (minutes)", 0, 1380)),
    Field("cloud_secrets_first_read_days", "Days before a secret counts as new",
          integer("Days before a secret counts as new", 1, 90)),
    Field("cloud_secrets_first_read_min_days", "Days a principal learns",
          integer("Days a principal learns", 1, 30)),
    Field("cloud_secrets_cross_cloud_min_distinct", "Distinct secrets on each platform",
          integer("Distinct secrets on each platform", 1, 100000)),
    Field("cloud_secrets_cross_cloud_min_platforms", "Platforms read by one person",
          integer("Platforms read by one person", 2, 4)),
    # At most 23 hours: the rule's throttling (24 hours) must outlast the window plus the
    # 30 minutes over which a read is searched, or one grant's reads would alert again.
    Field("cloud_secrets_grant_read_window", "Minutes after a grant that reads count",
          integer("Minutes after a grant that reads count", 1, 1380)),
    Field("cloud_secrets_grant_read_min_distinct", "Distinct secrets read after a grant",
          integer("Distinct secrets read after a grant", 1, 100000)),
)


def at_most(smaller: Field, larger: Field, why: str) -> Callable[[Dict[str, str]], None]:
    """The check that one whole-number field is not above another (see check_at_most)."""
    return partial(check_at_most, smaller, larger, why)


def check_at_most(smaller: Field, larger: Field, why: str, values: Dict[str, str]) -> None:
    """Check that one whole-number field is not above another, in the values a save leaves.

    `values` maps each macro of the tab to its definition after the save (what the admin
    sent, else what is in force). A definition that is not a whole number (set by hand
    outside the page) cannot be compared, so the relation is left to that field's own check.
    """
    low, high = values.get(smaller.macro, ""), values.get(larger.macro, "")
    if _INTEGER.match(low) and _INTEGER.match(high) and int(low) > int(high):
        raise ValueError(
            f"{smaller.label} ({low}) must not be more than {larger.label} ({high}): {why}")


def _threshold(macro: str) -> Field:
    return next(setting for setting in THRESHOLDS if setting.macro == macro)


# Checks across the fields of one tab, run on the values a save would leave in force.
RELATIONS: Dict[str, Tuple[Callable[[Dict[str, str]], None], ...]] = {
    "thresholds": (
        at_most(_threshold("cloud_secrets_volume_min_distinct"),
                _threshold("cloud_secrets_volume_ceiling"),
                "a principal with no baseline would otherwise need more distinct secrets to "
                "alert than the ceiling that alerts for every principal."),
        at_most(_threshold("cloud_secrets_baseline_min_days"),
                _threshold("cloud_secrets_baseline_days"),
                "the baseline keeps only that many days, so no principal could ever reach "
                "the learned days it needs, and every one would stay on the floor."),
        at_most(_threshold("cloud_secrets_first_read_min_days"),
                _threshold("cloud_secrets_first_read_days"),
                "the app forgets a read after that many days, so a longer learning time "
                "could keep a principal that reads now and then learning for ever."),
    ),
}

# The settings tabs of globalConfig.json, by tab name.
TABS: Dict[str, Tuple[Field, ...]] = {"data_sources": DATA_SOURCES, "thresholds": THRESHOLDS}
