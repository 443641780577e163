"""A client's own record as files to keep (DESIGN.md 6): JSON and CSV for programs, a tagged
PDF (PDF/UA) for people.

All three are made from the same ClientRecord the record page shows. The Social Security number is
in full: the client asked for their own record. Items withheld under a HUD exception keep their
key and label, lose their value, and say why. Nothing is written to disk.

Call these inside a request context: labels come in the client's language (Flask-Babel), and
times are shown in the county's time zone in the PDF, in UTC in JSON and CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any

from portal.client.record import ClientRecord, EnrollmentRecord, Item
from portal.hmis import items
from portal.pdf import pdf_from_template
from portal.requests.labels import DENIAL_REASON_LABELS, STATUS_LABELS, TYPE_LABELS

SCHEMA_ID = "https://hmis-portal.example/record-schema/v1"
# A spreadsheet reads a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _utc(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z; the portal stores naive datetimes that are already UTC."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def _reason_text(reason: str) -> str:
    label = DENIAL_REASON_LABELS.get(reason)
    return str(label) if label is not None else reason


def _item_json(item: Item) -> dict[str, Any]:
    withheld = item.withheld
    entry = items.entry_for(item.key)
    if entry is None:  # the registry is the list of items (tests/hmis/test_items.py)
        raise KeyError(item.key)
    corrected = withheld is None and (item.was is not None or item.corrected_on is not None)
    # Dates as ISO 8601 (what the HMIS holds); everything else as the client reads it.
    value = item.plain if entry.kind is items.Kind.DATE else item.value
    return {
        "key": item.key,
        "label": item.label,
        "value": None if withheld else value,
        "hud": {"file": entry.hud_file, "fields": list(entry.columns())},
        "coded": None
        if withheld or entry.kind is not items.Kind.CODED
        else [
            {"hud_field": coded.hud_field, "code": coded.code, "label": coded.label}
            for coded in item.coded
        ],
        "corrected": {"was": item.was, "on": _utc(item.corrected_on)} if corrected else None,
        "withheld": None
        if withheld is None
        else {
            "reason": withheld.reason,
            "reason_text": _reason_text(withheld.reason),
            "explanation": withheld.explanation,
        },
        "statement_of_disagreement": item.disagreement,
    }


def record_document(
    record: ClientRecord, *, produced_at: dt.datetime, notice_version: int | None, language: str
) -> dict[str, Any]:
    """The record as plain data, in the shape docs/record-schema.json describes."""
    return {
        "schema": SCHEMA_ID,
        "produced_at": _utc(produced_at),
        "language": language,
        "notice_version": notice_version,
        "personal_id": record.personal_id,
        "data_standards": record.data_standards,
        "identity": [_item_json(item) for item in record.identity],
        "demographics": [_item_json(item) for item in record.demographics],
        "enrollments": [
            {
                "enrollment_id": enrollment.enrollment_id,
                "project": enrollment.project,
                "agency": enrollment.agency,
                "case_manager": enrollment.case_manager,
                "items": [_item_json(item) for item in enrollment.items],
            }
            for enrollment in record.enrollments
        ],
        "sharing": {
            "refuses_sharing": record.refuses_sharing,
            "history": [
                {"at": _utc(event.at), "refused": event.refused, "reference": event.reference}
                for event in record.sharing_events
            ],
        },
        "requests": [
            {
                "reference": request.reference,
                "type": request.type.value,
                "status": request.status.value,
                "submitted_at": _utc(request.submitted_at),
                "due_at": _utc(request.due_at),
                "decided_at": _utc(request.decided_at),
            }
            for request in record.requests
        ],
    }


def record_json(
    record: ClientRecord, *, produced_at: dt.datetime, notice_version: int | None, language: str
) -> bytes:
    document = record_document(
        record, produced_at=produced_at, notice_version=notice_version, language=language
    )
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def _neutralised(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_columns() -> list[str]:
    """The CSV's header: the enrollment, then each item of the registry (a coded one with its
    HUD code(s) beside it), then what is withheld."""
    columns = ["personal_id", "enrollment_id", "project", "agency", "case_manager"]
    for entry in items.ITEMS:
        columns.append(entry.field)
        if entry.kind is items.Kind.CODED:
            columns.append(f"{entry.field}_code")
    return [*columns, "withheld"]


def _cells(item: Item) -> dict[str, str]:
    entry = items.entry_for(item.key)
    if entry is None:
        raise KeyError(item.key)
    if item.withheld:
        return {}
    value = item.plain if entry.kind is items.Kind.DATE else item.value
    cells = {entry.field: value}
    if entry.kind is items.Kind.CODED:
        cells[f"{entry.field}_code"] = ";".join(f"{c.hud_field}={c.code}" for c in item.coded)
    return cells


def record_csv(
    record: ClientRecord, *, produced_at: dt.datetime, notice_version: int | None, language: str
) -> bytes:
    """One row per enrollment (one row when there is none), with the project and the agency;
    the client's own items repeat on each row, so a spreadsheet can sort and filter by program.
    Sharing and requests are not items: they are in the JSON and the PDF."""
    del produced_at, notice_version, language  # same signature as the other downloads
    columns = csv_columns()
    person: dict[str, str] = {"personal_id": record.personal_id}
    withheld = [item.label for item in record.items() if item.withheld]
    for item in [*record.identity, *record.demographics]:
        person.update(_cells(item))
    rows = []
    per_row: Sequence[EnrollmentRecord | None] = record.enrollments or [None]
    for enrollment in per_row:
        row = dict(person)
        if enrollment is not None:
            row.update(
                enrollment_id=enrollment.enrollment_id,
                project=enrollment.project,
                agency=enrollment.agency,
                case_manager=enrollment.case_manager or "",
            )
            for item in enrollment.items:
                row.update(_cells(item))
        row["withheld"] = "; ".join(withheld)
        rows.append([_neutralised(row.get(column, "")) for column in columns])
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    # The byte order mark tells Excel the file is UTF-8 (Polish and Spanish letters).
    return out.getvalue().encode("utf-8-sig")


def record_pdf(
    record: ClientRecord,
    *,
    produced_at: dt.datetime,
    notice_version: int | None,
    language: str,
    printed_for: tuple[str, str] | None = None,
) -> bytes:
    """A tagged PDF (PDF/UA-1) in the client's language, for reading, saving and printing.
    printed_for: (request reference, staff name) when staff print it for a printed-copy request."""
    return pdf_from_template(
        "client/record_pdf.html",
        record=record,
        produced_at=produced_at,
        notice_version=notice_version,
        language=language,
        reason_labels=DENIAL_REASON_LABELS,
        type_labels=TYPE_LABELS,
        status_labels=STATUS_LABELS,
        printed_for=printed_for,
    )
