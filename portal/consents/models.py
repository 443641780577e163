from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.crypto import EncryptedString
from portal.db import Base


class Consent(Base):
    """A client's written consent to one use: a versioned form, a recipient, a purpose and an
    end date. Signed in the portal or recorded from paper; revoked from a moment on."""

    __tablename__ = "consent"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(11), unique=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # consent_research or consent_other
    form_version_id: Mapped[int] = mapped_column(ForeignKey("notice_version.id"))
    form_language: Mapped[str] = mapped_column(String(10))
    form_text_sha256: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    end_date: Mapped[dt.date] = mapped_column(Date)
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime)
    signed_name: Mapped[str | None] = mapped_column(EncryptedString(500))
    # Who signed: the client, or the head of household for a child.
    signed_by_personal_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(10))  # portal or paper
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    recorder_agency: Mapped[str | None] = mapped_column(String(64), index=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(10))  # client or staff
