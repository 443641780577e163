"""Benchmark: build an audit chain of N entries, then time `verify` over all of it.

    .venv/bin/python bench/audit_verify.py [N] [DATABASE_URL]

The entries are written through the real HMAC function (in bulk, not one transaction each), so
verification does exactly the work it does on a real trail.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, insert
from sqlalchemy.orm import Session

from portal.audit import chain
from portal.audit.models import AuditEntry, AuditHead
from portal.models import metadata

KEY = b"benchmark key"


def build(session: Session, count: int) -> None:
    prev, start = chain.GENESIS, dt.datetime(2026, 1, 1)  # noqa: DTZ001 - naive UTC, as stored
    batch: list[dict[str, object]] = []
    for seq in range(1, count + 1):
        entry = AuditEntry(
            id=seq,  # written in chain order: the chainer's work done already
            seq=seq,
            at=start + dt.timedelta(seconds=seq),
            actor_kind="staff",
            actor_id="7",
            actor_role="agency_staff",
            actor_agency="109",
            device="personal",
            action="client.identity_viewed",
            personal_id=f"P{seq % 100_000}",
            object_type=None,
            object_id=None,
            prev_hmac=prev,
        )
        entry.hmac = chain._mac(KEY, prev, chain._values(entry))  # the real function
        prev = entry.hmac
        batch.append({c.key: getattr(entry, c.key) for c in AuditEntry.__table__.columns})
        if len(batch) == 20_000:
            session.execute(insert(AuditEntry), batch)
            batch.clear()
    if batch:
        session.execute(insert(AuditEntry), batch)
    session.add(AuditHead(id=1, seq=count, hmac=prev))
    session.commit()


def measure(count: int, url: str | None = None) -> dict[str, object]:
    """Build `count` entries (in a temporary SQLite file unless a URL is given), verify them."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        metadata.drop_all(engine)
        metadata.create_all(engine)
        with Session(engine) as session:
            started = time.perf_counter()
            build(session, count)
            built = time.perf_counter() - started
            started = time.perf_counter()
            verdict = chain.verify(session, KEY)
            took = time.perf_counter() - started
        dialect = engine.dialect.name
        engine.dispose()
    assert verdict.intact
    assert verdict.entries == count
    return {
        "entries": count,
        "build_seconds": round(built, 2),
        "verify_seconds": round(took, 2),
        "entries_per_second": round(count / took),
        "database": dialect,
    }


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    result = measure(count, sys.argv[2] if len(sys.argv) > 2 else None)
    print(
        f"built {count} entries in {result['build_seconds']:.1f} s; verified in "
        f"{result['verify_seconds']:.1f} s ({result['entries_per_second']:,} entries/s) "
        f"on {result['database']}"
    )


if __name__ == "__main__":
    main()
