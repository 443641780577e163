"""Checking the audit chain from the audit browser: the check runs in the background (a long
chain takes a while) and its result is kept, with the last entry it verified."""

from __future__ import annotations

import datetime as dt
import logging
import threading

from flask import Flask, current_app
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.audit.chain import verify
from portal.audit.models import AuditEntry
from portal.db import Base
from portal.timeutil import utcnow

log = logging.getLogger(__name__)
# The checks started by this process, newest last (tests wait for them).
RUNNING: list[threading.Thread] = []


class AuditVerification(Base):
    """One check of the whole chain: when, by whom, and what it found."""

    __tablename__ = "audit_verification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    intact: Mapped[bool | None] = mapped_column(Boolean)
    entries: Mapped[int | None] = mapped_column(Integer)
    head_seq: Mapped[int | None] = mapped_column(Integer)  # the last entry verified
    head_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    broken_at: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(100))

    @property
    def running(self) -> bool:
        return self.finished_at is None


def latest_verification(session: Session) -> AuditVerification | None:
    return session.scalars(
        select(AuditVerification).order_by(AuditVerification.id.desc()).limit(1)
    ).first()


def start_verification(session: Session, staff_id: int | None) -> AuditVerification:
    """Record a check as started and run it in a thread of this process; the caller commits
    first (start_in_background) so the thread finds the row."""
    check = AuditVerification(started_at=utcnow(), started_by_id=staff_id)
    session.add(check)
    session.flush()
    return check


def start_in_background(check_id: int) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # a proxy, typed as the app
    thread = threading.Thread(
        target=run_verification, args=(app, check_id), name=f"audit-verify-{check_id}"
    )
    RUNNING.append(thread)
    del RUNNING[:-5]
    thread.start()


def run_verification(app: Flask, check_id: int) -> None:
    """Verify the whole chain and store the verdict on the check's row."""
    with app.app_context(), Session(app.extensions["portal.engine"]) as session:
        check = session.get(AuditVerification, check_id)
        if check is None:
            return
        try:
            verdict = verify(session, app.config["PORTAL"].audit_key.encode())
        except Exception:  # the verdict says it failed; the log has why
            log.exception("audit verification %s failed", check_id)
            check.intact, check.reason = False, "the check could not run"
        else:
            check.intact = verdict.intact
            check.entries = verdict.entries
            check.head_seq = verdict.head_seq
            check.broken_at = verdict.broken_at
            check.reason = verdict.reason
            if verdict.head_seq:
                check.head_at = session.scalar(
                    select(AuditEntry.at).where(AuditEntry.seq == verdict.head_seq)
                )
        check.finished_at = utcnow()
        session.commit()
