"""What the import does not bring: the published notice and staff policy, agency staff, the
requests in the queues (in bulk, through the portal's models), and the signed-in clients'
access codes. All synthetic."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from portal import db
from portal.access.services import issue_access_code
from portal.accounts import policy
from portal.accounts.models import Role, StaffUser
from portal.accounts.services import create_staff_user
from portal.demo.commands import DEMO_NOTICE
from portal.hmis.models import Client, Enrollment, Project
from portal.notice.services import load_demo_notice, load_demo_versions
from portal.requests.forms import CATEGORIES
from portal.requests.models import Channel, Request, RequestEvent, RequestType, Status
from portal.requests.services import DEFAULT_DUE, DENIAL_REASONS, new_reference
from portal.timeutil import utcnow

STAFF_PASSWORD = "synthetic bench password, not a secret"  # noqa: S105 - synthetic accounts
BATCH = 5_000
TYPES = {RequestType.CORRECTION: 70, RequestType.PRINTED_COPY: 20, RequestType.COMPLAINT: 10}
# Where requests stand: a third still open, as in a queue that is kept up with.
OUTCOMES = {
    RequestType.CORRECTION: {
        Status.SUBMITTED: 25,
        Status.IN_REVIEW: 10,
        Status.APPROVED: 25,
        Status.PARTLY_APPROVED: 5,
        Status.DENIED: 25,
        Status.WITHDRAWN: 10,
    },
    RequestType.PRINTED_COPY: {
        Status.SUBMITTED: 25,
        Status.IN_REVIEW: 10,
        Status.COMPLETED: 60,
        Status.WITHDRAWN: 5,
    },
    RequestType.COMPLAINT: {
        Status.RECEIVED: 30,
        Status.RESPONDED: 30,
        Status.CLOSED: 35,
        Status.ESCALATED: 5,
    },
}
UNDECIDED = {Status.SUBMITTED, Status.IN_REVIEW, Status.RECEIVED}
CORRECTED_ITEMS = ("identity.first_name", "identity.last_name", "identity.dob")
CHANNELS = (Channel.PHONE, Channel.KIOSK, Channel.IN_PERSON, Channel.TELEPHONE, Channel.PAPER)
LANGUAGES = {"en": 75, "es": 20, "pl": 5}
# Every row names every column a type may fill, so that the rows insert as one batch.
OPTIONAL_COLUMNS = (
    "claimed_by_id",
    "claimed_at",
    "item_key",
    "current_value",
    "requested_value",
    "reason",
    "corrected_value",
    "denial_reason",
    "decision_explanation",
    "category",
    "description",
    "contact_method",
)


@dataclass(frozen=True)
class PoolClient:
    """A synthetic adult whose browser session the client pages are driven with."""

    personal_id: str
    dob: dt.date
    code: str


@dataclass(frozen=True)
class Seeded:
    agency_id: str
    staff_emails: list[str]
    pool: list[PoolClient]
    requests: int
    request_events: int


def seed(app: Flask, *, requests: int, staff: int, clients: int, random_seed: int) -> Seeded:
    """Everything on a freshly imported database, and the first pool of signed-in clients."""
    rng = random.Random(random_seed)  # noqa: S311 - synthetic data: seeded on purpose
    with app.app_context():
        session = db.session()
        load_demo_notice(session, DEMO_NOTICE)
        load_demo_versions(session, policy.DEMO_POLICY, policy.POLICY)
        agencies = latest_agencies(session)
        agency = Counter(agencies.values()).most_common(1)[0][0]
        emails, staff_ids = _agency_staff(session, agency, staff)
        pool = _pool(session, app.secret_key, clients)
        count, events = _requests(session, rng, requests, agencies, pool, agency, staff_ids)
        session.commit()
        _vacuum_analyze()
    return Seeded(agency, emails, pool, count, events)


def _vacuum_analyze() -> None:
    """What autovacuum does to a database in service: statistics for the planner, and the
    dead rows the seeding's updates left behind marked free (the queue's counts read the
    index alone only where the visibility map says so). VACUUM runs outside a transaction."""
    with db.engine().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def bench_staff(app: Flask) -> list[tuple[str, str | None]]:
    """(e-mail, agency) of the staff an earlier run seeded; none in a database not seeded."""
    with app.app_context():
        rows = db.session().execute(
            select(StaffUser.email, StaffUser.organization_id)
            .where(StaffUser.email.like("bench-staff-%"))
            .order_by(StaffUser.id)
        )
        return [(email, agency) for email, agency in rows]


def reseed(app: Flask, *, clients: int) -> Seeded:
    """A database seeded by an earlier run (BENCH_REUSE_DATABASE=1): its staff, and a new pool
    of clients who have not asked for anything yet."""
    staff = bench_staff(app)
    with app.app_context():
        session = db.session()
        pool = _pool(session, app.secret_key, clients)
        session.commit()
        count = session.scalar(select(func.count()).select_from(Request)) or 0
        events = session.scalar(select(func.count()).select_from(RequestEvent)) or 0
    return Seeded(staff[0][1] or "", [email for email, _agency in staff], pool, count, events)


def latest_agencies(session: Session) -> dict[str, str]:
    """Each client's agency: the organization of their newest enrollment (whose queue gets
    their requests, as the portal routes them)."""
    rows = session.execute(
        select(Enrollment.personal_id, Project.organization_id)
        .join(Project, Project.project_id == Enrollment.project_id)
        .where(Enrollment.date_deleted.is_(None))
        .order_by(Enrollment.personal_id, Enrollment.entry_date)
    )
    return dict(rows.tuples().all())  # the last (newest) per client wins


def _agency_staff(session: Session, agency: str, count: int) -> tuple[list[str], list[int]]:
    """Agency staff (no two-step sign-in needed) who accepted the End User Policy."""
    current = policy.current_policy(session)
    emails, ids = [], []
    for number in range(1, count + 1):
        user = create_staff_user(
            session,
            email=f"bench-staff-{number}@bench.example.org",
            name=f"Bench Staff {number}",
            role=Role.AGENCY_STAFF,
            organization_id=agency,
            password=STAFF_PASSWORD,
        )
        if current is not None:
            policy.accept(session, user, current)
        emails.append(user.email)
        ids.append(user.id)
    return emails, ids


def _pool(session: Session, secret_key: str, count: int) -> list[PoolClient]:
    """Adults with a known date of birth and two or more enrollments (a record page with some
    history on it) who have asked for nothing yet, so that each of their items can be asked to
    be fixed once; each with a new access code."""
    enrollments = (
        select(Enrollment.personal_id, func.count().label("enrollments"))
        .where(Enrollment.date_deleted.is_(None))
        .group_by(Enrollment.personal_id)
        .subquery()
    )
    asked = select(Request.id).where(Request.personal_id == Client.personal_id).exists()
    rows = session.execute(
        select(Client.personal_id, Client.dob)
        .join(enrollments, enrollments.c.personal_id == Client.personal_id)
        .where(
            Client.date_deleted.is_(None),
            Client.dob_data_quality == 1,
            Client.dob < dt.date(2000, 1, 1),
            enrollments.c.enrollments >= 2,
            ~asked,
        )
        .order_by(Client.personal_id)
        .limit(count)
    ).all()
    if len(rows) < count:
        raise SystemExit(f"only {len(rows)} clients are left for the signed-in pool")
    return [PoolClient(pid, dob, issue_access_code(session, pid, secret_key)) for pid, dob in rows]


def _pick(rng: random.Random, weights: dict[object, int]) -> object:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _requests(
    session: Session,
    rng: random.Random,
    count: int,
    agencies: dict[str, str],
    pool: list[PoolClient],
    bench_agency: str,
    staff_ids: list[int],
) -> tuple[int, int]:
    """Insert `count` requests with their timelines, BATCH at a time."""
    excluded = {client.personal_id for client in pool}
    people = sorted(pid for pid in agencies if pid not in excluded)
    asked: Counter[str] = Counter()
    rows = (
        _request_row(rng, rng.choice(people), agencies, asked, bench_agency, staff_ids)
        for _ in range(count)
    )
    inserted = events = 0
    for batch in _batches(rows, BATCH):
        ids = session.scalars(
            insert(Request)
            .returning(Request.id, sort_by_parameter_order=True)
            .execution_options(render_nulls=True),  # else rows go out grouped by None-pattern
            batch,
        ).all()
        timeline = [
            event for row, id_ in zip(batch, ids, strict=True) for event in _events(row, id_)
        ]
        session.execute(insert(RequestEvent).execution_options(render_nulls=True), timeline)
        inserted, events = inserted + len(batch), events + len(timeline)
    return inserted, events


def _batches(rows: Iterator[dict[str, object]], size: int) -> Iterator[list[dict[str, object]]]:
    batch: list[dict[str, object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _request_row(
    rng: random.Random,
    personal_id: str,
    agencies: dict[str, str],
    asked: Counter[str],
    bench_agency: str,
    staff_ids: list[int],
) -> dict[str, object]:
    kind: RequestType = _pick(rng, TYPES)  # type: ignore[assignment]
    status: Status = _pick(rng, OUTCOMES[kind])  # type: ignore[assignment]
    now = utcnow()
    submitted = now - dt.timedelta(days=rng.uniform(0, 730))
    row: dict[str, object] = dict.fromkeys(OPTIONAL_COLUMNS)
    row |= {
        "reference": new_reference(),
        "type": kind,
        "status": status,
        "channel": rng.choice(CHANNELS),
        "personal_id": personal_id,
        "agency_id": None if kind is RequestType.COMPLAINT else agencies[personal_id],
        "language": _pick(rng, LANGUAGES),
        "submitted_at": submitted,
        "due_at": submitted + DEFAULT_DUE[kind],
        "decided_at": None
        if status in UNDECIDED
        else min(now, submitted + dt.timedelta(days=rng.uniform(1, 50))),
        "version": 1,
    }
    if status is Status.IN_REVIEW and row["agency_id"] == bench_agency:
        row["claimed_by_id"], row["claimed_at"] = rng.choice(staff_ids), submitted
    if kind is RequestType.CORRECTION:
        row.update(_correction(rng, personal_id, status, asked))
    elif kind is RequestType.COMPLAINT:
        row.update(_complaint(rng))
    return row


def _correction(
    rng: random.Random, personal_id: str, status: Status, asked: Counter[str]
) -> dict[str, object]:
    # One open correction per item and client, as the portal allows: a client's n-th
    # correction names the n-th item (a client asked more often than there are items gets
    # them decided).
    item = CORRECTED_ITEMS[asked[personal_id] % len(CORRECTED_ITEMS)]
    if asked[personal_id] >= len(CORRECTED_ITEMS) and status in UNDECIDED:
        status = Status.DENIED
    asked[personal_id] += 1
    fields: dict[str, object] = {
        "status": status,
        "item_key": item,
        "current_value": "Synthetic value as recorded",
        "requested_value": f"Synthetic corrected value {rng.randrange(10_000)}",
        "reason": "Synthetic reason: the benchmark asked for this change.",
    }
    if status in (Status.APPROVED, Status.PARTLY_APPROVED):
        fields["corrected_value"] = fields["requested_value"]
        fields["decision_explanation"] = "Synthetic decision: checked against the ID shown."
    elif status is Status.DENIED:
        fields["denial_reason"] = rng.choice(DENIAL_REASONS)
        fields["decision_explanation"] = "Synthetic decision: the record was right."
    return fields


def _complaint(rng: random.Random) -> dict[str, object]:
    return {
        "category": rng.choice(CATEGORIES),
        "description": "Synthetic complaint written by the benchmark.",
        "contact_method": "none",
    }


def _events(row: dict[str, object], request_id: int) -> list[dict[str, object]]:
    """The timeline: sent by the client, then the decision where there is one."""
    events: list[dict[str, object]] = [
        {
            "request_id": request_id,
            "at": row["submitted_at"],
            "kind": "submitted",
            "actor_kind": "client",
            "client_visible": True,
            "body": None,
        }
    ]
    if row["decided_at"] is not None:
        status = row["status"]
        events.append(
            {
                "request_id": request_id,
                "at": row["decided_at"],
                "kind": status.value,  # type: ignore[attr-defined]
                "actor_kind": "client" if status is Status.WITHDRAWN else "system",
                "client_visible": True,
                "body": row.get("decision_explanation"),
            }
        )
    return events
