"""Which notice version is in force, its words in a language, and acknowledgements."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from portal.hmis.models import Organization
from portal.notice.models import NoticeAcknowledgement, NoticeText, NoticeVersion
from portal.timeutil import utcnow

PRIVACY_NOTICE = "privacy_notice"
FALLBACK_LANGUAGE = "en"
CHANNELS = ("kiosk", "phone", "staff_assisted")


@dataclass(frozen=True)
class NoticeInLanguage:
    version: NoticeVersion
    text: NoticeText
    # True when the version has no text in the reader's language and English is shown instead.
    is_fallback: bool


def _published(kind: str) -> select:  # type: ignore[type-arg]
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


def published_versions(session: Session, kind: str = PRIVACY_NOTICE) -> list[NoticeVersion]:
    """Every published version, newest first (the change history)."""
    return list(session.scalars(_published(kind).order_by(NoticeVersion.number.desc())))


def version_by_number(
    session: Session, number: int, kind: str = PRIVACY_NOTICE
) -> NoticeVersion | None:
    return session.scalars(_published(kind).where(NoticeVersion.number == number)).first()


def in_language(version: NoticeVersion, language: str) -> NoticeInLanguage:
    texts = {text.language: text for text in version.texts}
    if language in texts:
        return NoticeInLanguage(version, texts[language], is_fallback=False)
    return NoticeInLanguage(version, texts[FALLBACK_LANGUAGE], is_fallback=True)


def needs_acknowledgement(session: Session, personal_id: str) -> NoticeVersion | None:
    """The current version, if this client has not acknowledged it (or anything newer) yet."""
    current = current_version(session)
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
    session: Session, personal_id: str, version: NoticeVersion, channel: str
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
    """The agencies that share data in the HMIS (never victim service providers)."""
    return list(
        session.scalars(
            select(Organization)
            .where(
                Organization.date_deleted.is_(None),
                Organization.victim_service_provider.is_(False),
            )
            .order_by(Organization.name)
        )
    )


def partner_list_changed_at(session: Session) -> dt.datetime | None:
    return session.scalar(
        select(func.max(Organization.date_updated)).where(Organization.date_deleted.is_(None))
    )
