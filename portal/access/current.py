"""The signed-in client of this request, if any, and the guard for client pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import Flask, Response, flash, g, request, session

from portal import db
from portal.access import device
from portal.access.models import ClientSession
from portal.access.services import resume_session
from portal.errors import error_page
from portal.htmx import redirect_to
from portal.sessions import LAPSED_MESSAGE, idle_policy

SESSION_KEY = "client_token"
F = TypeVar("F", bound=Callable[..., object])


def current_client_session() -> ClientSession | None:
    return g.get("client_session")


def signed_in_client() -> ClientSession:
    """The client session of a view guarded by client_required (raises if unguarded)."""
    found = current_client_session()
    if found is None:
        raise RuntimeError("this view needs @client_required")
    return found


def _load_client() -> None:
    g.client_session = None
    token = session.get(SESSION_KEY)
    if not token:
        return
    found = resume_session(db.session(), token)
    db.session().commit()  # the touch (or the ending) is its own small unit of work
    if found is None:
        session.pop(SESSION_KEY, None)
        g.client_session_lapsed = True
    g.client_session = found


def _no_downloads_on_kiosks(response: Response) -> Response:
    """A file saved on a shared kiosk stays there for the next person: never send one."""
    disposition = response.headers.get("Content-Disposition", "")
    if disposition.startswith("attachment") and device.kiosk_name():
        return error_page(403)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_load_client)
    app.after_request(_no_downloads_on_kiosks)

    @app.context_processor
    def _signed_in() -> dict[str, object]:
        signed_in = current_client_session() is not None
        kiosk = device.kiosk_name()
        staff = g.get("staff_user") is not None
        return {
            "signed_in": signed_in,
            "kiosk": kiosk,
            "idle": idle_policy(signed_in=signed_in, kiosk=bool(kiosk), staff=staff),
        }


def client_required(view: F) -> F:
    """Only for a signed-in client who has acknowledged the current notice."""

    @wraps(view)
    def guarded(*args: object, **kwargs: object) -> object:
        client_session = current_client_session()
        if client_session is None:
            if g.get("client_session_lapsed"):
                flash(str(LAPSED_MESSAGE), "warning")
            return redirect_to("access.sign_in_page")
        from portal.notice.services import needs_acknowledgement

        pending = needs_acknowledgement(db.session(), client_session.personal_id)
        if pending is not None and request.endpoint != "notice.acknowledge":
            return redirect_to("notice.acknowledge")
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]
