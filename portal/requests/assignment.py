"""Who works on a request: claims, assignment by a manager, bulk actions, and claims released
when a staff user is disabled (issue 17: claims never get stuck).

A manager is the HMIS lead (every request) or an agency data administrator (their agency's
requests). A manager may hand any claimed request to a colleague or put it back in the queue;
everyone else claims and releases only for themselves. Each change is an event on the timeline
(internal: the client sees who works on it only as "a staff member").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.requests import queue, workflow
from portal.requests.models import Request
from portal.requests.services import (
    OPEN,
    SYSTEM_AUTHOR,
    RequestRefused,
    add_event,
    audit_request,
)
from portal.timeutil import utcnow

BULK_ACTIONS = ("claim", "assign", "release")


def is_manager_of(user: StaffUser, request: Request) -> bool:
    """The HMIS lead for every request; an agency data administrator for their agency's."""
    if user.role is Role.HMIS_LEAD:
        return True
    return (
        user.role is Role.AGENCY_ADMIN
        and user.organization_id is not None
        and queue.in_scope(user, request)
    )


def may_manage(user: StaffUser) -> bool:
    return user.role in (Role.HMIS_LEAD, Role.AGENCY_ADMIN)


def colleagues_for(session: Session, user: StaffUser) -> list[StaffUser]:
    """Active staff a manager may assign to: the lead may pick anyone who works a queue, an
    agency data administrator their agency's staff."""
    if not may_manage(user):
        return []
    statement = select(StaffUser).where(
        StaffUser.active.is_(True), StaffUser.role.in_(queue.QUEUE_ROLES)
    )
    if user.role is Role.AGENCY_ADMIN:
        statement = statement.where(StaffUser.organization_id == user.organization_id)
    return list(session.scalars(statement.order_by(StaffUser.name, StaffUser.id)))


def assign(
    request: Request,
    by: StaffUser,
    to: StaffUser,
    reason: str,
    seen_version: int | None,
) -> None:
    """Hand the request to a colleague (over anyone's claim); the reason goes on the timeline."""
    if seen_version is not None and request.version != seen_version:
        raise RequestRefused("stale_page")
    if request.status not in OPEN:
        raise RequestRefused("already_decided")
    if not is_manager_of(by, request):
        raise RequestRefused("not_manager")
    if not to.active or to.role not in queue.QUEUE_ROLES or not queue.in_scope(to, request):
        raise RequestRefused("not_a_colleague")
    if request.claimed_by_id == to.id:
        return
    request.claimed_by_id, request.claimed_at = to.id, utcnow()
    workflow.start_review(request)
    body = f"{to.name}\n{reason}" if reason else to.name
    add_event(request, "assigned", workflow.staff_author(by), body=body, client_visible=False)


def release(request: Request, by: StaffUser, seen_version: int | None) -> None:
    """Put the request back in the queue: its own assignee, or a manager over anyone's claim."""
    if seen_version is not None and request.version != seen_version:
        raise RequestRefused("stale_page")
    if request.claimed_by_id not in (None, by.id) and not is_manager_of(by, request):
        raise RequestRefused("claimed_by_other")
    workflow.unclaim(request, workflow.staff_author(by))


def release_claims_of(session: Session, user: StaffUser) -> int:
    """Every open request the user had claimed back to the unclaimed queue (when they are
    disabled); returns how many."""
    claimed = session.scalars(
        select(Request).where(Request.claimed_by_id == user.id, Request.status.in_(OPEN))
    ).all()
    for request in claimed:
        workflow.unclaim(request, SYSTEM_AUTHOR, body=user.name, kind="released_account_disabled")
    return len(claimed)


@dataclass
class BulkOutcome:
    done: list[str]
    refused: list[str]


BULK_AUDIT = {
    "claim": "request.claimed",
    "assign": "request.assigned",
    "release": "request.released",
}


def bulk(
    session: Session,
    user: StaffUser,
    references: Iterable[str],
    action: str,
    *,
    assignee_id: str | None = None,
    reason: str = "",
) -> BulkOutcome:
    """Claim, assign or release several requests in one go, each audited; the ones that cannot
    be (out of scope, someone else's, decided) are left as they are and named."""
    references = list(references)
    if not references:
        raise RequestRefused("nothing_ticked")
    if action not in BULK_ACTIONS:
        raise RequestRefused("unknown_action")
    assignee = None
    if action == "assign":
        assignee = next(
            (c for c in colleagues_for(session, user) if str(c.id) == assignee_id), None
        )
        if assignee is None:
            raise RequestRefused("assignee_needed")
    outcome = BulkOutcome([], [])
    for reference in dict.fromkeys(references):
        request = queue.request_for_staff(session, user, reference)
        if request is None:
            outcome.refused.append(reference)
            continue
        try:
            if action == "claim":
                workflow.claim(request, user, request.version)
            elif action == "release":
                release(request, user, None)
            else:
                assert assignee is not None
                assign(request, user, assignee, reason, None)
        except RequestRefused:
            outcome.refused.append(request.reference)
        else:
            outcome.done.append(request.reference)
            audit_request(session, BULK_AUDIT[action], request)
    return outcome
