"""The client journey in Chromium: notice, sign-in, acknowledgement, sign-out; every page
axe-clean in every language at phone and kiosk size; without JavaScript too."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from tests.browser.conftest import (
    axe_violations,
    horizontal_overflow,
    on_each_screen_in,
    sign_in_client,
)

LANGUAGES = ["en", "es", "pl"]


def _accessible(page: Page, axe_source: str) -> None:
    assert axe_violations(page, axe_source) == []
    assert horizontal_overflow(page) == 0


@on_each_screen_in(*LANGUAGES)
def test_public_notice_pages_are_accessible(
    page: Page, live_server: str, axe_source: str, language: str, code: str
) -> None:
    for path in (
        "/privacy-notice",
        "/privacy-notice/versions",
        "/privacy-notice/print",
        "/privacy-notice/versions/1",
        "/partner-agencies",
        "/sign-in",
    ):
        page.goto(f"{live_server}{path}?lang={language}")
        assert page.locator("html").get_attribute("lang") == language
        _accessible(page, axe_source)


@on_each_screen_in(*LANGUAGES)
def test_sign_in_errors_and_signed_in_pages_are_accessible(
    page: Page, live_server: str, axe_source: str, language: str, code: str
) -> None:
    page.goto(f"{live_server}/sign-in?lang={language}")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    _accessible(page, axe_source)
    page.goto(f"{live_server}/sign-in?lang=en")
    sign_in_client(page, code)
    expect(page).to_have_url(f"{live_server}/privacy-notice/acknowledge")
    page.goto(f"{live_server}/privacy-notice/acknowledge?lang={language}")
    _accessible(page, axe_source)
    page.locator("form[action='/privacy-notice/acknowledge'] button").click()
    expect(page).to_have_url(f"{live_server}/my-page")
    _accessible(page, axe_source)
    page.goto(f"{live_server}/my-page/who-looked?lang={language}")
    _accessible(page, axe_source)
    page.locator("form.sign-out button").click()
    expect(page).to_have_url(f"{live_server}/signed-out")
    _accessible(page, axe_source)


def test_reading_the_notice_in_spanish_and_polish(page: Page, live_server: str, code: str) -> None:
    page.goto(f"{live_server}/?lang=es")
    page.get_by_role("link", name="Leer el aviso de privacidad").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aviso de privacidad")
    page.goto(f"{live_server}/privacy-notice?lang=pl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Informacja o prywatności")


def test_after_sign_out_back_and_history_show_nothing(
    page: Page, live_server: str, code: str
) -> None:
    page.goto(f"{live_server}/sign-in")
    sign_in_client(page, code)
    page.get_by_role("button", name="I have read the notice").click()
    expect(page.get_by_text("You are signed in as Client One.")).to_be_visible()
    page.get_by_role("button", name="Finish and sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are signed out")
    page.go_back()
    expect(page.get_by_text("Client One")).to_have_count(0)
    assert "Client One" not in page.content()
    page.go_back()
    assert "Client One" not in page.content()
    stored = page.evaluate("JSON.stringify(Object.assign({}, localStorage, sessionStorage))")
    assert "Client One" not in stored


def test_whole_journey_works_without_javascript(
    browser: Browser, live_server: str, code: str
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Read the privacy notice").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    page.goto(f"{live_server}/sign-in?code={code}")  # as from the QR code: filled in
    expect(page.get_by_label("Access code")).to_have_value(code)
    page.get_by_label("Month").fill("10")
    page.get_by_label("Day").fill("17")
    page.get_by_label("Year").fill("1982")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="I have read the notice").click()
    expect(page.get_by_text("You are signed in as Client One.")).to_be_visible()
    page.get_by_role("button", name="Finish and sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are signed out")
    context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_demo_notice_prints_on_one_or_two_pages(
    browser: Browser, live_server: str, db_session: Session, language: str
) -> None:
    from portal.demo.commands import DEMO_NOTICE
    from portal.notice.services import load_demo_notice

    load_demo_notice(db_session, DEMO_NOTICE)
    db_session.commit()
    page = browser.new_context().new_page()
    page.goto(f"{live_server}/privacy-notice/print?lang={language}")
    pdf = page.pdf(
        format="Letter",
        margin={"top": "0.6in", "bottom": "0.6in", "left": "0.7in", "right": "0.7in"},
    )
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 <= pages <= 2, f"{language}: {pages} pages"
    page.context.close()
