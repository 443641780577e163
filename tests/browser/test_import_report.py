"""The import's report on the HMIS lead's pages in Chromium, in English, Spanish and Polish: a
stopped import and one with quarantined and flagged rows listed, the rows filtered, the stopped
one accepted; axe-clean and no sideways scroll at 320 px."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from portal.hmis.services import run_import
from tests.browser.conftest import assert_accessible, on_each_screen_in, sign_in_lead
from tests.conftest import HMIS_CSV
from tests.hmis.test_import_threshold import _half_the_clients


@on_each_screen_in("en", "es", "pl", kiosk=False)
def test_lead_reads_the_import_report_and_accepts_a_stopped_import(
    page: Page,
    live_server: str,
    axe_source: str,
    db_session: Session,
    tmp_path: Path,
    language: str,
) -> None:
    assert run_import(db_session, HMIS_CSV / "icount-fy2026").succeeded
    assert run_import(db_session, HMIS_CSV / "edge-fy2024-bad-data").succeeded
    assert run_import(db_session, _half_the_clients(tmp_path)).status == "stopped"
    sign_in_lead(page, live_server, db_session)

    page.goto(f"{live_server}/staff/exchange?lang={language}")
    expect(page.locator("main table tbody tr")).to_have_count(3)
    page.locator("main details summary").first.click()
    expect(page.locator("main details li").first).to_contain_text("household_head")
    assert_accessible(page, axe_source)

    page.locator("main table tbody tr").nth(1).get_by_role("link").click()
    expect(page.locator("main h1")).to_contain_text("edge-fy2024-bad-data")
    page.locator("#rule").select_option("missing_parent")
    page.locator("form.filter-form button[type=submit]").click()
    expect(page.locator("#problem-rows")).to_contain_text("3")
    expect(page.locator("#problem-rows").locator("xpath=..").locator("tbody tr")).to_have_count(3)
    assert_accessible(page, axe_source)

    page.goto(f"{live_server}/staff/exchange?lang={language}")
    page.locator("main table tbody tr").first.get_by_role("link").click()
    region = page.locator("[aria-labelledby=stopped-heading]")
    heading = page.locator("#stopped-heading").inner_text()
    expect(region.locator("li").first).to_contain_text("391")
    assert_accessible(page, axe_source)
    region.locator("button[type=submit]").click()
    expect(page.locator(".flash-region")).not_to_be_empty()
    expect(page.locator("#stopped-heading")).not_to_have_text(heading)
    expect(page.locator("[aria-labelledby=stopped-heading] button")).to_have_count(0)
    expect(page.locator("main table tbody tr").first).to_contain_text("Organization.csv")
    assert_accessible(page, axe_source)
