"""One test (or group) per row of "Running on a live Splunk deployment" in analytics.md.

Each test states the contract's requirement and checks it against the conf files as the
Splunk conf parser reads them (and the built package where the row is about what ships),
over every saved search, lookup and dashboard the app defines: a search or lookup added
later is held to the same rules without editing these tests.
"""

from __future__ import annotations

import ipaddress
import json
import re
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from croniter import croniter
from spl_text import (
    TRANSFORMING,
    aliases,
    by_fields,
    command,
    function_arguments,
    joined,
    macros_used,
    options,
    search_fields,
    segments,
)

ROOT = Path(__file__).resolve().parents[2]
VOLUME = "Cloud Secrets - Unusual Volume of Secret Reads - Rule"
ENUMERATION = "Cloud Secrets - Secret Store Enumeration - Rule"
BASELINE = "Cloud Secrets - Baseline - Build"
GRANT_THEN_READ = "Cloud Secrets - Secret Access Granted Then Read - Rule"
VIEWS = sorted((ROOT / "default" / "data" / "ui" / "views").glob("*.xml"))


@pytest.fixture(scope="module")
def confs(confs, conf):
    """The shared conf files, plus macro definitions joined and the app's default.meta."""
    macros = {name: {**settings, "definition": joined(settings.get("definition", ""))}
              for name, settings in confs["macros"].items()}
    return {**confs, "macros": macros, "meta": conf(ROOT / "app" / "metadata" / "default.meta")}


@pytest.fixture(scope="module")
def searches(confs):
    """{stanza: settings} of every saved search that has SPL."""
    return {name: s for name, s in confs["savedsearches"].items() if s.get("search")}


@pytest.fixture(scope="module")
def scheduled(searches):
    return {name: s for name, s in searches.items() if s.get("enableSched") == "1"}


def expanded(spl: str, macros: dict, depth: int = 0) -> str:
    """The SPL with argument-less macros replaced by their definitions, as Splunk does."""
    assert depth <= 10, "macros nest more than 10 deep"
    return re.sub(r"`(\w+)`", lambda m: expanded(macros[m.group(1)]["definition"], macros,
                                                  depth + 1), spl)


def writes(spl: str):
    """(lookup name, outputlookup segment) for every outputlookup of a search."""
    for segment in segments(spl):
        if command(segment) == "outputlookup":
            yield segment.split()[-1], segment


def lookups_written(searches) -> set:
    return {name for s in searches.values() for name, _ in writes(s["search"])}


# -- learned state ------------------------------------------------------------------------

def test_learned_state_lives_in_kv_store_collections(confs, searches):
    """Every lookup a search writes is a KV store lookup on a collection the app defines."""
    written = lookups_written(searches)
    assert {"cloud_secrets_baseline", "cloud_secrets_baseline_history"} <= written
    for name in written:
        lookup = confs["transforms"][name]
        assert lookup.get("external_type") == "kvstore", name
        assert lookup["collection"] in confs["collections"], name
        assert "filename" not in lookup, name


def test_kv_store_lookups_declare_the_fields_searches_write_and_read(confs, searches):
    kv = {name: [f.strip() for f in t["fields_list"].split(",")]
          for name, t in confs["transforms"].items() if t.get("external_type") == "kvstore"}
    for stanza, settings in searches.items():
        pipeline = segments(settings["search"])
        for position, segment in enumerate(pipeline):
            words = segment.split()
            if command(segment) == "outputlookup" and words[-1] in kv:
                # The rows written are those of the last transforming step before it
                # (or the table that shapes them).
                shaping = next(s for s in reversed(pipeline[:position])
                               if command(s) in {"table", "stats"})
                columns = (shaping.split()[1:] if command(shaping) == "table"
                           else sorted(aliases(shaping)) + by_fields(shaping))
                assert set(columns) <= set(kv[words[-1]]), (stanza, words[-1])
            if command(segment) == "lookup" and words[1] in kv:
                output = segment.split(" OUTPUT ")[1].split()
                read = {w for i, w in enumerate(output)
                        if w != "AS" and (i == 0 or output[i - 1] != "AS")}
                assert read | set(words[2:words.index("OUTPUT")]) <= set(kv[words[1]]), stanza
    for name, fields in kv.items():
        collection = confs["collections"][confs["transforms"][name]["collection"]]
        typed = {key.split(".", 1)[1] for key in collection if key.startswith("field.")}
        assert set(fields) - {"_key"} <= typed, name
        assert collection.get("replicate", "false") == "false", "kept off the indexers"


def test_no_baseline_file_ships(packaged_app):
    shipped = {p.name for p in (packaged_app / "lookups").iterdir()}
    assert not {n for n in shipped if "baseline" in n}, shipped
    assert (packaged_app / "default" / "collections.conf").is_file()


# -- empty runs ---------------------------------------------------------------------------

def test_every_outputlookup_keeps_its_lookup_when_it_receives_nothing(searches):
    found = 0
    for stanza, settings in searches.items():
        for name, segment in writes(settings["search"]):
            found += 1
            assert options(segment).get("override_if_empty") == "false", (stanza, name)
            assert options(segment).get("create_empty", "false") == "false", (stanza, name)
    assert found >= 2


# -- shipped files ------------------------------------------------------------------------

def test_the_package_ships_no_file_that_customers_edit_or_searches_write(
        confs, searches, packaged_app):
    shipped = {p.name for p in (packaged_app / "lookups").iterdir()}
    search_files = {confs["transforms"][name].get("filename")
                    for name in lookups_written(searches)} - {None}
    assert not shipped & search_files, shipped
    # the customer's account rules live in local/, which never ships
    assert not (packaged_app / "local").exists()
    assert not [p for p in shipped if p.startswith("cloud_secrets_account_rules")]


def test_without_local_rules_the_shipped_ones_apply(packaged_app):
    """The packaged command loads its rules from the packaged default/ alone."""
    from cloud_secrets import conf_file
    from cloud_secrets.engine import Engine

    engine = Engine.load(packaged_app)
    shipped = conf_file.parse((packaged_app / "default" / "cloud_secrets_account_rules.conf")
                              .read_text(encoding="utf-8"))
    assert len(engine.rules) == len(shipped) > 0 and engine.rule_warnings == ()


# -- tampering ----------------------------------------------------------------------------

def test_every_csv_lookup_checks_write_permission(confs):
    csv_lookups = {name: t for name, t in confs["transforms"].items()
                   if t.get("filename", "").endswith((".csv", ".csv.gz"))}
    for name, settings in csv_lookups.items():
        assert settings.get("check_permission") == "true", name
    for name, settings in confs["transforms"].items():
        if settings.get("external_type") == "kvstore":
            assert "check_permission" not in settings, f"{name}: applies to CSV lookups only"


def _writers(access: str) -> set:
    match = re.search(r"write\s*:\s*\[([^\]]*)\]", access)
    return {role.strip() for role in match.group(1).split(",")} if match else set()


@pytest.mark.parametrize("kind", ["collections", "transforms", "lookups"])
def test_learned_state_and_lookups_are_writable_by_admins_only(confs, kind):
    meta = confs["meta"]
    access = meta.get(kind, {}).get("access") or meta[""]["access"]
    assert _writers(access) <= {"admin", "sc_admin"} and "admin" in _writers(access)
    assert "*" not in _writers(access)
    for stanza, settings in meta.items():
        if stanza.startswith(f"{kind}/") and "access" in settings:
            assert _writers(settings["access"]) <= {"admin", "sc_admin"}, stanza


@pytest.mark.parametrize("readme", ["README.md", "app/README.md", "docs/analytics.md"])
def test_readme_tells_admins_to_check_outputlookup_permissions(readme):
    """The repository's first screen, the admins' README and the reference each show it."""
    text = (ROOT / readme).read_text()
    block = re.search(r"\[outputlookup\]\s*\n\s*outputlookup_check_permission = true", text)
    assert block, f"{readme} shows the limits.conf stanza"
    assert "limits.conf" in text


# -- skipped runs -------------------------------------------------------------------------

def test_every_scheduled_search_is_never_skipped(scheduled):
    assert {VOLUME, ENUMERATION, BASELINE} <= set(scheduled)
    for name, settings in scheduled.items():
        assert settings.get("realtime_schedule") == "0", name


# -- late data ----------------------------------------------------------------------------

_UNIT = {"s": timedelta(seconds=1), "m": timedelta(minutes=1), "h": timedelta(hours=1),
         "d": timedelta(days=1)}


def resolve(modifier: str, now: datetime) -> datetime:
    """A relative time modifier (`-30m@m`, `@h`, `-1d@d`, `now`) at `now`, in UTC."""
    if modifier == "now":
        return now
    match = re.fullmatch(r"(?:([-+]\d+)([smhd]))?(?:@([smhd]))?", modifier)
    assert match and modifier, f"unsupported time modifier {modifier!r}"
    amount, unit, snap = match.groups()
    when = now + int(amount) * _UNIT[unit] if amount else now
    if snap:
        keep = {"s": 6, "m": 5, "h": 4, "d": 3}[snap]
        when = datetime(*when.timetuple()[:keep], tzinfo=timezone.utc)
    return when


def runs(settings, days: int = 2):
    """(tick, earliest, latest) of each run over `days` days, as the scheduler computes them."""
    start = datetime(2026, 3, 2, tzinfo=timezone.utc)
    ticks = croniter(settings["cron_schedule"], start - timedelta(seconds=1))
    while (tick := ticks.get_next(datetime)) < start + timedelta(days=days):
        yield (tick, resolve(settings["dispatch.earliest_time"], tick),
               resolve(settings["dispatch.latest_time"], tick))


def test_every_window_leaves_ten_minutes_for_ingestion(scheduled):
    for name, settings in scheduled.items():
        for tick, earliest, latest in runs(settings):
            assert tick - latest >= timedelta(minutes=10), (name, tick)
            assert earliest < latest, name


def test_the_enumeration_rule_searches_minus_30_to_minus_10_minutes_every_10(scheduled):
    settings = scheduled[ENUMERATION]
    assert (settings["dispatch.earliest_time"], settings["dispatch.latest_time"]) == (
        "-30m@m", "-10m@m")
    ticks = [tick for tick, _, _ in runs(settings, days=1)]
    assert {b - a for a, b in zip(ticks, ticks[1:])} == {timedelta(minutes=10)}


def test_every_ten_minute_window_falls_inside_one_enumeration_run(scheduled, confs):
    window = timedelta(minutes=int(re.fullmatch(
        r"(\d+)m", confs["macros"]["cloud_secrets_enumeration_window"]["definition"])[1]))
    ranges = [(e, la) for _, e, la in runs(scheduled[ENUMERATION], days=1)]
    day = ranges[0][0]
    for minute in range(60, 23 * 60):
        start = day + timedelta(minutes=minute)
        assert any(e <= start and start + window < la for e, la in ranges), start


def test_the_volume_rule_runs_20_minutes_or_more_past_the_hour_over_the_last_hour(scheduled):
    settings = scheduled[VOLUME]
    ranges = []
    for tick, earliest, latest in runs(settings):
        assert tick.minute >= 20, tick
        assert latest == tick.replace(minute=0) and latest - earliest == timedelta(hours=1)
        ranges.append((earliest, latest))
    # Consecutive runs tile time: each event is counted by exactly one run.
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))


def test_the_baseline_learns_each_calendar_day_once(scheduled):
    ranges = [(e, la) for _, e, la in runs(scheduled[BASELINE], days=5)]
    assert len(ranges) == 5 and all(la - e == timedelta(days=1) for e, la in ranges)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))


def test_the_docs_state_the_delay_each_search_tolerates(scheduled):
    readme = (ROOT / "docs" / "analytics.md").read_text()
    table = readme[readme.index("tolerates an indexing delay"):]
    table = table[:table.index("\n\n")]
    for name in scheduled:
        short = name.removeprefix("Cloud Secrets - ").removesuffix(" - Rule")
        assert re.search(rf"^\| {re.escape(short)} \|.*\| .*minutes.* \| .+ \|$", table,
                         re.MULTILINE), name


# -- one principal, one platform ----------------------------------------------------------

@pytest.mark.parametrize("stanza", [VOLUME, ENUMERATION])
def test_rules_count_and_report_per_principal_and_platform(searches, stanza):
    settings = searches[stanza]
    pipeline = segments(settings["search"])
    grouped = [s for s in pipeline if command(s) in {"stats", "streamstats", "eventstats"}]
    assert grouped
    for segment in grouped:
        assert by_fields(segment) == ["principal", "platform"], segment
    for segment in pipeline:
        if command(segment) == "dedup":
            assert segment.split()[1:] == ["principal", "platform"], segment
    assert set(settings["alert.suppress.fields"].split(",")) == {"principal", "platform"}


# -- dashboards ---------------------------------------------------------------------------

def _base_searches(view):
    return {s.get("id"): s.find("query").text for s in view.iter("search") if s.get("id")}


@pytest.mark.parametrize("path", VIEWS, ids=[p.name for p in VIEWS])
def test_every_dashboard_base_search_is_transforming(path):
    view = ElementTree.parse(path).getroot()
    for search_id, query in _base_searches(view).items():
        assert {command(s) for s in segments(query)} & TRANSFORMING, search_id


def returned_fields(base: list) -> set:
    """The fields a transforming base search hands its post-processes."""
    if command(base[-1]) in {"table", "fields"} and base[-1].split()[1:2] != ["-"]:
        return set(base[-1].replace(",", " ").split()[1:])
    position = max(i for i, s in enumerate(base) if command(s) in TRANSFORMING)
    fields = aliases(base[position]) | set(by_fields(base[position]))
    for segment in base[position + 1:]:
        if command(segment) == "eval":
            fields |= set(re.findall(r"(?:^eval|,)\s*(\w+)=", segment))
    return fields


def read_fields(post: list) -> set:
    """The fields a post-process reads from its base search's results."""
    used = search_fields(post[0]) if command(post[0]) == "search" else set()
    transforming = [s for s in post if command(s) in TRANSFORMING]
    if transforming:
        return used | function_arguments(transforming[0]) | set(by_fields(transforming[0]))
    shaping = next((s for s in post if command(s) in {"table", "fields"}), "fields")
    return used | set(shaping.replace(",", " ").split()[1:])


@pytest.mark.parametrize("path", VIEWS, ids=[p.name for p in VIEWS])
def test_post_processes_read_only_what_their_base_search_returns(path):
    view = ElementTree.parse(path).getroot()
    bases = _base_searches(view)
    for search in view.iter("search"):
        if search.get("base"):
            query = search.find("query").text
            used = read_fields(segments(query))
            returned = returned_fields(segments(bases[search.get("base")]))
            assert used and used <= returned, (query, used - returned)


@pytest.mark.parametrize("path", VIEWS, ids=[p.name for p in VIEWS])
def test_panels_that_need_audit_say_so(path):
    view = ElementTree.parse(path).getroot()
    for panel in view.iter("panel"):
        queries = " ".join(q.text or "" for q in panel.iter("query"))
        if "_audit" in queries:
            title = panel.find("title").text
            assert "_audit" in title and "admin" in title, title
            assert re.search(r"\bss_app=cloud_secrets_detection\b", queries)
            stats = next(s for s in segments(queries) if command(s) in TRANSFORMING)
            # Fields an alert_fired event in _audit carries.
            carried = {"ss_name", "ss_app", "ss_user", "sid", "severity", "trigger_time",
                       "triggered_alerts", "_time"}
            assert function_arguments(stats) | set(by_fields(stats)) <= carried, stats


# -- Enterprise Security ------------------------------------------------------------------

@pytest.mark.parametrize("stanza", [VOLUME, ENUMERATION, GRANT_THEN_READ])
def test_notables_offer_the_principals_activity_and_risk_events(searches, stanza):
    settings = searches[stanza]
    drilldowns = json.loads(settings["action.notable.param.drilldown_searches"])
    assert isinstance(drilldowns, list) and len(drilldowns) >= 2
    for drilldown in drilldowns:
        assert {"name", "search", "earliest_offset", "latest_offset"} <= set(drilldown)
        # The principal reaches the search as the literal the rule escaped (see
        # tests/package/test_adversaries_conf.py and tests/replay/test_adversaries.py).
        assert "$drilldown_principal$" in drilldown["search"]
    activity, risk = drilldowns[0]["search"], drilldowns[1]["search"]
    # Time modifiers may bound the activity search (a grant before the notable's range).
    assert re.match(r"`cloud_secrets_sources`( earliest=\S+ latest=\S+)? \| cloudsecrets",
                    activity)
    assert "datamodel Risk" in risk and "risk_object" in risk
    for key in ("drilldown_name", "drilldown_search"):  # the legacy keys stay
        assert settings[f"action.notable.param.{key}"]
    assert settings["action.correlationsearch.detection_type"] == "ebd"


@pytest.mark.parametrize("stanza", [VOLUME, ENUMERATION, GRANT_THEN_READ])
def test_the_ip_address_threat_object_is_an_ip_only_field(searches, confs, stanza):
    settings = searches[stanza]
    risk = json.loads(settings["action.risk.param._risk"])
    threats = [r["threat_object_field"] for r in risk
               if r.get("threat_object_type") == "ip_address"]
    assert threats == ["src_ip"]
    spl = expanded(settings["search"], confs["macros"])
    assert re.search(r"\beval src_ip=", spl)
    table = next(s for s in segments(settings["search"]) if command(s) == "table")
    assert "src_ip" in table.split()


IP_OR_NOT = ["203.0.113.7", "10.0.0.1", "2001:db8::1", "::1", "::ffff:192.0.2.44",
             "fe80::1ff:fe23:4567:890a", "lambda.amazonaws.com", "AWS Internal",
             "cloudformation.amazonaws.com", "10.0.0.1:443", "", "localhost",
             "secretsmanager.amazonaws.com", "999.1.1.1x"]


@pytest.mark.parametrize("value", IP_OR_NOT)
def test_src_ip_holds_ip_addresses_and_nothing_else(confs, value):
    """The macro's pattern, applied as match() applies it, agrees with Python's ipaddress."""
    definition = confs["macros"]["cloud_secrets_src_ip"]["definition"]
    pattern = re.search(r'match\(src, "([^"]+)"\)', definition).group(1)
    try:
        ipaddress.ip_address(value)
        is_ip = True
    except ValueError:
        is_ip = False
    assert bool(re.search(pattern, value)) == is_ip


# -- navigation ---------------------------------------------------------------------------

def test_alert_links_open_in_the_app(searches, confs):
    app_id = confs["app"]["package"]["id"]
    for name, settings in searches.items():
        assert settings.get("request.ui_dispatch_app") == app_id, name


# -- time ---------------------------------------------------------------------------------

def test_day_boundaries_use_relative_time_not_seconds(searches, confs):
    for name, settings in searches.items():
        spl = expanded(settings["search"], confs["macros"])
        for number in re.findall(r"(?<![\w.])(\d{4,})(?![\w.])", spl):
            assert int(number) % 3600, f"{name}: {number} seconds is time arithmetic"
        assert not re.search(r"\d+\s*\*\s*(?:24|3600|60\s*\*\s*60)", spl), name
    baseline = searches[BASELINE]["search"]
    assert re.search(r'relative_time\(now\(\), "-" \. `cloud_secrets_baseline_days` \. "d@d"\)',
                     baseline)


# -- explanations -------------------------------------------------------------------------

def test_an_enumeration_row_describes_the_window_that_fired(searches):
    pipeline = segments(searches[ENUMERATION]["search"])
    position = next(i for i, s in enumerate(pipeline) if command(s) == "streamstats")
    window_fields = aliases(pipeline[position])
    after = pipeline[position + 1:]
    # No step after the window merges windows (stats over the whole search range).
    assert not {command(s) for s in after} & {"stats", "eventstats", "timechart"}
    assigned = dict(re.findall(r"(\w+)=(?:mvindex\()?(\w+)", " ".join(
        s for s in after if command(s) == "eval")))
    for shown in ("count", "distinct_secrets", "denied", "sample_secrets", "src", "src_ip"):
        assert assigned.get(shown) in window_fields, shown
    reason = next(s for s in after if "reason=mvappend" in s)
    assert {"distinct_secrets", "denied"} <= set(re.findall(r"(\w+)\.\"", reason))
    assert re.search(r"firstTime=strftime\((\w+)", " ".join(after))[1] in window_fields


# -- syntax -------------------------------------------------------------------------------

# searchbnf.conf.spec (Splunk 10.2): the keys of a command stanza; an options stanza is
# referenced from a syntax by its name and holds the same kind of keys.
SEARCHBNF_KEYS = {"syntax", "simplesyntax", "alias", "description", "shortdesc", "usage",
                  "tags", "maintainer", "appears-in", "related"}
SEARCHBNF_REQUIRED = {"syntax", "description", "usage"}


def test_searchbnf_uses_only_keys_its_spec_defines(confs):
    for stanza, settings in confs["searchbnf"].items():
        for key in settings:
            if key == "__name__":
                continue
            assert key in SEARCHBNF_KEYS or re.fullmatch(r"(example|comment)\d+", key), (
                stanza, key)
    command_stanza = confs["searchbnf"]["cloudsecrets-command"]
    assert set(command_stanza) >= SEARCHBNF_REQUIRED
    assert command_stanza["usage"] in {"public", "private", "deprecated"}


def test_searchbnf_documents_the_logging_level_option(confs):
    bnf = confs["searchbnf"]

    def reachable(stanza, seen=()):
        syntax = bnf[stanza]["syntax"]
        text = syntax
        for name in re.findall(r"\(([\w-]+)\)", syntax):
            if name in bnf and name not in seen:
                text += " " + reachable(name, (*seen, name))
        return text

    syntax = reachable("cloudsecrets-command")
    assert re.search(r"\blogging_level=\(?\s*CRITICAL\|ERROR\|WARNING\|INFO\|DEBUG", syntax)
    for key, value in bnf["cloudsecrets-command"].items():
        if key.startswith("example"):
            assert "cloudsecrets" in value and "index=" not in value, key
            assert macros_used(value) <= set(confs["macros"]), key
