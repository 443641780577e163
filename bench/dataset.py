"""The benchmark's data: a synthetic FY2026 HMIS export (generated once, kept in the cache), a
fresh PostgreSQL database, and the import timed as an operator runs it."""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from bench.settings import PROJECT_ROOT, VENV_BIN, Knobs

COMPLETE_MARKER = ".complete"


def portal_environment(knobs: Knobs, base: dict[str, str]) -> dict[str, str]:
    """Production settings. Keys are made for this run (the database is new every run) unless
    the environment gives them, which lets a developer open the database afterwards."""
    keys = {
        "PORTAL_SECRET_KEY": secrets.token_hex(32),
        "PORTAL_SSN_KEYS": Fernet.generate_key().decode("ascii"),
        "PORTAL_AUDIT_KEY": secrets.token_hex(32),
    }
    return {
        **keys,
        **base,
        "PORTAL_ENV": "production",
        "PORTAL_DATABASE_URL": knobs.database_url,
        "PORTAL_REDIS_URL": knobs.redis_url,
        "PORTAL_PROXY_HOPS": "0",
    }


@dataclass(frozen=True)
class Export:
    folder: Path
    rows: dict[str, int]
    generated_seconds: float | None  # None: reused from an earlier run


def synthetic_export(knobs: Knobs) -> Export:
    """The demo generator's export for this many clients; generated only the first time."""
    from portal.hmis.demo import write_demo_export

    folder = knobs.cache / f"export-{knobs.clients}-seed{knobs.seed}"
    marker = folder / COMPLETE_MARKER
    if marker.exists():
        return Export(folder, json.loads(marker.read_text()), None)
    started = time.perf_counter()
    rows = write_demo_export(folder, knobs.clients, knobs.seed)
    took = time.perf_counter() - started
    marker.write_text(json.dumps(rows))  # written last: a half-written export is made again
    return Export(folder, rows, round(took, 1))


def recreate_database(knobs: Knobs) -> None:
    """Drop and create the benchmark's own database (settings refuse names not bench_*)."""
    engine = create_engine(f"{knobs.server_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": knobs.database},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{knobs.database}"'))
        connection.execute(text(f'CREATE DATABASE "{knobs.database}"'))
    engine.dispose()


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `flask --app wsgi ...` as an operator would."""
    command = [str(VENV_BIN / "flask"), "--app", "wsgi", *args]
    finished = subprocess.run(  # noqa: S603 - a fixed command line
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        # The import prints only counts and file:line:column problems, never values.
        raise SystemExit(f"flask {' '.join(args)} failed:\n{finished.stderr[-3000:]}")
    return finished


def timed_import(env: dict[str, str], export: Export) -> dict[str, object]:
    """`flask --app wsgi hmis import` into the empty database: wall-clock seconds, all of it."""
    started = time.perf_counter()
    finished = flask(env, "hmis", "import", "--json", str(export.folder))
    took = time.perf_counter() - started
    summary = json.loads(finished.stdout)
    return {
        "seconds": round(took, 2),
        "rows": {name: counts["inserted"] for name, counts in summary["files"].items()},
    }
