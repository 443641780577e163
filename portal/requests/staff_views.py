"""The staff side of requests: the queue and the request page with its actions.

The queue's filters live in the URL (plain links and a GET form; htmx swaps only the results).
Each action on a request is a POST that names the version of the request the page showed.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from portal import db
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.models import Role, StaffUser
from portal.audit.services import record
from portal.hmis import items
from portal.htmx import render_page
from portal.notice.services import current_version, in_language
from portal.requests import corrections, queue, workflow
from portal.requests.forms import CATEGORY_LABELS, CONTACT_LABELS
from portal.requests.labels import (
    CHANNEL_LABELS,
    DENIAL_REASON_LABELS,
    EVENT_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
)
from portal.requests.models import Channel, Request, RequestType, Status
from portal.requests.services import OPEN, RequestRefused, audit_request, is_overdue, open_request
from portal.requests.staff_forms import (
    ENTERED_TYPES,
    STAFF_CHANNELS,
    DecisionForm,
    EnterRequestForm,
    ExtendForm,
    MessageForm,
    NoteForm,
    VersionedForm,
)
from portal.sharing import services as sharing
from portal.sharing.rule import Viewer, is_own_agency_client, visible_record

bp = Blueprint("staff_requests", __name__)

STAFF_REFUSALS = {
    "stale_page": _l(
        "Someone changed this request while you had it open. This is how it is now: "
        "check it and try again."
    ),
    "claimed_by_other": _l(
        "Another staff member is working on this request. Ask them, or wait until they release it."
    ),
    "already_extended": _l("This request was already extended once."),
    "already_decided": _l("This request is already decided."),
    "value_needed": _l("Enter the value you recorded."),
    "reason_needed": _l("Choose HUD's reason for the denial."),
    "handover_needed": _l("Say how the copy reached the client."),
    "response_needed": _l("Write your answer to the client."),
    "unknown_outcome": _l("That decision does not fit this request."),
    "unknown_message": _l("That standard message does not exist."),
}
OUTCOMES = {
    RequestType.CORRECTION: ("approved", "partly_approved", "denied"),
    RequestType.PRINTED_COPY: ("completed", "denied"),
    RequestType.SHARING_REFUSAL: ("acknowledged",),
    RequestType.SHARING_RESTORE: ("acknowledged",),
    RequestType.COMPLAINT: ("responded", "closed"),
}
OUTCOME_LABELS = {
    "approved": _l("Approve: record what the client asked for"),
    "partly_approved": _l("Approve in part: record the value below"),
    "denied": _l("Deny, with HUD's reason"),
    "completed": _l("Printed and given to the client"),
    "acknowledged": _l("Noted, and applied in the HMIS of record"),
    "responded": _l("Answer the client"),
    "closed": _l("Close"),
    "escalated": _l("The client took it to County Community Services"),
    "escalation_decided": _l("Record County Community Services' decision"),
}
QUEUE_WORKERS = (Role.AGENCY_STAFF, Role.AGENCY_ADMIN, Role.HMIS_LEAD)


def _filters() -> queue.QueueFilters:
    args = request.args
    return queue.QueueFilters(
        type=args.get("type") or None,
        status=args.get("status") or None,
        agency=args.get("agency") or None,
        assignee=args.get("assignee") if args.get("assignee") in ("me", "nobody") else None,
        overdue=args.get("overdue") == "1",
        sort=args.get("sort") or "due",
        after=args.get("after") or None,
    )


def _labels() -> dict[str, object]:
    return {
        "type_labels": TYPE_LABELS,
        "status_labels": STATUS_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "reason_labels": DENIAL_REASON_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "category_labels": CATEGORY_LABELS,
        "contact_labels": CONTACT_LABELS,
        "standard_messages": workflow.STANDARD_MESSAGES,
        "event_labels": EVENT_LABELS,
        "is_overdue": is_overdue,
    }


@bp.get("/staff/queue")
@staff_required(*QUEUE_WORKERS)
def queue_list() -> Response:
    user = signed_in_staff()
    filters = _filters()
    page = queue.queue_page(db.session(), user, filters)
    record(db.session(), "queue.viewed")
    db.session().commit()
    return render_page(
        "staff_requests/queue.html",
        "staff_requests/_queue_results.html",
        results=page,
        filters=page.filters,
        agencies=queue.agency_choices(db.session(), user),
        open_statuses=sorted(OPEN),
        **_labels(),
    )


def _in_scope(reference: str) -> Request:
    found = queue.request_for_staff(db.session(), signed_in_staff(), reference)
    if found is None:
        abort(404)
    return found


def _decision_form(found: Request, **kwargs: object) -> DecisionForm:
    form = DecisionForm(version=found.version, **kwargs)
    outcomes = list(OUTCOMES[found.type])
    if found.type is RequestType.COMPLAINT and found.status is Status.RESPONDED:
        outcomes = ["closed", "escalated"]
    elif found.type is RequestType.COMPLAINT and found.status is Status.ESCALATED:
        outcomes = ["escalation_decided"]
    form.outcome.choices = [(outcome, OUTCOME_LABELS[outcome]) for outcome in outcomes]
    return form


def _render_request(found: Request, **forms: object) -> Response:
    """The request page; forms passed in (with their errors) replace the fresh ones."""
    user = signed_in_staff()
    seen = (
        visible_record(db.session(), Viewer.of(user), found.personal_id)
        if found.personal_id
        else None
    )
    reveal = request.args.get("show") == "ssn" and found.item_key == "identity.ssn"
    audit_request(
        db.session(), "client.ssn_revealed_by_staff" if reveal else "staff.request_viewed", found
    )
    db.session().commit()
    assignee = db.session().get(StaffUser, found.claimed_by_id) if found.claimed_by_id else None
    context: dict[str, object] = {
        "note_form": NoteForm(formdata=None, version=found.version),
        "message_form": MessageForm(formdata=None, version=found.version),
        "extend_form": ExtendForm(formdata=None, version=found.version),
        "decision_form": _decision_form(found, formdata=None),
        "claim_form": VersionedForm(formdata=None, version=found.version),
    }
    context.update(forms)
    return render_page(
        "staff_requests/request.html",
        found=found,
        seen=seen,
        reveal=reveal,
        assignee=assignee,
        item_label=items.staff_label(found.item_key),
        decided=found.status not in OPEN,
        **context,
        **_labels(),
    )


@bp.get("/staff/requests/<reference>")
@staff_required(*QUEUE_WORKERS)
def request_page(reference: str) -> Response:
    return _render_request(_in_scope(reference))


def _act(found: Request, action: str, change: Callable[[Request], None]) -> Response:
    """Run change(found) and commit; a refusal or a lost race is said plainly, never hidden."""
    try:
        change(found)
        audit_request(db.session(), action, found)
        db.session().commit()
    except RequestRefused as refused:
        db.session().rollback()
        flash(str(STAFF_REFUSALS.get(refused.code, refused.code)), "warning")
    except StaleDataError:  # someone else's change was committed first
        db.session().rollback()
        flash(str(STAFF_REFUSALS["stale_page"]), "warning")
    target = url_for("staff_requests.request_page", reference=found.reference)
    return redirect(target, 303)  # type: ignore[return-value]


@bp.post("/staff/requests/<reference>/claim")
@staff_required(*QUEUE_WORKERS)
def claim(reference: str) -> Response:
    found, form, user = _in_scope(reference), VersionedForm(), signed_in_staff()
    if not form.validate_on_submit():
        abort(400)
    return _act(found, "request.claimed", lambda r: workflow.claim(r, user, form.seen_version()))


@bp.post("/staff/requests/<reference>/release")
@staff_required(*QUEUE_WORKERS)
def release(reference: str) -> Response:
    found, form, user = _in_scope(reference), VersionedForm(), signed_in_staff()
    if not form.validate_on_submit():
        abort(400)
    return _act(found, "request.released", lambda r: workflow.release(r, user, form.seen_version()))


@bp.post("/staff/requests/<reference>/notes")
@staff_required(*QUEUE_WORKERS)
def add_note(reference: str) -> Response:
    found, form, user = _in_scope(reference), NoteForm(), signed_in_staff()
    if not form.validate_on_submit():
        return _render_request(found, note_form=form)
    return _act(found, "request.note_added", lambda r: workflow.add_note(r, user, form.note.data))


@bp.post("/staff/requests/<reference>/messages")
@staff_required(*QUEUE_WORKERS)
def send_message(reference: str) -> Response:
    found, form, user = _in_scope(reference), MessageForm(), signed_in_staff()
    if not form.validate_on_submit():
        return _render_request(found, message_form=form)
    return _act(
        found, "request.message_sent", lambda r: workflow.send_message(r, user, form.message())
    )


@bp.post("/staff/requests/<reference>/extension")
@staff_required(*QUEUE_WORKERS)
def extend(reference: str) -> Response:
    found, form, user = _in_scope(reference), ExtendForm(), signed_in_staff()
    if not form.validate_on_submit():
        return _render_request(found, extend_form=form)
    return _act(
        found,
        "request.extended",
        lambda r: workflow.extend(r, user, form.extension_reason.data, form.seen_version()),
    )


@bp.post("/staff/requests/<reference>/decision")
@staff_required(*QUEUE_WORKERS)
def decide(reference: str) -> Response:
    found, user = _in_scope(reference), signed_in_staff()
    form = _decision_form(found)
    if not form.validate_on_submit():
        return _render_request(found, decision_form=form)
    return _act(
        found,
        "request.decided",
        lambda r: workflow.decide(
            r,
            user,
            seen_version=form.seen_version(),
            outcome=form.outcome.data,
            explanation=form.explanation.data or "",
            corrected_value=form.corrected_value.data or None,
            denial_reason=form.denial_reason.data or None,
            handover=form.handover.data or None,
        ),
    )


ENTRY_REFUSALS = {
    "not_covered": _l("This form would change nothing: check whether the client already refuses."),
    "wrong_form": _l("The form is not published yet."),
}


def _enter_request(form: EnterRequestForm, user: StaffUser, personal_id: str) -> Request:
    kind = RequestType(form.type.data)
    channel = Channel(form.channel.data)
    author = workflow.staff_author(user)
    if kind in (RequestType.SHARING_REFUSAL, RequestType.SHARING_RESTORE):
        refuse = kind is RequestType.SHARING_REFUSAL
        version = current_version(db.session(), kind=sharing.form_kind(refuse))
        if version is None:
            raise RequestRefused("wrong_form")
        return sharing.sign(
            db.session(),
            personal_id=personal_id,
            refuse=refuse,
            covered=[personal_id],
            version=version,
            text=in_language(version, "en").text,
            signed_name=form.signed_name.data,
            drawn_signature=None,
            channel=channel,
            author=author,
            submission_key=None,
        )
    fields: dict[str, object] = {}
    if kind is RequestType.CORRECTION:
        fields = {
            "item_key": form.item_key.data,
            "current_value": form.current_value.data or "",
            "requested_value": form.requested_value.data,
            "reason": form.details.data,
        }
        if corrections.open_correction_for(db.session(), personal_id, form.item_key.data):
            raise RequestRefused("already_open")
    elif kind is RequestType.COMPLAINT:
        fields = {"category": "other", "description": form.details.data, "contact_method": "none"}
    return open_request(
        db.session(),
        kind,
        personal_id=personal_id,
        channel=channel,
        author=author,
        agency_id=user.organization_id,
        **fields,
    )


@bp.route("/staff/clients/<personal_id>/requests/new", methods=["GET", "POST"])
@staff_required(*QUEUE_WORKERS)
def enter_request(personal_id: str) -> Response:
    """Staff enter a request for a client they serve: in person, by telephone, paper or mail."""
    user = signed_in_staff()
    if not is_own_agency_client(db.session(), Viewer.of(user), personal_id):
        abort(404)
    form = EnterRequestForm()
    form.type.choices = [(kind, TYPE_LABELS[RequestType(kind)]) for kind in ENTERED_TYPES]
    form.channel.choices = [(c, CHANNEL_LABELS[Channel(c)]) for c in STAFF_CHANNELS]
    form.item_key.choices = [("", _l("Choose an item"))] + [
        (item.key, item.label_for_staff()) for item in items.STAFF_CORRECTABLE
    ]
    if form.validate_on_submit():
        try:
            created = _enter_request(form, user, personal_id)
        except RequestRefused as refused:
            message = ENTRY_REFUSALS.get(refused.code) or STAFF_REFUSALS.get(refused.code)
            form.type.errors = [str(message or refused.code)]
        else:
            audit_request(db.session(), "request.submitted", created)
            db.session().commit()
            flash(
                str(_l("Request %(reference)s is recorded.", reference=created.reference)),
                "success",
            )
            if queue.request_for_staff(db.session(), user, created.reference):
                target = url_for("staff_requests.request_page", reference=created.reference)
            else:  # a complaint goes to the HMIS lead only
                target = url_for("clients.client_page", personal_id=personal_id)
            return redirect(target, 303)  # type: ignore[return-value]
    return render_page("staff_requests/enter.html", form=form, personal_id=personal_id)
