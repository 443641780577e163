"""The sharing rule (DESIGN.md 3), item by item, and household coverage."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.hmis.identity import record_identity_changes
from portal.hmis.models import Client
from portal.notice.services import current_version, in_language
from portal.requests.services import RequestRefused, new_submission_key
from portal.sharing import services
from portal.sharing.rule import Viewer, sharing_history, visible_record
from portal.timeutil import utcnow
from tests.factories import (
    ADULT_CHILD,
    AGENCY_A,
    AGENCY_B,
    CHILD,
    PARENT,
    add_enrollment,
    hmis_world,
    phone_sharing_form,
)

STAFF_A = Viewer(Role.AGENCY_STAFF, AGENCY_A)
STAFF_B = Viewer(Role.AGENCY_STAFF, AGENCY_B)
LEAD = Viewer(Role.HMIS_LEAD, None)


def _sign(session: Session, refuse: bool, covered: list[str], key: str | None = None):  # type: ignore[no-untyped-def]
    signed = phone_sharing_form(
        session,
        personal_id=PARENT,
        refuse=refuse,
        covered=covered,
        signed_name="Canaryparent Testfamily",
        submission_key=key,
    )
    session.commit()
    return signed


def _enrollment_ids(session: Session, viewer: Viewer, personal_id: str = PARENT) -> set[str]:
    seen = visible_record(session, viewer, personal_id)
    return {shown.enrollment.enrollment_id for shown in seen.enrollments} if seen else set()


def test_partners_see_everything_while_the_client_shares(db_session: Session) -> None:
    hmis_world(db_session)
    assert _enrollment_ids(db_session, STAFF_B) == {"E-A-P-PARENT", "E-B-old"}


def test_after_a_refusal_new_items_of_other_agencies_are_hidden(db_session: Session) -> None:
    hmis_world(db_session)
    _sign(db_session, True, [PARENT])
    later = utcnow() + dt.timedelta(seconds=1)
    add_enrollment(db_session, "E-B-new", PARENT, AGENCY_B, later)
    add_enrollment(db_session, "E-A-new", PARENT, AGENCY_A, later)
    db_session.commit()
    # Agency B sees its own new item and everything from before; not A's new one.
    assert _enrollment_ids(db_session, STAFF_B) == {"E-A-P-PARENT", "E-B-old", "E-B-new"}
    assert _enrollment_ids(db_session, STAFF_A) == {"E-A-P-PARENT", "E-B-old", "E-A-new"}
    assert _enrollment_ids(db_session, LEAD) == {
        "E-A-P-PARENT",
        "E-B-old",
        "E-B-new",
        "E-A-new",
    }


def test_a_restore_shares_new_items_again_but_not_those_of_the_refusal(
    db_session: Session,
) -> None:
    hmis_world(db_session)
    refusal = _sign(db_session, True, [PARENT])
    during = refusal.signed_at + dt.timedelta(microseconds=1)
    add_enrollment(db_session, "E-A-during", PARENT, AGENCY_A, during)
    db_session.commit()
    signed = _sign(db_session, False, [PARENT])
    after = signed.signed_at + dt.timedelta(seconds=1)
    add_enrollment(db_session, "E-A-after", PARENT, AGENCY_A, after)
    db_session.commit()
    seen = _enrollment_ids(db_session, STAFF_B)
    assert "E-A-after" in seen
    assert "E-A-during" not in seen
    assert not sharing_history(db_session, PARENT).refused_now


def test_identifying_data_shows_as_it_stood_when_the_refusal_began(db_session: Session) -> None:
    hmis_world(db_session)
    _sign(db_session, True, [PARENT])
    parent = db_session.get(Client, PARENT)
    assert parent is not None
    parent.first_name = "Canaryrenamed"
    parent.hmis_user_id = None
    parent.date_updated = utcnow() + dt.timedelta(seconds=1)
    db_session.flush()
    record_identity_changes(db_session, [PARENT], utcnow() + dt.timedelta(seconds=2))
    db_session.commit()
    partner = visible_record(db_session, STAFF_B, PARENT)
    assert partner is not None
    assert partner.identity is not None
    assert partner.identity.first_name == "Canaryparent"
    assert not partner.identity_is_current
    assert not partner.demographics_visible
    lead = visible_record(db_session, LEAD, PARENT)
    assert lead is not None
    assert lead.identity is not None
    assert lead.identity.first_name == "Canaryrenamed"


def test_a_refusal_takes_effect_on_the_very_next_request(db_session: Session) -> None:
    hmis_world(db_session)
    signed = _sign(db_session, True, [PARENT])
    history = sharing_history(db_session, PARENT)
    assert history.refused_now
    assert history.refusal_started == signed.signed_at
    assert history.refused_at(signed.signed_at)
    assert not history.refused_at(signed.signed_at - dt.timedelta(microseconds=1))


def test_a_parent_signs_for_children_under_18_only(db_session: Session) -> None:
    hmis_world(db_session)
    people = {p.personal_id for p in services.people_for_form(db_session, PARENT, refuse=True)}
    assert people == {PARENT, CHILD}
    with pytest.raises(RequestRefused, match="not_covered"):
        _sign(db_session, True, [PARENT, ADULT_CHILD])
    signed = _sign(db_session, True, [PARENT, CHILD])
    assert {change.personal_id for change in signed.covered} == {PARENT, CHILD}
    assert sharing_history(db_session, CHILD).refused_now
    assert not sharing_history(db_session, ADULT_CHILD).refused_now
    # The child's new items at another agency are hidden too.
    add_enrollment(db_session, "E-B-child", CHILD, AGENCY_B, utcnow() + dt.timedelta(seconds=1))
    db_session.commit()
    assert "E-B-child" not in _enrollment_ids(db_session, STAFF_A, CHILD)


def test_the_same_form_sent_twice_is_signed_once(db_session: Session) -> None:
    hmis_world(db_session)
    key = new_submission_key()
    first = _sign(db_session, True, [PARENT], key=key)
    second = _sign(db_session, True, [PARENT], key=key)
    assert first.id == second.id
    assert len(first.covered) == 1


def test_the_receipt_hash_is_of_the_exact_text(db_session: Session) -> None:
    hmis_world(db_session)
    signed = _sign(db_session, True, [PARENT])
    version = current_version(db_session, kind="sharing_refusal")
    assert version is not None
    assert signed.form_text_sha256 == services.text_sha256(in_language(version, "en").text)
    assert len(signed.form_text_sha256 or "") == 64
