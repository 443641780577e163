from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base


class DisclosureEntry(Base):
    """One disclosure outside the HMIS, for one or more clients. Append-only and chained
    (portal/disclosures/chain.py): a wrong entry stays, and a later entry supersedes it."""

    __tablename__ = "disclosure_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)  # the entry's place in the chain
    reference: Mapped[str] = mapped_column(String(11), unique=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime)
    recorder_kind: Mapped[str] = mapped_column(String(10))  # staff or system (a command)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    recorder_role: Mapped[str | None] = mapped_column(String(20))
    recorder_agency: Mapped[str | None] = mapped_column(String(64), index=True)
    disclosed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    recipient_organization: Mapped[str] = mapped_column(String(200))
    recipient_person: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(40))
    items: Mapped[str] = mapped_column(String(300))  # item group keys, comma-separated
    basis: Mapped[str] = mapped_column(Text)  # legal basis or document reference
    consent_reference: Mapped[str | None] = mapped_column(String(11))
    visible_from: Mapped[dt.date | None] = mapped_column(Date)  # delayed by an order until
    supersedes: Mapped[str | None] = mapped_column(String(11))  # the reference it corrects
    prev_hmac: Mapped[str] = mapped_column(String(64))
    hmac: Mapped[str] = mapped_column(String(64), unique=True)

    people: Mapped[list[DisclosurePerson]] = relationship(
        back_populates="entry", order_by="DisclosurePerson.personal_id"
    )

    @property
    def item_keys(self) -> list[str]:
        return [key for key in self.items.split(",") if key]

    @property
    def personal_ids(self) -> list[str]:
        return [person.personal_id for person in self.people]


class DisclosurePerson(Base):
    """A client an entry concerns (a batch names many)."""

    __tablename__ = "disclosure_person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("disclosure_entry.id"), index=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"), index=True)

    entry: Mapped[DisclosureEntry] = relationship(back_populates="people")


class DisclosureHead(Base):
    """One row: the register's last entry. Writers lock it, so the chain never forks."""

    __tablename__ = "disclosure_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hmac: Mapped[str] = mapped_column(String(64))
