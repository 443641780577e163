"""A demo caseload for `make run` (flask demo setup): a queue staff can work at once, with
requests due soon, overdue, assigned to the demo case manager, and an escalated complaint on
the HMIS lead's desk. Synthetic clients only (the demo export's); made once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import StaffUser
from portal.hmis.models import Enrollment, Project
from portal.requests import corrections, workflow
from portal.requests.models import Channel, Request, RequestType
from portal.requests.services import CLIENT_AUTHOR, open_request


def _agency_clients(session: Session, agency_id: str, count: int) -> list[str]:
    return list(
        session.scalars(
            select(Enrollment.personal_id)
            .join(Project, Project.project_id == Enrollment.project_id)
            .where(Project.organization_id == agency_id)
            .group_by(Enrollment.personal_id)
            .order_by(Enrollment.personal_id)
            .limit(count)
        )
    )


def load_demo_caseload(
    session: Session, agency_id: str, staff: StaffUser | None, lead: StaffUser | None
) -> int:
    """Requests for the agency's demo queue (and one for the lead's); 0 when any exist."""
    if session.scalar(select(func.count(Request.id))):
        return 0
    found_clients = _agency_clients(session, agency_id, 6)
    if not found_clients:
        return 0
    # A small demo agency serves fewer: its clients take turns (one open correction per item).
    clients = [found_clients[i % len(found_clients)] for i in range(6)]
    made: list[Request] = []
    # (days since it was sent, type): 58 days ago is due in 2 days; 35 days ago is overdue.
    for pid, (sent_days, item) in zip(
        clients,
        (
            (58, "demographics.veteran_status"),
            (35, None),
            (40, "identity.middle_name"),
            (2, None),
            (10, "identity.name_suffix"),
        ),
        strict=False,
    ):
        if item is not None:
            coded = item == "demographics.veteran_status"
            found = corrections.request_correction(
                session,
                personal_id=pid,
                item_key=item,
                current_value="No" if coded else "",
                requested_value="Yes" if coded else ("Jr" if item.endswith("suffix") else "Ann"),
                requested_code="1" if coded else None,
                reason="I served in the Army." if coded else "It is missing.",
                evidence="My DD-214.",
                agency_id=agency_id,
                channel=Channel.KIOSK,
                author=CLIENT_AUTHOR,
                submission_key=None,
            )
        else:
            found = open_request(
                session,
                RequestType.PRINTED_COPY,
                personal_id=pid,
                channel=Channel.KIOSK,
                author=CLIENT_AUTHOR,
                agency_id=agency_id,
            )
        shift = dt.timedelta(days=sent_days)
        found.submitted_at -= shift
        found.due_at -= shift
        for event in found.events:
            event.at -= shift
        made.append(found)
    session.flush()
    if staff is not None:  # the demo case manager works on two of them
        for found in made[2:4]:
            workflow.claim(found, staff, found.version)
    if lead is not None:  # a complaint answered, then taken to County Community Services
        complaint = open_request(
            session,
            RequestType.COMPLAINT,
            personal_id=clients[5],
            channel=Channel.KIOSK,
            author=CLIENT_AUTHOR,
            agency_id=agency_id,
            category="privacy",
            description="Staff talked about my case in the lobby.",
            contact_method="none",
        )
        session.flush()
        workflow.decide(
            complaint,
            lead,
            seen_version=complaint.version,
            outcome="responded",
            explanation="We talked with the agency and staff will be retrained.",
        )
        workflow.decide(
            complaint,
            lead,
            seen_version=complaint.version,
            outcome="escalated",
            explanation="The client wrote to County Community Services.",
        )
        made.append(complaint)
    session.flush()
    return len(made)
