"""Written consents and their lifecycle.

A consent is in force from its signing until its end date, unless revoked before: revocation is
prospective, like the sharing refusal (what was disclosed while it was in force stays disclosed).
Each household member consents for themselves; the head of household may sign for children under
18 in their household (the same household rule as the sharing forms), never for another adult.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.audit.services import record
from portal.consents.models import Consent
from portal.disclosures.items import OTHER_CONSENT, RESEARCH_CONSENT
from portal.hmis.models import Client
from portal.notice.models import NoticeText, NoticeVersion
from portal.requests.services import new_reference, normalize_reference
from portal.sharing.services import household_children, text_sha256
from portal.timeutil import utcnow

if TYPE_CHECKING:
    from portal.notice.published import PublishedText

CONSENT_KINDS = (RESEARCH_CONSENT, OTHER_CONSENT)
_DEMO = Path(__file__).parent / "demo"
DEMO_CONSENT_FORMS = {RESEARCH_CONSENT: _DEMO / "research", OTHER_CONSENT: _DEMO / "other"}
EXPIRING_WITHIN = dt.timedelta(days=30)
LONGEST = dt.timedelta(days=5 * 366)  # a consent names an end date within five years
CHANNELS = ("portal", "paper")


class Status(enum.StrEnum):
    ACTIVE = "active"
    EXPIRING = "expiring"  # active, ending within 30 days
    EXPIRED = "expired"
    REVOKED = "revoked"


class ConsentRefused(Exception):
    """The consent cannot be recorded (or revoked); code names why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def status_of(consent: Consent, today: dt.date) -> Status:
    if consent.revoked_at is not None:
        return Status.REVOKED
    if consent.end_date < today:
        return Status.EXPIRED
    if consent.end_date <= today + EXPIRING_WITHIN:
        return Status.EXPIRING
    return Status.ACTIVE


def may_sign_for(session: Session, signer_id: str, today: dt.date) -> list[Client]:
    """The signer first, then the children under 18 of households they head."""
    signer = session.get(Client, signer_id)
    if signer is None:
        return []
    return [signer, *household_children(session, signer_id, today)]


def sign_consent(
    session: Session,
    *,
    signer_id: str,
    personal_id: str,
    version: NoticeVersion,
    text: NoticeText | PublishedText,
    recipient: str,
    purpose: str,
    end_date: dt.date,
    signed_name: str,
    channel: str,
    recorded_by_id: int | None = None,
    recorder_agency: str | None = None,
) -> Consent:
    """Record a signed consent, in force from now until end_date."""
    now = utcnow()
    if version.kind not in CONSENT_KINDS or version.published_at is None:
        raise ConsentRefused("wrong_form")
    if channel not in CHANNELS:
        raise ConsentRefused("wrong_channel")
    if session.get(Client, personal_id) is None:
        raise ConsentRefused("unknown_client")
    allowed = {c.personal_id for c in may_sign_for(session, signer_id, now.date())}
    if personal_id not in allowed:
        raise ConsentRefused("not_household")
    if end_date < now.date():
        raise ConsentRefused("end_in_past")
    if end_date > now.date() + LONGEST:
        raise ConsentRefused("end_too_far")
    if not recipient.strip() or not purpose.strip() or not signed_name.strip():
        raise ConsentRefused("incomplete")
    for _attempt in range(5):
        consent = Consent(
            reference=new_reference(),
            personal_id=personal_id,
            kind=version.kind,
            form_version_id=version.id,
            form_language=text.language,
            form_text_sha256=text_sha256(text),
            recipient=recipient.strip(),
            purpose=purpose.strip(),
            end_date=end_date,
            signed_at=now,
            signed_name=signed_name.strip(),
            signed_by_personal_id=signer_id,
            channel=channel,
            recorded_by_id=recorded_by_id,
            recorder_agency=recorder_agency,
        )
        try:
            with session.begin_nested():
                session.add(consent)
                session.flush()
        except IntegrityError:  # a reference collision: draw again
            continue
        return consent
    raise RuntimeError("could not draw a unique consent reference")


def consents_for_client(session: Session, personal_id: str) -> list[Consent]:
    """The client's own consents and those they signed for their children, newest first."""
    return list(
        session.scalars(
            select(Consent)
            .where(
                (Consent.personal_id == personal_id)
                | (Consent.signed_by_personal_id == personal_id)
            )
            .order_by(Consent.signed_at.desc(), Consent.id.desc())
        )
    )


def client_consent(session: Session, personal_id: str, reference: str) -> Consent | None:
    """A consent this client may see and revoke: their own, or one they signed for a child."""
    return next(
        (
            c
            for c in consents_for_client(session, personal_id)
            if c.reference == normalize_reference(reference)
        ),
        None,
    )


def consent_by_reference(session: Session, reference: str) -> Consent | None:
    return session.scalar(
        select(Consent).where(Consent.reference == normalize_reference(reference))
    )


def revoke(session: Session, consent: Consent, by: str) -> bool:
    """Stop the consent from now on, audited; False when it had already ended or been revoked."""
    if status_of(consent, utcnow().date()) in (Status.REVOKED, Status.EXPIRED):
        return False
    consent.revoked_at = utcnow()
    consent.revoked_by = by
    session.flush()
    record(
        session,
        "consent.revoked",
        personal_id=consent.personal_id,
        object_type="consent",
        object_id=consent.reference,
    )
    return True


def active_consent(
    session: Session, personal_id: str, kind: str, on: dt.date, now: dt.datetime | None = None
) -> Consent | None:
    """A consent of this kind in force on that day and not revoked by now (revocation is
    prospective: a consent revoked after the day still covered it, but nothing is recorded
    under a consent the client has already withdrawn)."""
    now = now or utcnow()
    candidates = session.scalars(
        select(Consent)
        .where(
            Consent.personal_id == personal_id,
            Consent.kind == kind,
            Consent.revoked_at.is_(None),
            Consent.end_date >= on,
        )
        .order_by(Consent.signed_at.desc())
    )
    return next((c for c in candidates if c.signed_at.date() <= on <= c.end_date), None)


@dataclass(frozen=True)
class ConsentCounts:
    active: int
    expiring: int
    expired: int
    revoked: int


def consent_counts(session: Session, today: dt.date, agency: str | None = None) -> ConsentCounts:
    """How many consents are active (more than 30 days left), expiring, expired and revoked;
    agency: only those recorded by that agency's staff."""
    statement = select(Consent)
    if agency is not None:
        statement = statement.where(Consent.recorder_agency == agency)
    tally = dict.fromkeys(Status, 0)
    for consent in session.scalars(statement):
        tally[status_of(consent, today)] += 1
    return ConsentCounts(
        tally[Status.ACTIVE], tally[Status.EXPIRING], tally[Status.EXPIRED], tally[Status.REVOKED]
    )


def consents_for_staff(session: Session, agency: str | None, limit: int = 200) -> list[Consent]:
    """The newest consents: every one for the HMIS lead (agency None), else those the agency's
    staff recorded on paper."""
    statement = select(Consent).order_by(Consent.signed_at.desc(), Consent.id.desc()).limit(limit)
    if agency is not None:
        statement = statement.where(Consent.recorder_agency == agency)
    return list(session.scalars(statement))
