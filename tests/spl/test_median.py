"""`stats median(X)`, which the baseline search uses for the typical busiest hour.

Oracle: Search Reference, "Statistical and charting functions" > "Aggregate functions",
median(<value>):
https://help.splunk.com/splunk-enterprise/spl-search-reference/9.4/statistical-and-charting-functions/aggregate-functions
- it returns the middle-most value of the values of the field;
- "If you have an even number of search results, the median calculation is the average
  of the two middle-most values";
- its basic example: the Buttercup Games store's customers per product category
  yesterday (ACCESSORIES 37, ARCADE 58, NULL 8, SIMULATION 34, SPORTS 13, STRATEGY 74,
  TEE 38); sorted, the middle-most value is 37.
"""

from __future__ import annotations

BUTTERCUP = {"ACCESSORIES": 37, "ARCADE": 58, "NULL": 8, "SIMULATION": 34, "SPORTS": 13,
             "STRATEGY": 74, "TEE": 38}


def per_category(counts):
    return [{"categoryId": name, "count": str(n)} for name, n in counts.items()]


def test_the_documented_example_gives_the_middle_most_value(spl):
    rows = spl("search * | stats median(count) AS median", per_category(BUTTERCUP))
    assert rows == [{"median": 37.0}]


def test_an_even_number_of_results_gives_the_average_of_the_two_middle_most(spl):
    # The example without its largest category: 8 13 34 37 38 58 -> (34 + 37) / 2.
    counts = {k: v for k, v in BUTTERCUP.items() if k != "STRATEGY"}
    rows = spl("search * | stats median(count) AS median", per_category(counts))
    assert rows == [{"median": 35.5}]


def test_values_are_ordered_as_numbers_not_as_text(spl):
    # As text, "100" < "9" < "90"; as numbers the middle one is 90.
    events = [{"n": v} for v in ("9", "100", "90")]
    assert spl("search * | stats median(n) AS m", events) == [{"m": 90.0}]


def test_per_group_and_results_without_the_field(spl):
    # The baseline search's shape: one median per principal over its daily busiest hours.
    events = ([{"principal": "a", "busiest": n} for n in ("8", "400", "7", "9", "8")]
              + [{"principal": "b", "busiest": "5"}, {"principal": "b"}])
    rows = spl("search * | stats median(busiest) AS typical by principal", events)
    assert rows == [{"principal": "a", "typical": 8.0}, {"principal": "b", "typical": 5.0}]


def test_no_numeric_value_gives_no_median(spl):
    rows = spl("search * | stats count median(n) AS m", [{"n": "x"}, {"other": "1"}])
    assert rows == [{"count": 2.0}]
