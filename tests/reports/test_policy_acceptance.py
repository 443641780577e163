"""The share of staff who accepted the End User Policy in force, by agency, with who has not."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.accounts.policy import accept
from portal.reports.policy import policy_acceptance
from tests.accounts.staff import policy_version
from tests.factories import AGENCY_A, AGENCY_B, hmis_world
from tests.requests.test_staff_queue import _signed_in, _staff


def test_policy_acceptance_by_agency_names_who_has_not(app: Flask, db_session: Session) -> None:
    hmis_world(db_session)
    version = policy_version(db_session)
    lead = _staff(db_session, "lead@county.example", Role.HMIS_LEAD, None)
    admin_a = _staff(db_session, "admin@a.example", Role.AGENCY_ADMIN, AGENCY_A)
    _staff(db_session, "late@a.example", Role.AGENCY_STAFF, AGENCY_A)
    staff_b = _staff(db_session, "b@b.example", Role.AGENCY_STAFF, AGENCY_B)
    gone = _staff(db_session, "gone@a.example", Role.AGENCY_STAFF, AGENCY_A)
    gone.active = False
    with app.test_request_context():
        for user in (lead, admin_a, staff_b):
            accept(db_session, user, version)
    db_session.commit()

    everyone = policy_acceptance(db_session, lead)
    assert (everyone.accepted, everyone.total) == (3, 4)
    by_agency = {a.agency_id: a for a in everyone.agencies}
    assert [u.email for u in by_agency[AGENCY_A].not_accepted] == ["late@a.example"]
    assert by_agency[AGENCY_A].share == 0.5
    assert by_agency[AGENCY_B].not_accepted == []
    assert by_agency[None].accepted == 1
    own = policy_acceptance(db_session, admin_a)
    assert [a.agency_id for a in own.agencies] == [AGENCY_A]

    page = _signed_in(app, admin_a).get("/staff/reports/policy-acceptance").page
    row = page.select_one(f"tr[data-agency={AGENCY_A}]")
    assert "1 / 2" in row.get_text()
    assert "late@a.example" in row.get_text()
    assert page.select_one(f"tr[data-agency={AGENCY_B}]") is None


def test_the_queue_exports_as_csv_for_a_date_range(app: Flask, db_session: Session) -> None:
    from portal.i18n import local_date
    from tests.factories import PARENT, phone_correction

    hmis_world(db_session)
    correction = phone_correction(
        db_session,
        personal_id=PARENT,
        item_key="identity.first_name",
        current_value="a",
        requested_value="b",
        agency_id=AGENCY_A,
    )
    db_session.commit()
    admin = _staff(db_session, "admin@a.example", Role.AGENCY_ADMIN, AGENCY_A)
    client = _signed_in(app, admin)
    with app.app_context():
        today = local_date().isoformat()
    response = client.get(f"/staff/queue/export?from={today}&to={today}")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("reference,type,status")
    assert lines[1].startswith(f"{correction.reference},correction,submitted,{AGENCY_A}")
    assert "Canaryparent" not in response.get_data(as_text=True)  # no names in the file
    assert client.get("/staff/queue/export?from=2026-02-30&to=x").status_code == 400
    staff = _staff(db_session, "s@a.example", Role.AGENCY_STAFF, AGENCY_A)
    assert (
        _signed_in(app, staff).get(f"/staff/queue/export?from={today}&to={today}").status_code
        == 403
    )


def test_the_queue_export_takes_county_days_both_ends_and_escapes_formulas(
    app: Flask, db_session: Session
) -> None:
    import datetime as dt

    from portal.i18n import local_midnight
    from tests.factories import PARENT, phone_correction

    hmis_world(db_session)
    admin = _staff(db_session, "admin@a.example", Role.AGENCY_ADMIN, AGENCY_A)
    colleague = _staff(db_session, "c@a.example", Role.AGENCY_STAFF, AGENCY_A)
    colleague.name = "=HYPERLINK(1)"
    with app.app_context():
        day_start = local_midnight(dt.date(2026, 3, 1))  # March 1 begins at 06:00 UTC
        day_end = local_midnight(dt.date(2026, 3, 5))  # the end of March 4 in Chicago
    made = {}
    for key, item, at in (
        ("first", "first_name", day_start),
        ("last", "last_name", day_end - dt.timedelta(minutes=30)),  # 23:30 on March 4
        ("after", "middle_name", day_end + dt.timedelta(minutes=30)),  # 00:30 on March 5
        ("before", "name_suffix", day_start - dt.timedelta(minutes=30)),  # 23:30, February 28
    ):
        found = phone_correction(
            db_session,
            personal_id=PARENT,
            item_key=f"identity.{item}",
            current_value="a",
            requested_value="b",
            agency_id=AGENCY_A,
        )
        found.submitted_at = at
        made[key] = found
    made["last"].claimed_by_id = colleague.id
    db_session.commit()
    text = (
        _signed_in(app, admin)
        .get("/staff/queue/export?from=2026-03-01&to=2026-03-04")
        .get_data(as_text=True)
    )
    assert made["first"].reference in text
    assert made["last"].reference in text  # the end day is included, in the county's hours
    assert made["after"].reference not in text
    assert made["before"].reference not in text
    assert "'=HYPERLINK(1)" in text  # a spreadsheet shows it, never runs it
