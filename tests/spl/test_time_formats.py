"""strftime(), strptime(), time() and mvrange() over time spans, with the date and time
format variables.

Oracles (Search Reference, Splunk Enterprise 9.x and 10.2), each example quoted with its
documented result; the pages ran in US Pacific time, as the epochs they print show, so
these tests run the engine in America/Los_Angeles:
- "Date and time format variables", "Converting timestamps into UNIX":
  `2022-9-25T09:45:22.000` with `%Y-%m-%dT%H:%M:%S.%Q` is 1664124322.000000 and
  `2022-12-15 09:45:22` with `%Y-%m-%d %H:%M:%S` is 1671126322.000000; "Converting UNIX
  timestamps into dates and times": 2025-04-29 23:45:22 PDT renders as
  `2025-04-29T23:45:22.000`, `Apr 29, 2025 11:45:22 PM`, `04-29-2025 23:45:22.000
  -0700`, `29/Apr/2025:23:45:22.000000 -0700`, `Tue Apr 29, 2025`, `29 Apr '25 =
  2025-04-29`; `%+` is "the date and time with time zone" (Thu Jul 18 09:30:00 PDT
  2019); `%x` and `%X` are the locale's date and time (7/13/2019, 9:30:00), neither the
  C nor the en_US form, so the engine refuses them; "the year of the week" table:
  2025-02-03 is week 06 and 2025-02-02 week 05 (`%V`);
- "Date and Time functions", strptime: the table of "String time / Matching time format
  variables" (`Mon July 23 2022 17:19:01.89` with `%a %B %d %Y %H:%M:%S.%N`, `Mon
  7/23/2022 17:19:01.89` with `%a %m/%d/%Y %H:%M:%S.%N`, `2022/07/23 17:19:01.89`,
  `2022-07-23T17:19:01.89`), and the gentimes example: `Mon Aug 13 00:00:00 2018` read
  with `%a %B %d %H:%M:%S %Y` (the page's %N dropped, as gentimes' starthuman has no
  subseconds) is 1534143600.000000, `Tue Aug 14 18:00:00 2018` 1534294800.000000; "The
  strptime function doesn't work with timestamps that consist of only a month and year";
  `strptime(starttime,"%s")` of 1534143600 is 1534143600.000000; time() prints six
  decimals; the strftime example `strftime(StartTimestamp/pow(10,9),
  "%Y-%m-%dT%H:%M:%S.%Q")` of 1521467703049000000 is 2018-03-19T06:55:03.049;
- "Multivalue eval functions", mvrange: `| makeresults | eval
  mv=mvrange(1514834731,1524134919,"7d")` gives the 16 values the page prints run
  together (1514834731 ... 1520277931, 1520879131, ... 1523903131: one step of the
  seven is an hour short, across the change to daylight saving time), and
  `mvrange(1,11,2)` is 1, 3, 5, 7, 9.
"""

from __future__ import annotations

import pytest

from devkit.spl import SplUnsupported, format_value

PDT_2025_04_29_234522 = 1745995522


@pytest.fixture
def pacific(make_spl):
    return make_spl(tz="America/Los_Angeles")


def evaluate(spl, expression):
    rows = spl(f"| makeresults | eval result={expression}", [])
    return format_value(rows[0].get("result"))


@pytest.mark.parametrize("text, fmt, expected", [
    ("2022-9-25T09:45:22.000", "%Y-%m-%dT%H:%M:%S.%Q", "1664124322.000000"),
    ("2022-12-15 09:45:22", "%Y-%m-%d %H:%M:%S", "1671126322.000000"),
    ("Mon Aug 13 00:00:00 2018", "%a %B %d %H:%M:%S %Y", "1534143600.000000"),
    ("Tue Aug 14 18:00:00 2018", "%a %B %d %H:%M:%S %Y", "1534294800.000000"),
    ("1534143600", "%s", "1534143600.000000"),
])
def test_strptime_documented_conversions(pacific, text, fmt, expected):
    assert evaluate(pacific, f'strptime("{text}", "{fmt}")') == expected


@pytest.mark.parametrize("text, fmt", [
    ("Mon July 23 2022 17:19:01.89", "%a %B %d %Y %H:%M:%S.%N"),
    ("Mon 7/23/2022 17:19:01.89", "%a %m/%d/%Y %H:%M:%S.%N"),
    ("2022/07/23 17:19:01.89", "%Y/%m/%d %H:%M:%S.%N"),
    ("2022-07-23T17:19:01.89", "%Y-%m-%dT%H:%M:%S.%N"),
])
def test_strptime_reads_each_row_of_the_page_table_alike(pacific, text, fmt):
    # The table pairs four spellings of one moment with their formats: each reads as
    # 2022-07-23 17:19:01.89 Pacific time.
    assert evaluate(pacific, f'strptime("{text}", "{fmt}")') == "1658621941.890000"


def test_strptime_needs_a_day(pacific):
    assert evaluate(pacific, 'strptime("2022-08", "%Y-%m")') == ""
    assert evaluate(pacific, 'strptime("11:59", "%H:%M")') == ""


@pytest.mark.parametrize("fmt, expected", [
    ("%Y-%m-%dT%H:%M:%S.%Q", "2025-04-29T23:45:22.000"),
    ("%b %d, %Y %I:%M:%S %p", "Apr 29, 2025 11:45:22 PM"),
    ("%m-%d-%Y %H:%M:%S.%Q %z", "04-29-2025 23:45:22.000 -0700"),
    ("%d/%b/%Y:%H:%M:%S.%f %z", "29/Apr/2025:23:45:22.000000 -0700"),
    ("%a %b %d, %Y", "Tue Apr 29, 2025"),
    ("%d %b '%y = %Y-%m-%d", "29 Apr '25 = 2025-04-29"),
    ("%Y-%m-%dT%T", "2025-04-29T23:45:22"),
    ("%+", "Tue Apr 29 23:45:22 PDT 2025"),
])
def test_strftime_documented_renderings(pacific, fmt, expected):
    assert evaluate(pacific, f'strftime({PDT_2025_04_29_234522}, "{fmt}")') == expected


@pytest.mark.parametrize("day, week", [("2025-02-03", "06"), ("2025-02-02", "05"),
                                       ("2025-02-01", "05")])
def test_week_of_the_year(pacific, day, week):
    assert evaluate(pacific, f'strftime(strptime("{day}", "%Y-%m-%d"), "%Y-%V")') == (
        f"2025-{week}")


def test_strftime_of_nanoseconds_divided_down(pacific):
    rows = pacific('| makeresults | eval StartTimestamp="1521467703049000000"| eval '
                   'starttime=strftime(StartTimestamp/pow(10,9),"%Y-%m-%dT%H:%M:%S.%Q")', [])
    assert rows[0]["starttime"] == "2018-03-19T06:55:03.049"


@pytest.mark.parametrize("variable", ["%x", "%X", "%E"])
def test_locale_and_unknown_variables_are_refused(spl, variable):
    with pytest.raises(SplUnsupported, match=variable):
        spl(f'| makeresults | eval t=strftime(now(), "{variable}")', [])


def test_time_prints_microseconds(spl):
    assert evaluate(spl, "time()") == f"{int(spl.now)}.000000"


def test_mvrange_with_a_seven_day_step(pacific):
    rows = pacific('| makeresults | eval mv=mvrange(1514834731,1524134919,"7d") '
                   '| eval joined=mvjoin(mv, "")', [])
    assert rows[0]["joined"] == (
        "1514834731151543953115160443311516649131151725393115178587311518463531151906833115"
        "196731311520277931152087913115214839311522088731152269353115232983311523903131")


def test_mvrange_numbers(spl):
    rows = spl("| makeresults | eval mv=mvrange(1,11,2)", [])
    assert [format_value(v) for v in rows[0]["mv"]] == ["1", "3", "5", "7", "9"]
