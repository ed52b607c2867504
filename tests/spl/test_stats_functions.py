"""The percentile, spread and mode functions of stats, and the names stats gives fields.

Oracles (Search Reference, Splunk Enterprise 9.x), "Aggregate functions":
- perc: "Consider this list of values Y = {10,9,8,7,6,5,4,3,2,1}. The following example
  returns 5.5. `...| stats perc50(Y)` The following example returns 9.55. `...| stats
  perc95(Y)`"; the extended example `index=visitor_count | streamstats sum(visitors) as
  'visitors total' | stats perc50('visitors total') perc95('visitors total')` gives the
  columns `perc50(visitors total)` 1996.5 and `perc95(visitors total)` 3858.35 over the
  page's "visitors total" column 0 212 579 1068 1692 2301 2793 3306 3673 4010 (its
  streamstats table, whose 1600 row adds 367 where its visitors column says 376: the
  tests below take the visitors of the rows before it); "upperperc ... Otherwise the
  upperperc function returns the same percentile as the perc function", exactperc and
  the abbreviation `p<percentile>` name the same percentile;
- sumsq: the temperatures 65 42 40 31 47 53 64 give `mean(temp)` 48.857142857142854,
  `sumsq(temp)` 17664 and `stdev(temp)` 12.615183595289349;
- stdev/var of a single value: the extended example's MbLg row (count 1) has stdev and
  var 0;
- mode: ages 32 45 29 45 37 give 45, surnames Garcia Mayer Garcia Zhang Garcia give
  Garcia, hosts www1 www1 www2 www3 www1 give www1.
"stats" and "rename": "You cannot rename one field with multiple names ... `... | stats
first(host) AS site, first(host) AS report` is not valid."
"""

from __future__ import annotations

import pytest

from devkit.spl import SplError, format_value

Y = [{"Y": str(value)} for value in (10, 9, 8, 7, 6, 5, 4, 3, 2, 1)]
VISITORS_TOTAL = (0, 212, 579, 1068, 1692, 2301, 2793, 3306, 3673, 4010)
TEMPERATURES = [{"temp": str(t)} for t in (65, 42, 40, 31, 47, 53, 64)]


def shown(rows):
    return [{name: format_value(value) for name, value in row.items()} for row in rows]


def test_perc50_and_perc95_of_ten_values(spl):
    rows = spl("search * | stats perc50(Y) perc95(Y)", Y)
    assert shown(rows) == [{"perc50(Y)": "5.5", "perc95(Y)": "9.55"}]


def test_percentile_variants_name_the_same_percentile(spl):
    rows = spl("search * | stats p95(Y) exactperc95(Y) upperperc95(Y)", Y)
    assert shown(rows) == [{"p95(Y)": "9.55", "exactperc95(Y)": "9.55",
                            "upperperc95(Y)": "9.55"}]


def test_percentiles_of_a_single_quoted_field(spl):
    events = [{"visitors total": str(v)} for v in VISITORS_TOTAL]
    rows = spl("search * | stats perc50('visitors total') perc95('visitors total')", events)
    assert shown(rows) == [{"perc50(visitors total)": "1996.5",
                            "perc95(visitors total)": "3858.35"}]


def test_streamstats_as_a_single_quoted_name(spl):
    visitors = (0, 212, 367, 489, 624, 609, 492, 513)  # the page's rows 0800 to 1500
    events = [{"visitors": str(v)} for v in visitors]
    rows = spl("search * | streamstats sum(visitors) as 'visitors total'", events)
    assert [format_value(r["visitors total"]) for r in rows] == [
        str(v) for v in VISITORS_TOTAL[:8]]


def test_mean_sumsq_and_stdev_of_the_temperatures(spl):
    rows = spl("search * | stats mean(temp), sumsq(temp), stdev(temp)", TEMPERATURES)
    assert shown(rows) == [{"mean(temp)": "48.857142857142854", "sumsq(temp)": "17664",
                            "stdev(temp)": "12.615183595289349"}]


def test_spread_of_a_single_value_is_zero(spl):
    rows = spl("search * | stats count stdev(mag) var(mag)", [{"mag": "0"}])
    assert shown(rows) == [{"count": "1", "stdev(mag)": "0", "var(mag)": "0"}]


def test_population_and_sample_spread_agree_with_their_definitions(spl):
    # "stdevp: the population standard deviation", "varp: the population variance":
    # the sum of squared deviations over n, where stdev and var divide by n - 1.
    rows = spl("search * | stats var(x) varp(x) stdevp(x)", [{"x": "2"}, {"x": "4"}])
    assert shown(rows) == [{"var(x)": "2", "varp(x)": "1", "stdevp(x)": "1"}]


@pytest.mark.parametrize("field, values, expected", [
    ("age", ("32", "45", "29", "45", "37"), "45"),
    ("surname", ("Garcia", "Mayer", "Garcia", "Zhang", "Garcia"), "Garcia"),
    ("host", ("www1", "www1", "www2", "www3", "www1"), "www1"),
])
def test_mode(spl, field, values, expected):
    rows = spl(f"search * | stats mode({field})", [{field: v} for v in values])
    assert rows[0][f"mode({field})"] == expected


def test_one_function_cannot_get_two_names(spl):
    with pytest.raises(SplError, match="named twice"):
        spl("search * | stats first(host) AS site, first(host) AS report", [{"host": "a"}])


def test_a_percentile_above_one_hundred_is_an_error(spl):
    # "Valid percentile values are floating point numbers between 0 and 100".
    with pytest.raises(SplError, match="0 to 100"):
        spl("search * | stats perc101(Y)", Y)


AGES = ("| makeresults count=4 \n| streamstats count \n"
        '| eval age = case(count=1, 25, count=2, 39, count=3, 31, count=4, "test")\n'
        '| eval city = case(count=1 OR count=3, "San Francisco", count=2 OR count=4, '
        '"Seattle")\n')


@pytest.mark.parametrize("allnum, seattle", [("", ["39", "39"]), ("allnum=true ", ["", ""])])
def test_eventstats_allnum(spl, allnum, seattle):
    # "eventstats", Extended example: "The alphabetic values are treated like null
    # values" (Seattle's average is 39); with allnum=true "Because the age field contains
    # values for Seattle that are not all numbers, the entire set of values for Seattle
    # are ignored. No average is calculated."
    rows = spl(AGES + f"| eventstats {allnum}avg(age) BY city", [])
    assert [format_value(r.get("avg(age)")) for r in rows] == [
        "28", seattle[0], "28", seattle[1]]
