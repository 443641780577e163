"""Recording what happened. Callers name the action and the client it concerns; the actor comes
from the request (or is the system, for commands)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import StaffUser
from portal.audit import chain
from portal.audit.models import AuditEntry
from portal.hmis.models import Organization


@dataclass(frozen=True)
class Actor:
    kind: str  # client, staff, system, anonymous
    id: str | None = None
    role: str | None = None
    agency: str | None = None
    device: str | None = None


SYSTEM = Actor("system", device="cli")


def staff_actor(user: StaffUser) -> Actor:
    """A staff user as actor, before (or without) a session for them in this request."""
    from portal.access import device

    kind = device.device_kind() if has_request_context() else "cli"
    return Actor("staff", str(user.id), user.role.value, user.organization_id, kind)


def current_actor() -> Actor:
    """Who is acting in this request: the staff user, else the client, else nobody yet."""
    if not has_request_context():
        return SYSTEM
    from portal.access import device

    kind = device.device_kind()
    staff = g.get("staff_user")
    if staff is not None:
        return staff_actor(staff)
    client_session = g.get("client_session")
    if client_session is not None:
        return Actor("client", client_session.personal_id, None, None, client_session.device)
    return Actor("anonymous", None, None, None, kind)


def record(
    session: Session,
    action: str,
    *,
    personal_id: str | None = None,
    object_type: str | None = None,
    object_id: object = None,
    actor: Actor | None = None,
) -> AuditEntry:
    """Append an entry in the caller's transaction (it commits with the action it records)."""
    who = actor or current_actor()
    key = current_app.config["PORTAL"].audit_key.encode()
    return chain.append(
        session,
        key,
        actor_kind=who.kind,
        actor_id=who.id,
        actor_role=who.role,
        actor_agency=who.agency,
        device=who.device,
        action=action,
        personal_id=personal_id,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
    )


@dataclass(frozen=True)
class AccessEvent:
    at: object
    agency: str | None
    role: str | None
    action: str


# What staff did with a client's record, as the client may see it (never who, by name).
CLIENT_VISIBLE_ACTIONS = (
    "client.identity_viewed",
    "access_code.issued",
    "access_code.revoked",
    "notice.acknowledged",
)


def staff_access_to(session: Session, personal_id: str, limit: int = 200) -> list[AccessEvent]:
    """The newest staff actions on this client's record, with the agency's name."""
    rows = session.execute(
        select(AuditEntry.at, Organization.name, AuditEntry.actor_role, AuditEntry.action)
        .outerjoin(Organization, Organization.organization_id == AuditEntry.actor_agency)
        .where(
            AuditEntry.personal_id == personal_id,
            AuditEntry.actor_kind == "staff",
            AuditEntry.action.in_(CLIENT_VISIBLE_ACTIONS),
        )
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
    )
    return [AccessEvent(at, agency, role, action) for at, agency, role, action in rows]
