"""Appending to and verifying the HMAC chain.

Each entry's HMAC covers its own fields, its place in the chain (seq) and the previous entry's
HMAC, keyed by PORTAL_AUDIT_KEY (never stored in the database). Editing, deleting, inserting or
reordering entries breaks the chain at that point; cutting off the tail is caught against a head
saved elsewhere.

Writers do not chain: a request only inserts its entry (its `id`, the order it was written in,
comes from a sequence, and its writer_hmac proves the portal wrote it), so no request waits for
another on a shared row. One chainer at a time (it holds the head row) chains the entries written
since, in id order, a batch at a time: the loop in each server process (start_chainer) or
`flask audit chain`. On SQLite (one process, one writer at a time anyway) the writer chains its
own entry at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac as hmac_lib
import json
import logging
import os
import threading
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, replace

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from portal.audit.models import AuditEntry, AuditHead
from portal.db import table_of
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

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
OWN_FIELDS = FIELDS[1:]  # what the writer knows: everything but the place in the chain
WRITER = "writer"  # stands for the previous HMAC in a writer_hmac: it is not chained yet
BATCH = 2_000
CHAIN_INTERVAL_SECONDS = 0.5  # how long an entry may wait for its place in the chain, at most


def _mac(key: bytes, prev: str, values: Sequence[object]) -> str:
    """HMAC over the previous HMAC and the entry's FIELDS, in that order, as a JSON list."""
    content = [
        v.isoformat(timespec="microseconds") if isinstance(v, dt.datetime) else v for v in values
    ]
    message = prev.encode() + json.dumps(content, separators=(",", ":")).encode()
    return hmac_lib.new(key, message, hashlib.sha256).hexdigest()


def _values(entry: AuditEntry) -> tuple[object, ...]:
    return tuple(getattr(entry, name) for name in FIELDS)


_INSERT = table_of(AuditEntry).insert()


def append(session: Session, key: bytes, **fields: str | None) -> None:
    """Add an entry in the caller's transaction; it commits (or rolls back) with the action.

    No lock: the entry is chained after its transaction commits (on SQLite, right away). A plain
    INSERT, not an ORM object: nothing to flush, nothing to read back."""
    row: dict[str, object] = dict.fromkeys(OWN_FIELDS)
    row.update(fields, at=utcnow())
    row["writer_hmac"] = _mac(key, WRITER, tuple(row[name] for name in OWN_FIELDS))
    session.execute(_INSERT, row)
    if session.get_bind().dialect.name == "sqlite":
        chain_pending(session, key)


def _lock_head(session: Session, *, wait: bool) -> AuditHead | None:
    """The head row, locked for this transaction; None when another chainer holds it."""
    locked = select(AuditHead).where(AuditHead.id == 1).with_for_update(skip_locked=not wait)
    head = session.scalar(locked)
    if head is not None:
        return head
    if session.scalar(select(AuditHead.id).where(AuditHead.id == 1)) is not None:
        return None  # there is a head: another chainer has it
    try:
        with session.begin_nested():
            session.add(AuditHead(id=1, seq=0, hmac=GENESIS))
    except IntegrityError:
        return None  # another chainer made it first
    return session.scalar(locked)


_PENDING = select(
    AuditEntry.id, AuditEntry.writer_hmac, *(getattr(AuditEntry, name) for name in OWN_FIELDS)
)


def chain_pending(session: Session, key: bytes, *, wait: bool = True, batch: int = BATCH) -> int:
    """Chain up to `batch` entries not chained yet, in the order they were written, in the
    caller's transaction (commit it to let the next chainer on). Returns how many it chained;
    0 also when another chainer is at work and wait is False.

    An entry whose writer_hmac does not verify was not written by the portal: it is left out
    of the chain (and stays listed as unchained by verify)."""
    head = _lock_head(session, wait=wait)
    if head is None:
        return 0
    rows = session.execute(
        _PENDING.where(AuditEntry.seq.is_(None)).order_by(AuditEntry.id).limit(batch)
    ).all()
    seq, prev = head.seq, head.hmac
    chained = []
    for row in rows:
        own = tuple(row[2:])
        if not hmac_lib.compare_digest(row.writer_hmac or "", _mac(key, WRITER, own)):
            log.warning("audit entry id %s was not written by the portal: not chained", row.id)
            continue
        seq += 1
        mac = _mac(key, prev, (seq, *own))
        chained.append({"id": row.id, "seq": seq, "prev_hmac": prev, "hmac": mac})
        prev = mac
    if chained:
        session.execute(update(AuditEntry), chained)  # by primary key, in one executemany
        head.seq, head.hmac = seq, prev
        session.flush()
    return len(chained)


def chain_all(session: Session, key: bytes) -> int:
    """Chain everything written so far, committing batch by batch; how many were chained."""
    total = 0
    while chained := chain_pending(session, key):
        session.commit()
        total += chained
    session.commit()
    return total


OUTAGE_PAUSE_SECONDS = 5.0


def _chain_loop(engine: Engine, key: bytes, interval: float, stop: threading.Event) -> None:
    pause = interval
    while not stop.wait(pause):
        pause = interval
        try:
            with Session(engine) as session:
                while chain_pending(session, key, wait=False):
                    session.commit()
                session.commit()
        except OperationalError:
            log.warning("the audit chainer could not reach the database; trying again")
            pause = OUTAGE_PAUSE_SECONDS
        except Exception:  # the loop must outlive any one failure; the next round retries
            log.exception("the audit chainer failed; trying again")
            pause = OUTAGE_PAUSE_SECONDS


_chainers: dict[int, threading.Event] = {}
_chainers_lock = threading.Lock()


def start_chainer(engine: Engine, key: bytes, interval: float = CHAIN_INTERVAL_SECONDS) -> bool:
    """The short loop in a server process: every interval, chain what was written (one process
    at a time does the work; the others find the head taken and wait for the next round).
    Started once per process (after gunicorn forks, at the first request)."""
    pid = os.getpid()
    if pid in _chainers:
        return False
    with _chainers_lock:
        if pid in _chainers:
            return False
        stop = threading.Event()
        _chainers[pid] = stop
    thread = threading.Thread(
        target=_chain_loop, args=(engine, key, interval, stop), name="audit-chainer", daemon=True
    )
    thread.start()
    return True


@dataclass(frozen=True)
class Verdict:
    entries: int
    head_seq: int
    head_hmac: str
    broken_at: int | None = None  # the first entry that does not verify
    reason: str | None = None
    unchained: int = 0  # written but not chained (yet): the chainer's backlog

    @property
    def intact(self) -> bool:
        return self.broken_at is None


_COLUMNS = [getattr(AuditEntry, name) for name in FIELDS]


def _entries(session: Session) -> Generator[tuple[tuple[object, ...], str, str], None, None]:
    """(FIELDS values, prev_hmac, hmac) in chain order, as plain rows: a million stay fast."""
    statement = (
        select(*_COLUMNS, AuditEntry.prev_hmac, AuditEntry.hmac)
        .where(AuditEntry.seq.is_not(None))
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
        verdict = _walk(session, key, saved_head, entries)
    unchained = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.seq.is_(None))
    )
    return replace(verdict, unchained=unchained or 0)


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
    if not found_saved and saved_head is not None:  # found_saved is True when there is none
        return Verdict(
            count,
            expected - 1,
            prev,
            expected,
            f"the chain ends before the saved head (entry {saved_head[0]})",
        )
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
