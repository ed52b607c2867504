"""The README's tuning loop, pasted as a user pastes it: in a fresh shell, in a folder of
their own outside the checkout, on the tarball `python3 build.py` writes.

The snippet is read from README.md ("Tune before you deploy") and run with bash as
written; only the two placeholders a user replaces are filled in: `/path/to/checkout` (this
checkout) and its `dist/` (the folder of the session's tarball, which is named after
app.conf's version as `python3 build.py` names it, so a README naming another version
fails here). `python3` is the one of `.venv`, as it is once `python3 build.py` has made it.

Oracle: the samples' stories (devkit.samples.EXPECTED_ALERTS, what the untouched app
alerts on) and what the two macros the snippet sets mean: a no-baseline floor of 40
silences the volume alerts on 27 and 21 distinct secrets, the enumeration filter drops
the CI runner, and the ceiling (100) still catches the administrator's 105.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

from devkit.samples import EXPECTED_ALERTS

ROOT = Path(__file__).resolve().parents[2]
TUNED_AWAY = {
    ("unusual_volume", "arn:aws:iam::111122223333:user/reporting-export"),
    ("unusual_volume", "7d5c4b3a-2f1e-4d0c-9b8a-6f5e4d3c2b1a"),
    ("enumeration", "ci-runner@shop-build.iam.gserviceaccount.com"),
}


def readme_snippet() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Tune before you deploy"):]
    match = re.search(r"^```\n(.*?)^```$", section, re.DOTALL | re.MULTILINE)
    assert match, "README: the tuning section has a code block"
    return match.group(1)


def test_the_readme_tuning_loop_works_as_pasted_outside_the_checkout(tarball, tmp_path):
    snippet = readme_snippet()
    assert "/path/to/checkout/dist/" in snippet and "--app" in snippet
    script = snippet.replace("/path/to/checkout/dist/", f"{tarball.parent}/").replace(
        "/path/to/checkout", str(ROOT))
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "LANG": "C.UTF-8",
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"])}
    shell = subprocess.run(["bash", "-e", "-c", script], cwd=home, env=env,
                           capture_output=True, text=True, timeout=600)
    assert shell.returncode == 0, shell.stderr[-3000:]

    (workdir,) = [p for p in home.iterdir() if p.is_dir()]
    assert not workdir.is_relative_to(ROOT)
    with (workdir / "alerts.csv").open(newline="") as handle:
        alerts = {(row["analytic"], row["principal"]) for row in csv.DictReader(handle)}
    assert TUNED_AWAY <= EXPECTED_ALERTS
    assert alerts == EXPECTED_ALERTS - TUNED_AWAY
    # The folder given with --app is the user's: read, never written.
    app = workdir / "cloud_secrets_detection"
    assert sorted(p.name for p in (app / "local").iterdir()) == ["macros.conf"]
    assert "definition = 40" in (app / "local" / "macros.conf").read_text()
