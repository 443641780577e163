"""Published versions kept in each process, and the public notice page rendered once.

A published version never changes (a correction is a new version), so a copy of it can be kept
for as long as the process lives. What does change is which version is in force: when one is
published, and when a published version's effective date comes. So each process keeps the
current version per (kind, day), and drops that whenever

- this process publishes (after the commit: see mark_published), or
- the publication stamp (how many versions are published, the newest id and time) differs from
  the one it loaded with. Other processes learn of a publication this way: one small query at
  most every `NOTICE_RECHECK_SECONDS` (2 s; 0 in tests: every time).

The public notice page for a visitor who is not signed in is the same bytes for everyone who
reads the same version in the same language: it is rendered once per (page, language, version)
and served from memory with an ETag, a Last-Modified and a public cache lifetime. The whole
response (status, headers, bytes) is kept as well, for the fast path in front of Flask
(portal/notice/fast_path.py): it answers from it until this process's next check of the
publication stamp is due (or the day ends), and forgets it with everything else above.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, selectinload

from portal.notice.models import NoticeVersion
from portal.timeutil import utcnow

RECHECK_SECONDS = 2.0
PAGES_KEPT = 64  # (page, language, version) renders: 3 languages, a few versions and pages


@dataclass(frozen=True)
class PublishedText:
    language: str
    summary_of_changes: str
    in_short: str
    body: str


@dataclass(frozen=True)
class PublishedVersion:
    """A published version as plain data, safe to share between requests and threads."""

    id: int
    kind: str
    number: int
    effective_date: dt.date
    published_at: dt.datetime
    english_fallback_confirmed: bool
    texts: tuple[PublishedText, ...]


@dataclass(frozen=True)
class Page:
    body: bytes
    etag: str
    last_modified: dt.datetime


def copy_of(version: NoticeVersion) -> PublishedVersion:
    return PublishedVersion(
        id=version.id,
        kind=version.kind,
        number=version.number,
        effective_date=version.effective_date,
        published_at=version.published_at or utcnow(),
        english_fallback_confirmed=version.english_fallback_confirmed,
        texts=tuple(
            PublishedText(t.language, t.summary_of_changes, t.in_short, t.body)
            for t in sorted(version.texts, key=lambda t: t.language)
        ),
    )


_STAMP = select(
    func.count(NoticeVersion.id), func.max(NoticeVersion.id), func.max(NoticeVersion.published_at)
).where(NoticeVersion.published_at.is_not(None))


def _in_force(session: Session, kind: str, today: dt.date) -> NoticeVersion | None:
    return session.scalars(
        select(NoticeVersion)
        .where(
            NoticeVersion.kind == kind,
            NoticeVersion.published_at.is_not(None),
            NoticeVersion.effective_date <= today,
        )
        .options(selectinload(NoticeVersion.texts))
        .order_by(NoticeVersion.effective_date.desc(), NoticeVersion.number.desc())
        .limit(1)
    ).first()


@dataclass(frozen=True)
class Ticket:
    """What a request knew when it read the version in force: a response built from it may be
    kept only if nothing was forgotten since (same generation) and on the same day."""

    generation: int
    day: dt.date


@dataclass(frozen=True)
class KeptResponse:
    """A whole public response, kept for the fast path until `until` (time.monotonic())."""

    until: float
    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class PublishedVersions:
    """One per app (so per process): the versions in force, and the rendered public pages."""

    def __init__(self, recheck_seconds: float) -> None:
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._stamp: tuple[object, ...] | None = None
        self._checked_at = 0.0
        self._current: dict[tuple[str, dt.date], PublishedVersion | None] = {}
        self._pages: OrderedDict[tuple[object, ...], Page] = OrderedDict()
        # Bumped whenever what is kept is forgotten: a response built before may not be kept.
        self._generation = 0
        self._responses: dict[tuple[str, str], KeptResponse] = {}

    def invalidate(self) -> None:
        """Forget which versions are in force (a publication happened)."""
        with self._lock:
            self._stamp = None
            self._current = {}
            self._forget_responses()

    def _forget_responses(self) -> None:
        """Under the lock: no kept response may outlive what it was built from."""
        self._generation += 1
        self._responses = {}

    def ticket(self) -> Ticket | None:
        """Taken before reading the version in force, for keep_response; None when nothing is
        kept between requests (recheck_seconds 0: tests)."""
        if not self.recheck_seconds:
            return None
        return Ticket(self._generation, utcnow().date())

    def keep_response(
        self,
        key: tuple[str, str],
        ticket: Ticket,
        status: str,
        headers: tuple[tuple[str, str], ...],
        body: bytes,
    ) -> bool:
        """Keep a whole response for the fast path if its ticket still holds."""
        now = time.monotonic()
        today = utcnow()
        midnight = dt.datetime.combine(today.date() + dt.timedelta(days=1), dt.time())
        with self._lock:
            if ticket.generation != self._generation or ticket.day != today.date():
                return False
            # Until this process's next check of the publication stamp is due, and not past
            # midnight (a version may take effect with the new day).
            until = min(
                self._checked_at + self.recheck_seconds,
                now + (midnight - today).total_seconds(),
            )
            if until <= now:
                return False
            self._responses = {
                **self._responses,
                key: KeptResponse(until, status, headers, body),
            }
        return True

    def kept_response(self, key: tuple[str, str]) -> KeptResponse | None:
        """The kept response for key while it holds (no lock: the dict is replaced whole)."""
        found = self._responses.get(key)
        if found is None or time.monotonic() >= found.until:
            return None
        return found

    def _fresh(self, session: Session) -> None:
        """Drop what is kept when the publication stamp moved (checked now and then)."""
        now = time.monotonic()
        if self._stamp is not None and now - self._checked_at < self.recheck_seconds:
            return
        stamp = tuple(session.execute(_STAMP).one())
        with self._lock:
            if stamp != self._stamp:
                if self._stamp is not None:  # (None: invalidate() forgot them already)
                    self._forget_responses()
                self._current = {}
                self._stamp = stamp
            self._checked_at = now

    def current(
        self, session: Session, kind: str, today: dt.date | None = None
    ) -> PublishedVersion | None:
        """The newest published version of this kind whose effective date has come."""
        today = today or utcnow().date()
        if not self.recheck_seconds:  # tests: no keeping, every call reads the database
            found = _in_force(session, kind, today)
            return copy_of(found) if found is not None else None
        self._fresh(session)
        key = (kind, today)
        try:
            return self._current[key]
        except KeyError:
            pass
        found = _in_force(session, kind, today)
        version = copy_of(found) if found is not None else None
        with self._lock:
            self._current[key] = version
        return version

    def page(
        self, key: tuple[object, ...], last_modified: dt.datetime, render: Callable[[], str]
    ) -> Page:
        """The rendered page for key (it must name everything the page shows), once."""
        found = self._pages.get(key)
        if found is not None:
            return found
        body = render().encode()
        page = Page(body, hashlib.sha256(body).hexdigest()[:32], last_modified)
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > PAGES_KEPT:
                self._pages.popitem(last=False)
        return page


def versions() -> PublishedVersions:
    found: PublishedVersions = current_app.extensions["portal.published_versions"]
    return found


def mark_published(session: Session) -> None:
    """Have this process forget the versions in force once the session commits."""
    if has_app_context():
        session.info["portal.published_versions"] = versions()


def _after_commit(session: Session) -> None:
    kept = session.info.pop("portal.published_versions", None)
    if kept is not None:
        kept.invalidate()


def init_app(app: Flask) -> None:
    recheck = app.config.get("NOTICE_RECHECK_SECONDS", 0.0 if app.testing else RECHECK_SECONDS)
    app.extensions["portal.published_versions"] = PublishedVersions(float(recheck))


event.listen(Session, "after_commit", _after_commit)
