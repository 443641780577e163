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
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.db import rowcount
from portal.hmis.models import Organization
from portal.timeutil import utcnow

MIN_PASSWORD_LENGTH = 12
SETUP_LINK_LIFETIME = dt.timedelta(days=3)

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A staff account cannot be created or changed as asked; the message says why."""


class InvalidEmail(AccountError):
    pass


class DuplicateEmail(AccountError):
    pass


class AgencyNeeded(AccountError):
    pass


class UnknownAgency(AccountError):
    pass


class WeakPassword(AccountError):
    pass


class SetupLinkSpent(AccountError):
    """The set-up link was used meanwhile (or its account reset)."""


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


def email_problem(email: str) -> str | None:
    """Why this is not an email address we can use, or None."""
    email = email.strip()
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        return str(_l("Enter an email address like name@agency.org."))
    return None


def email_taken(db: Session, email: str, except_user_id: int | None = None) -> bool:
    """Whether another staff user has this address (in any case)."""
    taken = select(StaffUser.id).where(func.lower(StaffUser.email) == email.strip().lower())
    if except_user_id is not None:
        taken = taken.where(StaffUser.id != except_user_id)
    return db.scalar(taken) is not None


def check_email_free(db: Session, email: str, *, except_user_id: int | None = None) -> str:
    """The email, normalised; raises when it is malformed or another staff user has it."""
    email = email.strip().lower()
    if problem := email_problem(email):
        raise InvalidEmail(problem)
    if email_taken(db, email, except_user_id):
        raise DuplicateEmail(str(_l("A staff user with this email address already exists.")))
    return email


def check_agency(db: Session, role: Role, organization_id: str | None) -> None:
    """Agency roles need a known agency."""
    if role.needs_agency and not organization_id:
        raise AgencyNeeded(str(_l("Choose an agency for agency staff and agency administrators.")))
    if organization_id and db.get(Organization, organization_id) is None:
        raise UnknownAgency(str(_l("We cannot find an agency with that organization ID.")))


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
    email = check_email_free(db, email)
    check_agency(db, role, organization_id)
    if password is not None and (problem := password_problem(password)):
        raise WeakPassword(problem)
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
    """Set the first password and spend the set-up token, once: the same link sent twice at
    once (to two instances, say) finds the token spent the second time, and changes nothing."""
    if problem := password_problem(password):
        raise WeakPassword(problem)
    spent = db.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id, StaffUser.setup_token_hash == user.setup_token_hash)
        .where(StaffUser.setup_token_hash.is_not(None))
        .values(password_hash=hash_password(password), setup_token_hash=None)
        .values(setup_token_expires_at=None)
        .execution_options(synchronize_session="fetch")
    )
    if rowcount(spent) != 1:
        raise SetupLinkSpent
    db.refresh(user)
