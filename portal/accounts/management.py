"""Managing staff accounts (DESIGN.md 2): who manages whom, and what they may do.

An agency data administrator manages the users of their own agency (agency staff and agency
administrators); the HMIS lead and system administrators manage everyone. Nobody disables,
resets or changes the role of their own account: that is another administrator's job.
Recovery is always by an administrator, in person, never by email.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, func, select, true, update
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffSession, StaffUser
from portal.accounts.recovery import forget_recovery_codes
from portal.accounts.services import (
    AccountError,
    check_agency,
    check_email_free,
    create_staff_user,
    issue_setup_token,
)
from portal.audit.services import record
from portal.hmis.models import Organization
from portal.timeutil import utcnow

MANAGER_ROLES = (Role.AGENCY_ADMIN, Role.HMIS_LEAD, Role.SYSTEM_ADMIN)
AGENCY_ROLES = (Role.AGENCY_STAFF, Role.AGENCY_ADMIN)


class NotForYourself(AccountError):
    """Someone tried to disable, reset or change the role or agency of their own account."""


class RoleNotGrantable(AccountError):
    """The viewer may not give this role (an agency administrator and the county roles)."""


@dataclass(frozen=True)
class StaffUserRow:
    user: StaffUser
    agency_name: str | None
    last_sign_in: dt.datetime | None


def manages_everyone(viewer: StaffUser) -> bool:
    return viewer.role in (Role.HMIS_LEAD, Role.SYSTEM_ADMIN)


def grantable_roles(viewer: StaffUser) -> tuple[Role, ...]:
    """The roles this viewer may give, in the order a form lists them."""
    if manages_everyone(viewer):
        return tuple(Role)
    if viewer.role is Role.AGENCY_ADMIN:
        return AGENCY_ROLES
    return ()


def _managed_by(viewer: StaffUser) -> ColumnElement[bool]:
    """The users this viewer manages, as a WHERE clause: the rule lives in the query."""
    if manages_everyone(viewer):
        return true()
    if viewer.role is Role.AGENCY_ADMIN and viewer.organization_id:
        return (StaffUser.organization_id == viewer.organization_id) & StaffUser.role.in_(
            AGENCY_ROLES
        )
    return false()


def managed_user(session: Session, viewer: StaffUser, user_id: int) -> StaffUser | None:
    """The user with this id if the viewer manages them; None otherwise (and for no such user)."""
    return session.scalar(select(StaffUser).where(StaffUser.id == user_id, _managed_by(viewer)))


def managed_users(
    session: Session, viewer: StaffUser, organization_id: str | None = None
) -> list[StaffUserRow]:
    """The users the viewer manages, by name, with their agency's name and last sign-in."""
    last_sign_in = (
        select(StaffSession.staff_user_id, func.max(StaffSession.created_at).label("at"))
        .group_by(StaffSession.staff_user_id)
        .subquery()
    )
    query = (
        select(StaffUser, Organization.name, last_sign_in.c.at)
        .outerjoin(Organization, Organization.organization_id == StaffUser.organization_id)
        .outerjoin(last_sign_in, last_sign_in.c.staff_user_id == StaffUser.id)
        .where(_managed_by(viewer))
        .order_by(func.lower(StaffUser.name), StaffUser.id)
    )
    if organization_id:
        query = query.where(StaffUser.organization_id == organization_id)
    return [StaffUserRow(user, agency, at) for user, agency, at in session.execute(query)]


def last_sign_in(session: Session, user: StaffUser) -> dt.datetime | None:
    return session.scalar(
        select(func.max(StaffSession.created_at)).where(StaffSession.staff_user_id == user.id)
    )


def assignable_agencies(session: Session, viewer: StaffUser) -> list[Organization]:
    """Agencies the viewer may put users in. Victim service providers use a comparable
    database instead of the HMIS, so their staff have no accounts here."""
    query = (
        select(Organization)
        .where(
            Organization.date_deleted.is_(None),
            Organization.victim_service_provider.is_(False),
        )
        .order_by(Organization.name)
    )
    if not manages_everyone(viewer):
        query = query.where(Organization.organization_id == viewer.organization_id)
    return list(session.scalars(query))


def agency_name(session: Session, organization_id: str | None) -> str | None:
    if organization_id is None:
        return None
    found = session.get(Organization, organization_id)
    return found.name if found else organization_id


def _checked_role_and_agency(
    viewer: StaffUser, role: Role, organization_id: str | None
) -> str | None:
    """The agency the new role goes with: an agency administrator's own, none for county roles."""
    if role not in grantable_roles(viewer):
        raise RoleNotGrantable(str(_l("You cannot give this role. Choose another.")))
    if not role.needs_agency:
        return None
    if not manages_everyone(viewer):
        return viewer.organization_id
    return organization_id or None


def end_sessions(session: Session, user: StaffUser, reason: str) -> int:
    """End every live session of this user now: their next request finds them signed out."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.staff_user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def create_managed_user(
    session: Session,
    viewer: StaffUser,
    *,
    email: str,
    name: str,
    role: Role,
    organization_id: str | None,
    secret_key: str,
) -> tuple[StaffUser, str]:
    """Create a user with no password yet, and the token of their one-time set-up link."""
    organization_id = _checked_role_and_agency(viewer, role, organization_id)
    user = create_staff_user(
        session,
        email=email,
        name=name,
        role=role,
        organization_id=organization_id,
        password=None,
    )
    token = issue_setup_token(session, user, secret_key)
    record(session, "staff_user.created", object_type="staff_user", object_id=user.id)
    return user, token


def update_user(
    session: Session,
    viewer: StaffUser,
    user: StaffUser,
    *,
    name: str,
    email: str,
    role: Role,
    organization_id: str | None,
) -> bool:
    """Change name, email, role and agency; True when anything changed.

    A new role or agency ends the user's sessions, so their next sign-in asks for what the new
    role needs (two-step sign-in for the county roles)."""
    if user.id == viewer.id:
        if role is not user.role or organization_id != user.organization_id:
            raise NotForYourself(str(_l("You cannot change your own role or agency.")))
    elif role is not user.role or organization_id != user.organization_id:
        organization_id = _checked_role_and_agency(viewer, role, organization_id)
    email = check_email_free(session, email, except_user_id=user.id)
    check_agency(session, role, organization_id)
    access_changed = role is not user.role or organization_id != user.organization_id
    changed = access_changed or (name.strip(), email) != (user.name, user.email)
    if not changed:
        return False
    user.name, user.email = name.strip(), email
    user.role, user.organization_id = role, organization_id
    if access_changed:
        end_sessions(session, user, "changed")
    session.flush()
    record(session, "staff_user.updated", object_type="staff_user", object_id=user.id)
    return True


def disable_user(session: Session, viewer: StaffUser, user: StaffUser) -> None:
    """The user can no longer sign in; their live session ends at once."""
    if user.id == viewer.id:
        raise NotForYourself(str(_l("You cannot disable your own account.")))
    user.active = False
    # A set-up link handed over earlier must not come back to life when the account does.
    user.setup_token_hash = None
    user.setup_token_expires_at = None
    end_sessions(session, user, "disabled")
    # Claims never get stuck: what they were working on goes back to the unclaimed queue.
    from portal.requests.assignment import release_claims_of

    release_claims_of(session, user)
    session.flush()
    record(session, "staff_user.disabled", object_type="staff_user", object_id=user.id)


def enable_user(session: Session, viewer: StaffUser, user: StaffUser) -> None:
    if user.id == viewer.id:
        raise NotForYourself(str(_l("You cannot enable your own account.")))
    user.active = True
    session.flush()
    record(session, "staff_user.enabled", object_type="staff_user", object_id=user.id)


def unlock_user(session: Session, viewer: StaffUser, user: StaffUser) -> bool:
    """Lift the lock that too many wrong two-step codes put on the account (audited); False
    when it was not locked. The caller forgets the failures counted for the account."""
    if user.id == viewer.id:
        raise NotForYourself(str(_l("You cannot unlock your own account.")))
    if user.locked_at is None:
        return False
    user.locked_at = None
    session.flush()
    record(session, "staff_user.unlocked", object_type="staff_user", object_id=user.id)
    return True


def reset_two_step(session: Session, viewer: StaffUser, user: StaffUser) -> None:
    """A colleague lost their phone: forget their two-step secret and recovery codes and end
    their sessions (audited). Their next sign-in asks them to set up two-step sign-in again
    where their role requires it; otherwise they may turn it on again themselves."""
    if user.id == viewer.id:
        raise NotForYourself(
            str(_l("You cannot reset your own two-step sign-in. Ask another administrator."))
        )
    user.totp_secret = None
    user.totp_last_step = None
    user.locked_at = None
    forget_recovery_codes(session, user)
    end_sessions(session, user, "reset")
    record(session, "staff_user.two_step_reset", object_type="staff_user", object_id=user.id)


def reset_user(session: Session, viewer: StaffUser, user: StaffUser, secret_key: str) -> str:
    """Recovery by an administrator: forget the password and the two-step secret, end the
    user's sessions, and give a new one-time set-up link (its token is returned, once)."""
    if user.id == viewer.id:
        raise NotForYourself(
            str(_l("You cannot reset your own account. Ask another administrator."))
        )
    user.password_hash = None
    user.totp_secret = None
    user.totp_last_step = None
    user.locked_at = None  # they choose a password and enrol again: nothing left to guess
    forget_recovery_codes(session, user)
    end_sessions(session, user, "reset")
    token = issue_setup_token(session, user, secret_key)
    record(session, "staff_user.reset", object_type="staff_user", object_id=user.id)
    return token
