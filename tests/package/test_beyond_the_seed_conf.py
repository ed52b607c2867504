"""The two detections beyond the seed as shipped conf (checked statically).

Oracle: shared/spec/analytics.md, section "Beyond the seed" and the table "Running on a live
Splunk deployment": disabled, hourly over the last full hour with at least 20 minutes for
late data, `realtime_schedule = 0`, thresholds as macros, a `_filter` macro, state in a KV
store collection written with `override_if_empty = false`, risk events (and a notable for
the rule only), the app as the dispatch app. What the searches decide is tested by replaying
them (tests/replay/test_beyond_the_seed.py).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from croniter import croniter
from spl_text import segments as pipeline

ROOT = Path(__file__).resolve().parents[2]
FIRST_READ = "Cloud Secrets - First Secret Read by Principal - Anomaly"
CROSS_CLOUD = "Cloud Secrets - Cross-Cloud Secret Harvesting - Rule"
THRESHOLDS = {
    FIRST_READ: {"cloud_secrets_first_read_days": "30", "cloud_secrets_first_read_min_days": "7"},
    CROSS_CLOUD: {"cloud_secrets_cross_cloud_min_distinct": "5",
                  "cloud_secrets_cross_cloud_min_platforms": "2"},
}
FILTERS = {FIRST_READ: "cloud_secrets_first_secret_read_by_principal_filter",
           CROSS_CLOUD: "cloud_secrets_cross_cloud_secret_harvesting_filter"}
COLLECTIONS = {"cloud_secrets_first_read_known": ["principal", "platform", "secret",
                                                  "first_seen", "last_seen"],
               "cloud_secrets_identities": ["principal", "platform", "identity"]}
BOTH = (FIRST_READ, CROSS_CLOUD)


def expanded(spl: str, macros: dict) -> str:
    """The SPL with argument-less macros expanded, as Splunk expands them before parsing."""
    for _ in range(5):
        spl = re.sub(r"`(\w+)`", lambda m: macros[m.group(1)]["definition"], spl)
    return spl


def result_columns(spl: str) -> set:
    table = [s for s in pipeline(spl) if s.startswith("table ")][-1]  # the result rows
    return set(table.split()[1:])


@pytest.mark.parametrize("stanza", BOTH)
def test_ships_disabled_hourly_over_the_last_full_hour_with_a_lag_budget(confs, stanza):
    settings = confs["savedsearches"][stanza]
    assert (settings["disabled"], settings["enableSched"]) == ("1", "1")
    assert settings["realtime_schedule"] == "0"  # the scheduler never skips a window
    assert settings["schedule_window"] == "auto"
    cron = settings["cron_schedule"]
    assert croniter.is_valid(cron)
    minute, hour = cron.split()[:2]
    assert minute.isdigit() and int(minute) >= 20 and hour == "*"  # hourly, 20+ min for lag
    assert (settings["dispatch.earliest_time"], settings["dispatch.latest_time"]) == ("-1h@h",
                                                                                      "@h")
    app_id = confs["app"]["package"]["id"]
    assert settings["request.ui_dispatch_app"] == app_id


@pytest.mark.parametrize("stanza", BOTH)
def test_reads_the_sources_through_the_command_and_ends_with_its_filter(confs, stanza):
    commands = pipeline(confs["savedsearches"][stanza]["search"])
    assert commands[:2] == ["`cloud_secrets_sources`", "cloudsecrets"]
    assert commands[-1] == f"`{FILTERS[stanza]}`"
    assert confs["macros"][FILTERS[stanza]]["definition"] == "search *"


@pytest.mark.parametrize("stanza", BOTH)
def test_thresholds_are_macros_and_no_literal_hides_in_the_spl(confs, stanza):
    spl = confs["savedsearches"][stanza]["search"]
    for macro, default in THRESHOLDS[stanza].items():
        assert f"`{macro}`" in spl
        assert confs["macros"][macro]["definition"] == default
        assert confs["macros"][macro]["description"]
    assert set(re.findall(r"(?:>=|<=|>|<|=)\s*(\d+(?:\.\d+)?)\b", spl)) <= {"0", "1"}
    # Day boundaries are relative time modifiers, never multiples of 86,400 seconds.
    assert "86400" not in expanded(spl, confs["macros"])


def test_first_read_keeps_its_memory_in_a_kv_store_collection_it_never_empties(confs):
    spl = confs["savedsearches"][FIRST_READ]["search"]
    commands = pipeline(spl)
    writes = [c for c in commands if c.startswith("outputlookup")]
    assert writes == ["outputlookup override_if_empty=false cloud_secrets_first_read_known"]
    assert "inputlookup append=true cloud_secrets_first_read_known" in commands
    # Only the collection's own fields are written (a KV store keeps whatever fields it is
    # given), and the write comes before the rows are narrowed to new pairs of principals
    # past their learning period: every pair is learned, reads made while learning too.
    shaping = commands[commands.index(writes[0]) - 1]
    assert shaping == "table " + " ".join(COLLECTIONS["cloud_secrets_first_read_known"])
    narrowing = next(c for c in commands if c.startswith("where distinct_secrets > 0"))
    assert commands.index(writes[0]) < commands.index(narrowing)
    assert "`cloud_secrets_first_read_min_days`" in narrowing


@pytest.mark.parametrize(("lookup", "fields"), COLLECTIONS.items())
def test_state_lookups_are_kv_store_collections_shipped_empty(confs, lookup, fields):
    definition = confs["transforms"][lookup]
    assert definition["external_type"] == "kvstore"
    collection = definition["collection"]
    assert [f.strip() for f in definition["fields_list"].split(",")] == fields
    stanza = confs["collections"][collection]
    assert {f"field.{f}" for f in fields} <= set(stanza)
    assert stanza.get("replicate", "false") == "false"  # never sent to indexers
    # Admins-only write access comes from [collections] and [transforms] in default.meta,
    # checked for every lookup by test_live_deployment.py.
    assert not (ROOT / "lookups" / f"{lookup}.csv").exists()  # nothing shipped to overwrite


def test_first_read_is_an_anomaly_risk_only_and_the_collection_not_suppression_dedups(confs):
    settings = confs["savedsearches"][FIRST_READ]
    assert settings["action.risk"] == "1" and settings["action.notable"] == "0"
    assert not [k for k in settings if k.startswith("action.notable.param")]
    # Suppressing by principal would hide the next new secret of the same principal.
    assert settings["alert.suppress"] == "0"
    risk = json.loads(settings["action.risk.param._risk"])
    assert risk == [{"risk_object_field": "principal", "risk_object_type": "user",
                     "risk_score": risk[0]["risk_score"]}]
    columns = result_columns(settings["search"])
    assert {"principal", "platform", "new_secrets", "distinct_secrets", "reason"} <= columns
    final = [c for c in pipeline(settings["search"]) if c.startswith("stats ")][-1]
    assert final.endswith("by principal platform")  # one row per principal, platform, run


def test_cross_cloud_is_a_rule_with_notable_risk_and_suppression_by_identity(confs):
    settings = confs["savedsearches"][CROSS_CLOUD]
    assert settings["action.risk"] == "1" and settings["action.notable"] == "1"
    assert (settings["alert.suppress"], settings["alert.suppress.fields"]) == ("1", "identity")
    assert re.fullmatch(r"\d+[smhd]", settings["alert.suppress.period"])
    risk = json.loads(settings["action.risk.param._risk"])
    assert risk[0]["risk_object_field"] == "identity" and risk[0]["risk_object_type"] == "user"
    assert risk[1] == {"threat_object_field": "src_ip", "threat_object_type": "ip_address"}
    drilldowns = json.loads(settings["action.notable.param.drilldown_searches"])
    assert len(drilldowns) >= 2 and all({"name", "search"} <= set(d) for d in drilldowns)
    assert settings["action.correlationsearch.detection_type"] == "ebd"
    columns = result_columns(settings["search"])
    assert {"identity", "platform", "platforms", "distinct_secrets_per_platform",
            "aws_distinct_secrets",
            "gcp_distinct_secrets", "azure_distinct_secrets", "vault_distinct_secrets",
            "src_ip", "reason"} <= columns
    final = [c for c in pipeline(settings["search"]) if c.startswith("stats ")][-1]
    assert final.endswith("by identity")  # one row per identity and hour


@pytest.mark.parametrize("stanza", BOTH)
def test_messages_only_name_result_fields(confs, stanza):
    settings = confs["savedsearches"][stanza]
    messages = " ".join(v for k, v in settings.items()
                        if k.startswith(("action.risk.param._risk_message",
                                         "action.notable.param.")))
    tokens = set(re.findall(r"\$(\w+)\$", messages)) - {"info_min_time", "info_max_time"}
    assert tokens <= result_columns(settings["search"])
    annotations = json.loads(settings["action.correlationsearch.annotations"])
    assert annotations["mitre_attack"] == ["T1555.006"]


def test_the_identity_rule_has_one_home(confs):
    """The rule and the dashboard both ask the macro; no second copy of the rule exists."""
    rule = confs["savedsearches"][CROSS_CLOUD]["search"]
    assert "`cloud_secrets_identity`" in pipeline(rule)
    definition = confs["macros"]["cloud_secrets_identity"]["definition"]
    # local=true: the collection is not on the indexers (replicate = false).
    assert definition.startswith(
        "lookup local=true cloud_secrets_identities principal platform OUTPUT")
    assert 'principal_type="user"' in definition and "lower(" in definition
    for text in (rule, (ROOT / "default/data/ui/views/cloud_secrets_overview.xml").read_text()):
        assert "cloud_secrets_identities" not in text.replace("`cloud_secrets_identity`", "")


def test_dashboard_ends_with_a_transforming_panel_for_each(confs):
    view = ElementTree.parse(ROOT / "default/data/ui/views/cloud_secrets_overview.xml").getroot()
    last_row = view.findall("row")[-1]
    queries = [p.find(".//search/query").text for p in last_row.findall("panel")]
    assert len(queries) == 2
    assert "inputlookup cloud_secrets_first_read_known" in queries[0]
    assert "`cloud_secrets_identity`" in queries[1]
    assert "`cloud_secrets_cross_cloud_min_platforms`" in queries[1]
    for query in queries:
        assert any(c.startswith("stats ") for c in pipeline(query))  # transforming
        assert set(re.findall(r"`(\w+)`", query)) <= set(confs["macros"])
