"""The signed-in staff user of this request, and the guard for staff pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import Flask, abort, flash, g, session

from portal import db
from portal.accounts.models import Role, StaffUser
from portal.accounts.policy import policy_to_accept
from portal.accounts.signin import resume_staff_session
from portal.htmx import redirect_to
from portal.sessions import LAPSED_MESSAGE

SESSION_KEY = "staff_token"
F = TypeVar("F", bound=Callable[..., object])
ALL_STAFF = tuple(Role)


def current_staff() -> StaffUser | None:
    return g.get("staff_user")


def signed_in_staff() -> StaffUser:
    """The staff user of a view guarded by staff_required (raises if unguarded)."""
    found = current_staff()
    if found is None:
        raise RuntimeError("this view needs @staff_required")
    return found


def _load_staff() -> None:
    g.staff_user = None
    token = session.get(SESSION_KEY)
    if not token:
        return
    found = resume_staff_session(db.session(), token)
    db.session().commit()
    if found is None:
        session.pop(SESSION_KEY, None)
        g.staff_session_lapsed = True
        return
    g.staff_user = db.session().get(StaffUser, found.staff_user_id)


def init_app(app: Flask) -> None:
    app.before_request(_load_staff)

    @app.context_processor
    def _staff() -> dict[str, object]:
        return {"staff_user": current_staff()}


def staff_required(*roles: Role, needs_policy: bool = True) -> Callable[[F], F]:
    """Only for a signed-in staff user with one of these roles (any staff role when none).

    needs_policy: the user must first accept the End User Policy and Code of Ethics in force
    (DESIGN.md 2); only the policy page itself and signing out do without."""
    allowed = frozenset(roles or ALL_STAFF)

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: object, **kwargs: object) -> object:
            user = current_staff()
            if user is None:
                if g.get("staff_session_lapsed"):
                    flash(str(LAPSED_MESSAGE), "warning")
                return redirect_to("accounts.sign_in")
            if user.role not in allowed:
                abort(403)
            if needs_policy and policy_to_accept(db.session(), user) is not None:
                return redirect_to("accounts.policy_accept")
            return view(*args, **kwargs)

        guarded.audience = frozenset(role.value for role in allowed)  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate
