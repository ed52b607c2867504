"""The Thresholds tab's checks, called as the page's handler calls them (in-process here;
tests/setup/test_settings_handler.py plays whole saves through the real handler).

Oracle: what the page promises an admin (docs/configuration.md, Configuration page:
thresholds are whole numbers in a range, the multiplier a number from 1 to 100, the
enumeration window a time span from 1 to 10 minutes, and the cross-field relations such
as the floor not above the ceiling), and Splunk's time span units as streamstats'
time_window documents them (s, m, h and their long forms). Each check returns the value
to save or raises ValueError with a sentence naming the field.
"""

from __future__ import annotations

import pytest
from cloud_secrets_setup import fields

BY_MACRO = {f.macro: f for f in fields.THRESHOLDS}
FLOOR = BY_MACRO["cloud_secrets_volume_min_distinct"]
CEILING = BY_MACRO["cloud_secrets_volume_ceiling"]
MULTIPLIER = BY_MACRO["cloud_secrets_volume_baseline_multiplier"]
WINDOW = BY_MACRO["cloud_secrets_enumeration_window"]
LAG = BY_MACRO["cloud_secrets_baseline_max_lag"]
PLATFORMS = BY_MACRO["cloud_secrets_cross_cloud_min_platforms"]


@pytest.mark.parametrize(("field", "value", "saved"), [
    (FLOOR, "1", "1"), (FLOOR, "100000", "100000"), (FLOOR, " 20 ", "20"),
    (FLOOR, "007", "7"),  # saved as the number it is
    (LAG, "0", "0"), (LAG, "1380", "1380"), (PLATFORMS, "2", "2"), (PLATFORMS, "4", "4"),
])
def test_whole_numbers_in_range_are_saved_as_numbers(field, value, saved):
    assert field.check(value) == saved


@pytest.mark.parametrize(("field", "value"), [
    (FLOOR, "0"), (FLOOR, "100001"), (FLOOR, "-1"), (FLOOR, "1.5"), (FLOOR, "twenty"),
    (FLOOR, ""), (FLOOR, "2 0"), (LAG, "1381"), (LAG, "-0"), (PLATFORMS, "1"), (PLATFORMS, "5"),
])
def test_other_values_are_refused_naming_the_field_and_the_range(field, value):
    with pytest.raises(ValueError) as refused:
        field.check(value)
    message = str(refused.value)
    assert message.startswith(field.label), message
    low, high = {FLOOR.macro: ("1", "100000"), LAG.macro: ("0", "1380"),
                 PLATFORMS.macro: ("2", "4")}[field.macro]
    assert f"whole number from {low} to {high}" in message, message


@pytest.mark.parametrize(("value", "ok"), [
    ("1", True), ("100", True), ("1.5", True), ("2.25", True), (" 3 ", True),
    ("0.5", False), ("100.5", False), ("0", False), ("-2", False), ("1e2", False),
    (".5", False), ("2.", False), ("two", False),
])
def test_the_multiplier_is_a_decimal_number_from_1_to_100(value, ok):
    if ok:
        assert MULTIPLIER.check(value) == value.strip()
        return
    with pytest.raises(ValueError, match=r"^Multiple of the busiest baseline hour must be a "
                                         r"number from 1 to 100, such as 2 or 1\.5\.$"):
        MULTIPLIER.check(value)


@pytest.mark.parametrize("value", ["60s", "1m", "10m", "600s", "600sec", "10min", "10minutes",
                                   "1minute", "60seconds", "60secs", "5mins"])
def test_the_window_is_a_time_span_from_1_to_10_minutes(value):
    assert WINDOW.check(value) == value


@pytest.mark.parametrize(("value", "words"), [
    ("59s", "from 1 to 10 minutes"), ("601s", "from 1 to 10 minutes"),
    ("11m", "from 1 to 10 minutes"), ("1h", "from 1 to 10 minutes"),
    ("10", "a whole number and a unit"), ("m", "a whole number and a unit"),
    ("10 m", "a whole number and a unit"), ("10d", "a whole number and a unit"),
    ("1.5m", "a whole number and a unit"), ("", "a whole number and a unit"),
    ("10\tm", "on one line"),
])
def test_other_windows_are_refused_saying_why(value, words):
    with pytest.raises(ValueError) as refused:
        WINDOW.check(value)
    message = str(refused.value)
    assert message.startswith("Enumeration window"), message
    assert words in message, message


def relation(smaller, larger):
    return next(check for check in fields.RELATIONS["thresholds"]
                if check.args[:2] == (smaller, larger))


def test_the_floor_may_not_be_above_the_ceiling():
    check = relation(FLOOR, CEILING)
    check({FLOOR.macro: "20", CEILING.macro: "100"})
    check({FLOOR.macro: "100", CEILING.macro: "100"})  # equal is allowed
    with pytest.raises(ValueError) as refused:
        check({FLOOR.macro: "101", CEILING.macro: "100"})
    assert str(refused.value).startswith(f"{FLOOR.label} (101) must not be more than "
                                         f"{CEILING.label} (100): ")


def test_a_value_set_by_hand_that_is_not_a_number_is_left_to_its_own_check():
    check = relation(FLOOR, CEILING)
    check({FLOOR.macro: "`floor`", CEILING.macro: "10"})
    check({FLOOR.macro: "50", CEILING.macro: "ten"})
    check({})  # nothing known: nothing to compare
    check({FLOOR.macro: "50"})  # only one side known
    check({CEILING.macro: "50"})
