"""The disclosure register: recording, the consent rule, agencies, delays, supersession, the
chain, and what the client reads back."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from portal.disclosures import chain
from portal.disclosures.models import DisclosureEntry, DisclosurePerson
from portal.disclosures.services import (
    DisclosureRefused,
    disclosure_report,
    disclosures_for_client,
    parse_personal_ids,
    record_disclosure,
)
from portal.timeutil import utcnow
from tests.disclosures.helpers import consent, disclosure, world
from tests.factories import ADULT_CHILD, CHILD, PARENT


@pytest.fixture
def users(app: Flask, db_session: Session):  # type: ignore[no-untyped-def]
    with app.app_context():
        yield world(db_session)


def _key(app: Flask) -> bytes:
    return chain.register_key(app.config["PORTAL"].audit_key)


def test_a_disclosure_is_recorded_chained_and_shown_to_its_clients(
    app: Flask, db_session: Session, users
) -> None:  # type: ignore[no-untyped-def]
    entry = record_disclosure(db_session, disclosure(personal_ids=[PARENT, CHILD]), users["lead"])
    db_session.commit()
    assert entry.seq == 1
    assert len(entry.reference) == 11
    assert entry.personal_ids == [CHILD, PARENT]
    assert [e.reference for e in disclosures_for_client(db_session, PARENT)] == [entry.reference]
    assert disclosures_for_client(db_session, ADULT_CHILD) == []
    assert chain.verify(db_session, _key(app)).intact


def test_the_register_chain_detects_an_edited_entry(app: Flask, db_session: Session, users) -> None:  # type: ignore[no-untyped-def]
    for day in (5, 4, 3):
        record_disclosure(
            db_session,
            disclosure(disclosed_on=utcnow().date() - dt.timedelta(days=day)),
            users["lead"],
        )
    db_session.commit()
    assert chain.verify(db_session, _key(app)).entries == 3
    db_session.execute(
        update(DisclosureEntry).where(DisclosureEntry.seq == 2).values(recipient_organization="X")
    )
    db_session.commit()
    verdict = chain.verify(db_session, _key(app))
    assert (verdict.intact, verdict.broken_at) == (False, 2)


def test_the_chain_detects_a_client_removed_from_an_entry(
    app: Flask, db_session: Session, users
) -> None:  # type: ignore[no-untyped-def]
    record_disclosure(db_session, disclosure(personal_ids=[PARENT, CHILD]), users["lead"])
    db_session.commit()
    db_session.execute(
        DisclosurePerson.__table__.delete().where(DisclosurePerson.personal_id == CHILD)
    )
    db_session.commit()
    assert chain.verify(db_session, _key(app)).broken_at == 1


def test_a_delayed_disclosure_is_hidden_until_its_date(db_session: Session, users) -> None:  # type: ignore[no-untyped-def]
    today = utcnow().date()
    record_disclosure(
        db_session, disclosure(visible_from=today + dt.timedelta(days=10)), users["lead"]
    )
    db_session.commit()
    assert disclosures_for_client(db_session, PARENT, today) == []
    assert len(disclosures_for_client(db_session, PARENT, today + dt.timedelta(days=10))) == 1


def test_only_orders_can_delay_and_only_to_a_later_day(db_session: Session, users) -> None:  # type: ignore[no-untyped-def]
    today = utcnow().date()
    with pytest.raises(DisclosureRefused) as refused:
        record_disclosure(
            db_session,
            disclosure(purpose="audit", visible_from=today + dt.timedelta(days=1)),
            users["lead"],
        )
    assert refused.value.problems == {"visible_from": "not_for_purpose"}
    with pytest.raises(DisclosureRefused) as refused:
        record_disclosure(
            db_session, disclosure(visible_from=today - dt.timedelta(days=9)), users["lead"]
        )
    assert refused.value.problems == {"visible_from": "not_after"}


def test_a_correction_supersedes_the_wrong_entry(db_session: Session, users) -> None:  # type: ignore[no-untyped-def]
    wrong = record_disclosure(
        db_session, disclosure(recipient_organization="Wrong PD"), users["lead"]
    )
    fixed = record_disclosure(
        db_session,
        disclosure(recipient_organization="Right PD", supersedes=wrong.reference.lower()),
        users["lead"],
    )
    db_session.commit()
    assert fixed.supersedes == wrong.reference
    shown = disclosures_for_client(db_session, PARENT)
    assert [e.recipient_organization for e in shown] == ["Right PD"]
    with pytest.raises(DisclosureRefused) as refused:
        record_disclosure(db_session, disclosure(supersedes=wrong.reference), users["lead"])
    assert refused.value.problems == {"supersedes": "already"}
    # Both entries stay in the register.
    assert db_session.query(DisclosureEntry).count() == 2


def test_an_agency_admin_records_only_for_their_agency(db_session: Session, users) -> None:  # type: ignore[no-untyped-def]
    # The household is at agency A; agency B served only the parent.
    entry = record_disclosure(
        db_session, disclosure(personal_ids=[PARENT, CHILD]), users["admin_a"]
    )
    assert entry.recorder_agency == "ORG-A"
    with pytest.raises(DisclosureRefused) as refused:
        record_disclosure(db_session, disclosure(personal_ids=[PARENT, CHILD]), users["admin_b"])
    assert refused.value.problems == {"personal_ids": "other_agency"}
    assert refused.value.personal_ids == [CHILD]
    with pytest.raises(DisclosureRefused) as refused:
        record_disclosure(db_session, disclosure(personal_ids=["NOPE", PARENT]), users["lead"])
    assert refused.value.personal_ids == ["NOPE"]


def test_a_use_needing_consent_is_refused_without_one_and_after_revocation(
    db_session: Session, users
) -> None:  # type: ignore[no-untyped-def]
    from portal.consents.services import revoke

    research = disclosure(purpose="research_identified", items=["identity", "ssn"])
    with pytest.raises(DisclosureRefused) as refused:
        record_disclosure(db_session, research, users["lead"])
    assert refused.value.problems == {"purpose": "no_consent"}
    given = consent(db_session, PARENT)
    research = disclosure(
        purpose="research_identified", items=["identity"], disclosed_on=utcnow().date()
    )
    entry = record_disclosure(db_session, research, users["lead"])
    assert entry.consent_reference == given.reference
    assert revoke(db_session, given, "client")
    with pytest.raises(DisclosureRefused):
        record_disclosure(db_session, research, users["lead"])


def test_the_report_counts_entries_in_force_by_month_purpose_and_recipient(
    db_session: Session, users
) -> None:  # type: ignore[no-untyped-def]
    day = utcnow().date() - dt.timedelta(days=2)
    wrong = record_disclosure(db_session, disclosure(disclosed_on=day), users["lead"])
    record_disclosure(
        db_session, disclosure(disclosed_on=day, supersedes=wrong.reference), users["lead"]
    )
    record_disclosure(
        db_session,
        disclosure(disclosed_on=day, personal_ids=[PARENT, CHILD], purpose="audit"),
        users["admin_a"],
    )
    db_session.commit()
    report = disclosure_report(db_session, day - dt.timedelta(days=40), day)
    assert (report.total_entries, report.total_clients) == (2, 3)
    assert {(r.purpose, r.entries, r.clients) for r in report.rows} == {
        ("law_enforcement", 1, 1),
        ("audit", 1, 2),
    }
    agency = disclosure_report(db_session, day - dt.timedelta(days=40), day, "ORG-A")
    assert agency.total_entries == 1


def test_pasted_personal_ids_are_split_and_deduplicated() -> None:
    assert parse_personal_ids("A1\nB2, C3\tA1 ;D4") == ["A1", "B2", "C3", "D4"]
