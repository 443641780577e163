"""Issue 20 item 7: two-step recovery. Enrolling gives 10 one-time codes (stored hashed, shown
once, downloadable as text); each signs in once; an administrator resets a colleague's two-step
sign-in (audited) and the colleague sets it up again."""

from __future__ import annotations

import pyotp
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import RecoveryCode, Role, StaffUser
from portal.audit.models import AuditEntry
from tests.accounts.staff import make_staff, post_with_token, sign_in_as
from tests.accounts.test_staff_sign_in import post_form, sign_in, staff_user


def test_recovery_codes_are_shown_once_and_each_signs_in_once(
    app: Flask, db_session: Session
) -> None:
    staff_user(db_session, Role.HMIS_LEAD, "lead@county.example", None)
    browser = app.test_client()
    sign_in(browser, "lead@county.example")
    secret = browser.get("/staff/two-step/set-up").page.select_one("code.secret").get_text()
    done = post_form(browser, "/staff/two-step/set-up", {"code": pyotp.TOTP(secret).now()})
    assert done.headers["Location"] == "/staff/two-step/recovery-codes"
    page = browser.get("/staff/two-step/recovery-codes").page
    codes = [code.get_text() for code in page.select("ol.recovery-codes code")]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    download = browser.get("/staff/two-step/recovery-codes/download")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert all(code in download.get_data(as_text=True) for code in codes)
    stored = db_session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10
    assert not set(stored) & set(codes)
    post_with_token(browser, "/staff/two-step/recovery-codes", {"action": "done"})
    again = browser.get("/staff/two-step/recovery-codes").page
    assert again.select("ol.recovery-codes code") == []  # shown once
    assert "10 recovery codes left" in again.get_text()

    phone_lost = app.test_client()
    sign_in(phone_lost, "lead@county.example")
    used = post_form(phone_lost, "/staff/sign-in/recovery", {"code": codes[0].lower()})
    assert used.headers["Location"] == "/staff"
    assert phone_lost.get("/staff").status_code == 200
    replay = app.test_client()
    sign_in(replay, "lead@county.example")
    refused = post_form(replay, "/staff/sign-in/recovery", {"code": codes[0]})
    assert refused.status_code == 200
    assert "not right or was already used" in refused.page.select_one(".error-summary").get_text()
    assert "staff.recovery_code_used" in set(db_session.scalars(select(AuditEntry.action)))


def test_an_administrator_resets_a_colleagues_two_step_sign_in(
    app: Flask, db_session: Session
) -> None:
    colleague = staff_user(db_session, Role.AGENCY_STAFF, "cm@agency.example")
    admin = make_staff(db_session, Role.AGENCY_ADMIN, "admin@agency.example", "109")
    colleague.totp_secret = pyotp.random_base32()
    db_session.commit()
    signed_in = sign_in_as(app, db_session, colleague)
    admin_browser = sign_in_as(app, db_session, admin)
    reset = post_with_token(admin_browser, f"/staff/users/{colleague.id}/two-step/reset")
    assert reset.headers["Location"] == f"/staff/users/{colleague.id}"
    db_session.expire_all()
    assert db_session.get(StaffUser, colleague.id).totp_secret is None
    assert signed_in.get("/staff").headers["Location"] == "/staff/sign-in"  # signed out
    entry = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "staff_user.two_step_reset")
    ).one()
    assert entry.object_id == str(colleague.id)
