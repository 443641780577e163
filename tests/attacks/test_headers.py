"""Security headers on every response: a crawl of the URL map as an anonymous visitor, a signed-in
client and staff users, as full pages and as htmx fragments, error pages and files included.

The expected values are written out here, not imported from portal/security.py, so that a
weaker policy there fails this test rather than quietly becoming what it expects."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.attacks.conftest import Browsers
from tests.pages import cache_control_allowed
from tests.test_authorization_matrix import ENDS_SESSION, World, _path, _routes

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self' https://www.weather.gov; frame-ancestors 'none'"
)
EVERY_RESPONSE = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Not no-referrer: Flask-WTF checks the Referer of a form sent over HTTPS.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
CRAWLERS = ("anonymous", "client_a", "admin_a", "hmis_lead")


def header_problems(response: TestResponse, where: str, *, static: bool = False) -> list[str]:
    problems = [
        f"{where}: {name} is {response.headers.get(name)!r}"
        for name, expected in EVERY_RESPONSE.items()
        if response.headers.get(name) != expected
    ]
    if not static and not cache_control_allowed(response):
        # Every page and file may carry personal data (HTML above all: the brief's must).
        problems.append(f"{where} ({response.mimetype}): Cache-Control is not no-store")
    return problems


def _crawl(app: Flask, world: World, browsers: Browsers, user: str) -> tuple[list[str], list[int]]:
    problems: list[str] = []
    fetched: list[int] = []
    for rule, method in _routes(app):
        path = _path(rule, world)
        # A route that only takes POST answers a GET with 405: an error page, checked too.
        if method not in ("GET", "POST") or (method == "POST" and "GET" in rule.methods):
            continue
        for htmx in (False, True):
            headers = {"HX-Request": "true"} if htmx else {}
            # The plain client: this test is about headers, not the page invariants.
            response = FlaskClient.open(browsers[user], path, method="GET", headers=headers)
            response.get_data()  # a streamed file (the audit export) runs to its end
            fetched.append(response.status_code)
            where = f"{user} GET {path}{' (htmx)' if htmx else ''} -> {response.status_code}"
            problems += header_problems(response, where)
        if rule.endpoint in ENDS_SESSION:
            browsers[user] = browsers.fresh(user)
    return problems, fetched


def test_every_response_carries_the_security_headers(
    app: Flask, world: World, browsers: Browsers
) -> None:
    problems: list[str] = []
    statuses: list[int] = []
    for user in CRAWLERS:
        found, fetched = _crawl(app, world, browsers, user)
        problems += found
        statuses += fetched
    for user in CRAWLERS:  # error pages: not found, and a form sent without its token
        missing = FlaskClient.open(browsers[user], "/no-such-page")
        assert missing.status_code == 404
        problems += header_problems(missing, f"{user} 404")
        forged = FlaskClient.open(browsers[user], "/complaint", method="POST")
        assert forged.status_code == 400
        problems += header_problems(forged, f"{user} CSRF 400")
    assert problems == [], "\n".join(problems)
    assert len(statuses) > 400
    assert statuses.count(200) > 150, "the crawl should see the pages, not only redirects"


def test_static_files_carry_the_headers_and_may_be_cached(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    versioned = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    for path in ("/static/css/portal.css", "/static/js/portal.js", *versioned):
        response = client.get(path)
        assert response.status_code == 200
        assert header_problems(response, path, static=True) == []
        assert "no-store" not in response.headers.get("Cache-Control", "")
        response.close()
