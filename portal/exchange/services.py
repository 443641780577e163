"""The exchange's units of work, each audited and committed here: the views parse the input,
call one of these, and render."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal.audit.services import SYSTEM, record
from portal.exchange import changes
from portal.hmis import services as imports
from portal.hmis.importer import Limits
from portal.hmis.models import ImportRun


def audit_import(session: Session, run: ImportRun) -> None:
    """Audit an import run once it is recorded (the command's and `demo setup`'s)."""
    action = {
        "imported": "hmis.import_accepted" if run.accepted_by else "hmis.imported",
        "stopped": "hmis.import_stopped",
    }.get(run.status, "hmis.import_refused")
    record(session, action, object_type="import_run", object_id=run.id, actor=SYSTEM)


def note_viewed(session: Session, run_id: int | None = None) -> None:
    """The exchange page, or an import run's page, was viewed."""
    if run_id is None:
        record(session, "hmis.exchange_viewed")
    else:
        record(session, "hmis.exchange_viewed", object_type="import_run", object_id=run_id)
    session.commit()


def note_outcomes_downloaded(session: Session, run_id: int) -> None:
    record(session, "hmis.import_outcomes_downloaded", object_type="import_run", object_id=run_id)
    session.commit()


def preview_changes(session: Session, *, since: dt.datetime, again: bool) -> changes.ChangesExport:
    """What the export would hold, without marking anything exported; audited."""
    preview = changes.preview_changes(session, since=since, again=again)
    record(session, "hmis.changes_previewed", object_type="export", object_id=len(preview.rows))
    session.commit()
    return preview


def export_changes(session: Session, *, since: dt.datetime, again: bool) -> str:
    """The changes as CSV, marked exported (committed); raises changes.ExportRaced, with
    nothing exported, when another export marked some of the same rows meanwhile."""
    try:
        export = changes.export_changes(session, since=since, again=again)
        body = export.csv_text()
        session.commit()
    except changes.ExportRaced:
        session.rollback()
        raise
    return body


def accept_import(session: Session, run_id: int, accepted_by: str, limits: Limits) -> ImportRun:
    """Import a stopped run's export anyway (the HMIS lead's decision), audited; returns the new
    run. Raises hmis.services.NotAcceptable, with nothing changed, when it cannot be."""

    def audit(new_run: ImportRun) -> None:
        record(session, "hmis.import_accepted", object_type="import_run", object_id=new_run.id)

    try:
        new_run, _result = imports.accept_run(
            session, run_id, accepted_by, limits, on_recorded=audit
        )
    except imports.NotAcceptable:
        session.rollback()
        raise
    return new_run
