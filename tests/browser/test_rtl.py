"""Right to left, measured in Chromium: in the right-to-left pseudo-locale (Arabic locale data,
pseudo text) every page says dir="rtl", and the layout is the mirror image of the English one:
the header starts on the right, labels, inputs and headings stand against the right edge,
checkboxes and radio buttons are to the right of their labels, start borders are on the right,
the back link's arrow points right; axe-clean at phone and kiosk size (tests/browser/l10n.py).
"""

from __future__ import annotations

import unicodedata

from playwright.sync_api import Page

from portal.requests.models import RequestType, Status
from tests.browser.conftest import axe_violations
from tests.browser.l10n import (
    LEAD_EMAIL,
    Crawl,
    World,
    back_arrow,
    client_sign_in,
    mirrored,
    overflowing,
    staff_sign_in,
    untranslated,
)
from tests.i18n.pseudo import PSEUDO_RTL
from tests.reports import world


def _skip_link_starts_on_the_right(page: Page) -> None:
    page.keyboard.press("Tab")
    link = page.locator(".skip-link")
    box = link.bounding_box()
    assert box is not None
    width = page.evaluate("document.documentElement.clientWidth")
    assert abs(box["x"] + box["width"] - width) <= 1, "the skip link is not on the right"


def _client(crawl: Crawl, data: World) -> None:
    client_sign_in(crawl, data)
    crawl.visit("/my-record")
    assert "‹" in back_arrow(crawl.page)
    assert unicodedata.mirrored("‹"), "the browser draws it as › in right-to-left text"
    crawl.visit("/sharing")
    crawl.click("a.start-action[href^='/sharing/st']")  # read the form
    crawl.click("main form button[type=submit]")  # who it is for: checkboxes
    crawl.click("main form button[type=submit]")  # nobody chosen: errors
    crawl.visit("/complaint")
    crawl.click("form[action='/complaint'] button[type=submit]")  # radio buttons, errors
    crawl.click("form.sign-out button")


def _lead(crawl: Crawl, data: World) -> None:
    staff_sign_in(crawl, LEAD_EMAIL, data.lead_secret)
    crawl.visit("/staff/queue")
    crawl.visit(f"/staff/requests/{data.requests[(RequestType.COMPLAINT, Status.RECEIVED)]}")
    crawl.visit(f"/staff/reports?date_from={world.FROM}&date_to={world.TO}")


def test_pages_mirror_and_stay_accessible_right_to_left(
    page: Page, pseudo_server: str, pseudo_world: World, axe_source: str
) -> None:
    def accessible(page: Page) -> list[str]:
        return [f"axe: {violation}" for violation in axe_violations(page, axe_source)]

    checks = (untranslated, overflowing, mirrored, accessible)
    crawl = Crawl(page, pseudo_server, PSEUDO_RTL, checks=checks)
    crawl.visit("/")
    assert page.locator("html").get_attribute("lang") == "ar-001"
    _skip_link_starts_on_the_right(page)
    _client(crawl, pseudo_world)
    _lead(crawl, pseudo_world)
    assert crawl.checked >= 15, crawl.report()
    assert not crawl.problems, crawl.report()
