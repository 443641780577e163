"""What goes back to the HMIS of record, and what came in from it (DESIGN.md 8).

The export is one CSV the HMIS administrator applies by hand or by script: approved (and partly
approved) corrections, each with the HUD CSV file, row and column it changes, and signed sharing
refusals and restores. Each exported request is marked (exported_at) so the next export does not
repeat it. Only what applying a change needs leaves the portal: the values of a correction, never
the name a form was signed with.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from portal.audit.services import Actor, record
from portal.db import in_chunks, rowcount
from portal.hmis import csvspec, items
from portal.hmis.items import Export
from portal.hmis.models import Client, Organization
from portal.requests.models import Request, RequestEvent, RequestType, Status
from portal.timeutil import utcnow

CORRECTION = "correction"
SHARING_REFUSED = "sharing_refused"
SHARING_RESTORED = "sharing_restored"
MANUAL = "manual"
HMIS_LEAD = "HMIS lead"  # agency_name of a correction the county's HMIS lead decided
APPROVALS = (Status.APPROVED, Status.PARTLY_APPROVED)
SHARING_TYPES = (RequestType.SHARING_REFUSAL, RequestType.SHARING_RESTORE)

# The CSV's columns, in their stable order (README.md, "Exchange with the HMIS of record").
COLUMNS = (
    "change",
    "reference",
    "personal_id",
    "item_key",
    "hud_file",
    "hud_key_column",
    "hud_key",
    "hud_column",
    "old_value",
    "new_value",
    "hud_value",
    "decided_at",
    "agency_id",
    "agency_name",
    "covered_personal_ids",
    "effective_at",
)

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportRaced(Exception):
    """Another export marked some of the same rows while this one ran; nothing was exported."""


@dataclass(frozen=True)
class ExportRow:
    change: str
    reference: str
    personal_id: str
    item_key: str = ""
    hud_file: str = ""
    hud_key_column: str = ""
    hud_key: str = ""
    hud_column: str = ""
    old_value: str = ""
    new_value: str = ""
    hud_value: str = ""
    decided_at: str = ""
    agency_id: str = ""
    agency_name: str = ""
    covered_personal_ids: str = ""
    effective_at: str = ""

    def cells(self) -> list[str]:
        return [neutralise(getattr(self, column)) for column in COLUMNS]


@dataclass(frozen=True)
class ChangesExport:
    rows: list[ExportRow]
    corrections: int  # correction requests (one may be several rows)
    sharing_changes: int  # sharing refusals and restores

    def csv_text(self) -> str:
        return csv_text(self.rows)


def neutralise(cell: str) -> str:
    """A leading apostrophe keeps a spreadsheet from running the cell as a formula."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


def csv_text(rows: Iterable[ExportRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(row.cells() for row in rows)
    return buffer.getvalue()


def iso_utc(moment: dt.datetime | None) -> str:
    """ISO 8601 in UTC, to the second ("2026-03-01T14:05:09Z"); the database keeps naive UTC."""
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else ""


def start_of_day(day: dt.date, timezone: str) -> dt.datetime:
    """Midnight of day in the county's time zone, as naive UTC (how the database keeps time)."""
    local = dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.UTC).replace(tzinfo=None)


# ---------------------------------------------------------------- where a correction goes


@dataclass(frozen=True)
class Target:
    """The HUD CSV cell a corrected item lives in, and the new value written as HUD writes it.

    column is MANUAL when no single column holds the item; value is "" when the administrator
    has to enter the change by hand (reading new_value)."""

    file: str = ""
    key_column: str = ""
    key: str = ""
    column: str = ""
    value: str = ""


def _hud_value(entry: items.RecordItem, value: str, standards: str) -> str:
    """value as the item's HUD column takes it, or "" when it cannot be written there as it is."""
    try:
        if entry.export is Export.DATE:
            return csvspec.date(value.strip(), standards).isoformat()
        if entry.export is Export.SSN:
            return str(csvspec.ssn(re.sub(r"[\s-]", "", value), standards))
    except csvspec.ValueProblem:
        return ""
    if entry.export is Export.CODE:
        return _code(entry, standards, value)
    return value


def _code(entry: items.RecordItem, standards: str, value: str) -> str:
    """The HUD code whose label (or number) the value is, or "" when it is none of them."""
    wanted = value.strip().casefold()
    for code, label in entry.allowed_codes(standards).items():
        if wanted in (code, label.casefold()):
            return code
    return ""


def hud_target(item_key: str, personal_id: str, new_value: str, standards: str) -> Target:
    """Where in the HUD CSV export the item of this key lives, and what to write there.

    The registry of record items (portal.hmis.items) says which file and column hold it."""
    found = items.parse_key(item_key)
    if found is None:
        return Target(column=MANUAL)
    entry = found.entry
    row_key = found.enrollment_id if found.enrollment_id else personal_id
    if entry.export is Export.MANUAL or entry.hud_column is None:
        return Target(entry.hud_file, entry.hud_key_column, row_key, MANUAL)
    value = _hud_value(entry, new_value, standards)
    return Target(entry.hud_file, entry.hud_key_column, row_key, entry.hud_column, value)


# ---------------------------------------------------------------- the export


def _due(session: Session, since: dt.datetime, again: bool) -> list[Request]:
    signed = func.coalesce(Request.signed_at, Request.submitted_at)
    statement = (
        select(Request)
        .where(
            or_(
                (Request.type == RequestType.CORRECTION)
                & Request.status.in_(APPROVALS)
                & (Request.decided_at >= since),
                Request.type.in_(SHARING_TYPES)
                & (Request.status != Status.WITHDRAWN)
                & (signed >= since),
            )
        )
        .options(selectinload(Request.covered), selectinload(Request.events))
        .order_by(Request.id)
    )
    if not again:
        statement = statement.where(Request.exported_at.is_(None))
    return list(session.scalars(statement))


def _decider_agency(request: Request) -> str | None:
    """The agency of the staff member who decided (None: the HMIS lead, who has none)."""
    decisions = [e for e in request.events if e.kind in {s.value for s in APPROVALS}]
    last: RequestEvent | None = decisions[-1] if decisions else None
    return last.actor_agency if last is not None else request.agency_id


def _lookups(session: Session, requests: list[Request]) -> tuple[dict[str, str], dict[str, str]]:
    """(agency id -> name, personal id -> data standards) for the rows about to be written."""
    agency_ids = {r.agency_id for r in requests if r.agency_id}
    agency_ids |= {a for r in requests if (a := _decider_agency(r))}
    people = sorted({r.personal_id for r in requests if r.personal_id})
    names: dict[str, str] = {}
    standards: dict[str, str] = {}
    ids = sorted(agency_ids)
    for chunk in in_chunks(ids):
        rows = session.execute(
            select(Organization.organization_id, Organization.name).where(
                Organization.organization_id.in_(chunk)
            )
        )
        names.update(dict(rows.tuples().all()))
    for chunk in in_chunks(people):
        rows = session.execute(
            select(Client.personal_id, Client.data_standards).where(Client.personal_id.in_(chunk))
        )
        standards.update(dict(rows.tuples().all()))
    return names, standards


def _correction_row(request: Request, names: dict[str, str], standards: str) -> ExportRow:
    personal_id = request.personal_id or ""
    new_value = request.corrected_value or ""
    target = hud_target(request.item_key or "", personal_id, new_value, standards)
    agency = _decider_agency(request)
    return ExportRow(
        change=CORRECTION,
        reference=request.reference,
        personal_id=personal_id,
        item_key=request.item_key or "",
        hud_file=target.file,
        hud_key_column=target.key_column,
        hud_key=target.key,
        hud_column=target.column,
        old_value=request.current_value or "",
        new_value=new_value,
        hud_value=target.value,
        decided_at=iso_utc(request.decided_at),
        agency_id=agency or "",
        agency_name=names.get(agency, agency) if agency else HMIS_LEAD,
    )


def _recorded_codes(request: Request, entry: items.RecordItem, standards: str) -> list[str]:
    """The HUD codes of the value recorded: kept with the decision (corrected_code); for a
    request decided before the portal kept them, the client's codes when approved as asked, or
    the value itself when it is the item's codes ("1", "0,4")."""
    if request.corrected_code:
        return request.corrected_code.split(";")
    if request.requested_code and request.corrected_value == request.requested_value:
        return request.requested_code.split(";")
    typed = [part.strip() for part in (request.corrected_value or "").split(",")]
    allowed = entry.allowed_codes(standards)
    return typed if typed and all(part in allowed for part in typed) else []


def _correction_rows(request: Request, names: dict[str, str], standards: str) -> list[ExportRow]:
    """One row per HUD column the correction writes: gender and race are one 0/1 column per
    value (HUD CSV FY2024 and later), so their correction is a row for each of them."""
    row = _correction_row(request, names, standards)
    entry = items.entry_for(request.item_key or "")
    if entry is None or entry.kind is not items.Kind.CODED:
        return [row]
    written = items.hud_columns_written(
        entry, standards, _recorded_codes(request, entry, standards)
    )
    return [replace(row, hud_column=column, hud_value=value) for column, value in written] or [row]


def _sharing_row(request: Request, names: dict[str, str]) -> ExportRow:
    agency = request.agency_id
    covered = sorted(request.covered, key=lambda change: change.id)
    effective = min((c.effective_at for c in covered), default=request.signed_at)
    return ExportRow(
        change=SHARING_REFUSED if request.type is RequestType.SHARING_REFUSAL else SHARING_RESTORED,
        reference=request.reference,
        personal_id=request.personal_id or "",
        agency_id=agency or "",
        agency_name=names.get(agency, agency) if agency else "",
        covered_personal_ids=";".join(change.personal_id for change in covered),
        effective_at=iso_utc(effective or request.submitted_at),
    )


def _when(request: Request) -> dt.datetime:
    if request.type is RequestType.CORRECTION:
        return request.decided_at or request.submitted_at
    return request.signed_at or request.submitted_at


def changes_since(session: Session, since: dt.datetime, again: bool = False) -> list[ExportRow]:
    """The rows of an export (read only): oldest change first."""
    return _rows(session, _due(session, since, again))


def _rows(session: Session, requests: list[Request]) -> list[ExportRow]:
    names, standards = _lookups(session, requests)
    rows = []
    for request in sorted(requests, key=lambda r: (_when(r), r.reference)):
        if request.type is RequestType.CORRECTION:
            client_standards = standards.get(request.personal_id or "", "FY2026")
            rows.extend(_correction_rows(request, names, client_standards))
        else:
            rows.append(_sharing_row(request, names))
    return rows


def export_changes(
    session: Session, *, since: dt.datetime, again: bool, actor: Actor | None = None
) -> ChangesExport:
    """Build the export, mark its requests exported and audit it, in the caller's transaction.

    Raises ExportRaced when another export marked some of the same requests meanwhile: the
    caller rolls back, and nothing is exported twice by accident."""
    requests = _due(session, since, again)
    rows = _rows(session, requests)
    now = utcnow()
    ids = [r.id for r in requests]
    for chunk in in_chunks(ids):
        # A bulk update leaves the version counter alone: marking a request exported must not
        # turn a staff member's open page on it stale.
        statement = (
            update(Request)
            .where(Request.id.in_(chunk))
            .values(exported_at=now)
            .execution_options(synchronize_session=False)
        )
        if not again:
            statement = statement.where(Request.exported_at.is_(None))
        if rowcount(session.execute(statement)) != len(chunk):
            raise ExportRaced
    record(session, "hmis.changes_exported", object_type="export", object_id=len(rows), actor=actor)
    session.flush()
    return _counted(rows)


def _counted(rows: list[ExportRow]) -> ChangesExport:
    """The export with its requests counted: a correction of gender or race is several rows."""
    corrections = len({row.reference for row in rows if row.change == CORRECTION})
    sharing = len({row.reference for row in rows if row.change != CORRECTION})
    return ChangesExport(rows, corrections, sharing)


def preview_changes(session: Session, *, since: dt.datetime, again: bool) -> ChangesExport:
    """What export_changes would write now, without marking anything exported (a dry run)."""
    return _counted(_rows(session, _due(session, since, again)))


def rows_per_kind(export: ChangesExport) -> dict[str, int]:
    """How many rows of each kind of change (correction, sharing refused, sharing restored)."""
    counts = {CORRECTION: 0, SHARING_REFUSED: 0, SHARING_RESTORED: 0}
    for row in export.rows:
        counts[row.change] = counts.get(row.change, 0) + 1
    return counts


def pending_count(session: Session) -> int:
    """Approved corrections and signed sharing forms not exported yet."""
    return int(
        session.scalar(
            select(func.count(Request.id)).where(
                Request.exported_at.is_(None),
                or_(
                    (Request.type == RequestType.CORRECTION) & Request.status.in_(APPROVALS),
                    Request.type.in_(SHARING_TYPES) & (Request.status != Status.WITHDRAWN),
                ),
            )
        )
        or 0
    )


def last_export_at(session: Session) -> dt.datetime | None:
    return session.scalar(select(func.max(Request.exported_at)))
