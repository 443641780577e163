"""Database engine and the request-scoped session.

Plain SQLAlchemy 2: one engine per app, one session per request (or CLI command),
committed once by whoever owns the unit of work, removed at teardown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g
from psycopg import sql as pg_sql
from sqlalchemy import (
    CursorResult,
    Engine,
    MetaData,
    Result,
    Table,
    create_engine,
    event,
    insert,
    make_url,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.schema import ScalarElementColumnDefault

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """A mapped class's table (declarative types __table__ as any FromClause)."""
    table = model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. Session.execute answers those with a CursorResult,
    though it is typed as any Result."""
    return cast(CursorResult[Any], result).rowcount


# How long a request waits for a free pooled connection, and for PostgreSQL to answer a new
# connection, before it fails with the error page instead of hanging until gunicorn's timeout.
POOL_TIMEOUT_SECONDS = 10
CONNECT_TIMEOUT_SECONDS = 5


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 5) -> Engine:
    """An engine with bounded pooling; SQLite gets foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:  # a DB-API connection
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    # At most pool_size + max_overflow connections per process (docs/operations.md).
    # pool_pre_ping: a connection that died with a PostgreSQL restart is noticed when the pool
    # hands it out, and the whole pool is replaced, so the app recovers without a restart.
    # hide_parameters: bound values (names, SSNs) never appear in exception messages or logs.
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args=_connect_timeout(url),
        hide_parameters=True,
    )


def _connect_timeout(url: str) -> dict[str, int]:
    """The default connect timeout, unless the URL names its own."""
    if "connect_timeout" in make_url(url).query:
        return {}
    return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}


def init_app(app: Flask, url: str) -> None:
    settings = app.config["PORTAL"]
    engine = make_engine(
        url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow
    )
    app.extensions["portal.engine"] = engine
    app.extensions["portal.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    found: Engine = current_app.extensions["portal.engine"]
    return found


def session() -> Session:
    """The session of the current request or command, opened on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["portal.sessionmaker"]()
    found: Session = g.db_session
    return found


def roll_back() -> None:
    """Roll back what the request had not committed, if it opened a session: an error page
    must neither write it nor stumble on a transaction that failed half-way."""
    db_session: Session | None = g.get("db_session")
    if db_session is not None:
        db_session.rollback()


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()


@contextmanager
def transaction() -> Iterator[Session]:
    """A unit of work: commit on success, roll back everything on any error."""
    db_session = session()
    try:
        yield db_session
        db_session.commit()
    except BaseException:
        db_session.rollback()
        raise


# Values per IN (...) list: well under SQLite's 999 bound parameters in older builds, and
# few enough for PostgreSQL to plan quickly.
IN_LIST_SIZE = 500
# Rows per INSERT ... executemany where COPY is not available (SQLite).
INSERT_BATCH = 2000
T = TypeVar("T")


def in_chunks(items: Sequence[T], size: int = IN_LIST_SIZE) -> Iterator[Sequence[T]]:
    """items in slices of at most size: for IN (...) lists and batched statements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_many(db_session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows (column name -> value, the same names in every row) into table in bulk,
    in the session's transaction; columns left out get their defaults.

    On PostgreSQL through COPY: the HMIS import writes hundreds of thousands of rows, and
    INSERT costs several times more per row, most of it in Python.
    """
    if not rows:
        return
    connection = db_session.connection()
    if connection.dialect.name != "postgresql":
        for batch in in_chunks(rows, INSERT_BATCH):
            connection.execute(insert(table), list(batch))
        return
    names = list(rows[0])
    # COPY fills in server defaults by itself; Python-side ones it has to be given.
    defaults = {
        column.name: column.default.arg
        for column in table.columns
        if column.name not in rows[0] and isinstance(column.default, ScalarElementColumnDefault)
    }
    columns = [table.c[name] for name in (*names, *defaults)]
    # Bind processors turn values into what the driver sends (an encrypted SSN, JSON text).
    processors = [column.type.bind_processor(connection.dialect) for column in columns]
    statement = pg_sql.SQL("COPY {} ({}) FROM STDIN").format(
        pg_sql.Identifier(table.name),
        pg_sql.SQL(", ").join(pg_sql.Identifier(column.name) for column in columns),
    )
    processed = [(index, process) for index, process in enumerate(processors) if process]
    fixed = list(defaults.values())
    driver = connection.connection.driver_connection
    if driver is None:
        raise RuntimeError("the pooled connection has no DBAPI connection")
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row[name] for name in names]
            values += fixed
            for index, process in processed:
                values[index] = process(values[index])
            copy.write_row(values)
