"""PostgreSQL for the operations tests: databases of their own on the suite's server, and a
private server (cluster) that a test may stop and start without disturbing anyone else."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from portal import migrate
from portal.db import make_engine

PG_LIBRARY = Path("/usr/lib/postgresql")


def tool(name: str) -> str:
    """A PostgreSQL program: from the newest /usr/lib/postgresql/<version>/bin (Debian keeps
    initdb and pg_ctl only there), else from PATH."""
    versions = sorted(PG_LIBRARY.glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if versions:
        return str(versions[-1])
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed")
    return found


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it (no +psycopg)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _admin(url: str):  # type: ignore[no-untyped-def]
    """An engine on the server's `postgres` database, for CREATE and DROP DATABASE."""
    return create_engine(
        make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )


def create_database(
    server_url: str, *, migrated: bool = True, name: str = "", template: str = ""
) -> str:
    """A new database (ops_<random> unless named) on the server of server_url; its URL.
    template: a copy of that (migrated) database, much faster than migrating again."""
    name = name or f"ops_{secrets.token_hex(5)}"
    copy_of = f' TEMPLATE "{template}"' if template else ""
    admin = _admin(server_url)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy_of}'))
    finally:
        admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    if migrated and not template:
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()
    return url


def drop_database(url: str) -> None:
    name = make_url(url).database
    if not (name or "").startswith("ops_"):
        raise ValueError(f"the operations tests drop only their own databases, not {name!r}")
    admin = _admin(url)
    try:
        with admin.connect() as connection:
            # FORCE: a test that failed half-way may have left a connection open.
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def database(server_url: str, *, migrated: bool = True, template: str = "") -> Iterator[str]:
    url = create_database(server_url, migrated=migrated, template=template)
    try:
        yield url
    finally:
        drop_database(url)


class CannotRunCluster(RuntimeError):
    """This machine cannot start a private PostgreSQL server (not root, or no initdb)."""


class PrivateCluster:
    """A PostgreSQL server of the test's own, in a temporary folder owned by `postgres`, on a
    free loopback port: the test may stop it (as a restart or a crash would) and start it again
    while the machine's shared server, which other tests and people use, keeps running."""

    def __init__(self) -> None:
        if os.geteuid() != 0 or shutil.which("runuser") is None:
            raise CannotRunCluster("starting a private PostgreSQL server needs root (runuser)")
        try:
            self._owner = pwd.getpwnam("postgres")
            self._initdb, self._pg_ctl = tool("initdb"), tool("pg_ctl")
        except (KeyError, FileNotFoundError) as missing:
            raise CannotRunCluster(f"no PostgreSQL server programs: {missing}") from missing
        self.port = free_port()
        # In /tmp itself: pytest's tmp_path lies under a folder only root may enter.
        self.root = Path(tempfile.mkdtemp(prefix="portal-ops-pg-"))
        os.chown(self.root, self._owner.pw_uid, self._owner.pw_gid)
        self.data = self.root / "data"
        self.log = self.root / "server.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def init(self) -> None:
        self._as_postgres(
            self._initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-locale", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        # Small and fast: a test server that nobody relies on after the test.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=40 -c shared_buffers=16MB"
        )
        self._as_postgres(
            self._pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.log),
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """fast: what a restart by systemd does (sessions ended, transactions rolled back)."""
        self._as_postgres(self._pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        """Stop (if running) and delete everything; safe to call after any failure."""
        if (self.data / "postmaster.pid").exists():
            with suppress(subprocess.SubprocessError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)
