"""Every page the foundation serves, in every language, at phone and kiosk size:
axe-clean, nothing scrolling sideways, usable by keyboard and without JavaScript."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from portal import db
from portal.accounts.models import Role
from portal.accounts.services import create_staff_user, issue_setup_token
from tests.browser.conftest import axe_violations, horizontal_overflow, on_each_screen_in

LANGUAGES = ["en", "es", "pl"]


@pytest.fixture
def setup_path(app: Flask) -> Callable[[], str]:
    def make() -> str:
        with app.app_context():
            session = db.session()
            user = create_staff_user(
                session,
                email="browser@county.example",
                name="Browser Test",
                role=Role.HMIS_LEAD,
                organization_id=None,
                password=None,
            )
            token = issue_setup_token(session, user, app.secret_key)
            session.commit()
        return f"/staff/set-up/{token}"

    return make


def _check(page: Page, axe_source: str, language: str) -> None:
    assert page.locator("html").get_attribute("lang") == language
    assert axe_violations(page, axe_source) == []
    assert horizontal_overflow(page) == 0


@on_each_screen_in(*LANGUAGES)
def test_start_page_is_accessible(
    page: Page, live_server: str, axe_source: str, language: str
) -> None:
    page.goto(f"{live_server}/?lang={language}")
    _check(page, axe_source, language)


@on_each_screen_in(*LANGUAGES)
def test_not_found_page_is_accessible(
    page: Page, live_server: str, axe_source: str, language: str
) -> None:
    response = page.goto(f"{live_server}/nowhere?lang={language}")
    assert response is not None
    assert response.status == 404
    _check(page, axe_source, language)


@on_each_screen_in(*LANGUAGES)
def test_set_up_page_and_its_errors_are_accessible(
    page: Page, live_server: str, axe_source: str, language: str, setup_path: Callable[[], str]
) -> None:
    page.goto(f"{live_server}{setup_path()}?lang={language}")
    _check(page, axe_source, language)
    page.locator("button[type=submit]").click()  # nothing filled in
    expect(page.locator(".error-summary")).to_be_visible()
    _check(page, axe_source, language)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    page: Page, live_server: str
) -> None:
    page.goto(f"{live_server}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # it appears when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_language_is_chosen_by_keyboard(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Español").focus()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Su expediente de HMIS y su privacidad"
    )


def test_set_up_form_works_by_keyboard_alone(
    page: Page, live_server: str, setup_path: Callable[[], str]
) -> None:
    page.goto(f"{live_server}{setup_path()}")
    page.get_by_label("New password").focus()
    page.keyboard.type("violet kettle harbour lamp")
    page.keyboard.press("Tab")
    page.keyboard.type("violet kettle harbour lamp")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is saved")


def test_error_summary_links_move_focus_to_the_field(
    page: Page, live_server: str, setup_path: Callable[[], str]
) -> None:
    page.goto(f"{live_server}{setup_path()}")
    page.get_by_label("New password").fill("short")
    page.get_by_role("button", name="Save password").click()
    page.locator(".error-summary a").first.click()
    expect(page.get_by_label("New password")).to_be_focused()


def test_set_up_works_without_javascript(
    browser: Browser, live_server: str, setup_path: Callable[[], str]
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server}{setup_path()}")
    page.get_by_label("New password").fill("violet kettle harbour lamp")
    page.get_by_label("Type the password again").fill("violet kettle harbour lamp")
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your password is saved")
    context.close()


def test_page_loads_no_inline_script_and_no_csp_violation(page: Page, live_server: str) -> None:
    reports: list[str] = []
    page.on(
        "console", lambda message: reports.append(message.text) if message.type == "error" else None
    )
    page.goto(f"{live_server}/")
    page.wait_for_function("typeof htmx !== 'undefined'")  # the vendored htmx loaded under the CSP
    assert not [text for text in reports if "Content Security Policy" in text]
