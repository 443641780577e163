from __future__ import annotations

from flask import Blueprint, Response

from portal import db
from portal.access.current import client_required, current_client_session
from portal.audience import CLIENT, audience
from portal.hmis.models import Client
from portal.htmx import render_page

bp = Blueprint("client", __name__)


@bp.get("/my-page")
@audience(CLIENT)
@client_required
def home() -> Response:
    client_session = current_client_session()
    assert client_session is not None  # client_required
    client = db.session().get(Client, client_session.personal_id)
    return render_page("client/home.html", client=client)
