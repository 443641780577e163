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

from portal.access.models import AccessCode, ClientSession, HandOff
from portal.accounts.models import Role, StaffUser
from portal.db import rowcount
from portal.hmis.models import Client, IdentityVersion
from portal.sessions import Resumed, new_token, resume, token_hash
from portal.sharing.rule import Viewer, is_own_agency_client, visible_record
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


def live_code_of(session: Session, personal_id: str) -> AccessCode | None:
    """The client's working code (not revoked, not expired), if they have one."""
    return session.scalars(
        select(AccessCode)
        .where(
            AccessCode.personal_id == personal_id,
            AccessCode.revoked_at.is_(None),
            AccessCode.expires_at > utcnow(),
        )
        .order_by(AccessCode.issued_at.desc())
        .limit(1)
    ).first()


def client_for_staff(session: Session, user: StaffUser, personal_id: str) -> IdentityVersion | None:
    """The client's identifying data, if this staff user may act for them in person (issue a
    code, record that they read the notice): the HMIS lead for anyone, agency staff for clients
    enrolled at their agency (the people they serve in person), as the sharing rule shows them."""
    if user.role not in (Role.HMIS_LEAD, Role.AGENCY_STAFF, Role.AGENCY_ADMIN):
        return None
    viewer = Viewer.of(user)
    personal_id = personal_id.strip()
    if not is_own_agency_client(session, viewer, personal_id):
        return None
    seen = visible_record(session, viewer, personal_id)
    return seen.identity if seen else None


def revoke_codes(session: Session, personal_id: str) -> int:
    """Revoke every live code of a client; their open sessions end on their next request."""
    result = session.execute(
        update(AccessCode)
        .where(AccessCode.personal_id == personal_id, AccessCode.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    session.flush()
    return rowcount(result) or 0


def code_holder(session: Session, typed: str, secret_key: str) -> str | None:
    """The client whose code (live or not) this is, for counting failures per client."""
    return session.scalar(
        select(AccessCode.personal_id).where(AccessCode.code_hash == code_hash(secret_key, typed))
    )


def hold_key(personal_id: str) -> str:
    """The key failures on a known code are counted under (one per client)."""
    return f"client:{personal_id}"


def live_code_for(session: Session, typed: str, secret_key: str) -> AccessCode | None:
    """The live (not revoked, not expired) code matching what was typed, if any."""
    found = session.scalar(
        select(AccessCode).where(AccessCode.code_hash == code_hash(secret_key, typed))
    )
    if found is None or found.revoked_at is not None or found.expires_at <= utcnow():
        return None
    return found


# ---------------------------------------------------------------- sign-in and sessions

KIOSK_IDLE = dt.timedelta(minutes=2, seconds=60)  # 2 minutes, then 60 seconds of warning
PERSONAL_IDLE = dt.timedelta(minutes=15)
ABSOLUTE_LIMIT = dt.timedelta(hours=2)
_NO_DOB = "no date of birth"


class SignInRefused(Exception):
    """The code and date of birth do not open a record. Deliberately says nothing more."""


def sign_in(
    session: Session, typed_code: str, dob: dt.date, secret_key: str, device: str
) -> tuple[ClientSession, str]:
    """Open a session for the client whose live code and date of birth these are.

    Every failure (unknown, revoked or expired code, wrong date of birth) takes the same steps
    and raises the same SignInRefused, so neither the answer nor its timing tells them apart.
    """
    code = session.scalar(
        select(AccessCode).where(AccessCode.code_hash == code_hash(secret_key, typed_code))
    )
    # Only the two columns the check needs, by the same query whether or not the code exists:
    # loading the whole client (and decrypting its SSN) would make a known code slower.
    client = session.execute(
        select(Client.dob, Client.date_deleted).where(
            Client.personal_id == (code.personal_id if code else "")
        )
    ).first()
    recorded = client.dob.isoformat() if client and client.dob else _NO_DOB
    dob_matches = hmac.compare_digest(recorded, dob.isoformat())
    now = utcnow()
    code_live = code is not None and code.revoked_at is None and code.expires_at > now
    client_live = client is not None and client.date_deleted is None
    if code is None or not (code_live and client_live and dob_matches):
        raise SignInRefused
    return _open_client_session(session, code.personal_id, code.id, device)


def _open_client_session(
    session: Session, personal_id: str, access_code_id: int, device: str
) -> tuple[ClientSession, str]:
    token, hashed = new_token()
    now = utcnow()
    opened = ClientSession(
        token_hash=hashed,
        personal_id=personal_id,
        access_code_id=access_code_id,
        device=device,
        created_at=now,
        last_seen_at=now,
    )
    session.add(opened)
    session.flush()
    return opened, token


def idle_limit(device: str) -> dt.timedelta:
    return KIOSK_IDLE if device == "kiosk" else PERSONAL_IDLE


def resume_session(
    session: Session, token: str, seen: dt.datetime | None = None
) -> Resumed[ClientSession]:
    """The live session for a browser's token; a revoked or expired code ends it."""

    def code_revoked(found: ClientSession) -> str | None:
        code = session.get(AccessCode, found.access_code_id)
        live = code is not None and code.revoked_at is None and code.expires_at > utcnow()
        return None if live else "code_revoked"

    return resume(
        session,
        ClientSession,
        token,
        idle=lambda found: idle_limit(found.device),
        absolute=ABSOLUTE_LIMIT,
        revoked=code_revoked,
        seen=seen,
    )


# ---------------------------------------------------------------- hand-off to a phone

HAND_OFF_LIFETIME = dt.timedelta(minutes=10)
HAND_OFF_TRIES = 3


class HandOffRefused(Exception):
    """The link is unknown, used, expired or spent, or the date of birth is wrong."""


HAND_OFF_LENGTH = 10  # 50 bits: short enough to type, for 10 minutes and 3 tries


def _hand_off_hash(token: str) -> str:
    """The token as stored: typed back in any case, with or without the dash, it matches."""
    return token_hash(normalize_code(token))


def create_hand_off(session: Session, client_session: ClientSession) -> str:
    """A single-use token that opens this client's record on another device, short enough to
    type (`7KQM2-XD9H4`) for a phone without a camera."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(HAND_OFF_LENGTH))
    token, hashed = f"{raw[:5]}-{raw[5:]}", _hand_off_hash(raw)
    now = utcnow()
    session.add(
        HandOff(
            token_hash=hashed,
            personal_id=client_session.personal_id,
            access_code_id=client_session.access_code_id,
            created_at=now,
            expires_at=now + HAND_OFF_LIFETIME,
            failures=0,
        )
    )
    session.flush()
    return token


def live_hand_off(session: Session, token: str, *, lock: bool = False) -> HandOff | None:
    """The link's row while it may still be used. lock: hold the row until commit, so the same
    link sent twice at once (to two instances, say) is used once and its tries are all counted."""
    statement = select(HandOff).where(HandOff.token_hash == _hand_off_hash(token))
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(statement)
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return None
    return None if found.failures >= HAND_OFF_TRIES else found


def redeem_hand_off(session: Session, token: str, dob: dt.date) -> tuple[ClientSession, str]:
    """Open a personal-device session if the date of birth is right; spend the link either way
    after three wrong tries. The caller commits in both cases (failures must be counted)."""
    hand_off = live_hand_off(session, token, lock=True)
    if hand_off is None:
        raise HandOffRefused
    client = session.get(Client, hand_off.personal_id)
    recorded = client.dob.isoformat() if client and client.dob else _NO_DOB
    if not hmac.compare_digest(recorded, dob.isoformat()):
        hand_off.failures += 1
        session.flush()
        raise HandOffRefused
    hand_off.used_at = utcnow()
    return _open_client_session(session, hand_off.personal_id, hand_off.access_code_id, "personal")
