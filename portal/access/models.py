from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base
from portal.sessions import SessionRecord


class AccessCode(Base):
    """A client's access code, kept only as a keyed hash; at most one is live per client."""

    __tablename__ = "access_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class ClientSession(SessionRecord, Base):
    """A signed-in client. The browser holds only a random token; this row decides if it works."""

    __tablename__ = "client_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"), index=True)
    access_code_id: Mapped[int] = mapped_column(ForeignKey("access_code.id"))
    device: Mapped[str] = mapped_column(String(10))  # kiosk or personal


class HandOff(Base):
    """A one-time link from a kiosk session to the client's own phone (10 minutes, one use)."""

    __tablename__ = "hand_off"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"), index=True)
    access_code_id: Mapped[int] = mapped_column(ForeignKey("access_code.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
