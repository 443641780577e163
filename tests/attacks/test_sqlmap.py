"""sqlmap (Debian's package) against the running portal on loopback, signed in as a client, as
agency staff and as the HMIS lead, and signed out on the sign-in forms: no parameter is
injectable.

The portal is served on a loopback port by a thread of the test. Each user signs in over HTTP as
a person would (the staff user accepts the End User Policy, the lead types a TOTP code), opens
every page they may open and walks the forms that have steps up to the step that sends. The
pages say which query strings (GET forms, links) and form fields (POST forms) each route takes;
the URL map says which routes there are and which take a path parameter. Every route a user may
use that takes a parameter is a target, and each parameter is tested once: public routes by the
client, staff routes by the staff user, and what only the lead may use or sees by the lead.
The test fails on a POST route no page showed a form for (give it a step in _steps or a reason
in TOKEN_ONLY) and on a GET form field without a value that finds something (_filters: a
filter that lists nothing hides an injection from sqlmap's boolean tests). A route left out
has its reason in NOT_SCANNED.

sqlmap runs once per user, all at once, each on a request log (`-l`) that holds the user's
session cookie and, in each POST, their CSRF token (a token lasts as long as its session).
What it tests is marked with sqlmap's `*`: path parameters and the fields of a POST. A fifth
run, the control, goes to routes that only this test's own copy of the app has, which paste a
query string, a path and a form field into SQL: sqlmap must flag all three, or a clean run
proves nothing. Checked: every target and parameter was tested, sqlmap's CSV and log files hold
no injection point, nothing answered 500, and every user is still signed in at the end.

PostgreSQL is the production database, so this runs in the PostgreSQL pass only.
"""

from __future__ import annotations

import csv
import datetime as dt
import http.cookiejar
import logging
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pyotp
import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask, Response, abort, request
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import IntegerConverter, MapAdapter, RequestRedirect, Rule

from portal import create_app, db
from portal.access.current import client_required
from portal.access.services import issue_access_code
from portal.accounts.models import StaffUser
from portal.audience import CLIENT, PUBLIC, audience
from portal.config import Settings
from portal.consents import services as consents
from portal.disclosures.services import record_disclosure
from portal.hmis.models import Client
from portal.notice.models import NoticeText, NoticeVersion
from portal.notice.services import current_version, in_language, load_demo_versions
from portal.requests.models import Request, RequestType, Status
from portal.sharing import services as sharing
from portal.timeutil import utcnow
from tests.accounts.staff import policy_version
from tests.attacks.forms import post_forms
from tests.conftest import serving
from tests.disclosures.helpers import disclosure
from tests.factories import ADULT_CHILD, AGENCY_A, CHILD, phone_complaint, phone_sharing_form
from tests.test_authorization_matrix import (
    CLIENT_A,
    ENDS_SESSION,
    PASSWORD,
    World,
    _allowed,
    _routes,
    _seed,
)

pytestmark = pytest.mark.skipif(
    not os.environ.get("PORTAL_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="sqlmap runs in the PostgreSQL pass (make test-postgres): the production database",
)

USERS = ("client_a", "staff_a", "hmis_lead")  # in this order: the first to show a parameter
HOME = {"client_a": "/my-page", "staff_a": "/staff", "hmis_lead": "/staff"}
SQLMAP_TIMEOUT = 420  # seconds for all the runs together; about a minute and a half here
CONTROL = "/sqlmap-control"  # only on this test's own copy of the app, never on the portal
# Routes the signed-in runs leave out, and why. Every other route a user may use is scanned.
NOT_SCANNED = {
    **dict.fromkeys(ENDS_SESSION, "ends the session the scan runs in"),
    "accounts.sign_in_code": "a step of signing in, only after the password step",
    "accounts.two_step_setup": "a step of signing in, only after the password step",
    "accounts.sign_in_recovery": "a step of signing in, only after the password step",
    "access.hold_lift": "shown only while a client's sign-in is on hold after wrong tries",
    # Its form posts to ?form=<which consent>, which the scan's targets (paths) do not carry; the
    # same fields (recipient, purpose, end date, signed name) are scanned on the staff's paper
    # consent form (consents.paper_consent_new).
    "consents.consent_new": "posts to ?form=<consent form>; its fields are scanned on staff's",
    # These four go to the signed-out run (_signed_out_targets).
    "access.sign_in_page": "signs a browser in: scanned signed out",
    "accounts.sign_in": "signs a browser in: scanned signed out",
    "accounts.setup_password": "a set-up link for someone not signed in: scanned signed out",
    "access.hand_off_redeem": "signs a browser in as the client: scanned signed out",
}
# POST routes whose form no page shows these users now and which read nothing but the CSRF
# token (a bare FlaskForm() in the view): nothing there for sqlmap.
TOKEN_ONLY = {
    "client.phone_hand_off": "the kiosk's hand-off button, and this browser is no kiosk",
    "access.kiosk_stop": "the kiosk's stop button, and this browser is no kiosk",
    "notice.acknowledge": "shown once before the client's first page, already sent",
    "accounts.user_enable": "shown for a disabled user only",
    "accounts.user_unlock": "shown for a locked user only",
    "accounts.user_two_step_reset": "shown for a user with two-step sign-in only",
    "accounts.recovery_codes_action": "shown after two-step set-up; reads which button only",
    "requests.queue_view_delete": "shown for a saved queue view only; its id is an int",
    "exchange.import_accept": "shown for an import stopped by the safety limit only",
    "retention.purge_confirm": "shown while records are due for purge; reads a tick box only",
}
# Forms whose required fields start empty on their page: sent as a person fills them. Left
# empty, sqlmap's "original value" comparison sees a field's "enter this" message go away when
# a payload fills it, and reports a (boolean-based) false positive.
PREFILLED = {
    "consents.paper_consent_new": {
        "personal_id": "P-PARENT",
        "recipient": "Synthetic university study",
        "purpose": "Synthetic research purpose",
        "end_date": "2027-06-30",
        "signed_name": "Canaryparent Testfamily",
    },
}
# A form posted to more than one route: its fields are tested where it is saved. The fields of
# a first step that the step which sends also takes are tested there (the check page carries
# them along); a draft's preview and a new draft send the fields a draft's edit saves.
SAVED_BY = {
    "requests.complaint_form": "requests.complaint_send",
    "requests.correction_form": "requests.correction_send",
    "sharing.sharing_form": "sharing.sharing_sign",
    "notice.draft_preview": "notice.draft_edit",
    "notice.draft_new": "notice.draft_edit",
}
# Sent last in a run: it decides the request the run's other request pages are about.
LAST = ("requests.decide",)
# Query parameters every page takes, read in one place (portal/i18n.py): tested on one page.
EVERY_PAGE = {"lang"}
# Form fields no query reads: the session's CSRF token (checked by Flask-WTF before any view).
SKIPPED_FIELDS = ("csrf_token",)
# Buttons of check pages that go back a step instead of sending.
BACK_BUTTONS = ("change", "goto")
REDIRECTS = (301, 302, 303, 307, 308)


# ---------------------------------------------------------------- a browser over HTTP


@dataclass
class Page:
    status: int
    location: str
    body: bytes
    content_type: str

    @property
    def soup(self) -> BeautifulSoup:
        html = self.body.decode("utf-8") if self.content_type.startswith("text/html") else ""
        return BeautifulSoup(html, "html.parser")


class _ShowRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx comes back as it is


class Browser:
    """Keeps its cookies; answers a redirect with the redirect (follow() follows). Keeps every
    page it was sent in seen, for the harvest (the sign-in's pages too)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _ShowRedirects()
        )
        self.seen: list[tuple[str, str, Page]] = []  # (method, path, page)

    def open(self, path: str, data: dict[str, Any] | None = None) -> Page:
        body = None if data is None else urlencode(data, doseq=True).encode()
        sent = urllib.request.Request(self.base + path, data=body)  # noqa: S310 (loopback)
        try:
            with self.opener.open(sent, timeout=60) as answer:
                page = Page(answer.status, "", answer.read(), answer.headers["Content-Type"] or "")
        except urllib.error.HTTPError as error:
            with error:
                headers = error.headers
                page = Page(
                    error.code, headers["Location"] or "", error.read(), headers["Content-Type"]
                )
        self.seen.append(("GET" if data is None else "POST", path, page))
        return page

    def follow(self, path: str, data: dict[str, Any] | None = None) -> Page:
        page = self.open(path, data)
        while page.status in REDIRECTS:
            page = self.open(urlsplit(page.location)._replace(scheme="", netloc="").geturl())
        return page

    def send_form(self, path: str, typed: dict[str, Any]) -> Page:
        """Open the page at path and send its form to itself, as a person would."""
        return self.follow(path, {**_form_to(self.follow(path).soup, path), **typed})

    @property
    def cookie(self) -> str:
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)

    def csrf_token(self, home: str) -> str:
        found = self.follow(home).soup.select_one("form input[name=csrf_token]")
        assert found is not None, f"a form on {home}"
        return str(found["value"])


def _form_to(page: BeautifulSoup, action: str) -> dict[str, Any]:
    """The page's form to action as it stands (not a "change your answers" one)."""
    for form in post_forms(page):
        if form.action == action and not any(name in form.values for name in BACK_BUTTONS):
            return dict(form.values)
    raise AssertionError(f"no form to {action} on the page")


# ---------------------------------------------------------------- the portal on loopback


class _NoLimit:
    """A sign-in failure limiter that never stops anyone."""

    def blocked_for(self, keys: dict[str, str]) -> int:
        return 0

    def record_failure(self, keys: dict[str, str]) -> None:
        pass

    def reset(self) -> None:
        pass


@pytest.fixture
def portal(settings: Settings, app: Flask) -> Iterator[Flask]:
    """A copy of the portal for this test alone, with the control routes, noting every answer
    500. The session's app (which migrated the database and empties it after each test) never
    gets either."""
    scanned = create_app({"SETTINGS": settings, "TESTING": True})
    # sqlmap's hundreds of wrong sign-ins would be turned away before any query otherwise.
    scanned.extensions["portal.sign_in_limiter"] = _NoLimit()
    scanned.extensions["portal.staff_sign_in_limiter"] = _NoLimit()
    scanned.config["FAILURES"] = []
    scanned.config["REQUESTS"] = []  # appended to: one list, whichever thread answers

    @scanned.route(CONTROL, methods=["GET", "POST"])
    @scanned.get(f"{CONTROL}/<name>")
    @audience(CLIENT)
    @client_required
    def control(name: str = "") -> str:
        """Deliberately injectable: a query string, a path or a form field pasted into SQL."""
        name = name or request.values.get("name", "")
        query = f"SELECT personal_id FROM client WHERE last_name = '{name}'"  # noqa: S608
        try:
            found = db.session().execute(text(query)).scalars().all()
        except SQLAlchemyError:
            abort(500)  # what the portal answers, without its error log
        if not found:
            abort(404)
        return f"<!doctype html><title>Found</title><p>{len(found)} found</p>"

    @scanned.after_request
    def _note_failures(response: Response) -> Response:
        scanned.config["REQUESTS"].append(response.status_code)
        if response.status_code >= 500 and not request.path.startswith(CONTROL):
            form = request.form.to_dict(flat=False)
            scanned.config["FAILURES"].append(
                f"{response.status_code} {request.method} {request.full_path} {form}"
            )
        return response

    yield scanned
    scanned.extensions["portal.engine"].dispose()


@pytest.fixture
def live_portal(portal: Flask) -> Iterator[str]:
    with serving(portal) as address:
        yield address


# ---------------------------------------------------------------- the world and its users


@dataclass
class Seeded:
    world: World  # reference_a: client A's correction in agency A's queue, for staff pages
    complaint: str  # client A's complaint: the client's own request pages
    answered: str  # a complaint of client A's with its answer: the client may escalate it
    receipt: str  # client A's signed sharing refusal
    draft_id: int  # a draft of the sharing restore form, for the lead's notice pages
    consent: str  # client A's research consent, in force: the buttons that stop it
    disclosure: str  # a disclosure of client A's data in the register: its staff page


def _seed_world(app: Flask, session: Session) -> Seeded:
    """The authorization matrix's world (client A's correction and complaint in agency A's
    queue, a user of each staff role), an End User Policy to accept, an answered complaint,
    client A's refusal (a receipt; their child is left to sign for) and a draft. The draft is
    of the restore form: were sqlmap to publish it, nobody would have to read anything again."""
    world = _seed(app, session, refused=False)
    policy_version(session)
    complaint = session.scalars(
        select(Request.reference).where(Request.type == RequestType.COMPLAINT)
    ).one()
    answered = phone_complaint(
        session,
        personal_id=CLIENT_A,
        description="Synthetic complaint, answered",
        category="other",
    )
    answered.status = Status.RESPONDED
    signed = phone_sharing_form(session, personal_id=CLIENT_A)
    # The consent forms in force, and one consent of client A's: its forms and the buttons that
    # stop it show on the client's and the staff's pages.
    for kind, folder in consents.DEMO_CONSENT_FORMS.items():
        load_demo_versions(session, folder, kind)
    research = current_version(session, kind=consents.RESEARCH_CONSENT)
    assert research is not None
    consent = consents.sign_consent(
        session,
        signer_id=CLIENT_A,
        personal_id=CLIENT_A,
        version=research,
        text=in_language(research, "en").text,
        recipient="Synthetic university study",
        purpose="Synthetic research purpose",
        end_date=utcnow().date() + dt.timedelta(days=90),
        signed_name="Canaryparent Testfamily",
        channel="paper",
    )
    with app.app_context():  # the register's chain is keyed by the app's audit key
        disclosed = record_disclosure(session, disclosure(personal_ids=[CLIENT_A]), None)
    draft = NoticeVersion(
        kind=sharing.RESTORE_FORM, number=-1, effective_date=dt.date(2099, 1, 1), published_at=None
    )
    for language in ("en", "es", "pl"):
        words = f"Synthetic draft [{language}]"
        draft.texts.append(
            NoticeText(language=language, summary_of_changes=words, in_short=words, body=words)
        )
    session.add(draft)
    session.commit()
    return Seeded(
        world,
        complaint,
        answered.reference,
        signed.reference,
        draft.id,
        consent.reference,
        disclosed.reference,
    )


def _sign_in(base: str, session: Session, user: str, secret_key: str) -> Browser:
    """Sign in over HTTP as a person would: the client with an access code and date of birth
    (reading the notice first), staff with a password (and a TOTP code), accepting the End
    User Policy when asked."""
    browser = Browser(base)
    if user.startswith("client_"):
        person = session.get(Client, CLIENT_A)
        assert person is not None
        assert person.dob is not None
        code = issue_access_code(session, CLIENT_A, secret_key)
        session.commit()
        born = person.dob
        typed = {"code": code, "dob_month": born.month, "dob_day": born.day, "dob_year": born.year}
        browser.send_form("/sign-in", typed)
        if browser.open(HOME[user]).status != 200:
            browser.send_form("/privacy-notice/acknowledge", {})
    else:
        email = f"{user}@matrix.example"
        browser.send_form("/staff/sign-in", {"email": email, "password": PASSWORD})
        staff = session.scalars(select(StaffUser).where(StaffUser.email == email)).one()
        if staff.totp_secret:
            browser.send_form("/staff/sign-in/code", {"code": pyotp.TOTP(staff.totp_secret).now()})
        if browser.open(HOME[user]).location.endswith("/staff/policy"):
            browser.send_form("/staff/policy", {"accept": "y"})
    assert browser.open(HOME[user]).status == 200, f"{user} signed in"
    return browser


# ---------------------------------------------------------------- what the pages say routes take


def _in_run(app: Flask, rule: Rule, user: str) -> bool:
    """Whether this user's run covers the route: the client's covers the public routes."""
    if rule.rule.startswith(CONTROL) or rule.endpoint in NOT_SCANNED:
        return False
    audience_of = app.view_functions[rule.endpoint].audience
    if user.startswith("client_"):
        return _allowed(user, audience_of)
    return _allowed(user, audience_of) and PUBLIC not in audience_of


@dataclass
class Harvest:
    """What the pages a user opened say each route takes, by endpoint; the status each page
    the crawl opened answered with."""

    urls: MapAdapter
    netloc: str
    query: dict[str, dict[str, str]] = field(default_factory=dict)
    forms: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    # Every address an endpoint's forms were seen going to (a request page per request).
    actions: dict[str, set[str]] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)

    def endpoint(self, path: str, method: str) -> str | None:
        try:
            return str(self.urls.match(path, method=method)[0])
        except (NotFound, MethodNotAllowed, RequestRedirect):  # not a route of the portal's
            return None

    def read(self, method: str, path: str, page: Page) -> None:
        if method == "GET":
            self.status[path] = page.status
        soup = page.soup
        for form in soup.find_all("form"):
            if str(form.get("method", "get")).lower() == "get":
                self._query(urlsplit(str(form.get("action") or path)).path, _fields(form))
        for link in soup.find_all("a", href=True):
            parts = urlsplit(str(link["href"]))
            if parts.query and parts.netloc in ("", self.netloc):
                self._query(parts.path or path, dict(parse_qsl(parts.query)))
        for form in post_forms(soup):
            endpoint = self.endpoint(form.action, "POST")
            if endpoint is None:
                continue
            values = self.forms.setdefault(endpoint, (form.action, {}))[1]
            self.actions.setdefault(endpoint, set()).add(form.action)
            for name, value in form.values.items():
                if name not in BACK_BUTTONS:
                    values.setdefault(name, value if isinstance(value, str) else value[0])
            for name, choices in form.choices.items():
                if name not in BACK_BUTTONS and choices:
                    values.setdefault(name, choices[0])

    def _query(self, path: str, fields: dict[str, str]) -> None:
        endpoint = self.endpoint(path, "GET")
        if endpoint is not None:
            known = self.query.setdefault(endpoint, {})
            for name, value in fields.items():
                known.setdefault(name, value or "1")


def _fields(form: Tag) -> dict[str, str]:
    """A GET form's fields with a value each: as selected, or the first option or box."""
    fields: dict[str, str] = {}
    for element in form.find_all(["input", "select"]):
        name, kind = element.get("name"), str(element.get("type", "text")).lower()
        if not name or name in fields or kind in ("submit", "button", "reset"):
            continue
        if element.name == "select":
            chosen = element.find("option", selected=True)
            values = [str(option.get("value", option.get_text())) for option in element("option")]
            fields[name] = str(chosen.get("value", "")) if chosen else ""
            fields[name] = fields[name] or next((value for value in values if value), "")
        else:
            fields[name] = str(element.get("value", ""))
    return fields


def _path_values(seeded: Seeded, rule: Rule) -> dict[str, object]:
    """What goes in each path parameter: a request, client or agency the user may see. Staff
    pages look client B up: a staff form that stops a client's access codes (which sqlmap
    sends) must not end the client's own run. A package's staff and client pages share its
    blueprint: their staff pages (under /staff/) are about request A."""
    endpoint = rule.endpoint
    reference = seeded.world.reference_a
    if rule.rule.startswith("/staff/") and endpoint.startswith(("requests.", "sharing.")):
        pass
    elif endpoint.startswith("requests."):
        reference = seeded.answered if endpoint.endswith("escalate") else seeded.complaint
    elif endpoint.startswith("sharing."):
        reference = seeded.receipt
    elif endpoint.startswith("consents."):
        reference = seeded.consent
    elif endpoint.startswith("disclosures."):
        reference = seeded.disclosure
    return {
        "reference": reference,
        "item_key": "identity.last_name",
        "file_format": "json",
        "action": "stop",
        "personal_id": ADULT_CHILD,
        "user_id": seeded.world.spare_user_id,
        "organization_id": AGENCY_A,
        "version_id": seeded.draft_id,
        "run_id": 1,
        "view_id": 1,
        "number": 1,
        "kind": "privacy-notice",
    }


def _textual(rule: Rule) -> list[str]:
    """The path parameters a text reaches: the router answers 404 to an int's non-digits."""
    converters = rule._converters
    return [arg for arg in rule.arguments if not isinstance(converters[arg], IntegerConverter)]


def _build(rule: Rule, seeded: Seeded, marked: bool) -> str:
    """The route's path; marked: with sqlmap's `*` after each textual path parameter."""
    values = _path_values(seeded, rule)
    path = rule.build({arg: values[arg] for arg in rule.arguments}, append_unknown=False)[1]
    for arg in _textual(rule) if marked else []:
        path = path.replace(f"/{values[arg]}", f"/{values[arg]}*", 1)
    return path


def _steps(user: str, seeded: Seeded) -> list[tuple[str, str, dict[str, Any]]]:
    """Forms with steps, walked up to the step that sends: (page, action, what is typed). No
    page: the form is on the page the step before answered with."""
    if user.startswith("client_"):
        correct = "/my-record/correct/identity.last_name"
        complaint = {"category": "privacy", "description": "Words", "contact_method": "none"}
        return [
            (correct, correct, {"requested_value": "Fixd", "reason": "Typo"}),
            ("/complaint", "/complaint", complaint),
            ("/sharing/stop", "/sharing/stop", {}),
            ("", "/sharing/stop", {"covered": CHILD}),
            # The name typed must be the client's own (issue 18): client A is the parent.
            ("", "/sharing/stop", {"agree": "y", "signed_name": "Canaryparent Testfamily"}),
        ]
    if user == "staff_a":
        request_page = f"/staff/requests/{seeded.world.reference_a}"
        return [
            ("/staff/access-codes/new", "/staff/access-codes/new", {"personal_id": ADULT_CHILD}),
            ("", "/staff/access-codes", {}),  # client B has not read the notice: its form
            (request_page, f"{request_page}/claim", {}),  # then the form to release it
        ]
    edit = f"/staff/versions/{seeded.draft_id}/edit"
    return [(edit, edit, {"action": "publish"})]  # the check page: the form that publishes


def _crawl(app: Flask, browser: Browser, user: str, seeded: Seeded) -> Harvest:
    """Every page of the user's run, and the steps of the forms that have steps."""
    for rule, method in _routes(app):
        if method == "GET" and _in_run(app, rule, user):
            browser.open(_build(rule, seeded, marked=False))
    soup = BeautifulSoup("", "html.parser")
    for page, action, typed in _steps(user, seeded):
        if page:
            soup = browser.open(page).soup
        soup = browser.follow(action, {**_form_to(soup, action), **typed}).soup
    harvest = Harvest(app.url_map.bind("127.0.0.1"), urlsplit(browser.base).netloc)
    for method, path, page in browser.seen:
        harvest.read(method, path, page)
    return harvest


Filters = dict[str, tuple[dict[str, str | None], str | None]]


def _filters(session: Session, seeded: Seeded) -> Filters:
    """For each page with a GET form (a filter, a search): values that find the seeded data,
    and what the page then shows. A payload that changes the query then changes the page, which
    is what sqlmap's boolean tests look for; a filter that lists nothing, or is refused as
    typed, would hide an injection from them. A field given None is tested on its own, with
    the value its page gave: a box that would empty the list, a day the page fills in."""
    parent = session.get(Client, CLIENT_A)
    assert parent is not None
    assert parent.dob is not None
    staff_a = session.scalars(select(StaffUser).where(StaffUser.name == "staff_a")).one()
    reference = seeded.world.reference_a
    status = session.scalars(select(Request.status).where(Request.reference == reference)).one()
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    month_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=30)).date().isoformat()
    return {
        "requests.queue_export": ({"from": month_ago, "to": tomorrow}, reference),
        "sharing.client_search_page": (
            {
                "name": "Testfamily",
                "dob": parent.dob.isoformat(),
                "ssn_last4": "0001",
                "personal_id": CLIENT_A,
            },
            "Canaryparent",
        ),
        "requests.queue_list": (
            {
                "type": "correction",
                "status": status.value,
                "assignee": "me",
                "sort": "due",
                "agency": AGENCY_A,
                "overdue": None,
                "q": None,  # a search box: on its own, with what the page gave (nothing)
                "due": None,
            },
            reference,
        ),
        "audit_browser.entries_list": (  # staff A opened client B's record while crawling
            {
                "personal_id": ADULT_CHILD,
                "staff_user_id": str(staff_a.id),
                "agency": AGENCY_A,
                "action": "client.record_opened",
                "date_from": "2020-01-01",
                "date_to": tomorrow,
            },
            "staff_a",
        ),
        "reports.dashboard_show": (
            {"agency": AGENCY_A, "date_from": "2020-01-01", "date_to": None},
            "Figures for Agency Alpha Shelter",
        ),
        "reports.dashboard_export": (  # the CSV says which filters it took
            {"date_from": "2020-01-01", "date_to": None},
            "Sent from,,,,2020-01-01",
        ),
        "accounts.users_list": ({"agency": AGENCY_A}, "spare@matrix.example"),
        # A draft's key (Post/Redirect/Get: the answers kept server-side) and a step's name: a
        # changed value finds no draft and goes back to the first step; tested on their own.
        **dict.fromkeys(
            (
                "requests.complaint_form",
                "requests.complaint_check",
                "requests.correction_form",
                "requests.correction_check",
            ),
            ({"key": None}, None),
        ),
        "sharing.sharing_form": ({"page": None, "key": None}, None),
        "disclosures.register_list": ({"personal_id": CLIENT_A}, seeded.disclosure),
        "disclosures.disclosure_new": ({"supersedes": None}, None),
        "disclosures.report_show": ({"date_from": "2020-01-01", "date_to": tomorrow}, None),
    }


# ---------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    endpoint: str
    method: str
    path: str  # with `*` after each path parameter tested, or the query string tested
    body: str | None  # with `*` after each field tested; the CSRF token as TOKEN
    parameters: tuple[str, ...]  # what sqlmap tests there
    shows: str | None = None  # what the page shows as sent (what a payload could take away)


def _post_body(values: dict[str, str], tested: tuple[str, ...]) -> str:
    pairs = {**values, "csrf_token": "TOKEN"}
    return "&".join(
        urlencode({name: value}) + ("*" if name in tested else "") for name, value in pairs.items()
    )


def _targets(
    app: Flask, seeded: Seeded, harvests: dict[str, Harvest], filters: Filters
) -> dict[str, list[Target]]:
    """Each user's targets: every route of their run that takes a parameter, each parameter
    tested once (a path parameter once per route: sqlmap keys it by the path, whatever the
    method). Fails on a POST route no user's pages showed a form for, and on a GET form field
    without a value in _filters."""
    targets: dict[str, list[Target]] = {user: [] for user in harvests}
    tested: set[tuple[str, str]] = set()
    posts: dict[str, bool] = {}  # POST route -> whether some page showed its form
    unreachable: list[str] = []
    unmatched: list[str] = []  # GET form fields without values that find something
    saved_by: dict[str, dict[str, str]] = {}
    for endpoint, saver in SAVED_BY.items():
        forms = [harvest.forms[saver][1] for harvest in harvests.values() if saver in harvest.forms]
        assert forms, f"no page showed the form of {saver}, which tests {endpoint}'s fields"
        saved_by[endpoint] = forms[0]
    for user, harvest in harvests.items():
        for rule, method in _routes(app):
            if not _in_run(app, rule, user):
                continue
            route = f"{method} {rule.rule}"

            def untested(names: list[str], where: str) -> tuple[str, ...]:
                keys = {name: ("*" if name in EVERY_PAGE else where, name) for name in names}
                fresh = tuple(name for name in names if keys[name] not in tested)
                tested.update(keys[name] for name in fresh)
                return fresh

            in_path = untested([f"<{arg}>" for arg in _textual(rule)], rule.rule)
            plain = _build(rule, seeded, marked=False)
            marked = _build(rule, seeded, marked=bool(in_path))
            if method == "GET":
                if in_path:
                    targets[user].append(Target(rule.endpoint, method, marked, None, in_path))
                query = harvest.query.get(rule.endpoint, {})
                names = untested(list(query), route)
                given, shows = filters.get(rule.endpoint, ({}, None))
                unknown = [name for name in names if name not in given and name not in EVERY_PAGE]
                if unknown:
                    unmatched.append(f"{rule.endpoint}: {unknown}")
                together = {name: given[name] for name in names if given.get(name) is not None}
                if together:
                    path = f"{plain}?{urlencode(together)}"
                    found = Target(rule.endpoint, method, path, None, tuple(together), shows)
                    targets[user].append(found)
                for name in (name for name in names if name not in together):
                    path = f"{plain}?{urlencode({name: query[name]})}"
                    targets[user].append(Target(rule.endpoint, method, path, None, (name,)))
                if (answered := harvest.status.get(plain, 0)) >= 400 and (in_path or names):
                    unreachable.append(f"{user}: {plain} answered {answered}")
                continue
            action, values = harvest.forms.get(rule.endpoint, ("", {}))
            values = {**values, **PREFILLED.get(rule.endpoint, {})}
            posts[route] = posts.get(route, False) or bool(action) or rule.endpoint in TOKEN_ONLY
            seen = harvest.actions.get(rule.endpoint, set())
            assert not action or plain in seen, f"{route}: the forms go to {seen}, not {plain}"
            elsewhere = saved_by.get(rule.endpoint, {})
            names = [n for n in values if n not in SKIPPED_FIELDS and n not in elsewhere]
            if fields := untested(names, route):
                body = _post_body(values, fields)
                targets[user].append(Target(rule.endpoint, method, marked, body, in_path + fields))
            elif in_path:  # a body without a `*`: sqlmap would test every field but the token
                body = _post_body({}, ())
                targets[user].append(Target(rule.endpoint, method, marked, body, in_path))
        targets[user].sort(key=lambda target: target.endpoint in LAST)
    uncovered = [route for route, shown in posts.items() if not shown]
    assert uncovered == [], "no page showed a form (add a step or a reason):\n" + "\n".join(
        uncovered
    )
    assert unreachable == [], "targets must answer as they should:\n" + "\n".join(unreachable)
    assert unmatched == [], "give these fields values in _filters:\n" + "\n".join(unmatched)
    return targets


def _signed_out_targets(browser: Browser, session: Session, secret_key: str) -> list[Target]:
    """The sign-in forms, sent as the page has them with what signs client B and staff B in
    (a sign-in that works is the page a payload must not reach), and the links that sign a
    browser in, with a token that is no token."""
    person = session.get(Client, ADULT_CHILD)
    assert person is not None
    assert person.dob is not None
    code = issue_access_code(session, ADULT_CHILD, secret_key)
    session.commit()
    born = person.dob
    typed = {
        "/sign-in": {
            "code": code,
            "dob_month": str(born.month),
            "dob_day": str(born.day),
            "dob_year": str(born.year),
        },
        "/staff/sign-in": {"email": "staff_b@matrix.example", "password": PASSWORD},
    }
    targets = []
    for path, endpoint in (
        ("/sign-in", "access.sign_in_page"),
        ("/staff/sign-in", "accounts.sign_in"),
    ):
        page = browser.open(path)
        assert page.status == 200, path
        values = {**_form_to(page.soup, path), **typed[path]}
        fields = tuple(name for name in values if name not in SKIPPED_FIELDS)
        targets.append(Target(endpoint, "POST", path, _post_body(values, fields), fields))
    for path, endpoint in (
        ("/continue/not-a-real-token-0000000000*", "access.hand_off_redeem"),
        ("/staff/set-up/not-a-real-token-0000000000*", "accounts.setup_password"),
    ):
        targets.append(Target(endpoint, "GET", path, None, ("<token>",)))
    return targets


CONTROLS = [
    Target("control", "GET", f"{CONTROL}?name=Testfamily", None, ("name",)),
    Target("control", "GET", f"{CONTROL}/Testfamily*", None, ("<name>",)),
    Target("control", "POST", CONTROL, "name=Testfamily*&csrf_token=TOKEN", ("name",)),
]


# ---------------------------------------------------------------- sqlmap


SEPARATOR = "=" * 54


def _request_log(base: str, cookie: str, token: str, targets: list[Target]) -> str:
    """The targets as a Burp proxy log, which sqlmap's -l reads: method, path, cookie, body."""
    blocks = []
    for target in targets:
        lines = [f"{target.method} {target.path} HTTP/1.1", f"Host: {urlsplit(base).netloc}"]
        lines.append(f"Cookie: {cookie}")
        if target.body is not None:
            body = target.body.replace("csrf_token=TOKEN", f"csrf_token={token}")
            lines += ["Content-Type: application/x-www-form-urlencoded", "", body]
        blocks.append(f"{SEPARATOR}\n" + "\n".join(lines) + f"\n{SEPARATOR}\n\n\n")
    return "".join(blocks)


def _sqlmap(executable: str, log: Path, out: Path) -> list[str]:
    return [
        executable,
        "-l",
        str(log),
        "--batch",
        "--ignore-stdin",
        "--disable-coloring",
        f"--output-dir={out}",
        f"--results-file={out / 'results.csv'}",
        "--dbms=PostgreSQL",  # the production database, and this pass's
        "--level=1",
        "--risk=1",
        # Boolean-based and error-based tests. An injection shows in them first: UNION, stacked
        # and time-based tests confirm and exploit what these find, and were two thirds of the
        # scan's requests (the time-based ones sampling response times on a machine that runs
        # other tests at once). The control targets prove this set finds injections: sqlmap
        # flags all three with boolean-based payloads.
        "--technique=BE",
        f"--skip={','.join(SKIPPED_FIELDS)}",
        "--skip-waf",
        "--drop-set-cookie",  # the session cookie as signed in, throughout
        "--ignore-redirects",  # a form's answer is its 303, not the page after it
        "--ignore-code=404",  # a one-time action (noting a notice read) answers 404 after
        # After a finding: go on testing the other parameters and targets.
        "--answers=keep testing the others=Y,skip further tests=N",
        "--keep-alive",
        "--timeout=30",
        "--retries=1",
    ]


@dataclass
class Run:
    name: str
    targets: list[Target]
    out: Path
    process: subprocess.Popen[bytes]

    @property
    def parameters(self) -> int:
        return sum(len(target.parameters) for target in self.targets)

    @property
    def output(self) -> str:
        return (self.out / "sqlmap.out").read_text(encoding="utf-8", errors="replace")

    def findings(self) -> list[list[str]]:
        """The rows of sqlmap's CSV of injection points (false positives too)."""
        with (self.out / "results.csv").open(encoding="utf-8") as found:
            return list(csv.reader(found))[1:]

    def logged_injection_points(self) -> list[str]:
        """The injection points in the output directory's log files (one per host)."""
        lines = [line for log in self.out.glob("*/log") for line in log.read_text().splitlines()]
        return [line.strip() for line in lines if line.startswith("Parameter: ")]

    def problems(self) -> list[str]:
        """What would show that sqlmap did not test every parameter of the run's targets."""
        output = self.output
        parsed = re.findall(r"sqlmap parsed (\d+) \(parameter unique\) requests", output)
        skipped = r"\[INFO\] skipping (?:'|previously processed)"  # a target, a parameter
        critical = r"\[CRITICAL\] (?!target URL content appears to be heavily dynamic).*"
        checks = {
            "exit code": (self.process.returncode, 0),
            "requests parsed": (parsed, [str(len(self.targets))]),
            "targets tested": (output.count("[INFO] testing URL '"), len(self.targets)),
            "parameters tested": (
                output.count("[INFO] testing for SQL injection on "),
                self.parameters,
            ),
            "skipped": (re.findall(skipped, output), []),
            "critical messages": (re.findall(critical, output), []),
        }
        return [
            f"{self.name}: {what}: {found!r}, expected {expected!r}"
            for what, (found, expected) in checks.items()
            if found != expected
        ]


def _start(
    executable: str, base: str, out: Path, login: tuple[str, str], targets: list[Target]
) -> Run:
    """sqlmap on the targets, signed in with login: (session cookie, CSRF token)."""
    out.mkdir()
    log = out / "requests.log"
    log.write_text(_request_log(base, *login, targets))
    with (out / "sqlmap.out").open("wb") as output:
        process = subprocess.Popen(
            _sqlmap(executable, log, out),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            env={**os.environ, "HOME": str(out), "TERM": "dumb"},  # its history stays in out
        )
    return Run(out.name, targets, out, process)


def test_sqlmap_finds_no_injectable_parameter(
    app: Flask,
    portal: Flask,
    live_portal: str,
    db_session: Session,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="werkzeug")  # not a line per request of thousands
    executable = shutil.which("sqlmap")
    if executable is None:
        pytest.fail("sqlmap is missing: `make sqlmap` installs Debian's package")
    started = time.monotonic()
    seeded = _seed_world(app, db_session)
    secret_key = str(portal.secret_key)
    browsers = {user: _sign_in(live_portal, db_session, user, secret_key) for user in USERS}
    harvests = {user: _crawl(portal, browsers[user], user, seeded) for user in USERS}
    targets = _targets(portal, seeded, harvests, _filters(db_session, seeded))
    for user, browser in browsers.items():  # each filter's page lists what it should
        for target in (target for target in targets[user] if target.shows is not None):
            page = browser.open(target.path)
            assert page.status == 200, target.path
            assert target.shows in page.body.decode(), f"{target.path} shows no {target.shows}"
    logins = {user: (b.cookie, b.csrf_token(HOME[user])) for user, b in browsers.items()}
    plan = {user: (logins[user], targets[user]) for user in USERS}
    signed_out = Browser(live_portal)
    signed_out_targets = _signed_out_targets(signed_out, db_session, secret_key)
    plan["signed_out"] = (
        (signed_out.cookie, signed_out.csrf_token("/sign-in")),
        signed_out_targets,
    )
    plan["control"] = (logins["client_a"], CONTROLS)
    runs: dict[str, Run] = {}
    try:
        for name, (login, its_targets) in plan.items():
            runs[name] = _start(executable, live_portal, tmp_path / name, login, its_targets)
        for run in runs.values():
            run.process.wait(timeout=max(1, SQLMAP_TIMEOUT - (time.monotonic() - started)))
    finally:
        for run in runs.values():
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()
    control = runs.pop("control")
    flagged = {(place, parameter) for _url, place, parameter, *_rest in control.findings()}
    report = [
        f"sqlmap as {run.name}: {len(run.targets)} targets, {run.parameters} parameters, "
        f"{len(run.findings())} injection points"
        for run in runs.values()
    ]
    report.append(f"control: {len(control.targets)} injectable targets, flagged {sorted(flagged)}")
    report.append(
        f"{len(portal.config['REQUESTS'])} requests answered, "
        f"{len(portal.config['FAILURES'])} with 500 (the control's not counted), "
        f"{time.monotonic() - started:.0f} s"
    )
    print("\n" + "\n".join(report))

    problems = [problem for run in [*runs.values(), control] for problem in run.problems()]
    assert problems == [], "\n".join(problems)
    findings = [f"{run.name}: {row}" for run in runs.values() for row in run.findings()]
    findings += [
        f"{run.name}: {point}" for run in runs.values() for point in run.logged_injection_points()
    ]
    assert findings == [], "sqlmap found injection points:\n" + "\n".join(findings)
    assert portal.config["FAILURES"] == [], "answered 500:\n" + "\n".join(portal.config["FAILURES"])
    assert flagged == {("GET", "name"), ("URI", "#1*"), ("(custom) POST", "#1*")}
    assert len(control.logged_injection_points()) == len(CONTROLS)
    for user, browser in browsers.items():
        assert browser.open(HOME[user]).status == 200, f"{user} was signed out during the scan"
