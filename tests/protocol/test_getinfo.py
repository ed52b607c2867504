"""The getinfo exchange: what the command announces, and how it refuses to start."""

from __future__ import annotations

import pytest

from devkit.splunkd import run_command

# How unusable account rules are answered (an error for a broken shipped rule, a warning
# for a customer's): test_account_rules.py.


def test_streaming_with_required_fields(command):
    result = run_command(command, [[]])
    assert result.getinfo["type"] == "streaming"  # may run on indexers
    required = result.getinfo["required_fields"]
    assert "_raw" in required and "eventSource" in required and "body.operationName" in required
    assert result.errors == [] and result.returncode == 0


@pytest.mark.parametrize(("args", "words"), [
    (["principal"], "cloudsecrets takes no arguments; it found: principal"),
    (["field=user"], "Unrecognized option: field=user"),
])
def test_arguments_are_refused(command, args, words):
    result = run_command(command, [[{"a": "b"}]], args=args)
    assert result.errors == [words] and result.returncode == 1
