"""What client and staff sessions share: the browser holds a random token, the database its
hash, and a session lapses when idle, too old, or ended."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask_babel import lazy_gettext as _l

LAPSED_MESSAGE = _l(
    "You were signed out, maybe because you did nothing for a while. Sign in again."
)


def new_token() -> tuple[str, str]:
    """(token for the browser's signed cookie, hash for the database)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lapse_reason(
    now: dt.datetime,
    created_at: dt.datetime,
    last_seen_at: dt.datetime,
    idle: dt.timedelta,
    absolute: dt.timedelta,
) -> str | None:
    """Why a live session must end now, or None while it may go on."""
    if now - last_seen_at > idle:
        return "idle"
    if now - created_at > absolute:
        return "absolute"
    return None
