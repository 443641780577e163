"""Consent pages: the client reads, signs and revokes; staff record a paper consent."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from portal import db
from portal.access.current import client_required, signed_in_client
from portal.accounts.current import signed_in_staff, staff_required
from portal.audience import CLIENT, audience
from portal.audit.services import record
from portal.consents import services
from portal.consents.forms import PROBLEMS, STAFF_PROBLEMS, ConsentForm, PaperConsentForm
from portal.consents.services import CONSENT_KINDS, ConsentRefused, Status
from portal.disclosures.items import OTHER_CONSENT, RESEARCH_CONSENT
from portal.disclosures.services import RECORDER_ROLES
from portal.htmx import redirect_to, render_page
from portal.notice.rendering import render_markdown
from portal.notice.services import current_version, in_language
from portal.sharing.rule import Viewer, is_own_agency_client
from portal.timeutil import utcnow

bp = Blueprint("consents", __name__)
# Translators: the two consent forms the HMIS lead publishes (names the client reads).
KIND_LABELS = {
    RESEARCH_CONSENT: _l("Consent to research that uses your name or SSN"),
    OTHER_CONSENT: _l("Consent to another use or sharing of your information"),
}
FORM_SLUGS = {"research": RESEARCH_CONSENT, "other": OTHER_CONSENT}
# Translators: a consent's status, on the client's consents page.
STATUS_LABELS = {
    Status.ACTIVE: _l("Active"),
    Status.EXPIRING: _l("Active, ends within 30 days"),
    Status.EXPIRED: _l("Ended"),
    Status.REVOKED: _l("Stopped by you"),
}
STAFF_STATUS_LABELS = {
    Status.ACTIVE: _l("Active"),
    Status.EXPIRING: _l("Active, ending within 30 days"),
    Status.EXPIRED: _l("Ended"),
    Status.REVOKED: _l("Revoked"),
}


def _published_forms() -> dict[str, object]:
    found: dict[str, object] = {}
    for slug, kind in FORM_SLUGS.items():
        version = current_version(db.session(), kind=kind)
        if version is not None:
            found[slug] = version
    return found


@bp.get("/my-page/consents")
@audience(CLIENT)
@client_required
def consents_list() -> Response:
    """Every consent the client gave (or gave for a child), with its status."""
    personal_id = signed_in_client().personal_id
    today = utcnow().date()
    consents = services.consents_for_client(db.session(), personal_id)
    record(db.session(), "client.consents_viewed", personal_id=personal_id)
    db.session().commit()
    return render_page(
        "consents/consents_list.html",
        consents=[(c, services.status_of(c, today)) for c in consents],
        forms=_published_forms(),
        kind_labels=KIND_LABELS,
        status_labels=STATUS_LABELS,
        me=personal_id,
    )


@bp.route("/my-page/consents/new", methods=["GET", "POST"])
@audience(CLIENT)
@client_required
def consent_new() -> ResponseReturnValue:
    """Read a consent form and sign it, for oneself or a child in one's household."""
    slug = request.args.get("form", "")
    if slug not in FORM_SLUGS:
        abort(404)
    version = current_version(db.session(), kind=FORM_SLUGS[slug])
    if version is None:
        abort(404)
    shown = in_language(version, str(get_locale() or "en"))
    personal_id = signed_in_client().personal_id
    people = services.may_sign_for(db.session(), personal_id, utcnow().date())
    form = ConsentForm()
    form.personal_id.choices = [
        (
            p.personal_id,
            _("Me") if p.personal_id == personal_id else (p.first_name or _("My child")),
        )
        for p in people
    ]
    if request.method == "GET":
        form.personal_id.data = personal_id
    if form.validate_on_submit():
        try:
            consent = services.sign_consent(
                db.session(),
                signer_id=personal_id,
                personal_id=form.personal_id.data or "",
                version=version,
                text=shown.text,
                recipient=form.recipient.data or "",
                purpose=form.purpose.data or "",
                end_date=form.end_date.required_date(),
                signed_name=form.signed_name.data or "",
                channel="portal",
            )
        except ConsentRefused as refused:
            db.session().rollback()
            target = form.end_date if refused.code.startswith("end") else form.personal_id
            target.errors = [
                *target.errors,
                str(PROBLEMS.get(refused.code, PROBLEMS["incomplete"])),
            ]
        else:
            record(
                db.session(),
                "consent.signed",
                personal_id=consent.personal_id,
                object_type="consent",
                object_id=consent.reference,
            )
            db.session().commit()
            return redirect_to("consents.consents_list")
    return render_page(
        "consents/consent_new.html",
        form=form,
        signer=personal_id,
        slug=slug,
        title=KIND_LABELS[version.kind],
        shown=shown,
        in_short=render_markdown(shown.text.in_short),
        body=render_markdown(shown.text.body),
    )


@bp.post("/my-page/consents/<reference>/revoke")
@audience(CLIENT)
@client_required
def consent_revoke(reference: str) -> ResponseReturnValue:
    """Stop a consent from now on, in one action (what was shared before stays shared)."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    personal_id = signed_in_client().personal_id
    consent = services.client_consent(db.session(), personal_id, reference)
    if consent is None:
        abort(404)
    if services.revoke(db.session(), consent, "client"):
        db.session().commit()
    return redirect_to("consents.consents_list")


@bp.route("/staff/consents/new", methods=["GET", "POST"])
@staff_required(*RECORDER_ROLES)
def paper_consent_new() -> ResponseReturnValue:
    """A consent the client signed on paper, typed in by the HMIS lead or an agency admin."""
    user = signed_in_staff()
    form = PaperConsentForm()
    forms = {kind: current_version(db.session(), kind=kind) for kind in CONSENT_KINDS}
    form.kind.choices = [
        SelectChoice(kind, KIND_LABELS[kind]) for kind, v in forms.items() if v is not None
    ]
    if form.validate_on_submit():
        personal_id = (form.personal_id.data or "").strip()
        signer = (form.signed_by.data or "").strip() or personal_id
        version = forms.get(form.kind.data or "")
        viewer = Viewer.of(user)
        if version is None:
            form.kind.errors = [*form.kind.errors, str(STAFF_PROBLEMS["wrong_form"])]
        elif not is_own_agency_client(db.session(), viewer, personal_id):
            form.personal_id.errors = [str(STAFF_PROBLEMS["other_agency"])]
        else:
            try:
                consent = services.sign_consent(
                    db.session(),
                    signer_id=signer,
                    personal_id=personal_id,
                    version=version,
                    text=in_language(version, "en").text,
                    recipient=form.recipient.data or "",
                    purpose=form.purpose.data or "",
                    end_date=form.end_date.required_date(),
                    signed_name=form.signed_name.data or "",
                    channel="paper",
                    recorded_by_id=user.id,
                    recorder_agency=user.organization_id,
                )
            except ConsentRefused as refused:
                db.session().rollback()
                target = form.end_date if refused.code.startswith("end") else form.personal_id
                message = STAFF_PROBLEMS.get(refused.code, STAFF_PROBLEMS["incomplete"])
                target.errors = [*target.errors, str(message)]
            else:
                record(
                    db.session(),
                    "consent.recorded",
                    personal_id=consent.personal_id,
                    object_type="consent",
                    object_id=consent.reference,
                )
                db.session().commit()
                flash(
                    _(
                        "Consent recorded. Its reference is %(reference)s.",
                        reference=consent.reference,
                    ),
                    "success",
                )
                return redirect_to("consents.staff_consents_list")
    return render_page("consents/paper_consent_new.html", form=form)


def _staff_agency() -> str | None:
    viewer = Viewer.of(signed_in_staff())
    return None if viewer.sees_everything else viewer.agency_id


@bp.get("/staff/consents")
@staff_required(*RECORDER_ROLES)
def staff_consents_list() -> Response:
    """Recent consents with their status; the lead sees all, an agency those it recorded."""
    today = utcnow().date()
    consents = services.consents_for_staff(db.session(), _staff_agency())
    return render_page(
        "consents/staff_consents_list.html",
        consents=[(c, services.status_of(c, today)) for c in consents],
        kind_labels=KIND_LABELS,
        status_labels=STAFF_STATUS_LABELS,
    )


@bp.post("/staff/consents/<reference>/revoke")
@staff_required(*RECORDER_ROLES)
def staff_consent_revoke(reference: str) -> ResponseReturnValue:
    """The client stopped a consent on paper or by phone: staff record it, from now on."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    consent = services.consent_by_reference(db.session(), reference)
    agency = _staff_agency()
    if consent is None or (agency is not None and consent.recorder_agency != agency):
        abort(404)
    if services.revoke(db.session(), consent, "staff"):
        db.session().commit()
        flash(_("The consent is stopped from now on."), "success")
    return redirect_to("consents.staff_consents_list")
