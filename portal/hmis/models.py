"""The HMIS record as imported from the HUD HMIS CSV export.

Only what the privacy notice's record needs is kept (data minimisation): the export's many
assessment columns (health, criminal history, pregnancy, ...) never enter the portal.
DateCreated, DateUpdated, UserID and DateDeleted are kept because the sharing rule needs to know
who created what and when.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.crypto import EncryptedString
from portal.db import Base

HMIS_ID = String(64)


class HmisTracked:
    """The HUD export's bookkeeping columns, present on every imported file."""

    date_created: Mapped[dt.datetime | None] = mapped_column(DateTime)
    date_updated: Mapped[dt.datetime | None] = mapped_column(DateTime)
    hmis_user_id: Mapped[str | None] = mapped_column(HMIS_ID)
    date_deleted: Mapped[dt.datetime | None] = mapped_column(DateTime)
    export_id: Mapped[str | None] = mapped_column(HMIS_ID)


class Organization(HmisTracked, Base):
    __tablename__ = "organization"

    organization_id: Mapped[str] = mapped_column(HMIS_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    common_name: Mapped[str | None] = mapped_column(String(200))
    victim_service_provider: Mapped[bool] = mapped_column(Boolean, default=False)
    # Kept by the HMIS lead in the portal, never by the import: the public partner list.
    hidden_from_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    public_description: Mapped[str | None] = mapped_column(Text)
    public_contact: Mapped[str | None] = mapped_column(String(300))
    public_updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    projects: Mapped[list[Project]] = relationship(back_populates="organization")


class Project(HmisTracked, Base):
    __tablename__ = "project"

    project_id: Mapped[str] = mapped_column(HMIS_ID, primary_key=True)
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organization.organization_id"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    common_name: Mapped[str | None] = mapped_column(String(200))
    operating_start_date: Mapped[dt.date | None] = mapped_column(Date)
    operating_end_date: Mapped[dt.date | None] = mapped_column(Date)
    project_type: Mapped[int | None] = mapped_column(Integer)

    organization: Mapped[Organization] = relationship(back_populates="projects")


class HmisUser(HmisTracked, Base):
    """A user of the HMIS of record: the staff contact named on a client's record."""

    __tablename__ = "hmis_user"

    user_id: Mapped[str] = mapped_column(HMIS_ID, primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    extension: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(320))


class Client(HmisTracked, Base):
    __tablename__ = "client"

    personal_id: Mapped[str] = mapped_column(HMIS_ID, primary_key=True)
    # "FY2024" or "FY2026": the data standards the demographics were last recorded under.
    data_standards: Mapped[str] = mapped_column(String(6))

    first_name: Mapped[str | None] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    name_suffix: Mapped[str | None] = mapped_column(String(20))
    name_data_quality: Mapped[int | None] = mapped_column(Integer)
    ssn: Mapped[str | None] = mapped_column(EncryptedString(255))
    ssn_data_quality: Mapped[int | None] = mapped_column(Integer)
    dob: Mapped[dt.date | None] = mapped_column(Date)
    dob_data_quality: Mapped[int | None] = mapped_column(Integer)

    # FY2026 (4.21).
    sex: Mapped[int | None] = mapped_column(Integer)
    # Race and ethnicity (both standards).
    am_ind_ak_native: Mapped[int | None] = mapped_column(Integer)
    asian: Mapped[int | None] = mapped_column(Integer)
    black_af_american: Mapped[int | None] = mapped_column(Integer)
    hispanic_latinaeo: Mapped[int | None] = mapped_column(Integer)
    mid_east_n_african: Mapped[int | None] = mapped_column(Integer)
    native_hi_pacific: Mapped[int | None] = mapped_column(Integer)
    white: Mapped[int | None] = mapped_column(Integer)
    race_none: Mapped[int | None] = mapped_column(Integer)
    additional_race_ethnicity: Mapped[str | None] = mapped_column(String(200))
    # FY2024 gender (3.06.1).
    woman: Mapped[int | None] = mapped_column(Integer)
    man: Mapped[int | None] = mapped_column(Integer)
    non_binary: Mapped[int | None] = mapped_column(Integer)
    culturally_specific: Mapped[int | None] = mapped_column(Integer)
    transgender: Mapped[int | None] = mapped_column(Integer)
    questioning: Mapped[int | None] = mapped_column(Integer)
    different_identity: Mapped[int | None] = mapped_column(Integer)
    gender_none: Mapped[int | None] = mapped_column(Integer)
    different_identity_text: Mapped[str | None] = mapped_column(String(200))
    # Veteran status (3.07) and veteran information (V1).
    veteran_status: Mapped[int | None] = mapped_column(Integer)
    year_entered_service: Mapped[int | None] = mapped_column(Integer)
    year_separated: Mapped[int | None] = mapped_column(Integer)
    world_war_ii: Mapped[int | None] = mapped_column(Integer)
    korean_war: Mapped[int | None] = mapped_column(Integer)
    vietnam_war: Mapped[int | None] = mapped_column(Integer)
    desert_storm: Mapped[int | None] = mapped_column(Integer)
    afghanistan_oef: Mapped[int | None] = mapped_column(Integer)
    iraq_oif: Mapped[int | None] = mapped_column(Integer)
    iraq_ond: Mapped[int | None] = mapped_column(Integer)
    other_theater: Mapped[int | None] = mapped_column(Integer)
    military_branch: Mapped[int | None] = mapped_column(Integer)
    discharge_status: Mapped[int | None] = mapped_column(Integer)

    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="client")


class Enrollment(HmisTracked, Base):
    __tablename__ = "enrollment"

    enrollment_id: Mapped[str] = mapped_column(HMIS_ID, primary_key=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"), index=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("project.project_id"), index=True)
    entry_date: Mapped[dt.date] = mapped_column(Date)
    household_id: Mapped[str | None] = mapped_column(HMIS_ID, index=True)
    relationship_to_hoh: Mapped[int | None] = mapped_column(Integer)
    enrollment_coc: Mapped[str | None] = mapped_column(String(6))
    move_in_date: Mapped[dt.date | None] = mapped_column(Date)

    client: Mapped[Client] = relationship(back_populates="enrollments")
    project: Mapped[Project] = relationship()
    exit: Mapped[Exit | None] = relationship(back_populates="enrollment", uselist=False)


class Exit(HmisTracked, Base):
    __tablename__ = "exit"

    exit_id: Mapped[str] = mapped_column(HMIS_ID, primary_key=True)
    enrollment_id: Mapped[str] = mapped_column(ForeignKey("enrollment.enrollment_id"), unique=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"), index=True)
    exit_date: Mapped[dt.date] = mapped_column(Date)
    destination: Mapped[int | None] = mapped_column(Integer)
    destination_subsidy_type: Mapped[int | None] = mapped_column(Integer)
    other_destination: Mapped[str | None] = mapped_column(String(200))
    # The HUD exit reasons present in the export (RHY completion status and reason, SSVF CM).
    project_completion_status: Mapped[int | None] = mapped_column(Integer)
    early_exit_reason: Mapped[int | None] = mapped_column(Integer)
    cm_exit_reason: Mapped[int | None] = mapped_column(Integer)

    enrollment: Mapped[Enrollment] = relationship(back_populates="exit")


class ImportRun(Base):
    """One run of the importer: what came in, from where, and how it ended."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    source_label: Mapped[str] = mapped_column(String(300))
    export_id: Mapped[str | None] = mapped_column(HMIS_ID)
    csv_version: Mapped[str | None] = mapped_column(String(20))
    data_standards: Mapped[str | None] = mapped_column(String(6))
    directive: Mapped[str | None] = mapped_column(String(10))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    problems: Mapped[str] = mapped_column(Text, default="")
    # "imported", "refused" (not an export the portal can read) or "stopped" (the safety
    # threshold: nothing committed until the HMIS lead accepts it).
    status: Mapped[str] = mapped_column(String(12), default="", server_default="")
    # Where the export was read from, so that a stopped import can be accepted from the page.
    source_path: Mapped[str | None] = mapped_column(String(1000))
    # A stopped run accepted later: the run that imported it, and who accepted it.
    accepted_run_id: Mapped[int | None] = mapped_column(Integer)
    accepted_by: Mapped[str | None] = mapped_column(String(200))


class ImportOutcome(Base):
    """A row of an export that was quarantined (not imported) or imported with a flag.

    raw_value is the cell as the export had it, except in columns holding personal data
    (names, SSN, date of birth), where it is never stored outside the record itself."""

    __tablename__ = "import_outcome"
    __table_args__ = (Index("ix_import_outcome_run_file_rule", "import_run_id", "file", "rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id", ondelete="CASCADE"))
    file: Mapped[str] = mapped_column(String(40))
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(100))
    raw_value: Mapped[str | None] = mapped_column(String(300))
    rule: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(12))  # "quarantined", "flagged" or "refused"
    message: Mapped[str] = mapped_column(String(300))
    record_key: Mapped[str | None] = mapped_column(HMIS_ID)


class IdentityVersion(Base):
    """The client's identifying data as it stood from valid_from until valid_to.

    The importer adds a version whenever the HMIS export brings a change, so "as it stood when the
    refusal took effect" stays answerable after later imports. agency_id is the agency whose user
    made the change (None when the export does not tell).
    """

    __tablename__ = "identity_version"
    __table_args__ = (
        Index("ix_identity_version_person_from", "personal_id", "valid_from"),
        Index("ix_identity_version_name_search", "name_search"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    personal_id: Mapped[str] = mapped_column(ForeignKey("client.personal_id"))
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime)
    valid_to: Mapped[dt.datetime | None] = mapped_column(DateTime)
    agency_id: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    name_suffix: Mapped[str | None] = mapped_column(String(20))
    name_data_quality: Mapped[int | None] = mapped_column(Integer)
    # The name folded for search (lower case, no accents: "jose nunez"), kept when written.
    name_search: Mapped[str | None] = mapped_column(String(320))
    ssn: Mapped[str | None] = mapped_column(EncryptedString(255))
    ssn_data_quality: Mapped[int | None] = mapped_column(Integer)
    dob: Mapped[dt.date | None] = mapped_column(Date)
    dob_data_quality: Mapped[int | None] = mapped_column(Integer)
