from __future__ import annotations

import time

from flask import Blueprint, Response, current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import db
from portal.access import device
from portal.accounts.current import SESSION_KEY as STAFF_SESSION_KEY
from portal.accounts.current import staff_required
from portal.accounts.forms import SetupPasswordForm, StaffSignInForm, TotpForm
from portal.accounts.models import StaffUser
from portal.accounts.services import (
    minimum_length_rule,
    set_password_from_setup,
    user_for_setup_token,
)
from portal.accounts.signin import (
    StaffSignInRefused,
    check_password,
    confirm_totp,
    enroll_totp,
    needs_totp,
    new_totp_secret,
    resume_staff_session,
    start_staff_session,
    totp_uri,
)
from portal.audience import PUBLIC, audience
from portal.audit.services import record, staff_actor
from portal.htmx import render_page
from portal.qr import qr_svg
from portal.ratelimit import FailureLimiter, try_again_message
from portal.sessions import forget_in_browser

bp = Blueprint("accounts", __name__, url_prefix="/staff")
STAFF_NOT_RIGHT = _l("The email address or the password is not right.")


@bp.route("/set-up/<token>", methods=["GET", "POST"])
@audience(PUBLIC)  # the one-time token is the credential
def setup_password(token: str) -> Response:
    secret_key = current_app.config["SECRET_KEY"]
    user = user_for_setup_token(db.session(), token, secret_key)
    if user is None:
        response = render_page("accounts/setup_invalid.html")
        response.status_code = 404
        return response
    form = SetupPasswordForm()
    if form.validate_on_submit():
        with db.transaction() as session:
            set_password_from_setup(session, user, form.password.data or "")
        return redirect(url_for("accounts.setup_done"), 303)  # type: ignore[return-value]
    return render_page(
        "accounts/setup_password.html",
        form=form,
        user=user,
        token=token,
        min_length_rule=minimum_length_rule(),
    )


@bp.get("/set-up/done")
@audience(PUBLIC)
def setup_done() -> Response:
    return render_page("accounts/setup_done.html")


# ---------------------------------------------------------------- staff sign-in

PENDING_KEY = "staff_pending"  # {"id": user id, "at": epoch seconds} between the two steps
ENROL_KEY = "staff_totp_enrolment"
PENDING_LIFETIME = 300


def _staff_limiter() -> FailureLimiter:
    return current_app.extensions["portal.staff_sign_in_limiter"]  # type: ignore[no-any-return]


def _pending_user() -> StaffUser | None:
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_LIFETIME:
        return None
    return db.session().get(StaffUser, pending["id"])


def _open_session(user: StaffUser) -> Response:
    token = start_staff_session(db.session(), user)
    record(db.session(), "staff.signed_in", actor=staff_actor(user))
    db.session().commit()
    language = session.get("lang")
    session.clear()  # a new session at sign-in
    if language:
        session["lang"] = language
    session[STAFF_SESSION_KEY] = token
    return redirect(url_for("accounts.workspace"), 303)  # type: ignore[return-value]


@bp.route("/sign-in", methods=["GET", "POST"])
@audience(PUBLIC)
def sign_in() -> Response:
    form = StaffSignInForm()
    status = 200
    if form.validate_on_submit():
        email = (form.email.data or "").strip().lower()
        keys = {
            "account_device": f"{email}|{device.device_id()}",
            "address": request.remote_addr or "-",
        }
        wait = _staff_limiter().blocked_for(keys)
        try:
            if wait:
                raise StaffSignInRefused
            user = check_password(db.session(), email, form.password.data or "")
        except StaffSignInRefused:
            if wait:
                form.email.errors = [try_again_message(wait)]
                status = 429
            else:
                _staff_limiter().record_failure(keys)
                form.email.errors = [str(STAFF_NOT_RIGHT)]
            record(db.session(), "staff.sign_in_failed")
            db.session().commit()
        else:
            if not needs_totp(user):
                return _open_session(user)
            session[PENDING_KEY] = {"id": user.id, "at": int(time.time())}
            target = "accounts.sign_in_code" if user.totp_secret else "accounts.two_step_setup"
            return redirect(url_for(target), 303)  # type: ignore[return-value]
    response = render_page("accounts/sign_in.html", form=form)
    response.status_code = status
    return device.remember_device(response)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@audience(PUBLIC)  # the first step's pending state is the credential
def sign_in_code() -> Response:
    user = _pending_user()
    if user is None or user.totp_secret is None:
        return redirect(url_for("accounts.sign_in"), 303)  # type: ignore[return-value]
    form = TotpForm()
    if form.validate_on_submit():
        if confirm_totp(db.session(), user, form.code.data or ""):
            return _open_session(user)
        db.session().rollback()
        record(db.session(), "staff.two_step_failed", actor=staff_actor(user))
        db.session().commit()
        form.code.errors = [_("That code is not right or was already used. Enter the newest code.")]
    return render_page("accounts/sign_in_code.html", form=form)


@bp.route("/two-step/set-up", methods=["GET", "POST"])
@audience(PUBLIC)  # the first step's pending state is the credential
def two_step_setup() -> Response:
    user = _pending_user()
    if user is None:
        return redirect(url_for("accounts.sign_in"), 303)  # type: ignore[return-value]
    secret = session.get(ENROL_KEY) or new_totp_secret()
    session[ENROL_KEY] = secret
    form = TotpForm()
    if form.validate_on_submit():
        if enroll_totp(db.session(), user, secret, form.code.data or ""):
            return _open_session(user)
        form.code.errors = [
            _("That code is not right. Check the time on your phone and try again.")
        ]
    return render_page(
        "accounts/two_step_setup.html",
        form=form,
        secret=secret,
        qr=qr_svg(totp_uri(user, secret), _("QR code to add this account to your app")),
    )


@bp.post("/sign-out")
@staff_required()
def sign_out() -> Response:
    token = session.get(STAFF_SESSION_KEY)
    if token:
        found = resume_staff_session(db.session(), token)
        if found is not None:
            found.end("signed_out")
            record(db.session(), "staff.signed_out")
        db.session().commit()
    session.clear()
    response = redirect(url_for("accounts.sign_in"), 303)
    return forget_in_browser(response)  # type: ignore[arg-type]


@bp.get("")
@staff_required()
def workspace() -> Response:
    return render_page("accounts/workspace.html")
