"""Small synthetic HMIS CSV exports written by the tests, one rule each: the columns the portal
reads (FY2024 or FY2026), rows given as {column: value}, everything else left blank."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from portal.hmis.csvspec import FILES

UPDATED = "2024-06-01 10:00:00"
STANDARDS = ("FY2024", "FY2026")
CSV_VERSION = {"FY2024": "2024 v1.3", "FY2026": "2026 v1.0"}


def header(file_name: str, standards: str) -> list[str]:
    spec = next(spec for spec in FILES if spec.name == file_name)
    return [column.name for column in spec.columns_for(standards)]


def client(personal_id: str, **values: str) -> dict[str, str]:
    return {
        "PersonalID": personal_id,
        "FirstName": "Test",
        "LastName": f"Person{personal_id}",
        "DOB": "1990-01-01",
        "DateCreated": "2024-01-01 09:00:00",
        "DateUpdated": UPDATED,
        **values,
    }


def enrollment(
    enrollment_id: str, personal_id: str, household: str | None = None, **values: str
) -> dict[str, str]:
    return {
        "EnrollmentID": enrollment_id,
        "PersonalID": personal_id,
        "ProjectID": "P1",
        "EntryDate": "2024-02-01",
        "HouseholdID": household or f"H-{enrollment_id}",
        "RelationshipToHoH": "1",
        "DateCreated": "2024-02-01 09:00:00",
        "DateUpdated": UPDATED,
        **values,
    }


def exit_row(exit_id: str, enrollment_id: str, personal_id: str, **values: str) -> dict[str, str]:
    return {
        "ExitID": exit_id,
        "EnrollmentID": enrollment_id,
        "PersonalID": personal_id,
        "ExitDate": "2024-05-01",
        "Destination": "435",
        "DateCreated": "2024-05-01 09:00:00",
        "DateUpdated": UPDATED,
        **values,
    }


def _line(cells: Sequence[str]) -> str:
    quoted = []
    for cell in cells:
        if any(c in cell for c in ',"\r\n'):
            cell = '"' + cell.replace('"', '""') + '"'
        quoted.append(cell)
    return ",".join(quoted)


def csv_text(columns: Sequence[str], rows: Sequence[dict[str, str]], newline: str = "\n") -> str:
    lines = [_line(columns), *(_line([row.get(name, "") for name in columns]) for row in rows)]
    return newline.join(lines) + newline


def write_export(
    folder: Path,
    standards: str,
    clients: Sequence[dict[str, str]] = (),
    enrollments: Sequence[dict[str, str]] = (),
    exits: Sequence[dict[str, str]] = (),
    directive: int = 2,
    export_date: str = "2024-10-01 02:00:00",
) -> Path:
    """An export folder: one organization (O1), one project (P1), one HMIS user (U1)."""
    folder.mkdir(parents=True, exist_ok=True)
    export = {
        "ExportID": "X1",
        "ExportDate": export_date,
        "CSVVersion": CSV_VERSION[standards],
        "ExportDirective": str(directive),
    }
    files = {
        "Export.csv": (list(export), [export]),
        "Organization.csv": (
            header("Organization.csv", standards),
            [{"OrganizationID": "O1", "OrganizationName": "Test Shelter", "DateUpdated": UPDATED}],
        ),
        "Project.csv": (
            header("Project.csv", standards),
            [
                {
                    "ProjectID": "P1",
                    "OrganizationID": "O1",
                    "ProjectName": "Test Beds",
                    "ProjectType": "1",
                    "DateUpdated": UPDATED,
                }
            ],
        ),
        "User.csv": (header("User.csv", standards), [{"UserID": "U1", "UserFirstName": "Case"}]),
        "Client.csv": (header("Client.csv", standards), clients),
        "Enrollment.csv": (header("Enrollment.csv", standards), enrollments),
        "Exit.csv": (header("Exit.csv", standards), exits),
    }
    for name, (columns, rows) in files.items():
        (folder / name).write_text(csv_text(columns, rows), encoding="utf-8", newline="")
    return folder
