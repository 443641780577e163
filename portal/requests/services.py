"""Creating requests and moving them along (DESIGN.md 4). Views and commands call these; each
change appends a timeline event and leaves committing to the caller."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.hmis.models import Enrollment
from portal.requests.models import Channel, Request, RequestEvent, RequestType, Status
from portal.sharing.rule import enrollment_agency
from portal.timeutil import utcnow

REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: nothing looks alike

DEFAULT_DUE = {
    RequestType.PRINTED_COPY: dt.timedelta(days=30),
    RequestType.CORRECTION: dt.timedelta(days=60),
    RequestType.SHARING_REFUSAL: dt.timedelta(days=7),
    RequestType.SHARING_RESTORE: dt.timedelta(days=7),
    RequestType.COMPLAINT: dt.timedelta(days=30),
}
FIRST_STATUS = {
    RequestType.PRINTED_COPY: Status.SUBMITTED,
    RequestType.CORRECTION: Status.SUBMITTED,
    RequestType.SHARING_REFUSAL: Status.IN_FORCE,
    RequestType.SHARING_RESTORE: Status.IN_FORCE,
    RequestType.COMPLAINT: Status.RECEIVED,
}
# Not decided yet: staff may extend or decide it, and the client may still withdraw it.
UNDECIDED = frozenset({Status.SUBMITTED, Status.RECEIVED, Status.IN_REVIEW})
WITHDRAWABLE = UNDECIDED
# Still needing someone's action (a responded complaint may be closed or escalated).
OPEN = frozenset(
    {
        Status.SUBMITTED,
        Status.RECEIVED,
        Status.IN_REVIEW,
        Status.IN_FORCE,
        Status.RESPONDED,
        Status.ESCALATED,
    }
)
# HUD's reasons for denying access or a correction (DESIGN.md 4).
DENIAL_REASONS = (
    "litigation",
    "another_individual",
    "confidential_source",
    "endangers_safety",
    "accurate_complete",
    "repeated_harassing",
)


class RequestRefused(Exception):
    """The request cannot be made or changed as asked; the message says why, plainly."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def new_reference() -> str:
    """Nine Crockford base32 characters in three groups (e.g. K7M-4Q2-XD9): 45 random bits."""
    raw = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(9))
    return f"{raw[:3]}-{raw[3:6]}-{raw[6:]}"


def normalize_reference(typed: str) -> str:
    kept = "".join(ch for ch in typed.upper() if ch.isalnum())
    kept = kept.translate(str.maketrans("OILU", "011V"))
    return f"{kept[:3]}-{kept[3:6]}-{kept[6:9]}" if len(kept) == 9 else ""


def new_submission_key() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Author:
    """Who adds an event: the client, a staff user, the system, or an anonymous complainant."""

    kind: str
    staff_id: int | None = None
    agency: str | None = None


CLIENT_AUTHOR = Author("client")
SYSTEM_AUTHOR = Author("system")


def add_event(
    request: Request,
    kind: str,
    author: Author,
    *,
    body: str | None = None,
    client_visible: bool = True,
    at: dt.datetime | None = None,
) -> RequestEvent:
    event = RequestEvent(
        at=at or utcnow(),
        kind=kind,
        actor_kind=author.kind,
        actor_id=author.staff_id,
        actor_agency=author.agency,
        client_visible=client_visible,
        body=body,
    )
    request.events.append(event)
    return event


_SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{20,43}")


def usable_key(key: str | None) -> str | None:
    """The form's submission key if it is one we made (43 URL-safe characters); else None."""
    return key if key and _SUBMISSION_KEY.fullmatch(key) else None


def by_reference(session: Session, reference: str) -> Request | None:
    return session.scalars(select(Request).where(Request.reference == reference)).first()


def by_submission_key(session: Session, key: str | None) -> Request | None:
    key = usable_key(key)
    if key is None:
        return None
    return session.scalars(select(Request).where(Request.submission_key == key)).first()


def open_request(
    session: Session,
    request_type: RequestType,
    *,
    personal_id: str | None,
    channel: Channel,
    author: Author,
    submission_key: str | None = None,
    agency_id: str | None = None,
    language: str = "en",
    key_checked: bool = False,
    **fields: object,
) -> Request:
    """A new request with a unique reference, its first status, due date and timeline event.

    A second send of the same form (same submission_key) returns the first request instead
    (key_checked: the caller looked for it already, in this transaction).
    """
    submission_key = usable_key(submission_key)
    earlier = None if key_checked else by_submission_key(session, submission_key)
    if earlier is not None:
        if earlier.personal_id != personal_id:
            raise RequestRefused("stale_form")
        return earlier
    now = utcnow()
    for _attempt in range(5):
        request = Request(
            reference=new_reference(),
            type=request_type,
            status=FIRST_STATUS[request_type],
            channel=channel,
            personal_id=personal_id,
            agency_id=agency_id,
            language=language,
            submitted_at=now,
            due_at=now + DEFAULT_DUE[request_type],
            submission_key=submission_key,
            entered_by_id=author.staff_id,
            **fields,
        )
        add_event(request, "submitted", author, at=now)
        try:
            with session.begin_nested():
                session.add(request)
                session.flush()
        except IntegrityError:
            # A reference collision (1 in 35 trillion) or the same form sent twice at once.
            earlier = by_submission_key(session, submission_key)
            if earlier is not None:
                return earlier
            continue
        return request
    raise RuntimeError("could not draw a unique reference number")


def client_requests(session: Session, personal_id: str) -> list[Request]:
    return list(
        session.scalars(
            select(Request)
            .where(Request.personal_id == personal_id)
            .order_by(Request.submitted_at.desc(), Request.id.desc())
        )
    )


def client_request(session: Session, personal_id: str, reference: str) -> Request | None:
    """The client's own request with that reference; None for anyone else's."""
    return session.scalars(
        select(Request).where(
            Request.reference == normalize_reference(reference),
            Request.personal_id == personal_id,
        )
    ).first()


def withdraw(request: Request, author: Author) -> None:
    if request.status not in WITHDRAWABLE:
        raise RequestRefused("already_decided")
    request.status = Status.WITHDRAWN
    request.decided_at = utcnow()
    add_event(request, "withdrawn", author)


def is_overdue(request: Request, now: dt.datetime | None = None) -> bool:
    """Open, and its due day has passed where the portal is (as the queue counts it)."""
    from portal.i18n import local_date  # the county's days; i18n reads the app's settings

    return request.status in OPEN and local_date(request.due_at) < local_date(now or utcnow())


def can_escalate(request: Request, now: dt.datetime | None = None) -> bool:
    """A complaint after its answer, or any request whose answer is late, may be escalated once."""
    if request.escalated_at is not None or request.status is Status.ESCALATED:
        return False
    if request.type is RequestType.COMPLAINT and request.status is Status.RESPONDED:
        return True
    return request.status in WITHDRAWABLE and (now or utcnow()) > request.due_at


def escalate(request: Request, author: Author) -> None:
    """A complaint goes to County Community Services; another late request to the HMIS lead,
    who sees it marked (escalated_at) in the queue while it stays with the agency."""
    if not can_escalate(request):
        raise RequestRefused("not_escalable")
    request.escalated_at = utcnow()
    if request.type is RequestType.COMPLAINT:
        request.status = Status.ESCALATED
        add_event(request, "escalated", author)
    else:
        add_event(request, "escalated_late", author)


def mark_seen_by_client(session: Session, request: Request) -> None:
    """The client opened the request. A bulk update leaves its version alone, so a staff
    member's open page on it does not turn stale because the client looked."""
    session.execute(
        update(Request)
        .where(Request.id == request.id)
        .values(client_seen_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def has_news(request: Request) -> bool:
    """Something the client can see happened since they last opened the request."""
    seen = request.client_seen_at or request.submitted_at
    return any(
        event.client_visible and event.at > seen and event.actor_kind != "client"
        for event in request.events
    )


def audit_request(session: Session, action: str, request: Request) -> None:
    """Record an action on a request in the audit trail: its client and reference, no content."""
    from portal.audit.services import record

    record(
        session,
        action,
        personal_id=request.personal_id,
        object_type="request",
        object_id=request.reference,
    )


def printed_copy_agency(session: Session, personal_id: str) -> str | None:
    """The agency whose queue gets a client's printed-copy request: that of the client's newest
    enrollment, where the copy is picked up (None without one: the HMIS lead's queue)."""
    enrollment = session.scalars(
        select(Enrollment)
        .where(Enrollment.personal_id == personal_id, Enrollment.date_deleted.is_(None))
        .order_by(Enrollment.entry_date.desc())
        .limit(1)
    ).first()
    return enrollment_agency(enrollment) if enrollment else None
