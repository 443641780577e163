"""The Client Data Sharing Refusal Form and the restore form, signed online.

Steps, one thing per page: read the form; choose who it covers (only when the client heads a
household with children); agree to sign electronically and type the full name; check; sign. The
answers ride along in hidden fields; the form version read rides along too, so a version
published meanwhile is noticed rather than signed unseen.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from portal import db, device
from portal.access.current import client_required, signed_in_client
from portal.audience import CLIENT, audience
from portal.errors import error_page
from portal.hmis.models import Client
from portal.htmx import render_page
from portal.notice.models import NoticeVersion
from portal.notice.rendering import render_markdown
from portal.notice.services import current_version, in_language
from portal.pdf import pdf_from_template
from portal.requests.drafts import drop_draft, load_draft, save_draft
from portal.requests.forms import CoveredForm, SignForm
from portal.requests.models import Channel, Request, RequestType
from portal.requests.services import (
    CLIENT_AUTHOR,
    RequestRefused,
    audit_request,
    by_submission_key,
    client_request,
    new_submission_key,
    usable_key,
)
from portal.sharing import services
from portal.sharing.blueprint import bp
from portal.sharing.rule import sharing_history

ACTIONS = {"stop": True, "start": False}  # URL word -> refuse?
PAGES = ("who", "sign", "check")  # the steps after reading, each a GET page of its own
TITLES = {
    True: _l("Stop sharing your record"),
    False: _l("Start sharing your record again"),
}
SIGN_LABELS = {
    True: _l("Sign and stop sharing"),
    False: _l("Sign and start sharing again"),
}


def _refuse(action: str) -> bool:
    if action not in ACTIONS:
        abort(404)
    return ACTIONS[action]


def _form_version(refuse: bool) -> NoticeVersion:
    version = current_version(db.session(), kind=services.form_kind(refuse))
    if version is None:
        abort(404)
    return version


def _version_read(form: Mapping[str, str]) -> int:
    """The form version the page showed (0 when the field is missing or mangled)."""
    value = form.get("version_id") or ""
    return int(value) if value.isdigit() and len(value) < 10 else 0


@bp.get("/sharing")
@audience(CLIENT)
@client_required
def sharing_page() -> Response:
    personal_id = signed_in_client().personal_id
    history = sharing_history(db.session(), personal_id)
    can_stop = services.people_for_form(db.session(), personal_id, refuse=True)
    can_start = services.people_for_form(db.session(), personal_id, refuse=False)
    return render_page(
        "sharing/status.html", history=history, can_stop=can_stop, can_start=can_start
    )


def _context(refuse: bool, action: str, version: NoticeVersion) -> dict[str, object]:
    shown = in_language(version, str(get_locale() or "en"))
    return {
        "refuse": refuse,
        "action": action,
        "title": TITLES[refuse],
        "sign_label": SIGN_LABELS[refuse],
        "version": version,
        "shown": shown,
        "in_short": render_markdown(shown.text.in_short),
        "body": render_markdown(shown.text.body),
    }


@bp.route("/sharing/<action>", methods=["GET", "POST"])
@audience(CLIENT)
@client_required
def sharing_form(action: str) -> ResponseReturnValue:
    refuse = _refuse(action)
    version = _form_version(refuse)
    personal_id = signed_in_client().personal_id
    people = services.people_for_form(db.session(), personal_id, refuse)
    context = _context(refuse, action, version)
    kind, page = f"sharing:{action}", request.args.get("page")
    if request.method == "POST":
        answers = MultiDict(request.form)
    elif page in PAGES:  # a step after a POST (Post/Redirect/Get): the answers kept so far
        key = request.args.get("key")
        answers = load_draft(db.session(), key=key, kind=kind, owner=personal_id)
        if not answers:
            sent = by_submission_key(db.session(), key)
            if sent is not None and sent.personal_id == personal_id:
                return redirect(url_for("sharing.receipt", reference=sent.reference), 303)
            return redirect(url_for("sharing.sharing_form", action=action), 303)
    else:
        answers = MultiDict()
    if not people:
        flash(
            str(
                _("You already do not share your record.")
                if refuse
                else _("Your record is already shared.")
            ),
            "info",
        )
        return redirect(url_for("sharing.sharing_page"), 303)
    if not usable_key(answers.get("submission_key")):
        answers["submission_key"] = new_submission_key()
    if len(people) == 1:
        answers.setlist("covered", [people[0].personal_id])
    choices = [(person.personal_id, person.first_name) for person in people]
    covered_form = CoveredForm(formdata=answers if answers.getlist("covered") else None)
    covered_form.covered.choices = choices
    sign_form = SignForm(formdata=answers if "signed_name" in answers else None)

    def show(page: str) -> Response:
        return render_page(
            page,
            covered_form=covered_form,
            sign_form=sign_form,
            people=people,
            answers=answers,
            **context,
        )

    def advance(to: str) -> ResponseReturnValue:
        """The next step as a page of its own: Back and reload never post again."""
        key = save_draft(
            db.session(),
            key=answers["submission_key"],
            kind=kind,
            owner=personal_id,
            answers=answers,
        )
        db.session().commit()
        return redirect(url_for("sharing.sharing_form", action=action, page=to, key=key), 303)

    if request.method == "GET":
        if page in PAGES and _version_read(answers) == version.id:
            return show(f"sharing/{page}.html")
        return show("sharing/read.html")
    step, goto = answers.get("step"), answers.get("goto")
    if _version_read(answers) != version.id:
        flash(_("A new version of this form came out. Read it again before you sign."), "warning")
        return show("sharing/read.html")
    if goto in ("who", "sign"):  # "change" on the check page: the step, filled in, no errors
        return advance(goto)
    if step == "read":
        return advance("who" if len(people) > 1 else "sign")
    covered_form = CoveredForm(formdata=answers)
    covered_form.covered.choices = choices
    if not covered_form.validate():
        return show("sharing/who.html")
    if step == "who":
        return advance("sign")
    sign_form = SignForm(formdata=answers)
    if not (sign_form.validate() and _signed_as_client(sign_form, personal_id)):
        return show("sharing/sign.html")
    return advance("check")


def _signed_as_client(sign_form: SignForm, personal_id: str) -> bool:
    """The typed name must be the client's own (accents, case and spaces aside); if not, the
    field says what to type."""
    client = db.session().get(Client, personal_id)
    if client is not None and services.signature_matches(sign_form.signed_name.data or "", client):
        return True
    name = (
        " ".join(part for part in (client.first_name, client.last_name) if part) if client else ""
    )
    sign_form.signed_name.errors = [
        *sign_form.signed_name.errors,
        _("Type your name as it is in your record: %(name)s", name=name),
    ]
    return False


@bp.post("/sharing/<action>/sign")
@audience(CLIENT)
@client_required
def sharing_sign(action: str) -> ResponseReturnValue:
    refuse = _refuse(action)
    version = _form_version(refuse)
    client_session = signed_in_client()
    sign_form = SignForm()
    covered = request.form.getlist("covered")
    if (
        _version_read(request.form) != version.id
        or not sign_form.validate()
        or not _signed_as_client(sign_form, client_session.personal_id)
    ):
        flash(_("This page is out of date. Start again from the form."), "warning")
        return redirect(url_for("sharing.sharing_form", action=action), 303)
    shown = in_language(version, str(get_locale() or "en"))
    try:
        signed = services.sign(
            db.session(),
            personal_id=client_session.personal_id,
            refuse=refuse,
            covered=covered,
            version=version,
            text=shown.text,
            signed_name=sign_form.signed_name.data or "",  # required: a str once validated
            drawn_signature=sign_form.drawn_signature.data,
            channel=Channel.KIOSK if client_session.device == "kiosk" else Channel.PHONE,
            author=CLIENT_AUTHOR,
            submission_key=request.form.get("submission_key") or None,
        )
    except RequestRefused:
        flash(_("This page is out of date. Start again from the form."), "warning")
        return redirect(url_for("sharing.sharing_page"), 303)
    audit_request(db.session(), "sharing.refused" if refuse else "sharing.restored", signed)
    drop_draft(db.session(), request.form.get("submission_key"))
    db.session().commit()
    return redirect(url_for("sharing.receipt", reference=signed.reference), 303)


def _signed_form(reference: str) -> Request:
    signed = client_request(db.session(), signed_in_client().personal_id, reference)
    if signed is None or signed.type not in (
        RequestType.SHARING_REFUSAL,
        RequestType.SHARING_RESTORE,
    ):
        abort(404)
    return signed


def _receipt_context(signed: Request) -> dict[str, object]:
    version = db.session().get(NoticeVersion, signed.form_version_id)
    shown = in_language(version, signed.form_language or "en") if version else None
    return {
        "signed": signed,
        # The full text signed, in the language it was signed in (its hash is on the receipt).
        "signed_text": shown.text if shown else None,
        "signed_in_short": render_markdown(shown.text.in_short) if shown else "",
        "signed_body": render_markdown(shown.text.body) if shown else "",
        "covered": [db.session().get(Client, change.personal_id) for change in signed.covered],
        "version": db.session().get(NoticeVersion, signed.form_version_id),
        "refuse": signed.type is RequestType.SHARING_REFUSAL,
    }


@bp.get("/sharing/receipt/<reference>")
@audience(CLIENT)
@client_required
def receipt(reference: str) -> Response:
    """What was signed (form version, hash of the exact text), when, by whom, for whom."""
    return render_page("sharing/receipt.html", **_receipt_context(_signed_form(reference)))


@bp.get("/sharing/receipt/<reference>/pdf")
@audience(CLIENT)
@client_required
def receipt_pdf(reference: str) -> Response:
    """The receipt as a PDF to keep (not on a shared kiosk)."""
    if device.kiosk_name():
        return error_page(403)
    signed = _signed_form(reference)
    body = pdf_from_template(
        "sharing/receipt_pdf.html", language=str(get_locale() or "en"), **_receipt_context(signed)
    )
    audit_request(db.session(), "sharing.receipt_downloaded", signed)
    db.session().commit()
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="sharing-receipt-{signed.reference}.pdf"'
    )
    return response


# The staff's client pages live in a module of their own, on this blueprint.
from portal.sharing import staff_views  # noqa: E402

__all__ = ["bp", "staff_views"]
