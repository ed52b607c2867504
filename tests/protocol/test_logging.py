"""Log hygiene: where the command logs, what it counts, and that no field value leaks."""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import shutil

import pytest

from devkit import scp
from devkit.splunkd import run_command

SENTINELS = ("hunter2-db-password", "hmac-sha256:5ec2e7", "AKIASENTINEL0000",
             "arn:aws:iam::999988887777:user/sentinel")


def events():
    """Events whose every value is a sentinel that must never reach a log."""
    cloudtrail = {
        "eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue",
        "userIdentity": {"type": "IAMUser", "arn": SENTINELS[3], "accessKeyId": SENTINELS[2]},
        "requestParameters": {"secretId": SENTINELS[0]},
        "responseElements": {"secretString": SENTINELS[0]},
    }
    vault = {"type": "response", "auth": {"client_token": SENTINELS[1], "display_name": "t"},
             "request": {"path": f"secret/data/{SENTINELS[0]}", "operation": "read"}}
    return [{"_raw": json.dumps(cloudtrail)}, {"_raw": json.dumps(vault)},
            {"_raw": "not json " + SENTINELS[0]}]


@pytest.fixture
def splunk_home(packaged_app, tmp_path):
    """A Splunk-like tree: etc/apps/<app> and var/log/splunk."""
    (tmp_path / "var" / "log" / "splunk").mkdir(parents=True)
    app = tmp_path / "etc" / "apps" / packaged_app.name
    shutil.copytree(packaged_app, app)
    return tmp_path, app


def test_debug_counts_go_to_splunks_log_folder_and_nothing_else(splunk_home):
    home, app = splunk_home
    result = run_command(app / "bin" / "cloudsecrets.py", [events(), events()],
                         args=["logging_level=DEBUG"])
    assert result.returncode == 0 and result.errors == []
    log = (home / "var" / "log" / "splunk" / "cloud_secrets_detection.log").read_text()
    shipped = (app / "default" / "cloud_secrets_account_rules.conf").read_text()
    assert f"loaded {shipped.count(chr(10) + '[')} account rules" in log
    assert "6 records AWS=2 Unknown=2 Vault=2" in log
    for secret in SENTINELS:
        assert secret not in log and secret not in result.stderr


def test_a_skipped_customer_rule_is_logged_by_name_without_its_pattern(splunk_home):
    home, app = splunk_home
    (app / "local").mkdir()
    (app / "local" / "cloud_secrets_account_rules.conf").write_text(
        "[leaky]\nplatform = *\nprincipal_type = *\nmatch_field = principal\nmatch = regex\n"
        f"pattern = ({SENTINELS[0]}+)+$\naccount_type = Service-Account\n")
    result = run_command(app / "bin" / "cloudsecrets.py", [events()])
    assert result.returncode == 0 and result.errors == []
    log = (home / "var" / "log" / "splunk" / "cloud_secrets_detection.log").read_text()
    (line,) = [line for line in log.splitlines() if "account rule skipped" in line]
    assert " WARNING " in line and "[leaky]: pattern is refused" in line
    assert SENTINELS[0] not in log and SENTINELS[0] not in str(result.messages)


def test_without_a_splunk_folder_the_counts_go_to_stderr(command):
    result = run_command(command, [events()], args=["logging_level=DEBUG"])
    assert "3 records AWS=1 Unknown=1 Vault=1" in result.stderr
    assert not any(secret in result.stderr for secret in SENTINELS)


def test_at_the_default_level_a_healthy_search_logs_nothing(splunk_home):
    home, app = splunk_home
    result = run_command(app / "bin" / "cloudsecrets.py", [events()])
    assert result.returncode == 0
    log = home / "var" / "log" / "splunk" / "cloud_secrets_detection.log"
    assert not log.exists() or log.read_text() == ""


def test_a_fault_is_logged_and_shown_without_the_data_that_caused_it(splunk_home, monkeypatch):
    home, app = splunk_home
    spec = importlib.util.spec_from_file_location("cloudsecrets_logged", app / "bin" /
                                                  "cloudsecrets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from cloud_secrets import aws

    def broken(_event):
        raise KeyError(SENTINELS[0])  # an exception whose message quotes event data

    monkeypatch.setattr(aws, "normalize", broken)
    monkeypatch.setattr(logging.getLogger("cloud_secrets"), "handlers", [])
    stream = scp.encode_chunk(scp.getinfo(dispatch_dir=str(home)))
    stream += scp.encode_chunk({"action": "execute", "finished": True},
                               scp.encode_records(events()))
    out = io.BytesIO()
    module.CloudSecretsCommand()._process_protocol_v2([], io.BytesIO(stream), out)
    for handler in logging.getLogger("cloud_secrets").handlers:
        handler.close()
    out.seek(0)
    scp.read_chunk(out)
    metadata, body = scp.read_chunk(out)
    assert len(scp.decode_records(body)) == 3  # nothing lost
    (level, message), = metadata["inspector"]["messages"]
    assert level == "WARN" and "1 records could not be normalized" in message
    log = (home / "var" / "log" / "splunk" / "cloud_secrets_detection.log").read_text()
    assert "KeyError at test_logging.py" in log
    assert not any(secret in log or secret in message for secret in SENTINELS)
