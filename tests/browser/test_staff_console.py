"""The staff console in Chromium, in English, Spanish and Polish at 320 px: the queue with its
search, tabs, bulk form and saved views, a request with assignment and printing, the entry form
with its errors, the publishing comparison and refusal, the audit browser verifying its chain,
the policy acceptance report and the exchange preview. Every page axe-clean, one staff
navigation on each."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from portal.notice import drafting
from portal.requests.models import Channel, RequestType
from portal.requests.services import CLIENT_AUTHOR, open_request
from portal.timeutil import utcnow
from tests.browser.conftest import assert_accessible, on_each_screen_in, sign_in_lead
from tests.factories import AGENCY_A, PARENT, hmis_world, notice_version, phone_correction


def _world(app: Flask, db_session: Session) -> tuple[str, str, int]:
    hmis_world(db_session)
    notice_version(db_session)
    correction = phone_correction(
        db_session,
        personal_id=PARENT,
        item_key="demographics.veteran_status",
        current_value="0",
        requested_value="1",
        agency_id=AGENCY_A,
    )
    copy = open_request(
        db_session,
        RequestType.PRINTED_COPY,
        personal_id=PARENT,
        channel=Channel.KIOSK,
        author=CLIENT_AUTHOR,
        agency_id=AGENCY_A,
    )
    with app.test_request_context():
        draft = drafting.create_draft(
            db_session,
            "privacy_notice",
            drafting.Draft(
                utcnow().date(),
                (
                    drafting.DraftText(
                        "en", "Kept longer", "- Seven years", "## Keeping\n\nSeven."
                    ),
                    drafting.DraftText(
                        "es",
                        "Cambios de la versión 1 [es]",
                        "- Short point of version 1 [es]",
                        "## Section [es]\n\nBody of version 1 [es].",
                    ),
                ),
            ),
        )
    db_session.commit()
    return correction.reference, copy.reference, draft.id


def _check(page: Page, axe_source: str) -> None:
    expect(page.locator("nav.staff-nav")).to_have_count(1)
    assert_accessible(page, axe_source)


@on_each_screen_in("en", "es", "pl", kiosk=False)
def test_staff_console_pages_are_accessible(
    app: Flask, page: Page, live_server: str, axe_source: str, db_session: Session, language: str
) -> None:
    correction, copy, draft_id = _world(app, db_session)
    sign_in_lead(page, live_server, db_session)
    page.goto(f"{live_server}/staff/queue?lang={language}")
    expect(page.locator("#queue-results table")).to_contain_text(correction)
    _check(page, axe_source)
    page.locator("#filter-q").fill("canaryparent")
    page.locator("#filter-q").press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=canaryparent"))  # htmx swapped the results
    expect(page.locator("#queue-results")).to_contain_text(copy)
    page.locator(f"input[name=reference][value='{copy}']").check()
    page.locator("form[action='/staff/queue/bulk'] button[type=submit]").click()
    expect(page.locator(".alert--success")).to_be_visible()
    page.locator("#view_name").fill("Mine")
    page.locator("form[action='/staff/queue/views'] button").click()
    expect(page.locator(".saved-views")).to_be_visible()
    _check(page, axe_source)

    page.goto(f"{live_server}/staff/requests/{correction}")
    expect(page.locator("form[action$='/assignment']")).to_be_visible()
    # A coded item's partial approval: HUD's choices (radios), and the way to the client's record.
    expect(page.locator("input[type=radio][name=corrected_codes]")).to_have_count(4)
    expect(page.locator(f"main a[href='/staff/clients/{PARENT}']")).to_have_count(1)
    _check(page, axe_source)
    page.goto(f"{live_server}/staff/requests/{copy}")
    expect(page.locator("a[href$='/record-pdf']")).to_be_visible()
    _check(page, axe_source)

    page.goto(f"{live_server}/staff/clients/{PARENT}/requests/new")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    _check(page, axe_source)

    page.goto(f"{live_server}/staff/versions/{draft_id}/compare")
    expect(page.locator("[data-untranslated=es]")).to_be_visible()
    _check(page, axe_source)
    page.goto(f"{live_server}/staff/versions/{draft_id}/edit")
    page.locator("button[name=action][value=publish]").click()
    expect(page.locator("input[name=english_for_now]")).to_be_visible()
    page.locator("form[action$='/publish'] button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    _check(page, axe_source)

    page.goto(f"{live_server}/staff/audit")
    page.locator("form[action='/staff/audit/verify'] button").click()
    expect(page.locator("[data-verdict=intact]")).to_be_visible(timeout=15_000)
    _check(page, axe_source)

    page.goto(f"{live_server}/staff/reports/policy-acceptance")
    _check(page, axe_source)

    page.goto(f"{live_server}/staff/exchange")
    page.locator("#since").fill("2020-01-01")
    page.locator("button[name=action][value=preview]").click()
    expect(page.locator("#export-preview")).to_be_visible()
    _check(page, axe_source)
