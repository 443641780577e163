"""The staff side of requests: the queue and the request page with its actions.

The queue's filters live in the URL (plain links and a GET form; htmx swaps only the results).
Each action on a request is a POST that names the version of the request the page showed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypedDict

from flask import Response, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from portal import db
from portal.accounts.current import current_staff, signed_in_staff, staff_required
from portal.accounts.models import Role, StaffUser
from portal.hmis import items
from portal.htmx import render_page
from portal.notice.services import current_version, in_language
from portal.requests import assignment, corrections, printing, queue, workflow
from portal.requests.blueprint import bp
from portal.requests.coded_labels import coded_choices, coded_value_label, english_labels
from portal.requests.forms import CATEGORY_LABELS, CONTACT_LABELS
from portal.requests.labels import (
    CHANNEL_LABELS,
    DENIAL_REASON_LABELS,
    EVENT_LABELS,
    HANDOVER_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
)
from portal.requests.models import Channel, Request, RequestType, Status
from portal.requests.services import OPEN, RequestRefused, audit_request, is_overdue, open_request
from portal.requests.staff_forms import (
    ENTERED_TYPES,
    STAFF_CHANNELS,
    AssignForm,
    DecisionForm,
    EnterRequestForm,
    ExtendForm,
    MessageForm,
    NoteForm,
    VersionedForm,
    decision_form_class,
)
from portal.sharing import services as sharing
from portal.sharing.rule import Viewer, is_own_agency_client, visible_record

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
    "same_decider": _l(
        "You answered this complaint first. Someone else decides the escalation: the HMIS "
        "lead's desk or the county."
    ),
    "not_manager": _l("Only the HMIS lead or the agency's data administrator can assign it."),
    "not_a_colleague": _l("That colleague cannot work on this request."),
    "not_printed_copy": _l("Only a printed-copy request has a record to print."),
    "no_record": _l("The client's record is not in the portal."),
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


@bp.app_context_processor
def _staff_navigation() -> dict[str, object]:
    """The navigation's queue count, counted only when a staff page shows it (cached)."""

    def queue_count() -> int:
        user = current_staff()
        return queue.open_count(db.session(), user) if user is not None else 0

    return {"queue_count": queue_count}


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
        "handover_labels": HANDOVER_LABELS,
        "is_overdue": is_overdue,
    }


def _in_scope(reference: str) -> Request:
    found = queue.request_for_staff(db.session(), signed_in_staff(), reference)
    if found is None:
        abort(404)
    return found


def _decision_form(found: Request, **kwargs: object) -> DecisionForm:
    standards = corrections.data_standards_of(db.session(), found.personal_id or "")
    form_class = (
        decision_form_class(found.item_key, standards)
        if found.type is RequestType.CORRECTION
        else DecisionForm
    )
    form = form_class(version=found.version, **kwargs)
    outcomes = list(OUTCOMES[found.type])
    if found.type is RequestType.COMPLAINT and found.status is Status.RESPONDED:
        outcomes = ["closed", "escalated"]
    elif found.type is RequestType.COMPLAINT and found.status is Status.ESCALATED:
        outcomes = ["escalation_decided"]
    form.outcome.choices = [(outcome, OUTCOME_LABELS[outcome]) for outcome in outcomes]
    return form


def _colleague_choices(colleagues: list[StaffUser], found: Request) -> list[SelectChoice]:
    # Names are not words to translate.
    return [SelectChoice("", _l("Choose a colleague"))] + [
        SelectChoice(str(c.id), c.name, render_kw={"translate": "no"})
        for c in colleagues
        if queue.in_scope(c, found)
    ]


def _render_request(found: Request, status: int = 200, **forms: object) -> Response:
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
    colleagues = (
        assignment.colleagues_for(db.session(), user)
        if assignment.is_manager_of(user, found)
        else []
    )
    standards = corrections.data_standards_of(db.session(), found.personal_id or "")
    assign_form = AssignForm(formdata=None, version=found.version)
    assign_form.assignee.choices = _colleague_choices(colleagues, found)
    context: dict[str, object] = {
        "assign_form": assign_form,
        "note_form": NoteForm(formdata=None, version=found.version),
        "message_form": MessageForm(formdata=None, version=found.version),
        "extend_form": ExtendForm(formdata=None, version=found.version),
        "decision_form": _decision_form(found, formdata=None),
        "claim_form": VersionedForm(formdata=None, version=found.version),
    }
    context.update(forms)
    response = render_page(
        "requests/staff_request.html",
        found=found,
        seen=seen,
        reveal=reveal,
        assignee=assignee,
        item_label=items.staff_label(found.item_key),
        coded_label=lambda value: coded_value_label(found.item_key, value, standards),
        decided=found.status not in OPEN,
        manager=bool(colleagues),
        printed_by=(
            db.session().get(StaffUser, found.printed_by_id) if found.printed_by_id else None
        ),
        first_decider=workflow.is_first_decider(found, user.id),
        **context,
        **_labels(),
    )
    response.status_code = status
    return response


@bp.get("/staff/requests/<reference>")
@staff_required(*QUEUE_WORKERS)
def staff_request_page(reference: str) -> Response:
    return _render_request(_in_scope(reference))


def _act(found: Request, action: str, change: Callable[[Request], None]) -> ResponseReturnValue:
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
    target = url_for("requests.staff_request_page", reference=found.reference)
    return redirect(target, 303)


@bp.post("/staff/requests/<reference>/claim")
@staff_required(*QUEUE_WORKERS)
def claim(reference: str) -> ResponseReturnValue:
    found, form, user = _in_scope(reference), VersionedForm(), signed_in_staff()
    if not form.validate_on_submit():
        abort(400)
    return _act(found, "request.claimed", lambda r: workflow.claim(r, user, form.seen_version()))


@bp.post("/staff/requests/<reference>/release")
@staff_required(*QUEUE_WORKERS)
def release(reference: str) -> ResponseReturnValue:
    found, form, user = _in_scope(reference), VersionedForm(), signed_in_staff()
    if not form.validate_on_submit():
        abort(400)
    return _act(
        found, "request.released", lambda r: assignment.release(r, user, form.seen_version())
    )


@bp.post("/staff/requests/<reference>/assignment")
@staff_required(*QUEUE_WORKERS)
def assign(reference: str) -> ResponseReturnValue:
    """A manager hands the request to a named colleague, with the reason on the timeline."""
    found, user = _in_scope(reference), signed_in_staff()
    colleagues = assignment.colleagues_for(db.session(), user)
    form = AssignForm()
    form.assignee.choices = _colleague_choices(colleagues, found)
    if not form.validate_on_submit():
        return _render_request(found, assign_form=form)
    chosen = next(c for c in colleagues if str(c.id) == form.assignee.data)
    return _act(
        found,
        "request.assigned",
        lambda r: assignment.assign(
            r, user, chosen, form.assign_reason.data or "", form.seen_version()
        ),
    )


@bp.get("/staff/requests/<reference>/record-pdf")
@staff_required(*QUEUE_WORKERS)
def record_print(reference: str) -> ResponseReturnValue:
    """The client's record PDF for a printed-copy request: the document the client gets,
    marked with the request and who printed it; audited."""
    found, user = _in_scope(reference), signed_in_staff()
    try:
        body = printing.print_record(db.session(), found, user)
    except RequestRefused as refused:
        flash(str(STAFF_REFUSALS.get(refused.code, refused.code)), "warning")
        target = url_for("requests.staff_request_page", reference=found.reference)
        return redirect(target, 303)
    audit_request(db.session(), "request.record_printed", found)
    db.session().commit()
    response = Response(body, mimetype="application/pdf")
    # No name or id in the file name: the request's reference is enough to find it again.
    response.headers["Content-Disposition"] = f'attachment; filename="record-{found.reference}.pdf"'
    return response


@bp.post("/staff/requests/<reference>/notes")
@staff_required(*QUEUE_WORKERS)
def add_note(reference: str) -> ResponseReturnValue:
    found, form, user = _in_scope(reference), NoteForm(), signed_in_staff()
    if not form.validate_on_submit():
        return _render_request(found, note_form=form)
    return _act(
        found, "request.note_added", lambda r: workflow.add_note(r, user, form.note.data or "")
    )


@bp.post("/staff/requests/<reference>/messages")
@staff_required(*QUEUE_WORKERS)
def send_message(reference: str) -> ResponseReturnValue:
    found, form, user = _in_scope(reference), MessageForm(), signed_in_staff()
    if not form.validate_on_submit():
        return _render_request(found, message_form=form)
    return _act(
        found, "request.message_sent", lambda r: workflow.send_message(r, user, form.message())
    )


@bp.post("/staff/requests/<reference>/extension")
@staff_required(*QUEUE_WORKERS)
def extend(reference: str) -> ResponseReturnValue:
    found, form, user = _in_scope(reference), ExtendForm(), signed_in_staff()
    if not form.validate_on_submit():
        return _render_request(found, extend_form=form)
    return _act(
        found,
        "request.extended",
        lambda r: workflow.extend(r, user, form.extension_reason.data or "", form.seen_version()),
    )


@bp.post("/staff/requests/<reference>/decision")
@staff_required(*QUEUE_WORKERS)
def decide(reference: str) -> ResponseReturnValue:
    found, user = _in_scope(reference), signed_in_staff()
    form = _decision_form(found)
    if not form.validate_on_submit():
        return _render_request(found, decision_form=form)
    try:
        workflow.decide(
            found,
            user,
            seen_version=form.seen_version(),
            outcome=form.outcome.data,
            explanation=form.explanation.data or "",
            corrected_value=form.corrected_value.data or None,
            corrected_codes=form.chosen_codes(),
            denial_reason=form.denial_reason.data or None,
            handover=form.handover.data or None,
        )
        audit_request(db.session(), "request.decided", found)
        db.session().commit()
    except (RequestRefused, StaleDataError) as refused:
        # Said next to the decision form, with what was chosen kept, never only at the top.
        db.session().rollback()
        code = refused.code if isinstance(refused, RequestRefused) else "stale_page"
        found = _in_scope(reference)
        kept = _decision_form(found)
        kept.version.data = found.version
        kept.outcome.errors = [str(STAFF_REFUSALS.get(code, code))]
        return _render_request(found, decision_form=kept)
    target = url_for("requests.staff_request_page", reference=found.reference)
    return redirect(target, 303)


ENTRY_REFUSALS = {
    "not_covered": _l("This form would change nothing: check whether the client already refuses."),
    "wrong_form": _l("The form is not published yet."),
}


class _ComplaintFields(TypedDict, total=False):
    """What open_request takes besides its own arguments, for a complaint."""

    category: str | None
    description: str | None
    contact_method: str | None
    contact_details: str | None


def _enter_request(form: EnterRequestForm, user: StaffUser, personal_id: str) -> Request:
    kind = RequestType(form.type.data)
    channel = Channel(form.channel.data)
    author = workflow.staff_author(user)
    if kind in (RequestType.SHARING_REFUSAL, RequestType.SHARING_RESTORE):
        refuse = kind is RequestType.SHARING_REFUSAL
        version = current_version(db.session(), kind=sharing.form_kind(refuse))
        if version is None:
            raise RequestRefused("wrong_form")
        signed = sharing.sign(
            db.session(),
            personal_id=personal_id,
            refuse=refuse,
            covered=[personal_id],
            version=version,
            text=in_language(version, "en").text,
            signed_name=form.signed_name.data or "",  # required here by PaperForm.validate
            drawn_signature=None,
            channel=channel,
            author=author,
            submission_key=None,
        )
        # The agency that received the paper form: its queue acknowledges it, its reports count it.
        signed.agency_id = user.organization_id
        return signed
    if kind is RequestType.CORRECTION:
        # A coded item stores HUD's codes and their English words, as the client's form does.
        # Required here by EnterRequestForm.validate (the codes, or a free-text item's value).
        standards = corrections.data_standards_of(db.session(), personal_id)
        codes = form.chosen_codes() if form.is_coded() else []
        requested = (
            english_labels(form.item_key.data or "", codes, standards)
            if codes
            else form.requested_value.data or ""
        )
        return corrections.request_correction(
            db.session(),
            personal_id=personal_id,
            item_key=form.item_key.data,
            current_value=form.current_value.data or "",
            requested_value=requested,
            requested_code=";".join(codes) or None,
            reason=form.details.data or "",
            evidence=None,
            agency_id=user.organization_id,
            channel=channel,
            author=author,
            submission_key=None,
        )
    fields: _ComplaintFields = {}
    if kind is RequestType.COMPLAINT:
        fields = {
            "category": form.category.data,
            "description": form.details.data,
            "contact_method": form.contact_method.data,
            "contact_details": (
                form.contact_details.data if form.contact_method.data != "none" else None
            )
            or None,
        }
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
def enter_request(personal_id: str) -> ResponseReturnValue:
    """Staff enter a request for a client they serve: in person, by telephone, paper or mail."""
    user = signed_in_staff()
    if not is_own_agency_client(db.session(), Viewer.of(user), personal_id):
        abort(404)
    form = EnterRequestForm()
    form.type.choices = [(kind, TYPE_LABELS[RequestType(kind)]) for kind in ENTERED_TYPES]
    form.channel.choices = [(c, CHANNEL_LABELS[Channel(c)]) for c in STAFF_CHANNELS]
    standards = corrections.data_standards_of(db.session(), personal_id)
    form.item_key.choices = [("", _l("Choose an item"))] + [
        (item.key, item.label_for_staff())
        for item in items.STAFF_CORRECTABLE
        if standards in item.standards
    ]
    form.requested_codes.choices = coded_choices(standards)
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
                target = url_for("requests.staff_request_page", reference=created.reference)
            else:  # a complaint goes to the HMIS lead only
                target = url_for("sharing.client_page", personal_id=personal_id)
            return redirect(target, 303)
    return render_page("requests/staff_enter.html", form=form, personal_id=personal_id)


# The queue's own routes (search, views, bulk actions, export) on this blueprint.
from portal.requests import queue_views  # noqa: E402, F401
