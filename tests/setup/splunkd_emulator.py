"""A splunkd of our own for the handler tests: the configs/conf-{file} endpoints of one app.

It answers as splunkd's REST API reference documents these endpoints ("Configuration
endpoint descriptions", configs/conf-{file} and configs/conf-{file}/{stanza}), for the two
files the configuration page uses, macros.conf and cloud_secrets_account_rules.conf, in
the namespace servicesNS/nobody/<app>:
- GET configs/conf-{file} lists every stanza in force (`count`, `offset`; count=0 lists
  all); GET configs/conf-{file}/{stanza} returns one, or 404 with a messages list. A
  stanza in force is default/{file}.conf overlaid by local/{file}.conf key by key, as
  splunkd layers an app's conf files. Entries are JSON with output_mode=json: name,
  content (the keys, plus `disabled` as a boolean, false when the stanza does not set it,
  as splunkd shows it for every entity) and acl.
- POST configs/conf-{file} with `name` creates the stanza in local/ (409 if it exists);
  POST configs/conf-{file}/{stanza} sets the keys sent, form-encoded, in local/ (404 for an
  unknown stanza).
- DELETE configs/conf-{file}/{stanza} removes a stanza that only local/ holds. A stanza
  that default/ holds cannot be removed (its acl says `removable: false`; the REST API
  reference, "Access Control List" properties: removable "Indicates whether an admin or
  user with sufficient permissions can delete the entity"), so the DELETE is refused
  with 400 and nothing changes.
Every request is recorded in `requests`.
"""

from __future__ import annotations

import threading
import urllib.parse
from pathlib import Path

APP_ID = "cloud_secrets_detection"
SESSION_KEY = "test-session-key"
CONF_FILES = ("macros", "cloud_secrets_account_rules")
TRUE = {"1", "true", "t", "yes", "y", "on"}


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


def _error(status: int, text: str) -> tuple:
    return status, {"messages": [{"type": "ERROR", "text": text}]}


class Splunkd:
    """The conf endpoints of one app, over the app folder's default/ and local/."""

    def __init__(self, app_dir: Path) -> None:
        self.app_dir = app_dir
        self.requests: list[tuple[str, str, dict]] = []
        self.lock = threading.Lock()
        self.uri = ""

    def path(self, layer: str, conf: str) -> Path:
        return self.app_dir / layer / f"{conf}.conf"

    def merged(self, conf: str) -> dict:
        merged = read_conf(self.path("default", conf))
        for stanza, keys in read_conf(self.path("local", conf)).items():
            merged.setdefault(stanza, {}).update(keys)
        merged.pop("default", None)
        return merged

    def entry(self, conf: str, name: str, keys: dict) -> dict:
        base = f"https://127.0.0.1:8089/servicesNS/nobody/{APP_ID}/configs/conf-{conf}"
        shipped = name in read_conf(self.path("default", conf))
        acl = {"app": APP_ID, "owner": "nobody", "sharing": "app", "can_write": True,
               "modifiable": True, "removable": not shipped,
               "perms": {"read": ["admin", "sc_admin"], "write": ["admin", "sc_admin"]}}
        content = {**keys, "eai:acl": None, "eai:appName": APP_ID, "eai:userName": "nobody"}
        content["disabled"] = str(keys.get("disabled", "")).strip().lower() in TRUE
        return {"name": name, "id": f"{base}/{urllib.parse.quote(name, safe='')}",
                "author": "nobody", "acl": acl, "content": content, "links": {}}

    def feed(self, conf: str, names: list, merged: dict, offset: int = 0,
             count: int = 30) -> dict:
        chosen = names[offset:offset + count] if count else names[offset:]
        return {"entry": [self.entry(conf, n, merged[n]) for n in chosen],
                "paging": {"total": len(names), "perPage": count, "offset": offset},
                "messages": []}

    def handle(self, method: str, path: str, form: dict, query: dict | None = None
               ) -> tuple[int, dict]:
        query = query or {}
        prefix = f"/servicesNS/nobody/{APP_ID}/configs/conf-"
        if not path.startswith(prefix):
            return _error(404, f"Not found: {path}")
        conf, _, stanza = path[len(prefix):].partition("/")
        stanza = urllib.parse.unquote(stanza)
        if conf not in CONF_FILES:
            return _error(404, f"Not found: {path}")
        keys = {k: v for k, v in form.items() if k not in ("output_mode", "name")}
        with self.lock:
            merged = self.merged(conf)
            if not stanza:
                return self._collection(conf, method, form, keys, merged, query)
            if stanza not in merged:
                return _error(404, f"Could not find object id={stanza}")
            if method == "POST":
                local = read_conf(self.path("local", conf))
                local.setdefault(stanza, {}).update(keys)
                write_conf(self.path("local", conf), local)
            elif method == "DELETE":
                if stanza in read_conf(self.path("default", conf)):
                    return _error(400, f"Object id={stanza} cannot be deleted in config={conf}.")
                local = read_conf(self.path("local", conf))
                del local[stanza]
                write_conf(self.path("local", conf), local)
                merged = self.merged(conf)
                return 200, self.feed(conf, sorted(merged), merged, count=0)
            merged = self.merged(conf)
        return 200, self.feed(conf, [stanza], merged)

    def _collection(self, conf, method, form, keys, merged, query) -> tuple[int, dict]:
        if method == "GET":
            return 200, self.feed(conf, sorted(merged), merged,
                                  int(query.get("offset", 0)), int(query.get("count", 30)))
        if method != "POST":
            return _error(405, f"{method} is not supported on configs/conf-{conf}")
        name = form.get("name", "")
        if not name:
            return _error(400, "Argument \"name\" is required.")
        if name in merged:
            return _error(409, f"An object with name={name} already exists")
        local = read_conf(self.path("local", conf))
        local[name] = keys
        write_conf(self.path("local", conf), local)
        merged = self.merged(conf)
        return 201, self.feed(conf, [name], merged)
