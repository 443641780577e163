"""Running an import as a unit of work and keeping its record (ImportRun)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from portal.hmis.importer import ExportFiles, ImportResult, Progress, import_export, read_export
from portal.hmis.models import ImportRun
from portal.timeutil import utcnow


def run_import(
    session: Session,
    path: Path,
    progress: Progress | None = None,
    on_read: Callable[[ExportFiles], None] | None = None,
    on_recorded: Callable[[ImportRun], None] | None = None,
) -> ImportResult:
    """Import in one transaction; commit only a clean import, and record the run either way."""
    started = utcnow()
    files = read_export(path)
    if on_read is not None:
        on_read(files)
    try:
        result = import_export(session, path, progress, files=files)
    except BaseException:
        session.rollback()
        raise
    if result.succeeded:
        session.commit()
    else:
        session.rollback()
    run = ImportRun(
        started_at=started,
        finished_at=utcnow(),
        source_label=path.name,
        export_id=result.export_id,
        csv_version=result.csv_version,
        data_standards=result.standards,
        directive=result.directive,
        succeeded=result.succeeded,
        summary=result.summary(),
        problems="\n".join(str(problem) for problem in result.problems),
    )
    session.add(run)
    session.flush()
    if on_recorded is not None:
        on_recorded(run)
    session.commit()
    return result
