"""Every form of the portal, sent with random text: unicode of every kind, control characters,
huge values, payloads, numbers, wrong choices, missing, repeated and unknown fields, as a page
and as htmx. Nothing answers 500 and nothing is logged as an error.

The field names come from the pages themselves: the matrix's users open every page they may
open, and walk the forms that have steps (a correction, a complaint, the sharing form, an
access code, a notice draft) up to the step that sends; each POST route is then sent what its
forms hold, as the user whose page holds them. A route no page shows a form for (now) gets
what the authorization matrix sends. The session's own CSRF token goes with every example:
the point is what lies behind it.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from portal.notice.models import NoticeVersion
from tests.attacks.conftest import Browsers
from tests.attacks.corpus import PAYLOADS
from tests.attacks.forms import Data, PageForm, post_forms, submit, token_of
from tests.test_authorization_matrix import (
    CLIENT_A,
    ENDS_SESSION,
    FORM_DATA,
    World,
    _allowed,
    _path,
    _routes,
)

EXAMPLES_PER_ROUTE = 12
# Fields fuzzed with something narrower than any text (none left: every field takes anything).
NOT_YET: dict[str, st.SearchStrategy[str]] = {}
# Who sends a route's form when the pages do not say (first one the route allows).
PREFERRED = ("client_a", "staff_a", "admin_a", "hmis_lead", "system_admin", "anonymous")
CRAWLERS = ("anonymous", "client_a", "staff_a", "admin_a", "hmis_lead", "system_admin")
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_ROUTE,
    deadline=None,
    database=None,  # nothing written into the working tree
    # CI replays one fixed set of examples (a red run can be reproduced); a developer's
    # run draws new ones each time, which is where new findings come from.
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


def text_values(nul: bool) -> st.SearchStrategy[str]:
    """Any text: short, long, huge, payloads, numbers; with NUL characters or without."""
    letters = st.characters(codec="utf-8", exclude_characters="" if nul else "\x00")
    fill = "xżł😀<" + ("\x00" if nul else "")
    tricky = ["", " ", "-1", "1e309", "NaN", "null", "[]", "{}", "٣"]
    return st.one_of(
        st.text(letters, max_size=60),
        st.text(letters, min_size=150, max_size=1500),
        st.builds(lambda c, n: c * n, st.sampled_from(fill), st.integers(2_000, 60_000)),
        st.sampled_from([*(p for p in PAYLOADS if nul or "\x00" not in p), *tricky]),
        st.integers().map(str),  # 2**31 and up once gave a 500 in dates (OverflowError)
    )


@dataclass
class Target:
    rule: Rule
    path: str
    user: str
    form: PageForm


class FormIndex:
    """The POST forms the users' pages hold, by the endpoint they go to (one user's per
    endpoint, the fields of all its forms merged: a multi-step form posts different fields)."""

    def __init__(self, app: Flask, browsers: Browsers) -> None:
        self.urls = app.url_map.bind("localhost")
        self.browsers = browsers
        self.forms: dict[str, tuple[str, PageForm]] = {}

    def read(self, user: str, response: TestResponse) -> BeautifulSoup:
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        if response.mimetype != "text/html":
            return page
        for form in post_forms(page):
            endpoint, _args = self.urls.match(form.action, method="POST")
            known = self.forms.get(endpoint)
            if known is None:
                self.forms[endpoint] = (user, form)
            elif known[0] == user:
                known[1].values = {**form.values, **known[1].values}
                known[1].choices = {**form.choices, **known[1].choices}
        return page

    def get(self, user: str, path: str) -> BeautifulSoup:
        return self.read(user, FlaskClient.open(self.browsers[user], path))

    def post(self, user: str, page: BeautifulSoup, action: str, typed: Data) -> BeautifulSoup:
        """Send a form as the page has it, for the page of the next step."""
        response = submit(self.browsers[user], page, action, typed, check_page=False)
        if response.status_code == 303:  # the next step is a page of its own (PRG)
            return self.get(user, response.headers["Location"])
        return self.read(user, response)


def _crawl(app: Flask, session: Session, world: World, index: FormIndex) -> None:
    """Every page each user may open, and the steps of the forms that have steps (up to, not
    including, the step that sends)."""
    for user in CRAWLERS:
        for rule, method in _routes(app):
            audience = app.view_functions[rule.endpoint].audience
            if method == "GET" and rule.endpoint not in ENDS_SESSION and _allowed(user, audience):
                index.get(user, _path(rule, world))
    correct = "/my-record/correct/identity.last_name"
    page = index.get("client_a", correct)
    index.post("client_a", page, correct, {"requested_value": "Fixed", "reason": "Spelling"})
    complaint = {"category": "privacy", "description": "What happened", "contact_method": "none"}
    index.post("client_a", index.get("client_a", "/complaint"), "/complaint", complaint)
    page = index.get("client_a", "/sharing/stop")
    for typed in (
        {},
        {"covered": [CLIENT_A]},
        {"agree": "y", "signed_name": "Canaryparent Testfamily"},
    ):
        page = index.post("client_a", page, "/sharing/stop", typed)
    page = index.get("staff_a", "/staff/access-codes/new")
    index.post("staff_a", page, "/staff/access-codes/new", {"personal_id": CLIENT_A})
    new_draft = "/staff/versions/privacy-notice/new"
    draft = {f"{code}_summary_of_changes": "Clearer words" for code in ("en", "es", "pl")}
    draft |= {"effective_month": "1", "effective_day": "1", "effective_year": "2099"}
    index.post(
        "hmis_lead", index.get("hmis_lead", new_draft), new_draft, {"action": "save", **draft}
    )
    saved = session.scalars(select(NoticeVersion.id).where(NoticeVersion.published_at.is_(None)))
    edit = f"/staff/versions/{saved.one()}/edit"
    index.post("hmis_lead", index.get("hmis_lead", edit), edit, {"action": "publish"})  # the check


def _targets(app: Flask, session: Session, world: World, browsers: Browsers) -> list[Target]:
    index = FormIndex(app, browsers)
    _crawl(app, session, world, index)
    targets = []
    for rule, method in _routes(app):
        if method != "POST":
            continue
        audience = app.view_functions[rule.endpoint].audience
        user, form = index.forms.get(rule.endpoint, ("", None))
        if form is None:  # no page has its form (now): what the matrix sends
            user = next(user for user in PREFERRED if _allowed(user, audience))
            form = PageForm(_path(rule, world), dict(FORM_DATA))
        targets.append(Target(rule, form.action, user, form))
    return targets


def _value_of(name: str, form: PageForm, text: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    choices = form.choices.get(name)
    given_value = form.values.get(name)
    if name in NOT_YET:
        held = [] if given_value is None else [st.just(given_value)]
        return st.one_of(NOT_YET[name], st.none(), *held)
    options: list[st.SearchStrategy[object]] = [text, st.none()]
    if choices:
        options += [st.sampled_from(choices), st.lists(st.sampled_from(choices), max_size=3)]
    if given_value is not None:
        options.append(st.just(given_value))  # as the page has it: lets a step get further
    return st.one_of(options)


def _form_data(
    form: PageForm, text: st.SearchStrategy[str]
) -> st.SearchStrategy[dict[str, object]]:
    names = [name for name in {**form.values, **form.choices} if name != "csrf_token"]
    fields = st.fixed_dictionaries({name: _value_of(name, form, text) for name in names})
    extra = st.dictionaries(st.text(min_size=1, max_size=20), text, max_size=2)
    return st.builds(
        lambda f, e: {**e, **{k: v for k, v in f.items() if v is not None}}, fields, extra
    )


def _errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR and record.name.startswith("portal")
    ]


def _fuzz(
    target: Target,
    browser: FlaskClient,
    text: st.SearchStrategy[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = token_of(browser)

    @FUZZ_SETTINGS
    @given(data=_form_data(target.form, text), htmx=st.booleans())
    def send(data: dict[str, object], htmx: bool) -> None:
        caplog.clear()
        response = FlaskClient.open(
            browser,
            target.path,
            method="POST",
            data={**data, "csrf_token": token},
            headers={"HX-Request": "true"} if htmx else {},
        )
        response.get_data()
        assert response.status_code < 500, (
            f"{target.user} POST {target.path}: {response.status_code}"
        )
        assert _errors_logged(caplog) == []

    send()


def test_no_form_post_makes_the_portal_fail(
    app: Flask,
    db_session: Session,
    world: World,
    browsers: Browsers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    targets = _targets(app, db_session, world, browsers)
    text = text_values(nul=True)  # NUL is refused before any view (portal/security.py)
    assert len(targets) >= 35
    assert sum(len(t.form.values) > 2 for t in targets) >= 20, "the pages should name the fields"
    failures: list[str] = []
    for target in targets:
        browser = browsers[target.user]
        try:
            _fuzz(target, browser, text, caplog)
        except Exception as error:  # every route is tried, and every failure reported
            notes = "\n".join(getattr(error, "__notes__", []))
            failures.append(f"POST {target.path} as {target.user}: {error}\n{notes}")
        if target.rule.endpoint in ENDS_SESSION:
            browsers[target.user] = browsers.fresh(target.user)
    assert failures == [], "\n\n".join(failures)
