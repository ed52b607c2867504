"""The two analytics of default/savedsearches.conf, step for step, for the offline replay.

Input: events already normalized by the packaged cloudsecrets command (its output fields
plus `_time`), the app's threshold macros, and a baseline lookup. Each function follows
its saved search's SPL in order; the comments quote the SPL step they mirror, and
`SHAPES` records what a test compares with savedsearches.conf: the same threshold
macros, windows, group-by fields and distinct counts.

Time windows: the Unusual Volume rule runs hourly over the last full clock hour, so the
replay evaluates each clock hour on its own. The Enumeration rule's sliding window
(`streamstats time_window=...`) spans hour boundaries; its alerts are reported per
principal and clock hour, the replay's stand-in for the scheduled runs that the rule's
throttling collapses to one alert per principal.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

Event = Mapping[str, object]
UNUSUAL_VOLUME = "unusual_volume"
ENUMERATION = "enumeration"

# The macro that holds each threshold (default/macros.conf), by replay setting.
THRESHOLD_MACROS = {
    "volume_min_distinct": "cloud_secrets_volume_min_distinct",
    "volume_baseline_multiplier": "cloud_secrets_volume_baseline_multiplier",
    "enumeration_window": "cloud_secrets_enumeration_window",
    "enumeration_list_then_read_min": "cloud_secrets_enumeration_list_then_read_min",
    "enumeration_burst_min": "cloud_secrets_enumeration_burst_min",
    "enumeration_denied_min": "cloud_secrets_enumeration_denied_min",
}


@dataclass(frozen=True)
class Shape:
    """What a saved search's SPL does, as the replay reproduces it (checked by a test)."""

    stanza: str
    analytic: str
    thresholds: Tuple[str, ...]  # macros
    group_by: Tuple[str, ...]  # the final stats ... by
    window: str  # dispatch window, or the streamstats time_window macro
    distinct: str  # the field counted with dc()
    window_group_by: Tuple[str, ...] = ()  # streamstats ... by


SHAPES = (
    Shape("Cloud Secrets - Unusual Volume of Secret Reads - Rule", UNUSUAL_VOLUME,
          ("cloud_secrets_volume_min_distinct", "cloud_secrets_volume_baseline_multiplier"),
          ("principal", "platform"), "-1h@h..@h", "secret"),
    Shape("Cloud Secrets - Secret Store Enumeration - Rule", ENUMERATION,
          ("cloud_secrets_enumeration_window", "cloud_secrets_enumeration_list_then_read_min",
           "cloud_secrets_enumeration_burst_min", "cloud_secrets_enumeration_denied_min"),
          ("principal", "platform"), "`cloud_secrets_enumeration_window`", "read_secret",
          ("principal",)),
)

_SPAN = re.compile(r"^\s*(\d+)\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|"
                   r"hour|hours|d|day|days)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def span_seconds(span: str) -> int:
    """A Splunk time span (`10m`, `600s`, `1h`, `600`) in seconds."""
    match = _SPAN.match(span)
    if not match:
        raise ValueError(f"not a Splunk time span: {span!r}")
    unit = (match.group(2) or "s")[0]
    return int(match.group(1)) * _UNIT_SECONDS[unit]


@dataclass(frozen=True)
class Thresholds:
    volume_min_distinct: int
    volume_baseline_multiplier: float
    enumeration_window: int  # seconds
    enumeration_list_then_read_min: int
    enumeration_burst_min: int
    enumeration_denied_min: int

    @classmethod
    def from_macros(cls, macros: Mapping[str, str]) -> Thresholds:
        """Read every threshold from its macro definition; a missing macro is an error."""
        values = {}
        for setting, macro in THRESHOLD_MACROS.items():
            if macro not in macros:
                raise KeyError(f"macros.conf has no [{macro}]")
            definition = macros[macro].strip()
            if setting == "enumeration_window":
                values[setting] = span_seconds(definition)
            elif setting == "volume_baseline_multiplier":
                values[setting] = float(definition)
            else:
                values[setting] = int(definition)
        return cls(**values)


@dataclass
class Alert:
    """One result row of a saved search (one principal and window)."""

    analytic: str
    principal: str
    platform: str
    account_type: str
    account_type_rule: str
    vendor_product: List[str]
    count: int
    distinct_secrets: int
    sample_secrets: List[str]
    secret_stores: List[str]
    src: List[str]
    user_agent: List[str]
    first_time: float
    last_time: float
    reason: str
    details: Dict[str, object] = field(default_factory=dict)


def values_of(event: Event, name: str) -> List[str]:
    """A field's non-empty values: Splunk treats an empty field as absent."""
    value = event.get(name)
    if isinstance(value, list):
        return [v for v in value if v]
    return [value] if isinstance(value, str) and value else []


def first(event: Event, name: str) -> str:
    found = values_of(event, name)
    return found[0] if found else ""


def _time(event: Event) -> float:
    try:
        return float(event.get("_time") or 0)
    except (TypeError, ValueError):
        return 0.0


def _ordered_union(events: Iterable[Event], name: str) -> List[str]:
    """values(name): distinct values, sorted as Splunk's values() sorts them."""
    return sorted({v for e in events for v in values_of(e, name)})


def _latest(events: Sequence[Event], name: str) -> str:
    """latest(name): the value of the most recent event that has one."""
    for event in sorted(events, key=_time, reverse=True):
        value = first(event, name)
        if value:
            return value
    return ""


def _row(analytic: str, key: Tuple[str, str], events: Sequence[Event], distinct: int,
         secrets: List[str], reason: str, **details) -> Alert:
    """The columns both searches `table` after their `stats ... by principal platform`."""
    return Alert(
        analytic=analytic, principal=key[0], platform=key[1],
        account_type=_latest(events, "account_type"),
        account_type_rule=_latest(events, "account_type_rule"),
        vendor_product=_ordered_union(events, "vendor_product"), count=len(events),
        distinct_secrets=distinct, sample_secrets=secrets[:10],
        secret_stores=_ordered_union(events, "secret_store"), src=_ordered_union(events, "src"),
        user_agent=_ordered_union(events, "user_agent"),
        first_time=min(map(_time, events)), last_time=max(map(_time, events)), reason=reason,
        details=details)


def unusual_volume(events: Iterable[Event], baseline: Mapping[Tuple[str, str], Mapping[str, str]],
                   thresholds: Thresholds) -> List[Alert]:
    """Cloud Secrets - Unusual Volume of Secret Reads - Rule, once per clock hour."""
    hours: Dict[Tuple[int, str, str], List[Event]] = defaultdict(list)
    for event in events:
        # | search secret_operation=read action=success principal=* account_type!="High-Privilege"
        if (first(event, "secret_operation") != "read" or first(event, "action") != "success"
                or not first(event, "principal")
                or first(event, "account_type") == "High-Privilege"):
            continue
        # dispatch.earliest_time = -1h@h, dispatch.latest_time = @h: one clock hour a run
        hour = int(_time(event) // 3600)
        hours[(hour, first(event, "principal"), first(event, "platform"))].append(event)

    alerts = []
    for (_hour, principal, platform), group in sorted(hours.items()):
        # | stats count dc(secret) AS distinct_secrets values(secret) AS secrets ...
        #   by principal platform
        secrets = _ordered_union(group, "secret")
        distinct = len(secrets)
        # | lookup cloud_secrets_baseline principal platform OUTPUT max_distinct_per_hour ...
        row = baseline.get((principal, platform))
        busiest = _number(row.get("max_distinct_per_hour")) if row else None
        # | eval threshold=if(isnull(baseline...), min, max(min, ceiling(multiplier * busiest)))
        if busiest is None:
            threshold = thresholds.volume_min_distinct
            reason = (f"read {distinct} distinct secrets in one hour and has no baseline "
                      f"(threshold {threshold})")
        else:
            threshold = max(thresholds.volume_min_distinct,
                            math.ceil(thresholds.volume_baseline_multiplier * busiest))
            reason = (f"read {distinct} distinct secrets in one hour; its busiest baseline hour "
                      f"had {_format(busiest)} (threshold {threshold})")
        # | where distinct_secrets >= threshold
        if distinct >= threshold:
            alerts.append(_row(UNUSUAL_VOLUME, (principal, platform), group, distinct, secrets,
                               reason, threshold=threshold, baseline_max_distinct_per_hour=busiest))
    return alerts


def enumeration(events: Iterable[Event], thresholds: Thresholds) -> List[Alert]:
    """Cloud Secrets - Secret Store Enumeration - Rule, reported per principal and hour."""
    # | search principal=* (secret_operation=read OR secret_operation=list)
    kept = [e for e in events if first(e, "principal")
            and first(e, "secret_operation") in ("read", "list")]
    # | sort 0 _time  (stable: events of equal time keep their order)
    kept.sort(key=_time)
    window = thresholds.enumeration_window
    by_principal: Dict[str, List[Event]] = defaultdict(list)
    annotated = []
    for event in kept:
        # | eval listed=..., denied=if(action="failure", 1, 0),
        #   read_secret=if(secret_operation="read" AND action="success", secret, null())
        success = first(event, "action") == "success"
        operation = first(event, "secret_operation")
        listed = 1 if operation == "list" and success else 0
        denied = 0 if success else 1
        read_secret = values_of(event, "secret") if operation == "read" and success else []
        # | streamstats time_window=<window> sum(listed) dc(read_secret) sum(denied) by principal
        history = by_principal[first(event, "principal")]
        history.append({"time": _time(event), "listed": listed, "denied": denied,
                        "read_secret": read_secret})
        start = _time(event) - window
        in_window = [h for h in history if h["time"] >= start]
        window_lists = sum(h["listed"] for h in in_window)
        window_distinct = len({s for h in in_window for s in h["read_secret"]})
        window_denied = sum(h["denied"] for h in in_window)
        # | eval listed_then_read=..., burst=..., probing=...
        annotated.append((event, {
            "read_secret": read_secret,
            "window_lists": window_lists, "window_distinct_reads": window_distinct,
            "window_denied": window_denied,
            "listed_then_read": window_lists > 0
            and window_distinct >= thresholds.enumeration_list_then_read_min,
            "burst": window_distinct >= thresholds.enumeration_burst_min,
            "probing": window_denied >= thresholds.enumeration_denied_min,
        }))

    groups: Dict[Tuple[int, str, str], List[tuple]] = defaultdict(list)
    for event, stats in annotated:
        key = (int(_time(event) // 3600), first(event, "principal"), first(event, "platform"))
        groups[key].append((event, stats))

    alerts = []
    for (_hour, principal, platform), members in sorted(groups.items()):
        # | stats count max(window_distinct_reads) AS distinct_secrets ... by principal platform
        group = [event for event, _ in members]
        flags = {name: any(stats[name] for _, stats in members)
                 for name in ("listed_then_read", "burst", "probing")}
        # | where listed_then_read=1 OR burst=1 OR probing=1
        if not any(flags.values()):
            continue
        distinct = max(stats["window_distinct_reads"] for _, stats in members)
        denied = max(stats["window_denied"] for _, stats in members)
        lists = max(stats["window_lists"] for _, stats in members)
        secrets = sorted({s for _, stats in members for s in stats["read_secret"]})
        reasons = []
        if flags["listed_then_read"]:
            reasons.append(f"listed a secret store and read {distinct} distinct secrets "
                           "within the window")
        if flags["burst"]:
            reasons.append(f"burst of {distinct} distinct secrets read within the window")
        if flags["probing"]:
            reasons.append(f"{denied} denied secret reads or listings within the window")
        alerts.append(_row(ENUMERATION, (principal, platform), group, distinct, secrets,
                           "; ".join(reasons), denied=denied, lists=lists, **flags))
    return alerts


def _number(value: object) -> Optional[float]:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _format(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
