"""Issue 17 item 1: wrong two-step codes are counted on the server, per pending sign-in (5, then
the password again) and per account across sign-ins (20 an hour, then a lock an administrator
lifts); issue 17 item 3: a sign-in elsewhere ends the first with its own message."""

from __future__ import annotations

import pyotp
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.audit.models import AuditEntry
from tests.accounts.staff import make_staff, post_with_token, sign_in_as
from tests.accounts.test_staff_sign_in import post_form, sign_in, staff_user

WRONG = "000000"


def _wrong_code(client, secret: str) -> object:  # type: ignore[no-untyped-def]
    code = WRONG if pyotp.TOTP(secret).now() != WRONG else "111111"
    return post_form(client, "/staff/sign-in/code", {"code": code})


def test_wrong_codes_are_counted_across_re_entered_passwords(
    app: Flask, db_session: Session
) -> None:
    user = staff_user(db_session, Role.AGENCY_STAFF, "cm@agency.example")
    user.totp_secret = secret = pyotp.random_base32()
    db_session.commit()
    attacker = app.test_client()
    for sign_in_number in range(4):
        assert sign_in(attacker, "cm@agency.example").headers["Location"] == ("/staff/sign-in/code")
        # The cookie as it was before the wrong codes: sending it again must not reset them.
        saved = attacker.get_cookie("portal_session").value
        for _ in range(4):
            assert _wrong_code(attacker, secret).status_code == 200
        attacker.set_cookie("portal_session", saved)
        fifth = _wrong_code(attacker, secret)
        assert fifth.status_code == 303
        if sign_in_number < 3:
            # Five wrong codes for one pending sign-in: the password is asked again.
            assert fifth.headers["Location"] == "/staff/sign-in"
            assert attacker.get("/staff/sign-in/code").headers["Location"] == "/staff/sign-in"
    # Twenty wrong codes within the hour: the account is locked, even with the right code.
    db_session.expire_all()
    assert db_session.get(StaffUser, user.id).locked_at is not None
    locked = sign_in(attacker, "cm@agency.example")
    assert locked.status_code == 200
    assert "Contact your administrator" in locked.page.select_one(".error-summary").get_text()

    # The agency administrator sees the lock on the user's page and lifts it (audited).
    admin = make_staff(db_session, Role.AGENCY_ADMIN, "admin@agency.example", "109")
    admin_browser = sign_in_as(app, db_session, admin)
    page = admin_browser.get(f"/staff/users/{user.id}").page
    assert "Locked since" in page.select_one("dl.summary-list").get_text()
    assert page.select_one(f"form[action='/staff/users/{user.id}/unlock']") is not None
    lifted = post_with_token(admin_browser, f"/staff/users/{user.id}/unlock")
    assert lifted.status_code == 303
    actions = set(db_session.scalars(select(AuditEntry.action)))
    assert {"staff_user.locked", "staff_user.unlocked"} <= actions
    db_session.expire_all()
    user = db_session.get(StaffUser, user.id)
    user.totp_last_step = None
    db_session.commit()
    owner = app.test_client()
    assert sign_in(owner, "cm@agency.example").headers["Location"] == "/staff/sign-in/code"
    done = post_form(owner, "/staff/sign-in/code", {"code": pyotp.TOTP(secret).now()})
    assert done.headers["Location"] == "/staff"


def test_a_sign_in_elsewhere_says_so_not_inactivity(app: Flask, db_session: Session) -> None:
    staff_user(db_session)
    first, second = app.test_client(), app.test_client()
    sign_in(first, "cm@agency.example")
    sign_in(second, "cm@agency.example")
    assert first.get("/staff").headers["Location"] == "/staff/sign-in"
    said = first.get("/staff/sign-in").page.select_one(".flash-region").get_text()
    assert "because you signed in on another device" in said
    assert "did nothing for a while" not in said
