"""The analytics as conf files: saved searches, macros, lookups, dashboard (checked statically).

No Splunk server runs here, so the SPL is checked for what can go wrong without one:
undefined macros, lookups or commands, unbalanced quotes and brackets, bad schedules,
and thresholds that are not macros. The searches' behaviour is tested by running
them through the SPL engine (tests/replay/).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from croniter import croniter
from spl_text import segments

ROOT = Path(__file__).resolve().parents[2]
RULES = ("Cloud Secrets - Unusual Volume of Secret Reads - Rule",
         "Cloud Secrets - Secret Store Enumeration - Rule")
BASELINE = "Cloud Secrets - Baseline - Build"
LATE_EVENTS = "Cloud Secrets - Baseline - Late Events"
SEARCHES = (*RULES, BASELINE, LATE_EVENTS)
# Names and defaults that the configuration page and the Data Check code against
# (issue 16): macro -> default.
FIXED_THRESHOLDS = {"cloud_secrets_volume_ceiling": "100", "cloud_secrets_baseline_max_lag": "30",
                    "cloud_secrets_baseline_min_days": "3"}
SPL_COMMANDS = {"search", "stats", "eval", "lookup", "where", "table", "sort", "streamstats",
                "bin", "dedup", "inputlookup", "outputlookup", "fields", "timechart", "head",
                "eventstats", "rename"}
SOURCE_DEFAULTS = {
    "cloud_secrets_aws_sources": "sourcetype=aws:cloudtrail",
    "cloud_secrets_gcp_sources":
        "(sourcetype=google:gcp:pubsub:message OR sourcetype=google:gcp:pubsub:audit:*)",
    "cloud_secrets_azure_sources": "(sourcetype=mscs:azure:eventhub OR "
                                   "sourcetype=azure:monitor:resource OR "
                                   "sourcetype=azure:monitor:activity)",
    "cloud_secrets_vault_sources": "sourcetype=hashicorp_vault_audit_log",
}


def filter_macro(stanza: str) -> str:
    """`Cloud Secrets - Secret Store Enumeration - Rule` -> its filter macro's name."""
    stem = stanza.removesuffix(" - Rule")
    return re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_") + "_filter"


def macros_used(spl: str):
    """The macros.conf stanzas a search calls: `name` or, with arguments, `name(<count>)`."""
    calls = re.findall(r"`([A-Za-z0-9_]+)(?:\(([^`]*)\))?`", spl)
    return {f"{name}({len(args.split(','))})" if args else name for name, args in calls}


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "default").glob("*.conf")))
def test_every_conf_file_parses(conf, name):
    assert conf(ROOT / "default" / name)


def test_default_meta_parses_and_exports(conf):
    meta = conf(ROOT / "app" / "metadata" / "default.meta")
    # What Enterprise Security's drilldowns and other apps run: the command, its help, the
    # macros the drilldowns start with, the searches and the dashboards.
    for kind in ("commands", "searchbnf", "macros", "savedsearches", "views"):
        assert meta[kind]["export"] == "system"
    # The state stays in the app (adversaries.md, "who may read the state").
    for kind in ("lookups", "transforms", "collections", "cloud_secrets_account_rules"):
        assert meta[kind]["export"] == "none"
    assert meta["savedsearches/default"]["export"] == "none"


@pytest.mark.parametrize("stanza", SEARCHES)
def test_searches_are_well_formed(confs, stanza):
    spl = confs["savedsearches"][stanza]["search"]
    assert "\\" not in spl and spl.count('"') % 2 == 0 and spl.count("`") % 2 == 0
    assert spl.count("(") == spl.count(")") and spl.count("[") == spl.count("]")
    pipeline = segments(spl)
    assert pipeline[0] == "`cloud_secrets_sources`" and pipeline[1] == "cloudsecrets"
    for segment in pipeline[1:]:
        first = segment.split()[0]
        assert first.startswith("`") or first in SPL_COMMANDS | set(confs["commands"]), segment


@pytest.mark.parametrize("stanza", SEARCHES)
def test_searches_use_only_defined_macros_and_lookups(confs, stanza):
    spl = confs["savedsearches"][stanza]["search"]
    assert macros_used(spl) <= set(confs["macros"])
    lookups = set(re.findall(r"(?:input|output)?lookup(?:\s+\w+=\w+)*\s+(\w+)", spl))
    assert lookups <= set(confs["transforms"])
    assert bool(lookups) == (stanza != RULES[1])  # enumeration needs no baseline
    for name in lookups:  # a KV store collection the app defines, or a file it ships
        lookup = confs["transforms"][name]
        assert (lookup.get("collection") in confs["collections"]
                or (ROOT / "lookups" / lookup["filename"]).is_file()), name


@pytest.mark.parametrize("stanza", RULES)
def test_rules_end_with_their_filter_macro(confs, stanza):
    spl = confs["savedsearches"][stanza]["search"]
    assert segments(spl)[-1] == f"`{filter_macro(stanza)}`"
    assert confs["macros"][filter_macro(stanza)]["definition"] == "search *"


def test_the_baseline_filters_what_it_learns_before_writing(confs):
    pipeline = segments(confs["savedsearches"][BASELINE]["search"])
    position = pipeline.index(f"`{filter_macro(BASELINE)}`")
    writes = [i for i, s in enumerate(pipeline) if s.startswith("outputlookup ")]
    assert [pipeline[i].split()[-1] for i in writes] == ["cloud_secrets_baseline_history",
                                                           "cloud_secrets_baseline"]
    assert position < writes[0] and writes[-1] == len(pipeline) - 1


@pytest.mark.parametrize("stanza", SEARCHES)
def test_schedule_and_dispatch(confs, stanza):
    settings = confs["savedsearches"][stanza]
    assert settings["disabled"] == "1" and settings["enableSched"] == "1"
    assert croniter.is_valid(settings["cron_schedule"])
    assert settings["schedule_window"] == "auto"
    for key in ("dispatch.earliest_time", "dispatch.latest_time"):
        assert re.fullmatch(r"-?\d*[smhdw]?@?[smhdw]?|@[smhdw]|now", settings[key]), key
    assert not settings["dispatch.earliest_time"].startswith("rt")


@pytest.mark.parametrize("stanza", RULES)
def test_rules_follow_es_content_update_conventions(confs, stanza):
    settings = confs["savedsearches"][stanza]
    assert settings["alert.suppress"] == "1"
    assert settings["alert.suppress.fields"].split(",")[0] == "principal"
    assert re.fullmatch(r"\d+[smh]", settings["alert.suppress.period"])
    risk = json.loads(settings["action.risk.param._risk"])
    assert {"risk_object_field": "principal", "risk_object_type": "user"}.items() <= risk[0].items()
    assert 1 <= risk[0]["risk_score"] <= 100
    assert risk[1] == {"threat_object_field": "src_ip", "threat_object_type": "ip_address"}
    annotations = json.loads(settings["action.correlationsearch.annotations"])
    assert annotations["mitre_attack"] == ["T1555.006"]
    assert settings["action.notable"] == "1" and settings["action.risk"] == "1"
    for key in ("rule_title", "rule_description", "security_domain", "severity", "nes_fields",
                "drilldown_search"):
        assert settings[f"action.notable.param.{key}"]


@pytest.mark.parametrize("stanza", RULES)
def test_result_rows_hold_what_an_analyst_needs(confs, stanza):
    settings = confs["savedsearches"][stanza]
    table = next(s for s in segments(settings["search"]) if s.startswith("table "))
    columns = set(table.split()[1:])
    assert {"principal", "account_type", "platform", "vendor_product", "count",
            "distinct_secrets", "sample_secrets", "src", "user_agent", "firstTime", "lastTime",
            "reason"} <= columns
    messages = " ".join(settings[k] for k in settings if k.startswith(("action.risk.param._risk_m",
                                                                         "action.notable.param.")))
    tokens = set(re.findall(r"\$(\w+)\$", messages)) - {"info_min_time", "info_max_time"}
    assert tokens <= columns


@pytest.mark.parametrize("stanza", RULES)
def test_thresholds_are_macros(confs, stanza):
    spl = confs["savedsearches"][stanza]["search"]
    # No literal threshold hides in the SPL: comparisons are with macros or 0/1 flags.
    literals = re.findall(r"(?:>=|<=|>|<|=)\s*(\d+(?:\.\d+)?)\b", spl)
    assert set(literals) <= {"0", "1"}, literals
    # Threshold macros are named after their analytic (cloud_secrets_volume_min_distinct).
    thresholds = {m for m in macros_used(spl)
                  if m.startswith(("cloud_secrets_volume_", "cloud_secrets_enumeration_"))}
    assert thresholds, stanza
    for macro in thresholds:
        definition = confs["macros"][macro]["definition"]
        assert re.fullmatch(r"\d+(\.\d+)?[smhd]?", definition), macro


def test_source_macros_and_descriptions(confs):
    macros = confs["macros"]
    for name, definition in SOURCE_DEFAULTS.items():
        assert macros[name]["definition"] == definition
        assert f"`{name}`" in macros["cloud_secrets_sources"]["definition"]
    assert all(settings.get("description") for settings in macros.values())


def test_shipped_lookups_have_headers(confs):
    for name, settings in confs["transforms"].items():
        path = ROOT / "lookups" / settings.get("filename", "-")
        if path.is_file():
            header = path.read_text().splitlines()[0]
            assert header and "," in header, name


def test_baseline_columns_are_what_the_rule_reads_and_the_build_writes(confs):
    columns = [c.strip() for c in confs["transforms"]["cloud_secrets_baseline"]["fields_list"]
               .split(",")]
    rule = confs["savedsearches"][RULES[0]]["search"]
    looked_up = next(s for s in segments(rule) if s.startswith("lookup cloud_secrets_baseline"))
    looked_up = looked_up.split(" OUTPUT ")[1]
    assert {w for w in looked_up.split() if w not in ("AS",) and not w.startswith("baseline_")
            } <= set(columns)
    written = next(s for s in segments(confs["savedsearches"][BASELINE]["search"])
                   if s.startswith("table "))
    assert written.split()[1:] == columns


def test_dashboard_panels_read_the_same_macros():
    view = ElementTree.parse(ROOT / "default/data/ui/views/cloud_secrets_overview.xml").getroot()
    assert view.tag == "form" and view.get("version") == "1.1"
    base = view.find("search")
    assert "`cloud_secrets_sources` | cloudsecrets" in base.find("query").text
    # Panels with a search (the first-launch message and the links above them have none).
    panels = [p for p in view.findall(".//panel") if p.find(".//search") is not None]
    assert len(panels) >= 6
    bases = [p.find(".//search").get("base") for p in panels]
    # All but the fired-alerts panel and the two detections beyond the seed, which read
    # their collection and the identity macro (tests/package/test_beyond_the_seed_conf.py).
    assert bases.count(base.get("id")) == len(panels) - 3
    titles = " ".join(p.findtext("title") or "" for p in panels)
    for words in ("over time by platform", "account type", "baseline", "First-seen", "Denied",
                  "alerts"):
        assert words in titles
    nav = ElementTree.parse(ROOT / "default/data/ui/nav/default.xml").getroot()
    assert nav.find("view").get("name") == "cloud_secrets_overview"


def test_command_and_search_help(confs):
    command = confs["commands"]["cloudsecrets"]
    assert (command["chunked"], command["filename"], command["python.version"]) == (
        "true", "cloudsecrets.py", "python3")
    assert [v.strip() for v in command["python.required"].split(",")] == ["3.9", "3.13"]
    help_ = confs["searchbnf"]["cloudsecrets-command"]
    assert help_["syntax"].split()[0] == "cloudsecrets" and help_["usage"] == "public"
    assert "cloudsecrets" in help_["example1"] and help_["description"]


def test_the_thresholds_others_code_against_keep_their_names_and_defaults(confs):
    for macro, default in FIXED_THRESHOLDS.items():
        assert confs["macros"][macro]["definition"] == default, macro
        assert confs["macros"][macro]["description"], macro
    # The lag budget is the volume rule's: it runs that many minutes past the hour over the
    # last full hour (docs/analytics.md, "Late data and skipped runs": change both
    # together).
    volume = confs["savedsearches"][RULES[0]]
    assert volume["cron_schedule"].split()[0] == FIXED_THRESHOLDS["cloud_secrets_baseline_max_lag"]
    assert (volume["dispatch.earliest_time"], volume["dispatch.latest_time"]) == ("-1h@h", "@h")


def test_late_events_have_the_collection_and_lookup_the_data_check_totals(confs):
    lookup = confs["transforms"]["cloud_secrets_baseline_late"]
    assert (lookup["external_type"], lookup["collection"]) == ("kvstore",
                                                                 "cloud_secrets_baseline_late")
    fields = [f.strip() for f in lookup["fields_list"].split(",")]
    assert fields[:4] == ["principal", "platform", "day", "late_events"]
    assert "cloud_secrets_baseline_late" in confs["collections"]
    # Learned and late are the same events split by one macro, in the same window.
    build, late = (confs["savedsearches"][s] for s in (BASELINE, LATE_EVENTS))
    for search, kept in ((build, "learnable=1"), (late, "learnable=0")):
        pipeline = segments(search["search"])
        split = pipeline.index("`cloud_secrets_baseline_learnable`")
        assert pipeline[split + 1] == f"where {kept}"
        assert pipeline[split - 1] == "`cloud_secrets_baseline_build_filter`"
    for key in ("cron_schedule", "dispatch.earliest_time", "dispatch.latest_time"):
        assert build[key] == late[key], key

