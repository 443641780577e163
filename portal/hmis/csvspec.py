"""Which HUD HMIS CSV columns the portal reads, into which model attribute, parsed how.

Columns are matched by name, never by position. A column spec names the data standards that
carry it; the header check requires exactly those for the detected standard.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.hmis.codes import codes
from portal.hmis.models import Client, Enrollment, Exit, HmisUser, Organization, Project

BOTH = frozenset({"FY2024", "FY2026"})
FY2024 = frozenset({"FY2024"})
FY2026 = frozenset({"FY2026"})


# The rules a value can break (docs/exchange.md lists them all, with what each does to the row).
NOT_ON_LIST = "not_on_list"
BAD_VALUE = "bad_value"
BAD_DATE = "bad_date"
TOO_LONG = "too_long"

INT32 = 2**31 - 1  # the largest number an Integer column holds


class ValueProblem(ValueError):
    """A field's text cannot be read as the HUD specification requires; says why, plainly.

    The reason is written about "the value"; the report quotes the value itself only where it
    is not personal data (a name, an SSN, a date of birth never appears in a report or log).
    rule names the rule broken; kept is what the portal stores instead when the row is
    imported with a flag (the value as given where the column can hold it, else nothing)."""

    def __init__(
        self, reason: str, value: str | None = None, rule: str = BAD_VALUE, kept: object = None
    ) -> None:
        super().__init__(reason)
        self.reason, self.value, self.rule, self.kept = reason, value, rule, kept

    def describe(self, personal: bool) -> str:
        if self.value is None or personal:
            return self.reason
        return self.reason.replace("the value", f"'{self.value}'", 1)


Parser = Callable[[str, str], object]  # (text, data standards) -> value


def text(max_length: int) -> Parser:
    def parse(value: str, _standards: str) -> str:
        if len(value) > max_length:
            raise ValueProblem(f"longer than {max_length} characters", rule=TOO_LONG)
        return value

    return parse


def code(list_name: str, fy2026_list: str | None = None) -> Parser:
    """An integer on a HUD code list (the list can be renamed between standards). A number off
    the list is kept as given, with a flag; the record shows it as not recorded."""

    def parse(value: str, standards: str) -> int:
        name = fy2026_list if (fy2026_list and standards == "FY2026") else list_name
        try:
            # A spreadsheet can save 1 as 1.0.
            number = int(value[:-2] if value.endswith(".0") else value)
        except ValueError:
            raise ValueProblem(
                f"the value is not a number from HUD list {name}", value, NOT_ON_LIST
            ) from None
        if number not in codes(standards, name):
            kept = number if -INT32 <= number <= INT32 else None
            raise ValueProblem(
                f"{number} is not a code on HUD list {name}", None, NOT_ON_LIST, kept
            )
        return number

    return parse


def year(value: str, _standards: str) -> int:
    if not re.fullmatch(r"\d{4}", value):
        raise ValueProblem("the value is not a four-digit year", value)
    return int(value)


def ssn(value: str, _standards: str) -> str:
    # HUD: nine characters, a digit or 'x' for each digit the client did not give. Anything
    # else is kept as given (short enough to be an SSN typed another way), with a flag.
    if not re.fullmatch(r"[0-9xX]{9}", value):
        kept = value if len(value) <= 11 else None
        raise ValueProblem(
            "an SSN must be 9 characters: digits, or x for an unknown digit", kept=kept
        )
    return value.lower()


# A time of day: 7:05, 07:05:09, 07:05:09.123 (SQL Server), 7:05 PM (Excel in US English).
_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,7})?)?(?: ?([AaPp][Mm]))?)?"
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_US = re.compile(r"(\d{1,2})[-/](\d{1,2})[-/](\d{2}|\d{4})" + _TIME)
# Oracle's and Excel's 08-MAY-1967 (or 08-May-67).
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})[-/ ]([A-Za-z]{3})[-/ ](\d{2}|\d{4})" + _TIME)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
# A two-digit year is in this century up to next year, else in the last one: HMIS dates are
# nearly all in the past (the rule Green River's warehouse importer uses).
CENTURY_PIVOT = (dt.date.today().year + 1) % 100  # noqa: DTZ011 - a year is a year


def _full_year(digits: str) -> int:
    number = int(digits)
    if len(digits) == 4:
        return number
    return 2000 + number if number <= CENTURY_PIVOT else 1900 + number


def _timestamp(value: str) -> dt.datetime:
    """ISO (HUD's format), month-day-year or day-month name-year, as real exports carry all."""
    if _is_hud_format(value):
        try:  # the C parser, for the two million timestamps of a large export
            return dt.datetime.fromisoformat(value)
        except ValueError:
            pass  # not a real date: the message comes from below
    if match := _ISO.fullmatch(value):
        y, mo, d, h, mi, s, half = match.groups()
    elif match := _US.fullmatch(value):
        mo, d, y, h, mi, s, half = match.groups()
    elif (match := _DAY_MONTH_NAME.fullmatch(value)) and match.group(2).lower() in _MONTHS:
        d, month_name, y, h, mi, s, half = match.groups()
        mo = str(_MONTHS[month_name.lower()])
    else:
        raise ValueProblem("the value is not a date as YYYY-MM-DD or MM-DD-YYYY", value, BAD_DATE)
    hour = int(h or 0)
    if half:  # 12:30 AM is 00:30, 12:30 PM is 12:30
        if not 1 <= hour <= 12:
            raise ValueProblem("the value is not a real date", value, BAD_DATE)
        hour = hour % 12 + (12 if half.lower() == "pm" else 0)
    try:
        return dt.datetime(_full_year(y), int(mo), int(d), hour, int(mi or 0), int(s or 0))  # noqa: DTZ001 - HUD timestamps are local wall-clock times
    except ValueError:
        raise ValueProblem("the value is not a real date", value, BAD_DATE) from None


def _is_hud_format(value: str) -> bool:
    """YYYY-MM-DD or YYYY-MM-DD HH:MM:SS by shape (fromisoformat accepts much more)."""
    if len(value) == 10:
        return value[4] == value[7] == "-" and value.replace("-", "").isascii()
    return (
        len(value) == 19
        and value[4] == value[7] == "-"
        and value[10] == " "
        and value[13] == value[16] == ":"
        and value.isascii()
    )


def date(value: str, _standards: str) -> dt.date:
    return _timestamp(value).date()


def timestamp(value: str, _standards: str) -> dt.datetime:
    return _timestamp(value)


def no_yes(value: str, standards: str) -> bool:
    try:
        return bool(code("NoYes")(value, standards))
    except ValueProblem as problem:
        problem.kept = False  # only a provider that says so (1) is a victim service provider
        raise


@dataclass(frozen=True)
class Column:
    name: str
    attribute: str
    parse: Parser
    # A value must be present and readable, or the row is quarantined (keys, the ids a row
    # refers to, the dates an enrollment or exit cannot be without).
    required: bool = False
    standards: frozenset[str] = BOTH
    blank: object = None  # the value a blank cell stands for
    personal: bool = False  # PPI: a report never quotes the value, the outcome never keeps it
    flag_blank: bool = False  # HUD requires a value: a blank one is imported with a flag
    # A date checked against the export's date (not after it) and HUD's earliest (1900).
    dated: bool = False


@dataclass(frozen=True)
class FileSpec:
    name: str
    model: type[Any]  # a mapped HMIS class: HmisTracked columns on Base
    key: str  # the CSV column holding the primary key
    columns: tuple[Column, ...]

    def columns_for(self, standards: str) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if standards in column.standards)


HMIS_ID = text(64)

TRACKED = (
    Column("DateCreated", "date_created", timestamp),
    Column("DateUpdated", "date_updated", timestamp),
    Column("UserID", "hmis_user_id", HMIS_ID),
    Column("DateDeleted", "date_deleted", timestamp),
    Column("ExportID", "export_id", HMIS_ID),
)

ORGANIZATION = FileSpec(
    "Organization.csv",
    Organization,
    "OrganizationID",
    (
        Column("OrganizationID", "organization_id", HMIS_ID, required=True),
        Column("OrganizationName", "name", text(200), blank="", flag_blank=True),
        Column("OrganizationCommonName", "common_name", text(200)),
        # Blank is read as "no": a victim service provider has to say so to be refused.
        Column("VictimServiceProvider", "victim_service_provider", no_yes, blank=False),
        *TRACKED,
    ),
)

PROJECT = FileSpec(
    "Project.csv",
    Project,
    "ProjectID",
    (
        Column("ProjectID", "project_id", HMIS_ID, required=True),
        Column("OrganizationID", "organization_id", HMIS_ID, required=True),
        Column("ProjectName", "name", text(200), blank="", flag_blank=True),
        Column("ProjectCommonName", "common_name", text(200)),
        Column("OperatingStartDate", "operating_start_date", date),
        Column("OperatingEndDate", "operating_end_date", date),
        Column("ProjectType", "project_type", code("ProjectType")),
        *TRACKED,
    ),
)

USER = FileSpec(
    "User.csv",
    HmisUser,
    "UserID",
    (
        Column("UserID", "user_id", HMIS_ID, required=True),
        Column("UserFirstName", "first_name", text(100)),
        Column("UserLastName", "last_name", text(100)),
        Column("UserPhone", "phone", text(30)),
        Column("UserExtension", "extension", text(10)),
        Column("UserEmail", "email", text(320)),
        *(column for column in TRACKED if column.name != "UserID"),
    ),
)

_RACE = (
    ("AmIndAKNative", "am_ind_ak_native"),
    ("Asian", "asian"),
    ("BlackAfAmerican", "black_af_american"),
    ("MidEastNAfrican", "mid_east_n_african"),
    ("NativeHIPacific", "native_hi_pacific"),
    ("White", "white"),
)
_GENDER = (
    ("Woman", "woman"),
    ("Man", "man"),
    ("NonBinary", "non_binary"),
    ("CulturallySpecific", "culturally_specific"),
    ("Transgender", "transgender"),
    ("Questioning", "questioning"),
    ("DifferentIdentity", "different_identity"),
)
_THEATERS = (
    ("WorldWarII", "world_war_ii"),
    ("KoreanWar", "korean_war"),
    ("VietnamWar", "vietnam_war"),
    ("DesertStorm", "desert_storm"),
    ("AfghanistanOEF", "afghanistan_oef"),
    ("IraqOIF", "iraq_oif"),
    ("IraqOND", "iraq_ond"),
    ("OtherTheater", "other_theater"),
)

CLIENT = FileSpec(
    "Client.csv",
    Client,
    "PersonalID",
    (
        Column("PersonalID", "personal_id", HMIS_ID, required=True),
        Column("FirstName", "first_name", text(100), personal=True),
        Column("MiddleName", "middle_name", text(100), personal=True),
        Column("LastName", "last_name", text(100), personal=True),
        Column("NameSuffix", "name_suffix", text(20), personal=True),
        Column("NameDataQuality", "name_data_quality", code("NameDataQuality")),
        Column("SSN", "ssn", ssn, personal=True),
        Column("SSNDataQuality", "ssn_data_quality", code("SSNDataQuality")),
        Column("DOB", "dob", date, personal=True, dated=True),
        Column("DOBDataQuality", "dob_data_quality", code("DOBDataQuality")),
        Column("Sex", "sex", code("Sex"), standards=FY2026),
        *(Column(name, attribute, code("NoYes")) for name, attribute in _RACE),
        Column("HispanicLatinaeo", "hispanic_latinaeo", code("NoYes"), standards=FY2024),
        Column("HispanicLatinao", "hispanic_latinaeo", code("NoYes"), standards=FY2026),
        Column("RaceNone", "race_none", code("RaceNone")),
        Column("AdditionalRaceEthnicity", "additional_race_ethnicity", text(200)),
        *(Column(name, attribute, code("NoYes"), standards=FY2024) for name, attribute in _GENDER),
        Column("GenderNone", "gender_none", code("RaceNone"), standards=FY2024),
        Column("DifferentIdentityText", "different_identity_text", text(200), standards=FY2024),
        Column("VeteranStatus", "veteran_status", code("NoYesReasonsForMissingData")),
        Column("YearEnteredService", "year_entered_service", year),
        Column("YearSeparated", "year_separated", year),
        *(
            Column(name, attribute, code("NoYesReasonsForMissingData"))
            for name, attribute in _THEATERS
        ),
        Column("MilitaryBranch", "military_branch", code("MilitaryBranch")),
        Column("DischargeStatus", "discharge_status", code("DischargeStatus")),
        *TRACKED,
    ),
)

ENROLLMENT = FileSpec(
    "Enrollment.csv",
    Enrollment,
    "EnrollmentID",
    (
        Column("EnrollmentID", "enrollment_id", HMIS_ID, required=True),
        Column("PersonalID", "personal_id", HMIS_ID, required=True),
        Column("ProjectID", "project_id", HMIS_ID, required=True),
        Column("EntryDate", "entry_date", date, required=True, dated=True),
        Column("HouseholdID", "household_id", HMIS_ID),
        Column(
            "RelationshipToHoH", "relationship_to_hoh", code("RelationshipToHoH"), flag_blank=True
        ),
        Column("EnrollmentCoC", "enrollment_coc", text(6)),
        Column("MoveInDate", "move_in_date", date, dated=True),
        *TRACKED,
    ),
)

EXIT = FileSpec(
    "Exit.csv",
    Exit,
    "ExitID",
    (
        Column("ExitID", "exit_id", HMIS_ID, required=True),
        Column("EnrollmentID", "enrollment_id", HMIS_ID, required=True),
        Column("PersonalID", "personal_id", HMIS_ID, required=True),
        Column("ExitDate", "exit_date", date, required=True, dated=True),
        Column("Destination", "destination", code("Destination")),
        Column("DestinationSubsidyType", "destination_subsidy_type", code("RentalSubsidyType")),
        Column("OtherDestination", "other_destination", text(200)),
        Column(
            "ProjectCompletionStatus", "project_completion_status", code("ProjectCompletionStatus")
        ),
        Column("EarlyExitReason", "early_exit_reason", code("EarlyExitReason", "ExpelledReason")),
        Column("CMExitReason", "cm_exit_reason", code("CmExitReason")),
        *TRACKED,
    ),
)

# In dependency order: a file may refer only to files before it.
FILES = (ORGANIZATION, PROJECT, USER, CLIENT, ENROLLMENT, EXIT)
EXPORT_FILE = "Export.csv"
USED_FILES = (EXPORT_FILE, *(spec.name for spec in FILES))
