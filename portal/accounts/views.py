from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from cryptography.fernet import InvalidToken
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from portal import db
from portal.access import device
from portal.accounts import management, policy
from portal.accounts.current import (
    sign_in_staff,
    sign_out_staff,
    signed_in_staff,
    staff_required,
)
from portal.accounts.forms import (
    ROLE_LABELS,
    PolicyForm,
    RecoveryCodeForm,
    SetupPasswordForm,
    StaffSignInForm,
    StaffUserFilterForm,
    StaffUserForm,
    TotpForm,
)
from portal.accounts.management import grantable_roles
from portal.accounts.models import Role, StaffUser
from portal.accounts.recovery import codes_left, issue_recovery_codes, use_recovery_code
from portal.accounts.services import (
    SETUP_LINK_LIFETIME,
    AccountError,
    AgencyNeeded,
    DuplicateEmail,
    InvalidEmail,
    SetupLinkSpent,
    UnknownAgency,
    email_taken,
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
from portal.htmx import redirect_to, render_page
from portal.notice.rendering import render_markdown
from portal.notice.services import in_language
from portal.qr import qr_svg
from portal.ratelimit import FailureLimiter, retry_after, try_again_message
from portal.sessions import forget_in_browser
from portal.timeutil import utcnow

bp = Blueprint("accounts", __name__, url_prefix="/staff")
STAFF_NOT_RIGHT = _l("The email address or the password is not right.")
ACCOUNT_LOCKED = _l(
    "Your account is locked after too many wrong two-step codes. Contact your administrator "
    "to unlock it."
)


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
        try:
            with db.transaction() as session:
                set_password_from_setup(session, user, form.password.data or "")
        except SetupLinkSpent:
            response = render_page("accounts/setup_invalid.html")
            response.status_code = 404
            return response
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

PENDING_KEY = "staff_pending"  # {"id", "at": epoch seconds, "nonce"} between the two steps
ENROL_KEY = "staff_totp_enrolment"
PENDING_LIFETIME = 300


def _staff_limiter() -> FailureLimiter:
    return current_app.extensions["portal.staff_sign_in_limiter"]  # type: ignore[no-any-return]


def _two_step_limiter() -> FailureLimiter:
    return current_app.extensions["portal.two_step_limiter"]  # type: ignore[no-any-return]


def _pending_user() -> StaffUser | None:
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_LIFETIME:
        return None
    user = db.session().get(StaffUser, pending["id"])
    return None if user is None or user.locked_at is not None or not user.active else user


def _open_session(user: StaffUser, recovery_codes: list[str] | None = None) -> Response:
    language = session.get("lang")
    session.clear()  # a new session at sign-in
    if language:
        session["lang"] = language
    sign_in_staff(user)
    record(db.session(), "staff.signed_in", actor=staff_actor(user))
    db.session().commit()
    if recovery_codes:
        _keep_recovery_codes(recovery_codes)
        return redirect(url_for("accounts.recovery_codes"), 303)  # type: ignore[return-value]
    return redirect(url_for("accounts.workspace"), 303)  # type: ignore[return-value]


@bp.route("/sign-in", methods=["GET", "POST"])
@audience(PUBLIC)
def sign_in() -> Response:
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
                return redirect(url_for(target), 303)  # type: ignore[return-value]
    response = render_page("accounts/sign_in.html", form=form)
    if wait:
        retry_after(response, wait)
    return device.remember_device(response)


def _wrong_code(user: StaffUser) -> Response | None:
    """Count a wrong two-step or recovery code, on the server, per pending sign-in and per
    account (the browser's own session is a signed cookie that could be sent again as it was
    before the failures). A redirect when this pending sign-in or the account is spent."""
    db.session().rollback()
    record(db.session(), "staff.two_step_failed", actor=staff_actor(user))
    pending = session[PENDING_KEY]
    nonce = pending.get("nonce") or f"{user.id}:{pending.get('at')}"  # one made before nonces
    keys = {"pending": nonce, "account": str(user.id)}
    _two_step_limiter().record_failure(keys)
    spent = _two_step_limiter().exhausted(keys)
    if "account" in spent:
        lock_account(db.session(), user)
        session.pop(PENDING_KEY, None)
        db.session().commit()
        flash(str(ACCOUNT_LOCKED), "error")
        return redirect(url_for("accounts.sign_in"), 303)  # type: ignore[return-value]
    db.session().commit()
    if "pending" in spent:
        session.pop(PENDING_KEY, None)
        flash(_("Too many wrong codes. Enter your password again."), "warning")
        return redirect(url_for("accounts.sign_in"), 303)  # type: ignore[return-value]
    return None


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
        if spent := _wrong_code(user):
            return spent
        form.code.errors = [_("That code is not right or was already used. Enter the newest code.")]
    return render_page("accounts/sign_in_code.html", form=form)


@bp.route("/sign-in/recovery", methods=["GET", "POST"])
@audience(PUBLIC)  # the first step's pending state is the credential
def sign_in_recovery() -> Response:
    """Sign in with a one-time recovery code instead of the app's code (a lost phone)."""
    user = _pending_user()
    if user is None or user.totp_secret is None:
        return redirect(url_for("accounts.sign_in"), 303)  # type: ignore[return-value]
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
def two_step_setup() -> Response:
    user = _pending_user()
    if user is None:
        return redirect(url_for("accounts.sign_in"), 303)  # type: ignore[return-value]
    enrolled, page = _enrol_totp(user, "accounts.two_step_setup")
    if not enrolled:
        return page
    codes = issue_recovery_codes(db.session(), user, current_app.config["SECRET_KEY"])
    return _open_session(user, recovery_codes=codes)


def _enrol_totp(user: StaffUser, endpoint: str) -> tuple[bool, Response]:
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


@bp.route("/two-step", methods=["GET", "POST"])
@staff_required()
def two_step_optin() -> Response:
    """Two-step sign-in is required for the county roles and available to everyone."""
    user = signed_in_staff()
    if user.totp_secret:
        flash(_("Two-step sign-in is already on for your account."), "info")
        return redirect(url_for("accounts.workspace"), 303)  # type: ignore[return-value]
    enrolled, page = _enrol_totp(user, "accounts.two_step_optin")
    if not enrolled:
        return page
    record(db.session(), "staff.two_step_enrolled", object_type="staff_user", object_id=user.id)
    codes = issue_recovery_codes(db.session(), user, current_app.config["SECRET_KEY"])
    db.session().commit()
    flash(
        _("Two-step sign-in is on. You will need a code from your app when you sign in."), "success"
    )
    _keep_recovery_codes(codes)
    return redirect(url_for("accounts.recovery_codes"), 303)  # type: ignore[return-value]


# ---------------------------------------------------------------- recovery codes

RECOVERY_KEY = "staff_recovery_codes"  # the new codes, encrypted, until the user saved them


def _keep_recovery_codes(codes: list[str]) -> None:
    session[RECOVERY_KEY] = cipher().encrypt("\n".join(codes).encode()).decode("ascii")


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
def recovery_codes_download() -> Response:
    codes = _new_recovery_codes()
    if not codes:
        return redirect(url_for("accounts.recovery_codes"), 303)  # type: ignore[return-value]
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
def recovery_codes_action() -> Response:
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
        _keep_recovery_codes(codes)
        return redirect(url_for("accounts.recovery_codes"), 303)  # type: ignore[return-value]
    session.pop(RECOVERY_KEY, None)
    return redirect(url_for("accounts.workspace"), 303)  # type: ignore[return-value]


@bp.post("/sign-out")
@staff_required(needs_policy=False)  # someone who does not accept the policy can still leave
def sign_out() -> Response:
    record(db.session(), "staff.signed_out")  # by the staff member, before they are gone
    sign_out_staff()
    db.session().commit()
    language = session.get("lang")
    session.clear()
    if device.kiosk_name():  # a kiosk is left ready for the next client, at its first question
        return forget_in_browser(redirect(url_for("public.home"), 303))  # type: ignore[arg-type]
    if language:  # the sign-in page that follows stays in the language they read
        session["lang"] = language
    response = redirect(url_for("accounts.sign_in"), 303)
    return forget_in_browser(response)  # type: ignore[arg-type]


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
def policy_accept() -> Response:
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


# ---------------------------------------------------------------- staff accounts


def _managed_or_404(user_id: int) -> StaffUser:
    found = management.managed_user(db.session(), signed_in_staff(), user_id)
    if found is None:
        abort(404)  # also for users of other agencies: their ids reveal nothing
    return found


def _agency_choices(viewer: StaffUser, empty: str) -> list[SelectChoice]:
    agencies = management.assignable_agencies(db.session(), viewer)
    # Agency names are names: marked so no translator (person or browser) changes them.
    named = {"translate": "no"}
    return [
        SelectChoice("", empty),
        *(SelectChoice(a.organization_id, a.name, named) for a in agencies),
    ]


def _user_form(viewer: StaffUser, user: StaffUser | None = None) -> StaffUserForm:
    """The form with the roles and agencies this viewer may give; an administrator's own
    role and agency are not theirs to change, an agency administrator's agency is fixed."""
    form = StaffUserForm(obj=user) if user is not None else StaffUserForm()
    form.email_taken = lambda email: email_taken(db.session(), email, user.id if user else None)
    if user is not None and request.method == "GET":
        form.role.data = user.role.value
        form.agency.data = user.organization_id or ""
    form.role.choices = [(role.value, ROLE_LABELS[role]) for role in grantable_roles(viewer)]
    form.agency.choices = _agency_choices(viewer, _("No agency"))
    if user is not None and user.id == viewer.id:
        del form.role
        del form.agency
    elif not management.manages_everyone(viewer):
        del form.agency
    return form


def _to_user_page(user_id: int) -> Response:
    return redirect(url_for("accounts.user_show", user_id=user_id), 303)  # type: ignore[return-value]


def _show_setup_link(user: StaffUser, token: str, heading: str) -> Response:
    return render_page(
        "accounts/user_setup_link.html",
        user=user,
        heading=heading,
        link=url_for("accounts.setup_password", token=token, _external=True),
        days=SETUP_LINK_LIFETIME.days,
    )


def _field_for(error: AccountError) -> str:
    if isinstance(error, InvalidEmail | DuplicateEmail):
        return "email"
    if isinstance(error, AgencyNeeded | UnknownAgency):
        return "agency"
    return "role"


@bp.get("/users")
@staff_required(*management.MANAGER_ROLES)
def users_list() -> Response:
    viewer = signed_in_staff()
    form = StaffUserFilterForm(request.args)
    everyone = management.manages_everyone(viewer)
    if everyone:
        form.agency.choices = _agency_choices(viewer, _("All agencies"))
    valid = form.validate() if everyone and request.args.get("agency") else True
    agency = form.agency.data if everyone and valid else None
    return render_page(
        "accounts/users_list.html",
        form=form if everyone else None,
        rows=management.managed_users(db.session(), viewer, agency or None),
        agency=management.agency_name(db.session(), viewer.organization_id),
        role_labels=ROLE_LABELS,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@staff_required(*management.MANAGER_ROLES)
def user_new() -> Response:
    viewer = signed_in_staff()
    form = _user_form(viewer)
    if form.validate_on_submit():
        db_session = db.session()
        try:
            user, token = management.create_managed_user(
                db_session,
                viewer,
                email=form.email.data or "",
                name=form.name.data or "",
                role=Role(form.role.data),
                organization_id=form.agency.data if "agency" in form else None,
                secret_key=current_app.config["SECRET_KEY"],
            )
        except AccountError as error:
            db_session.rollback()
            form[_field_for(error)].errors = [str(error)]
        else:
            db_session.commit()
            return _show_setup_link(user, token, _("The account is ready"))
    return render_page(
        "accounts/user_new.html",
        form=form,
        agency=management.agency_name(db.session(), viewer.organization_id),
    )


@bp.get("/users/<int:user_id>")
@staff_required(*management.MANAGER_ROLES)
def user_show(user_id: int) -> Response:
    user = _managed_or_404(user_id)
    db_session = db.session()
    return render_page(
        "accounts/user_show.html",
        user=user,
        is_self=user.id == signed_in_staff().id,
        role_label=ROLE_LABELS[user.role],
        agency=management.agency_name(db_session, user.organization_id),
        last_sign_in=management.last_sign_in(db_session, user),
        recovery_left=codes_left(db_session, user),
        now=utcnow(),
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@staff_required(*management.MANAGER_ROLES)
def user_edit(user_id: int) -> Response:
    user = _managed_or_404(user_id)
    viewer = signed_in_staff()
    form = _user_form(viewer, user)
    if form.validate_on_submit():
        db_session = db.session()
        try:
            changed = management.update_user(
                db_session,
                viewer,
                user,
                name=form.name.data or "",
                email=form.email.data or "",
                role=Role(form.role.data) if "role" in form else user.role,
                organization_id=(form.agency.data or None)
                if "agency" in form
                else user.organization_id,
            )
        except AccountError as error:
            db_session.rollback()
            form[_field_for(error)].errors = [str(error)]
        else:
            db_session.commit()
            flash(_("The changes are saved.") if changed else _("Nothing was changed."), "success")
            return _to_user_page(user.id)
    return render_page(
        "accounts/user_edit.html",
        form=form,
        user=user,
        role_label=ROLE_LABELS[user.role],
        agency=management.agency_name(db.session(), user.organization_id),
    )


def _change(
    user_id: int, change: Callable[[Session, StaffUser, StaffUser], object]
) -> StaffUser | None:
    """Disable or enable a managed user; None (with the reason flashed) when refused."""
    user = _managed_or_404(user_id)
    db_session = db.session()
    try:
        change(db_session, signed_in_staff(), user)
    except AccountError as error:
        db_session.rollback()
        flash(str(error), "error")
        return None
    db_session.commit()
    return user


@bp.post("/users/<int:user_id>/disable")
@staff_required(*management.MANAGER_ROLES)
def user_disable(user_id: int) -> Response:
    if user := _change(user_id, management.disable_user):
        flash(_("%(name)s can no longer sign in and was signed out.", name=user.name), "success")
    return _to_user_page(user_id)


@bp.post("/users/<int:user_id>/enable")
@staff_required(*management.MANAGER_ROLES)
def user_enable(user_id: int) -> Response:
    if user := _change(user_id, management.enable_user):
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    return _to_user_page(user_id)


@bp.post("/users/<int:user_id>/unlock")
@staff_required(*management.MANAGER_ROLES)
def user_unlock(user_id: int) -> Response:
    """Lift the lock after too many wrong two-step codes (audited)."""
    if user := _change(user_id, management.unlock_user):
        _two_step_limiter().clear("account", str(user.id))
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    return _to_user_page(user_id)


@bp.post("/users/<int:user_id>/two-step/reset")
@staff_required(*management.MANAGER_ROLES)
def user_two_step_reset(user_id: int) -> Response:
    """A colleague lost their phone: their two-step sign-in and recovery codes are forgotten
    (audited) and they set it up again at their next sign-in."""
    if user := _change(user_id, management.reset_two_step):
        flash(
            _(
                "%(name)s's two-step sign-in is reset. They set it up again when they sign in.",
                name=user.name,
            ),
            "success",
        )
    return _to_user_page(user_id)


@bp.post("/users/<int:user_id>/reset")
@staff_required(*management.MANAGER_ROLES)
def user_reset(user_id: int) -> Response:
    """Recovery: a new set-up link, shown once, to hand over in person (never by email)."""
    user = _managed_or_404(user_id)
    db_session = db.session()
    try:
        secret_key = current_app.config["SECRET_KEY"]
        token = management.reset_user(db_session, signed_in_staff(), user, secret_key)
    except AccountError as error:
        db_session.rollback()
        flash(str(error), "error")
        return _to_user_page(user_id)
    db_session.commit()
    return _show_setup_link(user, token, _("The password and two-step sign-in are reset"))
