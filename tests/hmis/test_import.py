"""The HUD HMIS CSV import, over every real-format export in ../shared/hmis-csv/."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.db import insert_many
from portal.hmis import csvspec
from portal.hmis.csvspec import FILES
from portal.hmis.importer import import_export
from portal.hmis.models import (
    Client,
    Enrollment,
    Exit,
    HmisUser,
    IdentityVersion,
    ImportRun,
    Organization,
    Project,
)
from portal.hmis.services import run_import
from tests.conftest import HMIS_CSV

# Also in the SQLite pass: `make run` does this on its SQLite file.
pytestmark = pytest.mark.sqlite

ICOUNT_2024 = HMIS_CSV / "icount-fy2024"
ICOUNT_2026 = HMIS_CSV / "icount-fy2026"
BOM = HMIS_CSV / "edge-fy2024-bom"
BAD = HMIS_CSV / "edge-fy2024-bad-data"


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model))  # type: ignore[no-any-return]


def _live(session: Session, model: type) -> int:
    return session.scalar(  # type: ignore[no-any-return]
        select(func.count()).select_from(model).where(model.date_deleted.is_(None))  # type: ignore[attr-defined]
    )


def _copy_export(source: Path, tmp_path: Path) -> Path:
    export = tmp_path / "export"
    shutil.copytree(source, export)
    return export


def _edit(csv_file: Path, old: str, new: str) -> None:
    """Change one spot of a copied export; fails loudly if the spot is not there."""
    content = csv_file.read_text(encoding="utf-8")
    assert old in content, f"{old!r} not in {csv_file.name}"
    csv_file.write_text(content.replace(old, new, 1), encoding="utf-8")


def _import(session: Session, path: Path):  # type: ignore[no-untyped-def]
    return run_import(session, path)


@pytest.mark.parametrize(("path", "standards"), [(ICOUNT_2024, "FY2024"), (ICOUNT_2026, "FY2026")])
def test_icount_export_imports_every_row(db_session: Session, path: Path, standards: str) -> None:
    result = _import(db_session, path)
    assert result.succeeded, result.outcomes[:5]
    assert result.standards == standards
    assert result.directive == "full"
    expected = {
        Organization: 10,
        Project: 10,
        HmisUser: 12,
        Client: 514,
        Enrollment: 574,
        Exit: 447,
    }
    assert {model: _count(db_session, model) for model in expected} == expected
    assert {name: c.inserted for name, c in result.files.items()} == {
        "Organization.csv": 10,
        "Project.csv": 10,
        "User.csv": 12,
        "Client.csv": 514,
        "Enrollment.csv": 574,
        "Exit.csv": 447,
    }


def test_fy2024_client_keeps_gender_and_fy2026_client_gets_sex(db_session: Session) -> None:
    _import(db_session, ICOUNT_2024)
    client = db_session.get(Client, "528656")
    assert client is not None
    assert (client.first_name, client.last_name, client.name_suffix) == (
        "Herringbone",
        "Contrivance",
        "Jr.",
    )
    assert client.dob == dt.date(1990, 7, 24)
    assert client.ssn == "227930267"
    assert client.data_standards == "FY2024"
    assert client.sex is None
    assert client.black_af_american == 1
    _import(db_session, ICOUNT_2026)
    db_session.expire_all()
    client = db_session.get(Client, "528656")
    assert client.data_standards == "FY2026"
    assert client.veteran_status == 0


def test_ssn_is_encrypted_at_rest(db_session: Session) -> None:
    _import(db_session, ICOUNT_2026)
    stored = db_session.execute(
        text("SELECT ssn FROM client WHERE personal_id = '528656'")
    ).scalar_one()
    assert stored
    assert "227930267" not in stored
    assert stored.startswith("gAAAA")


def test_reimporting_the_same_export_changes_nothing(db_session: Session) -> None:
    assert _import(db_session, ICOUNT_2026).succeeded
    before = db_session.execute(text("SELECT personal_id, last_name, dob FROM client")).all()
    second = _import(db_session, ICOUNT_2026)
    assert second.succeeded
    for name, counts in second.files.items():
        assert (counts.inserted, counts.updated, counts.deleted) == (0, 0, 0), name
        assert counts.unchanged == counts.rows, name
    after = db_session.execute(text("SELECT personal_id, last_name, dob FROM client")).all()
    assert sorted(before) == sorted(after)


def test_reimport_writes_what_changed_and_versions_the_identity(
    db_session: Session, tmp_path: Path
) -> None:
    assert _import(db_session, ICOUNT_2026).succeeded
    export = _copy_export(ICOUNT_2026, tmp_path)
    _edit(export / "Client.csv", "528656,Herringbone,,Contrivance,", "528656,Herringbone,,Renamed,")
    _edit(export / "Client.csv", "2015-01-06 10:19:36,2015-0", "2015-01-06 10:19:36,2016-0")
    result = _import(db_session, export)
    assert result.succeeded, result.outcomes
    clients = result.files["Client.csv"]
    assert (clients.inserted, clients.updated, clients.unchanged) == (0, 1, clients.rows - 1)
    assert result.files["Enrollment.csv"].updated == 0
    db_session.expire_all()
    assert db_session.get(Client, "528656").last_name == "Renamed"
    versions = db_session.scalars(
        select(IdentityVersion)
        .where(IdentityVersion.personal_id == "528656")
        .order_by(IdentityVersion.valid_from)
    ).all()
    assert [(v.last_name, v.valid_to is None) for v in versions] == [
        ("Contrivance", False),
        ("Renamed", True),
    ]
    assert versions[0].valid_to == versions[1].valid_from
    assert versions[1].ssn == "227930267"  # decrypted through the column type, stored encrypted


def test_imported_models_name_their_columns_as_their_attributes() -> None:
    """The importer writes parsed rows (attribute -> value) straight into the tables."""
    for model in (*(spec.model for spec in FILES), IdentityVersion):
        mapper = model.__mapper__  # type: ignore[attr-defined]
        assert [a.key for a in mapper.column_attrs] == [
            a.columns[0].name for a in mapper.column_attrs
        ]


def test_insert_many_applies_python_defaults_and_column_types(db_session: Session) -> None:
    """COPY on PostgreSQL, INSERT on SQLite: either way defaults and encryption apply."""
    table = Organization.__table__
    insert_many(db_session, table, [{"organization_id": "ORG-X", "name": "X"}])
    insert_many(
        db_session,
        Client.__table__,
        [
            {
                "personal_id": "P-X",
                "data_standards": "FY2026",
                "ssn": "123456789",
                "first_name": None,
            }
        ],
    )
    db_session.flush()
    organization = db_session.get(Organization, "ORG-X")
    assert organization.victim_service_provider is False
    assert organization.hidden_from_public is False
    stored = db_session.execute(text("SELECT ssn FROM client WHERE personal_id = 'P-X'")).scalar()
    assert stored.startswith("gAAAA")
    assert db_session.get(Client, "P-X").ssn == "123456789"


def test_byte_order_mark_and_quoted_headers_are_read(db_session: Session) -> None:
    result = _import(db_session, BOM)
    assert result.succeeded, result.outcomes[:5]
    user = db_session.get(HmisUser, "3")
    assert user is not None
    assert user.email == "freddie@example.com"
    assert result.directive == "delta"  # ExportDirective 3 ("other") never deletes anything


def test_month_day_year_export_date_is_understood(db_session: Session) -> None:
    result = _import(db_session, ICOUNT_2024)
    run = db_session.scalars(select(ImportRun)).one()
    assert run.succeeded
    assert run.export_id == "1036"
    assert result.csv_version == "2024 v1.3"


BAD_DATA_FLAGGED_SSN_LINES = [11, 20, 21, 24, 27, 34, 36, 37, 47, 61, 62, 68, 69, 70, 71, 72, 74]
BAD_DATA_FLAGGED_SSN_LINES += [75, 79, 94, 106, 107, 108, 111, 114, 115, 116, 117]


def test_bad_data_set_imports_with_its_problems_listed(db_session: Session) -> None:
    """Issue 16 replaced "one bad row refuses the file": the bad rows are flagged or
    quarantined, the rest is imported."""
    result = _import(db_session, BAD)
    assert result.succeeded
    counts = {
        name: (c.rows, c.imported, c.flagged, c.quarantined) for name, c in result.files.items()
    }
    assert counts == {
        "Organization.csv": (1, 1, 0, 0),
        "Project.csv": (1, 1, 0, 0),
        "User.csv": (4, 4, 0, 0),
        "Client.csv": (134, 134, 29, 0),
        "Enrollment.csv": (4, 2, 2, 2),
        "Exit.csv": (1, 0, 0, 1),
    }
    reported = [str(problem) for problem in result.outcomes]
    ssn = "SSN: bad_value: an SSN must be 9 characters: digits, or x for an unknown digit"
    assert reported == [
        # 17-JUN-20: a two-digit year in this century, after the export's 2017 date.
        "Client.csv:8:DOB: future_date: the date is after the export's date (2017-10-03)",
        *(f"Client.csv:{line}:{ssn}" for line in BAD_DATA_FLAGGED_SSN_LINES),
        "Enrollment.csv:2:RelationshipToHoH: blank_value: HUD requires a value",
        "Enrollment.csv:3:RelationshipToHoH: blank_value: HUD requires a value",
        "Enrollment.csv:4:PersonalID: missing_parent: 7b8c1279001142afac2fd0bde7a8f6bf is not "
        "in Client.csv or the portal",
        "Enrollment.csv:5:PersonalID: missing_parent: 2f4b963171644a8b9902bdfe79a4b403 is not "
        "in Client.csv or the portal",
        "Exit.csv:2:EnrollmentID: missing_parent: Enrollment.csv line 5 (622377) was quarantined",
    ]
    assert _count(db_session, Client) == 134
    # Excel's and Oracle's dates are read: 08-MAY-67, 7/14/16 09:59:00, 04-28-19 05:17:00.
    assert db_session.get(Client, "6798").dob == dt.date(1967, 5, 8)
    assert db_session.get(Client, "6810").date_updated == dt.datetime(2016, 7, 14, 9, 59)
    assert db_session.get(Client, "6812").date_updated == dt.datetime(2019, 4, 28, 5, 17)
    assert db_session.get(Client, "6810").ssn == "888888"  # kept as given, flagged
    run = db_session.scalars(select(ImportRun)).one()
    assert run.succeeded
    assert run.status == "imported"
    assert run.problems.splitlines()[0] == reported[0]
    second = _import(db_session, BAD)
    assert [str(problem) for problem in second.outcomes] == reported
    assert all(c.inserted == c.updated == c.deleted == 0 for c in second.files.values())


def test_delta_deletes_what_carries_date_deleted(db_session: Session, tmp_path: Path) -> None:
    assert _import(db_session, BOM).succeeded
    export = _copy_export(BOM, tmp_path)
    exit_csv = export / "Exit.csv"
    lines = exit_csv.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("DateDeleted")] = "2017-10-01 00:00:00"
    exit_csv.write_text("\n".join([lines[0], ",".join(cells)]) + "\n", encoding="utf-8")
    result = _import(db_session, export)
    assert result.succeeded, result.outcomes
    assert result.files["Exit.csv"].deleted == 1
    assert _count(db_session, Exit) == 1
    assert _live(db_session, Exit) == 0


def test_full_refresh_deletes_what_the_export_no_longer_has(
    db_session: Session, tmp_path: Path
) -> None:
    assert _import(db_session, ICOUNT_2026).succeeded
    export = _copy_export(ICOUNT_2026, tmp_path)
    exits = (export / "Exit.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (export / "Exit.csv").write_text("".join(exits[:-1]), encoding="utf-8")
    result = _import(db_session, export)
    assert result.succeeded
    assert result.files["Exit.csv"].deleted == 1
    assert result.files["Client.csv"].deleted == 0
    assert _live(db_session, Exit) == 446


def test_zip_with_extra_files_in_a_folder_is_accepted(db_session: Session, tmp_path: Path) -> None:
    archive = tmp_path / "hmis_export.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for csv_file in ICOUNT_2024.glob("*.csv"):
            bundle.write(csv_file, f"nightly/{csv_file.name}")
        bundle.writestr("nightly/Services.csv", "ServicesID,EnrollmentID\n")
        bundle.writestr("nightly/Funder.csv", "FunderID\n")
    result = _import(db_session, archive)
    assert result.succeeded
    assert result.ignored_files == ["Funder.csv", "Services.csv"]
    assert _count(db_session, Client) == 514


def test_missing_column_and_missing_file_are_reported(db_session: Session, tmp_path: Path) -> None:
    export = _copy_export(BOM, tmp_path)
    (export / "User.csv").unlink()
    client_csv = export / "Client.csv"
    _edit(client_csv, "DOBDataQuality", "DOBQuality")
    result = _import(db_session, export)
    # A file the portal can do without is read as empty; one it cannot refuses the export.
    assert result.succeeded
    assert str(result.outcomes[0]) == (
        "User.csv:0:-: missing_file: file is missing: read as empty, and nothing it holds is "
        "deleted"
    )
    assert result.outcomes[0].outcome == "flagged"
    (export / "Organization.csv").unlink()
    result = _import(db_session, export)
    assert result.status == "refused"
    assert [str(p) for p in result.refusals] == [
        "Organization.csv:0:-: missing_file: required file is missing"
    ]
    (export / "Organization.csv").write_bytes((BOM / "Organization.csv").read_bytes())
    (export / "User.csv").write_bytes((BOM / "User.csv").read_bytes())
    result = _import(db_session, export)
    # A column the portal can do without is read as blank; one it cannot refuses the export.
    assert result.succeeded
    assert "Client.csv:1:DOBDataQuality: missing_column: column is missing" in [
        str(p) for p in result.outcomes
    ]
    _edit(client_csv, "PersonalID", "PersonID")
    result = _import(db_session, export)
    assert result.status == "refused"
    assert [str(p) for p in result.refusals] == [
        "Client.csv:1:PersonalID: no_column: required column is missing"
    ]


def test_unknown_references_and_codes_are_reported(db_session: Session, tmp_path: Path) -> None:
    export = _copy_export(BOM, tmp_path)
    enrollment_csv = export / "Enrollment.csv"
    _edit(enrollment_csv, "557890,4c9da990d51b4ed1a2e45b972aeaecee,", "557890,nobody,")
    exit_csv = export / "Exit.csv"
    _edit(exit_csv, '2015-11-07,""', "2015-11-07,4242")
    result = _import(db_session, export)
    reported = [str(p) for p in result.outcomes if p.rule != "blank_value"]
    assert reported == [
        "Enrollment.csv:3:PersonalID: missing_parent: nobody is not in Client.csv or the portal",
        "Exit.csv:2:Destination: not_on_list: 4242 is not a code on HUD list Destination",
    ]
    assert result.files["Enrollment.csv"].quarantined == 1
    assert result.files["Exit.csv"].flagged == 1


def test_victim_service_provider_data_is_refused(db_session: Session, tmp_path: Path) -> None:
    export = _copy_export(BOM, tmp_path)
    org_csv = export / "Organization.csv"
    _edit(org_csv, "Empty Eagle Hotel,,", "Empty Eagle Hotel,1,")
    result = _import(db_session, export)
    assert result.succeeded
    assert _count(db_session, Enrollment) == 0
    assert _count(db_session, Exit) == 0
    assert _count(db_session, Client) == 0  # all three were known only through that provider
    assert result.files["Enrollment.csv"].skipped == 4
    assert any("victim service provider" in warning for warning in result.warnings)


def test_cli_prints_a_summary_and_json(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hmis", "import", str(BOM), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["succeeded"] is True
    assert summary["files"]["Client.csv"] == {
        "rows": 3,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
        "deleted": 0,
        "skipped": 0,
        "flagged": 0,
        "quarantined": 0,
        "imported": 3,
    }
    assert summary["rules"] == {"blank_value": {"flagged": 4}}
    assert summary["problems"][0] == {
        "file": "Enrollment.csv",
        "line": 2,
        "column": "RelationshipToHoH",
        "rule": "blank_value",
        "message": "HUD requires a value",
        "outcome": "flagged",
        "raw": "",
        "key": summary["problems"][0]["key"],
        "text": "Enrollment.csv:2:RelationshipToHoH: blank_value: HUD requires a value",
    }


def test_cli_prints_a_summary_per_file_and_the_first_20_problems(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["hmis", "import", str(BAD)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    problems = [line for line in lines if line.startswith(("Client.csv:", "Enrollment.csv:"))]
    assert len(problems) == 20
    assert problems[0] == (
        "Client.csv:8:DOB: future_date: the date is after the export's date (2017-10-03)"
    )
    assert "... and 14 more (--json lists them all)." in lines
    assert "file                  rows  imported  flagged  quarantined  deleted  skipped" in lines
    assert "Client.csv             134       134       29            0        0        0" in lines
    assert "Enrollment.csv           4         2        2            2        0        0" in lines
    # A date of birth or an SSN is personal data: the report names the fault, never the value.
    assert "17-JUN-20" not in result.output
    assert "888888" not in result.output
    assert "Traceback" not in result.output


def test_cli_exits_non_zero_when_the_export_cannot_be_read(app: Flask, tmp_path: Path) -> None:
    export = _copy_export(BOM, tmp_path)
    (export / "Client.csv").unlink()
    result = app.test_cli_runner().invoke(args=["hmis", "import", str(export)])
    assert result.exit_code == 1
    assert "Client.csv:0:-: missing_file: required file is missing" in result.output
    assert "Import refused: the export cannot be read; nothing was changed." in result.output


def test_import_never_prints_personal_values(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["hmis", "import", str(ICOUNT_2024)])
    assert result.exit_code == 0
    assert "Herringbone" not in result.output
    assert "227930267" not in result.output


def test_a_database_refusal_is_reported_without_the_row(
    app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL quotes the failing row in its message; the CLI must not print it."""

    def refuse(*_args: object) -> None:
        detail = Exception("Failing row contains (528656, Herringbone, 227930267)")
        raise IntegrityError("COPY client", {}, detail)

    monkeypatch.setattr("portal.hmis.writing.insert_many", refuse)
    result = app.test_cli_runner().invoke(args=["hmis", "import", str(ICOUNT_2026)])
    assert result.exit_code == 1
    assert "The database refused the import (Exception); nothing was changed." in result.output
    for personal in ("Herringbone", "227930267", "Failing row"):
        assert personal not in result.output
    assert _count(db_session, Client) == 0


def test_import_without_committing_leaves_no_trace(db_session: Session) -> None:
    result = import_export(db_session, ICOUNT_2024)
    assert result.succeeded
    db_session.rollback()
    assert _count(db_session, Client) == 0


def test_demo_setup_imports_once_and_prints_working_accounts_and_codes(
    app: Flask, db_session: Session
) -> None:
    from portal.access.services import live_code_for
    from portal.accounts.models import StaffUser

    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "setup", "--clients", "40"])
    assert first.exit_code == 0, first.output
    assert "Imported demo data (40 synthetic clients)." in first.output
    second = runner.invoke(args=["demo", "setup", "--clients", "40"])
    assert second.exit_code == 0, second.output
    assert "Imported demo data" not in second.output  # reused, not imported twice
    assert _count(db_session, Client) == 40
    assert _count(db_session, StaffUser) == 4
    codes = [line.split()[0] for line in second.output.splitlines() if "date of birth" in line]
    assert len(codes) == 3
    assert all(live_code_for(db_session, code, app.secret_key) for code in codes)
    # A queue to work at once: due soon, overdue, assigned to the case manager, escalated.
    from portal.requests import queue

    assert "demo caseload" in first.output
    assert "demo caseload" not in second.output  # made once
    with app.test_request_context():
        staff = db_session.scalars(
            select(StaffUser).where(StaffUser.email == "staff@demo.example.org")
        ).one()
        lead = db_session.scalars(
            select(StaffUser).where(StaffUser.email == "lead@demo.example.org")
        ).one()
        counts = queue.queue_page(db_session, staff, queue.QueueFilters()).counts
        assert counts["open"] == 5
        assert counts["soon"] >= 1
        assert counts["overdue"] >= 1
        assert counts["mine"] == 2
        assert queue.queue_page(db_session, lead, queue.QueueFilters()).counts["escalated"] == 1


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("2024-02-29 23:59:58", dt.datetime(2024, 2, 29, 23, 59, 58)),
        ("2024-02-29", dt.datetime(2024, 2, 29)),
        ("2024-2-9 7:05", dt.datetime(2024, 2, 9, 7, 5)),
        ("2024-02-29T23:59:58", dt.datetime(2024, 2, 29, 23, 59, 58)),
        ("02/29/2024", dt.datetime(2024, 2, 29)),
        ("2024-02-29 23:59:58.123", dt.datetime(2024, 2, 29, 23, 59, 58)),
        ("2/29/2024 12:05:00 AM", dt.datetime(2024, 2, 29, 0, 5)),
        ("2/29/2024 1:05 PM", dt.datetime(2024, 2, 29, 13, 5)),
        ("7/14/16 09:59", dt.datetime(2016, 7, 14, 9, 59)),
        ("08-MAY-67", dt.datetime(1967, 5, 8)),
        ("29-Feb-2024 10:00:00", dt.datetime(2024, 2, 29, 10)),
    ],
)
def test_timestamps_in_hud_and_other_shapes_are_read(value: str, parsed: dt.datetime) -> None:
    assert csvspec.timestamp(value, "FY2026") == parsed


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2023-02-29 10:00:00", "the value is not a real date"),
        ("2023-02-29", "the value is not a real date"),
        ("0000-01-01", "the value is not a real date"),
        ("2024-01-05 1a:00:00", "the value is not a date as YYYY-MM-DD or MM-DD-YYYY"),
        ("2024-01-05 10:00:00+05:00", "the value is not a date as YYYY-MM-DD or MM-DD-YYYY"),
        ("20240105", "the value is not a date as YYYY-MM-DD or MM-DD-YYYY"),
        ("2/29/2024 13:05 PM", "the value is not a real date"),
        ("08-MAI-67", "the value is not a date as YYYY-MM-DD or MM-DD-YYYY"),
    ],
)
def test_timestamps_that_are_not_dates_are_reported(value: str, reason: str) -> None:
    with pytest.raises(csvspec.ValueProblem) as problem:
        csvspec.timestamp(value, "FY2026")
    assert problem.value.reason == reason


def test_a_code_saved_by_a_spreadsheet_as_a_decimal_is_read() -> None:
    assert csvspec.code("Destination")("435.0", "FY2026") == 435
    with pytest.raises(csvspec.ValueProblem) as problem:
        csvspec.code("Destination")("435.5", "FY2026")
    assert problem.value.rule == "not_on_list"


HOUSEHOLDS = "RelationshipToHoH: household_head: household"
SHARED_SETS = {
    "icount-fy2024": [
        f"Enrollment.csv:97:{HOUSEHOLDS} h_842571 has 2 heads of household",
        f"Enrollment.csv:98:{HOUSEHOLDS} h_842571 has 2 heads of household",
        f"Enrollment.csv:305:{HOUSEHOLDS} h_849204 has no head of household",
        f"Enrollment.csv:306:{HOUSEHOLDS} h_849204 has no head of household",
    ],
    "edge-fy2024-bom": [
        f"Enrollment.csv:{line}:RelationshipToHoH: blank_value: HUD requires a value"
        for line in (2, 3, 4, 5)
    ],
}
SHARED_SETS["icount-fy2026"] = SHARED_SETS["icount-fy2024"]


@pytest.mark.parametrize("name", [*SHARED_SETS, "edge-fy2024-bad-data"])
def test_every_shared_set_imports_and_a_second_import_changes_nothing(
    db_session: Session, name: str
) -> None:
    first = _import(db_session, HMIS_CSV / name)
    assert first.succeeded
    reported = [str(outcome) for outcome in first.outcomes]
    if name in SHARED_SETS:
        assert reported == SHARED_SETS[name]
        assert all(counts.quarantined == 0 for counts in first.files.values())
        assert all(counts.imported == counts.rows for counts in first.files.values())
    second = _import(db_session, HMIS_CSV / name)
    assert [str(outcome) for outcome in second.outcomes] == reported
    for file_name, counts in second.files.items():
        assert (counts.inserted, counts.updated, counts.deleted) == (0, 0, 0), file_name
        assert counts.unchanged == first.files[file_name].imported, file_name


def test_a_full_export_without_exit_csv_deletes_no_exit(
    db_session: Session, tmp_path: Path
) -> None:
    assert _import(db_session, ICOUNT_2026).succeeded
    export = _copy_export(ICOUNT_2026, tmp_path)
    (export / "Exit.csv").unlink()
    result = _import(db_session, export)
    assert result.succeeded
    assert result.files["Exit.csv"].deleted == 0
    assert _live(db_session, Exit) == 447


def test_an_unreadable_directive_and_date_are_read_safely_with_warnings(
    db_session: Session, tmp_path: Path
) -> None:
    export = _copy_export(ICOUNT_2026, tmp_path)
    _edit(export / "Export.csv", "2026 v1.0,3,2,3,", "2026 v1.0,3,full,3,")  # ExportDirective
    _edit(export / "Export.csv", "02-07-2023 12:00:00", "tomorrow")
    result = _import(db_session, export)
    assert result.succeeded
    assert result.directive == "delta"  # "other": never deletes what is not marked deleted
    assert result.warnings == [
        "Export.csv: ExportDate cannot be read; the import's own time is used",
        "Export.csv: ExportDirective cannot be read; taken as 3 (other), which deletes nothing "
        "the export does not mark deleted",
    ]


def test_a_file_saved_as_utf16_is_read(db_session: Session, tmp_path: Path) -> None:
    export = _copy_export(BOM, tmp_path)
    text = (BOM / "Client.csv").read_text(encoding="utf-8-sig")
    (export / "Client.csv").write_bytes(text.encode("utf-16"))  # with its byte-order mark
    result = _import(db_session, export)
    assert result.succeeded
    assert result.files["Client.csv"].imported == 3
