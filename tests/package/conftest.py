"""Package-level fixtures: the tarball as build.py writes it, and the conf files it ships."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest
from spl_text import joined

from devkit import packaging

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tarball(packaged_app, tmp_path_factory) -> Path:
    return packaging.package(packaged_app, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def members(tarball):
    with tarfile.open(tarball) as archive:
        return archive.getmembers()


@pytest.fixture(scope="session")
def conf():
    """Parse a shipped .conf file with the Splunk conf parser UCC uses."""
    from addonfactory_splunk_conf_parser_lib import TABConfigParser

    def parse(path: Path) -> dict:
        parser = TABConfigParser()
        parser.read(str(path))
        return {section: dict(parser.items(section)) for section in parser.sections()}

    return parse


@pytest.fixture(scope="session")
def confs(conf):
    """Every default/*.conf of the repository as {file stem: {stanza: settings}}, each saved
    search's `search` with its "\\" line continuations joined, as Splunk reads it (the conf
    parser keeps them). Shared by the modules that check the conf files: do not mutate."""
    parsed = {path.stem: conf(path) for path in sorted((ROOT / "default").glob("*.conf"))}
    for settings in parsed["savedsearches"].values():
        if "search" in settings:
            settings["search"] = joined(settings["search"])
    return parsed
