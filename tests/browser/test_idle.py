"""The idle warning (WCAG 2.2.1), driven with the page's clock under the test's control."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from itsdangerous import URLSafeSerializer
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy.orm import Session

from tests.browser.conftest import axe_violations, on_each_screen_in, sign_in_client


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


def test_every_target_on_a_kiosk_is_at_least_44_pixels_tall(
    page: Page, live_server: str, kiosk: None, code: str
) -> None:
    for path in ("/", "/?lang=en", "/sign-in", "/privacy-notice/versions", "/partner-agencies"):
        page.goto(f"{live_server}{path}")
        small = page.evaluate(
            """() => [...document.querySelectorAll('a, button, input, select, textarea')]
                .filter(el => el.offsetParent !== null && !el.classList.contains('skip-link'))
                .filter(el => el.getBoundingClientRect().height < 44)
                .map(el => el.outerHTML.slice(0, 80))"""
        )
        assert small == [], path


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


@on_each_screen_in("en", "es", "pl")
def test_hand_off_to_a_phone_is_accessible_on_both_ends(
    page: Page,
    live_server: str,
    axe_source: str,
    kiosk: None,
    code: str,
    browser: Browser,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
) -> None:
    import portal.client.views

    links: list[str] = []
    real = portal.client.views.qr_svg
    monkeypatch.setattr(
        portal.client.views, "qr_svg", lambda data, title: links.append(data) or real(data, title)
    )
    page.goto(f"{live_server}/sign-in?lang=en")
    sign_in_client(page, code)
    page.locator("form[action='/privacy-notice/acknowledge'] button").click()
    page.goto(f"{live_server}/my-page?lang={language}")
    page.locator("form[action='/my-page/phone'] button").click()
    expect(page.locator(".qr-box svg")).to_be_visible()
    assert axe_violations(page, axe_source) == []

    phone = browser.new_context(viewport={"width": 320, "height": 640}).new_page()
    phone.goto(f"{links[-1]}?lang={language}")
    assert axe_violations(phone, axe_source) == []
    phone.get_by_label(re.compile("Month|Mes|Miesiąc")).fill("10")
    phone.locator("#dob_day").fill("17")
    phone.locator("#dob_year").fill("1982")
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(f"{live_server}/my-page")
    phone.goto(links[-1])
    expect(phone.locator("h1")).to_be_visible()
    assert axe_violations(phone, axe_source) == []  # the "link does not work" page
    phone.context.close()
