"""What staff do with a request: claim, release, note, message, extend, decide (DESIGN.md 4).

Every change names the version of the request the staff member saw. If the request changed since
(another claim, another decision), the change is refused with a clear reason, never applied over
someone else's. The database enforces the same at commit time (the request's version column), so
two people acting at the same moment cannot both win.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from portal.accounts.models import StaffUser
from portal.requests import corrections
from portal.requests.models import Request, RequestType, Status
from portal.requests.services import (
    DENIAL_REASONS,
    FIRST_STATUS,
    UNDECIDED,
    Author,
    RequestRefused,
    add_event,
)
from portal.timeutil import utcnow

EXTENSION = dt.timedelta(days=30)
# County Community Services' decision on an escalated complaint has its own time limit.
ESCALATION_DUE = dt.timedelta(days=30)
HANDOVER_METHODS = ("handed_over", "mailed")

# Messages staff send often, written once and translated, so the client reads them in their
# language. Stored as "std:<key>"; anything else is the staff member's own words.
STANDARD_MESSAGES = {
    "more_information": _l(
        "We need a little more information. Please call the help desk or visit the agency."
    ),
    "bring_id": _l("Please bring an ID or another paper that shows the right information."),
    "copy_ready": _l("Your printed copy is ready. Ask for it at the agency front desk."),
    "looking_into_it": _l("We are looking into this. We will write here when we know more."),
}


def staff_author(user: StaffUser) -> Author:
    return Author("staff", staff_id=user.id, agency=user.organization_id)


def _check(request: Request, user: StaffUser, seen_version: int) -> None:
    if request.version != seen_version:
        raise RequestRefused("stale_page")
    if request.claimed_by_id not in (None, user.id):
        raise RequestRefused("claimed_by_other")


def claim(request: Request, user: StaffUser, seen_version: int) -> None:
    _check(request, user, seen_version)
    if request.claimed_by_id == user.id:
        return
    request.claimed_by_id, request.claimed_at = user.id, utcnow()
    start_review(request)
    add_event(request, "claimed", staff_author(user))


def start_review(request: Request) -> None:
    """Someone works on it now: a waiting request is being reviewed."""
    if request.status in (Status.SUBMITTED, Status.RECEIVED):
        request.status = Status.IN_REVIEW


def unclaim(
    request: Request, author: Author, *, body: str | None = None, kind: str = "released"
) -> None:
    """Nobody works on it any more: back in the queue, and the client sees it received again,
    not being reviewed."""
    if request.claimed_by_id is None:
        return
    request.claimed_by_id = request.claimed_at = None
    if request.status is Status.IN_REVIEW:
        request.status = FIRST_STATUS[request.type]
    add_event(request, kind, author, body=body, client_visible=False)


def release(request: Request, user: StaffUser, seen_version: int) -> None:
    _check(request, user, seen_version)
    unclaim(request, staff_author(user))


def add_note(request: Request, user: StaffUser, text: str) -> None:
    """An internal note: never shown to the client."""
    add_event(request, "note", staff_author(user), body=text, client_visible=False)


def send_message(request: Request, user: StaffUser, text: str) -> None:
    if text.startswith("std:") and text[4:] not in STANDARD_MESSAGES:
        raise RequestRefused("unknown_message")
    add_event(request, "message", staff_author(user), body=text)


def extend(request: Request, user: StaffUser, reason: str, seen_version: int) -> None:
    """One extension per request, with a reason the client sees."""
    _check(request, user, seen_version)
    if request.extension_reason:
        raise RequestRefused("already_extended")
    if request.status not in UNDECIDED:
        raise RequestRefused("already_decided")
    request.extension_reason = reason
    request.due_at = request.due_at + EXTENSION
    add_event(request, "extended", staff_author(user), body=reason)


def decide(
    request: Request,
    user: StaffUser,
    *,
    seen_version: int,
    outcome: str,
    explanation: str,
    corrected_value: str | None = None,
    corrected_codes: list[str] | None = None,
    denial_reason: str | None = None,
    handover: str | None = None,
) -> None:
    """The decision that fits the request's type; outcome is a Status value or "acknowledged"."""
    _check(request, user, seen_version)
    author = staff_author(user)
    match request.type:
        case RequestType.CORRECTION:
            corrections.decide_correction(
                request,
                author,
                outcome=Status(outcome),
                seen_version=seen_version,
                corrected_value=corrected_value,
                corrected_codes=corrected_codes,
                denial_reason=denial_reason,
                explanation=explanation,
            )
            request.claimed_by_id = request.claimed_at = None
        case RequestType.PRINTED_COPY:
            _decide_printed_copy(request, author, outcome, explanation, denial_reason, handover)
        case RequestType.SHARING_REFUSAL | RequestType.SHARING_RESTORE:
            if outcome != Status.ACKNOWLEDGED or request.status is not Status.IN_FORCE:
                raise RequestRefused("already_decided")
            _finish(request, author, Status.ACKNOWLEDGED, explanation)
        case RequestType.COMPLAINT:
            _decide_complaint(request, author, outcome, explanation)


def _finish(
    request: Request, author: Author, status: Status, body: str | None, event: str | None = None
) -> None:
    request.status = status
    request.decided_at = utcnow()
    request.decision_explanation = body or request.decision_explanation
    request.claimed_by_id = request.claimed_at = None
    add_event(request, event or status.value, author, body=body or None)


def _decide_printed_copy(
    request: Request,
    author: Author,
    outcome: str,
    explanation: str,
    denial_reason: str | None,
    handover: str | None,
) -> None:
    if request.status not in UNDECIDED:
        raise RequestRefused("already_decided")
    if outcome == Status.COMPLETED:
        if handover not in HANDOVER_METHODS:
            raise RequestRefused("handover_needed")
        request.handover = handover
        _finish(request, author, Status.COMPLETED, explanation or None)
    elif outcome == Status.DENIED:
        if denial_reason not in DENIAL_REASONS:
            raise RequestRefused("reason_needed")
        request.denial_reason = denial_reason
        _finish(request, author, Status.DENIED, explanation)
    else:
        raise RequestRefused("unknown_outcome")


def is_first_decider(request: Request, staff_id: int | None) -> bool:
    """Whether this staff member answered the complaint first (they cannot decide its appeal)."""
    return staff_id is not None and request.first_decided_by_id == staff_id


def _decide_complaint(request: Request, author: Author, outcome: str, explanation: str) -> None:
    """received -> (in review) -> responded -> closed; or escalated -> county decision."""
    if outcome == Status.RESPONDED and request.status in UNDECIDED:
        if not explanation:
            raise RequestRefused("response_needed")
        request.first_decided_by_id = author.staff_id
        _finish(request, author, Status.RESPONDED, explanation)
    elif outcome == Status.CLOSED and request.status in (Status.RESPONDED, *UNDECIDED):
        _finish(request, author, Status.CLOSED, explanation or None)
    elif outcome == Status.ESCALATED and request.status is Status.RESPONDED:
        # The client took it to County Community Services by phone, letter or in person.
        request.status, request.escalated_at = Status.ESCALATED, utcnow()
        request.escalation_due_at = request.escalated_at + ESCALATION_DUE
        request.due_at = request.escalation_due_at  # the queue orders it by its new time limit
        add_event(request, "escalated", author, body=explanation or None)
    elif outcome == "escalation_decided" and request.status is Status.ESCALATED:
        if is_first_decider(request, author.staff_id):
            raise RequestRefused("same_decider")
        if not explanation:
            raise RequestRefused("response_needed")
        request.escalation_outcome = explanation
        _finish(request, author, Status.CLOSED, explanation, event="escalation_decided")
    else:
        raise RequestRefused("already_decided")
