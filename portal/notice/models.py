from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base


class NoticeVersion(Base):
    """One version of a notice. Published versions never change: a correction is a new version."""

    __tablename__ = "notice_version"
    __table_args__ = (UniqueConstraint("kind", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "privacy_notice" now; the refusal and restore forms and the staff policy take this shape too.
    kind: Mapped[str] = mapped_column(String(30), default="privacy_notice")
    number: Mapped[int] = mapped_column(Integer)
    effective_date: Mapped[dt.date] = mapped_column(Date)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The lead confirmed that languages without a text fall back to English (shown as such).
    english_fallback_confirmed: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    texts: Mapped[list[NoticeText]] = relationship(
        back_populates="version", cascade="all, delete-orphan"
    )


class NoticeText(Base):
    """A version's words in one language: what changed, the plain summary, the full text."""

    __tablename__ = "notice_text"
    __table_args__ = (UniqueConstraint("version_id", "language"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("notice_version.id"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    summary_of_changes: Mapped[str] = mapped_column(Text)
    # A few plain words on what changed, written when publishing; shown before a client is
    # asked to acknowledge the new version (optional until the lead's form requires it).
    what_changed: Mapped[str | None] = mapped_column(Text)
    in_short: Mapped[str] = mapped_column(Text)  # Markdown
    body: Mapped[str] = mapped_column(Text)  # Markdown

    version: Mapped[NoticeVersion] = relationship(back_populates="texts")


class NoticeAcknowledgement(Base):
    """A client read and acknowledged a version: who, which, when, where."""

    __tablename__ = "notice_acknowledgement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("notice_version.id"))
    acknowledged_at: Mapped[dt.datetime] = mapped_column(DateTime)
    channel: Mapped[str] = mapped_column(String(20))  # kiosk, phone, staff_assisted
