"""The items of a client's record: the one list of them (DESIGN.md 6, issue 21).

Each entry says what an item is called (for the client and for staff), where the HMIS keeps it
(HUD CSV file and column), which HUD code list its values come from, who may ask to correct it,
what kind of value it holds and how an approved correction goes back to the HMIS. The record page,
both correction forms, the staff labels, the changes export and the downloads read this list;
tests/hmis/test_items.py fails when a HUD column is shown or exported without an entry here.

An item key names the item in one record: "identity.dob", "demographics.sex", and for enrollments
"enrollment.<EnrollmentID>.destination". The registry keys enrollment items without the id
("enrollment.destination"); entry_for() finds the entry of either form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from flask_babel import lazy_gettext as _l

from portal.hmis.codes import STANDARDS, codes, race_labels

CLIENT_FILE = "Client.csv"
ENROLLMENT_FILE = "Enrollment.csv"
EXIT_FILE = "Exit.csv"
# The column that finds the row: an exit is found by its enrollment (one exit per enrollment).
KEY_COLUMNS = {
    CLIENT_FILE: "PersonalID",
    ENROLLMENT_FILE: "EnrollmentID",
    EXIT_FILE: "EnrollmentID",
}


class Kind(StrEnum):
    """What a value is, so a form can ask for it the right way."""

    NAME = "name"  # a part of a person's name: free text, never translated
    TEXT = "text"  # free text (the SSN: digits, written as the client likes)
    DATE = "date"  # a calendar date
    CODED = "coded"  # one (or, when multiple, several) of a HUD code list


class Export(StrEnum):
    """How an approved correction is written in its HUD column by the changes export."""

    VALUE = "value"  # as recorded
    DATE = "date"  # ISO 8601 date
    SSN = "ssn"  # nine digits
    CODE = "code"  # the HUD code of the value
    MANUAL = "manual"  # several columns hold it: the HMIS administrator enters it by hand


@dataclass(frozen=True)
class RecordItem:
    key: str  # "identity.dob", "enrollment.destination"
    label: str  # lazy string, the client's words
    kind: Kind
    hud_file: str
    # The one HUD column holding the item, or None when several do (hud_columns lists them).
    hud_column: str | None
    export: Export
    code_list: str | None = None  # the HUD code list of a coded item
    multiple: bool = False  # several codes at once (gender, race)
    hud_columns: tuple[str, ...] = ()  # every HUD column the item is read from
    staff_label: str | None = None  # lazy string, when staff use another word than the client
    client_correctable: bool = True
    staff_correctable: bool = True
    standards: tuple[str, ...] = STANDARDS  # data standards versions that have the item

    @property
    def section(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def field(self) -> str:
        return self.key.rsplit(".", 1)[-1]

    @property
    def hud_key_column(self) -> str:
        return KEY_COLUMNS[self.hud_file]

    def columns(self) -> tuple[str, ...]:
        """Every HUD column this item is read from and written to."""
        return self.hud_columns or ((self.hud_column,) if self.hud_column else ())

    def label_for_staff(self) -> str:
        return self.staff_label if self.staff_label is not None else self.label

    def allowed_codes(self, standards: str) -> Mapping[str, str]:
        """The codes a coded item may take under these data standards, with English labels.

        Race is keyed by its CSV column (HUD gives it no numbers), then the codes of RaceNone
        (doesn't know, prefers not to answer, not collected: three answers, not one); empty for
        uncoded items."""
        if self.code_list is None or standards not in self.standards:
            return {}
        if self.code_list == "Race":
            races = {
                key: label for key, label in race_labels(standards).items() if key != "RaceNone"
            }
            nones = codes(standards, "RaceNone").items()
            return {**races, **{str(code): label for code, label in nones}}
        return {str(code): label for code, label in codes(standards, self.code_list).items()}


def _name(key: str, label: str, column: str) -> RecordItem:
    return RecordItem(key, label, Kind.NAME, CLIENT_FILE, column, Export.VALUE)


FY2024_ONLY = ("FY2024",)
FY2026_ONLY = ("FY2026",)

GENDER_COLUMNS = {  # FY2024 3.06.1: column -> code in the Gender list
    "Woman": 0,
    "Man": 1,
    "CulturallySpecific": 2,
    "DifferentIdentity": 3,
    "NonBinary": 4,
    "Transgender": 5,
    "Questioning": 6,
}
# A multiple-choice item's "none" answers (doesn't know, prefers not to answer, not collected):
# each is an answer of its own, never chosen with another.
NONE_CODES = frozenset({"8", "9", "99"})
RACE_COLUMNS = (  # the Race list is keyed by these columns (FY2026 spells one HispanicLatinao)
    "AmIndAKNative",
    "Asian",
    "BlackAfAmerican",
    "HispanicLatinaeo",
    "MidEastNAfrican",
    "NativeHIPacific",
    "White",
)

ITEMS: tuple[RecordItem, ...] = (
    _name("identity.first_name", _l("First name"), "FirstName"),
    _name("identity.middle_name", _l("Middle name"), "MiddleName"),
    _name("identity.last_name", _l("Last name"), "LastName"),
    _name("identity.name_suffix", _l("Name suffix"), "NameSuffix"),
    RecordItem("identity.dob", _l("Date of birth"), Kind.DATE, CLIENT_FILE, "DOB", Export.DATE),
    RecordItem(
        "identity.ssn", _l("Social Security number"), Kind.TEXT, CLIENT_FILE, "SSN", Export.SSN
    ),
    RecordItem(
        "demographics.gender",
        _l("Gender (HUD 2024 data standards)"),
        Kind.CODED,
        CLIENT_FILE,
        None,
        Export.MANUAL,
        code_list="Gender",
        multiple=True,
        hud_columns=(*GENDER_COLUMNS, "GenderNone", "DifferentIdentityText"),
        standards=FY2024_ONLY,
    ),
    RecordItem(
        "demographics.sex",
        _l("Sex (HUD 2026 data standards)"),
        Kind.CODED,
        CLIENT_FILE,
        "Sex",
        Export.CODE,
        code_list="Sex",
        standards=FY2026_ONLY,
    ),
    RecordItem(
        "demographics.race",
        _l("Race and ethnicity"),
        Kind.CODED,
        CLIENT_FILE,
        None,
        Export.MANUAL,
        code_list="Race",
        multiple=True,
        hud_columns=(*RACE_COLUMNS, "HispanicLatinao", "RaceNone", "AdditionalRaceEthnicity"),
    ),
    RecordItem(
        "demographics.veteran_status",
        _l("Veteran status"),
        Kind.CODED,
        CLIENT_FILE,
        "VeteranStatus",
        Export.CODE,
        code_list="NoYesReasonsForMissingData",
    ),
    # The staff entry form has no enrollment chooser, so staff correct enrollments on a
    # client's own request only.
    RecordItem(
        "enrollment.entry_date",
        _l("Date you started"),
        Kind.DATE,
        ENROLLMENT_FILE,
        "EntryDate",
        Export.DATE,
        staff_label=_l("Entry date"),
        staff_correctable=False,
    ),
    RecordItem(
        "enrollment.exit_date",
        _l("Date you left"),
        Kind.DATE,
        EXIT_FILE,
        "ExitDate",
        Export.DATE,
        staff_label=_l("Exit date"),
        staff_correctable=False,
    ),
    RecordItem(
        "enrollment.reason_for_leaving",
        _l("Reason for leaving"),
        Kind.CODED,
        EXIT_FILE,
        None,
        Export.MANUAL,
        multiple=True,
        hud_columns=("ProjectCompletionStatus", "EarlyExitReason", "CMExitReason"),
        staff_correctable=False,
    ),
    RecordItem(
        "enrollment.destination",
        _l("Where you went"),
        Kind.CODED,
        EXIT_FILE,
        "Destination",
        Export.CODE,
        code_list="Destination",
        hud_columns=("Destination", "OtherDestination"),
        staff_label=_l("Destination"),
        staff_correctable=False,
    ),
)
BY_KEY: Mapping[str, RecordItem] = {item.key: item for item in ITEMS}
STAFF_CORRECTABLE = tuple(item for item in ITEMS if item.staff_correctable)


@dataclass(frozen=True)
class ItemKey:
    """An item key of one record, split: its registry entry and the enrollment it belongs to."""

    entry: RecordItem
    enrollment_id: str | None = None


def parse_key(item_key: str) -> ItemKey | None:
    """The registry entry of an item key of a record, or None when there is no such item."""
    parts = item_key.split(".")
    if len(parts) == 3 and parts[0] == "enrollment" and parts[1]:
        entry = BY_KEY.get(f"enrollment.{parts[2]}")
        return ItemKey(entry, parts[1]) if entry else None
    if len(parts) == 2 and parts[0] != "enrollment":
        entry = BY_KEY.get(item_key)
        return ItemKey(entry) if entry else None
    return None


def entry_for(item_key: str) -> RecordItem | None:
    found = parse_key(item_key)
    return found.entry if found else None


def _race_column(choice: str, standards: str) -> str:
    return "HispanicLatinao" if choice == "HispanicLatinaeo" and standards == "FY2026" else choice


def hud_cells(entry: RecordItem, standards: str, choices: list[str]) -> list[tuple[str, str, str]]:
    """Codes of the item's list as HUD CSV cells: (column, value, English label) each.

    One-column items write the code in their column; gender and race write 1 (yes) in the
    column of each choice, or their "none" code (client doesn't know, ...) in GenderNone or
    RaceNone."""
    labels = entry.allowed_codes(standards)
    cells = []
    by_code = {str(code): column for column, code in GENDER_COLUMNS.items()}
    for choice in choices:
        label = labels.get(choice, choice)
        if entry.key == "demographics.gender":
            cells.append(
                (by_code.get(choice, "GenderNone"), "1" if choice in by_code else choice, label)
            )
        elif entry.key == "demographics.race":
            if choice in RACE_COLUMNS:
                cells.append((_race_column(choice, standards), "1", label))
            else:
                cells.append(("RaceNone", choice, label))
        elif entry.hud_column:
            cells.append((entry.hud_column, choice, label))
    return cells


def hud_columns_written(
    entry: RecordItem, standards: str, choices: list[str]
) -> list[tuple[str, str]]:
    """Every HUD column a correction of the item to these codes writes, with its value.

    Gender and race are one 0/1 column per value (HUD CSV FY2024 and later) and a "none"
    column: all of them are written, so a value no longer chosen is set back to 0 and the
    "none" column is emptied when a value is chosen. Empty when a code is not the item's."""
    allowed = entry.allowed_codes(standards)
    if not choices or any(choice not in allowed for choice in choices):
        return []
    if entry.key == "demographics.gender":
        by_code = {str(code): column for column, code in GENDER_COLUMNS.items()}
        yes = {by_code[c] for c in choices if c in by_code}
        none = [c for c in choices if c not in by_code]
        if (yes and none) or len(none) > 1:
            return []
        return [(column, "1" if column in yes else "0") for column in GENDER_COLUMNS] + [
            ("GenderNone", none[0] if none else "")
        ]
    if entry.key == "demographics.race":
        none = [c for c in choices if c not in RACE_COLUMNS]
        if (none and len(choices) > 1) or len(none) > 1:
            return []
        return [
            (_race_column(column, standards), "1" if column in choices else "0")
            for column in RACE_COLUMNS
        ] + [("RaceNone", none[0] if none else "")]
    if entry.hud_column and len(choices) == 1:
        return [(entry.hud_column, choices[0])]
    return []


def record_key(entry: RecordItem, enrollment_id: str | None = None) -> str:
    """The key of the item in one record ("enrollment.<id>.destination" for enrollments)."""
    if entry.section == "enrollment":
        return f"enrollment.{enrollment_id}.{entry.field}"
    return entry.key


def staff_label(item_key: str | None) -> str:
    """The item's name as staff read it, with the enrollment it belongs to."""
    if not item_key:
        return ""
    found = parse_key(item_key)
    if found is None:
        return item_key
    label = str(found.entry.label_for_staff())
    return f"{label} ({found.enrollment_id})" if found.enrollment_id else label
