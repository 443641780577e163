"""Exchange with the HMIS of record: the CSV of changes the HMIS administrator applies, the
command and the lead's page, and the round trip from a real export back into the portal."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import stat
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.accounts.models import Role, StaffUser
from portal.audit.models import AuditEntry
from portal.client.record import client_record
from portal.exchange import changes
from portal.hmis.models import Client, ImportRun
from portal.hmis.services import run_import
from portal.requests import workflow
from portal.requests.models import Request
from portal.timeutil import utcnow
from tests.accounts.staff import csrf_token, make_staff, sign_in_as
from tests.conftest import HMIS_CSV
from tests.factories import (
    AGENCY_A,
    CHILD,
    PARENT,
    hmis_world,
    phone_correction,
    phone_sharing_form,
)

LONG_AGO = "2020-01-01"
CLIENT_ONE = "2f4b963171644a8b9902bdfe79a4b403"  # edge-fy2024-bom: "Client One", 1982-10-17
CLIENT_ONE_AGENCY = "109"  # Empty Eagle Hotel, where Client One is enrolled


# ---------------------------------------------------------------- helpers


def _correction(
    session: Session,
    item_key: str,
    current: str,
    requested: str,
    personal_id: str = PARENT,
    agency: str | None = AGENCY_A,
) -> Request:
    found = phone_correction(
        session,
        personal_id=personal_id,
        item_key=item_key,
        current_value=current,
        requested_value=requested,
        agency_id=agency,
        reason="It is wrong",
    )
    session.flush()
    return found


def _decide(
    session: Session,
    found: Request,
    user: StaffUser,
    outcome: str = "approved",
    corrected_value: str | None = None,
) -> Request:
    workflow.decide(
        found,
        user,
        seen_version=found.version,
        outcome=outcome,
        explanation="Checked the ID.",
        corrected_value=corrected_value,
        denial_reason="accurate_complete" if outcome == "denied" else None,
    )
    session.commit()
    return found


def _sign(session: Session, refuse: bool, covered: list[str]) -> Request:
    signed = phone_sharing_form(
        session,
        personal_id=PARENT,
        refuse=refuse,
        covered=covered,
        signed_name="Canarysignature Testfamily",
    )
    session.commit()
    return signed


def _rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == changes.COLUMNS
    return list(reader)


def _export(app: Flask, session: Session, since: str = LONG_AGO, again: bool = False) -> str:
    with app.app_context():
        start = changes.start_of_day(dt.date.fromisoformat(since), "America/Chicago")
        made = changes.export_changes(session, since=start, again=again)
        session.commit()
    return made.csv_text()


def _audit(session: Session, action: str) -> list[AuditEntry]:
    statement = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(session.scalars(statement))


@pytest.fixture
def people(db_session: Session) -> dict[str, StaffUser]:
    hmis_world(db_session)
    return {
        "staff_a": make_staff(db_session, Role.AGENCY_STAFF, "a@agency.example", AGENCY_A),
        "lead": make_staff(db_session, Role.HMIS_LEAD, "lead@county.example"),
        "sysadmin": make_staff(db_session, Role.SYSTEM_ADMIN, "ops@county.example"),
    }


# ---------------------------------------------------------------- the CSV


def test_export_has_approved_corrections_with_their_hud_cells_and_sharing_changes(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    staff, lead = people["staff_a"], people["lead"]
    name = _decide(
        db_session,
        _correction(db_session, "identity.first_name", "Canaryparent", "Canaryfixed"),
        staff,
    )
    dob = _decide(
        db_session,
        _correction(db_session, "identity.dob", "1985-04-12", "April 12"),
        staff,
        outcome="partly_approved",
        corrected_value="04/13/1985",
    )
    entry = _decide(
        db_session,
        _correction(db_session, "enrollment.E-A-P-PARENT.entry_date", "2020-01-01", "2020-01-03"),
        lead,
    )
    race = _decide(db_session, _correction(db_session, "demographics.race", "White", "Asian"), lead)
    veteran = _decide(
        db_session, _correction(db_session, "demographics.veteran_status", "No", "Yes"), staff
    )
    _decide(
        db_session,
        _correction(db_session, "identity.last_name", "Testfamily", "Canarydenied"),
        staff,
        outcome="denied",
    )
    _correction(db_session, "identity.middle_name", "", "Canaryundecided")
    db_session.commit()
    refusal = _sign(db_session, True, [PARENT, CHILD])

    text = _export(app, db_session)
    every_row = _rows(text)
    rows = {row["reference"]: row for row in every_row}

    assert set(rows) == {r.reference for r in (name, dob, entry, race, veteran, refusal)}
    assert rows[name.reference] == {
        "change": "correction",
        "reference": name.reference,
        "personal_id": PARENT,
        "item_key": "identity.first_name",
        "hud_file": "Client.csv",
        "hud_key_column": "PersonalID",
        "hud_key": PARENT,
        "hud_column": "FirstName",
        "old_value": "Canaryparent",
        "new_value": "Canaryfixed",
        "hud_value": "Canaryfixed",
        "decided_at": name.decided_at.replace(microsecond=0).isoformat() + "Z",
        "agency_id": AGENCY_A,
        "agency_name": "Agency Alpha Shelter",
        "covered_personal_ids": "",
        "effective_at": "",
    }
    # Partly approved: the value staff recorded, written as HUD writes a date.
    assert rows[dob.reference]["hud_column"] == "DOB"
    assert rows[dob.reference]["new_value"] == "04/13/1985"
    assert rows[dob.reference]["hud_value"] == "1985-04-13"
    assert (rows[entry.reference]["hud_file"], rows[entry.reference]["hud_key"]) == (
        "Enrollment.csv",
        "E-A-P-PARENT",
    )
    assert rows[entry.reference]["hud_column"] == "EntryDate"
    assert rows[entry.reference]["agency_name"] == "HMIS lead"  # the county decided it
    # Race is one 0/1 column per value in HUD's CSV: one row for each, and RaceNone emptied.
    race_rows = [row for row in every_row if row["reference"] == race.reference]
    assert {row["hud_column"]: row["hud_value"] for row in race_rows} == {
        "AmIndAKNative": "0",
        "Asian": "1",
        "BlackAfAmerican": "0",
        "HispanicLatinao": "0",
        "MidEastNAfrican": "0",
        "NativeHIPacific": "0",
        "White": "0",
        "RaceNone": "",
    }
    assert {row["new_value"] for row in race_rows} == {"Asian"}
    assert (rows[veteran.reference]["hud_column"], rows[veteran.reference]["hud_value"]) == (
        "VeteranStatus",
        "1",
    )
    shared = rows[refusal.reference]
    assert shared["change"] == "sharing_refused"
    assert shared["personal_id"] == PARENT
    assert shared["covered_personal_ids"] == f"{PARENT};{CHILD}"
    assert shared["effective_at"] == refusal.signed_at.replace(microsecond=0).isoformat() + "Z"
    assert shared["old_value"] == shared["new_value"] == shared["hud_file"] == ""
    # Nothing beyond what applying the changes needs: no signed name, no undecided values.
    for absent in ("Canarysignature", "Canarydenied", "Canaryundecided", "Testfamily"):
        assert absent not in text
    assert text.startswith(",".join(changes.COLUMNS) + "\r\n")


def test_a_restore_is_exported_as_sharing_restored(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    _sign(db_session, True, [PARENT])
    first = _rows(_export(app, db_session))
    restore = _sign(db_session, False, [PARENT])
    second = _rows(_export(app, db_session))
    assert [row["change"] for row in first] == ["sharing_refused"]
    assert [(row["change"], row["reference"]) for row in second] == [
        ("sharing_restored", restore.reference)
    ]


def test_since_counts_days_in_the_county_time_zone(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    staff = people["staff_a"]
    before = _decide(
        db_session, _correction(db_session, "identity.first_name", "Canaryparent", "A"), staff
    )
    after = _decide(
        db_session, _correction(db_session, "identity.last_name", "Testfamily", "B"), staff
    )
    # 05:00 UTC on 1 March is still 28 February in Chicago; 07:00 UTC is 1 March there.
    before.decided_at = dt.datetime(2026, 3, 1, 5, 0)
    after.decided_at = dt.datetime(2026, 3, 1, 7, 0)
    refusal = _sign(db_session, True, [PARENT])
    refusal.signed_at = dt.datetime(2026, 2, 27, 12, 0)
    db_session.commit()

    rows = _rows(_export(app, db_session, since="2026-03-01"))
    assert [row["reference"] for row in rows] == [after.reference]
    rows = _rows(_export(app, db_session, since="2026-02-27"))
    assert [row["reference"] for row in rows] == [refusal.reference, before.reference]


def test_rows_go_out_once_unless_asked_again(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    found = _decide(
        db_session,
        _correction(db_session, "identity.first_name", "Canaryparent", "Canaryfixed"),
        people["staff_a"],
    )
    version = found.version
    assert len(_rows(_export(app, db_session))) == 1
    db_session.refresh(found)
    assert found.exported_at is not None
    assert found.version == version  # marking it exported leaves staff's open pages fresh
    assert _rows(_export(app, db_session)) == []
    assert [row["reference"] for row in _rows(_export(app, db_session, again=True))] == [
        found.reference
    ]
    entries = _audit(db_session, "hmis.changes_exported")
    assert [(e.object_type, e.object_id) for e in entries] == [
        ("export", "1"),
        ("export", "0"),
        ("export", "1"),
    ]


def test_a_concurrent_export_is_refused_rather_than_sending_rows_twice(
    app: Flask,
    db_session: Session,
    people: dict[str, StaffUser],
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _decide(
        db_session,
        _correction(db_session, "identity.first_name", "Canaryparent", "Canaryfixed"),
        people["staff_a"],
    )
    build_rows = changes._rows

    def another_export_meanwhile(
        session: Session, requests: list[Request]
    ) -> list[changes.ExportRow]:
        with Session(engine) as other:
            other.execute(update(Request).values(exported_at=utcnow()))
            other.commit()
        return build_rows(session, requests)

    monkeypatch.setattr(changes, "_rows", another_export_meanwhile)
    with app.app_context(), pytest.raises(changes.ExportRaced):
        changes.export_changes(db_session, since=dt.datetime(2020, 1, 1), again=False)
    db_session.rollback()
    assert _audit(db_session, "hmis.changes_exported") == []


@pytest.mark.parametrize(
    "value", ['=HYPERLINK("http://x")', "+1+2", "-3", "@SUM(A1)", "\tTab", "\rReturn"]
)
def test_cells_that_a_spreadsheet_would_run_are_neutralised(
    app: Flask, db_session: Session, people: dict[str, StaffUser], value: str
) -> None:
    found = _decide(
        db_session,
        _correction(db_session, "identity.first_name", value, value + "x"),
        people["staff_a"],
    )
    (row,) = _rows(_export(app, db_session))
    assert row["reference"] == found.reference
    assert row["old_value"] == "'" + value
    assert row["new_value"] == row["hud_value"] == "'" + value + "x"
    assert changes.neutralise("Ana-Maria") == "Ana-Maria"
    assert changes.neutralise("") == ""


def test_hud_targets_for_every_kind_of_item() -> None:
    target = changes.hud_target
    assert target("identity.ssn", "P1", "123-45-6789", "FY2026") == changes.Target(
        "Client.csv", "PersonalID", "P1", "SSN", "123456789"
    )
    assert target("identity.ssn", "P1", "unknown", "FY2026").value == ""
    assert target("identity.name_suffix", "P1", "Jr.", "FY2024").column == "NameSuffix"
    assert target("demographics.sex", "P1", "male", "FY2026").value == "1"
    assert target("demographics.sex", "P1", "Male", "FY2024").value == ""  # no Sex in FY2024
    assert target("demographics.gender", "P1", "Woman", "FY2024").column == "manual"
    exit_date = target("enrollment.E9.exit_date", "P1", "2024-05-06", "FY2026")
    assert exit_date == changes.Target("Exit.csv", "EnrollmentID", "E9", "ExitDate", "2024-05-06")
    assert target("enrollment.E9.destination", "P1", "Safe Haven", "FY2026").value == "118"
    assert target("enrollment.E9.destination", "P1", "My aunt's", "FY2026").value == ""
    assert target("enrollment.E9.reason_for_leaving", "P1", "Done", "FY2026").column == "manual"


# ---------------------------------------------------------------- the command


def test_export_changes_command_writes_a_private_file_once(
    app: Flask, db_session: Session, people: dict[str, StaffUser], tmp_path: Path
) -> None:
    found = _decide(
        db_session,
        _correction(db_session, "identity.first_name", "Canaryparent", "Canaryfixed"),
        people["staff_a"],
    )
    _sign(db_session, True, [PARENT])
    runner = app.test_cli_runner()
    out = tmp_path / "changes.csv"
    args = ["hmis", "export-changes", "--since", LONG_AGO]

    result = runner.invoke(args=[*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Exported 2 rows (1 corrections, 1 sharing changes)" in result.output
    assert "Canary" not in result.output
    rows = _rows(out.read_text(encoding="utf-8"))
    assert [row["change"] for row in rows] == ["correction", "sharing_refused"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [out]  # no partial file left behind

    refused = runner.invoke(args=[*args, "--out", str(out)])
    assert refused.exit_code == 1
    assert "exists" in refused.output
    assert len(_rows(out.read_text(encoding="utf-8"))) == 2

    empty = tmp_path / "second.csv"
    assert runner.invoke(args=[*args, "--out", str(empty)]).exit_code == 0
    assert _rows(empty.read_text(encoding="utf-8")) == []
    again = tmp_path / "again.csv"
    assert runner.invoke(args=[*args, "--out", str(again), "--again"]).exit_code == 0
    resent = _rows(again.read_text(encoding="utf-8"))
    assert [row["change"] for row in resent] == ["correction", "sharing_refused"]
    assert resent[0]["reference"] == found.reference

    bad = runner.invoke(args=["hmis", "export-changes", "--since", "1 March", "--out", "x.csv"])
    assert bad.exit_code == 2
    entries = _audit(db_session, "hmis.changes_exported")
    assert [(e.actor_kind, e.object_type, e.object_id) for e in entries] == [
        ("system", "export", "2"),
        ("system", "export", "0"),
        ("system", "export", "2"),
    ]


# ---------------------------------------------------------------- the lead's page


def _post_export(client: FlaskClient, data: dict[str, str]) -> TestResponse:
    page = client.get("/staff/exchange").page
    token = page.select_one("form[action='/staff/exchange/export'] input[name=csrf_token]")
    return client.post("/staff/exchange/export", data={"csrf_token": token["value"], **data})


def test_only_the_hmis_lead_reaches_the_exchange(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    assert app.test_client().get("/staff/exchange").status_code == 303
    for role in ("staff_a", "sysadmin"):
        other = sign_in_as(app, db_session, people[role])
        token = csrf_token(other, "/staff")
        assert other.get("/staff/exchange").status_code == 403, role
        assert other.get("/staff/exchange/imports/1").status_code == 403, role
        denied = other.post("/staff/exchange/export", data={"csrf_token": token, "since": LONG_AGO})
        assert denied.status_code == 403, role
    lead = sign_in_as(app, db_session, people["lead"])
    assert lead.get("/staff/exchange").status_code == 200
    assert lead.get("/staff/exchange/imports/999").status_code == 404


def test_lead_downloads_the_csv_and_a_second_download_does_not_repeat_it(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    found = _decide(
        db_session,
        _correction(db_session, "identity.first_name", "Canaryparent", "Canaryfixed"),
        people["staff_a"],
    )
    lead = sign_in_as(app, db_session, people["lead"])
    page = lead.get("/staff/exchange").page
    assert "1 change has not been exported yet." in page.select_one("main").get_text()

    response = _post_export(lead, {"since": LONG_AGO})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    (row,) = _rows(response.get_data(as_text=True))
    assert (row["reference"], row["new_value"]) == (found.reference, "Canaryfixed")

    assert _rows(_post_export(lead, {"since": LONG_AGO}).get_data(as_text=True)) == []
    again = _post_export(lead, {"since": LONG_AGO, "again": "y"})
    assert len(_rows(again.get_data(as_text=True))) == 1
    # The page now offers the day of the last export as the next start.
    since = lead.get("/staff/exchange").page.select_one("#since")["value"]
    assert since == dt.datetime.now(ZoneInfo("America/Chicago")).date().isoformat()
    entries = _audit(db_session, "hmis.changes_exported")
    assert [(e.actor_kind, e.actor_role, e.object_id) for e in entries] == [
        ("staff", "hmis_lead", "1"),
        ("staff", "hmis_lead", "0"),
        ("staff", "hmis_lead", "1"),
    ]


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("2026-13-45", "Enter a real date, for example 2026-03-01."),
        ("", "Enter the date to export changes from."),
        ("  ", "Enter the date to export changes from."),
        ("2999-01-01", "The date must be today or earlier."),
    ],
)
def test_a_bad_date_is_explained_next_to_the_field(
    app: Flask, db_session: Session, people: dict[str, StaffUser], since: str, message: str
) -> None:
    _decide(
        db_session,
        _correction(db_session, "identity.first_name", "Canaryparent", "Canaryfixed"),
        people["staff_a"],
    )
    lead = sign_in_as(app, db_session, people["lead"])
    response = _post_export(lead, {"since": since})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.page
    assert page.title.get_text().startswith("Error:")
    assert message in page.select_one("#since-error").get_text()
    assert page.select_one(".error-summary a")["href"] == "#since"
    assert page.select_one("#since")["aria-describedby"] == "since-hint since-error"
    assert db_session.scalar(select(Request.exported_at)) is None  # nothing was exported


def test_the_page_lists_imports_and_reports_a_failed_ones_problems_escaped(
    app: Flask, db_session: Session, people: dict[str, StaffUser], tmp_path: Path
) -> None:
    assert run_import(db_session, HMIS_CSV / "edge-fy2024-bom").succeeded
    unreadable = tmp_path / "no-clients"
    shutil.copytree(HMIS_CSV / "edge-fy2024-bom", unreadable)
    (unreadable / "Client.csv").unlink()
    assert run_import(db_session, unreadable).status == "refused"
    hostile = ImportRun(
        started_at=utcnow(),
        finished_at=utcnow(),
        source_label="<b>export</b>.zip",
        succeeded=False,
        status="refused",
        summary={"files": {"Client.csv": {"rows": 1, "quarantined": 1}}},
        problems="Client.csv:2:FirstName: <script>alert(1)</script>",
    )
    db_session.add(hostile)
    db_session.commit()
    lead = sign_in_as(app, db_session, people["lead"])

    page = lead.get("/staff/exchange").page
    rows = page.select("main table tbody tr")
    assert len(rows) == 3
    assert rows[0].find_all("td")[2].get_text(strip=True) == "<b>export</b>.zip"
    results = [row.find_all("td")[3].get_text(strip=True) for row in rows]
    assert results == ["FAILED", "FAILED", "Succeeded"]
    good_run = db_session.scalars(select(ImportRun).where(ImportRun.succeeded)).one()
    files = good_run.summary["files"].values()
    counts = [cell.get_text(strip=True) for cell in rows[2].find_all("td")][4:12]
    assert counts == [
        str(sum(f[key] for f in files))
        for key in ("rows", "inserted", "updated", "unchanged", "deleted", "skipped")
    ] + ["4", "0"]  # flagged: four enrollments without RelationshipToHoH; none quarantined
    reports = page.select("main details")
    assert len(reports) == 3
    assert "Client.csv:2:FirstName: <script>alert(1)</script>" in reports[0].get_text()
    assert page.select_one("main script") is None
    assert page.select_one("main b") is None
    assert "Client.csv:0:-: missing_file: required file is missing" in reports[1].get_text()
    assert "blank_value: A blank value where HUD requires one. 4 flagged" in " ".join(
        reports[2].get_text().split()
    )
    assert _audit(db_session, "hmis.exchange_viewed")

    link = reports[1].select_one("a[href$='#problems']")["href"]
    assert link == rows[1].find_all("td")[2].find("a")["href"] + "#problems"
    report = lead.get(link.split("#")[0]).page
    assert report.find("h1").get_text(strip=True).startswith("Import of no-clients")
    refused_run = db_session.scalars(
        select(ImportRun).where(ImportRun.source_label == "no-clients")
    ).one()
    cells = [td.get_text(strip=True) for td in report.select("main table")[-1].select("td")]
    assert cells[:3] == ["Client.csv:0:-", "missing_file", "Refused the export"]
    assert refused_run.problems == "Client.csv:0:-: missing_file: required file is missing"
    entries = _audit(db_session, "hmis.exchange_viewed")
    assert ("import_run", str(refused_run.id)) in [(e.object_type, e.object_id) for e in entries]


# ---------------------------------------------------------------- the round trip


def _apply(export_csv: str, folder: Path) -> int:
    """What the HMIS administrator does: each correction with a HUD value is written into the
    named file's row (found by the key column) and column. Returns how many cells changed."""
    applied = 0
    for row in _rows(export_csv):
        if row["change"] != "correction" or not row["hud_value"]:
            continue
        value = row["hud_value"]
        if value.startswith("'") and value[1:2] in changes.FORMULA_STARTS:
            value = value[1:]
        path = folder / row["hud_file"]
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header, records = list(reader.fieldnames or ()), list(reader)
        target = [r for r in records if r[row["hud_key_column"]] == row["hud_key"]]
        assert len(target) == 1, row["reference"]
        target[0][row["hud_column"]] = value
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header)
            writer.writeheader()
            writer.writerows(records)
        applied += 1
    return applied


def test_round_trip_a_correction_reaches_the_hmis_and_comes_back_in_the_next_import(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    shutil.copytree(HMIS_CSV / "edge-fy2024-bom", folder)
    assert run_import(db_session, folder).succeeded
    staff = make_staff(db_session, Role.AGENCY_STAFF, "cm@eagle.example", CLIENT_ONE_AGENCY)
    first = _correction(
        db_session,
        "identity.first_name",
        "Client",
        "Clementine",
        personal_id=CLIENT_ONE,
        agency=CLIENT_ONE_AGENCY,
    )
    dob = _correction(
        db_session,
        "identity.dob",
        "1982-10-17",
        "1982-10-18",
        personal_id=CLIENT_ONE,
        agency=CLIENT_ONE_AGENCY,
    )
    db_session.commit()
    _decide(db_session, first, staff)
    _decide(db_session, dob, staff)

    out = tmp_path / "changes.csv"
    result = app.test_cli_runner().invoke(
        args=["hmis", "export-changes", "--since", LONG_AGO, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    exported = out.read_text(encoding="utf-8")
    assert {row["agency_name"] for row in _rows(exported)} == {"Empty Eagle Hotel"}
    assert _apply(exported, folder) == 2
    # The importer upserts by HMIS id whatever the ExportID or ExportDate: the administrator's
    # next export needs no change to Export.csv to be taken in.
    result = run_import(db_session, folder)
    assert result.succeeded, result.outcomes
    assert result.files["Client.csv"].updated == 1

    db_session.expire_all()
    client = db_session.get(Client, CLIENT_ONE)
    assert client is not None
    assert (client.first_name, client.dob) == ("Clementine", dt.date(1982, 10, 18))
    with app.test_request_context():
        record = client_record(db_session, CLIENT_ONE)
        assert record is not None
        name_item, dob_item = record.item("identity.first_name"), record.item("identity.dob")
        assert name_item is not None
        assert dob_item is not None
        assert name_item.value == "Clementine"
        assert dob_item.plain == "1982-10-18"
        # Still marked as corrected, with what it said before (not the new value twice).
        assert name_item.was == "Client"
        assert name_item.corrected_on is not None
        assert dob_item.value == "October 18, 1982"  # the HMIS value, in the reader's format


def test_the_lead_previews_the_export_and_downloads_a_dry_run_without_marking_anything(
    app: Flask, db_session: Session, people: dict[str, StaffUser]
) -> None:
    found = _decide(
        db_session,
        _correction(db_session, "identity.first_name", "Canaryparent", "Canaryfixed"),
        people["staff_a"],
    )
    lead = sign_in_as(app, db_session, people["lead"])
    preview = _post_export(lead, {"since": LONG_AGO, "action": "preview"})
    assert preview.status_code == 200
    section = preview.page.select_one("#export-preview")
    assert section.select_one("[data-kind=correction] [data-value]").get_text() == "1"
    assert section.select_one("[data-kind=sharing_refused] [data-value]").get_text() == "0"
    first = section.select("tbody tr")
    assert len(first) == 1
    assert found.reference in first[0].get_text()
    dry = _post_export(lead, {"since": LONG_AGO, "action": "dry_run"})
    assert dry.mimetype == "text/csv"
    assert "dry-run" in dry.headers["Content-Disposition"]
    assert len(_rows(dry.get_data(as_text=True))) == 1
    db_session.expire_all()
    assert db_session.get(Request, found.id).exported_at is None  # nothing marked
    assert _audit(db_session, "hmis.changes_exported") == []
    assert len(_audit(db_session, "hmis.changes_previewed")) == 2
    # The real export still has the row.
    assert len(_rows(_post_export(lead, {"since": LONG_AGO}).get_data(as_text=True))) == 1
