"""Staff sign-in: the one-time set-up link, password, the two-step code or a recovery code,
enrolling in two-step sign-in, and signing out."""

from __future__ import annotations

import secrets
import time

from flask import Response, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from portal import db, device
from portal.accounts.blueprint import bp
from portal.accounts.current import sign_in_staff, sign_out_staff, staff_required
from portal.accounts.forms import RecoveryCodeForm, SetupPasswordForm, StaffSignInForm, TotpForm
from portal.accounts.models import StaffUser
from portal.accounts.recovery import codes_left, issue_recovery_codes, use_recovery_code
from portal.accounts.services import (
    SetupLinkSpent,
    minimum_length_rule,
    set_password_from_setup,
    user_for_setup_token,
)
from portal.accounts.signin import (
    StaffSignInRefused,
    check_password,
    confirm_totp,
    enroll_totp,
    lock_account,
    needs_totp,
    new_totp_secret,
    totp_uri,
)
from portal.audience import PUBLIC, audience
from portal.audit.services import record, staff_actor
from portal.crypto import cipher
from portal.htmx import render_page
from portal.qr import qr_svg
from portal.ratelimit import FailureLimiter, retry_after, try_again_message
from portal.sessions import forget_in_browser

STAFF_NOT_RIGHT = _l("The email address or the password is not right.")
ACCOUNT_LOCKED = _l(
    "Your account is locked after too many wrong two-step codes. Contact your administrator "
    "to unlock it."
)


@bp.route("/set-up/<token>", methods=["GET", "POST"])
@audience(PUBLIC)  # the one-time token is the credential
def setup_password(token: str) -> ResponseReturnValue:
    secret_key = current_app.config["SECRET_KEY"]
    user = user_for_setup_token(db.session(), token, secret_key)
    if user is None:
        response = render_page("accounts/setup_invalid.html")
        response.status_code = 404
        return response
    form = SetupPasswordForm()
    if form.validate_on_submit():
        try:
            with db.transaction() as session:
                set_password_from_setup(session, user, form.password.data or "")
        except SetupLinkSpent:
            response = render_page("accounts/setup_invalid.html")
            response.status_code = 404
            return response
        return redirect(url_for("accounts.setup_done"), 303)
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

PENDING_KEY = "staff_pending"  # {"id", "at": epoch seconds, "nonce"} between the two steps
ENROL_KEY = "staff_totp_enrolment"
PENDING_LIFETIME = 300


def _staff_limiter() -> FailureLimiter:
    limiter: FailureLimiter = current_app.extensions["portal.staff_sign_in_limiter"]
    return limiter


def two_step_limiter() -> FailureLimiter:
    limiter: FailureLimiter = current_app.extensions["portal.two_step_limiter"]
    return limiter


def _pending_user() -> StaffUser | None:
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_LIFETIME:
        return None
    user = db.session().get(StaffUser, pending["id"])
    return None if user is None or user.locked_at is not None or not user.active else user


def _open_session(user: StaffUser, recovery_codes: list[str] | None = None) -> ResponseReturnValue:
    language = session.get("lang")
    session.clear()  # a new session at sign-in
    if language:
        session["lang"] = language
    sign_in_staff(user)
    record(db.session(), "staff.signed_in", actor=staff_actor(user))
    db.session().commit()
    if recovery_codes:
        keep_recovery_codes(recovery_codes)
        return redirect(url_for("accounts.recovery_codes"), 303)
    return redirect(url_for("accounts.workspace"), 303)


@bp.route("/sign-in", methods=["GET", "POST"])
@audience(PUBLIC)
def sign_in() -> ResponseReturnValue:
    form = StaffSignInForm()
    wait = 0
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
            else:
                _staff_limiter().record_failure(keys)
                form.email.errors = [str(STAFF_NOT_RIGHT)]
            record(db.session(), "staff.sign_in_failed")
            db.session().commit()
        else:
            if user.locked_at is not None:
                form.email.errors = [str(ACCOUNT_LOCKED)]
                record(db.session(), "staff.sign_in_locked", actor=staff_actor(user))
                db.session().commit()
            elif not needs_totp(user):
                return _open_session(user)
            else:
                session[PENDING_KEY] = {
                    "id": user.id,
                    "at": int(time.time()),
                    "nonce": secrets.token_urlsafe(16),
                }
                target = "accounts.sign_in_code" if user.totp_secret else "accounts.two_step_setup"
                return redirect(url_for(target), 303)
    response = render_page("accounts/sign_in.html", form=form)
    if wait:
        retry_after(response, wait)
    return device.remember_device(response)


def _wrong_code(user: StaffUser) -> ResponseReturnValue | None:
    """Count a wrong two-step or recovery code, on the server, per pending sign-in and per
    account (the browser's own session is a signed cookie that could be sent again as it was
    before the failures). A redirect when this pending sign-in or the account is spent."""
    db.session().rollback()
    record(db.session(), "staff.two_step_failed", actor=staff_actor(user))
    pending = session[PENDING_KEY]
    nonce = pending.get("nonce") or f"{user.id}:{pending.get('at')}"  # one made before nonces
    keys = {"pending": nonce, "account": str(user.id)}
    two_step_limiter().record_failure(keys)
    spent = two_step_limiter().exhausted(keys)
    if "account" in spent:
        lock_account(db.session(), user)
        session.pop(PENDING_KEY, None)
        db.session().commit()
        flash(str(ACCOUNT_LOCKED), "error")
        return redirect(url_for("accounts.sign_in"), 303)
    db.session().commit()
    if "pending" in spent:
        session.pop(PENDING_KEY, None)
        flash(_("Too many wrong codes. Enter your password again."), "warning")
        return redirect(url_for("accounts.sign_in"), 303)
    return None


@bp.route("/sign-in/code", methods=["GET", "POST"])
@audience(PUBLIC)  # the first step's pending state is the credential
def sign_in_code() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or user.totp_secret is None:
        return redirect(url_for("accounts.sign_in"), 303)
    form = TotpForm()
    if form.validate_on_submit():
        if confirm_totp(db.session(), user, form.code.data or ""):
            return _open_session(user)
        if spent := _wrong_code(user):
            return spent
        form.code.errors = [_("That code is not right or was already used. Enter the newest code.")]
    return render_page("accounts/sign_in_code.html", form=form)


@bp.route("/sign-in/recovery", methods=["GET", "POST"])
@audience(PUBLIC)  # the first step's pending state is the credential
def sign_in_recovery() -> ResponseReturnValue:
    """Sign in with a one-time recovery code instead of the app's code (a lost phone)."""
    user = _pending_user()
    if user is None or user.totp_secret is None:
        return redirect(url_for("accounts.sign_in"), 303)
    form = RecoveryCodeForm()
    if form.validate_on_submit():
        secret_key = current_app.config["SECRET_KEY"]
        if use_recovery_code(db.session(), user, form.code.data or "", secret_key):
            record(db.session(), "staff.recovery_code_used", actor=staff_actor(user))
            left = codes_left(db.session(), user)
            response = _open_session(user)
            flash(
                ngettext(
                    "You signed in with a recovery code. You have %(num)d code left.",
                    "You signed in with a recovery code. You have %(num)d codes left.",
                    left,
                ),
                "warning",
            )
            return response
        if spent := _wrong_code(user):
            return spent
        form.code.errors = [_("That recovery code is not right or was already used.")]
    return render_page("accounts/sign_in_recovery.html", form=form)


@bp.route("/two-step/set-up", methods=["GET", "POST"])
@audience(PUBLIC)  # the first step's pending state is the credential
def two_step_setup() -> ResponseReturnValue:
    user = _pending_user()
    if user is None:
        return redirect(url_for("accounts.sign_in"), 303)
    enrolled, page = enrol_totp(user, "accounts.two_step_setup")
    if not enrolled:
        return page
    codes = issue_recovery_codes(db.session(), user, current_app.config["SECRET_KEY"])
    return _open_session(user, recovery_codes=codes)


def enrol_totp(user: StaffUser, endpoint: str) -> tuple[bool, Response]:
    """The QR code and code form; True once the code from the app proves the enrolment."""
    secret = session.get(ENROL_KEY) or new_totp_secret()
    session[ENROL_KEY] = secret
    form = TotpForm()
    if form.validate_on_submit():
        if enroll_totp(db.session(), user, secret, form.code.data or ""):
            session.pop(ENROL_KEY, None)
            return True, Response()
        form.code.errors = [
            _("That code is not right. Check the time on your phone and try again.")
        ]
    return False, render_page(
        "accounts/two_step_setup.html",
        form=form,
        secret=secret,
        action=url_for(endpoint),
        optional=not user.role.needs_two_step,
        qr=qr_svg(totp_uri(user, secret), _("QR code to add this account to your app")),
    )


# ---------------------------------------------------------------- recovery codes

RECOVERY_KEY = "staff_recovery_codes"  # the new codes, encrypted, until the user saved them


def keep_recovery_codes(codes: list[str]) -> None:
    session[RECOVERY_KEY] = cipher().encrypt("\n".join(codes).encode()).decode("ascii")


@bp.post("/sign-out")
@staff_required(needs_policy=False)  # someone who does not accept the policy can still leave
def sign_out() -> ResponseReturnValue:
    record(db.session(), "staff.signed_out")  # by the staff member, before they are gone
    sign_out_staff()
    db.session().commit()
    language = session.get("lang")
    session.clear()
    if device.kiosk_name():  # a kiosk is left ready for the next client, at its first question
        return forget_in_browser(redirect(url_for("public.home"), 303))
    if language:  # the sign-in page that follows stays in the language they read
        session["lang"] = language
    response = redirect(url_for("accounts.sign_in"), 303)
    return forget_in_browser(response)
