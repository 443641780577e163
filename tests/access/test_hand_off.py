"""From a kiosk to the client's own phone: one use, 10 minutes, date of birth again."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

import portal.client.views
from portal.access.models import ClientSession, HandOff
from tests.fixtures.clients import DOB, SignIn, signed_in_client


@pytest.fixture
def qr_links(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the QR codes shown encode: what a phone's camera would read."""
    links: list[str] = []
    real = portal.client.views.qr_svg

    def capture(data: str, title: str) -> Markup:
        links.append(data)
        return real(data, title)

    monkeypatch.setattr(portal.client.views, "qr_svg", capture)
    return links


@pytest.fixture
def kiosk_client(app: Flask, client: FlaskClient, sign_in: SignIn, code: str) -> FlaskClient:
    client.set_cookie(
        "portal_kiosk", URLSafeSerializer(app.secret_key, salt="kiosk device").dumps("Lobby")
    )
    signed_in_client(client, sign_in, code)
    return client


def _show_hand_off(kiosk: FlaskClient, links: list[str]) -> str:
    form = kiosk.get("/my-page").page.select_one("form[action='/my-page/phone']")
    response = kiosk.post("/my-page/phone", data={"csrf_token": form.find("input")["value"]})
    assert response.page.select_one(".qr-box svg title").get_text() == (
        "QR code that opens your record on your phone"
    )
    return urlsplit(links[-1]).path


def _csrf(phone: FlaskClient, path: str) -> str:
    return phone.get(path).page.find("input", attrs={"name": "csrf_token"})["value"]


def test_phone_opens_the_record_once_with_the_date_of_birth(
    app: Flask, kiosk_client: FlaskClient, qr_links: list[str], db_session: Session
) -> None:
    path = _show_hand_off(kiosk_client, qr_links)
    phone = app.test_client()
    assert phone.get(path).page.find("h1").get_text(strip=True) == "Open your record on this phone"
    token = _csrf(phone, path)
    wrong = phone.post(path, data={"csrf_token": token, **DOB, "dob_day": "18"})
    assert "That date of birth is not right." in wrong.page.select_one(".error-summary").get_text()
    right = phone.post(path, data={"csrf_token": token, **DOB})
    assert right.headers["Location"] == "/my-page"
    assert "You are signed in as Client One." in phone.get("/my-page").page.get_text()
    devices = sorted(s.device for s in db_session.scalars(select(ClientSession)))
    assert devices == ["kiosk", "personal"]
    assert app.test_client().get(path).status_code == 404  # used once, gone for anyone else


def test_three_wrong_tries_spend_the_link(
    app: Flask, kiosk_client: FlaskClient, qr_links: list[str]
) -> None:
    path = _show_hand_off(kiosk_client, qr_links)
    phone = app.test_client()
    token = _csrf(phone, path)
    wrong = {"csrf_token": token, **DOB, "dob_day": "18"}
    assert phone.post(path, data=wrong).status_code == 200
    assert phone.post(path, data=wrong).status_code == 200
    assert phone.post(path, data=wrong).status_code == 404
    assert phone.post(path, data={"csrf_token": token, **DOB}).status_code == 404


def test_link_expires_after_ten_minutes(
    app: Flask, kiosk_client: FlaskClient, qr_links: list[str], db_session: Session
) -> None:
    path = _show_hand_off(kiosk_client, qr_links)
    hand_off = db_session.scalars(select(HandOff)).one()
    assert hand_off.expires_at - hand_off.created_at == dt.timedelta(minutes=10)
    hand_off.expires_at = dt.datetime(2020, 1, 1)
    db_session.commit()
    page = app.test_client().get(path)
    assert page.status_code == 404
    assert page.page.find("h1").get_text(strip=True) == "This link does not work any more"


def test_hand_off_is_offered_only_on_a_kiosk(
    client: FlaskClient, sign_in: SignIn, code: str
) -> None:
    signed_in_client(client, sign_in, code)
    assert client.get("/my-page").page.select_one("form[action='/my-page/phone']") is None
