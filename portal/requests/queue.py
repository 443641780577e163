"""The staff queue: the requests a user may act on, filtered, sorted and paged.

Which requests: agency staff and administrators see their agency's requests, never complaints;
the HMIS lead sees every request, and is the only one who sees complaints; a system administrator
works no queue. Client names come through the sharing rule, as the user may see them.

A page costs a fixed number of statements whatever its size: the counts, the page (with agency
and assignee joined), the identifying data of the clients on it, and their sharing changes.
Paging is by key (due date or sent time, then id), so page 500 costs what page 1 does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased, load_only

from portal.accounts.models import Role, StaffUser
from portal.hmis.models import Organization
from portal.requests.models import Request, RequestType, Status
from portal.requests.services import OPEN, normalize_reference
from portal.sharing.rule import (
    Viewer,
    identity_versions_of,
    sharing_histories,
    visible_identity,
)
from portal.timeutil import utcnow

PAGE_SIZE = 50
SORTS = ("due", "newest")
QUEUE_ROLES = (Role.AGENCY_STAFF, Role.AGENCY_ADMIN, Role.HMIS_LEAD)


@dataclass(frozen=True)
class QueueFilters:
    type: str | None = None
    status: str | None = None  # None: every open status
    agency: str | None = None
    assignee: str | None = None  # "me", "nobody", or None for anyone
    overdue: bool = False
    sort: str = "due"
    after: str | None = None  # the key of the last row of the previous page

    def args(self, **changes: Any) -> dict[str, str]:
        """The filters as URL query arguments (what the links and the form carry)."""
        changed = replace(self, **changes)
        values = {
            "type": changed.type,
            "status": changed.status,
            "agency": changed.agency,
            "assignee": changed.assignee,
            "overdue": "1" if changed.overdue else None,
            "sort": changed.sort if changed.sort != "due" else None,
            "after": changed.after,
        }
        return {key: value for key, value in values.items() if value}


@dataclass
class QueueRow:
    request: Request
    client_name: str | None  # None: the user may not see the client's name
    agency_name: str | None
    assignee_name: str | None
    days_left: int


@dataclass
class QueuePage:
    rows: list[QueueRow]
    counts: dict[str, int]
    next_after: str | None
    filters: QueueFilters
    agencies: list[tuple[str, str]] = field(default_factory=list)


def scope(user: StaffUser) -> Select[tuple[Request]]:
    """Every request this user may act on, before any filter."""
    statement = select(Request)
    if user.role is Role.HMIS_LEAD:
        return statement
    if user.role in (Role.AGENCY_STAFF, Role.AGENCY_ADMIN) and user.organization_id:
        return statement.where(
            Request.agency_id == user.organization_id,
            Request.type != RequestType.COMPLAINT,
        )
    return statement.where(False)


def _filtered(user: StaffUser, filters: QueueFilters, with_status: bool = True) -> Select:  # type: ignore[type-arg]
    statement = scope(user)
    if filters.type in RequestType.__members__.values():
        statement = statement.where(Request.type == filters.type)
    if filters.agency and user.role is Role.HMIS_LEAD:
        statement = statement.where(Request.agency_id == filters.agency)
    if filters.assignee == "me":
        statement = statement.where(Request.claimed_by_id == user.id)
    elif filters.assignee == "nobody":
        statement = statement.where(Request.claimed_by_id.is_(None))
    if filters.overdue:
        statement = statement.where(Request.due_at < utcnow(), Request.status.in_(OPEN))
    if with_status:
        if filters.status in Status.__members__.values():
            statement = statement.where(Request.status == filters.status)
        else:
            statement = statement.where(Request.status.in_(OPEN))
    return statement


def _key(request: Request, sort: str) -> str:
    moment = request.due_at if sort == "due" else request.submitted_at
    return f"{moment.isoformat()}_{request.id}"


def _after(statement: Select, sort: str, after: str | None) -> Select:  # type: ignore[type-arg]
    if after:
        try:
            moment_text, id_text = after.rsplit("_", 1)
            moment, last_id = dt.datetime.fromisoformat(moment_text), int(id_text)
        except ValueError:
            return statement  # a mangled key starts from the first page
        if sort == "due":
            statement = statement.where(
                or_(Request.due_at > moment, and_(Request.due_at == moment, Request.id > last_id))
            )
        else:
            statement = statement.where(
                or_(
                    Request.submitted_at < moment,
                    and_(Request.submitted_at == moment, Request.id < last_id),
                )
            )
    if sort == "due":
        return statement.order_by(Request.due_at, Request.id)
    return statement.order_by(Request.submitted_at.desc(), Request.id.desc())


def client_names(session: Session, viewer: Viewer, personal_ids: list[str]) -> dict[str, str]:
    """Names of these clients as the viewer may see them (two statements for any number)."""
    ids = list(dict.fromkeys(pid for pid in personal_ids if pid))
    versions = identity_versions_of(session, ids, names_only=True)
    histories = sharing_histories(session, ids) if ids else {}
    names = {}
    for pid in ids:
        seen = visible_identity(viewer, histories[pid], versions[pid])
        if seen is not None:
            names[pid] = " ".join(p for p in (seen.first_name, seen.last_name) if p)
    return names


ROW_COLUMNS = (
    Request.id,
    Request.reference,
    Request.type,
    Request.status,
    Request.personal_id,
    Request.agency_id,
    Request.submitted_at,
    Request.due_at,
    Request.claimed_by_id,
)


def queue_page(session: Session, user: StaffUser, filters: QueueFilters) -> QueuePage:
    sort = filters.sort if filters.sort in SORTS else "due"
    counts_statement = (
        _filtered(user, filters, with_status=False)
        .with_only_columns(Request.status, func.count())
        .group_by(Request.status)
    )
    counts = dict(session.execute(counts_statement).tuples().all())
    assignee = aliased(StaffUser)
    page_statement = _after(
        _filtered(user, filters)
        # Only what a queue row shows: not the corrections' encrypted values and free text.
        .options(load_only(*ROW_COLUMNS))
        .add_columns(Organization.name, assignee.name)
        .outerjoin(Organization, Organization.organization_id == Request.agency_id)
        .outerjoin(assignee, assignee.id == Request.claimed_by_id),
        sort,
        filters.after,
    ).limit(PAGE_SIZE + 1)
    found = list(session.execute(page_statement))
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    names = client_names(session, Viewer.of(user), [r.personal_id for r, _a, _b in found])
    today = utcnow()
    rows = [
        QueueRow(
            request,
            names.get(request.personal_id or ""),
            agency_name,
            assignee_name,
            (request.due_at - today).days,
        )
        for request, agency_name, assignee_name in found
    ]
    next_after = _key(found[-1][0], sort) if more and found else None
    return QueuePage(rows, counts, next_after, replace(filters, sort=sort))


def agency_choices(session: Session, user: StaffUser) -> list[tuple[str, str]]:
    if user.role is not Role.HMIS_LEAD:
        return []
    return [
        (organization_id, name)
        for organization_id, name in session.execute(
            select(Organization.organization_id, Organization.name)
            .where(Organization.date_deleted.is_(None))
            .order_by(Organization.name)
        )
    ]


def request_for_staff(session: Session, user: StaffUser, reference: str) -> Request | None:
    """The request with that reference, if it is in this user's scope; None otherwise."""
    return session.scalars(
        scope(user).where(Request.reference == normalize_reference(reference))
    ).first()
