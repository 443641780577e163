"""Running an import as a unit of work and keeping its record (ImportRun, ImportOutcome)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from portal.db import insert_many, table_of
from portal.hmis.importer import Limits, describe_stop, import_export
from portal.hmis.models import ImportOutcome, ImportRun
from portal.hmis.outcomes import IMPORTED, REFUSED, STOPPED, ImportResult
from portal.hmis.reading import ExportFiles, read_export
from portal.hmis.rows import Progress
from portal.timeutil import utcnow

SHOWN_IN_SUMMARY = 20  # problems printed by the command and kept in ImportRun.problems


class NotAcceptable(Exception):
    """The run was not stopped by the safety threshold, or its export is gone."""


def _storable(text: str) -> str:
    """A cell of a problem row as a text column can hold it: an export's NUL characters (the
    nul_character rule's own finding, and any header or key that carries one) shown as \\0."""
    return text.replace("\x00", "\\0")


def run_import(
    session: Session,
    path: Path,
    progress: Progress | None = None,
    on_read: Callable[[ExportFiles], None] | None = None,
    on_recorded: Callable[[ImportRun], None] | None = None,
    limits: Limits | None = None,
    accept: bool = False,
    accepted_by: str | None = None,
) -> ImportResult:
    """Import in one transaction and record the run with its outcomes: an imported export
    commits with its record; a refused or stopped one commits only its record."""
    started = utcnow()
    files = read_export(path)
    if on_read is not None:
        on_read(files)
    try:
        result = import_export(session, path, progress, files=files, limits=limits, accept=accept)
    except BaseException:
        session.rollback()
        raise
    if not result.succeeded:
        session.rollback()
    run = ImportRun(
        started_at=started,
        finished_at=utcnow(),
        source_label=path.name,
        source_path=str(path.resolve()),
        export_id=result.export_id,
        csv_version=result.csv_version,
        data_standards=result.standards,
        directive=result.directive,
        succeeded=result.succeeded,
        status=result.status,
        # Recorded only when the acceptance mattered: the threshold would have stopped it.
        accepted_by=accepted_by if accept and result.stops else None,
        summary=result.summary(with_outcomes=False),
        problems=_storable(
            "\n".join(
                [str(o) for o in result.outcomes[:SHOWN_IN_SUMMARY]]
                + [f"stopped: {describe_stop(stop)}" for stop in result.stops if not accept]
            )
        ),
    )
    session.add(run)
    session.flush()
    insert_many(
        session,
        table_of(ImportOutcome),
        [
            {
                "import_run_id": run.id,
                "file": _storable(o.file),
                "line": o.line,
                "column": _storable(o.column)[:100],
                "raw_value": _storable(o.raw) if o.raw is not None else None,
                "rule": o.rule,
                "outcome": o.outcome,
                "message": _storable(o.message)[:300],
                "record_key": _storable(o.key)[:64] if o.key else None,
            }
            for o in result.outcomes
        ],
    )
    if on_recorded is not None:
        on_recorded(run)
    session.commit()
    return result


def accept_run(
    session: Session,
    run_id: int,
    accepted_by: str,
    limits: Limits | None = None,
    on_recorded: Callable[[ImportRun], None] | None = None,
) -> tuple[ImportRun, ImportResult]:
    """Import a stopped run's export anyway (the HMIS lead's decision); returns the new run."""
    stopped = session.get(ImportRun, run_id)
    if stopped is None or stopped.status != STOPPED or stopped.accepted_run_id is not None:
        raise NotAcceptable
    path = Path(stopped.source_path or "")
    if not stopped.source_path or not path.exists():
        raise NotAcceptable
    result = run_import(
        session, path, limits=limits, accept=True, accepted_by=accepted_by, on_recorded=on_recorded
    )
    new = session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(1)).one()
    stopped.accepted_run_id = new.id
    stopped.accepted_by = accepted_by
    session.commit()
    return new, result


# ---------------------------------------------------------------- reading the outcomes


@dataclass(frozen=True)
class OutcomePage:
    rows: list[ImportOutcome]
    total: int
    page: int
    pages: int


PAGE_SIZE = 50


def _outcome_query(run_id: int, file: str | None, rule: str | None) -> Select[tuple[ImportOutcome]]:
    query = select(ImportOutcome).where(ImportOutcome.import_run_id == run_id)
    if file:
        query = query.where(ImportOutcome.file == file)
    if rule:
        query = query.where(ImportOutcome.rule == rule)
    return query


def outcome_page(
    session: Session, run_id: int, file: str | None, rule: str | None, page: int
) -> OutcomePage:
    """One page of a run's quarantined and flagged rows, filtered by file and rule."""
    query = _outcome_query(run_id, file, rule)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = session.scalars(
        query.order_by(ImportOutcome.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return OutcomePage(list(rows), total, page, pages)


def outcome_choices(session: Session, run_id: int) -> tuple[list[str], dict[str, dict[str, int]]]:
    """The files a run's outcomes are in, and rule -> {outcome -> count}."""
    counts: dict[str, dict[str, int]] = {}
    files: set[str] = set()
    query = (
        select(ImportOutcome.file, ImportOutcome.rule, ImportOutcome.outcome, func.count())
        .where(ImportOutcome.import_run_id == run_id)
        .group_by(ImportOutcome.file, ImportOutcome.rule, ImportOutcome.outcome)
    )
    for file, rule, outcome, count in session.execute(query).all():
        files.add(file)
        by_outcome = counts.setdefault(rule, {})
        by_outcome[outcome] = by_outcome.get(outcome, 0) + int(count)
    return sorted(files), dict(sorted(counts.items()))


OUTCOME_COLUMNS = (
    "file",
    "line",
    "column",
    "rule",
    "outcome",
    "raw_value",
    "message",
    "record_key",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet must not run a cell as a formula (CSV injection).
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def outcomes_csv(
    session: Session, run_id: int, file: str | None, rule: str | None
) -> Iterator[str]:
    """The run's outcomes (filtered) as CSV, for the agency data administrators who fix the
    source; personal data was never stored in them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(OUTCOME_COLUMNS)
    query = _outcome_query(run_id, file, rule).order_by(ImportOutcome.id)
    for outcome in session.scalars(query.execution_options(yield_per=1000)):
        writer.writerow([_cell(getattr(outcome, name)) for name in OUTCOME_COLUMNS])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


__all__ = [
    "IMPORTED",
    "REFUSED",
    "STOPPED",
    "NotAcceptable",
    "accept_run",
    "outcome_page",
    "outcomes_csv",
    "run_import",
]
