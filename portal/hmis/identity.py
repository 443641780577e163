"""Identifying data over time: the importer records a new version whenever it changes."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.db import in_chunks, insert_many, table_of
from portal.hmis.models import Client, Enrollment, IdentityVersion, Project
from portal.hmis.names import name_search

IDENTITY_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "name_suffix",
    "name_data_quality",
    "ssn",
    "ssn_data_quality",
    "dob",
    "dob_data_quality",
)
# What a version is attributed to and dated by.
ATTRIBUTION_FIELDS = ("date_created", "date_updated", "hmis_user_id")


def user_agencies(session: Session) -> dict[str, str]:
    """HMIS user id -> the agency they enter data for (the one whose enrollments they create).

    HUD's User.csv does not name an agency; the enrollments a user created do.
    """
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    rows = session.execute(
        select(Enrollment.hmis_user_id, Project.organization_id, func.count())
        .join(Project, Project.project_id == Enrollment.project_id)
        .where(Enrollment.hmis_user_id.is_not(None))
        .group_by(Enrollment.hmis_user_id, Project.organization_id)
    )
    for user_id, organization_id, count in rows:
        counts[user_id][organization_id] += count
    return {user: agencies.most_common(1)[0][0] for user, agencies in counts.items()}


def record_identity_changes(session: Session, personal_ids: Iterable[str], now: dt.datetime) -> int:
    """Add a version for each of these clients whose identifying data, as the database holds
    it, differs from its open version; returns how many were added."""
    ids = list(personal_ids)
    columns = [getattr(Client, name) for name in (*IDENTITY_FIELDS, *ATTRIBUTION_FIELDS)]
    clients: dict[str, Mapping[Any, Any]] = {}  # RowMappings (keyed by name or column)
    for chunk in in_chunks(ids):
        for row in session.execute(
            select(Client.personal_id, *columns).where(Client.personal_id.in_(chunk))
        ).mappings():
            clients[row["personal_id"]] = row
    return record_identity_snapshots(session, clients, now)


def record_identity_snapshots(
    session: Session, clients: Mapping[str, Mapping[str, Any]], now: dt.datetime
) -> int:
    """Add a version for each client (personal id -> its values by attribute name, as the
    importer holds them) whose identifying data differs from its open version; returns how
    many were added.

    Works in bulk (one statement per few thousand rows): a first import of 100,000 clients
    adds 100,000 versions.
    """
    agencies = user_agencies(session)
    open_versions = _open_versions(session, list(clients))
    closed: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    for personal_id, client in clients.items():
        snapshot = {name: client[name] for name in IDENTITY_FIELDS}
        current = open_versions.get(personal_id)
        if current is not None and all(current[name] == snapshot[name] for name in snapshot):
            continue
        valid_from = min(client["date_updated"] or client["date_created"] or now, now)
        if current is not None:
            valid_from = max(valid_from, current["valid_from"])
            closed.append({"id": current["id"], "valid_to": valid_from})
        added.append(
            {
                "personal_id": personal_id,
                "valid_from": valid_from,
                "valid_to": None,
                "agency_id": agencies.get(client["hmis_user_id"] or ""),
                **snapshot,
                "name_search": name_search(
                    snapshot["first_name"], snapshot["middle_name"], snapshot["last_name"]
                ),
            }
        )
    if closed:
        session.execute(update(IdentityVersion), closed)
    insert_many(session, table_of(IdentityVersion), added)
    return len(added)


def _open_versions(session: Session, personal_ids: list[str]) -> dict[str, Mapping[Any, Any]]:
    """personal id -> its open version's id, valid_from and identifying values."""
    columns = [getattr(IdentityVersion, name) for name in IDENTITY_FIELDS]
    found: dict[str, Mapping[Any, Any]] = {}
    for chunk in in_chunks(personal_ids):
        for row in session.execute(
            select(IdentityVersion.id, IdentityVersion.personal_id, IdentityVersion.valid_from)
            .add_columns(*columns)
            .where(IdentityVersion.personal_id.in_(chunk), IdentityVersion.valid_to.is_(None))
        ).mappings():
            found[row["personal_id"]] = row
    return found
