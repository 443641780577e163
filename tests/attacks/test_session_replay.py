"""A session cookie copied before sign-out opens nothing afterwards: the cookie only holds a
random token, and signing out ends the server's session row it names."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.hmis.models import Client
from tests.accounts.staff import post_with_token
from tests.attacks.conftest import Browsers
from tests.test_authorization_matrix import CLIENT_A, NAME_A, World

COOKIE = "portal_session"


def _stolen_cookie(browser: FlaskClient) -> str:
    cookie = browser.get_cookie(COOKIE)
    assert cookie is not None
    return cookie.value


def _replayed(app: Flask, value: str) -> FlaskClient:
    thief = app.test_client()
    thief.set_cookie(COOKIE, value)
    return thief


def _refused_to_sign_in(response: TestResponse, sign_in: str) -> bool:
    """Sent to sign in: a 303 for a page, an HX-Redirect for an htmx request."""
    if response.status_code in (302, 303):
        return response.headers["Location"].endswith(sign_in)
    return response.status_code == 204 and response.headers["HX-Redirect"].endswith(sign_in)


def test_a_clients_cookie_replayed_after_sign_out_opens_nothing(
    app: Flask, db_session: Session, world: World, browsers: Browsers
) -> None:
    client = browsers["client_a"]
    person = db_session.get(Client, CLIENT_A)
    assert person is not None
    assert NAME_A in client.get("/my-record").get_data(as_text=True)  # the cookie worked
    stolen = _stolen_cookie(client)
    assert post_with_token(client, "/sign-out").status_code == 303

    thief = _replayed(app, stolen)
    for path in ("/my-page", "/my-record", "/my-record/download/json", "/my-requests", "/sharing"):
        for headers in ({}, {"HX-Request": "true"}):
            response = thief.get(path, headers=headers)
            assert _refused_to_sign_in(response, "/sign-in"), (path, response.status_code)
            body = response.get_data(as_text=True)
            for personal in (NAME_A, person.last_name, person.dob.isoformat(), world.reference_a):
                assert personal not in body, path
    # Nor can the old cookie send anything: its CSRF token is gone with the session's contents.
    sent = thief.post("/my-page/phone", data={"csrf_token": "replayed"})
    assert sent.status_code in (302, 303, 400)


def test_a_staff_cookie_replayed_after_sign_out_opens_nothing(
    app: Flask, world: World, browsers: Browsers
) -> None:
    staff = browsers["staff_a"]
    record = f"/staff/clients/{CLIENT_A}"
    assert NAME_A in staff.get(record).get_data(as_text=True)  # the cookie worked
    stolen = _stolen_cookie(staff)
    assert post_with_token(staff, "/staff/sign-out").status_code == 303

    thief = _replayed(app, stolen)
    paths = ("/staff", "/staff/queue", record, f"/staff/requests/{world.reference_a}")
    for path in paths:
        for headers in ({}, {"HX-Request": "true"}):
            response = thief.get(path, headers=headers)
            assert _refused_to_sign_in(response, "/staff/sign-in"), (path, response.status_code)
            body = response.get_data(as_text=True)
            assert NAME_A not in body, path
            assert world.reference_a not in body, path
