"""Every piece of SPL the app ships parses and expands with no SplUnsupported.

Read from the app's own conf files and dashboards (never copied here): each saved
search, each drilldown search (its `$field$` tokens filled in), each macro, and each
dashboard query (post-process searches joined to their base search, as Simple XML
runs them). A command, option or function the engine lacks would fail here first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from devkit.spl import COMMANDS, AppConf, Engine

ROOT = Path(__file__).resolve().parents[2]
APP = AppConf.load(ROOT)
TOKEN = re.compile(r"\$[^$\s]+\$")


def fill_tokens(text: str) -> str:
    """Tokens as words; a token given to a time modifier (earliest=$x$) as a time."""
    text = re.sub(r"\b(earliest|latest)=\$[^$\s]+\$", r"\1=0", text)
    return TOKEN.sub("token", text)


def saved_search_spl():
    for name, stanza in APP.saved_searches.items():
        for key in ("search", "action.notable.param.drilldown_search"):
            if stanza.get(key):
                yield pytest.param(name, fill_tokens(stanza[key]), id=f"{name} {key}")


def dashboard_spl():
    for view in sorted((ROOT / "default" / "data" / "ui" / "views").glob("*.xml")):
        tree = ElementTree.parse(view)
        bases = {s.get("id"): s.findtext("query") for s in tree.iter("search") if s.get("id")}
        for number, search in enumerate(tree.iter("search")):
            query = search.findtext("query")
            if not query:
                continue
            base = search.get("base")
            spl = f"{bases[base]} | {query}" if base else query
            yield pytest.param(view.name, fill_tokens(spl), id=f"{view.name} #{number}")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    work = tmp_path_factory.mktemp("shipped")
    return Engine(APP, app_dir=ROOT, lookups_dir=work / "lookups", kvstore_dir=work / "kv")


def test_there_is_shipped_spl_to_check():
    assert len(list(saved_search_spl())) >= 3
    assert len(list(dashboard_spl())) >= 5


@pytest.mark.parametrize("name, spl", list(saved_search_spl()))
def test_saved_searches_parse(engine, name, spl):
    pipeline = engine.parse(spl, name)
    assert pipeline.commands


@pytest.mark.parametrize("view, spl", list(dashboard_spl()))
def test_dashboard_queries_parse(engine, view, spl):
    assert engine.parse(spl, view).commands


@pytest.mark.parametrize("stanza", sorted(APP.macros))
def test_macros_expand(engine, stanza):
    match = re.fullmatch(r"(.+)\((\d+)\)", stanza)
    call = f"{match.group(1)}({', '.join(['1'] * int(match.group(2)))})" if match else stanza
    expanded = engine.expand(f"`{call}`")
    assert "`" not in expanded


def test_every_search_macro_parses(engine):
    """Filters parse as searches; fragments that start with a command (`eval ...`,
    `lookup ... | eval ...`) parse where they are used, after a pipe."""
    for stanza, keys in APP.macros.items():
        definition = keys.get("definition", "")
        if "(" in stanza or stanza == "default":
            continue  # macros with arguments are checked through their callers
        if re.fullmatch(r"[\d.]+[a-z]*", definition.strip()):
            continue  # a threshold or a span, used inside other SPL
        first_word = engine.expand(definition).split(maxsplit=1)[0].lower()
        spl = f"search * | `{stanza}`" if first_word in COMMANDS else f"`{stanza}`"
        assert engine.parse(spl, stanza).commands
