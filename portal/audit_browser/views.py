from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from portal import db
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.models import Role, StaffUser
from portal.audit.chain import FIELDS
from portal.audit.models import AuditEntry
from portal.audit.services import AuditFilter, audit_rows
from portal.audit.verification import latest_verification, start_in_background
from portal.audit_browser import services
from portal.audit_browser.forms import AuditFilterForm
from portal.audit_browser.labels import ACTOR_LABELS, DEVICE_LABELS, ROLE_LABELS, action_label
from portal.config import current_settings
from portal.hmis.models import Organization
from portal.htmx import render_page
from portal.timeutil import utcnow

bp = Blueprint("audit_browser", __name__, url_prefix="/staff/audit")
CSV_COLUMNS = (*FIELDS, "hmac")  # the chained fields and the HMAC, to check elsewhere
WORD_COLUMNS = ("staff_name", "action_words")  # for people reading it; not chained
STUCK_AFTER = dt.timedelta(hours=1)  # a check that never finished (the server stopped)


def _safe(cell: str) -> str:
    """No spreadsheet formula from a name someone typed."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _audit_key() -> bytes:
    return current_settings().audit_key.encode()


def _filters(form: AuditFilterForm) -> AuditFilter:
    return AuditFilter(
        personal_id=services.client_of(db.session(), form.personal_id.data or ""),
        staff_user_id=(form.staff_user_id.data or "").strip() or None,
        agency=(form.agency.data or "").strip() or None,
        action=form.action.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


def _query_args() -> dict[str, str]:
    return {key: value for key, value in request.args.items() if value and key != "before"}


def _form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    users = db.session().execute(
        select(StaffUser.id, StaffUser.name, StaffUser.email).order_by(StaffUser.name)
    )
    form.staff_user_id.choices = [SelectChoice("", _("Anyone"))] + [
        SelectChoice(str(user_id), f"{name} ({email})", render_kw={"translate": "no"})
        for user_id, name, email in users
    ]
    return form


def _names(entries: list[AuditEntry]) -> tuple[dict[str, str], dict[str, str]]:
    """Staff names by id and agency names by HMIS OrganizationID, for these entries."""
    staff_ids = {int(e.actor_id) for e in entries if e.actor_kind == "staff" and e.actor_id}
    staff = db.session().execute(
        select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(staff_ids))
    )
    agency_ids = {e.actor_agency for e in entries if e.actor_agency}
    agencies = db.session().execute(
        select(Organization.organization_id, Organization.name).where(
            Organization.organization_id.in_(agency_ids)
        )
    )
    return {str(i): n for i, n in staff}, dict(agencies.tuples().all())


@bp.get("")
@staff_required(Role.HMIS_LEAD)
def entries_list() -> Response:
    form = _form()
    valid = form.validate() if request.args else True
    entries: list[AuditEntry] = []
    older = None
    if valid:
        before = request.args.get("before", type=int)
        entries, older = services.browse(db.session(), _audit_key(), _filters(form), before)
    names, agencies = _names(entries)
    args: dict[str, Any] = _query_args()  # Any: as url_for takes its values
    return render_page(
        "audit_browser/entries_list.html",
        form=form,
        entries=entries,
        names=names,
        agencies=agencies,
        action_label=action_label,
        actor_labels=ACTOR_LABELS,
        role_labels=ROLE_LABELS,
        device_labels=DEVICE_LABELS,
        check=latest_verification(db.session()),
        older_url=url_for("audit_browser.entries_list", before=older, **args) if older else None,
        export_url=url_for("audit_browser.entries_export", **args),
    )


@bp.post("/verify")
@staff_required(Role.HMIS_LEAD)
def chain_verify() -> ResponseReturnValue:
    """Start checking the whole chain in the background; the page shows the result."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    latest = latest_verification(db.session())
    if latest is not None and latest.running and latest.started_at > utcnow() - STUCK_AFTER:
        flash(_("The check is already running."), "info")
        return redirect(url_for("audit_browser.entries_list"), 303)
    check = services.start_check(db.session(), signed_in_staff().id)
    start_in_background(check.id)
    flash(_("The check has started. Its result shows here when it is done."), "success")
    return redirect(url_for("audit_browser.entries_list"), 303)


@bp.get("/verification")
@staff_required(Role.HMIS_LEAD)
def verification_show() -> Response:
    """The latest check's result (htmx polls it while the check runs)."""
    return render_page(
        "audit_browser/verification.html",
        "audit_browser/_verification.html",
        check=latest_verification(db.session()),
    )


@bp.get("/export")
@staff_required(Role.HMIS_LEAD)
def entries_export() -> Response:
    form = _form()
    form.validate()
    filters = _filters(form)
    services.note_exported(db.session())

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow((*CSV_COLUMNS, *WORD_COLUMNS))
        staff = dict(db.session().execute(select(StaffUser.id, StaffUser.name)).tuples().all())
        for entry in audit_rows(db.session(), filters):
            name = (
                staff.get(int(entry.actor_id))
                if entry.actor_kind == "staff" and entry.actor_id and entry.actor_id.isdigit()
                else None
            )
            writer.writerow(
                [
                    entry.at.isoformat() if column == "at" else getattr(entry, column)
                    for column in CSV_COLUMNS
                ]
                + [_safe(name or ""), action_label(entry.action)]
            )
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    filename = f"audit-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
