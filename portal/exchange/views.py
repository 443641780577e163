"""The HMIS lead's exchange with the HMIS of record: the last imports and the export of changes
(an import run's own page is in import_views.py; importing this module registers both).

The export is a plain form POST answered with the CSV as an attachment (a download cannot be an
htmx swap); a bad date re-renders the page with the error next to the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, current_app, flash, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField
from wtforms.validators import InputRequired, ValidationError

from portal import db
from portal.accounts.current import staff_required
from portal.accounts.models import Role
from portal.exchange import changes, import_report, services
from portal.exchange.blueprint import bp
from portal.exchange.import_views import RULE_LABELS
from portal.htmx import render_page
from portal.timeutil import utcnow

__all__ = ["bp"]

RECENT_IMPORTS = 20


class DayField(DateField):
    """A date as the browser's date input sends it (or as typed: 2026-03-01, 3/1/2026).

    An empty or blank field has no date and no error, so it gets the "enter a date" message
    rather than the "not a real date" one."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


ENTER_A_DATE = _l("Enter the date to export changes from.")


class ExportForm(FlaskForm):
    since = DayField(
        _l("Changes made on or after"),
        format=["%Y-%m-%d", "%m/%d/%Y"],
        invalid_value_message=_l("Enter a real date, for example 2026-03-01."),
        validators=[InputRequired(ENTER_A_DATE)],
    )
    again = BooleanField(_l("Include rows already exported"))

    def validate_since(self, field: DayField) -> None:
        if field.data is None and not field.errors:
            # Only spaces: InputRequired sees something typed, but there is no date.
            raise ValidationError(ENTER_A_DATE)
        if field.data and field.data > _today():
            raise ValidationError(_l("The date must be today or earlier."))


def _timezone() -> str:
    return str(current_app.config["PORTAL"].timezone)


def _today() -> dt.date:
    return to_user_timezone(utcnow()).date()


PREVIEW_ROWS = 10
CHANGE_LABELS = {
    changes.CORRECTION: _l("Corrections"),
    changes.SHARING_REFUSED: _l("Sharing refused"),
    changes.SHARING_RESTORED: _l("Sharing restored"),
}


def _page(form: ExportForm, preview: changes.ChangesExport | None = None) -> Response:
    session = db.session()
    services.note_viewed(session)
    return render_page(
        "exchange/exchange_show.html",
        form=form,
        imports=import_report.recent_imports(session, RECENT_IMPORTS),
        rule_labels=RULE_LABELS,
        preview=preview,
        preview_rows=preview.rows[:PREVIEW_ROWS] if preview else [],
        per_kind=changes.rows_per_kind(preview) if preview else {},
        change_labels=CHANGE_LABELS,
        columns=changes.COLUMNS,
        pending=changes.pending_count(session),
        last_export=changes.last_export_at(session),
    )


@bp.get("/staff/exchange")
@staff_required(Role.HMIS_LEAD)
def exchange_show() -> Response:
    last = changes.last_export_at(db.session())
    since = to_user_timezone(last).date() if last else None
    return _page(ExportForm(data={"since": since}))


@bp.post("/staff/exchange/export")
@staff_required(Role.HMIS_LEAD)
def changes_export() -> Response:
    form = ExportForm()
    if not form.validate() or form.since.data is None:  # required: a date once valid
        return _page(form)
    since = changes.start_of_day(form.since.data, _timezone())
    session = db.session()
    action = request.form.get("action", "export")
    if action in ("preview", "dry_run"):
        # What the file will hold, without marking anything exported.
        preview = services.preview_changes(session, since=since, again=form.again.data)
        if action == "preview":
            return _page(form, preview)
        return _csv(preview.csv_text(), "hmis-changes-dry-run")
    try:
        body = services.export_changes(session, since=since, again=form.again.data)
    except changes.ExportRaced:
        flash(_("Another export ran at the same moment; nothing was exported. Try again."), "error")
        return _page(form)
    return _csv(body, "hmis-changes")


def _csv(body: str, name: str) -> Response:
    filename = f"{name}-{utcnow():%Y%m%d-%H%M%S}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
