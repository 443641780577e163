"""The client's rights in Chromium: record, correction, sharing refusal, complaint, following a
request. Every page axe-clean and without sideways scrolling at phone and kiosk size, in English
and Spanish; the same journeys without JavaScript."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from portal.notice.services import load_demo_versions
from portal.sharing.services import DEMO_SHARING_FORMS
from tests.browser.conftest import (
    assert_accessible,
    on_each_screen_in,
    sign_in_client,
)
from tests.factories import phone_complaint, phone_correction

REFERENCE = re.compile(r"[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}")


@pytest.fixture
def forms(db_session: Session, code: str) -> str:
    for kind, folder in DEMO_SHARING_FORMS.items():
        load_demo_versions(db_session, folder, kind)
    db_session.commit()
    return code


def _signed_in(page: Page, live_server: str, code: str, language: str) -> None:
    page.goto(f"{live_server}/sign-in?lang=en")
    sign_in_client(page, code)
    page.locator("form[action='/privacy-notice/acknowledge'] button").click()
    expect(page).to_have_url(f"{live_server}/my-page")
    page.goto(f"{live_server}/my-page?lang={language}")


def _correction(page: Page, live_server: str, axe_source: str | None) -> str:
    page.goto(f"{live_server}/my-record/correct")
    if axe_source:
        assert_accessible(page, axe_source)
    page.locator("a[href='/my-record/correct/identity.first_name']").click()
    page.locator("form[action='/my-record/correct/identity.first_name'] button").click()
    expect(page.locator(".error-summary")).to_be_visible()
    if axe_source:
        assert_accessible(page, axe_source)
    page.locator("#requested_value").fill("Clientina")
    page.locator("#reason").fill("Spelled <script>alert(1)</script> wrong")
    page.locator("form[action='/my-record/correct/identity.first_name'] button").click()
    expect(page.locator(".summary-list")).to_contain_text("Clientina")
    if axe_source:
        assert_accessible(page, axe_source)
    page.locator("form[action$='/send'] button").click()
    expect(page.locator(".reference")).to_have_text(REFERENCE)
    if axe_source:
        assert_accessible(page, axe_source)
    expect(page.locator("body")).to_contain_text("<script>alert(1)</script>")
    return page.locator(".reference").inner_text()


def _refusal(page: Page, live_server: str, axe_source: str | None) -> None:
    page.goto(f"{live_server}/sharing")
    if axe_source:
        assert_accessible(page, axe_source)
    page.locator("a[href='/sharing/stop']").click()
    if axe_source:
        assert_accessible(page, axe_source)
    page.locator("form[action='/sharing/stop'] button[type=submit]").click()  # read: continue
    page.locator(
        "form[action='/sharing/stop'] button[type=submit]"
    ).click()  # sign: nothing filled in
    expect(page.locator(".error-summary")).to_be_visible()
    if axe_source:
        assert_accessible(page, axe_source)
    page.locator("#agree").check()
    page.locator("#signed_name").fill("Client One")
    page.locator("form[action='/sharing/stop'] button[type=submit]").click()
    if axe_source:
        assert_accessible(page, axe_source)
    page.locator("form[action='/sharing/stop/sign'] button").click()
    expect(page.locator(".reference")).to_have_text(REFERENCE)
    if axe_source:
        assert_accessible(page, axe_source)


def _complaint(page: Page, live_server: str, axe_source: str | None) -> None:
    page.goto(f"{live_server}/complaint")
    page.locator("form[action='/complaint'] button").click()
    expect(page.locator(".error-summary")).to_be_visible()
    if axe_source:
        assert_accessible(page, axe_source)
    page.locator("#category-0").check()
    page.locator("#description").fill("Someone read my file aloud in the lobby.")
    page.locator("#contact_method-3").check()
    page.locator("form[action='/complaint'] button").click()
    if axe_source:
        assert_accessible(page, axe_source)
    page.locator("form[action='/complaint/send'] button").click()
    expect(page.locator(".reference")).to_have_text(REFERENCE)
    if axe_source:
        assert_accessible(page, axe_source)


@on_each_screen_in("en", "es")
def test_rights_journeys_are_accessible(
    page: Page, live_server: str, axe_source: str, language: str, forms: str
) -> None:
    _signed_in(page, live_server, forms, language)
    page.goto(f"{live_server}/my-record")
    assert_accessible(page, axe_source)
    expect(page.locator("#identity")).not_to_contain_text("Ends in")  # Client One has no SSN
    reference = _correction(page, live_server, axe_source)
    _refusal(page, live_server, axe_source)
    _complaint(page, live_server, axe_source)
    page.goto(f"{live_server}/my-requests")
    assert_accessible(page, axe_source)
    expect(page.locator("table")).to_contain_text(reference)
    page.locator(f"a[href='/my-requests/{reference}']").click()
    assert_accessible(page, axe_source)
    page.locator(f"a[href='/my-requests/{reference}/withdraw']").click()
    assert_accessible(page, axe_source)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".alert--success")).to_be_visible()
    page.goto(f"{live_server}/my-record/printed-copy")
    assert_accessible(page, axe_source)
    page.locator("form[action='/my-record/printed-copy'] button").click()
    expect(page.locator(".reference")).to_have_text(REFERENCE)
    page.goto(f"{live_server}/my-record")
    expect(page.locator("body")).to_contain_text(reference)


def test_rights_journeys_work_without_javascript(
    browser: Browser, live_server: str, forms: str
) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 640})
    page = context.new_page()
    _signed_in(page, live_server, forms, "en")
    _correction(page, live_server, None)
    _refusal(page, live_server, None)
    _complaint(page, live_server, None)
    page.goto(f"{live_server}/my-record")
    expect(page.locator("#sharing-heading + p")).to_contain_text("You said no to sharing")
    context.close()


def test_the_ssn_shows_only_when_asked(
    page: Page, live_server: str, forms: str, db_session: Session
) -> None:
    from portal.hmis.models import Client
    from tests.browser.conftest import CLIENT_ONE

    client = db_session.get(Client, CLIENT_ONE)
    assert client is not None
    client.ssn = "900451234"  # synthetic: no SSN starts with 9
    db_session.commit()
    _signed_in(page, live_server, forms, "en")
    page.goto(f"{live_server}/my-record")
    expect(page.locator("#identity")).to_contain_text("Ends in 1234")
    assert "900-45-1234" not in page.content()
    page.get_by_role("link", name="Show my full Social Security number").click()
    expect(page.locator("#identity")).to_contain_text("900-45-1234")
    page.get_by_role("link", name="Hide my Social Security number").click()
    expect(page.locator("#identity")).not_to_contain_text("900-45-1234")


def test_a_drawn_signature_is_kept_with_the_typed_name(
    page: Page, live_server: str, forms: str, db_session: Session
) -> None:
    from portal.requests.models import Request

    _signed_in(page, live_server, forms, "en")
    page.goto(f"{live_server}/sharing/stop")
    page.locator("form[action='/sharing/stop'] button[type=submit]").click()
    pad = page.locator("[data-signature-pad] canvas")
    expect(pad).to_be_visible()
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 10, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 80, box["y"] + 40, steps=5)
    page.mouse.up()
    assert page.locator("#drawn_signature").input_value().startswith("M")
    page.locator("#agree").check()
    page.locator("#signed_name").fill("Client One")
    page.locator("form[action='/sharing/stop'] button[type=submit]").click()
    page.locator("form[action='/sharing/stop/sign'] button").click()
    expect(page.locator("svg.drawn-signature path")).to_have_count(1)
    signed = db_session.query(Request).one()
    assert signed.drawn_signature is not None
    assert signed.drawn_signature.startswith("M")


def test_decision_pages_and_the_kiosk_record_are_accessible(
    app: Flask,
    browser: Browser,
    live_server: str,
    axe_source: str,
    forms: str,
    db_session: Session,
) -> None:
    from itsdangerous import URLSafeSerializer

    from portal.requests import corrections
    from portal.requests.models import Request, Status
    from portal.requests.services import Author, add_event
    from tests.browser.conftest import CLIENT_ONE, VIEWPORTS

    denied = phone_correction(
        db_session,
        personal_id=CLIENT_ONE,
        item_key="identity.last_name",
        current_value="One",
        requested_value="Uno",
        agency_id=None,
    )
    corrections.decide_correction(
        denied,
        Author("staff"),
        outcome=Status.DENIED,
        seen_version=denied.version,
        denial_reason="accurate_complete",
        explanation="The ID card says One.",
    )
    answered: Request = phone_complaint(db_session, personal_id=CLIENT_ONE, description="words")
    answered.status = Status.RESPONDED
    add_event(answered, "responded", Author("staff"), body="We talked to the agency.")
    db_session.commit()
    context = browser.new_context(viewport=VIEWPORTS["kiosk"])
    context.add_cookies(
        [
            {
                "name": "portal_kiosk",
                "value": URLSafeSerializer(app.secret_key, salt="kiosk device").dumps("Lobby"),
                "url": live_server,
            }
        ]
    )
    page = context.new_page()
    _signed_in(page, live_server, forms, "en")
    page.goto(f"{live_server}/my-record")
    expect(page.locator("a[href='/my-record/printed-copy']")).to_be_visible()
    expect(page.locator("a[href^='/my-record/download/']")).to_have_count(0)
    assert_accessible(page, axe_source)
    for path in (
        f"/my-requests/{denied.reference}",
        f"/my-requests/{denied.reference}/statement",
        f"/my-requests/{answered.reference}",
        f"/my-requests/{answered.reference}/escalate",
    ):
        page.goto(f"{live_server}{path}")
        assert_accessible(page, axe_source)
    page.goto(f"{live_server}/my-requests/{denied.reference}/statement")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, axe_source)
    context.close()


def test_a_parent_chooses_who_the_form_covers(
    app: Flask, page: Page, live_server: str, axe_source: str, db_session: Session
) -> None:
    from portal.access.services import issue_access_code
    from portal.hmis.models import Client
    from portal.sharing.rule import sharing_history
    from tests.factories import CHILD, PARENT, hmis_world, notice_version

    hmis_world(db_session)
    notice_version(db_session)
    for kind, folder in DEMO_SHARING_FORMS.items():
        load_demo_versions(db_session, folder, kind)
    code = issue_access_code(db_session, PARENT, app.secret_key)
    db_session.commit()
    parent = db_session.get(Client, PARENT)
    assert parent is not None
    assert parent.dob is not None
    page.goto(f"{live_server}/sign-in?lang=pl")
    page.locator("#code").fill(code)
    page.locator("#dob_month").fill(str(parent.dob.month))
    page.locator("#dob_day").fill(str(parent.dob.day))
    page.locator("#dob_year").fill(str(parent.dob.year))
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    page.locator("form[action='/privacy-notice/acknowledge'] button").click()
    page.goto(f"{live_server}/sharing/stop")
    page.locator("form[action='/sharing/stop'] button[type=submit]").click()
    boxes = page.locator("input[name=covered]")
    expect(boxes).to_have_count(2)  # the parent and the 9-year-old; not the 19-year-old
    assert_accessible(page, axe_source)
    page.locator("form[action='/sharing/stop'] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, axe_source)
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("form[action='/sharing/stop'] button[type=submit]").click()
    page.locator("#agree").check()
    page.locator("#signed_name").fill("Canaryparent Testfamily")
    page.locator("form[action='/sharing/stop'] button[type=submit]").click()
    page.locator("form[action='/sharing/stop/sign'] button").click()
    expect(page.locator(".reference")).to_have_text(REFERENCE)
    assert sharing_history(db_session, CHILD).refused_now
