"""One-time things stay one-time when two instances get them at the same moment: a kiosk's
hand-off link opens one session and counts every wrong try; a two-step code signs in once; a
staff set-up link sets one password.

Each attempt runs in its own thread, session and connection, as two instances would; only
PostgreSQL's row locks stand between them (SQLite lets one writer at a time anyway).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session

from portal.access.models import ClientSession, HandOff
from portal.access.services import (
    HAND_OFF_TRIES,
    HandOffRefused,
    create_hand_off,
    live_hand_off,
    redeem_hand_off,
    sign_in,
)
from portal.accounts.models import StaffUser
from portal.accounts.services import (
    SetupLinkSpent,
    issue_setup_token,
    set_password_from_setup,
    user_for_setup_token,
)
from portal.accounts.signin import confirm_totp
from portal.hmis.models import Client
from tests.factories import PARENT
from tests.ops import world
from tests.ops.conftest import NewDatabase
from tests.ops.instances import SECRET_KEY

pytestmark = pytest.mark.postgres

ATTEMPTS = 6
WRONG_DOB = dt.date(1950, 1, 2)


@pytest.fixture(scope="module")
def engine(new_database: NewDatabase, _ssn_cipher: None) -> Iterator[Engine]:
    """One database for the module: each test makes its own link or user."""
    with new_database() as url:
        engine = create_engine(url, pool_size=ATTEMPTS)
        with Session(engine) as session:
            world.people(session)
        yield engine
        engine.dispose()


Attempt = Callable[[Session, Callable[[], object]], bool]


def _at_once(engine: Engine, attempt: Attempt) -> list[bool]:
    """Run attempt ATTEMPTS times, each in its own session. An attempt first reads what the
    page reads before acting, then calls its second argument to wait for all the others, then
    acts at the same moment as they do, commits and says whether it got through."""
    start = threading.Barrier(ATTEMPTS)

    def run(_index: int) -> bool:
        with Session(engine) as session:
            return attempt(session, lambda: start.wait(timeout=30))

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        return list(pool.map(run, range(ATTEMPTS)))


def _kiosk_hand_off(engine: Engine) -> tuple[str, dt.date, int]:
    """A client signed in at a kiosk has shown the QR code and short link for their phone, and
    the kiosk signed them out: (link token, DOB, the link's row id)."""
    with Session(engine) as session:
        code = world.access_code(session, PARENT)
        dob = session.get(Client, PARENT).dob  # type: ignore[union-attr]
        kiosk_session, _cookie = sign_in(session, code, dob, SECRET_KEY, "kiosk")
        token = create_hand_off(session, kiosk_session)
        kiosk_session.end("handed_off")
        link = live_hand_off(session, token)  # found as the page finds it, by the typed token
        assert link is not None
        session.commit()
        return token, dob, link.id


def _redeem(token: str, dob: dt.date) -> Attempt:
    def attempt(session: Session, together: Callable[[], object]) -> bool:
        live_hand_off(session, token)  # the page checks the link before showing its form
        together()
        try:
            redeem_hand_off(session, token, dob)
        except HandOffRefused:
            session.commit()  # as the page does: a wrong try must be counted
            return False
        session.commit()
        return True

    return attempt


def test_a_hand_off_link_sent_twice_at_once_opens_one_session(engine: Engine) -> None:
    token, dob, link_id = _kiosk_hand_off(engine)
    assert _at_once(engine, _redeem(token, dob)).count(True) == 1
    with Session(engine) as session:
        link = session.get_one(HandOff, link_id)
        assert link.used_at is not None
        phones = session.scalar(
            select(func.count())
            .select_from(ClientSession)
            .where(
                ClientSession.device == "personal",
                ClientSession.access_code_id == link.access_code_id,
            )
        )
    assert phones == 1


def test_wrong_tries_at_once_are_all_counted_and_spend_the_link(engine: Engine) -> None:
    token, dob, link_id = _kiosk_hand_off(engine)
    assert _at_once(engine, _redeem(token, WRONG_DOB)) == [False] * ATTEMPTS
    with Session(engine) as session:
        assert session.get_one(HandOff, link_id).failures == HAND_OFF_TRIES
        with pytest.raises(HandOffRefused):
            redeem_hand_off(session, token, dob)  # three wrong tries spent it, even at once


def test_a_two_step_code_sent_twice_at_once_signs_in_once(engine: Engine) -> None:
    with Session(engine) as session:
        email = world.agency_staff(session, 1, "twostep")[0]
        user = session.scalars(select(StaffUser).where(StaffUser.email == email)).one()
        user.totp_secret = pyotp.random_base32()
        session.commit()
        user_id, code = user.id, pyotp.TOTP(user.totp_secret).now()

    def attempt(session: Session, together: Callable[[], object]) -> bool:
        user = session.get(StaffUser, user_id)  # the page loads the user first
        together()
        confirmed = confirm_totp(session, user, code)  # type: ignore[arg-type]
        session.commit()
        return confirmed

    assert _at_once(engine, attempt).count(True) == 1


def test_a_set_up_link_sent_twice_at_once_sets_one_password(engine: Engine) -> None:
    with Session(engine) as session:
        email = world.agency_staff(session, 1, "setup")[0]
        user = session.scalars(select(StaffUser).where(StaffUser.email == email)).one()
        token = issue_setup_token(session, user, SECRET_KEY)
        session.commit()

    def attempt(session: Session, together: Callable[[], object]) -> bool:
        user = user_for_setup_token(session, token, SECRET_KEY)  # the page finds the link
        assert user is not None
        together()
        try:
            set_password_from_setup(session, user, f"a new password {threading.get_ident()}")
        except SetupLinkSpent:
            session.rollback()
            return False
        session.commit()
        return True

    assert _at_once(engine, attempt).count(True) == 1
    with Session(engine) as session:
        assert user_for_setup_token(session, token, SECRET_KEY) is None
