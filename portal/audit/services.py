"""Recording what happened. Callers name the action and the client it concerns; the actor comes
from the request (or is the system, for commands)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from portal.audit import chain
from portal.audit.models import AuditEntry
from portal.hmis.models import Organization

if TYPE_CHECKING:
    from portal.accounts.models import StaffUser


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
    from portal import device

    kind = device.device_kind() if has_request_context() else "cli"
    return Actor("staff", str(user.id), user.role.value, user.organization_id, kind)


def current_actor() -> Actor:
    """Who is acting in this request: the staff user, else the client, else nobody yet."""
    if not has_request_context():
        return SYSTEM
    from portal import device

    kind = device.device_kind()
    from flask_login import current_user

    if current_user and current_user.is_authenticated:  # the StaffUser of this request
        return staff_actor(current_user)
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
) -> None:
    """Append an entry in the caller's transaction (it commits with the action it records)."""
    who = actor or current_actor()
    key = current_app.config["PORTAL"].audit_key.encode()
    chain.append(
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


def init_app(app: Flask) -> None:
    """On PostgreSQL, each server process runs the chainer's short loop (chain.start_chainer),
    started at its first request, after gunicorn forked it. Off in tests (they chain when they
    mean to) and with PORTAL_AUDIT_CHAINER=0 (where `flask audit chain --follow` does it)."""
    wanted = os.environ.get("PORTAL_AUDIT_CHAINER", "1") != "0"
    app.config.setdefault("AUDIT_CHAINER", wanted and not app.testing)
    engine = app.extensions["portal.engine"]
    if not app.config["AUDIT_CHAINER"] or engine.dialect.name == "sqlite":
        return
    key = app.config["PORTAL"].audit_key.encode()

    @app.before_request
    def _start_chainer() -> None:
        chain.start_chainer(engine, key)


@dataclass(frozen=True)
class AccessEvent:
    at: dt.datetime
    agency: str | None
    role: str | None
    action: str


# What staff did with a client's record, as the client may see it (never who, by name).
CLIENT_VISIBLE_ACTIONS = (
    "client.identity_viewed",
    "client.record_opened",
    "client.ssn_revealed_by_staff",
    "staff.request_viewed",
    "request.decided",
    "request.submitted",
    "access_code.issued",
    "access_code.replaced",
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
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return [AccessEvent(at, agency, role, action) for at, agency, role, action in rows]


@dataclass(frozen=True)
class AuditFilter:
    personal_id: str | None = None
    staff_user_id: str | None = None
    agency: str | None = None
    action: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive


PAGE_SIZE = 50


def _filtered(filters: AuditFilter) -> Select[tuple[AuditEntry]]:
    statement = select(AuditEntry)
    if filters.personal_id:
        statement = statement.where(AuditEntry.personal_id == filters.personal_id)
    if filters.staff_user_id:
        statement = statement.where(
            AuditEntry.actor_kind == "staff", AuditEntry.actor_id == filters.staff_user_id
        )
    if filters.agency:
        statement = statement.where(AuditEntry.actor_agency == filters.agency)
    if filters.action:
        statement = statement.where(AuditEntry.action == filters.action)
    if filters.date_from:
        statement = statement.where(AuditEntry.at >= filters.date_from)
    if filters.date_to:
        next_day = filters.date_to + dt.timedelta(days=1)
        statement = statement.where(AuditEntry.at < next_day)
    return statement


def audit_page(
    session: Session, filters: AuditFilter, before: int | None = None
) -> tuple[list[AuditEntry], int | None]:
    """Newest first, PAGE_SIZE at a time (keyset on id, the order entries were written in, so
    an entry shows before the chainer gives it its place; as fast on page 1,000 as on page 1);
    returns the entries and the id to continue before, if there are more."""
    statement = _filtered(filters).order_by(AuditEntry.id.desc()).limit(PAGE_SIZE + 1)
    if before is not None:
        statement = statement.where(AuditEntry.id < before)
    entries = list(session.scalars(statement))
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    return entries, (entries[-1].id if more and entries else None)


def audit_rows(session: Session, filters: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching entry, oldest first, streamed (for the CSV export)."""
    statement = _filtered(filters).order_by(AuditEntry.id).execution_options(yield_per=2000)
    result = session.scalars(statement)
    try:
        yield from result
    finally:
        result.close()


KNOWN_ACTIONS = (
    "access_code.issued",
    "access_code.replaced",
    "access_code.revoked",
    "audit.exported",
    "audit.verified",
    "audit.viewed",
    "client.access_log_viewed",
    "client.accounting_downloaded",
    "client.consents_viewed",
    "client.hand_off_created",
    "client.hand_off_failed",
    "client.hand_off_used",
    "client.identity_viewed",
    "client.page_viewed",
    "client.record_downloaded",
    "client.record_opened",
    "client.record_viewed",
    "client.request_viewed",
    "client.requests_viewed",
    "client.searched",
    "client.sign_in_failed",
    "client.sign_in_hold_lifted",
    "client.sign_in_limited",
    "client.signed_in",
    "client.signed_out",
    "client.ssn_revealed",
    "client.ssn_revealed_by_staff",
    "consent.recorded",
    "consent.revoked",
    "consent.signed",
    "disclosure.recorded",
    "hmis.changes_exported",
    "hmis.changes_previewed",
    "hmis.exchange_viewed",
    "hmis.import_accepted",
    "hmis.import_outcomes_downloaded",
    "hmis.import_refused",
    "hmis.import_stopped",
    "hmis.imported",
    "keys.rotated",
    "keys.ssn_rotated",
    "kiosk.registered",
    "notice.acknowledged",
    "notice.draft_deleted",
    "notice.draft_saved",
    "notice.published",
    "partners.updated",
    "policy.accepted",
    "queue.exported",
    "queue.viewed",
    "reports.exported",
    "reports.viewed",
    "request.acknowledged",
    "request.assigned",
    "request.claimed",
    "request.closed",
    "request.decided",
    "request.escalated",
    "request.escalation_recorded",
    "request.extended",
    "request.message_sent",
    "request.note_added",
    "request.record_printed",
    "request.released",
    "request.responded",
    "request.statement_added",
    "request.submitted",
    "request.withdrawn",
    "retention.purged",
    "retention.schedule_changed",
    "sharing.receipt_downloaded",
    "sharing.refused",
    "sharing.restored",
    "staff.recovery_code_used",
    "staff.recovery_codes_made",
    "staff.request_viewed",
    "staff.sign_in_failed",
    "staff.sign_in_locked",
    "staff.signed_in",
    "staff.signed_out",
    "staff.two_step_enrolled",
    "staff.two_step_failed",
    "staff_user.created",
    "staff_user.disabled",
    "staff_user.enabled",
    "staff_user.locked",
    "staff_user.reset",
    "staff_user.two_step_reset",
    "staff_user.unlocked",
    "staff_user.updated",
)
