"""What every request goes through, made cheaper (issue 22) with the same behaviour: NULs
refused wherever they come from, the security headers once each (a view's own kept), no-store
on pages, nobody signed in without asking Flask-Login, the language chosen as before."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import Client

from portal import i18n
from portal.security import response_headers


@pytest.mark.parametrize(
    "path", ["/privacy-notice?lang=%00", "/?x=a%00b", "/privacy-notice?%00=1&lang=es%00"]
)
def test_a_nul_in_the_query_is_refused(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 400


def test_a_nul_in_a_form_is_refused_even_on_a_get(app: Flask) -> None:
    plain = Client(app)
    assert plain.post("/sign-in", data={"code": "a\x00b"}).status_code == 400
    assert plain.get("/", data={"x": "a\x00"}).status_code == 400
    assert plain.get("/?x=%2500").status_code == 200  # "%00" typed as text is no NUL


def test_each_security_header_is_sent_once(app: Flask) -> None:
    for path in ("/", "/sign-in", "/keep-alive", "/no-such-page"):
        response = Client(app).get(path)
        for name, value in response_headers(production=False).items():
            assert response.headers.getlist(name) == [value], (path, name)
        assert response.headers["Cache-Control"] == "no-store"


def test_a_header_the_view_set_is_kept(app: Flask, client: FlaskClient) -> None:
    """The error page of a kiosk download sets nothing of its own; a view that sets one of the
    headers (sign-out's redirect sets none either) keeps its value: checked on a raw response
    through the hook itself."""
    from flask import Response

    with app.test_request_context("/"):
        response = Response("x")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response = app.process_response(response)
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]


def test_nobody_signed_in_never_asks_flask_login(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.accounts import current

    def refuse(_self: object) -> None:
        raise AssertionError("Flask-Login asked with nobody signed in")

    monkeypatch.setattr(current.login_manager, "_load_user", refuse)
    assert client.get("/").status_code == 200
    assert Client(app).get("/keep-alive").status_code == 204


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("es-MX,es;q=0.9", "es"),
        ("pl;q=0.5,en;q=0.4", "pl"),
        ("fr", "en"),
        ("", "en"),
        ("en-GB,*;q=0.1", "en"),
    ],
)
def test_the_browsers_language_is_chosen_as_werkzeug_matches_it(
    client: FlaskClient, header: str, language: str
) -> None:
    page = client.get("/", headers={"Accept-Language": header}).page
    assert page.find("html")["lang"] == language
    assert i18n.preferred_language(header, ("en", "es", "pl")) == language


def test_the_selected_locale_is_parsed_once(app: Flask) -> None:
    from flask_babel import get_locale

    with app.test_request_context("/", headers={"Accept-Language": "pl"}):
        first = get_locale()
    with app.test_request_context("/", headers={"Accept-Language": "pl"}):
        assert get_locale() is first


def test_the_session_cookie_is_flasks_with_its_serializer_kept(app: Flask) -> None:
    from flask.sessions import SecureCookieSessionInterface

    from portal.security import SessionCookies

    interface = app.session_interface
    assert isinstance(interface, SessionCookies)
    kept = interface.get_signing_serializer(app)
    assert kept is not None
    assert interface.get_signing_serializer(app) is kept
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    assert flasks is not None
    assert flasks.loads(kept.dumps({"lang": "es"})) == {"lang": "es"}
    other = Flask(__name__)
    other.config.update(SECRET_KEY="another key", SECRET_KEY_FALLBACKS=[app.secret_key])
    rotated = interface.get_signing_serializer(other)
    assert rotated is not None
    assert rotated is not kept  # a new key: a new serializer, which still reads the old cookies
    assert rotated.loads(kept.dumps({"lang": "pl"})) == {"lang": "pl"}
