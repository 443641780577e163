"""Shared fixtures: one migrated database per test process (SQLite, or PostgreSQL when
PORTAL_TEST_DATABASE_URL names one), emptied after each test; an app; a client that checks
every page it fetches."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from argon2 import PasswordHasher
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from werkzeug.serving import make_server

from portal import create_app, i18n_check, migrate, static_files
from portal.accounts import services as accounts
from portal.config import Settings
from portal.models import metadata
from tests.pages import PageCheckingClient

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# Fixtures shared across feature folders (a synthetic client with a live code, sign-in).
pytest_plugins = ["tests.fixtures.clients"]


def _hmis_csv() -> Path:
    """Where the HUD CSV test exports are: ../shared/hmis-csv next to the checkout (its README
    asks that they not be copied into the project). PORTAL_HMIS_CSV names another place; a
    clone made elsewhere (git clone /work/main /tmp/x) finds them next to the repository it
    was cloned from."""
    if named := os.environ.get("PORTAL_HMIS_CSV"):
        return Path(named)
    checkout = Path(__file__).resolve().parents[1]
    places = [checkout.parent / "shared" / "hmis-csv"]
    origin = subprocess.run(
        ["git", "-C", str(checkout), "config", "--get", "remote.origin.url"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if origin and Path(origin).is_dir():
        places.append(Path(origin).resolve().parent / "shared" / "hmis-csv")
    return next((place for place in places if place.is_dir()), places[0])


HMIS_CSV = _hmis_csv()
TEST_SSN_KEY = Fernet.generate_key().decode("ascii")
# The tests are not about password hashing: argon2id at its production cost (about 0.2 s a hash
# here) was a fifth of the suite's time. A hash carries its parameters, so whatever checks one
# made here (the gunicorn instances of tests/ops too) checks it as cheaply.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PRODUCTION_HASHER = accounts._hasher


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", CHEAP_HASHER)
        yield


def pytest_configure(config: pytest.Config) -> None:
    """Before any worker starts (xdist workers carry `workerinput`), once: compile the
    translation catalogs when stale, and, since pages name static files by their content's
    hash, rebuild the versioned copies when a source changed."""
    if not HMIS_CSV.is_dir():
        raise pytest.UsageError(
            f"The HUD CSV test exports are not at {HMIS_CSV}: clone next to shared/ or set "
            "PORTAL_HMIS_CSV to the shared hmis-csv folder."
        )
    if hasattr(config, "workerinput"):  # an xdist worker: the controller did it
        return
    i18n_check.compile_stale_catalogs()  # a fresh clone has no compiled catalogs
    if static_files.stale_files(static_files.STATIC_FOLDER):
        static_files.build()


def _reset_schema(engine: Engine) -> None:
    """Drop everything, so every run starts from an empty database and the migrations."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    """Each test process has a database of its own: a SQLite file, or on the PostgreSQL server
    a database named after the xdist worker (test_gw0, test_gw1), so both cores can work."""
    server = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not server:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    if worker_id == "master":  # not under xdist: the database the URL names
        return server
    return _worker_database(server, worker_id)


def _worker_database(server_url: str, worker_id: str) -> str:
    """The URL of `<database>_<worker>` on the same server, created when missing."""
    url = make_url(server_url)
    name = f"{url.database}_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        environment="testing",
        secret_key="test secret key, not for production",
        database_url=database_url,
        ssn_keys=(TEST_SSN_KEY,),
        audit_key="test audit key, not for production",
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app({"SETTINGS": settings, "TESTING": True})
    app.test_client_class = PageCheckingClient
    engine = app.extensions["portal.engine"]
    _reset_schema(engine)
    migrate.upgrade(engine)
    yield app
    engine.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with empty tables (the schema stays)."""
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.extensions["portal.engine"].begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session of the test's own: no app context stays pushed, so each request gets a fresh
    one (and its own g), as it does in production."""
    with Session(app.extensions["portal.engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def engine(app: Flask) -> Engine:
    return app.extensions["portal.engine"]  # type: ignore[no-any-return]


def fresh_engine(url: str) -> Engine:
    return create_engine(url)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request: pytest.FixtureRequest) -> Iterator[None]:
    """Sign-in failure counters do not leak from one test into the next."""
    yield
    if "app" in request.fixturenames:
        extensions = request.getfixturevalue("app").extensions
        extensions["portal.sign_in_limiter"].reset()
        extensions["portal.staff_sign_in_limiter"].reset()
        extensions["portal.complaint_limiter"].reset()
        extensions["portal.two_step_limiter"].reset()


def _closing_every_response(app: WSGIApplication) -> WSGIApplication:
    """The app, with each response's iterable closed however its sending ends.

    Werkzeug's development server closes a response in a `finally` that first reads what is
    left of the request; when a browser has gone (the quick exit leaves a page mid-download),
    that read raises and the close is skipped, leaving WhiteNoise's open static file to the
    garbage collector (a ResourceWarning, an error in the tests). A generator's own `finally`
    runs when the server drops it, sent or not."""

    def closing(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return closing


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a free loopback port, in a thread, for a browser or a scanner; yields its
    address."""
    server = make_server("127.0.0.1", 0, _closing_every_response(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
