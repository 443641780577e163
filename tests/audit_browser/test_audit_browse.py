"""The HMIS lead browses, filters and exports the audit trail; nobody else can."""

from __future__ import annotations

import csv
import io

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.audit.models import AuditEntry
from portal.audit.services import PAGE_SIZE, SYSTEM, record
from tests.accounts.test_staff_sign_in import post_form, staff_user
from tests.accounts.test_staff_sign_in import sign_in as staff_sign_in
from tests.fixtures.clients import PERSON


@pytest.fixture
def lead(app: Flask, db_session: Session) -> FlaskClient:
    staff_user(db_session, Role.HMIS_LEAD, "lead@county.example", None)
    user = db_session.scalars(select(StaffUser)).one()
    user.totp_secret = pyotp.random_base32()
    db_session.commit()
    client = app.test_client()
    staff_sign_in(client, "lead@county.example")
    post_form(client, "/staff/sign-in/code", {"code": pyotp.TOTP(user.totp_secret).now()})
    return client


def test_lead_filters_by_client_and_action(
    app: Flask, lead: FlaskClient, db_session: Session
) -> None:
    with app.app_context():
        record(db_session, "client.identity_viewed", personal_id=PERSON, actor=SYSTEM)
        record(db_session, "client.identity_viewed", personal_id="someone-else", actor=SYSTEM)
        db_session.commit()
    page = lead.get(f"/staff/audit?personal_id={PERSON}&action=client.identity_viewed").page
    rows = page.select("tbody tr")
    assert len(rows) == 1
    assert PERSON in rows[0].get_text()
    everything = lead.get("/staff/audit").page.select("tbody tr")
    assert len(everything) >= 3  # the lead's own sign-in and these two, at least


def test_pages_go_back_in_time_without_repeating(
    app: Flask, lead: FlaskClient, db_session: Session
) -> None:
    with app.app_context():
        for _ in range(PAGE_SIZE + 5):
            record(db_session, "kiosk.registered", actor=SYSTEM)
        db_session.commit()
    first = lead.get("/staff/audit?action=kiosk.registered").page
    older = first.find("a", string="Older entries")["href"]
    second = lead.get(older).page
    seen = [tr.td.get_text() for tr in first.select("tbody tr")]
    seen += [tr.td.get_text() for tr in second.select("tbody tr")]
    assert len(seen) == PAGE_SIZE + 5
    assert len(set(seen)) == len(seen)


def test_export_is_a_csv_of_the_filtered_entries_and_is_itself_recorded(
    app: Flask, lead: FlaskClient, db_session: Session
) -> None:
    with app.app_context():
        record(db_session, "access_code.issued", personal_id=PERSON, actor=SYSTEM)
        db_session.commit()
    response = lead.get(f"/staff/audit/export?personal_id={PERSON}")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["action"], r["personal_id"]) for r in rows] == [("access_code.issued", PERSON)]
    exported = db_session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "audit.exported")
    )
    assert exported == 1


def test_a_bad_date_is_shown_next_to_the_field(lead: FlaskClient) -> None:
    page = lead.get("/staff/audit?date_from=2026-13-45").page
    assert page.select_one(".error-summary a")["href"] == "#date_from"


def test_only_the_hmis_lead_sees_the_audit_trail(app: Flask, db_session: Session) -> None:
    staff_user(db_session)
    client = app.test_client()
    staff_sign_in(client, "cm@agency.example")
    assert client.get("/staff/audit").status_code == 403
    assert client.get("/staff/audit/export").status_code == 403
    assert app.test_client().get("/staff/audit").headers["Location"] == "/staff/sign-in"


def test_every_audited_action_has_words_for_the_audit_browser() -> None:
    """A new action without a label would show its code to staff (and untranslated)."""
    from portal.audit.services import KNOWN_ACTIONS
    from portal.audit_browser.labels import ACTION_LABELS

    assert sorted(set(KNOWN_ACTIONS) - set(ACTION_LABELS)) == []
