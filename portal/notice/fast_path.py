"""The public notice for a visitor with no cookie, answered in front of Flask (issue 22).

The notice page a visitor who is not signed in reads is the same response for everyone who
reads the same version in the same language (portal/notice/views.py keeps its bytes). Flask and
the portal's hooks around it (the session cookie, who is signed in, the language, CSRF, the
headers) cost about a hundred times what sending kept bytes costs. So this WSGI middleware, the
outermost one, answers `GET /privacy-notice` (and its print version) straight from the whole
response Flask last gave for it, when

- the request is a plain GET of that path: no query string (`?lang=` sets a cookie), no cookie
  at all (so nobody is signed in, no kiosk, no message waiting: views.py's "same for everyone"),
  not htmx, no Range, If-Range, If-Match or If-Unmodified-Since (those go to Flask, which
  answers them as before);
- Flask answered an earlier such request in the same language with a public 200 that set no
  cookie, and this process's published versions have not been forgotten since (a publication
  here, a moved publication stamp, published.py), its next check of the stamp is not due yet
  and the day has not changed.

Anything else goes to Flask, whose answer keeps the response again when it may. So the fast path
sends exactly what Flask sent (status, headers in their order, bytes) with only these
differences: the Date header is the time of this answer, and a conditional request (If-None-Match
or If-Modified-Since) is decided by Werkzeug's own is_resource_modified and gets the 304 that
Werkzeug makes of the same headers (no Content-Type, Content-Length or Last-Modified, no body).
The language is chosen from Accept-Language exactly as portal.i18n.select_locale does with no
session and no query.

ProxyFix and WhiteNoise sit behind it: nothing they change (the client's address, the scheme,
the host, static files) reaches this page's bytes or headers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from werkzeug.http import http_date, is_resource_modified, remove_entity_headers

from portal import i18n
from portal.notice.published import PublishedVersions, Ticket

WSGIEnvironment = dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApplication = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]

# Paths whose public page may be answered here, each the one page of its view (views.py).
PATHS = frozenset({"/privacy-notice", "/privacy-notice/print"})
# Set by the view on a response that may be kept: the ticket and the language it was read with.
MARK = "portal.notice.keep"
# Request headers that ask for more than a plain or a conditional GET: Flask answers those.
_TO_FLASK = (
    "HTTP_COOKIE",
    "HTTP_HX_REQUEST",
    "HTTP_RANGE",
    "HTTP_IF_RANGE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
_NOT_MODIFIED = "304 NOT MODIFIED"  # as Werkzeug writes it


def mark_keepable(ticket: Ticket | None, language: str) -> None:
    """For views.py: this request's public page may be kept for the fast path (if it was a
    request the fast path would answer, and the response turns out public)."""
    if ticket is not None and request.path in PATHS:
        request.environ[MARK] = (ticket, language)


class NoticeFastPath:
    """WSGI middleware: the kept public notice, or the application behind it."""

    def __init__(self, application: WSGIApplication, app: Flask) -> None:
        self.application = application
        self.versions: PublishedVersions = app.extensions["portal.published_versions"]
        self.codes = tuple(app.extensions[i18n.KNOWN_KEY])
        self._date = (0, "")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO")
        if (
            path not in PATHS
            or environ.get("REQUEST_METHOD") != "GET"
            or environ.get("QUERY_STRING")
            or any(environ.get(name) for name in _TO_FLASK)
        ):
            return self.application(environ, start_response)
        language = i18n.preferred_language(environ.get("HTTP_ACCEPT_LANGUAGE", ""), self.codes)
        kept = self.versions.kept_response((path, language))
        if kept is None:
            return self._through_flask(environ, start_response, (path, language))
        headers = [(name, self._now() if name == "Date" else value) for name, value in kept.headers]
        if ("HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ) and (
            not is_resource_modified(
                environ, _header(headers, "ETag"), last_modified=_header(headers, "Last-Modified")
            )
        ):
            remove_entity_headers(headers)
            start_response(_NOT_MODIFIED, headers)
            return []
        start_response(kept.status, headers)
        return [kept.body]

    def _now(self) -> str:
        """The Date header's value, made once a second."""
        second = int(time.time())
        if self._date[0] != second:
            self._date = (second, http_date(second))
        return self._date[1]

    def _through_flask(
        self, environ: WSGIEnvironment, start_response: StartResponse, key: tuple[str, str]
    ) -> Iterable[bytes]:
        """Flask answers; its response is kept when the view marked it and it is public."""
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def observe(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started.append((status, list(headers)))
            return start_response(status, headers, exc_info)

        chunks = self.application(environ, observe)
        mark = environ.get(MARK)
        if mark is None or not started:
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        status, headers = started[-1]
        ticket, language = mark
        if language == key[1] and _public_page(status, headers):
            self.versions.keep_response(key, ticket, status, tuple(headers), body)
        return [body]


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key == name), None)


def _public(headers: list[tuple[str, str]]) -> bool:
    cache_control = _header(headers, "Cache-Control") or ""
    return "public" in (part.strip() for part in cache_control.split(","))


def _public_page(status: str, headers: list[tuple[str, str]]) -> bool:
    """A 200 that anybody may keep, setting no cookie, with the validators the fast path uses."""
    names = {name.lower() for name, _ in headers}
    return (
        status.startswith("200 ")
        and _public(headers)
        and "set-cookie" not in names
        and {"etag", "last-modified", "date"} <= names
    )
