"""The factories make what they say, through the portal's own services."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.services import live_code_for
from portal.accounts.models import Role
from portal.accounts.services import verify_password
from portal.requests.models import RequestType, Status, WithheldItem
from tests import factories


def test_staff_user_factory_makes_a_user_who_can_sign_in(db_session: Session) -> None:
    factories.hmis_world(db_session)
    staff = factories.staff_user(db_session)
    lead = factories.staff_user(db_session, role="hmis_lead", email="lead@example.org", agency=None)
    assert staff.role == Role.AGENCY_STAFF
    assert staff.organization_id == factories.AGENCY_A
    assert staff.totp_secret is None
    assert lead.totp_secret is not None
    assert lead.organization_id is None
    assert staff.password_hash is not None
    assert verify_password(staff.password_hash, factories.STAFF_PASSWORD)


def test_access_code_factory_issues_a_live_code(app: Flask, db_session: Session) -> None:
    factories.hmis_world(db_session)
    code = factories.access_code(db_session, factories.PARENT, app.config["SECRET_KEY"])
    found = live_code_for(db_session, code, app.config["SECRET_KEY"])
    assert found is not None
    assert found.personal_id == factories.PARENT


def test_withheld_item_and_printed_copy_factories(db_session: Session) -> None:
    factories.hmis_world(db_session)
    factories.withheld_item(db_session, personal_id=factories.PARENT)
    copy = factories.printed_copy_request(db_session, personal_id=factories.PARENT)
    db_session.commit()
    withheld = db_session.scalars(select(WithheldItem)).one()
    assert (withheld.item_key, withheld.reason) == ("identity.ssn", "litigation")
    assert copy.type == RequestType.PRINTED_COPY
    assert copy.status == Status.SUBMITTED
