"""Every page in the pseudo-locale (tests/i18n/pseudo.py): every word through the catalog, and
nothing wider than a 320 px phone with words 35 % longer.

One crawl walks what a client (on their phone and at a kiosk), agency staff and the HMIS lead
can reach, filling in the forms to reach each step and each error message, and reports every
page's problems at once: text outside the ⟦ ⟧ markers that the template did not mark as a data
value, and content wider than its box (tests/browser/l10n.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from itsdangerous import URLSafeSerializer
from playwright.sync_api import Browser

from portal.requests.models import RequestType, Status
from portal.timeutil import utcnow
from tests.browser.conftest import VIEWPORTS
from tests.browser.l10n import (
    LEAD_EMAIL,
    STAFF_EMAIL,
    Crawl,
    World,
    client_sign_in,
    overflowing,
    staff_sign_in,
    untranslated,
)
from tests.factories import ADULT_CHILD, AGENCY_A, PARENT
from tests.i18n.pseudo import PSEUDO_LTR
from tests.reports import world

# ------------------------------------------------------------------------- the journeys


def public_pages(crawl: Crawl) -> None:
    for path in (
        "/",
        "/privacy-notice",
        "/privacy-notice/print",
        "/privacy-notice/versions",
        "/privacy-notice/versions/1",
        "/partner-agencies",
        "/nowhere",
        "/continue/not-a-link",
        "/signed-out",
        "/staff/set-up/not-a-link",
    ):
        crawl.visit(path)


def complaint(crawl: Crawl) -> None:
    crawl.visit("/complaint")
    crawl.click("form[action='/complaint'] button[type=submit]")  # nothing chosen: errors
    crawl.page.locator("#category-0").check()
    crawl.fill({"#description": "Someone read my file aloud in the lobby."})
    crawl.page.locator("#contact_method-0").check()
    crawl.fill({"#contact_details": "(847) 555-0100"})
    crawl.click("form[action='/complaint'] button[type=submit]")  # the check page
    crawl.click("form[action='/complaint/send'] button[type=submit]")  # sent


def client_record(crawl: Crawl) -> None:
    for path in ("/my-page", "/my-page/who-looked", "/my-record", "/my-record/ssn"):
        crawl.visit(path)
    crawl.visit("/my-record/correct")
    crawl.visit("/my-record/correct/identity.first_name")
    form = "form[action='/my-record/correct/identity.first_name'] button[type=submit]"
    crawl.click(form)  # nothing typed: errors
    crawl.fill({"#requested_value": "Canarina", "#reason": "It is spelled wrong."})
    crawl.click(form)  # the check page
    crawl.click("form[action$='/send'] button[type=submit]")  # sent
    crawl.visit("/my-record/printed-copy")
    crawl.click("form[action='/my-record/printed-copy'] button[type=submit]")


def client_requests(crawl: Crawl, data: World) -> None:
    crawl.visit("/my-requests")
    for reference in data.requests.values():
        crawl.visit(f"/my-requests/{reference}")
    denied = data.requests[(RequestType.CORRECTION, Status.DENIED)]
    crawl.visit(f"/my-requests/{denied}/statement")
    crawl.click("main form button[type=submit]")  # nothing typed: errors
    answered = data.requests[(RequestType.COMPLAINT, Status.RESPONDED)]
    crawl.visit(f"/my-requests/{answered}/escalate")
    waiting = data.requests[(RequestType.CORRECTION, Status.SUBMITTED)]
    crawl.visit(f"/my-requests/{waiting}/withdraw")


def client_sharing(crawl: Crawl) -> None:
    """Whichever form the parent may sign now, every step: read, who, sign, check, receipt."""
    crawl.visit("/sharing")
    crawl.click("a.start-action[href^='/sharing/st']")  # read the form
    step = "main form button[type=submit]"
    crawl.click(step)  # who it is for (a child is in the household)
    crawl.click(step)  # nobody chosen: errors
    for box in crawl.page.locator("input[type=checkbox][name=covered]").all():
        box.check()
    crawl.click(step)  # sign
    crawl.click(step)  # nothing signed: errors
    crawl.page.locator("#agree").check()
    crawl.fill({"#signed_name": "Canaryparent Testfamily"})
    crawl.click(step)  # check
    crawl.click("form[action$='/sign'] button[type=submit]")  # the receipt
    crawl.visit("/sharing")
    crawl.click("form.sign-out button")


def agency_staff(crawl: Crawl, data: World) -> None:
    staff_sign_in(crawl, STAFF_EMAIL)
    for path in ("/staff", "/staff/policy", "/staff/kiosk", "/staff/two-step", "/staff/queue"):
        crawl.visit(path)
    crawl.visit("/staff/access-codes/new")
    crawl.click("main form button[type=submit]")  # nothing typed: errors
    crawl.fill({"#personal_id": ADULT_CHILD})  # not the parent: a new code stops the old one
    crawl.click("main form button[type=submit]")  # who the client is
    crawl.click("form[action='/staff/access-codes'] button[type=submit]")  # the slip
    staff_requests(crawl, data.agency_a, (RequestType.CORRECTION, Status.SUBMITTED))
    crawl.visit("/staff/clients")
    crawl.visit("/staff/clients?name=canary")
    crawl.visit(f"/staff/clients/{PARENT}")
    crawl.visit(f"/staff/clients/{PARENT}/requests/new")
    crawl.click("main form button[type=submit]")  # nothing chosen: errors
    crawl.click("form.sign-out button")


def staff_requests(
    crawl: Crawl,
    requests: dict[tuple[RequestType, Status], str],
    undecided: tuple[RequestType, Status],
) -> None:
    for reference in requests.values():
        crawl.visit(f"/staff/requests/{reference}")
    crawl.visit(f"/staff/requests/{requests[undecided]}")
    crawl.click("form[action$='/decision'] button[type=submit]")  # nothing chosen: errors


def hmis_lead(crawl: Crawl, data: World) -> None:
    staff_sign_in(crawl, LEAD_EMAIL, data.lead_secret)
    for path in (
        "/staff",
        "/staff/queue",
        "/staff/versions",
        "/staff/partners",
        f"/staff/partners/{AGENCY_A}",
        f"/staff/reports?date_from={world.FROM}&date_to={world.TO}",
        "/staff/reports?date_from=2025-03-01&date_to=2025-02-01",
        "/staff/audit",
        "/staff/audit?date_from=2026-13-45",
        "/staff/users",
        "/staff/reports/policy-acceptance",
        "/staff/queue?q=canary&sort=type&due=soon",
    ):
        crawl.visit(path)
    crawl.visit("/staff/exchange")
    crawl.click("main details summary")  # the failed import's problems
    crawl.click("main details a[href*='/imports/']")
    staff_requests(crawl, data.requests, (RequestType.COMPLAINT, Status.RECEIVED))
    notice_draft(crawl)
    staff_accounts(crawl)


def notice_draft(crawl: Crawl) -> None:
    crawl.visit("/staff/versions/privacy-notice/new")
    crawl.click("button[name=action][value=save]")  # no date: errors
    next_year = utcnow().year + 1
    crawl.fill({"#effective_month": "1", "#effective_day": "1", "#effective_year": str(next_year)})
    for code in ("en", "es", "pl"):
        crawl.fill({f"#{code}_summary_of_changes": f"Clearer words [{code}]"})
    crawl.click("button[name=action][value=save]")  # the saved draft
    crawl.click("button[name=action][value=publish]")  # the check before publishing


def staff_accounts(crawl: Crawl) -> None:
    crawl.visit("/staff/users/new")
    crawl.click("main form button[type=submit]")  # nothing typed: errors
    crawl.fill({"#name": "Sam Newstaff", "#email": "sam@agency.example"})
    crawl.page.locator("input[name=role]").first.check()
    if crawl.page.locator("#agency").count():
        crawl.page.locator("#agency").select_option(AGENCY_A)
    crawl.click("main form button[type=submit]")  # the one-time set-up link
    link = crawl.page.locator("code.secret").inner_text()
    crawl.click("a[href^='/staff/users/']:not([href$='/users'])")  # the account
    crawl.click("a[href$='/edit']")
    crawl.click("form.sign-out button")
    crawl.page.goto(crawl.url(link.removeprefix(crawl.server)))
    crawl.check()  # the set-up page, as the new staff user opens it
    crawl.click("main form button[type=submit]")  # nothing typed: errors
    words = "violet kettle harbour lamp"
    crawl.fill({"#password": words, "#confirm": words})
    crawl.click("main form button[type=submit]")  # saved


def kiosk(crawl: Crawl, data: World, hand_offs: list[str]) -> None:
    """The kiosk's first question, then a client signed in there and sent on to a phone."""
    crawl.page.goto(f"{crawl.server}/")
    crawl.check()  # the language question, in every language at once
    client_sign_in(crawl, data, first_time=False)
    crawl.visit("/my-page")
    crawl.visit("/my-record")
    crawl.click("form[action='/my-page/phone'] button[type=submit]")  # signs the kiosk out
    crawl.visit(f"/continue/{hand_offs[-1]}")
    crawl.click("main form button[type=submit]")  # no date of birth: errors


def _kiosk_cookie(app: Flask, server: str) -> dict[str, str]:
    value = URLSafeSerializer(app.secret_key, salt="kiosk device").dumps("Lobby")
    return {"name": "portal_kiosk", "value": value, "url": server}


def _capture_hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The kiosk shows its one-time link only as a QR code: keep the tokens it makes."""
    from portal.client import views

    made: list[str] = []
    create: Callable[..., str] = views.create_hand_off

    def keep(*args: object) -> str:
        made.append(create(*args))
        return made[-1]

    monkeypatch.setattr(views, "create_hand_off", keep)
    return made


# ------------------------------------------------------------------------------- the test


def test_every_page_speaks_the_pseudo_locale_and_fits_a_phone(
    browser: Browser,
    pseudo_app: Flask,
    pseudo_server: str,
    pseudo_world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The browser asks for the pseudo-locale too, as a reader's browser asks for Spanish: pages
    # seen before any ?lang= (the kiosk's first question) are in it as well.
    phone = browser.new_context(viewport=VIEWPORTS["phone"], locale="en-001")
    crawl = Crawl(phone.new_page(), pseudo_server, PSEUDO_LTR)
    public_pages(crawl)
    complaint(crawl)
    agency_staff(crawl, pseudo_world)
    hmis_lead(crawl, pseudo_world)
    client_sign_in(crawl, pseudo_world)
    client_record(crawl)
    client_requests(crawl, pseudo_world)
    client_sharing(crawl)
    phone.close()

    hand_offs = _capture_hand_offs(monkeypatch)
    lobby = browser.new_context(viewport=VIEWPORTS["phone"], locale="en-001")
    lobby.add_cookies([_kiosk_cookie(pseudo_app, pseudo_server)])  # type: ignore[list-item]
    crawl.page = lobby.new_page()
    kiosk(crawl, pseudo_world, hand_offs)
    lobby.close()

    print(f"{crawl.checked} pages checked in {PSEUDO_LTR}")
    assert crawl.checked >= 80, crawl.report()
    assert not crawl.problems, crawl.report()


SAMPLE = """<!doctype html><html lang="en-001"><head><title>⟦Títléé⟧</title></head><body>
<p>⟦Á <a href="#">líñkk</a> íñ á šééñtééñçéé⟧</p>
<p>Not from the catalog</p>
<p translate="no">Canary Testfamily</p>
<p><span data-value>21 Nov 2026</span> ⟦dááýýš lééftt⟧</p>
<p lang="es">Español</p>
<button aria-label="Close">⟦X⟧</button>
<div class="narrow" style="width: 100px"><div style="width: 500px">⟦wííddéé⟧</div></div>
</body></html>"""


def test_the_checks_see_what_they_should(browser: Browser) -> None:
    """The crawl is only as good as its checks: each finds its own kind of problem, and only
    that (a message holding a link, marked values and another language's words pass)."""
    page = browser.new_page(viewport=VIEWPORTS["phone"])
    page.set_content(SAMPLE)
    assert untranslated(page) == [
        'body > p:nth-of-type(2): "Not from the catalog"',
        "body > button[aria-label]: Close",
    ]
    assert overflowing(page) == [
        "the page: 188px wider than the window",
        "body > div.narrow: content 400px wider than its box",
    ]
    page.context.close()
