"""Synthetic people, staff and requests, written straight into an operations test's database."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from portal.access.services import issue_access_code
from portal.accounts import services as accounts
from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.requests.models import Request, RequestEvent
from tests.factories import AGENCY_A, PARENT, hmis_world, notice_version, phone_correction
from tests.ops.instances import SECRET_KEY

STAFF_PASSWORD = "operations test password 2026"


def people(session: Session) -> None:
    """Two agencies and a household (tests/factories.py), and a published privacy notice."""
    hmis_world(session)
    notice_version(session)


def access_code(session: Session, personal_id: str) -> str:
    code = issue_access_code(session, personal_id, SECRET_KEY)
    session.commit()
    return code


def agency_staff(session: Session, count: int, prefix: str = "staff") -> list[str]:
    """The email addresses of new agency staff of agency A (password STAFF_PASSWORD). No End
    User Policy is published in these databases, so they go straight to their pages."""
    # Hashed with the suite's cheap argon2 parameters (tests/conftest.py): the instances read
    # the cost from the hash, so a staff sign-in there takes milliseconds, not half a second.
    users = [
        accounts.create_staff_user(
            session,
            email=f"{prefix}{index}@agency-a.example",
            name=f"Ops Tester {prefix} {index}",
            role=Role.AGENCY_STAFF,
            organization_id=AGENCY_A,
            password=STAFF_PASSWORD,
        )
        for index in range(count)
    ]
    session.commit()
    return [user.email for user in users]


def correction(session: Session, item: str = "first_name") -> Request:
    """A correction of one of the parent's names, in agency A's queue (one per name: a client
    has one open correction of an item at a time)."""
    request = phone_correction(
        session,
        personal_id=PARENT,
        item_key=f"identity.{item}",
        current_value="Canary",
        requested_value="Canaryfixed",
        agency_id=AGENCY_A,
    )
    session.commit()
    return request


def counts(engine: Engine, reference: str) -> dict[str, object]:
    """What a claim of this request changes: its assignee and version, its timeline, the
    audit trail."""
    with Session(engine) as session:
        found = session.scalars(select(Request).where(Request.reference == reference)).one()
        kinds = session.scalars(
            select(RequestEvent.kind).where(RequestEvent.request_id == found.id)
        ).all()
        return {
            "claimed_by": found.claimed_by_id,
            "version": found.version,
            "claimed_events": kinds.count("claimed"),
            "events": len(kinds),
            "audit_entries": session.scalar(select(func.count()).select_from(AuditEntry)),
        }
