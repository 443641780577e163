"""Issue 18's journeys in Chromium, the way a person in a shelter walks them on a cheap phone or a
kiosk: targets big enough to tap, the focus on what went wrong, nothing wider than the screen,
coded corrections, an anonymous complaint, my page saying what changed, and the quick exit.
axe stays at 0 on every page visited, in English, Spanish and Polish."""

from __future__ import annotations

import json
import re

from flask import Flask
from playwright.sync_api import Browser, Page, Route, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.notice import drafting
from portal.notice.services import load_demo_versions
from portal.requests.models import Request, Status
from portal.requests.services import Author, add_event
from portal.sharing.services import DEMO_SHARING_FORMS
from portal.timeutil import utcnow
from tests.browser.conftest import assert_accessible, on_each_screen_in, sign_in_client
from tests.factories import notice_version

LANGUAGES = ["en", "es", "pl"]
NEUTRAL = "https://www.weather.gov/"

# Buttons, fields, choices and links that stand alone (not inside a sentence) smaller than
# 44 x 44 CSS px, by what they say; the skip link is off screen until focused.
SMALL_TARGETS = """() => {
  const small = [];
  let measured = 0;
  const seen = (el) =>
    el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const standalone = (a) => {
    const block = a.parentElement;
    return block && block.textContent.trim() === a.textContent.trim();
  };
  const targets = 'button, input:not([type=hidden]), select, textarea, a[href]';
  for (const el of document.querySelectorAll(targets)) {
    if (!seen(el) || el.classList.contains('skip-link')) continue;
    if (el.tagName === 'A' && !standalone(el)) continue;
    measured += 1;
    const box = el.getBoundingClientRect();
    const name = el.id || el.textContent.trim().slice(0, 30);
    if (box.width < 44 || box.height < 44) {
      small.push(`${el.tagName} ${name} ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return {small, measured};
}"""


def _check(page: Page, axe_source: str) -> None:
    assert_accessible(page, axe_source)
    targets = page.evaluate(SMALL_TARGETS)
    assert targets["small"] == [], page.url
    assert targets["measured"] >= 3, page.url  # the quick exit, the languages, ...


def _neutral_site(route: Route) -> None:
    route.fulfill(
        status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>"
    )


@on_each_screen_in(*LANGUAGES)
def test_a_client_fixes_a_coded_item_and_complains_and_leaves_quickly(
    page: Page, live_server: str, axe_source: str, language: str, code: str, db_session: Session
) -> None:
    page.route(f"{NEUTRAL}**", _neutral_site)
    page.goto(f"{live_server}/?lang={language}")
    _check(page, axe_source)
    page.goto(f"{live_server}/sign-in?lang=en")
    assert page.locator("#dob_month").get_attribute("autocomplete") == "bday-month"  # own phone
    sign_in_client(page, code)
    page.goto(f"{live_server}/privacy-notice/acknowledge?lang={language}")
    page.locator("form[action='/privacy-notice/acknowledge'] button").click()
    expect(page).to_have_url(f"{live_server}/my-page")
    _check(page, axe_source)

    # A coded correction: nothing chosen (the error summary takes the focus), then HUD's choice.
    page.goto(f"{live_server}/my-record/correct/demographics.veteran_status")
    _check(page, axe_source)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.locator(".error-summary a").first.get_attribute("href") == "#new_code"
    _check(page, axe_source)
    page.locator("input[name=new_code][value='1']").check()
    page.locator("#reason").fill("I served in the army.")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/check\?key="))  # the check step: a page of its own
    page.reload()  # nothing to resubmit
    _check(page, axe_source)
    page.locator("form[action$='/send'] button").click()
    expect(page).to_have_url(re.compile(r"/my-requests/.+/sent$"))
    _check(page, axe_source)
    stored = db_session.scalars(select(Request)).one()
    assert stored.requested_code == "1"
    page.reload()  # reload after sending: still one request
    page.go_back()  # Back to the check page: it shows what was sent, sends nothing
    expect(page).to_have_url(re.compile(r"/my-requests/.+/sent$"))
    db_session.expire_all()
    assert len(db_session.scalars(select(Request)).all()) == 1

    # The same name again is refused next to the field.
    page.goto(f"{live_server}/my-record/correct/identity.first_name")
    page.locator("#requested_value").fill("client")
    page.locator("#reason").fill("Spelling")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#requested_value-error")).to_be_visible()
    expect(page.locator(".error-summary")).to_be_focused()

    # A long unbroken word never widens the page; an anonymous complaint goes through once.
    page.goto(f"{live_server}/complaint")
    page.locator("input[name=category]").first.check()
    page.locator("#description").fill("x" * 300)
    page.locator("input[name=contact_method][value=none]").check()
    page.locator("#anonymous").check()
    page.locator("form[action='/complaint'] button[type=submit]").click()
    _check(page, axe_source)  # check page, with the 300-letter word
    page.locator("form[action='/complaint/send'] button").click()
    expect(page).to_have_url(f"{live_server}/complaint/sent")
    _check(page, axe_source)
    page.reload()
    db_session.expire_all()
    complaint = db_session.scalars(select(Request).where(Request.type == "complaint")).one()
    assert complaint.personal_id is None

    # My page: each request's status in words.
    page.goto(f"{live_server}/my-page")
    expect(page.locator(".request-card")).to_have_count(1)
    _check(page, axe_source)

    # The JSON download validates against the published schema (not at a kiosk: no downloads).
    if page.context.viewport_name == "phone":  # type: ignore[attr-defined]
        document = json.loads(page.request.get(f"{live_server}/my-record/download/json").text())
        from jsonschema import Draft202012Validator

        from tests.client.test_downloads import SCHEMA

        assert list(Draft202012Validator(SCHEMA).iter_errors(document)) == []

    # Leave quickly: Esc twice replaces the page with a neutral site and ends the session.
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(page).to_have_url(NEUTRAL)
    page.goto(f"{live_server}/my-page")
    expect(page).not_to_have_url(f"{live_server}/my-page")


def test_quick_exit_without_javascript(browser: Browser, live_server: str, code: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page = context.new_page()
    page.route(f"{NEUTRAL}**", _neutral_site)
    page.goto(f"{live_server}/sign-in")
    sign_in_client(page, code)
    page.get_by_role("button", name="Leave this page quickly").click()
    expect(page).to_have_url(NEUTRAL)
    page.goto(f"{live_server}/my-page")
    expect(page).not_to_have_url(f"{live_server}/my-page")
    context.close()


# "What changed" is required in every language published, each in its own words (issue 20).
CHANGES = {"en": "Canary change.", "es": "Cambio de prueba.", "pl": "Zmiana testowa."}


@on_each_screen_in(*LANGUAGES)
def test_a_client_reads_what_changed_signs_with_their_name_and_sees_the_answer(
    app: Flask,
    page: Page,
    live_server: str,
    axe_source: str,
    language: str,
    code: str,
    db_session: Session,
) -> None:
    for kind, folder in DEMO_SHARING_FORMS.items():
        load_demo_versions(db_session, folder, kind)
    db_session.commit()
    page.goto(f"{live_server}/sign-in?lang=en")
    sign_in_client(page, code)
    page.goto(f"{live_server}/privacy-notice/acknowledge?lang={language}")
    page.locator("form[action='/privacy-notice/acknowledge'] button").click()
    # A new notice version: what changed comes first, the full text one tap away.
    draft = notice_version(db_session, number=0, published=False, effective_date=utcnow().date())
    with app.test_request_context():
        drafting.publish(db_session, draft, fallback_confirmed=True, what_changed=CHANGES)
    db_session.commit()
    page.goto(f"{live_server}/my-page")
    expect(page).to_have_url(f"{live_server}/privacy-notice/acknowledge")
    expect(page.locator(".notice-changes")).to_contain_text(CHANGES[language])
    expect(page.locator("details.notice-full .notice-body")).not_to_be_visible()
    page.locator("details.notice-full summary").click()
    expect(page.locator("details.notice-full .notice-body")).to_be_visible()
    _check(page, axe_source)
    page.locator("form[action='/privacy-notice/acknowledge'] button").click()
    expect(page).to_have_url(f"{live_server}/my-page")

    # The refusal: a wrong name is refused at the field; the receipt carries the text signed.
    page.goto(f"{live_server}/sharing/stop")
    page.locator("form[action='/sharing/stop'] button[type=submit]").click()
    page.locator("#agree").check()
    page.locator("#signed_name").fill("Someone Else")
    page.locator("form[action='/sharing/stop'] button[type=submit]").click()
    expect(page.locator("#signed_name-error")).to_contain_text("Client One")
    expect(page.locator(".error-summary")).to_be_focused()
    _check(page, axe_source)
    page.locator("#signed_name").fill("client  one")
    page.locator("form[action='/sharing/stop'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"page=check"))
    _check(page, axe_source)
    page.locator("form[action='/sharing/stop/sign'] button").click()
    expect(page.locator(".signed-text")).to_be_visible()
    _check(page, axe_source)
    receipt = page.url
    page.go_back()  # Back from the receipt: the receipt again, nothing signed twice
    expect(page).to_have_url(receipt)

    # Staff decide the request: my page says so in words, with the badge; the answer one tap away.
    signed = db_session.scalars(select(Request)).one()
    signed.status = Status.ACKNOWLEDGED
    signed.decided_at = utcnow()
    add_event(signed, "acknowledged", Author("staff"))
    db_session.commit()
    page.goto(f"{live_server}/my-page")
    card = page.locator(".request-card")
    expect(card.locator(".badge")).to_be_visible()
    _check(page, axe_source)
    card.locator("a").click()
    expect(page).to_have_url(re.compile(rf"/my-requests/{signed.reference}$"))
    page.goto(f"{live_server}/my-page")
    expect(page.locator(".request-card .badge")).to_have_count(0)
