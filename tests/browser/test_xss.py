"""The XSS corpus in Chromium: typed through the forms as in tests/attacks/test_xss.py, then the
pages that show it are opened, once with the portal's Content-Security-Policy and once with it
bypassed (so that markup from a payload, had any reached the page, would run). Nothing runs:
no dialog, `window.__xss` stays undefined, no CSP violation is reported, and the browser's own
parser finds no element or attribute from a payload."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, BrowserContext, Page
from sqlalchemy.orm import Session

from tests.attacks.conftest import Browsers
from tests.attacks.corpus import PAYLOADS, RUN, rounds
from tests.attacks.test_xss import TAG_ROOM, Attack, _seed_imported_names
from tests.test_authorization_matrix import CLIENT_A, _seed

COOKIE = "portal_session"
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""
# The browser's own parse of the page: what markup could only have come from a payload.
FROM_A_PAYLOAD = """() => {
  const found = [];
  const echoed = (element, name) =>
    name === "value" && ["INPUT", "OPTION", "BUTTON"].includes(element.tagName);
  for (const element of document.querySelectorAll("*")) {
    if (element.tagName === "SCRIPT" && !element.src) found.push("inline script");
    if (["IFRAME", "OBJECT", "EMBED", "BASE", "FRAME", "MATH", "STYLE"].includes(element.tagName))
      found.push(element.tagName);
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      // Less the portal's own random form keys (base64 may spell "xss" by chance).
      const value = attribute.value
        .replace(/([?&]key=)[A-Za-z0-9_-]+/g, "$1")
        .replace(/\\s/g, "")
        .toLowerCase();
      if (/^on|^hx-on|^data-hx-on|xss|[^a-z0-9_.:-]/.test(name) || name === "style")
        found.push(element.tagName + " " + name);
      else if (!echoed(element, name) && (value.includes("xss") || value.startsWith("javascript:")))
        found.push(element.tagName + " " + name + "=" + attribute.value.slice(0, 60));
    }
  }
  return found;
}"""


@pytest.fixture
def attacked(app: Flask, db_session: Session) -> Attack:
    """The matrix's world with the whole corpus typed in, by client A, staff and a stranger."""
    _seed(app, db_session, refused=False)
    _seed_imported_names(db_session)
    attack = Attack(Browsers(app, db_session), db_session)
    for r, chunk in enumerate(rounds(200 - TAG_ROOM)):
        attack.round(r, chunk)
    assert attack.problems == []
    return attack


def _signed_in_context(
    browser: Browser, live_server: str, client: FlaskClient, *, bypass_csp: bool
) -> BrowserContext:
    """A browser context that carries the test client's session cookie: the same sign-in."""
    context = browser.new_context(bypass_csp=bypass_csp)
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    context.add_cookies([{"name": COOKIE, "value": cookie.value, "url": live_server}])
    context.add_init_script(WATCH)
    return context


def _pages(attack: Attack, every_round: bool) -> Iterator[tuple[str, str]]:
    """(user, path) of the pages that show what was typed: of every round, or of the first."""
    for r, kind, reference in attack.typed.requests:
        if r > 0 and not every_round:
            break
        if kind == "correction":
            yield "client_a", f"/my-requests/{reference}"
        if kind == "refusal":
            yield "client_a", f"/sharing/receipt/{reference}"
        if kind in ("correction", "anonymous_complaint") or (kind, r) == ("entered_correction", 0):
            yield "hmis_lead", f"/staff/requests/{reference}"
    yield from (("client_a", "/my-record"), ("client_a", "/my-requests"), ("client_a", "/sharing"))
    yield from (("hmis_lead", "/staff/queue"), ("hmis_lead", f"/staff/clients/{CLIENT_A}"))


def _watch_dialogs(page: Page, dialogs: list[str]) -> None:
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))


def _visit(page: Page, url: str, dialogs: list[str]) -> list[str]:
    response = page.goto(url)
    assert response is not None
    assert response.status == 200, url
    page.wait_for_timeout(50)  # handlers that fire after load (ontoggle, autofocus)
    if "/my-requests/" in url:  # the payloads are there, as text
        assert RUN in page.inner_text("main"), url
    problems = [f"{url}: {found}" for found in page.evaluate(FROM_A_PAYLOAD)]
    if page.evaluate("typeof window.__xss") != "undefined":
        problems.append(f"{url}: a payload ran")
    problems += [f"{url}: CSP refused {v}" for v in page.evaluate("window.__cspViolations")]
    problems += [f"{url}: a dialog said {message!r}" for message in dialogs]
    dialogs.clear()
    return problems


def test_no_payload_runs_in_chromium(attacked: Attack, browser: Browser, live_server: str) -> None:
    """Without the CSP every page of every round (a payload in the page would run); with it,
    the pages of the first round (a payload in the page would be reported)."""
    problems: list[str] = []
    visited = 0
    for bypass_csp in (True, False):
        contexts = {
            user: _signed_in_context(
                browser, live_server, attacked.browsers[user], bypass_csp=bypass_csp
            )
            for user in ("client_a", "hmis_lead")
        }
        pages = {user: context.new_page() for user, context in contexts.items()}
        dialogs: list[str] = []
        for page in pages.values():
            _watch_dialogs(page, dialogs)
        try:
            for user, path in _pages(attacked, every_round=bypass_csp):
                problems += _visit(pages[user], f"{live_server}{path}", dialogs)
                visited += 1
        finally:
            for context in contexts.values():
                context.close()
    assert problems == [], "\n".join(problems)
    assert visited > 40


def test_the_watch_sees_a_payload_that_runs(browser: Browser) -> None:
    """The control: the same payloads, put into a page unescaped, do run and are seen."""
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    _watch_dialogs(page, dialogs)
    try:
        unescaped = "".join(payload for payload in PAYLOADS if RUN in payload)
        page.set_content(f"<!doctype html><body><main>{unescaped}</main></body>")
        page.wait_for_timeout(50)
        assert page.evaluate("typeof window.__xss") != "undefined"
        assert page.evaluate(FROM_A_PAYLOAD) != []
        page.set_content("<!doctype html><body><script>alert('seen')</script></body>")
        assert dialogs == ["seen"]
    finally:
        context.close()
