"""The End User Policy page and the staff account pages: axe-clean on a phone and a kiosk, and
the new-user form's errors reachable by a screen reader and the keyboard."""

from __future__ import annotations

import pyotp
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, StaffUser
from portal.accounts.policy import DEMO_POLICY, POLICY
from portal.notice.services import load_demo_versions
from tests.accounts.test_staff_sign_in import PASSWORD, staff_user
from tests.browser.conftest import STAFF_SCREEN, axe_violations, horizontal_overflow


def _accessible(page: Page, axe_source: str) -> None:
    assert axe_violations(page, axe_source) == []
    assert horizontal_overflow(page) == 0


def _sign_in(page: Page, live_server: str, email: str, totp_secret: str | None = None) -> None:
    page.goto(f"{live_server}/staff/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if totp_secret:
        page.get_by_label("6-digit code").fill(pyotp.TOTP(totp_secret).now())
        page.locator("main button[type=submit]").click()


@STAFF_SCREEN
def test_policy_page_is_accessible_and_accepting_leads_to_the_workspace(
    page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    staff_user(db_session, Role.AGENCY_ADMIN, "admin@agency.example")
    load_demo_versions(db_session, DEMO_POLICY, POLICY)
    db_session.commit()
    _sign_in(page, live_server, "admin@agency.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("End User Policy and Code of Ethics")
    expect(page.get_by_role("heading", name="In short")).to_be_visible()
    _accessible(page, axe_source)

    page.get_by_role("button", name="Accept and continue").click()  # not ticked: an error
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    checkbox = page.get_by_label("I have read and accept the End User Policy and Code of Ethics.")
    expect(checkbox).to_have_attribute("aria-invalid", "true")
    _accessible(page, axe_source)

    summary.get_by_role("link").click()  # the summary's link moves to the box
    checkbox.check()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff workspace")


@STAFF_SCREEN
def test_staff_account_pages_are_accessible(
    page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    staff_user(db_session, Role.AGENCY_STAFF, "cm@agency.example")
    staff_user(db_session, Role.HMIS_LEAD, "lead@county.example", None)
    lead = db_session.scalars(select(StaffUser).where(StaffUser.role == Role.HMIS_LEAD)).one()
    lead.totp_secret = pyotp.random_base32()
    db_session.commit()
    _sign_in(page, live_server, "lead@county.example", lead.totp_secret)
    page.get_by_role("link", name="Staff accounts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff accounts")
    expect(page.locator("table tbody tr")).to_have_count(2)
    _accessible(page, axe_source)

    page.get_by_label("Agency").select_option(label="Empty Eagle Hotel")
    page.get_by_role("button", name="Show staff").click()
    expect(page.locator("table tbody tr")).to_have_count(1)
    _accessible(page, axe_source)

    page.get_by_role("link", name="Add a staff user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a staff user")
    _accessible(page, axe_source)


@STAFF_SCREEN
def test_new_user_form_shows_its_errors_accessibly_then_gives_the_set_up_link(
    page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    staff_user(db_session, Role.AGENCY_ADMIN, "admin@agency.example")
    staff_user(db_session, Role.AGENCY_STAFF, "cm@agency.example")
    _sign_in(page, live_server, "admin@agency.example")
    page.goto(f"{live_server}/staff/users/new")
    page.get_by_label("Work email address").fill("cm@agency.example")  # taken
    page.get_by_role("button", name="Add the staff user").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(page).to_have_title("Error: Add a staff user – HMIS Client Privacy Portal")
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Enter the person's full name.",
            "A staff user with this email address already exists.",
            "Choose a role.",
        ]
    )
    email = page.get_by_label("Work email address")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(
        "They sign in with it. We never send the set-up link by email. "
        "Error: A staff user with this email address already exists."
    )
    _accessible(page, axe_source)
    summary.get_by_role("link", name="Choose a role.").click()
    expect(page.locator("#role")).to_be_focused()

    page.get_by_label("Full name").fill("Nia New")
    email.fill("nia@agency.example")
    page.get_by_label("Agency staff", exact=True).check()
    page.get_by_role("button", name="Add the staff user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The account is ready")
    expect(page.locator("code.secret")).to_contain_text("/staff/set-up/")
    _accessible(page, axe_source)

    page.get_by_role("link", name="Open the account of Nia New").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nia New")
    _accessible(page, axe_source)
    page.get_by_role("button", name="Disable the account").click()
    expect(page.locator(".flash-region")).to_contain_text("Nia New can no longer sign in")
    _accessible(page, axe_source)
