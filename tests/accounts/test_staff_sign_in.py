"""Staff sign-in: password, TOTP for the HMIS lead and system administrator, one session each."""

from __future__ import annotations

import time

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.accounts.models import Role, StaffSession, StaffUser
from portal.accounts.services import create_staff_user
from portal.hmis.services import run_import
from tests.conftest import HMIS_CSV

PASSWORD = "violet kettle harbour lamp"


def staff_user(
    session: Session,
    role: Role = Role.AGENCY_STAFF,
    email: str = "cm@agency.example",
    organization_id: str | None = "109",
) -> StaffUser:
    if organization_id and run_import(session, HMIS_CSV / "edge-fy2024-bom").succeeded is False:
        raise AssertionError("fixture import failed")
    user = create_staff_user(
        session,
        email=email,
        name="Casey Manager",
        role=role,
        organization_id=organization_id if role.needs_agency else None,
        password=PASSWORD,
    )
    session.commit()
    return user


def post_form(client: FlaskClient, path: str, data: dict[str, str]) -> TestResponse:
    page = client.get(path).page
    token = page.select_one("main form input[name=csrf_token]")["value"]
    return client.post(path, data={"csrf_token": token, **data})


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    return post_form(client, "/staff/sign-in", {"email": email, "password": password})


def test_agency_staff_signs_in_with_email_and_password(
    client: FlaskClient, db_session: Session
) -> None:
    staff_user(db_session)
    response = sign_in(client, "CM@agency.example")
    assert response.headers["Location"] == "/staff"
    page = client.get("/staff").page
    assert page.find("h1").get_text(strip=True) == "Staff workspace"


@pytest.mark.parametrize("wrong", ["wrong password here", None])
def test_wrong_email_or_password_get_the_same_answer(
    client: FlaskClient, db_session: Session, wrong: str | None
) -> None:
    staff_user(db_session)
    email = "cm@agency.example" if wrong else "nobody@agency.example"
    response = sign_in(client, email, wrong or PASSWORD)
    assert response.status_code == 200
    assert response.page.select_one(".error-summary a").get_text(strip=True) == (
        "The email address or the password is not right."
    )


def test_repeated_failures_stop_that_device_but_not_the_staff_member(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    staff_user(db_session)
    for _ in range(5):
        sign_in(client, "cm@agency.example", "wrong password here")
    blocked = sign_in(client, "cm@agency.example")
    assert blocked.status_code == 429
    assert "Too many tries" in blocked.page.select_one(".error-summary a").get_text()
    other_device = app.test_client()
    assert sign_in(other_device, "cm@agency.example").headers["Location"] == "/staff"


def test_hmis_lead_must_set_up_two_step_then_use_it(app: Flask, db_session: Session) -> None:
    staff_user(db_session, Role.HMIS_LEAD, "lead@county.example", None)
    client = app.test_client()
    assert sign_in(client, "lead@county.example").headers["Location"] == "/staff/two-step/set-up"
    page = client.get("/staff/two-step/set-up").page
    secret = page.select_one("code.secret").get_text(strip=True)
    assert page.select_one(".qr-box svg title") is not None
    bad = post_form(client, "/staff/two-step/set-up", {"code": "000000"})
    assert "not right" in bad.page.select_one(".error-summary a").get_text()
    done = post_form(client, "/staff/two-step/set-up", {"code": pyotp.TOTP(secret).now()})
    assert done.headers["Location"] == "/staff/two-step/recovery-codes"

    second = app.test_client()
    assert sign_in(second, "lead@county.example").headers["Location"] == "/staff/sign-in/code"
    assert second.get("/staff").headers["Location"] == "/staff/sign-in"  # not in yet
    # The code used to enrol cannot be replayed; the next one works.
    next_code = pyotp.TOTP(secret).at(time.time() + 30)
    assert (
        post_form(second, "/staff/sign-in/code", {"code": next_code}).headers["Location"]
        == "/staff"
    )


def test_a_new_sign_in_ends_the_old_session(app: Flask, db_session: Session) -> None:
    staff_user(db_session)
    first, second = app.test_client(), app.test_client()
    sign_in(first, "cm@agency.example")
    sign_in(second, "cm@agency.example")
    assert second.get("/staff").status_code == 200
    assert first.get("/staff").headers["Location"] == "/staff/sign-in"
    reasons = {s.ended_reason for s in db_session.scalars(select(StaffSession))}
    assert reasons == {"replaced", None}


def test_staff_sign_out_ends_the_session(client: FlaskClient, db_session: Session) -> None:
    staff_user(db_session)
    sign_in(client, "cm@agency.example")
    token = client.get("/staff").page.select_one("form.sign-out input[name=csrf_token]")["value"]
    assert client.post("/staff/sign-out", data={"csrf_token": token}).status_code == 303
    assert client.get("/staff").headers["Location"] == "/staff/sign-in"


def test_staff_pages_are_closed_to_the_wrong_role(app: Flask, db_session: Session) -> None:
    staff_user(db_session, Role.SYSTEM_ADMIN, "sys@county.example", None)
    db_session.execute(select(StaffUser)).all()
    client = app.test_client()
    user = db_session.scalars(select(StaffUser)).one()
    user.totp_secret = pyotp.random_base32()
    db_session.commit()
    sign_in(client, "sys@county.example")
    post_form(client, "/staff/sign-in/code", {"code": pyotp.TOTP(user.totp_secret).now()})
    assert client.get("/staff").status_code == 200
    # The system administrator runs the system; issuing codes means reading client data.
    assert client.get("/staff/access-codes/new").status_code == 403


def test_agency_staff_may_turn_on_two_step_sign_in(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    staff_user(db_session)
    sign_in(client, "cm@agency.example")
    page = client.get("/staff/two-step").page
    secret = page.select_one("code.secret").get_text(strip=True)
    wrong = post_form(client, "/staff/two-step", {"code": "000000"})
    assert "That code is not right" in wrong.page.get_text()
    done = post_form(client, "/staff/two-step", {"code": pyotp.TOTP(secret).now()})
    assert done.headers["Location"] == "/staff/two-step/recovery-codes"
    fresh = app.test_client()
    response = sign_in(fresh, "cm@agency.example")
    assert response.headers["Location"] == "/staff/sign-in/code"  # the second step is asked now
