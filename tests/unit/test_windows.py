"""devkit/windows.py: how far a search's window can reach from its dispatch time.

The replay proves a run sees no event without resolving its window, from `reach`: it
must bound what the engine's own resolver (devkit.spl.resolve_time, the oracle here)
returns, at every dispatch time, in every zone, across daylight saving changes and the
day Samoa skipped.
"""

from __future__ import annotations

import math
import random
from datetime import datetime

import pytest

from devkit.spl import resolve_time
from devkit.windows import ActiveRegions, reach

MODIFIERS = ("-30m@m", "-10m@m", "-25m@m", "-1h@h", "@h", "-1d@d", "@d", "-7d", "+1d@d",
             "-1mon@mon", "@w1", "@w0", "-1q@q", "-1y@y", "-90s", "-24h", "now", "",
             "-30d@d", "@d+3h", "+1h@h")
ZONES = ("UTC", "Europe/Paris", "America/Havana", "Australia/Lord_Howe", "Pacific/Apia",
         "Asia/Kolkata", "Etc/GMT+5")
# Instants around the changes of these zones (and ordinary ones).
AROUND = ("2011-12-29T09:30:00", "2011-12-30T11:00:00", "2026-03-29T00:59:00",
          "2026-03-29T01:30:00", "2026-10-25T00:30:00", "2026-10-25T01:10:00",
          "2026-04-05T15:20:00", "2026-10-04T15:50:00", "2026-03-08T05:10:00",
          "2026-11-01T04:40:00", "2026-02-28T23:59:59", "2028-02-29T12:00:00")


def instants():
    rng = random.Random(7)
    fixed = [datetime.fromisoformat(t + "+00:00").timestamp() for t in AROUND]
    spread = [1.3e9 + rng.random() * 6e8 for _ in range(60)]
    return [t + shift for t in fixed for shift in (-3600, -61, 0, 59.5, 3599)] + spread


@pytest.mark.parametrize("tz", ZONES)
def test_reach_bounds_what_the_resolver_returns(tz):
    for modifier in MODIFIERS:
        bound = reach(modifier, tz)
        for moment in instants():
            resolved = resolve_time(modifier, moment, tz) if modifier else moment
            assert abs(resolved - moment) <= bound, (modifier, tz, moment)


def test_reach_of_absolute_times_and_unknown_text_is_unbounded():
    for modifier in ("0", "1780390800", "06/02/2026:09:00:00", "yesterday", "-0d", "@x"):
        assert math.isinf(reach(modifier))
    assert reach("now") == reach("") == 0
    assert reach("-30m@m", "UTC") == 31 * 60  # no offset change to allow for in UTC


def test_active_regions_merge_and_answer_where_the_next_one_starts():
    # Events at 100, 110 and 200 (indexed at once) and at 1000 (indexed 50 s late); a
    # window reaching 30 s back and 5 s forward sees an event at t, indexed at i, from
    # max(i, t - 5) to t + 30: the late one never.
    regions = ActiveRegions([100.0, 110.0, 200.0, 1000.0], [100.0, 110.0, 200.0, 1050.0],
                            30.0, 5.0)
    assert regions.spans() == [(100.0, 140.0), (200.0, 230.0)]  # not before indexed
    assert regions.holds(120.0) and not regions.holds(141.0)
    assert regions.next_start(141.0) == 200.0
    assert regions.next_start(231.0) == math.inf
