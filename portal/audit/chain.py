"""Appending to and verifying the HMAC chain.

Each entry's HMAC covers its own fields and the previous entry's HMAC, keyed by PORTAL_AUDIT_KEY
(never stored in the database). Editing, deleting, inserting or reordering entries breaks the
chain at that point; cutting off the tail is caught against a head saved elsewhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac as hmac_lib
import json
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit.models import AuditEntry, AuditHead
from portal.timeutil import utcnow

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "at",
    "actor_kind",
    "actor_id",
    "actor_role",
    "actor_agency",
    "device",
    "action",
    "personal_id",
    "object_type",
    "object_id",
)


def _mac(key: bytes, prev: str, values: Sequence[object]) -> str:
    """HMAC over the previous HMAC and the entry's FIELDS, in that order, as a JSON list."""
    content = [
        v.isoformat(timespec="microseconds") if isinstance(v, dt.datetime) else v for v in values
    ]
    message = prev.encode() + json.dumps(content, separators=(",", ":")).encode()
    return hmac_lib.new(key, message, hashlib.sha256).hexdigest()


def _values(entry: AuditEntry) -> tuple[object, ...]:
    return tuple(getattr(entry, name) for name in FIELDS)


def append(session: Session, key: bytes, **fields: str | None) -> AuditEntry:
    """Add an entry in the caller's transaction; it commits (or rolls back) with the action."""
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, seq=0, hmac=GENESIS)
        session.add(head)
    entry = AuditEntry(seq=head.seq + 1, at=utcnow(), prev_hmac=head.hmac, **fields)
    entry.hmac = _mac(key, head.hmac, _values(entry))
    head.seq, head.hmac = entry.seq, entry.hmac
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Verdict:
    entries: int
    head_seq: int
    head_hmac: str
    broken_at: int | None = None  # the first entry that does not verify
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


_COLUMNS = [getattr(AuditEntry, name) for name in FIELDS]


def _entries(session: Session) -> Iterator[tuple[tuple[object, ...], str, str]]:
    """(FIELDS values, prev_hmac, hmac) in order, as plain rows: a million stay fast."""
    statement = (
        select(*_COLUMNS, AuditEntry.prev_hmac, AuditEntry.hmac)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=10_000)
    )
    result = session.execute(statement)
    try:
        for row in result:
            yield tuple(row[:-2]), row[-2], row[-1]
    finally:
        result.close()  # on PostgreSQL a server-side cursor: close it even on an early stop


def verify(session: Session, key: bytes, saved_head: tuple[int, str] | None = None) -> Verdict:
    """Walk the whole chain; name the first entry that is not what was written."""
    with closing(_entries(session)) as entries:
        return _walk(session, key, saved_head, entries)


def _walk(
    session: Session,
    key: bytes,
    saved_head: tuple[int, str] | None,
    entries: Iterator[tuple[tuple[object, ...], str, str]],
) -> Verdict:
    prev, expected, count = GENESIS, 1, 0
    found_saved = saved_head is None
    for values, prev_hmac, mac in entries:
        count += 1
        if values[0] != expected:
            return Verdict(
                count, expected - 1, prev, expected, f"entry {expected} is missing or out of order"
            )
        if prev_hmac != prev or _mac(key, prev, values) != mac:
            return Verdict(count, expected - 1, prev, expected, "entry was changed")
        if saved_head is not None and expected == saved_head[0]:
            if mac != saved_head[1]:
                return Verdict(count, expected, mac, expected, "does not match the saved head")
            found_saved = True
        prev, expected = mac, expected + 1
    if not found_saved:
        return Verdict(
            count,
            expected - 1,
            prev,
            expected,
            f"the chain ends before the saved head (entry {saved_head[0]})",
        )  # type: ignore[index]
    recorded = session.get(AuditHead, 1)
    if recorded is not None and recorded.seq != expected - 1:
        return Verdict(
            count,
            expected - 1,
            prev,
            expected,
            f"the chain ends before its recorded head (entry {recorded.seq})",
        )
    return Verdict(count, expected - 1, prev)
