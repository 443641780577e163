"""Identifying data over time: the importer records a new version whenever it changes."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.hmis.models import Client, Enrollment, Project
from portal.sharing.models import IdentityVersion

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
CHUNK = 500


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
    """Add a version for each client whose identifying data differs from its open version;
    returns how many were added."""
    ids = list(personal_ids)
    agencies = user_agencies(session)
    added = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        open_versions = {
            version.personal_id: version
            for version in session.scalars(
                select(IdentityVersion).where(
                    IdentityVersion.personal_id.in_(chunk), IdentityVersion.valid_to.is_(None)
                )
            )
        }
        for client in session.scalars(select(Client).where(Client.personal_id.in_(chunk))):
            snapshot = {name: getattr(client, name) for name in IDENTITY_FIELDS}
            current = open_versions.get(client.personal_id)
            if current is not None and all(
                getattr(current, name) == value for name, value in snapshot.items()
            ):
                continue
            valid_from = min(client.date_updated or client.date_created or now, now)
            if current is not None:
                valid_from = max(valid_from, current.valid_from)
                current.valid_to = valid_from
            session.add(
                IdentityVersion(
                    personal_id=client.personal_id,
                    valid_from=valid_from,
                    agency_id=agencies.get(client.hmis_user_id or ""),
                    **snapshot,
                )
            )
            added += 1
        session.flush()
    return added
