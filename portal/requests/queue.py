"""The staff queue: the requests a user may act on, searched, filtered, sorted and paged.

Which requests: agency staff and administrators see their agency's requests, never complaints;
the HMIS lead sees every request, and is the only one who sees complaints; a system administrator
works no queue. Client names come through the sharing rule, as the user may see them, and a
search by name finds a client only by a name the user may see.

The read path is a few Core statements whatever the page: the tab counts (cached per process
until a request changes), the page (with agency and assignee joined), and the identifying data and
sharing changes of the clients on it. Paging is by key (queue_keys: the sort columns, then id),
never OFFSET, so page 1,000 costs what page 1 does.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    event,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from portal.accounts.models import Role, StaffUser
from portal.hmis.models import IdentityVersion, Organization
from portal.hmis.names import fold, name_search
from portal.i18n import local_date, local_midnight
from portal.requests.models import Request, RequestType, Status
from portal.requests.queue_keys import SORT_ALIASES, SORTS, ordered, page_key
from portal.requests.services import OPEN, normalize_reference
from portal.sharing.rule import (
    Viewer,
    identity_versions_of,
    sharing_histories,
    visible_identity,
)
from portal.timeutil import utcnow

PAGE_SIZE = 50
DUE_SOON = dt.timedelta(days=3)
# Name search: how many clients a name may match before the user is asked to type more.
MAX_NAME_MATCHES = 500
QUEUE_ROLES = (Role.AGENCY_STAFF, Role.AGENCY_ADMIN, Role.HMIS_LEAD)
COUNTS_LIFETIME_SECONDS = 30.0


@dataclass(frozen=True)
class QueueFilters:
    q: str = ""  # a reference, a client's name or their personal id
    type: str | None = None
    status: str | None = None  # None: every open status
    agency: str | None = None
    assignee: str | None = None  # "me", "nobody", or None for anyone
    due: str | None = None  # "overdue", "soon" (due within 3 days, not yet overdue), or None
    sort: str = "due"
    after: str | None = None  # the key of the last row of the previous page

    @classmethod
    def from_args(cls, args: Any) -> QueueFilters:
        """The filters from URL query arguments (a MultiDict or a dict); unknown values drop."""
        sort = SORT_ALIASES.get(args.get("sort") or "", args.get("sort") or "due")
        due = args.get("due") or ("overdue" if args.get("overdue") == "1" else None)
        return cls(
            q=(args.get("q") or "").strip()[:100],
            type=args.get("type") if args.get("type") in set(RequestType) else None,
            status=args.get("status") if args.get("status") in set(Status) else None,
            agency=args.get("agency") or None,
            assignee=args.get("assignee") if args.get("assignee") in ("me", "nobody") else None,
            due=due if due in ("overdue", "soon") else None,
            sort=sort if sort in SORTS else "due",
            after=args.get("after") or None,
        )

    def args(self, **changes: Any) -> dict[str, str]:
        """The filters as URL query arguments (what the links and the form carry)."""
        changed = replace(self, **changes)
        values = {
            "q": changed.q,
            "type": changed.type,
            "status": changed.status,
            "agency": changed.agency,
            "assignee": changed.assignee,
            "due": changed.due,
            "sort": changed.sort if changed.sort != "due" else None,
            "after": changed.after,
        }
        return {key: value for key, value in values.items() if value}


@dataclass
class QueueRow:
    id: int
    reference: str
    type: RequestType
    status: Status
    personal_id: str | None
    submitted_at: dt.datetime
    due_at: dt.datetime
    claimed_by_id: int | None
    client_name: str | None  # None: the user may not see the client's name
    agency_name: str | None
    assignee_name: str | None
    days_left: int
    marker: str | None  # "overdue", "soon" or None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    counts: dict[str, int]
    next_after: str | None
    filters: QueueFilters
    agencies: list[tuple[str, str]] = field(default_factory=list)
    too_many_names: bool = False


# ---------------------------------------------------------------- who sees what


def scope_conditions(user: StaffUser) -> list[ColumnElement[bool]]:
    """The conditions that keep a user to the requests they may act on (the one rule)."""
    if user.role is Role.HMIS_LEAD:
        return []
    if user.role in (Role.AGENCY_STAFF, Role.AGENCY_ADMIN) and user.organization_id:
        return [
            Request.agency_id == user.organization_id,
            Request.type != RequestType.COMPLAINT,
        ]
    return [Request.id.is_(None)]  # a system administrator works no queue


def scope(user: StaffUser) -> Select[tuple[Request]]:
    """Every request this user may act on, before any filter."""
    return select(Request).where(*scope_conditions(user))


def in_scope(user: StaffUser, request: Request) -> bool:
    """Whether this request is one the user may act on (the same rule, in Python)."""
    if user.role is Role.HMIS_LEAD:
        return True
    return (
        user.role in (Role.AGENCY_STAFF, Role.AGENCY_ADMIN)
        and user.organization_id is not None
        and request.agency_id == user.organization_id
        and request.type is not RequestType.COMPLAINT
    )


# ---------------------------------------------------------------- search


def _visible_name_matches(session: Session, user: StaffUser, words: list[str]) -> list[str] | None:
    """Personal ids of clients whose name, as this user may see it, holds every word; None when
    more clients match than a page could sensibly narrow."""
    conditions = [IdentityVersion.name_search.like(f"%{word}%") for word in words]
    candidates = list(
        session.scalars(
            select(IdentityVersion.personal_id)
            .where(*conditions)
            .distinct()
            .limit(MAX_NAME_MATCHES + 1)
        )
    )
    if len(candidates) > MAX_NAME_MATCHES:
        return None
    versions = identity_versions_of(session, candidates, names_only=True)
    histories = sharing_histories(session, candidates) if candidates else {}
    viewer = Viewer.of(user)
    found = []
    for pid in candidates:
        seen = visible_identity(viewer, histories[pid], versions[pid])
        if seen is None:
            continue
        folded = name_search(seen.first_name, seen.middle_name, seen.last_name)
        if all(word in folded for word in words):
            found.append(pid)
    return found


def search_condition(
    session: Session, user: StaffUser, typed: str
) -> tuple[ColumnElement[bool] | None, bool]:
    """What a search box entry matches: the reference, the personal id, or a visible name.
    Returns the condition (None: no search) and whether the name matched too many clients."""
    typed = typed.strip()
    if not typed:
        return None, False
    conditions: list[ColumnElement[bool]] = [Request.personal_id == typed]
    reference = normalize_reference(typed)
    if reference:
        conditions.append(Request.reference == reference)
    words = fold(typed).split()
    too_many = False
    if words:
        pids = _visible_name_matches(session, user, words)
        if pids is None:
            too_many = True
        elif pids:
            conditions.append(Request.personal_id.in_(pids))
    return or_(*conditions), too_many


# ---------------------------------------------------------------- filters, counts, keys


def _filter_conditions(
    user: StaffUser, filters: QueueFilters, now: dt.datetime
) -> list[ColumnElement[bool]]:
    """The filters other than status and search (the tabs count within these)."""
    conditions = scope_conditions(user)
    if filters.type:
        conditions.append(Request.type == filters.type)
    if filters.agency and user.role is Role.HMIS_LEAD:
        conditions.append(Request.agency_id == filters.agency)
    if filters.assignee == "me":
        conditions.append(Request.claimed_by_id == user.id)
    elif filters.assignee == "nobody":
        conditions.append(Request.claimed_by_id.is_(None))
    today, soon_ends = _due_bounds(now)
    if filters.due == "overdue":
        conditions.append(Request.due_at < today)
    elif filters.due == "soon":
        conditions.extend((Request.due_at >= today, Request.due_at < soon_ends))
    return conditions


def _status_condition(filters: QueueFilters) -> ColumnElement[bool]:
    if filters.status:
        return Request.status == filters.status
    return Request.status.in_(OPEN)


class _CountsCache:
    """Tab counts per (user, filters), kept until any request changes or for a short while.

    Another process's change is seen within COUNTS_LIFETIME_SECONDS; this process's at once."""

    def __init__(self) -> None:
        self.generation = 0
        self.entries: dict[tuple[Any, ...], tuple[int, float, dict[str, int]]] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> dict[str, int] | None:
        found = self.entries.get(key)
        if found is None:
            return None
        generation, stored_at, counts = found
        if generation != self.generation or time.monotonic() - stored_at > COUNTS_LIFETIME_SECONDS:
            return None
        return counts

    def put(self, key: tuple[Any, ...], counts: dict[str, int]) -> None:
        with self.lock:
            if len(self.entries) > 5000:
                self.entries.clear()
            self.entries[key] = (self.generation, time.monotonic(), counts)

    def changed(self, *_args: object) -> None:
        with self.lock:
            self.generation += 1
            self.entries.clear()


COUNTS = _CountsCache()
for _event in ("after_insert", "after_update", "after_delete"):
    event.listen(Request, _event, COUNTS.changed)


def tab_counts(
    session: Session,
    user: StaffUser,
    filters: QueueFilters,
    search: ColumnElement[bool] | None = None,
) -> dict[str, int]:
    """Open requests per status, and "mine", "soon" and "overdue", within the other filters."""
    now = utcnow()
    key = (
        user.id,
        user.role,
        user.organization_id,
        replace(filters, status=None, after=None, sort="due"),
    )
    cached = COUNTS.get(key) if search is None else None
    if cached is not None:
        return cached
    conditions = _filter_conditions(user, filters, now)
    if search is not None:
        conditions.append(search)
    today, soon_ends = _due_bounds(now)
    counts: dict[str, int] = {}
    for status, count in session.execute(
        select(Request.status, func.count()).where(*conditions).group_by(Request.status)
    ):
        counts[Status(status).value] = count
    totals = session.execute(
        select(
            func.count(),
            func.sum(case((Request.claimed_by_id == user.id, 1), else_=0)),
            func.sum(case(((Request.due_at >= today) & (Request.due_at < soon_ends), 1), else_=0)),
            func.sum(case((Request.due_at < today, 1), else_=0)),
        ).where(*conditions, Request.status.in_(OPEN))
    ).one()
    counts["open"], counts["mine"], counts["soon"], counts["overdue"] = (
        int(v or 0) for v in totals
    )
    if search is None:
        COUNTS.put(key, counts)
    return counts


def open_count(session: Session, user: StaffUser) -> int:
    """How many open requests the user's queue holds (the navigation's count)."""
    if user.role not in QUEUE_ROLES:
        return 0
    return tab_counts(session, user, QueueFilters())["open"]


# ---------------------------------------------------------------- the page


def client_names(
    session: Session, viewer: Viewer, personal_ids: Sequence[str | None]
) -> dict[str, str]:
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


def _due_bounds(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(start of today, end of the third day from today) where the portal is, as naive UTC:
    a request is overdue once its due day has passed, and soon while it is due within three
    days, counted in the county's days (not 24-hour steps from now in UTC)."""
    today = local_date(now)
    return local_midnight(today), local_midnight(today + DUE_SOON + dt.timedelta(days=1))


def days_left(due_at: dt.datetime, now: dt.datetime) -> int:
    """Days from today to the due day, where the portal is (negative: days late)."""
    return (local_date(due_at) - local_date(now)).days


def marker(status: Status, due_at: dt.datetime, now: dt.datetime) -> str | None:
    """ "overdue" or "soon" (due within three days) for an open request, else None."""
    if status not in OPEN:
        return None
    left = days_left(due_at, now)
    if left < 0:
        return "overdue"
    if left <= DUE_SOON.days:
        return "soon"
    return None


def page_statement(
    user: StaffUser,
    filters: QueueFilters,
    search: ColumnElement[bool] | None = None,
    limit: int | None = PAGE_SIZE + 1,
    *,
    decided_too: bool = False,
) -> Select[Any]:
    """The queue's rows (Core columns, agency and assignee names joined) in the sort's order;
    decided_too: every status unless one is chosen (the CSV export)."""
    assignee = aliased(StaffUser)
    conditions = _filter_conditions(user, filters, utcnow())
    if filters.status or not decided_too:
        conditions.append(_status_condition(filters))
    if search is not None:
        conditions.append(search)
    statement = (
        select(
            *ROW_COLUMNS,
            Organization.name.label("agency_name"),
            assignee.name.label("assignee_name"),
        )
        .where(*conditions)
        .outerjoin(Organization, Organization.organization_id == Request.agency_id)
        .outerjoin(assignee, assignee.id == Request.claimed_by_id)
    )
    statement = ordered(statement, filters.sort, filters.after)
    return statement.limit(limit) if limit is not None else statement


def queue_page(session: Session, user: StaffUser, filters: QueueFilters) -> QueuePage:
    if filters.sort not in SORTS:
        filters = replace(filters, sort="due")
    search, too_many = search_condition(session, user, filters.q)
    counts = tab_counts(session, user, filters, search)
    found = list(session.execute(page_statement(user, filters, search)))
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    names = client_names(session, Viewer.of(user), [row.personal_id for row in found])
    now = utcnow()
    rows = [
        QueueRow(
            id=row.id,
            reference=row.reference,
            type=RequestType(row.type),
            status=Status(row.status),
            personal_id=row.personal_id,
            submitted_at=row.submitted_at,
            due_at=row.due_at,
            claimed_by_id=row.claimed_by_id,
            client_name=names.get(row.personal_id or ""),
            agency_name=row.agency_name,
            assignee_name=row.assignee_name,
            days_left=days_left(row.due_at, now),
            marker=marker(Status(row.status), row.due_at, now),
        )
        for row in found
    ]
    next_after = page_key(found[-1], filters.sort) if more and found else None
    return QueuePage(rows, counts, next_after, filters, too_many_names=too_many)


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
