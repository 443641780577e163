"""What a page in a pseudo-locale must show (tests/i18n/pseudo.py): checks run inside Chromium.

`untranslated`: visible words outside the ⟦ ⟧ markers, i.e. words that did not come through the
catalog. Data the portal shows but does not write (names, dates, references, numbers, what people
typed, the help desk's phone and email) is exempt only where the template marks it: an element
with translate="no" (names, codes, references: also what keeps a browser's translator off them)
or with a data-value attribute (dates, numbers, lists and other values formatted or typed).
Words the template declares to be in another language (an element whose lang differs from the
page's: the language chooser, a document shown in English because it has no translation yet)
are exempt too, and so is what the user typed into a <textarea>.

`overflowing`: the document wider than the viewport, or any element whose content is wider than
its box (an element that scrolls or clips on purpose, such as a wide table's region, is left out).
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access.services import issue_access_code
from portal.accounts.models import Role
from portal.accounts.policy import DEMO_POLICY, POLICY
from portal.accounts.services import create_staff_user
from portal.hmis.models import Client
from portal.hmis.services import run_import
from portal.notice.services import load_demo_notice, load_demo_versions
from portal.requests.models import Request, RequestType, Status
from portal.sharing.services import DEMO_SHARING_FORMS
from tests.conftest import HMIS_CSV
from tests.factories import AGENCY_A, PARENT
from tests.i18n.pseudo import END, START
from tests.reports import world

# A short CSS path to an element, for the failure message.
_DESCRIBE = """
function describe(element) {
  const parts = [];
  for (let e = element; e && e !== document.documentElement && parts.length < 5;
       e = e.parentElement) {
    if (e.id) { parts.unshift(`${e.localName}#${e.id}`); break; }
    let part = e.localName + [...e.classList].map((c) => `.${c}`).join("");
    const siblings = e.parentElement
      ? [...e.parentElement.children].filter((c) => c.localName === e.localName) : [];
    if (siblings.length > 1) part += `:nth-of-type(${siblings.indexOf(e) + 1})`;
    parts.unshift(part);
  }
  return parts.join(" > ");
}
"""

_UNTRANSLATED = (
    "([START, END]) => {"
    + _DESCRIBE
    + r"""
  const EXEMPT = '[translate="no"], [data-value], textarea, script, style, noscript';
  // Text the template declares to be in another language (lang="es", the English fallback of a
  // document) is that language's words on purpose, not this page's.
  const exempt = (element) => {
    if (element.closest(EXEMPT)) return true;
    const declared = element.closest("[lang]");
    return declared !== null && declared.lang !== document.documentElement.lang;
  };
  const WORDS = /[\p{L}\p{N}]/u;
  // The characters of `text` outside any markers; depth.open carries over from node to node,
  // since one message may hold tags (its text then spans several nodes).
  const outside = (text, depth) => {
    let kept = "";
    for (const character of text) {
      if (character === START) depth.open += 1;
      else if (character === END) depth.open = Math.max(0, depth.open - 1);
      else if (depth.open === 0) kept += character;
    }
    return kept;
  };
  const marked = (text) => !WORDS.test(outside(text, { open: 0 }));
  const problems = [];
  const depth = { open: 0 };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (WORDS.test(outside(node.data, depth)) && !exempt(node.parentElement)) {
      problems.push(`${describe(node.parentElement)}: ${JSON.stringify(node.data.trim())}`);
    }
  }
  for (const element of document.body.querySelectorAll("*")) {
    if (exempt(element)) continue;
    for (const name of ["aria-label", "placeholder", "title", "alt"]) {
      const value = element.getAttribute(name);
      if (value && !marked(value)) problems.push(`${describe(element)}[${name}]: ${value}`);
    }
    if (element.matches("input[type=submit], input[type=button]") && !marked(element.value)) {
      problems.push(`${describe(element)}[value]: ${element.value}`);
    }
  }
  // The title begins with the h1 (tests/pages.py): where the h1 is a marked value (a person's
  // name), so is that beginning.
  const title = document.querySelector("title");
  const h1 = document.querySelector("h1");
  let words = document.title;
  if (h1 && exempt(h1) && words.startsWith(h1.textContent.trim())) {
    words = words.slice(h1.textContent.trim().length);
  }
  if (title && !exempt(title) && !marked(words)) problems.push(`title: ${document.title}`);
  return problems;
}"""
)

_OVERFLOWING = (
    "() => {"
    + _DESCRIBE
    + """
  const root = document.documentElement;
  const clipped = (element) => {
    for (let e = element.parentElement; e && e !== root; e = e.parentElement) {
      const overflow = getComputedStyle(e).overflowX;
      if (overflow === "hidden" || overflow === "clip") return true;
    }
    return false;
  };
  const problems = [];
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`the page: ${root.scrollWidth - root.clientWidth}px wider than the window`);
  }
  for (const element of document.body.querySelectorAll("*")) {
    if (!(element instanceof HTMLElement)) continue;  // SVG draws its own box
    const style = getComputedStyle(element);
    if (style.display === "inline" || style.display === "none") continue;
    if (style.overflowX !== "visible") continue;  // scrolls or clips on purpose
    if (clipped(element)) continue;  // inside a box that hides what sticks out (visually-hidden)
    const over = element.scrollWidth - element.clientWidth;
    if (over > 1) problems.push(`${describe(element)}: content ${over}px wider than its box`);
  }
  return problems;
}"""
)


def untranslated(page: Page) -> list[str]:
    """Text on the page that is neither inside ⟦ ⟧ markers nor marked as a data value."""
    return list(page.evaluate(_UNTRANSLATED, [START, END]))


def overflowing(page: Page) -> list[str]:
    """Where the page or an element is wider than it may be, by a CSS path."""
    return list(page.evaluate(_OVERFLOWING))


Check = Callable[[Page], list[str]]


@dataclass
class Crawl:
    """One browser tab walking the portal in one locale, noting each page's problems."""

    page: Page
    server: str
    locale: str
    checks: tuple[Check, ...] = (untranslated, overflowing)
    problems: dict[str, list[str]] = field(default_factory=dict)
    checked: int = 0

    def url(self, path: str) -> str:
        joiner = "&" if "?" in path else "?"
        return f"{self.server}{path}{joiner}lang={self.locale}"

    def visit(self, path: str) -> None:
        self.page.goto(self.url(path))
        self.check()

    def check(self) -> None:
        """The page as it is now; a page seen twice (an error, then the next step) counts twice."""
        self.page.wait_for_load_state()
        status = self.page.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")
        found = [f"HTTP {status}"] if status >= 500 else []
        for check in self.checks:
            found += check(self.page)
        self.checked += 1
        if found:
            where = self.page.url.removeprefix(self.server)
            self.problems.setdefault(where, []).extend(found)

    def click(self, selector: str) -> None:
        self.page.locator(selector).first.click()
        self.check()

    def fill(self, values: dict[str, str]) -> None:
        for selector, value in values.items():
            self.page.locator(selector).fill(value)

    def report(self) -> str:
        lines = [f"{len(self.problems)} of {self.checked} pages in {self.locale} have problems:"]
        for where, found in self.problems.items():
            lines.append(f"  {where}")
            lines.extend(f"    {problem}" for problem in dict.fromkeys(found))
        return "\n".join(lines)


# ------------------------------------------------------------------------------ the world

PASSWORD = "pseudo locale password 2026"
STAFF_EMAIL = "staff@agency.example"
LEAD_EMAIL = "lead@county.example"


@dataclass(frozen=True)
class World:
    code: str  # the parent's access code
    dob: dt.date
    lead_secret: str
    # One reference per kind and status: every page a request can show, for the client; those of
    # agency A (or none) for agency A's staff.
    requests: dict[tuple[RequestType, Status], str]
    agency_a: dict[tuple[RequestType, Status], str]


def build_world(app: Flask, session: Session) -> World:
    """An import that worked and one that failed, the reports' hand-counted requests (a parent
    with a child, two agencies), the demo notice, forms and staff policy, an agency staff user
    and the lead."""
    from portal.demo.commands import DEMO_NOTICE

    assert run_import(session, HMIS_CSV / "edge-fy2024-bom").succeeded  # with flagged rows
    with tempfile.TemporaryDirectory() as folder:  # an export the portal cannot read
        unreadable = Path(folder) / "no-clients"
        shutil.copytree(HMIS_CSV / "edge-fy2024-bom", unreadable)
        (unreadable / "Client.csv").unlink()
        assert not run_import(session, unreadable).succeeded
    world.build_world(session)
    load_demo_notice(session, DEMO_NOTICE)
    for kind, folder in DEMO_SHARING_FORMS.items():
        load_demo_versions(session, folder, kind)
    load_demo_versions(session, DEMO_POLICY, POLICY)  # staff accept it at their first sign-in
    create_staff_user(
        session,
        email=STAFF_EMAIL,
        name="Sam Staff",
        role=Role.AGENCY_STAFF,
        organization_id=AGENCY_A,
        password=PASSWORD,
    )
    lead = create_staff_user(
        session,
        email=LEAD_EMAIL,
        name="Lee Lead",
        role=Role.HMIS_LEAD,
        organization_id=None,
        password=PASSWORD,
    )
    lead.totp_secret = pyotp.random_base32()
    code = issue_access_code(session, PARENT, app.secret_key)
    session.commit()
    parent = session.get(Client, PARENT)
    assert parent is not None
    assert parent.dob is not None
    requests: dict[tuple[RequestType, Status], str] = {}
    agency_a: dict[tuple[RequestType, Status], str] = {}
    for found in session.scalars(select(Request).order_by(Request.id)):
        requests.setdefault((found.type, found.status), found.reference)
        if found.agency_id == AGENCY_A:
            agency_a.setdefault((found.type, found.status), found.reference)
    return World(code, parent.dob, lead.totp_secret, requests, agency_a)


def client_sign_in(crawl: Crawl, data: World, *, first_time: bool = True) -> None:
    """The parent signs in, checking the sign-in page, its errors and (once) the notice."""
    crawl.visit("/sign-in")
    crawl.click("form[action='/sign-in'] button[type=submit]")  # nothing typed: errors
    crawl.fill(
        {
            "#code": data.code,
            "#dob_month": str(data.dob.month),
            "#dob_day": str(data.dob.day),
            "#dob_year": str(data.dob.year),
        }
    )
    crawl.click("form[action='/sign-in'] button[type=submit]")
    if first_time:  # the notice, read and acknowledged once
        crawl.click("form[action='/privacy-notice/acknowledge'] button")


def staff_sign_in(crawl: Crawl, email: str, secret: str | None = None) -> None:
    crawl.visit("/staff/sign-in")
    crawl.click("main form button[type=submit]")  # nothing typed: errors
    crawl.fill({"#email": email, "#password": PASSWORD})
    crawl.click("main form button[type=submit]")
    if secret:  # the 6-digit code page
        crawl.fill({"#code": pyotp.TOTP(secret).now()})
        crawl.click("main form button[type=submit]")
    if "/staff/policy" in crawl.page.url:  # the policy, accepted at the first sign-in
        crawl.click("main form button[type=submit]")  # not ticked: errors
        crawl.page.locator("#accept").check()
        crawl.page.locator("main form button[type=submit]").click()
    expect(crawl.page).to_have_url(f"{crawl.server}/staff")


# ------------------------------------------------------------------- right to left, measured

_MIRRORED = (
    "() => {"
    + _DESCRIBE
    + r"""
  const problems = [];
  const near = (a, b) => Math.abs(a - b) <= 2;
  const shown = (e) => e.getClientRects().length > 0 && !e.closest("[hidden], .visually-hidden");
  const all = (selector) => [...document.querySelectorAll(selector)].filter(shown);
  const box = (e) => e.getBoundingClientRect();
  const px = (e, property) => parseFloat(getComputedStyle(e)[property]);
  // The edges of the box's content, inside its border and padding.
  const inside = (e) => ({
    left: box(e).left + px(e, "borderLeftWidth") + px(e, "paddingLeft"),
    right: box(e).right - px(e, "borderRightWidth") - px(e, "paddingRight"),
  });
  // Where the element's own text begins and ends (::before and ::after are not text).
  const text = (e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0);
    if (!rects.length) return null;
    return {
      left: Math.min(...rects.map((r) => r.left)),
      right: Math.max(...rects.map((r) => r.right)),
    };
  };
  const report = (e, what) => problems.push(`${describe(e)}: ${what}`);
  if (document.documentElement.dir !== "rtl") problems.push("<html> is not dir=rtl");

  // The header starts on the right: the portal's name at the right edge, the languages after it.
  const inner = document.querySelector(".site-header__inner");
  const name = document.querySelector(".site-header__name");
  if (!near(box(name).right, inside(inner).right)) report(name, "not at the right edge");
  const chooser = document.querySelector(".language-chooser");
  if (chooser && box(chooser).top < box(name).bottom && box(chooser).right > box(name).left + 1) {
    report(chooser, "not to the left of the portal's name");
  }
  // Headings, labels, legends, table headers and hints: their text starts at the right edge.
  const STARTS = "main :is(h1, h2, .label, legend, th:not(.num), .hint, .error-message)";
  for (const e of all(STARTS)) {
    const edges = text(e);
    if (edges && !near(edges.right, inside(e).right)) report(e, "text not against the right");
  }
  // Columns of numbers align at their end, which is now the left.
  for (const e of all("main .num")) {
    const edges = text(e);
    if (edges && !near(edges.left, inside(e).left)) report(e, "number not against the left");
  }
  // Inputs stand against the right edge of their group.
  for (const e of all("main .form-group > :is(.input, .textarea)")) {
    if (!near(box(e).right, inside(e.parentElement).right)) report(e, "not against the right");
  }
  // A checkbox or radio button stands to the right of its label.
  for (const e of all("main :is(.checkbox, .radio)")) {
    const input = e.querySelector("input");
    const label = e.querySelector("label");
    if (input && label && box(input).left < box(label).right - 1) {
      report(e, "the box is not to the right of its label");
    }
  }
  // The back link's arrow comes first, so on the right; the stylesheet draws a glyph the
  // browser mirrors in right-to-left text (Unicode Bidi_Mirrored): it points right, back.
  for (const e of all("main .back-link")) {
    const edges = text(e);
    if (edges && !(edges.right < inside(e).right - 3)) report(e, "no arrow right of the text");
  }
  // Borders that mark the start of a box (alerts, errors, summaries) are on the right.
  for (const e of all("main :is(.alert, .form-group--error, .summary-box)")) {
    if (!(px(e, "borderRightWidth") > 0 && px(e, "borderLeftWidth") === 0)) {
      report(e, "its start border is not on the right");
    }
  }
  // A chart's words stay inside the chart.
  for (const e of all("main svg.chart text")) {
    const chart = box(e.ownerSVGElement);
    if (box(e).left < chart.left - 1 || box(e).right > chart.right + 1) report(e, "off its chart");
  }
  return problems;
}"""
)


def mirrored(page: Page) -> list[str]:
    """Where a right-to-left page is not the mirror image of the left-to-right one."""
    return list(page.evaluate(_MIRRORED))


def back_arrow(page: Page) -> str:
    """What the stylesheet draws before a back link (a glyph that Unicode mirrors in RTL)."""
    return str(
        page.evaluate("getComputedStyle(document.querySelector('.back-link'), '::before').content")
    )
