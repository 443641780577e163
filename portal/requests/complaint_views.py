"""The complaint pages: open to everyone (a person who cannot sign in may be the one with the
complaint), anonymous if the person wants, each step a page of its own (Post/Redirect/Get)."""

from __future__ import annotations

import hashlib

from flask import current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal import db, device
from portal.access.current import current_client_session
from portal.audience import CLIENT, PUBLIC, audience
from portal.htmx import render_page
from portal.ratelimit import FailureLimiter, retry_after
from portal.requests.blueprint import bp
from portal.requests.drafts import drop_draft, load_draft, save_draft
from portal.requests.forms import AnonymousComplaintForm, ComplaintForm
from portal.requests.models import Channel, RequestType
from portal.requests.services import (
    CLIENT_AUTHOR,
    Author,
    RequestRefused,
    by_reference,
    new_submission_key,
    open_request,
    usable_key,
)
from portal.requests.views import (
    REFUSAL_MESSAGES,
    SENT_COMPLAINT,
    channel_now,
    labels,
    language_now,
    record_submitted,
    sent_page,
)
from portal.sessions import keep_in_browser


def _complaint_limiter() -> FailureLimiter:
    found: FailureLimiter = current_app.extensions["portal.complaint_limiter"]
    return found


def _complaint_keys() -> dict[str, str]:
    return {"device": device.device_id(), "address": request.remote_addr or "-"}


def _complaint_limit() -> str | None:
    """A message when this device or address sent too many complaints without signing in."""
    wait = _complaint_limiter().blocked_for(_complaint_keys())
    if not wait:
        return None
    return str(
        _l(
            "Many complaints came from this device. Please wait %(minutes)d minutes, or call "
            "the help desk.",
            minutes=max(1, (wait + 59) // 60),
        )
    )


def _complaint_form(
    formdata: MultiDict[str, str] | None = None, *, kept: bool = False
) -> ComplaintForm:
    """kept: answers read back to check them, without a CSRF token (the POST had one)."""
    form_class = ComplaintForm if current_client_session() else AnonymousComplaintForm
    if formdata is None:
        return form_class()
    return form_class(formdata=formdata, meta={"csrf": False} if kept else {})


def _complaint_owner() -> str:
    """Whose answers these are: the signed-in client, or (without signing in) this browser."""
    client_session = current_client_session()
    if client_session is not None:
        return client_session.personal_id
    return "device:" + hashlib.sha256(device.device_id().encode()).hexdigest()[:40]


@bp.route("/complaint", methods=["GET", "POST"])
@audience(PUBLIC, CLIENT)
def complaint_form() -> ResponseReturnValue:
    """Open to everyone: a person who cannot sign in may be the one with the complaint."""
    if request.method == "GET":  # ?key=: "change your answers" from the check page
        kept = load_draft(
            db.session(), key=request.args.get("key"), kind="complaint", owner=_complaint_owner()
        )
        form = _complaint_form(kept or None)
    else:
        form = _complaint_form()
        if form.validate_on_submit():
            key = save_draft(
                db.session(),
                key=usable_key(form.submission_key.data) or new_submission_key(),
                kind="complaint",
                owner=_complaint_owner(),
                answers=MultiDict(request.form),
            )
            if key is not None:
                db.session().commit()
                response = redirect(url_for("requests.complaint_check", key=key), 303)
                return device.remember_device(response)
            form.submission_key.data = ""
    if not form.submission_key.data:
        form.submission_key.data = new_submission_key()
    device.device_id()  # the browser keeps an id, so sends are counted per device
    return device.remember_device(render_page("requests/complaint_form.html", form=form))


@bp.get("/complaint/check")
@audience(PUBLIC, CLIENT)
def complaint_check() -> ResponseReturnValue:
    """Is this right? A page of its own: Back and reload show it again, and send nothing."""
    key = request.args.get("key")
    kept = load_draft(db.session(), key=key, kind="complaint", owner=_complaint_owner())
    if not kept:
        return redirect(url_for("requests.complaint_form"), 303)
    form = _complaint_form(kept, kept=True)
    return render_page("requests/complaint_check.html", form=form, **labels())


@bp.post("/complaint/send")
@audience(PUBLIC, CLIENT)
def complaint_send() -> ResponseReturnValue:
    key = request.form.get("submission_key")
    kept = load_draft(db.session(), key=key, kind="complaint", owner=_complaint_owner())
    form = _complaint_form(kept or MultiDict(request.form), kept=True)
    if not form.validate():
        return render_page("requests/complaint_form.html", form=form)
    client_session = current_client_session()
    signed_in = client_session is not None
    limited = None if signed_in else _complaint_limit()
    if limited:
        form.description.errors = [limited]
        response = render_page("requests/complaint_form.html", form=form)
        return retry_after(response, _complaint_limiter().blocked_for(_complaint_keys()))
    # "Send it without my name": nothing links the complaint to the record it came from.
    linked = client_session is not None and not form.anonymous.data
    try:
        created = open_request(
            db.session(),
            RequestType.COMPLAINT,
            personal_id=client_session.personal_id if linked and client_session else None,
            channel=channel_now() if signed_in else Channel.WEB,
            author=CLIENT_AUTHOR if linked else Author("anonymous"),
            submission_key=form.submission_key.data or None,
            language=language_now(),
            category=form.category.data,
            description=form.description.data,
            contact_method=form.contact_method.data,
            contact_details=form.contact_details.data or None,
            complainant_name=form.name.data or None,
        )
    except RequestRefused as refused:
        flash(str(REFUSAL_MESSAGES[refused.code]), "warning")
        return render_page("requests/complaint_form.html", form=form)
    drop_draft(db.session(), key)
    record_submitted(created)
    if linked:
        return sent_page(created)
    if not signed_in:
        _complaint_limiter().record_failure(_complaint_keys())  # counts sends, not failures
    # Post/Redirect/Get: the reference waits in the session for the page that shows it.
    keep_in_browser(SENT_COMPLAINT, created.reference)
    return redirect(url_for("requests.complaint_sent"), 303)


@bp.get("/complaint/sent")
@audience(PUBLIC, CLIENT)
def complaint_sent() -> ResponseReturnValue:
    """The reference of a complaint sent without a link to a record, on its own page: Back and
    reload show it again and never send it twice."""
    reference = session.get(SENT_COMPLAINT)
    found = by_reference(db.session(), reference) if isinstance(reference, str) else None
    if found is None or found.personal_id is not None:
        return redirect(url_for("requests.complaint_form"), 303)
    return render_page("requests/complaint_sent.html", found=found, **labels())
