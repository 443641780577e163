"""bandit over portal/: no finding above low severity, except what pyproject.toml's
[tool.bandit] waives with its reason."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ABOVE_LOW = ("MEDIUM", "HIGH")


def test_bandit_finds_nothing_above_low_in_the_portal() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bandit",
            "-c",
            "pyproject.toml",
            "-r",
            "portal",
            "-f",
            "json",
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    report = json.loads(run.stdout)
    assert report["errors"] == []
    assert report["metrics"]["_totals"]["loc"] > 1000, "bandit read the portal"
    findings = [
        f"{r['filename']}:{r['line_number']}: {r['test_id']} {r['issue_severity']}: "
        f"{r['issue_text']}"
        for r in report["results"]
        if r["issue_severity"] in ABOVE_LOW
    ]
    assert findings == [], "\n".join(findings)


def test_what_bandit_skips_is_still_checked_by_ruff() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    skipped = set(config["tool"]["bandit"].get("skips", []))
    assert skipped <= {"B704"}, "each skipped test needs its reason in pyproject.toml"
    lint = config["tool"]["ruff"]["lint"]
    assert "S" in lint["select"]
    ignored = set(lint.get("ignore", []))
    for pattern, codes in lint.get("per-file-ignores", {}).items():
        if not pattern.startswith("tests/"):
            ignored |= set(codes)
    assert not {"S", "S7", "S70", "S704"} & ignored
