"""The replay at a user's scale (shared/spec/replay.md, "Scale, time and the first hour of
a new user"): cost that follows the events, exactly.

Oracles: a replay that executes every scheduled run (`check_tick_by_tick`: the same
logs, app and seeded state, run tick by tick) for the alerts and the final tables of a
replay that skips runs; and the thieves that devkit.synthetic planted for the alerts of
a busy trail. Sizes are small for CI; `python3 build.py bench --replay` measures the
issue's sizes.
"""

from __future__ import annotations

from replaying import assert_same_as_tick_by_tick, final_state

from devkit import replay, synthetic

PRUNE = "Prune days by date"


def test_months_of_sparse_reads_alert_as_a_tick_by_tick_replay(tmp_path, packaged_app):
    thieves = synthetic.sparse_reads(tmp_path / "logs", reads=100, years=0.15)
    outcome = replay.run_replay([tmp_path / "logs"], app_dir=packaged_app,
                                check_tick_by_tick=True)
    assert_same_as_tick_by_tick(outcome)
    assert {a["principal"] for a in outcome.alerts if a["analytic"] != "first_read"} == set(
        thieves)
    executed, skipped = sum(outcome.executed.values()), sum(outcome.skipped.values())
    assert skipped > 10 * executed  # 55 days, a few of them with reads
    assert outcome.failures == []


def test_a_search_that_prunes_its_table_by_date_replays_as_tick_by_tick(tmp_path, app_copy):
    """A search whose SPL changes its table with no event at all: every run appends the
    days it saw and drops those older than three days (relative to now()). Its runs
    over nothing read the clock once the table holds a day, so none is reused, and the
    table is pruned on the same days both ways."""
    (app_copy / "local" / "savedsearches.conf").write_text(
        f"[{PRUNE}]\nenableSched = 1\ncron_schedule = 0 */6 * * *\nrealtime_schedule = 0\n"
        "dispatch.earliest_time = -6h@h\ndispatch.latest_time = @h\n"
        "search = `cloud_secrets_sources` | cloudsecrets | search secret_operation=read "
        '| eval day=relative_time(_time, "@d") | stats count by day '
        "| inputlookup append=true prune_days.csv "
        '| where day >= relative_time(now(), "-3d@d") | dedup day '
        "| outputlookup prune_days.csv\n")
    (app_copy / "lookups" / "prune_days.csv").write_text("day,count\n1780000000,9\n")
    synthetic.sparse_reads(tmp_path / "logs", reads=8, years=0.05)
    outcome = replay.run_replay([tmp_path / "logs"], app_dir=app_copy, searches=[PRUNE],
                                check_tick_by_tick=True)
    assert_same_as_tick_by_tick(outcome)
    state = (outcome.workspace.lookups_dir / "prune_days.csv")
    assert not state.exists() or "1780000000" not in state.read_text()  # the seed was pruned
    assert outcome.failures == [] and final_state(outcome)


def test_a_busy_trail_alerts_on_every_planted_thief_and_nobody_else(tmp_path, packaged_app):
    thieves = synthetic.busy_trail(tmp_path / "logs", records=3000, days=1, apps=8)
    outcome = replay.run_replay([tmp_path / "logs"], app_dir=packaged_app)
    assert {a["principal"] for a in outcome.alerts} == set(thieves)
    assert outcome.logs.records == 3000
    assert len(outcome.logs.store) < 3000 * 0.2  # the other services never reach a search
    assert outcome.failures == []


def test_a_run_over_nothing_that_reads_its_time_range_gets_the_real_one(tmp_path, app_copy):
    """A run that no event reaches is still executed with its own window when nothing
    can be reused: this alert reports the time range of every run it makes from a
    lookup, and must report the same ones as a tick-by-tick replay."""
    (app_copy / "local" / "savedsearches.conf").write_text(
        "[Report the window]\nenableSched = 1\ncron_schedule = 0 */6 * * *\n"
        "realtime_schedule = 0\ndispatch.earliest_time = -6h@h\ndispatch.latest_time = @h\n"
        "alert.track = 1\ncounttype = number of events\nrelation = greater than\n"
        "quantity = 0\nsearch = | inputlookup windows.csv | addinfo "
        "| eval principal=name.\"@\".info_min_time | table principal info_max_time\n")
    (app_copy / "lookups" / "windows.csv").write_text("name\nwatcher\n")
    synthetic.sparse_reads(tmp_path / "logs", reads=8, years=0.02)
    outcome = replay.run_replay([tmp_path / "logs"], app_dir=app_copy,
                                searches=["Report the window"], check_tick_by_tick=True)
    assert_same_as_tick_by_tick(outcome)
    starts = [float(a["principal"].split("@")[1]) for a in outcome.alerts]
    assert len(starts) == outcome.runs["Report the window"]
    assert all(later - earlier == 6 * 3600 for earlier, later in zip(starts, starts[1:]))
