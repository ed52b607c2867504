"""The shipped conf against those the app watches: KV lookups, permissions, drilldowns.

Oracle: shared/spec/adversaries.md, rows "distributed search", "who may read the state",
"drilldowns" and "least privilege"; Splunk's documentation where cited. Checked over every
saved search, drilldown, macro and dashboard the app ships (macros expanded by the
repository's SPL engine, as Splunk expands them), so that a search or a lookup added later
is held to the same rules. The same attacks are played end to end in
tests/replay/test_adversaries.py.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest
from spl_text import TRANSFORMING, command, joined, options, segments

from devkit.spl import AppConf, Engine

ROOT = Path(__file__).resolve().parents[2]
VIEWS = sorted((ROOT / "default" / "data" / "ui" / "views").glob("*.xml"))
STATE_ROLES = {"admin", "sc_admin", "ess_admin", "ess_analyst"}
ADMINS = {"admin", "sc_admin"}
# The conf objects that hold state or decide who is spared: lookup definitions, lookup
# files, KV store collections, and the account rules (cloud_secrets_account_rules.conf).
STATE_KINDS = ("collections", "transforms", "lookups", "cloud_secrets_account_rules")
TOKEN = re.compile(r"\$([^$\s|]+)(?:\|(\w+))?\$")


@pytest.fixture(scope="module")
def app() -> AppConf:
    return AppConf.load(ROOT)


@pytest.fixture(scope="module")
def engine(app, tmp_path_factory) -> Engine:
    work = tmp_path_factory.mktemp("expand")
    return Engine(app, app_dir=ROOT, lookups_dir=work / "lookups", kvstore_dir=work / "kv")


@pytest.fixture(scope="module")
def meta(conf) -> Dict[str, Dict[str, str]]:
    """default.meta's stanzas; the app-wide `[]` stanza (which the conf parser does not
    list) under the name ""."""
    path = ROOT / "app" / "metadata" / "default.meta"
    parsed = conf(path)
    body = re.search(r"^\[\]\n((?:[^\[\n].*\n|#.*\n|\n)*)", path.read_text(), re.MULTILINE)
    parsed[""] = dict(re.findall(r"^(\w+)\s*=\s*(.+)$", body.group(1), re.MULTILINE))
    return parsed


def fill(spl: str) -> str:
    """Tokens as a dashboard or ES would fill them, with a plain word."""
    return TOKEN.sub("token", spl)


def drilldowns(settings: Dict[str, str]) -> List[str]:
    """The legacy drilldown search and every search of drilldown_searches."""
    found = [settings["action.notable.param.drilldown_search"]] if settings.get(
        "action.notable.param.drilldown_search") else []
    if settings.get("action.notable.param.drilldown_searches"):
        found += [e["search"] for e in json.loads(
            settings["action.notable.param.drilldown_searches"])]
    return found


def dashboard_queries(path: Path) -> Iterator[str]:
    """Each query of a dashboard, a post-process joined to its base as Simple XML runs it."""
    tree = ElementTree.parse(path)
    bases = {s.get("id"): s.findtext("query") for s in tree.iter("search") if s.get("id")}
    for search in tree.iter("search"):
        query = search.findtext("query")
        if query:
            base = search.get("base")
            yield f"{bases[base]} | {query}" if base else query


def macro_calls(app: AppConf) -> Iterator[Tuple[str, str]]:
    for stanza in app.macros:
        match = re.fullmatch(r"(.+)\((\d+)\)", stanza)
        args = ", ".join(f"arg{i}" for i in range(int(match.group(2)))) if match else ""
        yield stanza, f"`{match.group(1)}({args})`" if match else f"`{stanza}`"


def shipped_spl(app: AppConf) -> Iterator[Tuple[str, str]]:
    """(where, SPL) of every saved search, drilldown, macro and dashboard query."""
    for name, settings in app.saved_searches.items():
        if settings.get("search"):
            yield name, joined(settings["search"])
        for number, drilldown in enumerate(drilldowns(settings)):
            yield f"{name} drilldown {number}", drilldown
    for stanza, call in macro_calls(app):
        yield f"macro {stanza}", call
    for view in VIEWS:
        for number, query in enumerate(dashboard_queries(view)):
            yield f"{view.name} #{number}", query


# -- Distributed search: KV store lookups run on the search head ----------------------------


def lookups_off_the_search_head(spl: str, engine: Engine, kv_lookups: Set[str]) -> List[str]:
    """The `lookup` commands of a KV store definition that indexers would run: neither
    `local=true` nor after the search's first transforming command."""
    pipeline = segments(engine.expand(fill(spl)))
    first_transforming = next((i for i, s in enumerate(pipeline)
                               if command(s) in TRANSFORMING), len(pipeline))
    found = []
    for position, segment in enumerate(pipeline):
        if command(segment) != "lookup":
            continue
        table = next(w for w in segment.split()[1:] if "=" not in w)
        local = options(segment).get("local", "false").lower() in ("true", "t", "1")
        if table in kv_lookups and not local and position < first_transforming:
            found.append(segment)
    return found


@pytest.fixture(scope="module")
def kv_lookups(app) -> Set[str]:
    return {name for name, t in app.conf("transforms").items()
            if t.get("external_type") == "kvstore"}


def test_the_check_finds_a_kv_lookup_before_stats(engine, kv_lookups):
    """The rule below, on the very shape 1.0 shipped (the identity lookup before stats)."""
    before = ("search * | lookup cloud_secrets_identities principal platform OUTPUT identity "
              "| stats count by identity")
    assert lookups_off_the_search_head(before, engine, kv_lookups)
    assert not lookups_off_the_search_head(before.replace("lookup ", "lookup local=true "),
                                           engine, kv_lookups)
    after = "search * | stats count by principal platform | lookup cloud_secrets_baseline " \
            "principal platform OUTPUT learned_days"
    assert not lookups_off_the_search_head(after, engine, kv_lookups)


def test_every_kv_store_lookup_runs_on_the_search_head(app, engine, kv_lookups):
    """distsearch: the collections are replicate = false, so indexers do not have them."""
    checked = 0
    for where, spl in shipped_spl(app):
        assert lookups_off_the_search_head(spl, engine, kv_lookups) == [], where
        checked += "lookup " in engine.expand(fill(spl))
    assert checked >= 5  # the rules, the identity macro, the dashboards' panels


# -- Who may read the state -----------------------------------------------------------------


def roles(access: str, right: str) -> Set[str]:
    match = re.search(rf"{right}\s*:\s*\[([^\]]*)\]", access or "")
    return {r.strip() for r in match.group(1).split(",")} if match else set()


def effective(meta, kind: str, name: str = "") -> Dict[str, str]:
    """A conf object's access and export: its own stanza, else its kind's, else []."""
    merged: Dict[str, str] = {}
    for stanza in ("", kind, f"{kind}/{name}" if name else None):
        if stanza is not None:
            merged.update({k: v for k, v in meta.get(stanza, {}).items()
                           if k in ("access", "export", "owner")})
    return merged


def state_objects(app) -> Iterator[Tuple[str, str]]:
    transforms = app.conf("transforms")
    for name, definition in transforms.items():
        if definition.get("external_type") == "kvstore":
            yield "transforms", name
    for name in app.conf("collections"):
        yield "collections", name
    rules = ROOT / "default" / "cloud_secrets_account_rules.conf"
    for name in (AppConf.load(ROOT).conf("cloud_secrets_account_rules") if rules.exists()
                 else {}):
        yield "cloud_secrets_account_rules", name


@pytest.mark.parametrize("kind", STATE_KINDS)
def test_state_is_readable_by_the_four_roles_only_and_not_exported(meta, kind):
    acl = effective(meta, kind)
    assert roles(acl["access"], "read") == STATE_ROLES, kind
    assert roles(acl["access"], "write") == ADMINS, kind
    assert acl["export"] == "none", kind


def test_no_state_object_widens_its_kinds_permissions(app, meta):
    objects = list(state_objects(app))
    assert len(objects) >= 10
    for kind, name in objects:
        acl = effective(meta, kind, name)
        assert roles(acl["access"], "read") == STATE_ROLES, (kind, name)
        assert roles(acl["access"], "write") <= ADMINS, (kind, name)
        assert acl["export"] == "none", (kind, name)


def test_what_everyone_uses_stays_readable(meta):
    """The command and the macros (ES drilldowns run them from ES's app), the searches,
    the dashboards, and the platform list the Data Check reads."""
    for kind, name in (("commands", ""), ("searchbnf", ""), ("macros", ""),
                       ("savedsearches", ""), ("views", ""), ("nav", ""),
                       ("transforms", "cloud_secrets_platforms"),
                       ("lookups", "cloud_secrets_platforms.csv")):
        assert "*" in roles(effective(meta, kind, name)["access"], "read"), (kind, name)
    for kind in ("commands", "macros"):
        assert effective(meta, kind)["export"] == "system", kind


def test_the_searches_run_as_splunk_system_user_who_can_read_the_state(meta):
    """No owner: the scheduler runs an app's searches that have none as splunk-system-user,
    whose role (splunk-system-role) imports admin (authorize.conf), a reader of the state.
    A named owner that a deployment lacks would orphan them (docs/analytics.md, "Who the searches
    run as")."""
    assert not [s for s, keys in meta.items()
                if (s == "savedsearches" or s.startswith("savedsearches/")) and "owner" in keys]
    assert "owner" not in meta.get("", {})
    assert "admin" in STATE_ROLES


def reads_state(spl: str, engine: Engine, restricted: Set[str]) -> bool:
    expanded = engine.expand(fill(spl))
    return any(command(segment) in ("lookup", "inputlookup", "outputlookup")
               and {w for w in segment.split()[1:] if "=" not in w} & restricted
               for segment in segments(expanded))


@pytest.mark.parametrize("path", VIEWS, ids=[p.name for p in VIEWS])
def test_dashboards_that_show_state_say_which_roles_see_it(app, engine, meta, path):
    restricted = {name for kind, name in state_objects(app) if kind == "transforms"}
    if not any(reads_state(q, engine, restricted) for q in dashboard_queries(path)):
        pytest.skip(f"{path.name} reads no state")
    root = ElementTree.parse(path).getroot()
    text = " ".join(filter(None, [root.findtext("description"),
                                  *(t.text for t in root.iter("title")),
                                  *("".join(h.itertext()) for h in root.iter("html"))]))
    for role in sorted(STATE_ROLES):
        assert re.search(rf"\b{role}\b", text), (path.name, role)


# -- Drilldowns substitute only escaped literals --------------------------------------------


def literal_fields(spl: str) -> Set[str]:
    """Fields a search sets to escaped SPL literals: the second argument of each
    cloud_secrets_drilldown_literal call, and mvjoin()s of values() of such fields."""
    made = set(re.findall(r"`cloud_secrets_drilldown_literal\(\s*\w+\s*,\s*(\w+)\s*\)`", spl))
    while True:
        carried = {alias for source, alias in re.findall(r"values\((\w+)\) AS (\w+)", spl)
                   if source in made}
        joined_ = {name for name, source in re.findall(r"(\w+)=mvjoin\((\w+),", spl)
                   if source in made | carried}
        if carried | joined_ <= made:
            return made
        made |= carried | joined_


def test_the_literal_macro_is_the_one_escaping_rule(app):
    definition = app.macros["cloud_secrets_drilldown_literal(2)"]["definition"]
    assert app.macros["cloud_secrets_drilldown_literal(2)"]["args"].replace(" ", "") == \
        "field,literal"
    # A double quote, the field with each " and \\ preceded by a backslash, a double quote.
    assert definition.startswith('eval $literal$="\\"" . replace($field$, ')


@pytest.mark.parametrize("stanza", [
    "Cloud Secrets - Unusual Volume of Secret Reads - Rule",
    "Cloud Secrets - Secret Store Enumeration - Rule",
    "Cloud Secrets - Cross-Cloud Secret Harvesting - Rule",
    "Cloud Secrets - Secret Access Granted Then Read - Rule"])
def test_drilldowns_paste_only_literals_the_rule_escaped(app, stanza):
    settings = app.saved_searches[stanza]
    spl = joined(settings["search"])
    escaped = literal_fields(spl)
    table = [s for s in segments(spl) if command(s) == "table"][-1].split()[1:]
    searches = drilldowns(settings)
    assert len(searches) == 3
    for search in searches:
        tokens = {name for name, _ in TOKEN.findall(search)}
        assert tokens and tokens <= escaped & set(table), (tokens, search)
        # No token inside quotes written by hand: the literal brings its own.
        assert not re.search(r'"[^"]*\$\w+\$[^"]*"', search), search


def test_raw_values_appear_only_in_text_that_is_shown_not_run(app):
    """$principal$ and other raw values appear only in titles, names, descriptions and
    messages, which ES and the alert actions show as text; the two keys that hold
    searches are checked above."""
    runs = {"action.notable.param.drilldown_search", "action.notable.param.drilldown_searches"}
    shown = ("action.notable.param.rule_title", "action.notable.param.rule_description",
             "action.notable.param.drilldown_name", "action.risk.param._risk_message")
    for name, settings in app.saved_searches.items():
        for key, value in settings.items():
            if key.startswith("action.") and "$" in value and key not in runs:
                raw = {n for n, _ in TOKEN.findall(value)} - {"info_min_time", "info_max_time"}
                assert not raw or key in shown, (name, key)


@pytest.mark.parametrize("path", VIEWS, ids=[p.name for p in VIEWS])
def test_dashboard_drilldowns_put_event_values_into_searches_only_through_the_s_filter(path):
    """Simple XML: a value taken from a clicked row ($row.x$, $click.value$, or a token
    <set> from one in a <drilldown>) enters a query only as $token|s$, which quotes and
    escapes it (Splunk's "Token usage in dashboards", token filters)."""
    root = ElementTree.parse(path).getroot()
    from_clicks = {s.get("token") for d in root.iter("drilldown") for s in d.iter("set")
                   if re.search(r"\$(row|click)\.", s.text or "")}
    for query in root.iter("query"):
        for name, token_filter in TOKEN.findall(query.text or ""):
            if name.split(".")[0] in ("row", "click") or name in from_clicks:
                assert token_filter == "s", (path.name, name)


@pytest.mark.parametrize("path", VIEWS, ids=[p.name for p in VIEWS])
def test_every_token_a_query_pastes_is_quoted_by_the_s_filter(path):
    """Not only clicked values: a dashboard's URL can set any token (Splunk's "Token usage
    in dashboards": tokens can be set in the URL), so a token set by a <done> handler from
    a result is as much the attacker's as a clicked row. Every token that enters a query's
    SPL does so as $token|s$; the time picker's tokens go in <earliest>/<latest>, which
    Splunk reads as time modifiers, not SPL."""
    root = ElementTree.parse(path).getroot()
    for query in root.iter("query"):
        for name, token_filter in TOKEN.findall(query.text or ""):
            assert token_filter == "s", (path.name, name)
