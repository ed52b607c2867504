"""rest: Search Reference "rest", for the two kinds of endpoint the app's dashboards read.

`| rest <uri> [count=<int>] [splunk_server=local] [timeout=<int>]` is a generating
command: one result per entity of the endpoint. The engine has no splunkd, so it serves
only what it can answer from the app folder it runs, in the app's own namespace
(`/services/...` or `/servicesNS/<owner>/<app>/...` with `<app>` the app's id or `-`):
- `configs/conf-<file>`: one result per stanza of `<file>.conf` in force (default/
  overlaid by local/, the `[default]` stanza's keys merged in and the stanza itself not
  listed), with `title` (the stanza) and the stanza's keys;
- `data/lookup-table-files`: one result per file in the engine's lookups folder, with
  `title` (the file name).
Every result also has `splunk_server` (`local`), `eai:acl.app` and `eai:appName` (the
app's id). `count` limits the results (0, the default, lists all); `timeout` is accepted
and has no effect. Anything else (another endpoint or app, another server, GET
arguments such as `search=`) is refused with SplUnsupported when the search is parsed.
"""

from __future__ import annotations

import re

from .commands import Command, command, int_option, take_options
from .errors import SplError, SplUnsupported
from .lexer import tokenize

_URI = re.compile(r"^/?(?:services|servicesNS/[^/]+/(?P<app>[^/]+))/"
                  r"(?:configs/conf-(?P<conf>[A-Za-z0-9_.-]+)|(?P<lookups>data/lookup-table-files))"
                  r"/?$")


class Rest(Command):
    name = "rest"
    generating = True

    def __init__(self, position: int, conf: str, count: int) -> None:
        super().__init__(position)
        self.conf = conf  # "" for data/lookup-table-files
        self.count = count

    def run(self, rows, context):
        engine = context.engine
        app_id = _app_id(engine)
        found = []
        if self.conf:
            for stanza, keys in engine.app.conf(self.conf).items():
                if stanza != "default":
                    found.append({"title": stanza, **keys})
        else:
            folder = engine.lookups.lookups_dir
            if folder.is_dir():
                found = [{"title": p.name} for p in sorted(folder.iterdir()) if p.is_file()]
        for row in found:
            row.update({"splunk_server": "local", "eai:acl.app": app_id, "eai:appName": app_id})
        return found[:self.count] if self.count else found


def _app_id(engine) -> str:
    package = engine.app.conf("app").get("package", {})
    return package.get("id") or engine.app_dir.name


@command("rest")
def parse_rest(text, offset, position, search, engine):
    tokens = tokenize(text, offset, search)
    options, tokens = take_options(tokens, ("count", "splunk_server", "timeout"), "rest",
                                   search, anywhere=True)
    if len(tokens) != 1:
        raise SplError("rest needs one endpoint", search=search, position=position)
    server = options.get("splunk_server", ("local", None))[0]
    if server != "local":
        raise SplUnsupported(f"unsupported rest splunk_server '{server}' (only local)",
                             search=search, position=options["splunk_server"][1].position)
    match = _URI.match(tokens[0].text)
    app = match.group("app") if match else None
    if match is None or app not in (None, "-", _app_id(engine)):
        raise SplUnsupported(f"unsupported rest endpoint '{tokens[0].text}' (only "
                             f"configs/conf-<file> and data/lookup-table-files of the app)",
                             search=search, position=tokens[0].position)
    return Rest(position, match.group("conf") or "", int_option(options, "count", 0, search))
