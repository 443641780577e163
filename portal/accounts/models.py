from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class Role(enum.StrEnum):
    AGENCY_STAFF = "agency_staff"
    AGENCY_ADMIN = "agency_admin"
    HMIS_LEAD = "hmis_lead"
    SYSTEM_ADMIN = "system_admin"

    @property
    def needs_agency(self) -> bool:
        return self in (Role.AGENCY_STAFF, Role.AGENCY_ADMIN)


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
    # Keyed hash of a one-time set-up token; the token itself is only ever printed once.
    setup_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    setup_token_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
