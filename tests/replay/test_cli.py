"""`build.py replay` and `build.py search` as a user runs them: options, output, exit status.

Oracle: shared/spec/replay.md, "Verbs" (the CSV header, ISO 8601 run times in --tz, exit
statuses 0/1/2, an implicit leading `search`, all time by default).
"""

from __future__ import annotations

import csv
import io
import json
import re

from replaying import ENUMERATION, VOLUME

from devkit import adhoc, replay, scenarios
from devkit.scenarios import ACTORS, START, reads

DANA = ACTORS[("GCP", "Standard-User")]
HEADER = ["run_time", "search", "analytic", "principal", "platform", "account_type", "count",
          "distinct_secrets", "reason"]


def run(main, argv, app_dir):
    out, err = io.StringIO(), io.StringIO()
    status = main([*map(str, argv)], app_dir=app_dir, out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_csv_header_comes_first_and_even_without_alerts(logs_dir, packaged_app):
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 3, START, 60))
    status, out, err = run(replay.main, ["--format", "csv", logs_dir], packaged_app)
    assert status == 0
    assert out.splitlines() == [",".join(HEADER)]
    assert "alerts: 0 before throttling, 0 after" in err


def test_csv_rows_with_run_time_in_the_time_zone(logs_dir, packaged_app):
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 20, START, 20))
    status, out, err = run(replay.main, ["--format", "csv", "--tz", "Europe/Paris",
                                         "--search", VOLUME, logs_dir], packaged_app)
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[:9] == HEADER and "sample_secrets" in rows[0]
    (row,) = rows
    # 09:00Z is 11:00 in Paris; the first hourly run after 12:00 Paris covers it.
    assert re.fullmatch(r"2026-06-02T12:\d\d:00\+02:00", row["run_time"])
    assert (row["search"], row["principal"], row["distinct_secrets"]) == (
        VOLUME, DANA.principal, "20")
    assert f"runs of {VOLUME}" in err


def test_json_output_and_gzip_input(logs_dir, packaged_app):
    import gzip

    actor = ACTORS[("Azure", "Standard-User")]
    plain = scenarios.write_logs(logs_dir, "Azure", reads(actor, 20, START, 20))
    (logs_dir / "keyvault.json.gz").write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    status, out, _err = run(replay.main, ["--format", "json", logs_dir], packaged_app)
    assert status == 0
    alerts = json.loads(out)
    assert {a["analytic"] for a in alerts} == {"unusual_volume", "enumeration"}
    assert all(a["run_time"].endswith("+00:00") for a in alerts)


def test_summary_names_files_platforms_and_searches_that_may_be_skipped(logs_dir, app_copy):
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 3, START, 60))
    (app_copy / "local" / "savedsearches.conf").write_text(
        f"[{ENUMERATION}]\nrealtime_schedule = 1\n")
    status, _out, err = run(replay.main, ["--summary", "--app", app_copy, logs_dir], None)
    assert status == 0
    assert "3 GCP" in err and str(logs_dir / "gcp.jsonl") in err
    assert "realtime_schedule = 0" in err and ENUMERATION in err.split("realtime_schedule")[-1]


def test_a_broken_record_is_reported_with_its_line_and_the_rest_is_read(logs_dir,
                                                                       packaged_app):
    """Issue 12: a broken record is bad input, not a usage error: it is reported as
    file:line and skipped, and the replay runs on what was read (exit 0)."""
    broken = logs_dir / "vault.jsonl"
    line = '{"time": "2026-06-02T09:00:00Z", "type": "response"}\n'
    broken.write_text(f"{line}not json\n{line}")
    status, _out, err = run(replay.main, [broken], packaged_app)
    assert status == 0 and "Traceback" not in err, err
    assert f"broken record at {broken}:2" in err, err
    assert "2 events from 1 files" in err, err


def test_usage_errors_exit_2_with_one_clear_line(tmp_path, logs_dir, packaged_app):
    cases = [
        ([tmp_path / "missing.json"], "no such file or folder"),
        (["--lag", "soon", logs_dir], "--lag"),
        (["--tz", "Mars/Olympus", logs_dir], "--tz"),
        (["--search", "No Such Search", logs_dir], "No Such Search"),
        (["--lookup", "nope=x.csv", logs_dir], "nope"),
        (["--baseline", tmp_path / "absent.csv", logs_dir], "absent.csv"),
    ]
    for argv, message in cases:
        status, _out, err = run(replay.main, argv, packaged_app)
        assert status == 2, argv
        assert message in err and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1, err


def test_a_failing_run_is_reported_and_exits_1(logs_dir, app_copy):
    (app_copy / "local" / "savedsearches.conf").write_text(
        f"[{VOLUME}]\nsearch = `cloud_secrets_sources` | cloudsecrets "
        "| lookup no_such_lookup principal OUTPUT x\n")
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 3, START, 60))
    status, _out, err = run(replay.main, ["--search", VOLUME, "--app", app_copy, logs_dir],
                            None)
    assert status == 1
    assert re.search(rf"run of '{re.escape(VOLUME)}' at 2026-06-02T\d\d:\d\d:00\+00:00 failed: "
                     ".*no_such_lookup", err)


def test_adhoc_search_with_the_apps_macros(logs_dir, packaged_app):
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 12, START, 60))
    status, out, err = run(adhoc.main, [
        "--format", "csv",
        "`cloud_secrets_sources` | cloudsecrets | stats dc(secret) AS secrets by principal",
        logs_dir], packaged_app)
    assert status == 0, err
    assert list(csv.DictReader(io.StringIO(out))) == [
        {"principal": DANA.principal, "secrets": "12"}]
    assert "12 GCP" in err


def test_adhoc_search_has_an_implicit_search_and_a_time_range(logs_dir, packaged_app):
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 12, START, 60))
    spl = "sourcetype=google:gcp:pubsub:message AccessSecretVersion | stats count"
    status, out, _err = run(adhoc.main, ["--format", "csv", spl, logs_dir], packaged_app)
    assert (status, out.splitlines()) == (0, ["count", "12"])
    status, out, _err = run(adhoc.main, ["--format", "csv", "--earliest", START + 300,
                                         "--latest", START + 600, spl, logs_dir],
                            packaged_app)
    assert (status, out.splitlines()) == (0, ["count", "5"])


def test_adhoc_search_refuses_what_the_engine_cannot_run(logs_dir, packaged_app):
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 2, START, 60))
    status, out, err = run(adhoc.main, ["* | transaction principal", logs_dir], packaged_app)
    assert status == 2 and out == ""
    assert "transaction" in err and "Traceback" not in err
