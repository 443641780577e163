"""Error pages that say what to do next and leak nothing about the request or the system."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, g, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from portal import db

log = logging.getLogger(__name__)

ERROR_TEXTS = {
    400: (
        _l("Something went wrong"),
        _l("Go back, reload the page and try again."),
    ),
    403: (
        _l("You cannot see this page"),
        _l("You may need to sign in, or this page is not for your account."),
    ),
    404: (_l("Page not found"), _l("Check the web address, or start again from the home page.")),
    405: (
        _l("Something went wrong"),
        _l("Go back, reload the page and try again."),
    ),
    413: (_l("That file is too large"), _l("Choose a smaller file and try again.")),
    429: (_l("Too many tries"), _l("Wait a few minutes and try again.")),
    500: (
        _l("Sorry, something went wrong on our side"),
        _l("Try again later. If it keeps happening, contact the help desk."),
    ),
}


# A stale or missing CSRF token is almost always an old tab or a double submit, not an attack.
STALE_FORM = (
    _l("Please try again"),
    _l(
        "This page was open for a long time, or it was sent twice. Nothing was changed. "
        "Go back, reload the page and try again."
    ),
)


def _render(status: int, texts: tuple[object, object] | None = None) -> tuple[str, int]:
    title, advice = texts or ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    return render_template("errors/error.html", status=status, title=title, advice=advice), status


def error_page(status: int) -> Response:
    """The error page as a response, for places that cannot raise (after_request hooks)."""
    html, code = _render(status)
    return Response(html, status=code, mimetype="text/html")


def store_unavailable() -> bool:
    """Whether this request found PostgreSQL or Redis out of reach. Its error page then asks
    neither, not even who is signed in (that needs the database): it shows nobody's navigation."""
    return bool(g.get("store_unavailable"))


def _retry_after_on_every_429(response: Response) -> Response:
    """Every 429 says when to try again (the pages that give one say it more exactly)."""
    if response.status_code == 429 and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = "60"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_retry_after_on_every_429)

    @app.errorhandler(CSRFError)
    def _csrf_error(_error: CSRFError) -> tuple[str, int]:
        return _render(400, STALE_FORM)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int]:
        return _render(error.code or 500)

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def _store_unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
        # PostgreSQL restarting or out of reach, every pooled connection busy, or Redis (the
        # sign-in counters) out of reach: passing trouble. What the request had not committed
        # is rolled back, so nothing is half-written. 503 and Retry-After say "try again soon"
        # to nginx, monitors and the person, in the 500 page's plain words.
        log.error("shared store unavailable: %s", type(error).__name__)
        db.roll_back()
        g.store_unavailable = True
        html, status = _render(ServiceUnavailable.code)
        return html, status, {"Retry-After": "30"}

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        # Only the type and where it happened: messages and source lines can carry personal data.
        frames = " < ".join(
            f"{frame.filename}:{frame.lineno}:{frame.name}"
            for frame in reversed(traceback.extract_tb(error.__traceback__))
        )
        log.error("unhandled %s at %s", type(error).__name__, frames)
        db.roll_back()  # the page's own queries (the staff navigation) start afresh
        return _render(InternalServerError.code)
