from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_wtf import FlaskForm
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal import db, device
from portal.audience import PUBLIC, audience
from portal.htmx import render_page
from portal.sessions import forget_in_browser, start_over_in_browser

bp = Blueprint("public", __name__)


@bp.get("/")
@audience(PUBLIC)
def home() -> Response:
    # A kiosk asks for the language first, every time a new person starts. The choice (?lang=)
    # is remembered first, so one tap on a language leads on to the start page.
    get_locale()
    if device.kiosk_name() and "lang" not in session:
        return render_page("public/language_first.html")
    return render_page("public/home.html")


@bp.get("/keep-alive")
@audience(PUBLIC)
def keep_alive() -> tuple[str, int]:
    """The idle dialog's "I'm still here": loading any page touches the session; this is one."""
    return "", 204


@bp.route("/start-over", methods=["GET", "POST"])
@audience(PUBLIC)
def start_over() -> ResponseReturnValue:
    """Start again on this device: the POST ends every session this browser holds on the
    server (client and staff), so the old cookie, sent again, opens nothing.

    A GET with somebody signed in only shows the button; with nobody signed in (an idle kiosk
    going back to its first question) there is nothing to end and it starts over at once."""
    from portal.access.current import current_client_session, end_sessions_here
    from portal.accounts.current import current_staff

    signed_in = current_client_session() is not None or current_staff() is not None
    if request.method == "GET" and signed_in:
        return render_page("public/start_over.html")
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        end_sessions_here("started_over")
    start_over_in_browser()
    response = redirect(url_for("public.home"), 303)
    return forget_in_browser(response)


@bp.get("/healthz")
@audience(PUBLIC)
def healthz() -> tuple[str, int, dict[str, str]]:
    """200 while the database answers, 503 otherwise (for load balancers and monitors)."""
    try:
        db.session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return "database unavailable\n", 503, {"Content-Type": "text/plain"}
    return "ok\n", 200, {"Content-Type": "text/plain"}
