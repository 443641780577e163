"""Plain factories with keyword overrides, for synthetic test data."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal.notice.models import NoticeText, NoticeVersion
from portal.timeutil import utcnow


def notice_version(
    session: Session,
    *,
    number: int = 1,
    effective_date: dt.date = dt.date(2021, 1, 1),
    languages: tuple[str, ...] = ("en", "es", "pl"),
    published: bool = True,
    body: str | None = None,
) -> NoticeVersion:
    version = NoticeVersion(
        kind="privacy_notice",
        number=number,
        effective_date=effective_date,
        published_at=utcnow() if published else None,
    )
    for language in languages:
        version.texts.append(
            NoticeText(
                language=language,
                summary_of_changes=f"Changes of version {number} [{language}]",
                in_short=f"- Short point of version {number} [{language}]",
                body=body or f"## Section [{language}]\n\nBody of version {number} [{language}].",
            )
        )
    session.add(version)
    session.commit()
    return version
