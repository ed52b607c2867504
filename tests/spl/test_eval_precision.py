"""How eval prints numbers: the precision of decimal numbers, `exact`, `sigfig`, `round`,
and the doubles that stats computes.

Oracles (Search Reference, Splunk Enterprise 9.x), each example and its printed result
quoted from its page:
- "eval", Usage, Rounding: `| eval decimal1=8.250 * 0.2, decimal2=8.250 * 0.20,
  decimal3=8.250 * 0.200, exact=8.250 * exact(0.2)` gives decimal1 2, decimal2 1.7,
  decimal3 1.65, exact 1.650; Example 10: `pow(2, 53)-1` is 9007199254740991 and adding
  1 or 2 both give 9007199254740992; Example 9: x=1000000.1278 with
  `tostring(x,"commas")` is 1,000,000.13;
- "Mathematical functions", sigfig: `1.00*1111` returns 1111 but `sigfig(1.00*1111)`
  returns 1110; `123.0 + 4.567` keeps one decimal place, 127.6; `| makeresults
  count=100 | eval test=3.99 | stats avg(test)` is 3.9900000000000055, with
  count=10000 3.990000000000215, and `sigfig(test*1.00)` of the latter is 3.99;
- "Mathematical functions" / "Statistical eval functions", sum and avg: `eval a = 5.0`
  is "a field called a with value 5.0";
- "makeresults", Extended example 5: `round(random()/random(),4)` prints 0.8050 and
  24.1940 where the unrounded values print 0.804991002129475 and 24.193952675772845 (a
  double of integers prints in full);
- "Aggregate functions", sumsq: `stats mean(temp)` of 65 42 40 31 47 53 64 is
  48.857142857142854.
"""

from __future__ import annotations

import pytest

from devkit.spl import SplError, format_value


def one(spl, search):
    rows = spl(search, [])
    assert len(rows) == 1
    return {name: format_value(value) for name, value in rows[0].items()}


def test_eval_page_rounding_example(spl):
    row = one(spl, "|makeresults \n| eval decimal1=8.250 * 0.2, decimal2=8.250 * 0.20, "
                   "decimal3=8.250 * 0.200, \n  exact=8.250 * exact(0.2)")
    assert (row["decimal1"], row["decimal2"], row["decimal3"], row["exact"]) == (
        "2", "1.7", "1.65", "1.650")


def test_eval_page_values_outside_the_supported_range(spl):
    row = one(spl, "| makeresults | eval max_supported_val = pow(2, 53)-1, "
                   "val1 = max_supported_val + 1, val2 = max_supported_val + 2")
    assert (row["max_supported_val"], row["val1"], row["val2"]) == (
        "9007199254740991", "9007199254740992", "9007199254740992")


def test_eval_page_commas_example(spl):
    row = one(spl, '| makeresults | eval x=1000000.1278 | eval y=tostring(x,"commas"), '
                   'z="$".tostring(x,"commas")')
    assert (row["y"], row["z"]) == ("1,000,000.13", "$1,000,000.13")


def test_sigfig_examples(spl):
    row = one(spl, "| makeresults | eval plain=1.00*1111, n=sigfig(1.00*1111), "
                   "sum=123.0 + 4.567, s=sigfig(123.0 + 4.567)")
    assert (row["plain"], row["n"], row["sum"], row["s"]) == ("1111", "1110", "127.6", "127.6")


@pytest.mark.parametrize("count, expected", [(100, "3.9900000000000055"),
                                             (10000, "3.990000000000215")])
def test_avg_prints_the_double_in_full(spl, count, expected):
    row = one(spl, f"| makeresults count={count} | eval test=3.99 | stats avg(test)")
    assert row["avg(test)"] == expected


def test_sigfig_of_an_average_times_one_point_zero_zero(spl):
    row = one(spl, "| makeresults count=10000 | eval test=3.99 | stats avg(test) AS test "
                   "| eval new_test=sigfig(test*1.00)")
    assert row["new_test"] == "3.99"


def test_a_decimal_literal_keeps_its_places(spl):
    row = one(spl, '| makeresults | eval a = 5.0, b = "9"')
    assert (row["a"], row["b"]) == ("5.0", "9")


def test_round_keeps_its_places_and_a_quotient_of_integers_prints_in_full(spl):
    row = one(spl, "| makeresults | eval test=round(0.804991002129475,4), "
                   "other=round(24.193952675772845,4), q=5371091109260495/1000000000000000")
    assert (row["test"], row["other"], row["q"]) == ("0.8050", "24.1940", "5.371091109260495")


def test_stats_mean_prints_the_double_in_full(spl):
    events = [{"temp": t} for t in ("65", "42", "40", "31", "47", "53", "64")]
    rows = spl("search * | stats mean(temp)", events)
    assert format_value(rows[0]["mean(temp)"]) == "48.857142857142854"


def test_precision_comes_from_field_values_too(spl):
    # The rule of the sigfig page applies to every operand, field values included:
    # 0.014 and 0.23 have two significant figures each, so their product has two.
    row = one(spl, "| makeresults | eval x1 = 0.014 | eval x2 = 0.23 | eval x3 = x1 * x2")
    assert row["x3"] == "0.0032"


def test_exact_uses_the_double_in_full_within_an_expression(spl):
    # "exact: renders the result of a numeric expression with a larger amount of
    # precision": the rounding is in the printing, not in the value exact() receives.
    row = one(spl, "| makeresults | eval c = 0.5 | eval shown = 3 * c, full = exact(3 * c)")
    assert (row["shown"], row["full"]) == ("2", "1.5")


def test_round_refuses_negative_places(spl):
    # Mathematical functions, round: "You cannot specify a negative number for the
    # decimal places."
    with pytest.raises(SplError, match="negative"):
        spl("| makeresults | eval n=round(1234.5, -2)", [])
