"""The idle warning (WCAG 2.2.1), driven with the page's clock under the test's control."""

from __future__ import annotations

import pytest
from flask import Flask
from itsdangerous import URLSafeSerializer
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy.orm import Session

from tests.browser.conftest import axe_violations, sign_in_client


@pytest.fixture
def kiosk(app: Flask, context: BrowserContext, live_server: str) -> None:
    value = URLSafeSerializer(app.secret_key, salt="kiosk device").dumps("Test lobby")
    context.add_cookies([{"name": "portal_kiosk", "value": value, "url": live_server}])


def _signed_in_on_kiosk(page: Page, live_server: str, code: str) -> None:
    page.clock.install()
    page.goto(f"{live_server}/sign-in?lang=en")
    sign_in_client(page, code)
    page.get_by_role("button", name="I have read the notice").click()
    expect(page.get_by_text("You are signed in as Client One.")).to_be_visible()


def test_kiosk_warns_after_two_minutes_and_the_client_can_continue(
    page: Page,
    live_server: str,
    axe_source: str,
    kiosk: None,
    code: str,
) -> None:
    _signed_in_on_kiosk(page, live_server, code)
    dialog = page.get_by_role("dialog", name="Are you still there?")
    page.clock.run_for(119_000)
    expect(dialog).to_be_hidden()
    page.clock.run_for(2_000)
    expect(dialog).to_be_visible()
    expect(page.get_by_role("button", name="I'm still here")).to_be_focused()
    assert axe_violations(page, axe_source) == []
    page.clock.run_for(31_000)
    expect(page.locator("[data-idle-announce]")).to_have_text("30 seconds left.")
    page.keyboard.press("Enter")  # "I'm still here", by keyboard
    expect(dialog).to_be_hidden()
    expect(page.get_by_text("You are signed in as Client One.")).to_be_visible()


def test_kiosk_clears_everything_when_nobody_answers(
    page: Page,
    live_server: str,
    kiosk: None,
    code: str,
    db_session: Session,
) -> None:
    _signed_in_on_kiosk(page, live_server, code)
    page.clock.run_for(121_000)
    expect(page.get_by_role("dialog", name="Are you still there?")).to_be_visible()
    page.clock.run_for(61_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Choose your language")
    assert "Client One" not in page.content()
    page.goto(f"{live_server}/my-page")
    expect(page).to_have_url(f"{live_server}/sign-in")


def test_finish_now_signs_out_at_once(
    page: Page,
    live_server: str,
    kiosk: None,
    code: str,
) -> None:
    _signed_in_on_kiosk(page, live_server, code)
    page.clock.run_for(121_000)
    page.get_by_role("button", name="Finish now").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Choose your language")


def test_phone_warns_a_minute_before_fifteen_minutes(
    page: Page,
    live_server: str,
    code: str,
) -> None:
    page.clock.install()
    page.goto(f"{live_server}/sign-in")
    sign_in_client(page, code)
    page.get_by_role("button", name="I have read the notice").click()
    dialog = page.get_by_role("dialog", name="Are you still there?")
    page.clock.run_for(13 * 60_000)
    expect(dialog).to_be_hidden()
    page.clock.run_for(61_000)
    expect(dialog).to_be_visible()
    page.clock.run_for(61_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("You are signed out")
