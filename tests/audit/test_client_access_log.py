"""Clients see who has looked at their record: date, agency, role, what; never staff names."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.accounts.test_staff_sign_in import post_form, staff_user
from tests.accounts.test_staff_sign_in import sign_in as staff_sign_in
from tests.fixtures.clients import PERSON, SignIn, signed_in_client


def test_client_sees_staff_views_with_agency_and_role_but_no_names(
    app: Flask,
    client: FlaskClient,
    sign_in: SignIn,
    code: str,
    db_session: Session,
) -> None:
    staff_user(db_session)
    staff = app.test_client()
    staff_sign_in(staff, "cm@agency.example")
    post_form(staff, "/staff/access-codes/new", {"personal_id": PERSON})

    signed_in_client(client, sign_in, code)
    page = client.get("/my-page/who-looked?lang=en").page
    items = [li.get_text(" ", strip=True) for li in page.select(".access-log__item")]
    assert len(items) == 1
    assert "Looked at your name and date of birth" in items[0]
    assert "Empty Eagle Hotel · Agency staff" in items[0]
    assert "Casey" not in page.get_text()
    assert "Manager" not in page.get_text()


def test_clients_own_actions_are_not_listed(
    client: FlaskClient,
    sign_in: SignIn,
    code: str,
) -> None:
    signed_in_client(client, sign_in, code)
    page = client.get("/my-page/who-looked").page
    assert page.select(".access-log__item") == []
    assert "No one has looked at or received" in page.select_one(".alert").get_text()
