"""One-time recovery codes for two-step sign-in (for a lost or broken phone).

Enrolling gives 10 codes, shown once (and downloadable as text); only their keyed hashes are
kept. Each signs in once, in place of the code from the app. New codes replace the old set.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import RecoveryCode, StaffUser
from portal.db import rowcount
from portal.timeutil import utcnow

COUNT = 10
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: nothing looks like anything else
LENGTH = 10  # 50 bits each
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def _normalize(typed: str) -> str:
    return "".join(ch for ch in typed.upper() if ch.isalnum()).translate(_LOOK_ALIKES)


def _hash(secret_key: str, code: str) -> str:
    key = hmac.new(secret_key.encode(), b"staff recovery codes", hashlib.sha256).digest()
    return hmac.new(key, _normalize(code).encode(), hashlib.sha256).hexdigest()


def issue_recovery_codes(session: Session, user: StaffUser, secret_key: str) -> list[str]:
    """A new set of codes for this user (the old set stops working); returned once."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.staff_user_id == user.id))
    codes = []
    now = utcnow()
    for _ in range(COUNT):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        session.add(
            RecoveryCode(staff_user_id=user.id, code_hash=_hash(secret_key, raw), created_at=now)
        )
    session.flush()
    return codes


def use_recovery_code(session: Session, user: StaffUser, typed: str, secret_key: str) -> bool:
    """Spend one of the user's codes, once: the same code sent twice at once (to two
    instances, say) finds it spent the second time."""
    spent = session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.staff_user_id == user.id,
            RecoveryCode.code_hash == _hash(secret_key, typed),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    session.flush()
    return rowcount(spent) == 1


def codes_left(session: Session, user: StaffUser) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.staff_user_id == user.id, RecoveryCode.used_at.is_(None))
        )
        or 0
    )


def forget_recovery_codes(session: Session, user: StaffUser) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.staff_user_id == user.id))
    session.flush()
