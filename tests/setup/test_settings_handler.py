"""The Data sources and Thresholds tabs: their values are the app's macros.

Oracle: splunkd's configs/conf-macros contract (the emulator in conftest.py keeps
default/ and local/ macros.conf as splunkd does) and the app's default/macros.conf.
"""

from __future__ import annotations

import pytest
from splunkd_emulator import read_conf

SCRIPT = "cloud_secrets_detection_rh_settings.py"
MACROS = "macros"


def posts(splunkd) -> list:
    return [r for r in splunkd.requests if r[0] == "POST"]


def test_listing_shows_the_shipped_macros(run_handler, installed_app):
    default = read_conf(installed_app / "default" / "macros.conf")
    answer = run_handler(SCRIPT, "list")
    assert set(answer["entries"]) == {"data_sources", "thresholds"}
    for tab in answer["entries"].values():
        for macro, value in tab.items():
            if macro.startswith("cloud_secrets_"):
                assert value == default[macro]["definition"], macro
    assert answer["entries"]["thresholds"]["cloud_secrets_baseline_days"] == "30"


def test_every_threshold_macro_is_on_the_page(run_handler, installed_app):
    default = read_conf(installed_app / "default" / "macros.conf")
    thresholds = {name for name, keys in default.items()
                  if keys["definition"].strip().replace(".", "").isdigit()
                  or name.endswith("_window")}
    listed = run_handler(SCRIPT, "list", "thresholds")["entries"]["thresholds"]
    assert thresholds <= set(listed), thresholds - set(listed)


def test_listing_shows_a_value_set_by_hand(run_handler, installed_app):
    local = installed_app / "local" / "macros.conf"
    local.parent.mkdir()
    local.write_text("[cloud_secrets_enumeration_burst_min]\ndefinition = 33\n")
    listed = run_handler(SCRIPT, "list", "thresholds")["entries"]["thresholds"]
    assert listed["cloud_secrets_enumeration_burst_min"] == "33"


def test_a_valid_save_writes_the_macros_to_local(run_handler, splunkd, installed_app):
    answer = run_handler(SCRIPT, "edit", "data_sources", {
        "cloud_secrets_aws_sources": "  index=aws sourcetype=aws:cloudtrail ",
        "cloud_secrets_vault_sources": "index=nothing_here"})
    assert "error" not in answer, answer
    local = read_conf(installed_app / "local" / "macros.conf")
    assert local == {
        "cloud_secrets_aws_sources": {"definition": "index=aws sourcetype=aws:cloudtrail"},
        "cloud_secrets_vault_sources": {"definition": "index=nothing_here"}}
    listed = answer["entries"]["data_sources"]
    assert listed["cloud_secrets_aws_sources"] == "index=aws sourcetype=aws:cloudtrail"
    assert {path.rsplit("/", 1)[1] for _, path, _ in posts(splunkd)} == {
        "cloud_secrets_aws_sources", "cloud_secrets_vault_sources"}
    # The replay and the saved searches read the same layered macros.conf.
    default = read_conf(installed_app / "default" / "macros.conf")
    assert "nothing_here" not in default["cloud_secrets_vault_sources"]["definition"]


def test_an_unchanged_value_is_not_written(run_handler, splunkd, installed_app):
    default = read_conf(installed_app / "default" / "macros.conf")
    answer = run_handler(SCRIPT, "edit", "thresholds", {
        "cloud_secrets_volume_min_distinct": default["cloud_secrets_volume_min_distinct"][
            "definition"],
        "cloud_secrets_baseline_days": "45"})
    assert "error" not in answer, answer
    assert [r[1].rsplit("/", 1)[1] for r in posts(splunkd)] == ["cloud_secrets_baseline_days"]
    assert read_conf(installed_app / "local" / "macros.conf") == {
        "cloud_secrets_baseline_days": {"definition": "45"}}


@pytest.mark.parametrize(("tab", "field", "value", "words"), [
    ("data_sources", "cloud_secrets_aws_sources", "index=aws | delete", "pipe"),
    ("data_sources", "cloud_secrets_gcp_sources", "index=gcp [search index=x]", "bracket"),
    ("data_sources", "cloud_secrets_azure_sources", 'index=azure sourcetype="mscs', "quote"),
    ("data_sources", "cloud_secrets_azure_sources", "(index=a OR index=b", "parenthesis"),
    ("data_sources", "cloud_secrets_vault_sources", "   ", "index=nothing_here"),
    ("data_sources", "cloud_secrets_aws_sources", "sourcetype=aws:cloudtrail", "add the index"),
    ("data_sources", "cloud_secrets_aws_sources", "index=* sourcetype=aws:cloudtrail",
     "index=*"),
    ("data_sources", "cloud_secrets_gcp_sources", "index=gcp earliest=-1y", "earliest"),
    ("data_sources", "cloud_secrets_azure_sources", "index=azure OR sourcetype=x",
     "every part"),
    ("data_sources", "cloud_secrets_vault_sources", r"index=vault sourcetype=a\b",
     "backslash"),
    ("thresholds", "cloud_secrets_volume_min_distinct", "twenty", "whole number"),
    ("thresholds", "cloud_secrets_volume_min_distinct", "0", "from 1"),
    ("thresholds", "cloud_secrets_volume_baseline_multiplier", "0.5", "from 1 to 100"),
    ("thresholds", "cloud_secrets_enumeration_window", "10 minutes please", "time span"),
    ("thresholds", "cloud_secrets_enumeration_window", "2h", "minutes"),
    ("thresholds", "cloud_secrets_baseline_days", "91", "1 to 90"),
    ("thresholds", "cloud_secrets_first_read_days", "0", "from 1 to 90"),
    ("thresholds", "cloud_secrets_first_read_days", "7.5", "whole number"),
    ("thresholds", "cloud_secrets_first_read_min_days", "31", "from 1 to 30"),
    ("thresholds", "cloud_secrets_cross_cloud_min_distinct", "100001", "from 1 to 100000"),
    ("thresholds", "cloud_secrets_cross_cloud_min_platforms", "1", "from 2 to 4"),
    ("thresholds", "cloud_secrets_cross_cloud_min_platforms", "5", "from 2 to 4"),
    ("thresholds", "cloud_secrets_volume_ceiling", "0", "from 1 to 100000"),
    ("thresholds", "cloud_secrets_volume_ceiling", "1e3", "whole number"),
    ("thresholds", "cloud_secrets_baseline_max_lag", "1381", "from 0 to 1380"),
    ("thresholds", "cloud_secrets_baseline_max_lag", "-5", "whole number"),
    ("thresholds", "cloud_secrets_baseline_max_lag", "30m", "whole number"),
    ("thresholds", "cloud_secrets_baseline_min_days", "0", "from 1 to 30"),
    ("thresholds", "cloud_secrets_baseline_min_days", "31", "from 1 to 30"),
    # The grant window is minutes, below the rule's 24-hour throttling (README).
    ("thresholds", "cloud_secrets_grant_read_window", "2h", "whole number"),
    ("thresholds", "cloud_secrets_grant_read_window", "0", "from 1 to 1380"),
    ("thresholds", "cloud_secrets_grant_read_window", "1440", "from 1 to 1380"),
    ("thresholds", "cloud_secrets_grant_read_min_distinct", "0", "from 1 to 100000"),
])
def test_an_invalid_value_writes_nothing(run_handler, splunkd, installed_app, tab, field,
                                         value, words):
    valid_first = ("cloud_secrets_aws_sources" if tab == "data_sources"
                   else "cloud_secrets_enumeration_denied_min")
    fine = "index=aws" if tab == "data_sources" else "7"
    data = {valid_first: fine, field: value} if field != valid_first else {field: value}
    answer = run_handler(SCRIPT, "edit", tab, data)
    assert words in answer.get("error", ""), answer
    assert "Traceback" not in answer["error"]
    assert posts(splunkd) == []
    assert not (installed_app / "local" / "macros.conf").exists()


def test_the_new_detections_thresholds_are_saved(run_handler, splunkd, installed_app):
    answer = run_handler(SCRIPT, "edit", "thresholds", {
        "cloud_secrets_first_read_days": "60", "cloud_secrets_first_read_min_days": " 14 ",
        "cloud_secrets_cross_cloud_min_distinct": "8",
        "cloud_secrets_cross_cloud_min_platforms": "3"})
    assert "error" not in answer, answer
    assert read_conf(installed_app / "local" / "macros.conf") == {
        "cloud_secrets_first_read_days": {"definition": "60"},
        "cloud_secrets_first_read_min_days": {"definition": "14"},
        "cloud_secrets_cross_cloud_min_distinct": {"definition": "8"},
        "cloud_secrets_cross_cloud_min_platforms": {"definition": "3"}}
    assert answer["entries"]["thresholds"]["cloud_secrets_first_read_min_days"] == "14"


def test_the_grant_then_read_thresholds_are_saved(run_handler, splunkd, installed_app):
    answer = run_handler(SCRIPT, "edit", "thresholds", {
        "cloud_secrets_grant_read_window": " 60 ", "cloud_secrets_grant_read_min_distinct": "2"})
    assert "error" not in answer, answer
    assert read_conf(installed_app / "local" / "macros.conf") == {
        "cloud_secrets_grant_read_window": {"definition": "60"},
        "cloud_secrets_grant_read_min_distinct": {"definition": "2"}}


@pytest.mark.parametrize(("data", "by_hand"), [
    # both in one save
    ({"cloud_secrets_first_read_days": "10", "cloud_secrets_first_read_min_days": "20"}, ""),
    # the window shrunk below the shipped learning time (7 days)
    ({"cloud_secrets_first_read_days": "5"}, ""),
    # the learning time raised above a window an admin set by hand
    ({"cloud_secrets_first_read_min_days": "14"},
     "[cloud_secrets_first_read_days]\ndefinition = 10\n"),
])
def test_the_learning_time_is_not_longer_than_the_window(run_handler, splunkd, installed_app,
                                                         data, by_hand):
    """The anomaly prunes reads older than first_read_days: a principal whose reads are
    further apart than that would never reach first_read_min_days of history."""
    local = installed_app / "local" / "macros.conf"
    if by_hand:
        local.parent.mkdir()
        local.write_text(by_hand)
    answer = run_handler(SCRIPT, "edit", "thresholds", data)
    assert "Days a principal learns" in answer.get("error", ""), answer
    assert "must not be more than Days before a secret counts as new" in answer["error"]
    assert "Traceback" not in answer["error"]
    assert posts(splunkd) == []
    assert local.read_text() == by_hand if by_hand else not local.exists()


@pytest.mark.parametrize(("data", "by_hand", "words"), [
    # the shipped floor (20) above a lowered ceiling
    ({"cloud_secrets_volume_ceiling": "15"}, "",
     "Minimum distinct secrets in an hour (20) must not be more than Distinct secrets in an "
     "hour that always alert (15)"),
    # a floor raised above a ceiling an admin set by hand
    ({"cloud_secrets_volume_min_distinct": "60"},
     "[cloud_secrets_volume_ceiling]\ndefinition = 50\n",
     "Minimum distinct secrets in an hour (60) must not be more than"),
    # the learned days needed above the days the baseline keeps
    ({"cloud_secrets_baseline_days": "2"}, "",
     "Learned days before a baseline counts (3) must not be more than Baseline days (2)"),
    ({"cloud_secrets_baseline_min_days": "10", "cloud_secrets_baseline_days": "7"}, "",
     "Learned days before a baseline counts (10) must not be more than Baseline days (7)"),
])
def test_the_new_thresholds_are_checked_against_each_other(run_handler, splunkd,
                                                            installed_app, data, by_hand,
                                                            words):
    local = installed_app / "local" / "macros.conf"
    if by_hand:
        local.parent.mkdir()
        local.write_text(by_hand)
    answer = run_handler(SCRIPT, "edit", "thresholds", data)
    assert words in answer.get("error", ""), answer
    assert posts(splunkd) == []
    assert local.read_text() == by_hand if by_hand else not local.exists()


def test_the_new_thresholds_are_saved_at_their_limits(run_handler, splunkd, installed_app):
    answer = run_handler(SCRIPT, "edit", "thresholds", {
        "cloud_secrets_volume_ceiling": "20", "cloud_secrets_baseline_max_lag": "0",
        "cloud_secrets_baseline_min_days": "30", "cloud_secrets_baseline_days": "30"})
    assert "error" not in answer, answer
    assert read_conf(installed_app / "local" / "macros.conf") == {
        "cloud_secrets_volume_ceiling": {"definition": "20"},
        "cloud_secrets_baseline_max_lag": {"definition": "0"},
        "cloud_secrets_baseline_min_days": {"definition": "30"}}
    listed = answer["entries"]["thresholds"]
    assert (listed["cloud_secrets_volume_ceiling"], listed["cloud_secrets_baseline_max_lag"]) == (
        "20", "0")


def test_the_shipped_source_macros_name_no_index_so_a_save_asks_for_one(run_handler, splunkd,
                                                                         installed_app):
    """The page sends every field of the tab; the shipped definitions (sourcetypes only)
    are refused until each names its index or leaves its platform out."""
    default = read_conf(installed_app / "default" / "macros.conf")
    data = {f"cloud_secrets_{p}_sources": default[f"cloud_secrets_{p}_sources"]["definition"]
            for p in ("aws", "gcp", "azure", "vault")}
    data["cloud_secrets_aws_sources"] = "index=aws sourcetype=aws:cloudtrail"
    answer = run_handler(SCRIPT, "edit", "data_sources", data)
    assert "GCP sources: add the index" in answer.get("error", ""), answer
    assert posts(splunkd) == []
    data.update(cloud_secrets_gcp_sources="index=nothing_here",
                cloud_secrets_azure_sources="index=nothing_here",
                cloud_secrets_vault_sources="index=vault sourcetype=hashicorp_vault_audit_log")
    assert "error" not in run_handler(SCRIPT, "edit", "data_sources", data)
    assert len(posts(splunkd)) == 4


def test_equal_learning_time_and_window_are_saved(run_handler, installed_app):
    answer = run_handler(SCRIPT, "edit", "thresholds", {"cloud_secrets_first_read_days": "7"})
    assert "error" not in answer, answer
    assert read_conf(installed_app / "local" / "macros.conf") == {
        "cloud_secrets_first_read_days": {"definition": "7"}}


def test_a_pipe_inside_quotes_is_text(run_handler, installed_app):
    answer = run_handler(SCRIPT, "edit", "data_sources",
                         {"cloud_secrets_aws_sources": 'index=aws source="a|b"'})
    assert "error" not in answer, answer
    assert read_conf(installed_app / "local" / "macros.conf")["cloud_secrets_aws_sources"] == {
        "definition": 'index=aws source="a|b"'}


def test_an_unknown_tab_is_refused(run_handler, splunkd):
    answer = run_handler(SCRIPT, "edit", "logging", {"loglevel": "DEBUG"})
    assert "error" in answer and posts(splunkd) == []


def test_the_handler_logs_no_values(run_handler, installed_app):
    run_handler(SCRIPT, "edit", "data_sources",
                {"cloud_secrets_aws_sources": "index=very_distinctive_index_name"})
    log = installed_app.parents[2] / "var" / "log" / "splunk" / "cloud_secrets_detection.log"
    text = log.read_text()
    assert "cloud_secrets_aws_sources" in text and "very_distinctive" not in text


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_the_handler_runs_on_splunks_pythons(run_handler, installed_app, version, python_of):
    python = python_of(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    answer = run_handler(SCRIPT, "edit", "thresholds", {"cloud_secrets_baseline_days": "60"},
                         python=python)
    assert answer["entries"]["thresholds"]["cloud_secrets_baseline_days"] == "60", answer
    assert read_conf(installed_app / "local" / "macros.conf") == {
        "cloud_secrets_baseline_days": {"definition": "60"}}
