"""The reports dashboard in Chromium, with the hand-counted world: axe-clean, no sideways scroll on
a phone or a kiosk, charts that are images with titles, and filters that travel in the URL."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.browser.conftest import (
    STAFF_SCREEN,
    assert_accessible,
    sign_in_lead,
)
from tests.factories import AGENCY_A
from tests.reports import world


@STAFF_SCREEN
def test_the_lead_reads_the_dashboard(
    app: Flask, page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    world.build_world(db_session)
    sign_in_lead(page, live_server, db_session)

    page.goto(f"{live_server}/staff/reports?date_from={world.FROM}&date_to={world.TO}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")
    assert_accessible(page, axe_source)
    charts = page.get_by_role("img")
    expect(charts).to_have_count(2)
    expect(
        page.get_by_role("img", name=re.compile("^Requests received and completed"))
    ).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Correction decisions"))).to_be_visible()
    for title in page.locator("svg[role=img] > title").all_text_contents():
        assert title.strip()
    expect(page.get_by_role("table", name="Requests by type")).to_contain_text("22.6")

    page.get_by_label("Agency").select_option(AGENCY_A)
    page.get_by_role("button", name="Show figures").click()
    expect(page).to_have_url(re.compile(r"/staff/reports\?agency=ORG-A&date_from=2025-01-01"))
    expect(page.get_by_role("table", name="Requests by type")).to_contain_text("7.4")
    assert_accessible(page, axe_source)

    page.goto(f"{live_server}/staff/reports?date_from=2025-03-01&date_to=2025-02-01")
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, axe_source)
