"""Checks across rows and files: every row's parent is there, one exit per enrollment, an exit
after its entry, one head per household; and victim service providers' data left out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, select
from sqlalchemy.orm import Session

from portal.db import Base, in_chunks
from portal.hmis.models import Enrollment, Exit, Organization, Project
from portal.hmis.outcomes import FLAGGED, QUARANTINED, Outcome
from portal.hmis.rows import NEVER, ParsedFile

HEAD_OF_HOUSEHOLD = 1  # RelationshipToHoH: self (head of household)


def key_column(model: type[Base]) -> Column[Any]:
    column = model.__mapper__.primary_key[0]
    if not isinstance(column, Column):  # a table's primary key is its columns
        raise TypeError(f"{model.__name__} has no primary key column")
    return column


def existing_keys(session: Session, model: type, keys: Iterable[str]) -> set[str]:
    column = key_column(model)
    found: set[str] = set()
    for chunk in in_chunks(sorted(keys)):
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def check_relations(session: Session, parsed: dict[str, ParsedFile]) -> None:
    """Quarantine rows whose parent is missing, keep one exit per enrollment, and flag exits
    before entries, exits of another person, and households without one head."""
    _parents(
        session, parsed, "Project.csv", "OrganizationID", "organization_id", "Organization.csv"
    )
    _parents(session, parsed, "Enrollment.csv", "PersonalID", "personal_id", "Client.csv")
    _parents(session, parsed, "Enrollment.csv", "ProjectID", "project_id", "Project.csv")
    _parents(session, parsed, "Exit.csv", "EnrollmentID", "enrollment_id", "Enrollment.csv")
    _parents(session, parsed, "Exit.csv", "PersonalID", "personal_id", "Client.csv")
    _one_exit_each(session, parsed["Exit.csv"])
    _exits_match_enrollments(session, parsed["Enrollment.csv"], parsed["Exit.csv"])
    _households(session, parsed["Enrollment.csv"])


def _parents(
    session: Session,
    parsed: dict[str, ParsedFile],
    child_name: str,
    column: str,
    attribute: str,
    parent_name: str,
) -> None:
    child, parent = parsed[child_name], parsed[parent_name]
    wanted = {values[attribute] for values in child.rows.values()}
    known = set(parent.rows)
    known |= existing_keys(session, parent.spec.model, wanted - known)
    orphans = [key for key, values in child.rows.items() if values[attribute] not in known]
    for key in orphans:
        value = child.rows[key][attribute]
        if value in parent.quarantined_keys:
            message = (
                f"{parent_name} line {parent.quarantined_keys[value]} ({value}) was quarantined"
            )
        else:
            message = f"{value} is not in {parent_name} or the portal"
        line = child.lines[key]
        child.quarantine(
            key,
            [Outcome(child_name, line, column, "missing_parent", message, QUARANTINED, value, key)],
        )


def _one_exit_each(session: Session, exits: ParsedFile) -> None:
    """The portal keeps one exit per enrollment: of two in the export, the live one updated
    last (on a tie, the later line); an exit for an enrollment that has another exit in the
    portal is quarantined."""
    by_enrollment: dict[str, list[str]] = {}
    for key, values in exits.rows.items():
        by_enrollment.setdefault(values["enrollment_id"], []).append(key)
    for enrollment_id, keys in by_enrollment.items():
        if len(keys) < 2:
            continue
        ranked = sorted(
            keys,
            key=lambda k: (
                exits.rows[k]["date_deleted"] is None,
                exits.rows[k]["date_updated"] or NEVER,
                exits.lines[k],
            ),
        )
        winner = ranked[-1]
        for key in ranked[:-1]:
            message = (
                f"enrollment {enrollment_id} has exit {winner} (line {exits.lines[winner]}), "
                "which is kept"
            )
            line = exits.lines[key]
            exits.quarantine(
                key,
                [
                    Outcome(
                        exits.name,
                        line,
                        "EnrollmentID",
                        "second_exit",
                        message,
                        QUARANTINED,
                        enrollment_id,
                        key,
                    )
                ],
            )
    stored = set(session.scalars(select(Exit.exit_id)))
    new = {values["enrollment_id"]: key for key, values in exits.rows.items() if key not in stored}
    for chunk in in_chunks(sorted(new)):
        query = select(Exit.enrollment_id, Exit.exit_id).where(Exit.enrollment_id.in_(chunk))
        for enrollment_id, other in session.execute(query).all():
            key = new[enrollment_id]
            message = f"enrollment {enrollment_id} already has exit {other} in the portal"
            line = exits.lines[key]
            exits.quarantine(
                key,
                [
                    Outcome(
                        exits.name,
                        line,
                        "EnrollmentID",
                        "second_exit",
                        message,
                        QUARANTINED,
                        enrollment_id,
                        key,
                    )
                ],
            )


def _exits_match_enrollments(session: Session, enrollments: ParsedFile, exits: ParsedFile) -> None:
    facts = {k: (v["personal_id"], v["entry_date"]) for k, v in enrollments.rows.items()}
    outside = {v["enrollment_id"] for v in exits.rows.values()} - set(facts)
    for chunk in in_chunks(sorted(outside)):
        query = select(Enrollment.enrollment_id, Enrollment.personal_id, Enrollment.entry_date)
        for enrollment_id, personal_id, entry in session.execute(
            query.where(Enrollment.enrollment_id.in_(chunk))
        ).all():
            facts[enrollment_id] = (personal_id, entry)
    for key, values in exits.rows.items():
        fact = facts.get(values["enrollment_id"])
        if fact is None:
            continue
        personal_id, entry = fact
        line = exits.lines[key]
        if personal_id != values["personal_id"]:
            message = f"is not {personal_id}, the person of enrollment {values['enrollment_id']}"
            exits.flag(
                key,
                Outcome(
                    exits.name,
                    line,
                    "PersonalID",
                    "exit_person",
                    message,
                    FLAGGED,
                    values["personal_id"],
                    key,
                ),
            )
        exit_date = values["exit_date"]
        if exit_date < entry:
            message = (
                f"{exit_date.isoformat()} is before the enrollment's entry date "
                f"({entry.isoformat()})"
            )
            exits.flag(
                key,
                Outcome(
                    exits.name,
                    line,
                    "ExitDate",
                    "exit_before_entry",
                    message,
                    FLAGGED,
                    exit_date.isoformat(),
                    key,
                ),
            )


def _households(session: Session, enrollments: ParsedFile) -> None:
    """A household has one head: with none or two, each of its enrollments is flagged. Heads
    the portal already holds (from earlier exports) count."""
    members: dict[str, list[str]] = {}
    heads: dict[str, int] = {}
    for key, values in enrollments.rows.items():
        household = values["household_id"]
        if household and values["date_deleted"] is None:
            members.setdefault(household, []).append(key)
            if values["relationship_to_hoh"] == HEAD_OF_HOUSEHOLD:
                heads[household] = heads.get(household, 0) + 1
    if session.scalar(select(Enrollment.enrollment_id).limit(1)) is not None:
        query = select(Enrollment.household_id, Enrollment.enrollment_id).where(
            Enrollment.relationship_to_hoh == HEAD_OF_HOUSEHOLD,
            Enrollment.date_deleted.is_(None),
        )
        for chunk in in_chunks(sorted(members)):
            for household, enrollment_id in session.execute(
                query.where(Enrollment.household_id.in_(chunk))
            ).all():
                if enrollment_id not in enrollments.seen_keys:
                    heads[household] = heads.get(household, 0) + 1
    for household, keys in members.items():
        count = heads.get(household, 0)
        if count == 1:
            continue
        message = (
            f"household {household} has no head of household"
            if count == 0
            else f"household {household} has {count} heads of household"
        )
        for key in keys:
            raw = enrollments.rows[key]["relationship_to_hoh"]
            enrollments.flag(
                key,
                Outcome(
                    enrollments.name,
                    enrollments.lines[key],
                    "RelationshipToHoH",
                    "household_head",
                    message,
                    FLAGGED,
                    "" if raw is None else str(raw),
                    key,
                ),
            )


def leave_out_victim_service_data(
    session: Session, parsed: dict[str, ParsedFile], warnings: list[str]
) -> dict[str, int]:
    """Victim service providers' client data never enters the portal (HUD and VAWA).
    Returns how many rows of each file were left out."""
    vsp_orgs = {
        k for k, v in parsed["Organization.csv"].rows.items() if v["victim_service_provider"]
    }
    vsp_orgs |= set(
        session.scalars(
            select(Organization.organization_id).where(Organization.victim_service_provider)
        )
    )
    if not vsp_orgs:
        return {}
    vsp_projects = {
        k for k, v in parsed["Project.csv"].rows.items() if v["organization_id"] in vsp_orgs
    }
    vsp_projects |= set(
        session.scalars(select(Project.project_id).where(Project.organization_id.in_(vsp_orgs)))
    )
    enrollments = parsed["Enrollment.csv"].rows
    refused = {k for k, v in enrollments.items() if v["project_id"] in vsp_projects}
    if not refused:
        return {}
    exits = parsed["Exit.csv"].rows
    refused_exits = {k for k, v in exits.items() if v["enrollment_id"] in refused}
    # A client known only through a victim service provider is not imported at all.
    people = {enrollments[k]["personal_id"] for k in refused}
    elsewhere = {v["personal_id"] for k, v in enrollments.items() if k not in refused}
    elsewhere |= set(
        session.scalars(select(Enrollment.personal_id).where(Enrollment.personal_id.in_(people)))
    )
    refused_people = people - elsewhere
    skipped: dict[str, int] = {}
    for name, keys in (
        ("Enrollment.csv", refused),
        ("Exit.csv", refused_exits),
        ("Client.csv", refused_people),
    ):
        for key in keys:
            parsed[name].drop(key)
        skipped[name] = len(keys)
    warnings.append(
        f"refused victim service provider data: {len(refused)} enrollments, "
        f"{len(refused_exits)} exits and {len(refused_people)} clients served only there "
        "were not imported"
    )
    return skipped
