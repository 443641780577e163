"""Signing in over HTTP the way a browser does, to hand wrk a real session cookie.

The portal runs with production settings, which mark its cookies Secure. Loopback has no TLS,
and a browser (or requests' cookie jar) would not send a Secure cookie back over plain http; the
browser here keeps cookies itself and does, as a TLS-terminating proxy in front would let it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie

import requests

from bench.seed import STAFF_PASSWORD, PoolClient

TIMEOUT = 60


class _FormTokens(HTMLParser):
    """The value of every hidden csrf_token input on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("name") == "csrf_token" and found.get("value"):
            self.tokens.append(found["value"] or "")


def csrf_token(html: str) -> str:
    parser = _FormTokens()
    parser.feed(html)
    if not parser.tokens:
        raise SystemExit("the page has no form token (csrf_token)")
    return parser.tokens[0]


class Browser:
    """Cookies kept across requests, redirects not followed (the bench checks each step)."""

    def __init__(self, base_url: str, cookie: str = "") -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.cookies: dict[str, str] = {}
        if cookie:
            self._keep(SimpleCookie(cookie))

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return self._send("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        return self._send("POST", path, data=data)

    def _send(self, method: str, path: str, **kwargs: object) -> requests.Response:
        headers = {**kwargs.pop("headers", {}), "Cookie": self.cookie_header()}  # type: ignore[dict-item]
        response = self.http.request(
            method,
            self.base_url + path,
            headers=headers,
            allow_redirects=False,
            timeout=TIMEOUT,
            **kwargs,  # type: ignore[arg-type]
        )
        for header in response.raw.headers.getlist("Set-Cookie"):
            self._keep(SimpleCookie(header))
        return response

    def _keep(self, cookies: SimpleCookie) -> None:
        for name, morsel in cookies.items():
            if morsel["max-age"] == "0" or morsel["expires"].startswith("Thu, 01 Jan 1970"):
                self.cookies.pop(name, None)  # deleted, as at sign-in or sign-out
            else:
                self.cookies[name] = morsel.value

    def form_token(self, path: str) -> str:
        return csrf_token(expect(self.get(path), 200, path).text)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())


def expect(response: requests.Response, status: int, step: str) -> requests.Response:
    if response.status_code != status:
        where = response.headers.get("Location", "")
        raise SystemExit(f"{step}: expected {status}, got {response.status_code} {where}")
    return response


@dataclass(frozen=True)
class SignedIn:
    """A signed-in browser as wrk replays it: its cookies and a form token of its session."""

    cookie: str
    csrf_token: str
    personal_id: str | None = None
    signed_in_at: float = 0.0


def sign_in_client(base_url: str, client: PoolClient) -> SignedIn:
    """Access code and date of birth at /sign-in, then acknowledge the privacy notice."""
    browser = Browser(base_url)
    token = browser.form_token("/sign-in")
    answer = {
        "csrf_token": token,
        "code": client.code,
        "dob_month": str(client.dob.month),
        "dob_day": str(client.dob.day),
        "dob_year": str(client.dob.year),
    }
    expect(browser.post("/sign-in", answer), 303, "client sign-in")
    token = browser.form_token("/privacy-notice/acknowledge")
    expect(browser.post("/privacy-notice/acknowledge", {"csrf_token": token}), 303, "acknowledge")
    expect(browser.get("/my-record"), 200, "record page after sign-in")
    return SignedIn(browser.cookie_header(), token, client.personal_id, time.time())


def sign_in_staff(base_url: str, email: str) -> SignedIn:
    """Agency staff: e-mail and password, no two-step; the policy was accepted when seeded."""
    browser = Browser(base_url)
    token = browser.form_token("/staff/sign-in")
    answer = {"csrf_token": token, "email": email, "password": STAFF_PASSWORD}
    expect(browser.post("/staff/sign-in", answer), 303, "staff sign-in")
    expect(browser.get("/staff/queue"), 200, "queue after sign-in")
    return SignedIn(browser.cookie_header(), "", None, time.time())
