"""PostgreSQL restarts under a running instance: requests fail cleanly while it is down, a
write cut off half-way leaves nothing behind, and the instance recovers by itself.

The machine's shared PostgreSQL is never touched: the test starts a private server (initdb in a
temporary folder, its own port) and stops and starts that one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from tests.ops import world
from tests.ops.conftest import clean_redis, skip_or_fail
from tests.ops.instances import Browser, Instance, production_environment, running
from tests.ops.postgres import CannotRunCluster, PrivateCluster, create_database

pytestmark = pytest.mark.postgres

REDIS_URL = "redis://127.0.0.1:6379/13"  # this module's own Redis database, emptied around it
DATABASE = "portal"
THREADS = 4  # one worker of 4 threads: the pool it keeps is the one that goes stale
POOL_SIZE = 2


@dataclass
class Setup:
    server: PrivateCluster
    instance: Instance
    engine: Engine  # the test's own connection to the private server (NullPool: nothing kept)


@pytest.fixture(scope="module")
def setup(
    postgres_server: str, _ssn_cipher: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Setup]:
    """A private PostgreSQL server with the portal's database, and one instance on it. (The
    suite's server, postgres_server, is not used: asking for it skips the SQLite pass.)"""
    try:
        server = PrivateCluster()
    except CannotRunCluster as reason:
        skip_or_fail(str(reason))
    try:
        server.init()
        server.start()
        url = create_database(server.url(), name=DATABASE)
        engine = create_engine(url, poolclass=NullPool)
        with Session(engine) as session:
            world.people(session)
        environment = production_environment(
            url,
            REDIS_URL,
            PORTAL_DB_POOL_SIZE=str(POOL_SIZE),
            PORTAL_DB_MAX_OVERFLOW="2",
            PORTAL_THREADS=str(THREADS),
            # The audit chainer's loop reconnects within half a second of a restart, which
            # would race the count of the request pool's connections; entries wait unchained.
            PORTAL_AUDIT_CHAINER="0",
        )
        logs = tmp_path_factory.mktemp("restart")
        with clean_redis(REDIS_URL), running(("a",), environment, logs, workers=1) as (a,):
            yield Setup(server, a, engine)
    finally:
        server.remove()


def _staff_on_request_page(setup: Setup, item: str) -> tuple[Browser, str, dict[str, str]]:
    """A staff member signed in, on a new request's page, with its claim form's fields."""
    with Session(setup.engine) as session:
        email = world.agency_staff(session, 1, item)[0]
        reference = world.correction(session, item).reference
    browser, instance = Browser(), setup.instance
    fields = browser.form_fields(instance, "/staff/sign-in")
    credentials = {"email": email, "password": world.STAFF_PASSWORD}
    assert browser.post(instance, "/staff/sign-in", {**fields, **credentials}).status_code == 303
    claim_form = f"form[action='/staff/requests/{reference}/claim']"
    claim = browser.form_fields(instance, f"/staff/requests/{reference}", claim_form)
    return browser, reference, claim


def _pooled_connections(engine: Engine) -> int:
    """The instance's connections to the portal's database (the test's own is left out)."""
    with engine.connect() as connection:
        return int(
            connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": DATABASE},
            )
        )


def _busy_on_every_thread(instance: Instance) -> None:
    """Requests at once on every thread: the worker opens connections beyond its pool (new
    ones) and keeps POOL_SIZE of them pooled afterwards."""
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = pool.map(lambda _: Browser().get(instance, "/healthz").status_code, range(8))
    assert set(statuses) == {200}


def _hold_the_timeline(engine: Engine) -> Connection:
    """Lock the requests' timelines against new events, as someone else's long transaction
    could. A claim writes its audit entry first (a plain INSERT, chain.append) and its change
    and timeline event when it commits: held here, it has written the first two and waits on
    the third, half-written."""
    connection = engine.connect()
    connection.begin()
    connection.execute(text("LOCK TABLE request_event IN SHARE MODE"))
    return connection


def _wait_for_a_half_written_claim(engine: Engine) -> None:
    """Until a transaction waits to add a timeline event, having written to the audit trail
    and to the request itself (its row locks on both tables say so)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            written = connection.scalars(
                text(
                    "SELECT DISTINCT c.relname FROM pg_stat_activity a "
                    "JOIN pg_locks l ON l.pid = a.pid AND l.granted "
                    "AND l.mode = 'RowExclusiveLock' "
                    "JOIN pg_class c ON c.oid = l.relation "
                    "WHERE a.datname = :name AND a.wait_event_type = 'Lock' "
                    "AND a.query LIKE 'INSERT INTO request_event%'"
                ),
                {"name": DATABASE},
            ).all()
        if {"audit_entry", "request"} <= set(written):
            return
        time.sleep(0.1)
    raise AssertionError("no claim got half-way: audit entry and change written, event waiting")


ERROR_PAGE = "Sorry, something went wrong on our side"


def _failed_cleanly(response: requests.Response) -> bool:
    """503 (try again soon) with the portal's own error page: no traceback, no driver message."""
    leaks = ("Traceback", "psycopg", "OperationalError", "sqlalchemy", "pg_stat", "SELECT")
    return (
        response.status_code == 503
        and response.headers.get("Retry-After") == "30"
        and ERROR_PAGE in response.text
        and not any(leak in response.text for leak in leaks)
    )


def test_the_instance_recovers_by_itself_when_postgres_restarts(setup: Setup) -> None:
    """A restart between two requests: every connection the worker pooled is dead, and the
    next request must still succeed (the pool checks a connection before handing it out)."""
    browser, reference, claim = _staff_on_request_page(setup, "first_name")
    _busy_on_every_thread(setup.instance)
    assert _pooled_connections(setup.engine) == POOL_SIZE

    setup.server.stop("fast")
    setup.server.start()
    assert _pooled_connections(setup.engine) == 0  # the pooled ones died with the server

    assert browser.get(setup.instance, f"/staff/requests/{reference}").status_code == 200
    claim_path = f"/staff/requests/{reference}/claim"
    assert browser.post(setup.instance, claim_path, claim).status_code == 303
    assert world.counts(setup.engine, reference)["claimed_events"] == 1
    _busy_on_every_thread(setup.instance)


def test_requests_fail_cleanly_during_an_outage_and_leave_nothing_half_written(
    setup: Setup,
) -> None:
    browser, reference, claim = _staff_on_request_page(setup, "last_name")
    instance, claim_path = setup.instance, f"/staff/requests/{reference}/claim"
    before = world.counts(setup.engine, reference)

    # A claim that has written its audit entry and its change and waits to add its timeline
    # event when PostgreSQL stops: the server rolls its transaction back whole. An immediate
    # stop ends every session at once; a fast one ends them one by one, and when the holder's
    # goes first its lock is released and the claim may commit before its own session ends.
    holder = _hold_the_timeline(setup.engine)
    cut_off: list[requests.Response] = []
    claiming = threading.Thread(
        target=lambda: cut_off.append(browser.post(instance, claim_path, claim))
    )
    claiming.start()
    _wait_for_a_half_written_claim(setup.engine)
    setup.server.stop("immediate")
    claiming.join(timeout=60)
    holder.invalidate()  # its server is gone; there is nothing to give back
    assert cut_off, "the cut-off claim never got an answer"
    assert _failed_cleanly(cut_off[0]), cut_off[0].status_code

    # While it is down: the health check says so (to a monitor, and to a signed-in person
    # whose session cannot be looked up); pages and writes fail cleanly.
    assert Browser().get(instance, "/healthz").status_code == 503
    assert _failed_cleanly(browser.get(instance, "/healthz"))
    assert _failed_cleanly(browser.get(instance, f"/staff/requests/{reference}"))
    assert _failed_cleanly(browser.post(instance, claim_path, claim))

    setup.server.start()
    assert browser.get(instance, "/healthz").status_code == 200
    assert browser.get(instance, f"/staff/requests/{reference}").status_code == 200
    # Nothing of the claims cut off or refused during the outage was written: only the page
    # view just now is new in the audit trail.
    after = world.counts(setup.engine, reference)
    assert after == {**before, "audit_entries": before["audit_entries"] + 1}
    assert after["claimed_by"] is None
    assert after["claimed_events"] == 0

    # The same claim, sent again, goes through.
    assert browser.post(instance, claim_path, claim).status_code == 303
    assert world.counts(setup.engine, reference)["claimed_events"] == 1
