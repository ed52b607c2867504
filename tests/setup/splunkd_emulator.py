"""A splunkd of our own for the handler tests: the configs/conf-macros endpoint of one app.

It answers as splunkd's REST API reference documents the endpoint ("Configuration endpoint
descriptions"): GET configs/conf-{file}/{stanza} returns the stanza as a feed entry (JSON
with output_mode=json), POST to it sets the form-encoded keys in the namespace's local
layer, an unknown stanza answers 404 with a messages list. The namespace
servicesNS/nobody/<app> reads default/macros.conf overlaid by local/macros.conf and writes
local/macros.conf, as splunkd does for an app.
"""

from __future__ import annotations

import threading
import urllib.parse
from pathlib import Path

APP_ID = "cloud_secrets_detection"
SESSION_KEY = "test-session-key"


def read_conf(path: Path) -> dict:
    from addonfactory_splunk_conf_parser_lib import TABConfigParser

    parser = TABConfigParser()
    if path.exists():
        parser.read(str(path))
    return {section: {k: v for k, v in parser.items(section) if k != "__name__"}
            for section in parser.sections()}


def write_conf(path: Path, conf: dict) -> None:
    lines = []
    for stanza, keys in conf.items():
        lines.append(f"[{stanza}]")
        lines.extend(f"{key} = {value}" for key, value in keys.items())
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


class Splunkd:
    """The conf-macros endpoint of one app, over the app folder's default/ and local/."""

    def __init__(self, app_dir: Path) -> None:
        self.app_dir = app_dir
        self.requests: list[tuple[str, str, dict]] = []
        self.lock = threading.Lock()

    @property
    def local(self) -> Path:
        return self.app_dir / "local" / "macros.conf"

    def merged(self) -> dict:
        merged = read_conf(self.app_dir / "default" / "macros.conf")
        for stanza, keys in read_conf(self.local).items():
            merged.setdefault(stanza, {}).update(keys)
        return merged

    def entry(self, name: str, keys: dict) -> dict:
        base = f"https://127.0.0.1:8089/servicesNS/nobody/{APP_ID}/configs/conf-macros"
        acl = {"app": APP_ID, "owner": "nobody", "sharing": "app", "can_write": True,
               "modifiable": True, "removable": False,
               "perms": {"read": ["*"], "write": ["admin", "sc_admin"]}}
        content = {**keys, "disabled": False, "eai:acl": None, "eai:appName": APP_ID,
                   "eai:userName": "nobody"}
        return {"name": name, "id": f"{base}/{urllib.parse.quote(name)}", "author": "nobody",
                "acl": acl, "content": content, "links": {}}

    def handle(self, method: str, path: str, form: dict) -> tuple[int, dict]:
        prefix = f"/servicesNS/nobody/{APP_ID}/configs/conf-"
        if not path.startswith(prefix):
            return 404, {"messages": [{"type": "ERROR", "text": f"Not found: {path}"}]}
        conf, _, stanza = path[len(prefix):].partition("/")
        stanza = urllib.parse.unquote(stanza)
        if conf != "macros" or not stanza:
            return 404, {"messages": [{"type": "ERROR",
                                       "text": f"Could not find object id={stanza}"}]}
        with self.lock:
            merged = self.merged()
            if stanza not in merged:
                return 404, {"messages": [{"type": "ERROR",
                                           "text": f"Could not find object id={stanza}"}]}
            if method == "POST":
                local = read_conf(self.local)
                local.setdefault(stanza, {}).update(
                    {k: v for k, v in form.items() if k != "output_mode"})
                write_conf(self.local, local)
                merged = self.merged()
        return 200, {"entry": [self.entry(stanza, merged[stanza])],
                     "paging": {"total": 1, "perPage": 30, "offset": 0}, "messages": []}
