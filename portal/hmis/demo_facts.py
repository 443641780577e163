"""The demo generator's fixed facts: the files' headers, the organizations and projects, the
word lists and weighted code tables people are drawn from, and the small files (Export,
Organization, Project, User). portal/hmis/demo.py writes the households."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

Cell = str | int | None
Row = list[Cell]
T = TypeVar("T")

# ---------------------------------------------------------------- headers (HUD FY2026 order)


def _columns(*parts: str) -> tuple[str, ...]:
    """A header written as comma-separated chunks, so that long headers stay readable here."""
    return tuple(",".join(parts).split(","))


EXPORT_HEADER = _columns(
    "ExportID,SourceType,SourceID,SourceName,SourceContactFirst,SourceContactLast",
    "SourceContactPhone,SourceContactExtension,SourceContactEmail,ExportDate,ExportStartDate",
    "ExportEndDate,SoftwareName,SoftwareVersion,CSVVersion,ExportPeriodType,ExportDirective",
    "HashStatus,ImplementationID",
)
ORGANIZATION_HEADER = _columns(
    "OrganizationID,OrganizationName,VictimServiceProvider,OrganizationCommonName,DateCreated",
    "DateUpdated,UserID,DateDeleted,ExportID",
)
PROJECT_HEADER = _columns(
    "ProjectID,OrganizationID,ProjectName,ProjectCommonName,OperatingStartDate",
    "OperatingEndDate,ContinuumProject,ProjectType,HousingType,RRHSubType",
    "ResidentialAffiliation,TargetPopulation,HOPWAMedAssistedLivingFac,PITCount,DateCreated",
    "DateUpdated,UserID,DateDeleted,ExportID",
)
USER_HEADER = _columns(
    "UserID,UserFirstName,UserLastName,UserPhone,UserExtension,UserEmail,DateCreated",
    "DateUpdated,DateDeleted,ExportID",
)
CLIENT_HEADER = _columns(
    "PersonalID,FirstName,MiddleName,LastName,NameSuffix,NameDataQuality,SSN,SSNDataQuality",
    "DOB,DOBDataQuality,Sex,AmIndAKNative,Asian,BlackAfAmerican,HispanicLatinao",
    "MidEastNAfrican,NativeHIPacific,White,RaceNone,AdditionalRaceEthnicity,VeteranStatus",
    "YearEnteredService,YearSeparated,WorldWarII,KoreanWar,VietnamWar,DesertStorm",
    "AfghanistanOEF,IraqOIF,IraqOND,OtherTheater,MilitaryBranch,DischargeStatus,DateCreated",
    "DateUpdated,UserID,DateDeleted,ExportID",
)
ENROLLMENT_HEADER = _columns(
    "EnrollmentID,PersonalID,ProjectID,EntryDate,HouseholdID,RelationshipToHoH,EnrollmentCoC",
    "LivingSituation,RentalSubsidyType,LengthOfStay,LOSUnderThreshold,PreviousStreetESSH",
    "DateToStreetESSH,TimesHomelessPastThreeYears,MonthsHomelessPastThreeYears",
    "DisablingCondition,DateOfEngagement,MoveInDate,DateOfPATHStatus,ClientEnrolledInPATH",
    "ReasonNotEnrolled,PercentAMI,ReferralSource,CountOutreachReferralApproaches",
    "DateOfBCPStatus,EligibleForRHY,ReasonNoServices,RunawayYouth,FormerWardChildWelfare",
    "ChildWelfareYears,ChildWelfareMonths,FormerWardJuvenileJustice,JuvenileJusticeYears",
    "JuvenileJusticeMonths,UnemploymentFam,MentalHealthDisorderFam,PhysicalDisabilityFam",
    "AlcoholDrugUseDisorderFam,InsufficientIncome,IncarceratedParent,VAMCStation",
    "TargetScreenReqd,TimeToHousingLoss,AnnualPercentAMI,LiteralHomelessHistory",
    "ClientLeaseholder,HOHLeaseholder,SubsidyAtRisk,EvictionHistory,CriminalRecord",
    "IncarceratedAdult,PrisonDischarge,SexOffender,DisabledHoH,CurrentPregnant,SingleParent",
    "DependentUnder6,HH5Plus,CoCPrioritized,HPScreeningScore,ThresholdScore",
    "MentalHealthConsultation,DateCreated,DateUpdated,UserID,DateDeleted,ExportID",
)
EXIT_HEADER = _columns(
    "ExitID,EnrollmentID,PersonalID,ExitDate,Destination,DestinationSubsidyType",
    "OtherDestination,HousingAssessment,SubsidyInformation,ProjectCompletionStatus",
    "EarlyExitReason,ExchangeForSex,ExchangeForSexPastThreeMonths,CountOfExchangeForSex",
    "AskedOrForcedToExchangeForSex,AskedOrForcedToExchangeForSexPastThreeMonths",
    "WorkPlaceViolenceThreats,WorkplacePromiseDifference,CoercedToContinueWork",
    "LaborExploitPastThreeMonths,CounselingReceived,IndividualCounseling,FamilyCounseling",
    "GroupCounseling,SessionCountAtExit,PostExitCounselingPlan,SessionsInPlan",
    "DestinationSafeClient,DestinationSafeWorker,PosAdultConnections,PosPeerConnections",
    "PosCommunityConnections,AftercareDate,AftercareProvided,EmailSocialMedia,Telephone",
    "InPersonIndividual,InPersonGroup,CMExitReason,DateCreated,DateUpdated,UserID",
    "DateDeleted,ExportID",
)

# ---------------------------------------------------------------- the export's fixed facts

SOURCE_NAME = "Lake County Demo HMIS (synthetic)"
SOFTWARE_NAME = "hmis-privacy-portal demo generator"
CSV_VERSION = "2026 v1.0"
COC_CODE = "IL-502"  # Lake County, Illinois: Waukegan, North Chicago/Lake County CoC
DAY = 86_400  # seconds; timestamps are seconds since day 1 of the proleptic Gregorian calendar
HOUR = 3_600
FIRST_DAY = dt.date(2019, 1, 1).toordinal()  # ExportStartDate
LAST_DAY = dt.date(2026, 9, 30).toordinal()  # ExportEndDate: no entry or exit after it
EXPORT_DATE = "2026-10-01 02:00:00"  # fixed, not the clock: same seed, same bytes
LAST_STAMP = (LAST_DAY + 1) * DAY + HOUR  # every record was entered before the export ran
OPEN_LAST_EPISODE = 0.55  # chance a household is still enrolled: about 20% open enrollments


@dataclass(frozen=True)
class _Project:
    project_id: str
    organization: int  # index into _ORGANIZATIONS
    project_type: int  # HUD 2.02.6
    start: dt.date
    weight: int  # how often an episode lands here
    audience: str  # "all", "youth" (heads 18-24) or "veteran" (veteran heads)
    name: str
    common_name: str


_ORGANIZATIONS = (
    ("Northshore Shelter Alliance (demo)", "Northshore Shelter", dt.date(2011, 3, 14)),
    ("Lakeside Family Services (demo)", "Lakeside Family", dt.date(2012, 6, 4)),
    ("Prairie Path Housing Partners (demo)", "Prairie Path", dt.date(2013, 1, 22)),
    ("Harborview Outreach Collective (demo)", "Harborview", dt.date(2014, 9, 8)),
    ("Cedar Ridge Veterans Support (demo)", "Cedar Ridge", dt.date(2015, 4, 27)),
    ("Willow Creek Youth & Family Center (demo)", "Willow Creek", dt.date(2016, 11, 2)),
)

# id | agency | type | operating since | weight | audience | name | common name.
# Types: 0 ES entry/exit, 1 ES night-by-night, 2 TH, 3 PSH, 4 street outreach,
# 6 services only, 13 RRH, 14 coordinated entry.
_PROJECT_TABLE = """
101|0|0|2011-04-01|14|all|Northshore Emergency Shelter (demo)|NS Shelter
102|0|1|2012-11-15|6|all|Northshore Winter Warming Center (demo)|NS Warming Center
103|0|13|2015-07-01|7|all|Northshore Rapid Re-Housing (demo)|NS RRH
201|1|0|2012-07-01|8|all|Lakeside Family Shelter (demo)|LF Shelter
202|1|2|2013-10-01|5|all|Lakeside Transitional Apartments (demo)|LF Transitional
301|2|3|2013-02-01|6|all|Prairie Path Permanent Supportive Housing (demo)|PP PSH
302|2|13|2016-01-04|7|all|Prairie Path Rapid Re-Housing (demo)|PP RRH
303|2|14|2017-01-23|14|all|Lake County Coordinated Entry (demo)|Coordinated Entry
401|3|4|2014-10-01|9|all|Harborview Street Outreach (demo)|HV Outreach
402|3|6|2015-03-02|7|all|Harborview Drop-In Services (demo)|HV Drop-In
501|4|3|2015-06-01|30|veteran|Cedar Ridge Veterans PSH (demo)|CR Veterans PSH
502|4|6|2015-06-01|40|veteran|Cedar Ridge Veterans Services (demo)|CR Veterans Services
601|5|2|2017-02-01|25|youth|Willow Creek Youth Transitional Living (demo)|WC Youth TLP
602|5|4|2017-02-01|25|youth|Willow Creek Youth Outreach (demo)|WC Youth Outreach
"""


def _projects() -> tuple[_Project, ...]:
    """The project table above as _Project records."""
    projects = []
    for line in _PROJECT_TABLE.strip().splitlines():
        pid, agency, kind, start, weight, audience, name, common = line.split("|")
        start_date = dt.date.fromisoformat(start)
        projects.append(
            _Project(pid, int(agency), int(kind), start_date, int(weight), audience, name, common)
        )
    return tuple(projects)


_PROJECTS = _projects()
_RESIDENTIAL = frozenset({0, 1, 2, 3, 13})
_PERMANENT = frozenset({3, 13})  # the types that record a housing move-in date
# Length of stay in days (shortest, longest) by project type; most stays are short.
_STAY_DAYS = {
    0: (1, 120), 1: (1, 60), 2: (30, 600), 3: (180, 1800),
    4: (1, 240), 6: (7, 240), 13: (60, 600), 14: (0, 90),
}  # fmt: skip

_STAFF = (
    "Avery Casebrook", "Jordan Intakely", "Morgan Referralton", "Riley Shelterby",
    "Casey Housington", "Quinn Outreachford", "Taylor Voucherman", "Rowan Leaseworth",
    "Emerson Navigato", "Parker Bednightly", "Hayden Placementi", "Reese Followupson",
    "Sawyer Supportwell", "Dakota Programley", "Finley Granterly", "Skyler Moveinson",
    "Harper Roomfield", "Kendall Doorstead",
)  # fmt: skip
STAFF_PER_AGENCY = 3

# ---------------------------------------------------------------- synthetic people

_FEMALE = (
    "Ava", "Zofia", "Łucja", "Żaneta", "María", "Lucía", "Sofía", "Ximena", "Agnieszka",
    "Małgorzata", "Olivia", "Mia", "Harper", "Nora", "Grace", "Chloe", "Aaliyah", "Imani",
    "Keisha", "Mei", "Priya", "Amara", "Hana", "Leah", "Ruth", "Inés", "Renée", "Zoë", "Gabriela",
    "Paulina",
)  # fmt: skip
_MALE = (
    "Mateo", "José", "Ángel", "Tomás", "Łukasz", "Wojciech", "Paweł", "Jakub", "Liam", "Noah",
    "Elijah", "James", "Marcus", "Darnell", "Andre", "Wei", "Arjun", "Omar", "Kofi", "Diego",
    "Julián", "Samuel", "Henry", "Owen", "Caleb", "Ignacio", "Bartłomiej", "Rafael", "Isaac",
    "Malik",
)  # fmt: skip
# Invented surnames: English-, Spanish- and Polish-looking, none a real family name.
_SURNAMES = (
    "Testwood", "Sampleton", "Demoriver", "Mockridge", "Placeholm", "Fauxley", "Dummerfield",
    "Examplar", "Pretendale", "Fictonberry", "Stubbington", "Proxley", "Draftmoor", "Specimenson",
    "Trialbrook", "Sampleford", "Testerly", "Mockberry", "Demostone", "Prototon", "Ejemplárez",
    "Pruebarrón", "Muestrañez", "Simulóndez", "Ficticiano", "Ensayúa", "Testowicz", "Próbkiewicz",
    "Wzorczyk", "Przykładak", "Żółtodemski", "Ćwiczeniak",
)  # fmt: skip
_SUFFIXES = ("Jr.", "Sr.", "II", "III")

# ---------------------------------------------------------------- weighted tables


def _table(weights: dict[T, int]) -> tuple[T, ...]:
    """A lookup table with each value repeated by its weight: one random() call picks one."""
    return tuple(value for value, weight in weights.items() for _ in range(weight))


def _codes(spec: str) -> tuple[int, ...]:
    """A table of HUD codes written as "code:weight code:weight ..."."""
    pairs = (item.split(":") for item in spec.split())
    return _table({int(code): int(weight) for code, weight in pairs})


_RACE_COLUMNS = (
    "AmIndAKNative", "Asian", "BlackAfAmerican", "HispanicLatinao", "MidEastNAfrican",
    "NativeHIPacific", "White",
)  # fmt: skip


def _race(*flags: str, none: int | None = None) -> dict[str, Cell]:
    """One answer to race and ethnicity: the seven 0/1 columns, or all 0 and RaceNone."""
    race: dict[str, Cell] = {name: int(name in flags) for name in _RACE_COLUMNS}
    race["RaceNone"] = none
    return race


_HOUSEHOLD_KIND = _table({"single": 65, "family": 25, "couple": 10})
_EPISODES = _table({1: 22, 2: 20, 3: 20, 4: 16, 5: 13, 6: 9})  # enrollments per household
_CHILDREN = _table({1: 35, 2: 35, 3: 20, 4: 10})
_RACES = (
    [_race("BlackAfAmerican")] * 34 + [_race("White")] * 30 + [_race("HispanicLatinao")] * 10
    + [_race("White", "HispanicLatinao")] * 8 + [_race("BlackAfAmerican", "White")] * 3
    + [_race("BlackAfAmerican", "HispanicLatinao")] * 2 + [_race("Asian")] * 3
    + [_race("AmIndAKNative")] * 2 + [_race("AmIndAKNative", "White")] + [_race("NativeHIPacific")]
    + [_race("MidEastNAfrican")] * 2 + [_race(none=8), _race(none=9), _race(none=99)]
)  # fmt: skip
_SEX = _codes("0:45 1:52 8:1 9:1 99:1")
_NAME_QUALITY = _codes("1:970 2:24 8:2 9:2 99:2")
_SSN_QUALITY = _codes("1:82 2:4 8:3 9:3 99:8")
_DOB_QUALITY = _codes("1:92 2:4 8:2 9:1 99:1")
_VETERAN = _codes("0:880 1:95 8:5 9:5 99:15")
_BRANCH = _codes("1:45 2:15 3:20 4:15 6:3 8:1 99:1")
_DISCHARGE = _codes("1:60 2:18 6:8 4:2 5:1 7:3 8:2 9:2 99:4")
# HUD 3.12: mostly real places, a few "doesn't know", "prefers not to answer", no interview.
_DESTINATION = _codes(
    "410:18 435:12 312:12 313:8 422:5 423:3 101:11 116:8 302:4 314:3 207:2 206:2 204:1 205:1 "
    "225:1 329:1 24:1 17:1 8:1 9:1 99:2 30:4"
)
_HOUSED_DESTINATION = _codes("435:60 410:20 422:5 411:2 312:4 24:2 30:4 99:3")
# HUD 3.12.A: the subsidy of destination 435, by the type of project being left.
_SUBSIDY = {
    3: _codes("439:70 433:15 419:10 440:5"),
    13: _codes("431:70 433:15 434:10 436:5"),
}
_ANY_SUBSIDY = _codes("431:25 433:20 434:12 419:8 420:8 436:6 437:6 438:3 439:8 440:2 428:2")
_OTHER_DESTINATIONS = (
    "Moved out of state (demo)",
    "Staying at a campground (demo)",
    "With an employer (demo)",
)
# Service years overlapping these periods may have been spent in the theater (V1.4-V1.10).
_THEATERS = (
    ("WorldWarII", 1941, 1945),
    ("KoreanWar", 1950, 1953),
    ("VietnamWar", 1964, 1975),
    ("DesertStorm", 1990, 1991),
    ("AfghanistanOEF", 2001, 2014),
    ("IraqOIF", 2003, 2010),
    ("IraqOND", 2010, 2011),
)
_PROJECT_CHOICES = {
    audience: _table({p: p.weight for p in _PROJECTS if p.audience in ("all", audience)})
    for audience in ("all", "youth", "veteran")
}

# ---------------------------------------------------------------- formatting


@cache
def _day(ordinal: int) -> str:
    """A day number as YYYY-MM-DD (cached: an export has only a few thousand distinct days)."""
    return dt.date.fromordinal(ordinal).isoformat()


@cache
def _clock() -> tuple[str, ...]:
    """Every second of a day as HH:MM:SS, made once: cheaper than formatting each time."""
    return tuple(
        f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
    )


def _stamp(seconds: int) -> str:
    """A timestamp in seconds as YYYY-MM-DD HH:MM:SS."""
    day, second = divmod(seconds, DAY)
    return f"{_day(day)} {_clock()[second]}"


def _at(day: dt.date, hour: int, minute: int = 0) -> str:
    """A date at a time of day as a timestamp."""
    return _stamp(day.toordinal() * DAY + hour * HOUR + minute * 60)


class _Layout:
    """Builds full-width rows of one file from the few columns a row fills, named."""

    def __init__(self, header: Sequence[str]) -> None:
        self._blank: Row = [None] * len(header)
        self._index = {name: i for i, name in enumerate(header)}

    def __call__(self, base: Row | None = None, /, **values: Cell) -> Row:
        """A new row: a copy of base (or of an empty row) with values filled in."""
        row = (self._blank if base is None else base).copy()
        index = self._index
        for name, value in values.items():
            row[index[name]] = value
        return row


_CLIENT = _Layout(CLIENT_HEADER)
_ENROLLMENT = _Layout(ENROLLMENT_HEADER)
_EXIT = _Layout(EXIT_HEADER)

# ---------------------------------------------------------------- the small files


def _user_id(index: int) -> str:
    """The HMIS user id of staff member index (agencies have STAFF_PER_AGENCY each)."""
    return str(11 + index)


@cache
def _agency_users(organization: int) -> tuple[str, ...]:
    """The user ids of one agency's staff."""
    first = organization * STAFF_PER_AGENCY
    return tuple(_user_id(i) for i in range(first, first + STAFF_PER_AGENCY))


def _export_rows(export_id: str) -> list[Row]:
    """Export.csv: one full-refresh export of the reporting period 2019-01-01 to 2026-09-30."""
    return [
        _Layout(EXPORT_HEADER)(
            ExportID=export_id,
            SourceType=3,
            SourceName=SOURCE_NAME,
            ExportDate=EXPORT_DATE,
            ExportStartDate=_day(FIRST_DAY),
            ExportEndDate=_day(LAST_DAY),
            SoftwareName=SOFTWARE_NAME,
            SoftwareVersion="1",
            CSVVersion=CSV_VERSION,
            ExportPeriodType=3,
            ExportDirective=2,
            HashStatus=1,
        )
    ]


def _organization_rows(export_id: str) -> list[Row]:
    """Organization.csv: six agencies, none of them a victim service provider."""
    layout = _Layout(ORGANIZATION_HEADER)
    return [
        layout(
            OrganizationID=str(i + 1),
            OrganizationName=name,
            VictimServiceProvider=0,
            OrganizationCommonName=common,
            DateCreated=_at(created, 9, 15),
            DateUpdated=_at(created, 9, 40),
            UserID=_agency_users(i)[0],
            ExportID=export_id,
        )
        for i, (name, common, created) in enumerate(_ORGANIZATIONS)
    ]


def _project_rows(export_id: str) -> list[Row]:
    """Project.csv: the continuum projects, all operating since before 2019."""
    layout = _Layout(PROJECT_HEADER)
    rows = []
    for project in _PROJECTS:
        kind = project.project_type
        housing_type = (3 if kind in _PERMANENT else 1) if kind in _RESIDENTIAL else None
        rows.append(
            layout(
                ProjectID=project.project_id,
                OrganizationID=str(project.organization + 1),
                ProjectName=project.name,
                ProjectCommonName=project.common_name,
                OperatingStartDate=project.start.isoformat(),
                ContinuumProject=1,
                ProjectType=kind,
                HousingType=housing_type,  # 1 site-based single site, 3 scattered site
                RRHSubType=2 if kind == 13 else None,  # housing with or without services
                TargetPopulation=4,  # not applicable
                HOPWAMedAssistedLivingFac=2,  # not HOPWA-funded
                DateCreated=_at(project.start, 10),
                DateUpdated=_at(project.start, 10, 30),
                UserID=_agency_users(project.organization)[0],
                ExportID=export_id,
            )
        )
    return rows


def _user_rows(export_id: str) -> list[Row]:
    """User.csv: three case managers per agency, at example.org with 555-01xx numbers."""
    layout = _Layout(USER_HEADER)
    rows = []
    for i, full_name in enumerate(_STAFF):
        first, last = full_name.split()
        joined = _ORGANIZATIONS[i // STAFF_PER_AGENCY][2] + dt.timedelta(days=30 + 97 * i)
        rows.append(
            layout(
                UserID=_user_id(i),
                UserFirstName=first,
                UserLastName=last,
                UserPhone=f"84755501{10 + i:02d}",
                UserExtension=str(200 + i) if i % 4 == 0 else None,
                UserEmail=f"{first}.{last}@example.org".lower(),
                DateCreated=_at(joined, 8, i),
                DateUpdated=_at(joined, 16, i),
                ExportID=export_id,
            )
        )
    return rows
