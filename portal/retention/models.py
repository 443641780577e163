from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class RetentionRule(Base):
    """How long one type of personal data is kept after the client's last enrollment activity.
    A type without a row keeps the default (7 years, HUD's 2004 standards)."""

    __tablename__ = "retention_rule"

    data_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    years: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))


class RetentionPurge(Base):
    """One type of a client's personal data was purged: when, under which rule. The client's row
    stays as a de-identified stub, so reports and the audit trail still add up."""

    __tablename__ = "retention_purge"
    __table_args__ = (UniqueConstraint("personal_id", "data_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"), index=True)
    data_type: Mapped[str] = mapped_column(String(30))
    years: Mapped[int] = mapped_column(Integer)
    purged_at: Mapped[dt.datetime] = mapped_column(DateTime)
