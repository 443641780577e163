"""The HMIS lead keeps the public partner list in Chromium, by labels and keyboard: the staff list,
the edit form with an error, and the public page, axe-clean and without sideways scroll."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from portal.hmis.models import Organization
from tests.browser.conftest import (
    STAFF_SCREEN,
    assert_accessible,
    sign_in_lead,
)
from tests.factories import LONG_AGO, hmis_world

# One long unbroken word: the page must wrap it, not scroll sideways on a phone.
WEBSITE = "https://www.agency-alpha-shelter.example/services/emergency-shelter/intake-hours"


@STAFF_SCREEN
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
    sign_in_lead(page, live_server, db_session)

    page.goto(f"{live_server}/staff/partners")
    expect(page.locator("main")).to_contain_text("Never listed: victim service provider")
    assert_accessible(page, axe_source)

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
    assert_accessible(page, axe_source)

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
    assert_accessible(page, axe_source)

    page.goto(f"{live_server}/partner-agencies")
    agencies = page.locator(".agency-list")
    expect(agencies).to_contain_text("Agency Alpha Shelter")
    expect(agencies).to_contain_text("Warm meals, beds and showers.")
    expect(agencies).to_contain_text(WEBSITE)
    expect(agencies).not_to_contain_text("Agency Beta Outreach")
    expect(agencies).not_to_contain_text("Safe Harbor")
    expect(agencies.get_by_role("link")).to_have_count(0)
    expect(page.locator(".notice-meta")).to_contain_text("This list last changed on")
    assert_accessible(page, axe_source)
