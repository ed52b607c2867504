"""The configuration page's REST handlers, run as splunkd runs them, against a splunkd of ours.

- `installed_app`: the packaged app (devkit.packaging.assemble) copied to <tmp>/etc/apps/<app id>/,
  where splunkd installs apps (splunktaucclib finds the app's name from that path).
- `splunkd`: an HTTP server on 127.0.0.1 answering the splunkd endpoints the handlers
  call, configs/conf-macros and configs/conf-cloud_secrets_account_rules, as splunkd's
  REST API reference documents them (see splunkd_emulator.py): in the namespace
  servicesNS/nobody/<app> it reads default/ overlaid by local/ and writes local/, as
  splunkd does for an app. Every request is recorded.
- `run_handler`: runs a handler script in a fresh Python process, with tests/setup/
  splunkd_python (a stand-in for splunkd's private `splunk.admin`) on its path.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from splunkd_emulator import APP_ID, SESSION_KEY, Splunkd

ADMIN_STAND_IN = Path(__file__).resolve().parent / "splunkd_python"


@pytest.fixture
def installed_app(packaged_app, tmp_path) -> Path:
    app_dir = tmp_path / "etc" / "apps" / APP_ID
    shutil.copytree(packaged_app, app_dir)
    (tmp_path / "var" / "log" / "splunk").mkdir(parents=True)  # where the app logs
    return app_dir


@pytest.fixture
def splunkd(installed_app):
    state = Splunkd(installed_app)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            form = {k: v[0] for k, v in urllib.parse.parse_qs(
                body, keep_blank_values=True).items()}
            query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
            state.requests.append((method, url.path, form))
            if self.headers.get("Authorization") != f"Splunk {SESSION_KEY}":
                status, payload = 401, {"messages": [{"type": "WARN",
                                                      "text": "call not properly authenticated"}]}
            else:
                status, payload = state.handle(method, url.path, form, query)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._answer("GET")

        def do_POST(self):
            self._answer("POST")

        def do_DELETE(self):
            self._answer("DELETE")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # serve_forever checks for shutdown every poll_interval (0.5 s by default), which every
    # test's teardown would wait for.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    state.uri = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def run_handler(installed_app, splunkd):
    """Run one request through a handler script; return the stand-in admin's JSON answer."""

    def run(script: str, action: str, name: str | None = None, data: dict | None = None,
            python: str = sys.executable) -> dict:
        request = {"action": action, "id": name, "data": data or {}, "app": APP_ID,
                   "session_key": SESSION_KEY}
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPLUNK")}
        env.update(SPLUNKD_ADMIN_REQUEST=json.dumps(request), SPLUNKD_URI=splunkd.uri,
                   PYTHONPATH=str(ADMIN_STAND_IN), PYTHONDONTWRITEBYTECODE="1")
        completed = subprocess.run([python, str(installed_app / "bin" / script)], env=env,
                                   capture_output=True, text=True, timeout=120)
        assert completed.returncode == 0, completed.stderr
        return json.loads(completed.stdout)

    return run
