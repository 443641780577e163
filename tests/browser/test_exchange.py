"""The HMIS lead's exchange page in Chromium: a successful and a failed import listed, the
failed one's problem report opened, a bad date refused next to its field; axe-clean and no
sideways scroll on a phone and on a kiosk screen."""

from __future__ import annotations

import pyotp
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.accounts.services import create_staff_user
from portal.hmis.services import run_import
from tests.browser.conftest import axe_violations, horizontal_overflow
from tests.conftest import HMIS_CSV

PASSWORD = "browser exchange password 2026"


def _check(page: Page, axe_source: str) -> None:
    assert axe_violations(page, axe_source) == [], page.url
    assert horizontal_overflow(page) == 0, page.url


def test_exchange_page_with_a_good_and_a_failed_import(
    app: Flask, page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    assert run_import(db_session, HMIS_CSV / "edge-fy2024-bom").succeeded
    assert not run_import(db_session, HMIS_CSV / "edge-fy2024-bad-data").succeeded
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
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.locator("#code").fill(pyotp.TOTP(lead.totp_secret).now())
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/staff")

    page.goto(f"{live_server}/staff/exchange")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exchange with the HMIS of record")
    imports = page.get_by_role("region", name="Newest first. Times are in the county's time zone.")
    expect(imports.get_by_role("row")).to_have_count(3)  # the header and two imports
    expect(imports).to_contain_text("FAILED")
    expect(imports).to_contain_text("Succeeded")
    _check(page, axe_source)

    page.locator("main details summary").click()
    expect(page.locator("main details li").first).to_contain_text("Client.csv:")
    _check(page, axe_source)

    page.get_by_label("Changes made on or after").fill("")
    page.get_by_role("button", name="Download the CSV").click()
    expect(page.locator("#since-error")).to_contain_text("Enter the date to export changes from.")
    _check(page, axe_source)

    page.get_by_role("link", name="edge-fy2024-bad-data").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import of edge-fy2024-bad-data")
    expect(page.locator("#problems + p + ul li").first).to_contain_text("Client.csv:")
    _check(page, axe_source)
