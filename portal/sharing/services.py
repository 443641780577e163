"""Signing the Client Data Sharing Refusal Form, and the restore form.

A signed form takes effect at once, for the signer and every child it covers: from that moment the
sharing rule hides what other agencies enter. Staff later acknowledge it and apply it in the HMIS of
record; that does not change when it took effect.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from portal.hmis.models import Client, Enrollment
from portal.notice.models import NoticeText, NoticeVersion
from portal.requests.models import Channel, Request, RequestType
from portal.requests.services import Author, RequestRefused, by_submission_key, open_request
from portal.sharing.models import SharingChange
from portal.sharing.rule import sharing_histories
from portal.timeutil import utcnow

if TYPE_CHECKING:
    from portal.notice.published import PublishedText

REFUSAL_FORM = "sharing_refusal"
RESTORE_FORM = "sharing_restore"
_DEMO = Path(__file__).parent / "demo"
DEMO_SHARING_FORMS = {REFUSAL_FORM: _DEMO / "refusal", RESTORE_FORM: _DEMO / "restore"}
HEAD_OF_HOUSEHOLD = 1
CHILD_OF_HEAD = 2
ADULT_AGE = 18


def form_kind(refuse: bool) -> str:
    return REFUSAL_FORM if refuse else RESTORE_FORM


def text_sha256(text: NoticeText | PublishedText) -> str:
    """A hash of exactly what the client read: summary and full text, in their language."""
    exact = f"{text.in_short}\n\n{text.body}"
    return hashlib.sha256(exact.encode("utf-8")).hexdigest()


def age_on(dob: dt.date, day: dt.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


@dataclass(frozen=True)
class Person:
    personal_id: str
    first_name: str
    refused_now: bool


def household_children(session: Session, personal_id: str, today: dt.date) -> list[Client]:
    """Children under 18 in households this client heads (from the imported household data).

    Other adults, including children who have turned 18, sign for themselves. A child whose date
    of birth the HMIS does not have is left out: staff can enter the form for them on paper.
    """
    head = aliased(Enrollment)
    child = aliased(Enrollment)
    children = session.scalars(
        select(Client)
        .join(child, child.personal_id == Client.personal_id)
        .join(head, head.household_id == child.household_id)
        .where(
            head.personal_id == personal_id,
            head.relationship_to_hoh == HEAD_OF_HOUSEHOLD,
            head.date_deleted.is_(None),
            child.relationship_to_hoh == CHILD_OF_HEAD,
            child.date_deleted.is_(None),
            child.personal_id != personal_id,
            Client.date_deleted.is_(None),
            Client.dob.is_not(None),
        )
        .distinct()
        .order_by(Client.dob.desc(), Client.personal_id)
    )
    return [c for c in children if c.dob is not None and age_on(c.dob, today) < ADULT_AGE]


def people_for_form(session: Session, personal_id: str, refuse: bool) -> list[Person]:
    """Who this client may sign for (themselves first), with whether each refuses now.

    The form is offered only for people it would change: a refusal for those sharing, a restore
    for those refusing.
    """
    client = session.get(Client, personal_id)
    if client is None:
        return []
    people = [client, *household_children(session, personal_id, utcnow().date())]
    histories = sharing_histories(session, [p.personal_id for p in people])
    return [
        Person(p.personal_id, p.first_name or "", histories[p.personal_id].refused_now)
        for p in people
        if histories[p.personal_id].refused_now != refuse
    ]


def sign(
    session: Session,
    *,
    personal_id: str,
    refuse: bool,
    covered: list[str],
    version: NoticeVersion,
    text: NoticeText | PublishedText,
    signed_name: str,
    drawn_signature: str | None,
    channel: Channel,
    author: Author,
    submission_key: str | None,
) -> Request:
    """Record the signed form; it is in force for every covered person from now."""
    earlier = by_submission_key(session, submission_key)
    if earlier is not None and earlier.personal_id == personal_id:
        return earlier  # the same form sent twice: signed once
    allowed = {p.personal_id for p in people_for_form(session, personal_id, refuse)}
    if not covered or not set(covered) <= allowed:
        raise RequestRefused("not_covered")
    if version.kind != form_kind(refuse):
        raise RequestRefused("wrong_form")
    request = open_request(
        session,
        RequestType.SHARING_REFUSAL if refuse else RequestType.SHARING_RESTORE,
        personal_id=personal_id,
        channel=channel,
        author=author,
        submission_key=submission_key,
        language=text.language,
        form_version_id=version.id,
        form_language=text.language,
        form_text_sha256=text_sha256(text),
        signed_name=signed_name,
        drawn_signature=drawn_signature or None,
    )
    request.signed_at = request.submitted_at
    for covered_id in covered:
        session.add(
            SharingChange(
                personal_id=covered_id,
                request=request,
                refused=refuse,
                effective_at=request.submitted_at,
            )
        )
    session.flush()
    return request


def _name_key(text: str) -> str:
    """A name as compared for a signature: no accents, case, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    return "".join(c for c in decomposed.casefold() if c.isalnum())


def signature_matches(typed: str, client: Client) -> bool:
    """The typed signature is the client's name: first and last, the middle name optional."""
    first, middle, last = client.first_name or "", client.middle_name or "", client.last_name or ""
    wanted = {_name_key(first + last), _name_key(first + middle + last)}
    return _name_key(typed) in wanted and bool(_name_key(first + last))
