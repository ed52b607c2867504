"""Secret Access Granted Then Read as shipped conf (checked statically).

Oracle: shared/spec/analytics.md, the rule's paragraph under "Beyond the seed" (notable and
risk, every 10 minutes with the enumeration rule's lag budget, T1098 then T1555.006, the
grants of the last window in a KV store collection written with override_if_empty=false,
one row per store and reading principal) and "Every search" (disabled, thresholds as
macros, a `_filter` macro, realtime_schedule = 0, suppression, RBA, the app as dispatch
app). What the searches decide is tested by replaying them
(tests/replay/test_grant_then_read.py); the conventions every saved search shares
(KV lookups on the search head, state ACLs, escaped drilldowns, lag budgets) by
test_live_deployment.py and test_adversaries_conf.py, which cover this rule too.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from spl_text import by_fields, command, macros_used, options, segments

ROOT = Path(__file__).resolve().parents[2]
RULE = "Cloud Secrets - Secret Access Granted Then Read - Rule"
TRACK = "Cloud Secrets - Secret Access Grants - Track"
ENUMERATION = "Cloud Secrets - Secret Store Enumeration - Rule"
GRANTS = "cloud_secrets_recent_grants"
WINDOW, MINIMUM = "cloud_secrets_grant_read_window", "cloud_secrets_grant_read_min_distinct"
SCOPE = "cloud_secrets_grant_read_scope"
BOTH = (RULE, TRACK)


def pipeline(confs, stanza):
    return segments(confs["savedsearches"][stanza]["search"])


def seconds(span: str) -> int:
    """alert.suppress.period: a number and a unit (s, m, h, d)."""
    number, unit = re.fullmatch(r"(\d+)([smhd])", span).groups()
    return int(number) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


@pytest.mark.parametrize("stanza", BOTH)
def test_ships_disabled_every_10_minutes_with_the_enumeration_rules_lag_budget(confs, stanza):
    settings = confs["savedsearches"][stanza]
    enumeration = confs["savedsearches"][ENUMERATION]
    assert (settings["disabled"], settings["enableSched"]) == ("1", "1")
    assert (settings["realtime_schedule"], settings["schedule_window"]) == ("0", "auto")
    for key in ("cron_schedule", "dispatch.earliest_time", "dispatch.latest_time"):
        assert settings[key] == enumeration[key], key
    assert (settings["cron_schedule"], settings["dispatch.earliest_time"],
            settings["dispatch.latest_time"]) == ("*/10 * * * *", "-30m@m", "-10m@m")
    assert settings["request.ui_dispatch_app"] == confs["app"]["package"]["id"]
    assert "owner" not in settings


def test_the_rule_reads_the_sources_through_the_command_and_ends_with_its_filter(confs):
    commands = pipeline(confs, RULE)
    assert commands[:2] == ["`cloud_secrets_sources`", "cloudsecrets"]
    assert commands[-1] == "`cloud_secrets_secret_access_granted_then_read_filter`"
    filter_macro = confs["macros"]["cloud_secrets_secret_access_granted_then_read_filter"]
    assert filter_macro["definition"] == "search *" and filter_macro["description"]
    assert pipeline(confs, TRACK)[:2] == ["`cloud_secrets_sources`", "cloudsecrets"]


def test_thresholds_are_macros_with_the_defaults_the_behaviour_table_implies(confs):
    """2 hours, as minutes that SPL multiplies into seconds; one distinct secret (the
    table's cross-account case alerts on a single GetSecretValue)."""
    macros = confs["macros"]
    assert macros[WINDOW]["definition"] == "120" and macros[MINIMUM]["definition"] == "1"
    assert macros[WINDOW]["description"] and macros[MINIMUM]["description"]
    rule = confs["savedsearches"][RULE]["search"]
    assert f"distinct_secrets >= `{MINIMUM}`" in rule
    for stanza in BOTH:
        spl = confs["savedsearches"][stanza]["search"]
        assert f"60 * `{WINDOW}`" in spl, stanza
        # No literal threshold hides in the SPL: comparisons are with macros or flags
        # (60 * a macro converts its minutes to seconds).
        literals = re.findall(r"(?:>=|<=|>|<|=)\s*(\d+(?:\.\d+)?)\b(?!\s*\*)", spl)
        assert set(literals) <= {"0", "1"}, (stanza, literals)


def test_grants_and_reads_meet_by_one_definition_of_what_a_grant_opens(confs):
    """The scope is one macro that both searches call; neither restates it."""
    definition = confs["macros"][SCOPE]["definition"]
    assert definition.startswith("eval grant_scope=")
    for stanza in BOTH:
        spl = confs["savedsearches"][stanza]["search"]
        assert f"`{SCOPE}`" in segments(spl)
        assert "grant_scope=" not in spl.replace(f"`{SCOPE}`", "")
        assert macros_used(spl) <= set(confs["macros"]) | {
            "cloud_secrets_drilldown_literal"}


def test_the_grants_of_the_last_window_live_in_a_kv_store_collection(confs):
    definition = confs["transforms"][GRANTS]
    assert definition["external_type"] == "kvstore" and "filename" not in definition
    fields = [f.strip() for f in definition["fields_list"].split(",")]
    collection = confs["collections"][definition["collection"]]
    assert collection.get("replicate") == "false"  # never sent to indexers
    assert {f"field.{f}" for f in fields} <= set(collection)
    assert not list((ROOT / "lookups").glob("*grant*"))  # nothing shipped to overwrite
    track = pipeline(confs, TRACK)
    # The Track search writes it, last, from rows shaped to the collection's fields, and
    # never empties it; the rule only reads it.
    assert track[-1] == f"outputlookup override_if_empty=false {GRANTS}"
    assert options(track[-1]).get("append", "false") == "false"  # pruned: rewritten
    assert track[-2] == "table " + " ".join(fields)
    assert f"inputlookup append=true {GRANTS}" in track
    rule = pipeline(confs, RULE)
    assert f"inputlookup append=true {GRANTS}" in rule
    assert not [s for s in rule if command(s) == "outputlookup"]


def test_grants_are_pruned_by_time_with_the_window_macro_before_the_write(confs):
    track = pipeline(confs, TRACK)
    prune = f"where grant_time >= info_min_time - 60 * `{WINDOW}`"
    assert prune in track and "addinfo" in track
    assert track.index("addinfo") < track.index(prune) < len(track) - 2
    assert track.index(f"inputlookup append=true {GRANTS}") < track.index(prune)


def test_only_successful_grants_are_remembered_and_only_successful_reads_meet_them(confs):
    track, rule = pipeline(confs, TRACK), pipeline(confs, RULE)
    assert track[2] == "search secret_operation=permission action=success principal=*"
    assert rule[2] == ("search principal=* action=success "
                       "(secret_operation=permission OR secret_operation=read)")


def test_one_row_per_store_and_reading_principal(confs):
    rule = pipeline(confs, RULE)
    last_stats = [s for s in rule if command(s) == "stats"][-1]
    assert by_fields(last_stats) == ["grant_store", "principal", "platform"]
    assert "rename grant_store AS secret_store" in rule


def test_notable_and_risk_in_the_es_content_update_style(confs):
    settings = confs["savedsearches"][RULE]
    assert settings["action.notable"] == "1" and settings["action.risk"] == "1"
    assert settings["action.correlationsearch.enabled"] == "1"
    assert settings["action.correlationsearch.label"] == RULE
    assert settings["action.correlationsearch.detection_type"] == "ebd"
    annotations = json.loads(settings["action.correlationsearch.annotations"])
    assert annotations["mitre_attack"] == ["T1098", "T1555.006"]  # the grant, then the theft
    risk = json.loads(settings["action.risk.param._risk"])
    assert {"risk_object_field": "principal", "risk_object_type": "user"}.items() <= \
        risk[0].items() and 1 <= risk[0]["risk_score"] <= 100
    assert risk[1] == {"threat_object_field": "src_ip", "threat_object_type": "ip_address"}
    for key in ("rule_title", "rule_description", "security_domain", "severity", "nes_fields",
                "drilldown_name", "drilldown_search"):
        assert settings[f"action.notable.param.{key}"], key
    drilldowns = json.loads(settings["action.notable.param.drilldown_searches"])
    assert [set(d) for d in drilldowns] == [{"name", "search", "earliest_offset",
                                             "latest_offset"}] * 2
    assert drilldowns[0]["search"] == settings["action.notable.param.drilldown_search"]


def test_one_alert_per_reading_principal_and_store_for_longer_than_a_grant_is_open(confs):
    """Throttled per result: the two runs that search each read, and the reads that go on
    through the window, must not alert again. The period outlasts the window plus the
    search range (a read is last searched 30 minutes after it)."""
    settings = confs["savedsearches"][RULE]
    assert (settings["alert.suppress"], settings["alert.digest_mode"]) == ("1", "0")
    assert settings["alert.suppress.fields"].split(",") == ["principal", "secret_store"]
    window = int(confs["macros"][WINDOW]["definition"]) * 60
    assert seconds(settings["alert.suppress.period"]) >= window + 30 * 60


def test_rows_carry_the_grant_the_reads_and_what_the_other_rules_carry(confs):
    settings = confs["savedsearches"][RULE]
    table = [s for s in segments(settings["search"]) if command(s) == "table"][-1]
    columns = set(table.split()[1:])
    assert {"analytic", "principal", "account_type", "platform", "vendor_product", "src",
            "src_ip", "user_agent", "firstTime", "lastTime", "reason", "secret_store",
            "grant_principal", "grant_time", "grant_operation", "count", "distinct_secrets",
            "sample_secrets", "secret_stores"} <= columns
    messages = " ".join(v for k, v in settings.items()
                        if k.startswith(("action.risk.param._risk_message",
                                         "action.notable.param.")))
    tokens = set(re.findall(r"\$(\w+)\$", messages)) - {"info_min_time", "info_max_time"}
    assert tokens <= columns


def test_the_overview_shows_changes_to_who_may_read_a_store_from_its_base_search():
    view = ElementTree.parse(ROOT / "default/data/ui/views/cloud_secrets_overview.xml")
    panels = [p for p in view.iter("panel")
              if "secret_operation=permission" in (p.findtext(".//search/query") or "")]
    (panel,) = panels
    search = panel.find(".//search")
    assert search.get("base") == "secret_operations"  # the transforming base search
    post = segments(search.findtext("query"))
    assert post[0] == "search secret_operation=permission" and command(post[1]) == "stats"
    assert "Secret Access Granted Then Read" in panel.findtext("title")
