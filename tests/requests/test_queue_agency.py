"""Which agency's queue a client's printed-copy request joins: a rule of the requests service,
checked here without a request or app context."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal.requests.services import printed_copy_agency
from tests import factories


def test_a_printed_copy_goes_to_the_agency_of_the_newest_enrollment(db_session: Session) -> None:
    factories.hmis_world(db_session)
    assert printed_copy_agency(db_session, factories.CHILD) == factories.AGENCY_A
    factories.add_enrollment(
        db_session, "E-B-new", factories.CHILD, factories.AGENCY_B, dt.datetime(2024, 5, 1, 9, 0)
    )
    assert printed_copy_agency(db_session, factories.CHILD) == factories.AGENCY_B


def test_a_client_without_an_enrollment_goes_to_no_agency(db_session: Session) -> None:
    factories.hmis_world(db_session)
    assert printed_copy_agency(db_session, "P-NOBODY") is None
