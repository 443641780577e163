"""The import's report on the HMIS lead's exchange pages: runs with their counts by rule, the
quarantined and flagged rows (paged, filtered by file and rule, as CSV), and the button that
imports a stopped export anyway, audited."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.audit.models import AuditEntry
from portal.hmis import services
from portal.hmis.models import Client, ImportRun
from portal.hmis.services import run_import
from tests.accounts.staff import csrf_token, make_staff, sign_in_as
from tests.conftest import HMIS_CSV
from tests.hmis.test_import_threshold import _half_the_clients, _live

BAD = HMIS_CSV / "edge-fy2024-bad-data"


@pytest.fixture
def lead(db_session: Session) -> StaffUser:
    return make_staff(db_session, Role.HMIS_LEAD, "lead@county.example")


def _run(session: Session, label: str) -> ImportRun:
    return session.scalars(
        select(ImportRun).where(ImportRun.source_label == label).order_by(ImportRun.id.desc())
    ).first()


def _cells(page) -> list[list[str]]:  # type: ignore[no-untyped-def]
    table = page.select_one("#problem-rows").find_parent("table")
    return [[td.get_text(strip=True) for td in tr.select("td")] for tr in table.select("tbody tr")]


def test_lead_filters_pages_and_downloads_the_problem_rows(
    app: Flask, db_session: Session, lead: StaffUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_import(db_session, BAD).succeeded
    run = _run(db_session, "edge-fy2024-bad-data")
    browser = sign_in_as(app, db_session, lead)
    path = f"/staff/exchange/imports/{run.id}"

    page = browser.get(path).page
    rules = {
        row.th.get_text(" ", strip=True): [td.get_text(strip=True) for td in row.select("td")]
        for row in page.select_one("#rules-caption").find_parent("table").select("tbody tr")
    }
    assert rules["bad_value : A value not in the shape HUD gives"] == ["0", "28", "0"]
    assert rules["missing_parent : The record it belongs to is missing or was quarantined"] == [
        "3",
        "0",
        "0",
    ]
    assert len(_cells(page)) == 34
    first = _cells(page)[0]
    assert first == [
        "Client.csv:8:DOB",
        "future_date",
        "Flagged",
        "Not shown (personal data)",
        "the date is after the export's date (2017-10-03)",
    ]

    enrollments = browser.get(f"{path}?file=Enrollment.csv").page
    assert [row[0] for row in _cells(enrollments)] == [
        "Enrollment.csv:2:RelationshipToHoH",
        "Enrollment.csv:3:RelationshipToHoH",
        "Enrollment.csv:4:PersonalID",
        "Enrollment.csv:5:PersonalID",
    ]
    chosen = enrollments.select_one("#file option[selected]")
    assert chosen["value"] == "Enrollment.csv"
    quarantined = browser.get(f"{path}?file=Enrollment.csv&rule=missing_parent").page
    assert [row[1] for row in _cells(quarantined)] == ["missing_parent", "missing_parent"]
    assert _cells(quarantined)[0][3] == "7b8c1279001142afac2fd0bde7a8f6bf"

    monkeypatch.setattr(services, "PAGE_SIZE", 10)
    second = browser.get(f"{path}?rule=bad_value&page=2").page
    assert _cells(second)[0][0] == "Client.csv:62:SSN"
    assert "28 row problems match. Page 2 of 3." in second.select_one("#problem-rows").get_text()
    links = {a.get_text(strip=True): a["href"] for a in second.select("main nav a")}
    assert links["Next page"].endswith("rule=bad_value&page=3#problem-rows")

    download = second.select_one("a[href*='problems-csv']")["href"]
    assert download == f"{path}/problems-csv?rule=bad_value"
    response = browser.get(download)
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 28
    assert rows[0] == {
        "file": "Client.csv",
        "line": "11",
        "column": "SSN",
        "rule": "bad_value",
        "outcome": "flagged",
        "raw_value": "",  # an SSN is personal data: never stored aside
        "message": "an SSN must be 9 characters: digits, or x for an unknown digit",
        "record_key": "6810",
    }
    actions = db_session.scalars(select(AuditEntry.action)).all()
    assert "hmis.import_outcomes_downloaded" in actions


def test_lead_accepts_a_stopped_import_and_it_is_audited(
    app: Flask, db_session: Session, lead: StaffUser, tmp_path: Path
) -> None:
    assert run_import(db_session, HMIS_CSV / "icount-fy2026").succeeded
    half = _half_the_clients(tmp_path)
    assert run_import(db_session, half).status == "stopped"
    stopped = _run(db_session, "half")
    browser = sign_in_as(app, db_session, lead)

    listing = browser.get("/staff/exchange").page
    first_row = listing.select("main table tbody tr")[0]
    assert first_row.find_all("td")[3].get_text(strip=True) == "STOPPED"
    assert "stopped, waiting for you" in listing.select_one("main details summary").get_text()
    details = listing.select_one("main details")
    assert "It would delete 257 of the 514 clients the portal holds" in details.get_text()
    button = details.select_one(
        f"form[action='/staff/exchange/imports/{stopped.id}/accept'] button"
    )
    assert button.get_text(strip=True) == "Import it anyway"

    page = browser.get(f"/staff/exchange/imports/{stopped.id}").page
    region = page.select_one("[aria-labelledby=stopped-heading]")
    reasons = [li.get_text(" ", strip=True) for li in region.select("li")]
    assert reasons[0] == (
        "It would delete 257 of the 514 clients the portal holds (50%; the limit is 10%)."
    )
    form = region.select_one("form")
    assert form["action"] == f"/staff/exchange/imports/{stopped.id}/accept"
    assert form.button.get_text(strip=True) == "Import it anyway"

    token = form.select_one("input[name=csrf_token]")["value"]
    response = browser.post(form["action"], data={"csrf_token": token})
    assert response.status_code == 303
    db_session.expire_all()
    accepted = _run(db_session, "half")
    assert accepted.id != stopped.id
    assert response.headers["Location"].endswith(f"/staff/exchange/imports/{accepted.id}")
    assert (accepted.status, accepted.accepted_by) == (
        "imported",
        f"lead@county.example (staff user {lead.id})",
    )
    assert db_session.get(ImportRun, stopped.id).accepted_run_id == accepted.id
    assert _live(db_session, Client) == 257
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "hmis.import_accepted")
    ).one()
    assert (entry.actor_kind, entry.actor_id, entry.object_id) == (
        "staff",
        str(lead.id),
        str(accepted.id),
    )
    shown = browser.get(response.headers["Location"]).page
    assert "Imported over the safety threshold" in shown.select_one("main dl").get_text()

    again = browser.post(form["action"], data={"csrf_token": token})
    assert again.status_code == 303  # accepted already: refused with a message
    assert "cannot be accepted" in browser.get(again.headers["Location"]).page.get_text()


def test_only_the_lead_may_accept(app: Flask, db_session: Session, tmp_path: Path) -> None:
    other = make_staff(db_session, Role.SYSTEM_ADMIN, "ops@county.example")
    export = tmp_path / "x"
    shutil.copytree(HMIS_CSV / "edge-fy2024-bom", export)
    run_import(db_session, export)
    run = _run(db_session, "x")
    browser = sign_in_as(app, db_session, other)
    token = csrf_token(browser, "/staff")
    assert (
        browser.post(
            f"/staff/exchange/imports/{run.id}/accept", data={"csrf_token": token}
        ).status_code
        == 403
    )
    assert browser.get(f"/staff/exchange/imports/{run.id}/problems-csv").status_code == 403
