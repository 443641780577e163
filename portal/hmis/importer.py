"""Import a HUD HMIS CSV export (FY2024 or FY2026, folder or zip) in one transaction.

Each row is imported, imported with a data-quality flag, or quarantined with file:line:column,
the rule and a message (portal/hmis/outcomes.py; docs/exchange.md lists the rules). Only an
export the portal cannot read is refused whole; only an export that would delete or
quarantine too much as a whole is stopped before it commits (the safety threshold), until the
HMIS lead accepts it. Rows are upserted by their HMIS id, so importing the same export twice
changes nothing. DateDeleted marks rows deleted (kept, so that requests about them keep their
history). A full refresh (ExportDirective 2) also marks deleted what the export no longer
holds. Data of victim service providers is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.hmis import csvspec
from portal.hmis.csvspec import CLIENT, ENROLLMENT, FILES
from portal.hmis.identity import record_identity_snapshots
from portal.hmis.outcomes import (
    FLAGGED,
    REFUSED,
    STOPPED,
    FileCounts,
    ImportResult,
    Outcome,
)
from portal.hmis.reading import ExportFiles, ExportUnreadable, read_export, read_export_info
from portal.hmis.relations import check_relations, leave_out_victim_service_data
from portal.hmis.rows import ParsedFile, Progress, parse_file
from portal.hmis.writing import apply_file, mark_missing_deleted
from portal.timeutil import utcnow

__all__ = ["ExportFiles", "ExportUnreadable", "ImportResult", "Limits", "import_export"]

FULL_REFRESH = 2
# Files an export can lack and still be imported: read as empty (never as "everything deleted").
OPTIONAL_FILES = frozenset({csvspec.USER.name, csvspec.EXIT.name})
# Told, in the import's transaction, when an import changed the record: a feature that keeps
# something built from it (the client's record page, portal.client.record_view) registers here,
# so the importer (ground floor) imports no feature.
RECORD_CHANGED_LISTENERS: list[Callable[[Session], None]] = []


@dataclass(frozen=True)
class Limits:
    """The safety threshold: an import that would delete more than this share of the
    clients or enrollments the portal holds, or quarantine more than this share of the
    export's rows, commits nothing until accepted (PORTAL_IMPORT_MAX_DELETED_PERCENT and
    PORTAL_IMPORT_MAX_QUARANTINED_PERCENT)."""

    max_deleted_percent: float = 10.0
    max_quarantined_percent: float = 5.0

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(settings.import_max_deleted_percent, settings.import_max_quarantined_percent)


def _live(session: Session, model: type[Any]) -> int:  # a mapped HMIS class
    query = select(func.count()).select_from(model).where(model.date_deleted.is_(None))
    return int(session.scalar(query) or 0)


def _percent(count: int, of: int) -> float:
    return round(100 * count / of, 1)


def check_threshold(
    result: ImportResult, live_before: dict[str, int], deleted: dict[str, int], limits: Limits
) -> list[dict[str, Any]]:
    """Why this import must not commit unaccepted, with the figures; empty when it may."""
    stops: list[dict[str, Any]] = []
    for name in (CLIENT.name, ENROLLMENT.name):
        held, gone = live_before[name], deleted.get(name, 0)
        if held and _percent(gone, held) > limits.max_deleted_percent:
            stops.append(
                {
                    "kind": "deleted",
                    "file": name,
                    "count": gone,
                    "of": held,
                    "percent": _percent(gone, held),
                    "limit": limits.max_deleted_percent,
                }
            )
    rows = sum(counts.rows for counts in result.files.values())
    quarantined = sum(counts.quarantined for counts in result.files.values())
    if rows and _percent(quarantined, rows) > limits.max_quarantined_percent:
        stops.append(
            {
                "kind": "quarantined",
                "file": None,
                "count": quarantined,
                "of": rows,
                "percent": _percent(quarantined, rows),
                "limit": limits.max_quarantined_percent,
            }
        )
    return stops


def describe_stop(stop: dict[str, Any]) -> str:
    """A stop in plain English, for the command's report."""
    if stop["kind"] == "deleted":
        noun = "clients" if stop["file"] == CLIENT.name else "enrollments"
        return (
            f"it would delete {stop['count']} of the {stop['of']} {noun} the portal holds "
            f"({stop['percent']}%; the limit is {stop['limit']:g}%)"
        )
    return (
        f"it would quarantine {stop['count']} of its {stop['of']} rows "
        f"({stop['percent']}%; the limit is {stop['limit']:g}%)"
    )


def import_export(
    session: Session,
    path: Path,
    progress: Progress | None = None,
    files: ExportFiles | None = None,
    limits: Limits | None = None,
    accept: bool = False,
) -> ImportResult:
    """Check the export at path and write what it may through session.

    The caller owns the transaction: commit when the result succeeded, roll back otherwise.
    """
    tick: Progress = progress or (lambda _n: None)
    files = files or read_export(path)
    result = ImportResult(source=files.label, ignored_files=files.ignored, accepted=accept)
    result.warnings.extend(files.warnings)
    result.files = {spec.name: FileCounts() for spec in FILES}
    missing = [name for name in csvspec.USED_FILES if name not in files.texts]
    absent = [name for name in missing if name in OPTIONAL_FILES]
    for name in missing:
        if name in absent:
            message = "file is missing: read as empty, and nothing it holds is deleted"
            result.outcomes.append(Outcome(name, 0, "-", "missing_file", message, FLAGGED))
        else:
            message = "required file is missing"
            result.outcomes.append(Outcome(name, 0, "-", "missing_file", message, REFUSED))
    refused = len(missing) > len(absent)
    info = None if refused else read_export_info(files, result.outcomes, result.warnings)
    if info is None:
        result.status = REFUSED
        return result
    result.export_id, result.csv_version, result.standards = (
        info.export_id,
        info.csv_version,
        info.standards,
    )
    result.directive = "full" if info.directive == FULL_REFRESH else "delta"

    export_day = info.export_date.date()
    parsed: dict[str, ParsedFile] = {
        spec.name: parse_file(
            spec, files.texts.get(spec.name, ""), info.standards, export_day, tick
        )
        for spec in FILES
    }
    if any(file.refused for file in parsed.values()):
        result.outcomes.extend(o for file in parsed.values() for o in file.file_outcomes)
        result.status = REFUSED
        return result
    check_relations(session, parsed)
    skipped = leave_out_victim_service_data(session, parsed, result.warnings)
    for name, file in parsed.items():
        counts = result.files[name]
        counts.rows, counts.quarantined = file.row_count, file.quarantined_rows
        counts.flagged, counts.skipped = len(file.flags), skipped.get(name, 0)
        result.outcomes.extend(file.outcomes())

    live_before = {
        name: _live(session, parsed[name].spec.model) for name in (CLIENT.name, ENROLLMENT.name)
    }
    deleted: dict[str, int] = {}
    with session.no_autoflush:
        for spec in FILES:
            deleted[spec.name] = apply_file(
                session, parsed[spec.name], result.files[spec.name], tick
            )
            session.flush()
        if info.directive == FULL_REFRESH:
            for spec in (spec for spec in reversed(FILES) if spec.name not in absent):
                deleted[spec.name] += mark_missing_deleted(
                    session, parsed[spec.name], result.files[spec.name], info.export_date
                )
        # The sharing rule shows partners identifying data as it stood when a refusal began.
        record_identity_snapshots(session, parsed[CLIENT.name].rows, utcnow())
        # The import writes around the session's events (COPY): whatever a feature keeps built
        # from the record (the client's record page) is told, if anything changed.
        if any(c.inserted or c.updated or c.deleted for c in result.files.values()):
            for listener in RECORD_CHANGED_LISTENERS:
                listener(session)
    result.stops = check_threshold(result, live_before, deleted, limits or Limits())
    if result.stops and not accept:
        result.status = STOPPED
    return result
