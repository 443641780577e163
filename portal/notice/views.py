from __future__ import annotations

import datetime as dt

from flask import Response, abort, flash, g, request, session
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from portal import db, device
from portal.access.current import client_required, signed_in_client
from portal.access.services import client_for_staff
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.models import Role
from portal.audience import CLIENT, PUBLIC, audience
from portal.audit.services import record
from portal.htmx import redirect_to, render_page
from portal.notice import fast_path, published, services
from portal.notice.blueprint import bp
from portal.notice.models import NoticeVersion
from portal.notice.published import PublishedVersion
from portal.notice.rendering import render_markdown

# How long browsers and proxies may keep the public notice without asking again: a version
# published meanwhile shows at most this late to a visitor who had the page open.
PUBLIC_MAX_AGE = 300


def _language() -> str:
    return str(get_locale() or "en")


def _render_version(template: str, number: int | None) -> ResponseReturnValue:
    db_session = db.session()
    ticket = published.versions().ticket()  # before reading: a publication meanwhile voids it
    current = services.current_published(db_session)
    if number is None or (current is not None and current.number == number):
        version: NoticeVersion | PublishedVersion | None = current
    else:
        version = services.version_by_number(db_session, number)
    if version is None:
        abort(404)
    notice = services.in_language(version, _language())
    is_current = current is not None and version.id == current.id

    def render() -> Response:
        return render_page(
            template,
            notice=notice,
            is_current=is_current,
            in_short=render_markdown(notice.text.in_short),
            body=render_markdown(notice.text.body),
        )

    if not isinstance(version, PublishedVersion) or not _same_for_everyone():
        return render()  # a signed-in reader's page carries their session: no-store
    page = published.versions().page(
        (template, _language(), version, is_current),
        version.published_at,
        lambda: render().get_data(as_text=True),
    )
    return _public(page, ticket)


def _same_for_everyone() -> bool:
    """Nobody signed in, no kiosk, no message waiting: the page is the same bytes for everyone
    reading this version in this language."""
    return (
        g.get("client_session") is None
        and not (session.get("_user_id") and current_user.is_authenticated)
        and not device.kiosk_name()
        and not session.get("_flashes")
    )


def _public(page: published.Page, ticket: published.Ticket | None) -> ResponseReturnValue:
    """The kept page, with what lets browsers and proxies keep it too (and ask if it changed);
    the whole response may be kept for the fast path in front of Flask (fast_path.py)."""
    response = Response(page.body, mimetype="text/html")
    response.set_etag(page.etag)
    response.last_modified = page.last_modified.replace(tzinfo=dt.UTC)
    response.vary.update(("Accept-Language", "Cookie", "HX-Request"))
    # A response that sets a cookie (?lang= remembered in the session) is nobody else's.
    g.cache_publicly = not session.modified
    response.cache_control.public = g.cache_publicly
    response.cache_control.max_age = PUBLIC_MAX_AGE
    if g.cache_publicly:
        fast_path.mark_keepable(ticket, _language())
    return response.make_conditional(request)


@bp.get("/privacy-notice")
@audience(PUBLIC)
def notice_show() -> ResponseReturnValue:
    return _render_version("notice/notice_show.html", None)


@bp.get("/privacy-notice/print")
@audience(PUBLIC)
def notice_print() -> ResponseReturnValue:
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
def version_show(number: int) -> ResponseReturnValue:
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


def _acknowledge(personal_id: str, version: NoticeVersion | PublishedVersion, channel: str) -> None:
    """Keep the acknowledgement and its audit entry, in one commit."""
    session = db.session()
    services.acknowledge(session, personal_id, version, channel)
    record(
        session,
        "notice.acknowledged",
        personal_id=personal_id,
        object_type="notice_version",
        object_id=version.number,
    )
    session.commit()


@bp.post("/staff/notice-acknowledgements")
@staff_required(Role.AGENCY_STAFF, Role.AGENCY_ADMIN, Role.HMIS_LEAD)
def acknowledge_for_client() -> ResponseReturnValue:
    """Staff record that a client read the current notice with them (staff-assisted)."""
    session = db.session()
    user = signed_in_staff()
    if not FlaskForm().validate_on_submit():
        abort(400)
    client = client_for_staff(session, user, request.form.get("personal_id", ""))
    pending = (
        services.needs_acknowledgement(session, client.personal_id) if client is not None else None
    )
    if client is None or pending is None:
        abort(404)
    _acknowledge(client.personal_id, pending, "staff_assisted")
    flash(_("The acknowledgement is saved."), "success")
    return redirect_to("accounts.workspace")


@bp.route("/privacy-notice/acknowledge", methods=["GET", "POST"])
@audience(CLIENT)
@client_required
def acknowledge() -> ResponseReturnValue:
    session = db.session()
    client_session = signed_in_client()
    pending = services.needs_acknowledgement(session, client_session.personal_id)
    if pending is None:
        return redirect_to("client.home")
    form = FlaskForm()
    if form.validate_on_submit():
        channel = "kiosk" if client_session.device == "kiosk" else "phone"
        _acknowledge(client_session.personal_id, pending, channel)
        return redirect_to("client.home")
    notice = services.in_language(pending, _language())
    before = services.last_acknowledged(session, client_session.personal_id, pending.kind)
    # A client who acknowledged an earlier version first reads what changed since then.
    changes = (
        [
            services.in_language(version, _language())
            for version in services.published_versions(session, pending.kind)
            if before < version.number <= pending.number
        ]
        if before is not None
        else []
    )
    return render_page(
        "notice/acknowledge.html",
        form=form,
        notice=notice,
        changes=changes,
        in_short=render_markdown(notice.text.in_short),
        body=render_markdown(notice.text.body),
    )


# The HMIS lead's pages live in modules of their own, on this blueprint.
from portal.notice import admin_views, partners_views  # noqa: E402

__all__ = ["admin_views", "bp", "partners_views"]
