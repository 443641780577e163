"""Writing the kept rows: insert what the portal does not hold, update what changed, mark
deleted what the export deletes. Plain rows in bulk (COPY on PostgreSQL), never ORM objects:
a nightly full export re-imports hundreds of thousands of unchanged rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.db import in_chunks, insert_many
from portal.hmis.outcomes import FileCounts
from portal.hmis.relations import key_column
from portal.hmis.rows import ParsedFile, Progress


def apply_file(session: Session, parsed: ParsedFile, counts: FileCounts, progress: Progress) -> int:
    """Insert the rows the portal does not hold yet and update those that changed. Returns
    how many rows the portal held live that this export marks deleted."""
    model = parsed.spec.model
    # Which keys are stored, in one query: a first import then loads no stored rows at all.
    stored = set(session.scalars(select(key_column(model))))
    new_rows: list[dict[str, Any]] = []
    for key, values in parsed.rows.items():
        if key in stored:
            continue
        progress(1)
        new_rows.append(values)
        if values["date_deleted"] is None:
            counts.inserted += 1
        else:
            counts.deleted += 1
    deleted = _update_stored(
        session, parsed, [k for k in parsed.rows if k in stored], counts, progress
    )
    # The attribute names are the column names (tests/hmis/test_import.py checks).
    insert_many(session, model.__table__, new_rows)
    return deleted


def _update_stored(
    session: Session, parsed: ParsedFile, keys: list[str], counts: FileCounts, progress: Progress
) -> int:
    """Compare stored rows with the export's and write what changed."""
    model = parsed.spec.model
    key_name = key_column(model).key
    table = model.__table__
    names = list(parsed.rows[keys[0]]) if keys else []
    changes: list[dict[str, Any]] = []
    deleted = 0
    for chunk in in_chunks(keys):
        query = select(*(table.c[name] for name in names)).where(table.c[key_name].in_(chunk))
        for stored in session.execute(query).mappings():
            progress(1)
            values = parsed.rows[stored[key_name]]
            changed = {name: value for name, value in values.items() if stored[name] != value}
            if not changed:
                counts.unchanged += 1
                continue
            if values["date_deleted"] is not None and stored["date_deleted"] is None:
                counts.deleted += 1
                deleted += 1
            else:
                counts.updated += 1
            changes.append({key_name: stored[key_name], **changed})
    if changes:
        session.execute(update(model), changes)
    return deleted


def mark_missing_deleted(
    session: Session, parsed: ParsedFile, counts: FileCounts, when: dt.datetime
) -> int:
    """Full refresh: what the HMIS no longer exports is deleted there. A row the export holds
    but quarantined is not missing: the portal keeps what it had."""
    model = parsed.spec.model
    column = key_column(model)
    live = set(session.scalars(select(column).where(model.date_deleted.is_(None))))
    gone = sorted(live - parsed.seen_keys)
    for chunk in in_chunks(gone):
        session.execute(
            update(model).where(column.in_(chunk)).values(date_deleted=when),
            execution_options={"synchronize_session": False},
        )
    counts.deleted += len(gone)
    return len(gone)
