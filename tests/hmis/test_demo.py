"""The synthetic FY2026 export: HUD's headers, deterministic, plausible, and importable as is."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from portal import crypto
from portal.hmis.codes import codes
from portal.hmis.demo import write_demo_export
from portal.hmis.importer import import_export
from portal.models import metadata
from tests.conftest import HMIS_CSV

# Also in the SQLite pass: `make run` does this on its SQLite file.
pytestmark = pytest.mark.sqlite

ICOUNT_2026 = HMIS_CSV / "icount-fy2026"
FILES = (
    "Export.csv", "Organization.csv", "Project.csv", "User.csv", "Client.csv", "Enrollment.csv",
    "Exit.csv",
)  # fmt: skip
CLIENTS = 500


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """One 500-client export, shared by the tests that only read it."""
    folder = tmp_path_factory.mktemp("demo")
    return folder, write_demo_export(folder, CLIENTS)


def test_headers_are_hud_fy2026_headers(export: tuple[Path, dict[str, int]]) -> None:
    folder, _ = export
    for name in FILES:
        assert _header(folder / name) == _header(ICOUNT_2026 / name), name


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first, again, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert write_demo_export(first, 200, seed=7) == write_demo_export(again, 200, seed=7)
    write_demo_export(other, 200, seed=8)
    for name in FILES:
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    assert (first / "Client.csv").read_bytes() != (other / "Client.csv").read_bytes()
    assert (first / "Enrollment.csv").read_bytes() != (other / "Enrollment.csv").read_bytes()


def test_counts_match_the_files_and_the_targets(export: tuple[Path, dict[str, int]]) -> None:
    folder, counts = export
    assert set(counts) == set(FILES)
    for name in FILES:
        assert counts[name] == len(_rows(folder, name)), name
    assert counts["Client.csv"] == CLIENTS
    assert counts["Export.csv"] == 1
    assert counts["Organization.csv"] == 6
    assert 2.5 * CLIENTS <= counts["Enrollment.csv"] <= 3.5 * CLIENTS
    assert 0.7 * counts["Enrollment.csv"] <= counts["Exit.csv"] <= 0.9 * counts["Enrollment.csv"]


def test_export_row(export: tuple[Path, dict[str, int]]) -> None:
    folder, _ = export
    (row,) = _rows(folder, "Export.csv")
    assert row["ExportID"] == "DEMO-2026"
    assert row["CSVVersion"] == "2026 v1.0"
    assert row["ExportDirective"] == "2"
    assert row["SourceName"] == "Lake County Demo HMIS (synthetic)"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["ExportDate"])


def test_households_have_one_head_and_enroll_together(
    export: tuple[Path, dict[str, int]],
) -> None:
    folder, _ = export
    households: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows(folder, "Enrollment.csv"):
        households[row["HouseholdID"]].append(row)
    assert any(len(members) > 1 for members in households.values())
    for household_id, members in households.items():
        heads = [m for m in members if m["RelationshipToHoH"] == "1"]
        assert len(heads) == 1, household_id
        assert len({(m["ProjectID"], m["EntryDate"]) for m in members}) == 1, household_id
        assert len({m["PersonalID"] for m in members}) == len(members), household_id
        assert {m["RelationshipToHoH"] for m in members} <= {"1", "2", "3", "4"}


def test_ssns_can_never_be_real(export: tuple[Path, dict[str, int]]) -> None:
    folder, _ = export
    clients = _rows(folder, "Client.csv")
    ssns = [row["SSN"] for row in clients]
    assert all(ssn == "" or re.fullmatch(r"9[0-9x]{8}", ssn) for ssn in ssns)
    full = [ssn for ssn in ssns if ssn.isdigit()]
    assert len(full) == len(set(full)), "two synthetic people share an SSN"
    qualities = {row["SSNDataQuality"] for row in clients}
    assert {"1", "99"} <= qualities
    assert all((row["SSN"] == "") == (row["SSNDataQuality"] in {"8", "9", "99"}) for row in clients)


def test_names_are_synthetic_utf8(export: tuple[Path, dict[str, int]]) -> None:
    folder, _ = export
    text = (folder / "Client.csv").read_text(encoding="utf-8")
    assert not text.isascii(), "no accented names to exercise UTF-8"
    users = _rows(folder, "User.csv")
    assert all(row["UserEmail"].endswith("@example.org") for row in users)
    assert all(re.fullmatch(r"84755501\d\d", row["UserPhone"]) for row in users)


def test_ages_at_first_entry(export: tuple[Path, dict[str, int]]) -> None:
    folder, _ = export
    born = {r["PersonalID"]: r["DOB"] for r in _rows(folder, "Client.csv") if r["DOB"]}
    first: dict[str, dict[str, str]] = {}
    for row in _rows(folder, "Enrollment.csv"):
        first.setdefault(row["PersonalID"], row)
    children = 0
    for personal_id, row in first.items():
        if personal_id not in born:
            continue
        dob, entry = _day(born[personal_id]), _day(row["EntryDate"])
        age = entry.year - dob.year - ((entry.month, entry.day) < (dob.month, dob.day))
        if row["RelationshipToHoH"] == "2":
            children += 1
            assert 0 <= age <= 17, personal_id
        else:
            assert 18 <= age <= 80, personal_id
    assert children > 0


def test_dates_are_consistent(export: tuple[Path, dict[str, int]]) -> None:
    folder, _ = export
    end = dt.date(2026, 9, 30)
    enrollments = {row["EnrollmentID"]: row for row in _rows(folder, "Enrollment.csv")}
    for row in enrollments.values():
        assert dt.date(2019, 1, 1) <= _day(row["EntryDate"]) <= end
        assert row["DateCreated"] <= row["DateUpdated"] < "2026-10-01 02:00:00"
        assert row["DateCreated"][:10] >= row["EntryDate"]
    exited = set()
    for row in _rows(folder, "Exit.csv"):
        enrollment = enrollments[row["EnrollmentID"]]
        assert row["PersonalID"] == enrollment["PersonalID"]
        assert enrollment["EntryDate"] <= row["ExitDate"] <= end.isoformat()
        if enrollment["MoveInDate"]:
            assert enrollment["EntryDate"] <= enrollment["MoveInDate"] <= row["ExitDate"]
        exited.add(row["EnrollmentID"])
    # Only a client's newest enrollment may still be open.
    newest: dict[str, str] = {}
    for row in enrollments.values():
        if row["EntryDate"] > newest.get(row["PersonalID"], ""):
            newest[row["PersonalID"]] = row["EntryDate"]
    for enrollment_id, row in enrollments.items():
        if enrollment_id not in exited:
            assert row["EntryDate"] == newest[row["PersonalID"]], enrollment_id


def test_codes_are_on_the_fy2026_lists(export: tuple[Path, dict[str, int]]) -> None:
    folder, _ = export
    destinations = codes("FY2026", "Destination")
    subsidies = codes("FY2026", "RentalSubsidyType")
    for row in _rows(folder, "Exit.csv"):
        assert int(row["Destination"]) in destinations
        if row["Destination"] == "435":
            assert int(row["DestinationSubsidyType"]) in subsidies
        else:
            assert row["DestinationSubsidyType"] == ""
    races = ("AmIndAKNative", "Asian", "BlackAfAmerican", "HispanicLatinao", "MidEastNAfrican",
             "NativeHIPacific", "White")  # fmt: skip
    sexes = codes("FY2026", "Sex")
    for row in _rows(folder, "Client.csv"):
        assert int(row["Sex"]) in sexes
        flags = [row[name] for name in races]
        assert set(flags) <= {"0", "1"}
        assert ("1" in flags) != (row["RaceNone"] in {"8", "9", "99"})
        for quality in ("NameDataQuality", "SSNDataQuality", "DOBDataQuality"):
            assert row[quality] != "", quality


def test_records_name_users_of_the_owning_agency(export: tuple[Path, dict[str, int]]) -> None:
    folder, _ = export
    user_ids = [row["UserID"] for row in _rows(folder, "User.csv")]
    users = set(user_ids)
    assert len(users) == 18
    # User.csv lists each agency's three case managers together, in Organization.csv's order.
    organizations = [row["OrganizationID"] for row in _rows(folder, "Organization.csv")]
    agency_users = {org: set(user_ids[3 * i : 3 * i + 3]) for i, org in enumerate(organizations)}
    owner = {row["ProjectID"]: row["OrganizationID"] for row in _rows(folder, "Project.csv")}
    for name in ("Organization.csv", "Project.csv", "Client.csv", "Exit.csv"):
        assert {row["UserID"] for row in _rows(folder, name)} <= users, name
    for row in _rows(folder, "Enrollment.csv"):
        assert row["UserID"] in agency_users[owner[row["ProjectID"]]]


def test_imports_cleanly_through_the_real_importer(
    export: tuple[Path, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, counts = export
    # A key of our own, and the process-wide cipher put back afterwards for the other tests.
    monkeypatch.setattr(crypto, "_cipher", None)
    crypto.configure((Fernet.generate_key().decode(),))
    engine = create_engine("sqlite://")
    try:
        metadata.create_all(engine)
        with Session(engine) as session:
            result = import_export(session, folder)
            assert result.succeeded, [str(p) for p in result.outcomes[:20]]
            session.commit()
    finally:
        engine.dispose()
    assert result.standards == "FY2026"
    assert result.directive == "full"
    assert not result.warnings
    assert [str(outcome) for outcome in result.outcomes] == []  # the generator's data is clean
    for name, file_counts in result.files.items():
        assert file_counts.inserted == counts[name], name
        assert file_counts.quarantined == file_counts.flagged == file_counts.skipped == 0, name
