"""Each import rule on a small synthetic export of its own, FY2024 and FY2026: what is kept,
flagged and quarantined, on which lines; and a second import of the same export changes
nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.hmis.models import Client, Enrollment, Exit, ImportOutcome, ImportRun
from portal.hmis.outcomes import ImportResult
from portal.hmis.services import run_import
from tests.hmis.exports import (
    STANDARDS,
    client,
    csv_text,
    enrollment,
    exit_row,
    header,
    write_export,
)

pytestmark = [pytest.mark.sqlite, pytest.mark.parametrize("standards", STANDARDS)]


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model))  # type: ignore[no-any-return]


def _problems(result: ImportResult, outcome: str | None = None) -> list[str]:
    return [str(o) for o in result.outcomes if outcome is None or o.outcome == outcome]


def _counts(result: ImportResult, name: str) -> tuple[int, int, int, int]:
    """(rows, imported, flagged, quarantined) of one file."""
    counts = result.files[name]
    return counts.rows, counts.imported, counts.flagged, counts.quarantined


def _import_twice(session: Session, folder: Path) -> ImportResult:
    """The first import's result; the second must change nothing and report the same."""
    first = run_import(session, folder, accept=True)
    assert first.succeeded
    second = run_import(session, folder, accept=True)
    assert second.succeeded
    for name, counts in second.files.items():
        assert (counts.inserted, counts.updated, counts.deleted) == (0, 0, 0), name
    assert _problems(second) == _problems(first)
    return first


def test_duplicate_key_keeps_the_row_updated_last_ties_the_later_line(
    db_session: Session, tmp_path: Path, standards: str
) -> None:
    folder = write_export(
        tmp_path,
        standards,
        clients=[
            client("C1", FirstName="Newer", DateUpdated="2024-06-02 10:00:00"),  # line 2
            client("C2"),  # line 3
            client("C1", FirstName="Older", DateUpdated="2024-06-01 10:00:00"),  # line 4
            client("C3", FirstName="First"),  # line 5
            client("C3", FirstName="Second"),  # line 6: same DateUpdated, later line
        ],
    )
    result = _import_twice(db_session, folder)
    assert _counts(result, "Client.csv") == (5, 3, 0, 2)
    assert _problems(result) == [
        "Client.csv:4:PersonalID: duplicate_key: C1 is also on line 2, which is kept "
        "(updated last)",
        "Client.csv:5:PersonalID: duplicate_key: C3 is also on line 6, which is kept "
        "(updated last)",
    ]
    assert db_session.get(Client, "C1").first_name == "Newer"
    assert db_session.get(Client, "C3").first_name == "Second"


def test_blank_keys_are_quarantined(db_session: Session, tmp_path: Path, standards: str) -> None:
    folder = write_export(
        tmp_path,
        standards,
        clients=[client("C1"), client("")],
        enrollments=[enrollment("E1", "C1"), enrollment("E2", ""), enrollment("", "C1")],
        exits=[exit_row("X1", "E1", "C1"), exit_row("X2", "", "C1")],
    )
    result = _import_twice(db_session, folder)
    assert _counts(result, "Client.csv") == (2, 1, 0, 1)
    assert _counts(result, "Enrollment.csv") == (3, 1, 0, 2)
    assert _counts(result, "Exit.csv") == (2, 1, 0, 1)
    assert _problems(result) == [
        "Client.csv:3:PersonalID: blank_key: the row's id is blank",
        "Enrollment.csv:3:PersonalID: blank_key: a value is required",
        "Enrollment.csv:4:EnrollmentID: blank_key: the row's id is blank",
        "Exit.csv:3:EnrollmentID: blank_key: a value is required",
    ]


def test_rows_whose_parent_is_missing_or_quarantined_are_quarantined_naming_it(
    db_session: Session, tmp_path: Path, standards: str
) -> None:
    folder = write_export(
        tmp_path,
        standards,
        clients=[client("C1"), client("C2", LastName="x" * 101)],
        enrollments=[
            enrollment("E1", "C1"),
            enrollment("E2", "NOBODY"),
            enrollment("E3", "C2"),
        ],
        exits=[exit_row("X1", "E9", "C1"), exit_row("X3", "E3", "C2")],
    )
    result = _import_twice(db_session, folder)
    assert _counts(result, "Client.csv") == (2, 1, 0, 1)
    assert _counts(result, "Enrollment.csv") == (3, 1, 0, 2)
    assert _counts(result, "Exit.csv") == (2, 0, 0, 2)
    assert _problems(result) == [
        "Client.csv:3:LastName: too_long: longer than 100 characters",
        "Enrollment.csv:3:PersonalID: missing_parent: NOBODY is not in Client.csv or the portal",
        "Enrollment.csv:4:PersonalID: missing_parent: Client.csv line 3 (C2) was quarantined",
        "Exit.csv:2:EnrollmentID: missing_parent: E9 is not in Enrollment.csv or the portal",
        "Exit.csv:3:EnrollmentID: missing_parent: Enrollment.csv line 4 (E3) was quarantined",
    ]
    # A personal value is never quoted, nor stored aside.
    stored = db_session.scalars(
        select(ImportOutcome.raw_value).where(ImportOutcome.column == "LastName")
    )
    assert list(stored) == [None, None]


def test_codes_off_hud_lists_are_kept_flagged_and_shown_as_not_recorded(
    app: Flask, db_session: Session, tmp_path: Path, standards: str
) -> None:
    folder = write_export(
        tmp_path,
        standards,
        clients=[client("C1", RaceNone="0", VeteranStatus="7"), client("C2", RaceNone="8")],
        enrollments=[enrollment("E1", "C1", household="H1", RelationshipToHoH="1")],
        exits=[exit_row("X1", "E1", "C1", Destination="4242")],
    )
    result = _import_twice(db_session, folder)
    assert _counts(result, "Client.csv") == (2, 2, 1, 0)
    assert _counts(result, "Exit.csv") == (1, 1, 1, 0)
    assert _problems(result) == [
        "Client.csv:2:RaceNone: not_on_list: 0 is not a code on HUD list RaceNone",
        "Client.csv:2:VeteranStatus: not_on_list: 7 is not a code on HUD list "
        "NoYesReasonsForMissingData",
        "Exit.csv:2:Destination: not_on_list: 4242 is not a code on HUD list Destination",
    ]
    kept = db_session.get(Client, "C1")
    assert (kept.race_none, kept.veteran_status) == (0, 7)  # as the HMIS gave them
    assert db_session.get(Exit, "X1").destination == 4242
    raw = db_session.scalars(select(ImportOutcome.raw_value).order_by(ImportOutcome.id)).all()
    assert raw[:3] == ["0", "7", "4242"]

    from portal.client.record import demographic_items

    with app.test_request_context():
        items = {item.key: item.value for item in demographic_items(kept)}
        labelled = {
            item.key: item.value for item in demographic_items(db_session.get(Client, "C2"))
        }
    assert items["demographics.race"] == ""  # the page shows "Not recorded"
    assert items["demographics.veteran_status"] == ""
    assert labelled["demographics.race"] == "Client doesn't know"


HEAD = "RelationshipToHoH: household_head"


def test_households_without_one_head_flag_each_enrollment(
    db_session: Session, tmp_path: Path, standards: str
) -> None:
    people = [client(f"C{n}") for n in range(1, 8)]
    folder = write_export(
        tmp_path,
        standards,
        clients=people,
        enrollments=[
            enrollment("E1", "C1", household="NOHEAD", RelationshipToHoH="2"),  # line 2
            enrollment("E2", "C2", household="NOHEAD", RelationshipToHoH="3"),
            enrollment("E3", "C3", household="TWOHEADS", RelationshipToHoH="1"),
            enrollment("E4", "C4", household="TWOHEADS", RelationshipToHoH="1"),
            enrollment("E5", "C5", household="GOOD", RelationshipToHoH="1"),
            enrollment("E6", "C6", household="GOOD", RelationshipToHoH="2"),
            enrollment("E7", "C7", household="BAD", RelationshipToHoH="0"),  # line 8
        ],
    )
    result = _import_twice(db_session, folder)
    assert _counts(result, "Enrollment.csv") == (7, 7, 5, 0)
    assert _problems(result) == [
        f"Enrollment.csv:2:{HEAD}: household NOHEAD has no head of household",
        f"Enrollment.csv:3:{HEAD}: household NOHEAD has no head of household",
        f"Enrollment.csv:4:{HEAD}: household TWOHEADS has 2 heads of household",
        f"Enrollment.csv:5:{HEAD}: household TWOHEADS has 2 heads of household",
        "Enrollment.csv:8:RelationshipToHoH: not_on_list: 0 is not a code on HUD list "
        "RelationshipToHoH",
        f"Enrollment.csv:8:{HEAD}: household BAD has no head of household",
    ]


def test_date_problems_import_what_is_sure_and_flag_the_rest(
    db_session: Session, tmp_path: Path, standards: str
) -> None:
    folder = write_export(
        tmp_path,
        standards,
        clients=[client("C1"), client("C2", DOB="1850-03-04"), client("C3", DOB="2030-01-01")],
        enrollments=[
            enrollment("E1", "C1", EntryDate="2024-04-01"),  # exits before entry, line 2
            enrollment("E2", "C2", EntryDate="2025-01-01"),  # after the export's date
            enrollment("E3", "C3", EntryDate="2024-02-30"),  # no such day: quarantined
            enrollment("E4", "C1", MoveInDate="45/45/2024"),  # unreadable, not required
        ],
        exits=[exit_row("X1", "E1", "C1", ExitDate="2024-03-01")],
    )
    result = _import_twice(db_session, folder)
    assert _counts(result, "Client.csv") == (3, 3, 2, 0)
    assert _counts(result, "Enrollment.csv") == (4, 3, 2, 1)
    assert _counts(result, "Exit.csv") == (1, 1, 1, 0)
    assert _problems(result) == [
        "Client.csv:3:DOB: date_before_1900: the date is before 1900",
        "Client.csv:4:DOB: future_date: the date is after the export's date (2024-10-01)",
        "Enrollment.csv:3:EntryDate: future_date: 2025-01-01 is after the export's date "
        "(2024-10-01)",
        "Enrollment.csv:4:EntryDate: bad_date: '2024-02-30' is not a real date",
        "Enrollment.csv:5:MoveInDate: bad_date: '45/45/2024' is not a real date",
        "Exit.csv:2:ExitDate: exit_before_entry: 2024-03-01 is before the enrollment's entry "
        "date (2024-04-01)",
    ]
    assert db_session.get(Client, "C2").dob == dt.date(1850, 3, 4)  # kept as given
    assert db_session.get(Enrollment, "E4").move_in_date is None
    assert db_session.get(Enrollment, "E3") is None


def test_excel_saved_files_are_read_whole(
    db_session: Session, tmp_path: Path, standards: str
) -> None:
    """A byte-order mark, CRLF, a newline inside a quoted cell, other date shapes, trailing
    blank rows and columns, an unknown column and the columns in another order."""
    folder = write_export(tmp_path, standards, clients=[], enrollments=[], exits=[])
    columns = ["VendorNotes", *reversed(header("Client.csv", standards)), "", ""]
    rows = [
        client("C1", AdditionalRaceEthnicity="two\nlines", DOB="3/4/1990"),
        client("C2", DOB="08-MAY-67", DateUpdated="7/14/16 09:59"),
        client("C3", VendorNotes="anything"),
    ]
    text = csv_text(columns, rows, newline="\r\n") + ",,,\r\n,,,\r\n"
    (folder / "Client.csv").write_text("\ufeff" + text, encoding="utf-8", newline="")
    enrollments = csv_text(
        header("Enrollment.csv", standards),
        [enrollment("E1", "C3", EntryDate="02-01-2024"), enrollment("E2", "NOBODY")],
        newline="\r\n",
    )
    (folder / "Enrollment.csv").write_text(enrollments, encoding="utf-8", newline="")
    result = _import_twice(db_session, folder)
    assert _counts(result, "Client.csv") == (3, 3, 0, 0)
    assert _problems(result) == [
        "Enrollment.csv:3:PersonalID: missing_parent: NOBODY is not in Client.csv or the portal"
    ]
    assert db_session.get(Client, "C1").additional_race_ethnicity == "two\nlines"
    assert db_session.get(Client, "C1").dob == dt.date(1990, 3, 4)
    assert db_session.get(Client, "C2").dob == dt.date(1967, 5, 8)
    assert db_session.get(Client, "C2").date_updated == dt.datetime(2016, 7, 14, 9, 59)
    assert db_session.get(Enrollment, "E1").entry_date == dt.date(2024, 2, 1)


def test_outcomes_are_stored_with_the_run(
    db_session: Session, tmp_path: Path, standards: str
) -> None:
    folder = write_export(tmp_path, standards, clients=[client("C1"), client("C1")], enrollments=[])
    run_import(db_session, folder, accept=True)
    db_session.expire_all()
    run = db_session.scalars(select(ImportRun)).one()
    stored = db_session.scalars(select(ImportOutcome)).one()
    assert (stored.import_run_id, stored.file, stored.line, stored.column) == (
        run.id,
        "Client.csv",
        2,
        "PersonalID",
    )
    assert (stored.rule, stored.outcome, stored.raw_value, stored.record_key) == (
        "duplicate_key",
        "quarantined",
        "C1",
        "C1",
    )
    assert _count(db_session, Client) == 1


def test_the_record_never_shows_a_quarantined_row(
    app: Flask, db_session: Session, tmp_path: Path, standards: str
) -> None:
    from portal.client.record import client_record

    folder = write_export(
        tmp_path,
        standards,
        clients=[client("C1")],
        enrollments=[
            enrollment("E1", "C1"),
            enrollment("E2", "C1", EntryDate="2024-13-01"),  # quarantined: no such month
        ],
        exits=[exit_row("X2", "E2", "C1")],  # quarantined with its enrollment
    )
    result = run_import(db_session, folder, accept=True)  # 2 of 7 rows: over the threshold
    assert _counts(result, "Enrollment.csv") == (2, 1, 0, 1)
    assert _counts(result, "Exit.csv") == (1, 0, 0, 1)
    with app.test_request_context():
        record = client_record(db_session, "C1")
        assert record is not None
        assert [enrollment.enrollment_id for enrollment in record.enrollments] == ["E1"]


def test_a_nul_character_is_quarantined_and_its_row_stored_readably(
    db_session: Session, tmp_path: Path, standards: str
) -> None:
    """PostgreSQL refuses NUL in text: the problem row keeps it as \\0 (found by the fuzzer)."""
    folder = write_export(tmp_path, standards, clients=[client("C1"), client("C\x002")])
    result = run_import(db_session, folder, accept=True)
    assert _counts(result, "Client.csv") == (2, 1, 0, 1)
    db_session.expire_all()
    stored = db_session.scalars(
        select(ImportOutcome).where(ImportOutcome.column == "PersonalID")
    ).one()
    assert (stored.rule, stored.record_key) == ("nul_character", "C\\02")
    assert "\x00" not in db_session.scalars(select(ImportRun.problems)).one()
