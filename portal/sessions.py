"""What client and staff sessions share: the browser holds a random token, the database its
hash, and a session lapses when idle, too old, or ended."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import session
from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.wrappers import Response

from portal.timeutil import utcnow

LAPSED_MESSAGE = _l(
    "You were signed out, maybe because you did nothing for a while. Sign in again."
)
REPLACED_MESSAGE = _l("You were signed out because you signed in on another device.")


def lapsed_message(reason: str | None) -> str:
    """What a person whose session ended is told on the next page."""
    return str(REPLACED_MESSAGE if reason == "replaced" else LAPSED_MESSAGE)


_R = TypeVar("_R", bound=Response)


def forget_in_browser(response: _R) -> _R:
    """After sign-out: ask the browser to drop its cache and storage of this site. Not
    "cookies": that would also remove a kiosk's registration."""
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def start_over_in_browser() -> None:
    """Forget everything this browser's cookie session holds: the next page starts afresh."""
    session.clear()


def keep_in_browser(key: str, value: str) -> None:
    """Keep value in this browser's cookie session under key, for a later page of the same
    person (Post/Redirect/Get, codes shown once)."""
    session[key] = value


def forget_kept(key: str) -> None:
    """Drop what keep_in_browser kept under key (nothing happens when there is none)."""
    session.pop(key, None)


def new_token() -> tuple[str, str]:
    """(token for the browser's signed cookie, hash for the database)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


WARNING_SECONDS = 60


def idle_policy(*, signed_in: bool, kiosk: bool, staff: bool) -> dict[str, object] | None:
    """The browser's idle timer (WCAG 2.2.1): warn this many seconds after the last activity,
    then give WARNING_SECONDS to continue before finishing. None: no timer on this page.

    The server's own limits are these totals, so without JavaScript nothing lasts longer."""
    if kiosk:  # 2 minutes, then 60 seconds, signed in or not: the next person must start clean
        return {"warn_after": 120, "countdown": WARNING_SECONDS}
    if signed_in or staff:  # 15 minutes in all: the warning comes one minute before
        return {"warn_after": 15 * 60 - WARNING_SECONDS, "countdown": WARNING_SECONDS}
    return None


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


class SessionRecord:
    """Columns and ending of a server-side session row (mixed into client and staff sessions)."""

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(20))

    def end(self, reason: str) -> None:
        self.ended_at = utcnow()
        self.ended_reason = reason


Record = TypeVar("Record", bound=SessionRecord)

# A live session's last_seen_at is written at most once a minute (issue 22): reading a page
# commits nothing. Counted from that row alone, the idle limit would end a session up to a
# minute early (a kiosk client pressing "I'm still here" late in the countdown would be
# signed out), so the browser also carries the time of its last request in its signed session
# cookie, rewritten at most every BROWSER_STAMP_EVERY seconds, and the idle limit counts from
# the later of the two. The stamp is signed, so it cannot be moved forward by hand; an old
# cookie replayed only carries an older stamp.
TOUCH_EVERY = dt.timedelta(minutes=1)
BROWSER_STAMP_EVERY = 5  # seconds


def seen_in_browser(key: str) -> dt.datetime | None:
    """When this browser last made a request in the session named by key, from its cookie."""
    stamp = session.get(key)
    if not isinstance(stamp, int):
        return None
    return dt.datetime.fromtimestamp(stamp, dt.UTC).replace(tzinfo=None)


def note_seen_in_browser(key: str, now: dt.datetime) -> None:
    """Stamp this request's time in the browser's cookie, unless the stamp is only seconds old."""
    stamp = int(now.replace(tzinfo=dt.UTC).timestamp())
    earlier = session.get(key)
    if not isinstance(earlier, int) or stamp - earlier >= BROWSER_STAMP_EVERY:
        session[key] = stamp


@dataclass(frozen=True)
class Resumed(Generic[Record]):
    """What resuming a browser's token found: the live session, or why there is none
    (None: no such session at all), and whether the row changed (to be committed)."""

    record: Record | None
    reason: str | None = None
    changed: bool = False


def resume(
    db: Session,
    model: type[Record],
    token: str,
    *,
    idle: Callable[[Record], dt.timedelta],
    absolute: dt.timedelta,
    revoked: Callable[[Record], str | None],
    seen: dt.datetime | None = None,
) -> Resumed[Record]:
    """The live session for a browser's token, touched when its stamp is a minute old; ended
    once it lapsed.

    revoked names a reason the session may no longer go on (its code was revoked, its user
    disabled), or None. seen is the browser's own stamp of its last request (seen_in_browser)."""
    found = db.scalar(select(model).where(model.token_hash == token_hash(token)))
    if found is None:
        return Resumed(None)
    if found.ended_at is not None:
        return Resumed(None, found.ended_reason)
    now = utcnow()
    last_seen = max(found.last_seen_at, min(seen, now)) if seen else found.last_seen_at
    reason = revoked(found) or lapse_reason(now, found.created_at, last_seen, idle(found), absolute)
    if reason is None:
        if now - found.last_seen_at < TOUCH_EVERY:
            return Resumed(found)
        found.last_seen_at = now
        db.flush()
        return Resumed(found, changed=True)
    found.end(reason)
    db.flush()
    return Resumed(None, reason, changed=True)
