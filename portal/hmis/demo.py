"""A synthetic HUD HMIS CSV export (FY2026, CSV version "2026 v1.0"), the same for the same seed.

Nobody in it is real: names are built from small invented word lists, every SSN starts with 9
(an area the Social Security Administration never issues), phone numbers use the 555-01xx range
set aside for fiction, and e-mail addresses are at example.org. Only the seven files the portal
reads are written; columns the portal does not use are left empty.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from portal.hmis.demo_facts import (
    _ANY_SUBSIDY,
    _BRANCH,
    _CHILDREN,
    _CLIENT,
    _DESTINATION,
    _DISCHARGE,
    _DOB_QUALITY,
    _ENROLLMENT,
    _EPISODES,
    _EXIT,
    _FEMALE,
    _HOUSED_DESTINATION,
    _HOUSEHOLD_KIND,
    _MALE,
    _NAME_QUALITY,
    _OTHER_DESTINATIONS,
    _PERMANENT,
    _PROJECT_CHOICES,
    _RACES,
    _SEX,
    _SSN_QUALITY,
    _STAY_DAYS,
    _SUBSIDY,
    _SUFFIXES,
    _SURNAMES,
    _THEATERS,
    _VETERAN,
    CLIENT_HEADER,
    COC_CODE,
    DAY,
    ENROLLMENT_HEADER,
    EXIT_HEADER,
    EXPORT_HEADER,
    FIRST_DAY,
    HOUR,
    LAST_DAY,
    LAST_STAMP,
    OPEN_LAST_EPISODE,
    ORGANIZATION_HEADER,
    PROJECT_HEADER,
    USER_HEADER,
    _agency_users,
    _day,
    _export_rows,
    _organization_rows,
    _Project,
    _project_rows,
    _stamp,
    _user_rows,
)

Cell = str | int | None
Row = list[Cell]
T = TypeVar("T")


# ---------------------------------------------------------------- households


@dataclass(slots=True)
class _Person:
    number: int  # 1, 2, ... in the order people are made
    relationship: int  # RelationshipToHoH: 1 head, 2 child, 3 spouse or partner, 4 other relative
    age: int  # at the household's first entry
    surname: str
    veteran: int  # VeteranStatus (HUD 1.8)

    @property
    def personal_id(self) -> str:
        """The HMIS PersonalID."""
        return str(100_000 + self.number)


@dataclass(slots=True)
class _Episode:
    """One stay of the whole household in one project."""

    project: _Project
    entry: int  # day number
    exit: int | None
    move_in: int | None
    created: int  # seconds: when the head's enrollment was entered
    user_id: str
    exit_created: int = 0
    exit_user_id: str = ""
    destination: int | None = None
    subsidy: int | None = None
    other_destination: str | None = None


class _RowWriter(Protocol):
    """What the generator needs of a csv writer."""

    def writerows(self, rows: Iterable[Iterable[Any]], /) -> None: ...


@dataclass
class _Generator:
    """Writes households one at a time, so that 100,000 clients never sit in memory at once."""

    rng: random.Random
    export_id: str
    clients: _RowWriter
    enrollments: _RowWriter
    exits: _RowWriter
    ssn_offset: int
    people: int = 0
    enrollment_count: int = 0
    exit_count: int = 0

    def pick(self, table: Sequence[T]) -> T:
        """One value of a weighted table."""
        return table[int(self.rng.random() * len(table))]

    def below(self, n: int) -> int:
        """A number in range(n): randrange's job, at a third of its cost."""
        return int(self.rng.random() * n)

    def between(self, low: int, high: int) -> int:
        """A number from low to high, both included."""
        return low + int(self.rng.random() * (high - low + 1))

    def household(self, size_left: int) -> int:
        """Write one household's clients, enrollments and exits; return its number of clients."""
        members = self.members(size_left)
        episodes = self.episodes(members[0])
        self.write_clients(members, episodes)
        self.write_episodes(members, episodes)
        return len(members)

    # -- who is in it

    def members(self, size_left: int) -> list[_Person]:
        """The head first, then a partner or relative, then any children; at most size_left."""
        rng = self.rng
        kind = self.pick(_HOUSEHOLD_KIND)
        head_age = self.between(18, 50) if kind == "family" else self.adult_age()
        roles = [(1, head_age)]
        if kind == "couple" or (kind == "family" and rng.random() < 0.4):
            partner = kind == "couple" or rng.random() < 0.75
            other_age = head_age + self.between(-6, 6) if partner else self.between(40, 80)
            roles.append((3 if partner else 4, min(80, max(18, other_age))))
        if kind == "family":
            youngest_adult = min(age for _, age in roles)
            for _ in range(self.pick(_CHILDREN)):
                roles.append((2, self.between(0, min(17, youngest_adult - 16))))
        surname = self.pick(_SURNAMES)
        people = []
        for relationship, age in roles[:size_left]:
            self.people += 1
            same_name = relationship == 2 or rng.random() < 0.5
            veteran = self.pick(_VETERAN) if age >= 18 else 0
            if veteran == 1 and age < 21:
                veteran = 0  # too young for the service history a veteran gets below
            name = surname if same_name else self.pick(_SURNAMES)
            people.append(_Person(self.people, relationship, age, name, veteran))
        return people

    def adult_age(self) -> int:
        """An adult's age: mostly 25-54, some young adults and older people."""
        band = self.rng.random()
        if band < 0.15:
            return self.between(18, 24)
        if band < 0.75:
            return self.between(25, 54)
        return self.between(55, 80)

    # -- what happened to it

    def episodes(self, head: _Person) -> list[_Episode]:
        """Stays that never overlap, between 2019 and the export end; only the last may be open."""
        rng = self.rng
        audience = "veteran" if head.veteran == 1 else "youth" if head.age <= 24 else "all"
        choices = _PROJECT_CHOICES[audience]
        count = self.pick(_EPISODES)
        start = FIRST_DAY + self.below((LAST_DAY - FIRST_DAY) * 3 // 5)
        slot = (LAST_DAY - start + 1) // count  # each stay lies within its own slot
        last_open = rng.random() < OPEN_LAST_EPISODE
        episodes = []
        for i in range(count):
            project = self.pick(choices)
            low, high = _STAY_DAYS[project.project_type]
            begin = start + i * slot
            if i == count - 1 and last_open:
                # Began recently enough for that kind of project still to be running.
                entry, leave = LAST_DAY - self.below(min(slot, high + 1)), None
            else:
                entry = begin + self.below(max(1, slot // 3))
                stay = low + int((high - low) * rng.random() ** 2)
                leave = min(entry + stay, begin + slot - 1)
            episodes.append(self.episode(project, entry, leave))
        return episodes

    def entered_at(self, day: int) -> int:
        """When a record about day was typed in: that day or up to two days later, office hours."""
        return (day + self.below(3)) * DAY + self.between(8 * HOUR, 18 * HOUR - 1)

    def episode(self, project: _Project, entry: int, leave: int | None) -> _Episode:
        """One stay: who recorded it and when, a move-in date for housing, the destination."""
        rng = self.rng
        users = _agency_users(project.organization)
        created = self.entered_at(entry)
        move_in = None
        if project.project_type in _PERMANENT and rng.random() < 0.75:
            move_in = entry + int(rng.random() ** 2 * 120)
            if move_in > (LAST_DAY if leave is None else leave):
                move_in = None  # the stay ended before housing was found
        episode = _Episode(project, entry, leave, move_in, created, self.pick(users))
        if leave is not None:
            episode.exit_created = max(self.entered_at(leave), created + 600)
            episode.exit_user_id = self.pick(users)
            self.destination(episode)
        return episode

    def destination(self, episode: _Episode) -> None:
        """Where the household went; a rental subsidy type only with destination 435."""
        housed = episode.move_in is not None
        episode.destination = self.pick(_HOUSED_DESTINATION if housed else _DESTINATION)
        if episode.destination == 435:
            subsidies = _SUBSIDY.get(episode.project.project_type, _ANY_SUBSIDY)
            episode.subsidy = self.pick(subsidies)
        elif episode.destination == 17:
            episode.other_destination = self.pick(_OTHER_DESTINATIONS)

    # -- the rows

    def write_episodes(self, members: list[_Person], episodes: list[_Episode]) -> None:
        """Enrollment.csv and Exit.csv rows: every member enrolls and leaves with the head."""
        enrollment_rows: list[Row] = []
        exit_rows: list[Row] = []
        for episode in episodes:
            self.episode_rows(episode, members, enrollment_rows, exit_rows)
        self.enrollments.writerows(enrollment_rows)
        self.exits.writerows(exit_rows)

    def episode_rows(
        self, episode: _Episode, members: list[_Person], enrollment_rows: list[Row],
        exit_rows: list[Row],
    ) -> None:  # fmt: skip
        """One episode's rows, from templates holding what all members share (it is faster)."""
        move_in = episode.move_in
        enrollment = _ENROLLMENT(
            ProjectID=episode.project.project_id,
            EntryDate=_day(episode.entry),
            HouseholdID=f"HH{self.enrollment_count + 1}",
            EnrollmentCoC=COC_CODE,
            MoveInDate=None if move_in is None else _day(move_in),
            UserID=episode.user_id,
            ExportID=self.export_id,
        )
        leaving = None
        if episode.exit is not None:
            leaving = _EXIT(
                ExitDate=_day(episode.exit),
                Destination=episode.destination,
                DestinationSubsidyType=episode.subsidy,
                OtherDestination=episode.other_destination,
                UserID=episode.exit_user_id,
                ExportID=self.export_id,
            )
        for offset, person in enumerate(members):
            self.enrollment_count += 1
            enrollment_id = str(self.enrollment_count)
            created = min(episode.created + 60 * offset, LAST_STAMP)
            updated = created + self.below(1800)
            if leaving is not None:
                exit_created = min(episode.exit_created + 60 * offset, LAST_STAMP)
                updated = max(updated, exit_created)  # recording the exit updates the enrollment
                self.exit_count += 1
                exit_rows.append(
                    _EXIT(
                        leaving,
                        ExitID=str(self.exit_count),
                        EnrollmentID=enrollment_id,
                        PersonalID=person.personal_id,
                        DateCreated=_stamp(exit_created),
                        DateUpdated=_stamp(min(exit_created + self.below(HOUR), LAST_STAMP)),
                    )
                )
            enrollment_rows.append(
                _ENROLLMENT(
                    enrollment,
                    EnrollmentID=enrollment_id,
                    PersonalID=person.personal_id,
                    RelationshipToHoH=person.relationship,
                    DateCreated=_stamp(created),
                    DateUpdated=_stamp(min(updated, LAST_STAMP)),
                )
            )

    def write_clients(self, members: list[_Person], episodes: list[_Episode]) -> None:
        """Client.csv rows, created just before the household's first enrollment."""
        first, last = episodes[0], episodes[-1]
        last_touch = max(last.created, last.exit_created)
        first_year = dt.date.fromordinal(first.entry).year
        rows = []
        for offset, person in enumerate(members):
            created = min(first.created - 30 + 60 * offset, LAST_STAMP)
            touched = last_touch + 60 * offset + self.below(900)
            sex = self.pick(_SEX)
            rows.append(
                _CLIENT(
                    PersonalID=person.personal_id,
                    **self.name(person, sex),
                    **self.ssn(person),
                    **self.dob(person, first.entry),
                    Sex=sex,
                    **self.pick(_RACES),
                    **self.service(person, first_year),
                    DateCreated=_stamp(created),
                    DateUpdated=_stamp(min(max(created, touched), LAST_STAMP)),
                    UserID=first.user_id,
                    ExportID=self.export_id,
                )
            )
        self.clients.writerows(rows)

    def name(self, person: _Person, sex: int) -> dict[str, Cell]:
        """The name columns: mostly full names, a few first names only, a few refused."""
        rng = self.rng
        quality = self.pick(_NAME_QUALITY)
        if quality not in (1, 2):
            return {"NameDataQuality": quality}
        female = sex == 0 if sex in (0, 1) else rng.random() < 0.5
        names = _FEMALE if female else _MALE
        given = self.pick(names)
        if quality == 2:
            return {"FirstName": given, "NameDataQuality": 2}  # a first name only
        return {
            "FirstName": given,
            "MiddleName": self.pick(names) if rng.random() < 0.2 else None,
            "LastName": person.surname,
            "NameSuffix": self.pick(_SUFFIXES) if not female and rng.random() < 0.02 else None,
            "NameDataQuality": 1,
        }

    def ssn(self, person: _Person) -> dict[str, Cell]:
        """SSN columns: a unique 9xxxxxxxx number, a partial one, or none."""
        quality = self.pick(_SSN_QUALITY)
        # A multiplier coprime to 10**8 gives distinct people distinct numbers.
        digits = f"{(person.number * 48_271_003 + self.ssn_offset) % 10**8:08d}"
        if quality == 1:
            return {"SSN": "9" + digits, "SSNDataQuality": 1}
        if quality == 2:
            return {"SSN": "9xxxx" + digits[-4:], "SSNDataQuality": 2}
        return {"SSNDataQuality": quality}

    def dob(self, person: _Person, first_entry: int) -> dict[str, Cell]:
        """DOB columns, the person being person.age years old at the household's first entry."""
        quality = self.pick(_DOB_QUALITY)
        if quality not in (1, 2):
            return {"DOBDataQuality": quality}
        # An approximate DOB is the 1st of the month: up to 30 days earlier, so it is drawn
        # at least 30 days clear of the next birthday to keep the person's age.
        days_past_birthday = self.below(365 if quality == 1 else 335)
        born = dt.date.fromordinal(first_entry - person.age * 36_525 // 100 - days_past_birthday)
        if quality == 2:
            born = born.replace(day=1)
        return {"DOB": born.isoformat(), "DOBDataQuality": quality}

    def service(self, person: _Person, first_year: int) -> dict[str, Cell]:
        """VeteranStatus and a veteran's years, theaters, branch and discharge."""
        if person.veteran != 1:
            return {"VeteranStatus": person.veteran}
        rng = self.rng
        if rng.random() < 0.08:  # a veteran whose service history was not collected
            theaters = {name: 99 for name, _, _ in _THEATERS}
            unknown = {"OtherTheater": 99, "MilitaryBranch": 99, "DischargeStatus": 99}
            return {"VeteranStatus": 1, **theaters, **unknown}
        born = first_year - person.age
        entered = born + 18 + self.below(min(8, person.age - 20))
        separated = min(entered + 2 + int(rng.random() ** 2 * 20), first_year)
        theaters = {
            name: int(entered <= end and separated >= begin and rng.random() < 0.5)
            for name, begin, end in _THEATERS
        }
        return {
            "VeteranStatus": 1,
            "YearEnteredService": entered,
            "YearSeparated": separated,
            **theaters,
            "OtherTheater": int(rng.random() < 0.05),
            "MilitaryBranch": self.pick(_BRANCH),
            "DischargeStatus": self.pick(_DISCHARGE),
        }


# ---------------------------------------------------------------- writing


def _csv_writer(handle: Any) -> Any:
    """A writer of UTF-8 CSV with minimal quoting and LF line ends, as in HUD's samples."""
    return csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")


def _write(out_dir: Path, name: str, header: Sequence[str], rows: list[Row]) -> int:
    """Write one small file; return its number of rows (the header not counted)."""
    with (out_dir / name).open("w", encoding="utf-8", newline="") as handle:
        writer = _csv_writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


def _write_people(out_dir: Path, clients: int, seed: int, export_id: str) -> dict[str, int]:
    """Client.csv, Enrollment.csv and Exit.csv, written side by side household by household."""
    headers = {
        "Client.csv": CLIENT_HEADER,
        "Enrollment.csv": ENROLLMENT_HEADER,
        "Exit.csv": EXIT_HEADER,
    }
    handles = [(out_dir / name).open("w", encoding="utf-8", newline="") for name in headers]
    try:
        writers = [_csv_writer(handle) for handle in handles]
        for writer, header in zip(writers, headers.values(), strict=True):
            writer.writerow(header)
        # Synthetic data, not security: a seeded generator is the point (same seed, same bytes).
        rng = random.Random(seed)  # noqa: S311
        clients_csv, enrollments_csv, exits_csv = writers
        generator = _Generator(
            rng, export_id, clients_csv, enrollments_csv, exits_csv, ssn_offset=rng.randrange(10**8)
        )
        while generator.people < clients:
            generator.household(clients - generator.people)
    finally:
        for handle in handles:
            handle.close()
    return {
        "Client.csv": generator.people,
        "Enrollment.csv": generator.enrollment_count,
        "Exit.csv": generator.exit_count,
    }


def write_demo_export(out_dir: Path, clients: int, seed: int = 2026) -> dict[str, int]:
    """Write a synthetic FY2026 HMIS CSV export into out_dir; returns rows written per file name."""
    if clients < 0:
        raise ValueError("clients cannot be negative")
    out_dir.mkdir(parents=True, exist_ok=True)
    export_id = f"DEMO-{seed}"
    counts = {
        "Export.csv": _write(out_dir, "Export.csv", EXPORT_HEADER, _export_rows(export_id)),
        "Organization.csv": _write(
            out_dir, "Organization.csv", ORGANIZATION_HEADER, _organization_rows(export_id)
        ),
        "Project.csv": _write(out_dir, "Project.csv", PROJECT_HEADER, _project_rows(export_id)),
        "User.csv": _write(out_dir, "User.csv", USER_HEADER, _user_rows(export_id)),
    }
    counts.update(_write_people(out_dir, clients, seed, export_id))
    return counts
