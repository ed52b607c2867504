"""Helpers for the SPL engine's tests: a small app folder with the .conf text a test
needs, and an engine over it whose lookups and KV store live in the test's tmp_path."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

import pytest

from devkit.spl import AppConf, Engine

UTC_2024_04_28_1405 = 1714313100.0  # Sunday 2024-04-28 14:05:00 UTC


def write_app(root: Path, default: Dict[str, str], local: Optional[Dict[str, str]] = None,
              lookups: Optional[Dict[str, str]] = None) -> Path:
    """An app folder: default/<name>.conf (and local/) holding the given texts."""
    (root / "default").mkdir(parents=True, exist_ok=True)
    for name, text in default.items():
        (root / "default" / f"{name}.conf").write_text(text, encoding="utf-8")
    for name, text in (local or {}).items():
        (root / "local").mkdir(exist_ok=True)
        (root / "local" / f"{name}.conf").write_text(text, encoding="utf-8")
    (root / "lookups").mkdir(exist_ok=True)
    for name, text in (lookups or {}).items():
        (root / "lookups" / name).write_text(text, encoding="utf-8")
    return root


class Harness:
    """An engine and a clock: `spl("search ...", events)` runs as of `spl.now`."""

    now = UTC_2024_04_28_1405

    def __init__(self, engine: Engine, app_dir: Path) -> None:
        self.engine = engine
        self.app_dir = app_dir
        self.lookups_dir = app_dir / "lookups"

    def __call__(self, spl: str, events=(), now: Optional[float] = None, **kwargs):
        return self.engine.run(spl, list(events), now=self.now if now is None else now,
                               **kwargs)


@pytest.fixture
def make_spl(tmp_path):
    """make_spl(default={"macros": "..."}, lookups={"x.csv": "..."}, tz="UTC") -> Harness."""
    count = [0]

    def build(default: Optional[Dict[str, str]] = None, local: Optional[Dict[str, str]] = None,
              lookups: Optional[Dict[str, str]] = None, tz: str = "UTC") -> Harness:
        count[0] += 1
        root = tmp_path / f"app{count[0]}"
        app_dir = write_app(root, default or {"app": ""}, local, lookups)
        engine = Engine(AppConf.load(app_dir), app_dir=app_dir,
                        lookups_dir=app_dir / "lookups", kvstore_dir=root / "kvstore", tz=tz)
        return Harness(engine, app_dir)

    return build


@pytest.fixture
def spl(make_spl) -> Harness:
    return make_spl()
