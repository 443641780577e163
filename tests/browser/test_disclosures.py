"""Who saw my information, consents, the register, the retention schedule and the figures in
Chromium: axe-clean in English, Spanish and Polish, no sideways scrolling at 320 px."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from portal.consents.services import DEMO_CONSENT_FORMS
from portal.disclosures.services import NewDisclosure, record_disclosure
from portal.notice.services import load_demo_versions
from portal.retention.services import set_years
from portal.timeutil import utcnow
from tests.browser.conftest import (
    CLIENT_ONE,
    STAFF_SCREEN,
    assert_accessible,
    on_each_screen_in,
    sign_in_client,
    sign_in_lead,
)
from tests.factories import hmis_world

LANGUAGES = ("en", "es", "pl")


def _seed(app: Flask, db_session: Session) -> None:
    for kind, folder in DEMO_CONSENT_FORMS.items():
        load_demo_versions(db_session, folder, kind)
    with app.app_context():
        record_disclosure(
            db_session,
            NewDisclosure(
                personal_ids=[CLIENT_ONE],
                disclosed_on=utcnow().date() - dt.timedelta(days=3),
                recipient_organization="County Coroner's Office",
                purpose="coroner",
                items=["identity", "enrollments"],
                basis="Request 2026-17",
            ),
            None,
        )
    db_session.commit()


@on_each_screen_in(*LANGUAGES)
def test_client_sees_who_saw_and_gives_and_stops_a_consent(
    app: Flask,
    page: Page,
    live_server: str,
    axe_source: str,
    language: str,
    code: str,
    db_session: Session,
) -> None:
    _seed(app, db_session)
    page.goto(f"{live_server}/sign-in?lang=en")
    sign_in_client(page, code)
    page.locator("form[action='/privacy-notice/acknowledge'] button").click()
    expect(page).to_have_url(f"{live_server}/my-page")

    page.goto(f"{live_server}/my-page/who-looked?lang={language}")
    expect(page.locator(".access-log__item--disclosure")).to_contain_text("County Coroner's Office")
    assert_accessible(page, axe_source)

    page.goto(f"{live_server}/my-page/consents?lang={language}")
    assert_accessible(page, axe_source)
    page.locator("a[href='/my-page/consents/new?form=research']").click()
    assert_accessible(page, axe_source)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, axe_source)
    page.locator("#recipient").fill("State University housing study")
    page.locator("#purpose").fill("Count shelter stays")
    page.locator("#end_date").fill((utcnow().date() + dt.timedelta(days=100)).isoformat())
    page.locator("#agree").check()
    page.locator("#signed_name").fill("Synthetic Name")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/my-page/consents")
    expect(page.locator(".consent")).to_have_count(1)
    page.locator(".consent form button").click()
    expect(page.locator(".consent form")).to_have_count(0)
    assert_accessible(page, axe_source)


@STAFF_SCREEN
def test_lead_pages_for_disclosures_consents_and_retention(
    app: Flask, page: Page, live_server: str, axe_source: str, code: str, db_session: Session
) -> None:
    _seed(app, db_session)
    hmis_world(db_session)  # enrollments in 2020: due under a one-year rule
    set_years(db_session, "identity", 1, None)
    db_session.commit()
    sign_in_lead(page, live_server, db_session)
    page.goto(f"{live_server}/staff/disclosures/new?lang=en")
    page.locator("#personal_ids").fill(CLIENT_ONE)
    page.locator("#disclosed_on").fill((utcnow().date() - dt.timedelta(days=1)).isoformat())
    page.locator("#recipient_organization").fill("County Sheriff")
    page.locator("#purpose-6").check()  # law enforcement
    page.locator("#items-0").check()
    page.locator("#basis").fill("Warrant 2026-5")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Disclosure ")
    shown = page.url
    for language in LANGUAGES:
        for path in (
            "/staff/disclosures",
            "/staff/disclosures/new",
            "/staff/consents/new",
            "/staff/consents",
            "/staff/reports/disclosures",
            "/staff/retention",
        ):
            page.goto(f"{live_server}{path}?lang={language}")
            assert_accessible(page, axe_source)
        page.goto(f"{shown}?lang={language}")
        assert_accessible(page, axe_source)
        page.goto(f"{live_server}/staff/disclosures/new?lang={language}")
        page.locator("main form button[type=submit]").click()
        expect(page.locator(".error-summary")).to_be_visible()
        assert_accessible(page, axe_source)
        page.goto(f"{live_server}/staff/retention?lang={language}")
        page.locator("form[action='/staff/retention/purge'] button").click()
        expect(page.locator(".error-summary")).to_be_visible()
        assert_accessible(page, axe_source)
        page.goto(f"{live_server}/privacy-notice?lang={language}")
        expect(page.locator("#retention-rule")).to_be_visible()
        assert_accessible(page, axe_source)
