"""Staff pages of the foundation and client access: axe-clean in every language and size."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from tests.accounts.test_staff_sign_in import PASSWORD, staff_user
from tests.browser.conftest import (
    STAFF_SCREEN,
    axe_violations,
    horizontal_overflow,
    on_each_screen_in,
)

PERSON = "2f4b963171644a8b9902bdfe79a4b403"


def _accessible(page: Page, axe_source: str) -> None:
    assert axe_violations(page, axe_source) == []
    assert horizontal_overflow(page) == 0


def _sign_in(page: Page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/staff/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@on_each_screen_in("en", "es", "pl", kiosk=False)
def test_staff_pages_are_accessible(
    page: Page, live_server: str, axe_source: str, db_session: Session, language: str
) -> None:
    staff_user(db_session)
    page.goto(f"{live_server}/staff/sign-in?lang={language}")
    _accessible(page, axe_source)
    page.locator("main button[type=submit]").click()  # empty: errors
    expect(page.locator(".error-summary")).to_be_visible()
    _accessible(page, axe_source)
    page.goto(f"{live_server}/staff/sign-in?lang=en")
    _sign_in(page, live_server, "cm@agency.example")
    for path in ("/staff", "/staff/access-codes/new", "/staff/kiosk"):
        page.goto(f"{live_server}{path}?lang={language}")
        _accessible(page, axe_source)
    page.goto(f"{live_server}/staff/access-codes/new?lang={language}")
    page.locator("#personal_id").fill(PERSON)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".summary-list")).to_be_visible()
    _accessible(page, axe_source)
    page.locator("form[action='/staff/access-codes'] button[type=submit]").click()
    expect(page.locator("section.slip")).to_be_visible()
    _accessible(page, axe_source)


@STAFF_SCREEN
def test_two_step_set_up_page_is_accessible(
    page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    staff_user(db_session, Role.HMIS_LEAD, "lead@county.example", None)
    _sign_in(page, live_server, "lead@county.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
    _accessible(page, axe_source)


def test_kiosk_language_chooser_is_accessible(
    page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    staff_user(db_session)
    _sign_in(page, live_server, "cm@agency.example")
    page.goto(f"{live_server}/staff/kiosk")
    page.get_by_label("Name of this kiosk").fill("Lobby")
    page.get_by_role("button", name="Make this device a kiosk").click()
    page.context.clear_cookies(name="portal_session")
    page.goto(f"{live_server}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Choose your language")
    _accessible(page, axe_source)
    page.get_by_role("link", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")


@on_each_screen_in("en", "es", "pl", kiosk=False)
def test_audit_trail_page_is_accessible(
    page: Page, live_server: str, axe_source: str, db_session: Session, language: str
) -> None:
    import pyotp
    from sqlalchemy import select

    from portal.accounts.models import StaffUser

    staff_user(db_session, Role.HMIS_LEAD, "lead@county.example", None)
    user = db_session.scalars(select(StaffUser)).one()
    user.totp_secret = pyotp.random_base32()
    db_session.commit()
    _sign_in(page, live_server, "lead@county.example")
    page.locator("#code").fill(pyotp.TOTP(user.totp_secret).now())
    page.locator("main button[type=submit]").click()
    page.goto(f"{live_server}/staff/audit?lang={language}")
    expect(page.locator("table tbody tr").first).to_be_visible()
    _accessible(page, axe_source)
    page.goto(f"{live_server}/staff/audit?lang={language}&date_from=2026-13-45")
    expect(page.locator(".error-summary")).to_be_visible()
    _accessible(page, axe_source)
