"""The staff side: who sees which requests, claims, stale pages, decisions the client then sees."""

from __future__ import annotations

import datetime as dt
import threading

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import Role, StaffUser
from portal.accounts.services import create_staff_user
from portal.audit.models import AuditEntry
from portal.requests import queue, workflow
from portal.requests.models import Channel, Request, RequestType, Status
from portal.requests.services import CLIENT_AUTHOR, RequestRefused, open_request
from tests.factories import (
    AGENCY_A,
    AGENCY_B,
    CHILD,
    PARENT,
    hmis_world,
    phone_complaint,
    phone_correction,
)

PASSWORD = "queue test password 2026"


def _correction(session: Session, personal_id: str = PARENT, agency: str = AGENCY_A) -> Request:
    return phone_correction(
        session,
        personal_id=personal_id,
        item_key="identity.first_name",
        current_value="Canaryparent",
        requested_value="Canaryfixed",
        agency_id=agency,
    )


def _staff(session: Session, email: str, role: Role, agency: str | None) -> StaffUser:
    user = create_staff_user(
        session, email=email, name=email, role=role, organization_id=agency, password=PASSWORD
    )
    if role.needs_two_step:
        user.totp_secret = pyotp.random_base32()
    session.commit()
    return user


def _signed_in(app: Flask, user: StaffUser) -> FlaskClient:
    client = app.test_client()
    page = client.get("/staff/sign-in").page
    token = page.select_one("main form input[name=csrf_token]")["value"]
    client.post(
        "/staff/sign-in", data={"csrf_token": token, "email": user.email, "password": PASSWORD}
    )
    if user.totp_secret:
        page = client.get("/staff/sign-in/code").page
        token = page.select_one("main form input[name=csrf_token]")["value"]
        code = pyotp.TOTP(user.totp_secret).now()
        client.post("/staff/sign-in/code", data={"csrf_token": token, "code": code})
    assert client.get("/staff").status_code == 200
    return client


@pytest.fixture
def world(db_session: Session) -> dict[str, object]:
    hmis_world(db_session)
    mine = _correction(db_session)
    theirs = _correction(db_session, CHILD, AGENCY_B)
    complaint = phone_complaint(db_session, personal_id=PARENT, description="Canarycomplaint")
    db_session.commit()
    return {
        "mine": mine,
        "theirs": theirs,
        "complaint": complaint,
        "staff_a": _staff(db_session, "a@agency.example", Role.AGENCY_STAFF, AGENCY_A),
        "staff_a2": _staff(db_session, "a2@agency.example", Role.AGENCY_STAFF, AGENCY_A),
        "lead": _staff(db_session, "lead@county.example", Role.HMIS_LEAD, None),
    }


def test_agency_staff_see_their_agencys_requests_and_never_complaints(
    app: Flask, world: dict, db_session: Session
) -> None:
    staff = _signed_in(app, world["staff_a"])
    page = staff.get("/staff/queue").page
    references = {a.get_text() for a in page.select("table a")}
    assert references == {world["mine"].reference}
    assert "Canaryparent Testfamily" in page.get_text()
    assert staff.get(f"/staff/requests/{world['theirs'].reference}").status_code == 404
    assert staff.get(f"/staff/requests/{world['complaint'].reference}").status_code == 404
    lead = _signed_in(app, world["lead"])
    lead_refs = {a.get_text() for a in lead.get("/staff/queue").page.select("table a")}
    assert lead_refs == {r.reference for r in (world["mine"], world["theirs"], world["complaint"])}


def test_filters_are_in_the_url_and_work_as_htmx_fragments(app: Flask, world: dict) -> None:
    lead = _signed_in(app, world["lead"])
    page = lead.get("/staff/queue?type=complaint").page
    assert {a.get_text() for a in page.select("table a")} == {world["complaint"].reference}
    fragment = lead.get("/staff/queue?type=correction&agency=ORG-B", headers={"HX-Request": "true"})
    text = fragment.get_data(as_text=True)
    assert not text.lstrip().startswith("<!doctype")
    assert world["theirs"].reference in text
    assert world["mine"].reference not in text


def _post(client: FlaskClient, reference: str, action: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    page = client.get(f"/staff/requests/{reference}").page
    token = page.select_one("input[name=csrf_token]")["value"]
    version = page.select_one("input[name=version]")["value"]
    return client.post(
        f"/staff/requests/{reference}/{action}",
        data={"csrf_token": token, "version": version, **data},
    )


def test_claim_decide_and_the_client_sees_the_outcome(
    app: Flask, world: dict, db_session: Session
) -> None:
    reference = world["mine"].reference
    staff = _signed_in(app, world["staff_a"])
    assert _post(staff, reference, "claim", {}).status_code == 303
    other = _signed_in(app, world["staff_a2"])
    other_page = other.get(f"/staff/requests/{reference}").page
    assert "Another staff member is working on it." in other_page.get_text()
    missing = _post(staff, reference, "decision", {"outcome": "denied"})
    assert missing.status_code == 200
    assert "Choose HUD's reason" in missing.page.get_text()
    decided = _post(
        staff,
        reference,
        "decision",
        {"outcome": "denied", "denial_reason": "accurate_complete", "explanation": "ID says so."},
    )
    assert decided.status_code == 303
    found = db_session.scalars(select(Request).where(Request.reference == reference)).one()
    db_session.refresh(found)
    assert found.status is Status.DENIED
    assert found.claimed_by_id is None


def test_a_claim_cut_off_by_the_database_answers_503_and_writes_nothing(
    app: Flask, world: dict, engine: Engine, db_session: Session
) -> None:
    """The connection dies while the claim adds its timeline event (as when PostgreSQL stops):
    the outage page answers, without asking the failed session anything (not even the staff
    navigation's queue count), and the claim is rolled back whole."""
    reference = world["mine"].reference
    staff = _signed_in(app, world["staff_a"])

    def cut_off(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO request_event"):
            raise OperationalError(statement, None, Exception("server closed the connection"))

    event.listen(engine, "before_cursor_execute", cut_off)
    try:
        response = _post(staff, reference, "claim", {})
    finally:
        event.remove(engine, "before_cursor_execute", cut_off)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Sorry, something went wrong on our side" in response.page.select_one("h1").get_text()
    assert response.page.select_one("nav.staff-nav") is None
    found = db_session.scalars(select(Request).where(Request.reference == reference)).one()
    assert found.claimed_by_id is None
    assert "claimed" not in [e.kind for e in found.events]
    claims_audited = select(func.count()).where(AuditEntry.action == "request.claimed")
    assert db_session.scalar(claims_audited) == 0
    # Once the database answers again, the same claim goes through.
    assert _post(staff, reference, "claim", {}).status_code == 303


def test_a_decision_on_a_stale_page_is_refused(
    app: Flask, world: dict, db_session: Session
) -> None:
    reference = world["mine"].reference
    staff = _signed_in(app, world["staff_a"])
    page = staff.get(f"/staff/requests/{reference}").page
    token = page.select_one("input[name=csrf_token]")["value"]
    stale_version = page.select_one("input[name=version]")["value"]
    other = _signed_in(app, world["staff_a2"])
    _post(other, reference, "claim", {})
    _post(other, reference, "release", {})
    response = staff.post(
        f"/staff/requests/{reference}/decision",
        data={"csrf_token": token, "version": stale_version, "outcome": "approved"},
        follow_redirects=True,
    )
    assert "Someone changed this request while you had it open" in response.page.get_text()
    found = db_session.scalars(select(Request).where(Request.reference == reference)).one()
    db_session.refresh(found)
    assert found.status is Status.SUBMITTED  # released: received again, nothing decided


def test_notes_stay_internal_and_messages_reach_the_client(
    app: Flask, world: dict, db_session: Session
) -> None:
    reference = world["mine"].reference
    staff = _signed_in(app, world["staff_a"])
    _post(staff, reference, "notes", {"note": "Called the shelter <b>today</b>."})
    _post(staff, reference, "messages", {"standard": "std:bring_id"})
    found = db_session.scalars(select(Request).where(Request.reference == reference)).one()
    db_session.refresh(found)
    kinds = [(e.kind, e.client_visible) for e in found.events]
    assert ("note", False) in kinds
    assert ("message", True) in kinds
    page = staff.get(f"/staff/requests/{reference}").page
    assert page.find("b") is None  # the note is text, not markup


def test_one_extension_with_a_reason(app: Flask, world: dict, db_session: Session) -> None:
    reference = world["mine"].reference
    staff = _signed_in(app, world["staff_a"])
    due = world["mine"].due_at
    _post(staff, reference, "extension", {"extension_reason": "Waiting for the shelter's file."})
    found = db_session.scalars(select(Request).where(Request.reference == reference)).one()
    db_session.refresh(found)
    assert (found.due_at - due).days == 30
    page = staff.get(f"/staff/requests/{reference}").page
    assert page.select_one("form[action$='/extension']") is None


def test_complaint_answer_escalation_and_county_decision(world: dict, db_session: Session) -> None:
    complaint: Request = db_session.merge(world["complaint"])
    lead: StaffUser = db_session.merge(world["lead"])
    workflow.decide(
        complaint, lead, seen_version=complaint.version, outcome="responded", explanation="Sorry."
    )
    db_session.commit()
    assert complaint.status is Status.RESPONDED
    # The client took it to the county by phone; the lead records that.
    workflow.decide(
        complaint, lead, seen_version=complaint.version, outcome="escalated", explanation="Phone."
    )
    db_session.commit()
    assert complaint.status is Status.ESCALATED
    assert complaint.escalation_due_at is not None
    assert complaint.due_at == complaint.escalation_due_at  # its own time limit
    # Whoever answered first does not decide the appeal: the lead's desk or the county does.
    with pytest.raises(RequestRefused, match="same_decider"):
        workflow.decide(
            complaint,
            lead,
            seen_version=complaint.version,
            outcome="escalation_decided",
            explanation="Training for the agency.",
        )
    db_session.rollback()
    desk = _staff(db_session, "desk@county.example", Role.HMIS_LEAD, None)
    complaint = db_session.merge(complaint)
    workflow.decide(
        complaint,
        desk,
        seen_version=complaint.version,
        outcome="escalation_decided",
        explanation="Training for the agency.",
    )
    db_session.commit()
    assert complaint.status is Status.CLOSED
    assert complaint.escalation_outcome == "Training for the agency."


def test_printed_copy_needs_how_it_was_handed_over(world: dict, db_session: Session) -> None:
    copy = open_request(
        db_session,
        RequestType.PRINTED_COPY,
        personal_id=PARENT,
        channel=Channel.KIOSK,
        author=CLIENT_AUTHOR,
        agency_id=AGENCY_A,
    )
    staff: StaffUser = db_session.merge(world["staff_a"])
    with pytest.raises(RequestRefused, match="handover_needed"):
        workflow.decide(copy, staff, seen_version=copy.version, outcome="completed", explanation="")
    workflow.decide(
        copy,
        staff,
        seen_version=copy.version,
        outcome="completed",
        explanation="Sent to the shelter's address.",
        handover="mailed",
    )
    assert copy.status is Status.COMPLETED
    # Kept in a column of its own: the explanation given is not overwritten by it.
    assert (copy.handover, copy.decision_explanation) == (
        "mailed",
        "Sent to the shelter's address.",
    )


def _race(engine, attempts: int, act) -> list[str]:  # type: ignore[no-untyped-def]
    """Run act(session) in `attempts` threads released at the same moment; each commits its
    own transaction. Returns "won" or "refused" per thread."""
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []

    def run(index: int) -> None:
        with Session(engine) as session:
            prepared = act(session, index)
            barrier.wait()
            try:
                prepared()
                session.commit()
                outcomes.append("won")
            except (StaleDataError, RequestRefused):
                session.rollback()
                outcomes.append("refused")
            except OperationalError:  # SQLite: "database is locked" is a lost race too
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


ATTEMPTS = 8


def test_simultaneous_claims_have_exactly_one_winner(
    app: Flask, world: dict, db_session: Session
) -> None:
    """Many staff claim the same request at the same moment, each in its own session and
    connection: exactly one claim is recorded and every other is refused."""
    users = [
        _staff(db_session, f"racer{i}@agency.example", Role.AGENCY_STAFF, AGENCY_A).id
        for i in range(ATTEMPTS)
    ]
    request_id, version = world["mine"].id, world["mine"].version

    def claim(session: Session, index: int):  # type: ignore[no-untyped-def]
        found, user = session.get(Request, request_id), session.get(StaffUser, users[index])
        return lambda: workflow.claim(found, user, version)

    outcomes = _race(app.extensions["portal.engine"], ATTEMPTS, claim)
    assert outcomes.count("won") == 1, outcomes
    found = db_session.get(Request, request_id)
    db_session.refresh(found)
    assert len([e for e in found.events if e.kind == "claimed"]) == 1
    assert found.claimed_by_id in users


def test_simultaneous_decisions_never_overwrite_each_other(
    app: Flask, world: dict, db_session: Session
) -> None:
    """Half approve, half deny, all at once, none claimed: one decision stands, whole."""
    users = [
        _staff(db_session, f"decider{i}@agency.example", Role.AGENCY_STAFF, AGENCY_A).id
        for i in range(ATTEMPTS)
    ]
    request_id, version = world["mine"].id, world["mine"].version

    def decide(session: Session, index: int):  # type: ignore[no-untyped-def]
        found, user = session.get(Request, request_id), session.get(StaffUser, users[index])
        outcome = "approved" if index % 2 else "denied"
        return lambda: workflow.decide(
            found,
            user,
            seen_version=version,
            outcome=outcome,
            denial_reason="accurate_complete",
            explanation=f"decision {index}",
        )

    outcomes = _race(app.extensions["portal.engine"], ATTEMPTS, decide)
    assert outcomes.count("won") == 1, outcomes
    found = db_session.get(Request, request_id)
    db_session.refresh(found)
    decisions = [e for e in found.events if e.kind in ("approved", "denied")]
    assert len(decisions) == 1
    assert found.decision_explanation == decisions[0].body
    assert (found.status is Status.APPROVED) == (decisions[0].kind == "approved")


def test_the_queue_page_costs_a_fixed_number_of_statements(
    app: Flask, world: dict, db_session: Session
) -> None:
    def statements_for(extra: int) -> int:
        for _ in range(extra):
            open_request(
                db_session,
                RequestType.PRINTED_COPY,
                personal_id=PARENT,
                channel=Channel.KIOSK,
                author=CLIENT_AUTHOR,
                agency_id=AGENCY_A,
            )
        db_session.commit()
        lead: StaffUser = db_session.merge(world["lead"])
        engine = app.extensions["portal.engine"]
        count = 0

        def counter(*_args: object) -> None:
            nonlocal count
            count += 1

        event.listen(engine, "before_cursor_execute", counter)
        try:
            with Session(engine) as session:
                page = queue.queue_page(session, session.merge(lead), queue.QueueFilters())
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        assert page.rows
        return count

    few = statements_for(0)
    many = statements_for(45)
    assert few == many, (few, many)
    assert db_session.scalar(select(func.count()).select_from(Request)) >= 48


def test_staff_enter_a_request_for_a_client_they_serve(
    app: Flask, world: dict, db_session: Session
) -> None:
    staff = _signed_in(app, world["staff_a"])
    url = f"/staff/clients/{PARENT}/requests/new"
    token = staff.get(url).page.select_one("input[name=csrf_token]")["value"]
    missing = staff.post(
        url, data={"csrf_token": token, "type": "correction", "channel": "telephone"}
    )
    errors = [e.get_text(strip=True) for e in missing.page.select(".error-message")]
    assert any("Choose the item to correct." in e for e in errors)
    sent = staff.post(
        url,
        data={
            "csrf_token": token,
            "type": "correction",
            "channel": "telephone",
            "item_key": "identity.dob",
            "requested_value": "1984-05-06",
            "details": "Typo at intake.",
        },
    )
    assert sent.status_code == 303
    entered = db_session.scalars(select(Request).where(Request.item_key == "identity.dob")).one()
    assert entered.channel.value == "telephone"
    assert entered.entered_by_id == world["staff_a"].id
    assert entered.agency_id == AGENCY_A
    paper = staff.post(
        url,
        data={
            "csrf_token": token,
            "type": "sharing_refusal",
            "channel": "paper",
            "signed_name": "Canaryparent Testfamily",
        },
    )
    assert "published" in paper.page.get_text()  # no refusal form published in this world
    other = _staff(db_session, "b@agency.example", Role.AGENCY_STAFF, AGENCY_B)
    assert _signed_in(app, other).get(f"/staff/clients/{CHILD}/requests/new").status_code == 404


def test_the_client_sees_which_agency_opened_their_record(
    app: Flask, world: dict, db_session: Session
) -> None:
    from portal.audit.services import staff_access_to

    staff = _signed_in(app, world["staff_a"])
    assert staff.get(f"/staff/clients/{PARENT}").status_code == 200
    assert staff.get(f"/staff/clients/{PARENT}?show=ssn").status_code == 200
    seen = staff_access_to(db_session, PARENT)
    actions = [event.action for event in seen]
    assert actions[:2] == ["client.ssn_revealed_by_staff", "client.record_opened"]
    assert seen[0].agency == "Agency Alpha Shelter"
    assert seen[0].role == "agency_staff"


def test_due_days_are_counted_in_the_countys_days_not_24_hour_steps(app: Flask) -> None:
    from portal.i18n import local_date, local_midnight
    from portal.requests.queue import days_left, marker

    with app.app_context():  # America/Chicago
        evening = dt.datetime(2026, 3, 10, 3, 0)  # 22:00 on March 9 in Chicago
        assert local_date(evening) == dt.date(2026, 3, 9)
        assert local_midnight(dt.date(2026, 3, 9)) == dt.datetime(2026, 3, 9, 5, 0)  # CDT
        # Due at 21:00 on March 12 in Chicago: three days away there, though 71 hours in UTC.
        due = dt.datetime(2026, 3, 13, 2, 0)
        assert days_left(due, evening) == 3
        assert marker(Status.IN_REVIEW, due, evening) == "soon"
        # Due earlier the same local day: due today, not late; the day before: overdue.
        assert days_left(dt.datetime(2026, 3, 9, 20, 0), evening) == 0
        assert marker(Status.IN_REVIEW, dt.datetime(2026, 3, 9, 20, 0), evening) == "soon"
        assert marker(Status.IN_REVIEW, dt.datetime(2026, 3, 9, 4, 59), evening) == "overdue"
        assert marker(Status.COMPLETED, dt.datetime(2026, 3, 9, 4, 59), evening) is None
