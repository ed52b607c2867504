"""Splunk AppInspect on a tarball: `python3 build.py inspect` and the end of `build`.

AppInspect (pinned in requirements/build.txt) runs in precert mode with the cloud tags,
offline (`--skip-trusted-libraries-update`: the download can only fail here, slowly),
and writes its JSON report beside the tarball. A failure, an error or a future failure
fails the build; warnings and manual checks are printed, never blocking.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

from devkit.bootstrap import ROOT, venv_tool

# AppInspect results that fail the build; warnings and manual checks are reported only.
BLOCKING_RESULTS = ("failure", "error", "future_failure")


def appinspect(tgz: Path, report: Path) -> dict:
    """Run AppInspect (precert, cloud tags) on `tgz`; return its JSON report."""
    command = [
        str(venv_tool("splunk-appinspect")), "inspect", str(tgz),
        "--mode", "precert", "--included-tags", "cloud",
        "--skip-trusted-libraries-update",
        "--data-format", "json", "--output-file", str(report),
    ]
    completed = subprocess.run(command, capture_output=True, text=True)
    if not report.exists():
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"build.py: AppInspect wrote no report (exit {completed.returncode})")
    return json.loads(report.read_text(encoding="utf-8"))


def inspection_summary(report: dict) -> Tuple[dict, List[str]]:
    """The result counts of a report ({"failure": 0, "warning": 10, ...}) and one line
    per blocking or warning check: `result: check name: its messages` (300 characters)."""
    counts = dict(report.get("summary", {}))
    findings = []
    for result in report.get("reports", []):
        for group in result.get("groups", []):
            for check in group.get("checks", []):
                if check.get("result") in (*BLOCKING_RESULTS, "warning"):
                    messages = "; ".join(m.get("message", "") for m in check.get("messages", []))
                    findings.append(f"{check['result']}: {check['name']}: {messages[:300]}")
    return counts, findings


def run_inspect(tgz: Path) -> int:
    """Inspect `tgz`, print the counts and findings; 1 when anything blocks, else 0."""
    report_path = tgz.parent / (tgz.name.removesuffix(".tgz") + ".appinspect.json")
    counts, findings = inspection_summary(appinspect(tgz, report_path))
    shown = ", ".join(f"{counts.get(k, 0)} {k}" for k in (*BLOCKING_RESULTS, "warning"))
    print(f"AppInspect (precert, cloud tags): {shown}")
    for line in findings:
        print(f"  {line}")
    shown_path = report_path.relative_to(ROOT) if report_path.is_relative_to(ROOT) else report_path
    print(f"  full report: {shown_path}")
    return 1 if any(counts.get(k, 0) for k in BLOCKING_RESULTS) else 0
