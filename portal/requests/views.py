"""The client's requests: corrections, a printed copy, complaints, and following each one.

Every request follows the same pages: a form, a check-your-answers page (the answers ride along
in hidden fields, so nothing is kept on the server or lost), one button that sends, and a
confirmation with the reference number and what happens next.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Response,
    abort,
    flash,
    redirect,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal import db
from portal.access.current import client_required, signed_in_client
from portal.audience import CLIENT, audience
from portal.audit.services import record
from portal.client.record import Item, client_record
from portal.client.record_view import record_items
from portal.hmis import items
from portal.htmx import render_page
from portal.requests import corrections
from portal.requests.blueprint import bp
from portal.requests.correction_forms import TextCorrectionForm
from portal.requests.correction_forms import correction_form as item_correction_form
from portal.requests.drafts import drop_draft, load_draft, save_draft
from portal.requests.forms import (
    CATEGORY_LABELS,
    CONTACT_LABELS,
    ConfirmForm,
    StatementForm,
    contact_href,
)
from portal.requests.labels import (
    CHANNEL_LABELS,
    CLIENT_STATUS_WORDS,
    DENIAL_REASON_LABELS,
    EVENT_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
)
from portal.requests.models import Channel, Request, RequestType
from portal.requests.services import (
    CLIENT_AUTHOR,
    RequestRefused,
    audit_request,
    by_submission_key,
    can_escalate,
    client_request,
    client_requests,
    escalate,
    has_news,
    is_overdue,
    mark_seen_by_client,
    new_submission_key,
    open_request,
    printed_copy_agency,
    usable_key,
    withdraw,
)
from portal.requests.workflow import STANDARD_MESSAGES

SENT_COMPLAINT = "sent_complaint"  # session key: the reference a sent complaint page shows
bp.add_app_template_global(contact_href, "contact_href")

REFUSAL_MESSAGES = {
    "already_open": _l("You already asked to fix this. You can follow that request."),
    "already_decided": _l("This request has already been decided, so it cannot change now."),
    "not_denied": _l("You can add a statement only after a correction is denied."),
    "already_disagreed": _l("You already added a statement to this request."),
    "stale_form": _l("This page is out of date. Start again from your record."),
}


def language_now() -> str:
    return str(get_locale() or "en")


def channel_now() -> Channel:
    return Channel.KIOSK if signed_in_client().device == "kiosk" else Channel.PHONE


def labels() -> dict[str, object]:
    return {
        "type_labels": TYPE_LABELS,
        "status_labels": STATUS_LABELS,
        "event_labels": EVENT_LABELS,
        "reason_labels": DENIAL_REASON_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "category_labels": CATEGORY_LABELS,
        "contact_labels": CONTACT_LABELS,
        "is_overdue": is_overdue,
        "can_escalate": can_escalate,
        "has_news": has_news,
        "client_status_words": CLIENT_STATUS_WORDS,
        "standard_messages": STANDARD_MESSAGES,
    }


def _own(reference: str) -> Request:
    """The signed-in client's request; anyone else's is not found (not forbidden: no hint)."""
    found = client_request(db.session(), signed_in_client().personal_id, reference)
    if found is None:
        abort(404)
    return found


def sent_page(found: Request) -> ResponseReturnValue:
    return redirect(url_for("requests.request_sent", reference=found.reference), 303)


# ------------------------------------------------------------------ following requests


@bp.get("/my-requests")
@audience(CLIENT)
@client_required
def requests_list() -> Response:
    personal_id = signed_in_client().personal_id
    found = client_requests(db.session(), personal_id)
    record(db.session(), "client.requests_viewed", personal_id=personal_id)
    db.session().commit()
    return render_page("requests/list.html", requests=found, **labels())


@bp.get("/my-requests/<reference>")
@audience(CLIENT)
@client_required
def request_show(reference: str) -> Response:
    found = _own(reference)
    audit_request(db.session(), "client.request_viewed", found)
    mark_seen_by_client(db.session(), found)
    db.session().commit()
    events = [event for event in found.events if event.client_visible]
    return render_page(
        "requests/show.html",
        found=found,
        events=events,
        withdraw_form=ConfirmForm(),
        **labels(),
    )


@bp.get("/my-requests/<reference>/sent")
@audience(CLIENT)
@client_required
def request_sent(reference: str) -> Response:
    return render_page("requests/sent.html", found=_own(reference), **labels())


@bp.route("/my-requests/<reference>/withdraw", methods=["GET", "POST"])
@audience(CLIENT)
@client_required
def request_withdraw(reference: str) -> ResponseReturnValue:
    found = _own(reference)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            withdraw(found, CLIENT_AUTHOR)
        except RequestRefused as refused:
            flash(str(REFUSAL_MESSAGES[refused.code]), "warning")
        else:
            audit_request(db.session(), "request.withdrawn", found)
            db.session().commit()
            flash(_("You withdrew request %(reference)s.", reference=found.reference), "success")
        return redirect(url_for("requests.request_show", reference=found.reference), 303)
    return render_page("requests/withdraw.html", found=found, form=form, **labels())


@bp.route("/my-requests/<reference>/statement", methods=["GET", "POST"])
@audience(CLIENT)
@client_required
def request_statement(reference: str) -> ResponseReturnValue:
    """After a denial: the client's statement of disagreement joins their record."""
    found = _own(reference)
    form = StatementForm()
    if form.validate_on_submit():
        try:
            corrections.add_disagreement(found, form.statement.data or "", CLIENT_AUTHOR)
        except RequestRefused as refused:
            flash(str(REFUSAL_MESSAGES[refused.code]), "warning")
        else:
            audit_request(db.session(), "request.statement_added", found)
            db.session().commit()
            flash(_("Your statement is now part of your record."), "success")
        return redirect(url_for("requests.request_show", reference=found.reference), 303)
    return render_page("requests/statement.html", found=found, form=form, **labels())


@bp.route("/my-requests/<reference>/escalate", methods=["GET", "POST"])
@audience(CLIENT)
@client_required
def request_escalate(reference: str) -> ResponseReturnValue:
    """A complainant not satisfied with the answer sends it on to County Community Services;
    a request whose answer is late can be sent to the HMIS lead before it is answered."""
    found = _own(reference)
    if not can_escalate(found):
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        escalate(found, CLIENT_AUTHOR)
        audit_request(db.session(), "request.escalated", found)
        db.session().commit()
        return redirect(url_for("requests.request_show", reference=found.reference), 303)
    return render_page("requests/escalate.html", found=found, form=form, **labels())


# ------------------------------------------------------------------ printed copy


@bp.route("/my-record/printed-copy", methods=["GET", "POST"])
@audience(CLIENT)
@client_required
def printed_copy() -> ResponseReturnValue:
    """On a kiosk (or anywhere): staff print the record and hand or mail it over."""
    form = ConfirmForm()
    personal_id = signed_in_client().personal_id
    if form.validate_on_submit():
        created = open_request(
            db.session(),
            RequestType.PRINTED_COPY,
            personal_id=personal_id,
            channel=channel_now(),
            author=CLIENT_AUTHOR,
            submission_key=form.submission_key.data or None,
            agency_id=printed_copy_agency(db.session(), personal_id),
            language=language_now(),
        )
        record_submitted(created)
        return sent_page(created)
    form.submission_key.data = new_submission_key()
    return render_page("requests/printed_copy.html", form=form)


def record_submitted(created: Request) -> None:
    audit_request(db.session(), "request.submitted", created)
    db.session().commit()


# ------------------------------------------------------------------ corrections


@bp.get("/my-record/correct")
@audience(CLIENT)
@client_required
def correction_choose() -> Response:
    found = client_record(db.session(), signed_in_client().personal_id)
    if found is None:
        abort(404)
    return render_page("requests/correction_choose.html", record=found)


@dataclass(frozen=True)
class _Correctable:
    item: Item
    agency: str | None  # whose queue the correction goes to
    entry: items.RecordItem
    standards: str

    def form(
        self, formdata: MultiDict[str, str] | None = None, *, kept: bool = False
    ) -> TextCorrectionForm:
        """The form asking for the item's new value (shaped by the registry of record items).
        kept: answers read back to check them, without a CSRF token (the POST had one)."""
        if formdata is None:
            return item_correction_form(self.entry, self.standards)
        meta = {"csrf": False} if kept else {}
        return item_correction_form(self.entry, self.standards, formdata=formdata, meta=meta)


def _correctable(item_key: str) -> _Correctable:
    """The item of the client's own record that a correction may ask to change, and the agency
    whose queue the correction goes to: the enrollment's, else that of the newest enrollment."""
    personal_id = signed_in_client().personal_id
    found = record_items(db.session(), personal_id, language_now())
    item = found.item(item_key) if found else None
    entry = items.entry_for(item_key)
    if found is None or item is None or entry is None or not item.correctable:
        abort(404)
    enrollments = found.enrollments  # newest first
    if item_key.startswith("enrollment."):
        enrollment_id = item_key.split(".")[1]
        enrollments = [e for e in enrollments if e.enrollment_id == enrollment_id] + enrollments
    agency = enrollments[0].agency_id if enrollments else None
    return _Correctable(item, agency, entry, found.data_standards)


def _correction_page(item: Item, form: TextCorrectionForm, already: Request | None) -> Response:
    return render_page("requests/correction_form.html", item=item, form=form, already=already)


def _draft_kind(item_key: str) -> str:
    return f"correction:{item_key}"


@bp.route("/my-record/correct/<item_key>", methods=["GET", "POST"])
@audience(CLIENT)
@client_required
def correction_form(item_key: str) -> ResponseReturnValue:
    """The form; a valid answer is kept and the check page follows as a page of its own."""
    found = _correctable(item_key)
    personal_id = signed_in_client().personal_id
    already = corrections.open_correction_for(db.session(), personal_id, item_key)
    if request.method == "GET":  # ?key=: "change your answers" from the check page
        kept = load_draft(
            db.session(), key=request.args.get("key"), kind=_draft_kind(item_key), owner=personal_id
        )
        form = found.form(kept or None)
    else:
        form = found.form()
        if form.validate_on_submit() and form.check_against(found.item):
            key = save_draft(
                db.session(),
                key=usable_key(form.submission_key.data) or new_submission_key(),
                kind=_draft_kind(item_key),
                owner=personal_id,
                answers=MultiDict(request.form),
            )
            if key is not None:
                db.session().commit()
                return redirect(
                    url_for("requests.correction_check", item_key=item_key, key=key), 303
                )
            form.submission_key.data = ""  # not a key the portal made: a new one below
    if not form.submission_key.data:
        form.submission_key.data = new_submission_key()
    return _correction_page(found.item, form, already)


@bp.get("/my-record/correct/<item_key>/check")
@audience(CLIENT)
@client_required
def correction_check(item_key: str) -> ResponseReturnValue:
    """Is this right? A page of its own: Back and reload show it again, and send nothing."""
    found = _correctable(item_key)
    personal_id = signed_in_client().personal_id
    key = request.args.get("key")
    kept = load_draft(db.session(), key=key, kind=_draft_kind(item_key), owner=personal_id)
    if not kept:
        sent = by_submission_key(db.session(), key)
        if sent is not None and sent.personal_id == personal_id:
            return sent_page(sent)  # sent already: its result, not a second send
        flash(str(REFUSAL_MESSAGES["stale_form"]), "warning")
        return redirect(url_for("requests.correction_form", item_key=item_key), 303)
    form = found.form(kept, kept=True)
    return render_page("requests/correction_check.html", item=found.item, form=form)


@bp.post("/my-record/correct/<item_key>/send")
@audience(CLIENT)
@client_required
def correction_send(item_key: str) -> ResponseReturnValue:
    found = _correctable(item_key)
    personal_id = signed_in_client().personal_id
    key = request.form.get("submission_key")
    earlier = by_submission_key(db.session(), key)
    if earlier is not None and earlier.personal_id == personal_id:
        return sent_page(earlier)  # the same form sent twice: the first result
    kept = load_draft(db.session(), key=key, kind=_draft_kind(item_key), owner=personal_id)
    form = found.form(kept or MultiDict(request.form), kept=True)
    if not (form.validate() and form.check_against(found.item)):
        flash(str(REFUSAL_MESSAGES["stale_form"]), "warning")
        return redirect(url_for("requests.correction_form", item_key=item_key), 303)
    if request.form.get("seen_value") != found.item.fingerprint:
        flash(
            _("Your record changed while you were on this page. Check what it says now."),
            "warning",
        )
        return redirect(url_for("requests.correction_form", item_key=item_key, key=key), 303)
    try:
        created = corrections.request_correction(
            db.session(),
            personal_id=personal_id,
            item_key=item_key,
            current_value=found.item.plain,
            requested_value=form.new_value(),
            requested_code=form.new_codes(),
            reason=form.reason.data or "",  # required: a str once validated
            evidence=form.evidence.data,
            agency_id=found.agency,
            channel=channel_now(),
            author=CLIENT_AUTHOR,
            submission_key=key or None,
            language=language_now(),
            earlier=earlier,
        )
    except RequestRefused as refused:
        flash(str(REFUSAL_MESSAGES[refused.code]), "warning")
        return redirect(url_for("requests.correction_form", item_key=item_key), 303)
    drop_draft(db.session(), key)
    record_submitted(created)
    return sent_page(created)


# The complaint pages and the staff's pages live in modules of their own, on this blueprint.
from portal.requests import complaint_views, queue_views, staff_views  # noqa: E402

__all__ = ["bp", "complaint_views", "queue_views", "staff_views"]
