"""The End User Policy and Code of Ethics: staff accept the version in force before they use the
portal, and again whenever a newer version is published (DESIGN.md 2).

Its versions are notice versions of their own kind, so publishing, languages and history work
the same as for the privacy notice.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import PolicyAcceptance, StaffUser
from portal.audit.services import record
from portal.notice.models import NoticeVersion
from portal.notice.published import PublishedVersion
from portal.timeutil import utcnow

POLICY = "end_user_policy"
DEMO_POLICY = Path(__file__).parent / "policy_demo"


def current_policy(session: Session) -> PublishedVersion | None:
    """The published version in force, or None where no policy is published.

    Asked on every staff request: kept per process until a publication (notice/published.py)."""
    from portal.notice.services import current_published

    return current_published(session, POLICY)


def latest_acceptance(session: Session, user: StaffUser) -> PolicyAcceptance | None:
    """This user's acceptance of the newest version they accepted."""
    return session.scalars(
        select(PolicyAcceptance)
        .join(NoticeVersion, NoticeVersion.id == PolicyAcceptance.version_id)
        .where(PolicyAcceptance.staff_user_id == user.id, NoticeVersion.kind == POLICY)
        .order_by(NoticeVersion.number.desc())
        .limit(1)
    ).first()


def policy_to_accept(session: Session, user: StaffUser) -> PublishedVersion | None:
    """The current version, if this user has not accepted it (or a newer one) yet."""
    current = current_policy(session)
    if current is None:
        return None
    accepted = session.scalar(
        select(PolicyAcceptance.id)
        .join(NoticeVersion, NoticeVersion.id == PolicyAcceptance.version_id)
        .where(
            PolicyAcceptance.staff_user_id == user.id,
            NoticeVersion.kind == POLICY,
            NoticeVersion.number >= current.number,
        )
        .limit(1)
    )
    return None if accepted else current


def accept(
    session: Session, user: StaffUser, version: NoticeVersion | PublishedVersion
) -> PolicyAcceptance:
    """Record and audit that the user accepted this version (a second click changes nothing)."""
    if version.kind != POLICY:
        raise ValueError(f"not a policy version: {version.kind!r}")
    found = session.scalar(
        select(PolicyAcceptance).where(
            PolicyAcceptance.staff_user_id == user.id, PolicyAcceptance.version_id == version.id
        )
    )
    if found is not None:
        return found
    acceptance = PolicyAcceptance(
        staff_user_id=user.id, version_id=version.id, accepted_at=utcnow()
    )
    session.add(acceptance)
    session.flush()
    record(session, "policy.accepted", object_type="staff_user", object_id=user.id)
    return acceptance
