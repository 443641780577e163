"""The benchmark's knobs, read from BENCH_* environment variables (make passes them through).

make bench                                   # the full run the issue asks for
make bench BENCH_CLIENTS=2000 BENCH_DURATION=3s BENCH_AUDIT_ENTRIES=10000   # a quick run
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").replace("_", "").replace(",", "")
    return int(raw) if raw else default


def _seconds(name: str, default: str) -> int:
    """wrk-style durations: 10, 10s, 2m."""
    raw = os.environ.get(name) or default
    match = re.fullmatch(r"(\d+)([sm]?)", raw.strip())
    if match is None:
        raise SystemExit(f"{name}={raw!r}: write a duration such as 10s or 2m")
    return int(match[1]) * (60 if match[2] == "m" else 1)


@dataclass(frozen=True)
class Knobs:
    clients: int
    requests: int  # requests (corrections, printed copies, complaints) seeded in the queue
    duration: int  # seconds each page is driven for
    warmup: int  # seconds of unmeasured load first (workers import, templates compile)
    connections: int
    client_sessions: int  # signed-in clients the client pages rotate through
    staff_sessions: int  # signed-in agency staff the queue page rotates through
    pdf_samples: int  # record PDFs downloaded one after another, each timed
    audit_entries: int  # 0 skips the audit chain verification
    database: str
    server_url: str  # PostgreSQL server, without the database name
    redis_url: str
    port: int
    seed: int
    out: Path
    cache: Path  # generated exports, reused by later runs
    # Keep the database an earlier run (or `flask hmis import`) made, seeding it if no run did
    # yet; no import figure then. For working on page speed without an import each time.
    reuse_database: bool
    # The scale row (make bench-scale): the 100,000-client run's JSON to compare the record
    # and the queue with.
    scale_base: Path | None = None

    @property
    def database_url(self) -> str:
        return f"{self.server_url}/{self.database}"


def load() -> Knobs:
    clients = _int("BENCH_CLIENTS", 100_000)
    database = os.environ.get("BENCH_DATABASE", "bench_portal")
    # The run drops and re-creates this database: never let it name someone else's.
    if not re.fullmatch(r"bench_[a-z0-9_]+", database):
        raise SystemExit(f"BENCH_DATABASE={database!r}: the name must start with bench_")
    return Knobs(
        clients=clients,
        requests=_int("BENCH_REQUESTS", clients // 2),
        duration=_seconds("BENCH_DURATION", "10s"),
        warmup=_seconds("BENCH_WARMUP", "2s"),
        connections=_int("BENCH_CONNECTIONS", 16),
        client_sessions=_int("BENCH_CLIENT_SESSIONS", 64),
        staff_sessions=_int("BENCH_STAFF_SESSIONS", 8),
        pdf_samples=max(1, _int("BENCH_PDF_SAMPLES", 20)),
        audit_entries=_int("BENCH_AUDIT_ENTRIES", 1_000_000),
        database=database,
        server_url=os.environ.get("BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432"),
        redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"),
        port=_int("BENCH_PORT", 8089),
        seed=_int("BENCH_SEED", 2026),
        out=Path(os.environ.get("BENCH_OUT") or BENCH_DIR / "results" / "latest.json"),
        cache=Path(os.environ.get("BENCH_CACHE") or BENCH_DIR / "results" / "cache"),
        reuse_database=os.environ.get("BENCH_REUSE_DATABASE") == "1",
        scale_base=Path(os.environ["BENCH_SCALE_BASE"])
        if os.environ.get("BENCH_SCALE_BASE")
        else None,
    )
