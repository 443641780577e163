"""The audit browser in words: staff names, request references, actions and roles in words,
filters by person, client (or a request reference) and action, the CSV with words beside the
codes, and the chain verified in the background from the browser (issue 20, item 8)."""

from __future__ import annotations

import csv
import io

from flask import Flask
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.audit import verification
from portal.requests.models import Request
from tests.factories import AGENCY_A, PARENT, hmis_world, phone_correction
from tests.requests.test_staff_queue import _signed_in, _staff


def _world(db_session: Session) -> tuple[Request, object, object]:
    hmis_world(db_session)
    correction = phone_correction(
        db_session,
        personal_id=PARENT,
        item_key="identity.first_name",
        current_value="a",
        requested_value="b",
        agency_id=AGENCY_A,
    )
    db_session.commit()
    staff = _staff(db_session, "pat@agency.example", Role.AGENCY_STAFF, AGENCY_A)
    lead = _staff(db_session, "lee@county.example", Role.HMIS_LEAD, None)
    staff.name, lead.name = "Pat Caseworker", "Lee Lead"
    db_session.commit()
    return correction, staff, lead


def test_the_audit_browser_shows_names_references_and_words(
    app: Flask, db_session: Session
) -> None:
    correction, staff, lead = _world(db_session)
    _signed_in(app, staff).get(f"/staff/requests/{correction.reference}")
    browser = _signed_in(app, lead)
    page = browser.get(f"/staff/audit?personal_id={correction.reference.lower()}").page
    rows = page.select("table tbody tr")
    viewed = [r for r in rows if r.select_one("[data-action='staff.request_viewed']")]
    assert viewed, [r.get_text(" ", strip=True) for r in rows]
    cells = [c.get_text(" ", strip=True) for c in viewed[0].select("td")]
    assert cells[2] == "Pat Caseworker"
    assert cells[3] == "Agency staff"
    assert cells[4] == "Agency Alpha Shelter"
    assert cells[6] == "Staff viewed a request"
    assert correction.reference in cells[7]
    assert viewed[0].select_one(f"a[href='/staff/requests/{correction.reference}']")
    by_person = browser.get(f"/staff/audit?staff_user_id={staff.id}").page
    who = {r.select("td")[2].get_text(strip=True) for r in by_person.select("table tbody tr")}
    assert who == {"Pat Caseworker"}
    options = [o.get_text() for o in by_person.select("#staff_user_id option")]
    assert "Pat Caseworker (pat@agency.example)" in options
    action = browser.get("/staff/audit?action=staff.signed_in").page
    kinds = {r.select_one("[data-action]")["data-action"] for r in action.select("tbody tr")}
    assert kinds == {"staff.signed_in"}
    exported = browser.get(f"/staff/audit/export?staff_user_id={staff.id}")
    rows_csv = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert rows_csv
    assert {r["staff_name"] for r in rows_csv} == {"Pat Caseworker"}
    signed = [r for r in rows_csv if r["action"] == "staff.signed_in"]
    assert signed[0]["action_words"] == "Staff signed in"


def test_verify_the_chain_from_the_browser(app: Flask, db_session: Session) -> None:
    _correction, _staff_user, lead = _world(db_session)
    browser = _signed_in(app, lead)
    page = browser.get("/staff/audit").page
    form = page.select_one("form[action='/staff/audit/verify']")
    started = browser.post(
        "/staff/audit/verify",
        data={"csrf_token": form.select_one("input[name=csrf_token]")["value"]},
    )
    assert started.status_code == 303
    verification.RUNNING[-1].join(timeout=30)
    shown = browser.get("/staff/audit").page.select_one("#chain-check")
    verdict = shown.select_one("[data-verdict]")
    assert verdict["data-verdict"] == "intact"
    assert "Last verified entry: #" in verdict.get_text()
    fragment = browser.get("/staff/audit/verification", headers={"HX-Request": "true"})
    assert "The chain is intact" in fragment.get_data(as_text=True)
