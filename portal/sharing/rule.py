"""The sharing rule (DESIGN.md 3): the one place that decides what a staff user may see.

A staff user at agency A may see item X of client C when
1. the user is the HMIS lead or a system administrator, or
2. X was created by agency A, or
3. X was created while C was sharing: no refusal covering C was in force when X was created
   (a refusal is in force from its signing until a later restore is signed).

Items are the client's identifying data as it stood at some time (IdentityVersion), enrollments
and exits. Every staff page that shows client data asks this module; nothing reads client data
around it. Answers are computed from the database on every call: a refusal takes effect on the
very next request.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, load_only, selectinload

from portal.accounts.models import Role, StaffUser
from portal.db import in_chunks
from portal.hmis.models import Client, Enrollment, Exit, IdentityVersion, Project
from portal.sharing.models import SharingChange


@dataclass(frozen=True)
class Viewer:
    role: Role
    agency_id: str | None

    @classmethod
    def of(cls, user: StaffUser) -> Viewer:
        return cls(user.role, user.organization_id)

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.HMIS_LEAD, Role.SYSTEM_ADMIN)


@dataclass(frozen=True)
class SharingHistory:
    """When a client's refusals were in force: (start, end) periods, end None while in force."""

    periods: tuple[tuple[dt.datetime, dt.datetime | None], ...] = ()

    @property
    def ever_refused(self) -> bool:
        return bool(self.periods)

    def refused_at(self, at: dt.datetime) -> bool:
        starts = [start for start, _end in self.periods]
        index = bisect.bisect_right(starts, at) - 1
        if index < 0:
            return False
        end = self.periods[index][1]
        return end is None or at < end

    @property
    def refused_now(self) -> bool:
        return bool(self.periods) and self.periods[-1][1] is None

    @property
    def refusal_started(self) -> dt.datetime | None:
        """When the refusal now in force took effect."""
        return self.periods[-1][0] if self.refused_now else None


def _periods(changes: Iterable[SharingChange]) -> SharingHistory:
    periods: list[tuple[dt.datetime, dt.datetime | None]] = []
    for change in changes:
        in_force = bool(periods) and periods[-1][1] is None
        if change.refused and not in_force:
            periods.append((change.effective_at, None))
        elif not change.refused and in_force:
            periods[-1] = (periods[-1][0], change.effective_at)
    return SharingHistory(tuple(periods))


def sharing_histories(session: Session, personal_ids: Iterable[str]) -> dict[str, SharingHistory]:
    ids = list(dict.fromkeys(personal_ids))
    by_person: dict[str, list[SharingChange]] = {pid: [] for pid in ids}
    for chunk in in_chunks(ids):
        for change in session.scalars(
            select(SharingChange)
            .where(SharingChange.personal_id.in_(chunk))
            .order_by(SharingChange.effective_at, SharingChange.id)
        ):
            by_person[change.personal_id].append(change)
    return {pid: _periods(changes) for pid, changes in by_person.items()}


def sharing_history(session: Session, personal_id: str) -> SharingHistory:
    return sharing_histories(session, [personal_id])[personal_id]


def may_see(
    viewer: Viewer,
    history: SharingHistory,
    created_by: str | None,
    created_at: dt.datetime | None,
) -> bool:
    """The rule itself, for one item."""
    if viewer.sees_everything:
        return True
    if created_by is not None and created_by == viewer.agency_id:
        return True
    if created_at is None:
        # The export did not say when: shared only if the client never refused.
        return not history.ever_refused
    return not history.refused_at(created_at)


def enrollment_agency(enrollment: Enrollment) -> str:
    return enrollment.project.organization_id


def _created(item: Enrollment | Exit) -> dt.datetime | None:
    return item.date_created or item.date_updated


@dataclass
class VisibleEnrollment:
    enrollment: Enrollment
    exit: Exit | None  # None when there is no exit or the viewer may not see it


@dataclass
class VisibleRecord:
    """What one staff user may see of one client, now."""

    client: Client
    history: SharingHistory
    # The newest identifying data the viewer may see; None if none.
    identity: IdentityVersion | None
    # False when identifying data changed after a refusal: the viewer sees it as it stood then.
    identity_is_current: bool
    enrollments: list[VisibleEnrollment] = field(default_factory=list)

    @property
    def demographics_visible(self) -> bool:
        """Demographics are recorded with the identifying data and shared as it is."""
        return self.identity is not None and self.identity_is_current


# What a list of clients shows of each version: enough to apply the rule and print a name.
NAME_COLUMNS = (
    IdentityVersion.id,
    IdentityVersion.personal_id,
    IdentityVersion.valid_from,
    IdentityVersion.agency_id,
    IdentityVersion.first_name,
    IdentityVersion.last_name,
)


def identity_versions_of(
    session: Session, personal_ids: list[str], *, names_only: bool = False
) -> dict[str, list[IdentityVersion]]:
    """Each client's identifying-data versions, oldest first. names_only: without the SSN
    and date of birth (they are not even decrypted), for lists that show a name."""
    versions: dict[str, list[IdentityVersion]] = {pid: [] for pid in personal_ids}
    for chunk in in_chunks(personal_ids):
        statement = (
            select(IdentityVersion)
            .where(IdentityVersion.personal_id.in_(chunk))
            .order_by(IdentityVersion.valid_from, IdentityVersion.id)
        )
        if names_only:
            statement = statement.options(load_only(*NAME_COLUMNS))
        for version in session.scalars(statement):
            versions[version.personal_id].append(version)
    return versions


def visible_identity(
    viewer: Viewer, history: SharingHistory, versions: list[IdentityVersion]
) -> IdentityVersion | None:
    for version in reversed(versions):
        if may_see(viewer, history, version.agency_id, version.valid_from):
            return version
    return None


def own_agency_client(viewer: Viewer) -> Select[tuple[str]]:
    """Personal ids of clients with a live enrollment at the viewer's agency."""
    return (
        select(Enrollment.personal_id)
        .join(Project, Project.project_id == Enrollment.project_id)
        .where(
            Project.organization_id == viewer.agency_id,
            Enrollment.date_deleted.is_(None),
        )
    )


def is_own_agency_client(session: Session, viewer: Viewer, personal_id: str) -> bool:
    if viewer.sees_everything:
        return True
    return bool(
        session.scalar(
            select(exists(own_agency_client(viewer).where(Enrollment.personal_id == personal_id)))
        )
    )


def visible_record(session: Session, viewer: Viewer, personal_id: str) -> VisibleRecord | None:
    """The client's record as this viewer may see it, or None if they may see nothing of it."""
    client = session.get(Client, personal_id)
    if client is None or client.date_deleted is not None:
        return None
    history = sharing_history(session, personal_id)
    versions = identity_versions_of(session, [personal_id])[personal_id]
    identity = visible_identity(viewer, history, versions)
    enrollments = session.scalars(
        select(Enrollment)
        .where(Enrollment.personal_id == personal_id, Enrollment.date_deleted.is_(None))
        .options(selectinload(Enrollment.project), selectinload(Enrollment.exit))
        .order_by(Enrollment.entry_date.desc())
    )
    shown = []
    for enrollment in enrollments:
        agency = enrollment_agency(enrollment)
        if not may_see(viewer, history, agency, _created(enrollment)):
            continue
        exit_ = enrollment.exit
        if exit_ is not None and (
            exit_.date_deleted is not None or not may_see(viewer, history, agency, _created(exit_))
        ):
            exit_ = None
        shown.append(VisibleEnrollment(enrollment, exit_))
    if identity is None and not shown:
        return None
    return VisibleRecord(
        client=client,
        history=history,
        identity=identity,
        identity_is_current=bool(versions) and identity is versions[-1],
        enrollments=shown,
    )
