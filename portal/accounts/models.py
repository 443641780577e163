from __future__ import annotations

import datetime as dt
import enum
from typing import ClassVar

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.crypto import EncryptedString
from portal.db import Base
from portal.sessions import SessionRecord


class Role(enum.StrEnum):
    AGENCY_STAFF = "agency_staff"
    AGENCY_ADMIN = "agency_admin"
    HMIS_LEAD = "hmis_lead"
    SYSTEM_ADMIN = "system_admin"

    @property
    def needs_agency(self) -> bool:
        return self in (Role.AGENCY_STAFF, Role.AGENCY_ADMIN)

    @property
    def needs_two_step(self) -> bool:
        """DESIGN.md 5: TOTP is required for the roles that see every agency."""
        return self in (Role.HMIS_LEAD, Role.SYSTEM_ADMIN)


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            name="staff_role",
            native_enum=False,
            length=20,
            values_callable=lambda roles: [role.value for role in roles],
        )
    )
    organization_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.organization_id"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # TOTP (RFC 6238): the shared secret, encrypted like SSNs, and the last time step used,
    # so that one code cannot be replayed within its 30 seconds.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString(255))
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # Keyed hash of a one-time set-up token; the token itself is only ever printed once.
    setup_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    setup_token_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    # Set after too many wrong two-step codes (20 an hour); an administrator lifts it.
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    # Flask-Login's user interface. The id it keeps in the browser's session is the token of
    # the server-side session row (set at sign-in and by the user loader), never the user's id:
    # ending the row ends the sign-in. Not a column.
    # A type comment, not an annotation: declarative would try to map an annotated attribute.
    session_token = None  # type: str | None
    is_anonymous: ClassVar[bool] = False

    @property
    def is_authenticated(self) -> bool:
        return self.session_token is not None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.session_token


class StaffSession(SessionRecord, Base):
    """A signed-in staff user. At most one is live per user: a new sign-in ends the old."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)


class RecoveryCode(Base):
    """A one-time recovery code for two-step sign-in, kept only as a keyed hash."""

    __tablename__ = "staff_recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class PolicyAcceptance(Base):
    """A staff user accepted a version of the End User Policy and Code of Ethics."""

    __tablename__ = "policy_acceptance"
    __table_args__ = (UniqueConstraint("staff_user_id", "version_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("notice_version.id"))
    accepted_at: Mapped[dt.datetime] = mapped_column(DateTime)
