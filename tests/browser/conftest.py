"""A live portal on a loopback port and Debian's Chromium driven by Playwright.

`playwright install` cannot download here: the tests launch the system Chromium by path.
axe-core comes from node_modules (pinned in package.json) and is evaluated into each page.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from sqlalchemy.orm import Session

from portal.access.services import issue_access_code
from portal.accounts.models import Role, StaffUser
from portal.accounts.services import create_staff_user
from portal.hmis.services import run_import
from tests.browser.l10n import World, build_world
from tests.conftest import HMIS_CSV, serving
from tests.factories import notice_version

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_FLAGS = [
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-background-networking",  # the machine's network is closed
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {
    "phone": {"width": 320, "height": 640},  # the narrowest phone the portal supports
    "kiosk": {"width": 1080, "height": 1920},  # a portrait kiosk screen
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    with serving(app) as address:
        yield address


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is missing: `make browser` installs Debian's package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def on_each_screen_in(*languages: str, kiosk: bool = True) -> pytest.MarkDecorator:
    """Parametrize a test over `context` and `language`: every language at phone size, and the
    last one (the longest words: Polish, else Spanish) at kiosk size.

    A longer translation overflows or wraps badly on the 320 px phone first; at kiosk size the
    same words have room, so one language there checks the kiosk's layout. Running every language
    at both sizes doubled these tests' time and found nothing more. (The pseudo-locale crawl also
    checks every page at 320 px with words 35 % longer.) kiosk=False: staff pages (STAFF_SCREEN).
    """
    cases = [("phone", language) for language in languages]
    if kiosk:
        cases.append(("kiosk", languages[-1]))
    return pytest.mark.parametrize(("context", "language"), cases, indirect=["context"])


# Staff work at desks and the kiosk is the clients' device: staff pages are checked at the
# narrowest width every page must reflow to (WCAG 1.4.10, 320 px), not at the kiosk's size too.
STAFF_SCREEN = pytest.mark.parametrize("context", ["phone"], indirect=True)


@pytest.fixture(params=list(VIEWPORTS))
def context(request: pytest.FixtureRequest, browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    context.viewport_name = request.param  # type: ignore[attr-defined]
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_SOURCE.exists():
        pytest.fail("axe-core is missing: `npm ci` installs it (make test does)")
    return AXE_SOURCE.read_text(encoding="utf-8")


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page: Page, axe_source: str) -> list[dict[str, object]]:
    """Run axe-core on the page once it has loaded; WCAG 2.0/2.1/2.2 A and AA rules."""
    # A click on a link returns once the next page starts loading; axe run on a document
    # still being replaced failed one run in a few hundred ('documentElement' of null).
    page.wait_for_load_state("load")
    page.evaluate(axe_source)  # evaluated by the driver, so the page's CSP does not block it
    # resultTypes: only violations are worked out in full (passes and incomplete ones were most
    # of axe's time, a third of the browser tests' time), and only violations fail a test.
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        {"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


CLIENT_ONE = "2f4b963171644a8b9902bdfe79a4b403"  # edge-fy2024-bom: "Client One", born 1982-10-17


@pytest.fixture
def code(app: Flask, db_session: Session) -> str:
    assert run_import(db_session, HMIS_CSV / "edge-fy2024-bom").succeeded
    notice_version(db_session, body="## What we share\n\n- Your name\n- Your date of birth")
    issued = issue_access_code(db_session, CLIENT_ONE, app.secret_key)
    db_session.commit()
    return issued


def sign_in_client(page: Page, code: str) -> None:
    page.get_by_label("Access code").fill(code)
    page.get_by_label("Month").fill("10")
    page.get_by_label("Day").fill("17")
    page.get_by_label("Year").fill("1982")
    page.get_by_role("button", name="Sign in").click()


def assert_accessible(page: Page, axe_source: str) -> None:
    """axe-clean and no sideways scrolling, naming the page when not."""
    assert axe_violations(page, axe_source) == [], page.url
    assert horizontal_overflow(page) == 0, page.url


LEAD_PASSWORD = "browser lead password 2026"


def sign_in_lead(page: Page, live_server: str, db_session: Session) -> StaffUser:
    """Create the HMIS lead and sign in as a person would: password, then the TOTP code."""
    lead = create_staff_user(
        db_session,
        email="lead@county.example",
        name="Lee Lead",
        role=Role.HMIS_LEAD,
        organization_id=None,
        password=LEAD_PASSWORD,
    )
    lead.totp_secret = pyotp.random_base32()
    db_session.commit()
    page.goto(f"{live_server}/staff/sign-in")
    page.locator("#email").fill("lead@county.example")
    page.locator("#password").fill(LEAD_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.locator("#code").fill(pyotp.TOTP(lead.totp_secret).now())
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/staff")
    return lead


# ------------------------------------------------- pseudo-locales (tests/i18n/pseudo.py)


@pytest.fixture(scope="session")
def pseudo_app(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A second portal on the same database that also speaks the pseudo-locales.

    `app` comes first: it migrates the database this one shares. The pseudo catalogs are
    compiled from messages.pot into a temporary directory, listed before the portal's own.
    """
    from portal import PROJECT_ROOT, create_app
    from tests.i18n.pseudo import PSEUDO_LTR, PSEUDO_RTL, build

    directory = build(tmp_path_factory.mktemp("pseudo-translations"))
    pseudo = create_app(
        {
            "SETTINGS": app.config["PORTAL"],
            "TESTING": True,
            "PSEUDO_LOCALES": (PSEUDO_LTR, PSEUDO_RTL),
            "BABEL_TRANSLATION_DIRECTORIES": f"{directory};{PROJECT_ROOT / 'translations'}",
        }
    )
    yield pseudo
    pseudo.extensions["portal.engine"].dispose()


@pytest.fixture(scope="session")
def pseudo_server(pseudo_app: Flask) -> Iterator[str]:
    with serving(pseudo_app) as address:
        yield address


@pytest.fixture
def pseudo_limits(pseudo_app: Flask) -> Iterator[None]:
    """The pseudo portal's sign-in and complaint counters start afresh for each test."""
    yield
    for name in ("sign_in_limiter", "staff_sign_in_limiter", "complaint_limiter"):
        pseudo_app.extensions[f"portal.{name}"].reset()


@pytest.fixture
def pseudo_world(pseudo_app: Flask, db_session: Session, pseudo_limits: None) -> World:
    """Data for every page in tests/browser/l10n.py's crawls (build_world says what)."""
    return build_world(pseudo_app, db_session)
