"""The staff queue page: search, filters in the URL, named views, bulk actions, CSV export.

Routes of the requests blueprint, kept apart from the request page's (staff_views). Every
action is a real form first; htmx only swaps the results.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Response, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from portal import db
from portal.accounts.current import signed_in_staff, staff_required
from portal.accounts.models import Role, StaffUser
from portal.audit.services import record
from portal.htmx import render_page
from portal.i18n import local_date, local_midnight
from portal.requests import assignment, queue, saved_views
from portal.requests.blueprint import bp
from portal.requests.labels import STATUS_LABELS, TYPE_LABELS
from portal.requests.models import Request
from portal.requests.services import OPEN, RequestRefused
from portal.requests.staff_forms import SavedViewForm
from portal.requests.staff_views import QUEUE_WORKERS
from portal.timeutil import utcnow

BULK_LABELS = {
    "claim": _l("Work on them myself"),
    "assign": _l("Assign them to the colleague chosen below"),
    "release": _l("Put them back in the queue"),
}
BULK_REFUSALS = {
    "nothing_ticked": _l("Tick the requests first."),
    "assignee_needed": _l("Choose the colleague to assign them to."),
    "unknown_action": _l("Choose what to do with the selected requests."),
}
EXPORT_DAYS_MAX = 366


def _queue_context(user: StaffUser, filters: queue.QueueFilters) -> dict[str, Any]:
    page = queue.queue_page(db.session(), user, filters)
    return {
        "results": page,
        "filters": page.filters,
        "agencies": queue.agency_choices(db.session(), user),
        "open_statuses": sorted(OPEN),
        "type_labels": TYPE_LABELS,
        "status_labels": STATUS_LABELS,
        "saved_views": saved_views.saved_views(db.session(), user.id),
        "view_form": SavedViewForm(formdata=None, query=urlencode(page.filters.args(after=None))),
        "bulk_labels": BULK_LABELS,
        "colleagues": assignment.colleagues_for(db.session(), user),
        "today": utcnow().date(),
    }


@bp.get("/staff/queue")
@staff_required(*QUEUE_WORKERS)
def queue_list() -> Response:
    user = signed_in_staff()
    context = _queue_context(user, queue.QueueFilters.from_args(request.args))
    record(db.session(), "queue.viewed")
    db.session().commit()
    response = render_page("requests/queue.html", "requests/_queue_results.html", **context)
    return response


@bp.post("/staff/queue/bulk")
@staff_required(*QUEUE_WORKERS)
def queue_bulk() -> ResponseReturnValue:
    """Claim, assign or release the ticked requests in one submit."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    # Back to the queue as it was: the filters it carried, read as filters (never pasted raw
    # into the Location header, where a stray newline or a foreign argument does not belong).
    kept = queue.QueueFilters.from_args(MultiDict(parse_qsl(request.form.get("back") or "")))
    query = urlencode(kept.args())
    target = url_for("requests.queue_list") + ("?" + query if query else "")
    try:
        outcome = assignment.bulk(
            db.session(),
            signed_in_staff(),
            request.form.getlist("reference")[:200],
            request.form.get("action", ""),
            assignee_id=request.form.get("assignee") or None,
            reason=request.form.get("bulk_reason", "").strip()[:500],
        )
    except RequestRefused as refused:
        flash(str(BULK_REFUSALS.get(refused.code, refused.code)), "warning")
        return redirect(target, 303)
    db.session().commit()
    if outcome.done:
        count = len(outcome.done)
        flash(ngettext("%(num)d request changed.", "%(num)d requests changed.", count), "success")
    if outcome.refused:
        refs = ", ".join(outcome.refused)
        flash(
            _("Not changed (someone else's, decided, or not yours to change): %(refs)s", refs=refs),
            "warning",
        )
    return redirect(target, 303)


@bp.post("/staff/queue/views")
@staff_required(*QUEUE_WORKERS)
def queue_view_save() -> ResponseReturnValue:
    """Keep the queue's current filters under a name, for this user."""
    user = signed_in_staff()
    form = SavedViewForm()
    if not form.validate_on_submit():
        filters = queue.QueueFilters.from_args(MultiDict(parse_qsl(form.query.data or "")))
        context = _queue_context(user, filters)
        context["view_form"] = form
        return render_page("requests/queue.html", **context)
    filters = queue.QueueFilters.from_args(MultiDict(parse_qsl(form.query.data or "")))
    query = urlencode(filters.args(after=None))
    try:
        saved_views.save_view(db.session(), user.id, form.view_name.data or "", query)
    except saved_views.TooManySavedViews:
        flash(_("You have 20 saved views. Delete one first."), "warning")
    except saved_views.DuplicateViewName:
        flash(_("You already have a view with that name."), "warning")
    else:
        db.session().commit()
        flash(_("The view is saved."), "success")
    target = url_for("requests.queue_list") + ("?" + query if query else "")
    return redirect(target, 303)


@bp.post("/staff/queue/views/<int:view_id>/delete")
@staff_required(*QUEUE_WORKERS)
def queue_view_delete(view_id: int) -> ResponseReturnValue:
    if not FlaskForm().validate_on_submit():
        abort(400)
    if not saved_views.delete_view(db.session(), signed_in_staff().id, view_id):
        abort(404)
    db.session().commit()
    flash(_("The view is deleted."), "success")
    return redirect(url_for("requests.queue_list"), 303)


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        return None


EXPORT_COLUMNS = (
    "reference",
    "type",
    "status",
    "agency_id",
    "agency",
    "submitted_at",
    "due_at",
    "assigned_to",
)


@bp.get("/staff/queue/export")
@staff_required(Role.AGENCY_ADMIN, Role.HMIS_LEAD)
def queue_export() -> Response:
    """The queue's requests received in a date range, as CSV (no client names: references).
    The range is of the county's days, both ends included. Without dates: this month so far,
    as the queue's export form starts."""
    today = local_date()
    start = _day(request.args.get("from")) if request.args.get("from") else today.replace(day=1)
    end = _day(request.args.get("to")) if request.args.get("to") else today
    if start is None or end is None or end < start or (end - start).days > EXPORT_DAYS_MAX:
        abort(400)
    user = signed_in_staff()
    filters = replace(queue.QueueFilters.from_args(request.args), after=None)
    statement = queue.page_statement(user, filters, limit=None, decided_too=True).where(
        Request.submitted_at >= local_midnight(start),
        Request.submitted_at < local_midnight(end + dt.timedelta(days=1)),
    )
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in db.session().execute(statement.execution_options(yield_per=2000)):
        writer.writerow(
            [
                row.reference,
                row.type,
                row.status,
                _safe(row.agency_id or ""),
                _safe(row.agency_name or ""),
                row.submitted_at.isoformat(),
                row.due_at.isoformat(),
                _safe(row.assignee_name or ""),
            ]
        )
    record(db.session(), "queue.exported", object_type="dates", object_id=f"{start}/{end}")
    db.session().commit()
    response = Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv; charset=utf-8")
    name = f"queue-{start}-to-{end}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _safe(cell: str) -> str:
    """No spreadsheet formula from a name typed by someone."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
