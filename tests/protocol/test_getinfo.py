"""The getinfo exchange: what the command announces, and how it refuses to start."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from devkit.splunkd import run_command

HEADER = "platform,principal_type,match_field,match,pattern,account_type,description"


def test_streaming_with_required_fields(command):
    result = run_command(command, [[]])
    assert result.getinfo["type"] == "streaming"  # may run on indexers
    required = result.getinfo["required_fields"]
    assert "_raw" in required and "eventSource" in required and "body.operationName" in required
    assert result.errors == [] and result.returncode == 0


@pytest.fixture
def app_copy(packaged_app, tmp_path) -> Path:
    copy = tmp_path / packaged_app.name
    shutil.copytree(packaged_app, copy)
    return copy


BROKEN_RULES = [
    # (case, local rules text, words the single error must contain)
    ("unknown account type", HEADER + "\n*,*,principal,wildcard,x*,Admin,d",
     'cloud_secrets_account_rules_local.csv, row 2: unknown account_type "Admin"'),
    ("missing column", "platform,principal_type,match_field,match,pattern,description",
     "cloud_secrets_account_rules_local.csv, row 1: missing column account_type"),
    ("regex that does not compile",
     HEADER + "\n*,*,principal,wildcard,ok,Service-Account,d\n*,*,principal,regex,a(b,"
              "High-Privilege,d",
     "cloud_secrets_account_rules_local.csv, row 3: regex \"a(b\" does not compile"),
    ("catastrophic regex", HEADER + "\n*,*,user_agent,regex,(x+)+y,High-Privilege,d",
     "cloud_secrets_account_rules_local.csv, row 2: regex \"(x+)+y\" is refused"),
    ("duplicate header", HEADER + ",account_type\n*,*,principal,wildcard,x,Standard-User,d,x",
     "cloud_secrets_account_rules_local.csv, row 1: duplicate column account_type"),
    ("empty pattern", HEADER + "\n*,*,principal,wildcard,x,Standard-User,d\n"
                               "*,*,principal,wildcard,,Standard-User,d",
     "cloud_secrets_account_rules_local.csv, row 3: empty pattern"),
    ("unknown platform", HEADER + "\nOCI,*,principal,wildcard,x,Standard-User,d",
     'cloud_secrets_account_rules_local.csv, row 2: unknown platform "OCI"'),
]


@pytest.mark.parametrize(("text", "words"), [b[1:] for b in BROKEN_RULES],
                         ids=[b[0] for b in BROKEN_RULES])
def test_unusable_rules_stop_the_search_at_getinfo_with_one_error(app_copy, text, words):
    (app_copy / "lookups" / "cloud_secrets_account_rules_local.csv").write_text(text + "\n")
    record = {"eventSource": "secretsmanager.amazonaws.com", "eventName": "GetSecretValue"}
    result = run_command(app_copy / "bin" / "cloudsecrets.py", [[record]], timeout=60)
    assert len(result.errors) == 1 and words in result.errors[0]
    assert [level for level, _ in result.messages] == ["ERROR"]
    assert result.exchanges == [] and result.returncode == 1 and not result.timed_out


def test_missing_shipped_rules_stop_the_search(app_copy):
    (app_copy / "lookups" / "cloud_secrets_account_rules.csv").unlink()
    result = run_command(app_copy / "bin" / "cloudsecrets.py", [[{"a": "b"}]])
    assert len(result.errors) == 1
    assert result.errors[0].startswith(
        "cloudsecrets: cloud_secrets_account_rules.csv, row 1: file not found")


@pytest.mark.parametrize(("args", "words"), [
    (["principal"], "cloudsecrets takes no arguments; it found: principal"),
    (["field=user"], "Unrecognized option: field=user"),
])
def test_arguments_are_refused(command, args, words):
    result = run_command(command, [[{"a": "b"}]], args=args)
    assert result.errors == [words] and result.returncode == 1
