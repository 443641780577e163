"""Which notice version is in force, its words in a language, and acknowledgements."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from flask import has_app_context
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from portal.hmis.models import Organization
from portal.notice import published
from portal.notice.models import NoticeAcknowledgement, NoticeText, NoticeVersion
from portal.notice.published import PublishedText, PublishedVersion
from portal.timeutil import utcnow

PRIVACY_NOTICE = "privacy_notice"
FALLBACK_LANGUAGE = "en"
CHANNELS = ("kiosk", "phone", "staff_assisted")


@dataclass(frozen=True)
class NoticeInLanguage:
    version: NoticeVersion | PublishedVersion
    text: NoticeText | PublishedText
    # True when the version has no text in the reader's language and English is shown instead.
    is_fallback: bool


def _published(kind: str) -> Select[tuple[NoticeVersion]]:
    return (
        select(NoticeVersion)
        .where(NoticeVersion.kind == kind, NoticeVersion.published_at.is_not(None))
        .options(selectinload(NoticeVersion.texts))
    )


def current_version(
    session: Session, today: dt.date | None = None, kind: str = PRIVACY_NOTICE
) -> NoticeVersion | None:
    """The newest published version whose effective date has come."""
    today = today or utcnow().date()
    return session.scalars(
        _published(kind)
        .where(NoticeVersion.effective_date <= today)
        .order_by(NoticeVersion.effective_date.desc(), NoticeVersion.number.desc())
        .limit(1)
    ).first()


def current_published(session: Session, kind: str = PRIVACY_NOTICE) -> PublishedVersion | None:
    """The version in force as plain data, kept per process until a publication (see
    portal.notice.published); asked on every client request, read from the database rarely."""
    today = utcnow().date()
    if has_app_context():
        return published.versions().current(session, kind, today)
    found = current_version(session, today, kind=kind)
    return published.copy_of(found) if found is not None else None


def published_versions(session: Session, kind: str = PRIVACY_NOTICE) -> list[NoticeVersion]:
    """Every published version, newest first (the change history)."""
    return list(session.scalars(_published(kind).order_by(NoticeVersion.number.desc())))


def version_by_number(
    session: Session, number: int, kind: str = PRIVACY_NOTICE
) -> NoticeVersion | None:
    return session.scalars(_published(kind).where(NoticeVersion.number == number)).first()


def in_language(version: NoticeVersion | PublishedVersion, language: str) -> NoticeInLanguage:
    texts = {text.language: text for text in version.texts}
    if language in texts:
        return NoticeInLanguage(version, texts[language], is_fallback=False)
    return NoticeInLanguage(version, texts[FALLBACK_LANGUAGE], is_fallback=True)


def needs_acknowledgement(session: Session, personal_id: str) -> PublishedVersion | None:
    """The current version, if this client has not acknowledged it (or anything newer) yet."""
    current = current_published(session)
    if current is None:
        return None
    acknowledged = session.scalar(
        select(NoticeAcknowledgement.id)
        .join(NoticeVersion, NoticeVersion.id == NoticeAcknowledgement.version_id)
        .where(
            NoticeAcknowledgement.personal_id == personal_id,
            NoticeVersion.kind == current.kind,
            NoticeVersion.number >= current.number,
        )
        .limit(1)
    )
    return None if acknowledged else current


def acknowledge(
    session: Session, personal_id: str, version: NoticeVersion | PublishedVersion, channel: str
) -> NoticeAcknowledgement:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    record = NoticeAcknowledgement(
        personal_id=personal_id, version_id=version.id, acknowledged_at=utcnow(), channel=channel
    )
    session.add(record)
    session.flush()
    return record


def load_demo_versions(session: Session, folder: Path, kind: str = PRIVACY_NOTICE) -> int:
    """Publish demo versions of one kind from folder (versions.json + vN.L.md files), once."""
    if session.scalar(select(NoticeVersion.id).where(NoticeVersion.kind == kind).limit(1)):
        return 0
    versions = json.loads((folder / "versions.json").read_text(encoding="utf-8"))
    for entry in versions:
        number = entry["number"]
        version = NoticeVersion(
            kind=kind,
            number=number,
            effective_date=dt.date.fromisoformat(entry["effective_date"]),
            published_at=utcnow(),
        )
        for language, summary in entry["summary"].items():
            version.texts.append(
                NoticeText(
                    language=language,
                    summary_of_changes=summary,
                    in_short=(folder / f"v{number}.{language}.short.md").read_text("utf-8"),
                    body=(folder / f"v{number}.{language}.md").read_text("utf-8"),
                )
            )
        session.add(version)
    session.flush()
    return len(versions)


def load_demo_notice(session: Session, folder: Path) -> int:
    return load_demo_versions(session, folder, PRIVACY_NOTICE)


def partner_agencies(session: Session) -> list[Organization]:
    """The agencies on the public list: imported, not deleted, not hidden by the HMIS lead, and
    never a victim service provider."""
    return list(
        session.scalars(
            select(Organization)
            .where(
                Organization.date_deleted.is_(None),
                Organization.victim_service_provider.is_(False),
                Organization.hidden_from_public.is_(False),
            )
            .order_by(Organization.name, Organization.organization_id)
        )
    )


def partner_list_changed_at(session: Session) -> dt.datetime | None:
    """When the public list last changed: the import's latest change to a listed agency (or its
    deletion), or the HMIS lead's latest edit, whichever is later."""
    organizations = session.scalars(
        select(Organization).where(Organization.victim_service_provider.is_(False))
    )
    moments: list[dt.datetime] = []
    for organization in organizations:
        if organization.public_updated_at:
            moments.append(organization.public_updated_at)
        if organization.date_deleted:
            moments.append(organization.date_deleted)
        elif not organization.hidden_from_public:
            imported = organization.date_updated or organization.date_created
            if imported:
                moments.append(imported)
    return max(moments, default=None)


def organizations_for_lead(session: Session) -> list[Organization]:
    """Every imported organization, listed or not, for the HMIS lead's partner list page."""
    return list(
        session.scalars(
            select(Organization).order_by(Organization.name, Organization.organization_id)
        )
    )


def can_be_listed(organization: Organization) -> bool:
    """Victim service providers and organizations deleted in the HMIS are never listed."""
    return not organization.victim_service_provider and organization.date_deleted is None


def listable_organization(session: Session, organization_id: str) -> Organization | None:
    """The organization the HMIS lead may edit on the public list, if it can be listed at all."""
    organization = session.get(Organization, organization_id)
    return organization if organization and can_be_listed(organization) else None


def update_public_listing(
    session: Session,
    organization: Organization,
    *,
    listed: bool,
    description: str | None,
    contact: str | None,
) -> bool:
    """Keep what the public list shows of one organization; False when nothing changed."""
    wanted = (not listed, description or None, contact or None)
    current = (
        organization.hidden_from_public,
        organization.public_description,
        organization.public_contact,
    )
    if wanted == current:
        return False
    (
        organization.hidden_from_public,
        organization.public_description,
        organization.public_contact,
    ) = wanted
    organization.public_updated_at = utcnow()
    session.flush()
    return True


def last_acknowledged(session: Session, personal_id: str, kind: str = PRIVACY_NOTICE) -> int | None:
    """The number of the newest version this client acknowledged; None if never."""
    return session.scalar(
        select(func.max(NoticeVersion.number))
        .join(NoticeAcknowledgement, NoticeAcknowledgement.version_id == NoticeVersion.id)
        .where(NoticeAcknowledgement.personal_id == personal_id, NoticeVersion.kind == kind)
    )
