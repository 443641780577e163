"""Correction requests: one open request per item; decisions keep the old value, marked."""

from __future__ import annotations

import enum

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from portal.hmis import items
from portal.hmis.models import Client
from portal.requests.models import Channel, Request, RequestType, Status
from portal.requests.services import (
    DENIAL_REASONS,
    UNDECIDED,
    Author,
    RequestRefused,
    add_event,
    by_submission_key,
    open_request,
)
from portal.timeutil import utcnow

APPROVALS = (Status.APPROVED, Status.PARTLY_APPROVED)
DISAGREEMENT_ALLOWED = (Status.DENIED, Status.PARTLY_APPROVED)


def data_standards_of(session: Session, personal_id: str) -> str:
    """The HUD data standards the client's record follows (which code lists apply)."""
    found = session.scalar(select(Client.data_standards).where(Client.personal_id == personal_id))
    return found or "FY2026"


def open_correction_for(session: Session, personal_id: str, item_key: str) -> Request | None:
    """The undecided correction of this item of this client's record, if there is one."""
    return session.scalars(
        select(Request).where(
            Request.personal_id == personal_id,
            Request.type == RequestType.CORRECTION,
            Request.item_key == item_key,
            Request.status.in_(UNDECIDED),
        )
    ).first()


def _has_open_correction(session: Session, personal_id: str, item_key: str) -> bool:
    """open_correction_for(...) is not None, without loading the request."""
    found = session.scalar(
        select(Request.id)
        .where(
            Request.personal_id == personal_id,
            Request.type == RequestType.CORRECTION,
            Request.item_key == item_key,
            Request.status.in_(UNDECIDED),
        )
        .limit(1)
    )
    return found is not None


class Unchecked(enum.Enum):
    """request_correction's earlier not given: the submission key is looked up."""

    UNCHECKED = "unchecked"


UNCHECKED = Unchecked.UNCHECKED


def request_correction(
    session: Session,
    *,
    personal_id: str,
    item_key: str,
    current_value: str,
    requested_value: str,
    reason: str,
    evidence: str | None,
    agency_id: str | None,
    channel: Channel,
    author: Author,
    submission_key: str | None,
    language: str = "en",
    requested_code: str | None = None,
    earlier: Request | Unchecked | None = UNCHECKED,
) -> Request:
    """earlier: the request sent with this submission key, if the caller looked it up already
    (in this transaction); else it is looked up here."""
    if isinstance(earlier, Unchecked):
        earlier = by_submission_key(session, submission_key)
    if earlier is not None and earlier.personal_id == personal_id:
        return earlier  # the same form sent twice
    if _has_open_correction(session, personal_id, item_key):
        raise RequestRefused("already_open")
    if earlier is not None:
        raise RequestRefused("stale_form")  # someone else's form: open_request's answer too
    return open_request(
        session,
        RequestType.CORRECTION,
        personal_id=personal_id,
        channel=channel,
        author=author,
        submission_key=submission_key,
        key_checked=True,
        agency_id=agency_id,
        language=language,
        item_key=item_key,
        current_value=current_value,
        requested_value=requested_value,
        requested_code=requested_code or None,
        reason=reason,
        evidence=evidence or None,
    )


def decide_correction(
    request: Request,
    author: Author,
    *,
    outcome: Status,
    seen_version: int,
    corrected_value: str | None = None,
    corrected_codes: list[str] | None = None,
    denial_reason: str | None = None,
    explanation: str,
) -> None:
    """Approve, partly approve (with the value recorded) or deny (with one of HUD's reasons).

    A coded item keeps the HUD codes recorded (corrected_code): the client's choice when
    approved as asked, the codes staff chose (corrected_codes) when approved in part.

    seen_version is the request's version on the page the decision was made on: if anyone changed
    the request since, the decision is refused rather than overwriting theirs.
    """
    if request.version != seen_version:
        raise RequestRefused("stale_page")
    if request.status not in UNDECIDED:
        raise RequestRefused("already_decided")
    if outcome in APPROVALS:
        value, code = request.requested_value, request.requested_code
        if outcome is Status.PARTLY_APPROVED:
            value, code = _recorded(request, corrected_value, corrected_codes or [])
        if not value:
            raise RequestRefused("value_needed")
        request.corrected_value, request.corrected_code = value, code or None
    elif outcome is Status.DENIED:
        if denial_reason not in DENIAL_REASONS:
            raise RequestRefused("reason_needed")
        request.denial_reason = denial_reason
    else:
        raise ValueError(f"{outcome} is not a decision on a correction")
    request.status = outcome
    request.decision_explanation = explanation
    request.decided_at = utcnow()
    add_event(request, outcome.value, author, body=explanation)


def _recorded(
    request: Request, typed: str | None, codes: list[str]
) -> tuple[str | None, str | None]:
    """(value, codes) recorded in a partial approval: a coded item takes HUD's codes only."""
    entry = items.entry_for(request.item_key or "")
    if entry is None or entry.kind is not items.Kind.CODED or not codes:
        return typed, None
    session = object_session(request)
    standards = data_standards_of(session, request.personal_id or "") if session else "FY2026"
    labels = entry.allowed_codes(standards)
    if not items.hud_columns_written(entry, standards, codes):
        raise RequestRefused("value_needed")  # codes that are not the item's
    return ", ".join(labels[code] for code in codes), ";".join(codes)


def add_disagreement(request: Request, statement: str, author: Author) -> None:
    """After a denial (or a partial approval), the client's statement joins their record."""
    if request.status not in DISAGREEMENT_ALLOWED:
        raise RequestRefused("not_denied")
    if request.disagreement:
        raise RequestRefused("already_disagreed")
    request.disagreement = statement
    request.disagreement_at = utcnow()
    add_event(request, "disagreement", author)
