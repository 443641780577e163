"""The audit browser's units of work, each audited and committed here: the views parse the
input, call one of these, and render."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit.chain import chain_pending
from portal.audit.models import AuditEntry
from portal.audit.services import AuditFilter, audit_page, record
from portal.audit.verification import AuditVerification, start_verification
from portal.requests.models import Request
from portal.requests.services import normalize_reference


def client_of(session: Session, typed: str) -> str | None:
    """The personal id typed, or the client of the request whose reference was typed."""
    typed = typed.strip()
    if not typed:
        return None
    reference = normalize_reference(typed)
    if reference:
        found = session.scalar(select(Request.personal_id).where(Request.reference == reference))
        if found:
            return found
    return typed


def browse(
    session: Session, key: bytes, filters: AuditFilter, before: int | None
) -> tuple[list[AuditEntry], int | None]:
    """A page of entries (audit_page), the viewing audited after it is read.

    Entries written in the last moment get their place in the chain (their number) first,
    unless the chainer is at it: then they show without one for a second."""
    chain_pending(session, key, wait=False)
    entries, older = audit_page(session, filters, before)
    record(session, "audit.viewed")
    session.commit()
    return entries, older


def note_exported(session: Session) -> None:
    record(session, "audit.exported")
    session.commit()


def start_check(session: Session, staff_user_id: int) -> AuditVerification:
    """A new check of the whole chain, recorded and audited (the caller starts it running)."""
    check = start_verification(session, staff_user_id)
    record(session, "audit.verified", object_type="audit_verification", object_id=check.id)
    session.commit()
    return check
