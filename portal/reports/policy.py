"""Who accepted the End User Policy and Code of Ethics in force, by agency (issue 20, item 9).

Active staff users only; the HMIS lead sees every agency (county staff under "County"), an
agency data administrator their own agency."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import PolicyAcceptance, Role, StaffUser
from portal.accounts.policy import POLICY, current_policy
from portal.hmis.models import Organization
from portal.notice.models import NoticeVersion
from portal.notice.published import PublishedVersion


@dataclass
class AgencyAcceptance:
    agency_id: str | None  # None: county staff (HMIS lead, system administrators)
    agency_name: str | None
    accepted: int = 0
    not_accepted: list[StaffUser] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.accepted + len(self.not_accepted)

    @property
    def share(self) -> float:
        return self.accepted / self.total if self.total else 0.0


@dataclass
class PolicyAcceptanceReport:
    version: NoticeVersion | PublishedVersion | None
    agencies: list[AgencyAcceptance]

    @property
    def accepted(self) -> int:
        return sum(agency.accepted for agency in self.agencies)

    @property
    def total(self) -> int:
        return sum(agency.total for agency in self.agencies)


def policy_acceptance(session: Session, viewer: StaffUser) -> PolicyAcceptanceReport:
    """Per agency: how many active staff accepted the policy in force, and who has not."""
    version = current_policy(session)
    users = select(StaffUser).where(StaffUser.active.is_(True))
    if viewer.role is not Role.HMIS_LEAD:
        users = users.where(StaffUser.organization_id == viewer.organization_id)
    staff = list(session.scalars(users.order_by(StaffUser.name, StaffUser.id)))
    accepted_ids: set[int] = set()
    if version is not None:
        accepted_ids = set(
            session.scalars(
                select(PolicyAcceptance.staff_user_id)
                .join(NoticeVersion, NoticeVersion.id == PolicyAcceptance.version_id)
                .where(NoticeVersion.kind == POLICY, NoticeVersion.number >= version.number)
            )
        )
    names = dict(
        session.execute(select(Organization.organization_id, Organization.name)).tuples().all()
    )
    by_agency: dict[str | None, AgencyAcceptance] = {}
    for user in staff:
        agency = by_agency.setdefault(
            user.organization_id,
            AgencyAcceptance(user.organization_id, names.get(user.organization_id or "")),
        )
        if user.id in accepted_ids:
            agency.accepted += 1
        else:
            agency.not_accepted.append(user)
    ordered = sorted(
        by_agency.values(), key=lambda a: (a.agency_id is None, a.agency_name or "", a.agency_id)
    )
    return PolicyAcceptanceReport(version, ordered)
