"""Staff accounts: creating users, password rules, one-time set-up links."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import string
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.hmis.models import Organization
from portal.timeutil import utcnow

MIN_PASSWORD_LENGTH = 12
SETUP_LINK_LIFETIME = dt.timedelta(days=3)

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A staff account cannot be created or changed as asked; the message says why."""


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("portal.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line and not line.startswith("#")
    )


def minimum_length_rule() -> str:
    return ngettext(
        "Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_PASSWORD_LENGTH
    )


def password_problem(password: str) -> str | None:
    """Why this password is refused, in words for the person choosing it; None when it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return minimum_length_rule()
    lowered = password.lower()
    # A common password with digits or symbols stuck on the end is still a common password.
    stem = lowered.rstrip(string.digits + string.punctuation + " ")
    common = _common_passwords()
    if lowered in common or stem in common or len(set(lowered)) < 4:
        return str(_l("This password is too common or too easy to guess. Choose another."))
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):  # a mismatch or a damaged hash: both mean no
        return False


def _token_hash(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def create_staff_user(
    db: Session,
    *,
    email: str,
    name: str,
    role: Role,
    organization_id: str | None,
    password: str | None,
) -> StaffUser:
    """Create a staff user; without a password the account waits for its set-up link."""
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise AccountError(str(_l("Enter an email address like name@agency.org.")))
    if db.scalar(select(StaffUser.id).where(func.lower(StaffUser.email) == email)):
        raise AccountError(str(_l("A staff user with this email address already exists.")))
    if role.needs_agency and not organization_id:
        raise AccountError(str(_l("Choose an agency for agency staff and agency administrators.")))
    if organization_id and db.get(Organization, organization_id) is None:
        raise AccountError(str(_l("We cannot find an agency with that organization ID.")))
    if password is not None and (problem := password_problem(password)):
        raise AccountError(problem)
    user = StaffUser(
        email=email,
        name=name.strip(),
        role=role,
        organization_id=organization_id,
        password_hash=hash_password(password) if password is not None else None,
        active=True,
        created_at=utcnow(),
    )
    db.add(user)
    db.flush()
    return user


def issue_setup_token(db: Session, user: StaffUser, secret_key: str) -> str:
    """A one-time token for the set-up link; only its keyed hash is stored."""
    token = secrets.token_urlsafe(32)
    user.setup_token_hash = _token_hash(secret_key, token)
    user.setup_token_expires_at = utcnow() + SETUP_LINK_LIFETIME
    db.flush()
    return token


def user_for_setup_token(db: Session, token: str, secret_key: str) -> StaffUser | None:
    user = db.scalar(
        select(StaffUser).where(StaffUser.setup_token_hash == _token_hash(secret_key, token))
    )
    if user is None or user.setup_token_expires_at is None:
        return None
    if user.setup_token_expires_at < utcnow() or not user.active:
        return None
    return user


def set_password_from_setup(db: Session, user: StaffUser, password: str) -> None:
    """Set the first password and spend the set-up token."""
    if problem := password_problem(password):
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.setup_token_hash = None
    user.setup_token_expires_at = None
    db.flush()
