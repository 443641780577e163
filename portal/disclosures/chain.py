"""The register's own HMAC chain, on the audit trail's pattern (portal/audit/chain.py).

Each entry's HMAC covers its fields, the clients it names and the previous entry's HMAC. The key
is derived from PORTAL_AUDIT_KEY (kept outside the database) for this chain alone, so a register
HMAC can never stand in for an audit one. The register has its own head row and lock: it does
not wait on, or depend on the internals of, the audit trail's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac as hmac_lib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.disclosures.models import DisclosureEntry, DisclosureHead, DisclosurePerson

GENESIS = "0" * 64
FIELDS = (
    "seq",
    "reference",
    "recorded_at",
    "recorder_kind",
    "recorded_by_id",
    "recorder_role",
    "recorder_agency",
    "disclosed_on",
    "recipient_organization",
    "recipient_person",
    "purpose",
    "items",
    "basis",
    "consent_reference",
    "visible_from",
    "supersedes",
)


def register_key(audit_key: str) -> bytes:
    """This chain's key: derived from the audit key, never equal to it."""
    return hmac_lib.new(audit_key.encode(), b"disclosure register", hashlib.sha256).digest()


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def mac(key: bytes, prev: str, values: Sequence[object], personal_ids: Sequence[str]) -> str:
    """HMAC over the previous HMAC, then FIELDS and the sorted personal ids as one JSON list."""
    content = [*(_plain(v) for v in values), sorted(personal_ids)]
    message = prev.encode() + json.dumps(content, separators=(",", ":")).encode()
    return hmac_lib.new(key, message, hashlib.sha256).hexdigest()


def _values(entry: DisclosureEntry) -> tuple[object, ...]:
    return tuple(getattr(entry, name) for name in FIELDS)


def append(
    session: Session, key: bytes, entry: DisclosureEntry, personal_ids: Sequence[str]
) -> DisclosureEntry:
    """Chain and add the entry with its clients, in the caller's transaction."""
    head = session.scalar(select(DisclosureHead).where(DisclosureHead.id == 1).with_for_update())
    if head is None:
        head = DisclosureHead(id=1, seq=0, hmac=GENESIS)
        session.add(head)
    entry.seq, entry.prev_hmac = head.seq + 1, head.hmac
    entry.hmac = mac(key, head.hmac, _values(entry), personal_ids)
    head.seq, head.hmac = entry.seq, entry.hmac
    session.add(entry)
    session.flush()
    for personal_id in sorted(set(personal_ids)):
        session.add(DisclosurePerson(entry_id=entry.id, personal_id=personal_id))
    session.flush()
    return entry


@dataclass(frozen=True)
class Verdict:
    entries: int
    broken_at: int | None = None  # the seq of the first entry that does not verify
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify(session: Session, key: bytes) -> Verdict:
    """Walk the register; name the first entry that is not what was written."""
    entries = session.scalars(
        select(DisclosureEntry)
        .order_by(DisclosureEntry.seq)
        .options(selectinload(DisclosureEntry.people))
        .execution_options(populate_existing=True)
    )
    prev, expected, count = GENESIS, 1, 0
    for entry in entries:
        count += 1
        if entry.seq != expected:
            return Verdict(count, expected, "an entry is missing or out of order")
        if entry.prev_hmac != prev or mac(key, prev, _values(entry), entry.personal_ids) != (
            entry.hmac
        ):
            return Verdict(count, expected, "the entry was changed")
        prev, expected = entry.hmac, expected + 1
    head = session.get(DisclosureHead, 1)
    if head is not None and head.seq != expected - 1:
        return Verdict(count, expected, "the register ends before its recorded head")
    return Verdict(count)
