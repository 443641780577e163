"""Security headers on every response, and CSRF protection for every form."""

from __future__ import annotations

from flask import Flask, Response, abort, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer

csrf = CSRFProtect()

# Where "leave this page quickly" goes: a neutral site that says nothing about why one was here.
# Its origin is the one other place a form may lead (the quick exit without JavaScript).
QUICK_EXIT_URL = "https://www.weather.gov/"
QUICK_EXIT_ORIGIN = "https://www.weather.gov"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        f"form-action 'self' {QUICK_EXIT_ORIGIN}",
        "frame-ancestors 'none'",
    ]
)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, unchanged, but with its serializer made once per key
    (Flask builds a new one on every request, twice when the session is saved)."""

    def __init__(self) -> None:
        self._kept: tuple[tuple[object, ...], URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is not None and kept[0] == keys:
            return kept[1]
        serializer = super().get_signing_serializer(app)
        self._kept = (keys, serializer)
        return serializer


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.session_interface = SessionCookies()
    production = app.config["PORTAL"].is_production

    every_response = tuple(response_headers(production=production).items())
    names = frozenset(name.lower() for name, _ in every_response)

    @app.before_request
    def _refuse_nul_characters() -> None:
        """No person types a NUL; PostgreSQL refuses it in text. Refused before any view.
        (Only a query string holding %00, or a form, can carry one: most requests have neither,
        and are not parsed for it.)"""
        query = b"%00" in request.query_string or b"\x00" in request.query_string
        values = [*request.args.values()] if query else []
        if request.content_type:  # only a request with a body has a form
            values += request.form.values()
        if any("\x00" in value for value in values):
            abort(400)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        # One pass: the headers this response lacks (a view may have set its own), added at once.
        headers = response.headers
        present = {name.lower() for name, _ in headers.items()} & names
        if present:
            headers.extend(
                (name, value) for name, value in every_response if name.lower() not in present
            )
        else:
            headers.extend(every_response)
        # Only versioned static files may be cached; every page may carry personal data, but
        # for a page the view marked as the same for everyone (g.cache_publicly: the public
        # notice for a visitor not signed in, portal/notice/views.py).
        if request.endpoint != "static" and not g.get("cache_publicly"):
            headers["Cache-Control"] = "no-store"
        return response


def response_headers(*, production: bool) -> dict[str, str]:
    """What every response carries, pages and static files alike."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        # same-origin keeps the Referer that Flask-WTF checks over HTTPS, and sends none elsewhere.
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if production:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers
