from __future__ import annotations

from flask import Blueprint, Response, redirect, session, url_for
from flask_babel import get_locale
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal import db
from portal.access import device
from portal.audience import PUBLIC, audience
from portal.htmx import render_page

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


@bp.get("/start-over")
@audience(PUBLIC)
def start_over() -> Response:
    """Where an idle kiosk goes when nobody is signed in: forget the language, start again."""
    session.clear()
    return redirect(url_for("public.home"), 303)  # type: ignore[return-value]


@bp.get("/healthz")
@audience(PUBLIC)
def healthz() -> tuple[str, int, dict[str, str]]:
    """200 while the database answers, 503 otherwise (for load balancers and monitors)."""
    try:
        db.session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return "database unavailable\n", 503, {"Content-Type": "text/plain"}
    return "ok\n", 200, {"Content-Type": "text/plain"}
