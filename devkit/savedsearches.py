"""The saved searches the scheduler runs, as savedsearches.conf sets them: which are
scheduled, their schedule and window, and what they do with their results.

Input: savedsearches.conf stanzas ({key: value}, default overlaid by local). The keys read
follow savedsearches.conf.spec: `enableSched`, `cron_schedule` (checked with croniter),
`dispatch.earliest_time`/`dispatch.latest_time`, `realtime_schedule` (true when unset),
the alert condition (`counttype`, `relation`, `quantity`, `alert_condition`) and
throttling (`alert.suppress`, `alert.suppress.period`, `alert.suppress.fields`,
`alert.digest_mode`). A scheduled search is an alert when it tracks alerts
(`alert.track`) or has an alert action enabled (`action.<name> = 1`); otherwise (the
baseline search) it is a scheduled report whose rows are not alerts.

`AlertCondition` decides whether a run's rows trigger, `Throttle` which of them are
suppressed; both keep what the next run compares with. devkit.scheduler runs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Protocol, Sequence, Tuple

from croniter import croniter

Row = Dict[str, object]

_TRUE = ("1", "true", "t", "yes", "y", "on")
_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$", re.IGNORECASE)
_PERIOD_UNITS = {"": 1, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
                 "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
                 "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
                 "d": 86400, "day": 86400, "days": 86400}
COUNT_TYPES = ("always", "number of events", "number of hosts", "number of sources", "custom")
RELATIONS = ("greater than", "less than", "equal to", "not equal to", "drops by", "rises by")


class Engine(Protocol):
    def run(self, spl: str, events: Sequence[Row], *, now: float, earliest: Optional[float],
            latest: Optional[float], name: str) -> List[Row]: ...


class ScheduleError(ValueError):
    """A saved search whose schedule or alert settings cannot be simulated (names it)."""


def is_true(value: object) -> bool:
    return str(value).strip().lower() in _TRUE


def period_seconds(text: str, search: str) -> float:
    """`alert.suppress.period`: `[number][time-unit]`, 60 = 60 s, 1m, 1h, 24h, 1d."""
    match = _PERIOD.match(text or "")
    if not match or match.group(2).lower() not in _PERIOD_UNITS:
        raise ScheduleError(f"{search}: alert.suppress.period = {text!r} is not a time "
                            "such as 60, 1m, 1h or 24h")
    return float(match.group(1)) * _PERIOD_UNITS[match.group(2).lower()]


def _field_text(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(map(str, value))
    return "" if value is None else str(value)


@dataclass(frozen=True)
class ScheduledSearch:
    """One savedsearches.conf stanza, as the scheduler reads it."""

    name: str
    spl: str
    cron: str
    earliest: str = ""
    latest: str = ""
    realtime_schedule: bool = True
    is_alert: bool = False
    counttype: str = "always"
    relation: str = ""
    quantity: float = 0.0
    quantity_percent: bool = False  # "drops by 10%" rather than "drops by 10"
    alert_condition: str = ""
    suppress: bool = False
    suppress_period: float = 0.0
    suppress_fields: Tuple[str, ...] = ()
    digest_mode: bool = True

    @classmethod
    def from_stanza(cls, name: str, settings: Mapping[str, str]) -> ScheduledSearch:
        get = lambda key, default="": str(settings.get(key, default)).strip()  # noqa: E731
        counttype = get("counttype", "always").lower() or "always"
        relation = get("relation").lower()
        if counttype not in COUNT_TYPES:
            raise ScheduleError(f"{name}: counttype = {counttype!r} is not one of "
                                + ", ".join(COUNT_TYPES))
        if counttype not in ("always", "custom") and relation not in RELATIONS:
            raise ScheduleError(f"{name}: relation = {relation!r} is not one of "
                                + ", ".join(RELATIONS))
        try:
            quantity = float(get("quantity", "0").rstrip("%") or 0)
        except ValueError:
            raise ScheduleError(f"{name}: quantity = {get('quantity')!r} is not a number") \
                from None
        suppress = is_true(get("alert.suppress", "0"))
        actions = any(is_true(value) for key, value in settings.items()
                      if re.fullmatch(r"action\.[^.]+", key))
        return cls(
            name=name, spl=get("search"), cron=get("cron_schedule"),
            earliest=get("dispatch.earliest_time"), latest=get("dispatch.latest_time"),
            realtime_schedule=is_true(get("realtime_schedule", "1")),
            is_alert=is_true(get("alert.track", "0")) or actions,
            counttype=counttype, relation=relation, quantity=quantity,
            quantity_percent=get("quantity").endswith("%"),
            alert_condition=get("alert_condition"),
            suppress=suppress,
            suppress_period=period_seconds(get("alert.suppress.period"), name) if suppress else 0,
            suppress_fields=tuple(f.strip() for f in get("alert.suppress.fields").split(",")
                                  if f.strip()),
            digest_mode=is_true(get("alert.digest_mode", "1")),
        )


def scheduled_searches(stanzas: Mapping[str, Mapping[str, str]],
                       names: Optional[Sequence[str]] = None) -> List[ScheduledSearch]:
    """The scheduled searches of savedsearches.conf (enabled or not), in file order.

    With `names`, only those, and each must exist and be scheduled (ScheduleError).
    """
    scheduled = {name: settings for name, settings in stanzas.items()
                 if name != "default" and is_true(settings.get("enableSched", "0"))
                 and str(settings.get("cron_schedule", "")).strip()}
    if names:
        unknown = [n for n in names if n not in scheduled]
        if unknown:
            raise ScheduleError("no scheduled search named " + ", ".join(map(repr, unknown)))
        chosen = [n for n in scheduled if n in set(names)]
    else:
        chosen = list(scheduled)
    searches = [ScheduledSearch.from_stanza(n, scheduled[n]) for n in chosen]
    for search in searches:
        if not croniter.is_valid(search.cron):
            raise ScheduleError(f"{search.name}: cron_schedule = {search.cron!r} is not valid")
    return searches


@dataclass
class Run:
    """One run of one search at one tick (rows are kept only for runs that triggered)."""

    search: str
    time: float
    rows: List[Row]
    triggered: bool
    alerts: List[Row]  # the rows that fired, after throttling (empty for reports)


@dataclass
class Throttle:
    """Alert suppression state of one search (savedsearches.conf.spec, alert.suppress*).

    Per-result mode (`alert.digest_mode = 0` with `alert.suppress.fields`): a result
    whose combination of field values fired at run time T is suppressed in runs before
    T + period, and so is a second result with the same combination in the same run.
    Digest mode: the whole alert is suppressed for the period after a run that fired.
    """

    search: ScheduledSearch
    until: Dict[Tuple[str, ...], float] = field(default_factory=dict)

    def _per_result(self) -> bool:
        return not self.search.digest_mode and bool(self.search.suppress_fields)

    def admit(self, rows: List[Row], now: float) -> List[Row]:
        if not self.search.suppress:
            return rows
        expiry = now + self.search.suppress_period
        if not self._per_result():
            if self.until.get((), float("-inf")) > now:
                return []
            self.until[()] = expiry
            return rows
        admitted = []
        for row in rows:
            key = tuple(_field_text(row.get(name)) for name in self.search.suppress_fields)
            if self.until.get(key, float("-inf")) > now:
                continue
            self.until[key] = expiry
            admitted.append(row)
        return admitted


class AlertCondition:
    """counttype / relation / quantity, or alert_condition, of one search."""

    def __init__(self, search: ScheduledSearch, engine: Engine) -> None:
        self.search = search
        self.engine = engine
        self.previous: Optional[float] = None

    @property
    def custom(self) -> bool:
        return self.search.counttype == "custom" or bool(self.search.alert_condition)

    def _count(self, rows: Sequence[Row]) -> float:
        counttype = self.search.counttype
        if counttype == "number of hosts":
            return len({_field_text(r.get("host")) for r in rows if r.get("host") is not None})
        if counttype == "number of sources":
            return len({_field_text(r.get("source")) for r in rows
                        if r.get("source") is not None})
        return len(rows)

    def decide(self, rows: Sequence[Row], previous: Optional[float]
               ) -> Tuple[bool, Optional[float]]:
        """(triggered, the count the next run compares with) for counttype/relation."""
        search = self.search
        if search.counttype == "always":
            return True, previous
        count = self._count(rows)
        relation, quantity = search.relation, search.quantity
        if relation == "greater than":
            return count > quantity, count
        if relation == "less than":
            return count < quantity, count
        if relation == "equal to":
            return count == quantity, count
        if relation == "not equal to":
            return count != quantity, count
        if previous is None or (previous == 0 and search.quantity_percent):
            return False, count  # "drops by"/"rises by" compare with the previous run
        change = (count - previous) if relation == "rises by" else (previous - count)
        if search.quantity_percent:
            return change * 100 / previous >= quantity, count
        return change >= quantity, count

    def triggered(self, rows: List[Row], now: float) -> bool:
        search = self.search
        if self.custom:
            if not search.alert_condition:
                return False
            return bool(self.engine.run(search.alert_condition, rows, now=now, earliest=None,
                                        latest=None, name=f"{search.name} (alert_condition)"))
        fired, self.previous = self.decide(rows, self.previous)
        return fired

    def idle(self, rows: Sequence[Row]) -> bool:
        """Whether a run with these rows neither triggers nor changes what the next run
        compares with (an alert_condition, an SPL search of its own, is never idle)."""
        if not self.search.is_alert:
            return True
        if self.custom:
            return False
        fired, previous = self.decide(rows, self.previous)
        return not fired and previous == self.previous
