"""The signed-in staff member's own pages: the workspace, two-step sign-in and its recovery
codes, the End User Policy."""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from flask import Response, abort, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal import db
from portal.accounts import policy
from portal.accounts.blueprint import bp
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.forms import PolicyForm
from portal.accounts.recovery import codes_left, issue_recovery_codes
from portal.accounts.sign_in_views import RECOVERY_KEY, enrol_totp, keep_recovery_codes
from portal.audit.services import record
from portal.crypto import cipher
from portal.htmx import redirect_to, render_page
from portal.notice.rendering import render_markdown
from portal.notice.services import in_language
from portal.sessions import forget_kept


@bp.route("/two-step", methods=["GET", "POST"])
@staff_required()
def two_step_optin() -> ResponseReturnValue:
    """Two-step sign-in is required for the county roles and available to everyone."""
    user = signed_in_staff()
    if user.totp_secret:
        flash(_("Two-step sign-in is already on for your account."), "info")
        return redirect(url_for("accounts.workspace"), 303)
    enrolled, page = enrol_totp(user, "accounts.two_step_optin")
    if not enrolled:
        return page
    record(db.session(), "staff.two_step_enrolled", object_type="staff_user", object_id=user.id)
    codes = issue_recovery_codes(db.session(), user, current_app.config["SECRET_KEY"])
    db.session().commit()
    flash(
        _("Two-step sign-in is on. You will need a code from your app when you sign in."), "success"
    )
    keep_recovery_codes(codes)
    return redirect(url_for("accounts.recovery_codes"), 303)


# ---------------------------------------------------------------- recovery codes


def _new_recovery_codes() -> list[str]:
    sealed = session.get(RECOVERY_KEY)
    try:
        return cipher().decrypt(sealed.encode("ascii")).decode().split("\n") if sealed else []
    except InvalidToken:
        return []


@bp.get("/two-step/recovery-codes")
@staff_required(needs_policy=False)
def recovery_codes() -> Response:
    """The new recovery codes, shown until the user says they saved them; afterwards only how
    many are left, and a button for a new set."""
    user = signed_in_staff()
    return render_page(
        "accounts/recovery_codes.html",
        codes=_new_recovery_codes(),
        left=codes_left(db.session(), user),
        enrolled=user.totp_secret is not None,
    )


@bp.get("/two-step/recovery-codes/download")
@staff_required(needs_policy=False)
def recovery_codes_download() -> ResponseReturnValue:
    codes = _new_recovery_codes()
    if not codes:
        return redirect(url_for("accounts.recovery_codes"), 303)
    user = signed_in_staff()
    lines = [
        _(
            "Recovery codes for two-step sign-in: %(portal)s",
            portal=_("HMIS Client Privacy Portal"),
        ),
        user.email,
        _("Each code works once. Keep them private, like a password."),
        "",
        *codes,
        "",
    ]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.headers["Content-Disposition"] = 'attachment; filename="recovery-codes.txt"'
    return response


@bp.post("/two-step/recovery-codes")
@staff_required(needs_policy=False)
def recovery_codes_action() -> ResponseReturnValue:
    """ "I saved them" (forget the codes here), or a new set (the old codes stop working)."""
    user = signed_in_staff()
    if not FlaskForm().validate_on_submit() or user.totp_secret is None:
        abort(400)
    if request.form.get("action") == "new":
        codes = issue_recovery_codes(db.session(), user, current_app.config["SECRET_KEY"])
        record(
            db.session(), "staff.recovery_codes_made", object_type="staff_user", object_id=user.id
        )
        db.session().commit()
        keep_recovery_codes(codes)
        return redirect(url_for("accounts.recovery_codes"), 303)
    forget_kept(RECOVERY_KEY)
    return redirect(url_for("accounts.workspace"), 303)


@bp.get("")
@staff_required()
def workspace() -> Response:
    return render_page(
        "accounts/workspace.html",
        policy_published=policy.current_policy(db.session()) is not None,
    )


# ---------------------------------------------------------------- the End User Policy


def _language() -> str:
    return str(get_locale() or "en")


@bp.route("/policy", methods=["GET", "POST"])
@staff_required(needs_policy=False)  # the one staff page open before the policy is accepted
def policy_accept() -> ResponseReturnValue:
    db_session = db.session()
    user = signed_in_staff()
    current = policy.current_policy(db_session)
    if current is None:
        abort(404)
    pending = policy.policy_to_accept(db_session, user)
    form = PolicyForm()
    if pending is not None and form.validate_on_submit():
        if form.version_id.data == str(pending.id):
            policy.accept(db_session, user, pending)
            db_session.commit()
            flash(_("Thank you. You accepted the End User Policy and Code of Ethics."), "success")
            return redirect_to("accounts.workspace")
        form.accept.errors = [_("The policy changed while you were reading. Read this version.")]
    if pending is None and request.method == "POST":
        return redirect_to("accounts.workspace")
    form.version_id.data = str(current.id)
    accepted = policy.latest_acceptance(db_session, user)
    text = in_language(current, _language())
    return render_page(
        "accounts/policy_accept.html",
        form=form,
        policy=text,
        pending=pending is not None,
        accepted=accepted if pending is None else None,
        changed=pending is not None and accepted is not None,
        in_short=render_markdown(text.text.in_short),
        body=render_markdown(text.text.body),
    )
