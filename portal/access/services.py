"""Issuing, revoking and checking client access codes.

A code is 80 random bits written as 16 Crockford base32 characters in four groups
(e.g. `7KQM-2XD9-H4TB-0RWE`): no I, L, O or U, so nothing looks like anything else, and what a
person types back is forgiven (case, spaces, dashes, O for 0, I or L for 1).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.access.models import AccessCode
from portal.hmis.models import Client
from portal.timeutil import utcnow

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
CODE_LENGTH = 16  # 16 x 5 bits = 80 bits
GROUP = 4
DEFAULT_LIFETIME = dt.timedelta(days=180)
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


class UnknownClient(LookupError):
    """No live client has that HMIS personal id."""


def normalize_code(typed: str) -> str:
    """The canonical form of what a person typed or pasted."""
    kept = "".join(ch for ch in typed.upper() if ch.isalnum())
    return kept.translate(_LOOK_ALIKES)


def format_code(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def code_hash(secret_key: str, code: str) -> str:
    """Keyed hash of the canonical code: a database copy alone cannot be used to sign in."""
    key = hmac.new(secret_key.encode(), b"portal access codes", hashlib.sha256).digest()
    return hmac.new(key, normalize_code(code).encode(), hashlib.sha256).hexdigest()


def issue_access_code(
    session: Session,
    personal_id: str,
    secret_key: str,
    *,
    issued_by_id: int | None = None,
    lifetime: dt.timedelta = DEFAULT_LIFETIME,
) -> str:
    """Issue a new code for a client, revoking any live one; returns it formatted, once."""
    client = session.get(Client, personal_id)
    if client is None or client.date_deleted is not None:
        raise UnknownClient(personal_id)
    now = utcnow()
    session.execute(
        update(AccessCode)
        .where(AccessCode.personal_id == personal_id, AccessCode.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    session.add(
        AccessCode(
            personal_id=personal_id,
            code_hash=code_hash(secret_key, code),
            issued_at=now,
            expires_at=now + lifetime,
            issued_by_id=issued_by_id,
        )
    )
    session.flush()
    return format_code(code)


def live_code_for(session: Session, typed: str, secret_key: str) -> AccessCode | None:
    """The live (not revoked, not expired) code matching what was typed, if any."""
    found = session.scalar(
        select(AccessCode).where(AccessCode.code_hash == code_hash(secret_key, typed))
    )
    if found is None or found.revoked_at is not None or found.expires_at <= utcnow():
        return None
    return found
