"""`| cloudsecrets` inside the engine: the packaged command, driven as splunkd drives it.

Oracles: ../shared/spec/cloudsecrets-command.md and the protocol v2 behaviour that
devkit.splunkd models (getinfo, `required_fields`, execute chunks, the reply laid back
over each event by `_chunked_idx`); the Search Reference's "About custom search
commands" for what reaches later commands. Replies are cached across runs (the
command's answer for identical input is identical), so `prewarm` and repeated runs
start one command process.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from devkit import samples, vendorlogs
from devkit.spl import AppConf, Engine, SplError

ROOT = Path(__file__).resolve().parents[2]
SOURCETYPES = {"aws": "aws:cloudtrail", "gcp": "google:gcp:pubsub:message",
               "azure": "mscs:azure:eventhub", "vault": "hashicorp_vault_audit_log"}


def sample_events():
    events = []
    for path in sorted((ROOT / "samples").iterdir()):
        for event in vendorlogs.read_events([path]):
            event["sourcetype"] = SOURCETYPES[path.name.split("_")[0]]
            event["index"] = "main"
            events.append(event)
    return sorted(events, key=lambda e: float(e["_time"]))


@pytest.fixture(scope="module")
def events():
    return sample_events()


@pytest.fixture
def engine(packaged_app, tmp_path):
    shutil.copytree(packaged_app / "lookups", tmp_path / "lookups")  # a working copy
    return Engine(AppConf.load(packaged_app), app_dir=packaged_app,
                  lookups_dir=tmp_path / "lookups", kvstore_dir=tmp_path / "kvstore")


def test_the_reply_is_laid_over_each_event(engine, events):
    rows = engine.run("search * | cloudsecrets", events, now=2e9)
    assert len(rows) == len(events)
    assert {r["platform"] for r in rows} == {"AWS", "GCP", "Azure", "Vault"}
    for row, event in zip(rows, events):
        assert row["_raw"] == event["_raw"] and row["sourcetype"] == event["sourcetype"]
    required = engine.command_runner.required[()]
    assert required and "_raw" in required  # selected-fields mode, as splunkd runs it


def test_empty_reply_fields_reach_later_commands_as_missing(engine, events):
    rows = engine.run("search * | cloudsecrets | search platform=GCP", events, now=2e9)
    assert rows and all("cross_account" not in r for r in rows)  # AWS only, "" elsewhere
    assert engine.run("search * | cloudsecrets | search platform=GCP cross_account=*",
                      events, now=2e9) == []


def test_replies_are_cached_across_runs_and_prewarm_sends_everything_once(engine, events):
    assert engine.prewarm(events) == len(events)
    assert engine.command_runner.processes == 1
    first = engine.run("`cloud_secrets_sources` | cloudsecrets | stats count by platform",
                       events, now=2e9)
    engine.run("search * | cloudsecrets", events[:50], now=2e9)
    assert engine.command_runner.processes == 1
    assert engine.prewarm(events) == 0
    assert sum(r["count"] for r in first) == len(events)


def test_the_shipped_searches_find_the_sample_stories(engine, events):
    app = AppConf.load(engine.app_dir)
    found = set()
    last = max(float(e["_time"]) for e in events)
    for name, stanza in app.saved_searches.items():
        rows = engine.run(stanza["search"], events, now=last + 3600, name=name)
        found |= {(r["analytic"], r["principal"]) for r in rows if "analytic" in r}
    assert found == samples.EXPECTED_ALERTS


@pytest.mark.parametrize("script, message", [
    ("import sys\nsys.exit(3)\n", "cloudsecrets failed"),
    ("import sys\nsys.stdin.readline()\nprint('chunked 1.0,zz,0')\nsys.stdout.flush()\n",
     "cloudsecrets"),
])
def test_a_failing_command_is_a_run_time_error(packaged_app, tmp_path, script, message):
    broken = tmp_path / "app"
    shutil.copytree(packaged_app, broken)
    (broken / "bin" / "cloudsecrets.py").write_text(script)
    engine = Engine(AppConf.load(broken), app_dir=broken, lookups_dir=tmp_path / "l",
                    kvstore_dir=tmp_path / "k")
    with pytest.raises(SplError) as error:
        engine.run("search * | cloudsecrets", [{"_raw": "{}", "_time": 1}], now=2e9,
                   name="Rule")
    assert message in str(error.value) and "Rule" in str(error.value)
