"""Printed copies: staff print the client's record for a printed-copy request.

The PDF is the one the client downloads (portal.client.downloads), in the language the client
asked in, marked with the request's reference and the staff member who printed it.
"""

from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy.orm import Session

from portal.accounts.models import StaffUser
from portal.client.downloads import record_pdf
from portal.client.record import client_record
from portal.notice.services import current_version
from portal.requests.models import Request, RequestType
from portal.requests.services import RequestRefused, add_event
from portal.requests.workflow import staff_author
from portal.timeutil import utcnow


def print_record(session: Session, request: Request, user: StaffUser) -> bytes:
    """The record PDF for this printed-copy request; the print is noted on the timeline."""
    if request.type is not RequestType.PRINTED_COPY or request.personal_id is None:
        raise RequestRefused("not_printed_copy")
    language = request.language or "en"
    with force_locale(language):
        found = client_record(session, request.personal_id)
        if found is None:
            raise RequestRefused("no_record")
        notice = current_version(session)
        now = utcnow()
        body = record_pdf(
            found,
            produced_at=now,
            notice_version=notice.number if notice else None,
            language=language,
            printed_for=(request.reference, user.name),
        )
    request.printed_at, request.printed_by_id = now, user.id
    add_event(request, "printed", staff_author(user), body=user.name, client_visible=False)
    return body
