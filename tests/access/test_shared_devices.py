"""Issue 17 item 3, sessions on shared devices: start over ends the server-side session, a kiosk
set-up signs the staff member out there, a phone hand-off signs the kiosk out at once."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.models import ClientSession
from portal.audit.models import AuditEntry
from tests.access.test_hand_off import _show_hand_off, kiosk_client, qr_links  # noqa: F401
from tests.accounts.test_staff_sign_in import post_form, sign_in, staff_user
from tests.fixtures.clients import DOB, SignIn, signed_in_client


def test_the_old_cookie_opens_nothing_after_start_over(
    app: Flask, client: FlaskClient, sign_in: SignIn, code: str, db_session: Session
) -> None:
    signed_in_client(client, sign_in, code)
    old_cookie = client.get_cookie("portal_session").value
    # A GET only shows the button: nothing ends by following a link.
    page = client.get("/start-over").page
    assert page.find("h1").get_text(strip=True) == "Start over"
    assert client.get("/my-page").status_code == 200
    assert post_form(client, "/start-over", {}).headers["Location"] == "/"
    assert client.get("/my-page").headers["Location"] == "/sign-in"
    replay = app.test_client()
    replay.set_cookie("portal_session", old_cookie)
    assert replay.get("/my-page").headers["Location"] == "/sign-in"
    ended = db_session.scalars(select(ClientSession)).one()
    db_session.refresh(ended)
    assert ended.ended_reason == "started_over"


def test_setting_up_a_kiosk_signs_the_staff_member_out_there(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    staff_user(db_session)
    assert sign_in(client, "cm@agency.example").status_code == 303
    old_cookie = client.get_cookie("portal_session").value
    old_device = client.get_cookie("portal_device")
    done = post_form(client, "/staff/kiosk", {"name": "Lobby"})
    assert done.headers["Location"] == "/"
    assert client.get_cookie("portal_kiosk") is not None
    new_device = client.get_cookie("portal_device")
    assert new_device is not None
    assert old_device is None or new_device.value != old_device.value
    # The staff pages need a new sign-in on the kiosk, and the old cookie opens nothing.
    assert client.get("/staff").headers["Location"] == "/staff/sign-in"
    replay = app.test_client()
    replay.set_cookie("portal_session", old_cookie)
    assert replay.get("/staff").headers["Location"] == "/staff/sign-in"
    signed_out = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "staff.signed_out")
    ).one()
    assert signed_out.actor_kind == "staff"  # recorded as the staff member's own act


def test_a_phone_hand_off_signs_the_kiosk_out_at_once(
    app: Flask,
    kiosk_client: FlaskClient,  # noqa: F811
    qr_links: list[str],  # noqa: F811
    db_session: Session,
) -> None:
    old_cookie = kiosk_client.get_cookie("portal_session").value
    path = _show_hand_off(kiosk_client, qr_links)
    assert kiosk_client.get("/my-page").headers["Location"] == "/sign-in"
    replay = app.test_client()
    replay.set_cookie("portal_session", old_cookie)
    assert replay.get("/my-page").headers["Location"] == "/sign-in"
    # The short link, typed by hand in lower case, opens the record on the phone.
    typed = path.lower().replace("-", "")
    phone = app.test_client()
    token = phone.get(typed).page.find("input", attrs={"name": "csrf_token"})["value"]
    opened = phone.post(typed, data={"csrf_token": token, **DOB})
    assert opened.headers["Location"] == "/my-page"
    reasons = sorted(str(s.ended_reason) for s in db_session.scalars(select(ClientSession)))
    assert reasons == ["None", "handed_off"]
