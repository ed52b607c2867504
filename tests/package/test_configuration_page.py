"""What the configuration page adds to the package: the page, its handlers and libraries,
the navigation, the metadata and licence, the admin README, and the size limit.

Oracles: setup.md (what must ship), the wheels' own metadata (Requires-Dist,
Requires-Python, RECORD) and the interpreters Splunk runs apps with (3.9 and 3.13).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from cloud_secrets import rules, schema
from devkit.packaging import (
    REQUIREMENTS,
    UCC_CONFIG,
    app_identity,
    check_declared_versions,
    ucc_build_stamp,
    ucc_generate,
)

ROOT = Path(__file__).resolve().parents[2]
COMPILED = (".so", ".pyd", ".dll", ".dylib", ".exe", ".pyc", ".pyo")
LIBRARY_FOLDERS = ("lib", "bin/lib")


def test_the_generated_page_and_our_handlers_ship(packaged_app, conf):
    for path in ("appserver/templates/base.html", "appserver/static/js/build/entry_page.js",
                 "appserver/static/js/build/globalConfig.json",
                 "default/data/ui/views/configuration.xml", "default/web.conf",
                 "bin/import_declare_test.py", "lib/splunktaucclib/rest_handler/handler.py",
                 "lib/solnlib/splunk_rest_client.py"):
        assert (packaged_app / path).is_file(), path
    restmap = conf(packaged_app / "default" / "restmap.conf")
    for handler in ("cloud_secrets_detection_settings", "cloud_secrets_detection_account_rules"):
        stanza = restmap[f"admin_external:{handler}"]
        assert stanza["python.required"] == "3.9, 3.13"
        script = (packaged_app / "bin" / stanza["handlerfile"]).read_text()
        assert "cloud_secrets_setup.handlers" in script  # ours, not UCC's generated file
    admin = restmap["admin:cloud_secrets_detection_configuration"]
    assert set(admin["members"].replace(" ", "").split(",")) == {
        "cloud_secrets_detection_settings", "cloud_secrets_detection_account_rules"}
    # splunkd checks the capability of each method, reading included (restmap.conf.spec,
    # capability.<post|delete|get|put>): a role without admin_all_objects cannot even
    # list the page's endpoints.
    for method in ("get", "post", "put", "delete"):
        assert admin[f"capability.{method}"] == "admin_all_objects", method


def test_the_account_rules_tab_is_a_table_tab_over_the_rules_conf(packaged_app, conf):
    """What UCC generated for the tab, and what replaces its storage: the page (the
    shipped globalConfig.json) has the table, restmap.conf routes the tab's endpoint to
    our handler with every action, and the conf file it stores (through splunkd, shown by
    tests/setup/test_account_rules_handler.py) is cloud_secrets_account_rules, replicated
    in a search head cluster, with no UCC cloud_secrets_detection_account_rules.conf."""
    page = json.loads((packaged_app / "appserver" / "static" / "js" / "build" /
                       "globalConfig.json").read_text())
    tab = next(t for t in page["pages"]["configuration"]["tabs"]
               if t["name"] == "account_rules")
    assert {h["field"] for h in tab["table"]["header"]} >= {"name", "order", "pattern",
                                                           "account_type", "disabled"}
    assert set(tab["table"]["actions"]) == {"edit", "delete", "clone"}
    stanza = conf(packaged_app / "default" / "restmap.conf")[
        "admin_external:cloud_secrets_detection_account_rules"]
    assert stanza["handlerfile"] == "cloud_secrets_detection_rh_account_rules.py"
    assert set(stanza["handleractions"].replace(" ", "").split(",")) == {
        "list", "create", "edit", "remove"}
    script = (packaged_app / "bin" / stanza["handlerfile"]).read_text()
    assert "RULES_ENDPOINT" in script and "cloud_secrets_setup.handlers" in script
    assert rules.CONF_NAME == "cloud_secrets_account_rules"
    server = conf(packaged_app / "default" / "server.conf")
    assert server["shclustering"]["conf_replication_include.cloud_secrets_account_rules"] == "true"
    assert not list((packaged_app / "default").glob("cloud_secrets_detection_*.conf"))


def test_the_page_and_app_conf_carry_one_version(packaged_app, conf):
    app_version = conf(packaged_app / "default" / "app.conf")["launcher"]["version"]
    assert json.loads(UCC_CONFIG.read_text())["meta"]["version"] == app_version
    shipped = json.loads((packaged_app / "appserver" / "static" / "js" / "build" /
                          "globalConfig.json").read_text())
    assert shipped["meta"]["version"] == app_version
    with pytest.raises(SystemExit, match="bump them together"):
        check_declared_versions("0.0.1")


def test_the_repository_and_its_docs_name_app_confs_version(packaged_app, conf):
    """One version everywhere a reader looks (app.conf is its source): the repository's
    manifest and page, the tarball the README tells users to install and unpack, and the
    upgrade notes of the admins' README, which upgrade *to* it from the previous release."""
    version = conf(ROOT / "default" / "app.conf")["id"]["version"]
    manifest = json.loads((ROOT / "app" / "app.manifest").read_text())
    assert manifest["info"]["id"]["version"] == version
    assert json.loads((packaged_app / "app.manifest").read_text())["info"]["id"][
        "version"] == version
    readme = (ROOT / "README.md").read_text()
    tarballs = set(re.findall(r"cloud_secrets_detection-(\d[\w.]*?)\.tgz", readme))
    assert tarballs == {version}
    admin = (packaged_app / "README.md").read_text()
    assert re.search(rf"^### Upgrading from \d+\.\d+\.x to {re.escape(version)}$", admin,
                     re.MULTILINE)
    for path in [ROOT / "README.md", ROOT / "app" / "README.md",
                 *sorted((ROOT / "docs").glob("*.md"))]:
        # "Upgrading from 1.0.0" next to a 1.1.0 would read as if 1.0.0 were the newer.
        assert not re.search(r"(?i)upgrading (from|to) \d+\.\d+(\.\d+)?(?![.\dx])",
                             path.read_text().replace(f"to {version}", "")), path


def test_the_page_stores_nothing_of_its_own(packaged_app, conf):
    """The page writes macros and the rules conf: no settings .conf, no copy to sync."""
    assert not list((packaged_app / "default").glob("cloud_secrets_detection_*.conf"))
    # The one reload trigger is the account rules' conf, which the page writes through
    # splunkd and the command reads at each search: a save needs no restart.
    triggers = conf(packaged_app / "default" / "app.conf")["triggers"]
    assert {k: v for k, v in triggers.items() if k != "__name__"} == {
        "reload.cloud_secrets_account_rules": "simple"}


def test_ucc_clock_build_number_is_replaced_by_app_conf(packaged_app, conf):
    app_id, version = app_identity()
    stamp = ucc_build_stamp(ucc_generate(app_id, version))
    ours = conf(packaged_app / "default" / "app.conf")["install"]["build"]
    assert stamp != ours
    base = (packaged_app / "appserver" / "templates" / "base.html").read_text()
    assert f"/static/@{ours}/app/" in base and stamp not in base


def test_the_pinned_solnlib_and_splunktaucclib_ship(packaged_app):
    pins = dict(line.split("==") for line in
                (REQUIREMENTS / "setup-page.txt").read_text().splitlines()
                if "==" in line and not line.startswith("#"))
    assert pins["solnlib"] == "7.0.0"
    for name, version in pins.items():
        versions = {canonicalize_name(n): v for n, v in _shipped_versions(packaged_app).items()}
        assert versions.get(canonicalize_name(name)) == version, f"{name}=={version} not in lib/"


def test_no_compiled_code_ships(packaged_app):
    compiled = [str(p.relative_to(packaged_app)) for p in packaged_app.rglob("*")
                if p.suffix.lower() in COMPILED or ".so." in p.name]
    assert compiled == []


def _distributions(app: Path) -> dict:
    found = {}
    for folder in LIBRARY_FOLDERS:
        for info in (app / folder).glob("*.dist-info"):
            metadata = (info / "METADATA").read_text(encoding="utf-8")
            headers = metadata.split("\n\n", 1)[0].splitlines()
            name = next(h.split(": ", 1)[1] for h in headers if h.startswith("Name: "))
            found[canonicalize_name(name)] = (info, headers)
    return found


def _shipped_versions(app: Path) -> dict:
    return {name: next(h.split(": ", 1)[1] for h in headers if h.startswith("Version: "))
            for name, (_, headers) in _distributions(app).items()}


def test_every_library_file_belongs_to_a_pinned_wheel(packaged_app):
    """Nothing in lib/ or bin/lib/ that a wheel's RECORD does not list (so nothing stray)."""
    for folder in LIBRARY_FOLDERS:
        root = packaged_app / folder
        recorded = set()
        for record in root.glob("*.dist-info/RECORD"):
            with open(record, newline="", encoding="utf-8") as handle:
                recorded |= {row[0] for row in csv.reader(handle) if row}
        shipped = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
        assert shipped - recorded == set(), folder


@pytest.mark.parametrize("python", ["3.9", "3.13"])
def test_the_shipped_libraries_are_complete_for_splunks_pythons(packaged_app, python):
    """Every Requires-Dist of every shipped wheel (markers read for that Python) is shipped
    in a version it accepts, and every wheel declares support for that Python."""
    dists = _distributions(packaged_app)
    environment = {"python_version": python, "python_full_version": f"{python}.0",
                   "extra": ""}
    versions = _shipped_versions(packaged_app)
    for name, (_, headers) in dists.items():
        for header in headers:
            if header.startswith("Requires-Python: "):
                assert SpecifierSet(header.split(": ", 1)[1]).contains(f"{python}.0"), name
            if header.startswith("Requires-Dist: "):
                requirement = Requirement(header.split(": ", 1)[1])
                if requirement.marker and not requirement.marker.evaluate(environment):
                    continue
                wanted = canonicalize_name(requirement.name)
                assert wanted in versions, f"{name} needs {requirement}"
                assert requirement.specifier.contains(versions[wanted], prereleases=True), (
                    f"{name} needs {requirement}, {versions[wanted]} ships")


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_every_shipped_python_file_compiles_on_splunks_pythons(packaged_app, version,
                                                               python_of):
    python = python_of(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    files = [str(p) for p in packaged_app.rglob("*.py")]
    script = ("import sys\nbad = []\nfor f in sys.argv[1:]:\n"
              "    try:\n        compile(open(f, 'rb').read(), f, 'exec')\n"
              "    except SyntaxError as e:\n        bad.append(f'{f}: {e}')\n"
              "print('\\n'.join(bad)); sys.exit(1 if bad else 0)")
    completed = subprocess.run([python, "-c", script, *files], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_the_handlers_import_on_splunks_pythons(packaged_app, version, python_of):
    python = python_of(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import import_declare_test; "
             "import splunktaucclib.rest_handler.handler, solnlib.splunk_rest_client, "
             "cloud_secrets_setup.account_rules, cloud_secrets_setup.fields")
    completed = subprocess.run([python, "-c", probe, str(packaged_app / "bin")],
                               capture_output=True, text=True,
                               env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert completed.returncode == 0, completed.stderr


def test_select_options_are_the_commands_own_values():
    config = json.loads(UCC_CONFIG.read_text())
    tab = next(t for t in config["pages"]["configuration"]["tabs"]
               if t["name"] == "account_rules")
    options = {e["field"]: [o["value"] for o in e["options"]["autoCompleteFields"]]
               for e in tab["entity"] if e["type"] == "singleSelect"}
    assert options == {
        "platform": ["*", *[p for p in schema.PLATFORMS if p != "Unknown"]],
        "principal_type": ["*", *schema.PRINCIPAL_TYPES],
        "match_field": list(rules.MATCH_FIELDS), "match": list(rules.MATCH_MODES),
        "account_type": list(schema.ACCOUNT_TYPES), "disabled": ["false", "true"]}
    assert [rules.is_disabled(v) for v in options["disabled"]] == [False, True]


def test_ucc_settings_meet_appinspect_and_private_app_needs():
    meta = json.loads(UCC_CONFIG.read_text())["meta"]
    assert meta["supportedPythonVersion"] == ["3.9", "3.13"]
    assert meta["checkForUpdates"] is False


def test_navigation_reaches_the_page_and_the_data_check(packaged_app):
    nav = ElementTree.parse(packaged_app / "default" / "data" / "ui" / "nav" / "default.xml")
    views = [v.get("name") for v in nav.getroot().iter("view")]
    assert {"configuration", "cloud_secrets_data_check"} <= set(views)
    assert views[0] == "cloud_secrets_overview"  # the home page stays the dashboard
    overview = (packaged_app / "default" / "data" / "ui" / "views" /
                "cloud_secrets_overview.xml").read_text()
    assert 'href="cloud_secrets_data_check"' in overview and 'href="configuration"' in overview


def test_data_check_base_searches_are_transforming(packaged_app):
    view = ElementTree.parse(packaged_app / "default" / "data" / "ui" / "views" /
                             "cloud_secrets_data_check.xml").getroot()
    bases = [s for s in view.iter("search") if s.get("base") is None]
    # Four step-1 searches, the steps, the source macros' indexes, the 1.0 rules file,
    # unknown events, the baseline, the known reads and the late events.
    assert len(bases) == 11
    for search in bases:
        query = search.findtext("query")
        assert "| stats " in query, query
    every_query = "".join(s.findtext("query") for s in bases)
    for macro in ("cloud_secrets_aws_sources", "cloud_secrets_gcp_sources",
                  "cloud_secrets_azure_sources", "cloud_secrets_vault_sources",
                  "cloud_secrets_sources", "cloudsecrets", "inputlookup cloud_secrets_baseline",
                  "inputlookup cloud_secrets_first_read_known",
                  "inputlookup cloud_secrets_baseline_late", "configs/conf-macros",
                  "data/lookup-table-files"):
        assert macro in every_query, macro
    for rest in (s.findtext("query") for s in bases if "| rest " in s.findtext("query")):
        assert "splunk_server=local" in rest, rest  # never fanned out to indexers


def test_the_data_check_lists_the_commands_platforms_with_their_macros(packaged_app):
    """The platform list the data check appends: the command's platforms (schema.PLATFORMS,
    less Unknown), each with the source macro the configuration page sets for it."""
    from cloud_secrets_setup import fields

    with (packaged_app / "lookups" / "cloud_secrets_platforms.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["platform"] for r in rows] == [p for p in schema.PLATFORMS if p != "Unknown"]
    assert [r["sources_macro"] for r in rows] == [f.macro for f in fields.DATA_SOURCES]


def test_manifest_names_author_licence_release_and_platforms(packaged_app):
    manifest = json.loads((packaged_app / "app.manifest").read_text())
    info = manifest["info"]
    assert info["author"][0]["name"] and "@" in info["author"][0]["email"]
    assert info["releaseDate"] and info["license"]["name"] == "Apache License 2.0"
    assert info["license"]["text"] == "./LICENSE"
    assert (packaged_app / "LICENSE").read_text().startswith(
        "\n                                 Apache License")
    assert manifest["platformRequirements"]["splunk"]["Enterprise"]


def test_the_package_readme_speaks_to_admins(packaged_app):
    readme = (packaged_app / "README.md").read_text()
    for heading in ("## Install", "## Configure", "## Upgrade", "## Data prerequisites"):
        assert heading in readme
    for developer_word in ("build.py", "devkit", "pytest", "tests/"):
        assert developer_word not in readme


def test_the_tarball_is_at_most_3_mb(tarball):
    assert tarball.stat().st_size <= 3 * 1024 * 1024, tarball.stat().st_size


def test_handler_libraries_are_not_sent_to_indexers(packaged_app):
    """bin/ goes to indexers in the knowledge bundle; the page's libraries stay in lib/."""
    assert not (packaged_app / "bin" / "lib" / "solnlib").exists()


def test_the_page_fields_are_the_handlers_fields():
    """globalConfig.json (what the page shows) and cloud_secrets_setup (what the handlers
    check and save) name the same fields, with the same limits."""
    from cloud_secrets_setup import account_rules, fields

    config = json.loads(UCC_CONFIG.read_text())
    tabs = {t["name"]: t for t in config["pages"]["configuration"]["tabs"]}
    for name, settings in fields.TABS.items():
        entity = tabs[name]["entity"]
        assert [e["field"] for e in entity] == [s.macro for s in settings]
        assert [e["label"] for e in entity] == [s.label for s in settings]
        assert {v["maxLength"] for e in entity for v in e["validators"]} == {
            fields.MAX_DEFINITION}
    rule_fields = {e["field"]: e for e in tabs["account_rules"]["entity"]}
    assert set(rule_fields) == {"name", *account_rules.RULE_KEYS}
    assert rule_fields["name"]["validators"][0]["pattern"] == account_rules.NAME_PATTERN


# -- The Data Check's rows about the app's own setup, run by the repository's SPL engine
# over the packaged app. Oracles: the contract's Data Check requirements (setup.md;
# adversaries.md, "source macros", "upgrading from 1.0", "the baseline learns only what
# the rules saw") and the documented meaning of the late-events collection's fields.


def _data_check_search(app: Path, search_id: str) -> str:
    view = ElementTree.parse(app / "default" / "data" / "ui" / "views" /
                             "cloud_secrets_data_check.xml").getroot()
    return next(s.findtext("query") for s in view.iter("search") if s.get("id") == search_id)


@pytest.fixture
def data_check_app(packaged_app, tmp_path):
    """A copy of the packaged app, to which a test adds local/ files and lookups."""
    import shutil

    app = tmp_path / packaged_app.name
    shutil.copytree(packaged_app, app, ignore=shutil.ignore_patterns("lib", "appserver"))
    return app


def _engine(app: Path):
    from devkit.spl import AppConf, Engine

    return Engine(AppConf.load(app), app_dir=app, lookups_dir=app / "lookups",
                  kvstore_dir=app.parent / "kvstore")


def test_the_data_check_flags_source_macros_without_an_index(data_check_app):
    (data_check_app / "local").mkdir()
    (data_check_app / "local" / "macros.conf").write_text(
        "[cloud_secrets_aws_sources]\ndefinition = index=aws sourcetype=aws:cloudtrail\n\n"
        "[cloud_secrets_gcp_sources]\ndefinition = index=* sourcetype=google:gcp:pubsub:message\n\n"
        "[cloud_secrets_vault_sources]\ndefinition = index IN (vault, vault_dr)\n")
    rows = _engine(data_check_app).run(_data_check_search(data_check_app, "source_indexes"), [])
    checks = {r["platform"]: r["check"] for r in rows}
    assert set(checks) == {"AWS", "GCP", "Azure", "Vault"}
    assert checks["AWS"].startswith("OK") and checks["Vault"].startswith("OK")
    # index=* names no index; Azure keeps the shipped definition, which names none.
    for platform in ("GCP", "Azure"):
        assert "any index searched by default can feed the detections" in checks[platform]
    definitions = {r["platform"]: r["definition"] for r in rows}
    assert definitions["AWS"] == "index=aws sourcetype=aws:cloudtrail"  # the value in force


def test_the_data_check_says_when_the_1_0_rules_file_is_still_there(data_check_app):
    engine = _engine(data_check_app)
    query = _data_check_search(data_check_app, "old_rules")
    assert engine.run(query, [])[0]["old_rules_files"] == 0
    (data_check_app / "lookups" / "cloud_secrets_account_rules_local.csv").write_text(
        "platform,principal_type,match_field,match,pattern,account_type,description\n"
        "*,*,principal,,*,High-Privilege,everyone\n")
    assert engine.run(query, [])[0]["old_rules_files"] == 1
    view = (data_check_app / "default" / "data" / "ui" / "views" /
            "cloud_secrets_data_check.xml").read_text()
    panel = view[view.index('<row depends="$old_rules_file$">'):]
    panel = panel[:panel.index("</row>")]
    assert "no longer reads it" in panel and "Account rules" in panel
    assert "configuration?tab=account_rules" in panel


def test_the_data_check_totals_late_events_per_platform_over_the_range(data_check_app):
    engine = _engine(data_check_app)
    day = 86400.0
    midnight = 1714262400.0  # 2024-04-28 00:00 UTC
    engine.write_lookup("cloud_secrets_baseline_late", [
        {"principal": "arn:aws:iam::1:role/a", "platform": "AWS", "day": midnight - day,
         "late_events": 400, "max_delay_minutes": 600},
        {"principal": "arn:aws:iam::1:role/b", "platform": "AWS", "day": midnight,
         "late_events": 5, "max_delay_minutes": 45},
        {"principal": "arn:aws:iam::1:role/a", "platform": "AWS", "day": midnight - 9 * day,
         "late_events": 1000, "max_delay_minutes": 9000},  # before the range: not counted
        {"principal": "token-admin", "platform": "Vault", "day": midnight, "late_events": 2,
         "max_delay_minutes": 31},
    ])
    rows = engine.run(_data_check_search(data_check_app, "late_events"), [],
                      now=midnight + 14 * 3600, earliest=midnight - 7 * day,
                      latest=midnight + 14 * 3600)
    from devkit.spl import format_value

    by_platform = {r["platform"]: {k: format_value(v) for k, v in r.items()} for r in rows}
    assert set(by_platform) == {"AWS", "GCP", "Azure", "Vault"}
    assert (by_platform["AWS"]["late_events"], by_platform["AWS"]["principals"]) == ("405", "2")
    assert by_platform["AWS"]["newest_day"] == "2024-04-28"
    assert by_platform["AWS"]["longest_delay_minutes"] == "600"
    assert by_platform["GCP"]["longest_delay_minutes"] == "-"
    assert by_platform["Vault"]["late_events"] == "2"
    assert by_platform["GCP"]["late_events"] == "0"
    assert by_platform["GCP"]["meaning"].startswith("None")
    assert by_platform["AWS"]["meaning"].startswith("Not learned")
