from __future__ import annotations

import hashlib
import json
import time

from cryptography.fernet import InvalidToken
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup

from portal import db, device
from portal.access.current import SESSION_KEY, current_client_session, end_sessions_here
from portal.access.forms import (
    DateOfBirthForm,
    FindClientForm,
    IssueCodeForm,
    KioskForm,
    SignInForm,
)
from portal.access.models import AccessCode, ClientSession
from portal.access.services import (
    HandOffRefused,
    SignInRefused,
    client_for_staff,
    code_holder,
    hold_key,
    issue_access_code,
    live_code_of,
    live_hand_off,
    normalize_code,
    redeem_hand_off,
    revoke_codes,
    sign_in,
)
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.models import Role
from portal.audience import PUBLIC, audience
from portal.audit.services import record
from portal.config import secret_key
from portal.crypto import cipher
from portal.hmis.models import IdentityVersion
from portal.htmx import render_page
from portal.notice.services import needs_acknowledgement
from portal.qr import qr_svg
from portal.ratelimit import FailureLimiter, retry_after, try_again_message
from portal.security import QUICK_EXIT_URL
from portal.sessions import forget_in_browser
from portal.timeutil import utcnow

bp = Blueprint("access", __name__)
PREFILLED_CODE = "prefilled_code"
# One answer for every failure: unknown, revoked or expired code, or wrong date of birth.
NOT_RIGHT = _l("The access code or the date of birth is not right. Check both and try again.")


def limiter() -> FailureLimiter:
    found: FailureLimiter = current_app.extensions["portal.sign_in_limiter"]
    return found


def _limit_keys(typed_code: str) -> dict[str, str]:
    """Failures count per access code (per client for a known code), per device and per
    address; nothing counts for everybody. A device where a client signed in before, or a
    registered kiosk, is not slowed by what others at its address do."""
    holder = code_holder(db.session(), typed_code, secret_key())
    code_key = (
        hold_key(holder)
        if holder
        else hashlib.sha256(normalize_code(typed_code).encode()).hexdigest()[:32]
    )
    keys = {"device": device.device_id(), "code": code_key}
    if not device.device_trusted():
        keys["address"] = request.remote_addr or "-"
    return keys


def _held_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "This access code is on hold after too many tries. Try again in %(num)d minute, or ask "
        "the staff at your agency to lift the hold.",
        "This access code is on hold after too many tries. Try again in %(num)d minutes, or "
        "ask the staff at your agency to lift the hold.",
        minutes,
    )


def _enter(opened: ClientSession, token: str, action: str) -> ResponseReturnValue:
    """Record the new client session, give the browser a fresh cookie for it, go to their page."""
    record(
        db.session(),
        action,
        personal_id=opened.personal_id,
        object_type="client_session",
        object_id=opened.id,
    )
    db.session().commit()
    language = session.get("lang")
    session.clear()  # a new session at sign-in: nothing from before carries over
    if language:  # except the language the person chose to read in
        session["lang"] = language
    session[SESSION_KEY] = token
    device.trust_device()
    response = redirect(url_for("client.home"), 303)
    return device.remember_device(response)


@bp.route("/sign-in", methods=["GET", "POST"])
@audience(PUBLIC)
def sign_in_page() -> ResponseReturnValue:
    if request.method == "GET" and "code" in request.args:
        # From a QR code: keep the code out of the address bar and the history.
        session[PREFILLED_CODE] = request.args["code"][:40]
        return redirect(url_for("access.sign_in_page"), 303)
    form = SignInForm()
    if request.method == "GET":
        form.code.data = session.pop(PREFILLED_CODE, None)
    wait = 0
    if form.validate_on_submit():
        keys = _limit_keys(form.code.data or "")
        wait = limiter().blocked_for(keys)
        if wait:
            held = "code" in limiter().exhausted(keys)
            form.code.errors = [_held_message(wait) if held else try_again_message(wait)]
            record(db.session(), "client.sign_in_limited")
            db.session().commit()
        else:
            try:
                opened, token = sign_in(
                    db.session(),
                    form.code.data or "",
                    form.valid_date_of_birth(),
                    secret_key(),
                    device.device_kind(),
                )
            except SignInRefused:
                limiter().record_failure(keys)
                form.code.errors = [str(NOT_RIGHT)]
                record(db.session(), "client.sign_in_failed")
                db.session().commit()
            else:
                return _enter(opened, token, "client.signed_in")
    response = render_page("access/sign_in.html", form=form, is_kiosk=device.kiosk_name())
    if wait:
        retry_after(response, wait)
    return device.remember_device(response)


def _end_client_session(reason: str) -> None:
    client_session = current_client_session()
    if client_session is not None:
        client_session.end(reason)
        record(db.session(), "client.signed_out", personal_id=client_session.personal_id)
        db.session().commit()


@bp.post("/sign-out")
@audience(PUBLIC)  # anyone may clear this browser: the button must work on a lapsed session too
def sign_out() -> ResponseReturnValue:
    _end_client_session("signed_out")
    language = session.get("lang")
    session.clear()
    # A kiosk goes straight back to its first question for the next person; on their own device
    # the person who signed out goes on reading in their language.
    if language and not device.kiosk_name():
        session["lang"] = language
    landing = "public.home" if device.kiosk_name() else "access.signed_out"
    response = redirect(url_for(landing), 303)
    return forget_in_browser(response)


@bp.app_context_processor
def _quick_exit_context() -> dict[str, str]:
    return {"quick_exit_url": url_for("public.home") if device.kiosk_name() else QUICK_EXIT_URL}


@bp.post("/leave-quickly")
@audience(PUBLIC)  # like signing out, it must work whatever state the session is in
def quick_exit() -> ResponseReturnValue:
    """Leave this page quickly: end the session, forget everything, show a neutral site.

    With JavaScript the page replaces itself with the neutral site at once and this runs in the
    background (portal.js), so a leave never waits on the network."""
    _end_client_session("quick_exit")
    session.clear()
    # A kiosk stays on its own start page for the next person; a phone goes elsewhere.
    target = url_for("public.home") if device.kiosk_name() else QUICK_EXIT_URL
    return forget_in_browser(redirect(target, 303))


@bp.get("/signed-out")
@audience(PUBLIC)
def signed_out() -> Response:
    return render_page("access/signed_out.html")


def _hand_off_gone() -> Response:
    response = render_page("access/hand_off_invalid.html")
    response.status_code = 404
    return response


@bp.route("/continue/<token>", methods=["GET", "POST"])
@audience(PUBLIC)  # the one-time token from the kiosk is the credential, with the date of birth
def hand_off_redeem(token: str) -> ResponseReturnValue:
    if live_hand_off(db.session(), token) is None:
        return _hand_off_gone()
    form = DateOfBirthForm()
    if form.validate_on_submit():
        try:
            opened, session_token = redeem_hand_off(
                db.session(),
                token,
                form.valid_date_of_birth(),
            )
        except HandOffRefused:
            record(db.session(), "client.hand_off_failed")
            db.session().commit()  # the failure is counted; three spend the link
            if live_hand_off(db.session(), token) is None:
                return _hand_off_gone()
            form.dob_month.errors = [_("That date of birth is not right.")]
        else:
            return _enter(opened, session_token, "client.hand_off_used")
    return render_page("access/hand_off_redeem.html", form=form, token=token)


# ---------------------------------------------------------------- staff: codes and kiosks

CODE_ISSUERS = (Role.AGENCY_STAFF, Role.AGENCY_ADMIN, Role.HMIS_LEAD)


def _render_confirm(form: IssueCodeForm, client: IdentityVersion) -> Response:
    # Staff see the client's name and date of birth here: a view of client data.
    record(db.session(), "client.identity_viewed", personal_id=client.personal_id)
    db.session().commit()
    pending = needs_acknowledgement(db.session(), client.personal_id)
    return render_page(
        "access/code_confirm.html",
        form=form,
        client=client,
        pending_notice=pending,
        live_code=live_code_of(db.session(), client.personal_id),
    )


@bp.route("/staff/access-codes/new", methods=["GET", "POST"])
@staff_required(*CODE_ISSUERS)
def code_new() -> Response:
    """Find the client; staff then check identity in person before issuing."""
    form = FindClientForm()
    if form.validate_on_submit():
        user = signed_in_staff()
        client = client_for_staff(db.session(), user, form.personal_id.data or "")
        if client is not None:
            issue_form = IssueCodeForm(personal_id=client.personal_id)
            return _render_confirm(issue_form, client)
        form.personal_id.errors = [
            _("No client with this ID is enrolled at your agency. Check the ID in the HMIS.")
        ]
    return render_page("access/code_new.html", form=form)


SLIP_KEY = "code_slip"  # the slip last issued in this browser, encrypted: reloading shows it again
SLIP_SHOWN_FOR = 3600  # seconds a slip can be shown (and printed) again after it was issued


@bp.post("/staff/access-codes")
@staff_required(*CODE_ISSUERS)
def code_create() -> ResponseReturnValue:
    """Issue a code, then show its slip (POST, redirect, GET): reloading the slip shows the same
    code and revokes nothing. Replacing a working code is its own explicit, audited choice."""
    user = signed_in_staff()
    form = IssueCodeForm()
    client = client_for_staff(db.session(), user, form.personal_id.data or "")
    if client is None:
        abort(404)
    if not form.validate_on_submit():
        return _render_confirm(form, client)
    replacing = live_code_of(db.session(), client.personal_id) is not None
    if replacing and form.replace.data != "1":
        form.replace.errors = [_("This client has a working code. Choose to replace it or not.")]
        return _render_confirm(form, client)
    code = issue_access_code(db.session(), client.personal_id, secret_key(), issued_by_id=user.id)
    issued = live_code_of(db.session(), client.personal_id)
    action = "access_code.replaced" if replacing else "access_code.issued"
    record(db.session(), action, personal_id=client.personal_id)
    db.session().commit()
    slip = {
        "code": code,
        "code_id": issued.id if issued else None,
        "personal_id": client.personal_id,
        "language": form.language.data or "en",
        "at": int(time.time()),
    }
    session[SLIP_KEY] = cipher().encrypt(json.dumps(slip).encode()).decode("ascii")
    return redirect(url_for("access.code_slip"), 303)


@bp.get("/staff/access-codes/slip")
@staff_required(*CODE_ISSUERS)
def code_slip() -> ResponseReturnValue:
    """The slip of the code this browser issued last, as often as it is reloaded or printed,
    while the code works. The code itself is kept only in this browser's session, encrypted."""
    sealed = session.get(SLIP_KEY)
    try:
        slip = json.loads(cipher().decrypt(sealed.encode("ascii"))) if sealed else None
    except InvalidToken:
        slip = None
    client = slip and client_for_staff(db.session(), signed_in_staff(), slip["personal_id"])
    if not slip or client is None:
        return redirect(url_for("access.code_new"), 303)
    issued = db.session().get(AccessCode, slip["code_id"]) if slip["code_id"] else None
    if issued is None or issued.revoked_at is not None or issued.expires_at <= utcnow():
        session.pop(SLIP_KEY, None)
        return render_page("access/code_issued.html", slip=None, client=client, gone=True)
    if time.time() - slip.get("at", 0) > SLIP_SHOWN_FOR:
        session.pop(SLIP_KEY, None)  # the code still works; its slip is not shown any more
        return render_page("access/code_issued.html", slip=None, client=client, gone=False)
    code, language = slip["code"], slip["language"]
    link = url_for("access.sign_in_page", code=code.replace("-", ""), _external=True)
    with force_locale(language):
        paper = render_template(
            "access/_code_slip.html",
            code=code,
            link=url_for("access.sign_in_page", _external=True),
            qr=qr_svg(link, _("QR code that opens the sign-in page with your code")),
            expires=issued.expires_at.date(),
            language=language,
        )
    return render_page("access/code_issued.html", slip=Markup(paper), client=client)  # noqa: S704


@bp.post("/staff/access-codes/revoke")
@staff_required(*CODE_ISSUERS)
def code_revoke() -> ResponseReturnValue:
    user = signed_in_staff()
    form = IssueCodeForm()
    client = client_for_staff(db.session(), user, form.personal_id.data or "")
    if client is None or not form.validate_on_submit():
        abort(404)
    revoked = revoke_codes(db.session(), client.personal_id)
    session.pop(SLIP_KEY, None)
    record(db.session(), "access_code.revoked", personal_id=client.personal_id)
    db.session().commit()
    flash(
        _("The client's access code no longer works.")
        if revoked
        else _("The client had no working access code."),
        "success",
    )
    return redirect(url_for("accounts.workspace"), 303)


def sign_in_hold(personal_id: str) -> int:
    """Seconds this client's sign-in stays on hold after too many wrong tries (0: none)."""
    return limiter().blocked_for({"code": hold_key(personal_id)})


@bp.app_context_processor
def _hold_for_templates() -> dict[str, object]:
    return {"sign_in_hold": sign_in_hold}


@bp.post("/staff/access-codes/hold/lift")
@staff_required(*CODE_ISSUERS)
def hold_lift() -> ResponseReturnValue:
    """Lift the hold on a client's sign-in (after too many wrong dates of birth), audited."""
    form = IssueCodeForm()
    client = client_for_staff(db.session(), signed_in_staff(), form.personal_id.data or "")
    if client is None or not form.validate_on_submit():
        abort(404)
    limiter().clear("code", hold_key(client.personal_id))
    record(db.session(), "client.sign_in_hold_lifted", personal_id=client.personal_id)
    db.session().commit()
    flash(_("The hold is lifted. The client can sign in again now."), "success")
    if request.form.get("back") == "client":
        return redirect(url_for("sharing.client_page", personal_id=client.personal_id), 303)
    return redirect(url_for("access.code_new"), 303)


@bp.route("/staff/kiosk", methods=["GET", "POST"])
@staff_required(*CODE_ISSUERS)
def kiosk_edit() -> ResponseReturnValue:
    form = KioskForm()
    if form.validate_on_submit():
        # The kiosk is a device of its own, used by anyone: the staff member who set it up is
        # signed out in this browser, and it gets a new device key.
        record(db.session(), "kiosk.registered")
        end_sessions_here("kiosk_set_up")
        session.clear()
        device.new_device()
        response = redirect(url_for("public.home"), 303)
        device.mark_as_kiosk(response, (form.name.data or "").strip()[:60])
        device.remember_device(response)
        flash(_("This device is now a kiosk. You were signed out here."), "success")
        return response
    return render_page("access/kiosk_edit.html", form=form, kiosk=device.kiosk_name())


@bp.post("/staff/kiosk/stop")
@staff_required(*CODE_ISSUERS)
def kiosk_stop() -> ResponseReturnValue:
    if not FlaskForm().validate_on_submit():
        abort(400)
    response = redirect(url_for("accounts.workspace"), 303)
    response.delete_cookie(device.KIOSK_COOKIE)
    flash(_("This device is no longer a kiosk."), "success")
    return response
