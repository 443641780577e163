from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base

# SQLite numbers rows itself only in an INTEGER PRIMARY KEY; PostgreSQL gets a BIGSERIAL.
_ROW_ID = BigInteger().with_variant(Integer, "sqlite")


class AuditEntry(Base):
    """Who did what to which client's data, when and from where. Never a value of personal data:
    ids, roles and names of actions only.

    A writer only inserts: `id` comes from a sequence, so writers never wait for one another.
    The chainer (portal.audit.chain.chain_pending) then gives each entry its place in the chain
    (`seq`, 1, 2, 3, ... without gaps) and its HMAC, in `id` order; until then seq is None.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        # The chainer's work list: the few entries not chained yet, whatever the table's size.
        Index(
            "ix_audit_entry_unchained",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(_ROW_ID, primary_key=True)
    seq: Mapped[int | None] = mapped_column(Integer, unique=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor_kind: Mapped[str] = mapped_column(String(10))  # client, staff, system, anonymous
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    actor_agency: Mapped[str | None] = mapped_column(String(64), index=True)
    device: Mapped[str | None] = mapped_column(String(10))  # kiosk, personal, cli
    action: Mapped[str] = mapped_column(String(40), index=True)
    personal_id: Mapped[str | None] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(30))
    object_id: Mapped[str | None] = mapped_column(String(64))
    # The writer's HMAC over the entry's own fields: the chainer chains only what the portal
    # wrote, never a row slipped into the table by someone without the key.
    writer_hmac: Mapped[str | None] = mapped_column(String(64))  # None on entries before 0015
    prev_hmac: Mapped[str | None] = mapped_column(String(64))
    hmac: Mapped[str | None] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row: the chain's last entry. Only the chainer locks it, so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hmac: Mapped[str] = mapped_column(String(64))
