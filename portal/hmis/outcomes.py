"""What became of each row of an import, and the import's result as a whole.

Every row ends as one of: imported; imported with a data-quality flag (the value kept as given,
the flag naming the column and the rule); quarantined (not imported, kept aside with the rule
and a message). An export the portal cannot read at all is refused whole. docs/exchange.md
describes every rule.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FLAGGED = "flagged"
QUARANTINED = "quarantined"
REFUSED = "refused"  # the whole export: a file or a column the portal cannot do without

# Status of a run.
IMPORTED = "imported"
STOPPED = "stopped"  # the safety threshold: nothing committed until the HMIS lead accepts it

# Rule -> what it is about, in the words of the report (English; the page translates them).
RULES: dict[str, str] = {
    "duplicate_key": "the same id twice in a file: the latest DateUpdated is kept",
    "blank_key": "a blank id, or a blank id of the row it belongs to",
    "missing_parent": "the row it belongs to is not in the export or the portal, or was "
    "quarantined",
    "second_exit": "a second exit for one enrollment",
    "bad_date": "a date that cannot be read, or is not a real date",
    "too_long": "a value longer than the portal keeps",
    "nul_character": "a NUL character in a value",
    "field_count": "more cells than the header has names",
    "not_on_list": "a code not on HUD's list for that field",
    "bad_value": "a value not in the shape HUD gives",
    "blank_value": "a blank value where HUD requires one",
    "household_head": "a household with no head, or with two",
    "exit_before_entry": "an exit dated before its enrollment's entry",
    "future_date": "a date after the export was made",
    "date_before_1900": "a date before 1900",
    "exit_person": "an exit's PersonalID is not its enrollment's",
    "missing_column": "a column HUD lists is missing: read as blank",
    "missing_file": "a file the portal needs is missing",
    "no_column": "a column the portal cannot do without is missing",
    "no_export": "Export.csv has no row",
    "bad_export": "Export.csv cannot be read",
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """One cell's problem: where it is, the rule, a message, and what it did to the row."""

    file: str
    line: int
    column: str
    rule: str
    message: str
    outcome: str  # FLAGGED, QUARANTINED or REFUSED
    raw: str | None = None  # the cell as given (None for personal data)
    key: str | None = None  # the row's id, when it has one

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.rule}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "text": str(self)}


@dataclass
class FileCounts:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0  # victim service provider data, never imported
    flagged: int = 0  # imported rows with at least one flag
    quarantined: int = 0

    @property
    def imported(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass
class ImportResult:
    source: str
    export_id: str | None = None
    csv_version: str | None = None
    standards: str | None = None
    directive: str | None = None
    files: dict[str, FileCounts] = field(default_factory=dict)
    ignored_files: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    status: str = IMPORTED
    # Why the safety threshold stopped it, with the figures (see importer.check_threshold).
    stops: list[dict[str, Any]] = field(default_factory=list)
    accepted: bool = False

    @property
    def succeeded(self) -> bool:
        return self.status == IMPORTED

    @property
    def refusals(self) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.outcome == REFUSED]

    def counts_by_rule(self) -> dict[str, dict[str, int]]:
        """rule -> {outcome -> how many cells}."""
        counts: dict[str, dict[str, int]] = {}
        for outcome in self.outcomes:
            by_outcome = counts.setdefault(outcome.rule, {})
            by_outcome[outcome.outcome] = by_outcome.get(outcome.outcome, 0) + 1
        return dict(sorted(counts.items()))

    def summary(self, with_outcomes: bool = True) -> dict[str, Any]:
        """A machine-readable summary (the CLI's --json; stored without the outcomes, which
        have a table of their own)."""
        found: dict[str, Any] = {
            "source": self.source,
            "status": self.status,
            "succeeded": self.succeeded,
            "accepted": self.accepted,
            "export_id": self.export_id,
            "csv_version": self.csv_version,
            "data_standards": self.standards,
            "directive": self.directive,
            "files": {
                name: {**asdict(counts), "imported": counts.imported}
                for name, counts in self.files.items()
            },
            "rules": self.counts_by_rule(),
            "stops": self.stops,
            "ignored_files": self.ignored_files,
            "warnings": self.warnings,
        }
        if with_outcomes:
            found["problems"] = [outcome.as_json() for outcome in self.outcomes]
        return found
