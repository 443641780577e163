"""Fixtures of the operations tests: PostgreSQL (they run in make test's PostgreSQL pass and are
skipped on the SQLite pass; under CI what they need must be there) and Redis.

None of them uses the suite's `app` or its `test` database: each test makes and drops its own
databases (ops_<random>), so it can run gunicorn processes, dumps and restores beside the rest.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import pytest
import redis
from sqlalchemy import make_url

from portal import crypto
from tests.conftest import TEST_SSN_KEY
from tests.ops.postgres import create_database, database, drop_database

NEEDS_POSTGRES = (
    "needs PostgreSQL: runs in make test's PostgreSQL pass (PORTAL_TEST_DATABASE_URL), as what "
    "it checks (instances sharing a server, a server restart, pg_dump) is PostgreSQL's"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests of one module share what its module-scoped fixtures start (gunicorn instances,
    a private PostgreSQL server), so they stay on one xdist worker (make test: --dist loadgroup)."""
    for item in items:
        if "tests/ops/" in str(item.fspath):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def skip_or_fail(reason: str) -> None:
    """Where CI runs, what these tests need must be there: fail instead of skipping."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the operations tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of the suite's PostgreSQL server; the tests only create databases there."""
    url = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip(NEEDS_POSTGRES)
    return url


NewDatabase = Callable[[], AbstractContextManager[str]]


@pytest.fixture(scope="session")
def new_database(postgres_server: str) -> Iterator[NewDatabase]:
    """`with new_database() as url:` a migrated database of the test's own, dropped after.
    The migrations run once per test run, into a template that each new database copies."""
    template_url = create_database(postgres_server)
    template = make_url(template_url).database or ""
    yield lambda: database(postgres_server, template=template)
    drop_database(template_url)


@pytest.fixture(scope="session")
def _ssn_cipher() -> None:
    """The suite's SSN key, as the suite's app configures it: the tests write clients with
    SSNs straight into their databases, and the instances they start decrypt them."""
    crypto.configure((TEST_SSN_KEY,))


@contextmanager
def clean_redis(url: str) -> Iterator[str]:
    """A Redis database of one test module's own, emptied before and after (sign-in counters)."""
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        skip_or_fail(f"no Redis answers at {url}: {type(error).__name__}")
    try:
        client.flushdb()
        yield url
        client.flushdb()
    finally:
        client.close()
