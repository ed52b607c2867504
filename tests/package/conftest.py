"""Package-level fixtures: the tarball as build.py writes it, and the conf files it ships."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from devkit import packaging


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
