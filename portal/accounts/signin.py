"""Staff sign-in: password, then TOTP where required or enrolled; one live session per user."""

from __future__ import annotations

import datetime as dt
import time
from functools import cache

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import StaffSession, StaffUser
from portal.accounts.services import hash_password, verify_password
from portal.sessions import Resumed, new_token, resume
from portal.timeutil import utcnow

STAFF_IDLE = dt.timedelta(minutes=15)
STAFF_ABSOLUTE = dt.timedelta(hours=12)
TOTP_ISSUER = "HMIS Client Privacy Portal"


@cache
def _stand_in_hash() -> str:
    """A real hash to check the password against when the account does not exist, so the
    answer takes as long as for a real account. Made on first use, by the hasher in use."""
    return hash_password("no such account, only for timing")


class StaffSignInRefused(Exception):
    """Wrong email, wrong password, or a disabled account: deliberately the same."""


def check_password(session: Session, email: str, password: str) -> StaffUser:
    user = session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    )
    password_ok = verify_password(
        user.password_hash if user and user.password_hash else _stand_in_hash(), password
    )
    if user is None or not user.active or user.password_hash is None or not password_ok:
        raise StaffSignInRefused
    return user


def needs_totp(user: StaffUser) -> bool:
    return user.role.needs_two_step or user.totp_secret is not None


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: StaffUser, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def verify_totp(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step the code belongs to (now, or one step either side), unless already used."""
    code = "".join(ch for ch in code if ch.isdigit())
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // totp.interval
    for step in (now_step, now_step - 1, now_step + 1):
        if last_step is not None and step <= last_step:
            continue
        if len(code) == totp.digits and totp.at(step * totp.interval) == code:
            return step
    return None


def enroll_totp(session: Session, user: StaffUser, secret: str, code: str) -> bool:
    step = verify_totp(secret, code, None)
    if step is None:
        return False
    user.totp_secret, user.totp_last_step = secret, step
    session.flush()
    return True


def confirm_totp(session: Session, user: StaffUser, code: str) -> bool:
    # Hold the user's row until commit: the same code sent twice at once (to two instances,
    # say) must find the step the first one used, or it could be replayed.
    session.refresh(user, with_for_update=True)
    if user.totp_secret is None:
        return False
    step = verify_totp(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    session.flush()
    return True


def lock_account(session: Session, user: StaffUser) -> None:
    """Too many wrong two-step codes: no sign-in until an administrator lifts the lock."""
    from portal.audit.services import record

    user.locked_at = utcnow()
    session.flush()
    record(session, "staff_user.locked", object_type="staff_user", object_id=user.id)


def start_staff_session(session: Session, user: StaffUser) -> str:
    """Open a session, ending any other live session of this user (one at a time)."""
    now = utcnow()
    session.execute(
        update(StaffSession)
        .where(StaffSession.staff_user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason="replaced")
    )
    token, hashed = new_token()
    session.add(
        StaffSession(token_hash=hashed, staff_user_id=user.id, created_at=now, last_seen_at=now)
    )
    session.flush()
    return token


def resume_staff_session(
    session: Session, token: str, seen: dt.datetime | None = None
) -> Resumed[StaffSession]:
    """The live session for a browser's token; a disabled account ends it."""

    def disabled(found: StaffSession) -> str | None:
        user = session.get(StaffUser, found.staff_user_id)
        return None if user is not None and user.active else "disabled"

    return resume(
        session,
        StaffSession,
        token,
        idle=lambda _found: STAFF_IDLE,
        absolute=STAFF_ABSOLUTE,
        revoked=disabled,
        seen=seen,
    )
