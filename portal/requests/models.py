"""One request model for every right a client uses (DESIGN.md 4).

A request has a type, a human reference number, a channel, a status, a due date, and a timeline of
events; the columns of the other types stay empty. Values that may be identifying (what a
correction asks for, how to reach a complainant, the name typed as a signature) are encrypted
like SSNs.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

if TYPE_CHECKING:
    from portal.sharing.models import SharingChange

from portal.crypto import EncryptedString
from portal.db import Base


class RequestType(enum.StrEnum):
    PRINTED_COPY = "printed_copy"
    CORRECTION = "correction"
    SHARING_REFUSAL = "sharing_refusal"
    SHARING_RESTORE = "sharing_restore"
    COMPLAINT = "complaint"


class Status(enum.StrEnum):
    SUBMITTED = "submitted"
    RECEIVED = "received"  # complaints
    IN_FORCE = "in_force"  # sharing refusal / restore, from signing
    IN_REVIEW = "in_review"
    COMPLETED = "completed"
    APPROVED = "approved"
    PARTLY_APPROVED = "partly_approved"
    DENIED = "denied"
    ACKNOWLEDGED = "acknowledged"
    RESPONDED = "responded"
    ESCALATED = "escalated"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Channel(enum.StrEnum):
    KIOSK = "kiosk"
    PHONE = "phone"  # the client's own phone or computer, signed in
    IN_PERSON = "in_person"
    TELEPHONE = "telephone"  # a staff member took it by telephone
    PAPER = "paper"
    MAIL = "mail"
    WEB = "web"  # the public complaint form, without signing in


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class Request(Base):
    __tablename__ = "request"
    __table_args__ = (
        Index("ix_request_status_due", "status", "due_at"),
        # The agency queue in due order: the filters, then the sort key, with what the filters
        # after them read carried in the index (PostgreSQL), so a page reads about its own rows.
        Index(
            "ix_request_queue",
            "agency_id",
            "type",
            "due_at",
            "id",
            postgresql_include=["status", "claimed_by_id"],
        ),
        # The HMIS lead's queue (every agency) in each order it offers.
        Index("ix_request_due_id", "due_at", "id"),
        Index("ix_request_submitted_id", "submitted_at", "id"),
        Index("ix_request_client_item", "personal_id", "item_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(11), unique=True)
    type: Mapped[RequestType] = mapped_column(_enum(RequestType, "request_type"))
    status: Mapped[Status] = mapped_column(_enum(Status, "request_status"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel, "request_channel"))
    # None only for a complaint sent without signing in.
    personal_id: Mapped[str | None] = mapped_column(ForeignKey("client.personal_id"), index=True)
    # The agency whose queue the request is in (None: the HMIS lead's).
    agency_id: Mapped[str | None] = mapped_column(
        ForeignKey("organization.organization_id"), index=True
    )
    language: Mapped[str] = mapped_column(String(10), default="en")
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # A random key from the form the client sent: sending the same form twice makes one request.
    submission_key: Mapped[str | None] = mapped_column(String(43), unique=True)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    # Optimistic locking: a claim or decision made on a stale page is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Correction: which item, what it is, what it should be, why.
    item_key: Mapped[str | None] = mapped_column(String(100))
    current_value: Mapped[str | None] = mapped_column(EncryptedString(2000))
    requested_value: Mapped[str | None] = mapped_column(EncryptedString(2000))
    reason: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    corrected_value: Mapped[str | None] = mapped_column(EncryptedString(2000))
    # The HUD codes of the value recorded for a coded item (";" between several): what the
    # changes export writes in the item's HUD columns.
    corrected_code: Mapped[str | None] = mapped_column(String(200))
    # A coded item's new value as HUD codes of its list (";" between several), so staff can
    # apply it as HUD writes it (portal.hmis.items).
    requested_code: Mapped[str | None] = mapped_column(String(200))
    # When the client last opened the request: later news shows a "changed" badge on my page.
    client_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    # Decision: one of HUD's reasons (a code) and an explanation in plain words.
    denial_reason: Mapped[str | None] = mapped_column(String(40))
    decision_explanation: Mapped[str | None] = mapped_column(Text)
    disagreement: Mapped[str | None] = mapped_column(Text)
    disagreement_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    # Complaint.
    category: Mapped[str | None] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    contact_method: Mapped[str | None] = mapped_column(String(20))
    contact_details: Mapped[str | None] = mapped_column(EncryptedString(1000))
    complainant_name: Mapped[str | None] = mapped_column(EncryptedString(500))
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    escalation_outcome: Mapped[str | None] = mapped_column(Text)
    # An escalation is decided by someone other than whoever made the first decision.
    escalation_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    first_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # A printed copy: who last printed the client's record for it, and when.
    printed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # How the printed copy reached the client: "handed_over" or "mailed".
    handover: Mapped[str | None] = mapped_column(String(20))

    # Sharing refusal / restore: the exact form signed, and how.
    form_version_id: Mapped[int | None] = mapped_column(ForeignKey("notice_version.id"))
    form_language: Mapped[str | None] = mapped_column(String(10))
    form_text_sha256: Mapped[str | None] = mapped_column(String(64))
    signed_name: Mapped[str | None] = mapped_column(EncryptedString(500))
    drawn_signature: Mapped[str | None] = mapped_column(Text)  # SVG path data, optional
    signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # When an approved correction or a sharing change went out to the HMIS of record.
    exported_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )
    covered: Mapped[list[SharingChange]] = relationship(
        back_populates="request", order_by="SharingChange.id"
    )

    # Any, as DeclarativeBase declares it (a ClassVar would clash with that declaration).
    __mapper_args__: Any = {"version_id_col": version}  # noqa: RUF012


class RequestEvent(Base):
    """One step in a request's timeline. Internal notes are events the client never sees."""

    __tablename__ = "request_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("request.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(30))
    actor_kind: Mapped[str] = mapped_column(String(10))  # client, staff, system, anonymous
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    actor_agency: Mapped[str | None] = mapped_column(String(64))
    client_visible: Mapped[bool] = mapped_column(Boolean, default=True)
    body: Mapped[str | None] = mapped_column(Text)

    request: Mapped[Request] = relationship(back_populates="events")


class WithheldItem(Base):
    """An item of a client's record withheld from them under a HUD exception, with the reason."""

    __tablename__ = "withheld_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"), index=True)
    item_key: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(40))
    explanation: Mapped[str | None] = mapped_column(Text)
    withheld_at: Mapped[dt.datetime] = mapped_column(DateTime)
    withheld_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    lifted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class SavedQueueView(Base):
    """A staff user's named set of queue filters (the query string of the queue's URL)."""

    __tablename__ = "saved_queue_view"
    __table_args__ = (UniqueConstraint("staff_user_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    query: Mapped[str] = mapped_column(String(500))


class FormDraft(Base):
    """A client's answers between a form and its check page (Post/Redirect/Get): the check page
    is a page of its own, so Back and reload never send anything again. Encrypted, keyed by the
    form's random submission key, owned by the client (or the device) that typed them, and
    gone once sent or a day later."""

    __tablename__ = "form_draft"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(43), unique=True)
    kind: Mapped[str] = mapped_column(String(120))  # "complaint", "correction:identity.dob"
    owner: Mapped[str] = mapped_column(String(64))  # a personal id, or a device's hash
    answers: Mapped[str] = mapped_column(EncryptedString())  # JSON: name -> list of values
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
