"""Import a HUD HMIS CSV export (FY2024 or FY2026, folder or zip) in one transaction.

Everything is read and checked before anything is written: an export with any problem is refused
whole, and each problem is reported as File.csv:line:Column: reason. Rows are upserted by their
HMIS id, so importing the same export twice changes nothing. DateDeleted marks rows deleted
(kept, so that requests about them keep their history). A full refresh (ExportDirective 2) also
marks deleted what the export no longer holds. Data of victim service providers is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.db import in_chunks, insert_many
from portal.hmis import csvspec
from portal.hmis.csvspec import FILES, Column, FileSpec, ValueProblem
from portal.hmis.models import Client, Enrollment, Organization, Project
from portal.sharing.history import record_identity_snapshots
from portal.timeutil import utcnow

Progress = Callable[[int], None]
FULL_REFRESH = 2
MAX_FILE_BYTES = 2 * 1024**3


class ExportUnreadable(Exception):
    """The path is not a folder or zip holding an HMIS CSV export."""


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.reason}"


@dataclass
class FileCounts:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0
    errors: int = 0


@dataclass
class ImportResult:
    source: str
    export_id: str | None = None
    csv_version: str | None = None
    standards: str | None = None
    directive: str | None = None
    files: dict[str, FileCounts] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return not self.problems

    def add_problem(self, problem: Problem) -> None:
        self.problems.append(problem)
        if problem.file in self.files:
            self.files[problem.file].errors += 1

    def summary(self) -> dict[str, Any]:
        """A machine-readable summary (the CLI's --json)."""
        return {
            "source": self.source,
            "succeeded": self.succeeded,
            "export_id": self.export_id,
            "csv_version": self.csv_version,
            "data_standards": self.standards,
            "directive": self.directive,
            "files": {name: asdict(counts) for name, counts in self.files.items()},
            "ignored_files": self.ignored_files,
            "problems": [str(problem) for problem in self.problems],
            "warnings": self.warnings,
        }


# ---------------------------------------------------------------- reading the files


@dataclass
class ExportFiles:
    """The export's CSV files as text, found by name whatever their case or sub-folder."""

    label: str
    texts: dict[str, str]  # canonical file name -> text
    ignored: list[str]
    warnings: list[str]

    def total_rows(self) -> int:
        return sum(text.count("\n") for text in self.texts.values())


def _decode(name: str, data: bytes, warnings: list[str]) -> str:
    try:
        return data.decode("utf-8-sig")  # drops a byte-order mark
    except UnicodeDecodeError:
        warnings.append(f"{name}: not UTF-8; read as Windows-1252")
        return data.decode("cp1252", errors="replace")


def read_export(path: Path) -> ExportFiles:
    """Read the seven files the portal uses from a folder or a zip; list the others as ignored."""
    wanted = {name.lower(): name for name in csvspec.USED_FILES}
    found: dict[str, bytes] = {}
    ignored: list[str] = []

    def take(member_name: str, read: Callable[[], bytes], size: int) -> None:
        base = member_name.replace("\\", "/").rsplit("/", 1)[-1]
        if not base.lower().endswith(".csv"):
            return
        canonical = wanted.get(base.lower())
        if canonical is None:
            ignored.append(base)
        elif size > MAX_FILE_BYTES:
            raise ExportUnreadable(f"{base} is larger than 2 GB")
        else:
            found[canonical] = read()

    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file():
                take(child.name, child.read_bytes, child.stat().st_size)
    elif path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    take(info.filename, lambda info=info: archive.read(info), info.file_size)
    else:
        raise ExportUnreadable(f"{path} is not a folder or a zip file")

    warnings: list[str] = []
    texts = {name: _decode(name, data, warnings) for name, data in found.items()}
    return ExportFiles(str(path), texts, sorted(ignored), warnings)


@dataclass
class CsvRow:
    line: int
    values: dict[str, str]


def _csv_rows(
    file_name: str, text: str, problems: list[Problem]
) -> tuple[list[str], Iterator[CsvRow]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lstrip("\ufeff") for name in next(reader)]
    except StopIteration:
        return [], iter(())

    def rows() -> Iterator[CsvRow]:
        last_line = reader.line_num
        for record in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                problems.append(
                    Problem(
                        file_name,
                        line,
                        header[0],
                        f"row has {len(record)} fields, the header has {len(header)}",
                    )
                )
                continue
            values = {name: cell.strip() for name, cell in zip(header, record, strict=True)}
            yield CsvRow(line, values)

    return header, rows()


# ---------------------------------------------------------------- Export.csv


@dataclass
class ExportInfo:
    export_id: str
    export_date: dt.datetime
    csv_version: str
    directive: int
    standards: str


def _standards_from_headers(client_header: list[str]) -> str | None:
    if "Sex" in client_header:
        return "FY2026"
    if "Woman" in client_header or "HispanicLatinaeo" in client_header:
        return "FY2024"
    return None


def _read_export_info(files: ExportFiles, result: ImportResult) -> ExportInfo | None:
    name = csvspec.EXPORT_FILE
    problems: list[Problem] = []
    header, rows = _csv_rows(name, files.texts[name], problems)
    records = list(rows)
    for problem in problems:
        result.add_problem(problem)
    if not records:
        result.add_problem(Problem(name, 2, "ExportID", "Export.csv has no export row"))
        return None
    row = records[0]
    for column in ("ExportID", "ExportDate", "CSVVersion", "ExportDirective"):
        if column not in header:
            result.add_problem(Problem(name, 1, column, "required column is missing"))
    if result.problems:
        return None

    def field_value(column: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(row.values[column])
        except ValueProblem as error:
            result.add_problem(Problem(name, row.line, column, error.describe(personal=False)))
            return None
        except ValueError:
            result.add_problem(Problem(name, row.line, column, "the value is not a number"))
            return None

    export_date = field_value("ExportDate", lambda v: csvspec.timestamp(v, ""))
    directive = field_value("ExportDirective", int)
    csv_version = row.values["CSVVersion"]

    client_header, _ = _csv_rows("Client.csv", files.texts.get("Client.csv", ""), [])
    by_headers = _standards_from_headers(client_header)
    version_match = re.match(r"(20\d\d)", csv_version)
    by_version = f"FY{version_match.group(1)}" if version_match else None
    standards = by_version or by_headers
    if standards not in ("FY2024", "FY2026"):
        result.add_problem(
            Problem(
                name, row.line, "CSVVersion", f"'{csv_version}' is not an FY2024 or FY2026 export"
            )
        )
        return None
    if by_headers and by_headers != standards:
        result.add_problem(
            Problem(
                name,
                row.line,
                "CSVVersion",
                f"says {standards} but Client.csv has {by_headers} columns",
            )
        )
        return None
    if export_date is None or directive is None:
        return None
    return ExportInfo(row.values["ExportID"], export_date, csv_version, directive, standards)


# ---------------------------------------------------------------- parsing and checking


@dataclass
class ParsedFile:
    spec: FileSpec
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> attribute values
    lines: dict[str, int] = field(default_factory=dict)  # key -> line, for reports


def _parse_file(
    spec: FileSpec, text: str, standards: str, result: ImportResult, progress: Progress
) -> ParsedFile:
    parsed = ParsedFile(spec)
    counts = result.files[spec.name]
    problems: list[Problem] = []
    header, rows = _csv_rows(spec.name, text, problems)
    columns = spec.columns_for(standards)
    missing = [column.name for column in columns if column.name not in header]
    for name in missing:
        result.add_problem(Problem(spec.name, 1, name, "required column is missing"))
    if missing:
        return parsed
    for row in rows:
        counts.rows += 1
        progress(1)
        values = _parse_row(spec, columns, row, standards, problems)
        if values is None:
            continue
        key = row.values[spec.key]
        if key in parsed.rows:
            problems.append(
                Problem(
                    spec.name,
                    row.line,
                    spec.key,
                    f"{key} appears twice (first on line {parsed.lines[key]})",
                )
            )
            continue
        parsed.rows[key] = values
        parsed.lines[key] = row.line
    for problem in problems:
        result.add_problem(problem)
    return parsed


def _parse_row(
    spec: FileSpec,
    columns: Iterable[Column],
    row: CsvRow,
    standards: str,
    problems: list[Problem],
) -> dict[str, Any] | None:
    # A NUL byte is never data (and PostgreSQL refuses it in text): report, do not store.
    damaged = [name for name, raw in row.values.items() if raw and "\x00" in raw]
    for name in damaged:
        problems.append(Problem(spec.name, row.line, name, "the value contains a NUL character"))
    if damaged:
        return None
    values: dict[str, Any] = {}
    ok = True
    for column in columns:
        raw = row.values[column.name]
        if raw == "":
            if column.required:
                problems.append(Problem(spec.name, row.line, column.name, "a value is required"))
                ok = False
            values[column.attribute] = column.blank
            continue
        try:
            values[column.attribute] = column.parse(raw, standards)
        except ValueProblem as error:
            reason = error.describe(personal=column.personal)
            problems.append(Problem(spec.name, row.line, column.name, reason))
            ok = False
    if spec.model is Client:
        values["data_standards"] = standards
    return values if ok else None


def _existing_keys(session: Session, model: type, keys: Iterable[str]) -> set[str]:
    key_column = _key_column(model)
    found: set[str] = set()
    for chunk in in_chunks(list(keys)):
        found.update(session.scalars(select(key_column).where(key_column.in_(chunk))))
    return found


def _key_column(model: type) -> Any:
    return model.__mapper__.primary_key[0]  # type: ignore[attr-defined]


def _check_references(
    session: Session, parsed: dict[str, ParsedFile], result: ImportResult
) -> None:
    """Every id a row refers to must be in this export or already in the portal."""

    def check(child: str, column: str, attribute: str, parent: str) -> None:
        child_file, parent_file = parsed[child], parsed[parent]
        wanted = {values[attribute] for values in child_file.rows.values()}
        known = set(parent_file.rows) | _existing_keys(
            session, parent_file.spec.model, wanted - set(parent_file.rows)
        )
        for key, values in child_file.rows.items():
            if values[attribute] not in known:
                result.add_problem(
                    Problem(
                        child,
                        child_file.lines[key],
                        column,
                        f"{values[attribute]} is not in {parent}",
                    )
                )

    check("Project.csv", "OrganizationID", "organization_id", "Organization.csv")
    check("Enrollment.csv", "PersonalID", "personal_id", "Client.csv")
    check("Enrollment.csv", "ProjectID", "project_id", "Project.csv")
    check("Exit.csv", "EnrollmentID", "enrollment_id", "Enrollment.csv")
    _check_exit_people(session, parsed, result)


def _check_exit_people(
    session: Session, parsed: dict[str, ParsedFile], result: ImportResult
) -> None:
    enrollments = parsed["Enrollment.csv"].rows
    exits = parsed["Exit.csv"]
    outside = {v["enrollment_id"] for v in exits.rows.values()} - set(enrollments)
    owners = {key: values["personal_id"] for key, values in enrollments.items()}
    for chunk in in_chunks(sorted(outside)):
        rows = session.execute(
            select(Enrollment.enrollment_id, Enrollment.personal_id).where(
                Enrollment.enrollment_id.in_(chunk)
            )
        )
        owners.update(rows.all())  # a list of pairs (a Result itself looks like a mapping)
    seen: dict[str, str] = {}
    for key, values in exits.rows.items():
        owner = owners.get(values["enrollment_id"])
        if owner is not None and owner != values["personal_id"]:
            result.add_problem(
                Problem(
                    "Exit.csv",
                    exits.lines[key],
                    "PersonalID",
                    "is not the person of the exit's enrollment",
                )
            )
        if (first := seen.setdefault(values["enrollment_id"], key)) != key:
            result.add_problem(
                Problem(
                    "Exit.csv",
                    exits.lines[key],
                    "EnrollmentID",
                    f"enrollment already has exit {first}",
                )
            )


def _refuse_victim_service_data(
    session: Session, parsed: dict[str, ParsedFile], result: ImportResult
) -> None:
    """Victim service providers' client data never enters the portal (HUD and VAWA)."""
    vsp_orgs = {
        k for k, v in parsed["Organization.csv"].rows.items() if v["victim_service_provider"]
    }
    vsp_orgs |= set(
        session.scalars(
            select(Organization.organization_id).where(Organization.victim_service_provider)
        )
    )
    if not vsp_orgs:
        return
    vsp_projects = {
        k for k, v in parsed["Project.csv"].rows.items() if v["organization_id"] in vsp_orgs
    }
    vsp_projects |= set(
        session.scalars(select(Project.project_id).where(Project.organization_id.in_(vsp_orgs)))
    )
    enrollments = parsed["Enrollment.csv"].rows
    refused = {k for k, v in enrollments.items() if v["project_id"] in vsp_projects}
    if not refused:
        return
    exits = parsed["Exit.csv"].rows
    refused_exits = {k for k, v in exits.items() if v["enrollment_id"] in refused}
    # A client known only through a victim service provider is not imported at all.
    people = {enrollments[k]["personal_id"] for k in refused}
    elsewhere = {v["personal_id"] for k, v in enrollments.items() if k not in refused}
    elsewhere |= set(
        session.scalars(select(Enrollment.personal_id).where(Enrollment.personal_id.in_(people)))
    )
    refused_people = people - elsewhere
    for name, keys in (
        ("Enrollment.csv", refused),
        ("Exit.csv", refused_exits),
        ("Client.csv", refused_people),
    ):
        for key in keys:
            del parsed[name].rows[key]
        result.files[name].skipped += len(keys)
    result.warnings.append(
        f"refused victim service provider data: {len(refused)} enrollments, "
        f"{len(refused_exits)} exits and {len(refused_people)} clients served only there "
        "were not imported"
    )


# ---------------------------------------------------------------- writing


def _apply_file(
    session: Session, parsed: ParsedFile, counts: FileCounts, progress: Progress
) -> None:
    """Insert the rows the portal does not hold yet and update those that changed."""
    model = parsed.spec.model
    key_column = _key_column(model)
    # Which keys are stored, in one query: a first import then loads no stored rows at all.
    stored = set(session.scalars(select(key_column)))
    new_rows: list[dict[str, Any]] = []
    for key, values in parsed.rows.items():
        if key in stored:
            continue
        progress(1)
        new_rows.append(values)
        if values["date_deleted"] is None:
            counts.inserted += 1
        else:
            counts.deleted += 1
    _update_stored(session, parsed, [key for key in parsed.rows if key in stored], counts, progress)
    # The attribute names are the column names (tests/hmis/test_import.py checks).
    insert_many(session, model.__table__, new_rows)  # type: ignore[attr-defined]


def _update_stored(
    session: Session, parsed: ParsedFile, keys: list[str], counts: FileCounts, progress: Progress
) -> None:
    """Compare stored rows with the export's and write what changed. Plain rows, not ORM
    objects: a nightly full export re-imports hundreds of thousands of unchanged rows."""
    model = parsed.spec.model
    key_name = _key_column(model).key
    table = model.__table__  # type: ignore[attr-defined]
    names = list(parsed.rows[keys[0]]) if keys else []
    changes: list[dict[str, Any]] = []
    for chunk in in_chunks(keys):
        query = select(*(table.c[name] for name in names)).where(table.c[key_name].in_(chunk))
        for stored in session.execute(query).mappings():
            progress(1)
            values = parsed.rows[stored[key_name]]
            changed = {name: value for name, value in values.items() if stored[name] != value}
            if not changed:
                counts.unchanged += 1
                continue
            if values["date_deleted"] is not None and stored["date_deleted"] is None:
                counts.deleted += 1
            else:
                counts.updated += 1
            changes.append({key_name: stored[key_name], **changed})
    if changes:
        session.execute(update(model), changes)


def _mark_missing_deleted(
    session: Session, parsed: ParsedFile, counts: FileCounts, when: dt.datetime
) -> None:
    """Full refresh: what the HMIS no longer exports is deleted there."""
    model = parsed.spec.model
    key_column = _key_column(model)
    live = set(session.scalars(select(key_column).where(model.date_deleted.is_(None))))  # type: ignore[attr-defined]
    gone = sorted(live - set(parsed.rows))
    for chunk in in_chunks(gone):
        for obj in session.scalars(select(model).where(key_column.in_(chunk))):
            obj.date_deleted = when
    counts.deleted += len(gone)
    session.flush()


def import_export(
    session: Session,
    path: Path,
    progress: Progress | None = None,
    files: ExportFiles | None = None,
) -> ImportResult:
    """Check the export at path and, only if it has no problem, write it through session.

    The caller owns the transaction: commit when the result succeeded, roll back otherwise.
    """
    tick: Progress = progress or (lambda _n: None)
    files = files or read_export(path)
    result = ImportResult(source=files.label, ignored_files=files.ignored)
    result.warnings.extend(files.warnings)
    result.files = {spec.name: FileCounts() for spec in FILES}
    missing = [name for name in csvspec.USED_FILES if name not in files.texts]
    for name in missing:
        result.add_problem(Problem(name, 0, "-", "required file is missing"))
    if missing:
        return result
    info = _read_export_info(files, result)
    if info is None:
        return result
    result.export_id, result.csv_version, result.standards = (
        info.export_id,
        info.csv_version,
        info.standards,
    )
    result.directive = "full" if info.directive == FULL_REFRESH else "delta"

    parsed = {
        spec.name: _parse_file(spec, files.texts[spec.name], info.standards, result, tick)
        for spec in FILES
    }
    if result.problems:
        return result
    _check_references(session, parsed, result)
    if result.problems:
        return result
    _refuse_victim_service_data(session, parsed, result)

    with session.no_autoflush:
        for spec in FILES:
            _apply_file(session, parsed[spec.name], result.files[spec.name], tick)
            session.flush()
        if info.directive == FULL_REFRESH:
            for spec in reversed(FILES):
                _mark_missing_deleted(
                    session, parsed[spec.name], result.files[spec.name], info.export_date
                )
        # The sharing rule shows partners identifying data as it stood when a refusal began.
        record_identity_snapshots(session, parsed[csvspec.CLIENT.name].rows, utcnow())
    return result
