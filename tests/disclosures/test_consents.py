"""Written consents: signed, expiring, expired, revoked; households; staff on paper."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from portal.consents.services import (
    ConsentRefused,
    Status,
    active_consent,
    consent_counts,
    consents_for_client,
    revoke,
    status_of,
)
from portal.timeutil import utcnow
from tests.disclosures.helpers import consent, world
from tests.factories import ADULT_CHILD, CHILD, PARENT


@pytest.fixture
def users(app: Flask, db_session: Session):  # type: ignore[no-untyped-def]
    with app.app_context():
        yield world(db_session)


def test_a_consent_is_active_then_expiring_then_expired(db_session: Session, users) -> None:  # type: ignore[no-untyped-def]
    today = utcnow().date()
    given = consent(db_session, end_date=today + dt.timedelta(days=90))
    db_session.commit()
    assert status_of(given, today) is Status.ACTIVE
    assert status_of(given, today + dt.timedelta(days=61)) is Status.EXPIRING
    assert status_of(given, today + dt.timedelta(days=90)) is Status.EXPIRING
    assert status_of(given, today + dt.timedelta(days=91)) is Status.EXPIRED
    assert active_consent(db_session, PARENT, "consent_research", today) == given
    assert (
        active_consent(db_session, PARENT, "consent_research", today + dt.timedelta(days=91))
        is None
    )
    assert active_consent(db_session, PARENT, "consent_other", today) is None


def test_revocation_is_prospective_and_happens_once(db_session: Session, users) -> None:  # type: ignore[no-untyped-def]
    given = consent(db_session)
    assert revoke(db_session, given, "client")
    assert not revoke(db_session, given, "client")
    assert status_of(given, utcnow().date()) is Status.REVOKED
    assert given.revoked_at is not None
    assert given.revoked_by == "client"
    assert active_consent(db_session, PARENT, "consent_research", utcnow().date()) is None


def test_the_head_of_household_signs_for_a_minor_but_not_for_an_adult(
    db_session: Session, users
) -> None:  # type: ignore[no-untyped-def]
    for_child = consent(db_session, CHILD, signer_id=PARENT)
    assert for_child.signed_by_personal_id == PARENT
    assert for_child in consents_for_client(db_session, PARENT)
    assert for_child in consents_for_client(db_session, CHILD)
    with pytest.raises(ConsentRefused) as refused:
        consent(db_session, ADULT_CHILD, signer_id=PARENT)
    assert refused.value.code == "not_household"
    with pytest.raises(ConsentRefused):
        consent(db_session, PARENT, signer_id=CHILD)
    assert consent(db_session, ADULT_CHILD).signed_by_personal_id == ADULT_CHILD


def test_an_end_date_in_the_past_is_refused(db_session: Session, users) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConsentRefused) as refused:
        consent(db_session, end_date=utcnow().date() - dt.timedelta(days=1))
    assert refused.value.code == "end_in_past"


def test_the_report_counts_consents_by_status(db_session: Session, users) -> None:  # type: ignore[no-untyped-def]
    today = utcnow().date()
    consent(db_session)
    consent(db_session, end_date=today + dt.timedelta(days=5))
    revoke(db_session, consent(db_session, ADULT_CHILD), "client")
    counts = consent_counts(db_session, today)
    assert (counts.active, counts.expiring, counts.expired, counts.revoked) == (1, 1, 0, 1)
    later = consent_counts(db_session, today + dt.timedelta(days=6))
    assert (later.active, later.expiring, later.expired) == (1, 0, 1)
