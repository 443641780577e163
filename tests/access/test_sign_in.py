"""Client sign-in: code + date of birth, one answer for every failure, limits, real sign-out."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.access.models import AccessCode, ClientSession
from portal.access.services import issue_access_code
from tests.fixtures.clients import (
    DOB,
    NOT_RIGHT,
    PERSON,
    SignIn,
    browser_last_seen,
    signed_in_client,
)


def _error(response: TestResponse) -> str:
    return response.page.select_one(".error-summary a").get_text(strip=True)


def test_client_signs_in_with_code_and_date_of_birth(
    client: FlaskClient, sign_in: SignIn, code: str
) -> None:
    response = sign_in(code)
    assert response.status_code == 303
    assert response.headers["Location"] == "/my-page"
    # First visit: the current notice must be acknowledged before anything else.
    assert client.get("/my-page").headers["Location"] == "/privacy-notice/acknowledge"


def test_sloppy_typing_of_the_code_is_forgiven(sign_in: SignIn, code: str) -> None:
    sloppy = code.lower().replace("-", " ").replace("0", "O").replace("1", "l")
    assert sign_in(f"  {sloppy} ").status_code == 303


@pytest.mark.parametrize("failure", ["wrong_code", "wrong_dob", "revoked", "expired"])
def test_every_failure_gets_the_same_answer(
    app: Flask, db_session: Session, sign_in: SignIn, code: str, failure: str
) -> None:
    typed, dob = code, dict(DOB)
    if failure == "wrong_code":
        typed = "ABCD-EFGH-JKMN-PQRS"
    elif failure == "wrong_dob":
        dob["dob_day"] = "18"
    else:
        stored = db_session.scalars(select(AccessCode)).one()
        if failure == "revoked":
            stored.revoked_at = dt.datetime(2020, 1, 1)
        else:
            stored.expires_at = dt.datetime(2020, 1, 1)
        db_session.commit()
    response = sign_in(typed, **dob)
    assert response.status_code == 200
    assert _error(response) == NOT_RIGHT
    assert response.page.title.get_text().startswith("Error:")
    # What the client typed is kept (the date); nothing says which part was wrong.
    assert response.page.find(id="dob_year")["value"] == dob["dob_year"]
    assert response.page.find(id="code")["aria-invalid"] == "true"


def test_date_of_birth_must_be_a_real_date(sign_in: SignIn, code: str) -> None:
    response = sign_in(code, dob_month="2", dob_day="30", dob_year="1982")
    assert "Enter your date of birth" in _error(response)
    assert response.page.select_one(".error-summary a")["href"] == "#dob_month"
    assert response.page.find(id="dob_month")["aria-invalid"] == "true"


def test_too_many_failures_from_one_device_are_refused_with_when_to_retry(
    sign_in: SignIn, code: str
) -> None:
    wrong = dict(DOB, dob_day="18")
    for _ in range(5):
        assert _error(sign_in(code, **wrong)) == NOT_RIGHT
    blocked = sign_in(code)  # even the right answer waits now: 5 failures on this code
    assert blocked.status_code == 429
    assert 800 < int(blocked.headers["Retry-After"]) <= 900
    # A known code is held: the client is told when to try again and how to get help.
    assert "Try again in 15 minutes, or ask the staff at your agency" in _error(blocked)


def test_one_devices_burst_does_not_lock_out_another_client(
    app: Flask, db_session: Session, code: str
) -> None:
    attacker = app.test_client()
    for attempt in range(12):
        page = attacker.get("/sign-in").page
        token = page.find("input", attrs={"name": "csrf_token"})["value"]
        attacker.post(
            "/sign-in", data={"csrf_token": token, "code": f"ZZZZ-ZZZZ-ZZZZ-ZZ{attempt:02d}", **DOB}
        )
    assert "Too many tries" in _error(
        attacker.post("/sign-in", data={"csrf_token": token, "code": code, **DOB})
    )
    other = app.test_client()
    page = other.get("/sign-in").page
    token = page.find("input", attrs={"name": "csrf_token"})["value"]
    response = other.post("/sign-in", data={"csrf_token": token, "code": code, **DOB})
    assert response.status_code == 303


def test_qr_link_fills_in_the_code_and_keeps_it_out_of_the_address(
    client: FlaskClient, code: str
) -> None:
    response = client.get(f"/sign-in?code={code}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/sign-in"
    page = client.get("/sign-in").page
    assert page.find(id="code")["value"] == code


def test_acknowledgement_is_kept_with_where_it_happened(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    from portal.notice.models import NoticeAcknowledgement

    signed_in_client(client, sign_in, code)
    record = db_session.scalars(select(NoticeAcknowledgement)).one()
    assert (record.personal_id, record.channel) == (PERSON, "phone")
    page = client.get("/my-page").page
    assert "You are signed in as Client One." in page.get_text()
    assert page.find("body")["data-hx-history"] == "false"


def test_sign_out_ends_the_session_for_real(
    app: Flask, client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    signed_in_client(client, sign_in, code)
    stolen_cookie = client.get_cookie("portal_session").value
    page = client.get("/my-page").page
    token = page.select_one("form.sign-out input[name=csrf_token]")["value"]
    response = client.post("/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/signed-out"
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/my-page").headers["Location"] == "/sign-in"
    ended = db_session.scalars(select(ClientSession)).one()
    db_session.refresh(ended)
    assert ended.ended_reason == "signed_out"
    # Replaying the cookie copied before sign-out opens nothing.
    replay = app.test_client()
    replay.set_cookie("portal_session", stolen_cookie)
    assert replay.get("/my-page").headers["Location"] == "/sign-in"


def test_revoking_the_code_ends_the_session(
    app: Flask, client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    signed_in_client(client, sign_in, code)
    issue_access_code(db_session, PERSON, app.secret_key)  # a new code revokes the old
    db_session.commit()
    assert client.get("/my-page").headers["Location"] == "/sign-in"


def test_idle_session_expires_on_the_server(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    signed_in_client(client, sign_in, code)
    opened = db_session.scalars(select(ClientSession)).one()
    opened.last_seen_at -= dt.timedelta(minutes=16)
    db_session.commit()
    browser_last_seen(client, 16 * 60)
    response = client.get("/my-page")
    assert response.headers["Location"] == "/sign-in"
    db_session.refresh(opened)
    assert opened.ended_reason == "idle"


def test_session_has_an_absolute_limit(
    client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    signed_in_client(client, sign_in, code)
    opened = db_session.scalars(select(ClientSession)).one()
    opened.created_at -= dt.timedelta(hours=2, minutes=1)
    db_session.commit()
    assert client.get("/my-page").headers["Location"] == "/sign-in"


def test_client_pages_need_a_client(client: FlaskClient) -> None:
    assert client.get("/my-page").headers["Location"] == "/sign-in"
    assert client.get("/privacy-notice/acknowledge").headers["Location"] == "/sign-in"


def test_error_summary_follows_the_page_order(sign_in: SignIn, code: str) -> None:
    response = sign_in("", dob_month="", dob_day="", dob_year="")
    links = [a["href"] for a in response.page.select(".error-summary a")]
    assert links == ["#code", "#dob_month"]
