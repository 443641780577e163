from __future__ import annotations

from flask import Blueprint, Response, abort, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal import db
from portal.access.current import client_required, current_client_session
from portal.access.services import HAND_OFF_LIFETIME, create_hand_off
from portal.audience import CLIENT, audience
from portal.audit.services import record
from portal.hmis.models import Client
from portal.htmx import render_page
from portal.qr import qr_svg

bp = Blueprint("client", __name__)


@bp.get("/my-page")
@audience(CLIENT)
@client_required
def home() -> Response:
    client_session = current_client_session()
    assert client_session is not None  # client_required
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
    client_session = current_client_session()
    assert client_session is not None  # client_required
    token = create_hand_off(db.session(), client_session)
    record(db.session(), "client.hand_off_created", personal_id=client_session.personal_id)
    db.session().commit()
    link = url_for("access.hand_off_redeem", token=token, _external=True)
    return render_page(
        "client/phone_hand_off.html",
        qr=qr_svg(link, _("QR code that opens your record on your phone")),
        minutes=int(HAND_OFF_LIFETIME.total_seconds() // 60),
    )
