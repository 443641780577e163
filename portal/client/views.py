from __future__ import annotations

from flask import Blueprint, Response, abort, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal import db, device
from portal.access.current import client_required, end_sessions_here, signed_in_client
from portal.access.services import HAND_OFF_LIFETIME, create_hand_off
from portal.audience import CLIENT, audience
from portal.audit.services import record
from portal.client import downloads, record_view
from portal.client.record import client_record
from portal.disclosures.accounting import accounting
from portal.errors import error_page
from portal.hmis.models import Client
from portal.htmx import render_page
from portal.notice.services import current_version
from portal.qr import qr_svg
from portal.requests.labels import (
    CLIENT_STATUS_WORDS,
    DENIAL_REASON_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
)
from portal.requests.services import client_requests, has_news
from portal.sessions import start_over_in_browser
from portal.timeutil import utcnow

bp = Blueprint("client", __name__)


@bp.get("/my-page")
@audience(CLIENT)
@client_required
def home() -> Response:
    client_session = signed_in_client()
    client = db.session().get(Client, client_session.personal_id)
    requests = client_requests(db.session(), client_session.personal_id)
    record(db.session(), "client.page_viewed", personal_id=client_session.personal_id)
    db.session().commit()
    return render_page(
        "client/home.html",
        client=client,
        requests=requests,
        has_news=has_news,
        type_labels=TYPE_LABELS,
        client_status_words=CLIENT_STATUS_WORDS,
    )


def _record_page(show_ssn: bool) -> Response:
    client_session = signed_in_client()
    language = str(get_locale() or "en")
    found = record_view.record_page(db.session(), client_session.personal_id, language)
    if found is None:
        abort(404)
    action = "client.ssn_revealed" if show_ssn else "client.record_viewed"
    record(db.session(), action, personal_id=client_session.personal_id)
    db.session().commit()
    return render_page(
        "client/record.html",
        "client/_record_identity.html",
        record=found,
        show_ssn=show_ssn,
        reason_labels=DENIAL_REASON_LABELS,
        type_labels=TYPE_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.get("/my-record")
@audience(CLIENT)
@client_required
def record_page() -> Response:
    """The record as the HMIS holds it; the SSN masked until the client asks to see it."""
    return _record_page(show_ssn=False)


@bp.get("/my-record/ssn")
@audience(CLIENT)
@client_required
def record_ssn() -> Response:
    """The same page with the full SSN (the reveal is in the audit trail)."""
    return _record_page(show_ssn=True)


DOWNLOADS = {
    "pdf": ("application/pdf", downloads.record_pdf),
    "json": ("application/json", downloads.record_json),
    "csv": ("text/csv; charset=utf-8", downloads.record_csv),
}


@bp.get("/my-record/download/<file_format>")
@audience(CLIENT)
@client_required
def record_download(file_format: str) -> Response:
    """The record as a file, made in memory; never on a shared kiosk."""
    if file_format not in DOWNLOADS:
        abort(404)
    if device.kiosk_name():
        return error_page(403)
    client_session = signed_in_client()
    found = client_record(db.session(), client_session.personal_id)
    if found is None:
        abort(404)
    notice = current_version(db.session())
    produced_at = utcnow()
    mimetype, make = DOWNLOADS[file_format]
    body = make(
        found,
        produced_at=produced_at,
        notice_version=notice.number if notice else None,
        language=str(get_locale() or "en"),
    )
    record(
        db.session(),
        "client.record_downloaded",
        personal_id=client_session.personal_id,
        object_type="file",
        object_id=file_format,
    )
    db.session().commit()
    response = Response(body, mimetype=mimetype)
    # No name or id in the file name: it may sit in a downloads folder others see.
    name = f"hmis-record-{produced_at:%Y-%m-%d}.{file_format}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/my-page/phone")
@audience(CLIENT)
@client_required
def phone_hand_off() -> Response:
    """On a kiosk: a QR code and a short link that open this record on the client's own phone,
    once. The kiosk is signed out at once: the record goes with the person, not the screen."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    client_session = signed_in_client()
    token = create_hand_off(db.session(), client_session)
    record(db.session(), "client.hand_off_created", personal_id=client_session.personal_id)
    get_locale()  # this answer stays in the language read so far; the kiosk forgets it after
    end_sessions_here("handed_off")
    start_over_in_browser()
    link = url_for("access.hand_off_redeem", token=token, _external=True)
    return render_page(
        "client/phone_hand_off.html",
        qr=qr_svg(link, _("QR code that opens your record on your phone")),
        typed_link=link.split("://", 1)[-1],
        minutes=int(HAND_OFF_LIFETIME.total_seconds() // 60),
    )


@bp.get("/my-page/who-looked")
@audience(CLIENT)
@client_required
def access_log() -> Response:
    """Who saw my information: portal access and recorded disclosures in one list, newest first
    (never staff names)."""
    client_session = signed_in_client()
    lines = accounting(db.session(), client_session.personal_id)
    record(db.session(), "client.access_log_viewed", personal_id=client_session.personal_id)
    db.session().commit()
    return render_page("disclosures/who_saw.html", lines=lines)
