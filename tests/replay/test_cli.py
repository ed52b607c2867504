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
from devkit.spl import AppConf

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


# -- Scale, time and the first hour of a new user (issue 18) ---------------------------

LONG_AGO, TOMORROW = "-3650d", "+1d"  # relative to now: around the scenarios' 2026-06-02


def test_every_option_takes_a_value_that_starts_with_a_dash(logs_dir, packaged_app):
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 20, START, 20))
    results = [run(replay.main, [*option, "--search", VOLUME, "--format", "csv", logs_dir],
                   packaged_app) for option in (["--earliest", LONG_AGO],
                                                [f"--earliest={LONG_AGO}"],
                                                ["--earliest", LONG_AGO, "--lag", "0",
                                                 "--latest", TOMORROW])]
    assert {status for status, _out, _err in results} == {0}
    assert len({out for _status, out, _err in results}) == 1
    assert DANA.principal in results[0][1]
    status, out, err = run(replay.main, ["--latest", LONG_AGO, "--format", "csv", logs_dir],
                           packaged_app)
    assert status == 0 and out.splitlines() == [",".join(HEADER)]
    assert "20 records outside --earliest/--latest left out" in err
    # Each file says why it gave no events: its records fell outside the range.
    assert "none in --earliest/--latest (20 outside, left out)" in err
    assert ": no records" not in err
    spl = "sourcetype=google:gcp:pubsub:message | stats count"
    for option in (["--earliest", LONG_AGO], [f"--earliest={LONG_AGO}"]):
        status, out, _err = run(adhoc.main, [*option, "--format", "csv", spl, logs_dir],
                                packaged_app)
        assert (status, out.splitlines()) == (0, ["count", "20"])


def test_replay_reads_the_part_of_the_logs_between_earliest_and_latest(logs_dir,
                                                                      packaged_app):
    day = 86400
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 20, START, 20)
                         + reads(DANA, 20, START + day, 20, prefix="second"))
    status, out, err = run(replay.main, ["--earliest", START + day, "--latest",
                                         START + 2 * day, "--search", VOLUME,
                                         "--format", "csv", logs_dir], packaged_app)
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["run_time"][:10] for row in rows] == ["2026-06-03"]
    assert "20 records outside --earliest/--latest left out" in err


def test_the_span_and_its_runs_are_printed_before_the_replay_runs(logs_dir, packaged_app):
    """An Azure Activity-log record in the REST shape is dated by its eventTimestamp; one
    with no time is named with its line; the span is a day, not fifty-six years."""
    actor = ACTORS[("Azure", "Standard-User")]
    plain = scenarios.write_logs(logs_dir, "Azure", reads(actor, 3, START, 20))
    activity = logs_dir / "activity.jsonl"
    rest = {"eventTimestamp": "2026-06-02T09:30:00.1234567Z", "resourceId": "/subscriptions/x",
            "operationName": {"value": "Microsoft.KeyVault/vaults/write"},
            "category": {"value": "Administrative"}}
    activity.write_text(json.dumps(rest) + "\n" + json.dumps({"operationName": "x",
                                                              "resourceId": "/y"}) + "\n")
    status, _out, err = run(replay.main, ["--summary", logs_dir], packaged_app)
    assert status == 0, err
    span = next(line for line in err.splitlines() if line.startswith("replay: simulating"))
    scheduled = sum(1 for stanza in AppConf.load(packaged_app).saved_searches.values()
                    if stanza.get("cron_schedule"))
    assert re.search(r"simulating 2026-06-02T00:00:00\+00:00 to 2026-06-0[34]T\d\d:\d\d:00"
                     rf"\+00:00 \(1 day( \d+ h)?\): [\d,]+ scheduled runs of {scheduled} "
                     r"searches", span)
    assert err.index(span) < err.index("alerts:")
    assert f"no time at {activity}:2: " in err
    assert "4 events from 2 files" in err and str(plain) in err
    assert re.search(r"[\d,]+ runs of .*: [\d,]+ executed, [\d,]+ skipped", err)
    assert re.search(r"records read in [\d.]+ s, done in [\d.]+ s: [\d,]+ records/s", err)


def test_progress_is_printed_while_a_long_replay_runs(logs_dir, packaged_app, monkeypatch):
    from devkit import scheduler

    monkeypatch.setattr(replay, "PROGRESS_AFTER", 0.0)
    monkeypatch.setattr(replay, "PROGRESS_EVERY", 0.0)
    monkeypatch.setattr(scheduler, "PROGRESS_TURNS", 10)
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 3, START, 60))
    status, _out, err = run(replay.main, [logs_dir], packaged_app)
    assert status == 0
    assert re.search(r"replay: 2026-06-0\dT[\d:]+\+00:00 reached \(\d+% of the span\): "
                     r"[\d,]+ runs executed, [\d,]+ skipped", err)


def checksum(folder) -> dict:
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mode)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_app_folder_is_only_read(tmp_path, logs_dir, app_copy):
    (app_copy / "local" / "macros.conf").write_text(
        "[cloud_secrets_volume_min_distinct]\ndefinition = 15\n")
    before = checksum(app_copy)
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 20, START, 20))
    status, out, _err = run(replay.main, ["--app", app_copy, "--state", tmp_path / "state",
                                          "--format", "csv", logs_dir], None)
    assert status == 0 and DANA.principal in out
    status, _out, _err = run(adhoc.main, ["--app", app_copy, "* | head 1", logs_dir], None)
    assert status == 0
    assert checksum(app_copy) == before


def test_two_commands_at_once_in_one_checkout_each_use_a_build_of_their_own(logs_dir):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    build = root / "build"
    stamp = build.stat().st_mtime_ns if build.exists() else None
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 20, START, 20))
    commands = [
        ["replay", "--search", VOLUME, "--format", "csv", logs_dir],
        ["search", "--format", "csv", "`cloud_secrets_sources` | cloudsecrets "
         "| stats dc(secret) AS secrets by principal", logs_dir],
    ]
    running = [subprocess.Popen([sys.executable, str(root / "build.py"), *map(str, argv)],
                                cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for argv in commands]
    (replayed, replay_err), (searched, search_err) = [p.communicate(timeout=600)
                                                      for p in running]
    assert [p.returncode for p in running] == [0, 0], replay_err + search_err
    assert DANA.principal in replayed and f"{DANA.principal},20" in searched
    assert (build.stat().st_mtime_ns if build.exists() else None) == stamp


def test_replaying_days_a_state_has_already_seen_says_so(tmp_path, logs_dir, packaged_app):
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 3, START, 60))
    state = tmp_path / "state"
    first = run(replay.main, ["--state", state, logs_dir], packaged_app)
    second = run(replay.main, ["--state", state, logs_dir], packaged_app)
    assert first[0] == second[0] == 0
    assert "already replayed" not in first[2]
    assert re.search(r"replay: the state folder .* has already replayed 1 of these days "
                     r"\(2026-06-02\): their events are learned a second time", second[2])


def test_a_threshold_that_is_not_a_number_is_named_when_the_replay_starts(logs_dir, app_copy):
    scenarios.write_logs(logs_dir, "GCP", reads(DANA, 3, START, 60))
    local = app_copy / "local" / "macros.conf"
    local.write_text("[cloud_secrets_volume_min_distinct]\ndefinition = twenty\n")
    status, _out, err = run(replay.main, ["--app", app_copy, logs_dir], None)
    assert status == 0
    warning = next(line for line in err.splitlines() if "not a number" in line)
    assert "cloud_secrets_volume_min_distinct is 'twenty'" in warning and VOLUME in warning
    assert err.index(warning) < err.index("replay: simulating")
    local.write_text("[cloud_secrets_volume_min_distinct]\ndefinition = 2 * 10\n")
    _status, _out, err = run(replay.main, ["--app", app_copy, logs_dir], None)
    assert "not a number" not in err
