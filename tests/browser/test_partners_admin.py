"""The HMIS lead keeps the public partner list in Chromium, by labels and keyboard: the staff list,
the edit form with an error, and the public page, axe-clean and without sideways scroll."""

from __future__ import annotations

import pyotp
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.accounts.services import create_staff_user
from portal.hmis.models import Organization
from tests.browser.conftest import axe_violations, horizontal_overflow
from tests.factories import LONG_AGO, hmis_world

PASSWORD = "browser partners password 2026"
# One long unbroken word: the page must wrap it, not scroll sideways on a phone.
WEBSITE = "https://www.agency-alpha-shelter.example/services/emergency-shelter/intake-hours"


def _check(page: Page, axe_source: str) -> None:
    assert axe_violations(page, axe_source) == [], page.url
    assert horizontal_overflow(page) == 0, page.url


def _sign_in_lead(page: Page, live_server: str, db_session: Session) -> None:
    lead = create_staff_user(
        db_session,
        email="lead@county.example",
        name="Lee Lead",
        role=Role.HMIS_LEAD,
        organization_id=None,
        password=PASSWORD,
    )
    lead.totp_secret = pyotp.random_base32()
    db_session.commit()
    page.goto(f"{live_server}/staff/sign-in")
    page.get_by_label("Email address").fill("lead@county.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#code").fill(pyotp.TOTP(lead.totp_secret).now())
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/staff")


def test_lead_keeps_the_partner_list_and_the_public_sees_it(
    page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    hmis_world(db_session)
    db_session.add(
        Organization(
            organization_id="ORG-VSP",
            name="Safe Harbor Domestic Violence Services",
            victim_service_provider=True,
            date_created=LONG_AGO,
        )
    )
    db_session.commit()
    _sign_in_lead(page, live_server, db_session)

    page.goto(f"{live_server}/staff/partners")
    expect(page.locator("main")).to_contain_text("Never listed: victim service provider")
    _check(page, axe_source)

    page.get_by_role("link", name="Change the listing of Agency Alpha Shelter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Public listing: Agency Alpha Shelter"
    )
    too_long = "Warm meals, beds and showers. " * 34  # 1020 characters
    page.get_by_label("Description for the public").fill(too_long)
    page.get_by_label("Contact for the public").fill(f"555-0100\n{WEBSITE}")
    page.get_by_role("button", name="Save the changes").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#description-error")).to_contain_text("1000 characters or fewer")
    expect(page.get_by_label("Description for the public")).to_have_value(too_long.strip())
    _check(page, axe_source)

    # Fix it by keyboard alone: the error summary link leads to the field.
    page.locator(".error-summary a").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Description for the public")).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Warm meals, beds and showers.")
    page.get_by_role("button", name="Save the changes").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".alert--success")).to_have_text("The changes are saved.")

    page.get_by_role("link", name="Change the listing of Agency Beta Outreach").click()
    checkbox = page.get_by_label("Show on the public list of partner agencies")
    checkbox.focus()
    page.keyboard.press("Space")
    expect(checkbox).not_to_be_checked()
    page.get_by_role("button", name="Save the changes").click()
    expect(page.locator("main")).to_contain_text("Hidden")
    _check(page, axe_source)

    page.goto(f"{live_server}/partner-agencies")
    agencies = page.locator(".agency-list")
    expect(agencies).to_contain_text("Agency Alpha Shelter")
    expect(agencies).to_contain_text("Warm meals, beds and showers.")
    expect(agencies).to_contain_text(WEBSITE)
    expect(agencies).not_to_contain_text("Agency Beta Outreach")
    expect(agencies).not_to_contain_text("Safe Harbor")
    expect(agencies.get_by_role("link")).to_have_count(0)
    expect(page.locator(".notice-meta")).to_contain_text("This list last changed on")
    _check(page, axe_source)
