"""What the sharing rule needs to know: refusals in force, and identifying data over time."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.crypto import EncryptedString
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


class IdentityVersion(Base):
    """The client's identifying data as it stood from valid_from until valid_to.

    The importer adds a version whenever the HMIS export brings a change, so "as it stood when the
    refusal took effect" stays answerable after later imports. agency_id is the agency whose user
    made the change (None when the export does not tell).
    """

    __tablename__ = "identity_version"
    __table_args__ = (
        Index("ix_identity_version_person_from", "personal_id", "valid_from"),
        Index("ix_identity_version_name_search", "name_search"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"))
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime)
    valid_to: Mapped[dt.datetime | None] = mapped_column(DateTime)
    agency_id: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    name_suffix: Mapped[str | None] = mapped_column(String(20))
    name_data_quality: Mapped[int | None] = mapped_column(Integer)
    # The name folded for search (lower case, no accents: "jose nunez"), kept when written.
    name_search: Mapped[str | None] = mapped_column(String(320))
    ssn: Mapped[str | None] = mapped_column(EncryptedString(255))
    ssn_data_quality: Mapped[int | None] = mapped_column(Integer)
    dob: Mapped[dt.date | None] = mapped_column(Date)
    dob_data_quality: Mapped[int | None] = mapped_column(Integer)
