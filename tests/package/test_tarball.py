"""The tarball: root folder, allowlist, modes, versions, vendored splunklib, reproducibility."""

from __future__ import annotations

import hashlib
import json
import struct
import tarfile

import pytest

from devkit import packaging

APP_ID = "cloud_secrets_detection"


def test_root_folder_is_the_app_id(members):
    assert members[0].name == APP_ID and members[0].isdir()
    assert all(m.name == APP_ID or m.name.startswith(APP_ID + "/") for m in members)


@pytest.mark.parametrize("forbidden", [
    "/.", "__pycache__", ".pyc", "/local/", "local.meta", "build.py", "/tests/", "/devkit/",
    "/samples/", "/.git"])
def test_nothing_forbidden_ships(members, forbidden):
    assert not [m.name for m in members if forbidden in m.name + "/"]


def test_modes_and_owners(members):
    for member in members:
        assert member.mode == (0o755 if member.isdir() else 0o644), member.name
        assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, "", "")
        assert member.isdir() or member.isfile(), member.name


@pytest.mark.parametrize("path", [
    "app.manifest", "README.md", "metadata/default.meta", "bin/cloudsecrets.py",
    "bin/cloud_secrets/engine.py", "bin/lib/splunklib/searchcommands/__init__.py",
    "default/app.conf", "default/commands.conf", "default/searchbnf.conf",
    "default/transforms.conf", "default/collections.conf",
    "default/cloud_secrets_account_rules.conf", "default/distsearch.conf",
    "lookups/cloud_secrets_platforms.csv", "static/appIcon.png",
    "static/appIcon_2x.png"])
def test_expected_files_ship(members, path):
    assert f"{APP_ID}/{path}" in {m.name for m in members}


def test_version_is_the_same_everywhere(tarball, packaged_app, conf):
    app_conf = conf(packaged_app / "default" / "app.conf")
    version = app_conf["launcher"]["version"]
    assert app_conf["id"]["version"] == version and app_conf["package"]["id"] == APP_ID
    assert tarball.name == f"{APP_ID}-{version}.tgz"
    manifest = json.loads((packaged_app / "app.manifest").read_text())
    assert manifest["info"]["id"] == {"group": None, "name": APP_ID, "version": version}


def test_vendored_splunklib_is_the_pinned_release(packaged_app):
    pinned = (packaging.REQUIREMENTS / "vendor.txt").read_text()
    version = next(line.split("==")[1] for line in pinned.splitlines()
                   if line.startswith("splunk-sdk=="))
    assert (packaged_app / "bin" / "lib" / f"splunk_sdk-{version}.dist-info").is_dir()
    script = (packaged_app / "bin" / "cloudsecrets.py").read_text()
    assert f'PINNED_SPLUNKLIB = "{version}"' in script


@pytest.mark.parametrize(("name", "size"), [("appIcon.png", 36), ("appIcon_2x.png", 72),
                                            ("appIconAlt.png", 36), ("appIconAlt_2x.png", 72)])
def test_icons(packaged_app, name, size):
    header = (packaged_app / "static" / name).read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (size, size)


def test_build_is_reproducible(tarball, tmp_path):
    again = packaging.package(packaging.assemble(tmp_path / "build"), tmp_path / "dist")
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(
        tarball.read_bytes()).digest()


def test_gzip_and_tar_timestamps_are_fixed(tarball):
    assert tarball.read_bytes()[4:8] == struct.pack("<I", packaging.DEFAULT_EPOCH)
    with tarfile.open(tarball) as archive:
        assert {m.mtime for m in archive.getmembers()} == {packaging.DEFAULT_EPOCH}
