"""A test client that parses every HTML page it fetches and checks the invariants every page
of the portal keeps: one h1 that matches the title, no duplicate ids, lang and dir set, forms
with a CSRF token and an explicit action, no inline script or style, no-store caching."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from werkzeug.test import TestResponse


class PageInvariantError(AssertionError):
    pass


def check_page(html: str) -> BeautifulSoup:
    """Parse html and raise PageInvariantError naming the first broken invariant."""
    page = BeautifulSoup(html, "html.parser")
    root = page.find("html")
    if root is None or not root.get("lang") or root.get("dir") not in ("ltr", "rtl"):
        raise PageInvariantError("<html> needs lang and dir")
    headings = page.find_all("h1")
    if len(headings) != 1:
        raise PageInvariantError(f"expected one <h1>, found {len(headings)}")
    title = page.title.get_text(strip=True) if page.title else ""
    heading = " ".join(headings[0].get_text().split())
    if not title.removeprefix("Error: ").removeprefix("Error:").strip().startswith(heading):
        raise PageInvariantError(f"title {title!r} does not start with the h1 {heading!r}")
    ids = Counter(element["id"] for element in page.find_all(id=True))
    if duplicates := [value for value, count in ids.items() if count > 1]:
        raise PageInvariantError(f"duplicate ids: {duplicates}")
    for form in page.find_all("form"):
        if not form.get("action"):
            raise PageInvariantError("a form has no explicit action")
        if form.get("method", "get").lower() == "post" and not form.find(
            "input", attrs={"name": "csrf_token"}
        ):
            raise PageInvariantError("a POST form has no CSRF token")
    if page.find("script", src=False) or page.find("style") or page.find(style=True):
        raise PageInvariantError("inline script or style (the CSP forbids them)")
    for label in page.find_all("label"):
        target = label.get("for")
        if target and not page.find(id=target):
            raise PageInvariantError(f"label for missing id {target!r}")
    return page


# The one page that is the same for everyone: the public notice, to a visitor who is not
# signed in (issue 22). Browsers and proxies may keep it; nobody's session is in it.
PUBLIC_PAGES = re.compile(r"/privacy-notice(/print|/versions/\d+)?")


def cache_control_allowed(response: TestResponse) -> bool:
    """no-store, or a public notice page kept publicly: no cookie set, varying by Cookie."""
    cache_control = response.headers.get("Cache-Control")
    if cache_control == "no-store":
        return True
    return (
        PUBLIC_PAGES.fullmatch(response.request.path) is not None
        and cache_control is not None
        and cache_control.startswith("public")
        and "Set-Cookie" not in response.headers
        and "Cookie" in response.headers.get("Vary", "")
    )


class PageCheckingClient(FlaskClient):
    """Every HTML response is checked; tests get the parsed page as response.page."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
            if not cache_control_allowed(response):
                raise PageInvariantError("HTML responses must send Cache-Control: no-store")
            html = response.get_data(as_text=True)
            headers = kwargs.get("headers") or {}
            if dict(headers).get("HX-Request") == "true" and not html.lstrip().startswith("<!"):
                # An htmx fragment: a piece of a page, not a page.
                response.page = BeautifulSoup(html, "html.parser")  # type: ignore[attr-defined]
            else:
                response.page = check_page(html)  # type: ignore[attr-defined]
        return response
