"""The signed-in client of this request, if any, and the guard for client pages.

Clients are not users: their sessions are rows of their own (ClientSession), resumed by the
same mechanism as staff sessions (portal.sessions)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar, cast

from flask import Flask, Response, flash, g, request, session

from portal import db, device
from portal.access.models import ClientSession
from portal.access.services import resume_session
from portal.errors import error_page
from portal.htmx import redirect_to
from portal.sessions import idle_policy, lapsed_message, note_seen_in_browser, seen_in_browser
from portal.timeutil import utcnow

SESSION_KEY = "client_token"
SEEN_KEY = "client_seen"  # the browser's stamp of its last request (portal.sessions)
# The notice version this session's client acknowledged (or found acknowledged): remembered so
# that it is not asked again on every page (issue 22). Acknowledging is never undone.
ACKNOWLEDGED_KEY = "client_notice"
F = TypeVar("F", bound=Callable[..., object])


def current_client_session() -> ClientSession | None:
    found: ClientSession | None = g.get("client_session")
    return found


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
    resumed = resume_session(db.session(), token, seen_in_browser(SEEN_KEY))
    if resumed.changed:
        db.session().commit()  # the touch (or the ending) is its own small unit of work
    if resumed.record is None:
        session.pop(SESSION_KEY, None)
        session.pop(SEEN_KEY, None)
        g.client_session_lapsed = resumed.reason or "ended"
    else:
        note_seen_in_browser(SEEN_KEY, utcnow())
    g.client_session = resumed.record


def end_sessions_here(reason: str) -> None:
    """End on the server every session this browser holds (client and staff), audited; the
    caller clears the browser's session. Replaying the old cookie afterwards opens nothing."""
    from portal.accounts.current import current_staff, sign_out_staff
    from portal.audit.services import record

    client_session = current_client_session()
    if client_session is not None:
        record(db.session(), "client.signed_out", personal_id=client_session.personal_id)
        client_session.end(reason)
        g.client_session = None
    if current_staff() is not None:
        record(db.session(), "staff.signed_out")
        sign_out_staff(reason)
    db.session().commit()


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
        from portal.accounts.current import current_staff

        signed_in = current_client_session() is not None
        kiosk = device.kiosk_name()
        staff = current_staff() is not None
        return {
            "signed_in": signed_in,
            "kiosk": kiosk,
            "idle": idle_policy(signed_in=signed_in, kiosk=bool(kiosk), staff=staff),
        }


def _acknowledged(client_session: ClientSession) -> bool:
    """Whether the client acknowledged the notice in force (remembered once true)."""
    from portal.notice.services import current_version, needs_acknowledgement

    current = current_version(db.session())
    if current is None or session.get(ACKNOWLEDGED_KEY) == current.id:
        return True
    if needs_acknowledgement(db.session(), client_session.personal_id) is not None:
        return False
    session[ACKNOWLEDGED_KEY] = current.id
    return True


def client_required(view: F) -> F:
    """Only for a signed-in client who has acknowledged the current notice."""

    @wraps(view)
    def guarded(*args: object, **kwargs: object) -> object:
        client_session = current_client_session()
        if client_session is None:
            if reason := g.get("client_session_lapsed"):
                flash(lapsed_message(reason), "warning")
            return redirect_to("access.sign_in_page")
        if request.endpoint != "notice.acknowledge" and not _acknowledged(client_session):
            return redirect_to("notice.acknowledge")
        return view(*args, **kwargs)

    return cast(F, guarded)  # same arguments; answers the view's response or a redirect
