"""The evaluation functions' documented examples, run as their pages write them.

Oracles (Search Reference, Splunk Enterprise 9.x), "Evaluation functions" pages, each
example quoted with the result the page gives:
- Comparison and Conditional: cidrmatch (`subnet="192.0.2.0/24", ip="192.0.3.0"` gives
  false; `where cidrmatch("192.0.2.0/24", ip)` keeps 192.0.2.56; `search
  ip="192.0.2.0/24"` keeps it too; the IPv6 /120 example gives true); in (`where
  "203.0.113.255" in(ipaddress, clientip)`); match with escaped quotes (`test="\\"yes\\""`
  matches, 1); nullif (the ponies table: buttercup where the names differ, nothing
  where they match); case with true() (the status table: 408 and 406 give Other);
- Mathematical: sum (`a = 5.0, b = "9", x = sum(a, b, c)`: a 5.0, x 14; `sum(1, 2, 3)` 6;
  `sum(1, 2, "3")` "returns an error"; `sum(1, 2, tonumber("3"))` 6; `a="1", c=sum(a, 2,
  3)` 6; `a="somedata", c=sum(a, 2, 3)` 5), log with a base, sqrt(9) 3, ceil(1.9) 2,
  floor(1.9) 1;
- Statistical eval: avg (`avg(a, b, c)` 7, `avg(1, 2, 3)` 2, `a="somedata", c=avg(a, 2,
  3)` 2.5, `avg(1, 2, "3")` an error); max and min over makemv fields ("1 3 5 6 4 2"
  gives 6, "3 5 6 4 7 2" gives 2), `min(3, 6, 7, "maria", size)` 3 for size 9 and 1 for
  size 1;
- Multivalue: mvindex over the names and ponies tables (2 is claudia, 0..3 alex
  celestino claudia david, -1 rarity, -3 minty, -3..-1 minty pinky rarity); mvjoin
  (`base=mvrange(1,6), joined=mvjoin('base'," OR ")` is 1 OR 2 OR 3 OR 4 OR 5); mvmap
  ("multiplies each value in the results field by 10", "the 2nd and 3rd values ... by
  threshold"); split (`split(test,"")` a b c d; on "def" 1a2b3c4 567890; on "::" name
  value); mvreverse (1,2,3 to 3,2,1); mvappend (localhost, 203.0.113.0, 203.0.113.255,
  192.168.1.1); mvfilter (the .net and .org addresses);
- Text: `ltrim("   ZZZZabcZZ ", " Z")` is "abcZZ ", `trim(...)` "abc", `substr("string",
  1, 3) + substr("string", -3)` "string", urldecode, `replace(dst,":.*","")` of
  54.81.233.206:443:X1, len of the names table;
- Conversion: `tostring(1==1) + " " + tostring(15, "hex") + " " + tostring(12345.6789,
  "commas")` is "True 0xF 12,345.68"; `foo=615 | eval foo2 = tostring(foo, "duration")`
  is 00:10:15;
- Informational: `typeof(_time)` of makeresults is Number.
"""

from __future__ import annotations

import pytest

from devkit.spl import SplError, format_value


def row_of(spl, search):
    rows = spl(search, [])
    assert len(rows) == 1
    return {name: format_value(value, ",") for name, value in rows[0].items()}


def test_cidrmatch_examples(spl):
    row = row_of(spl, '| makeresults \n| eval subnet="192.0.2.0/24", ip="192.0.3.0"\n'
                      '| eval result=if(cidrmatch(subnet, ip), "true", "false")')
    assert row["result"] == "false"
    assert len(spl('| makeresults \n| eval ip="192.0.2.56" \n'
                   '| where cidrmatch("192.0.2.0/24", ip)', [])) == 1
    assert len(spl('| makeresults \n| eval ip="192.0.2.56" \n'
                   '| search ip="192.0.2.0/24"', [])) == 1
    row = row_of(spl, '| makeresults \n'
                      '| eval subnet="2001:0db8:ffff:ffff:ffff:ffff:ffff:ff00/120", '
                      'ip="2001:0db8:ffff:ffff:ffff:ffff:ffff:ff99"\n'
                      '| eval result = if(cidrmatch(subnet, ip), "true", "false")')
    assert row["result"] == "true"


def test_in_with_a_literal_on_the_left(spl):
    rows = spl('| makeresults | eval clientip="203.0.113.255" '
               '| where "203.0.113.255" in(ipaddress, clientip)', [])
    assert len(rows) == 1


def test_match_with_escaped_quotes(spl):
    row = row_of(spl, '| makeresults | eval test="\\"yes\\""  '
                      '| eval matches = if(match(test, "\\"yes\\""), 1, 0)')
    assert (row["test"], row["matches"]) == ('"yes"', "1")


def test_nullif_ponies(spl):
    rows = spl('| makeresults\n| eval names="buttercup rarity tenderhoof dash"\n'
               '| makemv delim=" " names\n| mvexpand names\n'
               '| eval ponies = if(names="buttercup", "mistmane", names)'
               '| eval compare = nullif(names, ponies)', [])
    assert [(r["names"], r["ponies"], r.get("compare")) for r in rows] == [
        ("buttercup", "mistmane", "buttercup"), ("rarity", "rarity", None),
        ("tenderhoof", "tenderhoof", None), ("dash", "dash", None)]


def test_case_with_a_true_default(spl):
    events = [{"status": s} for s in ("200", "200", "408", "200", "404", "200", "200",
                                      "406", "200")]
    rows = spl('search * | eval description=case(status==200,"OK", status==404, '
               '"Not found", true(), "Other") | table status description', events)
    assert [r["description"] for r in rows] == ["OK", "OK", "Other", "OK", "Not found", "OK",
                                                "OK", "Other", "OK"]


def test_sum_and_avg_examples(spl):
    row = row_of(spl, '| makeresults | eval a = 5.0, b = "9", x = sum(a, b, c), '
                      'y = avg(a, b, c)')
    assert (row["a"], row["b"], row["x"], row["y"]) == ("5.0", "9", "14", "7")
    assert "c" not in row
    row = row_of(spl, '| makeresults | eval c=sum(1, 2, 3), d=avg(1, 2, 3), '
                      'e=sum(1, 2, tonumber("3")), f=avg(1, 2, tonumber("3"))')
    assert (row["c"], row["d"], row["e"], row["f"]) == ("6", "2", "6", "2")
    row = row_of(spl, '| makeresults | eval a="1", c=sum(a, 2, 3), d=avg(a, 2, 3)')
    assert (row["a"], row["c"], row["d"]) == ("1", "6", "2")
    row = row_of(spl, '| makeresults | eval a="somedata", c=sum(a, 2, 3), d=avg(a, 2, 3)')
    assert (row["a"], row["c"], row["d"]) == ("somedata", "5", "2.5")


@pytest.mark.parametrize("expression", ['sum(1, 2, "3")', 'avg(1, 2, "3")',
                                        'sum("somedata", 2, 3)', 'avg("somedata", 2, 3)'])
def test_a_quoted_string_argument_of_sum_or_avg_is_an_error(spl, expression):
    with pytest.raises(SplError, match="string"):
        spl(f"| makeresults | eval c={expression}", [])


def test_mathematical_basic_examples(spl):
    row = row_of(spl, "| makeresults | eval a=sqrt(9), b=ceil(1.9), c=floor(1.9), "
                      "d=log(8,2), e=log(100), f=round(3.5), g=round(2.555, 2)")
    assert (row["a"], row["b"], row["c"], row["d"], row["e"], row["f"], row["g"]) == (
        "3", "2", "1", "3", "2", "4", "2.56")


@pytest.mark.parametrize("values, function, expected", [
    ("1 3 5 6 4 2", "max", "6"), ("3 5 6 4 7 2", "min", "2")])
def test_max_and_min_of_a_multivalue_field(spl, values, function, expected):
    row = row_of(spl, f'| makeresults | eval n = "{values}" | makemv n\n'
                      f'| eval m = {function}(n)')
    assert row["m"] == expected


@pytest.mark.parametrize("size, expected", [("9", "3"), ("1", "1")])
def test_min_with_a_string(spl, size, expected):
    row = row_of(spl, f'| makeresults | eval size={size} | eval n=min(3, 6, 7, "maria", size)')
    assert row["n"] == expected


NAMES = 'split("alex,celestino,claudia,david,ikraam,nyah,rutherford,wei", ",")'
PONIES = 'split("buttercup,dash,flutter,honey,ivory,minty,pinky,rarity", ",")'


@pytest.mark.parametrize("expression, expected", [
    (f"mvindex({NAMES},2)", "claudia"),
    (f"mvindex({NAMES},0,3)", "alex,celestino,claudia,david"),
    (f"mvindex({PONIES},-1)", "rarity"),
    (f"mvindex({PONIES},-3)", "minty"),
    (f"mvindex({PONIES}, -3, -1)", "minty,pinky,rarity"),
    ('mvreverse(split("1,2,3", ","))', "3,2,1"),
    ('split("abcd","")', "a,b,c,d"),
    ('split("1a2b3c4def567890","def")', "1a2b3c4,567890"),
    ('split("name::value","::")', "name,value"),
    ('mvappend("localhost", "203.0.113.0", "203.0.113.255", "192.168.1.1")',
     "localhost,203.0.113.0,203.0.113.255,192.168.1.1"),
])
def test_multivalue_examples(spl, expression, expected):
    assert row_of(spl, f"| makeresults | eval r={expression}")["r"] == expected


def test_mvjoin_of_a_range(spl):
    row = row_of(spl, "| makeresults | eval base=mvrange(1,6), joined=mvjoin('base',\" OR \")")
    assert row["joined"] == "1 OR 2 OR 3 OR 4 OR 5"


def test_mvmap_examples(spl):
    row = row_of(spl, '| makeresults | eval results=mvappend("1","2","3"), threshold=2 '
                      '| eval n=mvmap(results, results*10), '
                      'm=mvmap(mvindex(results, 1,2), results*threshold)')
    assert (row["n"], row["m"]) == ("10,20,30", "4,6")


def test_mvfilter_keeps_net_and_org(spl):
    row = row_of(spl, '| makeresults | eval email=mvappend("a@b.net","c@d.com","e@f.org") '
                      '| eval n=mvfilter(match(email, "\\.net$") OR match(email, "\\.org$"))')
    assert row["n"] == "a@b.net,e@f.org"


def test_text_examples(spl):
    row = row_of(spl, '| makeresults | eval x=ltrim("   ZZZZabcZZ ", " Z"), '
                      't=trim("   ZZZZabcZZ ", " Z"), '
                      'n=substr("string", 1, 3) + substr("string", -3), '
                      'u=urldecode("http%3A%2F%2Fwww.splunk.com%2Fdownload%3Fr%3Dheader"), '
                      'dst=replace("54.81.233.206:443:X1",":.*","")')
    assert (row["x"], row["t"], row["n"], row["u"], row["dst"]) == (
        "abcZZ ", "abc", "string", "http://www.splunk.com/download?r=header", "54.81.233.206")


def test_len_of_the_names_table(spl):
    events = [{"names": n} for n in ("buttercup", "rarity", "tenderhoof", "dash", "mistmane")]
    rows = spl("search * | eval length=len(names)", events)
    assert [format_value(r["length"]) for r in rows] == ["9", "6", "10", "4", "8"]


def test_conversion_examples(spl):
    row = row_of(spl, '| makeresults | eval n=tostring(1==1) + " " + tostring(15, "hex") + '
                      '" " + tostring(12345.6789, "commas")')
    assert row["n"] == "True 0xF 12,345.68"
    row = row_of(spl, '| makeresults | eval foo=615 | eval foo2 = tostring(foo, "duration")')
    assert (row["foo"], row["foo2"]) == ("615", "00:10:15")


def test_typeof_time(spl):
    assert row_of(spl, "| makeresults | eval t=typeof(_time)")["t"] == "Number"


def test_exp_ln_pi_and_random(spl):
    # Mathematical functions: exp(3) "returns y=e^3", ln the natural logarithm, pi()
    # "the constant pi to 11 digits of precision"; Statistical eval functions, random:
    # "a pseudo-random integer ranging from zero to 2^31-1".
    import math

    rows = spl("| makeresults | eval y=exp(3), l=ln(exp(2)), p=pi(), r=random()", [])
    assert rows[0]["y"] == math.exp(3) and rows[0]["l"] == 2.0
    assert format_value(rows[0]["p"]) == "3.14159265359"
    assert 0 <= rows[0]["r"] <= 2 ** 31 - 1 and rows[0]["r"] == int(rows[0]["r"])
