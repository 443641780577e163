"""The staff console for a real caseload (issue 20): search, sort, due markers, keyset paging,
assignment and bulk actions, claims released with a disabled account, the staff print of the
record, staff-entered complaints and paper refusals, and one navigation on every staff page."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from portal.accounts import management
from portal.accounts.models import Role, StaffUser
from portal.audit.models import AuditEntry
from portal.hmis.identity import record_identity_changes
from portal.hmis.models import Client
from portal.hmis.names import fold
from portal.reports.numbers import ReportScope, build_report
from portal.requests import assignment, queue
from portal.requests.models import Channel, Request, RequestEvent, RequestType, Status
from portal.requests.services import CLIENT_AUTHOR, open_request
from portal.timeutil import utcnow
from tests.factories import AGENCY_A, AGENCY_B, CHILD, PARENT, hmis_world, phone_correction
from tests.requests.test_staff_queue import _signed_in, _staff


@pytest.fixture
def world(db_session: Session) -> dict[str, object]:
    hmis_world(db_session)
    # The parent's name as the HMIS now spells it, with accents.
    parent = db_session.get(Client, PARENT)
    assert parent is not None
    parent.first_name, parent.last_name = "Zoë", "Núñez-Łukasz"
    parent.date_updated = utcnow() - dt.timedelta(days=400)
    db_session.flush()
    record_identity_changes(db_session, [PARENT], utcnow())
    mine = phone_correction(
        db_session,
        personal_id=PARENT,
        item_key="identity.first_name",
        current_value="Zoë",
        requested_value="Zoe",
        agency_id=AGENCY_A,
    )
    child = open_request(
        db_session,
        RequestType.PRINTED_COPY,
        personal_id=CHILD,
        channel=Channel.KIOSK,
        author=CLIENT_AUTHOR,
        agency_id=AGENCY_A,
        language="es",
    )
    theirs = phone_correction(
        db_session,
        personal_id=CHILD,
        item_key="identity.dob",
        current_value="x",
        requested_value="y",
        agency_id=AGENCY_B,
    )
    db_session.commit()
    return {
        "mine": mine,
        "child": child,
        "theirs": theirs,
        "staff_a": _staff(db_session, "a@agency.example", Role.AGENCY_STAFF, AGENCY_A),
        "staff_a2": _staff(db_session, "a2@agency.example", Role.AGENCY_STAFF, AGENCY_A),
        "admin_a": _staff(db_session, "admin@agency.example", Role.AGENCY_ADMIN, AGENCY_A),
        "staff_b": _staff(db_session, "b@agency.example", Role.AGENCY_STAFF, AGENCY_B),
        "lead": _staff(db_session, "lead@county.example", Role.HMIS_LEAD, None),
    }


def _refs(session: Session, user: StaffUser, **filters: object) -> list[str]:
    page = queue.queue_page(session, session.merge(user), queue.QueueFilters(**filters))  # type: ignore[arg-type]
    return [row.reference for row in page.rows]


def test_names_fold_to_plain_lower_case() -> None:
    assert fold("Zoë  NÚÑEZ-Łukasz") == "zoe nunez lukasz"
    assert fold(None) == ""


def test_queue_search_by_reference_accentless_name_and_personal_id(
    world: dict, db_session: Session
) -> None:
    staff, mine, child = world["staff_a"], world["mine"], world["child"]
    typed_reference = mine.reference.replace("-", "").lower()
    assert _refs(db_session, staff, q=typed_reference) == [mine.reference]
    assert _refs(db_session, staff, q="zoe nunez") == [mine.reference]
    assert _refs(db_session, staff, q="LUKASZ") == [mine.reference]
    assert _refs(db_session, staff, q=CHILD) == [child.reference]
    assert _refs(db_session, staff, q="nobody-by-that-name") == []
    # Another agency's staff finds nothing of agency A's queue by the same name.
    assert _refs(db_session, world["staff_b"], q="zoe nunez") == []


def test_queue_sorts_and_due_markers(world: dict, db_session: Session) -> None:
    mine: Request = db_session.merge(world["mine"])
    child: Request = db_session.merge(world["child"])
    now = utcnow()
    mine.due_at = now - dt.timedelta(days=2)
    child.due_at = now + dt.timedelta(days=2)
    db_session.commit()
    lead = world["lead"]
    due = _refs(db_session, lead)
    assert due[:2] == [mine.reference, child.reference]
    by_type = _refs(db_session, lead, sort="type")
    types = [
        db_session.scalars(select(Request.type).where(Request.reference == r)).one()
        for r in by_type
    ]
    assert types == sorted(types, key=str)
    received = _refs(db_session, lead, sort="received")
    sent = [
        db_session.scalars(select(Request.submitted_at).where(Request.reference == r)).one()
        for r in received
    ]
    assert sent == sorted(sent, reverse=True)
    page = queue.queue_page(db_session, db_session.merge(lead), queue.QueueFilters())
    markers = {row.reference: row.marker for row in page.rows}
    assert markers[mine.reference] == "overdue"
    assert markers[child.reference] == "soon"
    assert page.counts["overdue"] == 1
    assert page.counts["soon"] == 1
    assert _refs(db_session, lead, due="overdue") == [mine.reference]
    assert _refs(db_session, lead, due="soon") == [child.reference]


def test_queue_page_shows_markers_in_words(app: Flask, world: dict, db_session: Session) -> None:
    mine: Request = db_session.merge(world["mine"])
    mine.due_at = utcnow() - dt.timedelta(days=1)
    db_session.commit()
    page = _signed_in(app, world["staff_a"]).get("/staff/queue?q=zoe").page
    marker = page.select_one("[data-marker=overdue]")
    assert marker is not None
    assert marker.get_text(strip=True) == "Overdue"
    assert "due-marker--overdue" in marker["class"]


def test_keyset_order_equals_the_unpaged_order_for_every_sort(
    world: dict, db_session: Session
) -> None:
    now = utcnow()
    rows = [
        {
            "reference": f"T{i:02d}-000-{i % 7:03d}"[:11],
            "type": (RequestType.CORRECTION, RequestType.PRINTED_COPY, RequestType.COMPLAINT)[
                i % 3
            ],
            "status": (Status.SUBMITTED, Status.IN_REVIEW, Status.RECEIVED)[i % 3],
            "channel": Channel.KIOSK,
            "agency_id": AGENCY_A,
            "language": "en",
            "submitted_at": now - dt.timedelta(hours=i % 5),  # many ties: the id decides
            "due_at": now + dt.timedelta(days=i % 4),
            "version": 1,
        }
        for i in range(130)
    ]
    db_session.execute(insert(Request), rows)
    db_session.commit()
    lead: StaffUser = db_session.merge(world["lead"])
    for sort in queue.SORTS:
        filters = queue.QueueFilters(sort=sort)
        unpaged = [
            r.reference for r in db_session.execute(queue.page_statement(lead, filters, limit=None))
        ]
        paged: list[str] = []
        after = None
        while True:
            page = queue.queue_page(db_session, lead, queue.QueueFilters(sort=sort, after=after))
            paged += [row.reference for row in page.rows]
            if page.next_after is None:
                break
            after = page.next_after
        assert paged == unpaged, sort
        assert len(paged) == 133


def test_a_keyset_page_deep_in_50000_requests(app: Flask, world: dict, db_session: Session) -> None:
    now = utcnow()
    db_session.execute(
        insert(Request),
        [
            {
                "reference": f"{i:09d}",
                "type": RequestType.PRINTED_COPY,
                "status": Status.SUBMITTED,
                "channel": Channel.KIOSK,
                "agency_id": AGENCY_A,
                "language": "en",
                "submitted_at": now,
                "due_at": now + dt.timedelta(minutes=i),
                "version": 1,
            }
            for i in range(50_000)
        ],
    )
    db_session.commit()
    lead: StaffUser = db_session.merge(world["lead"])
    ordered_ids = list(
        db_session.scalars(
            select(Request.id).order_by(Request.due_at, Request.id).offset(40_000).limit(51)
        )
    )
    previous = db_session.get(Request, ordered_ids[0])
    assert previous is not None
    after = queue.page_key(previous, "due")
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = app.extensions["portal.engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = queue.queue_page(db_session, lead, queue.QueueFilters(after=after))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [row.id for row in page.rows] == ordered_ids[1:51]
    assert page.next_after is not None
    # No OFFSET: SQLite's dialect writes "OFFSET 0" after every LIMIT, so the page's statement
    # is checked as PostgreSQL compiles it, and what ran on PostgreSQL as it ran.
    compiled = str(
        queue.page_statement(lead, queue.QueueFilters(after=after)).compile(
            dialect=postgresql.dialect()
        )
    )
    assert "LIMIT" in compiled
    assert "OFFSET" not in compiled
    if engine.dialect.name == "postgresql":
        assert not [s for s in statements if "OFFSET" in s.upper()]


def test_assignment_and_bulk_claim_write_the_timeline(
    app: Flask, world: dict, db_session: Session
) -> None:
    admin: StaffUser = db_session.merge(world["admin_a"])
    staff: StaffUser = db_session.merge(world["staff_a"])
    colleague: StaffUser = db_session.merge(world["staff_a2"])
    mine: Request = db_session.merge(world["mine"])
    child: Request = db_session.merge(world["child"])
    with app.test_request_context():  # each change is audited
        outcome = assignment.bulk(
            db_session, staff, [mine.reference, child.reference, world["theirs"].reference], "claim"
        )
    db_session.commit()
    assert sorted(outcome.done) == sorted([mine.reference, child.reference])
    assert outcome.refused == [world["theirs"].reference]  # another agency's: not in scope
    assert mine.claimed_by_id == child.claimed_by_id == staff.id
    assert [e.kind for e in mine.events][-1] == "claimed"
    # The agency's data administrator hands one to a colleague, over the claim.
    assignment.assign(mine, admin, colleague, "Staff A is on leave", mine.version)
    db_session.commit()
    assert mine.claimed_by_id == colleague.id
    last = mine.events[-1]
    assert last.kind == "assigned"
    assert not last.client_visible
    assert last.body == f"{colleague.name}\nStaff A is on leave"
    # Plain staff cannot reassign; nor release someone else's claim.
    with pytest.raises(Exception, match="not_manager"):
        assignment.assign(mine, staff, staff, "", mine.version)
    with pytest.raises(Exception, match="claimed_by_other"):
        assignment.release(mine, staff, mine.version)
    assignment.release(mine, admin, mine.version)
    db_session.commit()
    assert mine.claimed_by_id is None
    assert mine.status is Status.SUBMITTED  # the client sees it received again
    assert _refs(db_session, staff, assignee="me") == [child.reference]


def test_reassignment_from_the_request_page(app: Flask, world: dict, db_session: Session) -> None:
    mine: Request = world["mine"]
    lead = _signed_in(app, world["lead"])
    page = lead.get(f"/staff/requests/{mine.reference}").page
    form = page.select_one(f"form[action='/staff/requests/{mine.reference}/assignment']")
    assert form is not None
    options = {o.get_text(): o["value"] for o in form.select("select[name=assignee] option")}
    assert "b@agency.example" not in options  # agency B's staff cannot work agency A's request
    response = lead.post(
        f"/staff/requests/{mine.reference}/assignment",
        data={
            "csrf_token": form.select_one("input[name=csrf_token]")["value"],
            "version": form.select_one("input[name=version]")["value"],
            "assignee": options["a2@agency.example"],
            "assign_reason": "Speaks Polish",
        },
    )
    assert response.status_code == 303
    shown = lead.get(f"/staff/requests/{mine.reference}").page.select_one("ol.timeline").get_text()
    assert "assigned to a2@agency.example" in shown
    assert "Speaks Polish" in shown
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "request.assigned")
    ).one()
    assert entry.object_id == mine.reference


def test_disabling_a_user_releases_their_claims(
    app: Flask, world: dict, db_session: Session
) -> None:
    staff: StaffUser = db_session.merge(world["staff_a"])
    admin: StaffUser = db_session.merge(world["admin_a"])
    mine: Request = db_session.merge(world["mine"])
    with app.test_request_context():
        assignment.bulk(db_session, staff, [mine.reference], "claim")
    db_session.commit()
    assert mine.status is Status.IN_REVIEW
    with app.test_request_context():  # the audit entry needs the app's key
        management.disable_user(db_session, admin, staff)
    db_session.commit()
    db_session.refresh(mine)
    assert mine.claimed_by_id is None
    assert mine.status is Status.SUBMITTED
    last = db_session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == mine.id)
        .order_by(RequestEvent.id.desc())
    ).first()
    assert last is not None
    assert last.kind == "released_account_disabled"
    assert last.body == staff.name


def test_bulk_from_the_queue_page_without_javascript(
    app: Flask, world: dict, db_session: Session
) -> None:
    staff = _signed_in(app, world["staff_a"])
    page = staff.get("/staff/queue").page
    form = page.select_one("form[action='/staff/queue/bulk']")
    refs = [box["value"] for box in form.select("input[name=reference]")]
    assert set(refs) == {world["mine"].reference, world["child"].reference}
    response = staff.post(
        "/staff/queue/bulk",
        data={
            "csrf_token": form.select_one("input[name=csrf_token]")["value"],
            "reference": refs,
            "action": "claim",
            "back": "",
        },
    )
    assert response.status_code == 303
    mine = db_session.scalars(select(Request).where(Request.reference.in_(refs))).all()
    assert {r.claimed_by_id for r in mine} == {world["staff_a"].id}
    after = staff.get("/staff/queue?assignee=me").page
    assert "Assigned to me: 2" in after.select_one(".queue-tabs").get_text(" ", strip=True)


def test_saved_views_keep_the_filters(app: Flask, world: dict) -> None:
    staff = _signed_in(app, world["staff_a"])
    page = staff.get("/staff/queue?type=printed_copy&sort=received").page
    form = page.select_one("form[action='/staff/queue/views']")
    response = staff.post(
        "/staff/queue/views",
        data={
            "csrf_token": form.select_one("input[name=csrf_token]")["value"],
            "query": form.select_one("input[name=query]")["value"],
            "view_name": "Copies, newest",
        },
    )
    assert response.status_code == 303
    link = staff.get("/staff/queue").page.find("a", string="Copies, newest")
    assert link is not None
    assert "type=printed_copy" in link["href"]
    assert "sort=received" in link["href"]
    other = _signed_in(app, world["staff_a2"]).get("/staff/queue").page
    assert other.find("a", string="Copies, newest") is None


def test_staff_print_the_record_pdf_for_a_printed_copy(
    app: Flask, world: dict, db_session: Session
) -> None:
    child: Request = world["child"]
    staff = _signed_in(app, world["staff_a"])
    response = staff.get(f"/staff/requests/{child.reference}/record-pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert child.reference in response.headers["Content-Disposition"]
    found = db_session.scalars(select(Request).where(Request.id == child.id)).one()
    db_session.refresh(found)
    assert found.printed_by_id == world["staff_a"].id
    assert found.events[-1].kind == "printed"
    assert not found.events[-1].client_visible
    assert (
        db_session.scalars(select(AuditEntry).where(AuditEntry.action == "request.record_printed"))
        .one()
        .personal_id
        == CHILD
    )
    # Not for a correction.
    refused = staff.get(f"/staff/requests/{world['mine'].reference}/record-pdf")
    assert refused.status_code == 303


def test_the_staff_pdf_is_marked_with_the_request_and_the_printer(app: Flask) -> None:
    from flask import render_template

    with app.test_request_context():
        html = render_template(
            "client/record_pdf.html",
            record=type(
                "R",
                (),
                {
                    "identity": [],
                    "demographics": [],
                    "enrollments": [],
                    "refuses_sharing": False,
                    "sharing_events": [],
                    "requests": [],
                },
            )(),
            produced_at=utcnow(),
            notice_version=None,
            language="en",
            reason_labels={},
            type_labels={},
            status_labels={},
            printed_for=("K7M-4Q2-XD9", "Pat Printer"),
        )
    assert "Printed for request K7M-4Q2-XD9 by Pat Printer." in html


def _enter(client: FlaskClient, personal_id: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    url = f"/staff/clients/{personal_id}/requests/new"
    token = client.get(url).page.select_one("input[name=csrf_token]")["value"]
    return client.post(url, data={"csrf_token": token, **data})


def test_a_phone_complaint_records_category_contact_and_channel(
    app: Flask, world: dict, db_session: Session
) -> None:
    staff = _signed_in(app, world["staff_a"])
    missing = _enter(
        staff, PARENT, {"type": "complaint", "channel": "telephone", "details": "Rude."}
    )
    errors = " ".join(e.get_text() for e in missing.page.select(".error-message"))
    assert "Choose what the complaint is about." in errors
    assert "Choose how the client wants an answer" in errors
    sent = _enter(
        staff,
        PARENT,
        {
            "type": "complaint",
            "channel": "telephone",
            "details": "Rude at the desk.",
            "category": "staff_conduct",
            "contact_method": "none",
        },
    )
    assert sent.status_code == 303
    complaint = db_session.scalars(
        select(Request).where(Request.type == RequestType.COMPLAINT)
    ).one()
    assert (complaint.category, complaint.contact_method, complaint.channel) == (
        "staff_conduct",
        "none",
        Channel.TELEPHONE,
    )
    assert complaint.contact_details is None


def test_a_paper_refusal_is_counted_for_the_agency_that_received_it(
    app: Flask, world: dict, db_session: Session
) -> None:
    from portal.notice.services import load_demo_versions
    from portal.sharing import services as sharing

    kind = sharing.form_kind(True)
    load_demo_versions(db_session, sharing.DEMO_SHARING_FORMS[kind], kind)
    db_session.commit()
    staff = _signed_in(app, world["staff_a"])
    sent = _enter(
        staff,
        PARENT,
        {"type": "sharing_refusal", "channel": "paper", "signed_name": "Zoe Nunez"},
    )
    assert sent.status_code == 303
    refusal = db_session.scalars(
        select(Request).where(Request.type == RequestType.SHARING_REFUSAL)
    ).one()
    assert refusal.agency_id == AGENCY_A
    today = utcnow().date()
    report = build_report(db_session, ReportScope(today, today, agency_id=AGENCY_A))
    assert report.by_type[RequestType.SHARING_REFUSAL].received == 1


STAFF_PAGES = (
    "/staff",
    "/staff/queue",
    "/staff/clients",
    "/staff/access-codes/new",
    "/staff/reports",
    "/staff/audit",
    "/staff/versions",
    "/staff/users",
    "/staff/exchange",
)


def test_every_staff_page_has_the_same_navigation(app: Flask, world: dict) -> None:
    lead = _signed_in(app, world["lead"])
    seen = set()
    for path in (*STAFF_PAGES, f"/staff/requests/{world['mine'].reference}"):
        page = lead.get(path).page
        navs = page.select("nav[aria-label=Staff]")
        assert len(navs) == 1, path
        links = tuple(a["href"] for a in navs[0].select("a"))
        seen.add(links)
        current = navs[0].select("a[aria-current=page]")
        assert len(current) <= 1, path
    assert len(seen) == 1
    (links,) = seen
    assert links == (
        "/staff/queue",
        "/staff/clients",
        "/staff/access-codes/new",
        "/staff/reports",
        "/staff/audit",
        "/staff/versions",
        "/staff/users",
        "/staff/exchange",
    )
    staff_nav = (
        _signed_in(app, world["staff_a"])
        .get("/staff/queue")
        .page.select_one("nav[aria-label=Staff]")
    )
    assert [a["href"] for a in staff_nav.select("a")] == [
        "/staff/queue",
        "/staff/clients",
        "/staff/access-codes/new",
    ]
    assert staff_nav.select_one(".staff-nav__count").get_text() == "2"


def test_a_coded_staff_correction_stores_the_code_and_exports_the_hud_value(
    app: Flask, world: dict, db_session: Session
) -> None:
    from portal.exchange import changes
    from portal.requests import workflow

    staff = _signed_in(app, world["staff_a"])
    url = f"/staff/clients/{PARENT}/requests/new"
    page = staff.get(url).page
    group = page.select_one("select[name=requested_codes] optgroup[label='Veteran status']")
    assert group is not None
    choices = {o.get_text(): o["value"] for o in group.select("option")}
    assert choices["Yes (1)"] == "demographics.veteran_status=1"
    token = page.select_one("input[name=csrf_token]")["value"]
    base = {"csrf_token": token, "type": "correction", "channel": "telephone", "details": "Served."}
    wrong = staff.post(
        url,
        data={
            **base,
            "item_key": "demographics.veteran_status",
            "requested_value": "yes",  # free text is not taken for a coded item
            "requested_codes": ["demographics.sex=1"],  # another item's choice
        },
    )
    assert wrong.status_code == 200
    assert wrong.page.select_one("#requested_codes-error") is not None
    sent = staff.post(
        url,
        data={
            **base,
            "item_key": "demographics.veteran_status",
            "requested_codes": ["demographics.veteran_status=1"],
        },
    )
    assert sent.status_code == 303
    correction = db_session.scalars(
        select(Request).where(Request.item_key == "demographics.veteran_status")
    ).one()
    # As the client's form stores it: HUD's words for reading, the code for the export.
    assert (correction.requested_value, correction.requested_code) == ("Yes", "1")
    shown = staff.get(f"/staff/requests/{correction.reference}").page.get_text()
    assert "Yes (1)" in shown
    lead: StaffUser = db_session.merge(world["lead"])
    workflow.decide(
        correction, lead, seen_version=correction.version, outcome="approved", explanation=""
    )
    db_session.commit()
    rows = [
        row
        for row in changes.changes_since(db_session, dt.datetime(2020, 1, 1))
        if row.reference == correction.reference
    ]
    assert len(rows) == 1
    assert (rows[0].hud_column, rows[0].hud_value) == ("VeteranStatus", "1")


def test_a_refused_decision_is_explained_beside_the_form_and_the_hud_reason_stays(
    app: Flask, world: dict, db_session: Session
) -> None:
    child: Request = world["child"]
    url = f"/staff/requests/{child.reference}"
    staff = _signed_in(app, world["staff_a"])
    page = staff.get(url).page
    token = page.select_one("input[name=csrf_token]")["value"]
    stale = page.select_one("input[name=version]")["value"]
    other = _signed_in(app, world["staff_a2"])
    for action in ("claim", "release"):
        form = other.get(url).page
        other.post(
            f"{url}/{action}",
            data={
                "csrf_token": form.select_one("input[name=csrf_token]")["value"],
                "version": form.select_one("input[name=version]")["value"],
            },
        )
    refused = staff.post(
        f"{url}/decision",
        data={
            "csrf_token": token,
            "version": stale,
            "outcome": "denied",
            "denial_reason": "endangers_safety",
            "explanation": "Not safe.",
        },
    )
    assert refused.status_code == 200
    section = refused.page.select_one("section[aria-labelledby=decision-heading]")
    summary = section.select_one(".error-summary")
    assert summary is not None
    assert summary.has_attr("autofocus")
    assert "Someone changed this request" in summary.get_text()
    fresh = section.select_one("input[name=version]")["value"]
    decided = staff.post(
        f"{url}/decision",
        data={
            "csrf_token": token,
            "version": fresh,
            "outcome": "denied",
            "denial_reason": "endangers_safety",
            "explanation": "Not safe.",
        },
    )
    assert decided.status_code == 303
    shown = staff.get(url).page.select_one(".summary-list").get_text(" ", strip=True)
    assert "HUD reason for the denial" in shown
    assert "likely to endanger" in shown.lower() or "safety" in shown.lower()


def test_the_queue_rules_are_services_that_agree_without_a_request_context(
    world: dict, db_session: Session
) -> None:
    """One scope rule (SQL and Python agree), one set of undecided statuses."""
    from portal.requests import corrections, services, workflow

    everything = db_session.scalars(select(Request)).all()
    for name in ("staff_a", "admin_a", "staff_b", "lead"):
        user = db_session.merge(world[name])
        in_sql = set(db_session.scalars(queue.scope(user).with_only_columns(Request.id)))
        in_python = {r.id for r in everything if queue.in_scope(user, r)}
        assert in_sql == in_python, name
    assert services.WITHDRAWABLE is services.UNDECIDED
    assert workflow.UNDECIDED is services.UNDECIDED
    assert corrections.UNDECIDED is services.UNDECIDED


def test_the_client_search_ignores_accents_too(app: Flask, world: dict) -> None:
    staff = _signed_in(app, world["staff_a"])
    page = staff.get("/staff/clients?name=NUNEZ+zoe").page
    assert page.select_one(f"a[href='/staff/clients/{PARENT}']") is not None


def test_staff_race_correction_partly_approved_with_hud_choices_exports_one_row_per_column(
    app: Flask, world: dict, db_session: Session
) -> None:
    from portal.exchange import changes as exchange

    staff = _signed_in(app, world["staff_a"])
    url = f"/staff/clients/{PARENT}/requests/new"
    page = staff.get(url).page
    group = page.select_one("select[name=requested_codes] optgroup[label='Race and ethnicity']")
    offered = {o["value"]: o.get_text() for o in group.select("option")}
    # "Doesn't know" and "prefers not to answer" are two answers (RaceNone 8 and 9), not one;
    # "data not collected" is what staff record, never an answer.
    assert "demographics.race=RaceNone" not in offered
    assert offered["demographics.race=8"] == "Client doesn't know (8)"
    assert offered["demographics.race=9"] == "Client prefers not to answer (9)"
    assert "demographics.race=99" not in offered
    token = page.select_one("input[name=csrf_token]")["value"]
    base = {
        "csrf_token": token,
        "type": "correction",
        "channel": "in_person",
        "details": "Told us in person.",
        "item_key": "demographics.race",
    }
    mixed = staff.post(
        url, data={**base, "requested_codes": ["demographics.race=White", "demographics.race=8"]}
    )
    assert mixed.status_code == 200
    assert mixed.page.select_one("#requested_codes-error") is not None
    sent = staff.post(
        url,
        data={**base, "requested_codes": ["demographics.race=Asian", "demographics.race=White"]},
    )
    assert sent.status_code == 303
    correction = db_session.scalars(
        select(Request).where(Request.item_key == "demographics.race")
    ).one()
    assert correction.requested_code == "Asian;White"
    request_url = f"/staff/requests/{correction.reference}"
    lead = _signed_in(app, world["lead"])
    shown = lead.get(request_url).page
    # A partial approval of a coded item takes HUD's choices (checkboxes), not free text.
    boxes = shown.select("input[type=checkbox][name=corrected_codes]")
    assert {box["value"] for box in boxes} >= {"Asian", "White", "8", "9"}
    assert shown.select_one("input[name=corrected_value]") is None
    data = {
        "csrf_token": shown.select_one("input[name=csrf_token]")["value"],
        "version": shown.select_one("form[action$=decision] input[name=version]")["value"],
        "outcome": "partly_approved",
        "explanation": "Only Asian is on the paper the client brought.",
    }
    missing = lead.post(f"{request_url}/decision", data=data)
    assert missing.status_code == 200
    assert missing.page.select_one("#corrected_codes-error") is not None
    decided = lead.post(f"{request_url}/decision", data={**data, "corrected_codes": ["Asian"]})
    assert decided.status_code == 303
    db_session.refresh(correction)
    assert correction.status is Status.PARTLY_APPROVED
    assert (correction.corrected_code, correction.corrected_value) == (
        "Asian",
        "Asian or Asian American",
    )
    recorded = lead.get(request_url).page.get_text()
    assert "Asian or Asian American (Asian)" in recorded
    preview = exchange.preview_changes(db_session, since=dt.datetime(2020, 1, 1), again=False)
    rows = [row for row in preview.rows if row.reference == correction.reference]
    assert {row.hud_column: row.hud_value for row in rows} == {
        "AmIndAKNative": "0",
        "Asian": "1",
        "BlackAfAmerican": "0",
        "HispanicLatinao": "0",  # FY2026 spells the column so
        "MidEastNAfrican": "0",
        "NativeHIPacific": "0",
        "White": "0",
        "RaceNone": "",
    }
    # Eight rows, one correction: the preview counts rows per kind, the export its requests.
    assert exchange.rows_per_kind(preview)["correction"] == len(
        [row for row in preview.rows if row.change == "correction"]
    )
    assert preview.corrections == 1


def test_gender_correction_writes_each_gender_column_or_the_none_code() -> None:
    from portal.hmis import items

    gender = items.BY_KEY["demographics.gender"]
    written = dict(items.hud_columns_written(gender, "FY2024", ["4", "5"]))
    assert written == {
        "Woman": "0",
        "Man": "0",
        "CulturallySpecific": "0",
        "DifferentIdentity": "0",
        "NonBinary": "1",
        "Transgender": "1",
        "Questioning": "0",
        "GenderNone": "",
    }
    assert dict(items.hud_columns_written(gender, "FY2024", ["9"]))["GenderNone"] == "9"
    assert dict(items.hud_columns_written(gender, "FY2024", ["9"]))["Woman"] == "0"
    # "Prefers not to answer" with a gender is no answer HUD can write.
    assert items.hud_columns_written(gender, "FY2024", ["9", "0"]) == []
    assert items.hud_columns_written(gender, "FY2024", ["42"]) == []


def test_request_page_links_to_the_clients_record_and_a_tampered_version_is_a_bad_request(
    app: Flask, world: dict
) -> None:
    mine: Request = world["mine"]
    staff = _signed_in(app, world["staff_a"])
    page = staff.get(f"/staff/requests/{mine.reference}").page
    link = page.find("a", string="Open the client's record")
    assert link is not None
    assert link["href"] == f"/staff/clients/{PARENT}"
    assert staff.get(link["href"]).status_code == 200
    token = page.select_one("input[name=csrf_token]")["value"]
    for version in ("1 AND 1=1", "1'", "0", ""):
        answer = staff.post(
            f"/staff/requests/{mine.reference}/assignment",
            data={"csrf_token": token, "version": version, "assignee": ""},
        )
        assert answer.status_code == 400, version
