"""The figures of the reports (issue 7), in one place: the page, the CSV and the tests use these.

Which requests: the HMIS lead sees every agency (or one, by choice) and complaints; an agency
data administrator sees their own agency's requests and never complaints, as in the queue.
Every figure about requests counts the requests *sent* between the two dates (a cohort): "completed
in March" means "sent in March and decided since". Two figures are snapshots of now, whatever the
dates: requests overdue now, and who refuses sharing now.

Dates and months are the county's (the filter's dates are local days; a request sent at 02:00 UTC
on 1 March is a February request in Chicago). The database keeps naive UTC (portal/timeutil.py).

Approach: a fixed handful of statements whatever the number of requests. The cohort is read as one
narrow row per request (no text, nothing encrypted) and counted here, because months in the
county's time zone and percentiles are easy and portable in Python and a county's requests run to
thousands a year, not millions. Percentiles interpolate linearly between the closest ranks (as
PostgreSQL's percentile_cont and numpy's default do), so the median of an even count is the mean of
the middle two. Were volumes to grow, the counts would move into GROUP BY and the percentiles into
percentile_cont on PostgreSQL, behind the same functions.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.requests.forms import CATEGORIES
from portal.requests.models import Request, RequestType, Status
from portal.requests.services import DENIAL_REASONS, OPEN
from portal.sharing.models import SharingChange
from portal.sharing.rule import Viewer, own_agency_client
from portal.timeutil import utcnow

DEFAULT_MONTHS = 12
MAX_DAYS = 3660  # ten years of months is as long as a table on a page stays readable
REPORT_ROLES = (Role.HMIS_LEAD, Role.AGENCY_ADMIN)
ALL_TYPES = tuple(RequestType)
DENIABLE_TYPES = (RequestType.CORRECTION, RequestType.PRINTED_COPY)
CORRECTION_OUTCOMES = (Status.APPROVED, Status.PARTLY_APPROVED, Status.DENIED)
COMPLAINT_CATEGORIES = CATEGORIES
# Where a complaint stands (its status, and whether the county decided on it).
COMPLAINT_OUTCOMES = (
    "not_answered",
    "answered",
    "closed",
    "awaiting_county",
    "county_decided",
    "withdrawn",
)


class ReportNotAllowed(Exception):
    """The user has no reports, or an agency administrator has no agency."""


@dataclass(frozen=True)
class ReportScope:
    """Which requests a report counts: sent from date_from to date_to (county days, inclusive)."""

    date_from: dt.date
    date_to: dt.date
    agency_id: str | None = None  # None: every agency
    include_complaints: bool = True
    timezone: str = "UTC"

    @property
    def types(self) -> tuple[RequestType, ...]:
        if self.include_complaints:
            return ALL_TYPES
        return tuple(kind for kind in ALL_TYPES if kind is not RequestType.COMPLAINT)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def utc_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """From the start of date_from to the start of the day after date_to, in naive UTC."""
        return _utc_midnight(self.date_from, self.zone), _utc_midnight(
            self.date_to + dt.timedelta(days=1), self.zone
        )


def _utc_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def local_month(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The first day of the county's month of a naive UTC moment."""
    local = moment.replace(tzinfo=dt.UTC).astimezone(zone)
    return dt.date(local.year, local.month, 1)


def default_dates(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months: from the first day of the month eleven months ago to today."""
    month_index = today.year * 12 + today.month - 1 - (DEFAULT_MONTHS - 1)
    return dt.date(month_index // 12, month_index % 12 + 1, 1), today


def months_between(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    """First days of every month from date_from's to date_to's, both included."""
    months = []
    year, month = date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        months.append(dt.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def scope_for(
    user: StaffUser,
    *,
    date_from: dt.date,
    date_to: dt.date,
    agency_id: str | None = None,
    timezone: str = "UTC",
) -> ReportScope:
    """The lead: the agency chosen (or all), complaints included. An agency administrator: their
    own agency, without complaints."""
    if user.role is Role.HMIS_LEAD:
        return ReportScope(date_from, date_to, agency_id or None, True, timezone)
    if user.role is Role.AGENCY_ADMIN and user.organization_id:
        return ReportScope(date_from, date_to, user.organization_id, False, timezone)
    raise ReportNotAllowed(user.role.value)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass(frozen=True)
class TypeFigures:
    """One request type over the cohort, plus how many of its requests are overdue now."""

    received: int = 0
    completed: int = 0  # decided: not withdrawn, with a decision time
    withdrawn: int = 0
    extended: int = 0
    overdue_now: int = 0
    days_to_decision: tuple[float, ...] = ()

    @property
    def undecided(self) -> int:
        return self.received - self.completed - self.withdrawn

    @property
    def median_days(self) -> float | None:
        return percentile(self.days_to_decision, 0.5)

    @property
    def p90_days(self) -> float | None:
        return percentile(self.days_to_decision, 0.9)


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date
    received: Mapping[RequestType, int]
    completed: Mapping[RequestType, int]

    @property
    def total_received(self) -> int:
        return sum(self.received.values())

    @property
    def total_completed(self) -> int:
        return sum(self.completed.values())


@dataclass(frozen=True)
class SharingFigures:
    people_in_refusals: int  # people covered by refusal forms sent in the dates
    people_in_restores: int
    refusing_now: int  # people whose latest signed form is a refusal
    restored_now: int  # people whose latest signed form is a restore


@dataclass(frozen=True)
class ComplaintFigures:
    by_category: Mapping[str | None, int]  # None: no category recorded
    by_outcome: Mapping[str, int]
    escalated: int
    county_decided: int
    awaiting_county: int


@dataclass(frozen=True)
class Report:
    scope: ReportScope
    now: dt.datetime
    months: list[MonthFigures]
    by_type: Mapping[RequestType, TypeFigures]
    corrections: Mapping[Status, int]
    denials: Mapping[str | None, Mapping[RequestType, int]]  # reason (None: not recorded)
    sharing: SharingFigures
    complaints: ComplaintFigures | None = None
    totals: TypeFigures = field(default_factory=TypeFigures)

    @property
    def types(self) -> tuple[RequestType, ...]:
        return self.scope.types


def _in_scope(scope: ReportScope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Request.type.in_(scope.types)]
    if scope.agency_id is not None:
        conditions.append(Request.agency_id == scope.agency_id)
    return conditions


def _in_dates(scope: ReportScope) -> list[ColumnElement[bool]]:
    start, end = scope.utc_bounds()
    return [Request.submitted_at >= start, Request.submitted_at < end]


@dataclass(frozen=True)
class _Row:
    type: RequestType
    status: Status
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    extended: bool
    denial_reason: str | None
    category: str | None
    escalated: bool
    county_decided: bool

    @property
    def withdrawn(self) -> bool:
        return self.status is Status.WITHDRAWN

    @property
    def completed(self) -> bool:
        return self.decided_at is not None and not self.withdrawn


def _cohort(session: Session, scope: ReportScope) -> list[_Row]:
    """One narrow row per request sent in the dates (one statement)."""
    statement = select(
        Request.type,
        Request.status,
        Request.submitted_at,
        Request.decided_at,
        Request.extension_reason.is_not(None),
        Request.denial_reason,
        Request.category,
        Request.escalated_at.is_not(None),
        Request.escalation_outcome.is_not(None),
    ).where(*_in_scope(scope), *_in_dates(scope))
    return [
        _Row(kind, status, sent, decided, bool(extended), reason, category, bool(up), bool(county))
        for kind, status, sent, decided, extended, reason, category, up, county in session.execute(
            statement
        )
    ]


def _overdue_now(session: Session, scope: ReportScope, now: dt.datetime) -> dict[RequestType, int]:
    """Requests still waiting for a decision past their due date now, whenever they were sent.

    Unlike the queue's "overdue", an answered complaint is not counted: the due date is for the
    answer, and what follows (closing it, or the county's decision) has none.
    """
    statement = (
        select(Request.type, func.count())
        .where(
            *_in_scope(scope),
            Request.status.in_(OPEN),
            Request.decided_at.is_(None),
            Request.due_at < now,
        )
        .group_by(Request.type)
    )
    return {RequestType(kind): count for kind, count in session.execute(statement)}


def _people_in_forms(session: Session, scope: ReportScope) -> dict[bool, int]:
    """People covered by refusal (True) and restore (False) forms sent in the dates."""
    statement = (
        select(SharingChange.refused, func.count())
        .join(Request, Request.id == SharingChange.request_id)
        .where(*_in_scope(scope), *_in_dates(scope))
        .group_by(SharingChange.refused)
    )
    return {bool(refused): count for refused, count in session.execute(statement)}


def _sharing_now(session: Session, scope: ReportScope) -> dict[bool, int]:
    """People whose latest signed form is a refusal (True) or a restore (False), now.

    The latest form decides (portal/sharing/rule.py reads the same history). For one agency: the
    people with a live enrollment there, as the sharing rule defines an agency's clients.
    """
    latest = func.row_number().over(
        partition_by=SharingChange.personal_id,
        order_by=(SharingChange.effective_at.desc(), SharingChange.id.desc()),
    )
    ranked = select(SharingChange.refused, latest.label("latest"))
    if scope.agency_id is not None:
        clients = own_agency_client(Viewer(Role.AGENCY_ADMIN, scope.agency_id))
        ranked = ranked.where(SharingChange.personal_id.in_(clients))
    people = ranked.subquery()
    statement = (
        select(people.c.refused, func.count())
        .where(people.c.latest == 1)
        .group_by(people.c.refused)
    )
    return {bool(refused): count for refused, count in session.execute(statement)}


def _days(sent: dt.datetime, decided: dt.datetime) -> float:
    return (decided - sent).total_seconds() / 86400


def complaint_outcome(row: _Row) -> str:
    if row.status is Status.WITHDRAWN:
        return "withdrawn"
    if row.status is Status.ESCALATED:
        return "awaiting_county"
    if row.status is Status.CLOSED:
        return "county_decided" if row.county_decided else "closed"
    if row.status is Status.RESPONDED:
        return "answered"
    return "not_answered"


def _type_figures(rows: list[_Row], overdue: int) -> TypeFigures:
    return TypeFigures(
        received=len(rows),
        completed=sum(row.completed for row in rows),
        withdrawn=sum(row.withdrawn for row in rows),
        extended=sum(row.extended for row in rows),
        overdue_now=overdue,
        days_to_decision=tuple(
            sorted(
                _days(row.submitted_at, row.decided_at)
                for row in rows
                if row.completed and row.decided_at is not None
            )
        ),
    )


def _months(rows: list[_Row], scope: ReportScope) -> list[MonthFigures]:
    zone = scope.zone
    received: Counter[tuple[dt.date, RequestType]] = Counter()
    completed: Counter[tuple[dt.date, RequestType]] = Counter()
    for row in rows:
        month = local_month(row.submitted_at, zone)
        received[month, row.type] += 1
        if row.completed:
            completed[month, row.type] += 1
    return [
        MonthFigures(
            month,
            {kind: received[month, kind] for kind in scope.types},
            {kind: completed[month, kind] for kind in scope.types},
        )
        for month in months_between(scope.date_from, scope.date_to)
    ]


def _complaints(rows: list[_Row]) -> ComplaintFigures:
    complaints = [row for row in rows if row.type is RequestType.COMPLAINT]
    categories = Counter(
        row.category if row.category in COMPLAINT_CATEGORIES else None for row in complaints
    )
    by_category: dict[str | None, int] = {key: categories[key] for key in COMPLAINT_CATEGORIES}
    if categories[None]:
        by_category[None] = categories[None]
    outcomes = Counter(complaint_outcome(row) for row in complaints)
    return ComplaintFigures(
        by_category=by_category,
        by_outcome={key: outcomes[key] for key in COMPLAINT_OUTCOMES},
        escalated=sum(row.escalated for row in complaints),
        county_decided=outcomes["county_decided"],
        awaiting_county=outcomes["awaiting_county"],
    )


def _denials(rows: list[_Row]) -> dict[str | None, dict[RequestType, int]]:
    counted = Counter(
        (row.denial_reason if row.denial_reason in DENIAL_REASONS else None, row.type)
        for row in rows
        if row.status is Status.DENIED and row.type in DENIABLE_TYPES
    )
    denials: dict[str | None, dict[RequestType, int]] = {
        reason: {kind: counted[reason, kind] for kind in DENIABLE_TYPES}
        for reason in DENIAL_REASONS
    }
    if any(counted[None, kind] for kind in DENIABLE_TYPES):
        denials[None] = {kind: counted[None, kind] for kind in DENIABLE_TYPES}
    return denials


def build_report(session: Session, scope: ReportScope, now: dt.datetime | None = None) -> Report:
    """Every figure of the report, in four statements whatever the number of requests."""
    moment = now or utcnow()
    rows = _cohort(session, scope)
    overdue = _overdue_now(session, scope, moment)
    in_forms = _people_in_forms(session, scope)
    sharing_now = _sharing_now(session, scope)
    by_type = {
        kind: _type_figures([row for row in rows if row.type is kind], overdue.get(kind, 0))
        for kind in scope.types
    }
    corrections = Counter(row.status for row in rows if row.type is RequestType.CORRECTION)
    return Report(
        scope=scope,
        now=moment,
        months=_months(rows, scope),
        by_type=by_type,
        corrections={outcome: corrections[outcome] for outcome in CORRECTION_OUTCOMES},
        denials=_denials(rows),
        sharing=SharingFigures(
            people_in_refusals=in_forms.get(True, 0),
            people_in_restores=in_forms.get(False, 0),
            refusing_now=sharing_now.get(True, 0),
            restored_now=sharing_now.get(False, 0),
        ),
        complaints=_complaints(rows) if scope.include_complaints else None,
        totals=_type_figures(rows, sum(overdue.values())),
    )
