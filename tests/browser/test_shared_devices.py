"""Issue 17's pages in Chromium, axe-clean in en/es/pl at 320 px: recovery codes, the recovery
sign-in, a locked user's page, replacing a code and lifting a sign-in hold, start over, and the
kiosk's hand-off to a phone."""

from __future__ import annotations

import pyotp
from flask import Flask
from itsdangerous import URLSafeSerializer
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from portal.access.services import hold_key
from portal.accounts.models import Role
from portal.hmis.services import run_import
from portal.timeutil import utcnow
from tests.accounts.test_staff_sign_in import PASSWORD, staff_user
from tests.browser.conftest import (
    assert_accessible,
    on_each_screen_in,
    sign_in_client,
)
from tests.conftest import HMIS_CSV

PERSON = "2f4b963171644a8b9902bdfe79a4b403"


def _password(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/staff/sign-in?lang=en")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


@on_each_screen_in("en", "es", "pl", kiosk=False)
def test_staff_pages_of_shared_devices_are_accessible(
    app: Flask, page: Page, live_server: str, axe_source: str, db_session: Session, language: str
) -> None:
    assert run_import(db_session, HMIS_CSV / "edge-fy2024-bom").succeeded
    staff_user(db_session, Role.HMIS_LEAD, "lead@county.example", None)
    colleague = staff_user(db_session, Role.AGENCY_STAFF, "cm@agency.example", "109")
    colleague.totp_secret = pyotp.random_base32()
    colleague.locked_at = utcnow()
    db_session.commit()

    # Two-step set-up, then the recovery codes, shown once.
    _password(page, live_server, "lead@county.example")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/staff/two-step/recovery-codes")
    page.goto(f"{live_server}/staff/two-step/recovery-codes?lang={language}")
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    assert_accessible(page, axe_source)
    page.locator("button[value=done]").click()

    # A locked colleague's page: the lock, unlock and two-step reset.
    page.goto(f"{live_server}/staff/users/{colleague.id}?lang={language}")
    expect(page.locator(f"form[action='/staff/users/{colleague.id}/unlock']")).to_be_visible()
    assert_accessible(page, axe_source)

    # A client with a working code and a sign-in on hold: replace, or lift the hold.
    app.extensions["portal.sign_in_limiter"].record_failure({"code": hold_key(PERSON)})
    for _ in range(4):
        app.extensions["portal.sign_in_limiter"].record_failure({"code": hold_key(PERSON)})
    page.goto(f"{live_server}/staff/access-codes/new?lang={language}")
    page.locator("#personal_id").fill(PERSON)
    page.locator("main form button[type=submit]").click()
    page.locator("form[action='/staff/access-codes'] button[type=submit]").click()
    expect(page.locator("section.slip")).to_be_visible()
    page.goto(f"{live_server}/staff/access-codes/new?lang={language}")
    page.locator("#personal_id").fill(PERSON)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("button[name=replace]")).to_be_visible()
    expect(page.locator("form[action='/staff/access-codes/hold/lift']")).to_be_visible()
    assert_accessible(page, axe_source)

    # Start over: a GET only shows the button.
    page.goto(f"{live_server}/start-over?lang={language}")
    assert_accessible(page, axe_source)
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/staff")
    expect(page).to_have_url(f"{live_server}/staff/sign-in")

    # The recovery-code sign-in step.
    _password(page, live_server, "lead@county.example")
    page.goto(f"{live_server}/staff/sign-in/recovery?lang={language}")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, axe_source)


@on_each_screen_in("en", "es", "pl")
def test_the_kiosk_hand_off_page_is_accessible(
    app: Flask, page: Page, live_server: str, axe_source: str, code: str, language: str
) -> None:
    kiosk = URLSafeSerializer(app.secret_key, salt="kiosk device").dumps("Lobby")
    page.context.add_cookies([{"name": "portal_kiosk", "value": kiosk, "url": live_server}])
    page.goto(f"{live_server}/sign-in?lang=en")
    sign_in_client(page, code)
    page.locator("form[action='/privacy-notice/acknowledge'] button").click()
    page.goto(f"{live_server}/my-page?lang={language}")
    page.locator("form[action='/my-page/phone'] button").click()
    expect(page.locator("code.hand-off-link")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == language
    assert_accessible(page, axe_source)
    page.goto(f"{live_server}/my-page")
    expect(page).to_have_url(f"{live_server}/sign-in")
