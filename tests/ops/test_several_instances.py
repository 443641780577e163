"""Two gunicorn instances on one PostgreSQL database and one Redis, as behind nginx: nothing a
person does depends on which instance answers.

The instances run deploy/gunicorn.conf.py in production mode, so this also checks the sample
configuration: it starts, it pools, and its access log keeps tokens and codes out.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import redis
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session

from portal.audit.models import AuditEntry
from portal.hmis.models import Client
from tests.factories import ADULT_CHILD, PARENT
from tests.fixtures.clients import NOT_RIGHT
from tests.ops import world
from tests.ops.conftest import NewDatabase, clean_redis
from tests.ops.instances import (
    Browser,
    Instance,
    logged_requests,
    page,
    production_environment,
    running,
)

pytestmark = pytest.mark.postgres

REDIS_URL = "redis://127.0.0.1:6379/14"  # this module's own Redis database, emptied around it
SESSION_COOKIE = "portal_session"
RACERS_PER_INSTANCE = 8
# A held code tells the client, in their language, when to try again and who can help sooner.
HELD = {
    "en": "Try again in 15 minutes, or ask the staff at your agency to lift the hold.",
    "es": "Intente de nuevo en 15 minutos, o pida al personal de su agencia que quite la pausa.",
}


@dataclass
class Cluster:
    a: Instance
    b: Instance
    engine: Engine  # the test's own view of the shared database
    redis_url: str


@pytest.fixture(scope="module")
def cluster(
    new_database: NewDatabase, _ssn_cipher: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    logs = tmp_path_factory.mktemp("instances")
    with clean_redis(REDIS_URL) as redis_url, new_database() as url:
        engine = create_engine(url)
        try:
            with Session(engine) as session:
                world.people(session)
            environment = production_environment(url, redis_url)
            with running(("a", "b"), environment, logs) as (a, b):
                yield Cluster(a, b, engine, redis_url)
        finally:
            engine.dispose()


def _sign_in(  # type: ignore[no-untyped-def]
    browser: Browser, instance: Instance, code: str, dob: dict[str, str], language: str = "en"
):
    fields = browser.form_fields(instance, f"/sign-in?lang={language}")
    return browser.post(instance, "/sign-in", {**fields, "code": code, **dob})


def _dob(session: Session, personal_id: str) -> dict[str, str]:
    born = session.get(Client, personal_id).dob  # type: ignore[union-attr]
    return {"dob_month": str(born.month), "dob_day": str(born.day), "dob_year": str(born.year)}


WRONG_DOB = {"dob_month": "1", "dob_day": "2", "dob_year": "1950"}


def _client_on_b_after_signing_in_on_a(cluster: Cluster) -> tuple[Browser, str]:
    """A client signs in on A, then goes on to B."""
    with Session(cluster.engine) as session:
        code, dob = world.access_code(session, PARENT), _dob(session, PARENT)
    browser = Browser()
    assert _sign_in(browser, cluster.a, code, dob).status_code == 303
    # The first time only, the notice asks to be acknowledged; after that it lets them on.
    if browser.get(cluster.b, "/privacy-notice/acknowledge").status_code == 200:
        fields = browser.form_fields(cluster.b, "/privacy-notice/acknowledge")
        assert browser.post(cluster.b, "/privacy-notice/acknowledge", fields).status_code == 303
    return browser, code


def test_a_client_signed_in_on_one_instance_continues_on_the_other(cluster: Cluster) -> None:
    browser, _code = _client_on_b_after_signing_in_on_a(cluster)
    for instance in (cluster.b, cluster.a, cluster.b):
        record = browser.get(instance, "/my-record")
        assert record.status_code == 200, instance.name
        assert "Canaryparent" in record.text  # the synthetic parent's own record


def test_signing_out_on_one_instance_ends_the_session_on_both(cluster: Cluster) -> None:
    browser, _code = _client_on_b_after_signing_in_on_a(cluster)
    copied = browser.cookie(SESSION_COOKIE)
    assert copied
    fields = browser.form_fields(cluster.a, "/my-record", "form[action='/sign-out']")
    assert browser.post(cluster.a, "/sign-out", fields).status_code == 303

    # The cookie as it was before signing out, sent to the other instance: it names a
    # session that the database now says has ended.
    replay = Browser()
    replay.http.cookies.set(SESSION_COOKIE, copied)
    for instance in (cluster.b, cluster.a):
        response = replay.get(instance, "/my-record")
        assert response.status_code == 303, instance.name
        assert response.headers["Location"].endswith("/sign-in")
        assert "Canaryparent" not in response.text


def test_sign_in_failures_on_both_instances_count_as_one(cluster: Cluster) -> None:
    """A known code is held for 15 minutes after 5 wrong dates of birth (portal/ratelimit.py).
    Three on A and two on B, from different devices, use it up: the next try, even with the
    right date of birth and on either instance, is refused. Neither instance alone saw five."""
    with Session(cluster.engine) as session:
        code, dob = world.access_code(session, ADULT_CHILD), _dob(session, ADULT_CHILD)
    for index, instance in enumerate((cluster.a, cluster.a, cluster.a, cluster.b, cluster.b)):
        refused = _sign_in(Browser(f"203.0.113.{20 + index}"), instance, code, WRONG_DOB)
        assert refused.status_code == 200, (index, instance.name)
        assert NOT_RIGHT in page(refused).get_text(" ")
    for instance, language in ((cluster.a, "en"), (cluster.b, "es")):
        limited = _sign_in(Browser("203.0.113.40"), instance, code, dob, language)
        assert limited.status_code == 429, instance.name
        assert 800 < int(limited.headers["Retry-After"]) <= 900, instance.name
        summary = page(limited).select_one(".error-summary a")
        assert summary is not None, instance.name
        assert HELD[language] in " ".join(summary.get_text().split()), instance.name
    # The counters are in Redis, where every instance finds them.
    assert redis.Redis.from_url(cluster.redis_url).dbsize() > 0


Racer = tuple[Browser, Instance, dict[str, str]]


def _staff_signed_in(instance: Instance, email: str, address: str) -> Browser:
    browser = Browser(address)
    fields = browser.form_fields(instance, "/staff/sign-in")
    credentials = {"email": email, "password": world.STAFF_PASSWORD}
    assert browser.post(instance, "/staff/sign-in", {**fields, **credentials}).status_code == 303
    return browser


def _staff_ready_to_claim(cluster: Cluster, reference: str, count: int) -> list[Racer]:
    """Staff, each signed in on one instance and about to claim through the other, with the
    claim form's fields (CSRF token, the version they saw) from the request's page there."""
    with Session(cluster.engine) as session:
        emails = world.agency_staff(session, count, "racer")
    claim_form = f"form[action='/staff/requests/{reference}/claim']"

    def prepare(index: int) -> Racer:
        sign_in_at, claim_at = (cluster.a, cluster.b) if index % 2 else (cluster.b, cluster.a)
        browser = _staff_signed_in(sign_in_at, emails[index], f"203.0.113.{100 + index}")
        fields = browser.form_fields(claim_at, f"/staff/requests/{reference}", claim_form)
        return browser, claim_at, fields

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(prepare, range(count)))


def test_simultaneous_claims_through_both_instances_have_one_winner(cluster: Cluster) -> None:
    with Session(cluster.engine) as session:
        reference = world.correction(session).reference
    racers = _staff_ready_to_claim(cluster, reference, 2 * RACERS_PER_INSTANCE)
    before = world.counts(cluster.engine, reference)
    start = threading.Barrier(len(racers))

    def claim(racer: Racer) -> int:
        browser, instance, fields = racer
        start.wait(timeout=60)
        return browser.post(instance, f"/staff/requests/{reference}/claim", fields).status_code

    with ThreadPoolExecutor(len(racers)) as pool:
        statuses = list(pool.map(claim, racers))

    assert statuses == [303] * len(racers)  # every loser is told so on the page, none fails
    after = world.counts(cluster.engine, reference)
    assert after["claimed_by"] is not None
    assert after["claimed_events"] == before["claimed_events"] + 1 == 1
    assert after["version"] == before["version"] + 1
    with Session(cluster.engine) as session:
        claims_audited = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "request.claimed", AuditEntry.object_id == reference)
        )
    assert claims_audited == 1


def test_access_logs_keep_codes_tokens_and_query_strings_out(cluster: Cluster) -> None:
    """The QR code on a code slip opens /sign-in?code=...; a set-up link is a staff password."""
    with Session(cluster.engine) as session:
        code = world.access_code(session, PARENT)
    browser = Browser()
    for instance in (cluster.a, cluster.b):
        assert browser.get(instance, f"/sign-in?code={code}").status_code == 303
        assert browser.get(instance, "/staff/set-up/a-one-time-token-0123456789").status_code == 404
    expected = ('"GET /sign-in HTTP/1.1" 303', '"GET /staff/set-up/[token] HTTP/1.1" 404')
    for instance in (cluster.a, cluster.b):
        log = logged_requests(instance, expected)
        for line in expected:
            assert line in log, instance.name
        for secret in (code, code.replace("-", ""), "a-one-time-token", "code="):
            assert secret not in log, instance.name
