"""Reading each row of a file into the values the portal stores, with its flags, or into
quarantine with the reason; a key twice in a file keeps the row updated last."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portal.hmis.csvspec import HMIS_ID, TOO_LONG, FileSpec, ValueProblem
from portal.hmis.models import Client
from portal.hmis.outcomes import FLAGGED, QUARANTINED, REFUSED, Outcome
from portal.hmis.reading import csv_file

Progress = Callable[[int], None]
EARLIEST_YEAR = 1900  # HUD's data standards: no date in an HMIS is earlier
NEVER = dt.datetime.min  # noqa: DTZ901 - HUD timestamps are local wall-clock times


@dataclass
class ParsedFile:
    """A file's rows as the portal will store them, and what was kept aside."""

    spec: FileSpec
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> attribute values
    lines: dict[str, int] = field(default_factory=dict)  # key -> line, for reports
    flags: dict[str, list[Outcome]] = field(default_factory=dict)  # kept key -> its flags
    quarantined: list[Outcome] = field(default_factory=list)
    quarantined_keys: dict[str, int] = field(default_factory=dict)  # key -> its line
    quarantined_rows: int = 0
    seen_keys: set[str] = field(default_factory=set)  # every id in the file, kept or not
    file_outcomes: list[Outcome] = field(default_factory=list)  # about the file (line 1)
    row_count: int = 0

    @property
    def name(self) -> str:
        return self.spec.name

    def flag(self, key: str, outcome: Outcome) -> None:
        self.flags.setdefault(key, []).append(outcome)

    def drop(self, key: str) -> None:
        """Leave a kept row out (quarantined, or refused as victim service provider data)."""
        del self.rows[key]
        del self.lines[key]
        self.flags.pop(key, None)

    def quarantine(self, key: str, outcomes: list[Outcome]) -> None:
        self.quarantined_keys[key] = self.lines[key]
        self.drop(key)
        self._count_quarantined(outcomes)

    def _count_quarantined(self, outcomes: list[Outcome]) -> None:
        self.quarantined.extend(outcomes)
        self.quarantined_rows += 1

    def outcomes(self) -> list[Outcome]:
        """Everything to report about this file, in line order."""
        found = [*self.file_outcomes, *self.quarantined]
        for flags in self.flags.values():
            found.extend(flags)
        return sorted(found, key=lambda outcome: outcome.line)

    @property
    def refused(self) -> bool:
        return any(outcome.outcome == REFUSED for outcome in self.file_outcomes)


def _raw(column_personal: bool, raw: str) -> str | None:
    return None if column_personal else raw[:300]


def parse_file(
    spec: FileSpec, text: str, standards: str, export_day: dt.date, progress: Progress
) -> ParsedFile:
    """Every row of one file: kept (perhaps with flags) or quarantined."""
    parsed = ParsedFile(spec)
    if not text or text.isspace():  # isspace stops at the first other character
        return parsed  # a file that is missing (only a few may be) or empty: no rows
    structural: list[Outcome] = []
    table = csv_file(spec.name, text, structural)
    columns = spec.columns_for(standards)
    positions: list[int | None] = []
    for column in columns:
        position = table.position(column.name)
        if position is None:
            rule, kind = ("no_column", REFUSED) if column.required else ("missing_column", FLAGGED)
            message = "required column is missing" if column.required else "column is missing"
            parsed.file_outcomes.append(Outcome(spec.name, 1, column.name, rule, message, kind))
        positions.append(position)
    if parsed.refused:
        return parsed
    key_position = table.position(spec.key)
    assert key_position is not None  # the key is a required column
    plan = [(column, position) for column, position in zip(columns, positions, strict=True)]
    is_client = spec.model is Client
    name = spec.name
    for line, cells in table.rows:
        parsed.row_count += 1
        progress(1)
        key = cells[key_position].strip()
        values: dict[str, Any] = {}
        flags: list[Outcome] = []
        refusal: list[Outcome] = []
        for column, position in plan:
            if position is None:
                values[column.attribute] = column.blank
                continue
            raw = cells[position].strip()
            if not raw:
                if column.required:
                    rule = "blank_key" if column.parse is HMIS_ID else "bad_date"
                    message = (
                        "the row's id is blank"
                        if column.name == spec.key
                        else ("a value is required")
                    )
                    refusal.append(
                        Outcome(
                            name, line, column.name, rule, message, QUARANTINED, "", key or None
                        )
                    )
                elif column.flag_blank:
                    flags.append(
                        Outcome(
                            name,
                            line,
                            column.name,
                            "blank_value",
                            "HUD requires a value",
                            FLAGGED,
                            "",
                            key,
                        )
                    )
                values[column.attribute] = column.blank
                continue
            if "\x00" in raw:
                # A NUL byte is never data (and PostgreSQL refuses it in text).
                refusal.append(
                    Outcome(
                        name,
                        line,
                        column.name,
                        "nul_character",
                        "the value contains a NUL character",
                        QUARANTINED,
                        None,
                        key or None,
                    )
                )
                continue
            try:
                value = column.parse(raw, standards)
            except ValueProblem as error:
                message = error.describe(personal=column.personal)
                kept_raw = _raw(column.personal, raw)
                if column.required or error.rule == TOO_LONG:
                    refusal.append(
                        Outcome(
                            name,
                            line,
                            column.name,
                            error.rule,
                            message,
                            QUARANTINED,
                            kept_raw,
                            key or None,
                        )
                    )
                else:
                    flags.append(
                        Outcome(
                            name, line, column.name, error.rule, message, FLAGGED, kept_raw, key
                        )
                    )
                    values[column.attribute] = error.kept
                continue
            if column.dated:
                assert isinstance(value, dt.date)
                _check_date(
                    spec.name, line, column.name, column.personal, key, value, export_day, flags
                )
            values[column.attribute] = value
        if key:
            parsed.seen_keys.add(key)
        if not refusal:
            refusal = _duplicate(parsed, key, line, values)
        if refusal:
            parsed._count_quarantined(refusal)
            if key and key not in parsed.rows:
                parsed.quarantined_keys.setdefault(key, line)
            continue
        if is_client:
            values["data_standards"] = standards
        parsed.rows[key] = values
        parsed.lines[key] = line
        if flags:
            parsed.flags[key] = flags
    for outcome in structural:  # rows that could not be read by name
        parsed.row_count += 1
        parsed._count_quarantined([outcome])
    return parsed


def _check_date(
    file: str,
    line: int,
    column: str,
    personal: bool,
    key: str,
    value: dt.date,
    export_day: dt.date,
    flags: list[Outcome],
) -> None:
    """A date after the export was made, or before 1900: kept as given, flagged."""
    shown = "the date" if personal else value.isoformat()
    if value > export_day:
        message = f"{shown} is after the export's date ({export_day.isoformat()})"
        flags.append(
            Outcome(
                file,
                line,
                column,
                "future_date",
                message,
                FLAGGED,
                None if personal else shown,
                key,
            )
        )
    elif value.year < EARLIEST_YEAR:
        message = f"{shown} is before {EARLIEST_YEAR}"
        flags.append(
            Outcome(
                file,
                line,
                column,
                "date_before_1900",
                message,
                FLAGGED,
                None if personal else shown,
                key,
            )
        )


def _duplicate(parsed: ParsedFile, key: str, line: int, values: dict[str, Any]) -> list[Outcome]:
    """The same id twice: the row with the latest DateUpdated stays (on a tie, the later
    one in the file); the other is quarantined. Returns this row's quarantine, if it loses."""
    if key not in parsed.rows:
        return []
    other_line = parsed.lines[key]
    mine = values.get("date_updated") or NEVER
    theirs = parsed.rows[key].get("date_updated") or NEVER
    column = parsed.spec.key
    if mine >= theirs:
        message = f"{key} is also on line {line}, which is kept (updated last)"
        parsed.quarantine(
            key,
            [
                Outcome(
                    parsed.name, other_line, column, "duplicate_key", message, QUARANTINED, key, key
                )
            ],
        )
        return []
    message = f"{key} is also on line {other_line}, which is kept (updated last)"
    return [Outcome(parsed.name, line, column, "duplicate_key", message, QUARANTINED, key, key)]
