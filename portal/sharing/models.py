"""What the sharing rule needs to know: the refusals and restores in force (identifying data
over time, IdentityVersion, is the record's: portal/hmis/models.py)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base

if TYPE_CHECKING:
    from portal.requests.models import Request


class SharingChange(Base):
    """A refusal or restore in force for one person from a moment on (DESIGN.md 3).

    One row per covered person of a signed form: a parent's refusal covers their children.
    """

    __tablename__ = "sharing_change"
    __table_args__ = (Index("ix_sharing_change_person_time", "personal_id", "effective_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    refused: Mapped[bool] = mapped_column(Boolean)  # True: refusal; False: restore
    effective_at: Mapped[dt.datetime] = mapped_column(DateTime)

    request: Mapped[Request] = relationship(back_populates="covered")
