"""The public notice answered in front of Flask (portal/notice/fast_path.py, issue 22): the same
status, headers and bytes as Flask's answer (only Date differs, and a conditional request gets
Werkzeug's 304 of the same headers); kept per language, forgotten on a publication and at the
next check of the publication stamp; never used for anybody with a cookie, a query, htmx or a
range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlalchemy.orm import Session
from werkzeug.test import Client, TestResponse

from portal.notice import fast_path, published
from tests.factories import notice_version
from tests.fixtures.clients import SignIn, signed_in_client
from tests.notice.test_drafting import _new_draft, _publish, _today, lead, lead_user

__all__ = ["lead", "lead_user"]  # the lead's browser, from the drafting tests

NOTICE = "/privacy-notice"


class Counted:
    """The application behind the fast path, counting the requests it had to answer."""

    def __init__(self, middleware: fast_path.NoticeFastPath) -> None:
        self.inner = middleware.application
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.calls += 1
        return self.inner(environ, start_response)


@pytest.fixture
def kept(app: Flask) -> Iterator[published.PublishedVersions]:
    """As in production: the version in force is kept, and checked again only now and then."""
    versions: published.PublishedVersions = app.extensions["portal.published_versions"]
    versions.recheck_seconds = 3600
    versions.invalidate()
    yield versions
    versions.recheck_seconds = 0.0
    versions.invalidate()


@pytest.fixture
def flask_side(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Counted:
    middleware = app.wsgi_app
    assert isinstance(middleware, fast_path.NoticeFastPath)
    counted = Counted(middleware)
    monkeypatch.setattr(middleware, "application", counted)
    return counted


def _headers(response: TestResponse) -> list[tuple[str, str]]:
    """The response's headers in order, the Date's value left out (the time of each answer)."""
    return [(name, "" if name == "Date" else value) for name, value in response.headers]


def _same(fast: TestResponse, slow: TestResponse) -> None:
    assert fast.status == slow.status
    assert _headers(fast) == _headers(slow)
    assert fast.get_data() == slow.get_data()


def _through_flask(
    client: FlaskClient, versions: published.PublishedVersions, **headers: str
) -> TestResponse:
    """What Flask itself answers now (nothing kept is used; what it answers is kept again)."""
    versions._responses = {}
    return client.get(NOTICE, headers=headers)


def test_the_fast_answer_is_flasks_answer(
    kept: published.PublishedVersions,
    client: FlaskClient,
    db_session: Session,
    flask_side: Counted,
) -> None:
    notice_version(db_session)
    slow = client.get(NOTICE, headers={"Accept-Language": "en"})
    assert flask_side.calls == 1
    fast = client.get(NOTICE, headers={"Accept-Language": "en"})
    assert flask_side.calls == 1  # answered in front of Flask
    _same(fast, slow)
    assert "Date" in fast.headers
    assert fast.headers["Cache-Control"] == "public, max-age=300"
    assert fast.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert fast.headers["X-Frame-Options"] == "DENY"
    assert "Set-Cookie" not in fast.headers


def test_a_conditional_request_gets_werkzeugs_304(
    kept: published.PublishedVersions,
    client: FlaskClient,
    db_session: Session,
    flask_side: Counted,
) -> None:
    notice_version(db_session)
    page = client.get(NOTICE)
    etag, modified = page.headers["ETag"], page.headers["Last-Modified"]
    for asked in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        calls = flask_side.calls
        fast = client.get(NOTICE, headers=asked)
        assert flask_side.calls == calls
        assert fast.status_code == 304
        assert fast.get_data() == b""
        _same(fast, _through_flask(client, kept, **asked))
        client.get(NOTICE)  # kept again
    older = client.get(NOTICE, headers={"If-None-Match": '"another"'})
    assert older.status_code == 200
    _same(older, _through_flask(client, kept, **{"If-None-Match": '"another"'}))


def test_each_language_is_kept_and_chosen_as_flask_chooses(
    kept: published.PublishedVersions,
    client: FlaskClient,
    db_session: Session,
    flask_side: Counted,
) -> None:
    notice_version(db_session)
    for header in ("es", "pl", "en"):
        client.get(NOTICE, headers={"Accept-Language": header})
    calls = flask_side.calls
    answers = {}
    for header, body in (
        ("es-MX,es;q=0.9,en;q=0.5", "Body of version 1 [es]."),
        ("pl", "Body of version 1 [pl]."),
        ("fr-FR,fr;q=0.9", "Body of version 1 [en]."),  # not offered: English, as in Flask
        ("", "Body of version 1 [en]."),
    ):
        answers[header] = client.get(NOTICE, headers={"Accept-Language": header})
        assert body in answers[header].get_data(as_text=True)
    assert flask_side.calls == calls  # all four from what was kept
    for header, fast in answers.items():
        _same(fast, _through_flask(client, kept, **{"Accept-Language": header}))


def test_a_publication_here_is_shown_at_once(
    kept: published.PublishedVersions,
    client: FlaskClient,
    lead: FlaskClient,
    db_session: Session,
) -> None:
    notice_version(db_session, effective_date=dt.date(2020, 1, 1))
    for _ in range(2):
        page = client.get(NOTICE, headers={"Accept-Language": "es"}).get_data(as_text=True)
        assert "Body of version 1 [es]." in page
    draft = _new_draft(lead, db_session, day=_today(), tag="fresh")
    assert _publish(lead, draft).status_code == 303
    for _ in range(2):
        page = client.get(NOTICE, headers={"Accept-Language": "es"}).get_data(as_text=True)
        assert "Body fresh [es]." in page


def test_a_publication_elsewhere_is_shown_at_the_next_check(
    kept: published.PublishedVersions,
    client: FlaskClient,
    db_session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notice_version(db_session, number=1, effective_date=dt.date(2020, 1, 1))
    for _ in range(2):
        assert "Body of version 1 [en]." in client.get(NOTICE).get_data(as_text=True)
    notice_version(db_session, number=2, effective_date=dt.date(2021, 1, 1))
    assert "Body of version 1 [en]." in client.get(NOTICE).get_data(as_text=True)
    later = published.time.monotonic() + kept.recheck_seconds + 1
    monkeypatch.setattr(published.time, "monotonic", lambda: later)
    for _ in range(2):
        assert "Body of version 2 [en]." in client.get(NOTICE).get_data(as_text=True)


def test_nothing_kept_outlives_the_day(
    kept: published.PublishedVersions,
    client: FlaskClient,
    db_session: Session,
    flask_side: Counted,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A version may take effect with the new day: the kept answer ends at midnight (UTC)."""
    notice_version(db_session)
    last_second = dt.datetime.combine(_today(), dt.time(23, 59, 59))
    monkeypatch.setattr(published, "utcnow", lambda: last_second)
    client.get(NOTICE)
    client.get(NOTICE)
    assert flask_side.calls == 1
    now = published.time.monotonic()
    monkeypatch.setattr(published.time, "monotonic", lambda: now + 2)
    client.get(NOTICE)
    assert flask_side.calls == 2


def test_anything_but_a_plain_visit_goes_to_flask(
    app: Flask,
    kept: published.PublishedVersions,
    client: FlaskClient,
    db_session: Session,
    flask_side: Counted,
) -> None:
    notice_version(db_session)
    client.get(NOTICE)
    etag = client.get(NOTICE).headers["ETag"]
    assert flask_side.calls == 1
    for path, headers in (
        (f"{NOTICE}?lang=es", {}),
        (f"{NOTICE}?utm=x", {}),
        (NOTICE, {"HX-Request": "true"}),
        (NOTICE, {"Range": "bytes=0-10"}),
        (NOTICE, {"If-Match": etag}),
        (NOTICE, {"If-Unmodified-Since": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        ("/privacy-notice/versions", {}),
    ):
        calls = flask_side.calls
        app.test_client().get(path, headers=headers)
        assert flask_side.calls == calls + 1, (path, headers)
    calls = flask_side.calls
    assert Client(app).head(NOTICE).status_code == 200  # (a plain client: no page to check)
    assert flask_side.calls == calls + 1
    with_cookie = app.test_client()
    with_cookie.set_cookie("portal_session", "whatever")
    with_cookie.get(NOTICE)
    assert flask_side.calls == calls + 2


def test_a_kiosk_and_a_signed_in_client_get_their_own_page(
    app: Flask,
    kept: published.PublishedVersions,
    client: FlaskClient,
    sign_in: SignIn,
    code: str,
) -> None:
    assert app.test_client().get(NOTICE).headers["Cache-Control"] == "public, max-age=300"
    kiosk = app.test_client()
    kiosk.set_cookie(
        "portal_kiosk", URLSafeSerializer(app.secret_key, salt="kiosk device").dumps("Lobby")
    )
    assert kiosk.get(NOTICE).headers["Cache-Control"] == "no-store"
    signed_in_client(client, sign_in, code)
    response = client.get(NOTICE)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.page.select_one("form.sign-out") is not None


def test_a_response_that_sets_a_cookie_is_never_kept(
    kept: published.PublishedVersions, client: FlaskClient, db_session: Session
) -> None:
    """?lang= remembers the language in the session: that answer is nobody else's."""
    notice_version(db_session)
    client.get(f"{NOTICE}?lang=pl")
    assert kept._responses == {}


def test_without_keeping_between_requests_every_answer_is_flasks(
    app: Flask, client: FlaskClient, db_session: Session, flask_side: Counted
) -> None:
    """Tests' default (NOTICE_RECHECK_SECONDS 0): nothing is kept, so the fast path stays out."""
    assert app.extensions["portal.published_versions"].recheck_seconds == 0
    notice_version(db_session)
    for _ in range(3):
        client.get(NOTICE)
    assert flask_side.calls == 3
