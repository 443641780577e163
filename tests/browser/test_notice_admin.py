"""The HMIS lead drafts and publishes a new privacy notice in Chromium: the list of versions, the
form with an error, the preview that htmx refreshes while they type, the check before
publishing, and the public page afterwards; axe-clean and without sideways scroll."""

from __future__ import annotations

import datetime as dt

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.notice.models import NoticeVersion
from portal.timeutil import utcnow
from tests.browser.conftest import (
    STAFF_SCREEN,
    assert_accessible,
    sign_in_lead,
)
from tests.factories import notice_version

# A long unbroken word: the preview must wrap it, not scroll sideways on a phone.
LONG_WORD = "https://www.county.example/community-services/hmis/privacy-notice-archive"


def _fill_language(page: Page, code: str, words: str) -> None:
    page.locator(f"#{code}_summary_of_changes").fill(f"What changed: {words}")
    page.locator(f"#{code}_in_short").fill(f"- {words} in short")
    page.locator(f"#{code}_body").fill(f"## {words}\n\nThe full text: {words}.")


@STAFF_SCREEN
def test_lead_drafts_previews_and_publishes_a_notice(
    page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    notice_version(db_session, number=1, effective_date=dt.date(2021, 1, 1))
    sign_in_lead(page, live_server, db_session)

    page.goto(f"{live_server}/staff/versions")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notice and form versions")
    assert_accessible(page, axe_source)
    notice = page.get_by_role("region", name="Privacy notice", exact=True)
    notice.get_by_role("link", name="Start a new version").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice: new version")
    assert_accessible(page, axe_source)

    # The draft starts from version 1's words; the lead rewrites the English from scratch.
    expect(page.locator("#copied-from")).to_contain_text("starts from the text of version 1")
    expect(page.locator("#pl_body")).to_have_value("## Section [pl]\n\nBody of version 1 [pl].")
    page.locator("#en_summary_of_changes").fill("Clearer words about sharing.")
    page.locator("#en_in_short").fill("- We share less.")
    page.locator("#en_body").fill("")
    page.get_by_role("button", name="Save the draft").click()
    # No date, no English text, nothing said about what changed in Spanish and Polish: each
    # error sits next to its field, and what was typed stays.
    expect(page.locator(".error-summary li")).to_have_count(4)
    expect(page.locator("#effective-error")).to_contain_text("month, day and year")
    expect(page.locator("#en_body-error")).to_contain_text("Enter the full text in English.")
    expect(page.locator("#pl_summary_of_changes-error")).to_contain_text("leave Polish empty")
    expect(page.locator("#en_in_short")).to_have_value("- We share less.")
    assert_accessible(page, axe_source)
    page.locator(".error-summary a[href='#en_body']").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#en_body")).to_be_focused()

    # The preview follows the typing (htmx, after a short pause), rendered as the public sees it.
    page.locator("#en_body").press_sequentially("## Who sees your data\n\n**Only** ", delay=5)
    page.locator("#en_body").press_sequentially(f"partners. {LONG_WORD} <script>x</script>")
    preview = page.locator("#preview-en .notice-body")
    expect(preview.locator("h2")).to_have_text("Who sees your data")
    expect(preview.locator("strong")).to_have_text("Only")
    expect(preview).to_contain_text("<script>x</script>")  # shown as text, never run
    # The Polish translation is not ready: the lead empties Polish, its readers get English.
    page.locator("#pl_in_short").fill("")
    page.locator("#pl_body").fill("")
    expect(page.locator("#preview-pl")).to_contain_text("nie jest jeszcze dostępna")
    _fill_language(page, "es", "Nuevo aviso")
    expect(page.locator("#preview-es .notice-body h2")).to_have_text("Nuevo aviso")
    expect(page.locator("#preview-es .summary-box h4")).to_have_text("En resumen")
    assert_accessible(page, axe_source)

    today = utcnow().date()
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".alert--success")).to_contain_text("The draft is saved")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice: draft of version 2")
    expect(page.locator("#preview-en .notice-body h2")).to_have_text("Who sees your data")
    assert_accessible(page, axe_source)

    # Polish is not written: publishing asks to confirm that Polish readers get English.
    page.get_by_role("button", name="Save and check before publishing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish version 2: Privacy notice")
    expect(page.locator(".summary-list")).to_contain_text("Polski: not written")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.locator(".error-summary")).to_contain_text("Tick the box")
    assert_accessible(page, axe_source)
    page.get_by_label("I confirm: readers of Polish get the English text").check()
    # What changed, in a few words, in every language published (required).
    page.locator("#what_changed_en").fill("We share less.")
    page.locator("#what_changed_es").fill("Compartimos menos.")
    page.get_by_role("button", name="Publish version 2").click()
    expect(page).to_have_url(f"{live_server}/staff/versions")
    expect(page.locator(".alert--success")).to_contain_text("Privacy notice, version 2")
    assert_accessible(page, axe_source)

    version = db_session.scalars(select(NoticeVersion).where(NoticeVersion.number == 2)).one()
    assert version.english_fallback_confirmed

    page.goto(f"{live_server}/privacy-notice?lang=pl")
    expect(page.locator(".alert--warning")).to_contain_text("nie jest jeszcze dostępna")
    expect(page.locator(".notice-body h2")).to_have_text("Who sees your data")
    assert_accessible(page, axe_source)
    page.goto(f"{live_server}/privacy-notice?lang=es")
    expect(page.locator(".notice-body h2")).to_have_text("Nuevo aviso")


@STAFF_SCREEN
def test_lead_deletes_a_draft_after_confirming(
    page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    sign_in_lead(page, live_server, db_session)
    page.goto(f"{live_server}/staff/versions/end-user-policy/new")
    today = utcnow().date()
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Year").fill(str(today.year))
    _fill_language(page, "en", "Policy words")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".alert--success")).to_contain_text("The draft is saved")
    page.get_by_role("button", name="Delete this draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this draft?")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Delete the draft").click()
    expect(page.locator(".alert--success")).to_contain_text("The draft is deleted.")
    assert db_session.scalar(select(NoticeVersion.id)) is None
    page.goto(f"{live_server}/staff/versions?lang=es")
    assert_accessible(page, axe_source)
