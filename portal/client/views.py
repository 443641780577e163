from __future__ import annotations

from flask import Blueprint, Response, abort, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from portal import db
from portal.access.current import client_required, signed_in_client
from portal.access.services import HAND_OFF_LIFETIME, create_hand_off
from portal.audience import CLIENT, audience
from portal.audit.services import record, staff_access_to
from portal.hmis.models import Client
from portal.htmx import render_page
from portal.qr import qr_svg

bp = Blueprint("client", __name__)


@bp.get("/my-page")
@audience(CLIENT)
@client_required
def home() -> Response:
    client_session = signed_in_client()
    client = db.session().get(Client, client_session.personal_id)
    record(db.session(), "client.page_viewed", personal_id=client_session.personal_id)
    db.session().commit()
    return render_page("client/home.html", client=client)


@bp.post("/my-page/phone")
@audience(CLIENT)
@client_required
def phone_hand_off() -> Response:
    """On a kiosk: a QR code that opens this record on the client's own phone, once."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    client_session = signed_in_client()
    token = create_hand_off(db.session(), client_session)
    record(db.session(), "client.hand_off_created", personal_id=client_session.personal_id)
    db.session().commit()
    link = url_for("access.hand_off_redeem", token=token, _external=True)
    return render_page(
        "client/phone_hand_off.html",
        qr=qr_svg(link, _("QR code that opens your record on your phone")),
        minutes=int(HAND_OFF_LIFETIME.total_seconds() // 60),
    )


# Translators: what a staff member did with the client's record, shown to the client.
ACTION_LABELS = {
    "client.identity_viewed": _l("Looked at your name and date of birth"),
    "access_code.issued": _l("Gave you an access code"),
    "access_code.revoked": _l("Stopped your access code"),
    "notice.acknowledged": _l("Noted that you read the privacy notice"),
}
ROLE_LABELS = {
    "agency_staff": _l("Agency staff"),
    "agency_admin": _l("Agency administrator"),
    "hmis_lead": _l("HMIS lead (County Community Services)"),
    "system_admin": _l("System administrator"),
}


@bp.get("/my-page/who-looked")
@audience(CLIENT)
@client_required
def access_log() -> Response:
    """Who has looked at my record: date, agency, role and what was done, never staff names."""
    client_session = signed_in_client()
    events = staff_access_to(db.session(), client_session.personal_id)
    record(db.session(), "client.access_log_viewed", personal_id=client_session.personal_id)
    db.session().commit()
    return render_page(
        "client/access_log.html", events=events, actions=ACTION_LABELS, roles=ROLE_LABELS
    )
