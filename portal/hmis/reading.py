"""Reading an HMIS CSV export as real ones come: a folder or a zip, files found by name in any
case or sub-folder, UTF-8 with or without a byte-order mark (or Windows-1252), CRLF or LF line
ends, newlines inside quoted cells, Excel's trailing blank rows and columns, columns in any
order, columns the portal does not use."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from portal.hmis import csvspec
from portal.hmis.csvspec import ValueProblem
from portal.hmis.outcomes import REFUSED, Outcome

MAX_FILE_BYTES = 2 * 1024**3
OTHER_DIRECTIVE = 3  # ExportDirective "other": neither full nor delta


class ExportUnreadable(Exception):
    """The path is not a folder or zip holding an HMIS CSV export."""


@dataclass
class ExportFiles:
    """The export's CSV files as text, found by name whatever their case or sub-folder."""

    label: str
    texts: dict[str, str]  # canonical file name -> text
    ignored: list[str]
    warnings: list[str]
    path: Path | None = None

    def total_rows(self) -> int:
        return sum(text.count("\n") for text in self.texts.values())


def _decode(name: str, data: bytes, warnings: list[str]) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode Text"
        return data.decode("utf-16")
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
                    take(info.filename, partial(archive.read, info), info.file_size)
    else:
        raise ExportUnreadable(f"{path} is not a folder or a zip file")

    warnings: list[str] = []
    texts = {name: _decode(name, data, warnings) for name, data in found.items()}
    return ExportFiles(str(path), texts, sorted(ignored), warnings, path)


@dataclass
class CsvFile:
    """A file's header (names as written, trailing blank ones dropped) and its rows."""

    name: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line the row starts on, cells: one per header name)

    def position(self, column: str) -> int | None:
        """Where a column is, matched by name whatever its case; None when it is missing."""
        wanted = column.lower()
        return next((i for i, name in enumerate(self.header) if name.lower() == wanted), None)


def csv_file(name: str, text: str, problems: list[Outcome]) -> CsvFile:
    """The file's rows, each as long as the header. Blank rows are skipped; a short row is
    padded with blanks; a row with more filled cells than the header has names is reported
    (it cannot be read by name) and left out."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lstrip("\ufeff").strip('"') for cell in next(reader)]
    except StopIteration:
        return CsvFile(name, [], iter(()))
    except csv.Error:
        return CsvFile(name, [], iter(()))
    while header and not header[-1]:
        header.pop()  # Excel's trailing blank columns
    width = len(header)

    def rows() -> Iterator[tuple[int, list[str]]]:
        last_line = reader.line_num
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:  # an unterminated quote at the end of the file
                problems.append(
                    Outcome(
                        name, last_line + 1, header[0], "field_count", str(error), "quarantined"
                    )
                )
                return
            line, last_line = last_line + 1, reader.line_num
            if len(record) == width:
                yield line, record
                continue
            if not any(cell.strip() for cell in record):
                continue  # a blank row
            if len(record) < width:
                yield line, record + [""] * (width - len(record))
            elif any(cell.strip() for cell in record[width:]):
                problems.append(
                    Outcome(
                        name,
                        line,
                        header[0],
                        "field_count",
                        f"row has {len(record)} fields, the header has {width}",
                        "quarantined",
                    )
                )
            else:
                yield line, record[:width]

    return CsvFile(name, header, rows())


# ---------------------------------------------------------------- Export.csv


@dataclass
class ExportInfo:
    export_id: str
    export_date: dt.datetime
    csv_version: str
    directive: int
    standards: str


def _standards_from_headers(client_header: list[str]) -> str | None:
    names = {name.lower() for name in client_header}
    if "sex" in names:
        return "FY2026"
    if "woman" in names or "hispaniclatinaeo" in names:
        return "FY2024"
    return None


def _refused(name: str, line: int, column: str, message: str, rule: str) -> Outcome:
    return Outcome(name, line, column, rule, message, REFUSED)


def read_export_info(
    files: ExportFiles, refusals: list[Outcome], warnings: list[str]
) -> ExportInfo | None:
    """Export.csv's id, date, directive and the data standards; None (and why) when unusable.

    Only the ExportID is indispensable: a directive that cannot be read is taken as "other"
    (it never deletes anything unmarked), a date that cannot be read as the import's own time,
    a blank CSVVersion from Client.csv's columns; each with a warning."""
    name = csvspec.EXPORT_FILE
    known = len(refusals)
    found: list[Outcome] = []
    table = csv_file(name, files.texts[name], found)
    records = list(table.rows)
    refusals.extend(_refused(o.file, o.line, o.column, o.message, o.rule) for o in found)
    if not records:
        refusals.append(_refused(name, 2, "ExportID", "Export.csv has no export row", "no_export"))
        return None
    line, cells = records[0]
    values: dict[str, str] = {}
    for column in ("ExportID", "ExportDate", "CSVVersion", "ExportDirective"):
        position = table.position(column)
        values[column] = "" if position is None else cells[position].strip()
    if not values["ExportID"]:
        refusals.append(_refused(name, line, "ExportID", "the export's id is blank", "bad_export"))
    if len(refusals) > known:
        return None

    try:
        export_date = csvspec.timestamp(values["ExportDate"], "")
    except ValueProblem:
        export_date = dt.datetime.now()  # noqa: DTZ005 - HUD timestamps are local wall-clock times
        warnings.append("Export.csv: ExportDate cannot be read; the import's own time is used")
    try:
        directive = int(values["ExportDirective"])
    except ValueError:
        directive = OTHER_DIRECTIVE
        warnings.append(
            "Export.csv: ExportDirective cannot be read; taken as 3 (other), which deletes "
            "nothing the export does not mark deleted"
        )
    csv_version = values["CSVVersion"]

    client_header = csv_file("Client.csv", files.texts.get("Client.csv", ""), []).header
    by_headers = _standards_from_headers(client_header)
    version_match = re.match(r"(20\d\d)", csv_version)
    by_version = f"FY{version_match.group(1)}" if version_match else None
    standards = by_version or by_headers
    if standards not in ("FY2024", "FY2026"):
        message = f"'{csv_version[:40]}' is not an FY2024 or FY2026 export"
        refusals.append(_refused(name, line, "CSVVersion", message, "bad_export"))
        return None
    if by_headers and by_headers != standards:
        message = f"says {standards} but Client.csv has {by_headers} columns"
        refusals.append(_refused(name, line, "CSVVersion", message, "bad_export"))
        return None
    return ExportInfo(values["ExportID"], export_date, csv_version, directive, standards)
