"""What came in: each import run as the HMIS lead reads it (counts per file and in all, counts
by rule, why a stopped one was stopped)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.hmis.models import ImportRun

COUNTS = (
    "rows",
    "inserted",
    "updated",
    "unchanged",
    "deleted",
    "skipped",
    "flagged",
    "quarantined",
)


@dataclass(frozen=True)
class ImportView:
    run: ImportRun
    totals: dict[str, int]
    files: dict[str, dict[str, int]]
    rules: dict[str, dict[str, int]]  # rule -> {outcome -> how many}
    stops: list[dict[str, Any]]
    refusals: list[str]
    warnings: list[str]
    ignored_files: list[str]

    @property
    def status(self) -> str:
        return self.run.status or ("imported" if self.run.succeeded else "refused")

    @property
    def acceptable(self) -> bool:
        return self.status == "stopped" and self.run.accepted_run_id is None


def _number(value: object) -> int:
    return value if isinstance(value, int) else 0


def import_view(run: ImportRun) -> ImportView:
    """An import run's summary: counts per file and in all, by rule, and its stops."""
    summary = run.summary or {}
    raw_files = summary.get("files")
    files: dict[str, dict[str, int]] = {}
    if isinstance(raw_files, dict):
        for name, counts in raw_files.items():
            if isinstance(counts, dict):
                files[str(name)] = {key: _number(counts.get(key)) for key in COUNTS}
    totals = {key: sum(counts[key] for counts in files.values()) for key in COUNTS}
    raw_rules = summary.get("rules")
    rules: dict[str, dict[str, int]] = {}
    if isinstance(raw_rules, dict):
        for rule, by_outcome in raw_rules.items():
            if isinstance(by_outcome, dict):
                rules[str(rule)] = {str(k): _number(v) for k, v in by_outcome.items()}
    raw_stops = summary.get("stops")
    stops = (
        [stop for stop in raw_stops if isinstance(stop, dict)]
        if isinstance(raw_stops, list)
        else []
    )
    refusals = (
        [line for line in (run.problems or "").splitlines() if line.strip()]
        if (run.status or "refused") == "refused" and not run.succeeded
        else []
    )

    def strings(key: str) -> list[str]:
        value = summary.get(key)
        return [str(item) for item in value] if isinstance(value, list) else []

    return ImportView(
        run,
        totals,
        files,
        rules,
        stops,
        refusals,
        strings("warnings"),
        strings("ignored_files"),
    )


def recent_imports(session: Session, limit: int = 20) -> list[ImportView]:
    runs = session.scalars(
        select(ImportRun).order_by(ImportRun.started_at.desc(), ImportRun.id.desc()).limit(limit)
    )
    return [import_view(run) for run in runs]
