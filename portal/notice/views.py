from __future__ import annotations

from flask import Blueprint, Response, abort, flash, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal import db
from portal.access.current import client_required, current_client_session
from portal.access.services import client_for_staff
from portal.accounts.current import current_staff, staff_required
from portal.accounts.models import Role
from portal.audience import CLIENT, PUBLIC, audience
from portal.audit.services import record
from portal.htmx import redirect_to, render_page
from portal.notice import services
from portal.notice.rendering import render_markdown

bp = Blueprint("notice", __name__)


def _language() -> str:
    return str(get_locale() or "en")


def _render_version(template: str, number: int | None) -> Response:
    session = db.session()
    current = services.current_version(session)
    version = current if number is None else services.version_by_number(session, number)
    if version is None:
        abort(404)
    notice = services.in_language(version, _language())
    return render_page(
        template,
        notice=notice,
        is_current=current is not None and version.id == current.id,
        in_short=render_markdown(notice.text.in_short),
        body=render_markdown(notice.text.body),
    )


@bp.get("/privacy-notice")
@audience(PUBLIC)
def notice_show() -> Response:
    return _render_version("notice/notice_show.html", None)


@bp.get("/privacy-notice/print")
@audience(PUBLIC)
def notice_print() -> Response:
    return _render_version("notice/notice_print.html", None)


@bp.get("/privacy-notice/versions")
@audience(PUBLIC)
def versions_list() -> Response:
    session = db.session()
    versions = [
        services.in_language(version, _language())
        for version in services.published_versions(session)
    ]
    current = services.current_version(session)
    return render_page(
        "notice/versions_list.html",
        versions=versions,
        current_id=current.id if current else None,
    )


@bp.get("/privacy-notice/versions/<int:number>")
@audience(PUBLIC)
def version_show(number: int) -> Response:
    return _render_version("notice/notice_show.html", number)


@bp.get("/partner-agencies")
@audience(PUBLIC)
def partners_list() -> Response:
    session = db.session()
    return render_page(
        "notice/partners_list.html",
        agencies=services.partner_agencies(session),
        changed_at=services.partner_list_changed_at(session),
    )


@bp.post("/staff/notice-acknowledgements")
@staff_required(Role.AGENCY_STAFF, Role.AGENCY_ADMIN, Role.HMIS_LEAD)
def acknowledge_for_client() -> Response:
    """Staff record that a client read the current notice with them (staff-assisted)."""
    session = db.session()
    user = current_staff()
    assert user is not None  # staff_required
    if not FlaskForm().validate_on_submit():
        abort(400)
    client = client_for_staff(session, user, request.form.get("personal_id", ""))
    pending = client and services.needs_acknowledgement(session, client.personal_id)
    if client is None or pending is None:
        abort(404)
    services.acknowledge(session, client.personal_id, pending, "staff_assisted")
    record(
        session,
        "notice.acknowledged",
        personal_id=client.personal_id,
        object_type="notice_version",
        object_id=pending.number,
    )
    session.commit()
    flash(_("The acknowledgement is saved."), "success")
    return redirect_to("accounts.workspace")


@bp.route("/privacy-notice/acknowledge", methods=["GET", "POST"])
@audience(CLIENT)
@client_required
def acknowledge() -> Response:
    session = db.session()
    client_session = current_client_session()
    assert client_session is not None  # client_required
    pending = services.needs_acknowledgement(session, client_session.personal_id)
    if pending is None:
        return redirect_to("client.home")
    form = FlaskForm()
    if form.validate_on_submit():
        channel = "kiosk" if client_session.device == "kiosk" else "phone"
        services.acknowledge(session, client_session.personal_id, pending, channel)
        record(
            session,
            "notice.acknowledged",
            personal_id=client_session.personal_id,
            object_type="notice_version",
            object_id=pending.number,
        )
        session.commit()
        return redirect_to("client.home")
    notice = services.in_language(pending, _language())
    return render_page(
        "notice/acknowledge.html",
        form=form,
        notice=notice,
        in_short=render_markdown(notice.text.in_short),
        body=render_markdown(notice.text.body),
    )
