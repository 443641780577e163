"""Staff identity through Flask-Login: the user loader resumes the server-side staff session row
(revocable, idle and absolute timeouts), `current_user` is the StaffUser, and `staff_required`
is the one role guard, built on `login_required`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar, cast

from flask import Flask, abort, flash, g, session
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from portal import db
from portal.accounts.models import Role, StaffSession, StaffUser
from portal.accounts.policy import policy_to_accept
from portal.accounts.signin import resume_staff_session, start_staff_session
from portal.errors import store_unavailable
from portal.htmx import redirect_to
from portal.sessions import lapsed_message, note_seen_in_browser, seen_in_browser
from portal.timeutil import utcnow

F = TypeVar("F", bound=Callable[..., object])
ALL_STAFF = tuple(Role)
# The policy version this session's user accepted (or was found to have accepted): remembered
# so that it is not asked again on every page (issue 22). Accepting is never undone.
POLICY_KEY = "staff_policy"
SEEN_KEY = "staff_seen"  # the browser's stamp of its last request (portal.sessions)

login_manager = LoginManager()
login_manager.session_protection = None  # the server-side session row is the protection


@login_manager.user_loader
def _load_user(token: str) -> StaffUser | None:
    """The staff user of the live session this browser's token names, or None (and the
    reason kept for the sign-in page) when it lapsed, was replaced or revoked."""
    resumed = resume_staff_session(db.session(), token, seen_in_browser(SEEN_KEY))
    if resumed.changed:
        db.session().commit()  # the touch (or the ending) is its own small unit of work
    if resumed.record is None:
        session.pop("_user_id", None)
        session.pop(SEEN_KEY, None)
        g.staff_session_lapsed = resumed.reason or "ended"
        return None
    note_seen_in_browser(SEEN_KEY, utcnow())
    user = db.session().get(StaffUser, resumed.record.staff_user_id)
    if user is not None:
        user.session_token = token
        g.staff_session = resumed.record
    return user


@login_manager.unauthorized_handler
def _unauthorized() -> object:
    if reason := g.get("staff_session_lapsed"):
        flash(lapsed_message(reason), "warning")
    return redirect_to("accounts.sign_in")


def current_staff() -> StaffUser | None:
    if store_unavailable():
        return None  # the error page of an outage: finding the user would need the database
    if session.get("_user_id") is None:  # (get: the response varies by Cookie, as before)
        return None  # nobody signed in: no need to ask Flask-Login (about 30 µs a request)
    user = current_user._get_current_object()
    return user if isinstance(user, StaffUser) else None


def signed_in_staff() -> StaffUser:
    """The staff user of a view guarded by staff_required (raises if unguarded)."""
    found = current_staff()
    if found is None:
        raise RuntimeError("this view needs @staff_required")
    return found


def current_staff_session() -> StaffSession | None:
    return g.get("staff_session") if current_staff() is not None else None


def sign_in_staff(user: StaffUser) -> None:
    """Open a new server-side session for this user (ending their others) and carry its token
    in this browser's session; the caller commits."""
    user.session_token = start_staff_session(db.session(), user)
    login_user(user)


def sign_out_staff(reason: str = "signed_out") -> StaffSession | None:
    """End this browser's staff session on the server and forget it here."""
    found = current_staff_session()
    if found is not None:
        found.end(reason)
        db.session().flush()
    logout_user()
    return found


def _resolve_staff() -> None:
    current_staff()


def init_app(app: Flask) -> None:
    # Templates get the staff user as staff_user (current_staff), never Flask-Login's
    # current_user: that one would load the user even for an outage's error page.
    login_manager.init_app(app, add_context_processor=False)
    # Resolve the staff user before the view runs, so the session's touch is committed on its
    # own and never together with half of a view's work.
    app.before_request(_resolve_staff)

    @app.context_processor
    def _staff() -> dict[str, object]:
        return {"staff_user": current_staff()}


def _policy_accepted(user: StaffUser) -> bool:
    from portal.accounts.policy import current_policy

    current = current_policy(db.session())
    if current is None or session.get(POLICY_KEY) == current.id:
        return True
    if policy_to_accept(db.session(), user) is not None:
        return False
    session[POLICY_KEY] = current.id
    return True


def staff_required(*roles: Role, needs_policy: bool = True) -> Callable[[F], F]:
    """Only for a signed-in staff user with one of these roles (any staff role when none).

    needs_policy: the user must first accept the End User Policy and Code of Ethics in force
    (DESIGN.md 2); only the policy page itself and signing out do without."""
    allowed = frozenset(roles or ALL_STAFF)

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: object, **kwargs: object) -> object:
            user = signed_in_staff()
            if user.role not in allowed:
                abort(403)
            if needs_policy and not _policy_accepted(user):
                return redirect_to("accounts.policy_accept")
            return view(*args, **kwargs)

        checked = login_required(guarded)
        audience = frozenset(role.value for role in allowed)
        checked.audience = audience  # type: ignore[attr-defined]  # portal.audience's mark on the function
        return cast(F, checked)  # same arguments; answers the view's response or a redirect

    return decorate
