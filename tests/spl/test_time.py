"""Time: relative time modifiers, relative_time/strftime/strptime/now, and `bin`.

Oracles:
- Search Manual "Specify time modifiers in your search": run on April 28th at 14:05,
  `earliest=-2d` goes back to 14:05 on April 26th and `-2d@d` to 00:00 on April 26th;
  `@w` and `@w0` snap to Sunday (`@w7` too), `@w1` to Monday; `@q` to the start of the
  quarter; an exact time as `%m/%d/%Y:%H:%M:%S`;
- SPL2 Search Manual "Specifying relative time": run at 3:45, `-h@h` is 2:00 (the unit
  without a number means 1);
- Search Reference "Time modifiers" and "Date and time format variables"
  (https://help.splunk.com/en/splunk-enterprise/spl-search-reference/9.3/time-format-variables-and-modifiers):
  `%z` is +hhmm/-hhmm, `%:z` +hh:mm, `%N` subseconds (default 9 digits), `%Q` (default
  milliseconds), `%s` epoch seconds; "Date and Time functions": relative_time(now(),
  "-1d@d") is yesterday's midnight, now() the search's start time;
- Search Reference "bin": `bin _time span=1h` puts each event in the bin starting at
  its hour; `AS` writes another field.
Zones are IANA names; calendar units (d, w, mon, q, y) move the wall clock, so `-1d`
across a daylight-saving change is 23 or 25 hours.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from devkit.spl import SplError, SplUnsupported, resolve_time


def utc(*args) -> float:
    return datetime(*args, tzinfo=timezone.utc).timestamp()


APRIL_28_1405 = utc(2024, 4, 28, 14, 5)  # a Sunday


@pytest.mark.parametrize("modifier, expected", [
    ("now", APRIL_28_1405),
    ("", APRIL_28_1405),
    ("-2d", utc(2024, 4, 26, 14, 5)),
    ("-2d@d", utc(2024, 4, 26)),
    ("-h@h", utc(2024, 4, 28, 13)),
    ("-1h@h", utc(2024, 4, 28, 13)),
    ("@h", utc(2024, 4, 28, 14)),
    ("@d", utc(2024, 4, 28)),
    ("-30d@d", utc(2024, 3, 29)),
    ("-25m@m", utc(2024, 4, 28, 13, 40)),
    ("+1d", utc(2024, 4, 29, 14, 5)),
    ("@w", utc(2024, 4, 28)),
    ("@w0", utc(2024, 4, 28)),
    ("@w7", utc(2024, 4, 28)),
    ("@w1", utc(2024, 4, 22)),
    ("@w6", utc(2024, 4, 27)),
    ("@mon", utc(2024, 4, 1)),
    ("@q", utc(2024, 4, 1)),
    ("@y", utc(2024, 1, 1)),
    ("-1mon@mon", utc(2024, 3, 1)),
    ("@d+3h", utc(2024, 4, 28, 3)),
    ("-1d@d-2h", utc(2024, 4, 26, 22)),
    ("0", 0.0),
    ("1714000000", 1714000000.0),
    ("10/15/2019:20:00:00", utc(2019, 10, 15, 20)),
])
def test_documented_modifiers(modifier, expected):
    assert resolve_time(modifier, APRIL_28_1405, "UTC") == expected


def test_run_at_345_minus_one_hour_snapped_is_200():
    now = utc(2024, 4, 28, 3, 45)
    assert resolve_time("-h@h", now, "UTC") == utc(2024, 4, 28, 2)


def test_snaps_happen_in_the_given_zone():
    zone = ZoneInfo("America/New_York")
    now = datetime(2024, 4, 28, 1, 30, tzinfo=zone).timestamp()  # 05:30 UTC
    assert resolve_time("@d", now, "America/New_York") == datetime(
        2024, 4, 28, tzinfo=zone).timestamp()
    assert resolve_time("@d", now, "UTC") == utc(2024, 4, 28)


def test_days_move_the_calendar_across_daylight_saving():
    zone = ZoneInfo("America/New_York")
    now = datetime(2024, 3, 10, 12, 0, tzinfo=zone).timestamp()  # DST began at 02:00
    assert now - resolve_time("-1d", now, "America/New_York") == 23 * 3600
    assert resolve_time("-1d@d", now, "America/New_York") == datetime(
        2024, 3, 9, tzinfo=zone).timestamp()


@pytest.mark.parametrize("bad", ["-1x", "@zz", "yesterday", "-1d@d@", "@d5"])
def test_invalid_modifiers_are_errors(bad):
    with pytest.raises(SplError):
        resolve_time(bad, APRIL_28_1405, "UTC")


def test_relative_time_now_and_strftime_in_eval(spl):
    rows = spl('| makeresults | eval y=relative_time(now(), "-1d@d"), n=now(), '
               't=strftime(now(), "%Y-%m-%dT%H:%M:%S%z"), c=strftime(0, "%:z %s %3N %Q")',
               [], now=APRIL_28_1405 + 0.25)
    assert rows[0]["y"] == utc(2024, 4, 27)
    assert rows[0]["n"] == APRIL_28_1405 + 0.25
    assert rows[0]["t"] == "2024-04-28T14:05:00+0000"
    assert rows[0]["c"] == "+00:00 0 000 000"


def test_strftime_uses_the_engine_zone(make_spl):
    spl = make_spl(tz="Europe/Berlin")
    rows = spl('| makeresults | eval t=strftime(now(), "%Y-%m-%dT%H:%M:%S%z"), '
               'f=strftime(now() + 0.123456, "%H:%M:%S.%3N %6N %Z")', [])
    assert rows[0]["t"] == "2024-04-28T16:05:00+0200"
    assert rows[0]["f"] == "16:05:00.123 123456 CEST"


def test_strptime_reads_in_the_zone_unless_an_offset_is_given(make_spl):
    spl = make_spl(tz="Asia/Kolkata")
    rows = spl('| makeresults | eval a=strptime("2024-04-28 05:30", "%Y-%m-%d %H:%M"), '
               'b=strptime("2024-04-28T00:00:00+0000", "%Y-%m-%dT%H:%M:%S%z"), '
               'c=strptime("garbage", "%Y")', [])
    assert rows[0]["a"] == utc(2024, 4, 28) and rows[0]["b"] == utc(2024, 4, 28)
    assert "c" not in rows[0]


def test_bin_hours_into_another_field(spl):
    events = [{"_time": utc(2024, 4, 28, 9, 59, 59)}, {"_time": utc(2024, 4, 28, 10, 0)}]
    rows = spl("search * | bin _time span=1h AS hour", events)
    assert [r["hour"] for r in rows] == [utc(2024, 4, 28, 9), utc(2024, 4, 28, 10)]
    assert rows[0]["_time"] == utc(2024, 4, 28, 9, 59, 59)


def test_bin_aligns_hours_to_utc_and_days_to_local_midnight(make_spl):
    # Search Reference "bin": aligntime aligns "to something other than base UTC time
    # (epoch 0)", and "When a <span-length> of a day or more is used, the span is
    # aligned to midnight in the timezone of the user".
    spl = make_spl(tz="Asia/Kolkata")  # UTC+05:30
    event = {"_time": utc(2024, 4, 28, 20, 10)}  # 01:40 on April 29th in Kolkata
    hour = spl("search * | bin _time span=1h", [event])[0]["_time"]
    day = spl("search * | bin span=1d _time", [event])[0]["_time"]
    assert hour == utc(2024, 4, 28, 20, 0)   # the UTC hour: 01:30 local
    assert day == utc(2024, 4, 28, 18, 30)   # local midnight of April 29th


def test_bin_of_a_number_gives_its_range(spl):
    rows = spl("search * | bin size span=10", [{"size": "37"}])
    assert rows[0]["size"] == "30-40"


def test_unknown_zone_is_refused(make_spl):
    with pytest.raises(SplError, match="Mars/Olympus"):
        make_spl(tz="Mars/Olympus")


@pytest.mark.parametrize("modifier, now, expected", [
    ("-1mon", APRIL_28_1405, utc(2024, 3, 28, 14, 5)),
    ("-1mon", utc(2024, 3, 31, 8), utc(2024, 2, 29, 8)),   # the day is clamped
    ("+1mon", utc(2024, 12, 31), utc(2025, 1, 31)),
    ("-1w", APRIL_28_1405, utc(2024, 4, 21, 14, 5)),
    ("-2q", APRIL_28_1405, utc(2023, 10, 28, 14, 5)),
    ("-1y", APRIL_28_1405, utc(2023, 4, 28, 14, 5)),
    ("-1d", APRIL_28_1405 + 0.25, utc(2024, 4, 27, 14, 5) + 0.25),
    ("@q", utc(2024, 6, 30, 12), utc(2024, 4, 1)),
    ("@q", utc(2024, 12, 1), utc(2024, 10, 1)),
    ("@s", APRIL_28_1405 + 0.75, APRIL_28_1405),
])
def test_calendar_offsets_and_snaps(modifier, now, expected):
    assert resolve_time(modifier, now, "UTC") == expected


def test_offset_variables_in_a_half_hour_zone(make_spl):
    spl = make_spl(tz="Asia/Kolkata")
    rows = spl('| makeresults | eval t=strftime(0.5, "%z %:z %::z %:::z %Ez %N %%")', [])
    assert rows[0]["t"] == "+0530 +05:30 +05:30:00 +05 330 500000000 %"


def test_multi_day_and_month_bins(spl):
    events = [{"_time": utc(2024, 4, 28, 14, 5)}]
    assert spl("search * | bin _time span=2d", events)[0]["_time"] == utc(2024, 4, 27)
    assert spl("search * | bin _time span=1mon", events)[0]["_time"] == utc(2024, 4, 1)
    # Multi-month bins count from January 1970: 2024-04 is month 651, 650 starts a bin.
    assert spl("search * | bin _time span=5mon", events)[0]["_time"] == utc(2024, 3, 1)


@pytest.mark.parametrize("span", ["0m", "1x", "m"])
def test_invalid_spans_are_errors(spl, span):
    with pytest.raises(SplError):
        spl(f"search * | bin _time span={span}", [])


def test_time_windows_need_a_fixed_length(spl):
    events = [{"_time": t} for t in (0, 86400, 2 * 86400 + 1)]
    rows = spl("search * | streamstats time_window=1d count", events)
    assert [r["count"] for r in rows] == [1, 2, 1]
    rows = spl("search * | streamstats time_window=1w count", events)
    assert [r["count"] for r in rows] == [1, 2, 3]
    # The page lists 1mon, 1q and 1y as valid spans: the engine refuses them.
    with pytest.raises(SplUnsupported, match="time_window=1mon"):
        spl("search * | streamstats time_window=1mon count", events)
