"""The staff workday in Chromium: the HMIS lead signs in with a TOTP code, filters the queue,
claims a correction, decides it, and the client then sees the outcome. Staff pages axe-clean."""

from __future__ import annotations

import re

import pyotp
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from portal.access.services import issue_access_code
from portal.accounts.models import Role
from portal.accounts.services import create_staff_user
from portal.hmis.models import Client
from tests.browser.conftest import assert_accessible
from tests.factories import AGENCY_A, PARENT, hmis_world, notice_version, phone_correction

PASSWORD = "browser queue password 2026"


def test_lead_decides_a_correction_and_the_client_sees_it(
    app: Flask, browser: Browser, page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    hmis_world(db_session)
    notice_version(db_session)
    lead = create_staff_user(
        db_session,
        email="lead@county.example",
        name="Lee Lead",
        role=Role.HMIS_LEAD,
        organization_id=None,
        password=PASSWORD,
    )
    lead.totp_secret = pyotp.random_base32()
    found = phone_correction(
        db_session,
        personal_id=PARENT,
        item_key="identity.first_name",
        current_value="Canaryparent",
        requested_value="Canarina",
        agency_id=AGENCY_A,
        reason="My name is <em>Canarina</em>",
        evidence="State ID",
    )
    code = issue_access_code(db_session, PARENT, app.secret_key)
    db_session.commit()

    page.goto(f"{live_server}/staff/sign-in")
    page.locator("#email").fill("lead@county.example")
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.locator("#code").fill(pyotp.TOTP(lead.totp_secret).now())
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/staff")

    page.goto(f"{live_server}/staff/queue")
    assert_accessible(page, axe_source)
    page.locator("#filter-type").select_option("complaint")  # htmx swaps the results
    expect(page.locator("#queue-results")).to_contain_text("No requests match.")
    expect(page).to_have_url(re.compile(r"/staff/queue\?.*\btype=complaint"))  # the URL says so
    page.locator("#filter-type").select_option("correction")
    expect(page.locator("#queue-results table")).to_contain_text(found.reference)
    assert_accessible(page, axe_source)
    page.get_by_role("link", name=found.reference).click()
    assert_accessible(page, axe_source)
    expect(page.locator("main")).to_contain_text("My name is <em>Canarina</em>")
    page.locator("form[action$='/claim'] button").click()
    expect(page.locator("form[action$='/release']")).to_be_visible()
    page.locator("label[for='outcome-0']").click()  # approve
    page.locator("#explanation").fill("We checked the State ID.")
    page.locator("form[action$='/decision'] button").click()
    expect(page.locator(".summary-list").first).to_contain_text("Approved")
    assert_accessible(page, axe_source)
    page.goto(f"{live_server}/staff/clients?name=canarina")
    assert_accessible(page, axe_source)
    page.goto(f"{live_server}/staff/clients/{PARENT}")
    assert_accessible(page, axe_source)
    page.goto(f"{live_server}/staff/clients/{PARENT}/requests/new")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, axe_source)
    page.goto(f"{live_server}/staff/queue?lang=es")
    assert_accessible(page, axe_source)

    client = db_session.get(Client, PARENT)
    assert client is not None
    assert client.dob is not None
    phone = browser.new_context(viewport={"width": 320, "height": 640}).new_page()
    phone.goto(f"{live_server}/sign-in")
    phone.locator("#code").fill(code)
    phone.locator("#dob_month").fill(str(client.dob.month))
    phone.locator("#dob_day").fill(str(client.dob.day))
    phone.locator("#dob_year").fill(str(client.dob.year))
    phone.locator("form[action='/sign-in'] button[type=submit]").click()
    phone.locator("form[action='/privacy-notice/acknowledge'] button").click()
    phone.goto(f"{live_server}/my-record")
    expect(phone.locator("#identity")).to_contain_text("Canarina")
    expect(phone.locator("#identity")).to_contain_text("Before, it said: Canaryparent")
    phone.goto(f"{live_server}/my-requests/{found.reference}")
    expect(phone.locator("main")).to_contain_text("We checked the State ID.")
    phone.context.close()
