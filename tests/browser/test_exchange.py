"""The HMIS lead's exchange page in Chromium: a successful and a failed import listed, the
failed one's problem report opened, a bad date refused next to its field; axe-clean and no
sideways scroll on a phone and on a kiosk screen."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from portal.hmis.services import run_import
from tests.browser.conftest import (
    STAFF_SCREEN,
    assert_accessible,
    sign_in_lead,
)
from tests.conftest import HMIS_CSV


@STAFF_SCREEN
def test_exchange_page_with_a_good_and_a_failed_import(
    app: Flask,
    page: Page,
    live_server: str,
    axe_source: str,
    db_session: Session,
    tmp_path: Path,
) -> None:
    assert run_import(db_session, HMIS_CSV / "edge-fy2024-bom").succeeded
    unreadable = tmp_path / "no-clients"
    shutil.copytree(HMIS_CSV / "edge-fy2024-bom", unreadable)
    (unreadable / "Client.csv").unlink()
    assert not run_import(db_session, unreadable).succeeded
    sign_in_lead(page, live_server, db_session)

    page.goto(f"{live_server}/staff/exchange")
    expect(page.get_by_role("heading", level=1)).to_have_text("Exchange with the HMIS of record")
    imports = page.get_by_role("region", name="Newest first. Times are in the county's time zone.")
    expect(imports.get_by_role("row")).to_have_count(3)  # the header and two imports
    expect(imports).to_contain_text("FAILED")
    expect(imports).to_contain_text("Succeeded")
    assert_accessible(page, axe_source)

    page.locator("main details summary").first.click()
    expect(page.locator("main details li").first).to_contain_text("missing_file")
    assert_accessible(page, axe_source)

    page.get_by_label("Changes made on or after").fill("")
    page.get_by_role("button", name="Download the CSV").click()
    expect(page.locator("#since-error")).to_contain_text("Enter the date to export changes from.")
    assert_accessible(page, axe_source)

    page.get_by_role("link", name="no-clients").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import of no-clients")
    expect(page.locator("#problem-rows")).to_contain_text("1 row problem matches.")
    assert_accessible(page, axe_source)
