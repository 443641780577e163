from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, request, stream_with_context, url_for
from sqlalchemy import select

from portal import db
from portal.accounts.current import staff_required
from portal.accounts.models import Role, StaffUser
from portal.audit.chain import FIELDS, chain_pending
from portal.audit.forms import AuditFilterForm
from portal.audit.models import AuditEntry
from portal.audit.services import AuditFilter, audit_page, audit_rows, record
from portal.htmx import render_page
from portal.timeutil import utcnow

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")
CSV_COLUMNS = (*FIELDS, "hmac")  # the chained fields and the HMAC, to check elsewhere


def _audit_key() -> bytes:
    return current_app.config["PORTAL"].audit_key.encode()  # type: ignore[no-any-return]


def _filters(form: AuditFilterForm) -> AuditFilter:
    return AuditFilter(
        personal_id=(form.personal_id.data or "").strip() or None,
        staff_user_id=(form.staff_user_id.data or "").strip() or None,
        agency=(form.agency.data or "").strip() or None,
        action=form.action.data or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


def _query_args() -> dict[str, str]:
    return {key: value for key, value in request.args.items() if value and key != "before"}


@bp.get("")
@staff_required(Role.HMIS_LEAD)
def entries_list() -> Response:
    form = AuditFilterForm(request.args)
    valid = form.validate() if request.args else True
    entries: list[AuditEntry] = []
    older = None
    if valid:
        # Entries written in the last moment get their place in the chain (their number) now,
        # unless the chainer is at it: then they show without one for a second.
        chain_pending(db.session(), _audit_key(), wait=False)
        before = request.args.get("before", type=int)
        entries, older = audit_page(db.session(), _filters(form), before)
        record(db.session(), "audit.viewed")
        db.session().commit()
    staff_ids = {int(e.actor_id) for e in entries if e.actor_kind == "staff" and e.actor_id}
    rows = db.session().execute(
        select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(staff_ids))
    )
    names = {str(user_id): name for user_id, name in rows}
    args = _query_args()
    return render_page(
        "audit/entries_list.html",
        form=form,
        entries=entries,
        names=names,
        older_url=url_for("audit.entries_list", before=older, **args) if older else None,
        export_url=url_for("audit.entries_export", **args),
    )


@bp.get("/export")
@staff_required(Role.HMIS_LEAD)
def entries_export() -> Response:
    form = AuditFilterForm(request.args)
    form.validate()
    filters = _filters(form)
    record(db.session(), "audit.exported")
    db.session().commit()

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for entry in audit_rows(db.session(), filters):
            writer.writerow(
                [
                    entry.at.isoformat() if column == "at" else getattr(entry, column)
                    for column in CSV_COLUMNS
                ]
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
